"""Response shapes of the service guidelines and the proposals in the JSON API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from frivalg.assessments.schemas import ServiceRef


class ConditionOut(Schema):
    area: str = Field(..., description="An area code (J1.3) or a prefix covering its sub-areas (J1).")
    op: str = Field(..., description="`>=`, `<=` or `=`.")
    score: int


class GuidelineRuleOut(Schema):
    id: UUID
    order: int
    label: str
    conditions: list[ConditionOut]
    combine: str = Field(..., description="`all`: every condition must hold; `any`: one is enough.")
    service: ServiceRef
    amount: Decimal
    unit: str
    frequency: str
    flexibility: str
    explanation: str

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_amount(obj: Any) -> Decimal:
        return Decimal(obj.amount).quantize(Decimal("0.01"))


class GuidelineOut(Schema):
    id: UUID
    version: int
    title: str
    scale: str
    status: str
    valid_from: date | None
    valid_to: date | None
    published_at: datetime | None
    rules: list[GuidelineRuleOut]

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_rules(obj: Any) -> list[Any]:
        return list(obj.rules.all())


class GuidelineRef(Schema):
    id: UUID
    version: int
    valid_from: date | None

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]


class ProposalOut(Schema):
    service_code: str
    amount: Decimal
    unit: str
    frequency: str
    rule_label: str
    explanation: str


class ProposalSetOut(Schema):
    assessment: UUID
    guideline: GuidelineRef | None = Field(
        ..., description="The version in force on the assessment's date; null when there is none or the "
        "assessment is still a draft.")
    proposals: list[ProposalOut]
