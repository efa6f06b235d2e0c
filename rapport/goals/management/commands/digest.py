"""`rapport digest send|due`: mail one person's digest now, or every digest that is due.

    rapport digest send --user wangfang [--team 3] [--kind weekly_team|monthly_company] [--force]
    rapport digest due

`send` defaults to the weekly digest of the (highest) team the person leads, or to the
company digest for an admin who leads no team; a digest already sent for the period is
not sent again without --force. `due` sends what the hourly job would send now. Either
exits non-zero when a digest could not be sent (it is kept, with the error, in the app).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from rapport.goals.digest_schedule import due, entitlements
from rapport.goals.models import DigestKind, DigestStatus
from rapport.goals.services_digest import digest_send, digests_send_due


class Command(BaseCommand):
    help = "Digests: send one person's digest now, or send every digest that is due."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        send = sub.add_parser("send", help="Send one person's digest now.")
        send.add_argument("--user", required=True, metavar="USERNAME", help="The recipient.")
        send.add_argument("--team", type=int, metavar="ID", help="The team (weekly digest).")
        send.add_argument("--kind", choices=DigestKind.values, help="Default: from the role.")
        send.add_argument(
            "--force", action="store_true", help="Send even if already sent this period."
        )
        sub.add_parser("due", help="Send every digest whose time has come (as the hourly job).")

    def handle(self, *args, verb: str, **options):
        if verb == "send":
            self._send(options)
        else:
            self._due()

    def _send(self, options) -> None:
        from rapport.org.models import Team, User

        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"--user: no active user {options['user']!r}.")
        kind, team_id = options.get("kind"), options.get("team")
        if kind is None:
            kind = DigestKind.WEEKLY_TEAM if team_id else None
        if kind is None:
            mine = entitlements([user.pk])
            if not mine:
                raise CommandError(f"{user.username} leads no team and is no admin: no digest.")
            kind, team_id = mine[0].kind, mine[0].team_id
        if kind == DigestKind.WEEKLY_TEAM and team_id is None:
            mine = [e for e in entitlements([user.pk]) if e.kind == kind]
            if not mine:
                raise CommandError(f"{user.username} leads no team: give --team.")
            team_id = mine[0].team_id
        team = Team.objects.filter(pk=team_id).first() if team_id else None
        if team_id and team is None:
            raise CommandError(f"--team: no team {team_id}.")
        try:
            digest = digest_send(user=user, kind=kind, team=team, force=options["force"])
        except PermissionDenied as error:
            raise CommandError(f"{user.username}: {error}") from None
        if digest.reused:
            self.stdout.write(
                f"Already sent for {digest.period_start} – {digest.period_end} "
                f"(digest {digest.pk}); use --force to send it again."
            )
            return
        self.stdout.write(f"Digest {digest.pk} to {digest.email or '-'}: {digest.status}")
        if digest.status == DigestStatus.FAILED:
            raise CommandError(f"Not sent: {digest.error}")

    def _due(self) -> None:
        found = due()
        outcomes = digests_send_due(found)
        failed = 0
        for outcome in outcomes:
            item = outcome.due
            state = outcome.digest.status if outcome.digest else "error"
            self.stdout.write(f"user {item.user_id}\t{item.kind}\t{item.team_id or '-'}\t{state}")
            failed += not outcome.ok
        self.stdout.write(f"{len(outcomes)} digests due, {failed} not sent.")
        if failed:
            raise CommandError(f"{failed} digests could not be sent.")
