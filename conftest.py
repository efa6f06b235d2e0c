"""Shared pytest configuration. Tests never reach the network."""

import socket

import pytest


@pytest.fixture(autouse=True)
def _no_network(monkeypatch, request):
    """Refuse connections to anything but this machine."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in {"localhost", "::1"} or host.startswith("/")
        ):
            raise RuntimeError(f"Tests must not reach the network (tried {address!r}).")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
