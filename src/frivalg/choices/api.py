"""JSON API for the citizen's free choice of provider: compare, choose, switch."""

from collections.abc import Iterable
from typing import Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.pagination import paginate

from frivalg.assessments.selectors import decision_get
from frivalg.choices import selectors, services
from frivalg.choices.models import Choice, Complaint, DefaultRuleSetting, ProviderRating
from frivalg.choices.schemas import (
    ChoiceIn,
    ChoiceOut,
    ComplaintIn,
    ComplaintOut,
    DefaultRuleSettingIO,
    ProviderOption,
    RatingIn,
    RatingOut,
    SwitchIn,
)
from frivalg.choices.selectors import ProviderComparison
from frivalg.core import roles
from frivalg.core.api import actor_of, lookup, require_any
from frivalg.core.models import Citizen, User
from frivalg.core.schemas import ERRORS, Pagination
from frivalg.core.selectors import citizens_represented_by, has_permission, require
from frivalg.providers.models import Provider

router = Router(tags=["Choice of provider"])

MAY_CHOOSE = (roles.CHOICE_MAKE_OWN, roles.CHOICE_MAKE_MUNICIPALITY)


@router.get("/decisions/{decision_id}/providers", response={200: list[ProviderOption], **ERRORS},
            summary="The providers to choose from, with places, price and quality figures")
@paginate(Pagination)
def provider_options(request: HttpRequest, decision_id: UUID,
                     sort: Literal["name", "price", "continuity", "punctuality", "satisfaction", "complaints",
                                   "places"] = "name") -> Iterable[ProviderComparison]:
    """Approved for the decision's service and serving the citizen's district."""
    actor = actor_of(request)
    require_any(actor, *MAY_CHOOSE)
    decision = decision_get(actor=actor, public_id=decision_id)
    return selectors.comparison_for(actor=actor, decision=decision, sort=sort).rows


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
    if payload.notice_days is not None and not has_permission(actor, roles.CHOICE_MAKE_MUNICIPALITY):
        raise ValidationError({"notice_days": _("Only the municipality can set another notice than its own.")})
    return 201, services.choice_switch(actor=actor, decision=decision, provider=provider,
                                       notice_days=payload.notice_days, reason=payload.reason)


def _represented(actor: User, citizen_id: UUID) -> Citizen:
    return lookup("citizen", citizens_represented_by(actor).get, public_id=citizen_id)


def _provider_of(actor: User, citizen: Citizen, provider_id: UUID) -> Provider:
    found = selectors.current_providers_of(actor=actor).filter(
        decision__citizen=citizen, provider__public_id=provider_id).first()
    if found is None:
        raise ValidationError({"provider": _("Nothing with this id is known to you.")})
    return found.provider


@router.post("/ratings", response={201: RatingOut, **ERRORS}, summary="Rate one's provider (once a quarter)")
def rating_create(request: HttpRequest, payload: RatingIn) -> tuple[int, ProviderRating]:
    actor = actor_of(request)
    require(actor, roles.CITIZEN_VIEW_OWN)
    citizen = _represented(actor, payload.citizen)
    provider = _provider_of(actor, citizen, payload.provider)
    answers = payload.model_dump(include={"respect", "on_time", "same_people", "overall"})
    return 201, services.rating_submit(actor=actor, citizen=citizen, provider=provider, answers=answers)


@router.post("/complaints", response={201: ComplaintOut, **ERRORS}, summary="Complain about one's provider")
def complaint_create(request: HttpRequest, payload: ComplaintIn) -> tuple[int, Complaint]:
    actor = actor_of(request)
    require(actor, roles.CITIZEN_VIEW_OWN)
    citizen = _represented(actor, payload.citizen)
    provider = _provider_of(actor, citizen, payload.provider)
    return 201, services.complaint_submit(actor=actor, citizen=citizen, provider=provider, text=payload.text)


@router.get("/complaints", response={200: list[ComplaintOut], **ERRORS},
            summary="Complaints: one's own, or the municipality's for its staff")
@paginate(Pagination)
def complaint_list(request: HttpRequest) -> Iterable[Complaint]:
    return selectors.complaints_for(actor=actor_of(request))


@router.get("/choices/default-rule", response={200: DefaultRuleSettingIO, **ERRORS},
            summary="The municipality's default rule, days to choose and switch notice")
def default_rule_get(request: HttpRequest) -> DefaultRuleSetting:
    actor = actor_of(request)
    if not (selectors.may_follow_choices(actor) and actor.municipality_id):
        raise PermissionDenied(roles.PROVIDER_MANAGE.description)
    return selectors.default_rule_setting_of(actor.municipality_id)


@router.put("/choices/default-rule", response={200: DefaultRuleSettingIO, **ERRORS},
            summary="Set the default rule (the purchaser manager: PROVIDER_MANAGE)")
def default_rule_put(request: HttpRequest, payload: DefaultRuleSettingIO) -> DefaultRuleSetting:
    actor = actor_of(request)
    require(actor, roles.PROVIDER_MANAGE)
    return services.default_rule_setting_update(actor=actor, rule=payload.rule,
                                                choice_deadline_days=payload.choice_deadline_days,
                                                switch_notice_days=payload.switch_notice_days)
