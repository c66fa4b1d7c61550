import csv
import io
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from frivalg.settlements.accounting import (
    AGGREGATED_HEADER,
    PER_LINE_HEADER,
    AccountingConfig,
    AccountingLine,
    Layout,
    export_csv,
)

CONFIG = AccountingConfig(
    account_by_service={"PP": "5.32.32.001", "PH": "5.32.32.002"},
    default_account="5.32.32.999",
    cost_centre_by_district={"N": "4100", "S": "4200"},
    default_cost_centre="4000",
)


def line(provider="12345678", service="PP", district="N", amount=0, band="day", reason="performed", name="Pleje ApS"):
    return AccountingLine(provider, name, service, band, district, amount, reason)


LINES = [
    line(amount=24000),
    line(amount=24050, band="evening"),
    line(service="PH", amount=16000),
    line(district="S", amount=8000, reason="minimum"),
    line(provider="87654321", name="Hjemmehjælp; Syd A/S", amount=12000),
    line(provider="87654321", name="Hjemmehjælp; Syd A/S", amount=-4000, reason="correction"),
    line(service="XX", district="Q", amount=1234),
]


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_aggregated_worked_example():
    export = export_csv(LINES, CONFIG)
    assert rows(export.csv_text) == [
        list(AGGREGATED_HEADER),
        ["5.32.32.001", "4100", "12345678", "Pleje ApS", "PP", "2", "480.50"],
        ["5.32.32.001", "4100", "87654321", "Hjemmehjælp; Syd A/S", "PP", "2", "80.00"],
        ["5.32.32.001", "4200", "12345678", "Pleje ApS", "PP", "1", "80.00"],
        ["5.32.32.002", "4100", "12345678", "Pleje ApS", "PH", "1", "160.00"],
        ["5.32.32.999", "4000", "12345678", "Pleje ApS", "XX", "1", "12.34"],
    ]
    assert export.total_minor == 81284
    assert export.row_count == 5
    assert export.layout is Layout.AGGREGATED
    assert export.csv_text.startswith("account;cost_centre;")
    assert export.csv_text.endswith("\r\n")
    assert '"Hjemmehjælp; Syd A/S"' in export.csv_text


def test_unmapped_service_and_district_go_to_defaults_with_warnings():
    export = export_csv(LINES, CONFIG)
    assert export.warnings == (
        "service 'XX' has no account: 1 line(s), 12.34 booked to default account 5.32.32.999",
        "district 'Q' has no cost centre: 1 line(s), 12.34 booked to default cost centre 4000",
    )
    assert export_csv(LINES[:-1], CONFIG).warnings == ()


def test_per_line_layout_keeps_every_line_in_order():
    export = export_csv(LINES, CONFIG, layout=Layout.PER_LINE)
    table = rows(export.csv_text)
    assert table[0] == list(PER_LINE_HEADER)
    assert len(table) == len(LINES) + 1
    assert table[2] == ["5.32.32.001", "4100", "12345678", "Pleje ApS", "PP", "evening", "N", "performed", "240.50"]
    assert table[6][-2:] == ["correction", "-40.00"]
    assert export.row_count == len(LINES)
    assert export.total_minor == 81284


def test_total_row_is_optional_and_reconciles():
    table = rows(export_csv(LINES, CONFIG, include_total_row=True).csv_text)
    assert table[-1] == ["TOTAL", "", "", "", "", "", "812.84"]
    assert sum(Decimal(row[-1]) for row in table[1:-1]) == Decimal("812.84")
    assert rows(export_csv(LINES, CONFIG, layout=Layout.PER_LINE, include_total_row=True).csv_text)[-1][-1] == "812.84"


def test_empty_export_has_header_only():
    export = export_csv([], CONFIG)
    assert export.csv_text == ";".join(AGGREGATED_HEADER) + "\r\n"
    assert export.total_minor == 0


def test_same_input_gives_the_same_file():
    assert export_csv(LINES, CONFIG).csv_text == export_csv(list(reversed(LINES)), CONFIG).csv_text


accounting_lines = st.lists(
    st.builds(
        AccountingLine,
        provider_org_number=st.sampled_from(["12345678", "87654321", "11112222"]),
        provider_name=st.sampled_from(["Pleje ApS", "Hjem; Co", 'Citat "A/S"']),
        service_code=st.sampled_from(["PP", "PH", "XX", "YY"]),
        time_band=st.sampled_from(["day", "evening", "night"]),
        citizen_district_code=st.sampled_from(["N", "S", "Q"]),
        amount_minor=st.integers(min_value=-10_000_000, max_value=10_000_000),
        reason_code=st.sampled_from(["performed", "capped", "correction"]),
    ),
    max_size=60,
)


@settings(max_examples=100, deadline=None)
@given(lines=accounting_lines, layout=st.sampled_from(list(Layout)))
def test_export_total_equals_the_sum_of_the_lines(lines, layout):
    export = export_csv(lines, CONFIG, layout=layout)
    table = rows(export.csv_text)
    expected = sum(item.amount_minor for item in lines)
    assert export.total_minor == expected
    assert sum(Decimal(row[-1]) for row in table[1:]) * 100 == expected
    assert all(len(row[-1].split(".")[1]) == 2 for row in table[1:])
    if layout is Layout.AGGREGATED:
        assert sum(int(row[5]) for row in table[1:]) == len(lines)
        assert len({tuple(row[:5]) for row in table[1:]}) == len(table) - 1
    else:
        assert len(table) - 1 == len(lines)
