"""The accounting export of a settlement run: settlement lines booked to the municipality's
accounts and cost centres, as CSV for the finance system. Pure: no Django.

Booking: the account comes from the line's service code (`account_by_service`), the cost centre
from the citizen's district (`cost_centre_by_district`). A service or district with no mapping is
booked to the default account or cost centre and named once in `warnings`, with its line count
and amount, so finance can fix the mapping before the file is imported.

Two layouts, same header style:

- `AGGREGATED` (the default, for the general ledger): one row per (account, cost centre,
  provider, service), with the number of lines it sums;
- `PER_LINE` (for reconciliation and audit): one row per settlement line, in input order.

CSV: UTF-8 text without a byte-order mark, `;` separated, a header row, CRLF line ends, fields
quoted only when needed; amounts as decimals with two places and a full stop (`1234.50`,
`-80.00`). There is no total row by default — an importer would book it — but the export carries
`total_minor`, which equals the sum of the rows and the sum of the lines exactly (amounts are
summed as integer minor units, never rounded); `include_total_row=True` appends one."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

AGGREGATED_HEADER = (
    "account",
    "cost_centre",
    "provider_org_number",
    "provider_name",
    "service_code",
    "lines",
    "amount",
)
PER_LINE_HEADER = (
    "account",
    "cost_centre",
    "provider_org_number",
    "provider_name",
    "service_code",
    "time_band",
    "district_code",
    "reason_code",
    "amount",
)
TOTAL_LABEL = "TOTAL"


class Layout(StrEnum):
    AGGREGATED = "aggregated"
    PER_LINE = "per_line"


@dataclass(frozen=True)
class AccountingLine:
    provider_org_number: str
    provider_name: str
    service_code: str
    time_band: str
    citizen_district_code: str
    amount_minor: int
    reason_code: str


@dataclass(frozen=True)
class AccountingConfig:
    account_by_service: Mapping[str, str]
    default_account: str
    cost_centre_by_district: Mapping[str, str]
    default_cost_centre: str


@dataclass(frozen=True)
class AccountingExport:
    csv_text: str
    layout: Layout
    #: Data rows, without the header and any total row.
    row_count: int
    total_minor: int
    warnings: tuple[str, ...]


def amount(minor: int) -> str:
    """Minor units as a decimal with two places: -8000 → '-80.00'."""
    return str(Decimal(minor).scaleb(-2).quantize(Decimal("0.01")))


def _booking(line: AccountingLine, config: AccountingConfig) -> tuple[str, str]:
    account = config.account_by_service.get(line.service_code, config.default_account)
    cost_centre = config.cost_centre_by_district.get(line.citizen_district_code, config.default_cost_centre)
    return account, cost_centre


def _warnings(lines: list[AccountingLine], config: AccountingConfig) -> tuple[str, ...]:
    unmapped_services: dict[str, list[int]] = {}
    unmapped_districts: dict[str, list[int]] = {}
    for line in lines:
        if line.service_code not in config.account_by_service:
            unmapped_services.setdefault(line.service_code, []).append(line.amount_minor)
        if line.citizen_district_code not in config.cost_centre_by_district:
            unmapped_districts.setdefault(line.citizen_district_code, []).append(line.amount_minor)
    found = [
        f"service {code!r} has no account: {len(amounts)} line(s), {amount(sum(amounts))} "
        f"booked to default account {config.default_account}"
        for code, amounts in sorted(unmapped_services.items())
    ]
    found += [
        f"district {code!r} has no cost centre: {len(amounts)} line(s), {amount(sum(amounts))} "
        f"booked to default cost centre {config.default_cost_centre}"
        for code, amounts in sorted(unmapped_districts.items())
    ]
    return tuple(found)


def export_csv(
    lines: Iterable[AccountingLine],
    config: AccountingConfig,
    *,
    layout: Layout = Layout.AGGREGATED,
    include_total_row: bool = False,
) -> AccountingExport:
    """Book `lines` and render them as CSV in `layout`; rows are sorted by their key columns
    (aggregated) or kept in input order (per line), so the same input gives the same file."""
    items = list(lines)
    rows: list[tuple[str, ...]]
    if layout is Layout.AGGREGATED:
        header: tuple[str, ...] = AGGREGATED_HEADER
        sums: dict[tuple[str, str, str, str, str], list[int]] = {}
        for line in items:
            account, cost_centre = _booking(line, config)
            key = (account, cost_centre, line.provider_org_number, line.provider_name, line.service_code)
            entry = sums.setdefault(key, [0, 0])
            entry[0] += 1
            entry[1] += line.amount_minor
        rows = [(*key, str(count), amount(total)) for key, (count, total) in sorted(sums.items())]
    else:
        header = PER_LINE_HEADER
        rows = [
            (
                *_booking(line, config),
                line.provider_org_number,
                line.provider_name,
                line.service_code,
                line.time_band,
                line.citizen_district_code,
                line.reason_code,
                amount(line.amount_minor),
            )
            for line in items
        ]
    total = sum(line.amount_minor for line in items)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    if include_total_row:
        writer.writerow((TOTAL_LABEL, *([""] * (len(header) - 2)), amount(total)))
    return AccountingExport(buffer.getvalue(), layout, len(rows), total, _warnings(items, config))
