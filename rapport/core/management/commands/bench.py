"""`rapport bench`: benchmarks on a generated dataset in a database of their own (bench/)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Build a dataset of a named size in a separate database (a temporary SQLite file, or "
        "`<name>_bench` on the PostgreSQL server of DATABASE_URL), run every benchmark in "
        "process and through gunicorn, print a table and write JSON to bench/results/. "
        "See bench/README.md."
    )

    def add_arguments(self, parser):
        from bench.sizes import SIZES

        parser.add_argument(
            "--size", choices=sorted(SIZES), default="S", help="dataset size (default S)"
        )
        parser.add_argument(
            "--runs", type=int, default=30, help="timed runs per benchmark (default 30)"
        )
        parser.add_argument(
            "--warmup", type=int, default=3, help="untimed runs first, at least 1 (default 3)"
        )
        parser.add_argument(
            "--only",
            action="append",
            metavar="WORD",
            help="only benchmarks whose name contains WORD (repeatable)",
        )
        parser.add_argument(
            "--output",
            type=Path,
            metavar="DIR",
            help="where to write the JSON (default bench/results/)",
        )
        parser.add_argument(
            "--keep",
            action="store_true",
            help="keep the bench database afterwards, to look into it",
        )
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="skip serving the pages through gunicorn (throughput at concurrency 1 and 8)",
        )
        parser.add_argument(
            "--workers", type=int, default=4, help="gunicorn sync workers (default 4)"
        )
        parser.add_argument(
            "--serve-requests",
            type=int,
            default=40,
            metavar="N",
            help="requests per page and concurrency through gunicorn (default 40)",
        )
        parser.add_argument(
            "--real-hasher",
            action="store_true",
            help="hash passwords with the configured hasher, not a fast one",
        )

    def handle(self, *args, size, runs, warmup, only, output, keep, real_hasher, **options):
        from bench.database import BenchDatabaseError
        from bench.measure import BenchCaseError
        from bench.runner import run
        from bench.serve import ServeError

        if runs < 1 or warmup < 1:
            raise CommandError("--runs and --warmup must be at least 1.")
        if options["workers"] < 1 or options["serve_requests"] < 1:
            raise CommandError("--workers and --serve-requests must be at least 1.")
        try:
            run(
                size=size,
                runs=runs,
                warmup=warmup,
                only=only,
                output_dir=output,
                keep=keep,
                real_hasher=real_hasher,
                serve=not options["no_serve"],
                workers=options["workers"],
                serve_requests=options["serve_requests"],
                stdout=self.stdout,
            )
        except (BenchDatabaseError, BenchCaseError, ServeError) as error:
            raise CommandError(str(error)) from error
