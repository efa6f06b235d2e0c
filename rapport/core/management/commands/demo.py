"""`rapport demo`: build the demo organisation (each app adds its own demo step)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from rapport.core.demo import DemoContext, steps


class Command(BaseCommand):
    help = "Build the demo organisation and print its logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when users already exist.",
        )
        parser.add_argument(
            "--logins",
            action="store_true",
            help="Only print the demo logins that exist in the database.",
        )

    def handle(self, *args, if_empty: bool = False, logins: bool = False, **options):
        from rapport.org.models import User

        if logins:
            self.print_existing_logins()
            return
        if User.objects.exists():
            if if_empty:
                self.stdout.write("Demo data already present; skipping.")
                return
            raise CommandError("The database already has users; `rapport demo` needs an empty one.")
        ctx = DemoContext(stdout=self.stdout)
        with transaction.atomic():
            for step in steps():
                ctx.say(f"demo: {step.name}")
                step.run(ctx)
        self.print_logins(ctx)

    def print_logins(self, ctx: DemoContext) -> None:
        self.stdout.write(
            self.style.SUCCESS(f"\nDemo logins (password for all: {ctx.logins[0][1]})")
        )
        for username, _password, role in ctx.logins:
            self.stdout.write(f"  {username:<12} {role}")

    def print_existing_logins(self) -> None:
        from rapport.org.demo import DEMO_PASSWORD
        from rapport.org.models import Membership

        rows = (
            Membership.objects.filter(
                user__email__endswith="@demo.rapport.local", user__is_active=True
            )
            .select_related("user")
            .order_by("pk")
        )
        if not rows:
            return
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for row in rows:
            self.stdout.write(f"  {row.user.username:<12} {row.get_role_display()}")
