"""`rapport kpi metrics|snapshot|backfill`: what each writes, a second backfill changing
nothing, bad input refused by argument name, and a metric that fails (an amount in a
currency without a rate) exiting non-zero after the others are written."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import CommandError

from rapport.core.testing import PersonaTestCase
from rapport.goals import catalog
from rapport.goals.models import MetricValue
from rapport.goals.periods import day_start, local_today
from rapport.goals.tests.helpers import at, close, customer, deal, follow_up

STOCKS = {m.key for m in catalog.stored_metrics() if not m.history}


def kpi(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("kpi", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def stored() -> set[tuple]:
    """The values written, without the per-day marks (no person, no team, zero)."""
    rows = MetricValue.objects.exclude(user__isnull=True, team__isnull=True)
    return set(rows.values_list("metric", "day", "user_id", "team_id", "value"))


class KpiCommandTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.acme = customer(p.am_a1, "上海启明软件有限公司", when=at("2026-03-10 02:00"))
        follow_up(p.am_a1, cls.acme, at("2026-03-05 03:00"))
        # 15:59 UTC on 31 March is 23:59 in Shanghai: still March.
        follow_up(p.am_a1, cls.acme, at("2026-03-31 15:59"), kind="visit")
        cls.big = deal(p.am_a1, cls.acme, "100000", created=at("2026-03-02 01:00"))
        cls.lost = deal(p.am_a1, cls.acme, "5000", created=at("2026-03-03 01:00"))
        close(p.am_a1, cls.big, at("2026-03-15 02:00"))
        close(p.am_a1, cls.lost, at("2026-03-26 02:00"), won=False)

    def march(self) -> set[tuple]:
        """Every flow of the book in March, as the snapshots should hold it."""
        a1, team_a = self.p.am_a1.pk, self.p.team_a.pk

        def row(metric: str, day: int, value: str) -> tuple:
            return (metric, dt.date(2026, 3, day), a1, team_a, Decimal(value))

        return {
            row("new_customers", 10, "1"),
            row("follow_ups", 5, "1"),
            row("follow_ups", 31, "1"),
            row("visits", 31, "1"),
            row("follow_up_hours", 5, "1"),  # the heatmap's series (by hour)
            row("follow_up_hours", 31, "1"),
            row("opportunities_created", 2, "1"),
            row("opportunities_created", 3, "1"),
            row("opportunities_won", 15, "1"),
            row("revenue_won", 15, "100000"),
            row("opportunities_lost", 26, "1"),
        }

    def test_metrics_lists_the_catalog(self):
        out, _err = kpi("metrics")
        lines = out.splitlines()
        self.assertEqual(
            [line.split("\t")[0] for line in lines], [m.key for m in catalog.metrics()]
        )
        self.assertIn("revenue_won\tflow\tmoney\thigher\tRevenue won", lines)
        self.assertIn("win_rate\tderived\tpercent\thigher\tWin rate", lines)
        self.assertIn("overdue_follow_ups\tstock\tcount\tlower\tOverdue follow-ups", lines)

    def test_snapshot_writes_the_day_given(self):
        out, _err = kpi("snapshot", "--day", "2026-03-15")
        a1, team_a = self.p.am_a1.pk, self.p.team_a.pk
        day = dt.date(2026, 3, 15)
        self.assertEqual(
            stored(),
            {
                ("opportunities_won", day, a1, team_a, Decimal("1")),
                ("revenue_won", day, a1, team_a, Decimal("100000")),
            },
        )
        self.assertIn("2026-03-15: 2 values of", out)
        # A past day: the present-only stocks are not rebuilt, and it says so.
        self.assertIn("Skipped", out)
        for key in STOCKS:
            self.assertIn(key, out)

    def test_snapshot_defaults_to_yesterday(self):
        yesterday = local_today() - dt.timedelta(days=1)
        follow_up(self.p.am_a1, self.acme, day_start(yesterday) + dt.timedelta(hours=10))
        out, _err = kpi("snapshot")
        self.assertIn(
            ("follow_ups", yesterday, self.p.am_a1.pk, self.p.team_a.pk, Decimal("1")), stored()
        )
        self.assertEqual(
            set(MetricValue.objects.values_list("day", flat=True).distinct()), {yesterday}
        )
        self.assertIn(f"{yesterday.isoformat()}: ", out)
        self.assertNotIn("Skipped", out)  # yesterday's stocks are the nightly's to write

    def test_backfill_writes_every_day_and_a_second_run_changes_nothing(self):
        out, _err = kpi("backfill", "--from", "2026-03-01", "--to", "2026-03-31")
        self.assertEqual(stored(), self.march())
        self.assertIn("11 values of", out)
        self.assertIn("for 31 days", out)
        self.assertIn("rows/s", out)
        for metric in catalog.stored_metrics():
            if metric.history:  # progress, one line per metric with its time
                self.assertRegex(out, rf"\n  {metric.key}\t\d+\.\d\d s\t")
        ids = set(MetricValue.objects.values_list("pk", flat=True))

        again, _err = kpi("backfill", "--from", "2026-03-01", "--to", "2026-03-31")
        self.assertEqual(stored(), self.march())
        self.assertIn("11 values of", again)
        # The rows were replaced, not added to (values, and a mark per metric and day).
        marks = 31 * len([m for m in catalog.stored_metrics() if m.history])
        self.assertEqual(MetricValue.objects.count(), len(self.march()) + marks)
        self.assertFalse(ids & set(MetricValue.objects.values_list("pk", flat=True)))

    def test_backfill_of_the_metrics_named(self):
        out, _err = kpi(
            "backfill", "--from", "2026-03-01", "--to", "2026-03-31", "--metric", "follow_ups"
        )
        self.assertEqual({row[0] for row in stored()}, {"follow_ups"})
        self.assertNotIn("revenue_won", out)
        kpi(
            "backfill",
            "--from=2026-03-01",
            "--to=2026-03-31",
            "--metric",
            "visits",
            "opportunities_won",
            "--metric",
            "follow_ups",
        )
        metrics = {row[0] for row in stored()}
        self.assertEqual(metrics, {"follow_ups", "visits", "opportunities_won"})

    def test_bad_input_is_refused_by_argument_name(self):
        today = local_today()
        tomorrow = today + dt.timedelta(days=1)
        cases = {
            "--from: '2026-3-1' is not a day": [
                "backfill",
                "--from",
                "2026-3-1",
                "--to",
                "2026-03-31",
            ],
            "--to: 'yesterday' is not a day": [
                "backfill",
                "--from",
                "2026-03-01",
                "--to",
                "yesterday",
            ],
            "--from: 2026-03-31 is after --to 2026-03-01": [
                "backfill",
                "--from",
                "2026-03-31",
                "--to",
                "2026-03-01",
            ],
            f"--to: {tomorrow.isoformat()} has not ended yet": [
                "backfill",
                "--from",
                "2026-03-01",
                "--to",
                tomorrow.isoformat(),
            ],
            # Today's figures are live until the day is over.
            f"--to: {today.isoformat()} has not ended yet": [
                "backfill",
                "--from",
                "2026-03-01",
                "--to",
                today.isoformat(),
            ],
            "--metric: no metric 'followups'": [
                "backfill",
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-31",
                "--metric",
                "follow_ups",
                "followups",
            ],
            "--metric: win_rate is derived": [
                "backfill",
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-31",
                "--metric",
                "win_rate",
            ],
            "--day: '31/03/2026' is not a day": ["snapshot", "--day", "31/03/2026"],
            f"--day: {tomorrow.isoformat()} has not ended yet": [
                "snapshot",
                "--day",
                tomorrow.isoformat(),
            ],
            "--from": ["backfill", "--to", "2026-03-31"],  # argparse: required
        }
        for message, args in cases.items():
            with self.subTest(args=args), self.assertRaisesMessage(CommandError, message):
                kpi(*args)
        self.assertFalse(MetricValue.objects.exists())

    def test_a_currency_without_a_rate_fails_after_writing_the_rest(self):
        p = self.p
        euro = deal(p.am_a1, self.acme, "900", currency="EUR", created=at("2026-03-04 01:00"))
        close(p.am_a1, euro, at("2026-03-27 02:00"))
        out, err = io.StringIO(), io.StringIO()
        with self.assertRaisesMessage(CommandError, "revenue_won"):
            call_command("kpi", "snapshot", "--day", "2026-03-27", stdout=out, stderr=err)
        self.assertIn("EUR", err.getvalue())
        self.assertIn("2026-03-27: 1 values of", out.getvalue())
        self.assertEqual(
            stored(),
            {("opportunities_won", dt.date(2026, 3, 27), p.am_a1.pk, p.team_a.pk, Decimal("1"))},
        )

        with self.assertRaisesMessage(CommandError, "could not be computed"):
            kpi("backfill", "--from", "2026-03-01", "--to", "2026-03-31")
        metrics = {row[0] for row in stored()}
        self.assertNotIn("revenue_won", metrics)
        self.assertIn("follow_ups", metrics)
