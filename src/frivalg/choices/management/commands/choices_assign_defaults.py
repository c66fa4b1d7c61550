"""`frivalg choices_assign_defaults [--municipality CODE] [--today YYYY-MM-DD]`: assign a provider by
each municipality's default rule to every decision whose choice deadline has passed without a
choice (as the system), and print what was done."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.choices.services import choices_assign_defaults
from frivalg.core.models import Municipality


class Command(BaseCommand):
    help = "Assign providers by the default rule where the choice deadline has passed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", help="One municipality's code (default: all).")
        parser.add_argument("--today", help="The day to run as, YYYY-MM-DD (default: today).")

    def handle(self, *args: Any, **options: Any) -> None:
        municipalities = Municipality.objects.order_by("code")
        if options["municipality"]:
            municipalities = municipalities.filter(code=options["municipality"])
            if not municipalities.exists():
                raise CommandError(_("No municipality has the code %(code)s.") % {"code": options["municipality"]})
        try:
            today = date.fromisoformat(options["today"]) if options["today"] else timezone.localdate()
        except ValueError as error:
            raise CommandError(_("--today must be a date written YYYY-MM-DD, e.g. 2026-04-10.")) from error
        for municipality in municipalities:
            result = choices_assign_defaults(actor=None, municipality=municipality, today=today)
            for choice in result.assigned:
                self.stdout.write(f"{municipality.code} {choice.decision.public_id} → {choice.provider.name}"
                                  f" ({choice.default_rule})")
            for decision, reason in result.failed:
                self.stderr.write(f"{municipality.code} {decision.public_id}: {reason}")
            self.stdout.write(_("%(code)s: assigned %(assigned)s, could not assign %(failed)s.") % {
                "code": municipality.code, "assigned": len(result.assigned), "failed": len(result.failed)})
