"""The public pool services: claim rules, release, assign and transfer in scope, bulk moves,
the audit trail of every move, and two concurrent claims of one customer."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.test import TransactionTestCase
from django.utils import timezone

from rapport.audit.models import Action, AuditEvent
from rapport.core.testing import PersonaTestCase, build_personas
from rapport.customers.models import Customer, CustomerStatus, OwnershipEvent, OwnershipMove
from rapport.customers.services.pool import (
    MoveRefused,
    customer_assign,
    customer_claim,
    customer_release,
    customer_transfer,
    customers_bulk,
    ensure_default_pools,
)
from rapport.customers.tests.pool_helpers import (
    default_rules,
    make_pool,
    owned_customer,
    pool_customer,
)


class PoolCase(PersonaTestCase):
    def setUp(self):
        default_rules()
        self.pool_a = make_pool("A pool", self.p.team_a, reclaim_days_c=45, reclaim_days_d=45)
        self.pool_b = make_pool("B pool", self.p.team_b)

    def refused(self, rule: str, call, **kwargs):
        with self.assertRaises(MoveRefused) as caught:
            call(**kwargs)
        self.assertEqual(caught.exception.rule, rule, caught.exception.messages)
        return caught.exception


class ClaimTests(PoolCase):
    def test_claim_moves_owner_team_dates_and_writes_event_and_audit(self):
        customer = pool_customer("云帆", self.pool_a)
        customer_claim(actor=self.p.am_a1, customer=customer)
        customer.refresh_from_db()
        self.assertEqual(customer.owner, self.p.am_a1)
        self.assertEqual(customer.team, self.p.team_a)
        self.assertIsNone(customer.pool_id)
        self.assertIsNotNone(customer.owned_since)
        # Reclaim date recomputed from the claim: tier D (value 0) → 45 days.
        self.assertEqual(customer.reclaim_on, timezone.localdate() + dt.timedelta(days=45))
        self.assertEqual(customer.reclaim_rule, "no_follow_up:45:D")
        self.assertEqual(customer.contact_due_on, timezone.localdate() + dt.timedelta(days=60))
        event = OwnershipEvent.objects.filter(customer=customer).first()
        self.assertEqual(event.move, OwnershipMove.CLAIM)
        self.assertEqual(
            (event.actor, event.to_owner, event.pool), (self.p.am_a1,) * 2 + (self.pool_a,)
        )
        audit = AuditEvent.objects.for_object(customer).filter(action=Action.OWNERSHIP).get()
        self.assertEqual(audit.changes["owner"], [None, self.p.am_a1.pk])
        self.assertEqual(audit.extra["move"], "claim")

    def test_only_members_claim(self):
        customer = pool_customer("云帆", self.pool_a)
        self.refused("not_member", customer_claim, actor=self.p.am_b1, customer=customer)
        self.refused("read_only", customer_claim, actor=self.p.viewer, customer=customer)
        self.pool_a.members.add(self.p.am_b1)
        customer_claim(actor=self.p.am_b1, customer=customer)
        customer.refresh_from_db()
        self.assertEqual(customer.team, self.p.team_b)  # the claimer's primary team

    def test_company_pool_is_open_to_every_team(self):
        company = make_pool("Company", self.p.company)
        customer = pool_customer("云帆", company, team=self.p.team_b)
        customer_claim(actor=self.p.am_a2, customer=customer)
        self.assertEqual(Customer.objects.get(pk=customer.pk).team, self.p.team_a)

    def test_an_owned_customer_cannot_be_claimed(self):
        customer = owned_customer("云帆", self.p.am_a2)
        self.refused("not_in_pool", customer_claim, actor=self.p.am_a1, customer=customer)

    def test_holding_cap_counts_owned_but_not_won_or_active_customers(self):
        self.pool_a.holding_cap = 1
        self.pool_a.save()
        held = owned_customer("已有", self.p.am_a1)
        customer = pool_customer("云帆", self.pool_a)
        error = self.refused("holding_cap", customer_claim, actor=self.p.am_a1, customer=customer)
        self.assertIn("1", error.messages[0])
        Customer.objects.filter(pk=held.pk).update(status=CustomerStatus.ACTIVE)
        customer_claim(actor=self.p.am_a1, customer=customer)

    def test_won_customers_are_left_out_of_the_cap_unless_the_pool_counts_them(self):
        self.pool_a.holding_cap = 1
        self.pool_a.save()
        held = owned_customer("已有", self.p.am_a1)
        _won_opportunity(held, self.p.am_a1)
        first = pool_customer("云帆", self.pool_a)
        customer_claim(actor=self.p.am_a1, customer=first)
        second = pool_customer("海蓝", self.pool_a)
        self.refused("holding_cap", customer_claim, actor=self.p.am_a1, customer=second)
        self.pool_a.holding_cap = 2
        self.pool_a.cap_excludes_won = False
        self.pool_a.save()
        self.refused("holding_cap", customer_claim, actor=self.p.am_a1, customer=second)

    def test_daily_claim_cap(self):
        self.pool_a.daily_claim_cap = 1
        self.pool_a.save()
        customer_claim(actor=self.p.am_a1, customer=pool_customer("一", self.pool_a))
        second = pool_customer("二", self.pool_a)
        self.refused("daily_cap", customer_claim, actor=self.p.am_a1, customer=second)
        # Yesterday's claims do not count.
        OwnershipEvent.objects.filter(move="claim").update(
            occurred_at=timezone.now() - dt.timedelta(days=1)
        )
        customer_claim(actor=self.p.am_a1, customer=second)

    def test_cooldown_keeps_a_former_owner_away(self):
        customer = owned_customer("云帆", self.p.am_a1)
        customer_release(actor=self.p.am_a1, customer=customer, reason="不再跟进")
        error = self.refused("cooldown", customer_claim, actor=self.p.am_a1, customer=customer)
        until = timezone.localdate() + dt.timedelta(days=30)
        self.assertIn(until.isoformat(), error.messages[0])
        customer_claim(actor=self.p.am_a2, customer=customer)  # others may
        self.pool_a.cooldown_days = 0
        self.pool_a.save()
        customer_release(actor=self.p.am_a2, customer=customer, reason="换人")
        customer_claim(actor=self.p.am_a1, customer=customer)

    def test_cooldown_ends(self):
        customer = owned_customer("云帆", self.p.am_a1)
        customer_release(actor=self.p.am_a1, customer=customer, reason="不再跟进")
        OwnershipEvent.objects.filter(move="release").update(
            occurred_at=timezone.now() - dt.timedelta(days=31)
        )
        customer_claim(actor=self.p.am_a1, customer=customer)


class ReleaseAssignTransferTests(PoolCase):
    def test_release_needs_a_reason_and_goes_to_the_team_pool(self):
        customer = owned_customer("云帆", self.p.am_a1)
        for reason in ("", "   ", "x" * 501):
            with self.subTest(reason=reason[:5]), self.assertRaises(ValidationError) as caught:
                customer_release(actor=self.p.am_a1, customer=customer, reason=reason)
            self.assertIn("reason", caught.exception.message_dict)
        self.assertEqual(Customer.objects.get(pk=customer.pk).owner, self.p.am_a1)
        customer_release(actor=self.p.am_a1, customer=customer, reason="<b>不再</b>跟进")
        customer.refresh_from_db()
        self.assertEqual((customer.owner, customer.pool), (None, self.pool_a))
        self.assertEqual(customer.pool_reason, "<b>不再</b>跟进")
        self.assertIsNotNone(customer.pool_entered_at)
        self.assertIsNone(customer.reclaim_on)
        self.assertIsNone(customer.contact_due_on)
        event = OwnershipEvent.objects.filter(customer=customer).first()
        self.assertEqual(
            (event.move, event.from_owner, event.pool), ("release", self.p.am_a1, self.pool_a)
        )

    def test_only_owner_or_lead_releases(self):
        customer = owned_customer("云帆", self.p.am_a1)
        self.refused(
            "out_of_scope", customer_release, actor=self.p.am_a2, customer=customer, reason="x"
        )
        self.refused(
            "out_of_scope", customer_release, actor=self.p.lead_b, customer=customer, reason="x"
        )
        customer_release(actor=self.p.lead_a, customer=customer, reason="调整")

    def test_release_without_a_pool_is_refused(self):
        customer = owned_customer("云帆", self.p.am_a1)
        self.pool_a.archived_at = timezone.now()
        self.pool_a.save()
        self.refused("no_pool", customer_release, actor=self.p.am_a1, customer=customer, reason="x")

    def test_lead_assigns_from_the_pool_to_their_team(self):
        customer = pool_customer("云帆", self.pool_a)
        customer_assign(
            actor=self.p.lead_a, customer=customer, to_owner=self.p.am_a2, reason="分配"
        )
        customer.refresh_from_db()
        self.assertEqual(
            (customer.owner, customer.team, customer.pool), (self.p.am_a2, self.p.team_a, None)
        )
        event = OwnershipEvent.objects.filter(customer=customer).first()
        self.assertEqual((event.move, event.actor, event.reason), ("assign", self.p.lead_a, "分配"))

    def test_lead_cannot_assign_outside_their_teams(self):
        customer = pool_customer("云帆", self.pool_a)
        error = self.refused(
            "out_of_scope", customer_assign, actor=self.p.lead_a, customer=customer,
            to_owner=self.p.am_b1, reason="x",
        )  # fmt: skip
        self.assertIn("to_owner", error.message_dict)
        b_customer = owned_customer("北方", self.p.am_b1)
        self.refused(
            "out_of_scope", customer_assign, actor=self.p.lead_a, customer=b_customer,
            to_owner=self.p.am_a1, reason="x",
        )  # fmt: skip
        b_pool_customer = pool_customer("北池", self.pool_b)
        self.refused(
            "out_of_scope", customer_assign, actor=self.p.lead_a, customer=b_pool_customer,
            to_owner=self.p.am_a1, reason="x",
        )  # fmt: skip
        self.refused(
            "out_of_scope", customer_assign, actor=self.p.am_a1, customer=customer,
            to_owner=self.p.am_a1, reason="x",
        )  # fmt: skip
        self.refused(
            "bad_owner", customer_assign, actor=self.p.lead_a, customer=customer,
            to_owner=self.p.viewer, reason="x",
        )  # fmt: skip

    def test_admin_assigns_anywhere(self):
        customer = pool_customer("北池", self.pool_b)
        customer_assign(actor=self.p.admin, customer=customer, to_owner=self.p.am_a1, reason="x")
        self.assertEqual(Customer.objects.get(pk=customer.pk).team, self.p.team_a)

    def test_transfer_between_account_managers(self):
        customer = owned_customer("云帆", self.p.am_a1)
        before = customer.owned_since
        customer_transfer(
            actor=self.p.lead_a, customer=customer, to_owner=self.p.am_a2, reason="休假"
        )
        customer.refresh_from_db()
        self.assertEqual(customer.owner, self.p.am_a2)
        self.assertGreater(customer.owned_since, before)
        event = OwnershipEvent.objects.filter(customer=customer).first()
        self.assertEqual(
            (event.from_owner, event.to_owner, event.move), (self.p.am_a1, self.p.am_a2, "transfer")
        )
        self.refused(
            "same_owner", customer_transfer, actor=self.p.lead_a, customer=customer,
            to_owner=self.p.am_a2, reason="x",
        )  # fmt: skip
        in_pool = pool_customer("池中", self.pool_a)
        self.refused(
            "not_owned", customer_transfer, actor=self.p.lead_a, customer=in_pool,
            to_owner=self.p.am_a2, reason="x",
        )  # fmt: skip

    def test_a_stale_copy_cannot_move_a_customer_someone_else_moved(self):
        customer = owned_customer("云帆", self.p.am_a1)
        stale = Customer.objects.get(pk=customer.pk)
        customer_transfer(actor=self.p.lead_a, customer=customer, to_owner=self.p.am_a2, reason="x")
        self.refused("taken", customer_release, actor=self.p.lead_a, customer=stale, reason="y")

    def test_bulk_reports_what_was_refused(self):
        mine = [owned_customer(f"客户{i}", self.p.am_a1) for i in range(3)]
        theirs = owned_customer("北方", self.p.am_b1)
        result = customers_bulk(
            actor=self.p.lead_a, customers=[*mine, theirs], verb="transfer",
            to_owner=self.p.am_a2, reason="调整",
        )  # fmt: skip
        self.assertEqual((result["moved"], result["refused_count"]), (3, 1))
        self.assertEqual(result["refused"][0][0], theirs)
        self.assertEqual(Customer.objects.filter(owner=self.p.am_a2).count(), 3)
        with self.assertRaises(ValidationError):
            customers_bulk(actor=self.p.lead_a, customers=mine, verb="delete", reason="x")
        with self.assertRaises(ValidationError):
            customers_bulk(actor=self.p.lead_a, customers=mine, verb="assign", reason="x")

    def test_bulk_claim_stops_at_the_cap(self):
        self.pool_a.daily_claim_cap = 2
        self.pool_a.save()
        customers = [pool_customer(f"池{i}", self.pool_a) for i in range(3)]
        result = customers_bulk(actor=self.p.am_a1, customers=customers, verb="claim", reason="")
        self.assertEqual((result["moved"], result["refused_count"]), (2, 1))


class DefaultPoolsTests(PersonaTestCase):
    def test_company_pool_and_one_per_sales_team_once(self):
        pools = ensure_default_pools(self.p.admin)
        teams = {pool.team for pool in pools}
        self.assertEqual(teams, {self.p.company, self.p.team_a, self.p.team_b})
        self.assertEqual(ensure_default_pools(self.p.admin), [])


def _won_opportunity(customer, owner):
    from rapport.sales.models import Opportunity, Pipeline, Stage

    pipeline = Pipeline.objects.create(name="默认")
    stage = Stage.objects.create(
        pipeline=pipeline, name="赢单", position=1, probability=Decimal(100), outcome="won"
    )
    return Opportunity.objects.create(
        customer=customer,
        owner=owner,
        team=customer.team,
        name="单",
        pipeline=pipeline,
        stage=stage,
    )


class ConcurrentClaimTests(TransactionTestCase):
    """Two people claim the same pool customer at once: exactly one wins. Runs on the
    configured database (SQLite by default; PostgreSQL with DATABASE_URL)."""

    def test_two_concurrent_claims_one_wins(self):
        p = build_personas()
        default_rules()
        pool = make_pool("A pool", p.team_a)
        customer = pool_customer("抢手", pool)
        barrier = threading.Barrier(2)
        results: dict[str, str] = {}

        def claim(user):
            try:
                copy = Customer.objects.get(pk=customer.pk)
                barrier.wait(timeout=10)
                customer_claim(actor=user, customer=copy)
                results[user.username] = "won"
            except MoveRefused as error:
                results[user.username] = error.rule
            finally:
                connection.close()

        threads = [threading.Thread(target=claim, args=(u,)) for u in (p.am_a1, p.am_a2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        # The loser is refused either by the conditional UPDATE (PostgreSQL: both read
        # the customer in the pool) or by its first read (SQLite: IMMEDIATE transactions
        # run one after the other).
        self.assertEqual(sorted(results.values())[-1], "won", results)
        self.assertIn(sorted(results.values())[0], {"taken", "not_in_pool"}, results)
        winner = next(name for name, result in results.items() if result == "won")
        customer.refresh_from_db()
        self.assertEqual(customer.owner.username, winner)
        self.assertEqual(OwnershipEvent.objects.filter(customer=customer, move="claim").count(), 1)
