"""Response shape of the market's key figures in the JSON API."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from frivalg.core.schemas import EARLIEST_YEAR, LATEST_YEAR


class KeyFiguresQuery(Schema):
    year: int = Field(..., ge=EARLIEST_YEAR, le=LATEST_YEAR)
    month: int = Field(..., ge=1, le=12)


class KeyFiguresOut(Schema):
    """Shares are fractions 0–1 (null when there is nothing to divide by); hours are hours."""

    period_start: date
    period_end: date = Field(..., description="Inclusive.")
    citizens_with_grant: int
    granted_hours: Decimal
    average_granted_hours_per_week: Decimal | None
    delivered_hours: Decimal
    delivered_share: Decimal | None = Field(..., description="Delivered (verified) ÷ granted hours.")
    providers_approved: int
    providers_with_clients: int
    clients: int
    private_share: Decimal | None = Field(..., description="Share of clients of private providers.")
    active_choice_share: Decimal | None = Field(..., description="Share of active choices.")
    switches: int
    hhi: Decimal | None = Field(..., description="Herfindahl–Hirschman index of client shares, 0–10 000.")
    concentration: str | None

    @staticmethod
    def resolve_period_start(obj: Any) -> date:
        return obj.period.start  # type: ignore[no-any-return]

    @staticmethod
    def resolve_period_end(obj: Any) -> date:
        return obj.period.end - timedelta(days=1)  # type: ignore[no-any-return]
