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


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: a request in 中文 activates it for the
    thread, and a later test (a command's output, a service's message) must not inherit it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: cached figures (today's live KPI rows, the
    latest snapshot day) must not outlive the database rows of the test that made them."""
    from django.core.cache import cache

    cache.clear()
