"""`frivalg reassessment_flags --municipality CODE [--as-of YYYY-MM-DD]`: raise the flags the
delivery data calls for and set due dates by rule (as the system), and print what was done."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from frivalg.core.models import Municipality
from frivalg.reassessments.services import reassessment_flags_refresh


class Command(BaseCommand):
    help = "Raise reassessment flags from delivery data and set due dates by rule for one municipality."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="The municipality's code.")
        parser.add_argument("--as-of", dest="as_of", help="The day to compute for, YYYY-MM-DD (default: today).")
        parser.add_argument("--language", default=None, help="da, en …")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"] or translation.get_language()):
            self._handle(options)

    def _handle(self, options: dict[str, Any]) -> None:
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(_("No municipality has the code %(code)s (codes: %(codes)s).") % {
                "code": options["municipality"],
                "codes": ", ".join(Municipality.objects.values_list("code", flat=True))})
        try:
            as_of = date.fromisoformat(options["as_of"]) if options["as_of"] else timezone.localdate()
        except ValueError as error:
            raise CommandError(_("--as-of must be a date written YYYY-MM-DD, e.g. 2026-04-10.")) from error
        result = reassessment_flags_refresh(actor=None, municipality=municipality, as_of=as_of)
        for kind, count in result.raised.items():
            self.stdout.write(f"{kind}: {count}")
        self.stdout.write(_("Flags raised: %(flags)s. Due dates set by rule: %(scheduled)s.") % {
            "flags": result.raised_total, "scheduled": result.scheduled})
