"""Sessions: idle and absolute timeouts, the list of one's own sessions, and
deactivation ending a user's sessions and API tokens at once."""

from __future__ import annotations

import time

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from rapport.audit.models import Action, AuditEvent
from rapport.core.testing import PersonaTestCase
from rapport.org import services
from rapport.org.middleware import LOGIN_AT, SEEN_AT, SEEN_RESOLUTION
from rapport.org.models import ApiToken
from rapport.org.tests.auth_helpers import reset_caches, sign_in, signed_in_user_id

LOGIN_PAGE = reverse("account_login")


def shift(client, **seconds_ago) -> None:
    """Move the session's timestamps into the past: LOGIN_AT/SEEN_AT by name."""
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[{"login_at": LOGIN_AT, "seen_at": SEEN_AT}[key]] = now - ago
    session.save()


def sessions_of(user) -> list[Session]:
    return [
        s
        for s in Session.objects.all()
        if str(s.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]


class TimeoutTests(PersonaTestCase):
    IDLE = settings.SESSION_IDLE_TIMEOUT
    ABSOLUTE = settings.SESSION_ABSOLUTE_TIMEOUT

    def setUp(self):
        reset_caches()
        self.client = Client()
        sign_in(self.client, "am_a1")
        self.assertEqual(signed_in_user_id(self.client), self.p.am_a1.pk)

    def _assert_ended(self, response, reason: str, path: str = "/people/"):
        self.assertRedirects(response, f"{LOGIN_PAGE}?next={path}", fetch_redirect_response=False)
        self.assertIsNone(signed_in_user_id(self.client))
        self.assertRedirects(
            self.client.get("/"), f"{LOGIN_PAGE}?next=/", fetch_redirect_response=False
        )
        event = AuditEvent.objects.get(action=Action.LOGOUT)
        self.assertEqual(event.actor, self.p.am_a1)
        self.assertEqual(event.extra, {"reason": reason})

    def test_idle_session_ends(self):
        shift(self.client, seen_at=self.IDLE + 5)
        self._assert_ended(self.client.get("/people/"), "idle_timeout")

    def test_active_session_is_kept_just_under_the_idle_limit(self):
        shift(self.client, seen_at=self.IDLE - 30)
        self.assertEqual(self.client.get("/people/").status_code, 200)
        self.assertEqual(signed_in_user_id(self.client), self.p.am_a1.pk)

    def test_session_ends_at_the_absolute_limit_despite_activity(self):
        shift(self.client, login_at=self.ABSOLUTE + 5, seen_at=1)
        self._assert_ended(self.client.get("/people/"), "absolute_timeout")

    def test_session_just_under_the_absolute_limit_is_kept(self):
        shift(self.client, login_at=self.ABSOLUTE - 30, seen_at=1)
        self.assertEqual(self.client.get("/people/").status_code, 200)

    def test_the_sign_in_page_says_why(self):
        shift(self.client, seen_at=self.IDLE + 5)
        response = self.client.get("/people/", follow=True)
        self.assertContains(response, "Your session ended. Please sign in again.")

    def test_next_keeps_the_query_string_encoded(self):
        shift(self.client, seen_at=self.IDLE + 5)
        response = self.client.get("/people/?q=a&page=2")
        self.assertRedirects(
            response,
            f"{LOGIN_PAGE}?next=/people/%3Fq%3Da%26page%3D2",
            fetch_redirect_response=False,
        )

    def test_htmx_request_gets_a_full_page_redirect(self):
        shift(self.client, seen_at=self.IDLE + 5)
        response = self.client.get("/people/", HTTP_HX_REQUEST="true")
        self.assertEqual(response.status_code, 204)
        self.assertTrue(response["HX-Redirect"].startswith(LOGIN_PAGE))
        self.assertIsNone(signed_in_user_id(self.client))

    def test_api_call_on_an_ended_session_is_unauthenticated(self):
        shift(self.client, seen_at=self.IDLE + 5)
        response = self.client.get("/api/v1/me/")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["code"], "not_authenticated")
        self.assertIsNone(signed_in_user_id(self.client))

    def test_activity_is_written_at_most_once_a_minute(self):
        shift(self.client, seen_at=10)
        before = self.client.session[SEEN_AT]
        self.client.get("/people/")
        self.assertEqual(self.client.session[SEEN_AT], before)
        shift(self.client, seen_at=SEEN_RESOLUTION + 5)
        self.client.get("/people/")
        self.assertAlmostEqual(self.client.session[SEEN_AT], time.time(), delta=5)


class OwnSessionsTests(PersonaTestCase):
    """A user sees their own sessions (allauth usersessions) and ends the others."""

    def setUp(self):
        reset_caches()

    def _browser(self, persona: str, agent: str, address: str = "127.0.0.1") -> Client:
        client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
        sign_in(client, persona)
        self.assertEqual(signed_in_user_id(client), getattr(self.p, persona).pk)
        return client

    def test_user_sees_their_sessions_and_not_others(self):
        laptop = self._browser("am_a1", "Laptop-Browser/1.0", "192.0.2.1")
        self._browser("am_a1", "Phone-Browser/2.0", "192.0.2.2")
        self._browser("am_a2", "Colleague-Browser/3.0", "192.0.2.3")
        page = laptop.get(reverse("usersessions_list"))
        self.assertEqual(page.status_code, 200)
        for text in ["Laptop-Browser/1.0", "Phone-Browser/2.0", "192.0.2.1", "192.0.2.2"]:
            self.assertContains(page, text)
        self.assertNotContains(page, "Colleague-Browser/3.0")
        self.assertNotContains(page, "192.0.2.3")
        self.assertContains(page, "This browser", count=1)
        self.assertContains(page, 'data-testid="end-other-sessions"')

    def test_ending_the_other_sessions(self):
        laptop = self._browser("am_a1", "Laptop-Browser/1.0")
        phone = self._browser("am_a1", "Phone-Browser/2.0")
        colleague = self._browser("am_a2", "Colleague-Browser/3.0")
        response = laptop.post(reverse("usersessions_list"))
        self.assertEqual(response.status_code, 302)
        self.assertRedirects(phone.get("/"), f"{LOGIN_PAGE}?next=/", fetch_redirect_response=False)
        self.assertEqual(laptop.get("/").status_code, 200)
        self.assertEqual(colleague.get("/").status_code, 200)
        self.assertEqual(
            list(
                UserSession.objects.filter(user=self.p.am_a1).values_list("user_agent", flat=True)
            ),
            ["Laptop-Browser/1.0"],
        )

    def test_ending_sessions_needs_csrf(self):
        laptop = Client(enforce_csrf_checks=True, HTTP_USER_AGENT="Laptop-Browser/1.0")
        sign_in(laptop, "am_a1")  # refused: no token
        self.assertIsNone(signed_in_user_id(laptop))
        laptop.force_login(self.p.am_a1)
        phone = self._browser("am_a1", "Phone-Browser/2.0")
        self.assertEqual(laptop.post(reverse("usersessions_list")).status_code, 403)
        self.assertEqual(phone.get("/").status_code, 200)

    def test_a_session_started_elsewhere_is_listed_after_its_first_request(self):
        client = Client(HTTP_USER_AGENT="Script-Browser/1.0")
        client.force_login(self.p.am_a1)
        self.assertFalse(UserSession.objects.filter(user=self.p.am_a1).exists())
        client.get("/")
        session = UserSession.objects.get(user=self.p.am_a1)
        self.assertEqual(session.user_agent, "Script-Browser/1.0")

    def test_last_seen_is_kept_without_a_write_per_request(self):
        client = self._browser("am_a1", "Laptop-Browser/1.0")
        client.get("/")
        row = UserSession.objects.get(user=self.p.am_a1)
        UserSession.objects.filter(pk=row.pk).update(last_seen_at=row.created_at)
        client.get("/")
        self.assertEqual(UserSession.objects.get(pk=row.pk).last_seen_at, row.created_at)
        shift(client, seen_at=SEEN_RESOLUTION + 5)
        client.get("/")
        self.assertGreater(UserSession.objects.get(pk=row.pk).last_seen_at, row.created_at)


class DeactivationTests(PersonaTestCase):
    """Deactivating a user ends their sessions and API tokens at once."""

    def setUp(self):
        reset_caches()
        self.browser = Client()
        sign_in(self.browser, "am_a1")
        self.forced = Client()
        self.forced.force_login(self.p.am_a1)  # a session allauth never saw
        self.other = Client()
        sign_in(self.other, "am_a2")
        _token, self.key = services.token_create(
            actor=self.p.am_a1, user=self.p.am_a1, name="script"
        )
        self.api = APIClient()
        self.api.credentials(HTTP_AUTHORIZATION=f"Token {self.key}")
        self.assertEqual(self.api.get("/api/v1/me/").status_code, 200)

    def _deactivate(self):
        services.user_deactivate(actor=self.p.admin, user=self.p.am_a1, reason="left")

    def test_sessions_end(self):
        self._deactivate()
        self.assertEqual(sessions_of(self.p.am_a1), [])
        self.assertFalse(UserSession.objects.filter(user=self.p.am_a1).exists())
        for client in (self.browser, self.forced):
            self.assertRedirects(
                client.get("/"), f"{LOGIN_PAGE}?next=/", fetch_redirect_response=False
            )
            self.assertEqual(client.get("/api/v1/me/").status_code, 401)
        self.assertEqual(self.other.get("/").status_code, 200)

    def test_tokens_end(self):
        self._deactivate()
        response = self.api.get("/api/v1/me/")
        self.assertEqual(response.status_code, 401)
        self.assertIsNotNone(ApiToken.objects.get(user=self.p.am_a1).revoked_at)

    def test_reactivation_does_not_bring_tokens_back(self):
        self._deactivate()
        services.user_activate(actor=self.p.admin, user=self.p.am_a1)
        self.assertEqual(self.api.get("/api/v1/me/").status_code, 401)

    def test_deactivated_user_cannot_sign_in_again(self):
        self._deactivate()
        client = Client()
        self.assertEqual(sign_in(client, "am_a1").status_code, 200)
        self.assertIsNone(signed_in_user_id(client))

    def test_deactivation_from_the_people_page(self):
        admin = Client()
        admin.force_login(self.p.admin)
        admin.post(reverse("org:user-deactivate", args=[self.p.am_a1.pk]), {"reason": "left"})
        self.assertRedirects(
            self.browser.get("/"), f"{LOGIN_PAGE}?next=/", fetch_redirect_response=False
        )
        self.assertEqual(self.api.get("/api/v1/me/").status_code, 401)
        event = AuditEvent.objects.get(action=Action.DEACTIVATE)
        self.assertEqual(event.extra["tokens_revoked"], 1)
        self.assertGreaterEqual(event.extra["sessions_ended"], 2)
