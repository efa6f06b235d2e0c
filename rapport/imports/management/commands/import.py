"""`rapport import customers FILE [--dry-run] [--skip-bad-rows] [--owner USERNAME]
[--duplicates skip|update|create] [--user USERNAME]` (and contacts, follow-ups,
opportunities): the wizard's import from the command line, with a progress bar."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from rapport.imports.base import HANDLERS
from rapport.imports.models import Duplicates, ImportStatus
from rapport.imports.services import import_configure, import_create, import_execute
from rapport.org.models import User


class Command(BaseCommand):
    help = "Import customers, contacts, follow-ups or opportunities from a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("entity", choices=sorted(HANDLERS))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        parser.add_argument("--skip-bad-rows", action="store_true")
        parser.add_argument("--owner", help="Username of the owner of the new records.")
        parser.add_argument("--user", help="Username of the importing user (default: --owner).")
        parser.add_argument("--duplicates", choices=Duplicates.values, default=Duplicates.SKIP)

    def _user(self, username: str | None, what: str) -> User | None:
        if not username:
            return None
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user {username!r} ({what}).") from None

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        owner = self._user(options["owner"], "--owner")
        actor = self._user(options["user"], "--user") or owner
        if actor is None:
            actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if actor is None:
            raise CommandError("Name the importing user with --user or --owner.")
        try:
            with path.open("rb") as handle:
                run = import_create(
                    actor=actor, entity=options["entity"], upload=File(handle), filename=path.name
                )
            run = import_configure(
                actor=actor,
                run=run,
                duplicates=options["duplicates"],
                skip_bad_rows=options["skip_bad_rows"],
                import_for=owner,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        dry_run = options["dry_run"]
        bar = tqdm(total=run.counts.get("estimated") or None, unit="rows", file=self.stderr._out)

        def progress(done: int, counts: dict) -> None:
            bar.update(done - bar.n)
            bar.set_postfix(errors=counts["errors"], skipped=counts["skip"])

        outcome = import_execute(run=run, dry_run=dry_run, progress=progress)
        bar.close()
        run.refresh_from_db()
        self._report(run, dry_run)
        if outcome is None or run.status == ImportStatus.FAILED:
            raise CommandError(run.error or "The import failed.")

    def _report(self, run, dry_run: bool) -> None:
        counts = run.counts
        verb = "would create" if dry_run else "created"
        self.stdout.write(
            f"{counts.get('rows', 0)} rows: {verb} {counts.get('create', 0)}, "
            f"updated {counts.get('update', 0)}, skipped {counts.get('skip', 0)}, "
            f"bad {counts.get('errors', 0)} (import #{run.pk})"
        )
        for problem in run.problems[:20]:
            self.stdout.write(f"  line {problem['line']}: {problem['kind']}: {problem['message']}")
        if run.error_file:
            self.stdout.write(f"Bad rows with reasons: {run.error_file.path}")
