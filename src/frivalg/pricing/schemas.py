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


class AfterCalculationLineOut(Schema):
    provider: UUID
    provider_name: str
    service: str
    time_band: str
    hours: str = Field(..., description="Delivered hours, exact decimal as text.")
    set_price_minor: int = Field(..., description="The published price per hour, in øre/öre.")
    actual_price_minor: int = Field(..., description="The price per hour from the actual accounts, in øre/öre.")
    difference_minor: int = Field(..., description="(actual − set price) × hours, rounded half up to øre/öre.")
    settled_minor: int = Field(..., description="What is paid (+) or recovered (−) under the direction.")
    formula: str

    @staticmethod
    def resolve_provider(obj: Any) -> UUID:
        return obj.provider.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_provider_name(obj: Any) -> str:
        return obj.provider.name  # type: ignore[no-any-return]

    @staticmethod
    def resolve_hours(obj: Any) -> str:
        return str(obj.hours)


class AfterCalculationOut(Schema):
    id: UUID
    price_sheet: UUID
    actual_cost_model: UUID
    year: int
    currency: str
    direction: str = Field(..., description="`both_ways` or `upward_only`.")
    source: str = Field(..., description="`visits` (verified visits) or `file`.")
    total_minor: int
    created_at: datetime

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_price_sheet(obj: Any) -> UUID:
        return obj.price_sheet.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_actual_cost_model(obj: Any) -> UUID:
        return obj.actual_cost_model.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_year(obj: Any) -> int:
        return obj.price_sheet.year  # type: ignore[no-any-return]

    @staticmethod
    def resolve_currency(obj: Any) -> str:
        return obj.price_sheet.currency  # type: ignore[no-any-return]


class AfterCalculationDetailOut(AfterCalculationOut):
    lines: list[AfterCalculationLineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.select_related("provider").order_by("provider__name", "service", "time_band"))
