"""Follow-up data for the demo municipality, added after it is generated (demo.services): what the
market dashboards read besides visits and choices.

- ratings: the quarterly satisfaction survey, answered by about a third of each provider's
  clients, scores varying by provider and question;
- complaints: a few per provider and quarter, most decided (upheld, partly upheld, rejected);
- provider terminations: some of the history's switches were a provider ending the relationship —
  the largest private provider ends heavier clients more often (the cream-skimming signal the
  follow-up looks for), with the client's need points from the assessment at the time;
- settlement budgets: one per month from the start of the history to the end of this year, about
  what the granted hours cost at the rate tables;
- the competition task list (IKU style): practical help and personal care exposed by free choice,
  meals exposed and won by the in-house kitchen, home nursing not exposed, the needs assessment
  not exposable.

Deterministic from the seed (its own stream, "market"), written with bulk_create. The story
citizens (those with a login or a relative acting for them) are left out, so that what the demo
shows them stays as the story tells it."""

from __future__ import annotations

import math
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import models

from frivalg.assessments.models import AssessmentScore, Decision
from frivalg.catalogue.models import Service
from frivalg.choices.models import (
    Choice,
    Complaint,
    ComplaintOutcome,
    Initiator,
    ProviderRating,
    ProviderTermination,
    TerminationReason,
)
from frivalg.choices.rules import need_points, quarter_of
from frivalg.core.models import Citizen, Municipality, PowerOfAttorney, User
from frivalg.demo import rules
from frivalg.demo.municipality import (
    ENTRANT,
    EXITED,
    IN_HOUSE,
    LARGEST_PRIVATE,
    MEAL_PRIVATE,
    PROVIDERS,
    SERVICES,
    DemoReport,
    Stage,
)
from frivalg.followup.models import CompetitionTask
from frivalg.providers.models import Provider
from frivalg.settlements.models import SettlementBudget

#: Share of a provider's clients answering the quarterly survey.
RESPONSE_SHARE = (0.25, 0.40)
#: Mean satisfaction (1–5) per provider key, and how each question departs from it.
PROVIDER_MEAN = {IN_HOUSE: 4.0, LARGEST_PRIVATE: 3.6, "HH": 4.3, "FR": 4.1, ENTRANT: 3.9, "DF": 4.5, EXITED: 3.1,
                 MEAL_PRIVATE: 4.0}
QUESTION_OFFSET = {"respect": 0.3, "on_time": -0.3, "same_people": -0.5, "overall": 0.0}
#: A larger provider sends more different people: continuity scores lower.
SAME_PEOPLE_PENALTY = {LARGEST_PRIVATE: -0.4, IN_HOUSE: -0.2}
#: Complaints per client and quarter.
COMPLAINT_RATE = {IN_HOUSE: 0.010, LARGEST_PRIVATE: 0.018, "HH": 0.008, "FR": 0.008, ENTRANT: 0.012, "DF": 0.004,
                  EXITED: 0.040, MEAL_PRIVATE: 0.006}
COMPLAINT_TEXTS = (
    "Hjælperen kom over en time for sent uden at give besked.",
    "Der kommer nye hjælpere hver uge; min mor bliver utryg.",
    "Rengøringen blev ikke udført som aftalt.",
    "Besøget blev aflyst med kort varsel to gange samme uge.",
    "Hjælperen talte uhøfligt til mig.",
    "Maden kom kold og for sent.",
)
#: Complaints older than this many days are decided.
COMPLAINT_DECISION_DAYS = 30
#: Of the decided complaints: upheld, partly upheld, rejected.
OUTCOME_SHARES = ((ComplaintOutcome.UPHELD, 0.30), (ComplaintOutcome.PARTLY, 0.25), (ComplaintOutcome.REJECTED, 0.45))
#: Chance that a switch away from a provider was the provider ending the relationship, for a
#: client of ordinary need and for a heavy one (need points in the top quarter).
TERMINATION_CHANCE = {LARGEST_PRIVATE: (0.10, 0.55), "HH": (0.10, 0.12), "FR": (0.08, 0.08), ENTRANT: (0.10, 0.15),
                      "DF": (0.05, 0.05), IN_HOUSE: (0.03, 0.03)}
TERMINATION_TEXTS = {
    TerminationReason.SAFETY: "Arbejdsmiljøet i hjemmet er ikke forsvarligt for vores medarbejdere.",
    TerminationReason.CONDUCT: "Gentagne konflikter med de pårørende om opgaverne.",
    TerminationReason.CAPACITY: "Vi kan ikke bemande de faste besøg i området.",
    TerminationReason.NEEDS: "Borgerens behov går ud over, hvad vi kan tilbyde.",
}
NOTICE_DAYS = 10
CHOOSE_DAYS = 14
#: The budget against the cost of the granted hours: set with a small margin, varying by month.
BUDGET_FACTOR = (0.97, 1.05)


@dataclass(frozen=True)
class TaskSpec:
    code: str
    name: str
    groups: frozenset[str]  # service groups (municipality.SERVICES)
    exposable: bool
    exposed: str | None  # "free_choice" (since 2003), "recent" (six months ago), "tender" or None
    in_house_won: bool = False
    note: str = ""


TASKS: tuple[TaskSpec, ...] = (
    TaskSpec("PRAKTISK", "Praktisk hjælp", frozenset({"practical"}), True, "free_choice",
             note="Frit valg efter serviceloven § 91 siden 2003."),
    TaskSpec("PLEJE", "Personlig pleje", frozenset({"personal"}), True, "recent",
             note="Nye godkendelseskrav og priser for frit valg for et halvt år siden: gevinstkortet viser "
                  "prisen pr. time før og efter."),
    TaskSpec("MAD", "Madservice", frozenset({"meals"}), True, "tender", in_house_won=True,
             note="Udbudt; kommunens køkken vandt udbuddet, Det Gode Køkken er godkendt under frit valg."),
    TaskSpec("SYGEPLEJE", "Hjemmesygepleje", frozenset({"nursing"}), True, None,
             note="Kunne udbydes: foreslås til årets konkurrencedrøftelse."),
    TaskSpec("MYNDIGHED", "Visitation og myndighedsudøvelse", frozenset(), False, None,
             note="Myndighedsopgave: kan ikke konkurrenceudsættes."),
)
#: Free choice of provider in home help (Denmark).
FREE_CHOICE_SINCE = date(2003, 1, 1)


class _ChoiceRow(NamedTuple):
    pk: int
    provider: int
    decision: int
    citizen: int
    service: int
    valid_from: date
    valid_to: date | None
    previous: int | None


class _Ids:
    """Version-4 public ids from the seeded stream: the same seed gives the same ids."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)


def _quarter_bounds(quarter: str) -> tuple[date, date]:
    year, number = int(quarter[:4]), int(quarter[-1])
    first = date(year, 3 * (number - 1) + 1, 1)
    last = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return first, last - timedelta(days=1)


def _quarters(start: date, end: date) -> list[str]:
    out: list[str] = []
    day = start
    while day <= end:
        quarter = quarter_of(day)
        if not out or out[-1] != quarter:
            out.append(quarter)
        day = _quarter_bounds(quarter)[1] + timedelta(days=1)
    return out


def _score(rng: random.Random, mean: float) -> int:
    return max(1, min(5, round(rng.gauss(mean, 0.8))))


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def _month_starts(first: date, last: date) -> list[date]:
    """The first days of the months from `first`'s to `last`'s."""
    months = []
    month = date(first.year, first.month, 1)
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months


class MarketGenerator:
    """Adds the follow-up data to the generated demo municipality of `report` (inside the
    generation's transaction)."""

    def __init__(self, report: DemoReport) -> None:
        self.report = report
        self.today = report.today
        self.rng = random.Random(f"frivalg-demo:{report.spec.seed}:market")
        self.ids = _Ids(random.Random(f"frivalg-demo:{report.spec.seed}:market:uuid"))
        self.municipality = Municipality.objects.get(pk=report.municipality_id)
        self.users = {u.username: u for u in User.objects.filter(
            username__in=["finance", "analyst", "provider_admin", "inhouse_admin"])}
        by_org = {p.org_number: p for p in Provider.objects.filter(org_number__in=[s.org_number for s in PROVIDERS])}
        self.providers = {spec.key: by_org[spec.org_number] for spec in PROVIDERS}
        self.key_of = {provider.pk: key for key, provider in self.providers.items()}
        self.group_of = {spec.code: spec.group for spec in SERVICES}
        self.services = {s.pk: s for s in Service.objects.filter(municipality=self.municipality)}
        story = set(Citizen.objects.filter(municipality=self.municipality, user__isnull=False)
                    .values_list("pk", flat=True))
        story |= set(PowerOfAttorney.objects.filter(municipality=self.municipality).values_list("citizen_id",
                                                                                               flat=True))
        self.story = story
        self.caseworker = dict(Citizen.objects.filter(municipality=self.municipality)
                               .values_list("pk", "caseworker_id"))
        self.counts: dict[str, int] = {}

    def run(self) -> Stage:
        started, cpu = time.perf_counter(), time.process_time()
        choices = [_ChoiceRow(*row) for row in Choice.objects.filter(municipality=self.municipality).order_by("pk")
                   .values_list("pk", "provider_id", "decision_id", "decision__citizen_id", "decision__service_id",
                                "valid_from", "valid_to", "previous_id")]
        rows = self._ratings_and_complaints(choices)
        rows += self._terminations(choices)
        rows += self._budgets()
        rows += self._tasks()
        return Stage("market", time.perf_counter() - started, rows, time.process_time() - cpu)

    # --- the survey and complaints ----------------------------------------------------------------

    def _ratings_and_complaints(self, choices: list[_ChoiceRow]) -> int:
        quarters = _quarters(self.report.history_start, self.today)
        clients: dict[tuple[str, int], set[int]] = defaultdict(set)  # (quarter, provider) → citizens
        for row in choices:
            if row.citizen in self.story or row.valid_from > self.today:
                continue
            for quarter in quarters:
                first, last = _quarter_bounds(quarter)
                if row.valid_from <= last and (row.valid_to is None or row.valid_to >= first):
                    clients[(quarter, row.provider)].add(row.citizen)
        analyst, finance = self.users["analyst"], self.users["finance"]
        ratings: list[ProviderRating] = []
        complaints: list[Complaint] = []
        for (quarter, provider), citizens in sorted(clients.items()):
            key = self.key_of[provider]
            first, last = _quarter_bounds(quarter)
            last = min(last, self.today)
            share = self.rng.uniform(*RESPONSE_SHARE)
            mean = PROVIDER_MEAN[key]
            for citizen in sorted(citizens):
                if self.rng.random() < share:
                    answers = {q: _score(self.rng, mean + offset + (SAME_PEOPLE_PENALTY.get(key, 0.0)
                                                                     if q == "same_people" else 0.0))
                               for q, offset in QUESTION_OFFSET.items()}
                    # The survey is collected on paper and by phone and entered by the analyst.
                    ratings.append(ProviderRating(public_id=self.ids(), municipality=self.municipality,
                                                  provider_id=provider, citizen_id=citizen, quarter=quarter,
                                                  rated_by=analyst, **answers))
                if self.rng.random() < COMPLAINT_RATE[key]:
                    received = first + timedelta(days=int(self.rng.random() * ((last - first).days + 1)))
                    outcome = ""
                    if (self.today - received).days > COMPLAINT_DECISION_DAYS:
                        draw, outcome = self.rng.random(), OUTCOME_SHARES[-1][0]
                        for value, chance in OUTCOME_SHARES:
                            if draw < chance:
                                outcome = value
                                break
                            draw -= chance
                    text = COMPLAINT_TEXTS[int(self.rng.random() * len(COMPLAINT_TEXTS))]
                    complaints.append(Complaint(
                        public_id=self.ids(), municipality=self.municipality, citizen_id=citizen, provider_id=provider,
                        text=text, received=received, outcome=outcome,
                        outcome_note="Behandlet af kommunens kvalitetsafdeling." if outcome else "",
                        submitted_by_id=self.caseworker[citizen] or finance.pk,
                        decided_by=finance if outcome else None))
        ProviderRating.objects.bulk_create(ratings, batch_size=2000)
        Complaint.objects.bulk_create(complaints, batch_size=2000)
        self.counts["choices.ProviderRating"] = len(ratings)
        self.counts["choices.Complaint"] = len(complaints)
        return len(ratings) + len(complaints)

    # --- terminations -------------------------------------------------------------------------------

    def _terminations(self, choices: list[_ChoiceRow]) -> int:
        """Some switches away from a provider were the provider's notice. The candidates: an
        ended home-help choice followed by another, not the exited provider's (its clients left
        because it closed)."""
        by_pk = {row.pk: row for row in choices}
        home_help = {pk for pk, s in self.services.items() if self.group_of.get(s.code) in ("practical", "personal")}
        candidates: list[tuple[_ChoiceRow, _ChoiceRow, date]] = []
        for successor in choices:
            if successor.previous is None:
                continue
            previous = by_pk[successor.previous]
            if (self.key_of[previous.provider] in TERMINATION_CHANCE and previous.valid_to is not None
                    and previous.valid_to < self.today and previous.service in home_help
                    and previous.citizen not in self.story):
                candidates.append((previous, successor, previous.valid_to))
        if not candidates:
            return 0
        decisions = dict(Decision.objects.filter(pk__in=[p.decision for p, _s, _d in candidates])
                         .values_list("pk", "assessment_id"))
        scores: dict[int, dict[str, int]] = defaultdict(dict)
        for assessment, area, score in AssessmentScore.objects.filter(
                assessment_id__in={a for a in decisions.values() if a is not None}).values_list(
                "assessment_id", "area_code", "score"):
            scores[assessment][area] = score
        points = {pk: need_points(scores[assessment], "fsiii") if assessment is not None else None
                  for pk, assessment in decisions.items()}
        ranked = sorted(p for p in points.values() if p is not None)
        heavy_from = ranked[min(len(ranked) - 1, math.floor(0.75 * len(ranked)))] if ranked else 0
        terminations: list[ProviderTermination] = []
        taken_over: list[Choice] = []
        finance = self.users["finance"]
        admins = {IN_HOUSE: self.users["inhouse_admin"], LARGEST_PRIVATE: self.users["provider_admin"]}
        for previous, successor, last_day in candidates:
            key = self.key_of[previous.provider]
            need = points[previous.decision]
            heavy = need is not None and need >= heavy_from
            if self.rng.random() >= TERMINATION_CHANCE[key][1 if heavy else 0]:
                continue
            reasons = ([TerminationReason.NEEDS, TerminationReason.SAFETY, TerminationReason.CAPACITY] if heavy
                       else [TerminationReason.CAPACITY, TerminationReason.CONDUCT])
            reason = reasons[int(self.rng.random() * len(reasons))]
            notice_on = last_day - timedelta(days=NOTICE_DAYS - 1)
            assessment = decisions[previous.decision]
            terminations.append(ProviderTermination(
                public_id=self.ids(), municipality=self.municipality, provider_id=previous.provider,
                decision_id=previous.decision, choice_id=previous.pk, reason_code=reason,
                explanation=TERMINATION_TEXTS[reason], notice_days=NOTICE_DAYS, last_day=last_day,
                choose_by=max(notice_on + timedelta(days=CHOOSE_DAYS), last_day),
                need_scale="fsiii", need_scores=dict(scores[assessment]) if assessment is not None else {},
                need_points=need, ended_by=admins.get(key, finance)))
            taken_over.append(Choice(pk=successor.pk, initiated_by=Initiator.PROVIDER,
                                     reason="Den tidligere leverandør opsagde samarbejdet; borgeren valgte ny."))
        ProviderTermination.objects.bulk_create(terminations)
        Choice.objects.bulk_update(taken_over, ["initiated_by", "reason"], batch_size=500)
        self.counts["choices.ProviderTermination"] = len(terminations)
        return len(terminations)

    # --- budgets ----------------------------------------------------------------------------------

    def _budgets(self) -> int:
        """The expected cost of each month: the granted time at the weekday rate (meals at the meal
        price) for the days each decision is in force, with this year's or last year's table."""
        months = _month_starts(self.report.history_start, date(self.today.year, 12, 31))
        first, end = months[0], date(self.today.year + 1, 1, 1)
        expected: dict[date, float] = defaultdict(float)
        decisions = Decision.objects.filter(municipality=self.municipality,
                                            status__in=["granted", "ended", "appealed"], valid_from__lt=end).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=first))
        for service_id, amount, unit, frequency, valid_from, valid_to in decisions.values_list(
                "service_id", "amount", "unit", "frequency", "valid_from", "valid_to").order_by("pk"):
            group = self.group_of.get(self.services[service_id].code)
            per_day = _per_day(Decimal(amount), unit, frequency)
            if group is None or per_day is None:
                continue
            start, stop = max(valid_from, first), min(valid_to or end - timedelta(days=1), end - timedelta(days=1))
            for month in _month_starts(start, stop):
                days = (min(stop + timedelta(days=1), _next_month(month)) - max(start, month)).days
                years_back = 0 if month.year == self.today.year else 1
                price: float
                if group == "meals":
                    price = rules.meal_price_minor(years_back)
                else:
                    price = rules.hourly_rate_minor(group, "day", "private", years_back) / 60
                expected[month] += per_day * days * price
        finance = self.users["finance"]
        budgets = [
            SettlementBudget(municipality=self.municipality, month=month, set_by=finance,
                             amount_minor=round(expected[month] * self.rng.uniform(*BUDGET_FACTOR), -4))
            for month in months if expected[month] > 0
        ]
        SettlementBudget.objects.bulk_create(budgets)
        self.counts["settlements.SettlementBudget"] = len(budgets)
        return len(budgets)

    # --- the competition task list ------------------------------------------------------------------

    def _tasks(self) -> int:
        meal_approved = self.today - timedelta(days=next(p.approved_days_ago for p in PROVIDERS
                                                         if p.key == MEAL_PRIVATE))
        tasks = []
        for spec in TASKS:
            six_months_ago = (self.today - timedelta(days=182)).replace(day=1)
            exposed_on = {"free_choice": FREE_CHOICE_SINCE, "recent": six_months_ago,
                          "tender": meal_approved}.get(spec.exposed or "")
            tasks.append(CompetitionTask(
                public_id=self.ids(), municipality=self.municipality, code=spec.code, name=spec.name,
                exposable=spec.exposable, exposed_on=exposed_on,
                in_house_won_on=exposed_on if spec.in_house_won else None, note=spec.note))
        CompetitionTask.objects.bulk_create(tasks)
        through = CompetitionTask.services.through
        through.objects.bulk_create(
            through(competitiontask_id=task.pk, service_id=service.pk)
            for task, spec in zip(tasks, TASKS, strict=True)
            for service in sorted(self.services.values(), key=lambda s: s.pk)
            if self.group_of.get(service.code) in spec.groups
        )
        self.counts["followup.CompetitionTask"] = len(tasks)
        return len(tasks)


def _per_day(amount: Decimal, unit: str, frequency: str) -> float | None:
    """Minutes (or meals) a day of a grant; None for what the budget does not price."""
    factor = {"minute": 1, "hour": 60, "meal": 1}.get(unit)
    days = {"day": 1.0, "week": 7.0, "month": 365 / 12}.get(frequency)
    if factor is None or days is None:
        return None
    return float(amount) * factor / days


def market_generate(report: DemoReport) -> Stage:
    """Add the follow-up data to the demo municipality of `report`; its counts go into the report."""
    generator = MarketGenerator(report)
    stage = generator.run()
    report.counts.update(generator.counts)
    report.stages.append(stage)
    return stage


def market_delete(municipality: Municipality) -> int:
    """Rows demo_delete cannot find by their municipality: the task list's services."""
    through = CompetitionTask.services.through
    return int(through.objects.filter(competitiontask__municipality=municipality).delete()[0])
