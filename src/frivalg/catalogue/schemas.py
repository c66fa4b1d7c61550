"""Response shapes of the service catalogue and the rate table in the JSON API."""

from __future__ import annotations

from datetime import date, time
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from frivalg.core.schemas import Day, FieldError


class ServiceOut(Schema):
    id: UUID
    code: str
    name: str
    care_level: int
    fsiii_code: str
    unit: str
    legal_basis: str
    voucher_design: str = Field(..., description="cash | time | specific (seed 003).")
    payment_basis: str = Field(
        ...,
        description="granted_time | performed_time | per_visit | capitation | per_unit: what providers are paid for.",
    )
    cash_amount_minor: int | None = Field(
        None, description="A cash voucher's amount per month in øre/öre; null for the other voucher designs."
    )
    active: bool

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]


class RateOut(Schema):
    id: UUID
    service: UUID
    service_code: str
    time_band: str
    area: str = Field(..., description="town | suburb | rural, or all: the citizen's district kind.")
    provider_kind: str
    unit: str = Field(..., description="hour | visit | meal | day | month | piece: what the price is per.")
    amount_minor: int = Field(..., description="Price per unit in øre/öre.")
    valid_from: date
    valid_to: date | None = Field(..., description="Inclusive; null when open-ended.")
    settled_through: date | None = Field(
        ..., description="Used by an approved settlement through this day: never edited, a new version replaces it."
    )

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_service(obj: Any) -> UUID:
        return obj.service.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_service_code(obj: Any) -> str:
        return obj.service.code  # type: ignore[no-any-return]


class RateFilter(Schema):
    on: Day | None = Field(None, description="Only the rates in force on this day.")


class RejectedRateRowOut(Schema):
    row: int = Field(..., description="1-based, as a person counts the rows (the CSV header is not counted).")
    field: str
    reason: str
    data: dict[str, str]


class RateImportOut(Schema):
    created: int
    rejected_rows: int
    rejected: list[RejectedRateRowOut]


class RateImportErrorOut(Schema):
    """The error shape; when the rows were read but none could be stored, the import's answer
    comes with it."""

    detail: list[FieldError]
    created: int | None = None
    rejected_rows: int | None = None
    rejected: list[RejectedRateRowOut] | None = None


RATE_IMPORT_REQUEST_BODY = {
    "required": True,
    "content": {
        "text/csv": {
            "schema": {"type": "string"},
            "example": "service_code,time_band,area,provider_kind,unit,price,valid_from,valid_to\n"
            "PH,day,rural,private,hour,432.50,2027-01-01,\n",
        },
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"},
        },
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "CSV (UTF-8, `,` or `;`) or an Excel workbook (.xlsx, first sheet).",
                    }
                },
                "required": ["file"],
            },
        },
    },
}


class ServiceDesignIn(Schema):
    voucher_design: str = Field(..., description="cash | time | specific.")
    payment_basis: str = Field(..., description="granted_time | performed_time | per_visit | capitation | per_unit.")
    cash_amount_minor: int | None = Field(
        None, description="Required for a cash voucher: its amount per month in øre/öre; null otherwise."
    )


class ExtraDayIO(Schema):
    month: int
    day: int
    name: str
    band: str = Field("holiday", description="holiday | major")


class TimeBandsIO(Schema):
    """A municipality's time bands: weekday [start, end) in local time, covering the day."""

    day_start: time
    day_end: time
    evening_start: time
    evening_end: time
    night_start: time
    night_end: time
    split_weekend: bool = False
    crossing_rule: str = Field(
        "start",
        description="How a visit crossing a band boundary is priced: split (each part in its band), "
        "start (the band it starts in) or majority (the band with the most minutes; a tie goes to the start).",
    )
    extra_days: list[ExtraDayIO] = []
    default: bool = Field(False, description="True when none is stored and the default applies (read only).")
