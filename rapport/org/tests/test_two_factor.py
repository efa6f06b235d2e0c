"""The two-factor policy: admins and team leads must enrol TOTP before they use Rapport;
everyone else may. Enrolment through allauth's own page, and the policy's session cache."""

from __future__ import annotations

import time

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.audit.models import Action, AuditEvent
from rapport.core.testing import PersonaTestCase
from rapport.org.middleware import TOTP_RECHECK, TOTP_SEEN
from rapport.org.tests.auth_helpers import (
    FAILURE_LIMIT,
    code_for,
    reauthenticate,
    reset_caches,
    send_code,
    sign_in,
    signed_in_user_id,
    totp_secret,
    wrong_code,
)

PAGES = ["/", "/people/", "/teams/", "/profile/", "/audit/", "/admin/"]
ENROL = "/accounts/2fa/totp/activate/"


def drop_totp(user) -> None:
    Authenticator.objects.filter(user=user).delete()


class PolicyTests(PersonaTestCase):
    def setUp(self):
        reset_caches()

    def _signed_in(self, persona: str, reauthenticated: bool = True) -> Client:
        client = Client()
        response = sign_in(client, persona)
        self.assertEqual(response.status_code, 302, response.content[:500])
        self.assertEqual(signed_in_user_id(client), getattr(self.p, persona).pk)
        if reauthenticated:
            # allauth asks for the password again before two-factor settings change.
            reauthenticate(client)
        return client

    def test_enrolment_url_is_where_the_policy_sends_people(self):
        self.assertEqual(reverse("mfa_activate_totp"), ENROL)

    def test_lead_without_totp_is_sent_to_enrolment_from_every_page(self):
        drop_totp(self.p.lead_a)
        client = self._signed_in("lead_a")
        for path in PAGES:
            with self.subTest(path=path):
                response = client.get(path)
                self.assertRedirects(response, ENROL, fetch_redirect_response=False)

    def test_admin_without_totp_is_sent_to_enrolment(self):
        drop_totp(self.p.admin)
        client = self._signed_in("admin")
        for path in PAGES:
            with self.subTest(path=path):
                self.assertRedirects(client.get(path), ENROL, fetch_redirect_response=False)

    def test_enrolment_page_explains_why(self):
        drop_totp(self.p.lead_a)
        client = self._signed_in("lead_a")
        response = client.get("/", follow=True)
        self.assertEqual(response.redirect_chain[-1][0], ENROL)
        self.assertContains(response, "Your role requires two-factor authentication")
        self.assertContains(response, 'name="code"')

    def test_enrolment_first_asks_for_the_password_again(self):
        drop_totp(self.p.lead_a)
        client = self._signed_in("lead_a", reauthenticated=False)
        response = client.get("/", follow=True)
        self.assertEqual(
            [url.split("?")[0] for url, _status in response.redirect_chain],
            [ENROL, reverse("account_reauthenticate")],
        )
        self.assertContains(response, 'name="password"')
        response = client.post(
            reverse("account_reauthenticate"), {"password": "wrong-password-1", "next": ENROL}
        )
        self.assertEqual(response.status_code, 200)
        reauthenticate(client)
        self.assertEqual(client.get(ENROL).status_code, 200)

    def test_htmx_request_gets_a_full_page_redirect(self):
        drop_totp(self.p.lead_a)
        client = self._signed_in("lead_a")
        response = client.get("/people/", HTTP_HX_REQUEST="true")
        self.assertEqual(response.status_code, 204)
        self.assertEqual(response["HX-Redirect"], ENROL)

    def test_api_refuses_their_session_with_two_factor_required(self):
        drop_totp(self.p.lead_a)
        client = self._signed_in("lead_a")
        for path in ["/api/v1/me/", "/api/v1/teams/", "/api/v1/audit-events/"]:
            with self.subTest(path=path):
                response = client.get(path)
                self.assertEqual(response.status_code, 403)
                self.assertEqual(response.json()["code"], "two_factor_required")

    def test_account_pages_stay_open_to_them(self):
        drop_totp(self.p.lead_a)
        client = self._signed_in("lead_a")
        for name in [
            "mfa_activate_totp",
            "mfa_index",
            "usersessions_list",
            "account_change_password",
        ]:
            with self.subTest(page=name):
                self.assertEqual(client.get(reverse(name)).status_code, 200)
        response = client.post(reverse("org:set-language"), {"language": "zh-hans", "next": "/"})
        self.assertEqual(response.status_code, 302)
        self.p.lead_a.refresh_from_db()
        self.assertEqual(self.p.lead_a.language, "zh-hans")
        client.post(reverse("account_logout"))
        self.assertIsNone(signed_in_user_id(client))

    def test_enrolling_lets_them_in(self):
        drop_totp(self.p.lead_a)
        client = self._signed_in("lead_a")
        client.get(ENROL)
        secret = client.session["mfa.totp.secret"]
        with self.captureOnCommitCallbacks(execute=True):
            response = client.post(ENROL, {"code": code_for(secret)})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(
            Authenticator.objects.filter(user=self.p.lead_a, type=Authenticator.Type.TOTP).exists()
        )
        # Recovery codes come with the first authenticator.
        self.assertTrue(
            Authenticator.objects.filter(
                user=self.p.lead_a, type=Authenticator.Type.RECOVERY_CODES
            ).exists()
        )
        for path in PAGES[:-1]:
            with self.subTest(path=path):
                self.assertEqual(client.get(path).status_code, 200)
        self.assertEqual(client.get("/api/v1/me/").status_code, 200)
        event = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(self.p.lead_a.pk))
        self.assertEqual(event.changes, {"two_factor": [False, True]})

    def test_enrolment_refuses_a_wrong_code(self):
        drop_totp(self.p.lead_a)
        client = self._signed_in("lead_a")
        client.get(ENROL)
        secret = client.session["mfa.totp.secret"]
        wrong = "000000" if code_for(secret) != "000000" else "111111"
        response = client.post(ENROL, {"code": wrong})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Authenticator.objects.filter(user=self.p.lead_a).exists())

    def test_account_manager_is_not_forced(self):
        client = self._signed_in("am_a1")
        for path in ["/", "/people/", "/teams/", "/profile/"]:
            with self.subTest(path=path):
                self.assertEqual(client.get(path).status_code, 200)
        self.assertEqual(client.get("/api/v1/me/").status_code, 200)

    def test_account_manager_may_enrol_and_then_needs_the_code(self):
        client = self._signed_in("am_a1")
        client.get(ENROL)
        secret = client.session["mfa.totp.secret"]
        client.post(ENROL, {"code": code_for(secret)})
        self.assertTrue(Authenticator.objects.filter(user=self.p.am_a1).exists())
        reset_caches()
        fresh = Client()
        self.assertRedirects(
            sign_in(fresh, "am_a1"), reverse("mfa_authenticate"), fetch_redirect_response=False
        )
        send_code(fresh, code_for(totp_secret(self.p.am_a1)))
        self.assertEqual(signed_in_user_id(fresh), self.p.am_a1.pk)

    def test_lead_cannot_switch_two_factor_off(self):
        client = Client()
        sign_in(client, "lead_a")
        send_code(client, code_for(totp_secret(self.p.lead_a)))
        reauthenticate(client)
        response = client.post(reverse("mfa_deactivate_totp"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "cannot be switched off")
        self.assertTrue(
            Authenticator.objects.filter(user=self.p.lead_a, type=Authenticator.Type.TOTP).exists()
        )

    def test_account_manager_can_switch_two_factor_off(self):
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        TOTP.activate(self.p.am_a1, generate_totp_secret())
        client = Client()
        sign_in(client, "am_a1")
        send_code(client, code_for(totp_secret(self.p.am_a1)))
        self.assertEqual(signed_in_user_id(client), self.p.am_a1.pk)
        reauthenticate(client)
        response = client.post(reverse("mfa_deactivate_totp"))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(
            Authenticator.objects.filter(user=self.p.am_a1, type=Authenticator.Type.TOTP).exists()
        )

    def test_policy_can_be_switched_off_by_setting(self):
        drop_totp(self.p.lead_a)
        client = self._signed_in("lead_a")
        with self.settings(RAPPORT_ENFORCE_2FA=False):
            self.assertEqual(client.get("/").status_code, 200)


class PolicyCacheTests(PersonaTestCase):
    """The policy asks the database once, then trusts a session mark for a few minutes."""

    def setUp(self):
        reset_caches()
        self.client = Client()
        self.client.force_login(self.p.lead_a)

    def _authenticator_queries(self, path="/people/"):
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(path)
        self.assertEqual(response.status_code, 200)
        return [q["sql"] for q in queries.captured_queries if "mfa_authenticator" in q["sql"]]

    def test_second_request_does_not_ask_the_database(self):
        self.assertEqual(len(self._authenticator_queries()), 1)
        self.assertEqual(self._authenticator_queries(), [])
        self.assertEqual(self.client.session[TOTP_SEEN]["user"], self.p.lead_a.pk)

    def test_mark_expires_and_a_removed_authenticator_is_then_noticed(self):
        self._authenticator_queries()
        drop_totp(self.p.lead_a)
        session = self.client.session
        session[TOTP_SEEN] = {"user": self.p.lead_a.pk, "at": time.time() - TOTP_RECHECK - 1}
        session.save()
        self.assertRedirects(self.client.get("/"), ENROL, fetch_redirect_response=False)
        self.assertNotIn(TOTP_SEEN, self.client.session)

    def test_mark_of_another_user_is_ignored(self):
        drop_totp(self.p.lead_a)
        session = self.client.session
        session[TOTP_SEEN] = {"user": self.p.lead_b.pk, "at": time.time()}
        session.save()
        self.assertRedirects(self.client.get("/"), ENROL, fetch_redirect_response=False)

    def test_sign_out_clears_the_mark(self):
        self._authenticator_queries()
        self.client.post(reverse("account_logout"))
        self.assertNotIn(TOTP_SEEN, self.client.session)

    def test_account_manager_never_queries_authenticators(self):
        self.client.force_login(self.p.am_a1)
        self.assertEqual(self._authenticator_queries(), [])


class ReauthenticationByCodeTests(PersonaTestCase):
    """Before two-factor settings change, allauth may ask for a code instead of the
    password; wrong codes there count toward the same lockout."""

    def setUp(self):
        reset_caches()
        self.client = Client()
        sign_in(self.client, "lead_a")
        send_code(self.client, code_for(totp_secret(self.p.lead_a)))
        self.assertEqual(signed_in_user_id(self.client), self.p.lead_a.pk)
        reset_caches()  # the sign-in code is spent; the tests below use the next one

    def _reauth(self, code: str):
        return self.client.post(reverse("mfa_reauthenticate"), {"code": code})

    def test_a_right_code_reauthenticates(self):
        RecoveryCodes.activate(self.p.lead_a)
        codes_page = reverse("mfa_view_recovery_codes")
        self.assertEqual(self.client.get(codes_page).status_code, 302)  # asks first
        response = self._reauth(code_for(totp_secret(self.p.lead_a)))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.client.get(codes_page).status_code, 200)

    def test_wrong_codes_are_counted_and_lock_out(self):
        bad = wrong_code(totp_secret(self.p.lead_a))
        statuses = [self._reauth(bad).status_code for _ in range(FAILURE_LIMIT)]
        self.assertEqual(statuses, [200] * (FAILURE_LIMIT - 1) + [429])
        self.assertEqual(
            AccessAttempt.objects.get(username="lead_a").failures_since_start, FAILURE_LIMIT
        )
        self.assertEqual(self._reauth(code_for(totp_secret(self.p.lead_a))).status_code, 429)
