"""Pages: home per role, people and teams pages, stale forms, language, profile, tokens."""

from django.urls import reverse

from rapport.core.testing import PERSONAS, PersonaTestCase
from rapport.org import services
from rapport.org.models import ApiToken, Membership, Role, Team, User


class HomePageTests(PersonaTestCase):
    def test_each_role_gets_its_own_panels(self):
        expected = {
            "am_a1": ["am-due-today", "am-overdue", "am-pipeline", "am-pool"],
            "lead_a": ["lead-team", "lead-cadence", "lead-overdue", "lead-pipeline"],
            "qm": ["qm-tickets", "qm-surveys"],
            "admin": ["admin-org", "admin-activity"],
            "viewer": ["viewer-welcome"],
        }
        for persona, panels in expected.items():
            with self.subTest(persona=persona):
                response = self.web(persona).get(reverse("home"))
                self.assertEqual(response.status_code, 200)
                for key in panels:
                    self.assertContains(response, f'data-panel="{key}"')

    def test_lead_sees_their_team_members_on_home(self):
        response = self.web("lead_a").get(reverse("home"))
        self.assertContains(response, "刘洋")
        self.assertNotContains(response, "徐浩")  # team B

    def test_empty_panels_say_nothing_here_yet(self):
        # The quality manager's panels are still placeholders (issue #3 filled the AM's).
        response = self.web("qm").get(reverse("home"))
        self.assertContains(response, "Nothing here yet")

    def test_home_in_chinese(self):
        response = self.web("am_a1").get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans")
        self.assertContains(response, 'lang="zh-hans"')
        self.assertContains(response, "今日到期")

    def test_anonymous_is_sent_to_login(self):
        response = self.web(None).get(reverse("home"))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("account_login"), response["Location"])

    def test_home_query_count_is_bounded(self):
        client = self.web("lead_a")

        def grow():
            for i in range(10):
                user = services.user_create(actor=None, data={"username": f"more{i}"})
                services.membership_create(
                    actor=None,
                    data={"user": user, "team": self.p.team_a, "role": Role.ACCOUNT_MANAGER},
                )

        self.assertQueriesConstant(lambda: client.get(reverse("home")), grow, at_most=14)

    def test_navigation_follows_role(self):
        am = self.web("am_a1").get(reverse("home")).content.decode()
        admin = self.web("admin").get(reverse("home")).content.decode()
        self.assertNotIn(reverse("audit:event-list"), am)
        self.assertIn(reverse("audit:event-list"), admin)


class OrgPagesTests(PersonaTestCase):
    def test_people_list_is_scoped(self):
        response = self.web("am_a1").get(reverse("org:user-list"))
        self.assertContains(response, "张敏")
        self.assertNotContains(response, "徐浩")

    def test_people_list_query_count_is_constant(self):
        client = self.web("admin")

        def grow():
            for i in range(10):
                user = services.user_create(actor=None, data={"username": f"p{i}"})
                services.membership_create(
                    actor=None,
                    data={"user": user, "team": self.p.team_b, "role": Role.ACCOUNT_MANAGER},
                )

        self.assertQueriesConstant(lambda: client.get(reverse("org:user-list")), grow, at_most=14)

    def test_only_admin_opens_create_and_edit_pages(self):
        for persona in PERSONAS:
            with self.subTest(persona=persona):
                client = self.web(persona)
                create = client.get(reverse("org:team-create"))
                edit = client.get(reverse("org:team-update", args=[self.p.team_a.pk]))
                if persona == "admin":
                    self.assertEqual((create.status_code, edit.status_code), (200, 200))
                else:
                    self.assertEqual(create.status_code, 403)
                    # Out of scope is 404; visible but read-only is 403.
                    visible = (
                        Team.objects.visible_to(getattr(self.p, persona))
                        .filter(pk=self.p.team_a.pk)
                        .exists()
                    )
                    self.assertEqual(edit.status_code, 403 if visible else 404)

    def test_admin_creates_a_team_from_the_page(self):
        response = self.web("admin").post(
            reverse("org:team-create"),
            {"name": "华南组", "english_name": "South", "parent": self.p.sales.pk},
        )
        team = Team.objects.get(name="华南组")
        self.assertRedirects(response, team.get_absolute_url(), fetch_redirect_response=False)

    def test_form_errors_name_the_field(self):
        response = self.web("admin").post(reverse("org:team-create"), {"name": ""})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This field is required")
        self.assertEqual(Team.objects.filter(name="").count(), 0)

    def test_stale_form_is_refused_with_409_and_shows_what_changed(self):
        client = self.web("admin")
        url = reverse("org:team-update", args=[self.p.team_a.pk])
        version = Team.objects.get(pk=self.p.team_a.pk).version
        services.team_update(
            actor=self.p.lead_b,
            team=Team.objects.get(pk=self.p.team_a.pk),
            data={"description": "改过了"},
        )
        response = client.post(
            url,
            {
                "name": "华东组",
                "description": "mine",
                "parent": self.p.sales.pk,
                "version": version,
            },
        )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, 'data-testid="stale-changes"', status_code=409)
        self.assertContains(response, "改过了", status_code=409)
        self.assertEqual(Team.objects.get(pk=self.p.team_a.pk).description, "改过了")
        # Saving again from the refreshed form (new version) goes through.
        fresh = Team.objects.get(pk=self.p.team_a.pk).version
        response = client.post(
            url,
            {"name": "华东组", "description": "mine", "parent": self.p.sales.pk, "version": fresh},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Team.objects.get(pk=self.p.team_a.pk).description, "mine")

    def test_admin_adds_and_ends_a_membership(self):
        client = self.web("admin")
        client.post(
            reverse("org:membership-add", args=[self.p.team_b.pk]),
            {"user": self.p.am_a1.pk, "role": Role.VIEWER},
        )
        membership = Membership.objects.get(user=self.p.am_a1, team=self.p.team_b)
        client.post(reverse("org:membership-end", args=[membership.pk]))
        self.assertFalse(Membership.objects.filter(pk=membership.pk).exists())

    def test_deactivate_from_the_page(self):
        response = self.web("admin").post(reverse("org:user-deactivate", args=[self.p.am_b1.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(User.objects.get(pk=self.p.am_b1.pk).is_active)
        refused = self.web("lead_b").post(reverse("org:user-deactivate", args=[self.p.am_b1.pk]))
        self.assertEqual(refused.status_code, 403)


class ProfileTests(PersonaTestCase):
    def test_language_switch_becomes_the_profile_setting(self):
        client = self.web("am_a1")
        response = client.post(reverse("org:set-language"), {"language": "zh-hans", "next": "/"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(User.objects.get(pk=self.p.am_a1.pk).language, "zh-hans")
        # The profile wins over the browser's Accept-Language.
        home = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(home, 'lang="zh-hans"')

    def test_language_switch_refuses_open_redirects(self):
        response = self.web("am_a1").post(
            reverse("org:set-language"), {"language": "en", "next": "https://evil.example/"}
        )
        self.assertEqual(response["Location"], "/")

    def test_profile_time_zone_is_validated(self):
        client = self.web("am_a1")
        me = User.objects.get(pk=self.p.am_a1.pk)
        response = client.post(
            reverse("org:profile"), {"time_zone": "Mars/Olympus", "version": me.version}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "IANA time zone")
        response = client.post(
            reverse("org:profile"),
            {"time_zone": "Europe/Paris", "full_name": "刘洋", "version": me.version},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(User.objects.get(pk=me.pk).time_zone, "Europe/Paris")

    def test_token_is_shown_once_and_can_be_revoked(self):
        client = self.web("am_a1")
        client.post(reverse("org:token-create"), {"name": "报表脚本"})
        page = client.get(reverse("org:profile"))
        self.assertContains(page, 'data-testid="new-token"')
        again = client.get(reverse("org:profile"))
        self.assertNotContains(again, 'data-testid="new-token"')
        token = ApiToken.objects.get(user=self.p.am_a1)
        self.assertEqual(token.name, "报表脚本")
        # Someone else's token is 404 for you.
        self.assertEqual(
            self.web("am_a2").post(reverse("org:token-revoke", args=[token.pk])).status_code, 404
        )
        client.post(reverse("org:token-revoke", args=[token.pk]))
        self.assertIsNotNone(ApiToken.objects.get(pk=token.pk).revoked_at)


class StaticAssetTests(PersonaTestCase):
    def test_every_asset_of_the_layout_is_served_by_the_app(self):
        import re

        html = self.web("am_a1").get(reverse("home")).content.decode()
        assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
        self.assertGreaterEqual(len(assets), 5)
        for asset in assets:
            with self.subTest(asset=asset):
                response = self.web(None).get(asset)
                self.assertEqual(response.status_code, 200)
        self.assertNotRegex(html, r'(?:src|href)="(?:https?:)?//')


class MissingVersionTests(PersonaTestCase):
    def test_an_edit_form_without_its_version_is_refused(self):
        url = reverse("org:team-update", args=[self.p.team_a.pk])
        response = self.web("admin").post(
            url, {"name": "华东组", "description": "mine", "parent": self.p.sales.pk}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Team.objects.get(pk=self.p.team_a.pk).description, "")


class MembershipPageTests(PersonaTestCase):
    def test_admin_changes_a_role_from_the_team_page(self):
        membership = Membership.objects.get(user=self.p.am_a2)
        url = reverse("org:membership-update", args=[membership.pk])
        self.assertContains(self.web("admin").get(self.p.team_a.get_absolute_url()), url)
        self.assertEqual(self.web("lead_a").get(url).status_code, 403)
        self.assertEqual(self.web("lead_b").get(url).status_code, 404)
        response = self.web("admin").post(
            url, {"role": Role.TEAM_LEAD, "is_primary": "on", "version": membership.version}
        )
        self.assertRedirects(
            response, self.p.team_a.get_absolute_url(), fetch_redirect_response=False
        )
        self.assertEqual(Membership.objects.get(pk=membership.pk).role, Role.TEAM_LEAD)
