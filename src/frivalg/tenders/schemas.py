"""Shapes of tenders, questions and bids in the JSON API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from ninja import Field, Schema

from frivalg.core.schemas import Input

Code = Annotated[str, Field(min_length=1, max_length=20)]


def _public_id(obj: Any) -> UUID:
    return obj.public_id  # type: ignore[no-any-return]


class TenderOut(Schema):
    id: UUID
    municipality: str
    reference: str
    title: str
    status: str
    cpv_code: str
    evaluation_model: str
    question_deadline: datetime | None
    bid_deadline: datetime | None
    published_at: datetime | None

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return _public_id(obj)

    @staticmethod
    def resolve_municipality(obj: Any) -> str:
        return obj.municipality.code  # type: ignore[no-any-return]


class LotOut(Schema):
    id: UUID
    number: int
    title: str
    service_code: str
    districts: list[str]
    price_form: str
    volumes: dict[str, int] = Field(..., description="Estimated volume per year per key of the price form.")
    max_winners: int

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return _public_id(obj)

    @staticmethod
    def resolve_service_code(obj: Any) -> str:
        return obj.service.code  # type: ignore[no-any-return]

    @staticmethod
    def resolve_districts(obj: Any) -> list[str]:
        return [district.code for district in obj.districts.all()]


class CriterionOut(Schema):
    code: str
    parent: str | None
    name: str
    description: str
    weight: Decimal = Field(..., description="Percent of the parent's points (or of all quality points).")
    scale_max: int
    grade_descriptions: dict[str, str] = Field(..., description="What earns each grade.")
    value_per_point_minor: int

    @staticmethod
    def resolve_parent(obj: Any) -> str | None:
        return obj.parent.code if obj.parent_id else None


class TenderDetailOut(TenderOut):
    description: str
    free_choice: bool
    model_parameters: dict[str, str]
    price_weight: Decimal
    min_quality_overall: Decimal
    min_quality_per_criterion: Decimal
    two_graders: bool
    standstill_days: int
    contract_start: date | None
    contract_end: date | None
    option_months: int
    risk_band_low_percent: int
    risk_band_high_percent: int
    risk_rule: str
    lots: list[LotOut]
    criteria: list[CriterionOut]

    @staticmethod
    def resolve_lots(obj: Any) -> list[Any]:
        return obj.lots_list  # type: ignore[no-any-return]

    @staticmethod
    def resolve_criteria(obj: Any) -> list[Any]:
        return obj.criteria_list  # type: ignore[no-any-return]


class QuestionOut(Schema):
    """Published without the asker's name."""

    id: UUID
    text: str
    answer: str
    answered_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return _public_id(obj)


class QuestionIn(Input):
    text: str = Field(..., min_length=1, max_length=4000)


class BidOut(Schema):
    id: UUID
    tender: UUID
    lot: UUID
    provider: str
    control_bid: bool
    status: str
    prices: dict[str, int]
    evaluation_price_minor: int
    answers: dict[str, str]
    document_name: str
    submitted_at: datetime | None
    withdrawn_at: datetime | None

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return _public_id(obj)

    @staticmethod
    def resolve_tender(obj: Any) -> UUID:
        return obj.tender.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_lot(obj: Any) -> UUID:
        return obj.lot.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_provider(obj: Any) -> str:
        return obj.provider.name  # type: ignore[no-any-return]


class BidIn(Input):
    prices: dict[Code, Annotated[int, Field(ge=1, le=10**11)]] = Field(
        default_factory=dict,
        description="Price per key of the lot's price form, minor units (øre/öre): per hour per time band "
        "(`day`, `evening` …), per `unit` or per `month`. Leave empty for the in-house control bid.")
    answers: dict[Code, Annotated[str, Field(max_length=20000)]] = Field(
        default_factory=dict, description="The answer per criterion code.")
    submit: bool = Field(True, description="Submit the bid (true) or keep it as a draft (false).")
