"""Response shapes of the service catalogue and the rate table in the JSON API."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from frivalg.core.schemas import Day


class ServiceOut(Schema):
    id: UUID
    code: str
    name: str
    care_level: int
    fsiii_code: str
    unit: str
    legal_basis: str
    voucher_design: str
    active: bool

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]


class RateOut(Schema):
    id: UUID
    service: UUID
    service_code: str
    time_band: str
    provider_kind: str
    amount_minor: int = Field(..., description="Price per hour (or per unit) in øre/öre.")
    valid_from: date
    valid_to: date | None = Field(..., description="Inclusive; null when open-ended.")

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
