"""Request and response shapes of the citizen's choice of provider in the JSON API."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from frivalg.core.schemas import Input
from frivalg.providers.schemas import ProviderRef


class ProviderOption(ProviderRef):
    """A provider the citizen may choose for a decision, with what a citizen compares."""

    languages: list[str]
    description: str
    clients: int = Field(..., description="Current clients for this service.")
    capacity: int | None = Field(..., description="Clients taken for this service; null: no limit.")
    accepting_new_clients: bool

    @staticmethod
    def resolve_accepting_new_clients(obj: Any) -> bool:
        has_room = obj.capacity is None or obj.clients < obj.capacity
        return not obj.closed_for_new and has_room


class ChoiceOut(Schema):
    id: UUID
    decision: UUID
    provider: ProviderRef
    valid_from: date
    valid_to: date | None
    how: str = Field(..., description="`active` (chosen) or `default` (assigned by the default rule).")
    default_rule: str
    reason: str

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
    notice_days: int = Field(10, ge=0, le=365, description="Days before the new provider takes over.")
