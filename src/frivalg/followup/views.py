"""Follow-up pages: the dashboard of each role (the seven aspects, every indicator with its chart,
the table behind it, a text alternative, its method and exports), one indicator's page (with CSV
and Excel), comparisons of providers and municipalities, the gains map, the competition task
list, the import of other municipalities' key figures, the published figures (no login) and the
key figures of a month. Aggregates only: no citizen is ever shown."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frivalg.catalogue.selectors import services_for
from frivalg.core import roles
from frivalg.core.forms import add_service_errors
from frivalg.core.models import Municipality
from frivalg.core.money import Money
from frivalg.core.periods import Period
from frivalg.core.selectors import districts_for, has_permission, municipality_of, require, roles_of
from frivalg.core.templatetags.frivalg_ui import percent
from frivalg.core.views import AuthenticatedRequest
from frivalg.followup import charts, exports
from frivalg.followup.forms import (
    AUTO,
    NONE,
    BenchmarkImportForm,
    CompetitionTaskForm,
    FilterForm,
    MonthForm,
    last_full_months,
)
from frivalg.followup.indicators import ASPECTS, REGISTRY, Indicator
from frivalg.followup.indicators.base import DIMENSIONS
from frivalg.followup.models import BenchmarkFigure, CompetitionTask
from frivalg.followup.selectors import (
    IndicatorTable,
    benchmark_figures_for,
    benchmark_import_get,
    benchmark_imports_for,
    competition_tasks_for,
    indicator_tables,
    key_figures,
    published_tables,
)
from frivalg.followup.services import TaskInput, benchmark_import, competition_task_create, competition_task_update
from frivalg.providers.selectors import municipality_public, providers_for

ASPECT_TITLES = {
    "supply": gettext_lazy("Supply"),
    "actors": gettext_lazy("Actors"),
    "choice": gettext_lazy("Freedom of choice"),
    "fairness": gettext_lazy("Fairness"),
    "economy": gettext_lazy("Economy"),
    "competition": gettext_lazy("Competition"),
    "quality": gettext_lazy("Quality"),
}
DIMENSION_NAMES = {
    "municipality": gettext_lazy("municipality"),
    "district": gettext_lazy("district"),
    "service": gettext_lazy("service"),
    "provider": gettext_lazy("provider"),
    "month": gettext_lazy("month"),
}
_NUMERIC = ("count", "share", "hours", "minutes", "money", "index", "days", "number")
GAINS_MAP = "gains_map"


# -- the display of one indicator table ----------------------------------------------------------


def display(kind: str, value: Any, currency: str) -> str:
    """A value as the pages show it: per cent for shares, amounts for money, grouped numbers."""
    if value is None:
        return "–"
    if kind == "share":
        return percent(value)
    if kind == "money":
        return str(Money(int(value), currency))
    if kind in ("hours", "index", "number"):
        return number_format(Decimal(str(value)), decimal_pos=2, force_grouping=True)
    if kind == "days":
        return number_format(Decimal(str(value)), decimal_pos=1, force_grouping=True)
    if kind in ("count", "minutes"):
        return number_format(int(value), decimal_pos=0, force_grouping=True)
    if isinstance(value, date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return str(value)


@dataclass
class Cell:
    text: str
    numeric: bool = False
    best: bool = False


@dataclass
class Card:
    """One indicator table as a page shows it."""

    result: IndicatorTable
    dom_id: str
    by_choice: str
    currency: str
    note: str = ""
    spec: dict[str, Any] | None = None
    description: str = ""
    headers: list[tuple[str, bool]] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    #: The page's query with this card's breakdown: for the links to its page and exports.
    query: str = ""

    @property
    def indicator(self) -> Indicator:
        return self.result.indicator

    @property
    def breakdown(self) -> str:
        if not self.indicator.by:
            return str(_("whole period, no breakdown"))
        return ", ".join(str(DIMENSION_NAMES[d]) for d in self.indicator.by)


def _month_text(value: Any) -> str:
    return value.strftime("%Y-%m") if isinstance(value, date) else str(value)


def _table_rows(result: IndicatorTable, currency: str, best: dict[int, str] | None = None) -> tuple[
        list[tuple[str, bool]], list[list[Cell]]]:
    declared = {c.name: c for c in result.indicator.columns}
    names = result.table.column_names
    headers = exports.header(result, per_cent_suffix=False)
    head = [(label, name in declared and declared[name].kind in _NUMERIC) for label, name in zip(
        headers, names, strict=True)]
    rows = []
    for index, row in enumerate(result.table.to_pylist()):
        cells = []
        for name in names:
            value = row[name]
            if name in DIMENSIONS.values():
                text = _month_text(value) if name == "month" else (
                    result.labels.get(name, {}).get(value, "–" if value is None else str(value)))
                cells.append(Cell(str(text)))
            else:
                kind = declared[name].kind
                cells.append(Cell(display(kind, value, currency), kind in _NUMERIC,
                                  best is not None and best.get(index) == name))
        rows.append(cells)
    return head, rows


def _spec(result: IndicatorTable) -> dict[str, Any] | None:
    """The chart when the table has its x and y columns; without its colour column the chart is
    drawn in one colour."""
    chart = result.indicator.chart
    columns = set(result.table.column_names)
    if chart is None or chart.x not in columns or chart.y not in columns:
        return None
    spec = charts.spec(result)
    if spec is not None:
        # The figure is one image labelled by its description: its marks need no roles of their own.
        mark = spec.get("mark")
        mark = {"type": mark} if isinstance(mark, str) else dict(mark or {})
        mark["aria"] = False
        if mark.get("point"):
            mark["point"] = {"aria": False}
        spec["mark"] = mark
    if spec is not None and chart.color and chart.color not in columns:
        encoding = spec.get("encoding", {})
        encoding.pop("color", None)
        encoding.pop("xOffset", None)
        if isinstance(encoding.get("tooltip"), list):
            encoding["tooltip"] = [t for t in encoding["tooltip"] if t.get("field") != chart.color]
    return spec


def card_of(result: IndicatorTable, *, dom_id: str, by_choice: str, currency: str, note: str = "",
            best: dict[int, str] | None = None) -> Card:
    card = Card(result, dom_id, by_choice, currency, note)
    card.spec = _spec(result)
    card.description = charts.describe(result) if card.spec is not None else ""
    card.headers, card.rows = _table_rows(result, currency, best)
    return card


# -- which indicators, broken down how ------------------------------------------------------------


def auto_by(cls: type[Indicator]) -> tuple[str, ...]:
    """The dimensions the indicator's chart draws (its x and colour columns)."""
    chart = cls.chart
    if chart is None:
        return ()
    wanted = {chart.x, chart.color}
    return tuple(d for d, column in DIMENSIONS.items() if column in wanted and d in cls.dimensions)


def breakdown(cls: type[Indicator], choice: str) -> tuple[tuple[str, ...], str]:
    """The `by` of `cls` for the form's choice, and a note when it cannot be broken down so."""
    if choice == AUTO:
        return auto_by(cls), ""
    if choice == NONE:
        return (), ""
    if choice in cls.dimensions:
        return (choice,), ""
    return (), _("This figure cannot be broken down by %(dimension)s: it is shown without that breakdown.") % {
        "dimension": DIMENSION_NAMES.get(choice, choice)}


def _indicator(cls: type[Indicator], filters: dict[str, Any], municipality_id: int | None,
               by: tuple[str, ...]) -> Indicator:
    period: Period = filters["period"]
    return cls(start=period.start, end=period.end, municipality_id=municipality_id, by=by,
               district_id=filters["district_id"], service_id=filters["service_id"],
               provider_id=filters["provider_id"])


def _aspect_order(names: frozenset[str]) -> tuple[tuple[str, ...], bool]:
    """The aspects in the order of the user's role, and whether only the public figures show."""
    if roles.ANALYST.name in names:
        return ASPECTS, False
    first: tuple[str, ...] = ()
    if roles.FINANCE.name in names:
        first = ("economy",)
    elif roles.PROCUREMENT.name in names:
        first = ("competition", "supply")
    elif roles.POLITICIAN.name in names:
        return ASPECTS, True
    return (*first, *(a for a in ASPECTS if a not in first)), False


def _filter_form(request: AuthenticatedRequest, data: QueryDict | None) -> FilterForm:
    municipality = municipality_of(request.user)
    services = services_for(actor=request.user)
    if municipality is not None:
        services = services.filter(municipality=municipality)
    return FilterForm(data, today=timezone.localdate(), districts=districts_for(request.user),
                      services=services, providers=providers_for(actor=request.user))


def _query(request: HttpRequest, **changes: str) -> str:
    query = request.GET.copy()
    for key in ("format", *changes):
        query.pop(key, None)
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


def _municipality(request: AuthenticatedRequest) -> Municipality:
    require(request.user, roles.FOLLOWUP_VIEW)
    municipality = municipality_of(request.user)
    if municipality is None:
        raise PermissionDenied(_("Key figures are for the municipality's staff."))
    return municipality


@dataclass
class Section:
    aspect: str
    title: str
    cards: list[Card]


@login_required
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """Every indicator of the seven aspects, in the order the user's role needs them."""
    municipality = _municipality(request)
    form = _filter_form(request, request.GET or None)
    filters = form.filters()
    order, public_only = _aspect_order(roles_of(request.user))
    planned: list[tuple[type[Indicator], str, Indicator, str]] = []
    for aspect in order:
        for cls in REGISTRY.indicators.values():
            if cls.aspect != aspect or (public_only and not cls.public):
                continue
            if public_only and filters["by"] == AUTO:
                choices = [NONE, "month"] if "month" in cls.dimensions else [NONE]
            else:
                choices = [filters["by"]]
            for choice in choices:
                by, note = breakdown(cls, choice)
                planned.append((cls, choice, _indicator(cls, filters, municipality.pk, by), note))
    results = indicator_tables(actor=request.user, indicators=[p[2] for p in planned])
    sections: dict[str, Section] = {}
    for number, ((cls, choice, _ind, note), result) in enumerate(zip(planned, results, strict=True)):
        section = sections.setdefault(cls.aspect, Section(cls.aspect, str(ASPECT_TITLES[cls.aspect]), []))
        card = card_of(result, dom_id=f"{cls.code}-{number}", by_choice=choice, currency=municipality.currency,
                       note=note)
        card.query = _query(request, by=choice)
        section.cards.append(card)
    return render(request, "followup/dashboard.html", {
        "form": form, "filters": filters, "sections": [sections[a] for a in order if a in sections],
        "period": filters["period"], "last_day": _last_day(filters["period"]),
        "has_charts": any(card.spec for s in sections.values() for card in s.cards),
        "public_only": public_only,
    })


def _last_day(period: Period) -> date:
    return date.fromordinal(period.end.toordinal() - 1)


def _export(result: IndicatorTable, kind: str) -> HttpResponse:
    if kind == "csv":
        response = HttpResponse(exports.to_csv(result), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            exports.to_xlsx(result),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{exports.file_name(result, kind)}"'
    return response


@login_required
def indicator_detail(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """One indicator with the filters, its full table and chart; `?format=csv|xlsx` downloads it."""
    municipality = _municipality(request)
    cls = REGISTRY.indicators.get(code)
    if cls is None:
        raise Http404(_("There is no such indicator."))
    form = _filter_form(request, request.GET or None)
    filters = form.filters()
    by, note = breakdown(cls, filters["by"])
    (result,) = indicator_tables(actor=request.user, indicators=[_indicator(cls, filters, municipality.pk, by)])
    kind = request.GET.get("format", "")
    if kind in ("csv", "xlsx") and not form.errors:
        return _export(result, kind)
    card = card_of(result, dom_id=cls.code, by_choice=filters["by"], currency=municipality.currency, note=note)
    card.query = _query(request)
    return render(request, "followup/indicator.html", {
        "form": form, "card": card, "cls": cls, "aspect_title": ASPECT_TITLES[cls.aspect],
        "period": filters["period"], "last_day": _last_day(filters["period"]),
    })


# -- comparisons -----------------------------------------------------------------------------------


def best_rows(result: IndicatorTable) -> dict[int, str]:
    """{row index: best column} for the rows holding the best value of the indicator's `best`
    column (ties: every such row); none when no row has a value."""
    best = result.indicator.best
    if best is None or best[0] not in result.table.column_names:
        return {}
    column, higher = best
    values = [(i, v) for i, v in enumerate(result.table.column(column).to_pylist()) if v is not None]
    if len(values) < 2:
        return {}
    target = max(v for _i, v in values) if higher else min(v for _i, v in values)
    return {i: column for i, v in values if v == target}


@dataclass
class YearTable:
    """One indicator's best-practice column for each municipality and year."""

    cls: type[Indicator]
    column_label: str
    years: list[int]
    rows: list[tuple[str, bool, list[Cell]]]
    suppressed: int


def _benchmark_figures(actor: Any, codes: Iterable[str], years: Sequence[int]) -> list[BenchmarkFigure]:
    """The imported figures of other municipalities this municipality keeps (reference data)."""
    return benchmark_figures_for(actor=actor, codes=codes, years=years)


def _municipality_tables(request: AuthenticatedRequest, municipality: Municipality,
                         candidates: list[type[Indicator]], period: Period) -> list[YearTable]:
    years = list(range(period.start.year, _last_day(period).year + 1))
    spans = [(year, Period(max(period.start, date(year, 1, 1)), min(period.end, date(year + 1, 1, 1))))
             for year in years]
    planned = [(cls, year, cls(start=span.start, end=span.end, municipality_id=None, by=("municipality",)))
               for cls in candidates for year, span in spans]
    results = indicator_tables(actor=request.user, indicators=[p[2] for p in planned])
    imported = _benchmark_figures(request.user, [c.code for c in candidates], years)
    out = []
    for cls in candidates:
        assert cls.best is not None
        column, higher = cls.best
        declared = {c.name: c for c in cls.columns}
        kind = declared[column].kind
        values: dict[str, dict[int, Any]] = {}
        own: set[str] = set()
        hidden = 0
        for (planned_cls, year, _ind), result in zip(planned, results, strict=True):
            if planned_cls is not cls:
                continue
            hidden += result.suppressed
            for row in result.table.to_pylist():
                name = result.labels.get("municipality_id", {}).get(row["municipality_id"], "–")
                own.add(name)
                values.setdefault(name, {})[year] = row[column]
        for figure in imported:
            if figure.indicator != cls.code:
                continue
            name = f"{figure.other_name} ({_('imported')})"
            value: Any = figure.value
            if kind == "money":
                value = int(figure.value)
            values.setdefault(name, {})[figure.year] = value
        best_of_year: dict[int, Any] = {}
        for year in years:
            present = [v[year] for v in values.values() if v.get(year) is not None]
            if len(present) >= 2:
                best_of_year[year] = max(present) if higher else min(present)
        rows = []
        for name in sorted(values):
            cells = []
            for year in years:
                value = values[name].get(year)
                cells.append(Cell(display(kind, value, municipality.currency), True,
                                  value is not None and best_of_year.get(year) == value))
            rows.append((name, name in own, cells))
        out.append(YearTable(cls, str(declared[column].label), years, rows, hidden))
    return out


@login_required
def compare(request: AuthenticatedRequest) -> HttpResponse:
    """Providers within the municipality, and municipalities year by year (the installation's and
    imported figures), with the best practice marked."""
    municipality = _municipality(request)
    form = _filter_form(request, request.GET or None)
    filters = form.filters()
    with_best = [cls for cls in REGISTRY.indicators.values() if cls.best is not None]
    by_provider = [cls for cls in with_best if "provider" in cls.dimensions]
    results = indicator_tables(actor=request.user, indicators=[
        _indicator(cls, filters, municipality.pk, ("provider",)) for cls in by_provider])
    provider_cards = [card_of(result, dom_id=f"providers-{result.indicator.code}", by_choice="provider",
                              currency=municipality.currency, best=best_rows(result)) for result in results]
    for card in provider_cards:
        card.query = _query(request, by="provider")
    across = [cls for cls in with_best if "municipality" in cls.dimensions]
    return render(request, "followup/compare.html", {
        "form": form, "period": filters["period"], "last_day": _last_day(filters["period"]),
        "provider_cards": provider_cards,
        "municipality_tables": _municipality_tables(request, municipality, across, filters["period"]),
    })


@login_required
def gains(request: AuthenticatedRequest) -> HttpResponse:
    """The gains map: per task the cost per hour before and after exposure, and the potential."""
    municipality = _municipality(request)
    cls = REGISTRY.indicators.get(GAINS_MAP)
    if cls is None:
        raise Http404(_("The gains map is not available."))
    form = _filter_form(request, request.GET or None)
    filters = form.filters()
    period = filters["period"]
    (result,) = indicator_tables(actor=request.user, indicators=[
        cls(start=period.start, end=period.end, municipality_id=municipality.pk)])
    kind = request.GET.get("format", "")
    if kind in ("csv", "xlsx") and not form.errors:
        return _export(result, kind)
    rows = result.table.to_pylist()
    currency = municipality.currency

    def cells(row: dict[str, Any], names: Sequence[str]) -> list[Cell]:
        declared = {c.name: c.kind for c in cls.columns}
        return [Cell(display(declared[n], row.get(n), currency), declared[n] in _NUMERIC) for n in names]

    exposed_columns = ("exposed_on", "before_cost_per_hour_minor", "after_cost_per_hour_minor", "change_share",
                       "gain_minor")
    potential_columns = ("potential_hours", "potential_minor")
    labels = {c.name: str(c.label) for c in cls.columns}
    exposed = [(row["task_code"], row["task_name"], cells(row, exposed_columns))
               for row in rows if row.get("exposed_on") is not None]
    potential = [(row["task_code"], row["task_name"], cells(row, potential_columns))
                 for row in rows if row.get("exposed_on") is None]
    total_potential = sum(int(row.get("potential_minor") or 0) for row in rows if row.get("exposed_on") is None)
    card = card_of(result, dom_id=cls.code, by_choice=NONE, currency=currency)
    card.query = _query(request)
    return render(request, "followup/gains.html", {
        "form": form, "cls": cls, "card": card, "period": period, "last_day": _last_day(period),
        "exposed": exposed, "exposed_headers": [labels[n] for n in exposed_columns],
        "potential": potential, "potential_headers": [labels[n] for n in potential_columns],
        "total_potential": Money(total_potential, currency),
    })


# -- the competition task list ----------------------------------------------------------------------


def _tasks_of(request: AuthenticatedRequest) -> list[CompetitionTask]:
    return competition_tasks_for(actor=request.user)


def _task_input(form: CompetitionTaskForm) -> TaskInput:
    data = form.cleaned_data
    return TaskInput(code=data["code"], name=data["name"], services=list(data["services"]),
                     exposable=data["exposable"], exposed_on=data["exposed_on"],
                     in_house_won_on=data["in_house_won_on"], note=data["note"])


def _task_services(request: AuthenticatedRequest, municipality: Municipality) -> Any:
    return services_for(actor=request.user).filter(municipality=municipality)


@login_required
def tasks(request: AuthenticatedRequest) -> HttpResponse:
    """The task list (FOLLOWUP_VIEW); those who keep it (FOLLOWUP_MANAGE) add tasks here."""
    municipality = _municipality(request)
    may_edit = has_permission(request.user, roles.FOLLOWUP_MANAGE)
    form = None
    if may_edit:
        form = CompetitionTaskForm(request.POST or None, services=_task_services(request, municipality),
                                   initial={"exposable": True})
    if request.method == "POST":
        require(request.user, roles.FOLLOWUP_MANAGE)
        assert form is not None
        if form.is_valid():
            try:
                task = competition_task_create(actor=request.user, data=_task_input(form))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The task %(code)s was added.") % {"code": task.code})
                return redirect("followup:tasks")
    status = 422 if request.method == "POST" else 200
    return render(request, "followup/tasks.html", {"tasks": _tasks_of(request), "form": form,
                                                   "may_edit": may_edit}, status=status)


@login_required
def task_edit(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    municipality = _municipality(request)
    require(request.user, roles.FOLLOWUP_MANAGE)
    task = next((t for t in _tasks_of(request) if t.public_id == public_id), None)
    if task is None:
        raise Http404(_("No such task."))
    initial = {"code": task.code, "name": task.name, "services": list(task.services.all()),
               "exposable": task.exposable, "exposed_on": task.exposed_on, "in_house_won_on": task.in_house_won_on,
               "note": task.note}
    form = CompetitionTaskForm(request.POST or None, services=_task_services(request, municipality),
                               initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            competition_task_update(actor=request.user, task=task, data=_task_input(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The task %(code)s was saved.") % {"code": task.code})
            return redirect("followup:tasks")
    status = 422 if request.method == "POST" else 200
    return render(request, "followup/task_form.html", {"task": task, "form": form}, status=status)


# -- benchmark figures --------------------------------------------------------------------------------


@login_required
def benchmark_upload(request: AuthenticatedRequest) -> HttpResponse:
    _municipality(request)
    require(request.user, roles.FOLLOWUP_MANAGE)
    form = BenchmarkImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = benchmark_import(actor=request.user, file_name=upload.name, content=upload.read(),
                                     source=form.cleaned_data["source"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("followup:benchmark_result", public_id=batch.public_id)
    status = 422 if request.method == "POST" else 200
    imports = benchmark_imports_for(actor=request.user)
    return render(request, "followup/benchmark_import.html", {
        "form": form, "imports": imports, "codes": sorted(REGISTRY.indicators)}, status=status)


@login_required
def benchmark_result(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    _municipality(request)
    require(request.user, roles.FOLLOWUP_MANAGE)
    batch = benchmark_import_get(actor=request.user, public_id=public_id)
    if batch is None:
        raise Http404(_("No such import."))
    return render(request, "followup/benchmark_result.html", {"batch": batch, "figures": batch.figures.all()})


# -- published figures ---------------------------------------------------------------------------------


def public(request: HttpRequest, code: str) -> HttpResponse:
    """The public indicators of a municipality for the last 12 full months, for everyone: small
    counts are held back."""
    try:
        municipality = municipality_public(code)
    except Municipality.DoesNotExist as missing:
        raise Http404(_("No such municipality.")) from missing
    period = last_full_months(timezone.localdate())
    planned = []
    for aspect in ASPECTS:
        for cls in REGISTRY.indicators.values():
            if cls.aspect != aspect or not cls.public:
                continue
            for by in [(), ("district",)] if "district" in cls.dimensions else [()]:
                planned.append(cls(start=period.start, end=period.end, municipality_id=municipality.pk, by=by))
    results = published_tables(municipality=municipality, indicators=planned)
    cards = [card_of(result, dom_id=f"{result.indicator.code}-{n}", by_choice=NONE, currency=municipality.currency)
             for n, result in enumerate(results)]
    return render(request, "followup/public.html", {
        "municipality": municipality, "cards": cards, "period": period, "last_day": _last_day(period),
        "held_back": sum(r.suppressed for r in results),
        "has_charts": any(card.spec for card in cards),
    })


# -- key figures of a month --------------------------------------------------------------------------


@login_required
def key_figures_page(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.FOLLOWUP_VIEW)
    period = Period.month_of(timezone.localdate())
    form = MonthForm(request.GET or None, initial={"month": period.start.strftime("%Y-%m")})
    if form.is_bound and form.is_valid():
        period = form.cleaned_data["month"]
    return render(request, "followup/key_figures.html", {
        "form": form,
        "figures": key_figures(actor=request.user, period=period),
        "period": period,
    })
