"""The audit log: immutable rows, retention floor, scope, per-object history."""

import datetime as dt

from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from rapport.audit import context
from rapport.audit.models import Action, AuditEvent, AuditImmutableError
from rapport.audit.services import audit_purge, record
from rapport.core.middleware import RequestContextMiddleware
from rapport.core.testing import PERSONAS, PersonaTestCase
from rapport.org import services


class ImmutabilityTests(PersonaTestCase):
    def test_an_event_cannot_be_changed_or_deleted(self):
        event = record(actor=self.p.admin, action=Action.UPDATE, obj=self.p.team_a)
        event.object_label = "tampered"
        with self.assertRaises(AuditImmutableError):
            event.save()
        with self.assertRaises(AuditImmutableError):
            event.delete()
        with self.assertRaises(AuditImmutableError):
            AuditEvent.objects.filter(pk=event.pk).update(object_label="x")
        with self.assertRaises(AuditImmutableError):
            AuditEvent.objects.filter(pk=event.pk).delete()
        self.assertEqual(AuditEvent.objects.get(pk=event.pk).object_label, str(self.p.team_a))

    def test_the_api_offers_no_write(self):
        event = AuditEvent.objects.first()
        url = reverse("api:auditevent-detail", args=[event.pk])
        client = self.api("admin")
        self.assertEqual(client.delete(url).status_code, 405)
        self.assertEqual(client.patch(url, {"action": "x"}, format="json").status_code, 405)
        self.assertEqual(client.post(reverse("api:auditevent-list"), {}).status_code, 405)

    def test_purge_never_removes_rows_younger_than_180_days(self):
        old = record(actor=None, action=Action.LOGIN_FAILED, object_label="old")
        young = record(actor=None, action=Action.LOGIN_FAILED, object_label="young")
        AuditEvent.objects.filter(pk=old.pk).values_list("pk")  # exists
        # Backdate through the database directly: the app itself refuses to change rows.
        from django.db import connection

        table = AuditEvent._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET occurred_at = %s WHERE id = %s",
                [timezone.now() - dt.timedelta(days=400), old.pk],
            )
            cursor.execute(
                f"UPDATE {table} SET occurred_at = %s WHERE id = %s",
                [timezone.now() - dt.timedelta(days=179), young.pk],
            )
        removed = audit_purge(actor=None, older_than_days=30)  # asks for 30, gets 180
        self.assertEqual(removed, 1)
        self.assertFalse(AuditEvent.objects.filter(pk=old.pk).exists())
        self.assertTrue(AuditEvent.objects.filter(pk=young.pk).exists())
        self.assertTrue(AuditEvent.objects.filter(action=Action.PURGE).exists())


class RequestContextTests(PersonaTestCase):
    def test_events_carry_the_request_id_and_ip(self):
        def view(request):
            services.team_update(
                actor=self.p.admin, team=self.p.team_b, data={"description": "from a request"}
            )
            from django.http import HttpResponse

            return HttpResponse("ok")

        request = RequestFactory().get("/", HTTP_X_REQUEST_ID="req-123", REMOTE_ADDR="10.1.2.3")
        response = RequestContextMiddleware(view)(request)
        self.assertEqual(response["X-Request-ID"], "req-123")
        event = AuditEvent.objects.for_object(self.p.team_b).latest("id")
        self.assertEqual(event.request_id, "req-123")
        self.assertEqual(event.ip_address, "10.1.2.3")
        self.assertEqual(context.current().request_id, "")

    def test_a_hostile_request_id_is_replaced(self):
        from django.http import HttpResponse

        request = RequestFactory().get("/", HTTP_X_REQUEST_ID="<script>")
        response = RequestContextMiddleware(lambda r: HttpResponse())(request)
        self.assertRegex(response["X-Request-ID"], r"^[0-9a-f]{32}$")

    def test_a_failed_write_leaves_no_audit_row(self):
        before = AuditEvent.objects.count()
        from django.core.exceptions import ValidationError

        with self.assertRaises(ValidationError):
            services.team_create(actor=self.p.admin, data={"name": "", "parent": self.p.sales})
        self.assertEqual(AuditEvent.objects.count(), before)


class AuditScopeTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.events = {
            name: record(
                actor=getattr(p, name),
                action=Action.UPDATE,
                obj=getattr(p, name),
                object_label=f"by {name}",
            )
            for name in PERSONAS
        }

    def visible_names(self, persona):
        ids = set(
            AuditEvent.objects.visible_to(getattr(self.p, persona)).values_list("pk", flat=True)
        )
        return {name for name, event in self.events.items() if event.pk in ids}

    def test_who_sees_which_events(self):
        team_a = {"lead_a", "am_a1", "am_a2", "viewer"}
        expected = {
            "admin": set(PERSONAS),
            "lead_a": team_a,
            "lead_b": {"lead_b", "am_b1"},
            "am_a1": {"am_a1"},
            "am_b1": {"am_b1"},
            "qm": {"qm"},
            "viewer": {"viewer"},
            "outsider": {"outsider"},
        }
        for persona, names in expected.items():
            with self.subTest(persona=persona):
                self.assertEqual(self.visible_names(persona), names)

    def test_a_lead_never_sees_edits_of_records_outside_their_scope(self):
        from rapport.org import services as org
        from rapport.org.models import Role

        # The admin also belongs to team A; their edit of team B must not show to lead A.
        org.membership_create(
            actor=None, data={"user": self.p.admin, "team": self.p.team_a, "role": Role.VIEWER}
        )
        org.team_update(actor=self.p.admin, team=self.p.team_b, data={"description": "B 计划"})
        org.team_update(actor=self.p.admin, team=self.p.team_a, data={"description": "A 计划"})
        lead_a = type(self.p.lead_a).objects.get(pk=self.p.lead_a.pk)
        labels = set(
            AuditEvent.objects.visible_to(lead_a)
            .filter(action=Action.UPDATE, content_type__model="team")
            .values_list("object_label", flat=True)
        )
        self.assertEqual(labels, {str(self.p.team_a)})

    def test_api_detail_out_of_scope_is_404(self):
        url = reverse("api:auditevent-detail", args=[self.events["am_b1"].pk])
        self.assertEqual(self.api("am_a1").get(url).status_code, 404)
        self.assertEqual(self.api("lead_a").get(url).status_code, 404)
        self.assertEqual(self.api("lead_b").get(url).status_code, 200)
        self.assertEqual(self.api("outsider").get(url).status_code, 404)

    def test_api_filters_by_object(self):
        url = reverse("api:auditevent-list")
        response = self.api("admin").get(
            url, {"object_type": "org.team", "object_id": self.p.team_a.pk}
        )
        self.assertEqual(response.status_code, 200)
        labels = {row["object_label"] for row in response.json()["results"]}
        self.assertEqual(labels, {str(self.p.team_a)})

    def test_list_query_count_is_constant(self):
        client = self.api("admin")

        def grow():
            for i in range(20):
                record(
                    actor=self.p.admin, action=Action.UPDATE, obj=self.p.team_b, object_label=str(i)
                )

        self.assertQueriesConstant(
            lambda: client.get(reverse("api:auditevent-list")), grow, at_most=4
        )


class HistoryPageTests(PersonaTestCase):
    def test_history_of_an_object_needs_the_object_in_scope(self):
        url = reverse("audit:history", args=["org.team", self.p.team_a.pk])
        self.assertEqual(self.web("outsider").get(url).status_code, 404)
        self.assertEqual(self.web("am_b1").get(url).status_code, 404)
        response = self.web("am_a1").get(url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "华东组")

    def test_unknown_model_is_404(self):
        url = reverse("audit:history", args=["nope.thing", 1])
        self.assertEqual(self.web("admin").get(url).status_code, 404)

    def test_audit_log_page_lists_events_for_admin(self):
        response = self.web("admin").get(reverse("audit:event-list"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "锐拓科技")


class ClientIpTests(PersonaTestCase):
    def test_behind_a_proxy_the_last_forwarded_address_counts(self):
        from django.test import override_settings

        from rapport.core.middleware import client_ip

        request = RequestFactory().get(
            "/", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.0.0.7", REMOTE_ADDR="10.0.0.1"
        )
        self.assertEqual(client_ip(request), "10.0.0.1")  # not behind a proxy: ignore the header
        with override_settings(BEHIND_PROXY=True):
            self.assertEqual(client_ip(request), "10.0.0.7")


class HistoryApiTests(PersonaTestCase):
    def test_anyone_who_sees_the_record_reads_its_whole_history(self):
        from rapport.org import services as org

        org.team_update(actor=self.p.admin, team=self.p.team_a, data={"description": "新"})
        url = reverse("api:team-history", args=[self.p.team_a.pk])
        response = self.api("am_a1").get(url)
        self.assertEqual(response.status_code, 200)
        actions = [row["action"] for row in response.json()["results"]]
        self.assertEqual(actions[0], Action.UPDATE)
        self.assertIn(Action.CREATE, actions)
        self.assertEqual(response.json()["results"][0]["changes"], {"description": ["", "新"]})
        self.assertEqual(self.api("am_b1").get(url).status_code, 404)
        self.assertEqual(self.api("outsider").get(url).status_code, 404)

    def test_audit_events_have_no_history_endpoint(self):
        from django.urls import NoReverseMatch

        with self.assertRaises(NoReverseMatch):
            reverse("api:auditevent-history", args=[1])

    def test_sign_in_events_stay_out_of_a_teammates_history(self):
        record(actor=None, action=Action.LOGIN_FAILED, obj=self.p.am_a2, extra={"login": "x"})
        record(actor=self.p.admin, action=Action.UPDATE, obj=self.p.am_a2, object_label="edit")
        url = reverse("api:user-history", args=[self.p.am_a2.pk])
        teammate = {r["action"] for r in self.api("am_a1").get(url).json()["results"]}
        lead = {r["action"] for r in self.api("lead_a").get(url).json()["results"]}
        self.assertIn(Action.UPDATE, teammate)
        self.assertNotIn(Action.LOGIN_FAILED, teammate)
        self.assertIn(Action.LOGIN_FAILED, lead)
        page = self.web("am_a1").get(reverse("audit:history", args=["org.user", self.p.am_a2.pk]))
        self.assertNotContains(page, "Failed sign-in")

    def test_history_page_with_a_malformed_id_is_404(self):
        url = reverse("audit:history", args=["org.user", "abc"])
        self.assertEqual(self.web("admin").get(url).status_code, 404)
