"""`rapport pool reclaim [--dry-run]`: run the pool reclaim now and print what moved and
why (the same service as the nightly job)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from rapport.customers.services import schedule
from rapport.customers.services.pool import pool_map
from rapport.customers.services.reclaim import pool_reclaim, reclaim_warnings


class Command(BaseCommand):
    help = "Public pool operations: reclaim (move due customers to their pools)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        reclaim = sub.add_parser("reclaim", help="Move customers whose reclaim date has come.")
        reclaim.add_argument("--dry-run", action="store_true", help="Only list what would move.")
        reclaim.add_argument("--date", help="Run as of this day (YYYY-MM-DD), default today.")
        reclaim.add_argument("--quiet", action="store_true", help="Print the totals only.")

    def handle(self, *args, verb: str, **options):
        today = None
        if options.get("date"):
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date: {options['date']!r} is not YYYY-MM-DD.") from None
        moved = pool_reclaim(today=today, dry_run=options["dry_run"])
        pools = pool_map()
        if not options["quiet"]:
            for customer, rule in moved:
                pool = pools.get(customer.team_id)
                self.stdout.write(
                    f"{customer.pk}\t{customer.name}\t→ {pool}\t{schedule.describe_rule(rule)}"
                )
        verb_done = "would move" if options["dry_run"] else "moved"
        warned = len(reclaim_warnings(today=today))
        self.stdout.write(
            f"{len(moved)} customers {verb_done}; {warned} inside their warning window."
        )
