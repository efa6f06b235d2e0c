"""The customer 360 timeline: a keyset cursor that pages through follow-ups, stage moves,
ownership moves and field changes with no gaps and no repeats, the htmx "show older"
fragment's scope, and a query count that does not grow with the items shown."""

from __future__ import annotations

import contextlib
import datetime as dt
from unittest import mock

from django.urls import reverse

from rapport.audit.models import Action
from rapport.audit.services import record
from rapport.core.testing import PersonaTestCase
from rapport.customers.models import Customer, OwnershipEvent
from rapport.customers.selectors import TimelineCursor, customer_timeline
from rapport.customers.services.customers import customer_update
from rapport.customers.services.followups import followup_add_note
from rapport.customers.services.pool import customer_transfer
from rapport.customers.tests._book import add_contact, log, make_customer
from rapport.sales.services import opportunity_create, opportunity_move
from rapport.sales.tests.helpers import stage

T0 = dt.datetime(2024, 3, 1, 1, 0, tzinfo=dt.UTC)
# Seven items of every kind at one instant (with microseconds), which the first page of
# 30 ends in the middle of: 27 items are newer.
SAME = T0 + dt.timedelta(days=2, microseconds=123456)


def minutes(n: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


@contextlib.contextmanager
def frozen(when: dt.datetime):
    """Services stamp their rows with timezone.now(): pin it."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


def walk(user, customer, size: int) -> list[tuple[str, int]]:
    """Every page of the timeline, in order, as (kind, id)."""
    seen, cursor = [], None
    for _ in range(500):
        page, cursor = customer_timeline(user, customer, cursor=cursor, size=size)
        assert 0 < len(page) <= size, (size, len(page))
        seen += [(item.kind, item.obj.pk) for item in page]
        if cursor is None:
            return seen
    raise AssertionError("the timeline never ended")


class TimelineTestCase(PersonaTestCase):
    """One customer of am_a1 with a history of every kind, interleaved. `expected` is the
    timeline, newest first, written down as the history is made."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        older: list[tuple[str, int]] = []  # oldest first; reversed at the end

        def add(kind, obj):
            older.append((kind, obj.pk))
            return obj

        with frozen(T0):
            cls.customer = customer = make_customer("宁波时间线有限公司", p.am_a1)
        created = OwnershipEvent.objects.get(customer=customer)
        OwnershipEvent.objects.filter(pk=created.pk).update(occurred_at=T0)
        add("ownership", created)
        # Old stage moves: more newer stage moves come later than three pages of 3 hold.
        with frozen(minutes(1)):
            old_deal = opportunity_create(
                actor=p.am_a1, data={"customer": customer, "name": "旧项目", "owner": p.am_a1}
            )
        add("stage", old_deal.stage_changes.get())
        for n, name in ((2, "需求确认"), (3, "方案报价")):
            with frozen(minutes(n)):
                opportunity_move(actor=p.am_a1, opportunity=old_deal, stage=stage(name))
            add("stage", old_deal.stage_changes.latest("changed_at", "id"))
        # Audit events that changed derived fields only: not shown, and more of them in a
        # row than a page of 1 or 2 holds.
        for n in (4, 5, 6):
            with frozen(minutes(n)):
                record(
                    actor=p.am_a1,
                    action=Action.UPDATE,
                    obj=customer,
                    changes={"reclaim_on": ["2024-04-01", f"2024-04-0{n}"]},
                )
        # A change and a follow-up at the same minute: the follow-up comes first.
        with frozen(minutes(7)):
            customer = customer_update(actor=p.am_a1, customer=customer, data={"notes": "旧"})
            first_log = log(customer, p.am_a1, "首次拜访", occurred_at=minutes(7))
        older += [("change", cls._last_change(customer)), ("follow_up", first_log.pk)]
        for hour in range(1, 5):
            add("follow_up", log(customer, p.am_a1, f"早期{hour}", occurred_at=minutes(60 * hour)))
        with frozen(T0 + dt.timedelta(days=1)):
            cls.deal = deal = opportunity_create(
                actor=p.am_a1, data={"customer": customer, "name": "新项目", "owner": p.am_a1}
            )
        add("stage", deal.stage_changes.get())
        for n in range(10):
            with frozen(T0 + dt.timedelta(days=1, minutes=10 * (n + 1))):
                deal = opportunity_move(
                    actor=p.am_a1, opportunity=deal, stage=stage(("方案报价", "需求确认")[n % 2])
                )
            add("stage", deal.stage_changes.latest("changed_at", "id"))

        # Seven items at one instant, made in a mixed order.
        with frozen(SAME):
            customer = Customer.objects.get(pk=customer.pk)
            customer = customer_update(actor=p.lead_a, customer=customer, data={"notes": "同刻1"})
            change_1 = cls._last_change(customer)
            customer = customer_transfer(
                actor=p.lead_a, customer=customer, to_owner=p.am_a2, reason="调整"
            )
            moved = OwnershipEvent.objects.filter(customer=customer).latest("occurred_at", "id")
            log_1 = log(customer, p.lead_a, "同刻跟进1", occurred_at=SAME)
            deal = opportunity_move(actor=p.lead_a, opportunity=deal, stage=stage("商务谈判"))
            same_stage = deal.stage_changes.latest("changed_at", "id")
            log_2 = log(customer, p.lead_a, "同刻跟进2", occurred_at=SAME)
            customer = customer_update(actor=p.lead_a, customer=customer, data={"notes": "同刻2"})
            change_2 = cls._last_change(customer)
            log_3 = log(customer, p.lead_a, "同刻跟进3", occurred_at=SAME)
        cls.same = same = [
            ("follow_up", log_3.pk),
            ("follow_up", log_2.pk),
            ("follow_up", log_1.pk),
            ("stage", same_stage.pk),
            ("ownership", moved.pk),
            ("change", change_2),
            ("change", change_1),
        ]
        cls.same_times = {moved.occurred_at, same_stage.changed_at, log_1.occurred_at}

        newer: list[tuple[str, int]] = []  # oldest first
        later = SAME + dt.timedelta(hours=1)
        for n in range(24):
            when = later + dt.timedelta(minutes=n)
            newer.append(("follow_up", log(customer, p.lead_a, f"后续{n}", occurred_at=when).pk))
        with frozen(later + dt.timedelta(hours=1)):
            customer = customer_transfer(
                actor=p.lead_a, customer=customer, to_owner=p.am_a1, reason="交回"
            )
        newer.append(("ownership", OwnershipEvent.objects.latest("occurred_at", "id").pk))
        with frozen(later + dt.timedelta(hours=2)):
            customer = customer_update(actor=p.am_a1, customer=customer, data={"notes": "最新"})
        newer.append(("change", cls._last_change(customer)))
        with frozen(later + dt.timedelta(hours=3)):
            deal = opportunity_move(actor=p.am_a1, opportunity=deal, stage=stage("方案报价"))
        newer.append(("stage", deal.stage_changes.latest("changed_at", "id").pk))
        cls.customer = customer
        cls.expected = newer[::-1] + same + older[::-1]

    @staticmethod
    def _last_change(customer) -> int:
        from rapport.audit.models import AuditEvent

        events = AuditEvent.objects.for_object(customer).filter(action=Action.UPDATE)
        return events.order_by("-occurred_at", "-id").first().pk


class TimelinePagingTests(TimelineTestCase):
    def test_the_history_is_what_the_test_means(self):
        self.assertEqual(len(self.expected), 55)
        self.assertEqual(len(set(self.expected)), len(self.expected))
        # The first page (30) ends inside the seven same-time items, which start at 28.
        self.assertEqual(self.expected[27:34], self.same)
        self.assertEqual(self.same_times, {SAME})

    def test_every_page_size_walks_the_whole_history_in_order(self):
        sizes = {"am_a1": (1, 2, 3, 7, 30, 100), "lead_a": (2, 30), "admin": (4, 30)}
        for persona, page_sizes in sizes.items():
            for size in page_sizes:
                with self.subTest(persona=persona, size=size):
                    user = getattr(self.p, persona)
                    self.assertEqual(walk(user, self.customer, size), self.expected)

    def test_old_stage_moves_are_on_the_last_pages(self):
        # Regression: stage moves were read newest-first with a fixed limit before the
        # page's cutoff, so the oldest ones fell out of later pages.
        stages = [entry for entry in self.expected if entry[0] == "stage"]
        self.assertEqual(len(stages), 16)
        self.assertEqual(
            [e for e in walk(self.p.am_a1, self.customer, 3) if e[0] == "stage"], stages
        )

    def test_a_page_edge_inside_same_time_items_loses_none(self):
        # Regression: the cursor was a bare time (`occurred_at < before`), so items sharing
        # the time of a page's last item were skipped.
        page, cursor = customer_timeline(self.p.am_a1, self.customer)
        self.assertEqual(len(page), 30)
        self.assertEqual(page[-1].at, SAME)
        self.assertEqual(cursor.at, SAME)
        rest, _ = customer_timeline(self.p.am_a1, self.customer, cursor=cursor)
        self.assertEqual(rest[0].at, SAME)
        shown = [(item.kind, item.obj.pk) for item in page + rest]
        self.assertEqual(shown, self.expected)

    def test_derived_only_changes_are_not_shown(self):
        page, _ = customer_timeline(self.p.admin, self.customer, size=100)
        for item in page:
            if item.kind == "change":
                self.assertTrue(item.changes)
                self.assertNotIn("reclaim_on", {row["label"] for row in item.changes})

    def test_the_fragment_walks_the_same_history(self):
        client = self.web("am_a1")
        response = client.get(self.customer.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        shown = [(item.kind, item.obj.pk) for item in response.context["timeline"]]
        cursor = response.context["cursor"]
        self.assertContains(response, f"?cursor={cursor.token}")
        url = reverse("customers:customer-timeline", args=[self.customer.pk])
        while cursor is not None:
            fragment = client.get(url, {"cursor": cursor.token}, HTTP_HX_REQUEST="true")
            self.assertEqual(fragment.status_code, 200)
            shown += [(item.kind, item.obj.pk) for item in fragment.context["timeline"]]
            cursor = fragment.context["cursor"]
        self.assertNotContains(fragment, "timeline-more")
        self.assertEqual(shown, self.expected)


class TimelineCursorTests(PersonaTestCase):
    def test_token_round_trip_keeps_microseconds(self):
        cursor = TimelineCursor(SAME, 3, 42)
        self.assertEqual(TimelineCursor.parse(cursor.token), cursor)
        self.assertEqual(cursor.token, f"{int(SAME.timestamp())}123456.stage.42")

    def test_bad_tokens_are_refused(self):
        for token in (
            "",
            "2024-03-01T09:00:00+08:00",
            "1.nope.2",
            "1.stage",
            "1.stage.2.3",
            "x.stage.2",
            "999999999999999999.stage.1",  # past year 9999
            "1.stage.2<script>",
            " 1.stage.2",
        ):
            with self.subTest(token=token):
                self.assertIsNone(TimelineCursor.parse(token))


class TimelineFragmentScopeTests(TimelineTestCase):
    def url(self, customer=None):
        return reverse("customers:customer-timeline", args=[(customer or self.customer).pk])

    def token(self):
        return TimelineCursor(SAME + dt.timedelta(minutes=1), 1, 0).token

    def test_who_may_open_the_fragment(self):
        # Owner am_a1, team_a's lead and viewer, and admin see it; am_a2 (it was theirs
        # once), the other team, the quality manager and the outsider get 404.
        allowed = {"admin", "lead_a", "am_a1", "viewer"}
        for persona in ("admin", "lead_a", "lead_b", "am_a1", "am_a2", "am_b1", "qm", "viewer",
                        "outsider"):  # fmt: skip
            with self.subTest(persona=persona):
                response = self.web(persona).get(self.url(), {"cursor": self.token()})
                self.assertEqual(response.status_code, 200 if persona in allowed else 404)
                if persona in allowed:
                    kinds = {item.kind for item in response.context["timeline"]}
                    self.assertEqual(kinds, {"follow_up", "stage", "ownership", "change"})

    def test_a_customer_of_the_other_team_is_404(self):
        other = make_customer("北京他组客户", self.p.am_b1)
        self.assertEqual(
            self.web("am_a1").get(self.url(other), {"cursor": self.token()}).status_code, 404
        )
        self.assertEqual(
            self.web("am_b1").get(self.url(other), {"cursor": self.token()}).status_code, 200
        )

    def test_a_missing_or_bad_cursor_is_404(self):
        client = self.web("am_a1")
        for query in ({}, {"cursor": ""}, {"cursor": "abc"}, {"before": SAME.isoformat()}):
            with self.subTest(query=query):
                self.assertEqual(client.get(self.url(), query).status_code, 404)

    def test_anonymous_is_sent_to_sign_in(self):
        response = self.web(None).get(self.url(), {"cursor": self.token()})
        self.assertEqual(response.status_code, 302)


class TimelineQueryCountTests(PersonaTestCase):
    def test_a_page_costs_the_same_queries_however_many_items_it_shows(self):
        p = self.p
        customer = make_customer("杭州计数有限公司", p.am_a1)
        rounds = iter(range(100))

        def grow():
            nonlocal customer
            n = next(rounds)
            lead = p.lead_a  # the owner changes every round; the lead may always write
            contact = add_contact(customer, lead, name=f"联系人{n}")
            follow_up = log(customer, lead, f"跟进{n}")
            follow_up.contacts.add(contact)
            followup_add_note(actor=lead, follow_up=follow_up, text=f"补充{n}")
            deal = opportunity_create(
                actor=lead, data={"customer": customer, "name": f"项目{n}", "owner": p.am_a1}
            )
            opportunity_move(actor=lead, opportunity=deal, stage=stage("需求确认"))
            customer = Customer.objects.get(pk=customer.pk)
            customer = customer_update(actor=lead, customer=customer, data={"notes": f"{n}"})
            owner = p.am_a2 if customer.owner_id == p.am_a1.pk else p.am_a1
            customer = customer_transfer(
                actor=p.lead_a, customer=customer, to_owner=owner, reason="轮换"
            )

        grow()  # one item of every kind from the start, so every prefetch runs already
        url = reverse("customers:customer-timeline", args=[customer.pk])
        future = TimelineCursor(T0 + dt.timedelta(days=36500), 1, 0).token
        client = self.web("lead_a")

        def grow_more():
            for _ in range(6):
                grow()

        count = self.assertQueriesConstant(
            lambda: client.get(url, {"cursor": future}), grow_more, at_most=14
        )
        self.assertGreater(count, 0)
        shown = client.get(url, {"cursor": future}).context["timeline"]
        self.assertEqual(len(shown), 30)
        self.assertEqual(
            {item.kind for item in shown}, {"follow_up", "stage", "ownership", "change"}
        )
