"""Signing in: username or email, one answer for every failure, lockout counted in the
database, TOTP and recovery codes, and the audit rows each step leaves.

Every sign-in here goes through allauth's real pages with Django's test client.
"""

from __future__ import annotations

import datetime as dt

from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from rapport.audit.models import Action, AuditEvent
from rapport.core.testing import PASSWORD, PersonaTestCase
from rapport.org.tests.auth_helpers import (
    FAILURE_LIMIT,
    code_for,
    login_error,
    reset_caches,
    send_code,
    sign_in,
    signed_in_user_id,
    totp_secret,
    wrong_code,
)

User = get_user_model()
MISMATCH = "The username, email address or password is not correct."


def failures(username: str) -> int:
    """The lockout counter django-axes keeps in the database for this name."""
    rows = AccessAttempt.objects.filter(username=username.lower())
    return sum(row.failures_since_start for row in rows)


class SignInTests(PersonaTestCase):
    def setUp(self):
        reset_caches()

    def test_sign_in_by_username(self):
        client = Client()
        response = sign_in(client, "am_a1")
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertEqual(signed_in_user_id(client), self.p.am_a1.pk)
        self.assertEqual(client.get(reverse("home")).status_code, 200)

    def test_sign_in_by_email_in_any_case(self):
        client = Client()
        response = sign_in(client, "AM_A1@Example.COM")
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertEqual(signed_in_user_id(client), self.p.am_a1.pk)

    def test_wrong_password_and_unknown_name_get_the_same_answer(self):
        answers = {}
        for login, password in [
            ("am_a1", "wrong-password-1"),
            ("nobody-here", PASSWORD),
            ("am_a1@example.com", "wrong-password-1"),
            ("nobody@example.com", PASSWORD),
        ]:
            response = sign_in(Client(), login, password)
            answers[login] = (response.status_code, login_error(response))
        self.assertEqual(set(answers.values()), {(200, MISMATCH)}, answers)

    def test_deactivated_user_gets_the_same_answer_even_with_the_right_password(self):
        self.p.am_a2.is_active = False
        self.p.am_a2.save(update_fields=["is_active"])
        client = Client()
        response = sign_in(client, "am_a2")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(login_error(response), MISMATCH)
        self.assertIsNone(signed_in_user_id(client))
        self.assertEqual(failures("am_a2"), 1)

    def test_wrong_password_and_unknown_name_both_count_toward_lockout(self):
        sign_in(Client(), "am_a1", "wrong-password-1")
        sign_in(Client(), "nobody-here", "wrong-password-1")
        self.assertEqual(failures("am_a1"), 1)
        self.assertEqual(failures("nobody-here"), 1)

    def test_sign_in_page_offers_no_sign_up(self):
        response = Client().get(reverse("account_login"))
        self.assertContains(response, 'name="login"')
        self.assertNotContains(response, reverse("account_signup"))

    def test_sign_up_is_closed(self):
        response = Client().post(
            reverse("account_signup"),
            {"username": "intruder", "email": "i@example.com", "password1": "Sup3r-Secret-99"},
        )
        self.assertIn(response.status_code, {200, 302})
        self.assertFalse(User.objects.filter(username="intruder").exists())

    def test_sign_out_needs_a_post(self):
        client = Client()
        sign_in(client, "am_a1")
        client.get(reverse("account_logout"))
        self.assertEqual(signed_in_user_id(client), self.p.am_a1.pk)
        client.post(reverse("account_logout"))
        self.assertIsNone(signed_in_user_id(client))


class LockoutTests(PersonaTestCase):
    def setUp(self):
        reset_caches()

    def _fail(self, login: str, times: int, client=None, **extra):
        client = client or Client()
        return [sign_in(client, login, "wrong-password-1", **extra) for _ in range(times)]

    def test_locked_out_at_the_failure_limit(self):
        responses = self._fail("am_a1", FAILURE_LIMIT)
        self.assertEqual([r.status_code for r in responses[:-1]], [200] * (FAILURE_LIMIT - 1))
        locked = responses[-1]
        self.assertEqual(locked.status_code, 429)
        self.assertTemplateUsed(locked, "account/lockout.html")
        self.assertContains(locked, "Too many failed sign-in attempts", status_code=429)
        self.assertEqual(failures("am_a1"), FAILURE_LIMIT)

    def test_right_password_is_refused_while_locked(self):
        self._fail("am_a1", FAILURE_LIMIT)
        client = Client()
        response = sign_in(client, "am_a1")
        self.assertEqual(response.status_code, 429)
        self.assertIsNone(signed_in_user_id(client))

    def test_unknown_name_is_locked_out_the_same_way(self):
        responses = self._fail("nobody-here", FAILURE_LIMIT)
        self.assertEqual(responses[-1].status_code, 429)
        self.assertTemplateUsed(responses[-1], "account/lockout.html")
        self.assertEqual(failures("nobody-here"), FAILURE_LIMIT)

    def test_username_and_email_share_one_counter(self):
        client = Client()
        for attempt in range(FAILURE_LIMIT - 1):
            login = "am_a1" if attempt % 2 else "AM_A1@example.com"
            self.assertEqual(sign_in(client, login, "wrong-password-1").status_code, 200)
        self.assertEqual(failures("am_a1"), FAILURE_LIMIT - 1)
        self.assertEqual(sign_in(client, "am_a1@example.com", "nope-nope-1").status_code, 429)

    def test_lockout_is_per_address(self):
        self._fail("am_a1", FAILURE_LIMIT)
        client = Client(REMOTE_ADDR="10.20.30.40")
        response = sign_in(client, "am_a1")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(signed_in_user_id(client), self.p.am_a1.pk)

    @override_settings(BEHIND_PROXY=True)
    def test_behind_a_proxy_a_forged_forwarded_address_does_not_escape_the_lockout(self):
        for attempt in range(FAILURE_LIMIT):
            # The client forges the left part; the proxy appends the address it saw.
            forwarded = f"198.51.100.{attempt}, 203.0.113.7"
            response = sign_in(
                Client(), "am_a1", "wrong-password-1", HTTP_X_FORWARDED_FOR=forwarded
            )
        self.assertEqual(response.status_code, 429)
        self.assertEqual(
            set(AccessAttempt.objects.values_list("ip_address", flat=True)), {"203.0.113.7"}
        )

    def test_success_below_the_limit_resets_the_counter(self):
        self._fail("am_a1", FAILURE_LIMIT - 1)
        self.assertEqual(sign_in(Client(), "am_a1").status_code, 302)
        self.assertEqual(failures("am_a1"), 0)
        responses = self._fail("am_a1", FAILURE_LIMIT - 1)
        self.assertEqual({r.status_code for r in responses}, {200})

    def test_lockout_ends_after_the_cool_off(self):
        self._fail("am_a1", FAILURE_LIMIT)
        past = timezone.now() - dt.timedelta(hours=1)
        AccessAttempt.objects.filter(username="am_a1").update(attempt_time=past)
        client = Client()
        self.assertEqual(sign_in(client, "am_a1").status_code, 302)
        self.assertEqual(signed_in_user_id(client), self.p.am_a1.pk)


class TwoFactorSignInTests(PersonaTestCase):
    """lead_a is enrolled in TOTP (see rapport.core.testing.build_personas)."""

    def setUp(self):
        reset_caches()
        self.secret = totp_secret(self.p.lead_a)

    def _password_step(self, client=None):
        client = client or Client()
        response = sign_in(client, "lead_a")
        self.assertRedirects(response, reverse("mfa_authenticate"), fetch_redirect_response=False)
        return client

    def test_password_alone_does_not_sign_in(self):
        client = self._password_step()
        self.assertIsNone(signed_in_user_id(client))
        self.assertRedirects(
            client.get(reverse("home")),
            f"{reverse('account_login')}?next=/",
            fetch_redirect_response=False,
        )
        self.assertFalse(AuditEvent.objects.filter(action=Action.LOGIN).exists())

    def test_sign_in_with_a_totp_code(self):
        client = self._password_step()
        response = send_code(client, code_for(self.secret))
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertEqual(signed_in_user_id(client), self.p.lead_a.pk)
        self.assertEqual(client.get(reverse("home")).status_code, 200)

    def test_a_code_works_only_once(self):
        code = code_for(self.secret)
        send_code(self._password_step(), code)
        client = self._password_step()
        response = send_code(client, code)
        self.assertEqual(response.status_code, 200)
        self.assertIsNone(signed_in_user_id(client))

    def test_sign_in_with_a_recovery_code_spends_it(self):
        recovery = RecoveryCodes.activate(self.p.lead_a)
        code = recovery.get_unused_codes()[0]
        client = self._password_step()
        self.assertRedirects(
            send_code(client, code), reverse("home"), fetch_redirect_response=False
        )
        self.assertEqual(signed_in_user_id(client), self.p.lead_a.pk)
        again = self._password_step()
        self.assertEqual(send_code(again, code).status_code, 200)
        self.assertIsNone(signed_in_user_id(again))

    def test_wrong_code_is_refused_and_counted(self):
        client = self._password_step()
        response = send_code(client, wrong_code(self.secret))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Incorrect code")
        self.assertIsNone(signed_in_user_id(client))
        self.assertEqual(failures("lead_a"), 1)
        event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
        self.assertEqual(event.object_id, str(self.p.lead_a.pk))
        self.assertTrue(event.extra.get("second_factor"))

    def test_wrong_codes_lock_out_even_the_right_code(self):
        client = self._password_step()
        bad = wrong_code(self.secret)
        statuses = [send_code(client, bad).status_code for _ in range(FAILURE_LIMIT)]
        self.assertEqual(statuses, [200] * (FAILURE_LIMIT - 1) + [429])
        response = send_code(client, code_for(self.secret))
        self.assertEqual(response.status_code, 429)
        self.assertIsNone(signed_in_user_id(client))
        # A fresh start with the password is refused too: the name is locked.
        self.assertEqual(sign_in(Client(), "lead_a").status_code, 429)

    def test_wrong_codes_and_wrong_passwords_share_the_counter(self):
        for _ in range(FAILURE_LIMIT - 1):
            sign_in(Client(), "lead_a", "wrong-password-1")
        client = self._password_step()
        self.assertEqual(send_code(client, wrong_code(self.secret)).status_code, 429)

    def test_totp_step_without_password_step_goes_back_to_sign_in(self):
        response = send_code(Client(), code_for(self.secret))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("account_login")))


class SignInAuditTests(PersonaTestCase):
    """Every login, logout and failed login is an audit row with actor, UTC time, client
    address and request id (DESIGN §6)."""

    def setUp(self):
        reset_caches()

    def _only(self, action):
        events = list(AuditEvent.objects.filter(action=action))
        self.assertEqual(len(events), 1, events)
        return events[0]

    def test_login_row(self):
        before = timezone.now()
        client = Client(REMOTE_ADDR="192.0.2.10")
        sign_in(client, "am_a1", HTTP_X_REQUEST_ID="req-login-1")
        event = self._only(Action.LOGIN)
        self.assertEqual(event.actor, self.p.am_a1)
        self.assertEqual(event.object_id, str(self.p.am_a1.pk))
        self.assertEqual(event.ip_address, "192.0.2.10")
        self.assertEqual(event.request_id, "req-login-1")
        self.assertEqual(event.occurred_at.utcoffset(), dt.timedelta(0))
        self.assertGreaterEqual(event.occurred_at, before)

    def test_two_factor_login_row_is_written_after_the_code(self):
        client = Client()
        sign_in(client, "lead_a", HTTP_X_REQUEST_ID="req-pw")
        self.assertFalse(AuditEvent.objects.filter(action=Action.LOGIN).exists())
        send_code(client, code_for(totp_secret(self.p.lead_a)), HTTP_X_REQUEST_ID="req-code")
        event = self._only(Action.LOGIN)
        self.assertEqual(event.actor, self.p.lead_a)
        self.assertEqual(event.request_id, "req-code")

    def test_logout_row(self):
        client = Client(REMOTE_ADDR="192.0.2.11")
        sign_in(client, "am_a1")
        client.post(reverse("account_logout"), HTTP_X_REQUEST_ID="req-logout-1")
        event = self._only(Action.LOGOUT)
        self.assertEqual(event.actor, self.p.am_a1)
        self.assertEqual(event.ip_address, "192.0.2.11")
        self.assertEqual(event.request_id, "req-logout-1")

    def test_failed_login_row_for_a_known_user(self):
        client = Client(REMOTE_ADDR="192.0.2.12")
        sign_in(client, "am_a1@example.com", "wrong-password-1", HTTP_X_REQUEST_ID="req-f1")
        event = self._only(Action.LOGIN_FAILED)
        self.assertIsNone(event.actor)
        self.assertEqual(event.object_id, str(self.p.am_a1.pk))
        self.assertEqual(event.extra["login"], "am_a1@example.com")
        self.assertEqual(event.ip_address, "192.0.2.12")
        self.assertEqual(event.request_id, "req-f1")
        self.assertNotIn("wrong-password-1", str(event.extra) + event.object_label)

    def test_failed_login_row_for_an_unknown_name(self):
        sign_in(Client(), "nobody-here", "wrong-password-1", HTTP_X_REQUEST_ID="req-f2")
        event = self._only(Action.LOGIN_FAILED)
        self.assertEqual(event.object_id, "")
        self.assertEqual(event.object_label, "nobody-here")
        self.assertEqual(event.request_id, "req-f2")

    def test_lockout_is_marked_on_the_failed_login_row(self):
        for _ in range(FAILURE_LIMIT):
            sign_in(Client(), "am_a1", "wrong-password-1")
        events = list(AuditEvent.objects.filter(action=Action.LOGIN_FAILED).order_by("id"))
        self.assertEqual(len(events), FAILURE_LIMIT)
        self.assertEqual(
            [bool(e.extra.get("locked_out")) for e in events],
            [False] * (FAILURE_LIMIT - 1) + [True],
        )

    def test_wrong_password_of_an_enrolled_user_is_not_a_second_factor_failure(self):
        sign_in(Client(), "lead_a", "wrong-password-1")
        event = self._only(Action.LOGIN_FAILED)
        self.assertEqual(event.extra, {"login": "lead_a"})
