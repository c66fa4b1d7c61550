"""JSON API of the service guidelines and the proposal for an assessment."""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from frivalg.assessments.selectors import assessment_get
from frivalg.core import roles
from frivalg.core.api import actor_of, require_any
from frivalg.core.schemas import ERRORS, Pagination
from frivalg.guidelines import selectors
from frivalg.guidelines.models import Guideline
from frivalg.guidelines.schemas import GuidelineOut, ProposalSetOut

router = Router(tags=["Service guidelines"])


@router.get("/guidelines", response={200: list[GuidelineOut], **ERRORS}, summary="Guideline versions")
@paginate(Pagination)
def guideline_list(request: HttpRequest) -> Iterable[Guideline]:
    """Managers see every version of their municipality (drafts too); needs assessors the
    published ones. Newest version first."""
    actor = actor_of(request)
    require_any(actor, roles.GUIDELINE_MANAGE, roles.ASSESSMENT_RECORD)
    return selectors.guidelines_for(actor=actor)


@router.get("/guidelines/{guideline_id}", response={200: GuidelineOut, **ERRORS}, summary="One guideline version")
def guideline_detail(request: HttpRequest, guideline_id: UUID) -> Guideline:
    actor = actor_of(request)
    require_any(actor, roles.GUIDELINE_MANAGE, roles.ASSESSMENT_RECORD)
    return selectors.guideline_get(actor=actor, public_id=guideline_id)


@router.get("/assessments/{assessment_id}/proposal", response={200: ProposalSetOut, **ERRORS},
            summary="The guideline's proposal for an assessment")
def assessment_proposal(request: HttpRequest, assessment_id: UUID) -> dict[str, Any]:
    """The services the guideline in force on the assessment's date proposes for its scores:
    at most one per service (the largest amount per day), by care level then service code."""
    actor = actor_of(request)
    require_any(actor, roles.ASSESSMENT_RECORD, roles.GUIDELINE_MANAGE)
    assessment = assessment_get(actor=actor, public_id=assessment_id)
    return {
        "assessment": assessment.public_id,
        "guideline": selectors.guideline_for_assessment(actor=actor, assessment=assessment),
        "proposals": selectors.proposal_for(actor=actor, assessment=assessment),
    }
