"""Settlement runs: compute a provider's payment for a period from its verified visits, then
approve and export it. Runs move draft → approved → exported; an approved run's lines are never
changed, and no visit is settled twice (no two settled runs of a provider overlap).

This is the simple per-row computation; every rule it applies lives in settlements.rules and
catalogue.rules so the columnar engine can replace the loop and be checked against it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.catalogue.rules import CROSSING_SPLIT, allocate_minutes, public_holidays
from frivalg.catalogue.selectors import rate_book, time_band_scheme_for
from frivalg.catalogue.services import rates_mark_settled
from frivalg.core import roles
from frivalg.core.models import Municipality, User
from frivalg.core.periods import Period
from frivalg.core.selectors import municipality_of, require
from frivalg.core.services import audit_record
from frivalg.providers.models import Provider
from frivalg.providers.selectors import providers_for
from frivalg.settlements import rules
from frivalg.settlements.models import RunStatus, SettlementLine, SettlementRun
from frivalg.visits.models import Visit

BATCH_SIZE = 2000

_VISIT_COLUMNS = (
    "pk",
    "decision_id",
    "citizen_id",
    "service_id",
    "status",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "cancelled_at",
    "citizen__district__kind",
)


def _staff_municipality(actor: User) -> Municipality:
    municipality = municipality_of(actor)
    if municipality is None:
        raise PermissionDenied(_("Only the municipality's staff can settle providers."))
    return municipality


def _require_own_run(actor: User, run: SettlementRun) -> None:
    if actor.municipality_id != run.municipality_id:
        raise PermissionDenied(_("This belongs to another municipality."))


def _settled_overlapping(run_filter: dict[str, object], period: Period) -> list[SettlementRun]:
    return list(
        SettlementRun.objects.select_for_update()
        .filter(**run_filter, period_start__lt=period.end, period_end__gt=period.start)
        .exclude(status=RunStatus.DRAFT)
    )


def _settled_error(runs: list[SettlementRun]) -> ValidationError:
    settled = ", ".join(str(Period(r.period_start, r.period_end)) for r in runs)
    return ValidationError({"period": _("This provider is already settled for %(periods)s.") % {"periods": settled}})


def _lines(
    run: SettlementRun,
    municipality: Municipality,
    provider: Provider,
    period: Period,
    config: rules.SettlementConfig,
) -> Iterator[SettlementLine]:
    """One line per visit of the provider in the municipality planned to start in the period
    (local time), rate by the provider's kind and the citizen's area (the district kind, else all
    areas) in force on the local day of the planned start. The band follows the planned time by the
    municipality's time-band scheme and its crossing rule (catalogue.rules.allocate_minutes):
    `start` and `majority` price the whole visit in one band; `split` prices the payable minutes
    across the parts' rates in the one line (settlements.rules.split_amount), the line showing the
    first part's band and rate, and pays nothing when any part has no rate."""
    tz = ZoneInfo(municipality.time_zone)
    start, end = period.local_bounds(municipality.time_zone)
    holidays = public_holidays(municipality.country, range(period.start.year, period.end.year + 1))
    scheme = time_band_scheme_for(municipality_id=municipality.pk)
    book = rate_book(
        municipality_id=municipality.pk,
        provider_kind=provider.kind,
        first_day=period.start,
        last_day=period.end - timedelta(days=1),
    )
    visits = (
        Visit.objects.filter(
            municipality=municipality, provider=provider, planned_start__gte=start, planned_start__lt=end
        )
        .order_by("planned_start", "pk")
        .values_list(*_VISIT_COLUMNS)
    )
    for (
        visit_id,
        decision_id,
        citizen_id,
        service_id,
        status,
        planned_start,
        planned_end,
        actual_start,
        actual_end,
        cancelled_at,
        area,
    ) in visits.iterator(chunk_size=BATCH_SIZE):
        local_start: datetime = planned_start.astimezone(tz)
        parts = allocate_minutes(planned_start, planned_end, tz, scheme, holidays, scheme.crossing_rule)
        day = local_start.date()
        rates = [book.lookup(service_id, part_band, day, area) for part_band, _minutes in parts]
        band = parts[0][0]
        priced = [
            rules.PricedPart(rate, minutes)
            for rate, (_part_band, minutes) in zip(rates, parts, strict=True)
            if rate is not None
        ]
        hourly = rates[0] if len(priced) == len(parts) else None
        split = priced if len(parts) > 1 else []
        facts = rules.VisitFacts(
            status=status,
            planned_start=planned_start,
            planned_end=planned_end,
            actual_start=actual_start,
            actual_end=actual_end,
            cancelled_at=cancelled_at,
            time_band=band,
        )
        result = rules.settle_visit(facts, hourly, config, split=split)
        yield SettlementLine(
            run=run,
            visit_id=visit_id,
            decision_id=decision_id,
            citizen_id=citizen_id,
            service_id=service_id,
            time_band=band,
            planned_minutes=result.planned_minutes,
            performed_minutes=result.performed_minutes,
            payable_minutes=result.payable_minutes,
            unit_price_minor=hourly or 0,
            amount_minor=result.amount_minor,
            reason_code=result.reason_code,
        )


def _priced_bands(run: SettlementRun) -> set[tuple[int, str]]:
    """The (service, band) pairs whose rates priced the run's lines: each line's band and, when
    the municipality splits crossing visits, the band of every part of each line's visit."""
    pairs = set(run.lines.order_by().values_list("service_id", "time_band").distinct())
    scheme = time_band_scheme_for(municipality_id=run.municipality_id)
    if scheme.crossing_rule != CROSSING_SPLIT:
        return pairs
    municipality = run.municipality
    tz = ZoneInfo(municipality.time_zone)
    holidays = public_holidays(municipality.country, range(run.period_start.year, run.period_end.year + 1))
    visits = run.lines.filter(visit__isnull=False).values_list(
        "service_id", "visit__planned_start", "visit__planned_end"
    )
    for service_id, planned_start, planned_end in visits.iterator(chunk_size=BATCH_SIZE):
        parts = allocate_minutes(planned_start, planned_end, tz, scheme, holidays, CROSSING_SPLIT)
        pairs.update((service_id, band) for band, _minutes in parts)
    return pairs


@transaction.atomic
def settlement_run_create(
    *, actor: User, provider: Provider, period: Period, config: rules.SettlementConfig | None = None
) -> SettlementRun:
    """Compute a draft run for `provider` in the actor's municipality. A draft for the same
    period is replaced; a period overlapping an approved or exported run is refused."""
    require(actor, roles.SETTLEMENT_RUN)
    municipality = _staff_municipality(actor)
    config = config or rules.DEFAULT_CONFIG
    if period.days < 1:
        raise ValidationError({"period": _("The period must contain at least one day.")})
    if not providers_for(actor=actor).filter(pk=provider.pk).exists():
        raise ValidationError({"provider": _("This provider does not deliver in your municipality.")})
    run_filter: dict[str, object] = {"municipality": municipality, "provider": provider}
    settled = _settled_overlapping(run_filter, period)
    if settled:
        raise _settled_error(settled)
    run = (
        SettlementRun.objects.select_for_update()
        .filter(**run_filter, period_start=period.start, period_end=period.end, status=RunStatus.DRAFT)
        .first()
    )
    replaced = run is not None
    if run is None:
        run = SettlementRun.objects.create(
            municipality=municipality,
            provider=provider,
            period_start=period.start,
            period_end=period.end,
            currency=municipality.currency,
            created_by=actor,
        )
    else:
        run.lines.all().delete()
    total = 0
    count = 0
    batch: list[SettlementLine] = []
    for line in _lines(run, municipality, provider, period, config):
        total += line.amount_minor
        count += 1
        batch.append(line)
        if len(batch) >= BATCH_SIZE:
            SettlementLine.objects.bulk_create(batch)
            batch = []
    SettlementLine.objects.bulk_create(batch)
    run.total_minor = total
    run.line_count = count
    run.created_by = actor
    run.currency = municipality.currency
    run.save()
    audit_record(
        actor=actor,
        municipality_id=municipality.pk,
        action="settlement_run.create",
        obj=run,
        payload={
            "provider": str(provider.public_id),
            "period": [period.start.isoformat(), period.end.isoformat()],
            "lines": count,
            "total_minor": total,
            "replaced_draft": replaced,
            "config": {key: str(value) for key, value in asdict(config).items()},
        },
    )
    return run


@transaction.atomic
def settlement_run_approve(*, actor: User, run: SettlementRun) -> SettlementRun:
    """Approve a draft: from now on its lines are final."""
    require(actor, roles.SETTLEMENT_APPROVE)
    _require_own_run(actor, run)
    run = SettlementRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.DRAFT:
        raise ValidationError({"status": _("Only a draft can be approved.")})
    period = Period(run.period_start, run.period_end)
    settled = _settled_overlapping({"municipality_id": run.municipality_id, "provider_id": run.provider_id}, period)
    if settled:
        raise _settled_error(settled)
    run.status = RunStatus.APPROVED
    run.approved_by = actor
    run.approved_at = timezone.now()
    run.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    rates_mark_settled(
        actor=actor,
        municipality_id=run.municipality_id,
        provider_kind=run.provider.kind,
        service_bands=_priced_bands(run),
        first_day=run.period_start,
        last_day=run.period_end - timedelta(days=1),
    )
    audit_record(
        actor=actor,
        municipality_id=run.municipality_id,
        action="settlement_run.approve",
        obj=run,
        payload={"total_minor": run.total_minor, "lines": run.line_count},
    )
    return run


@transaction.atomic
def settlement_run_export(*, actor: User, run: SettlementRun) -> SettlementRun:
    """Mark an approved run as handed to the payment system."""
    require(actor, roles.SETTLEMENT_APPROVE)
    _require_own_run(actor, run)
    run = SettlementRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.APPROVED:
        raise ValidationError({"status": _("Only an approved run can be exported.")})
    run.status = RunStatus.EXPORTED
    run.exported_at = timezone.now()
    run.save(update_fields=["status", "exported_at", "updated_at"])
    audit_record(
        actor=actor,
        municipality_id=run.municipality_id,
        action="settlement_run.export",
        obj=run,
        payload={"total_minor": run.total_minor, "lines": run.line_count},
    )
    return run
