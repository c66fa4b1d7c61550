"""Rate tables as Excel workbooks: the export reads back to the same rows, every rejected row is
reported as from a CSV, Excel numbers and dates become the text the CSV path checks, and a file
that is neither CSV nor .xlsx is a field error."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from frivalg.catalogue import rules
from frivalg.catalogue.models import Rate
from frivalg.catalogue.rate_files import XLSX_CONTENT_TYPE, rates_xlsx_bytes, read_rate_file

API = "/api/v1"


def workbook(*rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = rules.CSV_COLUMNS


def test_cells_become_the_text_the_csv_path_reads():
    assert rules.cell_text(232.5) == "232.50"
    assert rules.cell_text(0.1 + 0.2) == "0.30000000000000004"  # refused as too many decimals, not rounded
    assert rules.cell_text(400.0) == "400"
    assert rules.cell_text(Decimal("12.3")) == "12.30"
    assert rules.cell_text(0.125) == "0.125"
    assert rules.cell_text(58) == "58"
    assert rules.cell_text(datetime(2027, 1, 1)) == "2027-01-01"
    assert rules.cell_text(datetime(2027, 1, 1, 8, 30)) == "2027-01-01T08:30:00"
    assert rules.cell_text(date(2027, 12, 31)) == "2027-12-31"
    assert rules.cell_text(None) == ""
    assert rules.cell_text(" PH ") == " PH "


@given(st.integers(min_value=0, max_value=10**12))
def test_a_price_in_ore_survives_a_float_cell(minor):
    as_float = float(Decimal(minor) / 100)
    assert rules.price_to_minor(rules.cell_text(as_float)) == minor


def test_sheet_rows_are_keyed_by_the_header_and_blank_rows_skipped():
    rows = rules.sheet_to_rate_rows(
        [
            ("valid_from", "price", "service_code", "time_band", "provider_kind", None),
            (datetime(2027, 1, 1), 432.5, "PH", "day", "private", "ignored"),
            (None, None, None, None, None, None),
            (None, "x", "PH", "day", "private", None),
        ]
    )
    assert rows == [
        {"valid_from": "2027-01-01", "price": "432.50", "service_code": "PH", "time_band": "day",
         "provider_kind": "private"},
        {"valid_from": "", "price": "x", "service_code": "PH", "time_band": "day", "provider_kind": "private"},
    ]
    with pytest.raises(rules.MissingColumns) as missing:
        rules.sheet_to_rate_rows([("service_code", "price")])
    assert missing.value.columns == ("time_band", "provider_kind", "valid_from")
    with pytest.raises(rules.MissingColumns):
        rules.sheet_to_rate_rows([])


def test_the_export_workbook_has_numbers_and_dates():
    data = rates_xlsx_bytes(
        [{"service_code": "PH", "time_band": "day", "area": "all", "provider_kind": "private", "unit": "hour",
          "price": "432.50", "valid_from": "2027-01-01", "valid_to": ""}]
    )
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in sheet[1]] == list(HEADER)
    values = [c.value for c in sheet[2]]
    assert values[5] == 432.5 and values[6] == datetime(2027, 1, 1) and values[7] is None
    assert read_rate_file(data)[0]["price"] == "432.50"


def test_xlsx_export_then_import_gives_the_same_rows(world, client):
    client.force_login(world.finance)
    before = client.get(f"{API}/rates.csv").content.decode()
    response = client.get(f"{API}/rates.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert client.get(reverse("catalogue:rates_export_xlsx")).content[:2] == b"PK"
    Rate.objects.filter(municipality=world.muni).delete()
    result = client.post(f"{API}/rates/import", response.content, content_type=XLSX_CONTENT_TYPE)
    assert result.status_code == 200
    assert (result.json()["created"], result.json()["rejected"]) == (20, [])
    assert client.get(f"{API}/rates.csv").content.decode() == before
    client.force_login(world.assessor)
    assert client.get(f"{API}/rates.xlsx").status_code == 403


def test_xlsx_rejected_rows_are_reported_like_csv(world, client):
    client.force_login(world.finance)
    data = workbook(
        HEADER,
        ("PH", "day", "rural", "private", "hour", 432.5, datetime(2027, 1, 1), None),
        ("PH", "dawn", "rural", "private", "hour", "432,50", datetime(2027, 1, 1), None),
        ("PH", "day", "town", "private", "hour", 0.125, "01-01-2027", datetime(2026, 1, 1)),
    )
    upload = SimpleUploadedFile("rates.xlsx", data, content_type="application/octet-stream")
    response = client.post(f"{API}/rates/import", {"file": upload})
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["rejected_rows"]) == (1, 2)
    assert [(r["row"], r["field"]) for r in body["rejected"]] == [
        (2, "time_band"), (3, "price"), (3, "valid_from")
    ]
    assert body["rejected"][1]["data"]["price"] == "0.125"
    assert Rate.objects.get(service=world.practical, area="rural").amount_minor == 43250


def test_the_page_imports_xlsx_and_links_the_download(world, client):
    client.force_login(world.finance)
    page = client.get(reverse("catalogue:rates")).content.decode()
    assert reverse("catalogue:rates_export_xlsx") in page
    data = workbook(HEADER, ("PH", "day", "rural", "private", "", 432.5, datetime(2027, 1, 1), None))
    upload = SimpleUploadedFile("rater.xlsx", data)
    response = client.post(reverse("catalogue:rates"), {"file": upload})
    assert response.context["result"].created == 1


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("rates.xlsx", b"PK\x03\x04 this is no zip archive"),
        ("rates.xlsx", b"not a workbook at all"),
        ("rates.csv", b"\xff\xfe\x00garbage"),
        ("rates.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
        ("rates.xlsx", workbook(("service_code", "price"), ("PH", 1))),
    ],
)
def test_a_corrupt_file_is_refused_on_the_file_field(world, client, name, data):
    client.force_login(world.finance)
    response = client.post(f"{API}/rates/import", {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "file"
    response = client.post(reverse("catalogue:rates"), {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert Rate.objects.filter(valid_from__year=2027).count() == 0


def test_a_zip_that_is_not_a_workbook_is_refused(world, client):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    client.force_login(world.finance)
    response = client.post(f"{API}/rates/import", out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    assert (response.status_code, response.json()["detail"][0]["field"]) == (422, "file")
