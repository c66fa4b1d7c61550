"""Writes for the service catalogue and rate tables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frivalg.catalogue import fsiii, rules
from frivalg.catalogue.models import (
    Area,
    CrossingRule,
    ExtraDay,
    FsiiiConcept,
    PaymentBasis,
    ProviderKind,
    Rate,
    RateUnit,
    Service,
    TimeBand,
    TimeBandScheme,
    VoucherDesign,
)
from frivalg.core import roles
from frivalg.core.models import Municipality, User
from frivalg.core.selectors import require
from frivalg.core.services import audit_record

#: The words for the codes of catalogue.rules (rules are pure and speak no language).
_ROW_MESSAGES = {
    "required": gettext_lazy("Required."),
    "not_a_number": gettext_lazy("Not a number."),
    "negative": gettext_lazy("A price cannot be negative."),
    "too_many_decimals": gettext_lazy("At most two decimals."),
    "invalid_date": gettext_lazy("Not a date in the form YYYY-MM-DD."),
    "end_before_start": gettext_lazy("The end date must be on or after the start date."),
}
_CHOICES = {
    "time_band": TimeBand.values,
    "area": Area.values,
    "provider_kind": ProviderKind.values,
    "unit": RateUnit.values,
}
_BASIS_MESSAGES = {
    "unknown": gettext_lazy("Unknown payment basis."),
    "time_needs_time_unit": gettext_lazy("Paying for time needs a service measured in hours or minutes."),
    "unit_needs_counted_unit": gettext_lazy(
        "Paying per unit needs a service counted in meals, pieces, visits or days."
    ),
}


def _row_message(field_name: str, code: str, data: Mapping[str, str]) -> str:
    if code == "unknown_choice":
        return _("Unknown value %(value)s; one of %(choices)s.") % {
            "value": repr((data.get(field_name) or "").strip()),
            "choices": ", ".join(_CHOICES[field_name]),
        }
    return str(_ROW_MESSAGES[code])


def _scheme_message(problem: rules.SchemeProblem) -> str:
    bands = {rules.BAND_DAY: _("daytime"), rules.BAND_EVENING: _("evening"), rules.BAND_NIGHT: _("night")}
    if problem.code == "gap":
        return _("Gap from %(start)s to %(end)s: no band covers it.") % {"start": problem.start, "end": problem.end}
    if problem.code == "overlap":
        return _("Overlap from %(start)s to %(end)s with the %(band)s band.") % {
            "start": problem.start,
            "end": problem.end,
            "band": bands[problem.band],
        }
    if problem.code == "empty_day":
        return _("Daytime must end after it starts (and before midnight).")
    if problem.code == "evening_order":
        return _("The evening must end on or after it starts (and not after midnight).")
    return _("Daytime, evening and night must follow each other within the day, night last.")


def _require_rate_manager(actor: User | None, municipality_id: int) -> None:
    """The actor sets the catalogue and rates of this municipality; None is the system."""
    if actor is None:
        return
    require(actor, roles.RATE_MANAGE)
    if actor.municipality_id != municipality_id:
        raise PermissionDenied(_("This belongs to another municipality."))


@transaction.atomic
def fsiii_load(*, path: Path | None = None) -> int:
    """Load (or refresh) the FSIII CodeSystem into the reference table. Returns the count."""
    version, concepts = fsiii.read(path)
    FsiiiConcept.objects.filter(version=version).delete()
    FsiiiConcept.objects.bulk_create(
        FsiiiConcept(
            code=c.code,
            display=c.display[:255],
            definition=c.definition,
            parent_code=c.parent_code,
            group=c.group,
            version=version,
        )
        for c in concepts
    )
    audit_record(
        actor=None,
        municipality_id=None,
        action="fsiii.load",
        object_type="fsiii",
        object_id=version,
        payload={"concepts": len(concepts), "source": fsiii.SOURCE},
    )
    return len(concepts)


@transaction.atomic
def service_create(
    *,
    actor: User | None,
    municipality: Municipality,
    code: str,
    name: str,
    care_level: int,
    fsiii_code: str,
    unit: str,
    legal_basis: str,
    voucher_design: str,
    payment_basis: str | None = None,
    cash_amount_minor: int | None = None,
) -> Service:
    """Add a service. Without a payment basis it takes the default for its unit
    (rules.default_payment_basis). A cash voucher needs its monthly amount in øre/öre; the
    other designs have none."""
    _require_rate_manager(actor, municipality.pk)
    concept = FsiiiConcept.objects.filter(code=fsiii_code).order_by("-version").first()
    if concept is None:
        raise ValidationError({"fsiii_code": _("Unknown FSIII code: %(code)s") % {"code": fsiii_code}})
    if Service.objects.filter(municipality=municipality, code=code).exists():
        raise ValidationError({"code": _("A service with this code exists already.")})
    payment_basis = payment_basis or rules.default_payment_basis(unit)
    _check_design(unit, voucher_design, payment_basis, cash_amount_minor)
    service = Service.objects.create(
        municipality=municipality,
        code=code,
        name=name,
        care_level=care_level,
        fsiii_code=fsiii_code,
        fsiii_version=concept.version,
        unit=unit,
        legal_basis=legal_basis,
        voucher_design=voucher_design,
        payment_basis=payment_basis,
        cash_amount_minor=cash_amount_minor,
    )
    audit_record(
        actor=actor,
        municipality_id=municipality.pk,
        action="service.create",
        obj=service,
        payload={
            "code": code,
            "fsiii_code": fsiii_code,
            "payment_basis": payment_basis,
            "cash_amount_minor": cash_amount_minor,
        },
    )
    return service


def _check_design(unit: str, voucher_design: str, payment_basis: str, cash_amount_minor: int | None) -> None:
    errors: dict[str, str] = {}
    if voucher_design not in VoucherDesign.values:
        errors["voucher_design"] = _("Unknown voucher design.")
    elif voucher_design == VoucherDesign.CASH and cash_amount_minor is None:
        errors["cash_amount_minor"] = _("A cash voucher needs its monthly amount.")
    elif voucher_design == VoucherDesign.CASH and cash_amount_minor is not None and cash_amount_minor <= 0:
        errors["cash_amount_minor"] = _("The monthly amount must be more than zero.")
    elif voucher_design != VoucherDesign.CASH and cash_amount_minor is not None:
        errors["cash_amount_minor"] = _("Only a cash voucher has a monthly amount: leave it empty.")
    if payment_basis not in PaymentBasis.values:
        errors["payment_basis"] = _("Unknown payment basis.")
    elif (reason := rules.payment_basis_error(unit, payment_basis)) is not None:
        errors["payment_basis"] = str(_BASIS_MESSAGES[reason])
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def service_design_set(
    *,
    actor: User | None,
    service: Service,
    voucher_design: str,
    payment_basis: str,
    cash_amount_minor: int | None = None,
) -> Service:
    """Set how a service is granted (voucher design, with the monthly amount in øre/öre of a cash
    voucher and none otherwise) and what its providers are paid for (payment basis). The
    settlement reads both."""
    _require_rate_manager(actor, service.municipality_id)
    _check_design(service.unit, voucher_design, payment_basis, cash_amount_minor)
    before = {
        "voucher_design": service.voucher_design,
        "payment_basis": service.payment_basis,
        "cash_amount_minor": service.cash_amount_minor,
    }
    service.voucher_design = voucher_design
    service.payment_basis = payment_basis
    service.cash_amount_minor = cash_amount_minor
    service.save(update_fields=["voucher_design", "payment_basis", "cash_amount_minor", "updated_at"])
    audit_record(
        actor=actor,
        municipality_id=service.municipality_id,
        action="service.design_set",
        obj=service,
        payload={
            "before": before,
            "voucher_design": voucher_design,
            "payment_basis": payment_basis,
            "cash_amount_minor": cash_amount_minor,
        },
    )
    return service


def _period(valid_from: date, valid_to: date | None) -> str:
    return f"{valid_from.isoformat()}–{valid_to.isoformat() if valid_to else '…'}"


def _rate_create(
    *,
    service: Service,
    time_band: str,
    area: str,
    provider_kind: str,
    unit: str | None,
    amount_minor: int,
    valid_from: date,
    valid_to: date | None,
) -> Rate:
    """Validate and add one rate (call inside a transaction that has locked the service row). An
    open-ended earlier rate for the same key is closed the day before, unless an approved
    settlement used it on or after that day; any other overlap is refused."""
    unit = unit or rules.default_rate_unit(service.unit)
    errors: dict[str, str] = {}
    if time_band not in TimeBand.values:
        errors["time_band"] = _("Unknown time band.")
    if area not in Area.values:
        errors["area"] = _("Unknown area.")
    if provider_kind not in ProviderKind.values:
        errors["provider_kind"] = _("Unknown provider kind.")
    if unit not in RateUnit.values:
        errors["unit"] = _("Unknown unit.")
    if amount_minor < 0:
        errors["amount_minor"] = _("A price cannot be negative.")
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = _("The end date must be on or after the start date.")
    if errors:
        raise ValidationError(errors)
    key = {"service": service, "time_band": time_band, "area": area, "provider_kind": provider_kind}
    existing = list(Rate.objects.select_for_update().filter(**key))
    if any(rate.valid_from == valid_from for rate in existing):
        raise ValidationError({"valid_from": _("A rate from this date exists already.")})
    to_close = [r for r in existing if r.valid_to is None and r.valid_from < valid_from]
    for rate in to_close:
        if rate.settled_through is not None and rate.settled_through >= valid_from:
            raise ValidationError(
                {
                    "valid_from": _(
                        "The rate from %(start)s was used by an approved settlement through %(settled)s; "
                        "a new version must start after that day."
                    )
                    % {"start": rate.valid_from.isoformat(), "settled": rate.settled_through.isoformat()}
                }
            )
        rate.valid_to = valid_from - timedelta(days=1)
    entries = {rules.RateEntry(r.valid_from, r.valid_to, r.amount_minor): r for r in existing}
    clash = rules.overlap_field(entries, valid_from, valid_to)
    if clash is not None:
        field_name, entry = clash
        raise ValidationError(
            {
                field_name: _("Overlaps the rate valid %(period)s for the same service, band, area and provider kind.")
                % {"period": _period(entry.valid_from, entry.valid_to)}
            }
        )
    for rate in to_close:
        rate.save(update_fields=["valid_to", "updated_at"])
    return Rate.objects.create(
        municipality_id=service.municipality_id,
        unit=unit,
        amount_minor=amount_minor,
        valid_from=valid_from,
        valid_to=valid_to,
        **key,
    )


@transaction.atomic
def rate_set(
    *,
    actor: User | None,
    service: Service,
    time_band: str,
    provider_kind: str,
    amount_minor: int,
    valid_from: date,
    valid_to: date | None = None,
    area: str = Area.ALL,
    unit: str | None = None,
) -> Rate:
    """Add a dated rate (valid_to inclusive) for citizens in `area` ("all": any area), priced per
    `unit` (default: the service's unit, minutes per hour). An open-ended earlier rate for the
    same key is closed the day before the new one starts; any other overlap is refused, and so is
    closing a rate an approved settlement used after that day."""
    _require_rate_manager(actor, service.municipality_id)
    Service.objects.select_for_update().filter(pk=service.pk).first()
    rate = _rate_create(
        service=service,
        time_band=time_band,
        area=area,
        provider_kind=provider_kind,
        unit=unit,
        amount_minor=amount_minor,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    audit_record(
        actor=actor,
        municipality_id=service.municipality_id,
        action="rate.set",
        obj=rate,
        payload={
            "service": service.code,
            "time_band": time_band,
            "area": rate.area,
            "provider_kind": provider_kind,
            "unit": rate.unit,
            "amount_minor": amount_minor,
            "valid_from": valid_from.isoformat(),
        },
    )
    return rate


@transaction.atomic
def rate_change(*, actor: User | None, rate: Rate, amount_minor: int, valid_to: date | None) -> Rate:
    """Correct a rate no approved settlement has used: its price or its end. A used rate is never
    edited; set a new dated version with rate_set instead."""
    _require_rate_manager(actor, rate.municipality_id)
    rate = Rate.objects.select_for_update().get(pk=rate.pk)
    if rate.settled_through is not None:
        raise ValidationError(
            {
                "amount_minor": _(
                    "This rate was used by an approved settlement through %(settled)s and cannot be changed; "
                    "add a new version from a later date."
                )
                % {"settled": rate.settled_through.isoformat()}
            }
        )
    if amount_minor < 0:
        raise ValidationError({"amount_minor": _("A price cannot be negative.")})
    if valid_to is not None and valid_to < rate.valid_from:
        raise ValidationError({"valid_to": _("The end date must be on or after the start date.")})
    others = Rate.objects.filter(
        service_id=rate.service_id, time_band=rate.time_band, area=rate.area, provider_kind=rate.provider_kind
    ).exclude(pk=rate.pk)
    entries = [rules.RateEntry(r.valid_from, r.valid_to, r.amount_minor) for r in others]
    clash = rules.overlap_field(entries, rate.valid_from, valid_to)
    if clash is not None:
        raise ValidationError(
            {
                "valid_to": _("Overlaps the rate valid %(period)s for the same service, band, area and provider kind.")
                % {"period": _period(clash[1].valid_from, clash[1].valid_to)}
            }
        )
    before = {"amount_minor": rate.amount_minor, "valid_to": rate.valid_to.isoformat() if rate.valid_to else None}
    rate.amount_minor = amount_minor
    rate.valid_to = valid_to
    rate.save(update_fields=["amount_minor", "valid_to", "updated_at"])
    audit_record(
        actor=actor,
        municipality_id=rate.municipality_id,
        action="rate.change",
        obj=rate,
        payload={
            "before": before,
            "amount_minor": amount_minor,
            "valid_to": valid_to.isoformat() if valid_to else None,
        },
    )
    return rate


@transaction.atomic
def rates_mark_settled(
    *,
    actor: User,
    municipality_id: int,
    provider_kind: str,
    service_bands: Iterable[tuple[int, str]],
    first_day: date,
    last_day: date,
) -> int:
    """Record that an approved settlement priced (service, band) pairs for `provider_kind` on days
    of [first_day, last_day]: every rate that may have applied (any area, the band and its
    fallback) is marked used through the last such day, so it is never edited again. Returns the
    number of rates marked. Called by settlements.services.settlement_run_approve."""
    if actor.municipality_id != municipality_id:
        raise PermissionDenied(_("This belongs to another municipality."))
    marked = 0
    for service_id, band in sorted(set(service_bands)):
        bands = {band, *(b for b in (rules.BAND_FALLBACK.get(band),) if b is not None)}
        rates = Rate.objects.select_for_update().filter(
            municipality_id=municipality_id,
            service_id=service_id,
            time_band__in=bands,
            provider_kind=provider_kind,
            valid_from__lte=last_day,
        )
        for rate in rates:
            if rate.valid_to is not None and rate.valid_to < first_day:
                continue
            through = min(last_day, rate.valid_to) if rate.valid_to is not None else last_day
            if rate.settled_through is None or rate.settled_through < through:
                rate.settled_through = through
                rate.save(update_fields=["settled_through", "updated_at"])
                marked += 1
    if marked:
        audit_record(
            actor=actor,
            municipality_id=municipality_id,
            action="rate.settled",
            object_type="rate",
            payload={"provider_kind": provider_kind, "through": last_day.isoformat(), "rates": marked},
        )
    return marked


@dataclass(frozen=True)
class RejectedRow:
    row: int  # 1-based, as a person counts rows in the file (header not counted)
    field: str
    reason: str
    data: Mapping[str, str]


@dataclass
class RateImportResult:
    created: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({r.row for r in self.rejected})


@transaction.atomic
def rates_import(
    *, actor: User | None, municipality: Municipality, rows: Sequence[Mapping[str, str]]
) -> RateImportResult:
    """Import a rate table (rows of rules.CSV_COLUMNS). Each valid row is added as by rate_set;
    each invalid row is rejected with every field that is wrong and why, none silently dropped.
    Rows are read in order, so a later row may close an earlier open-ended one."""
    _require_rate_manager(actor, municipality.pk)
    services = {s.code: s for s in Service.objects.select_for_update().filter(municipality=municipality)}
    result = RateImportResult()
    for number, data in enumerate(rows, start=1):
        code = (data.get("service_code") or "").strip()
        service = services.get(code)
        parsed, problems = rules.parse_rate_row(
            data,
            provider_kinds=ProviderKind.values,
            default_unit=rules.default_rate_unit(service.unit) if service is not None else None,
        )
        if code and service is None:
            result.rejected.append(
                RejectedRow(number, "service_code", _("No service with code %(code)s.") % {"code": code}, dict(data))
            )
        if problems or parsed is None or service is None:
            result.rejected.extend(
                RejectedRow(number, name, _row_message(name, problem, data), dict(data)) for name, problem in problems
            )
            continue
        try:
            with transaction.atomic():
                _rate_create(
                    service=service,
                    time_band=parsed.time_band,
                    area=parsed.area,
                    provider_kind=parsed.provider_kind,
                    unit=parsed.unit,
                    amount_minor=parsed.amount_minor,
                    valid_from=parsed.valid_from,
                    valid_to=parsed.valid_to,
                )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = "price" if name == "amount_minor" else name
                result.rejected.extend(RejectedRow(number, column, message, dict(data)) for message in messages)
            continue
        result.created += 1
    audit_record(
        actor=actor,
        municipality_id=municipality.pk,
        action="rate.import",
        object_type="rate",
        payload={"received": len(rows), "created": result.created, "rejected_rows": result.rejected_rows},
    )
    return result


@transaction.atomic
def time_band_scheme_set(
    *,
    actor: User | None,
    municipality: Municipality,
    day_start: time,
    day_end: time,
    evening_start: time,
    evening_end: time,
    night_start: time,
    night_end: time,
    split_weekend: bool = False,
    extra_days: Sequence[tuple[int, int, str, str]] = (),
    crossing_rule: str = CrossingRule.START,
) -> TimeBandScheme:
    """Store the municipality's time bands: weekday daytime, evening and night as [start, end) in
    local time covering the day exactly (a gap or overlap is refused, naming it), Saturday and
    Sunday apart or as one weekend band, and extra days (month, day, name, band) priced as a
    holiday or a major holiday every year on top of the country's public holidays, and the rule
for a visit crossing a band boundary (split, start or majority; rules.allocate_minutes)."""
    _require_rate_manager(actor, municipality.pk)
    problems = rules.scheme_interval_errors(
        (day_start, day_end), (evening_start, evening_end), (night_start, night_end)
    )
    errors = {name: _scheme_message(problem) for name, problem in problems.items()}
    if crossing_rule not in CrossingRule.values:
        errors["crossing_rule"] = _("Unknown rule for a visit crossing a band boundary.")
    seen: set[tuple[int, int]] = set()
    for month, day, name, band in extra_days:
        try:
            rules.ExtraDay(month, day, band)
        except (ValueError, TypeError):
            errors["extra_days"] = _("Not a valid extra day: %(day)s-%(month)s (%(band)s).") % {
                "day": day,
                "month": month,
                "band": band,
            }
            break
        if (month, day) in seen:
            errors["extra_days"] = _("The day %(day)s-%(month)s is listed twice.") % {"day": day, "month": month}
            break
        if not name.strip():
            errors["extra_days"] = _("Every extra day needs a name.")
            break
        seen.add((month, day))
    if errors:
        raise ValidationError(errors)
    scheme, created = TimeBandScheme.objects.update_or_create(
        municipality=municipality,
        defaults={
            "day_start": day_start,
            "day_end": day_end,
            "evening_start": evening_start,
            "evening_end": evening_end,
            "night_start": night_start,
            "night_end": night_end,
            "split_weekend": split_weekend,
            "crossing_rule": crossing_rule,
        },
    )
    scheme.extra_days.all().delete()
    ExtraDay.objects.bulk_create(
        ExtraDay(scheme=scheme, month=month, day=day, name=name.strip(), band=band)
        for month, day, name, band in extra_days
    )
    audit_record(
        actor=actor,
        municipality_id=municipality.pk,
        action="time_band_scheme.set",
        obj=scheme,
        payload={
            "created": created,
            "bands": [day_start.isoformat(), evening_start.isoformat(), night_start.isoformat()],
            "split_weekend": split_weekend,
            "crossing_rule": crossing_rule,
            "extra_days": [[month, day, name, band] for month, day, name, band in extra_days],
        },
    )
    return scheme
