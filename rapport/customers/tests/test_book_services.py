"""The core services of the customer book: customers, contacts, follow-ups, schedule."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rapport.audit.models import Action, AuditEvent
from rapport.core.errors import StaleObjectError
from rapport.core.testing import PersonaTestCase
from rapport.customers.models import Customer, OwnershipEvent, TierRule
from rapport.customers.services import schedule
from rapport.customers.services.contacts import contact_create, contact_update
from rapport.customers.services.customers import customer_create, customer_update
from rapport.customers.services.followups import (
    attachment_add,
    followup_add_note,
    followup_create,
    followup_update,
)

VALID_USCC = "91110000600037341L"


def rules(**cadence):
    for tier, (days, minimum, strategic) in cadence.items():
        TierRule.objects.update_or_create(
            tier=tier,
            defaults={
                "cadence_days": days,
                "min_annual_value": minimum,
                "for_strategic": strategic,
            },
        )


class CustomerServiceTests(PersonaTestCase):
    def setUp(self):
        rules(
            A=(7, Decimal("1000000"), True),
            B=(14, Decimal("300000"), False),
            C=(30, Decimal("50000"), False),
            D=(60, Decimal("0"), False),
        )

    def test_create_fills_team_tier_search_schedule_and_logs_the_move(self):
        customer = customer_create(
            actor=self.p.am_a1,
            data={"name": "  上海  云帆 有限公司 ", "annual_value": Decimal("350000")},
        )
        self.assertEqual(customer.owner, self.p.am_a1)
        self.assertEqual(customer.team, self.p.team_a)
        self.assertEqual(customer.name, "上海 云帆 有限公司")
        self.assertEqual(customer.name_key, "上海云帆")
        self.assertEqual(customer.tier, "B")
        self.assertIn("shanghaiyunfan", customer.search_text)
        today = timezone.localdate()
        self.assertEqual(customer.contact_due_on, today + dt.timedelta(days=14))
        event = OwnershipEvent.objects.get(customer=customer)
        self.assertEqual((event.move, event.to_owner), ("create", self.p.am_a1))
        self.assertTrue(AuditEvent.objects.for_object(customer).filter(action=Action.CREATE))

    def test_strategic_accounts_take_the_strategic_tier_and_a_locked_tier_stays(self):
        customer = customer_create(
            actor=self.p.am_a1, data={"name": "战略客户", "strategic": True, "annual_value": 1}
        )
        self.assertEqual(customer.tier, "A")
        customer = customer_update(
            actor=self.p.am_a1,
            customer=customer,
            data={"tier": "D", "tier_locked": True, "tier_reason": "合同到期"},
        )
        self.assertEqual(customer.tier, "D")
        customer = customer_update(
            actor=self.p.am_a1, customer=customer, data={"annual_value": Decimal("2000000")}
        )
        self.assertEqual(customer.tier, "D")

    def test_locking_a_tier_needs_a_reason(self):
        customer = customer_create(actor=self.p.am_a1, data={"name": "甲"})
        with self.assertRaises(ValidationError) as caught:
            customer_update(
                actor=self.p.am_a1, customer=customer, data={"tier": "A", "tier_locked": True}
            )
        self.assertIn("tier_reason", caught.exception.message_dict)

    def test_status_moves_only_along_allowed_transitions(self):
        customer = customer_create(actor=self.p.am_a1, data={"name": "乙"})
        with self.assertRaises(ValidationError) as caught:
            customer_update(actor=self.p.am_a1, customer=customer, data={"status": "dormant"})
        self.assertIn("status", caught.exception.message_dict)
        for status in ["prospect", "active", "dormant", "lost", "lead"]:
            customer = customer_update(
                actor=self.p.am_a1, customer=customer, data={"status": status}
            )
        self.assertEqual(customer.status, "lead")

    def test_ownership_is_not_changed_by_an_edit(self):
        customer = customer_create(actor=self.p.am_a1, data={"name": "丙"})
        with self.assertRaises(ValidationError) as caught:
            customer_update(actor=self.p.lead_a, customer=customer, data={"owner": self.p.am_a2})
        self.assertIn("owner", caught.exception.message_dict)
        customer.refresh_from_db()
        self.assertEqual(customer.owner, self.p.am_a1)

    def test_uscc_checksum_and_uniqueness(self):
        with self.assertRaises(ValidationError) as caught:
            customer_create(actor=self.p.am_a1, data={"name": "丁", "uscc": "91110000600037341A"})
        self.assertIn("uscc", caught.exception.message_dict)
        customer_create(actor=self.p.am_a1, data={"name": "戊", "uscc": VALID_USCC.lower()})
        with self.assertRaises(ValidationError) as caught:
            customer_create(actor=self.p.am_b1, data={"name": "己", "uscc": VALID_USCC})
        self.assertIn("uscc", caught.exception.message_dict)
        self.assertEqual(Customer.objects.filter(name__in=["丁", "己"]).count(), 0)

    def test_a_stale_edit_is_refused(self):
        customer = customer_create(actor=self.p.am_a1, data={"name": "庚"})
        customer_update(actor=self.p.lead_a, customer=customer, data={"notes": "新"})
        stale = Customer.objects.get(pk=customer.pk)
        stale.version = 1
        with self.assertRaises(StaleObjectError):
            customer_update(
                actor=self.p.am_a1, customer=stale, data={"notes": "旧"}, expected_version=1
            )
        self.assertEqual(Customer.objects.get(pk=customer.pk).notes, "新")


class ContactServiceTests(PersonaTestCase):
    def test_phones_are_stored_as_e164_and_the_first_contact_is_primary(self):
        customer = customer_create(actor=self.p.am_a1, data={"name": "联系人测试"})
        first = contact_create(
            actor=self.p.am_a1,
            data={"customer": customer, "name": "张三", "mobile": "0086 138-0013-8000"},
        )
        self.assertEqual(first.mobile, "+8613800138000")
        self.assertTrue(first.is_primary)
        second = contact_create(
            actor=self.p.am_a1,
            data={
                "customer": customer,
                "name": "李四",
                "phone": "021-5089 6000 转 8",
                "is_primary": True,
            },
        )
        self.assertEqual((second.phone, second.phone_ext), ("+862150896000", "8"))
        first.refresh_from_db()
        self.assertFalse(first.is_primary)

    def test_a_bad_phone_names_the_field_and_writes_nothing(self):
        customer = customer_create(actor=self.p.am_a1, data={"name": "坏号码"})
        with self.assertRaises(ValidationError) as caught:
            contact_create(
                actor=self.p.am_a1, data={"customer": customer, "name": "王五", "mobile": "12345"}
            )
        self.assertIn("mobile", caught.exception.message_dict)
        self.assertFalse(customer.contacts.exists())

    def test_a_contact_stays_with_its_customer(self):
        one = customer_create(actor=self.p.am_a1, data={"name": "一"})
        two = customer_create(actor=self.p.am_a1, data={"name": "二"})
        contact = contact_create(actor=self.p.am_a1, data={"customer": one, "name": "赵六"})
        with self.assertRaises(ValidationError):
            contact_update(actor=self.p.am_a1, contact=contact, data={"customer": two})


class FollowUpServiceTests(PersonaTestCase):
    def setUp(self):
        rules(C=(30, None, False))
        self.customer = customer_create(actor=self.p.am_a1, data={"name": "跟进测试"})
        self.contact = contact_create(
            actor=self.p.am_a1, data={"customer": self.customer, "name": "钱七"}
        )

    def test_the_latest_follow_up_moves_the_customer_dates(self):
        soon = timezone.localdate() + dt.timedelta(days=3)
        follow_up = followup_create(
            actor=self.p.am_a1,
            data={"customer": self.customer, "summary": "电话", "next_date": soon},
            contacts=[self.contact],
        )
        self.customer.refresh_from_db()
        self.assertEqual(self.customer.last_follow_up_at, follow_up.occurred_at)
        self.assertEqual(self.customer.next_follow_up_due, soon)
        self.assertEqual(self.customer.contact_due_on, soon)
        # An older follow-up logged later does not move the dates back.
        followup_create(
            actor=self.p.am_a1,
            data={
                "customer": self.customer,
                "summary": "补录",
                "occurred_at": timezone.now() - dt.timedelta(days=10),
            },
        )
        self.customer.refresh_from_db()
        self.assertEqual(self.customer.next_follow_up_due, soon)

    def test_bad_follow_ups_are_refused_and_write_nothing(self):
        other = customer_create(actor=self.p.am_a1, data={"name": "别家"})
        stranger = contact_create(actor=self.p.am_a1, data={"customer": other, "name": "孙八"})
        cases = {
            "contacts": ({"summary": "x"}, [stranger]),
            "occurred_at": (
                {"summary": "x", "occurred_at": timezone.now() + dt.timedelta(days=2)},
                [],
            ),
            "next_date": ({"summary": "x", "next_date": dt.date(2000, 1, 1)}, []),
            "summary": ({"summary": ""}, []),
            "checkin_lng": ({"summary": "x", "checkin_lat": Decimal("31.2")}, []),
        }
        for field, (data, contacts) in cases.items():
            with self.subTest(field=field), self.assertRaises(ValidationError) as caught:
                followup_create(
                    actor=self.p.am_a1,
                    data={"customer": self.customer, **data},
                    contacts=contacts,
                )
            self.assertIn(field, caught.exception.message_dict)
        self.assertFalse(self.customer.follow_ups.exists())

    def test_after_24_hours_a_follow_up_is_a_logbook_entry(self):
        follow_up = followup_create(
            actor=self.p.am_a1, data={"customer": self.customer, "summary": "拜访"}
        )
        followup_update(actor=self.p.am_a1, follow_up=follow_up, data={"outcome": "有意向"})
        type(follow_up).objects.filter(pk=follow_up.pk).update(
            created_at=timezone.now() - dt.timedelta(hours=25)
        )
        follow_up.refresh_from_db()
        with self.assertRaises(ValidationError) as caught:
            followup_update(actor=self.p.am_a1, follow_up=follow_up, data={"outcome": "改"})
        self.assertEqual(caught.exception.code, "logbook_closed")
        note = followup_add_note(actor=self.p.am_a1, follow_up=follow_up, text="更正：无意向")
        self.assertEqual(list(follow_up.notes.all()), [note])
        self.assertFalse(
            type(follow_up).objects.editable_by(self.p.am_a1).filter(pk=follow_up.pk).exists()
        )

    def test_attachments_are_checked_by_size_type_and_content(self):
        follow_up = followup_create(
            actor=self.p.am_a1, data={"customer": self.customer, "summary": "附件"}
        )
        good = SimpleUploadedFile("报价.pdf", b"%PDF-1.7 ...", content_type="application/pdf")
        attachment = attachment_add(actor=self.p.am_a1, follow_up=follow_up, upload=good)
        self.assertEqual((attachment.size, attachment.content_type), (12, "application/pdf"))
        bad = {
            "type": SimpleUploadedFile("run.exe", b"MZ...", content_type="application/x-msdos"),
            "content": SimpleUploadedFile("photo.jpg", b"<html>", content_type="image/jpeg"),
            "size": SimpleUploadedFile("big.txt", b"x" * (10 * 1024 * 1024 + 1)),
        }
        for case, upload in bad.items():
            with self.subTest(case=case), self.assertRaises(ValidationError) as caught:
                attachment_add(actor=self.p.am_a1, follow_up=follow_up, upload=upload)
            self.assertIn("attachments", caught.exception.message_dict)
        self.assertEqual(follow_up.attachments.count(), 1)


class ScheduleTests(PersonaTestCase):
    def test_reclaim_date_follows_the_nearest_pool_and_its_rules(self):
        from rapport.customers.models import Pool

        # Tier C by the default rules (data migration 0002): 50,000 ≤ value < 300,000.
        customer = customer_create(
            actor=self.p.am_a1, data={"name": "回收测试", "annual_value": Decimal("60000")}
        )
        self.assertIsNone(customer.reclaim_on)
        Pool.objects.create(name="公司公海", team=self.p.company, reclaim_days_c=90)
        Pool.objects.create(name="华东公海", team=self.p.team_a, reclaim_days_c=45)
        schedule.refresh_schedule(customer)
        self.assertEqual(customer.reclaim_on, timezone.localdate() + dt.timedelta(days=45))
        self.assertEqual(customer.reclaim_rule, "no_follow_up:45:C")
        self.assertIn("45", schedule.describe_rule(customer.reclaim_rule))
