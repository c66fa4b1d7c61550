"""Issue an API token for a user: `frivalg api_token <username> [--name NAME]`. The token is
printed once and never stored (only its hash is)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from frivalg.core.services import api_token_create


class Command(BaseCommand):
    help = "Create a bearer token for the JSON API (/api/v1) acting as the given user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The user the token acts as.")
        parser.add_argument("--name", default="cli", help="What the token is for (a provider's system).")

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get_by_natural_key(options["username"])
        except user_model.DoesNotExist as exc:
            raise CommandError(f"No user named {options['username']!r}.") from exc
        if not user.is_active:
            raise CommandError(f"The user {options['username']!r} is not active.")
        token, raw = api_token_create(actor=None, user=user, name=options["name"])
        self.stderr.write(f"Token {token.prefix}… for {user.username} ({token.name}). It is shown only now:")
        self.stdout.write(raw)
