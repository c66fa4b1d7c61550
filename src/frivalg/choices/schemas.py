"""Request and response shapes of the citizen's choice of provider in the JSON API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema

from frivalg.core.schemas import Input
from frivalg.providers.schemas import ProviderRef


class Satisfaction(Schema):
    answers: int = Field(..., description="Ratings in the last four quarters.")
    mean: Decimal | None = Field(..., description="Mean 1–5; null under 5 answers (hidden).")


class ProviderOption(Schema):
    """A provider the citizen may choose for a decision, with what a citizen compares (the same
    for every provider, the in-house one included). Built from `selectors.ProviderComparison`."""

    id: UUID
    name: str
    kind: str
    languages: list[str]
    description: str
    specialities: list[str]
    clients: int = Field(..., description="Current clients for this service.")
    capacity: int | None = Field(..., description="Clients taken for this service; null: no limit.")
    places_left: int | None = Field(..., description="Free places; null: no stated limit.")
    accepting_new_clients: bool = Field(..., description="Open to new clients and a place free.")
    price_minor: int | None = Field(..., description="Weekday daytime price per unit in øre/öre.")
    price_unit: str
    continuity: Decimal | None = Field(
        ..., description="Mean different caregivers seen in 14 days by citizens with 2+ visits a day (07–22).")
    punctuality_percent: Decimal | None = Field(
        ..., description="Share of done visits checked in within 15 minutes of the planned start.")
    satisfaction: Satisfaction
    complaints_per_100_clients: Decimal | None = Field(..., description="Complaints in 12 months per 100 clients.")
    is_current: bool

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.provider.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.provider.name)

    @staticmethod
    def resolve_kind(obj: Any) -> str:
        return str(obj.provider.kind)

    @staticmethod
    def resolve_languages(obj: Any) -> list[str]:
        return list(obj.provider.languages or [])

    @staticmethod
    def resolve_description(obj: Any) -> str:
        return str(obj.provider.description)

    @staticmethod
    def resolve_accepting_new_clients(obj: Any) -> bool:
        return bool(obj.has_places)

    @staticmethod
    def resolve_punctuality_percent(obj: Any) -> Decimal | None:
        return obj.punctuality  # type: ignore[no-any-return]

    @staticmethod
    def resolve_complaints_per_100_clients(obj: Any) -> Decimal | None:
        return obj.complaints_per_100  # type: ignore[no-any-return]


class ChoiceOut(Schema):
    id: UUID
    decision: UUID
    provider: ProviderRef
    valid_from: date
    valid_to: date | None
    how: str = Field(..., description="`active` (chosen) or `default` (assigned by the default rule).")
    default_rule: str
    reason: str
    initiated_by: str = Field(..., description="citizen, relative, assessor, provider or system.")

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_decision(obj: Any) -> UUID:
        return obj.decision.public_id  # type: ignore[no-any-return]


class ChoiceIn(Input):
    provider: UUID


class SwitchIn(Input):
    provider: UUID
    notice_days: int | None = Field(
        None, ge=0, le=365,
        description="Days before the new provider takes over; default the municipality's notice (staff may shorten).")
    reason: str = Field("", max_length=2000, description="Why the citizen switches (optional).")


class RatingIn(Input):
    citizen: UUID = Field(..., description="The citizen rating (themselves, or the one a relative acts for).")
    provider: UUID
    respect: int = Field(..., ge=1, le=5)
    on_time: int = Field(..., ge=1, le=5)
    same_people: int = Field(..., ge=1, le=5)
    overall: int = Field(..., ge=1, le=5)


class RatingOut(Schema):
    id: UUID
    provider: ProviderRef
    quarter: str

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]


class ComplaintIn(Input):
    citizen: UUID
    provider: UUID
    text: str = Field(..., min_length=1, max_length=5000)


class ComplaintOut(Schema):
    id: UUID
    provider: ProviderRef
    text: str
    received: date
    outcome: str = Field(..., description="upheld, partly, rejected, or empty while open.")

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]


class DefaultRuleSettingIO(Input):
    rule: Literal["rotation", "lottery", "nearest", "in_house"]
    choice_deadline_days: int = Field(..., ge=0, le=365)
    switch_notice_days: int = Field(..., ge=0, le=365)
