"""The delivery figures of a whole municipality that the reassessment rules read: each an
aggregate computed in SQL (GROUP BY through the ORM's values/annotate), one query per kind,
never a loop over visits. Unscoped system reads: only the services call them, after their
own authorization."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncDate, TruncMonth

from frivalg.assessments.models import Assessment, Decision, DecisionStatus
from frivalg.assessments.rules import TIME_UNITS, monthly_minutes
from frivalg.catalogue.models import CareLevel
from frivalg.core.models import Municipality
from frivalg.reassessments import rules
from frivalg.reassessments.models import Flag
from frivalg.visits.models import Absence, AbsenceKind, Visit, VisitStatus

_DECIDED = (DecisionStatus.GRANTED, DecisionStatus.ENDED)


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def latest_assessments(municipality_id: int) -> QuerySet[Assessment]:
    """Each citizen's most recent assessment in the municipality."""
    latest = (Assessment.objects.filter(citizen_id=OuterRef("citizen_id"))
              .order_by("-assessed_on", "-id").values("id")[:1])
    return Assessment.objects.filter(municipality_id=municipality_id, pk=Subquery(latest))


def granted_month_minutes(amount: Decimal, unit: str, frequency: str, valid_from: date, valid_to: date | None) -> int:
    """A decision's granted minutes per month, counted as the settlement counts them
    (settlements.snapshot: assessments.rules.monthly_minutes, whole minutes rounded down)."""
    period_days = (valid_to - valid_from).days + 1 if valid_to else None
    try:
        minutes = monthly_minutes(Decimal(amount), unit, frequency, period_days)
    except ValueError:
        return 0
    return int(minutes)


@dataclass(frozen=True)
class DecisionMonths:
    decision_id: int
    citizen_id: int
    months: tuple[rules.MonthFigures, ...]


def month_figures(municipality: Municipality, months: list[date]) -> list[DecisionMonths]:
    """Granted vs performed minutes per decision and calendar month for the decisions of time
    valid through all of `months` (consecutive first days of months, oldest first). Performed
    minutes are done visits' checked-in time, by the month they started in local time."""
    zone = ZoneInfo(municipality.time_zone)
    first, last_day = months[0], rules.add_months(months[-1], 1) - timedelta(days=1)
    decisions = {
        row["pk"]: row for row in Decision.objects.filter(
            municipality=municipality, status__in=_DECIDED, unit__in=list(TIME_UNITS), valid_from__lte=first,
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=last_day))
        .values("pk", "citizen_id", "amount", "unit", "frequency", "valid_from", "valid_to")
    }
    performed: dict[tuple[int, date], int] = {}
    rows = (
        Visit.objects.filter(
            municipality=municipality, status=VisitStatus.DONE, decision_id__in=list(decisions),
            actual_start__gte=_start_of(first, zone), actual_start__lt=_start_of(last_day + timedelta(days=1), zone),
        )
        .annotate(month=TruncMonth("actual_start", tzinfo=zone))
        .values("decision_id", "month")
        .annotate(spent=Sum(ExpressionWrapper(F("actual_end") - F("actual_start"), output_field=DurationField())))
        .order_by()
    )
    for row in rows:
        month = row["month"].astimezone(zone).date().replace(day=1)
        performed[row["decision_id"], month] = int(row["spent"].total_seconds() // 60)
    result = []
    for pk, decision in decisions.items():
        granted = granted_month_minutes(decision["amount"], decision["unit"], decision["frequency"],
                                        decision["valid_from"], decision["valid_to"])
        if granted <= 0:
            continue
        figures = tuple(rules.MonthFigures(month, granted, performed.get((pk, month), 0)) for month in months)
        result.append(DecisionMonths(pk, decision["citizen_id"], figures))
    return result


def missed_visit_days(municipality: Municipality, since: date, until: date) -> dict[int, dict[date, int]]:
    """Missed visits per citizen and local day of the planned start, `since`..`until` inclusive."""
    zone = ZoneInfo(municipality.time_zone)
    rows = (
        Visit.objects.filter(
            municipality=municipality, status=VisitStatus.MISSED,
            planned_start__gte=_start_of(since, zone), planned_start__lt=_start_of(until + timedelta(days=1), zone),
        )
        .annotate(day=TruncDate("planned_start", tzinfo=zone))
        .values("citizen_id", "day")
        .annotate(missed=Count("pk"))
        .order_by()
    )
    days: dict[int, dict[date, int]] = defaultdict(dict)
    for row in rows:
        days[row["citizen_id"]][row["day"]] = row["missed"]
    return dict(days)


def last_flagged(municipality: Municipality, kinds: list[str], by: str) -> dict[int, date]:
    """The latest period_to of any flag of `kinds` per citizen_id or decision_id (`by`)."""
    rows = (Flag.objects.filter(municipality=municipality, kind__in=kinds, **{f"{by}__isnull": False})
            .values(by).annotate(until=Max("period_to")).order_by())
    return {row[by]: row["until"] for row in rows}


@dataclass(frozen=True)
class HospitalStay:
    citizen_id: int
    public_id: UUID
    start: date
    end: date | None


def hospital_stays_started(municipality: Municipality, since: date, until: date) -> list[HospitalStay]:
    rows = (Absence.objects.filter(municipality=municipality, kind=AbsenceKind.HOSPITAL, start__gte=since,
                                   start__lte=until)
            .values_list("citizen_id", "public_id", "start", "end").order_by("start", "pk"))
    return [HospitalStay(*row) for row in rows]


def due_events(municipality: Municipality, today: date) -> dict[int, list[rules.Event]]:
    """Per citizen, the events that may bring a reassessment forward (rules.Event)."""
    events: dict[int, list[rules.Event]] = defaultdict(list)
    rehabilitation = Decision.objects.filter(
        municipality=municipality, status__in=_DECIDED, service__care_level=CareLevel.REHABILITATION,
        valid_to__isnull=False,
    ).values_list("citizen_id", "valid_to")
    for citizen_id, valid_to in rehabilitation:
        assert valid_to is not None
        events[citizen_id].append(rules.Event(rules.EVENT_REHABILITATION_ENDED, valid_to))
    stays = Absence.objects.filter(
        municipality=municipality, kind=AbsenceKind.HOSPITAL, end__isnull=False,
    ).values_list("citizen_id", "start", "end")
    for citizen_id, start, end in stays:
        assert end is not None
        events[citizen_id].append(rules.Event(rules.EVENT_HOSPITAL_STAY, end, days=rules.stay_days(start, end)))
    high_care = (
        Decision.objects.filter(municipality=municipality, status=DecisionStatus.GRANTED)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .values("citizen_id").annotate(level=Max("service__care_level"), since=Min("valid_from")).order_by()
    )
    for row in high_care:
        events[row["citizen_id"]].append(rules.Event(rules.EVENT_HIGH_CARE, row["since"], level=row["level"]))
    return dict(events)

