"""Security headers and a Content Security Policy without inline scripts, checked on the
rendered pages we serve: ours, allauth's, the Django admin's and the API docs."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.test import Client, SimpleTestCase, override_settings
from django.urls import reverse

from rapport.core.testing import PASSWORD, PersonaTestCase
from rapport.org import services
from rapport.org.tests.auth_helpers import (
    FAILURE_LIMIT,
    code_for,
    reauthenticate,
    reset_caches,
    sign_in,
    signed_in_user_id,
    totp_secret,
)

# <script> types a browser does not run: data blocks are allowed under a strict CSP.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class ScriptScanner(HTMLParser):
    """Finds what a CSP without 'unsafe-inline' would block or a reviewer would flag:
    inline script bodies, on* handler attributes, javascript: URLs, foreign script hosts."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.script_sources: list[str] = []
        self._open_script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attributes.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self._open_script = attributes
            src = attributes.get("src")
            if src is not None:
                self.script_sources.append(src)
                if not src.startswith("/") or src.startswith("//"):
                    self.problems.append(f"script from another origin: {src}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._open_script = None

    def handle_data(self, data):
        script = self._open_script
        if script is None or "src" in script or not data.strip():
            return
        if (script.get("type") or "").lower() not in DATA_SCRIPT_TYPES:
            self.problems.append(f"inline script: {data.strip()[:80]!r}")


def script_problems(html: str) -> tuple[list[str], list[str]]:
    scanner = ScriptScanner()
    scanner.feed(html)
    scanner.close()
    return scanner.problems, scanner.script_sources


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


class ScannerTests(SimpleTestCase):
    """The scanner itself must catch what it is for, or the page tests prove nothing."""

    def test_it_flags_inline_scripts_handlers_and_foreign_sources(self):
        problems, _sources = script_problems(
            '<script>alert(1)</script><a href="javascript:x()">x</a>'
            '<button onclick="x()">b</button><script src="https://cdn.example/x.js"></script>'
            '<script src="//cdn.example/y.js"></script>'
        )
        self.assertEqual(len(problems), 5, problems)

    def test_it_accepts_same_origin_files_and_data_blocks(self):
        problems, sources = script_problems(
            '<script src="/static/a.js" defer></script>'
            '<script type="application/json">{"a": 1}</script>'
        )
        self.assertEqual(problems, [])
        self.assertEqual(sources, ["/static/a.js"])


class HeaderTests(PersonaTestCase):
    def setUp(self):
        reset_caches()

    def _assert_security_headers(self, response):
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Referrer-Policy"], "same-origin")
        self.assertEqual(response["Cross-Origin-Opener-Policy"], "same-origin")
        csp = csp_directives(response)
        self.assertEqual(csp["script-src"], ["'self'"])
        self.assertEqual(csp["style-src"][0], "'self'")
        self.assertTrue(all(s.startswith("'sha256-") for s in csp["style-src"][1:]))
        self.assertEqual(csp["default-src"], ["'self'"])
        self.assertEqual(csp["frame-ancestors"], ["'none'"])
        self.assertEqual(csp["object-src"], ["'none'"])
        self.assertEqual(csp["base-uri"], ["'self'"])
        self.assertEqual(csp["form-action"], ["'self'"])
        for sources in csp.values():
            self.assertNotIn("'unsafe-inline'", sources)
            self.assertNotIn("'unsafe-eval'", sources)

    def test_pages_api_and_errors_carry_the_headers(self):
        signed_in = self.web("am_a1")
        responses = {
            "sign-in page": Client().get(reverse("account_login")),
            "home": signed_in.get("/"),
            "api": signed_in.get("/api/v1/me/"),
            "not found": signed_in.get("/people/999999/"),
            "api docs": signed_in.get(reverse("api-docs")),
        }
        for name, response in responses.items():
            with self.subTest(page=name):
                self._assert_security_headers(response)

    def test_lockout_page_carries_the_headers(self):
        client = Client()
        for _ in range(FAILURE_LIMIT):
            response = sign_in(client, "am_a1", "wrong-password-1")
        self.assertEqual(response.status_code, 429)
        self._assert_security_headers(response)

    def test_session_and_csrf_cookies(self):
        client = Client()
        client.get(reverse("account_login"))
        response = sign_in(client, "am_a1")
        session_cookie = response.cookies[settings.SESSION_COOKIE_NAME]
        self.assertTrue(session_cookie["httponly"])
        self.assertEqual(session_cookie["samesite"], "Lax")
        self.assertEqual(client.cookies[settings.CSRF_COOKIE_NAME]["samesite"], "Lax")

    @override_settings(SECURE_SSL_REDIRECT=True)
    def test_plain_http_is_redirected_except_the_health_check(self):
        self.assertEqual(Client().get(reverse("account_login")).status_code, 301)
        self.assertIn(Client().get("/healthz").status_code, {200, 503})

    @override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
    def test_hsts_over_https_without_preload(self):
        response = Client().get(reverse("account_login"), secure=True)
        self.assertEqual(
            response["Strict-Transport-Security"], "max-age=31536000; includeSubDomains"
        )


class NoInlineScriptTests(PersonaTestCase):
    """The CSP allows scripts from this origin only; every page we serve, allauth's, the
    admin's and the API docs included, must work within it."""

    def setUp(self):
        reset_caches()

    def _assert_clean(self, response, page: str):
        self.assertEqual(response.status_code, 200, f"{page}: {response.status_code}")
        self.assertIn("text/html", response["Content-Type"])
        problems, _sources = script_problems(response.content.decode())
        self.assertEqual(problems, [], page)

    def test_sign_in_pages(self):
        anonymous = Client()
        for name in ["account_login", "account_reset_password"]:
            with self.subTest(page=name):
                self._assert_clean(anonymous.get(reverse(name)), name)
        client = Client()
        sign_in(client, "lead_a")
        self._assert_clean(client.get(reverse("mfa_authenticate")), "mfa_authenticate")

    def test_account_pages_of_a_signed_in_user(self):
        client = Client()
        sign_in(client, "lead_a")
        client.post(reverse("mfa_authenticate"), {"code": code_for(totp_secret(self.p.lead_a))})
        self.assertEqual(signed_in_user_id(client), self.p.lead_a.pk)
        RecoveryCodes.activate(self.p.lead_a)
        for name in [
            "mfa_index",
            "usersessions_list",
            "account_change_password",
            "account_reauthenticate",
        ]:
            with self.subTest(page=name):
                self._assert_clean(client.get(reverse(name)), name)
        reauthenticate(client)
        self._assert_clean(client.get(reverse("mfa_view_recovery_codes")), "recovery codes")

    def test_enrolment_page(self):
        client = Client()
        sign_in(client, "am_a1")
        reauthenticate(client)
        response = client.get(reverse("mfa_activate_totp"))
        self._assert_clean(response, "mfa_activate_totp")
        # The QR code is an image (data: URI, allowed by img-src), not a script.
        self.assertContains(response, 'src="data:image/svg+xml;base64,')

    def test_app_pages(self):
        client = self.web("lead_a")
        for path in ["/", "/people/", "/teams/", "/profile/", "/audit/"]:
            with self.subTest(page=path):
                self._assert_clean(client.get(path), path)

    def test_django_admin(self):
        root = services.user_create(
            actor=None,
            data={"username": "root", "email": "root@example.com", "is_superuser": True},
            password=PASSWORD,
        )
        TOTP.activate(root, generate_totp_secret())
        client = Client()
        client.force_login(root)
        pages = [
            "/admin/",
            "/admin/org/user/",
            f"/admin/org/user/{self.p.am_a1.pk}/change/",
            "/admin/org/team/",
            f"/admin/org/team/{self.p.team_a.pk}/change/",
            "/admin/axes/accessattempt/",
        ]
        for path in pages:
            with self.subTest(page=path):
                self._assert_clean(client.get(path), path)

    def test_api_docs_load_their_script_from_this_origin(self):
        client = self.web("am_a1")
        page = client.get(reverse("api-docs"))
        self._assert_clean(page, "api docs")
        _problems, sources = script_problems(page.content.decode())
        init = [src for src in sources if src.startswith(reverse("api-docs"))]
        self.assertEqual(len(init), 1, sources)
        script = client.get(init[0].replace("&amp;", "&"))
        self.assertEqual(script.status_code, 200)
        self.assertIn("javascript", script["Content-Type"])
        self.assertIn("SwaggerUIBundle", script.content.decode())

    def test_inline_styles_are_allowed_by_hash_only(self):
        """The API docs page has one <style> block; the CSP names its hash. A new
        drf-spectacular that changes it fails here, not silently in the browser."""
        client = self.web("am_a1")
        for path in [reverse("api-docs"), "/", reverse("account_login")]:
            response = client.get(path)
            allowed = csp_directives(response)["style-src"]
            html = response.content.decode()
            self.assertNotRegex(html, r"<[a-z][^>]*\sstyle=", path)
            for body in re.findall(r"<style[^>]*>(.*?)</style>", html, re.S):
                digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
                with self.subTest(page=path):
                    self.assertIn(f"'sha256-{digest}'", allowed)
