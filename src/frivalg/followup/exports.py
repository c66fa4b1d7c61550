"""An indicator's table as a file to download: CSV (UTF-8 with BOM, so spreadsheets read the
letters right) and Excel (openpyxl). Both show what the page shows: a header row of column
labels, the names of districts, services, providers and municipalities rather than their ids,
months as YYYY-MM. In CSV shares are per cent and money is in major units; in Excel numbers stay
numbers — shares as fractions with a per cent number format, money in major units with two
decimals — so the sheet computes with them. Suppressed figures are empty cells."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.text import slugify
from django.utils.translation import gettext as _

from frivalg.followup.indicators.base import DIMENSIONS
from frivalg.followup.selectors import IndicatorTable

_ID_COLUMNS = ("municipality_id", "district_id", "service_id", "provider_id")

#: Excel number formats per column kind.
_XLSX_FORMATS = {
    "share": "0.0%",
    "money": "#,##0.00",
    "hours": "#,##0.00",
    "minutes": "#,##0",
    "count": "#,##0",
    "days": "#,##0.0",
    "index": "#,##0.00",
    "number": "#,##0.00",
}


def dimension_label(column: str) -> str:
    labels = {
        "municipality_id": _("Municipality"),
        "district_id": _("District"),
        "service_id": _("Service"),
        "provider_id": _("Provider"),
        "month": _("Month"),
    }
    return labels.get(column, column)


def kinds(result: IndicatorTable) -> dict[str, str]:
    """The kind of every column of the table: declared columns as declared, dimensions as text."""
    declared = {c.name: c.kind for c in result.indicator.columns}
    return {name: declared.get(name, "text") for name in result.table.column_names}


def header(result: IndicatorTable, *, per_cent_suffix: bool) -> list[str]:
    labels = {c.name: str(c.label) for c in result.indicator.columns}
    column_kinds = kinds(result)
    out = []
    for name in result.table.column_names:
        if name in DIMENSIONS.values():
            out.append(dimension_label(name))
            continue
        label = labels.get(name, name)
        if column_kinds[name] == "share" and per_cent_suffix:
            label = f"{label} (%)"
        out.append(label)
    return out


def _dimension_value(result: IndicatorTable, column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in _ID_COLUMNS:
        return result.labels.get(column, {}).get(value, str(value))
    if column == "month" and isinstance(value, date):
        return value.strftime("%Y-%m")
    return value


def _major(minor: Any) -> Decimal:
    return (Decimal(int(minor)) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _csv_value(kind: str, value: Any) -> Any:
    if value is None:
        return ""
    if kind == "share":
        return (Decimal(str(value)) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if kind == "money":
        return _major(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_csv(result: IndicatorTable) -> str:
    """The table as CSV text (comma separated, point as decimal mark), with a BOM."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header(result, per_cent_suffix=True))
    column_kinds = kinds(result)
    names = result.table.column_names
    for row in result.table.to_pylist():
        writer.writerow([
            _dimension_value(result, name, row[name]) if name in DIMENSIONS.values()
            else _csv_value(column_kinds[name], row[name])
            for name in names])
    return buffer.getvalue()


def _xlsx_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "money":
        return _major(value)
    if kind == "share":
        return float(value)
    return value


def to_xlsx(result: IndicatorTable) -> bytes:
    """The table as an Excel workbook of one sheet, the header row bold and frozen."""
    from openpyxl import Workbook  # imported when used: only exports need it
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = str(result.indicator.code)[:31]
    sheet.append(header(result, per_cent_suffix=False))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    column_kinds = kinds(result)
    names = result.table.column_names
    for row in result.table.to_pylist():
        sheet.append([
            _dimension_value(result, name, row[name]) if name in DIMENSIONS.values()
            else _xlsx_value(column_kinds[name], row[name])
            for name in names])
    for index, name in enumerate(names, start=1):
        number_format = _XLSX_FORMATS.get(column_kinds[name])
        if number_format is None or name in DIMENSIONS.values():
            continue
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.number_format = number_format
    for index, title in enumerate(header(result, per_cent_suffix=False), start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(12, min(40, len(title) + 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def file_name(result: IndicatorTable, extension: str) -> str:
    """`hhi_2025-03_2026-02.csv`: the code and the months covered."""
    indicator = result.indicator
    last = date.fromordinal(indicator.end.toordinal() - 1)
    slug = slugify(indicator.code) or "indicator"
    return f"{slug}_{indicator.start:%Y-%m}_{last:%Y-%m}.{extension}"
