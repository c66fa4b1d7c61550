"""Request and response shapes of waiting lists in the JSON API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from frivalg.core.schemas import Day, Input
from frivalg.waitinglists.models import EntryStatus, UrgencyReason


class RuleOut(Schema):
    version: int
    valid_from: date
    need_weight: int = Field(..., description="Points per need point of the latest completed assessment.")
    wait_weight: int = Field(..., description="Points per day on the list.")
    urgent_reasons: list[str] = Field(..., description="Urgencies that rank above every non-urgent entry.")
    in_words: list[str] = Field(..., description="The rule in plain language (Accept-Language).")


class WaitingListOut(Schema):
    id: UUID
    name: str
    service: str = Field(..., description="The service's code.")
    places: int
    free_places: int = Field(..., description="Places freed and not yet offered.")
    rule: RuleOut

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_service(obj: Any) -> str:
        return obj.service.code  # type: ignore[no-any-return]

    @staticmethod
    def resolve_rule(obj: Any) -> dict[str, Any]:
        from frivalg.waitinglists.ranking import rule_in_words

        return {"version": obj.rule_version, "valid_from": obj.rule_valid_from, "need_weight": obj.need_weight,
                "wait_weight": obj.wait_weight, "urgent_reasons": obj.urgent_reasons,
                "in_words": rule_in_words(obj)}


class EntryOut(Schema):
    id: UUID
    citizen: UUID
    citizen_name: str
    decision: UUID
    applied_on: date
    need_score: int
    urgent: bool
    urgent_reason: str
    status: EntryStatus
    position: int | None = Field(..., description="Null once the entry has left the list.")
    score: int
    offered_on: date | None
    placed_on: date | None

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_citizen(obj: Any) -> UUID:
        return obj.citizen.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_citizen_name(obj: Any) -> str:
        return obj.citizen.full_name  # type: ignore[no-any-return]

    @staticmethod
    def resolve_decision(obj: Any) -> UUID:
        return obj.decision.public_id  # type: ignore[no-any-return]


class RankChangeOut(Schema):
    at: datetime
    old_position: int
    new_position: int
    code: str
    reason: str

    @staticmethod
    def resolve_reason(obj: Any) -> str:
        return str(obj.get_code_display())


class MyEntryOut(Schema):
    id: UUID
    waiting_list: str
    citizen_name: str
    status: EntryStatus
    position: int | None
    places: int
    score_explained: str
    rule: list[str] = Field(..., description="How the list is ordered, in plain language.")
    history: list[RankChangeOut] = Field(..., description="Every change of position, newest first, with its reason.")


class EntryIn(Input):
    decision: UUID = Field(..., description="A granted decision for the list's service.")
    applied_on: Day
    urgent: bool = False
    reason: UrgencyReason | None = Field(None, description="Why the entry is urgent; one of the list's urgencies.")
