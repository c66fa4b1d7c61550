"""Request and response shapes of citizens, assessments and decisions in the JSON API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from ninja import Field, Schema

from frivalg.assessments.models import (
    AppealStatus,
    AssessmentStatus,
    DecisionStatus,
    Flexibility,
    Frequency,
    Performer,
    ReferralSource,
    Scale,
)
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
    status: str
    referral_source: str
    performers: dict[str, str] = Field(..., description="Who performs the activity, per area.")
    views: dict[str, str] = Field(..., description="The citizen's own view, per area.")

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
    def resolve_performers(obj: Any) -> dict[str, str]:
        return {score.area_code: score.performer for score in obj.scores.all() if score.performer}

    @staticmethod
    def resolve_views(obj: Any) -> dict[str, str]:
        return {score.area_code: score.citizen_view for score in obj.scores.all() if score.citizen_view}

    @staticmethod
    def resolve_assessor(obj: Any) -> str:
        return obj.assessor.get_full_name() or obj.assessor.username  # type: ignore[no-any-return]


class AssessmentDraftIn(Input):
    assessed_on: Day
    scale: Scale | None = Field(None, description="Defaults to the municipality's scheme.")
    scores: dict[AreaCode, Score] = Field(..., description="Score per condition area, e.g. {\"J1.1\": 2}.")
    notes: str = Field("", max_length=20_000)
    citizen_view: str = Field("", max_length=20_000)
    next_reassessment_due: Day | None = None
    referral_source: ReferralSource | None = None
    performers: dict[AreaCode, Performer] = Field(default_factory=dict)
    views: dict[AreaCode, Annotated[str, Field(max_length=2000)]] = Field(default_factory=dict)
    status: AssessmentStatus = Field(
        AssessmentStatus.COMPLETED,
        description="draft: partial scores allowed; completed: every area of the scheme must be scored.")


class AssessmentIn(AssessmentDraftIn):
    citizen: UUID


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
    version: int
    previous: UUID | None
    source: str
    deviation_reason: str
    proposal: dict[str, str] | None

    @staticmethod
    def resolve_previous(obj: Any) -> UUID | None:
        return obj.previous.public_id if obj.previous_id else None

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
    deviation_reason: str = Field(
        "", max_length=20_000, description="Needed when the grant differs from every guideline proposal.")


class DecisionAmendIn(Input):
    valid_from: Day
    reason: str = Field(..., max_length=20_000)
    amount: Annotated[Decimal, Field(gt=0, max_digits=9, decimal_places=2)] | None = None
    unit: Unit | None = None
    frequency: Frequency | None = None
    flexibility: Flexibility | None = None
    service: UUID | None = None


class AppealOut(Schema):
    id: UUID
    decision: UUID
    lodged_on: date
    grounds: str
    late_reason: str
    status: str
    outcome_on: date | None
    outcome_reason: str
    new_version: UUID | None

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_decision(obj: Any) -> UUID:
        return obj.decision.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_new_version(obj: Any) -> UUID | None:
        return obj.new_version.public_id if obj.new_version_id else None


class AppealIn(Input):
    grounds: str = Field(..., max_length=20_000)
    lodged_on: Day | None = Field(None, description="Staff only: the day the appeal was received.")
    late_reason: str = Field("", max_length=20_000, description="Staff only: why a late appeal is accepted.")


class AppealOutcomeIn(Input):
    status: AppealStatus
    outcome_reason: str = Field(..., max_length=20_000)
    valid_from: Day | None = Field(None, description="Changed or partly changed: the new version's start.")
    amount: Annotated[Decimal, Field(gt=0, max_digits=9, decimal_places=2)] | None = None
    unit: Unit | None = None
    frequency: Frequency | None = None
    flexibility: Flexibility | None = None


class DecisionEndIn(Input):
    valid_to: Day
    reason: str = Field(..., max_length=20_000)


class CitizenFilter(QueryInput):
    q: str = Field("", max_length=100, description="Search by name, address or (staff) national id number.")


class DecisionFilter(Schema):
    citizen: UUID | None = None
    status: DecisionStatus | None = None
