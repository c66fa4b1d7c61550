"""Reads of choices: the current provider of a decision, its history, the providers a citizen
may choose among, and a provider's clients."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone

from frivalg.assessments.models import Decision, DecisionStatus
from frivalg.assessments.selectors import decisions_for
from frivalg.catalogue.models import Area, Rate, TimeBand
from frivalg.choices import rules
from frivalg.choices.models import (
    Choice,
    ChoiceHow,
    Complaint,
    DefaultRule,
    DefaultRuleSetting,
    ProviderProfile,
    ProviderRating,
    ProviderTermination,
)
from frivalg.core import roles
from frivalg.core.models import Municipality
from frivalg.core.selectors import AnyUser, citizens_represented_by, has_permission, today_for
from frivalg.providers.models import ApprovalStatus, Provider
from frivalg.providers.selectors import provider_ids_of
from frivalg.tenders.selectors import exclusive_provider_ids
from frivalg.visits.models import Visit, VisitStatus


def choices_for(*, actor: AnyUser, decision: Decision) -> QuerySet[Choice]:
    """The whole history of who delivered a decision (the decision must be visible)."""
    if not decisions_for(actor=actor).filter(pk=decision.pk).exists():
        return Choice.objects.none()
    return Choice.objects.filter(decision=decision).select_related("provider", "chosen_by").order_by("valid_from", "id")


def current_choice(*, actor: AnyUser, decision: Decision) -> Choice | None:
    """The provider delivering now, or the one that takes over next if none yet."""
    today = today_for(actor)
    history = choices_for(actor=actor, decision=decision)
    current = history.filter(valid_from__lte=today).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today)).last()
    return current or history.filter(valid_from__gt=today).first()


def open_choice(decision: Decision) -> Choice | None:
    """The open-ended choice of a decision (internal: for services that already authorised)."""
    return Choice.objects.filter(decision=decision, valid_to__isnull=True).select_related("provider").first()


def eligible_providers(decision: Decision) -> QuerySet[Provider]:
    """Providers approved for the decision's service today and serving the citizen's district,
    annotated with `clients` (current clients for that service), `capacity` and `closed_for_new`
    (> 0 when the provider does not accept new clients). Where an exclusive contract from a tender
    without free choice is in force, only its provider. No actor: for services and selectors."""
    today = max(decision.valid_from, timezone.localdate())
    approved = Q(
        approvals__service_id=decision.service_id,
        approvals__status=ApprovalStatus.APPROVED,
        approvals__valid_from__lte=today,
    ) & (Q(approvals__valid_to__isnull=True) | Q(approvals__valid_to__gte=today))
    candidates = Provider.objects.filter(approved, districts=decision.citizen.district_id)
    # A tender without free choice: only the exclusive contract's provider(s) may be chosen.
    exclusive = exclusive_provider_ids(municipality_id=decision.municipality_id, service_id=decision.service_id,
                                       district_id=decision.citizen.district_id, on=today)
    if exclusive:
        candidates = candidates.filter(pk__in=exclusive)
    return (
        candidates
        .annotate(
            clients=Count(
                "choices",
                filter=Q(choices__valid_to__isnull=True, choices__decision__service_id=decision.service_id),
                distinct=True,
            ),
            capacity=Max("approvals__capacity", filter=Q(approvals__service_id=decision.service_id)),
            closed_for_new=Count(
                "approvals",
                filter=Q(approvals__service_id=decision.service_id, approvals__accepting_new_clients=False),
                distinct=True,
            ),
        )
        .distinct()
        .order_by("name")
    )


def providers_to_choose_from(*, actor: AnyUser, decision: Decision) -> QuerySet[Provider]:
    """What the citizen (or their relative, or the assessor) compares and chooses among."""
    if not decisions_for(actor=actor).filter(pk=decision.pk).exists():
        return Provider.objects.none()
    if not (has_permission(actor, roles.CHOICE_MAKE_OWN) or has_permission(actor, roles.CHOICE_MAKE_MUNICIPALITY)):
        return Provider.objects.none()
    return eligible_providers(decision)


def clients_for(*, actor: AnyUser) -> QuerySet[Choice]:
    """A provider's current clients: the open choices of the actor's provider(s)."""
    if not has_permission(actor, roles.PROVIDER_VIEW_CLIENTS):
        return Choice.objects.none()
    return (
        Choice.objects.filter(provider_id__in=provider_ids_of(actor), valid_to__isnull=True)
        .select_related("decision__citizen__district", "decision__service", "provider")
        .order_by("decision__citizen__last_name", "decision__citizen__first_name")
    )


# --- the municipality's settings -----------------------------------------------------------


def default_rule_setting_of(municipality: Municipality | int) -> DefaultRuleSetting:
    """The municipality's setting, or an unsaved one with the defaults."""
    municipality_id = municipality if isinstance(municipality, int) else municipality.pk
    found = DefaultRuleSetting.objects.filter(municipality_id=municipality_id).first()
    return found or DefaultRuleSetting(municipality_id=municipality_id, rule=DefaultRule.ROTATION)


def may_manage_default_rule(actor: AnyUser) -> bool:
    """The purchaser manager (PROVIDER_MANAGE) edits the default rule and the notice."""
    return has_permission(actor, roles.PROVIDER_MANAGE)


def _municipality_id(actor: AnyUser) -> int:
    """The staff member's municipality (0: none, which matches no row)."""
    return getattr(actor, "municipality_id", None) or 0


def may_follow_choices(actor: AnyUser) -> bool:
    """Staff who record choices or manage the market see who awaits a choice, default
    assignments and complaints of the whole municipality."""
    if has_permission(actor, roles.CHOICE_MAKE_MUNICIPALITY):
        return True
    return has_permission(actor, roles.PROVIDER_MANAGE)


# --- the comparison ----------------------------------------------------------------------


@dataclass
class ProviderComparison:
    """What a citizen compares about one provider (the same for every provider, in-house too)."""

    provider: Provider
    specialities: list[str]
    clients: int
    capacity: int | None
    accepting_new_clients: bool
    places_left: int | None  # None: no stated limit
    price_minor: int | None
    price_unit: str
    continuity: Decimal | None
    continuity_citizens: int
    punctuality: Decimal | None
    punctuality_visits: int
    satisfaction: rules.Satisfaction
    complaints: int
    complaints_per_100: Decimal | None
    is_current: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def has_places(self) -> bool:
        return self.accepting_new_clients and (self.places_left is None or self.places_left > 0)


@dataclass
class Comparison:
    decision: Decision
    rows: list[ProviderComparison]
    prices_differ: bool
    sort: str
    window_start: date
    window_end: date


def _places_left(provider: Provider) -> int | None:
    closed: int = getattr(provider, "closed_for_new")  # noqa: B009
    capacity: int | None = getattr(provider, "capacity")  # noqa: B009
    clients: int = getattr(provider, "clients")  # noqa: B009
    if closed:
        return 0
    if capacity is None:
        return None
    return max(capacity - clients, 0)


def _prices(decision: Decision, kinds: set[str], day: date) -> tuple[dict[str, int | None], str]:
    """The weekday-daytime price per unit for each provider kind, valid on `day`."""
    rates = (
        Rate.objects.filter(service_id=decision.service_id, time_band=TimeBand.DAY, provider_kind__in=kinds,
                            area__in=[Area.ALL, decision.citizen.district.kind], valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("provider_kind", "-valid_from")
    )
    prices: dict[str, int | None] = dict.fromkeys(kinds)
    unit = ""
    for rate in rates:
        if prices.get(rate.provider_kind) is None:
            prices[rate.provider_kind] = rate.amount_minor
            unit = rate.get_unit_display()
    return prices, unit


def quality_figures(
    *, municipality: Municipality, provider_ids: list[int], today: date
) -> dict[int, dict[str, object]]:
    """Continuity, punctuality, satisfaction and complaints for the providers in the municipality,
    each with one aggregate query over all the providers (never a loop over visits)."""
    tz = ZoneInfo(municipality.time_zone)
    start_14 = datetime.combine(today - timedelta(days=rules.CONTINUITY_DAYS), time.min, tz)
    end = datetime.combine(today, time.min, tz)
    done = Visit.objects.filter(municipality=municipality, provider_id__in=provider_ids, status=VisitStatus.DONE,
                                planned_start__gte=start_14, planned_start__lt=end)
    low, high = rules.CONTINUITY_HOURS
    per_citizen = (
        done.annotate(hour=ExtractHour("planned_start", tzinfo=tz))
        .filter(hour__gte=low, hour__lt=high)
        .values("provider_id", "citizen_id")
        .annotate(visits=Count("id"), days=Count(TruncDate("planned_start", tzinfo=tz), distinct=True),
                  caregivers=Count("caregiver_id", distinct=True))
    )
    citizens: dict[int, list[rules.CitizenVisits]] = defaultdict(list)
    for row in per_citizen:
        citizens[row["provider_id"]].append(
            rules.CitizenVisits(visits=row["visits"], days_with_visits=row["days"], caregivers=row["caregivers"]))
    margin = timedelta(minutes=rules.PUNCTUAL_WITHIN_MINUTES)
    punctual = {
        row["provider_id"]: row
        for row in done.filter(actual_start__isnull=False).values("provider_id").annotate(
            total=Count("id"),
            on_time=Count("id", filter=Q(actual_start__gte=F("planned_start") - margin,
                                         actual_start__lte=F("planned_start") + margin)),
        )
    }
    year_ago = today - timedelta(days=365)
    first_quarter = rules.quarter_of(year_ago)
    ratings = {
        row["provider_id"]: row
        for row in ProviderRating.objects.filter(municipality=municipality, provider_id__in=provider_ids,
                                                 quarter__gte=first_quarter)
        .values("provider_id")
        .annotate(answers=Count("id"),
                  points=Sum(F("respect") + F("on_time") + F("same_people") + F("overall")))
    }
    complaints = dict(
        Complaint.objects.filter(municipality=municipality, provider_id__in=provider_ids, received__gt=year_ago)
        .values("provider_id").annotate(n=Count("id")).values_list("provider_id", "n")
    )
    clients = dict(
        Choice.objects.filter(municipality=municipality, provider_id__in=provider_ids, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=year_ago))
        .values("provider_id").annotate(n=Count("decision__citizen_id", distinct=True))
        .values_list("provider_id", "n")
    )
    figures: dict[int, dict[str, object]] = {}
    for pid in provider_ids:
        p = punctual.get(pid, {"total": 0, "on_time": 0})
        r = ratings.get(pid, {"answers": 0, "points": 0})
        counted = [c for c in citizens.get(pid, []) if c.days_with_visits and c.visits >= 2 * c.days_with_visits]
        figures[pid] = {
            "continuity": rules.continuity(citizens.get(pid, [])),
            "continuity_citizens": len(counted),
            "punctuality": rules.share_percent(p["on_time"], p["total"]),
            "punctuality_visits": p["total"],
            "satisfaction": rules.satisfaction(r["points"] or 0, r["answers"], len(ProviderRating.QUESTIONS)),
            "complaints": complaints.get(pid, 0),
            "complaints_per_100": rules.per_hundred(complaints.get(pid, 0), clients.get(pid, 0)),
        }
    return figures


def _sort_key(sort: str):  # type: ignore[no-untyped-def]
    big = Decimal(10**9)

    def key(row: ProviderComparison) -> tuple[object, ...]:
        name = row.provider.name.lower()
        if sort == "price":
            return (row.price_minor if row.price_minor is not None else 10**12, name)
        if sort == "continuity":  # fewer different caregivers first
            return (row.continuity if row.continuity is not None else big, name)
        if sort == "punctuality":
            return (-(row.punctuality if row.punctuality is not None else Decimal(-1)), name)
        if sort == "satisfaction":
            return (-(row.satisfaction.mean if row.satisfaction.mean is not None else Decimal(-1)), name)
        if sort == "complaints":
            return (row.complaints_per_100 if row.complaints_per_100 is not None else big, name)
        if sort == "places":
            return (not row.has_places, -(row.places_left if row.places_left is not None else 10**9), name)
        return (name,)

    return key


def comparison_for(*, actor: AnyUser, decision: Decision, sort: str = "name") -> Comparison:
    """The providers the citizen may choose for the decision, with what they offer, their places,
    price (where prices differ) and quality figures computed from the data."""
    providers = list(providers_to_choose_from(actor=actor, decision=decision))
    today = today_for(actor)
    prices, unit = _prices(decision, {p.kind for p in providers}, today)
    profiles = dict(ProviderProfile.objects.filter(provider__in=providers).values_list("provider_id", "specialities"))
    figures = quality_figures(municipality=decision.municipality, provider_ids=[p.pk for p in providers], today=today)
    current = open_choice(decision)
    rows = []
    for provider in providers:
        places = _places_left(provider)
        rows.append(ProviderComparison(
            provider=provider,
            specialities=list(profiles.get(provider.pk) or []),
            clients=getattr(provider, "clients"),  # noqa: B009
            capacity=getattr(provider, "capacity"),  # noqa: B009
            accepting_new_clients=not getattr(provider, "closed_for_new"),  # noqa: B009
            places_left=places,
            price_minor=prices.get(provider.kind),
            price_unit=unit,
            is_current=current is not None and current.provider_id == provider.pk,
            **figures[provider.pk],  # type: ignore[arg-type]
        ))
    sort = sort if sort in rules.SORT_KEYS else "name"
    rows.sort(key=_sort_key(sort))
    return Comparison(decision=decision, rows=rows, prices_differ=rules.prices_differ(prices), sort=sort,
                      window_start=today - timedelta(days=rules.CONTINUITY_DAYS), window_end=today)


# --- the purchaser's lists ---------------------------------------------------------------


def decisions_awaiting_choice_for(*, actor: AnyUser) -> QuerySet[Decision]:
    """Granted decisions of the actor's municipality with no open choice, earliest deadline first."""
    if not may_follow_choices(actor):
        return Decision.objects.none()
    today = today_for(actor)
    return (
        decisions_for(actor=actor)
        .filter(status=DecisionStatus.GRANTED)
        .exclude(pk__in=Choice.objects.filter(valid_to__isnull=True).values("decision_id"))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("citizen", "service")
        .order_by(F("choice_deadline").asc(nulls_last=True), "valid_from", "id")
    )


def choose_by_of(decision: Decision) -> date | None:
    """The day the citizen must choose by: after a provider ended the help, the termination's
    date; otherwise the decision's choice deadline."""
    termination = (
        ProviderTermination.objects.filter(decision=decision).order_by("-created_at", "-id").first()
    )
    if termination is None:
        return decision.choice_deadline
    if decision.choice_deadline is None or termination.choose_by > decision.choice_deadline:
        return termination.choose_by
    return decision.choice_deadline


def decisions_due_for_default(*, municipality: Municipality, today: date) -> list[Decision]:
    """Granted, running decisions with no provider now or later whose choice deadline (or the
    deadline after a provider ended the help) has passed. Internal: for the default-rule job."""
    candidates = (
        Decision.objects.filter(municipality=municipality, status=DecisionStatus.GRANTED)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .exclude(pk__in=Choice.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today)).values("decision_id"))
        .select_related("citizen__district", "service", "municipality")
        .order_by("choice_deadline", "id")
    )
    due = []
    for decision in candidates:
        deadline = choose_by_of(decision)
        if deadline is not None and deadline < today:
            due.append(decision)
    return due


def default_assignments_for(*, actor: AnyUser) -> QuerySet[Choice]:
    if not may_follow_choices(actor):
        return Choice.objects.none()
    return (
        Choice.objects.filter(municipality_id=_municipality_id(actor), how=ChoiceHow.DEFAULT)
        .select_related("decision__citizen", "decision__service", "provider")
        .order_by("-created_at", "-id")
    )


def complaints_for(*, actor: AnyUser) -> QuerySet[Complaint]:
    """Staff: the municipality's complaints. Citizens and relatives: their own."""
    base = Complaint.objects.select_related("citizen", "provider").order_by("-received", "-id")
    if may_follow_choices(actor):
        return base.filter(municipality_id=_municipality_id(actor))
    if has_permission(actor, roles.CITIZEN_VIEW_OWN):
        return base.filter(citizen__in=citizens_represented_by(actor))
    return Complaint.objects.none()


def terminations_for(*, actor: AnyUser) -> QuerySet[ProviderTermination]:
    """Provider admins: their own provider's; purchaser staff: the municipality's."""
    base = ProviderTermination.objects.select_related("decision__citizen", "decision__service", "provider")
    if may_follow_choices(actor):
        return base.filter(municipality_id=_municipality_id(actor))
    if has_permission(actor, roles.PROVIDER_VIEW_CLIENTS):
        return base.filter(provider_id__in=provider_ids_of(actor))
    return ProviderTermination.objects.none()


def client_choice_get(*, actor: AnyUser, public_id: UUID | str) -> Choice:
    """One of the actor's provider's current clients (Choice.DoesNotExist otherwise)."""
    return clients_for(actor=actor).get(public_id=public_id)


def current_providers_of(*, actor: AnyUser) -> QuerySet[Choice]:
    """The choices delivering today to the citizens the actor represents (for ratings and
    complaints): a citizen rates or complains about a provider they have."""
    today = today_for(actor)
    return (
        Choice.objects.filter(decision__citizen__in=citizens_represented_by(actor), valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today - timedelta(days=90)))
        .select_related("provider", "decision__citizen", "decision__service")
        .order_by("decision__citizen_id", "provider__name")
    )
