"""Request and response shapes of settlement runs in the JSON API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from frivalg.core.schemas import EARLIEST_YEAR, LATEST_YEAR, Input
from frivalg.providers.schemas import ProviderRef


class RunOut(Schema):
    id: UUID
    provider: ProviderRef
    municipality: str
    period_start: date
    period_end: date = Field(..., description="Exclusive.")
    status: str
    currency: str
    total_minor: int = Field(..., description="In øre/öre.")
    line_count: int
    approved_at: datetime | None
    exported_at: datetime | None

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_municipality(obj: Any) -> str:
        return obj.municipality.code  # type: ignore[no-any-return]


class LineOut(Schema):
    visit: UUID | None
    decision: UUID
    service: str
    time_band: str
    planned_minutes: int
    performed_minutes: int
    payable_minutes: Decimal
    unit_price_minor: int
    amount_minor: int
    reason_code: str

    @staticmethod
    def resolve_visit(obj: Any) -> UUID | None:
        return obj.visit.public_id if obj.visit_id else None

    @staticmethod
    def resolve_decision(obj: Any) -> UUID:
        return obj.decision.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_service(obj: Any) -> str:
        return obj.service.code  # type: ignore[no-any-return]


class RunDetailOut(RunOut):
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return obj.visible_lines  # type: ignore[no-any-return]  # set by the endpoint from lines_for


class RunIn(Input):
    provider: UUID
    year: int = Field(..., ge=EARLIEST_YEAR, le=LATEST_YEAR)
    month: int = Field(..., ge=1, le=12)
