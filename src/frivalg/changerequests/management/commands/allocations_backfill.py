"""Send the allocations (iWmo 301) owed for active choices: `frivalg allocations_backfill
[--municipality CODE]`. Safe to run again: each choice gets one allocation."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frivalg.changerequests.services import allocations_backfill
from frivalg.core.models import Municipality


class Command(BaseCommand):
    help = "Send the allocations not yet sent to providers for active choices."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", help="Only this municipality (its code).")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = None
        if options["municipality"]:
            municipality = Municipality.objects.filter(code=options["municipality"]).first()
            if municipality is None:
                raise CommandError(f"No municipality with the code {options['municipality']!r}.")
        sent = allocations_backfill(actor=None, municipality=municipality)
        self.stdout.write(f"{len(sent)} allocations sent.")
