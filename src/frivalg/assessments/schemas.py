"""Request and response shapes of citizens, assessments and decisions in the JSON API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from ninja import Field, Schema

from frivalg.assessments.models import DecisionStatus, Flexibility, Frequency, Scale
from frivalg.catalogue.models import Unit
from frivalg.core.models import Language
from frivalg.core.schemas import Day, Input, QueryInput
from frivalg.core.selectors import citizen_can_see_national_id


class CitizenOut(Schema):
    id: UUID
    national_id: str | None = Field(None, description="Only for roles that may see national id numbers.")
    first_name: str
    last_name: str
    birth_date: date
    address: str
    postcode: str
    city: str
    district: str = Field(..., description="The district's code.")
    language: str
    phone: str
    contact_name: str
    contact_phone: str

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_district(obj: Any) -> str:
        return obj.district.code  # type: ignore[no-any-return]

    @staticmethod
    def resolve_national_id(obj: Any, context: dict[str, Any]) -> str | None:
        actor = context["request"].auth
        return obj.national_id if citizen_can_see_national_id(actor, obj) else None


class CitizenIn(Input):
    national_id: str = Field(..., min_length=1, max_length=20)
    first_name: str = Field(..., min_length=1, max_length=80)
    last_name: str = Field(..., min_length=1, max_length=80)
    birth_date: Day
    address: str = Field(..., min_length=1, max_length=200)
    postcode: str = Field(..., min_length=1, max_length=10)
    city: str = Field(..., min_length=1, max_length=80)
    district: str = Field(
        ..., min_length=1, max_length=16, description="The district's code (GET /districts)."
    )
    language: Language = Language.DANISH
    phone: str = Field("", max_length=30)
    contact_name: str = Field("", max_length=160)
    contact_phone: str = Field("", max_length=30)


Score = Annotated[int, Field(ge=0, le=9)]
AreaCode = Annotated[str, Field(min_length=1, max_length=80)]


class AssessmentOut(Schema):
    id: UUID
    citizen: UUID
    assessed_on: date
    scale: str
    scores: dict[str, int] = Field(..., description="Function-ability score per condition area (J1–J5 …).")
    notes: str
    citizen_view: str
    next_reassessment_due: date | None
    assessor: str

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_citizen(obj: Any) -> UUID:
        return obj.citizen.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_scores(obj: Any) -> dict[str, int]:
        return {score.area_code: score.score for score in obj.scores.all()}

    @staticmethod
    def resolve_assessor(obj: Any) -> str:
        return obj.assessor.get_full_name() or obj.assessor.username  # type: ignore[no-any-return]


class AssessmentIn(Input):
    citizen: UUID
    assessed_on: Day
    scale: Scale = Scale.FSIII
    scores: dict[AreaCode, Score] = Field(..., description="Score per condition area, e.g. {\"J1\": 2}.")
    notes: str = Field("", max_length=20_000)
    citizen_view: str = Field("", max_length=20_000)
    next_reassessment_due: Day | None = None


class ServiceRef(Schema):
    id: UUID
    code: str
    name: str

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]


class DecisionOut(Schema):
    id: UUID
    citizen: UUID
    service: ServiceRef
    assessment: UUID | None
    amount: Decimal
    unit: str
    frequency: str
    flexibility: str
    valid_from: date
    valid_to: date | None
    status: str
    reason: str
    decided_at: datetime | None
    choice_deadline: date | None

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_citizen(obj: Any) -> UUID:
        return obj.citizen.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_amount(obj: Any) -> Decimal:
        return Decimal(obj.amount).quantize(Decimal("0.01"))

    @staticmethod
    def resolve_assessment(obj: Any) -> UUID | None:
        return obj.assessment.public_id if obj.assessment_id else None


class DecisionIn(Input):
    citizen: UUID
    service: UUID
    assessment: UUID | None = None
    amount: Annotated[Decimal, Field(gt=0, max_digits=9, decimal_places=2)]
    unit: Unit
    frequency: Frequency
    flexibility: Flexibility = Flexibility.FIXED_VISITS
    valid_from: Day
    valid_to: Day | None = None
    reason: str = Field(..., max_length=20_000)


class DecisionEndIn(Input):
    valid_to: Day
    reason: str = Field(..., max_length=20_000)


class CitizenFilter(QueryInput):
    q: str = Field("", max_length=100, description="Search by name, address or (staff) national id number.")


class DecisionFilter(Schema):
    citizen: UUID | None = None
    status: DecisionStatus | None = None
