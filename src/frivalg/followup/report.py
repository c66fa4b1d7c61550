"""The annual competition report for the municipal council: what it holds, assembled from the
indicators (followup.indicators) for one calendar year, and its rendering as HTML and PDF.

The report shows, for the year and the year before it: the seven aspects (supply, actors,
freedom of choice, fairness, economy, competition, quality) with each indicator's monthly trend
as a chart beside its yearly figures, the warnings the council should discuss (concentrated
markets, cream-skimming signals, cost against budget), the gains map with the potential, and
the tasks proposed for this year's competition discussion by a rule the report states
(`propose_tasks`). Every indicator's method is printed in an appendix.

The rules here (`concentration_warnings`, `skimming_signals`, `propose_tasks`) are pure; `build`
reads through the selectors as the user who asked for the report, so it sees exactly what that
user may see."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any
from uuid import UUID

import pyarrow as pa
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils.formats import date_format, number_format
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frivalg.core import roles
from frivalg.core.models import Municipality, User
from frivalg.core.money import Money
from frivalg.core.selectors import AnyUser, municipality_of, require
from frivalg.followup import charts
from frivalg.followup.indicators import ASPECTS, REGISTRY, Indicator, IndicatorError
from frivalg.followup.indicators.base import DIMENSIONS, Column
from frivalg.followup.indicators.competition import HHI_HIGH_FROM, HHI_MODERATE_FROM
from frivalg.followup.models import AnnualReport, CompetitionTask
from frivalg.followup.selectors import IndicatorTable, indicator_tables

#: Reports progress: percent done (0–99) and the step being worked on, in the report's language.
Progress = Callable[[int, str], None]

#: The indicators the report's own sections read (the codes their helpers registered).
CONCENTRATION = "hhi"
SKIMMING = "cream_skimming"
BUDGET = "cost_budget"
GAINS = "gains_map"
EXPOSURE = "iku"

#: Indicators printed in a section of their own rather than among their aspect's trends.
OWN_SECTIONS: dict[str, Promise] = {
    BUDGET: gettext_lazy("Cost against budget"),
    GAINS: gettext_lazy("Gains map and potential"),
}

ASPECT_TITLES: dict[str, Promise] = {
    "supply": gettext_lazy("Supply"),
    "actors": gettext_lazy("Actors"),
    "choice": gettext_lazy("Freedom of choice"),
    "fairness": gettext_lazy("Fairness"),
    "economy": gettext_lazy("Economy"),
    "competition": gettext_lazy("Competition"),
    "quality": gettext_lazy("Quality"),
}

#: Chart size in CSS pixels: the chart takes the left ~60 % of an A4 page's text width.
CHART_WIDTH = 330
CHART_HEIGHT = 170


# -- access: the reports a user may read --------------------------------------------------------


def annual_reports_for(actor: AnyUser) -> QuerySet[AnnualReport]:
    """The annual reports of the actor's municipality, newest first (FOLLOWUP_VIEW)."""
    require(actor, roles.FOLLOWUP_VIEW)
    municipality = municipality_of(actor)
    if municipality is None:
        raise PermissionDenied(_("Annual reports are for the municipality's staff."))
    return AnnualReport.objects.filter(municipality=municipality).select_related("created_by")


def annual_report_get(*, actor: AnyUser, public_id: UUID | str) -> AnnualReport:
    """One report of the actor's municipality, or AnnualReport.DoesNotExist."""
    return annual_reports_for(actor).get(public_id=public_id)


# -- how figures read -----------------------------------------------------------------------------

_TEXT_VALUES: dict[str, Promise] = {
    "unconcentrated": gettext_lazy("unconcentrated"),
    "moderate": gettext_lazy("moderately concentrated"),
    "high": gettext_lazy("highly concentrated"),
    "signal": gettext_lazy("signal"),
    "none": gettext_lazy("none"),
}

_DIMENSION_TITLES: dict[str, Promise] = {
    "municipality_id": gettext_lazy("Municipality"),
    "district_id": gettext_lazy("District"),
    "service_id": gettext_lazy("Service"),
    "provider_id": gettext_lazy("Provider"),
    "month": gettext_lazy("Month"),
}


def _number(value: float | int, decimals: int) -> str:
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def format_value(kind: str, value: Any, currency: str) -> str:
    """A value as the report prints it: shares in per cent, money in major units with the
    currency, hours with two decimals, known codes translated; "–" for no value."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if kind == "share":
        return f"{_number(float(value) * 100, 1)} %"
    if kind == "money":
        return str(Money(int(value), currency))
    if kind == "count":
        return _number(int(value), 0)
    if isinstance(value, int):
        return _number(value, 0)
    if isinstance(value, float):
        return _number(value, 2)
    text = str(value)
    return str(_TEXT_VALUES.get(text, text))


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool = False


@dataclass(frozen=True)
class TableView:
    """A table as printed: a caption, column headers and rows of formatted cells."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


_NUMERIC_KINDS = {"count", "share", "hours", "minutes", "money", "index", "days", "number"}


def _dimension_cell(result: IndicatorTable, column: str, value: Any) -> Cell:
    if value is None:
        return Cell("–")
    if column == "month":
        return Cell(date_format(value, "YEAR_MONTH_FORMAT"))
    return Cell(str(result.labels.get(column, {}).get(value, value)))


def table_view(result: IndicatorTable, caption: str, currency: str) -> TableView:
    """Every row of an indicator's table: dimension names, then its declared columns."""
    dimensions = result.indicator.group_columns
    headers = [str(_DIMENSION_TITLES[c]) for c in dimensions] + [str(c.label) for c in result.indicator.columns]
    rows = []
    for row in result.table.to_pylist():
        cells = [_dimension_cell(result, c, row.get(c)) for c in dimensions]
        cells += [Cell(format_value(c.kind, row.get(c.name), currency), c.kind in _NUMERIC_KINDS)
                  for c in result.indicator.columns]
        rows.append(tuple(cells))
    return TableView(caption, tuple(headers), tuple(rows))


def years_view(columns: Sequence[Column], before: Mapping[str, Any] | None, this: Mapping[str, Any] | None,
               *, year: int, caption: str, currency: str) -> TableView:
    """One indicator's figures for the whole year beside the year before: a row per column."""
    rows = []
    for column in columns:
        rows.append((
            Cell(str(column.label)),
            Cell(format_value(column.kind, (before or {}).get(column.name), currency), True),
            Cell(format_value(column.kind, (this or {}).get(column.name), currency), True),
        ))
    return TableView(caption, ("", str(year - 1), str(year)), tuple(rows))


# -- the rules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Market:
    """One service in one district with its concentration over the year."""

    service_id: int | None
    district_id: int | None
    service: str
    district: str
    hhi: float
    providers: int
    hours: float


def concentration_warnings(markets: Iterable[Market]) -> tuple[list[Market], list[Market]]:
    """The highly (HHI above 2,500) and the moderately (1,500–2,500) concentrated markets, each
    most concentrated first."""
    ordered = sorted(markets, key=lambda m: (-m.hhi, m.service, m.district))
    high = [m for m in ordered if m.hhi > HHI_HIGH_FROM]
    moderate = [m for m in ordered if HHI_MODERATE_FROM <= m.hhi <= HHI_HIGH_FROM]
    return high, moderate


def skimming_signals(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The cream-skimming indicator's rows that raise its signal, highest ratio first."""
    flagged = [row for row in rows if row.get("signal") == "signal"]
    return sorted(flagged, key=lambda row: -(row.get("skimming_ratio") or 0))


@dataclass(frozen=True)
class TaskFacts:
    """A task on the municipality's competition task list, with its cost in the year when the
    gains map has it."""

    code: str
    name: str
    exposable: bool
    exposed: bool
    service_ids: frozenset[int]
    cost_minor: int | None = None
    hours: float | None = None


@dataclass(frozen=True)
class Proposal:
    code: str
    name: str
    reason: str
    cost_minor: int | None
    #: "not_exposed" or "concentrated".
    kind: str


def propose_tasks(tasks: Iterable[TaskFacts], high: Sequence[Market], *, year: int, currency: str) -> list[Proposal]:
    """The tasks proposed for the year's competition discussion, by the rule the report states
    (PROPOSAL_RULE): first every task that could be exposed to competition but is not, the most
    costly in the year first; then every exposed task one of whose services is highly
    concentrated (HHI above 2,500) in some district, the most concentrated first. Tasks that
    cannot be exposed are left out."""
    tasks = list(tasks)
    open_tasks = sorted((t for t in tasks if t.exposable and not t.exposed),
                        key=lambda t: (-(t.cost_minor or 0), t.code))
    proposals = []
    for task in open_tasks:
        if task.cost_minor is None:
            reason = _("Could be exposed to competition but is not.")
        else:
            reason = _("Could be exposed to competition but is not: %(hours)s hours costing %(cost)s in "
                       "%(year)s.") % {"hours": format_value("hours", task.hours or 0.0, currency),
                                       "cost": format_value("money", task.cost_minor, currency), "year": year}
        proposals.append(Proposal(task.code, task.name, reason, task.cost_minor, "not_exposed"))
    concentrated = []
    for task in tasks:
        if not task.exposed:
            continue
        markets = [m for m in high if m.service_id in task.service_ids]
        if markets:
            worst = max(markets, key=lambda m: m.hhi)
            concentrated.append((worst.hhi, task, worst))
    for _hhi, task, worst in sorted(concentrated, key=lambda item: (-item[0], item[1].code)):
        reason = _("Exposed to competition, but the market for %(service)s in %(district)s is highly concentrated "
                   "(HHI %(hhi)s).") % {"service": worst.service, "district": worst.district,
                                        "hhi": _number(round(worst.hhi), 0)}
        proposals.append(Proposal(task.code, task.name, reason, task.cost_minor, "concentrated"))
    return proposals


PROPOSAL_RULE = gettext_lazy(
    "Proposed are, first, the tasks on the municipality's task list that could be exposed to competition but "
    "are not, the most costly in the year first (the potential of the gains map); then the tasks that are "
    "exposed but where a service of the task has a highly concentrated market (HHI above 2,500) in a district, "
    "the most concentrated first. Tasks marked as not possible to expose are left out.")


# -- the content --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One indicator in a section: its monthly trend as a chart (SVG) with a text alternative,
    and its yearly figures beside it."""

    code: str
    title: str
    description: str
    chart_svg: SafeString | None
    chart_text: str
    table: TableView


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    figures: tuple[Figure, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Method:
    code: str
    title: str
    method: str


@dataclass
class Content:
    """Everything the report prints, in the report's language."""

    municipality: str
    year: int
    data_as_of: datetime | None
    currency: str
    summary: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    high: list[Market] = field(default_factory=list)
    moderate: list[Market] = field(default_factory=list)
    concentration_note: str = ""
    skimming: TableView | None = None
    skimming_note: str = ""
    budget: Figure | None = None
    budget_note: str = ""
    gains: TableView | None = None
    potential: TableView | None = None
    gains_note: str = ""
    proposals: list[Proposal] = field(default_factory=list)
    methods: list[Method] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "high_concentration": len(self.high),
            "moderate_concentration": len(self.moderate),
            "skimming_signals": len(self.skimming.rows) if self.skimming else 0,
            "proposed_tasks": len(self.proposals),
            "indicators": sum(len(s.figures) for s in self.sections),
        }


def _missing(code: str) -> str:
    return _("The indicator %(code)s is not available in this installation; the section is left out.") % {
        "code": code}


def chart_svg(result: IndicatorTable) -> SafeString | None:
    """The indicator's chart drawn as SVG by vl-convert (offline: it bundles Vega), or None."""
    import vl_convert  # imported when used: it loads the bundled Vega engine

    spec = charts.spec(result, width=CHART_WIDTH, height=CHART_HEIGHT)
    if spec is None:
        return None
    svg: str = vl_convert.vegalite_to_svg(spec)
    return mark_safe(svg)  # noqa: S308 - drawn by vl-convert, which escapes every text it places


@dataclass(frozen=True)
class Year:
    year: int

    @property
    def start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        return date(self.year + 1, 1, 1)

    @property
    def before(self) -> date:
        return date(self.year - 1, 1, 1)


def _chart_dimensions(cls: type[Indicator]) -> tuple[str, ...] | None:
    """The breakdown a class's chart needs (its x and colour dimension columns), or None when it
    has no chart or cannot be broken down that way."""
    if cls.chart is None:
        return None
    wanted = {cls.chart.x, cls.chart.color}
    dims = tuple(name for name, column in DIMENSIONS.items() if column in wanted)
    if any(d not in cls.dimensions for d in dims):
        return None
    return dims


@dataclass(frozen=True)
class _Planned:
    cls: type[Indicator]
    trend: Indicator | None
    before: Indicator
    this: Indicator


def _plan(cls: type[Indicator], municipality_id: int, year: Year) -> _Planned:
    """The trend (by month over the year and the year before, when the chart is by month; else
    the chart's breakdown over the year) and the two yearly totals of one indicator."""
    dims = _chart_dimensions(cls)
    trend = None
    if dims is not None:
        start = year.before if "month" in dims else year.start
        try:
            trend = cls(start=start, end=year.end, municipality_id=municipality_id, by=dims)
        except IndicatorError:
            trend = None
    return _Planned(cls, trend,
                    cls(start=year.before, end=year.start, municipality_id=municipality_id),
                    cls(start=year.start, end=year.end, municipality_id=municipality_id))


def _single_row(result: IndicatorTable) -> Mapping[str, Any] | None:
    rows = result.table.to_pylist()
    return rows[0] if len(rows) == 1 else None


def _figure(planned: _Planned, results: Mapping[str, IndicatorTable], year: Year, currency: str) -> Figure:
    cls = planned.cls
    trend = results[planned.trend.key()] if planned.trend is not None else None
    before, this = results[planned.before.key()], results[planned.this.key()]
    svg = chart_svg(trend) if trend is not None else None
    text = charts.describe(trend) if trend is not None and svg is not None else ""
    caption = _("%(title)s: the year and the year before") % {"title": cls.title}
    if this.table.num_rows <= 1 and before.table.num_rows <= 1:
        table = years_view(cls.columns, _single_row(before), _single_row(this), year=year.year, caption=caption,
                           currency=currency)
    else:
        table = table_view(this, _("%(title)s in %(year)s") % {"title": cls.title, "year": year.year}, currency)
    return Figure(cls.code, str(cls.title), str(cls.description), svg, text, table)


class _Assembly:
    """Computes the report's parts as `actor`, collecting them into `content`."""

    def __init__(self, actor: User, municipality: Municipality, year: int) -> None:
        self.actor, self.municipality, self.year = actor, municipality, Year(year)
        self.content = Content(municipality=municipality.name, year=year, data_as_of=None,
                               currency=municipality.currency)

    def run(self, indicators: Sequence[Indicator]) -> dict[str, IndicatorTable]:
        results = indicator_tables(actor=self.actor, indicators=indicators)
        for result in results:
            self.content.data_as_of = result.data_as_of
        return {result.indicator.key(): result for result in results}

    def one(self, code: str, **parameters: Any) -> tuple[type[Indicator], IndicatorTable]:
        cls = REGISTRY.indicators[code]
        indicator = cls(start=self.year.start, end=self.year.end, municipality_id=self.municipality.pk,
                        **parameters)
        return cls, self.run([indicator])[indicator.key()]

    def aspect(self, aspect: str) -> None:
        title = str(ASPECT_TITLES[aspect])
        registered = [cls for cls in REGISTRY.indicators.values() if cls.aspect == aspect]
        notes = tuple(_("%(indicator)s: see the section “%(section)s” below.") % {
            "indicator": cls.title, "section": OWN_SECTIONS[cls.code]}
            for cls in registered if cls.code in OWN_SECTIONS)
        classes = [cls for cls in registered if cls.code not in OWN_SECTIONS]
        if not registered:
            notes = (_("No indicator of this aspect is available in this installation."),)
        plans = [_plan(cls, self.municipality.pk, self.year) for cls in classes]
        results = self.run([i for p in plans for i in (p.trend, p.before, p.this) if i is not None]) if plans else {}
        self.content.sections.append(Section(aspect, title, tuple(
            _figure(p, results, self.year, self.content.currency) for p in plans), notes))

    def concentration(self) -> None:
        if CONCENTRATION not in REGISTRY.indicators:
            self.content.concentration_note = _missing(CONCENTRATION)
            return
        _cls, result = self.one(CONCENTRATION, by=("district", "service"))
        self.content.high, self.content.moderate = concentration_warnings(_markets(result))

    def skimming(self) -> None:
        if SKIMMING not in REGISTRY.indicators:
            self.content.skimming_note = _missing(SKIMMING)
            return
        _cls, result = self.one(SKIMMING, by=("provider",))
        flagged = pa.Table.from_pylist(skimming_signals(result.table.to_pylist()), schema=result.table.schema)
        signalled = IndicatorTable(result.indicator, flagged, result.labels, result.data_as_of)
        self.content.skimming = table_view(signalled, _("Providers with a cream-skimming signal in %(year)s") % {
            "year": self.year.year}, self.content.currency)

    def budget(self) -> None:
        content = self.content
        if BUDGET not in REGISTRY.indicators:
            content.budget_note = _missing(BUDGET)
            return
        cls, result = self.one(BUDGET, by=("month",))
        svg = chart_svg(result)
        content.budget = Figure(
            cls.code, str(cls.title), str(cls.description), svg, charts.describe(result) if svg is not None else "",
            table_view(result, _("%(title)s per month of %(year)s") % {"title": cls.title, "year": self.year.year},
                       content.currency))
        rows = result.table.to_pylist()
        names = set(result.table.column_names)
        if {"cost_minor", "budget_minor"} <= names:
            cost = sum(row["cost_minor"] or 0 for row in rows)
            budget = sum(row["budget_minor"] or 0 for row in rows)
            content.summary.append(_("Settled cost in %(year)s: %(cost)s against a budget of %(budget)s.") % {
                "year": self.year.year, "cost": format_value("money", cost, content.currency),
                "budget": format_value("money", budget, content.currency)})
        if "forecast_minor" in names and rows:
            forecast = sum(row["forecast_minor"] or 0 for row in rows)
            content.summary.append(_("Cost forecast to the end of the year: %(forecast)s.") % {
                "forecast": format_value("money", forecast, content.currency)})

    def exposure(self) -> None:
        if EXPOSURE not in REGISTRY.indicators:
            return
        _cls, result = self.one(EXPOSURE)
        row = _single_row(result)
        share = row.get("iku") if row else None
        if share is not None:
            self.content.summary.append(_(
                "Competition exposure (IKU) in %(year)s: %(share)s of the tasks that could be exposed.") % {
                "year": self.year.year, "share": format_value("share", share, "")})

    def gains(self) -> None:
        """The gains map, the potential and — from them and the concentrated markets — the proposals."""
        content = self.content
        costs: dict[str, tuple[int | None, float | None]] = {}
        if GAINS in REGISTRY.indicators:
            _cls, result = self.one(GAINS)
            content.gains = table_view(result, _("Cost per hour before and after exposure to competition"),
                                       content.currency)
            rows = result.table.to_pylist()
            if {"task_code", "potential_minor", "potential_hours"} <= set(result.table.column_names):
                costs = {row["task_code"]: (row["potential_minor"], row["potential_hours"]) for row in rows}
                open_rows = sorted((row for row in rows if row["potential_minor"] is not None),
                                   key=lambda row: -(row["potential_minor"] or 0))
                content.potential = TableView(
                    _("The potential: tasks not yet exposed to competition, with their volume and cost in "
                      "%(year)s") % {"year": self.year.year},
                    (_("Task"), _("Hours"), _("Cost")),
                    tuple((Cell(f"{row['task_code']} {row.get('task_name') or ''}".strip()),
                           Cell(format_value("hours", row["potential_hours"], content.currency), True),
                           Cell(format_value("money", row["potential_minor"], content.currency), True))
                          for row in open_rows))
        else:
            content.gains_note = _missing(GAINS)
        tasks = [TaskFacts(code=t.code, name=t.name, exposable=t.exposable, exposed=t.exposed_on is not None,
                           service_ids=frozenset(s.pk for s in t.services.all()),
                           cost_minor=costs.get(t.code, (None, None))[0], hours=costs.get(t.code, (None, None))[1])
                 for t in competition_tasks(self.municipality)]
        content.proposals = propose_tasks(tasks, content.high, year=self.year.year, currency=content.currency)


def competition_tasks(municipality: Municipality) -> list[CompetitionTask]:
    """The municipality's competition task list with each task's services."""
    return list(CompetitionTask.objects.filter(municipality=municipality).prefetch_related("services"))


def _markets(result: IndicatorTable) -> list[Market]:
    names = result.labels
    return [Market(
        service_id=row["service_id"], district_id=row["district_id"],
        service=str(names.get("service_id", {}).get(row["service_id"], "–")),
        district=str(names.get("district_id", {}).get(row["district_id"], _("no district"))),
        hhi=float(row["hhi"]), providers=int(row["providers"]), hours=float(row["hours"]),
    ) for row in result.table.to_pylist() if row["hhi"] is not None]


def build(*, actor: User, municipality: Municipality, year: int, progress: Progress) -> Content:
    """The report's content for `year`, computed as `actor` (FOLLOWUP_VIEW) in the active
    language; `progress` hears each step before it starts."""
    require(actor, roles.FOLLOWUP_VIEW)
    assembly = _Assembly(actor, municipality, year)
    steps: list[tuple[str, Callable[[], None]]] = [
        (str(ASPECT_TITLES[aspect]), partial(assembly.aspect, aspect)) for aspect in ASPECTS]
    steps += [
        (_("Concentration warnings"), assembly.concentration),
        (_("Cream-skimming signals"), assembly.skimming),
        (_("Cost against budget"), assembly.budget),
        (_("Competition exposure"), assembly.exposure),
        (_("Gains map and proposed tasks"), assembly.gains),
    ]
    for number, (label, step) in enumerate(steps):
        progress(number * 90 // len(steps), label)
        step()
    content = assembly.content
    counts = content.counts()
    content.summary[:0] = [
        _("%(high)s markets (service and district) are highly concentrated and %(moderate)s moderately.") % {
            "high": counts["high_concentration"], "moderate": counts["moderate_concentration"]},
        _("%(count)s providers show a cream-skimming signal.") % {"count": counts["skimming_signals"]},
        _("%(count)s tasks are proposed for this year's competition discussion.") % {
            "count": counts["proposed_tasks"]},
    ]
    content.methods = [Method(cls.code, str(cls.title), str(cls.method))
                       for aspect in ASPECTS for cls in REGISTRY.indicators.values() if cls.aspect == aspect]
    return content


def render_html(content: Content, *, language: str) -> str:
    return render_to_string("followup/report_document.html", {
        "report": content, "lang": language, "proposal_rule": PROPOSAL_RULE,
        "hhi_high": HHI_HIGH_FROM, "hhi_moderate": HHI_MODERATE_FROM})


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported when used: it loads Pango and fonts

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def file_name(report: AnnualReport) -> str:
    return f"competition-report-{report.year}-{report.public_id}.pdf"
