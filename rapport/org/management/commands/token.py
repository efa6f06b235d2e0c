"""`rapport token create USERNAME [--name NAME]`: print a new API token (operator's tool)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from rapport.org import services
from rapport.org.models import ApiToken, User


class Command(BaseCommand):
    help = "Create or list API tokens for a user."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="Create a token and print its key once.")
        create.add_argument("username")
        create.add_argument("--name", default="cli")
        listing = sub.add_parser("list", help="List a user's active tokens.")
        listing.add_argument("username")

    def handle(self, *args, verb: str, username: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if verb == "create":
            try:
                _token, key = services.token_create(actor=None, user=user, name=options["name"])
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from None
            self.stdout.write(key)
        else:
            for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
                self.stdout.write(f"{token.key_prefix}…  {token.name}  {token.created_at:%Y-%m-%d}")
