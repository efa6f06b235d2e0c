"""Merging two customers: field winners, re-pointed records, both histories, audit,
permissions, stale versions; from the service, the page and the API (issue #3 §6)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from rapport.audit.models import AuditEvent
from rapport.core.errors import StaleObjectError
from rapport.core.testing import PersonaTestCase
from rapport.customers.models import (
    Contact,
    Customer,
    CustomerShare,
    FollowUp,
    OwnershipEvent,
    OwnershipMove,
    Tag,
)
from rapport.customers.services.merge import customer_merge, merge_differences, merged_into
from rapport.sales.models import Opportunity
from rapport.search.tests import builders as b


class MergeTestCase(PersonaTestCase):
    def setUp(self):
        p = self.p
        self.winner = b.customer(p.am_a1, "北京科技有限公司", industry="软件")
        self.loser = b.customer(
            p.am_a1, "北京科技股份有限公司", uscc=b.USCC_1, city="北京", short_name="北科"
        )
        self.w_contact = b.contact(p.am_a1, self.winner, "王总", mobile="13700137000")
        self.l_contact = b.contact(p.am_a1, self.loser, "张伟", mobile="13800138000")
        self.l_follow_up = b.follow_up(p.am_a1, self.loser)
        self.l_deal = b.opportunity(p.am_a1, self.loser, "数据平台")
        self.w_deal = b.opportunity(p.am_a1, self.winner, "云迁移")
        self.winner.refresh_from_db()
        self.loser.refresh_from_db()

    def merge(self, actor=None, **kwargs):
        return customer_merge(
            actor=actor or self.p.am_a1,
            winner=self.winner,
            loser=self.loser,
            **{"fields": {"uscc": "loser", "city": "loser"}, **kwargs},
        )


class MergeServiceTests(MergeTestCase):
    def test_records_move_to_the_winner(self):
        tag = Tag.objects.create(name="重点")
        self.loser.tags.add(tag)
        CustomerShare.objects.create(customer=self.loser, user=self.p.am_a2)
        winner = self.merge()
        self.assertEqual(
            set(Contact.objects.filter(customer=winner).values_list("pk", flat=True)),
            {self.w_contact.pk, self.l_contact.pk},
        )
        self.assertEqual(FollowUp.objects.get(pk=self.l_follow_up.pk).customer_id, winner.pk)
        self.assertEqual(Opportunity.objects.get(pk=self.l_deal.pk).customer_id, winner.pk)
        self.assertEqual(Opportunity.objects.get(pk=self.w_deal.pk).customer_id, winner.pk)
        self.assertIn(tag, winner.tags.all())
        self.assertTrue(CustomerShare.objects.filter(customer=winner, user=self.p.am_a2).exists())
        # One primary contact per customer: the winner's stays primary.
        self.assertTrue(Contact.objects.get(pk=self.w_contact.pk).is_primary)
        self.assertFalse(Contact.objects.get(pk=self.l_contact.pk).is_primary)
        self.assertEqual(Contact.objects.get(pk=self.l_contact.pk).version, 2)

    def test_fields_take_the_chosen_side(self):
        winner = self.merge(fields={"uscc": "loser", "city": "loser", "name": "winner"})
        self.assertEqual(winner.uscc, b.USCC_1)
        self.assertEqual(winner.city, "北京")
        self.assertEqual(winner.name, "北京科技有限公司")
        self.assertEqual(winner.industry, "软件")
        self.assertEqual(winner.short_name, "")  # not named: the winner's value stays
        self.assertEqual(winner.last_follow_up_at, self.loser.last_follow_up_at)
        fresh = Customer.objects.get(pk=winner.pk)
        self.assertEqual(fresh.uscc, b.USCC_1)
        self.assertIn(b.USCC_1.lower(), fresh.search_text)

    def test_loser_is_archived_with_a_note_never_deleted(self):
        self.merge()
        loser = Customer.objects.get(pk=self.loser.pk)
        self.assertIsNotNone(loser.archived_at)
        self.assertIn(f"#{self.winner.pk}", loser.notes)
        self.assertEqual(loser.uscc, "")  # handed to the winner (it is unique)
        self.assertEqual(merged_into(loser), self.winner.pk)
        self.assertIsNone(merged_into(self.winner))

    def test_both_histories_are_kept_and_audited(self):
        before_winner = OwnershipEvent.objects.filter(customer=self.winner).count()
        before_loser = OwnershipEvent.objects.filter(customer=self.loser).count()
        self.merge()
        for customer, before in ((self.winner, before_winner), (self.loser, before_loser)):
            events = OwnershipEvent.objects.filter(customer=customer)
            self.assertEqual(events.count(), before + 1)
            self.assertEqual(events.first().move, OwnershipMove.MERGE)
        winner_audit = AuditEvent.objects.for_object(self.winner).first()
        self.assertEqual(winner_audit.changes["merged_from"], [None, self.loser.pk])
        self.assertEqual(winner_audit.changes["uscc"], ["", b.USCC_1])
        self.assertEqual(winner_audit.extra["moved"]["contacts"], 1)
        self.assertEqual(winner_audit.actor, self.p.am_a1)
        loser_audit = AuditEvent.objects.for_object(self.loser).first()
        self.assertEqual(loser_audit.extra["merged_into"], self.winner.pk)
        self.assertIn("archived_at", loser_audit.changes)

    def test_stale_versions_are_refused_and_nothing_moves(self):
        from rapport.customers.services.customers import customer_update

        read_winner, read_loser = self.winner.version, self.loser.version
        customer_update(actor=self.p.lead_a, customer=self.winner, data={"city": "上海"})
        customer_update(actor=self.p.lead_a, customer=self.loser, data={"city": "天津"})
        for kwargs in (
            {"winner_version": read_winner},
            {"winner_version": read_winner + 1, "loser_version": read_loser},
        ):
            with self.subTest(**kwargs):
                with self.assertRaises(StaleObjectError):
                    self.merge(**kwargs)
                self.assertIsNone(Customer.objects.get(pk=self.loser.pk).archived_at)
                contact = Contact.objects.get(pk=self.l_contact.pk)
                self.assertEqual(contact.customer_id, self.loser.pk)
        self.merge(winner_version=read_winner + 1, loser_version=read_loser + 1)

    def test_permissions(self):
        # An AM owning both may; a lead over both may; admin may.
        other_am = b.customer(self.p.am_a2, "北京科技（中国）有限公司")
        with self.assertRaises(PermissionDenied):
            customer_merge(actor=self.p.am_a1, winner=self.winner, loser=other_am)
        with self.assertRaises(PermissionDenied):
            customer_merge(actor=self.p.viewer, winner=self.winner, loser=self.loser)
        with self.assertRaises(PermissionDenied):
            customer_merge(actor=self.p.lead_b, winner=self.winner, loser=self.loser)
        customer_merge(actor=self.p.lead_a, winner=self.winner, loser=other_am)
        self.assertIsNotNone(Customer.objects.get(pk=other_am.pk).archived_at)

    def test_bad_requests(self):
        with self.assertRaises(ValidationError) as raised:
            customer_merge(actor=self.p.admin, winner=self.winner, loser=self.winner)
        self.assertIn("other", raised.exception.message_dict)
        with self.assertRaises(ValidationError) as raised:
            self.merge(fields={"owner": "loser", "name": "both"})
        self.assertIn("fields", raised.exception.message_dict)
        self.merge()
        with self.assertRaises(ValidationError):
            self.merge()  # the loser is archived now

    def test_differences_offer_the_filled_value(self):
        rows = {row["name"]: row for row in merge_differences(self.winner, self.loser)}
        self.assertEqual(rows["uscc"]["default"], "loser")
        self.assertEqual(rows["industry"]["default"], "winner")
        self.assertNotIn("status", rows)


class MergePageTests(MergeTestCase):
    def url(self, pk=None):
        return reverse("customers:customer-merge", args=[pk or self.winner.pk])

    def test_pick_compare_and_merge(self):
        client = self.web("am_a1")
        pick = client.get(self.url())
        self.assertEqual(pick.status_code, 200)
        self.assertContains(pick, "北京科技股份有限公司")  # offered as a likely duplicate
        compare = client.get(self.url(), {"other": self.loser.pk})
        self.assertEqual(compare.status_code, 200)
        self.assertContains(compare, 'name="pick_uscc"')
        rows = merge_differences(self.winner, self.loser)
        response = client.post(
            self.url(),
            {
                **{f"pick_{row['name']}": row["default"] for row in rows},
                "other": self.loser.pk,
                "winner_version": self.winner.version,
                "loser_version": self.loser.version,
                "pick_uscc": "loser",
                "pick_name": "winner",
                "pick_city": "loser",
                "pick_short_name": "loser",
            },
        )
        self.assertRedirects(
            response, self.winner.get_absolute_url(), fetch_redirect_response=False
        )
        winner = Customer.objects.get(pk=self.winner.pk)
        self.assertEqual((winner.uscc, winner.short_name), (b.USCC_1, "北科"))
        notice = client.get(reverse("customers:customer-merged-into", args=[self.loser.pk]))
        self.assertContains(notice, self.winner.get_absolute_url())

    def test_stale_page_answers_409(self):
        client = self.web("am_a1")
        data = {
            "other": self.loser.pk,
            "winner_version": self.winner.version - 1,
            "loser_version": self.loser.version,
        }
        data.update(
            {f"pick_{row['name']}": "winner" for row in merge_differences(self.winner, self.loser)}
        )
        response = client.post(self.url(), data)
        self.assertEqual(response.status_code, 409)
        self.assertIsNone(Customer.objects.get(pk=self.loser.pk).archived_at)

    def test_scope_404_and_read_only_403(self):
        other_team = b.customer(self.p.am_b1, "北京科技集团有限公司")
        # Out of scope: 404, whichever side it is on.
        self.assertEqual(self.web("am_a1").get(self.url(other_team.pk)).status_code, 404)
        response = self.web("am_a1").get(self.url(), {"other": other_team.pk})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.web("outsider").get(self.url()).status_code, 404)
        # Visible but read-only: 403.
        self.assertEqual(self.web("viewer").get(self.url()).status_code, 403)
        CustomerShare.objects.create(customer=other_team, user=self.p.am_a1)
        response = self.web("am_a1").post(
            self.url(), {"other": other_team.pk, "winner_version": 1, "loser_version": 1}
        )
        self.assertEqual(response.status_code, 403)
        self.assertIsNone(Customer.objects.get(pk=other_team.pk).archived_at)

    def test_notice_for_a_reader_who_cannot_see_the_winner(self):
        self.merge()
        CustomerShare.objects.create(customer=self.loser, user=self.p.am_b1)
        response = self.web("am_b1").get(
            reverse("customers:customer-merged-into", args=[self.loser.pk])
        )
        self.assertContains(response, f"#{self.winner.pk}")
        self.assertNotContains(response, self.winner.get_absolute_url())


class MergeApiTests(MergeTestCase):
    def url(self, pk=None):
        return reverse("api:customer-merge", args=[pk or self.winner.pk])

    def test_merge_over_the_api(self):
        response = self.api("am_a1").post(
            self.url(),
            {
                "other": self.loser.pk,
                "fields": {"uscc": "loser"},
                "other_version": self.loser.version,
            },
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["uscc"], b.USCC_1)
        self.assertIn("ETag", response)
        self.assertIsNotNone(Customer.objects.get(pk=self.loser.pk).archived_at)

    def test_stale_if_match_and_other_version(self):
        stale = self.api("am_a1").post(
            self.url(),
            {"other": self.loser.pk},
            format="json",
            HTTP_IF_MATCH=f'"customers.customer-{self.winner.pk}-v{self.winner.version - 1}"',
        )
        self.assertEqual(stale.status_code, 412)
        from rapport.customers.services.customers import customer_update

        read = self.loser.version
        customer_update(actor=self.p.lead_a, customer=self.loser, data={"city": "天津"})
        stale = self.api("am_a1").post(
            self.url(), {"other": self.loser.pk, "other_version": read}, format="json"
        )
        self.assertEqual(stale.status_code, 409)
        self.assertIsNone(Customer.objects.get(pk=self.loser.pk).archived_at)

    def test_scope_and_bad_input(self):
        other_team = b.customer(self.p.am_b1, "北京科技集团有限公司")
        api = self.api("am_a1")
        self.assertEqual(
            api.post(self.url(other_team.pk), {"other": self.loser.pk}).status_code, 404
        )
        self.assertEqual(api.post(self.url(), {"other": other_team.pk}).status_code, 404)
        self.assertEqual(
            self.api("outsider").post(self.url(), {"other": self.loser.pk}).status_code, 404
        )
        self.assertEqual(
            self.api("viewer").post(self.url(), {"other": self.loser.pk}).status_code, 403
        )
        bad = api.post(
            self.url(), {"other": self.loser.pk, "fields": {"owner": "loser"}}, format="json"
        )
        self.assertEqual(bad.status_code, 400)
        self.assertIn("fields", bad.json()["errors"])
        bad = api.post(self.url(), {"fields": {"name": "sideways"}}, format="json")
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(set(bad.json()["errors"]), {"other", "fields"})
        same = api.post(self.url(), {"other": self.winner.pk}, format="json")
        self.assertEqual(same.status_code, 400)
        self.assertIsNone(Customer.objects.get(pk=self.loser.pk).archived_at)

    def test_merge_is_in_the_schema(self):
        schema = self.web("admin").get(reverse("api-schema"), {"format": "json"}).json()
        operation = schema["paths"]["/api/v1/customers/{id}/merge/"]["post"]
        self.assertIn("requestBody", operation)
