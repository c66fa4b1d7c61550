"""Request and response shapes of the message cycle in the JSON API (modelled on iWmo)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from frivalg.core.schemas import Day, Input, Moment, QueryInput
from frivalg.providers.schemas import ProviderRef

REFERENCE = Field(
    ..., min_length=1, max_length=100,
    description="Your system's id for this message. Posting the same reference again returns the first "
    "result (200) instead of creating a duplicate.",
)


class DecisionSummary(Schema):
    id: UUID
    citizen: UUID
    citizen_name: str
    service: str
    amount: Decimal
    unit: str
    frequency: str
    flexibility: str
    valid_from: date
    valid_to: date | None

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_citizen(obj: Any) -> UUID:
        return obj.citizen.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_citizen_name(obj: Any) -> str:
        return str(obj.citizen.full_name)

    @staticmethod
    def resolve_service(obj: Any) -> str:
        return str(obj.service.code)


class MessageOut(Schema):
    id: UUID
    kind: str = Field(..., description="allocation (iWmo 301), start_of_care (305), stop_of_care (307), "
                      "change_request (317), answer (319); see docs/messages.md.")
    decision: DecisionSummary
    provider: ProviderRef
    effective_date: date | None = Field(None, description="The day the allocation, start or stop applies from.")
    stop_reason: str
    sent_at: datetime
    external_reference: str
    acknowledged_at: datetime | None

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_effective_date(obj: Any) -> date | None:
        return obj.event_date  # type: ignore[no-any-return]


class AllocationQuery(QueryInput):
    since: Moment | None = Field(None, description="Only allocations sent at or after this moment: pass the "
                                 "`sent_at` of the last one you received and skip the ids you already have.")


class StartIn(Input):
    decision: UUID
    start_date: Day
    external_reference: str = REFERENCE


class StopIn(Input):
    decision: UUID
    stop_date: Day
    reason: str = Field(..., max_length=20, description="died, moved, nursing_home, ended or other.")
    note: str = Field("", max_length=2000, description="Required when the reason is `other`.")
    external_reference: str = REFERENCE


class ChangeRequestIn(Input):
    decision: UUID
    kind: str = Field(..., max_length=20, description="more_time, less_time, other_service or reassessment.")
    reason: str = Field(..., max_length=5000)
    requested_amount: Decimal | None = Field(None, gt=0, lt=10_000_000, max_digits=9, decimal_places=2)
    requested_unit: str = Field("", max_length=8)
    requested_frequency: str = Field("", max_length=6)
    requested_service: UUID | None = None
    external_reference: str = REFERENCE


class ChangeRequestOut(Schema):
    id: UUID
    decision: UUID
    provider: ProviderRef
    kind: str
    requested_amount: Decimal | None
    requested_unit: str
    requested_frequency: str
    requested_service: str | None
    reason: str
    has_evidence: bool
    status: str = Field(..., description="open, approved, partly_approved, rejected or withdrawn.")
    requested_at: datetime
    due_on: date = Field(..., description="The answer is due by this day (working days).")
    answered_at: datetime | None
    answer_text: str
    amended_decision: UUID | None = Field(None, description="The new decision version an approval created.")
    external_reference: str

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_decision(obj: Any) -> UUID:
        return obj.decision.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_requested_service(obj: Any) -> str | None:
        return obj.requested_service.code if obj.requested_service else None

    @staticmethod
    def resolve_has_evidence(obj: Any) -> bool:
        return bool(obj.evidence)

    @staticmethod
    def resolve_amended_decision(obj: Any) -> UUID | None:
        return obj.amended_decision.public_id if obj.amended_decision else None


class FrameAdjustmentIn(Input):
    decision: UUID
    period_kind: str = Field(..., max_length=5, description="week (Monday–Sunday) or month.")
    period_day: Day = Field(..., description="Any day in the period.")
    description: str = Field(..., max_length=5000)
    minutes_moved: int = Field(..., ge=1, le=100_000)
    moved_from: str = Field(..., max_length=200, description="The day or task the time was taken from.")
    moved_to: str = Field(..., max_length=200, description="The day or task the time was moved to.")
    planned_minutes_after: int = Field(..., ge=0, le=1_000_000,
                                       description="The period's planned or used minutes after the move.")
    external_reference: str = REFERENCE


class FrameAdjustmentOut(Schema):
    id: UUID
    decision: UUID
    period_kind: str
    period_start: date
    description: str
    minutes_moved: int
    moved_from: str
    moved_to: str
    planned_minutes_after: int
    granted_minutes: int
    external_reference: str

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_decision(obj: Any) -> UUID:
        return obj.decision.public_id  # type: ignore[no-any-return]
