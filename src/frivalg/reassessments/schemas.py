"""Request and response shapes of reassessment queues and flags in the JSON API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema

from frivalg.core.schemas import Input, QueryInput
from frivalg.reassessments.evidence import evidence_text
from frivalg.reassessments.models import FlagKind, FlagStatus
from frivalg.reassessments.selectors import QueueRow


class CitizenBrief(Schema):
    id: UUID
    first_name: str
    last_name: str


class FlagOut(Schema):
    id: UUID
    citizen: CitizenBrief
    decision: UUID | None = Field(None, description="The decision the flag concerns (time flags).")
    kind: FlagKind
    status: FlagStatus
    period_from: date
    period_to: date = Field(..., description="Inclusive.")
    raised_on: date
    evidence: dict[str, Any] = Field(..., description="The figures behind the flag.")
    evidence_text: str = Field(..., description="The evidence in words, in the language asked for.")
    note: str
    resolved_at: datetime | None

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_citizen(obj: Any) -> dict[str, Any]:
        return {"id": obj.citizen.public_id, "first_name": obj.citizen.first_name, "last_name": obj.citizen.last_name}

    @staticmethod
    def resolve_decision(obj: Any) -> UUID | None:
        return obj.decision.public_id if obj.decision_id else None

    @staticmethod
    def resolve_evidence_text(obj: Any) -> str:
        return evidence_text(obj)


class QueueRowOut(Schema):
    citizen: CitizenBrief
    assessment: UUID = Field(..., description="The citizen's latest assessment.")
    assessor: str | None = Field(None, description="The username of the needs assessor responsible.")
    due_on: date
    days_overdue: int = Field(..., description="Positive when overdue, 0 when due today, negative when ahead.")
    reason: str = Field(..., description="standard, rehabilitation_ended, hospital_stay, high_care_level or manual.")
    flags: list[FlagOut]

    @staticmethod
    def resolve_citizen(obj: QueueRow) -> dict[str, Any]:
        return {"id": obj.citizen.public_id, "first_name": obj.citizen.first_name, "last_name": obj.citizen.last_name}

    @staticmethod
    def resolve_assessment(obj: QueueRow) -> UUID:
        return obj.assessment.public_id

    @staticmethod
    def resolve_assessor(obj: QueueRow) -> str | None:
        return obj.citizen.caseworker.username if obj.citizen.caseworker else None


class QueueFilter(QueryInput):
    scope: Literal["mine", "team"] = Field("mine", description="mine: my caseload; team: the whole municipality.")


class FlagFilter(QueryInput):
    status: FlagStatus | None = None
    citizen: UUID | None = None


class FlagResolveIn(Input):
    note: str = Field(..., max_length=2000, description="What was done about the flag.")
