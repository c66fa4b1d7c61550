"""Response shapes of providers and their approvals in the JSON API."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from ninja import Schema


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
