"""Response shapes of providers and their approvals in the JSON API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from ninja import Field, Schema

from frivalg.core.schemas import Input


class ProviderRef(Schema):
    id: UUID
    name: str
    kind: str

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]


class ProviderOut(ProviderRef):
    org_number: str
    contact_name: str
    contact_email: str
    contact_phone: str
    languages: list[str]
    description: str
    districts: list[str]

    @staticmethod
    def resolve_districts(obj: Any) -> list[str]:
        return [district.code for district in obj.districts.all()]


class ApprovalOut(Schema):
    id: UUID
    provider: ProviderRef
    service: UUID
    service_code: str
    municipality: str
    status: str
    capacity: int | None
    accepting_new_clients: bool
    valid_from: date | None
    valid_to: date | None

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_service(obj: Any) -> UUID:
        return obj.service.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_service_code(obj: Any) -> str:
        return obj.service.code  # type: ignore[no-any-return]

    @staticmethod
    def resolve_municipality(obj: Any) -> str:
        return obj.municipality.code  # type: ignore[no-any-return]


class RequirementOut(Schema):
    id: UUID
    code: str
    version: int
    title: str
    description: str
    kind: str
    document_required: bool
    service_code: str | None
    valid_from: date
    valid_to: date | None

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_service_code(obj: Any) -> str | None:
        return obj.service.code if obj.service is not None else None


class RequirementAnswerOut(Schema):
    id: UUID
    requirement: str
    version: int
    answer: str
    has_document: bool
    outcome: str
    note: str

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_requirement(obj: Any) -> str:
        return obj.requirement.code  # type: ignore[no-any-return]

    @staticmethod
    def resolve_version(obj: Any) -> int:
        return obj.requirement.version  # type: ignore[no-any-return]

    @staticmethod
    def resolve_has_document(obj: Any) -> bool:
        return bool(obj.document)


class ApprovalStatusOut(ApprovalOut):
    notice_given_on: date | None
    reason: str
    may_approve: bool
    unmet: list[str]
    answers: list[RequirementAnswerOut]

    @staticmethod
    def resolve_may_approve(obj: Any) -> bool:
        return obj.verdict.may_approve  # type: ignore[no-any-return]

    @staticmethod
    def resolve_unmet(obj: Any) -> list[str]:
        return list(obj.verdict.unmet)

    @staticmethod
    def resolve_answers(obj: Any) -> list[Any]:
        return obj.visible_answers  # type: ignore[no-any-return]


class ApplicationIn(Input):
    service: UUID = Field(..., description="The service to be approved for (its public id).")
    capacity: int | None = Field(None, ge=1, le=100_000, description="Clients the provider can take.")
    districts: list[Annotated[str, Field(max_length=20)]] = Field(
        default_factory=list, max_length=100, description="Codes of the districts it will serve.")
    languages: list[Annotated[str, Field(max_length=10)]] = Field(
        default_factory=list, max_length=50, description="Language codes, e.g. `da`, `en`.")


class CapacityIn(Input):
    capacity: int | None = Field(None, ge=1, le=100_000, description="Clients the provider can take; null: no limit.")
    accepting_new_clients: bool


class CapacityRowOut(Schema):
    service_code: str
    district_code: str
    provider: ProviderRef
    approval: UUID
    capacity: int | None
    clients: int
    places_left: int | None
    accepting_new_clients: bool


class WithoutProviderOut(Schema):
    decision: UUID
    service_code: str
    previous_provider: ProviderRef
    reason: str


class CapacityOverviewOut(Schema):
    rows: list[CapacityRowOut]
    without_provider: list[WithoutProviderOut]
