"""Opportunity pages: both languages, create/edit/move from pages, bad input, query counts."""

from django.urls import reverse
from django.utils import translation

from rapport.audit.models import AuditEvent
from rapport.core.testing import PersonaTestCase
from rapport.sales.models import Opportunity
from rapport.sales.tests.helpers import customer, month_ahead, opportunity, stage


class PageTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.cust = customer(cls.p.am_a1)
        cls.opp = opportunity(cls.p.am_a1, "数据平台", cust=cls.cust, expected_close=month_ahead(1))

    def pages(self):
        opp = self.opp
        pipeline = opp.pipeline
        return [
            reverse("sales:opportunity-list"),
            reverse("sales:opportunity-list") + "?status=open&sort=-amount&amount_min=1",
            reverse("sales:opportunity-detail", args=[opp.pk]),
            reverse("sales:opportunity-create") + f"?customer={self.cust.pk}",
            reverse("sales:opportunity-update", args=[opp.pk]),
            reverse("sales:board"),
            reverse("sales:forecast"),
            reverse("sales:pipeline-list"),
            reverse("sales:pipeline-detail", args=[pipeline.pk]),
            reverse("sales:customer-options") + "?customer_q=北京",
            reverse("home"),
        ]

    def test_every_page_renders_in_both_languages(self):
        for language, word in (("en", "Initial contact"), ("zh-hans", "初步接洽")):
            client = self.web("am_a1")
            client.cookies["django_language"] = language
            for url in self.pages():
                with self.subTest(language=language, url=url):
                    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
                    self.assertEqual(response.status_code, 200)
            with translation.override(language):
                board = client.get(reverse("sales:board"), HTTP_ACCEPT_LANGUAGE=language)
                self.assertContains(board, word)

    def test_admin_pipeline_pages(self):
        client = self.web("admin")
        pipeline = self.opp.pipeline
        for url in (
            reverse("sales:pipeline-create"),
            reverse("sales:pipeline-update", args=[pipeline.pk]),
            reverse("sales:stage-update", args=[stage("初步接洽").pk]),
        ):
            self.assertEqual(client.get(url).status_code, 200, url)
        first, second = list(pipeline.stages.order_by("position")[:2])
        client.post(
            reverse("sales:stage-shift", args=[pipeline.pk, second.pk]), {"direction": "up"}
        )
        second.refresh_from_db()
        self.assertEqual(second.position, 1)
        response = client.post(
            reverse("sales:stage-add", args=[pipeline.pk]),
            {
                "name": "合同审批",
                "english_name": "Contract",
                "probability": "90",
                "outcome": "open",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(pipeline.stages.filter(name="合同审批").exists())
        bad = client.post(
            reverse("sales:stage-add", args=[pipeline.pk]),
            {"name": "X", "probability": "150", "outcome": "open"},
        )
        self.assertEqual(bad.status_code, 400)
        self.assertFalse(pipeline.stages.filter(name="X").exists())
        self.assertEqual(
            self.web("lead_a").post(reverse("sales:stage-add", args=[pipeline.pk])).status_code,
            403,
        )

    def test_home_panels(self):
        am = self.web("am_a1").get(reverse("home"))
        self.assertContains(am, 'data-panel="am-pipeline"')
        self.assertContains(am, "Initial contact")
        lead = self.web("lead_a").get(reverse("home"))
        self.assertContains(lead, 'data-panel="lead-pipeline"')
        self.assertContains(lead, "¥100,000")

    def test_create_from_the_customer_page(self):
        url = reverse("sales:opportunity-create") + f"?customer={self.cust.pk}"
        page = self.web("am_a1").get(url)
        self.assertContains(page, f'<option value="{self.cust.pk}" selected>')
        response = self.web("am_a1").post(
            url,
            {"customer": self.cust.pk, "name": "二期", "amount": "300", "currency": "CNY"},
        )
        created = Opportunity.objects.get(name="二期")
        self.assertRedirects(response, created.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(created.stage.name, "初步接洽")

    def test_create_form_bad_input(self):
        url = reverse("sales:opportunity-create")
        client = self.web("am_a1")
        other = customer(self.p.am_b1, "深圳电子有限公司")
        base = {"customer": self.cust.pk, "name": "X", "amount": "1", "currency": "CNY"}
        cases = {
            "negative": ({**base, "amount": "-1"}, "amount"),
            "oversized": ({**base, "amount": "9" * 20}, "amount"),
            "wrong type": ({**base, "amount": "很多"}, "amount"),
            "not my customer": ({**base, "customer": other.pk}, "customer"),
            "long name": ({**base, "name": "长" * 201}, "name"),
            "missing name": ({**base, "name": ""}, "name"),
        }
        for case, (body, field) in cases.items():
            with self.subTest(case=case):
                response = client.post(url, body)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["form"].errors.get(field), case)
        self.assertEqual(Opportunity.objects.count(), 1)

    def test_stale_edit_is_409(self):
        url = reverse("sales:opportunity-update", args=[self.opp.pk])
        body = {"name": "数据平台", "amount": "5", "currency": "CNY", "version": self.opp.version}
        self.assertEqual(self.web("am_a1").post(url, body).status_code, 302)
        response = self.web("am_a1").post(url, {**body, "amount": "6"})
        self.assertEqual(response.status_code, 409)

    def test_move_from_a_page(self):
        url = reverse("sales:opportunity-move", args=[self.opp.pk])
        client = self.web("am_a1")
        body = {"stage": stage("需求确认").pk, "version": self.opp.version}
        json_headers = {"HTTP_ACCEPT": "application/json"}
        response = client.post(url, body, **json_headers)
        self.assertEqual(response.status_code, 200, response.content)
        data = response.json()
        self.assertEqual(data["version"], self.opp.version + 1)
        self.assertEqual(data["columns"][str(stage("需求确认").pk)]["count"], 1)
        self.assertEqual(data["columns"][str(stage("初步接洽").pk)]["count"], 0)
        stale = client.post(url, {**body, "stage": stage("方案报价").pk}, **json_headers)
        self.assertEqual(stale.status_code, 409)
        self.assertEqual(stale.json()["version"], self.opp.version + 1)
        lost = client.post(
            url, {"stage": stage("输单").pk, "version": data["version"]}, **json_headers
        )
        self.assertEqual(lost.status_code, 400)
        self.assertIn("reason", lost.json()["errors"])
        # A plain form (no script, a phone) gets a redirect and a message.
        plain = client.post(
            url,
            {"stage": stage("输单").pk, "version": data["version"], "reason": "预算", "next": "/x"},
        )
        self.assertRedirects(plain, "/x", fetch_redirect_response=False)
        self.opp.refresh_from_db()
        self.assertEqual(self.opp.stage.name, "输单")
        self.assertTrue(AuditEvent.objects.for_object(self.opp).filter(extra__move=True).exists())
        evil = client.post(url, {"stage": stage("赢单").pk, "next": "https://evil.example/"})
        self.assertEqual(evil["Location"], self.opp.get_absolute_url())

    def test_list_page_query_count_is_constant(self):
        client = self.web("lead_a")
        url = reverse("sales:opportunity-list") + "?status=open&sort=-amount"

        def grow():
            for index in range(6):
                opportunity(self.p.am_a2, f"扩展{index}")

        self.assertQueriesConstant(lambda: client.get(url), grow, at_most=20)
