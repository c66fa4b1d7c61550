"""JSON API of waiting lists: staff read lists and their ranked entries, put citizens on a list
and offer a freed place; a citizen (or relative) reads their own places in line."""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from frivalg.core.api import actor_of, lookup
from frivalg.core.schemas import ERRORS, Pagination
from frivalg.waitinglists import selectors, services
from frivalg.waitinglists.models import WaitingList, WaitingListEntry
from frivalg.waitinglists.ranking import rule_in_words, score_in_words
from frivalg.waitinglists.schemas import EntryIn, EntryOut, MyEntryOut, WaitingListOut

router = Router(tags=["Waiting lists"])


@router.get("/waiting-lists", response={200: list[WaitingListOut], **ERRORS},
            summary="The municipality's waiting lists")
@paginate(Pagination)
def waiting_list_index(request: HttpRequest) -> Iterable[WaitingList]:
    """For staff who manage waiting lists; empty for everyone else."""
    return selectors.waiting_lists_for(actor=actor_of(request))


@router.get("/waiting-lists/{list_id}", response={200: WaitingListOut, **ERRORS}, summary="One waiting list")
def waiting_list_detail(request: HttpRequest, list_id: UUID) -> WaitingList:
    return selectors.waiting_list_get(actor=actor_of(request), public_id=list_id)


@router.get("/waiting-lists/{list_id}/entries", response={200: list[EntryOut], **ERRORS},
            summary="The entries on a list, in rank order")
@paginate(Pagination)
def waiting_list_entries(request: HttpRequest, list_id: UUID) -> Iterable[WaitingListEntry]:
    actor = actor_of(request)
    waiting_list = selectors.waiting_list_get(actor=actor, public_id=list_id)
    return selectors.entries_for(actor=actor, waiting_list=waiting_list)


@router.post("/waiting-lists/{list_id}/entries", response={201: EntryOut, **ERRORS},
             summary="Put a citizen on the list")
def waiting_list_enter(request: HttpRequest, list_id: UUID, payload: EntryIn) -> tuple[int, WaitingListEntry]:
    """The need score comes from the citizen's latest completed assessment; the list is ranked
    again and every entry that moves gets an explained change of rank."""
    actor = actor_of(request)
    waiting_list = selectors.waiting_list_get(actor=actor, public_id=list_id)
    decision = lookup("decision", selectors.decisions_to_enter(actor=actor, waiting_list=waiting_list).get,
                      public_id=payload.decision)
    entry = services.waiting_list_enter(actor=actor, waiting_list=waiting_list, decision=decision,
                                        applied_on=payload.applied_on, urgent=payload.urgent,
                                        reason=payload.reason.value if payload.reason else "")
    return 201, entry


@router.post("/waiting-lists/{list_id}/offer", response={201: EntryOut, **ERRORS},
             summary="Offer a freed place to the top of the list")
def waiting_list_offer(request: HttpRequest, list_id: UUID) -> tuple[int, WaitingListEntry]:
    """Follows the rule: the top-ranked waiting entry gets the offer, never anyone below it.
    Refused when no place is free."""
    actor = actor_of(request)
    waiting_list = selectors.waiting_list_get(actor=actor, public_id=list_id)
    return 201, services.place_offer(actor=actor, waiting_list=waiting_list)


@router.get("/me/waiting-lists", response={200: list[MyEntryOut], **ERRORS},
            summary="My places in line (citizen, or relative with power of attorney)")
def my_waiting_lists(request: HttpRequest) -> list[dict[str, Any]]:
    actor = actor_of(request)
    result = []
    for entry in selectors.my_entries(actor=actor):
        ranked = selectors.my_ranking(actor=actor, entry=entry)
        result.append({
            "id": entry.public_id, "waiting_list": entry.waiting_list.name, "citizen_name": entry.citizen.full_name,
            "status": entry.status, "position": ranked.position if ranked else None,
            "places": entry.waiting_list.places, "score_explained": score_in_words(ranked) if ranked else "",
            "rule": rule_in_words(entry.waiting_list),
            "history": list(selectors.my_rank_changes(actor=actor, entry=entry)),
        })
    return result
