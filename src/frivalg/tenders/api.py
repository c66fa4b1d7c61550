"""JSON API of tendering: tenders (the published ones for bidders), their questions and answers,
bids (sealed: before the deadline only the bidder reads its own) and the OCDS open data (any
authenticated user here; public without login on the pages)."""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.pagination import paginate

from frivalg.core import roles
from frivalg.core.api import actor_of, require_any
from frivalg.core.schemas import ERRORS, Pagination
from frivalg.core.selectors import require
from frivalg.tenders import ocds, selectors, services
from frivalg.tenders.models import Bid, Question, Tender
from frivalg.tenders.schemas import BidIn, BidOut, QuestionIn, QuestionOut, TenderDetailOut, TenderOut

router = Router(tags=["Tenders"])

READERS = (roles.TENDER_MANAGE, roles.TENDER_BID, roles.FOLLOWUP_VIEW)


def _tender(request: HttpRequest, tender_id: UUID) -> Tender:
    actor = actor_of(request)
    require_any(actor, *READERS)
    return selectors.tender_get(actor=actor, public_id=tender_id)


@router.get("/tenders", response={200: list[TenderOut], **ERRORS}, summary="Tenders I may see")
@paginate(Pagination)
def tender_list(request: HttpRequest) -> Iterable[Tender]:
    """Staff (procurement, follow-up): their municipality's tenders. Bidders (a provider's
    administrators): the published tenders of every municipality, never a planned one."""
    actor = actor_of(request)
    require_any(actor, *READERS)
    return selectors.tenders_for(actor=actor)


@router.get("/tenders/{tender_id}", response={200: TenderDetailOut, **ERRORS},
            summary="A tender with its lots, award criteria and evaluation model")
def tender_detail(request: HttpRequest, tender_id: UUID) -> Tender:
    tender = _tender(request, tender_id)
    tender.lots_list = list(selectors.lots_of(tender))  # type: ignore[attr-defined]
    tender.criteria_list = selectors.criteria_of(tender)  # type: ignore[attr-defined]
    return tender


@router.get("/tenders/{tender_id}/questions", response={200: list[QuestionOut], **ERRORS},
            summary="Questions and answers")
def question_list(request: HttpRequest, tender_id: UUID) -> list[Question]:
    """Bidders: the answered questions (without the asker) and their own. Staff: every question."""
    tender = _tender(request, tender_id)
    return selectors.questions_for(actor=actor_of(request), tender=tender)


@router.post("/tenders/{tender_id}/questions", response={201: QuestionOut, **ERRORS}, summary="Ask a question")
def question_ask(request: HttpRequest, tender_id: UUID, payload: QuestionIn) -> tuple[int, Question]:
    actor = actor_of(request)
    require(actor, roles.TENDER_BID)
    tender = _tender(request, tender_id)
    return 201, services.question_ask(actor=actor, tender=tender, text=payload.text)


@router.get("/tenders/{tender_id}/bids", response={200: list[BidOut], **ERRORS}, summary="Bids I may read")
def bid_list(request: HttpRequest, tender_id: UUID) -> list[Bid]:
    """Sealed: before the deadline a bidder reads only its own bids and the municipality's staff
    none; after the bids are opened staff read every submitted bid."""
    tender = _tender(request, tender_id)
    return selectors.bids_for(actor=actor_of(request), tender=tender)


@router.post("/tenders/{tender_id}/lots/{lot_id}/bids", response={201: BidOut, **ERRORS},
             summary="Make (or change) and submit a bid on a lot")
def bid_save(request: HttpRequest, tender_id: UUID, lot_id: UUID, payload: BidIn) -> tuple[int, Bid]:
    """A provider's administrator bids before the deadline: prices in the lot's price form and an
    answer per criterion. The same call changes the provider's live bid. With `submit` false the
    bid stays a draft. The in-house provider prepares its control bid on its page first (priced
    from the in-house full cost) and then answers and submits it here without prices."""
    actor = actor_of(request)
    require(actor, roles.TENDER_BID)
    tender = _tender(request, tender_id)
    try:
        lot = selectors.lots_of(tender).get(public_id=lot_id)
    except ObjectDoesNotExist as missing:
        raise Http404(_("No such lot.")) from missing
    bid = services.bid_save(actor=actor, lot=lot, prices=payload.prices, answers=payload.answers)
    if payload.submit:
        bid = services.bid_submit(actor=actor, bid=bid)
    return 201, bid


@router.get("/bids/{bid_id}", response={200: BidOut, **ERRORS}, summary="One bid (sealed until opened)")
def bid_detail(request: HttpRequest, bid_id: UUID) -> Bid:
    actor = actor_of(request)
    require_any(actor, *READERS)
    return selectors.bid_get(actor=actor, public_id=bid_id)


@router.post("/bids/{bid_id}/withdraw", response={200: BidOut, **ERRORS}, summary="Withdraw a bid")
def bid_withdraw(request: HttpRequest, bid_id: UUID) -> Bid:
    actor = actor_of(request)
    require(actor, roles.TENDER_BID)
    return services.bid_withdraw(actor=actor, bid=selectors.bid_get(actor=actor, public_id=bid_id))


def _published(tender_id: UUID) -> Tender:
    """Any published tender: OCDS is open data (the export itself reveals no bid before the deadline)."""
    return selectors.tender_published_get(public_id=tender_id)


@router.get("/tenders/{tender_id}/ocds/release-package", response={200: dict[str, Any], **ERRORS},
            summary="OCDS 1.1 release package of a published tender")
def ocds_release_package(request: HttpRequest, tender_id: UUID) -> dict[str, Any]:
    """The tender's OCDS releases — planning, tender, awards, contracts — valid against the OCDS
    1.1 release schema, for any authenticated user: it is open data (the same file is public,
    without login, at `/tenders/{tender_id}/ocds.json`). Published tenders only; no bid before
    the deadline."""
    return ocds.release_package(_published(tender_id), published=timezone.now())


@router.get("/tenders/{tender_id}/ocds/record-package", response={200: dict[str, Any], **ERRORS},
            summary="OCDS 1.1 record package of a published tender")
def ocds_record_package(request: HttpRequest, tender_id: UUID) -> dict[str, Any]:
    """The compiled record per tender; public without login at `/tenders/{tender_id}/ocds-record.json`."""
    return ocds.record_package(_published(tender_id))
