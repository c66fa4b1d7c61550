"""A rate table as a file: the CSV download and reading an upload, shared by the finance page
and the JSON API (the columns and parsing rules are catalogue.rules.CSV_COLUMNS)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.catalogue import rules

#: A rate table is small; a bigger file is a mistake.
MAX_RATE_ROWS = 5000


def rates_csv_response(rows: list[dict[str, str]]) -> HttpResponse:
    """The rate table as a CSV download (shared with the finance page)."""
    response = HttpResponse(rules.rate_rows_to_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rates-{timezone.localdate().isoformat()}.csv"'
    return response


def read_rate_csv(data: bytes) -> list[dict[str, str]]:
    """Decode and split an uploaded rate table; a file that cannot be read is a `file` error."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError({"file": _("The file is not UTF-8 text.")}) from None
    try:
        rows = rules.csv_to_rate_rows(text)
    except rules.MissingColumns as problem:
        message = _("Missing column(s): %(columns)s.") % {"columns": ", ".join(problem.columns)}
        raise ValidationError({"file": message}) from None
    if len(rows) > MAX_RATE_ROWS:
        raise ValidationError({"file": _("Send at most %(max)s rows at a time.") % {"max": MAX_RATE_ROWS}})
    return rows
