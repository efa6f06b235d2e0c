"""`rapport kpi metrics|snapshot|backfill`: the metric catalog, and the daily KPI snapshots
taken now (the nightly job's own service) or over past days.

    rapport kpi metrics
    rapport kpi snapshot [--day 2026-03-31]
    rapport kpi backfill --from 2026-01-01 --to 2026-03-31 [--metric follow_ups ...]

A snapshot or backfill that could not compute a metric (an amount in a currency without
an exchange rate) still writes the others, then exits non-zero naming the failed ones.
"""

from __future__ import annotations

import datetime as dt
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from rapport.goals import catalog
from rapport.goals.periods import DayRange, local_today
from rapport.goals.snapshots import SnapshotResult, snapshot_day, snapshot_range


def _day(value: str, argument: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CommandError(f"{argument}: {value!r} is not a day written YYYY-MM-DD.") from None


def _ended(day: dt.date, argument: str) -> dt.date:
    """A snapshot is of a day that is over: today's figures are computed live (the
    figures add today's live rows to the stored ones, so a stored today would count
    twice), and a day to come has nothing to snapshot."""
    today = local_today()
    if day >= today:
        raise CommandError(
            f"{argument}: {day.isoformat()} has not ended yet (today is {today.isoformat()}); "
            f"the latest day a snapshot can be taken of is "
            f"{(today - dt.timedelta(days=1)).isoformat()}."
        )
    return day


class Command(BaseCommand):
    help = (
        "KPI snapshots: list the metric catalog, snapshot one day (the nightly job), "
        "or backfill a range of past days."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("metrics", help="List the metric catalog (tab-separated).")
        snapshot = sub.add_parser("snapshot", help="Snapshot one day, as the nightly job does.")
        snapshot.add_argument(
            "--day", metavar="YYYY-MM-DD", help="The day, default yesterday (local time)."
        )
        backfill = sub.add_parser("backfill", help="Snapshot every day of a past range.")
        backfill.add_argument(
            "--from", dest="first", metavar="YYYY-MM-DD", required=True, help="First day."
        )
        backfill.add_argument(
            "--to", dest="last", metavar="YYYY-MM-DD", required=True, help="Last day."
        )
        backfill.add_argument(
            "--metric",
            dest="metric_keys",
            action="extend",
            nargs="+",
            metavar="KEY",
            help="Only these stored metrics (repeatable); default all of them.",
        )

    def handle(self, *args, verb: str, **options):
        if verb == "metrics":
            self._metrics()
        elif verb == "snapshot":
            self._snapshot(options.get("day"))
        else:
            self._backfill(options["first"], options["last"], options.get("metric_keys"))

    def _metrics(self) -> None:
        for metric in catalog.metrics():
            self.stdout.write(
                "\t".join(
                    [metric.key, metric.kind, metric.unit, metric.direction, str(metric.name)]
                )
            )

    def _snapshot(self, day_text: str | None) -> None:
        day = _ended(_day(day_text, "--day"), "--day") if day_text else None
        started = time.perf_counter()
        result = self._run(lambda: snapshot_day(day))
        day = day or local_today() - dt.timedelta(days=1)
        self.stdout.write(
            f"{day.isoformat()}: {result.rows} values of {result.metrics} metrics written "
            f"in {time.perf_counter() - started:.1f} s."
        )
        self._finish(result)

    def _backfill(self, first_text: str, last_text: str, keys: list[str] | None) -> None:
        first = _day(first_text, "--from")
        last = _day(last_text, "--to")
        if first > last:
            raise CommandError(
                f"--from: {first.isoformat()} is after --to {last.isoformat()}; "
                f"the range runs from --from to --to."
            )
        _ended(last, "--to")
        if keys:
            keys = list(dict.fromkeys(keys))  # once each, in the order given
            self._check_keys(keys)
        days = DayRange(first, last)
        started = last_done = time.perf_counter()

        def progress(metric: catalog.Metric) -> None:
            nonlocal last_done
            now = time.perf_counter()
            self.stdout.write(
                f"  {metric.key}\t{now - last_done:.2f} s\t(total {now - started:.1f} s)"
            )
            self.stdout.flush()
            last_done = now

        self.stdout.write(
            f"Backfilling {days.days} days, {first.isoformat()} – {last.isoformat()}:"
        )
        result = self._run(lambda: snapshot_range(days, keys=keys, progress=progress))
        elapsed = time.perf_counter() - started
        rate = result.rows / elapsed if elapsed > 0 else 0
        self.stdout.write(
            f"{result.rows} values of {result.metrics} metrics written for {days.days} days "
            f"in {elapsed:.1f} s ({rate:.0f} rows/s)."
        )
        self._finish(result)

    def _check_keys(self, keys: list[str]) -> None:
        unknown = [key for key in keys if catalog.get(key) is None]
        if unknown:
            raise CommandError(
                f"--metric: no metric {', '.join(map(repr, unknown))}; "
                f"`rapport kpi metrics` lists them."
            )
        derived = [catalog.get(key) for key in keys if not catalog.get(key).stored]
        if derived:
            raise CommandError(
                "--metric: "
                + "; ".join(
                    f"{metric.key} is derived from {', '.join(metric.inputs)} and never stored"
                    for metric in derived
                )
                + ". Backfill its inputs instead."
            )

    def _run(self, snapshot) -> SnapshotResult:
        try:
            return snapshot()
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None

    def _finish(self, result: SnapshotResult) -> None:
        if result.skipped:
            self.stdout.write(
                "Skipped (they only know the present; the nightly snapshot keeps them): "
                + ", ".join(result.skipped)
            )
        for key, message in sorted(result.errors.items()):
            self.stderr.write(f"{key}: {message}")
        if result.errors:
            raise CommandError(
                f"{len(result.errors)} metric(s) could not be computed, so their values for "
                f"these days were not (all) replaced: {', '.join(sorted(result.errors))}."
            )
