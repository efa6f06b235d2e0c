"""The opportunity and pipeline API: create, move (If-Match), bad input, query counts."""

import json

from django.urls import reverse

from rapport.core.testing import PersonaTestCase
from rapport.sales.models import Opportunity, StageChange
from rapport.sales.tests.helpers import customer, opportunity, stage


class OpportunityApiTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.cust = customer(cls.p.am_a1)

    def test_create_and_read(self):
        url = reverse("api:opportunity-list")
        body = {"customer": self.cust.pk, "name": "云服务", "amount": "12345.60"}
        response = self.api("am_a1").post(url, body, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        self.assertEqual(data["stage_name"], "Initial contact")
        self.assertEqual(data["owner"], self.p.am_a1.pk)
        self.assertEqual(data["amount"], "12345.60")
        self.assertIn("ETag", response)

    def test_customer_out_of_reach_is_refused(self):
        other = customer(self.p.am_b1, "广州物流有限公司")
        url = reverse("api:opportunity-list")
        response = self.api("am_a1").post(
            url, {"customer": other.pk, "name": "X", "amount": "1"}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("customer", response.json()["errors"])
        self.assertEqual(self.api("viewer").post(url, {}, format="json").status_code, 403)

    def test_bad_input_names_the_field_and_writes_nothing(self):
        url = reverse("api:opportunity-list")
        base = {"customer": self.cust.pk, "name": "X", "amount": "1"}
        cases = {
            "negative amount": ({**base, "amount": "-5"}, "amount"),
            "oversized amount": ({**base, "amount": "1" * 20}, "amount"),
            "oversized name": ({**base, "name": "长" * 201}, "name"),
            "missing name": ({"customer": self.cust.pk, "amount": "1"}, "name"),
            "unknown field": ({**base, "discount": 5}, "discount"),
            "wrong type": ({**base, "amount": "lots"}, "amount"),
            "wrong date": ({**base, "expected_close": "明天"}, "expected_close"),
            "stage is not writable": ({**base, "stage": stage("赢单").pk}, "stage"),
            "bad currency": ({**base, "currency": "BTC"}, "currency"),
        }
        client = self.api("am_a1")
        for case, (body, field) in cases.items():
            with self.subTest(case=case):
                response = client.post(url, json.dumps(body), content_type="application/json")
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn(field, response.json()["errors"])
        self.assertFalse(Opportunity.objects.exists())
        self.assertFalse(StageChange.objects.exists())

    def test_html_in_names_is_stored_as_text_and_escaped_on_pages(self):
        hostile = '<script>alert("x")</script><b>大单</b>'
        opp = opportunity(self.p.am_a1, hostile, cust=self.cust)
        for url in (
            reverse("sales:opportunity-detail", args=[opp.pk]),
            reverse("sales:opportunity-list"),
            reverse("sales:board"),
        ):
            html = self.web("am_a1").get(url).content.decode()
            self.assertNotIn(hostile, html)
            self.assertIn("&lt;script&gt;", html)

    def test_move_with_if_match_and_reason(self):
        opp = opportunity(self.p.am_a1, cust=self.cust)
        url = reverse("api:opportunity-move", args=[opp.pk])
        client = self.api("am_a1")
        etag = client.get(reverse("api:opportunity-detail", args=[opp.pk]))["ETag"]
        ok = client.post(url, {"stage": stage("方案报价").pk}, format="json", HTTP_IF_MATCH=etag)
        self.assertEqual(ok.status_code, 200, ok.content)
        self.assertEqual(ok.json()["stage_name"], "Proposal and quote")
        stale = client.post(url, {"stage": stage("商务谈判").pk}, format="json", HTTP_IF_MATCH=etag)
        self.assertEqual(stale.status_code, 412)
        lost = client.post(url, {"stage": stage("输单").pk}, format="json")
        self.assertEqual(lost.status_code, 400)
        self.assertIn("reason", lost.json()["errors"])
        lost = client.post(url, {"stage": stage("输单").pk, "reason": "价格"}, format="json")
        self.assertEqual(lost.status_code, 200)
        self.assertIsNotNone(lost.json()["closed_at"])
        unknown = client.post(url, {"stage": 999999}, format="json")
        self.assertEqual(unknown.status_code, 400)
        self.assertIn("stage", unknown.json()["errors"])
        extra = client.post(url, {"stage": stage("赢单").pk, "foo": 1}, format="json")
        self.assertEqual(extra.status_code, 400)
        history = client.get(reverse("api:opportunity-history", args=[opp.pk]))
        self.assertEqual(history.status_code, 200)
        self.assertGreaterEqual(len(history.json()["results"]), 3)

    def test_patch_stale_if_match_is_412(self):
        opp = opportunity(self.p.am_a1, cust=self.cust)
        url = reverse("api:opportunity-detail", args=[opp.pk])
        client = self.api("am_a1")
        etag = client.get(url)["ETag"]
        self.assertEqual(client.patch(url, {"amount": "5"}, HTTP_IF_MATCH=etag).status_code, 200)
        self.assertEqual(client.patch(url, {"amount": "6"}, HTTP_IF_MATCH=etag).status_code, 412)

    def test_list_filters(self):
        small = opportunity(self.p.am_a1, "小单", amount="100", cust=self.cust)
        big = opportunity(self.p.am_a1, "大单", amount="900000", cust=self.cust)
        client = self.api("am_a1")
        url = reverse("api:opportunity-list")
        ids = lambda params: {r["id"] for r in client.get(url, params).json()["results"]}  # noqa: E731
        self.assertEqual(ids({"amount_min": "1000"}), {big.pk})
        self.assertEqual(ids({"q": "小单"}), {small.pk})
        self.assertEqual(ids({"status": "won"}), set())
        self.assertEqual(client.get(url, {"amount_min": "abc"}).status_code, 400)

    def test_list_query_count_is_constant(self):
        client = self.api("lead_a")
        url = reverse("api:opportunity-list")

        def grow():
            for index in range(5):
                opportunity(self.p.am_a2, f"新商机{index}", cust=None)

        opportunity(self.p.am_a1, cust=self.cust)
        self.assertQueriesConstant(lambda: client.get(url), grow, at_most=10)


class PipelineApiTests(PersonaTestCase):
    def test_read_for_all_with_nested_stages(self):
        response = self.api("am_a1").get(reverse("api:pipeline-list"))
        self.assertEqual(response.status_code, 200)
        stages = response.json()["results"][0]["stages"]
        self.assertEqual([s["name"] for s in stages][:2], ["初步接洽", "需求确认"])

    def test_admin_reorders_and_renames(self):
        pipeline = self.api("admin").get(reverse("api:pipeline-list")).json()["results"][0]
        ids = [s["id"] for s in pipeline["stages"]]
        url = reverse("api:pipeline-reorder", args=[pipeline["id"]])
        self.assertEqual(self.api("lead_a").post(url, {"stages": ids}).status_code, 403)
        response = self.api("admin").post(url, {"stages": [ids[1], ids[0], *ids[2:]]})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["stages"][0]["name"], "需求确认")
        rows = [{**s} for s in response.json()["stages"]]
        for row in rows:
            row.pop("label")
            row.pop("position")
        rows[0]["english_name"] = "Needs"
        detail = reverse("api:pipeline-detail", args=[pipeline["id"]])
        response = self.api("admin").patch(detail, {"stages": rows})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["stages"][0]["english_name"], "Needs")
        response = self.api("admin").patch(detail, {"stages": rows[1:]})
        self.assertEqual(response.status_code, 400)
        self.assertIn("stages", response.json()["errors"])
