"""Web security: CSRF on every form, the admin's sign-in going through allauth, password
rules, and `check --deploy` under production settings. (Headers and CSP: test_headers.py.)"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, SimpleTestCase, override_settings
from django.urls import reverse

from rapport.core.testing import PASSWORD, PersonaTestCase
from rapport.org import services
from rapport.org.tests.auth_helpers import (
    code_for,
    reset_caches,
    sign_in,
    signed_in_user_id,
    totp_secret,
)

User = get_user_model()
ROOT = Path(__file__).resolve().parents[3]


class CsrfTests(PersonaTestCase):
    """Every state-changing request from a browser needs the CSRF token."""

    def setUp(self):
        reset_caches()
        self.client = Client(enforce_csrf_checks=True)

    def _token(self, page: str = "/accounts/login/") -> str:
        """The token a page hands out (any page with a form sets the cookie)."""
        self.assertEqual(self.client.get(page).status_code, 200)
        return self.client.cookies[settings.CSRF_COOKIE_NAME].value

    def test_sign_in_without_token_is_refused(self):
        response = sign_in(self.client, "am_a1")
        self.assertEqual(response.status_code, 403)
        self.assertIsNone(signed_in_user_id(self.client))

    def test_sign_in_with_token_works(self):
        token = self._token()
        response = self.client.post(
            reverse("account_login"),
            {"login": "am_a1", "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(signed_in_user_id(self.client), self.p.am_a1.pk)

    def test_forms_of_a_signed_in_user_need_the_token(self):
        self.client.force_login(self.p.am_a1)
        for url, data in [
            (reverse("account_logout"), {}),
            (reverse("org:token-create"), {"name": "script"}),
            (reverse("org:set-language"), {"language": "zh-hans"}),
            (reverse("usersessions_list"), {}),
            (
                reverse("account_change_password"),
                {
                    "oldpassword": PASSWORD,
                    "password1": "N3w-Secret-Phrase-77",
                    "password2": "N3w-Secret-Phrase-77",
                },
            ),
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url, data).status_code, 403)
        self.assertEqual(signed_in_user_id(self.client), self.p.am_a1.pk)
        self.assertFalse(self.p.am_a1.api_tokens.exists())

    def test_session_api_writes_need_the_token(self):
        self.client.force_login(self.p.am_a1)
        response = self.client.patch(
            "/api/v1/me/", {"english_name": "X"}, content_type="application/json"
        )
        self.assertEqual(response.status_code, 403)
        self.assertIn("CSRF", response.json()["message"])
        token = self._token("/profile/")
        response = self.client.patch(
            "/api/v1/me/",
            {"english_name": "X"},
            content_type="application/json",
            HTTP_X_CSRFTOKEN=token,
        )
        self.assertEqual(response.status_code, 200, response.content)

    def test_two_factor_step_needs_the_token(self):
        token = self._token()
        self.client.post(
            reverse("account_login"),
            {"login": "lead_a", "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        response = self.client.post(
            reverse("mfa_authenticate"), {"code": code_for(totp_secret(self.p.lead_a))}
        )
        self.assertEqual(response.status_code, 403)
        self.assertIsNone(signed_in_user_id(self.client))


class AdminSignInTests(PersonaTestCase):
    """The Django admin has no sign-in of its own: its password-only form would skip
    two-factor authentication."""

    def setUp(self):
        reset_caches()
        self.root = services.user_create(
            actor=None,
            data={"username": "root", "email": "root@example.com", "is_superuser": True},
            password=PASSWORD,
        )
        TOTP.activate(self.root, generate_totp_secret())

    def test_admin_login_page_sends_to_allauth(self):
        response = Client().get("/admin/")
        self.assertEqual(response.status_code, 302)
        admin_login = response["Location"]
        self.assertTrue(admin_login.startswith("/admin/login/"), admin_login)
        response = Client().get(admin_login)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(f"{reverse('account_login')}?next="))

    def test_admin_login_form_cannot_sign_in_with_a_password_alone(self):
        client = Client()
        client.post("/admin/login/", {"username": "root", "password": PASSWORD})
        self.assertIsNone(signed_in_user_id(client))
        self.assertEqual(client.get("/admin/").status_code, 302)

    def test_signed_in_non_staff_cannot_use_the_admin_form_to_switch_user(self):
        client = Client()
        client.force_login(self.p.am_a1)
        response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(signed_in_user_id(client), self.p.am_a1.pk)

    def test_superuser_signs_in_to_the_admin_with_the_code(self):
        client = Client()
        response = client.post(
            reverse("account_login"), {"login": "root", "password": PASSWORD, "next": "/admin/"}
        )
        self.assertRedirects(response, reverse("mfa_authenticate"), fetch_redirect_response=False)
        response = client.post(
            reverse("mfa_authenticate"), {"code": code_for(totp_secret(self.root))}
        )
        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)
        self.assertEqual(client.get("/admin/").status_code, 200)


class PasswordRuleTests(PersonaTestCase):
    WEAK = {
        "too short": "Xy7-abc",
        "common": "password123",
        "all digits": "20240611987654",
        "like the username": "zhangweiqiang",
    }

    def _create(self, password: str):
        return services.user_create(
            actor=self.p.admin,
            data={"username": "zhangweiqiang", "email": "zwq@example.com"},
            password=password,
        )

    def test_weak_passwords_are_refused_and_nothing_is_written(self):
        for reason, password in self.WEAK.items():
            with self.subTest(reason=reason):
                with self.assertRaises(ValidationError):
                    self._create(password)
                self.assertFalse(User.objects.filter(username="zhangweiqiang").exists())

    def test_a_good_password_is_accepted_and_signs_in(self):
        self._create("Lotus-Harbour-Quiet-58")
        client = Client()
        self.assertEqual(
            sign_in(client, "zhangweiqiang", "Lotus-Harbour-Quiet-58").status_code, 302
        )

    def test_api_refuses_a_weak_password(self):
        response = self.api("admin").post(
            "/api/v1/users/",
            {
                "username": "zhangweiqiang",
                "email": "zwq@example.com",
                "password": "password123",
            },
            format="json",
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertEqual(response.json()["code"], "validation_error")
        self.assertFalse(User.objects.filter(username="zhangweiqiang").exists())

    def test_people_page_refuses_a_weak_password(self):
        response = self.web("admin").post(
            reverse("org:user-create"),
            {
                "username": "zhangweiqiang",
                "email": "zwq@example.com",
                "password": "12345678",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(User.objects.filter(username="zhangweiqiang").exists())

    def test_change_password_refuses_a_weak_one(self):
        client = Client()
        sign_in(client, "am_a1")
        response = client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": "password123", "password2": "password123"},
        )
        self.assertEqual(response.status_code, 200)
        self.p.am_a1.refresh_from_db()
        self.assertTrue(self.p.am_a1.check_password(PASSWORD))


class DeployCheckTests(SimpleTestCase):
    def test_check_deploy_script_passes_under_production_settings(self):
        env = {**os.environ, "BIN": str(Path(sys.executable).parent)}
        result = subprocess.run(
            ["bash", str(ROOT / "scripts" / "check-deploy.sh")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout + result.stderr)

    def test_only_the_hsts_preload_warning_is_silenced(self):
        self.assertEqual(settings.SILENCED_SYSTEM_CHECKS, ["security.W021"])

    @override_settings(SECURE_HSTS_SECONDS=0, SECURE_SSL_REDIRECT=False)
    def test_a_weakened_setting_fails_the_check(self):
        with self.assertRaises(SystemCheckError) as raised:
            call_command(
                "check",
                deploy=True,
                fail_level="WARNING",
                tags=["security"],
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
        self.assertIn("security.W004", str(raised.exception))
