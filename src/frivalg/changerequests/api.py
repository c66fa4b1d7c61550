"""JSON API for providers' systems: the purchaser–provider message cycle, modelled on the
Dutch iWmo standard (docs/messages.md maps each endpoint to its iWmo message). Posts are
idempotent by the provider's `external_reference`: 201 the first time, 200 with the first
result after that."""

from collections.abc import Iterable
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from frivalg.catalogue.models import Service
from frivalg.catalogue.selectors import services_for
from frivalg.changerequests import selectors, services
from frivalg.changerequests.models import ChangeRequest, FrameAdjustment, Message
from frivalg.changerequests.schemas import (
    AllocationQuery,
    ChangeRequestIn,
    ChangeRequestOut,
    FrameAdjustmentIn,
    FrameAdjustmentOut,
    MessageOut,
    StartIn,
    StopIn,
)
from frivalg.core import roles
from frivalg.core.api import actor_of, lookup
from frivalg.core.schemas import ERRORS, Pagination
from frivalg.core.selectors import require

router = Router(tags=["Provider messages (iWmo cycle)"])


def _status(created: bool) -> int:
    return 201 if created else 200


@router.get("/messages/allocations", response={200: list[MessageOut], **ERRORS},
            summary="Allocations: the clients assigned to my provider (iWmo 301)")
@paginate(Pagination)
def allocation_list(request: HttpRequest, filters: Query[AllocationQuery]) -> Iterable[Message]:
    """Oldest first; pass `since` (the last `sent_at` you received) to get only new ones."""
    actor = actor_of(request)
    require(actor, roles.CHANGE_REQUEST_SEND)
    services.allocations_sync_for_provider(actor=actor)
    return selectors.allocations_for(actor=actor, since=filters.since)


@router.post("/messages/allocations/{allocation_id}/acknowledge", response={200: MessageOut, **ERRORS},
             summary="Acknowledge an allocation (like iWmo 302)")
def allocation_acknowledge(request: HttpRequest, allocation_id: UUID) -> Message:
    actor = actor_of(request)
    require(actor, roles.CHANGE_REQUEST_SEND)
    allocation = selectors.allocation_get(actor=actor, public_id=allocation_id)
    return services.allocation_acknowledge(actor=actor, message=allocation)


@router.post("/messages/start-of-care", response={200: MessageOut, 201: MessageOut, **ERRORS},
             summary="Start of care (iWmo 305)")
def start_of_care(request: HttpRequest, payload: StartIn) -> tuple[int, Message]:
    actor = actor_of(request)
    require(actor, roles.CHANGE_REQUEST_SEND)
    decision = lookup("decision", selectors.provider_decision_get, actor=actor, public_id=payload.decision)
    message, created = services.start_of_care_send(actor=actor, decision=decision, start_date=payload.start_date,
                                                   external_reference=payload.external_reference)
    return _status(created), message


@router.post("/messages/stop-of-care", response={200: MessageOut, 201: MessageOut, **ERRORS},
             summary="Stop of care, with a reason code (iWmo 307)")
def stop_of_care(request: HttpRequest, payload: StopIn) -> tuple[int, Message]:
    actor = actor_of(request)
    require(actor, roles.CHANGE_REQUEST_SEND)
    decision = lookup("decision", selectors.provider_decision_get, actor=actor, public_id=payload.decision)
    message, created = services.stop_of_care_send(
        actor=actor, decision=decision, stop_date=payload.stop_date, reason=payload.reason, note=payload.note,
        external_reference=payload.external_reference)
    return _status(created), message


@router.post("/messages/change-requests", response={200: ChangeRequestOut, 201: ChangeRequestOut, **ERRORS},
             summary="Request a change to a decision (iWmo 317)")
def change_request_create(request: HttpRequest, payload: ChangeRequestIn) -> tuple[int, ChangeRequest]:
    """The answer is due after the municipality's working days (`due_on`). Evidence files are
    sent through the provider pages."""
    actor = actor_of(request)
    require(actor, roles.CHANGE_REQUEST_SEND)
    decision = lookup("decision", selectors.provider_decision_get, actor=actor, public_id=payload.decision)
    service: Service | None = None
    if payload.requested_service is not None:
        service = lookup("requested_service", services_for(actor=actor).get, public_id=payload.requested_service)
    change_request, created = services.change_request_create(
        actor=actor, decision=decision, kind=payload.kind, reason=payload.reason,
        requested_amount=payload.requested_amount, requested_unit=payload.requested_unit,
        requested_frequency=payload.requested_frequency, requested_service=service,
        external_reference=payload.external_reference,
    )
    return _status(created), change_request


@router.get("/messages/change-requests/{request_id}", response={200: ChangeRequestOut, **ERRORS},
            summary="A change request's status and answer (iWmo 319)")
def change_request_detail(request: HttpRequest, request_id: UUID) -> ChangeRequest:
    actor = actor_of(request)
    return selectors.change_request_get(actor=actor, public_id=request_id)


@router.post("/messages/frame-adjustments", response={200: FrameAdjustmentOut, 201: FrameAdjustmentOut, **ERRORS},
             summary="Record an adjustment within the frame (no approval needed)")
def frame_adjustment_create(request: HttpRequest, payload: FrameAdjustmentIn) -> tuple[int, FrameAdjustment]:
    """Refused (422) when the period's planned minutes after the move exceed the granted minutes."""
    actor = actor_of(request)
    require(actor, roles.CHANGE_REQUEST_SEND)
    decision = lookup("decision", selectors.provider_decision_get, actor=actor, public_id=payload.decision)
    adjustment, created = services.frame_adjustment_record(
        actor=actor, decision=decision, period_kind=payload.period_kind, period_day=payload.period_day,
        description=payload.description, minutes_moved=payload.minutes_moved, moved_from=payload.moved_from,
        moved_to=payload.moved_to, planned_minutes_after=payload.planned_minutes_after,
        external_reference=payload.external_reference,
    )
    return _status(created), adjustment
