"""Assign a provider by the default rule to every client of a suspended or leaving provider who
has not chosen again by the deadline: `frivalg rechoice_assign [--rule rotation]`. Run daily;
safe to run again."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from frivalg.choices.models import DefaultRule
from frivalg.providers.services import rechoice_assign_due


class Command(BaseCommand):
    help = "Assign the clients of leaving providers who did not choose again by the deadline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rule", choices=DefaultRule.values, default=None,
                            help="The default rule to assign by (default: each municipality's own).")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = rechoice_assign_due(actor=None, rule=options["rule"])
        self.stdout.write(", ".join(f"{status}: {n}" for status, n in sorted(counts.items())))
