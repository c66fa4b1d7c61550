"""JSON API for the citizen's free choice of provider: compare, choose, switch."""

from collections.abc import Iterable
from uuid import UUID

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from frivalg.assessments.selectors import decision_get
from frivalg.choices import selectors, services
from frivalg.choices.models import Choice
from frivalg.choices.schemas import ChoiceIn, ChoiceOut, ProviderOption, SwitchIn
from frivalg.core import roles
from frivalg.core.api import actor_of, lookup, require_any
from frivalg.core.schemas import ERRORS, Pagination
from frivalg.providers.models import Provider

router = Router(tags=["Choice of provider"])

MAY_CHOOSE = (roles.CHOICE_MAKE_OWN, roles.CHOICE_MAKE_MUNICIPALITY)


@router.get("/decisions/{decision_id}/providers", response={200: list[ProviderOption], **ERRORS},
            summary="The providers to choose from")
@paginate(Pagination)
def provider_options(request: HttpRequest, decision_id: UUID) -> Iterable[Provider]:
    """Approved for the decision's service and serving the citizen's district."""
    actor = actor_of(request)
    require_any(actor, *MAY_CHOOSE)
    decision = decision_get(actor=actor, public_id=decision_id)
    return selectors.providers_to_choose_from(actor=actor, decision=decision)


@router.get("/decisions/{decision_id}/choices", response={200: list[ChoiceOut], **ERRORS},
            summary="Who has delivered the decision (the history of choices)")
@paginate(Pagination)
def choice_history(request: HttpRequest, decision_id: UUID) -> Iterable[Choice]:
    actor = actor_of(request)
    decision = decision_get(actor=actor, public_id=decision_id)
    return selectors.choices_for(actor=actor, decision=decision)


@router.post("/decisions/{decision_id}/choice", response={201: ChoiceOut, **ERRORS},
             summary="Choose a provider")
def choice_create(request: HttpRequest, decision_id: UUID, payload: ChoiceIn) -> tuple[int, Choice]:
    """If the decision already has a provider, this is a switch with the default notice."""
    actor = actor_of(request)
    require_any(actor, *MAY_CHOOSE)
    decision = decision_get(actor=actor, public_id=decision_id)
    provider = lookup("provider", selectors.providers_to_choose_from(actor=actor, decision=decision).get,
                      public_id=payload.provider)
    return 201, services.choice_make(actor=actor, decision=decision, provider=provider)


@router.post("/decisions/{decision_id}/switch", response={201: ChoiceOut, **ERRORS},
             summary="Switch provider")
def choice_change(request: HttpRequest, decision_id: UUID, payload: SwitchIn) -> tuple[int, Choice]:
    actor = actor_of(request)
    require_any(actor, *MAY_CHOOSE)
    decision = decision_get(actor=actor, public_id=decision_id)
    provider = lookup("provider", selectors.providers_to_choose_from(actor=actor, decision=decision).get,
                      public_id=payload.provider)
    return 201, services.choice_switch(actor=actor, decision=decision, provider=provider,
                                       notice_days=payload.notice_days)
