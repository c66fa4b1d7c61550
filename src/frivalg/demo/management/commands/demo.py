"""`frivalg demo`: migrate, generate the demo municipality once, print the logins and serve.

Four steps, like every interface: parse the options → (no authorisation: a local command) → one
service (`demo_generate`, after `demo_delete` with --reset) → print."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from frivalg.catalogue.models import Service
from frivalg.core.models import Municipality, User
from frivalg.core.periods import Period
from frivalg.demo.municipality import DEFAULT_VISIT_BUDGET, PASSWORD, DemoReport, DemoSpec
from frivalg.demo.rules import NURSING
from frivalg.demo.selectors import demo_counts, demo_logins, demo_municipality
from frivalg.demo.services import demo_delete, demo_generate
from frivalg.reassessments.services import reassessment_flags_refresh
from frivalg.settlements.services import settlement_month_compute, settlement_run_approve
from frivalg.tenders.services import TenderInput, criterion_save, lot_save, tender_create, tender_publish

MAX_CITIZENS = 200_000


class Command(BaseCommand):
    help = ("Migrate the database, generate the demo municipality (unless it is there), print the logins "
            "and serve on http://127.0.0.1:8000.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1,
                            help="Random seed: the same seed gives the same municipality.")
        parser.add_argument("--citizens", type=int, default=2000, help="Number of citizens (3–200,000; default 2,000).")
        parser.add_argument("--months", type=int, default=12, help="Months of history (1–36; default 12).")
        parser.add_argument(
            "--visit-budget", type=int, default=DEFAULT_VISIT_BUDGET,
            help=f"Most visits to generate (default {DEFAULT_VISIT_BUDGET:,}); above it the visit window is the "
                 "days around today that fit. 0: the whole history, however many.",
        )
        parser.add_argument("--reset", action="store_true", help="Delete the demo municipality and generate it anew.")
        parser.add_argument("--no-serve", action="store_true", help="Do not start the web server.")
        parser.add_argument("--addrport", default="127.0.0.1:8000", help="Where to serve (default 127.0.0.1:8000).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bars.")

    def handle(self, *args: Any, **options: Any) -> None:
        citizens, months, budget = options["citizens"], options["months"], options["visit_budget"]
        if not 3 <= citizens <= MAX_CITIZENS:
            raise CommandError(f"--citizens must be between 3 and {MAX_CITIZENS:,}.")
        if not 1 <= months <= 36:
            raise CommandError("--months must be between 1 and 36.")
        if budget < 0:
            raise CommandError("--visit-budget cannot be negative.")
        self.stdout.write("Migrating the database …")
        call_command("migrate", interactive=False, verbosity=0)
        existing = demo_municipality()
        if existing is not None and options["reset"]:
            self.stdout.write(f"Deleting {existing.name} …")
            demo_delete()
            existing = None
        if existing is None:
            spec = DemoSpec(seed=options["seed"], citizens=citizens, months=months, visit_budget=budget or None)
            self.stdout.write(f"Generating the demo municipality: {citizens:,} citizens, {months} months, "
                              f"seed {spec.seed} …")
            report = demo_generate(spec=spec, progress=not options["no_progress"])
            self._report(report)
            # What the needs assessors see first: the reassessments the delivery data calls for.
            refreshed = reassessment_flags_refresh(
                actor=None, municipality=Municipality.objects.get(pk=report.municipality_id),
                as_of=timezone.localdate())
            self.stdout.write(f"Reassessment flags raised: {refreshed.raised_total:,}; due dates set by rule: "
                              f"{refreshed.scheduled:,}.")
            self._settle(report, progress=not options["no_progress"])
            self._tender(report)
        else:
            counts = demo_counts(existing)
            self.stdout.write(
                f"{existing.name} is already there ({counts['citizens']:,} citizens, {counts['decisions']:,} "
                f"decisions, {counts['visits']:,} visits). Use --reset to generate it anew."
            )
        self._logins()
        if not options["no_serve"]:
            self.stdout.write(self.style.SUCCESS(f"Serving on http://{options['addrport']}/  (Ctrl-C stops)"))
            call_command("runserver", options["addrport"], use_reloader=False)

    def _settle(self, report: DemoReport, *, progress: bool) -> None:
        """Settle and approve the completed months of the visit window (at most the last 12), as
        finance would: the follow-up's cost figures and the cost against budget need them."""
        finance = User.objects.get(username="finance")
        today = timezone.localdate()
        year_ago = Period.month(today.year - 1, today.month).start
        first = max(report.visit_start.replace(day=1), year_ago)
        months = []
        month = Period.month_of(first)
        while month.end <= today.replace(day=1):
            if month.start >= report.visit_start.replace(day=1):
                months.append(month)
            month = Period.month_of(month.end)
        total = 0
        for period in tqdm(months, desc="Settling", unit="month", disable=not progress):
            result = settlement_month_compute(actor=finance, period=period)
            for run in result.runs:
                settlement_run_approve(actor=finance, run=run)
            total += result.total_minor
        self.stdout.write(f"Settled and approved {len(months)} months: {total / 100:,.2f} in total.")

    def _tender(self, report: DemoReport) -> None:
        """A published tender for home nursing — the task the follow-up proposes for this year's
        competition discussion — open for bids, as the procurement officer would set it up."""
        officer = User.objects.get(username="procurement")
        municipality = Municipality.objects.get(pk=report.municipality_id)
        nursing = Service.objects.get(municipality=municipality, code=NURSING)
        now = timezone.now()
        year = timezone.localdate().year + 1
        tender = tender_create(actor=officer, data=TenderInput(
            reference=f"UDB-{year}-01", title=f"Hjemmesygepleje {year}–{year + 2}",
            description="Udbud af hjemmesygepleje med frit valg mellem de vindende leverandører.",
            evaluation_model="points_linear", price_weight=Decimal(40),
            question_deadline=now + timedelta(days=14), bid_deadline=now + timedelta(days=30),
            contract_start=date(year, 4, 1), contract_end=date(year + 2, 3, 31), option_months=24,
            risk_rule="Udenfor båndet genforhandles timeprisen for de tunge borgere."))
        lot_save(actor=officer, tender=tender, number=1, title="Hjemmesygepleje, hele kommunen", service=nursing,
                 districts=[], price_form="hourly", volumes={"day": 24000, "evening": 6000, "night": 2000},
                 max_winners=2)
        scale = {"0": "Ingen beskrivelse", "5": "Tilfredsstillende beskrevet", "10": "Fremragende og dokumenteret"}
        quality = criterion_save(actor=officer, tender=tender, code="K1", name="Kvalitet", weight=Decimal(60),
                                 scale_max=10, grade_descriptions=scale)
        criterion_save(actor=officer, tender=tender, code="K1.1", name="Kontinuitet i plejen", weight=Decimal(50),
                       scale_max=10, grade_descriptions=scale, parent=quality)
        criterion_save(actor=officer, tender=tender, code="K1.2", name="Medarbejdernes kompetencer",
                       weight=Decimal(50), scale_max=10, grade_descriptions=scale, parent=quality)
        criterion_save(actor=officer, tender=tender, code="K2", name="Implementering", weight=Decimal(40),
                       scale_max=10, grade_descriptions=scale)
        tender_publish(actor=officer, tender=tender)
        self.stdout.write(f"Published the tender {tender.reference}: {tender.title} (bids within 30 days).")

    def _report(self, report: DemoReport) -> None:
        self.stdout.write(f"  {'stage':<10} {'wall':>7}    {'cpu':>7}  {'rows':>12}")
        for stage in report.stages:
            self.stdout.write(
                f"  {stage.name:<10} {stage.seconds:7.1f} s  {stage.cpu_seconds:7.1f} s  {stage.rows:>12,}")
        cpu = sum(stage.cpu_seconds for stage in report.stages)
        self.stdout.write(f"  {'total':<10} {report.seconds:7.1f} s  {cpu:7.1f} s  {report.rows:>12,}")
        window = "the whole history" if report.full_visit_history else "the days around today (visit budget)"
        self.stdout.write(
            f"Visits from {report.visit_start} to {report.visit_end} ({window}); decisions and choices from "
            f"{report.history_start}."
        )

    def _logins(self) -> None:
        logins = demo_logins()
        width = max(len(login.username) for login in logins) if logins else 8
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Logins (password for all: {PASSWORD})"))
        self.stdout.write(f"  {'role':<18} {'username':<{width}}  {'password':<12}  what to look at")
        for login in logins:
            self.stdout.write(f"  {login.role:<18} {login.username:<{width}}  {PASSWORD:<12}  {login.look_at}")
        self.stdout.write("")
