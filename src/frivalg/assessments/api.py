"""JSON API for the purchaser's side of the loop: citizens, needs assessments and decisions."""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.pagination import paginate

from frivalg.assessments import letters, selectors, services
from frivalg.assessments.models import Appeal, Assessment, AssessmentStatus, Decision
from frivalg.assessments.schemas import (
    AppealIn,
    AppealOut,
    AppealOutcomeIn,
    AssessmentDraftIn,
    AssessmentIn,
    AssessmentOut,
    CitizenFilter,
    CitizenIn,
    CitizenOut,
    DecisionAmendIn,
    DecisionEndIn,
    DecisionFilter,
    DecisionIn,
    DecisionOut,
)
from frivalg.catalogue.selectors import services_for
from frivalg.core import roles
from frivalg.core.api import actor_of, lookup
from frivalg.core.models import Citizen
from frivalg.core.schemas import ERRORS, Pagination
from frivalg.core.selectors import citizen_get, citizens_visible_to, districts_for, require
from frivalg.core.services import citizen_create
from frivalg.guidelines.selectors import proposal_for

router = Router(tags=["Citizens, assessments and decisions"])


@router.get("/citizens", response={200: list[CitizenOut], **ERRORS}, summary="Citizens I may see")
@paginate(Pagination)
def citizen_list(request: HttpRequest, filters: Query[CitizenFilter]) -> Iterable[Citizen]:
    """Without `q`: every citizen the caller may see. With `q` (staff): search by name, address
    or, for roles that may see it, the start of the national id number."""
    actor = actor_of(request)
    if filters.q.strip():
        return selectors.citizen_search(actor=actor, query=filters.q)
    return citizens_visible_to(actor)


@router.get("/citizens/{citizen_id}", response={200: CitizenOut, **ERRORS}, summary="One citizen's record")
def citizen_detail(request: HttpRequest, citizen_id: UUID) -> Citizen:
    return citizen_get(actor=actor_of(request), public_id=citizen_id)


@router.post("/citizens", response={201: CitizenOut, **ERRORS}, summary="Register a citizen")
def citizen_register(request: HttpRequest, payload: CitizenIn) -> tuple[int, Citizen]:
    actor = actor_of(request)
    require(actor, roles.CITIZEN_MANAGE)
    data = payload.dict()
    data["district"] = lookup("district", districts_for(actor).get, code=payload.district)
    return 201, citizen_create(actor=actor, **data)


@router.get("/citizens/{citizen_id}/assessments", response={200: list[AssessmentOut], **ERRORS},
            summary="A citizen's needs assessments")
@paginate(Pagination)
def assessment_list(request: HttpRequest, citizen_id: UUID) -> Iterable[Assessment]:
    actor = actor_of(request)
    citizen = citizen_get(actor=actor, public_id=citizen_id)
    return selectors.assessments_for(actor=actor, citizen=citizen)


@router.post("/assessments", response={201: AssessmentOut, **ERRORS}, summary="Record a needs assessment")
def assessment_create(request: HttpRequest, payload: AssessmentIn) -> tuple[int, Assessment]:
    actor = actor_of(request)
    require(actor, roles.ASSESSMENT_RECORD)
    citizen = lookup("citizen", citizen_get, actor=actor, public_id=payload.citizen)
    return 201, services.assessment_record(actor=actor, citizen=citizen, **_assessment_args(payload))


@router.get("/decisions", response={200: list[DecisionOut], **ERRORS}, summary="Decisions I may see")
@paginate(Pagination)
def decision_list(request: HttpRequest, filters: Query[DecisionFilter]) -> Iterable[Decision]:
    actor = actor_of(request)
    citizen = None
    if filters.citizen:
        citizen = lookup("citizen", citizen_get, actor=actor, public_id=filters.citizen)
    decisions = selectors.decisions_for(actor=actor, citizen=citizen)
    return decisions.filter(status=filters.status) if filters.status else decisions


@router.get("/decisions/{decision_id}", response={200: DecisionOut, **ERRORS}, summary="One decision")
def decision_detail(request: HttpRequest, decision_id: UUID) -> Decision:
    return selectors.decision_get(actor=actor_of(request), public_id=decision_id)


@router.post("/decisions", response={201: DecisionOut, **ERRORS}, summary="Grant a decision")
def decision_create(request: HttpRequest, payload: DecisionIn) -> tuple[int, Decision]:
    actor = actor_of(request)
    require(actor, roles.DECISION_GRANT)
    data = payload.dict()
    data["citizen"] = citizen = lookup("citizen", citizen_get, actor=actor, public_id=payload.citizen)
    data["service"] = lookup("service", services_for(actor=actor).get, public_id=payload.service)
    if payload.assessment is not None:
        assessments = selectors.assessments_for(actor=actor, citizen=citizen)
        data["assessment"] = lookup("assessment", assessments.get, public_id=payload.assessment)
        data["proposals"] = proposals = proposal_for(actor=actor, assessment=data["assessment"])
        data["proposal_used"] = next((p for p in proposals if p.service_code == data["service"].code
                                      and p.amount == payload.amount and p.unit == payload.unit
                                      and p.frequency == payload.frequency), None)
    return 201, services.decision_grant(actor=actor, **data)


@router.post("/decisions/{decision_id}/end", response={200: DecisionOut, **ERRORS}, summary="End a decision")
def decision_finish(request: HttpRequest, decision_id: UUID, payload: DecisionEndIn) -> Decision:
    actor = actor_of(request)
    require(actor, roles.DECISION_GRANT)
    decision = selectors.decision_get(actor=actor, public_id=decision_id)
    return services.decision_end(
        actor=actor, decision=decision, valid_to=payload.valid_to, reason=payload.reason
    )


def _assessment_args(payload: AssessmentDraftIn) -> dict[str, Any]:
    data = payload.dict(exclude={"status", "citizen"})
    data["referral_source"] = payload.referral_source or ""
    data["complete"] = payload.status == AssessmentStatus.COMPLETED
    return data


@router.put("/assessments/{assessment_id}", response={200: AssessmentOut, **ERRORS},
            summary="Update a draft assessment, or complete it")
def assessment_update(request: HttpRequest, assessment_id: UUID, payload: AssessmentDraftIn) -> Assessment:
    actor = actor_of(request)
    require(actor, roles.ASSESSMENT_RECORD)
    assessment = selectors.assessment_get(actor=actor, public_id=assessment_id)
    return services.assessment_record(actor=actor, citizen=assessment.citizen, assessment=assessment,
                                      **_assessment_args(payload))


@router.get("/decisions/{decision_id}/versions", response={200: list[DecisionOut], **ERRORS},
            summary="Every version of a decision, newest first")
def decision_version_list(request: HttpRequest, decision_id: UUID) -> list[Decision]:
    actor = actor_of(request)
    return selectors.decision_versions(actor=actor, decision=selectors.decision_get(actor=actor, public_id=decision_id))


@router.post("/decisions/{decision_id}/amend", response={201: DecisionOut, **ERRORS},
             summary="Change a decision as a new version")
def decision_change(request: HttpRequest, decision_id: UUID, payload: DecisionAmendIn) -> tuple[int, Decision]:
    actor = actor_of(request)
    require(actor, roles.DECISION_GRANT)
    decision = selectors.decision_get(actor=actor, public_id=decision_id)
    data = payload.dict()
    if payload.service is not None:
        data["service"] = lookup("service", services_for(actor=actor).get, public_id=payload.service)
    return 201, services.decision_amend(actor=actor, decision=decision, **data)


@router.get("/decisions/{decision_id}/letter.pdf", response={200: None, **ERRORS},
            summary="The decision letter as PDF, in the citizen's language",
            openapi_extra={"responses": {200: {"content": {"application/pdf": {"schema": {"type": "string"}}}}}})
def decision_letter_pdf(request: HttpRequest, decision_id: UUID) -> HttpResponse:
    decision = selectors.decision_get(actor=actor_of(request), public_id=decision_id)
    response = HttpResponse(letters.letter_pdf(decision), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{letters.letter_file_name(decision)}"'
    return response


@router.get("/decisions/{decision_id}/appeals", response={200: list[AppealOut], **ERRORS},
            summary="A decision's appeals")
def appeal_list(request: HttpRequest, decision_id: UUID) -> Iterable[Appeal]:
    actor = actor_of(request)
    decision = selectors.decision_get(actor=actor, public_id=decision_id)
    return selectors.appeals_for(actor=actor, decision=decision)


@router.post("/decisions/{decision_id}/appeals", response={201: AppealOut, **ERRORS}, summary="Appeal a decision")
def appeal_create(request: HttpRequest, decision_id: UUID, payload: AppealIn) -> tuple[int, Appeal]:
    actor = actor_of(request)
    decision = selectors.decision_get(actor=actor, public_id=decision_id)
    return 201, services.appeal_lodge(actor=actor, decision=decision, **payload.dict())


@router.post("/appeals/{appeal_id}/outcome", response={200: AppealOut, **ERRORS},
             summary="Record an appeal's outcome")
def appeal_outcome(request: HttpRequest, appeal_id: UUID, payload: AppealOutcomeIn) -> Appeal:
    actor = actor_of(request)
    require(actor, roles.DECISION_GRANT)
    appeal = selectors.appeal_get(actor=actor, public_id=appeal_id)
    return services.appeal_decide(actor=actor, appeal=appeal, **payload.dict())
