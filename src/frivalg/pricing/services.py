"""Writes of pricing: import a cost model (validated, its warnings kept), publish its price sheet
(a new immutable version), and run an after-calculation against the year's actual accounts.
Each runs in one transaction with its audit row; the calculation itself is pricing.rules."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.catalogue.models import ProviderKind, RateUnit, Service, TimeBand
from frivalg.catalogue.rules import default_rate_unit
from frivalg.catalogue.services import rate_set
from frivalg.core import roles
from frivalg.core.models import Municipality, User
from frivalg.core.selectors import require
from frivalg.core.services import audit_record
from frivalg.pricing import rules
from frivalg.pricing.messages import issue_message
from frivalg.pricing.models import (
    AfterCalculation,
    AfterCalculationLine,
    CostModel,
    DeliverySource,
    PriceSheet,
    PriceSheetLine,
)
from frivalg.pricing.selectors import HOURS_ROUNDING, delivered_hours
from frivalg.providers.models import Provider

#: Warnings that may stand on an imported model but stop it from being published: a key whose
#: shares do not sum to 100 % allocates a pool less or more than once.
BLOCKING_CODES = frozenset({"key_sum"})


def _require_own(actor: User, municipality_id: int) -> None:
    if actor.municipality_id != municipality_id:
        raise PermissionDenied(_("This belongs to another municipality."))


def _lock(municipality_id: int) -> None:
    """Serialise version numbering per municipality (FOR UPDATE cannot go with MAX())."""
    Municipality.objects.select_for_update().filter(pk=municipality_id).values_list("pk", flat=True).first()


def _minor(amount: Decimal) -> int:
    """A price already rounded to 0.01 as whole øre/öre (exact)."""
    return int(amount * 100)


def _errors(error: rules.CostModelError, field: str) -> ValidationError:
    return ValidationError({field: [f"{issue.path}: {issue_message(issue)}" for issue in error.errors]})


def _plain(document: Any) -> Any:
    """The document as JSON stores it (numbers the loader read as floats kept as written)."""
    return json.loads(json.dumps(document, default=str))


def _calculate(document: Any, field: str = "document") -> rules.PriceSheet:
    try:
        return rules.calculate_document(document)
    except rules.CostModelError as error:
        raise _errors(error, field) from error


@transaction.atomic
def cost_model_import(
    *, actor: User, municipality: Municipality, document: Mapping[str, Any], name: str = ""
) -> CostModel:
    """Validate a cost model document and store it as the next version for its year. Errors
    refuse it (ValidationError on `document`, one message per problem with its path); warnings
    are stored with it and shown wherever it is."""
    require(actor, roles.RATE_MANAGE)
    _require_own(actor, municipality.pk)
    document = _plain(document)
    sheet = _calculate(document)
    if sheet.currency != municipality.currency:
        raise ValidationError({"document": _("The model is in %(given)s but the municipality pays in %(currency)s.")
                               % {"given": sheet.currency, "currency": municipality.currency}})
    _lock(municipality.pk)
    last = CostModel.objects.filter(municipality=municipality, year=sheet.year)
    version = (last.aggregate(v=Max("version"))["v"] or 0) + 1
    warnings = [rules.issue_to_dict(w) for w in sheet.warnings]
    model = CostModel.objects.create(
        municipality=municipality,
        year=sheet.year,
        version=version,
        name=name[:200],
        document=document,
        warnings=warnings,
        imported_by=actor,
    )
    audit_record(
        actor=actor,
        municipality_id=municipality.pk,
        action="cost_model.import",
        obj=model,
        payload={"year": sheet.year, "version": version, "warnings": len(warnings), "lines": len(sheet.lines)},
    )
    return model


def _linked_service(municipality_id: int, code: str, band: str) -> Service | None:
    """The catalogue service a sheet line prices: same code, active, priced per hour, and a band
    the catalogue knows. Other lines are published without a rate."""
    if band not in TimeBand.values:
        return None
    service = Service.objects.filter(municipality_id=municipality_id, code=code, active=True).first()
    if service is None or default_rate_unit(service.unit) != RateUnit.HOUR:
        return None
    return service


def _rates_for_line(actor: User, line: PriceSheetLine, valid_from: date) -> None:
    """Put a published line into the catalogue as dated rates per hour (in-house price for the
    in-house provider; the adjusted private price, else the in-house price, for private and
    non-profit providers). An open rate of the same key is closed the day before."""
    service = _linked_service(line.sheet.municipality_id, line.service, line.time_band)
    if service is None:
        return
    private = line.in_house_price_minor if line.private_price_minor is None else line.private_price_minor
    try:
        for kind, amount, field in ((ProviderKind.IN_HOUSE, line.in_house_price_minor, "in_house_rate"),
                                    (ProviderKind.PRIVATE, private, "private_rate"),
                                    (ProviderKind.NON_PROFIT, private, "non_profit_rate")):
            rate = rate_set(actor=actor, service=service, time_band=line.time_band, provider_kind=kind,
                            amount_minor=amount, valid_from=valid_from, unit=RateUnit.HOUR)
            setattr(line, field, rate)
    except ValidationError as error:
        reasons = "; ".join(str(m) for m in error.messages)
        raise ValidationError({"valid_from": _(
            "The catalogue rate for %(service)s / %(band)s cannot be set from %(day)s: %(reason)s "
            "Choose another date, or publish without updating the catalogue."
        ) % {"service": line.service, "band": line.time_band, "day": valid_from.isoformat(), "reason": reasons}}
        ) from error
    line.save(update_fields=["in_house_rate", "private_rate", "non_profit_rate"])


@transaction.atomic
def price_sheet_publish(
    *, actor: User, cost_model: CostModel, valid_from: date | None = None, update_catalogue: bool = True
) -> PriceSheet:
    """Calculate a cost model and publish the result as the next version of its year's price
    sheet, valid from `valid_from` (1 January of the year unless given). Published sheets are
    never changed; earlier versions stay published. A model with a blocking warning (an
    allocation key not summing to 100 %) is refused. With `update_catalogue`, every line whose
    service code and band are in the catalogue becomes its dated rates per hour."""
    require(actor, roles.RATE_MANAGE)
    _require_own(actor, cost_model.municipality_id)
    if valid_from is not None and valid_from.year != cost_model.year:
        raise ValidationError({"valid_from": _("The sheet must take effect in its year, %(year)s.")
                               % {"year": cost_model.year}})
    sheet = _calculate(cost_model.document)
    blocking = [w for w in sheet.warnings if w.code in BLOCKING_CODES]
    if blocking:
        raise ValidationError({"document": [
            _("Cannot publish: %(path)s: %(message)s") % {"path": w.path, "message": issue_message(w)}
            for w in blocking
        ]})
    _lock(cost_model.municipality_id)
    last = PriceSheet.objects.filter(municipality_id=cost_model.municipality_id, year=cost_model.year)
    version = (last.aggregate(v=Max("version"))["v"] or 0) + 1
    published = PriceSheet.objects.create(
        municipality_id=cost_model.municipality_id,
        cost_model=cost_model,
        year=cost_model.year,
        version=version,
        currency=sheet.currency,
        valid_from=valid_from or date(cost_model.year, 1, 1),
        published_at=timezone.now(),
        published_by=actor,
        content=rules.sheet_to_dict(sheet),
    )
    PriceSheetLine.objects.bulk_create(
        PriceSheetLine(
            sheet=published,
            service=line.service,
            time_band=line.time_band,
            method=line.method.value,
            in_house_price_minor=_minor(line.in_house_price),
            private_price_minor=None if line.private_price is None else _minor(line.private_price),
            steps=data["steps"],
            private_steps=data["private_steps"],
        )
        for line, data in ((line, rules.line_to_dict(line)) for line in sheet.lines)
    )
    if update_catalogue:
        for line in PriceSheetLine.objects.filter(sheet=published).select_related("sheet"):
            _rates_for_line(actor, line, published.valid_from)
    audit_record(
        actor=actor,
        municipality_id=cost_model.municipality_id,
        action="price_sheet.publish",
        obj=published,
        payload={"cost_model": str(cost_model.public_id), "year": published.year, "version": version,
                 "valid_from": published.valid_from.isoformat(), "update_catalogue": update_catalogue,
                 "prices": {f"{line.service}/{line.time_band}": rules.fmt(line.in_house_price)
                            for line in sheet.lines}},
    )
    return published


def _providers_of(municipality_id: int) -> list[Provider]:
    """Providers that may have delivered in the municipality: its own and every approved or
    once-approved one."""
    return list(Provider.objects.filter(Q(owner_municipality_id=municipality_id)
                                        | Q(approvals__municipality_id=municipality_id)).distinct())


def _resolve_providers(municipality_id: int, deliveries: Sequence[rules.Delivery]) -> list[rules.Delivery]:
    """Each delivery's provider (public id, organisation number or exact name) as a Provider of
    the municipality, its public id in `provider` and `private` from the provider's kind."""
    known = _providers_of(municipality_id)
    index: dict[str, Provider] = {}
    for provider in known:
        index[str(provider.public_id)] = provider
        index[provider.org_number.strip().lower()] = provider
        index.setdefault(provider.name.strip().lower(), provider)
    resolved: list[rules.Delivery] = []
    errors: list[str] = []
    for i, delivery in enumerate(deliveries):
        found = index.get(delivery.provider.strip().lower())
        if found is None:
            errors.append(_("Line %(line)s: no provider “%(provider)s” delivers in this municipality "
                            "(give its name, organisation number or id).") % {"line": i + 2,
                                                                               "provider": delivery.provider})
            continue
        resolved.append(rules.Delivery(str(found.public_id), found.kind != ProviderKind.IN_HOUSE,
                                       delivery.service, delivery.time_band, delivery.hours))
    if errors:
        raise ValidationError({"deliveries": errors})
    return resolved


def _restricted_to_sheets(
    deliveries: Sequence[rules.Delivery], set_sheet: rules.PriceSheet, actual_sheet: rules.PriceSheet
) -> tuple[list[rules.Delivery], list[rules.Delivery]]:
    """Verified hours in cells both sheets price, and the rest (services priced otherwise)."""
    priced = {(line.service, line.time_band) for line in set_sheet.lines} & {
        (line.service, line.time_band) for line in actual_sheet.lines}
    kept = [d for d in deliveries if (d.service, d.time_band) in priced]
    return kept, [d for d in deliveries if (d.service, d.time_band) not in priced]


@transaction.atomic
def after_calculation_run(
    *,
    actor: User,
    price_sheet: PriceSheet,
    actual_cost_model: CostModel,
    deliveries: Sequence[rules.Delivery] | None = None,
    direction: rules.Direction = rules.Direction.BOTH_WAYS,
) -> AfterCalculation:
    """Compare a published sheet with the price from the year's actual accounts and give each
    provider's difference: (actual − set price) × the hours it delivered, settled both ways or
    upward only. Without `deliveries` the hours are the year's verified visits (checked in and
    out) in the cells the sheets price; with them (a file: hours delivered outside frivalg) every
    row must name a provider of the municipality and a priced cell. The result is stored per
    provider for the settlement's correction."""
    require(actor, roles.RATE_MANAGE)
    _require_own(actor, price_sheet.municipality_id)
    _require_own(actor, actual_cost_model.municipality_id)
    if actual_cost_model.year != price_sheet.year:
        raise ValidationError({"actual_cost_model": _("The actual accounts must be for the sheet's year, %(year)s.")
                               % {"year": price_sheet.year}})
    set_sheet = _calculate(price_sheet.cost_model.document)
    actual_sheet = _calculate(actual_cost_model.document, "actual_cost_model")
    summary: dict[str, Any]
    if deliveries is None:
        source = DeliverySource.VISITS
        found = delivered_hours(municipality=price_sheet.municipality, year=price_sheet.year)
        used, unpriced = _restricted_to_sheets(found.deliveries, set_sheet, actual_sheet)
        summary = {"visits": found.visits, "unverified": found.unverified, "hours_rounding": HOURS_ROUNDING,
                   "unpriced": [{"service": d.service, "time_band": d.time_band, "hours": rules.fmt(d.hours)}
                                for d in unpriced]}
    else:
        source = DeliverySource.FILE
        used = _resolve_providers(price_sheet.municipality_id, deliveries)
        summary = {}
    try:
        result = rules.after_calculate(set_sheet=set_sheet, actual_sheet=actual_sheet, deliveries=used,
                                       direction=direction)
    except rules.CostModelError as error:
        raise _errors(error, "deliveries") from error
    providers = {str(p.public_id): p for p in Provider.objects.filter(public_id__in={d.provider for d in used})}
    run = AfterCalculation.objects.create(
        municipality_id=price_sheet.municipality_id,
        price_sheet=price_sheet,
        actual_cost_model=actual_cost_model,
        direction=direction.value,
        source=source,
        deliveries=[{"provider": d.provider, "provider_name": providers[d.provider].name, "private": d.private,
                     "service": d.service, "time_band": d.time_band, "hours": rules.fmt(d.hours)} for d in used],
        result={**rules.after_to_dict(result), **summary},
        total_minor=_minor(result.total),
        created_by=actor,
    )
    cells: dict[tuple[str, str, str], rules.AfterLine] = {}
    for line in result.lines:
        key = (line.provider, line.service, line.time_band)
        if key in cells:  # the same cell twice in a file: one line with the hours added
            earlier = cells[key]
            line = rules.AfterLine(line.provider, line.service, line.time_band, earlier.hours + line.hours,
                                   line.set_price, line.actual_price, earlier.difference + line.difference,
                                   earlier.settled + line.settled, f"{earlier.formula} + {line.formula}")
        cells[key] = line
    AfterCalculationLine.objects.bulk_create(
        AfterCalculationLine(
            after_calculation=run,
            provider=providers[line.provider],
            service=line.service,
            time_band=line.time_band,
            hours=line.hours,
            set_price_minor=_minor(line.set_price),
            actual_price_minor=_minor(line.actual_price),
            difference_minor=_minor(line.difference),
            settled_minor=_minor(line.settled),
            formula=line.formula[:200],
        )
        for line in cells.values()
    )
    audit_record(
        actor=actor,
        municipality_id=price_sheet.municipality_id,
        action="after_calculation.run",
        obj=run,
        payload={"price_sheet": str(price_sheet.public_id), "actual_cost_model": str(actual_cost_model.public_id),
                 "direction": direction.value, "source": source.value, "total": rules.fmt(result.total)},
    )
    return run
