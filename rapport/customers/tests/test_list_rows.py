"""The customer list's rows, built in Python (`customers/rows.py`, ADR 0012): every value
escaped, the pool, archived and read-only cases, links, and both languages."""

from __future__ import annotations

from urllib.parse import quote

from django.urls import reverse

from rapport.core.services import archive_object
from rapport.core.testing import PersonaTestCase
from rapport.customers.models import Customer
from rapport.customers.services.customers import customers_tag
from rapport.customers.tests.pool_helpers import make_pool, owned_customer, pool_customer

HOSTILE = "<script>alert(1)</script> \"Q\" & 'S'"


class CustomerRowsTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.hostile = owned_customer(HOSTILE, p.am_a1, short_name="<b>短</b>", city="<i>上海</i>")
        customers_tag(actor=p.am_a1, customers=[cls.hostile], tags=["<img src=x>"])
        cls.pooled = pool_customer("公海客户", make_pool("<u>东区公海</u>", p.team_a))
        cls.gone = owned_customer("已归档客户", p.am_a1)
        archive_object(actor=p.am_a1, obj=cls.gone)

    def row(self, html: str, customer: Customer) -> str:
        start = html.rindex("<tr>", 0, html.index(f'href="/customers/{customer.pk}/"'))
        return html[start : html.index("</tr>", start)]

    def page(self, persona: str, **params) -> str:
        response = self.web(persona).get(reverse("customers:customer-list"), params)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_every_value_is_escaped(self):
        row = self.row(self.page("am_a1"), self.hostile)
        for raw in ("<script>", "<b>", "<i>", "<img", '"Q"'):
            self.assertNotIn(raw, row)
        self.assertIn(
            "&lt;script&gt;alert(1)&lt;/script&gt; &quot;Q&quot; &amp; &#x27;S&#x27;", row
        )
        self.assertIn('<span class="tag">&lt;img src=x&gt;</span>', row)
        self.assertIn('<small class="muted">&lt;b&gt;短&lt;/b&gt;</small>', row)
        self.assertIn('aria-label="Select &lt;script&gt;', row)

    def test_an_owned_row_links_its_page_and_the_quick_log_back_here(self):
        html = self.page("am_a1", status="lead")
        row = self.row(html, self.hostile)
        log = reverse("customers:followup-create", args=[self.hostile.pk])
        here = quote(reverse("customers:customer-list") + "?status=lead", safe="/")
        self.assertIn(f'href="{self.hostile.get_absolute_url()}"', row)
        self.assertIn(f'hx-get="{log}?next={here}"', row)
        self.assertIn(f'value="{self.hostile.pk}" form="bulk"', row)
        self.assertIn(self.p.am_a1.display_name, row)

    def test_a_pool_row_names_the_pool_and_offers_no_log(self):
        row = self.row(self.page("lead_a", in_pool="true"), self.pooled)
        self.assertIn('<span class="badge pool">Public pool</span>', row)
        self.assertIn("&lt;u&gt;东区公海&lt;/u&gt;", row)
        self.assertNotIn("data-quick-log", row)

    def test_an_archived_row_says_so_and_offers_no_log(self):
        row = self.row(self.page("am_a1", archived="true"), self.gone)
        self.assertIn('<span class="badge">Archived</span>', row)
        self.assertNotIn("data-quick-log", row)

    def test_a_viewer_gets_no_checkbox_and_no_log(self):
        html = self.page("viewer")
        self.assertIn(f'href="{self.hostile.get_absolute_url()}"', html)
        self.assertNotIn('name="ids"', html)
        self.assertNotIn("data-quick-log", html)

    def test_labels_follow_the_language(self):
        response = self.web("am_a1").get(
            reverse("customers:customer-list"), headers={"accept-language": "zh-hans"}
        )
        row = self.row(response.content.decode(), self.hostile)
        self.assertIn("选择&lt;script&gt;", row)
        self.assertIn("＋&nbsp;记录", row)
        self.assertIn('title="记录一条跟进"', row)
        self.assertIn('<span class="status status-lead">线索</span>', row)


class PkUrlTests(PersonaTestCase):
    def test_it_builds_what_reverse_builds(self):
        from rapport.core.html import pk_url

        for name in ("customers:customer-detail", "customers:followup-create"):
            url = pk_url(name)
            for pk in (1, 42, 9_876_543_210, 10**12):
                self.assertEqual(url(pk), reverse(name, args=[pk]))
