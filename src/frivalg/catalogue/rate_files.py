"""A rate table as a file: the CSV and Excel (.xlsx) downloads and reading an upload of either,
shared by the finance page and the JSON API (the columns and parsing rules are
catalogue.rules.CSV_COLUMNS; an Excel cell becomes the CSV text by rules.cell_text)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from frivalg.catalogue import rules

#: A rate table is small; a bigger file is a mistake.
MAX_RATE_ROWS = 5000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: How a file starts: an .xlsx is a zip archive; an old .xls is an OLE2 compound document.
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0"
_DATE_COLUMNS = ("valid_from", "valid_to")


def _filename(extension: str) -> str:
    return f"rates-{timezone.localdate().isoformat()}.{extension}"


def rates_csv_response(rows: list[dict[str, str]]) -> HttpResponse:
    """The rate table as a CSV download (shared with the finance page)."""
    response = HttpResponse(rules.rate_rows_to_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


def _typed_cell(name: str, text: str) -> object:
    """An export cell as Excel should hold it: the price a number, the dates dates, the rest text."""
    if not text:
        return None
    if name == "price":
        return Decimal(text)
    if name in _DATE_COLUMNS:
        return date.fromisoformat(text)
    return text


def rates_xlsx_bytes(rows: list[dict[str, str]]) -> bytes:
    """The rate table as an Excel workbook: one sheet, the header of rules.CSV_COLUMNS, prices as
    numbers with two decimals and dates as dates, so it reads back to the same rows."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Rates")[:31]
    sheet.append(list(rules.CSV_COLUMNS))
    for number, row in enumerate(rows, start=2):
        sheet.append([_typed_cell(name, row.get(name, "")) for name in rules.CSV_COLUMNS])
        sheet.cell(number, rules.CSV_COLUMNS.index("price") + 1).number_format = "0.00"
        for name in _DATE_COLUMNS:
            sheet.cell(number, rules.CSV_COLUMNS.index(name) + 1).number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rates_xlsx_response(rows: list[dict[str, str]]) -> HttpResponse:
    """The rate table as an .xlsx download (shared with the finance page)."""
    response = HttpResponse(rates_xlsx_bytes(rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename("xlsx")}"'
    return response


def _missing_columns_error(problem: rules.MissingColumns) -> ValidationError:
    message = _("Missing column(s): %(columns)s.") % {"columns": ", ".join(problem.columns)}
    return ValidationError({"file": message})


def _too_many_rows() -> ValidationError:
    return ValidationError({"file": _("Send at most %(max)s rows at a time.") % {"max": MAX_RATE_ROWS}})


def read_rate_csv(data: bytes) -> list[dict[str, str]]:
    """Decode and split an uploaded CSV rate table; a file that cannot be read is a `file` error."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(
            {"file": _("The file is neither UTF-8 CSV text nor an Excel workbook (.xlsx).")}
        ) from None
    try:
        rows = rules.csv_to_rate_rows(text)
    except rules.MissingColumns as problem:
        raise _missing_columns_error(problem) from None
    except csv.Error:
        raise ValidationError({"file": _("The file is not a readable CSV table.")}) from None
    if len(rows) > MAX_RATE_ROWS:
        raise _too_many_rows()
    return rows


def _sheet_cells(data: bytes) -> list[tuple[object, ...]]:
    """The cell values of the first sheet, row by row (at most a little over MAX_RATE_ROWS).
    openpyxl raises many kinds of errors on a damaged or foreign file (zip, XML, key and value
    errors); each of them means the same thing to the person uploading, so all are one `file`
    error here rather than a server error."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if not workbook.worksheets:
                raise ValidationError({"file": _("The workbook has no sheet.")})
            cells: list[tuple[object, ...]] = []
            for values in workbook.worksheets[0].iter_rows(values_only=True):
                cells.append(tuple(values))
                if len(cells) > MAX_RATE_ROWS * 2:
                    raise _too_many_rows()
            return cells
        finally:
            workbook.close()
    except ValidationError:
        raise
    except Exception:  # any failure to parse an uploaded file is the uploader's file error
        raise ValidationError({"file": _("The file is not a readable Excel workbook (.xlsx).")}) from None


def read_rate_xlsx(data: bytes) -> list[dict[str, str]]:
    """Read the first sheet of an uploaded .xlsx rate table (header names as in the CSV; cells by
    rules.cell_text); a file that is not a readable workbook is a `file` error."""
    try:
        rows = rules.sheet_to_rate_rows(_sheet_cells(data))
    except rules.MissingColumns as problem:
        raise _missing_columns_error(problem) from None
    if len(rows) > MAX_RATE_ROWS:
        raise _too_many_rows()
    return rows


def read_rate_file(data: bytes, filename: str = "") -> list[dict[str, str]]:
    """An uploaded rate table, CSV or .xlsx, told apart by its content (an .xlsx is a zip archive)
    or its name; anything else is a clear `file` error, never a server error."""
    name = filename.lower()
    if data.startswith(_OLE2_MAGIC) or name.endswith(".xls"):
        raise ValidationError({"file": _("Old Excel files (.xls) cannot be read: save it as .xlsx or CSV.")})
    if data.startswith(_ZIP_MAGIC) or name.endswith(".xlsx"):
        return read_rate_xlsx(data)
    return read_rate_csv(data)
