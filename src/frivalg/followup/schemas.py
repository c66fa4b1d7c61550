"""Shapes of follow-up in the JSON API: the key figures of a month, the indicator registry and
an indicator's table."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from frivalg.core.schemas import EARLIEST_YEAR, LATEST_YEAR, Day, QueryInput


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


class ColumnOut(Schema):
    name: str
    label: str
    kind: str = Field(..., description="count, share (fraction 0–1), hours, minutes, money (integer minor units), "
                                       "index, days, number, text, date; `dimension` for a breakdown column.")
    suppress_below: bool = Field(False, description="Counts people or cases: held back when small in published "
                                                    "figures.")


class IndicatorOut(Schema):
    code: str
    aspect: str
    title: str
    description: str
    method: str
    dimensions: list[str]
    columns: list[ColumnOut]
    public: bool


class IndicatorQuery(QueryInput):
    start: Day | None = Field(None, description="First day (default: the first day of the last 12 full months).")
    end: Day | None = Field(None, description="Last day, included (default: the last day of the last full month).")
    by: str = Field("", max_length=100, description="Comma list of dimensions: district, service, provider, month.")
    district: str | None = Field(None, max_length=16, description="A district's code.")
    service: UUID | None = Field(None, description="A service's id.")
    provider: UUID | None = Field(None, description="A provider's id.")


class PublicIndicatorQuery(QueryInput):
    start: Day | None = Field(None, description="First day (default: the first day of the last 12 full months).")
    end: Day | None = Field(None, description="Last day, included (default: the last day of the last full month).")
    by: str = Field("", max_length=100, description="Comma list of dimensions: district, service, provider, month.")


class IndicatorDataOut(Schema):
    """Breakdown columns hold names (`district`, `service`, `provider`, `municipality`) and the
    first day of a `month`; internal ids never appear. Suppressed figures are null."""

    code: str
    start: date
    end: date = Field(..., description="Inclusive.")
    by: list[str]
    data_as_of: datetime
    suppressed: int = Field(..., description="Rows whose figures are held back as small counts.")
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]
