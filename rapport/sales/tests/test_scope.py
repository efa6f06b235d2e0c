"""Who sees and changes opportunities, pipelines and stage history (DESIGN §5)."""

from django.urls import reverse

from rapport.core.testing import PERSONAS, PersonaTestCase, ScopeContract
from rapport.sales import services
from rapport.sales.models import Opportunity, Pipeline, StageChange
from rapport.sales.tests.helpers import default_pipeline, opportunity, stage

OPPORTUNITY_VISIBLE = {
    "admin": "*",
    "lead_a": {"a1", "a2"},
    "lead_b": {"b1"},
    "am_a1": {"a1"},
    "am_a2": {"a2"},
    "am_b1": {"b1"},
    "qm": set(),
    "viewer": {"a1", "a2"},
    "outsider": set(),
}


class OpportunityScopeTests(ScopeContract, PersonaTestCase):
    model = Opportunity
    api_basename = "api:opportunity"
    page_detail = "sales:opportunity-detail"
    patch_body = {"notes": "更新"}
    visible = OPPORTUNITY_VISIBLE
    editable = {
        "admin": "*",
        "lead_a": {"a1", "a2"},
        "lead_b": {"b1"},
        "am_a1": {"a1"},
        "am_a2": {"a2"},
        "am_b1": {"b1"},
    }

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.opps = {
            "a1": opportunity(cls.p.am_a1, "华东甲"),
            "a2": opportunity(cls.p.am_a2, "华东乙"),
            "b1": opportunity(cls.p.am_b1, "华北丙"),
        }

    def objects(self):
        return self.opps

    def test_move_obeys_scope(self):
        target = stage("需求确认")
        for persona in PERSONAS:
            for name, opp in self.opps.items():
                with self.subTest(persona=persona, opportunity=name):
                    url = reverse("api:opportunity-move", args=[opp.pk])
                    response = self.api(persona).post(url, {"stage": target.pk}, format="json")
                    if name in self._expected(self.editable, persona):
                        self.assertEqual(response.status_code, 200, response.content)
                    elif name in self._expected(self.visible, persona):
                        self.assertEqual(response.status_code, 403)
                    else:
                        self.assertEqual(response.status_code, 404)

    def test_board_and_list_show_only_visible(self):
        for persona in PERSONAS:
            expected = self._expected(self.visible, persona)
            for url_name in ("sales:board", "sales:opportunity-list"):
                with self.subTest(persona=persona, page=url_name):
                    html = self.web(persona).get(reverse(url_name)).content.decode()
                    for name, opp in self.opps.items():
                        self.assertEqual(opp.name in html, name in expected, name)

    def test_page_move_and_edit_are_404_or_403_out_of_reach(self):
        opp = self.opps["a1"]
        move = reverse("sales:opportunity-move", args=[opp.pk])
        edit = reverse("sales:opportunity-update", args=[opp.pk])
        body = {"stage": stage("需求确认").pk, "version": opp.version}
        self.assertEqual(self.web("am_b1").post(move, body).status_code, 404)
        self.assertEqual(self.web("outsider").get(edit).status_code, 404)
        self.assertEqual(self.web("viewer").post(move, body).status_code, 403)
        self.assertEqual(self.web("viewer").get(edit).status_code, 403)
        self.assertEqual(self.web("lead_a").get(edit).status_code, 200)


class PipelineScopeTests(ScopeContract, PersonaTestCase):
    model = Pipeline
    api_basename = "api:pipeline"
    page_detail = "sales:pipeline-detail"
    patch_body = {"is_default": True}
    visible = dict.fromkeys(PERSONAS, "*")
    editable = {"admin": "*"}

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.pipelines = {
            "default": default_pipeline(),
            "projects": services.pipeline_create(
                actor=cls.p.admin,
                data={"name": "项目型销售"},
                stages=[
                    {"name": "立项", "probability": 20, "outcome": "open"},
                    {"name": "签约", "probability": 100, "outcome": "won"},
                    {"name": "放弃", "probability": 0, "outcome": "lost"},
                ],
            ),
        }

    def objects(self):
        return self.pipelines

    def test_only_admins_create(self):
        body = {
            "name": "渠道",
            "stages": [
                {"name": "接洽", "probability": "10", "outcome": "open"},
                {"name": "成交", "probability": "100", "outcome": "won"},
                {"name": "丢单", "probability": "0", "outcome": "lost"},
            ],
        }
        url = reverse("api:pipeline-list")
        self.assertEqual(self.api("lead_a").post(url, body, format="json").status_code, 403)
        response = self.api("admin").post(url, body, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual([s["name"] for s in response.json()["stages"]], ["接洽", "成交", "丢单"])
        self.assertEqual(self.web("lead_a").get(reverse("sales:pipeline-create")).status_code, 403)


class StageChangeScopeTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.a1 = opportunity(cls.p.am_a1, "华东甲")
        cls.b1 = opportunity(cls.p.am_b1, "华北丙")
        for opp in (cls.a1, cls.b1):
            services.opportunity_move(actor=None, opportunity=opp, stage=stage("方案报价"))

    def test_history_follows_the_opportunity(self):
        names = {"a1": self.a1, "b1": self.b1}
        for persona in PERSONAS:
            with self.subTest(persona=persona):
                user = getattr(self.p, persona)
                seen = set(
                    StageChange.objects.visible_to(user).values_list("opportunity_id", flat=True)
                )
                rule = OPPORTUNITY_VISIBLE[persona]
                wanted = set(names) if rule == "*" else rule & set(names)
                expected = {names[n].pk for n in wanted}
                self.assertEqual(seen, expected)
                self.assertFalse(StageChange.objects.editable_by(user).exists())

    def test_stage_changes_endpoint_is_404_out_of_scope(self):
        url = reverse("api:opportunity-stage-changes", args=[self.a1.pk])
        self.assertEqual(self.api("am_b1").get(url).status_code, 404)
        self.assertEqual(self.api("outsider").get(url).status_code, 404)
        response = self.api("lead_a").get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.json()["results"]), 2)
