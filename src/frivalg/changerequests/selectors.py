"""Reads of the message cycle, scoped to the actor: municipal staff who grant decisions see
their municipality's requests; a provider's people see only their own provider's."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import holidays as public_holidays
from django.db.models import Q, QuerySet

from frivalg.assessments.models import Decision
from frivalg.assessments.selectors import caseload_for, decisions_for
from frivalg.changerequests import rules
from frivalg.changerequests.models import (
    ChangeRequest,
    ChangeRequestStatus,
    FrameAdjustment,
    Message,
    MessageKind,
    ResponseDeadline,
)
from frivalg.choices.models import Choice
from frivalg.core import roles
from frivalg.core.models import Municipality, User
from frivalg.core.selectors import AnyUser, has_permission, is_municipal_staff
from frivalg.providers.selectors import admin_provider_ids_of


def _is_purchaser(actor: AnyUser) -> bool:
    """A needs assessor of a municipality (who answers requests)."""
    return is_municipal_staff(actor) and has_permission(actor, roles.DECISION_GRANT)


def _own_provider_ids(actor: AnyUser) -> set[int]:
    """The providers the actor sends messages for (administrators holding the permission)."""
    if has_permission(actor, roles.CHANGE_REQUEST_SEND):
        return admin_provider_ids_of(actor)
    if has_permission(actor, roles.PROVIDER_VIEW_CLIENTS):
        return admin_provider_ids_of(actor)
    return set()


def _scope(actor: AnyUser) -> Q:
    """One condition per branch: the purchaser's municipality, or the actor's own provider."""
    allowed = Q(pk__in=[])
    if _is_purchaser(actor):
        allowed |= Q(municipality_id=getattr(actor, "municipality_id", None))
    providers = _own_provider_ids(actor)
    if providers:
        allowed |= Q(provider_id__in=providers)
    return allowed


def response_working_days(municipality: Municipality) -> int:
    row = ResponseDeadline.objects.filter(municipality=municipality).first()
    return row.working_days if row is not None else rules.DEFAULT_RESPONSE_WORKING_DAYS


def holidays_of(municipality: Municipality, first_year: int) -> set[date]:
    """The public holidays of the municipality's country in `first_year` and the next."""
    calendar = public_holidays.country_holidays(municipality.country, years=range(first_year, first_year + 2))
    return set(calendar.keys())


def change_request_due_on(*, municipality: Municipality, requested_on: date) -> date:
    """The answer's deadline: the municipality's number of working days after `requested_on`,
    weekends and its country's public holidays excluded."""
    return rules.add_working_days(requested_on, response_working_days(municipality),
                                  holidays_of(municipality, requested_on.year))


# --- change requests -----------------------------------------------------------------------


def change_requests_for(*, actor: AnyUser) -> QuerySet[ChangeRequest]:
    if not actor.is_authenticated:
        return ChangeRequest.objects.none()
    return ChangeRequest.objects.filter(_scope(actor)).select_related(
        "decision__citizen", "decision__service", "provider", "requested_service", "requested_by", "answered_by",
        "amended_decision",
    )


def change_request_get(*, actor: AnyUser, public_id: UUID | str) -> ChangeRequest:
    """One request; ChangeRequest.DoesNotExist when the actor may not see it."""
    return change_requests_for(actor=actor).get(public_id=public_id)


def change_request_by_reference(*, provider_id: int, external_reference: str) -> ChangeRequest | None:
    """For idempotent posts: the request a provider already sent under this reference."""
    if not external_reference:
        return None
    return ChangeRequest.objects.filter(provider_id=provider_id, external_reference=external_reference).first()


def inbox_for(*, actor: AnyUser, mine: bool = False) -> QuerySet[ChangeRequest]:
    """Open requests for the assessor, soonest due first; `mine`: the actor's caseload only."""
    if not isinstance(actor, User) or not _is_purchaser(actor) or actor.municipality_id is None:
        return ChangeRequest.objects.none()
    queryset = change_requests_for(actor=actor).filter(
        municipality_id=actor.municipality_id, status=ChangeRequestStatus.OPEN
    )
    if mine:
        queryset = queryset.filter(decision__citizen__in=caseload_for(actor=actor).values("pk"))
    return queryset.order_by("due_on", "requested_at", "id")


def may_answer(*, actor: AnyUser, change_request: ChangeRequest) -> bool:
    """Needs assessors of the request's municipality answer it."""
    if not _is_purchaser(actor):
        return False
    return getattr(actor, "municipality_id", None) == change_request.municipality_id


def provider_requests_for(*, actor: AnyUser) -> QuerySet[ChangeRequest]:
    """A provider's own requests, newest first."""
    providers = _own_provider_ids(actor)
    return change_requests_for(actor=actor).filter(provider_id__in=providers).order_by("-requested_at", "-id")


# --- messages ------------------------------------------------------------------------------


def messages_for(*, actor: AnyUser, decision: Decision | None = None) -> QuerySet[Message]:
    if not actor.is_authenticated:
        return Message.objects.none()
    queryset = Message.objects.filter(_scope(actor))
    if decision is not None:
        queryset = queryset.filter(decision=decision)
    return queryset.select_related("decision__citizen", "decision__service", "provider", "sent_by")


def message_by_reference(*, provider_id: int, external_reference: str) -> Message | None:
    if not external_reference:
        return None
    return Message.objects.filter(provider_id=provider_id, external_reference=external_reference).first()


def allocations_for(*, actor: AnyUser, since: datetime | None = None) -> QuerySet[Message]:
    """The allocations sent to the actor's provider, oldest first; `since` is inclusive (the
    API rounds times to milliseconds), so a reader dedupes by id."""
    providers = _own_provider_ids(actor)
    queryset = messages_for(actor=actor).filter(kind=MessageKind.ALLOCATION, provider_id__in=providers)
    if since is not None:
        queryset = queryset.filter(sent_at__gte=since)
    return queryset.select_related("choice").order_by("sent_at", "id")


def allocation_get(*, actor: AnyUser, public_id: UUID | str) -> Message:
    return allocations_for(actor=actor).get(public_id=public_id)


def choices_awaiting_allocation(*, provider_ids: set[int] | None = None,
                                municipality_id: int | None = None) -> QuerySet[Choice]:
    """Open choices no allocation has been sent for (no actor: for the sending services)."""
    queryset = Choice.objects.filter(valid_to__isnull=True, decision__status="granted").exclude(
        messages__kind=MessageKind.ALLOCATION
    )
    if provider_ids is not None:
        queryset = queryset.filter(provider_id__in=provider_ids)
    if municipality_id is not None:
        queryset = queryset.filter(municipality_id=municipality_id)
    return queryset.select_related("decision", "provider").order_by("id")


def pending_allocations(*, actor: AnyUser) -> QuerySet[Choice]:
    """For the purchaser: active choices whose provider has not been told yet."""
    if not _is_purchaser(actor):
        return Choice.objects.none()
    return choices_awaiting_allocation(municipality_id=getattr(actor, "municipality_id", None))


# --- decisions and frames ------------------------------------------------------------------


def provider_decision_get(*, actor: AnyUser, public_id: UUID | str) -> Decision:
    """A decision the actor's provider delivers now; Decision.DoesNotExist otherwise."""
    providers = _own_provider_ids(actor)
    return decisions_for(actor=actor).filter(
        choices__provider_id__in=providers, choices__valid_to__isnull=True
    ).distinct().get(public_id=public_id)


def purchaser_decision_get(*, actor: AnyUser, public_id: UUID | str) -> Decision:
    if not _is_purchaser(actor):
        raise Decision.DoesNotExist
    return decisions_for(actor=actor).get(public_id=public_id)


def frame_adjustments_for(*, actor: AnyUser, decision: Decision | None = None) -> QuerySet[FrameAdjustment]:
    if not actor.is_authenticated:
        return FrameAdjustment.objects.none()
    queryset = FrameAdjustment.objects.filter(_scope(actor))
    if decision is not None:
        queryset = queryset.filter(decision=decision)
    return queryset.select_related("decision__citizen", "provider", "recorded_by")


def frame_adjustment_by_reference(*, provider_id: int, external_reference: str) -> FrameAdjustment | None:
    if not external_reference:
        return None
    return FrameAdjustment.objects.filter(provider_id=provider_id, external_reference=external_reference).first()


def actor_provider_ids(actor: AnyUser) -> set[int]:
    """The providers the actor may send for (for interfaces choosing what to show)."""
    if not isinstance(actor, User):
        return set()
    return _own_provider_ids(actor)
