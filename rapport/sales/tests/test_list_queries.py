"""Query counts of the sales lists that had none: pipelines (page and API) and an
opportunity's stage history (API `…/stage-changes/`), DESIGN §7."""

from __future__ import annotations

from django.urls import reverse

from rapport.core.testing import PersonaTestCase
from rapport.sales import services
from rapport.sales.models import Pipeline
from rapport.sales.tests.helpers import opportunity, stage


class SalesListQueryCountTests(PersonaTestCase):
    def check(self, persona, url, grow, at_most, api=False):
        client = self.api(persona) if api else self.web(persona)
        count = self.assertQueriesConstant(lambda: client.get(url), grow, at_most=at_most)
        self.assertGreater(count, 0)
        return client.get(url)

    def grow_pipelines(self):
        for _ in range(3):
            services.pipeline_create(
                actor=self.p.admin,
                data={"name": f"渠道管道{Pipeline.objects.count()}"},
                stages=[
                    {"name": "接洽", "english_name": "Contact", "probability": 10},
                    {"name": "报价", "english_name": "Quote", "probability": 50},
                    {"name": "成交", "english_name": "Won", "probability": 100, "outcome": "won"},
                    {"name": "失败", "english_name": "Lost", "probability": 0, "outcome": "lost"},
                ],
            )

    def test_pipeline_list_page_and_api(self):
        page = self.check("am_a1", reverse("sales:pipeline-list"), self.grow_pipelines, 8)
        self.assertEqual(len(page.context["object_list"]), 4)  # the default and 3 more
        self.check("admin", reverse("sales:pipeline-list"), self.grow_pipelines, 8)
        api = self.check("am_b1", reverse("api:pipeline-list"), self.grow_pipelines, 5, api=True)
        rows = api.json()["results"]
        self.assertEqual(len(rows), 10)
        self.assertEqual({len(row["stages"]) for row in rows[1:]}, {4})

    def test_stage_changes_api(self):
        deal = opportunity(self.p.am_a1, "数据平台")
        url = reverse("api:opportunity-stage-changes", args=[deal.pk])
        names = iter(["需求确认", "方案报价", "商务谈判"] * 2)

        def grow():
            nonlocal deal
            for _ in range(4):
                deal = services.opportunity_move(
                    actor=self.p.lead_a, opportunity=deal, stage=stage(next(names))
                )

        response = self.check("am_a1", url, grow, 6, api=True)
        rows = response.json()["results"]
        self.assertEqual(len(rows), 5)  # created, and 4 moves
        self.assertEqual(rows[0]["to_stage"], stage("需求确认").pk)
        self.assertEqual(rows[-1]["from_stage"], None)
        self.assertEqual(self.api("am_b1").get(url).status_code, 404)
        self.assertEqual(self.api("outsider").get(url).status_code, 404)
