"""Job descriptions: the worked example of docs/adding-an-entity.md."""

import json

from django.urls import reverse

from rapport.audit.models import Action, AuditEvent
from rapport.core import services as core
from rapport.core.testing import PersonaTestCase, ScopeContract
from rapport.org.models import JobDescription


def _jd(team, title):
    return core.create_object(
        actor=None,
        model=JobDescription,
        data={"team": team, "title": title, "responsibilities": "维护客户关系"},
    )


class JobDescriptionScopeTests(ScopeContract, PersonaTestCase):
    model = JobDescription
    api_basename = "api:jobdescription"
    page_detail = "org:jobdescription-detail"
    patch_body = {"summary": "更新"}
    visible = {
        "admin": "*",
        "lead_a": {"am_a"},
        "lead_b": {"am_b"},
        "am_a1": {"am_a"},
        "am_a2": {"am_a"},
        "am_b1": {"am_b"},
        "qm": {"qm"},
        "viewer": {"am_a"},
        "outsider": set(),
    }
    editable = {"admin": "*", "lead_a": {"am_a"}, "lead_b": {"am_b"}}

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.jds = {
            "am_a": _jd(cls.p.team_a, "客户经理"),
            "am_b": _jd(cls.p.team_b, "客户经理"),
            "qm": _jd(cls.p.quality, "客户质量经理"),
        }

    def objects(self):
        return self.jds


class JobDescriptionWriteTests(PersonaTestCase):
    def test_lead_creates_for_their_own_team_only(self):
        url = reverse("api:jobdescription-list")
        body = {"team": self.p.team_a.pk, "title": "大客户经理", "responsibilities": "…"}
        ok = self.api("lead_a").post(url, body, format="json")
        self.assertEqual(ok.status_code, 201, ok.content)
        other = self.api("lead_a").post(url, {**body, "team": self.p.team_b.pk}, format="json")
        self.assertEqual(other.status_code, 400)
        self.assertIn("team", other.json()["errors"])
        self.assertEqual(self.api("am_a1").post(url, body, format="json").status_code, 403)

    def test_lead_cannot_move_one_out_of_their_reach(self):
        jd = _jd(self.p.team_a, "销售助理")
        url = reverse("api:jobdescription-detail", args=[jd.pk])
        response = self.api("lead_a").patch(url, {"team": self.p.team_b.pk}, format="json")
        self.assertEqual(response.status_code, 400)
        jd.refresh_from_db()
        self.assertEqual(jd.team, self.p.team_a)

    def test_archive_instead_of_delete(self):
        jd = _jd(self.p.team_a, "实习生")
        client = self.api("lead_a")
        self.assertEqual(
            client.delete(reverse("api:jobdescription-detail", args=[jd.pk])).status_code, 405
        )
        response = client.post(reverse("api:jobdescription-archive", args=[jd.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertIsNotNone(response.json()["archived_at"])
        self.assertTrue(AuditEvent.objects.for_object(jd).filter(action=Action.ARCHIVE).exists())

    def test_bad_input_names_the_field_and_writes_nothing(self):
        url = reverse("api:jobdescription-list")
        client = self.api("admin")
        cases = {
            "missing": {"team": self.p.team_a.pk, "title": "X"},
            "oversized": {"team": self.p.team_a.pk, "title": "长" * 101, "responsibilities": "r"},
            "unknown": {"team": self.p.team_a.pk, "title": "X", "responsibilities": "r", "pay": 1},
            "wrong type": {"team": "abc", "title": "X", "responsibilities": "r"},
        }
        for case, body in cases.items():
            with self.subTest(case=case):
                response = client.post(url, json.dumps(body), content_type="application/json")
                self.assertEqual(response.status_code, 400)
                self.assertTrue(response.json()["errors"])
        _jd(self.p.team_a, "重复")
        dup = client.post(
            url, {"team": self.p.team_a.pk, "title": "重复", "responsibilities": "r"}, format="json"
        )
        self.assertEqual(dup.status_code, 400)
        self.assertEqual(JobDescription.objects.count(), 1)

    def test_pages_by_role(self):
        jd = _jd(self.p.team_a, "客户经理")
        self.assertEqual(self.web("am_a1").get(reverse("org:jobdescription-list")).status_code, 200)
        self.assertEqual(
            self.web("am_a1").get(reverse("org:jobdescription-create")).status_code, 403
        )
        edit = reverse("org:jobdescription-update", args=[jd.pk])
        self.assertEqual(self.web("am_a1").get(edit).status_code, 403)
        self.assertEqual(self.web("lead_b").get(edit).status_code, 404)
        self.assertEqual(self.web("lead_a").get(edit).status_code, 200)
        response = self.web("lead_a").post(
            reverse("org:jobdescription-create"),
            {"team": self.p.team_a.pk, "title": "渠道经理", "responsibilities": "拓展渠道"},
        )
        created = JobDescription.objects.get(title="渠道经理")
        self.assertRedirects(response, created.get_absolute_url(), fetch_redirect_response=False)
        self.web("lead_a").post(reverse("org:jobdescription-archive", args=[created.pk]))
        self.assertIsNotNone(JobDescription.objects.get(pk=created.pk).archived_at)
