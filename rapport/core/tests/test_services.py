"""Generic audited writes, the after-write scope re-check, and the API error shape."""

from django.urls import reverse

from rapport.audit.models import Action, AuditEvent
from rapport.core import services
from rapport.core.errors import OutOfReachError
from rapport.core.testing import PersonaTestCase
from rapport.org.models import JobDescription, Team


class WriteInScopeTests(PersonaTestCase):
    def test_a_write_that_leaves_the_users_scope_is_rolled_back(self):
        jd = services.create_object(
            actor=None,
            model=JobDescription,
            data={"team": self.p.team_a, "title": "A", "responsibilities": "r"},
        )

        def move():
            return services.update_object(actor=self.p.lead_a, obj=jd, data={"team": self.p.team_b})

        with self.assertRaises(OutOfReachError):
            services.write_in_scope(self.p.lead_a, move)
        jd.refresh_from_db()
        self.assertEqual(jd.team, self.p.team_a)
        self.assertEqual(jd.version, 1)
        self.assertFalse(AuditEvent.objects.for_object(jd).filter(action=Action.UPDATE).exists())

    def test_update_without_changes_writes_no_event_and_keeps_the_version(self):
        team = Team.objects.get(pk=self.p.team_a.pk)
        before = AuditEvent.objects.count()
        services.update_object(actor=self.p.admin, obj=team, data={"name": team.name})
        self.assertEqual(AuditEvent.objects.count(), before)
        self.assertEqual(Team.objects.get(pk=team.pk).version, team.version)

    def test_update_records_before_and_after(self):
        team = Team.objects.get(pk=self.p.team_b.pk)
        services.update_object(actor=self.p.admin, obj=team, data={"english_name": "North"})
        event = AuditEvent.objects.for_object(team).latest("id")
        self.assertEqual(event.changes, {"english_name": ["", "North"]})
        self.assertEqual(event.extra["version"], team.version)


class ErrorShapeTests(PersonaTestCase):
    def test_404_403_405_share_one_shape(self):
        client = self.api("am_a1")
        missing = client.get(reverse("api:team-detail", args=[999999]))
        forbidden = client.patch(reverse("api:team-detail", args=[self.p.team_a.pk]), {})
        not_allowed = client.delete(reverse("api:team-detail", args=[self.p.team_a.pk]))
        for response, status, code in [
            (missing, 404, "not_found"),
            (forbidden, 403, "permission_denied"),
            (not_allowed, 405, "method_not_allowed"),
        ]:
            with self.subTest(status=status):
                self.assertEqual(response.status_code, status)
                body = response.json()
                self.assertEqual(set(body), {"code", "message", "errors"})
                self.assertEqual(body["code"], code)
                self.assertTrue(body["message"])

    def test_page_size_is_bounded(self):
        response = self.api("admin").get(reverse("api:user-list"), {"page_size": 100000})
        self.assertEqual(response.status_code, 200)
        self.assertLessEqual(len(response.json()["results"]), 200)


class AdminSiteTests(PersonaTestCase):
    def test_admin_login_goes_through_allauth(self):
        response = self.web(None).get("/admin/login/?next=/admin/")
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("account_login"), response["Location"])

    def test_admin_models_are_read_only(self):
        client = self.web("admin")
        self.assertEqual(client.get("/admin/org/team/").status_code, 200)
        self.assertEqual(client.get("/admin/org/team/add/").status_code, 403)
        self.assertEqual(client.get("/admin/audit/auditevent/add/").status_code, 403)

    def test_only_the_admin_role_opens_the_admin_site(self):
        self.assertEqual(self.web("lead_a").get("/admin/").status_code, 302)
        self.assertEqual(self.web("admin").get("/admin/").status_code, 200)


class UnknownUrlTests(PersonaTestCase):
    def test_unknown_api_url_answers_the_error_shape(self):
        response = self.api("am_a1").get("/api/v1/nothing-here/")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["code"], "not_found")

    def test_unknown_page_answers_the_404_page(self):
        response = self.web("am_a1").get("/nothing-here/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "Not found", status_code=404)
