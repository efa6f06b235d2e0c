"""Persona scope tests for users, teams and memberships (DESIGN §5)."""

from rapport.core.testing import PersonaTestCase, ScopeContract
from rapport.org.models import Membership, Team, User
from rapport.org.scope import scope_for


class TeamScopeTests(ScopeContract, PersonaTestCase):
    model = Team
    api_basename = "api:team"
    page_detail = "org:team-detail"
    patch_body = {"description": "更新 updated"}
    visible = {
        "admin": "*",
        "lead_a": {"team_a"},
        "lead_b": {"team_b"},
        "am_a1": {"team_a"},
        "am_a2": {"team_a"},
        "am_b1": {"team_b"},
        "qm": {"quality"},
        "viewer": {"team_a"},
        "outsider": set(),
    }
    editable = {"admin": "*"}

    def objects(self):
        p = self.p
        return {
            "company": p.company,
            "sales": p.sales,
            "team_a": p.team_a,
            "team_b": p.team_b,
            "quality": p.quality,
        }


class UserScopeTests(ScopeContract, PersonaTestCase):
    model = User
    api_basename = "api:user"
    page_detail = "org:user-detail"
    patch_body = {"english_name": "Changed"}
    team_a = {"lead_a", "am_a1", "am_a2", "viewer"}
    visible = {
        "admin": "*",
        "lead_a": team_a,
        "lead_b": {"lead_b", "am_b1"},
        "am_a1": team_a,
        "am_a2": team_a,
        "am_b1": {"lead_b", "am_b1"},
        "qm": {"qm"},
        "viewer": team_a,
        "outsider": {"outsider"},
    }
    editable = {"admin": "*"}

    def objects(self):
        return {
            name: getattr(self.p, name)
            for name in [
                "admin",
                "lead_a",
                "lead_b",
                "am_a1",
                "am_a2",
                "am_b1",
                "qm",
                "viewer",
                "outsider",
            ]
        }


class MembershipScopeTests(ScopeContract, PersonaTestCase):
    model = Membership
    api_basename = "api:membership"
    patch_body = {"is_primary": True}
    in_a = {"lead_a", "am_a1", "am_a2", "viewer"}
    visible = {
        "admin": "*",
        "lead_a": in_a,
        "lead_b": {"lead_b", "am_b1"},
        "am_a1": in_a,
        "am_a2": in_a,
        "am_b1": {"lead_b", "am_b1"},
        "qm": {"qm"},
        "viewer": in_a,
        "outsider": set(),
    }
    editable = {"admin": "*"}

    def objects(self):
        rows = Membership.objects.select_related("user")
        return {m.user.username: m for m in rows if m.user.username != "admin"}


class LeadSubtreeTests(PersonaTestCase):
    def test_lead_of_a_parent_team_sees_every_team_below(self):
        from rapport.org import services
        from rapport.org.models import Role

        services.membership_create(
            actor=self.p.admin,
            data={"user": self.p.lead_b, "team": self.p.sales, "role": Role.TEAM_LEAD},
        )
        lead = User.objects.get(pk=self.p.lead_b.pk)
        self.assertEqual(
            set(Team.objects.visible_to(lead)), {self.p.sales, self.p.team_a, self.p.team_b}
        )
        self.assertIn(self.p.am_a1, User.objects.visible_to(lead))
        self.assertTrue(scope_for(lead).can_manage_team)

    def test_archived_team_drops_out_of_scope(self):
        from rapport.org import services

        services.team_archive(actor=self.p.admin, team=self.p.quality)
        qm = User.objects.get(pk=self.p.qm.pk)
        self.assertFalse(Team.objects.visible_to(qm).exists())

    def test_viewer_and_outsider_cannot_write(self):
        self.assertFalse(scope_for(self.p.viewer).can_write)
        self.assertFalse(scope_for(self.p.outsider).can_write)
        self.assertTrue(scope_for(self.p.am_a1).can_write)
