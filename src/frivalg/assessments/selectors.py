"""Reads of assessments and decisions, scoped to the actor through core's citizen access."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Count, Max, Prefetch, Q, QuerySet

from frivalg.assessments.models import (
    Appeal,
    AppealStatus,
    Assessment,
    AssessmentScore,
    AssessmentStatus,
    Decision,
    DecisionStatus,
)
from frivalg.core import roles
from frivalg.core.models import Citizen, User
from frivalg.core.selectors import (
    AnyUser,
    citizens_represented_by,
    citizens_visible_to,
    has_permission,
    is_municipal_staff,
    today_for,
)
from frivalg.providers.selectors import provider_ids_of


def caseload_for(*, actor: AnyUser) -> QuerySet[Citizen]:
    """An assessor's own citizens, soonest reassessment first."""
    if not isinstance(actor, User) or not has_permission(actor, roles.CITIZEN_VIEW_CASELOAD):
        return Citizen.objects.none()
    return (
        citizens_visible_to(actor)
        .filter(caseworker=actor)
        .annotate(next_due=Max("assessments__next_reassessment_due"))
        .order_by("next_due", "last_name", "first_name")
    )


def citizen_search(*, actor: AnyUser, query: str) -> QuerySet[Citizen]:
    """Staff search by name, address or national id within what the actor may see."""
    if not is_municipal_staff(actor):
        return Citizen.objects.none()
    query = query.strip()
    if not query:
        return Citizen.objects.none()
    condition = Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(address__icontains=query)
    if has_permission(actor, roles.CITIZEN_VIEW_NATIONAL_ID):
        condition |= Q(national_id__startswith=query.replace("-", ""))
    return citizens_visible_to(actor).filter(condition)


def _may_see_assessments(actor: AnyUser) -> bool:
    """Assessments are the purchaser's professional record: staff and the citizen's own side."""
    if has_permission(actor, roles.ASSESSMENT_RECORD):
        return True
    return has_permission(actor, roles.CITIZEN_VIEW_OWN)


def assessments_for(*, actor: AnyUser, citizen: Citizen | None = None) -> QuerySet[Assessment]:
    if not _may_see_assessments(actor):
        return Assessment.objects.none()
    queryset = Assessment.objects.filter(citizen__in=citizens_visible_to(actor).values("pk"))
    if citizen is not None:
        queryset = queryset.filter(citizen=citizen)
    return queryset.select_related("assessor", "citizen").prefetch_related(
        Prefetch("scores", queryset=AssessmentScore.objects.order_by("area_code"))
    )


def assessment_get(*, actor: AnyUser, public_id: UUID | str) -> Assessment:
    return assessments_for(actor=actor).get(public_id=public_id)


def latest_assessment(*, actor: AnyUser, citizen: Citizen) -> Assessment | None:
    return assessments_for(actor=actor, citizen=citizen).order_by("-assessed_on", "-id").first()


def decisions_for(*, actor: AnyUser, citizen: Citizen | None = None) -> QuerySet[Decision]:
    """Decisions the actor may see. A provider sees only decisions it currently delivers."""
    if not actor.is_authenticated:
        return Decision.objects.none()
    visible = Q(citizen__in=citizens_visible_to(actor).values("pk"))
    queryset = Decision.objects.filter(visible)
    if _is_provider_side(actor):
        queryset = queryset.filter(
            choices__provider_id__in=provider_ids_of(actor), choices__valid_to__isnull=True
        ).distinct()
    if citizen is not None:
        queryset = queryset.filter(citizen=citizen)
    return queryset.select_related("citizen", "service", "decided_by")


def _is_provider_side(actor: AnyUser) -> bool:
    if is_municipal_staff(actor):
        return False
    if has_permission(actor, roles.PROVIDER_VIEW_CLIENTS):
        return True
    return has_permission(actor, roles.VISIT_VIEW_OWN)


def decision_get(*, actor: AnyUser, public_id: UUID | str) -> Decision:
    return decisions_for(actor=actor).get(public_id=public_id)


def decisions_awaiting_choice(*, actor: AnyUser) -> QuerySet[Decision]:
    """Granted decisions with no open choice, for the assessor (and the default rule)."""
    return (
        decisions_for(actor=actor)
        .filter(status=DecisionStatus.GRANTED)
        # Counted, not excluded: `exclude(choices__valid_to__isnull=True)` would also drop the
        # decisions with no choice at all (the outer join's NULL matches isnull).
        .annotate(open_choices=Count("choices", filter=Q(choices__valid_to__isnull=True)))
        .filter(open_choices=0)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today_for(actor)))
    )


def previous_completed_assessment(*, actor: AnyUser, citizen: Citizen, before: Assessment | None = None) -> (
        Assessment | None):
    """The newest completed assessment of the citizen (other than `before`), to compare with."""
    queryset = assessments_for(actor=actor, citizen=citizen).filter(status=AssessmentStatus.COMPLETED)
    if before is not None and before.pk is not None:
        queryset = queryset.exclude(pk=before.pk)
    return queryset.order_by("-assessed_on", "-id").first()


def draft_assessment(*, actor: AnyUser, citizen: Citizen) -> Assessment | None:
    return (
        assessments_for(actor=actor, citizen=citizen)
        .filter(status=AssessmentStatus.DRAFT, assessor_id=actor.pk)
        .order_by("-updated_at")
        .first()
    )


def decision_versions(*, actor: AnyUser, decision: Decision) -> list[Decision]:
    """Every version of a decision the actor may see, newest first."""
    visible = decisions_for(actor=actor)
    chain: list[Decision] = []
    current: Decision | None = visible.filter(pk=decision.pk).first()
    while current is not None:
        following = visible.filter(previous=current).first()
        if following is None:
            break
        current = following
    while current is not None:
        chain.append(current)
        current = visible.filter(pk=current.previous_id).first() if current.previous_id else None
    return chain


def appeals_for(*, actor: AnyUser, decision: Decision | None = None) -> QuerySet[Appeal]:
    """Appeals of the decisions the actor may see; providers do not see appeals."""
    if _is_provider_side(actor):
        return Appeal.objects.none()
    queryset = Appeal.objects.filter(decision__in=decisions_for(actor=actor).values("pk"))
    if decision is not None:
        queryset = queryset.filter(decision=decision)
    return queryset.select_related("decision", "lodged_by", "new_version")


def appeal_get(*, actor: AnyUser, public_id: UUID | str) -> Appeal:
    return appeals_for(actor=actor).get(public_id=public_id)


def my_decisions(*, actor: AnyUser) -> QuerySet[Decision]:
    """The decisions of the citizen the actor is, or acts for by power of attorney."""
    if not has_permission(actor, roles.CITIZEN_VIEW_OWN):
        return Decision.objects.none()
    return (
        decisions_for(actor=actor)
        .filter(citizen__in=citizens_represented_by(actor).values("pk"))
        .exclude(status=DecisionStatus.DRAFT)
        .order_by("citizen", "-valid_from", "-id")
    )


def appeals_awaiting_outcome(*, actor: AnyUser) -> QuerySet[Appeal]:
    """Received appeals of the actor's municipality with no outcome yet, oldest first."""
    if not has_permission(actor, roles.DECISION_GRANT):
        return Appeal.objects.none()
    return (
        appeals_for(actor=actor)
        .filter(status=AppealStatus.RECEIVED)
        .select_related("decision__citizen", "decision__service")
        .order_by("lodged_on", "id")
    )
