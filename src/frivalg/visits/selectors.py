"""Reads of visits. One condition per branch: staff see their municipality, citizens their own
(and those they act for), a provider its own visits, a caregiver only today's own."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from frivalg.core import roles
from frivalg.core.models import Citizen, User
from frivalg.core.selectors import (
    AnyUser,
    citizens_represented_by,
    has_permission,
    is_municipal_staff,
    today_for,
)
from frivalg.providers.selectors import provider_ids_of
from frivalg.visits.models import Absence, Visit, VisitStatus


def _today_bounds(actor: AnyUser) -> tuple[datetime, datetime]:
    tz = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(today_for(actor), time.min, tz)
    return start, datetime.combine(start.date() + timedelta(days=1), time.min, tz)


def _visit_q(actor: User) -> Q:
    allowed = Q(pk__in=[])
    if is_municipal_staff(actor) and has_permission(actor, roles.CITIZEN_VIEW_MUNICIPALITY):
        allowed |= Q(municipality_id=actor.municipality_id)
    if is_municipal_staff(actor) and has_permission(actor, roles.SETTLEMENT_RUN):
        allowed |= Q(municipality_id=actor.municipality_id)
    if has_permission(actor, roles.CITIZEN_VIEW_OWN):
        allowed |= Q(citizen__in=citizens_represented_by(actor).values("pk"))
    if has_permission(actor, roles.VISIT_VIEW_PROVIDER):
        allowed |= Q(provider_id__in=provider_ids_of(actor))
    if has_permission(actor, roles.VISIT_VIEW_OWN):
        start, end = _today_bounds(actor)
        allowed |= Q(caregiver__user=actor, planned_start__gte=start, planned_start__lt=end)
        # A visit checked in before midnight must still be checked out after it.
        allowed |= Q(caregiver__user=actor, status=VisitStatus.IN_PROGRESS)
    return allowed


def visits_for(
    *,
    actor: AnyUser,
    start: datetime | None = None,
    end: datetime | None = None,
    citizen: Citizen | None = None,
) -> QuerySet[Visit]:
    if not isinstance(actor, User):
        return Visit.objects.none()
    queryset = Visit.objects.filter(_visit_q(actor))
    if start is not None:
        queryset = queryset.filter(planned_start__gte=start)
    if end is not None:
        queryset = queryset.filter(planned_start__lt=end)
    if citizen is not None:
        queryset = queryset.filter(citizen=citizen)
    return queryset.select_related("citizen", "service", "provider", "caregiver").order_by("planned_start", "id")


def visits_today_for(*, actor: AnyUser) -> QuerySet[Visit]:
    """Today's visits: a caregiver's own, or all of a provider's for its admin."""
    if not isinstance(actor, User):
        return Visit.objects.none()
    start, end = _today_bounds(actor)
    queryset = visits_for(actor=actor, start=start, end=end)
    if has_permission(actor, roles.VISIT_VIEW_OWN) and not has_permission(actor, roles.VISIT_VIEW_PROVIDER):
        queryset = queryset.filter(caregiver__user=actor)
    return queryset


def visit_get(*, actor: AnyUser, public_id: UUID | str) -> Visit:
    return visits_for(actor=actor).get(public_id=public_id)


def upcoming_visits_for(*, actor: AnyUser, citizen: Citizen, days: int = 14) -> QuerySet[Visit]:
    now = timezone.now()
    return visits_for(actor=actor, citizen=citizen, start=now - timedelta(hours=2), end=now + timedelta(days=days))


def absences_for(*, actor: AnyUser, citizen: Citizen | None = None) -> QuerySet[Absence]:
    """Absences (hospital stays, holidays, respite) of the citizens the actor may see: the
    municipality's staff who read citizens, the citizen and their representatives, and a
    provider for its own clients (it plans around them)."""
    if not isinstance(actor, User):
        return Absence.objects.none()
    allowed = Q(pk__in=[])
    if is_municipal_staff(actor) and has_permission(actor, roles.CITIZEN_VIEW_MUNICIPALITY):
        allowed |= Q(municipality_id=actor.municipality_id)
    if has_permission(actor, roles.CITIZEN_VIEW_OWN):
        allowed |= Q(citizen__in=citizens_represented_by(actor).values("pk"))
    if has_permission(actor, roles.VISIT_VIEW_PROVIDER):
        allowed |= Q(citizen__visits__provider_id__in=provider_ids_of(actor))
    queryset = Absence.objects.filter(allowed)
    if citizen is not None:
        queryset = queryset.filter(citizen=citizen)
    return queryset.distinct().order_by("-start", "-id")
