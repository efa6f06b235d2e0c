"""The board (columns, totals, card limit) and the forecast (exact weighted sums)."""

import datetime as dt
from decimal import Decimal
from unittest import mock

from django.urls import reverse
from django.utils import timezone

from rapport.core.testing import PersonaTestCase
from rapport.sales import selectors, services
from rapport.sales.models import Opportunity
from rapport.sales.tests.helpers import customer, default_pipeline, month_ahead, opportunity, stage


class BoardTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.cust = customer(cls.p.am_a1)
        cls.a = opportunity(cls.p.am_a1, "甲", amount="100.50", cust=cls.cust)
        cls.b = opportunity(cls.p.am_a1, "乙", amount="200", cust=cls.cust)
        cls.c = opportunity(cls.p.am_a2, "丙", amount="1000")
        services.opportunity_move(actor=None, opportunity=cls.c, stage=stage("商务谈判"))
        cls.usd = opportunity(cls.p.am_a2, "美元单", amount="50", currency="USD")

    def columns(self, persona):
        queryset = Opportunity.objects.visible_to(getattr(self.p, persona))
        return {c.stage.name: c for c in selectors.board(queryset, default_pipeline())}

    def test_column_counts_and_totals(self):
        columns = self.columns("lead_a")
        first = columns["初步接洽"]
        self.assertEqual(first.count, 3)
        self.assertEqual(dict(first.totals), {"CNY": Decimal("300.50"), "USD": Decimal("50")})
        self.assertEqual(columns["商务谈判"].count, 1)
        self.assertEqual(dict(columns["商务谈判"].totals), {"CNY": Decimal("1000")})
        self.assertEqual(columns["赢单"].count, 0)
        mine = self.columns("am_a1")
        self.assertEqual(mine["初步接洽"].count, 2)
        self.assertEqual(mine["商务谈判"].count, 0)

    def test_page_shows_totals_and_move_menus(self):
        response = self.web("lead_a").get(reverse("sales:board"))
        self.assertContains(response, "¥300.50 · $50")
        self.assertContains(response, 'draggable="true"', count=4)
        viewer = self.web("viewer").get(reverse("sales:board"))
        self.assertNotContains(viewer, 'draggable="true"')
        self.assertContains(viewer, "甲")

    def test_old_closed_deals_leave_the_board_and_cards_are_limited(self):
        long_ago = timezone.now() - dt.timedelta(days=200)
        with mock.patch("django.utils.timezone.now", return_value=long_ago):
            services.opportunity_win(actor=None, opportunity=self.a)
        services.opportunity_win(actor=None, opportunity=self.b)
        self.assertEqual(self.columns("lead_a")["赢单"].count, 1)
        with mock.patch.object(selectors, "BOARD_CARDS", 1):
            column = self.columns("lead_a")["初步接洽"]
        self.assertEqual((column.count, len(column.cards), column.more), (1, 1, 0))

    def test_more_link_when_a_column_is_full(self):
        with mock.patch.object(selectors, "BOARD_CARDS", 1):
            response = self.web("lead_a").get(reverse("sales:board"))
            column = response.context["columns"][0]
        self.assertEqual((column.count, len(column.cards), column.more), (3, 1, 2))
        self.assertContains(response, "2 more")

    def test_board_query_count_is_constant(self):
        client = self.web("lead_a")
        url = reverse("sales:board")

        def grow():
            for index in range(4):
                opp = opportunity(self.p.am_a2, f"新{index}", amount="10")
                services.opportunity_move(actor=None, opportunity=opp, stage=stage("方案报价"))

        self.assertQueriesConstant(lambda: client.get(url), grow, at_most=20)


class ForecastTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # am_a1: 1000 at 10 % next month, 2000 at 50 % next month, 400 at 70 % in 3 months.
        cls.x = opportunity(cls.p.am_a1, "X", amount="1000", expected_close=month_ahead(1))
        cls.y = opportunity(cls.p.am_a1, "Y", amount="2000", expected_close=month_ahead(1, 28))
        services.opportunity_move(actor=None, opportunity=cls.y, stage=stage("方案报价"))
        cls.z = opportunity(cls.p.am_a1, "Z", amount="400.10", expected_close=month_ahead(3, 1))
        services.opportunity_move(actor=None, opportunity=cls.z, stage=stage("商务谈判"))
        # am_a2: 3000 at 25 % this month; a won deal of 5000; one closing past the window.
        cls.w = opportunity(cls.p.am_a2, "W", amount="3000", expected_close=month_ahead(0, 1))
        services.opportunity_move(actor=None, opportunity=cls.w, stage=stage("需求确认"))
        cls.won = opportunity(cls.p.am_a2, "Won", amount="5000", expected_close=month_ahead(0))
        services.opportunity_win(actor=None, opportunity=cls.won)
        opportunity(cls.p.am_a2, "Far", amount="9999", expected_close=month_ahead(7))
        # team_b: 800 at 10 % in 5 months; another currency is left out of CNY figures.
        opportunity(cls.p.am_b1, "B", amount="800", expected_close=month_ahead(5))
        opportunity(cls.p.am_b1, "USD", amount="700", currency="USD", expected_close=month_ahead(1))

    def figures(self, persona, currency="CNY"):
        queryset = Opportunity.objects.visible_to(getattr(self.p, persona))
        return selectors.forecast(queryset, currency=currency)

    def test_weighted_sums_per_am_and_team(self):
        data = self.figures("admin")
        people = {row.label: row for row in data["people"]}
        a1 = people["刘洋"]
        self.assertEqual(a1.weighted, [0, Decimal("1100.00"), 0, Decimal("280.07"), 0, 0])
        self.assertEqual(a1.weighted_total, Decimal("1380.07"))
        self.assertEqual(a1.open_amount, Decimal("3400.10"))
        self.assertEqual(a1.won, 0)
        a2 = people["张敏"]
        self.assertEqual(a2.weighted, [Decimal("750.00"), 0, 0, 0, 0, 0])
        self.assertEqual(a2.won, Decimal("5000"))
        teams = {row.label: row for row in data["teams"]}
        self.assertEqual(teams["华东组"].weighted_total, Decimal("2130.07"))
        self.assertEqual(teams["华北组"].weighted, [0, 0, 0, 0, 0, Decimal("80.00")])
        self.assertEqual(data["total"].weighted_total, Decimal("2210.07"))
        self.assertEqual(data["total"].won, Decimal("5000"))
        usd = self.figures("admin", "USD")
        self.assertEqual(usd["total"].weighted_total, Decimal("70.00"))

    def test_scope(self):
        mine = self.figures("am_a1")
        self.assertEqual([row.label for row in mine["people"]], ["刘洋"])
        lead = self.figures("lead_b")
        self.assertEqual([row.label for row in lead["teams"]], ["华北组"])
        self.assertEqual(self.figures("outsider")["people"], [])

    def test_page_and_query_count(self):
        client = self.web("lead_a")
        url = reverse("sales:forecast")
        response = client.get(url)
        self.assertContains(response, "¥2,130.07")
        self.assertContains(response, "¥1,100")

        def grow():
            for index in range(4):
                opportunity(self.p.am_a2, f"G{index}", amount="1", expected_close=month_ahead(2))

        self.assertQueriesConstant(lambda: client.get(url), grow, at_most=20)
