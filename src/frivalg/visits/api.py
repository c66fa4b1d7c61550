"""JSON API for visits: plan, verify (check-in/check-out), cancel, and bulk import from a
provider's planning system."""

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from frivalg.assessments.selectors import decision_get
from frivalg.core import roles
from frivalg.core.api import actor_of, error, lookup
from frivalg.core.models import User
from frivalg.core.schemas import ERRORS, ErrorOut, Pagination
from frivalg.core.selectors import citizen_get, require
from frivalg.providers.models import Provider
from frivalg.providers.selectors import caregivers_for, provider_get, staff_member_of
from frivalg.visits import selectors, services
from frivalg.visits.models import Visit
from frivalg.visits.schemas import (
    IMPORT_REQUEST_BODY,
    CancelIn,
    CheckIn,
    ImportOptions,
    MissedIn,
    VisitFilter,
    VisitImportErrorOut,
    VisitImportOut,
    VisitOut,
    VisitPlanIn,
    read_import,
)

router = Router(tags=["Visits"])


def _local_midnight(day: Any) -> datetime:
    return datetime.combine(day, time.min, timezone.get_current_timezone())


def _own_provider(actor: User) -> Provider:
    staff = staff_member_of(actor)
    if staff is None:
        raise PermissionDenied(_("You do not work for a provider."))
    return staff.provider


@router.get("/visits", response={200: list[VisitOut], **ERRORS}, summary="Visits I may see")
@paginate(Pagination)
def visit_list(request: HttpRequest, filters: Query[VisitFilter]) -> Iterable[Visit]:
    """Planned start within `from`–`to` (local days, inclusive); a caregiver sees only today's own."""
    actor = actor_of(request)
    citizen = None
    if filters.citizen:
        citizen = lookup("citizen", citizen_get, actor=actor, public_id=filters.citizen)
    start = _local_midnight(filters.start) if filters.start else None
    end = _local_midnight(filters.end + timedelta(days=1)) if filters.end else None
    return selectors.visits_for(actor=actor, start=start, end=end, citizen=citizen)


@router.post(
    "/visits/import",
    response={200: VisitImportOut, 422: VisitImportErrorOut,
              **dict.fromkeys((400, 401, 403, 404, 413, 415), ErrorOut)},
    summary="Import visits in bulk (JSON or CSV)",
    openapi_extra={"requestBody": IMPORT_REQUEST_BODY},
)
def visit_import(
    request: HttpRequest,
    options: Query[ImportOptions],
) -> tuple[int, dict[str, Any]]:
    """Every row is validated; the valid rows are stored (a row whose `external_id` was imported
    before updates that visit) and every rejected row comes back with its row number, field and
    reason. 200 when at least one row was stored, 422 when none could be."""
    actor = actor_of(request)
    require(actor, roles.VISIT_IMPORT)
    batch = read_import(request, source_system=options.source_system, provider=options.provider)
    if batch.provider is not None:
        target = lookup("provider", provider_get, actor=actor, public_id=batch.provider)
    else:
        target = _own_provider(actor)
    result = services.visit_import(
        actor=actor, provider=target, rows=batch.rows, source_system=batch.source_system
    )
    rejected = [
        {"row": r.row, "line": batch.lines[r.row - 1] if batch.lines else None, "field": r.field,
         "reason": r.reason, "data": dict(r.data)}
        for r in result.rejected
    ]
    body: dict[str, Any] = {"created": result.created, "updated": result.updated,
                            "rejected_rows": len({r.row for r in result.rejected}), "rejected": rejected}
    if result.created or result.updated:
        return 200, body
    if not batch.rows:
        body["detail"] = [error(_("There are no rows to import."), "empty", "rows")]
    else:
        body["detail"] = [
            error(_("Row %(row)s: %(reason)s") % {"row": r.row, "reason": r.reason}, "rejected",
                  f"rows.{r.row - 1}.{r.field}")
            for r in result.rejected
        ]
    return 422, body


@router.get("/visits/{visit_id}", response={200: VisitOut, **ERRORS}, summary="One visit")
def visit_detail(request: HttpRequest, visit_id: UUID) -> Visit:
    return selectors.visit_get(actor=actor_of(request), public_id=visit_id)


@router.post("/visits", response={201: VisitOut, **ERRORS}, summary="Plan a visit")
def visit_create(request: HttpRequest, payload: VisitPlanIn) -> tuple[int, Visit]:
    actor = actor_of(request)
    require(actor, roles.PROVIDER_VIEW_CLIENTS)
    decision = lookup("decision", decision_get, actor=actor, public_id=payload.decision)
    caregiver = None
    if payload.caregiver:
        caregiver = lookup("caregiver", caregivers_for(actor=actor, provider=_own_provider(actor)).get,
                           pseudonym=payload.caregiver)
    return 201, services.visit_plan(actor=actor, decision=decision, planned_start=payload.planned_start,
                                    planned_end=payload.planned_end, caregiver=caregiver, tasks=payload.tasks)


@router.post("/visits/{visit_id}/check-in", response={200: VisitOut, **ERRORS}, summary="Check a visit in")
def visit_check_in(request: HttpRequest, visit_id: UUID, payload: CheckIn | None = None) -> Visit:
    actor = actor_of(request)
    require(actor, roles.VISIT_CHECK)
    visit = selectors.visit_get(actor=actor, public_id=visit_id)
    payload = payload or CheckIn(at=None)
    return services.visit_check_in(actor=actor, visit=visit, at=payload.at, method=payload.method)


@router.post("/visits/{visit_id}/check-out", response={200: VisitOut, **ERRORS}, summary="Check a visit out")
def visit_check_out(request: HttpRequest, visit_id: UUID, payload: CheckIn | None = None) -> Visit:
    actor = actor_of(request)
    require(actor, roles.VISIT_CHECK)
    visit = selectors.visit_get(actor=actor, public_id=visit_id)
    payload = payload or CheckIn(at=None)
    return services.visit_check_out(actor=actor, visit=visit, at=payload.at, method=payload.method)


@router.post("/visits/{visit_id}/cancel", response={200: VisitOut, **ERRORS},
             summary="Cancel a planned visit")
def visit_cancel(request: HttpRequest, visit_id: UUID, payload: CancelIn) -> Visit:
    """By the citizen (the notice given decides what the provider is paid) or by the provider."""
    actor = actor_of(request)
    visit = selectors.visit_get(actor=actor, public_id=visit_id)
    return services.visit_cancel(actor=actor, visit=visit, by=payload.by, at=payload.at, note=payload.note)


@router.post("/visits/{visit_id}/missed", response={200: VisitOut, **ERRORS},
             summary="Mark a visit as missed")
def visit_missed(request: HttpRequest, visit_id: UUID, payload: MissedIn | None = None) -> Visit:
    actor = actor_of(request)
    require(actor, roles.VISIT_VIEW_PROVIDER)
    visit = selectors.visit_get(actor=actor, public_id=visit_id)
    return services.visit_mark_missed(actor=actor, visit=visit, note=payload.note if payload else "")
