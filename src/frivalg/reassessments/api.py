"""JSON API of reassessments: the queue of due and overdue reassessments, and the flags raised
from delivery data."""

from collections.abc import Iterable
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router
from ninja.pagination import paginate

from frivalg.core import roles
from frivalg.core.api import actor_of, lookup
from frivalg.core.schemas import ERRORS, Pagination
from frivalg.core.selectors import citizen_get, require
from frivalg.reassessments import selectors, services
from frivalg.reassessments.models import Flag
from frivalg.reassessments.schemas import FlagFilter, FlagOut, FlagResolveIn, QueueFilter, QueueRowOut

router = Router(tags=["Reassessments"])


@router.get("/reassessments/queue", response={200: list[QueueRowOut], **ERRORS},
            summary="Reassessments overdue or due within 30 days")
@paginate(Pagination)
def reassessment_queue(request: HttpRequest, filters: Query[QueueFilter]) -> Iterable[selectors.QueueRow]:
    """`scope=mine`: the caller's caseload (needs assessors); `scope=team`: the whole
    municipality (heads of needs assessment). Earliest due date first."""
    actor = actor_of(request)
    require(actor, roles.CITIZEN_VIEW_CASELOAD if filters.scope == selectors.SCOPE_MINE else roles.CASEWORK_TEAM_VIEW)
    return selectors.reassessment_queue(actor=actor, scope=filters.scope, as_of=timezone.localdate())


@router.get("/flags", response={200: list[FlagOut], **ERRORS}, summary="Flags from delivery data")
@paginate(Pagination)
def flag_list(request: HttpRequest, filters: Query[FlagFilter]) -> Iterable[Flag]:
    actor = actor_of(request)
    require(actor, roles.ASSESSMENT_RECORD)
    citizen = None
    if filters.citizen:
        citizen = lookup("citizen", citizen_get, actor=actor, public_id=filters.citizen)
    return selectors.flags_for(actor=actor, status=filters.status, citizen=citizen)


@router.post("/flags/{flag_id}/resolve", response={200: FlagOut, **ERRORS}, summary="Resolve a flag")
def flag_resolve(request: HttpRequest, flag_id: UUID, payload: FlagResolveIn) -> Flag:
    actor = actor_of(request)
    require(actor, roles.ASSESSMENT_RECORD)
    flag = selectors.flag_get(actor=actor, public_id=flag_id)
    return services.flag_resolve(actor=actor, flag=flag, note=payload.note)
