"""JSON API for following up the market: the key figures of a month, the registry of indicators,
an indicator's table for the caller's municipality, and the published figures (no login).
Aggregates only."""

import math
from datetime import date, timedelta
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router

from frivalg.catalogue.selectors import services_for
from frivalg.core import roles
from frivalg.core.api import AUTH, actor_of, lookup
from frivalg.core.models import User
from frivalg.core.periods import Period
from frivalg.core.schemas import ERRORS
from frivalg.core.selectors import districts_for, municipality_of, require
from frivalg.followup.forms import MAX_MONTHS, last_full_months, months_between
from frivalg.followup.indicators import REGISTRY, Indicator
from frivalg.followup.indicators.base import DIMENSIONS
from frivalg.followup.schemas import (
    IndicatorDataOut,
    IndicatorOut,
    IndicatorQuery,
    KeyFiguresOut,
    KeyFiguresQuery,
    PublicIndicatorQuery,
)
from frivalg.followup.selectors import IndicatorTable, KeyFigures, indicator_tables, key_figures, published_tables
from frivalg.providers.selectors import municipality_public, providers_for

router = Router(tags=["Follow-up"])


@router.get("/followup/key-figures", response={200: KeyFiguresOut, **ERRORS},
            summary="Key figures of a month")
def key_figure_detail(request: HttpRequest, query: Query[KeyFiguresQuery]) -> KeyFigures:
    actor = actor_of(request)
    require(actor, roles.FOLLOWUP_VIEW)
    return key_figures(actor=actor, period=Period.month(query.year, query.month))


def _registry_entry(cls: type[Indicator]) -> dict[str, Any]:
    return {
        "code": cls.code, "aspect": cls.aspect, "title": str(cls.title), "description": str(cls.description),
        "method": str(cls.method), "dimensions": list(cls.dimensions), "public": cls.public,
        "columns": [{"name": c.name, "label": str(c.label), "kind": c.kind, "suppress_below": c.suppress_below}
                    for c in cls.columns],
    }


@router.get("/followup/indicators", response={200: list[IndicatorOut], **ERRORS},
            summary="The indicators and how each is computed")
def indicator_list(request: HttpRequest) -> list[dict[str, Any]]:
    require(actor_of(request), roles.FOLLOWUP_VIEW)
    return [_registry_entry(cls) for cls in REGISTRY.indicators.values()]


def _class(code: str) -> type[Indicator]:
    cls = REGISTRY.indicators.get(code)
    if cls is None:
        raise Http404(code)
    return cls


def _period(start: date | None, end: date | None) -> Period:
    default = last_full_months(timezone.localdate())
    first = start or default.start
    after = end + timedelta(days=1) if end is not None else default.end
    if after <= first:
        raise ValidationError({"end": ValidationError(_("The last day cannot be before the first."), "invalid")})
    if months_between(first, after) > MAX_MONTHS:
        raise ValidationError({"end": ValidationError(_("Choose at most %(n)s months.") % {"n": MAX_MONTHS},
                                                      "too_long")})
    return Period(first, after)


def _by(cls: type[Indicator], text: str) -> tuple[str, ...]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    for name in names:
        if name not in DIMENSIONS or name == "municipality":
            raise ValidationError({"by": ValidationError(_("Unknown dimension %(name)s: choose from district, "
                                                           "service, provider and month.") % {"name": name},
                                                         "invalid")})
        if name not in cls.dimensions:
            raise ValidationError({"by": ValidationError(_("This indicator cannot be broken down by %(name)s.")
                                                         % {"name": name}, "unsupported")})
    if len(set(names)) != len(names):
        raise ValidationError({"by": ValidationError(_("A dimension is named twice."), "invalid")})
    return tuple(names)


def _value(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _data(result: IndicatorTable) -> dict[str, Any]:
    indicator = result.indicator
    names = result.table.column_names
    dimension_columns = {column: name for name, column in DIMENSIONS.items()}
    rows = []
    for row in result.table.to_pylist():
        out: dict[str, Any] = {}
        for column in names:
            value = row[column]
            if column in dimension_columns and column != "month":
                out[dimension_columns[column]] = result.labels.get(column, {}).get(value)
            else:
                out[column] = _value(value)
        rows.append(out)
    declared = {c.name: c for c in indicator.columns}
    columns = [
        {"name": dimension_columns[n], "label": dimension_columns[n], "kind": "dimension"} if n in dimension_columns
        else {"name": n, "label": str(declared[n].label), "kind": declared[n].kind,
              "suppress_below": declared[n].suppress_below}
        for n in names]
    return {"code": indicator.code, "start": indicator.start, "end": indicator.end - timedelta(days=1),
            "by": list(indicator.by), "data_as_of": result.data_as_of, "suppressed": result.suppressed,
            "columns": columns, "rows": rows}


def _filters(actor: User, query: IndicatorQuery) -> dict[str, int | None]:
    municipality = municipality_of(actor)
    district = service = provider = None
    if query.district is not None:
        district = lookup("district", districts_for(actor).get, code=query.district).pk
    if query.service is not None:
        service = lookup("service", services_for(actor=actor).filter(municipality=municipality).get,
                         public_id=query.service).pk
    if query.provider is not None:
        provider = lookup("provider", providers_for(actor=actor).get, public_id=query.provider).pk
    return {"district_id": district, "service_id": service, "provider_id": provider}


@router.get("/followup/indicators/{code}", response={200: IndicatorDataOut, **ERRORS},
            summary="An indicator's table for my municipality")
def indicator_data(request: HttpRequest, code: Annotated[str, Path(max_length=60)],
                   query: Query[IndicatorQuery]) -> dict[str, Any]:
    """The indicator computed on the latest snapshot of the caller's municipality, broken down by
    `by` and filtered to one district, service or provider. Shares are fractions 0–1, money integer
    minor units, hours hours."""
    actor = actor_of(request)
    require(actor, roles.FOLLOWUP_VIEW)
    municipality = municipality_of(actor)
    if municipality is None:
        raise Http404(code)
    cls = _class(code)
    period = _period(query.start, query.end)
    indicator = cls(start=period.start, end=period.end, municipality_id=municipality.pk, by=_by(cls, query.by),
                    **_filters(actor, query))
    (result,) = indicator_tables(actor=actor, indicators=[indicator])
    return _data(result)


def _anyone(request: HttpRequest) -> str:
    """Published figures need no login: anyone may read them."""
    return "public"


@router.get("/followup/public/{municipality_code}/indicators/{code}", response={200: IndicatorDataOut, **ERRORS},
            auth=[*AUTH, _anyone], summary="A published indicator of a municipality (no login)")
def public_indicator_data(request: HttpRequest, municipality_code: Annotated[str, Path(max_length=8)],
                          code: Annotated[str, Path(max_length=60)], query: Query[PublicIndicatorQuery]) -> dict[
                              str, Any]:
    """The figures a municipality publishes, for everyone (no login needed): only public
    indicators, and a row counting fewer than 5 people or cases is held back (its figures null)."""
    municipality = municipality_public(municipality_code)
    cls = _class(code)
    if not cls.public:
        raise Http404(code)
    period = _period(query.start, query.end)
    indicator = cls(start=period.start, end=period.end, municipality_id=municipality.pk, by=_by(cls, query.by))
    (result,) = published_tables(municipality=municipality, indicators=[indicator])
    return _data(result)
