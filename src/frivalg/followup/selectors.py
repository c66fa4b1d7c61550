"""Key figures of the municipality's market for a period. Aggregates only — no citizen, visit or
caregiver is ever returned — computed by the database (COUNT/SUM/GROUP BY); the rules in
followup.rules turn the small grouped tables into figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from frivalg.assessments.models import Decision, DecisionStatus
from frivalg.assessments.rules import TIME_UNITS
from frivalg.catalogue.models import ProviderKind
from frivalg.choices.models import Choice, ChoiceHow
from frivalg.core import roles
from frivalg.core.models import Municipality
from frivalg.core.periods import Period
from frivalg.core.selectors import AnyUser, municipality_of, require
from frivalg.followup import rules
from frivalg.providers.models import Approval, ApprovalStatus
from frivalg.visits.models import Visit, VisitStatus

#: Decisions that granted a service during (part of) a period.
_GRANTED_STATUSES = (DecisionStatus.GRANTED, DecisionStatus.ENDED)
#: Approvals that put a provider on the market during (part of) a period.
_ON_MARKET_STATUSES = (ApprovalStatus.APPROVED, ApprovalStatus.SUSPENDED, ApprovalStatus.TERMINATED)


@dataclass(frozen=True)
class KeyFigures:
    """The market in one municipality over one period. Shares are fractions 0–1 (None when there
    is nothing to divide by); hours are hours; `hhi` is 0–10 000 (followup.rules)."""

    period: Period
    citizens_with_grant: int
    granted_hours: Decimal
    average_granted_hours_per_week: Decimal | None
    delivered_hours: Decimal
    delivered_share: Decimal | None
    providers_approved: int
    providers_with_clients: int
    clients: int
    private_share: Decimal | None
    active_choice_share: Decimal | None
    switches: int
    hhi: Decimal | None

    @property
    def concentration(self) -> str | None:
        return rules.concentration(self.hhi) if self.hhi is not None else None


def _overlapping(period: Period, start: str = "valid_from", end: str = "valid_to") -> Q:
    """Rows valid (from/to inclusive) on some day of the period."""
    last_day = period.end - timedelta(days=1)
    return Q(**{f"{start}__lte": last_day}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": period.start}))


def _decisions(municipality: Municipality, period: Period) -> QuerySet[Decision]:
    return Decision.objects.filter(municipality=municipality, status__in=_GRANTED_STATUSES).filter(_overlapping(period))


def _granted(municipality: Municipality, period: Period) -> tuple[int, int, Decimal]:
    """Citizens with a grant, citizens with a grant of time, hours granted for the period."""
    decisions = _decisions(municipality, period)
    citizens = decisions.aggregate(n=Count("citizen", distinct=True))["n"]
    timed = decisions.filter(unit__in=list(TIME_UNITS))
    timed_citizens = timed.aggregate(n=Count("citizen", distinct=True))["n"]
    groups = timed.order_by().values("valid_from", "valid_to", "unit", "frequency").annotate(amount=Sum("amount"))
    hours = rules.granted_hours(
        (
            rules.GrantGroup(g["valid_from"], g["valid_to"], g["unit"], g["frequency"], Decimal(g["amount"]))
            for g in groups
        ),
        period.start,
        period.end,
    )
    return citizens, timed_citizens, hours


def _delivered_hours(municipality: Municipality, period: Period) -> Decimal:
    """Verified performed time of the visits planned to start in the period (local time)."""
    start, end = period.local_bounds(municipality.time_zone)
    duration = ExpressionWrapper(F("actual_end") - F("actual_start"), output_field=DurationField())
    total = Visit.objects.filter(
        municipality=municipality,
        status=VisitStatus.DONE,
        planned_start__gte=start,
        planned_start__lt=end,
        actual_start__isnull=False,
        actual_end__isnull=False,
    ).aggregate(total=Sum(duration))["total"]
    if not total:
        return Decimal("0.00")
    seconds = Decimal(total.days * 86400 + total.seconds)
    return (seconds / 3600).quantize(rules.HOURS_QUANTUM, rounding=ROUND_HALF_UP)


def key_figures(*, actor: AnyUser, period: Period) -> KeyFigures:
    """Key figures for the actor's municipality (FOLLOWUP_VIEW)."""
    require(actor, roles.FOLLOWUP_VIEW)
    municipality = municipality_of(actor)
    if municipality is None:
        raise PermissionDenied(_("Key figures are for the municipality's staff."))
    citizens, timed_citizens, granted = _granted(municipality, period)
    delivered = _delivered_hours(municipality, period)

    choices = Choice.objects.filter(municipality=municipality, decision__status__in=_GRANTED_STATUSES).filter(
        _overlapping(period)
    )
    by_provider = {
        str(row["provider_id"]): row["clients"]
        for row in choices.order_by().values("provider_id").annotate(clients=Count("decision__citizen", distinct=True))
    }
    clients = choices.aggregate(n=Count("decision__citizen", distinct=True))["n"]
    private_clients = choices.exclude(provider__kind=ProviderKind.IN_HOUSE).aggregate(
        n=Count("decision__citizen", distinct=True)
    )["n"]
    how = choices.aggregate(total=Count("pk"), active=Count("pk", filter=Q(how=ChoiceHow.ACTIVE)))
    switches = choices.filter(previous__isnull=False, valid_from__gte=period.start, valid_from__lt=period.end).count()
    providers_approved = (
        Approval.objects.filter(municipality=municipality, status__in=_ON_MARKET_STATUSES, valid_from__isnull=False)
        .filter(_overlapping(period))
        .aggregate(n=Count("provider", distinct=True))["n"]
    )
    client_shares = rules.shares(by_provider)
    return KeyFigures(
        period=period,
        citizens_with_grant=citizens,
        granted_hours=granted,
        average_granted_hours_per_week=rules.average_weekly_hours(granted, period.days, timed_citizens),
        delivered_hours=delivered,
        delivered_share=rules.ratio(delivered, granted),
        providers_approved=providers_approved,
        providers_with_clients=len(by_provider),
        clients=clients,
        private_share=rules.ratio(private_clients, clients),
        active_choice_share=rules.ratio(how["active"], how["total"]),
        switches=switches,
        hhi=rules.hhi(client_shares) if client_shares else None,
    )
