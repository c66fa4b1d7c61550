"""Charts of indicator tables as Vega-Lite specifications built with Altair: the pages draw them
with vega-embed (static/frivalg/charts.js), the annual report renders them to SVG with
vl-convert. A chart is decoration on top of its table: every page shows the table beside it and a
text alternative (`describe`) saying what the chart shows."""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from frivalg.followup.indicators.base import DIMENSIONS
from frivalg.followup.selectors import IndicatorTable

_DIMENSION_TITLES = {
    "municipality_id": lambda: _("Municipality"),
    "district_id": lambda: _("District"),
    "service_id": lambda: _("Service"),
    "provider_id": lambda: _("Provider"),
    "month": lambda: _("Month"),
}


def _title(result: IndicatorTable, column: str) -> str:
    if column in _DIMENSION_TITLES:
        return str(_DIMENSION_TITLES[column]())
    for declared in result.indicator.columns:
        if declared.name == column:
            return str(declared.label)
    return column


def _kind(result: IndicatorTable, column: str) -> str:
    for declared in result.indicator.columns:
        if declared.name == column:
            return declared.kind
    return "text"


def _display(result: IndicatorTable, column: str, value: Any) -> Any:
    """The value a chart plots for `column`: names for dimension ids, ISO months, per cent for shares,
    major units for money."""
    if value is None:
        return None
    if column in result.labels:
        return result.labels[column].get(value, str(value))
    if column == "month":
        return value.strftime("%Y-%m")
    for declared in result.indicator.columns:
        if declared.name == column and declared.labels and isinstance(value, str):
            return str(declared.labels.get(value, value))
    kind = _kind(result, column)
    if kind == "share":
        return round(float(value) * 100, 2)
    if kind == "money":
        return round(int(value) / 100, 2)
    return value


def chart_values(result: IndicatorTable) -> list[dict[str, Any]]:
    chart = result.indicator.chart
    if chart is None:
        return []
    columns = [c for c in (chart.x, chart.y, chart.color) if c]
    return [{c: _display(result, c, row.get(c)) for c in columns} for row in result.table.to_pylist()]


def _axis_title(result: IndicatorTable, column: str) -> str:
    kind = _kind(result, column)
    title = _title(result, column)
    if kind == "share":
        return f"{title} (%)"
    return title


def spec(result: IndicatorTable, *, width: int | str = "container", height: int = 260) -> dict[str, Any] | None:
    """The Vega-Lite spec of the indicator's chart, or None when it has none or nothing to draw."""
    import altair as alt  # imported when used

    chart = result.indicator.chart
    values = [v for v in chart_values(result) if chart is not None and v.get(chart.y) is not None]
    if chart is None or not values:
        return None
    x_type = "O" if chart.x in ("month",) or chart.x in DIMENSIONS.values() or _kind(result, chart.x) == "text" \
        else "Q"
    x = alt.X(f"{chart.x}:{x_type}", title=_axis_title(result, chart.x))
    y = alt.Y(f"{chart.y}:Q", title=_axis_title(result, chart.y))
    encodings: dict[str, Any] = {"x": x, "y": y, "tooltip": [
        alt.Tooltip(f"{c}:{'Q' if c == chart.y else 'N'}", title=_axis_title(result, c))
        for c in (chart.x, chart.y, chart.color) if c]}
    if chart.color:
        encodings["color"] = alt.Color(f"{chart.color}:N", title=_axis_title(result, chart.color),
                                       legend=alt.Legend(orient="bottom"))
        if chart.mark == "bar":
            encodings["xOffset"] = alt.XOffset(f"{chart.color}:N")
    base = alt.Chart(alt.InlineData(values=values))
    mark = {"bar": base.mark_bar(), "line": base.mark_line(point=True), "point": base.mark_point()}[chart.mark]
    built = mark.encode(**encodings).properties(width=width, height=height).configure(aria=False)
    result_spec: dict[str, Any] = built.to_dict()
    return result_spec


def describe(result: IndicatorTable) -> str:
    """A text alternative for the chart: what it plots, over how many rows, and where the value
    is highest and lowest."""
    chart = result.indicator.chart
    values = [v for v in chart_values(result) if chart is not None and v.get(chart.y) is not None]
    if chart is None:
        return ""
    if not values:
        return _("%(title)s: no figures for this selection.") % {"title": result.indicator.title}
    label = _axis_title(result, chart.y)

    def name(v: dict[str, Any]) -> str:
        parts = [str(v[chart.x])]
        if chart.color and v.get(chart.color) is not None:
            parts.append(str(v[chart.color]))
        return " · ".join(parts)

    high = max(values, key=lambda v: v[chart.y])
    low = min(values, key=lambda v: v[chart.y])
    return _("%(title)s (%(label)s) over %(count)s points: highest %(high)s at %(high_at)s, lowest %(low)s at "
             "%(low_at)s. The table below holds every figure.") % {
        "title": result.indicator.title, "label": label, "count": len(values),
        "high": number_format(high[chart.y], use_l10n=True), "high_at": name(high),
        "low": number_format(low[chart.y], use_l10n=True), "low_at": name(low)}
