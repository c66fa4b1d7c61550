"""Settlement runs: compute a provider's payment for a period from its verified visits, then
approve and export it. Runs move draft → approved → exported; an approved run's lines are never
changed, and no visit is settled twice (no two settled runs of a provider overlap).

This is the simple per-row computation; every rule it applies lives in settlements.rules and
catalogue.rules so the columnar engine can replace the loop and be checked against it."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.catalogue.models import Service, TimeBand
from frivalg.catalogue.rules import CROSSING_SPLIT, allocate_minutes, public_holidays
from frivalg.catalogue.selectors import rate_book, time_band_scheme_for
from frivalg.catalogue.services import rates_mark_settled
from frivalg.core import roles
from frivalg.core.models import Municipality, User
from frivalg.core.periods import Period
from frivalg.core.selectors import municipality_of, require
from frivalg.core.services import audit_record
from frivalg.meals.selectors import meal_service_q, meal_shares_of_month
from frivalg.pricing.models import AfterCalculation, AfterCalculationLine
from frivalg.providers.models import Provider
from frivalg.providers.selectors import providers_for
from frivalg.settlements import engine, rules
from frivalg.settlements.models import (
    BatchStatus,
    BatchStep,
    CoPaymentBill,
    LineOverride,
    OverrideAction,
    ReasonCode,
    RunKind,
    RunStatus,
    SettlementBatch,
    SettlementBudget,
    SettlementLine,
    SettlementPolicy,
    SettlementRun,
)
from frivalg.settlements.policy import Policy, PolicyError, parse_policy
from frivalg.settlements.snapshot import content_hash, lines_hash, take_snapshot
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
    if run.kind == RunKind.REGULAR:  # a correction is approved on top of the approved run it corrects
        settled = _settled_overlapping({"municipality_id": run.municipality_id, "provider_id": run.provider_id,
                                        "kind": RunKind.REGULAR}, period)
        if settled:
            raise _settled_error(settled)
    run.status = RunStatus.APPROVED
    run.approved_by = actor
    run.approved_at = timezone.now()
    run.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    if run.after_calculation_id is None:  # an after-calculation is priced by sheets, not rates
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


# ---------------------------------------------------------------------------------------------
# The columnar engine: a whole month for every provider at once


@dataclass(frozen=True)
class MonthResult:
    """What computing a month gave: the runs written (drafts and corrections), the bills, and the
    hashes that make it reproducible."""

    runs: tuple[SettlementRun, ...]
    bills: int
    lines: int
    deviations: int
    total_minor: int
    input_hash: str
    output_hash: str


def _line_key(visit_id: int | None, decision_id: int | None) -> tuple[str, int | None]:
    return ("visit", visit_id) if visit_id is not None else ("capitation", decision_id)


def _engine_line(run: SettlementRun, row: dict[str, Any], *, amount: int | None = None,
                 corrects: SettlementLine | None = None) -> SettlementLine:
    return SettlementLine(
        run=run, visit_id=row["visit_id"], decision_id=row["decision_id"], citizen_id=row["citizen_id"],
        service_id=row["service_id"], time_band=row["time_band"], planned_minutes=row["planned_minutes"],
        performed_minutes=row["performed_minutes"], payable_minutes=row["payable_minutes"],
        quantity=row["quantity"], unit_price_minor=row["unit_price_minor"],
        amount_minor=row["amount_minor"] if amount is None else amount,
        reason_code=row["reason_code"] if corrects is None else "correction",
        reasons=row["reasons"][:200], deviation=row["deviation"], corrects=corrects,
    )


def _store_run(run: SettlementRun, lines: list[SettlementLine]) -> None:
    run.lines.all().delete()
    SettlementLine.objects.bulk_create(lines, batch_size=BATCH_SIZE)
    run.total_minor = sum(line.amount_minor for line in lines)
    run.line_count = len(lines)
    run.deviation_count = sum(1 for line in lines if line.deviation)
    run.save()


def _corrections(approved: SettlementRun, rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], int,
                                                                                    SettlementLine | None]]:
    """What changed since an approved run: (row, amount to pay now, the line it corrects). A new
    visit pays its amount; a changed one the difference; one that disappeared is paid back."""
    earlier: dict[tuple[str, int | None], SettlementLine] = {}
    for line in SettlementLine.objects.filter(run__in=[approved, *approved.corrections.filter(
            status__in=[RunStatus.APPROVED, RunStatus.EXPORTED])]).order_by("pk"):
        key = _line_key(line.visit_id, line.decision_id)
        if key in earlier:  # an approved correction: the amount paid so far is the sum
            first = earlier[key]
            first.amount_minor += line.amount_minor
        else:
            earlier[key] = line
    changes: list[tuple[dict[str, Any], int, SettlementLine | None]] = []
    seen = set()
    for row in rows:
        key = _line_key(row["visit_id"], row["decision_id"])
        seen.add(key)
        old = earlier.get(key)
        paid = old.amount_minor if old is not None else 0
        if old is None or row["amount_minor"] != paid:
            changes.append((row, row["amount_minor"] - paid, old))
    for key, old in earlier.items():
        if key not in seen and old.amount_minor:
            row = {"visit_id": old.visit_id, "decision_id": old.decision_id, "citizen_id": old.citizen_id,
                   "service_id": old.service_id, "time_band": old.time_band, "planned_minutes": 0,
                   "performed_minutes": 0, "payable_minutes": 0, "quantity": 0, "unit_price_minor": 0,
                   "amount_minor": 0, "reason_code": "correction", "reasons": "correction", "deviation": False}
            changes.append((row, -old.amount_minor, old))
    return changes


def _meal_fee_codes(municipality: Municipality, policy: Policy) -> list[str]:
    """The meal services' codes the policy puts a per-unit co-payment fee on. The citizen's share
    of the meals is billed from the meal orders' lines (`meals_minor`); a per-unit fee on the
    meal service would bill each delivered meal a second time, so the policy must not carry one."""
    codes = set(Service.objects.filter(meal_service_q(), municipality=municipality).values_list("code", flat=True))
    return sorted(codes & set(policy.co_payment.per_unit_minor))


def _meal_fee_error(codes: list[str]) -> str:
    return _("The citizens' share of the meals is billed from their meal orders: remove the per-unit "
             "co-payment fee for %(codes)s from the settlement policy, or each meal is billed twice.") % {
        "codes": ", ".join(codes)}


def _bills_with_meals(bills: list[dict[str, Any]], meals: list[tuple[int, int, int]]) -> list[dict[str, Any]]:
    """The engine's bills plus each citizen's meals, by citizen: the meals are added after the
    cap (see CoPaymentBill), and a citizen with meals but no care fee gets a bill of the meals."""
    by_citizen = {bill["citizen_id"]: {**bill, "meals_count": 0, "meals_minor": 0} for bill in bills}
    for citizen_id, count, amount in meals:
        bill = by_citizen.setdefault(citizen_id, {"citizen_id": citizen_id, "minutes": 0, "units": 0, "fee_minor": 0,
                                                  "cap_minor": None, "amount_minor": 0})
        bill["meals_count"], bill["meals_minor"] = count, amount
        bill["amount_minor"] += amount
    return [by_citizen[citizen_id] for citizen_id in sorted(by_citizen)]


def settlement_month_compute(
    *, actor: User, period: Period, progress: Callable[[str], None] | None = None
) -> MonthResult:
    """Settle a calendar month for every provider in the actor's municipality with the columnar
    engine: snapshot → lines → one draft run per provider (replacing its earlier draft), or, for a
    provider whose run is already approved, a correction run of what changed, referencing the
    approved lines; and the citizens' co-payment bills. Deviations are lines that pay 0 with
    their reason, never dropped. The same input gives the same output hash."""
    require(actor, roles.SETTLEMENT_RUN)
    municipality = _staff_municipality(actor)
    if period.start.day != 1 or period.end != Period.month(period.start.year, period.start.month).end:
        raise ValidationError({"period": _("The engine settles one calendar month at a time.")})
    step = progress or (lambda _label: None)
    step("snapshot")
    snapshot, policy_record = take_snapshot(municipality, period)
    if codes := _meal_fee_codes(municipality, snapshot.params.policy):
        raise ValidationError({"period": _meal_fee_error(codes)})
    meals = meal_shares_of_month(municipality_id=municipality.pk, start=period.start, end=period.end)
    # The meal shares are input to the bills: they are in the hash (a month without meals keeps
    # the hash it had before meals were billed).
    input_hash = content_hash(snapshot, (policy_record, meals) if meals else policy_record)
    step("engine")
    lines, engine_bills = engine.run(snapshot)
    bills = _bills_with_meals(engine_bills.to_pylist(), meals)
    output_hash = lines_hash(lines)
    step("store")
    by_provider: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in lines.to_pylist():
        by_provider[row["provider_id"]].append(row)
    runs: list[SettlementRun] = []
    with transaction.atomic():
        # One month's computation at a time per municipality (concurrent runs queue here).
        Municipality.objects.select_for_update().filter(pk=municipality.pk).values_list("pk", flat=True).first()
        providers = {p.pk: p for p in Provider.objects.filter(pk__in=list(by_provider))}
        for provider_id in sorted(by_provider):
            rows = by_provider[provider_id]
            regular = (SettlementRun.objects.select_for_update()
                       .filter(municipality=municipality, provider_id=provider_id, period_start=period.start,
                               period_end=period.end, kind=RunKind.REGULAR).first())
            common = {"engine_version": engine.ENGINE_VERSION, "input_hash": input_hash,
                      "output_hash": output_hash, "policy": policy_record, "created_by": actor,
                      "currency": municipality.currency}
            if regular is not None and regular.status != RunStatus.DRAFT:
                changes = _corrections(regular, rows)
                draft = regular.corrections.filter(status=RunStatus.DRAFT).first()
                if not changes:
                    if draft is not None:
                        draft.lines.all().delete()
                        draft.delete()
                    continue
                if draft is None:
                    draft = SettlementRun(municipality=municipality, provider=providers[provider_id],
                                          period_start=period.start, period_end=period.end,
                                          kind=RunKind.CORRECTION, corrects=regular)
                for key, value in common.items():
                    setattr(draft, key, value)
                draft.save()
                _store_run(draft, [_engine_line(draft, row, amount=amount, corrects=old)
                                   for row, amount, old in changes])
                runs.append(draft)
                continue
            if regular is None:
                regular = SettlementRun(municipality=municipality, provider=providers[provider_id],
                                        period_start=period.start, period_end=period.end)
            for key, value in common.items():
                setattr(regular, key, value)
            regular.save()
            _store_run(regular, [_engine_line(regular, row) for row in rows])
            runs.append(regular)
        CoPaymentBill.objects.filter(municipality=municipality, period_start=period.start,
                                     period_end=period.end).delete()
        CoPaymentBill.objects.bulk_create([
            CoPaymentBill(municipality=municipality, citizen_id=bill["citizen_id"], period_start=period.start,
                          period_end=period.end, currency=municipality.currency, minutes=bill["minutes"],
                          units=bill["units"], fee_minor=bill["fee_minor"], cap_minor=bill["cap_minor"],
                          meals_count=bill["meals_count"], meals_minor=bill["meals_minor"],
                          amount_minor=bill["amount_minor"], input_hash=input_hash)
            for bill in bills
        ], batch_size=BATCH_SIZE)
        total = sum(lines.column("amount_minor").to_pylist())
        deviations = sum(1 for d in lines.column("deviation").to_pylist() if d)
        audit_record(
            actor=actor, municipality_id=municipality.pk, action="settlement_month.compute",
            object_type="settlement_month", object_id=period.start.isoformat()[:7],
            payload={"period": [period.start.isoformat(), period.end.isoformat()], "lines": lines.num_rows,
                     "deviations": deviations, "total_minor": total, "bills": len(bills),
                     "meals_minor": sum(amount for _citizen, _count, amount in meals),
                     "runs": [str(run.public_id) for run in runs], "input_hash": input_hash,
                     "output_hash": output_hash, "engine_version": engine.ENGINE_VERSION,
                     "policy_from": policy_record["valid_from"]},
        )
    step("done")
    return MonthResult(tuple(runs), len(bills), lines.num_rows, deviations, total, input_hash, output_hash)


@transaction.atomic
def settlement_policy_set(*, actor: User, valid_from: date, document: dict[str, Any]) -> SettlementPolicy:
    """Store the municipality's settlement rules from a date (validated; every problem named by
    its path). A version an approved run used is never replaced: give a later date."""
    require(actor, roles.RATE_MANAGE)
    municipality = _staff_municipality(actor)
    try:
        parsed = parse_policy(document)
    except PolicyError as error:
        raise ValidationError({"document": [f"{path}: {message}" for path, message in error.problems]}) from error
    if codes := _meal_fee_codes(municipality, parsed):
        raise ValidationError({"document": [_meal_fee_error(codes)]})
    used = SettlementRun.objects.filter(municipality=municipality, status__in=[RunStatus.APPROVED,
                                                                                RunStatus.EXPORTED],
                                        period_end__gt=valid_from).exists()
    if used:
        raise ValidationError({"valid_from": _("An approved settlement covers this date: the new rules must start "
                                               "after the last approved period.")})
    policy, created = SettlementPolicy.objects.update_or_create(
        municipality=municipality, valid_from=valid_from, defaults={"document": document, "created_by": actor})
    audit_record(actor=actor, municipality_id=municipality.pk, action="settlement_policy.set", obj=policy,
                 payload={"valid_from": valid_from.isoformat(), "created": created, "document": document})
    return policy


@transaction.atomic
def line_override_set(*, actor: User, visit: Visit, action: str, reason: str) -> LineOverride:
    """Finance accepts or rejects a visit's payment; the decision survives every recomputation
    (the engine reads it with the snapshot)."""
    require(actor, roles.SETTLEMENT_APPROVE)
    municipality = _staff_municipality(actor)
    if visit.municipality_id != municipality.pk:
        raise PermissionDenied(_("This visit belongs to another municipality."))
    if action not in OverrideAction.values:
        raise ValidationError({"action": _("Choose accept or reject.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the decision.")})
    override, _created = LineOverride.objects.update_or_create(
        visit=visit, defaults={"municipality": municipality, "action": action, "reason": reason.strip(),
                               "decided_by": actor})
    audit_record(actor=actor, municipality_id=municipality.pk, action="settlement_override.set", obj=override,
                 payload={"visit": str(visit.public_id), "action": action, "reason": reason.strip()})
    return override


# ---------------------------------------------------------------------------------------------
# A month in the background (settlements.tasks runs settlement_batch_run), and the budget

#: How far a batch has come when the engine reports each step.
BATCH_PERCENT = {BatchStep.SNAPSHOT: 10, BatchStep.ENGINE: 40, BatchStep.STORE: 75, BatchStep.DONE: 100}

logger = logging.getLogger(__name__)


def _require_calendar_month(period: Period) -> None:
    if period.start.day != 1 or period.end != Period.month(period.start.year, period.start.month).end:
        raise ValidationError({"period": _("The engine settles one calendar month at a time.")})


def settlement_batch_start(*, actor: User, period: Period) -> SettlementBatch:
    """Queue the computation of a calendar month for every provider (settlement_month_compute in
    the background): the batch and its audit row in one transaction; the task is queued once they
    are committed (run at once with the immediate backend)."""
    from frivalg.settlements.tasks import settlement_batch_task  # the task calls back into this module

    require(actor, roles.SETTLEMENT_RUN)
    municipality = _staff_municipality(actor)
    _require_calendar_month(period)
    with transaction.atomic():
        batch = SettlementBatch.objects.create(municipality=municipality, period_start=period.start,
                                               period_end=period.end, created_by=actor)
        audit_record(actor=actor, municipality_id=municipality.pk, action="settlement_batch.start", obj=batch,
                     payload={"period": [period.start.isoformat(), period.end.isoformat()]})
    transaction.on_commit(lambda: settlement_batch_task.enqueue(batch.pk))
    return batch


def _batch_progress(batch_id: int) -> Callable[[str], None]:
    def report(step: str) -> None:
        if step not in BatchStep.values:
            return
        SettlementBatch.objects.filter(pk=batch_id).update(
            step=step, percent=BATCH_PERCENT.get(BatchStep(step), 0), updated_at=timezone.now())
    return report


def _failure_message(error: Exception) -> str:
    if isinstance(error, ValidationError | PermissionDenied):
        return " ".join(str(message) for message in getattr(error, "messages", [str(error)]))
    return _("The computation failed (%(error)s). Nothing was stored; try again or ask the administrator.") % {
        "error": type(error).__name__}


def settlement_batch_run(*, batch_id: int) -> SettlementBatch:
    """Compute a queued batch's month as the user who started it, reporting each step; a failure
    marks the batch failed with its message (settlement_month_compute stores all or nothing)."""
    batch = SettlementBatch.objects.select_related("created_by").get(pk=batch_id)
    if batch.status != BatchStatus.QUEUED:
        return batch
    SettlementBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING, started_at=timezone.now(),
                                                       updated_at=timezone.now())
    try:
        result = settlement_month_compute(actor=batch.created_by, period=Period(batch.period_start, batch.period_end),
                                          progress=_batch_progress(batch.pk))
    except Exception as error:
        logger.exception("settlement batch %s failed", batch.public_id)
        SettlementBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED, message=_failure_message(error), finished_at=timezone.now(),
            updated_at=timezone.now())
        batch.refresh_from_db()
        return batch
    with transaction.atomic():
        batch = SettlementBatch.objects.select_for_update().get(pk=batch.pk)
        batch.status, batch.step, batch.percent = BatchStatus.DONE, BatchStep.DONE, 100
        batch.line_count, batch.deviation_count, batch.bill_count = result.lines, result.deviations, result.bills
        batch.total_minor, batch.input_hash, batch.output_hash = (result.total_minor, result.input_hash,
                                                                  result.output_hash)
        batch.finished_at = timezone.now()
        batch.save()
        batch.runs.set(result.runs)
    return batch


@transaction.atomic
def settlement_budget_set(*, actor: User, period: Period, amount_minor: int) -> SettlementBudget:
    """Finance's budget for a month's settlement (replaces the month's earlier budget)."""
    require(actor, roles.SETTLEMENT_RUN)
    municipality = _staff_municipality(actor)
    _require_calendar_month(period)
    if amount_minor < 0:
        raise ValidationError({"amount_minor": _("A budget cannot be negative.")})
    budget, created = SettlementBudget.objects.update_or_create(
        municipality=municipality, month=period.start, defaults={"amount_minor": amount_minor, "set_by": actor})
    audit_record(actor=actor, municipality_id=municipality.pk, action="settlement_budget.set", obj=budget,
                 payload={"month": period.start.isoformat()[:7], "amount_minor": amount_minor, "created": created})
    return budget


@transaction.atomic
def after_calculation_settle(*, actor: User, after_calculation: AfterCalculation) -> list[SettlementRun]:
    """Turn an after-calculation into one draft correction run per provider with something to
    settle: a line per service and band at (actual − set price) × delivered hours, paid (+) or
    recovered (−) once approved. An after-calculation is settled once per provider (a database
    constraint); its lines name no visit, decision or citizen."""
    require(actor, roles.SETTLEMENT_RUN)
    municipality = _staff_municipality(actor)
    if after_calculation.municipality_id != municipality.pk:
        raise PermissionDenied(_("This after-calculation belongs to another municipality."))
    if SettlementRun.objects.filter(after_calculation=after_calculation).exists():
        raise ValidationError({"after_calculation": _("This after-calculation has already been settled.")})
    lines = list(after_calculation.lines.exclude(settled_minor=0).select_related("provider"))
    codes = {line.service for line in lines}
    services = {s.code: s for s in Service.objects.filter(municipality=municipality, code__in=codes)}
    unknown = sorted(codes - set(services))
    if unknown:
        raise ValidationError({"after_calculation": _(
            "The catalogue has no service with the code %(codes)s: add it, or settle these hours by hand."
        ) % {"codes": ", ".join(unknown)}})
    year = after_calculation.price_sheet.year
    runs: list[SettlementRun] = []
    by_provider: dict[int, list[AfterCalculationLine]] = defaultdict(list)
    for line in lines:
        by_provider[line.provider_id].append(line)
    for provider_lines in by_provider.values():
        provider = provider_lines[0].provider
        run = SettlementRun.objects.create(
            municipality=municipality, provider=provider, period_start=date(year, 1, 1),
            period_end=date(year + 1, 1, 1), kind=RunKind.CORRECTION, after_calculation=after_calculation,
            currency=municipality.currency, created_by=actor, policy={"after_calculation":
                                                                      str(after_calculation.public_id)})
        _store_run(run, [SettlementLine(
            run=run, service=services[line.service],
            time_band=line.time_band if line.time_band in TimeBand.values else TimeBand.DAY,
            payable_minutes=line.hours * 60, unit_price_minor=line.actual_price_minor - line.set_price_minor,
            amount_minor=line.settled_minor, reason_code=ReasonCode.AFTER_CALCULATION,
            reasons=f"after_calc {line.formula}"[:200],
        ) for line in provider_lines])
        runs.append(run)
    audit_record(actor=actor, municipality_id=municipality.pk, action="after_calculation.settle",
                 obj=after_calculation, payload={"runs": [str(run.public_id) for run in runs],
                                                 "total_minor": sum(run.total_minor for run in runs)})
    return runs
