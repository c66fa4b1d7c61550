"""Response shapes of published price sheets in the JSON API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema


class PriceSheetOut(Schema):
    id: UUID
    municipality: str = Field(..., description="The municipality's code.")
    year: int
    version: int
    currency: str
    valid_from: date
    published_at: datetime

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_municipality(obj: Any) -> str:
        return obj.municipality.code  # type: ignore[no-any-return]


class StepInputOut(Schema):
    name: str
    value: str = Field(..., description="An exact decimal number as text.")
    unit: str


class StepOut(Schema):
    label: str
    inputs: list[StepInputOut]
    formula: str = Field(..., description="How the result follows from the inputs, to recompute by hand.")
    result: str = Field(..., description="An exact decimal number as text.")
    unit: str
    source: str = Field(..., description="Where the input comes from (account, agreement, register).")
    rounding: str


class PriceLineOut(Schema):
    service: str
    time_band: str
    method: str = Field(..., description="`cost_pools` or `markup_chain`.")
    steps: list[StepOut]
    in_house_price: str = Field(..., description="Per delivered hour, exact decimal as text.")
    private_steps: list[StepOut]
    private_price: str | None = Field(..., description="A private provider's price per hour, if adjusted.")


class WarningOut(Schema):
    path: str
    code: str
    message: str


class PriceSheetDetailOut(PriceSheetOut):
    pool_steps: list[StepOut]
    lines: list[PriceLineOut]
    warnings: list[WarningOut]

    @staticmethod
    def resolve_pool_steps(obj: Any) -> Any:
        return obj.content["pool_steps"]

    @staticmethod
    def resolve_lines(obj: Any) -> Any:
        return obj.content["lines"]

    @staticmethod
    def resolve_warnings(obj: Any) -> Any:
        return obj.content["warnings"]
