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
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.core import roles
from frivalg.core.models import Municipality, User
from frivalg.core.selectors import require
from frivalg.core.services import audit_record
from frivalg.pricing import rules
from frivalg.pricing.messages import issue_message
from frivalg.pricing.models import AfterCalculation, CostModel, PriceSheet, PriceSheetLine


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


@transaction.atomic
def price_sheet_publish(*, actor: User, cost_model: CostModel, valid_from: date | None = None) -> PriceSheet:
    """Calculate a cost model and publish the result as the next version of its year's price
    sheet, valid from `valid_from` (1 January of the year unless given). Published sheets are
    never changed; earlier versions stay published."""
    require(actor, roles.RATE_MANAGE)
    _require_own(actor, cost_model.municipality_id)
    if valid_from is not None and valid_from.year != cost_model.year:
        raise ValidationError({"valid_from": _("The sheet must take effect in its year, %(year)s.")
                               % {"year": cost_model.year}})
    sheet = _calculate(cost_model.document)
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
    audit_record(
        actor=actor,
        municipality_id=cost_model.municipality_id,
        action="price_sheet.publish",
        obj=published,
        payload={"cost_model": str(cost_model.public_id), "year": published.year, "version": version,
                 "valid_from": published.valid_from.isoformat(),
                 "prices": {f"{line.service}/{line.time_band}": rules.fmt(line.in_house_price)
                            for line in sheet.lines}},
    )
    return published


@transaction.atomic
def after_calculation_run(
    *,
    actor: User,
    price_sheet: PriceSheet,
    actual_cost_model: CostModel,
    deliveries: Sequence[rules.Delivery],
    direction: rules.Direction = rules.Direction.BOTH_WAYS,
) -> AfterCalculation:
    """Compare a published sheet with the price from the year's actual accounts and give each
    provider's difference: (actual − set price) × the hours it delivered, settled both ways or
    upward only. The result is stored for the settlement correction."""
    require(actor, roles.RATE_MANAGE)
    _require_own(actor, price_sheet.municipality_id)
    _require_own(actor, actual_cost_model.municipality_id)
    if actual_cost_model.year != price_sheet.year:
        raise ValidationError({"actual_cost_model": _("The actual accounts must be for the sheet's year, %(year)s.")
                               % {"year": price_sheet.year}})
    set_sheet = _calculate(price_sheet.cost_model.document)
    actual_sheet = _calculate(actual_cost_model.document, "actual_cost_model")
    try:
        result = rules.after_calculate(set_sheet=set_sheet, actual_sheet=actual_sheet, deliveries=deliveries,
                                       direction=direction)
    except rules.CostModelError as error:
        raise _errors(error, "deliveries") from error
    run = AfterCalculation.objects.create(
        municipality_id=price_sheet.municipality_id,
        price_sheet=price_sheet,
        actual_cost_model=actual_cost_model,
        direction=direction.value,
        deliveries=[{"provider": d.provider, "private": d.private, "service": d.service, "time_band": d.time_band,
                     "hours": rules.fmt(d.hours)} for d in deliveries],
        result=rules.after_to_dict(result),
        total_minor=_minor(result.total),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        municipality_id=price_sheet.municipality_id,
        action="after_calculation.run",
        obj=run,
        payload={"price_sheet": str(price_sheet.public_id), "actual_cost_model": str(actual_cost_model.public_id),
                 "direction": direction.value, "total": rules.fmt(result.total)},
    )
    return run
