"""POST /api/v1/auth/token/: username (or email), password and, when enrolled, a TOTP
or recovery code, for a token used as `Authorization: Token <key>`."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from rapport.audit.models import Action, AuditEvent
from rapport.core.testing import PASSWORD, PersonaTestCase
from rapport.org import services
from rapport.org.models import ApiToken, Membership, Role
from rapport.org.tests.auth_helpers import (
    FAILURE_LIMIT,
    code_for,
    reset_caches,
    sign_in,
    totp_secret,
    wrong_code,
)

URL = "/api/v1/auth/token/"


class TokenEndpointTests(PersonaTestCase):
    def setUp(self):
        reset_caches()
        self.client = APIClient()

    def _ask(self, username, password=PASSWORD, **more):
        return self.client.post(
            URL, {"username": username, "password": password, **more}, format="json"
        )

    def _assert_refused(self, response, status=401, code="authentication_failed"):
        self.assertEqual(response.status_code, status, response.content)
        self.assertEqual(response.json()["code"], code)
        self.assertNotIn("token", response.json())

    def test_good_credentials_give_a_working_token(self):
        response = self._ask("am_a1", name="nightly export")
        self.assertEqual(response.status_code, 201, response.content)
        key = response.json()["token"]
        token = ApiToken.objects.get(user=self.p.am_a1)
        self.assertEqual(token.name, "nightly export")
        self.assertEqual(token.key_hash, ApiToken.hash_key(key))
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        me = api.get("/api/v1/me/")
        self.assertEqual(me.status_code, 200)
        self.assertEqual(me.json()["username"], "am_a1")

    def test_email_works_as_the_username(self):
        self.assertEqual(self._ask("am_a1@example.com").status_code, 201)

    def test_wrong_password_and_unknown_name_are_the_same_401(self):
        wrong = self._ask("am_a1", "wrong-password-1")
        unknown = self._ask("nobody-here")
        for response in (wrong, unknown):
            self._assert_refused(response)
            self.assertTrue(response["WWW-Authenticate"].startswith("Token"))
        self.assertEqual(wrong.json()["message"], unknown.json()["message"])
        self.assertFalse(ApiToken.objects.exists())

    def test_deactivated_user_gets_the_same_401(self):
        self.p.am_a2.is_active = False
        self.p.am_a2.save(update_fields=["is_active"])
        self._assert_refused(self._ask("am_a2"))

    def test_missing_fields_are_a_validation_error(self):
        response = self.client.post(URL, {"username": "am_a1"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("password", response.json()["errors"])

    def test_enrolled_user_without_a_code_is_refused(self):
        self._assert_refused(self._ask("lead_a"), code="two_factor_required")
        self.assertFalse(ApiToken.objects.exists())

    def test_enrolled_user_with_a_wrong_code_is_refused_and_counted(self):
        bad = wrong_code(totp_secret(self.p.lead_a))
        self._assert_refused(self._ask("lead_a", code=bad), code="two_factor_required")
        self.assertEqual(AccessAttempt.objects.get(username="lead_a").failures_since_start, 1)
        event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
        self.assertTrue(event.extra["second_factor"])

    def test_enrolled_user_with_a_valid_totp_code(self):
        response = self._ask("lead_a", code=code_for(totp_secret(self.p.lead_a)))
        self.assertEqual(response.status_code, 201, response.content)
        self.assertTrue(response.json()["token"].startswith("rpt_"))

    def test_a_totp_code_is_accepted_once(self):
        code = code_for(totp_secret(self.p.lead_a))
        self.assertEqual(self._ask("lead_a", code=code).status_code, 201)
        self._assert_refused(self._ask("lead_a", code=code), code="two_factor_required")

    def test_enrolled_user_with_a_recovery_code(self):
        code = RecoveryCodes.activate(self.p.lead_a).get_unused_codes()[0]
        self.assertEqual(self._ask("lead_a", code=code).status_code, 201)
        self._assert_refused(self._ask("lead_a", code=code), code="two_factor_required")

    def test_lead_without_enrolment_is_forbidden(self):
        Authenticator.objects.filter(user=self.p.lead_b).delete()
        response = self._ask("lead_b")
        self._assert_refused(response, status=403, code="two_factor_required")
        self.assertFalse(ApiToken.objects.exists())

    def test_lockout_after_the_failure_limit(self):
        statuses = [
            self._ask("am_a1", "wrong-password-1").status_code for _ in range(FAILURE_LIMIT)
        ]
        self.assertEqual(statuses, [401] * (FAILURE_LIMIT - 1) + [429])
        self._assert_refused(self._ask("am_a1"), status=429, code="locked_out")
        self.assertFalse(ApiToken.objects.exists())

    def test_unknown_name_locks_out_the_same_way(self):
        statuses = [self._ask("nobody-here").status_code for _ in range(FAILURE_LIMIT + 1)]
        self.assertEqual(statuses, [401] * (FAILURE_LIMIT - 1) + [429, 429])

    def test_page_and_api_share_the_lockout(self):
        for _ in range(FAILURE_LIMIT):
            sign_in(Client(), "am_a1", "wrong-password-1")
        self._assert_refused(self._ask("am_a1"), status=429, code="locked_out")

    def test_wrong_codes_lock_out(self):
        bad = wrong_code(totp_secret(self.p.lead_a))
        statuses = [self._ask("lead_a", code=bad).status_code for _ in range(FAILURE_LIMIT)]
        self.assertEqual(statuses, [401] * (FAILURE_LIMIT - 1) + [429])
        good = code_for(totp_secret(self.p.lead_a))
        self._assert_refused(self._ask("lead_a", code=good), status=429, code="locked_out")

    def test_success_resets_the_counter(self):
        for _ in range(FAILURE_LIMIT - 1):
            self._ask("am_a1", "wrong-password-1")
        self.assertEqual(self._ask("am_a1").status_code, 201)
        self.assertFalse(AccessAttempt.objects.filter(username="am_a1").exists())

    def test_failures_are_audited_with_request_id(self):
        self.client.post(
            URL,
            {"username": "am_a1", "password": "wrong-password-1"},
            format="json",
            HTTP_X_REQUEST_ID="req-token-1",
        )
        event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
        self.assertEqual(event.object_id, str(self.p.am_a1.pk))
        self.assertEqual(event.request_id, "req-token-1")
        self.assertEqual(event.ip_address, "127.0.0.1")

    def test_issuing_a_token_is_audited(self):
        self._ask("am_a1")
        event = AuditEvent.objects.get(action=Action.TOKEN_CREATE)
        self.assertEqual(event.actor, self.p.am_a1)

    def test_needs_no_csrf_token_and_a_token_call_needs_none_either(self):
        browser = Client(enforce_csrf_checks=True)
        response = browser.post(
            URL, {"username": "am_a1", "password": PASSWORD}, content_type="application/json"
        )
        self.assertEqual(response.status_code, 201)
        key = response.json()["token"]
        patched = browser.patch(
            "/api/v1/me/",
            {"english_name": "Liu Yang"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {key}",
        )
        self.assertEqual(patched.status_code, 200, patched.content)

    def test_revoked_and_expired_tokens_are_refused(self):
        key = self._ask("am_a1").json()["token"]
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        token = ApiToken.objects.get(user=self.p.am_a1)
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
        self.assertEqual(api.get("/api/v1/me/").status_code, 401)
        ApiToken.objects.filter(pk=token.pk).update(expires_at=None, revoked_at=timezone.now())
        self.assertEqual(api.get("/api/v1/me/").status_code, 401)
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=None)
        self.assertEqual(api.get("/api/v1/me/").status_code, 200)

    def test_unknown_token_is_refused(self):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION="Token rpt_not-a-real-key")
        response = api.get("/api/v1/me/")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["code"], "authentication_failed")


class TokenTwoFactorPolicyTests(PersonaTestCase):
    """A token does not get around the two-factor policy: a lead's or admin's token works
    only while they are enrolled."""

    def _api(self, user) -> APIClient:
        _token, key = services.token_create(actor=user, user=user, name="old script")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return api

    def test_enrolled_lead_token_works(self):
        self.assertEqual(self._api(self.p.lead_b).get("/api/v1/me/").status_code, 200)

    def test_lead_token_waits_for_enrolment(self):
        api = self._api(self.p.lead_b)
        Authenticator.objects.filter(user=self.p.lead_b).delete()
        response = api.get("/api/v1/me/")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["code"], "two_factor_required")

    def test_token_of_someone_promoted_to_lead_waits_for_enrolment(self):
        api = self._api(self.p.am_b1)
        self.assertEqual(api.get("/api/v1/me/").status_code, 200)
        membership = Membership.objects.get(user=self.p.am_b1)
        services.membership_update(
            actor=self.p.admin, membership=membership, data={"role": Role.TEAM_LEAD}
        )
        response = api.get("/api/v1/me/")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["code"], "two_factor_required")
