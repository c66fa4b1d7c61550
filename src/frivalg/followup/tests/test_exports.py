"""An indicator's table as CSV and Excel: labels for headers, names for ids, per cent and major
units where the page shows them, numbers that stay numbers in Excel."""

from datetime import UTC, date, datetime
from io import BytesIO

import pyarrow as pa
import pytest
from django.utils import translation
from openpyxl import load_workbook

from frivalg.followup import exports
from frivalg.followup.indicators.base import Column, Indicator
from frivalg.followup.selectors import IndicatorTable


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


class Example(Indicator):
    code = "example"
    aspect = "economy"
    title = "Example"
    description = "An example."
    method = "By hand."
    dimensions = ("provider", "month")
    columns = (
        Column("clients", "Clients", "count", suppress_below=True),
        Column("share", "Private share", "share"),
        Column("cost_minor", "Cost", "money"),
        Column("hours", "Hours", "hours"),
    )

    def expression(self, engine):  # pragma: no cover - the tests give the table
        raise NotImplementedError


def result():
    table = pa.table({
        "provider_id": pa.array([7, 8], pa.int64()),
        "month": pa.array([date(2026, 1, 1), date(2026, 2, 1)], pa.date32()),
        "clients": pa.array([12, None], pa.int64()),
        "share": pa.array([0.25, None], pa.float64()),
        "cost_minor": pa.array([123456, 5], pa.int64()),
        "hours": pa.array([1.5, 0.25], pa.float64()),
    })
    indicator = Example(start=date(2026, 1, 1), end=date(2026, 3, 1), municipality_id=1, by=("provider", "month"))
    return IndicatorTable(indicator, table, {"provider_id": {7: "Omsorg ApS", 8: "Hjemmeplejen"}},
                          datetime(2026, 3, 1, tzinfo=UTC), 1)


def test_csv_has_labels_names_per_cent_and_major_units():
    text = exports.to_csv(result())
    assert text.startswith("\ufeff")
    lines = text.removeprefix("\ufeff").splitlines()
    assert lines == [
        "Provider,Month,Clients,Private share (%),Cost,Hours",
        # 0.25 → 25.00 %; 123456 øre → 1234.56; 1.5 hours stay hours.
        "Omsorg ApS,2026-01,12,25.00,1234.56,1.5",
        # Held back: empty cells; 5 øre → 0.05.
        "Hjemmeplejen,2026-02,,,0.05,0.25",
    ]


def test_xlsx_keeps_numbers_as_numbers_with_formats():
    sheet = load_workbook(BytesIO(exports.to_xlsx(result()))).active
    assert sheet.title == "example"
    assert [c.value for c in sheet[1]] == ["Provider", "Month", "Clients", "Private share", "Cost", "Hours"]
    row = [c for c in sheet[2]]
    assert [c.value for c in row] == ["Omsorg ApS", "2026-01", 12, 0.25, 1234.56, 1.5]
    assert row[3].number_format == "0.0%"
    assert row[4].number_format == "#,##0.00"
    assert [c.value for c in sheet[3]][2:4] == [None, None]


def test_file_name_names_the_months():
    assert exports.file_name(result(), "csv") == "example_2026-01_2026-02.csv"
