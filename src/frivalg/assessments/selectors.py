"""Reads of assessments and decisions, scoped to the actor through core's citizen access."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Max, Prefetch, Q, QuerySet

from frivalg.assessments.models import Assessment, AssessmentScore, Decision, DecisionStatus
from frivalg.core import roles
from frivalg.core.models import Citizen, User
from frivalg.core.selectors import AnyUser, citizens_visible_to, has_permission, is_municipal_staff, today_for
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
        .exclude(choices__valid_to__isnull=True)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today_for(actor)))
    )
