"""Browser tests: Playwright (Python) driving Debian's Chromium, headless (DESIGN §8).

Every test here is marked `browser`. Without /usr/bin/chromium they are skipped with a reason,
unless RAPPORT_REQUIRE_BROWSER=1 (set by `make test-browser` and CI), which turns the skip into
a failure so a CI box that lost its browser cannot pass silently.

Screenshots of every step go to test-artifacts/browser/ (gitignored), kept as CI artifacts.
RAPPORT_CHROMIUM points at another Chromium binary (default /usr/bin/chromium).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# pytest-django's live server listens on "localhost" unless told otherwise; pin it to IPv4
# loopback, the one address the external-request guard below lets through by name.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

CHROMIUM = Path(os.environ.get("RAPPORT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
REQUIRE = os.environ.get("RAPPORT_REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists() or REQUIRE:
        return  # with REQUIRE and no browser, the `browser` fixture fails each test
    here = Path(__file__).parent
    reason = f"{CHROMIUM} not found: install Debian's `chromium` package to run browser tests"
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. Module-scoped on purpose: while Playwright's sync API is
    running, its asyncio loop counts as running in this thread, and Django's async-safety guard
    would refuse every ORM call, in these tests and in any test run after them in the same
    process. So the guard is lifted only while the browser is up, and the loop is stopped
    before the next module. The calls are in fact synchronous and sequential."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(
            f"RAPPORT_REQUIRE_BROWSER=1 but {CHROMIUM} is missing (apt-get install chromium).",
            pytrace=False,
        )
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass
class Session:
    """One browser context and page, with what it saw: console errors and external requests."""

    page: object
    base_url: str
    name: str
    console_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    shots: list[Path] = field(default_factory=list)

    def goto(self, path: str):
        return self.page.goto(self.base_url + path)

    def shot(self, step: str, *, full_page: bool = True) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}--{len(self.shots) + 1:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        self.shots.append(path)
        return path

    def assert_clean_console(self) -> None:
        assert self.console_errors == [], "console errors:\n" + "\n".join(self.console_errors)


@pytest.fixture
def open_session(browser, live_server, request):
    """Factory: open_session(viewport=..., color_scheme=...) -> Session.

    Every request to a host other than this machine is aborted and recorded, so a page that
    needs the internet (a CDN, a font, a validator badge) fails its test instead of working
    only on a connected laptop.
    """
    contexts = []
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")

    def open_(*, viewport=DESKTOP, color_scheme="light", locale="en-US", suffix=""):
        context = browser.new_context(
            viewport=viewport,
            color_scheme=color_scheme,
            locale=locale,
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        name = test_name + (f"-{suffix}" if suffix else "")
        session = Session(page=page, base_url=live_server.url, name=name)

        def route(route_):
            host = urlsplit(route_.request.url).hostname or ""
            if route_.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
                route_.continue_()
            else:
                session.external_requests.append(route_.request.url)
                route_.abort("internetdisconnected")

        def on_console(message):
            if message.type == "error":
                session.console_errors.append(f"{page.url}: {message.text}")

        context.route("**/*", route)
        page.on("console", on_console)
        page.on("pageerror", lambda error: session.console_errors.append(f"{page.url}: {error}"))
        return session

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def personas(transactional_db):
    from rapport.core.testing import build_personas

    return build_personas()


@pytest.fixture
def pipeline(transactional_db):
    """The default sales pipeline: a transactional test flushes the tables, so the one the
    migration made is gone and is made again here the same way."""
    import importlib

    from django.apps import apps

    from rapport.sales.models import Pipeline

    migration = importlib.import_module("rapport.sales.migrations.0003_default_pipeline")
    migration.create_default(apps, None)
    return Pipeline.objects.get(is_default=True)
