"""The org API: CRUD by admins, ETag / If-Match, one error shape, bad input."""

import json

from django.urls import reverse

from rapport.audit.models import Action, AuditEvent
from rapport.core.testing import PersonaTestCase
from rapport.org import services
from rapport.org.models import Membership, Role, Team, User


class TeamApiTests(PersonaTestCase):
    def test_admin_creates_a_team_under_a_parent_and_it_is_audited(self):
        response = self.api("admin").post(
            reverse("api:team-list"), {"name": "华南组", "parent": self.p.sales.pk}, format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        team = Team.objects.get(pk=response.json()["id"])
        self.assertEqual(team.path, f"{self.p.sales.path}{team.pk}/")
        self.assertEqual(response["ETag"], team.etag)
        event = AuditEvent.objects.for_object(team).get()
        self.assertEqual(event.action, Action.CREATE)
        self.assertEqual(event.actor, self.p.admin)
        self.assertEqual(event.changes["name"], [None, "华南组"])

    def test_non_admins_cannot_create_teams(self):
        for persona in ["lead_a", "am_a1", "qm", "viewer", "outsider"]:
            with self.subTest(persona=persona):
                response = self.api(persona).post(reverse("api:team-list"), {"name": "X"})
                self.assertEqual(response.status_code, 403)
        self.assertFalse(Team.objects.filter(name="X").exists())

    def test_anonymous_gets_401_with_the_error_shape(self):
        response = self.api(None).get(reverse("api:team-list"))
        self.assertEqual(response.status_code, 401)
        body = response.json()
        self.assertEqual(set(body), {"code", "message", "errors"})
        self.assertEqual(body["code"], "not_authenticated")

    def test_moving_a_team_rewrites_the_subtree_paths(self):
        child = services.team_create(
            actor=self.p.admin, data={"name": "子组", "parent": self.p.team_a}
        )
        url = reverse("api:team-detail", args=[self.p.team_a.pk])
        response = self.api("admin").patch(url, {"parent": self.p.quality.pk}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        child.refresh_from_db()
        self.assertTrue(child.path.startswith(self.p.quality.path))
        # The lead of team A now sees the child through the moved subtree.
        self.assertIn(child, Team.objects.visible_to(User.objects.get(pk=self.p.lead_a.pk)))

    def test_a_team_cannot_move_under_its_own_subtree(self):
        url = reverse("api:team-detail", args=[self.p.sales.pk])
        response = self.api("admin").patch(url, {"parent": self.p.team_a.pk}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("parent", response.json()["errors"])
        self.p.sales.refresh_from_db()
        self.assertEqual(self.p.sales.parent, self.p.company)

    def test_duplicate_name_under_the_same_parent_is_refused(self):
        response = self.api("admin").post(
            reverse("api:team-list"), {"name": "华东组", "parent": self.p.sales.pk}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "validation_error")

    def test_archive_is_refused_while_sub_teams_are_live(self):
        url = reverse("api:team-archive", args=[self.p.sales.pk])
        response = self.api("admin").post(url)
        self.assertEqual(response.status_code, 400)
        self.p.sales.refresh_from_db()
        self.assertIsNone(self.p.sales.archived_at)
        response = self.api("admin").post(reverse("api:team-archive", args=[self.p.quality.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertIsNotNone(response.json()["archived_at"])

    def test_delete_is_not_offered(self):
        url = reverse("api:team-detail", args=[self.p.team_a.pk])
        self.assertEqual(self.api("admin").delete(url).status_code, 405)


class ETagTests(PersonaTestCase):
    def url(self):
        return reverse("api:team-detail", args=[self.p.team_a.pk])

    def test_get_carries_an_etag_that_changes_after_a_write(self):
        client = self.api("admin")
        first = client.get(self.url())["ETag"]
        client.patch(self.url(), {"description": "新描述"}, format="json", HTTP_IF_MATCH=first)
        second = client.get(self.url())["ETag"]
        self.assertNotEqual(first, second)

    def test_stale_if_match_is_refused_with_412_and_what_changed(self):
        client = self.api("admin")
        stale = client.get(self.url())["ETag"]
        client.patch(self.url(), {"description": "first"}, format="json", HTTP_IF_MATCH=stale)
        response = client.patch(
            self.url(), {"description": "second"}, format="json", HTTP_IF_MATCH=stale
        )
        self.assertEqual(response.status_code, 412)
        body = response.json()
        self.assertEqual(body["code"], "precondition_failed")
        self.assertEqual(body["changes"][0]["field"], "description")
        self.assertEqual(body["changes"][0]["after"], "first")
        self.p.team_a.refresh_from_db()
        self.assertEqual(self.p.team_a.description, "first")

    def test_matching_if_match_is_accepted(self):
        client = self.api("admin")
        etag = client.get(self.url())["ETag"]
        response = client.patch(
            self.url(), {"description": "ok"}, format="json", HTTP_IF_MATCH=etag
        )
        self.assertEqual(response.status_code, 200)

    def test_service_refuses_a_concurrent_write_with_a_stale_version(self):
        from rapport.core.errors import StaleObjectError

        team = Team.objects.get(pk=self.p.team_a.pk)
        services.team_update(
            actor=self.p.admin, team=Team.objects.get(pk=team.pk), data={"description": "A"}
        )
        with self.assertRaises(StaleObjectError) as caught:
            services.team_update(
                actor=self.p.admin,
                team=team,
                data={"description": "B"},
                expected_version=team.version,
            )
        self.assertEqual(caught.exception.changes[0]["after"], "A")


class BadInputTests(PersonaTestCase):
    """Malformed, missing, oversized, wrong type, unknown fields, hostile: a clear error that
    names the field, and nothing written."""

    def post(self, body, content_type="application/json"):
        return self.api("admin").post(reverse("api:team-list"), body, content_type=content_type)

    def assertNothingWritten(self):
        self.assertEqual(Team.objects.count(), 5)
        self.assertFalse(
            AuditEvent.objects.filter(
                action=Action.CREATE, content_type__model="team", occurred_at__gt=self.started
            ).exists()
        )

    def setUp(self):
        from django.utils import timezone

        self.started = timezone.now()

    def test_malformed_json(self):
        response = self.post('{"name": "x",', content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "parse_error")
        self.assertNothingWritten()

    def test_missing_field(self):
        response = self.post(json.dumps({"parent": self.p.sales.pk}))
        self.assertEqual(response.status_code, 400)
        self.assertIn("name", response.json()["errors"])
        self.assertNothingWritten()

    def test_unknown_field(self):
        response = self.post(json.dumps({"name": "Y", "colour": "red"}))
        self.assertEqual(response.status_code, 400)
        self.assertIn("colour", response.json()["errors"])
        self.assertNothingWritten()

    def test_wrong_type(self):
        response = self.post(json.dumps({"name": "Y", "parent": "not-a-number"}))
        self.assertEqual(response.status_code, 400)
        self.assertIn("parent", response.json()["errors"])
        self.assertNothingWritten()

    def test_oversized_string(self):
        response = self.post(json.dumps({"name": "长" * 101}))
        self.assertEqual(response.status_code, 400)
        self.assertIn("100", response.json()["errors"]["name"][0])
        self.assertNothingWritten()

    def test_parent_out_of_scope_is_an_invalid_choice_not_a_leak(self):
        # An admin sees everything; use a lead's PATCH on a membership instead.
        response = self.api("lead_a").patch(
            reverse("api:team-detail", args=[self.p.team_b.pk]), {"name": "Z"}, format="json"
        )
        self.assertEqual(response.status_code, 404)

    def test_hostile_text_is_stored_as_text_and_rendered_inert(self):
        hostile = "<script>alert(1)</script>' OR 1=1; --"
        response = self.post(json.dumps({"name": hostile, "parent": self.p.sales.pk}))
        self.assertEqual(response.status_code, 201)
        team = Team.objects.get(pk=response.json()["id"])
        self.assertEqual(team.name, hostile)
        page = self.web("admin").get(team.get_absolute_url())
        self.assertNotContains(page, "<script>alert(1)</script>")
        self.assertContains(page, "&lt;script&gt;alert(1)&lt;/script&gt;")

    def test_errors_are_translated(self):
        response = self.api("admin").post(
            reverse("api:team-list"),
            json.dumps({"parent": self.p.sales.pk}),
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("该字段是必填项", response.json()["errors"]["name"][0])

    def test_wrong_encoding_is_refused(self):
        response = self.post('{"name": "\xff\xfe"}'.encode("latin-1"))
        self.assertEqual(response.status_code, 400)
        self.assertNothingWritten()


class UserApiTests(PersonaTestCase):
    def test_admin_creates_a_user_with_a_validated_password(self):
        url = reverse("api:user-list")
        weak = self.api("admin").post(url, {"username": "new", "password": "123"}, format="json")
        self.assertEqual(weak.status_code, 400)
        self.assertIn("password", weak.json()["errors"])
        self.assertFalse(User.objects.filter(username="new").exists())
        good = self.api("admin").post(
            url,
            {"username": "new", "full_name": "新人", "password": "a-much-better-pass-42"},
            format="json",
        )
        self.assertEqual(good.status_code, 201, good.content)
        self.assertNotIn("password", good.json())
        self.assertTrue(User.objects.get(username="new").check_password("a-much-better-pass-42"))

    def test_email_is_unique_regardless_of_case(self):
        response = self.api("admin").post(
            reverse("api:user-list"),
            {"username": "dup", "email": "AM_A1@example.com"},
            format="json",
        )
        self.assertEqual(response.status_code, 400)

    def test_deactivate_ends_tokens_and_is_audited(self):
        _token, key = services.token_create(actor=self.p.am_a1, user=self.p.am_a1, name="script")
        client = self.api(None)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        self.assertEqual(client.get(reverse("api:me")).status_code, 200)
        url = reverse("api:user-deactivate", args=[self.p.am_a1.pk])
        response = self.api("admin").post(url, {"reason": "left the company"}, format="json")
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.json()["is_active"])
        refused = client.get(reverse("api:me"))
        self.assertEqual(refused.status_code, 401)
        self.assertEqual(refused.json()["code"], "authentication_failed")
        event = AuditEvent.objects.for_object(self.p.am_a1).filter(action=Action.DEACTIVATE).get()
        self.assertEqual(event.extra["tokens_revoked"], 1)
        self.assertEqual(event.extra["reason"], "left the company")

    def test_admin_cannot_deactivate_themselves(self):
        url = reverse("api:user-deactivate", args=[self.p.admin.pk])
        self.assertEqual(self.api("admin").post(url).status_code, 400)

    def test_me_returns_roles_and_lets_the_user_change_preferences_only(self):
        client = self.api("am_a1")
        me = client.get(reverse("api:me")).json()
        self.assertEqual(me["role"], Role.ACCOUNT_MANAGER)
        self.assertFalse(me["is_admin"])
        response = client.patch(reverse("api:me"), {"language": "zh-hans"}, format="json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(User.objects.get(pk=self.p.am_a1.pk).language, "zh-hans")
        response = client.patch(reverse("api:me"), {"is_active": False}, format="json")
        self.assertEqual(response.status_code, 400)

    def test_user_list_query_count_does_not_grow_with_rows(self):
        client = self.api("admin")

        def grow():
            for i in range(15):
                user = services.user_create(actor=None, data={"username": f"extra{i}"})
                services.membership_create(
                    actor=None,
                    data={"user": user, "team": self.p.team_b, "role": Role.ACCOUNT_MANAGER},
                )

        self.assertQueriesConstant(lambda: client.get(reverse("api:user-list")), grow, at_most=5)


class MembershipApiTests(PersonaTestCase):
    def test_role_change_is_audited_on_the_user(self):
        membership = Membership.objects.get(user=self.p.am_a1, team=self.p.team_a)
        url = reverse("api:membership-detail", args=[membership.pk])
        response = self.api("admin").patch(url, {"role": Role.TEAM_LEAD}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        event = AuditEvent.objects.for_object(self.p.am_a1).filter(action=Action.ROLE).latest("id")
        self.assertEqual(event.changes["role"], [Role.ACCOUNT_MANAGER, Role.TEAM_LEAD])

    def test_only_one_primary_team(self):
        response = self.api("admin").post(
            reverse("api:membership-list"),
            {
                "user": self.p.am_a1.pk,
                "team": self.p.team_b.pk,
                "role": Role.VIEWER,
                "is_primary": True,
            },
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        primaries = Membership.objects.filter(user=self.p.am_a1, is_primary=True)
        self.assertEqual([m.team for m in primaries], [self.p.team_b])

    def test_duplicate_membership_is_refused(self):
        response = self.api("admin").post(
            reverse("api:membership-list"),
            {"user": self.p.am_a1.pk, "team": self.p.team_a.pk, "role": Role.VIEWER},
            format="json",
        )
        self.assertEqual(response.status_code, 400)

    def test_ending_a_membership_is_audited_and_shrinks_scope(self):
        membership = Membership.objects.get(user=self.p.am_b1)
        response = self.api("admin").delete(reverse("api:membership-detail", args=[membership.pk]))
        self.assertEqual(response.status_code, 204)
        self.assertFalse(Team.objects.visible_to(User.objects.get(pk=self.p.am_b1.pk)).exists())
        self.assertTrue(
            AuditEvent.objects.filter(action=Action.DELETE, object_id=str(membership.pk)).exists()
        )


class SchemaTests(PersonaTestCase):
    def test_openapi_schema_lists_the_endpoints(self):
        response = self.web(None).get(reverse("api-schema"), HTTP_ACCEPT="application/json")
        self.assertEqual(response.status_code, 200)
        schema = json.loads(response.content)
        for path in [
            "/api/v1/users/",
            "/api/v1/teams/",
            "/api/v1/memberships/",
            "/api/v1/me/",
            "/api/v1/audit-events/",
            "/api/v1/auth/token/",
            "/api/v1/jobs/",
        ]:
            self.assertIn(path, schema["paths"])

    def test_swagger_ui_is_served_without_a_cdn(self):
        response = self.web("am_a1").get(reverse("api-docs"))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("/static/drf_spectacular_sidecar/swagger-ui-dist/", html)
        self.assertNotIn("cdn.", html)
        self.assertNotIn("https://", html)


class FilterTests(PersonaTestCase):
    def test_search_matches_any_declared_field_within_scope(self):
        client = self.api("lead_a")
        names = lambda r: {row["username"] for row in r.json()["results"]}  # noqa: E731
        self.assertEqual(names(client.get(reverse("api:user-list"), {"q": "刘洋"})), {"am_a1"})
        self.assertEqual(
            names(client.get(reverse("api:user-list"), {"q": "AM_A"})), {"am_a1", "am_a2"}
        )
        # am_b1 matches the text but is outside lead_a's scope.
        self.assertEqual(names(client.get(reverse("api:user-list"), {"q": "am_b1"})), set())

    def test_archived_filter(self):
        services.team_archive(actor=self.p.admin, team=self.p.quality)
        client = self.api("admin")
        archived = client.get(reverse("api:team-list"), {"archived": "true"}).json()["results"]
        live = client.get(reverse("api:team-list"), {"archived": "false"}).json()["results"]
        self.assertEqual([row["name"] for row in archived], ["质量组"])
        self.assertNotIn("质量组", [row["name"] for row in live])


class PreconditionEverywhereTests(PersonaTestCase):
    def test_archive_refuses_a_stale_if_match(self):
        url = reverse("api:team-archive", args=[self.p.quality.pk])
        response = self.api("admin").post(url, HTTP_IF_MATCH='"org.team-1-v999"')
        self.assertEqual(response.status_code, 412)
        self.assertIsNone(Team.objects.get(pk=self.p.quality.pk).archived_at)

    def test_me_carries_an_etag_and_refuses_a_stale_if_match(self):
        client = self.api("am_a1")
        etag = client.get(reverse("api:me"))["ETag"]
        ok = client.patch(reverse("api:me"), {"phone": "1"}, format="json", HTTP_IF_MATCH=etag)
        self.assertEqual(ok.status_code, 200)
        stale = client.patch(reverse("api:me"), {"phone": "2"}, format="json", HTTP_IF_MATCH=etag)
        self.assertEqual(stale.status_code, 412)
        self.assertEqual(User.objects.get(pk=self.p.am_a1.pk).phone, "1")

    def test_an_invalid_time_zone_is_refused_by_the_api(self):
        response = self.api("am_a1").patch(
            reverse("api:me"), {"time_zone": "Mars/Olympus"}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("time_zone", response.json()["errors"])


class PrimaryTeamTests(PersonaTestCase):
    def test_the_only_primary_team_cannot_be_unset(self):
        membership = Membership.objects.get(user=self.p.am_a1, team=self.p.team_a)
        url = reverse("api:membership-detail", args=[membership.pk])
        response = self.api("admin").patch(url, {"is_primary": False}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("is_primary", response.json()["errors"])
        self.assertEqual(Membership.objects.filter(user=self.p.am_a1, is_primary=True).count(), 1)

    def test_moving_the_primary_team_is_audited_on_both_memberships(self):
        old = Membership.objects.get(user=self.p.am_a1, team=self.p.team_a)
        new = services.membership_create(
            actor=self.p.admin,
            data={
                "user": self.p.am_a1,
                "team": self.p.team_b,
                "role": Role.VIEWER,
                "is_primary": True,
            },
        )
        old.refresh_from_db()
        self.assertFalse(old.is_primary)
        self.assertEqual(old.version, 2)
        self.assertTrue(AuditEvent.objects.for_object(old).filter(action=Action.UPDATE).exists())
        services.membership_end(actor=self.p.admin, membership=new)
        old.refresh_from_db()
        self.assertTrue(old.is_primary)
        self.assertEqual(AuditEvent.objects.for_object(old).filter(action=Action.UPDATE).count(), 2)


class UserFilterTests(PersonaTestCase):
    def test_team_and_role_hold_for_the_same_membership(self):
        services.membership_create(
            actor=None, data={"user": self.p.am_a1, "team": self.p.team_b, "role": Role.TEAM_LEAD}
        )
        response = self.api("admin").get(
            reverse("api:user-list"), {"team": self.p.team_a.pk, "role": Role.TEAM_LEAD}
        )
        self.assertEqual({r["username"] for r in response.json()["results"]}, {"lead_a"})
        response = self.api("admin").get(reverse("api:user-list"), {"role": Role.TEAM_LEAD})
        self.assertEqual(
            {r["username"] for r in response.json()["results"]}, {"lead_a", "lead_b", "am_a1"}
        )
