"""`frivalg settle --period 2026-10 [--municipality CODE] [--user USERNAME]`: settle a month for
every provider with the columnar engine, with a progress bar, and print the totals per provider."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from tqdm import tqdm

from frivalg.core.models import Municipality, User
from frivalg.core.money import Money
from frivalg.core.periods import Period
from frivalg.settlements.services import settlement_month_compute

STEPS = ("snapshot", "engine", "store", "done")


class Command(BaseCommand):
    help = "Settle a calendar month for every provider of a municipality with the columnar engine."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="The month, YYYY-MM.")
        parser.add_argument("--municipality", help="The municipality's code (needed when there are several).")
        parser.add_argument("--user", help="The finance user who runs it (default: the first finance user).")
        parser.add_argument("--language", default=None, help="da, en …")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"] or translation.get_language()):
            self._handle(options)

    def _handle(self, options: dict[str, Any]) -> None:
        match = re.fullmatch(r"(\d{4})-(\d{2})", options["period"] or "")
        if not match or not 1 <= int(match[2]) <= 12:
            raise CommandError(_("--period must be a month written YYYY-MM, e.g. 2026-10."))
        period = Period.month(int(match[1]), int(match[2]))
        municipalities = Municipality.objects.all()
        if options["municipality"]:
            municipalities = municipalities.filter(code=options["municipality"])
        if municipalities.count() != 1:
            raise CommandError(_("Name exactly one municipality with --municipality (codes: %(codes)s).")
                               % {"codes": ", ".join(Municipality.objects.values_list("code", flat=True))})
        municipality = municipalities.get()
        users = User.objects.filter(municipality=municipality, groups__name="finance", is_active=True)
        if options["user"]:
            users = User.objects.filter(username=options["user"], municipality=municipality)
        actor = users.order_by("pk").first()
        if actor is None:
            raise CommandError(_("No finance user of %(name)s to run the settlement as.") % {"name": municipality})
        bar = tqdm(total=len(STEPS), desc=_("Settling %(month)s") % {"month": options["period"]}, unit=_("step"),
                   file=self.stderr, disable=None)

        def progress(label: str) -> None:
            bar.set_postfix_str(label)
            bar.update(1)

        try:
            result = settlement_month_compute(actor=actor, period=period, progress=progress)
        except (ValidationError, PermissionDenied) as error:
            raise CommandError("; ".join(getattr(error, "messages", [str(error)]))) from error
        finally:
            bar.close()
        currency = municipality.currency
        self.stdout.write(_("%(lines)s lines, %(deviations)s deviations, %(bills)s co-payment bills.") % {
            "lines": result.lines, "deviations": result.deviations, "bills": result.bills})
        for run in result.runs:
            self.stdout.write(f"  {run.provider.name}: {Money(run.total_minor, currency)} "
                              f"({run.get_kind_display()}, {run.line_count} {_('lines')})")
        self.stdout.write(_("Total: %(total)s. Input %(input)s, output %(output)s.") % {
            "total": Money(result.total_minor, currency), "input": result.input_hash[:12],
            "output": result.output_hash[:12]})
