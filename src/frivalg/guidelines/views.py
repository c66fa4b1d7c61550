"""Pages of the service guidelines: the versions, one version's rules in plain language, a new
draft, editing a draft's rules, publishing; read-only for needs assessors; a public page per
municipality without login. Each view: parse → authorize → one service/selector → render."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frivalg.catalogue import fsiii
from frivalg.catalogue.selectors import fsiii_concepts, services_for
from frivalg.core import roles
from frivalg.core.forms import add_service_errors
from frivalg.core.selectors import has_permission, municipality_of, require
from frivalg.core.views import AuthenticatedRequest
from frivalg.guidelines.forms import DraftForm, GuidelineRuleForm, PublishForm
from frivalg.guidelines.models import Guideline, GuidelineRule
from frivalg.guidelines.selectors import (
    guideline_get,
    guideline_rule_get,
    guidelines_for,
    public_guidelines,
    public_municipality,
)
from frivalg.guidelines.services import (
    RuleInput,
    guideline_draft_create,
    guideline_publish,
    guideline_rule_add,
    guideline_rule_remove,
    guideline_rule_update,
)
from frivalg.guidelines.wording import rule_phrase


def _require_reader(request: AuthenticatedRequest) -> None:
    if has_permission(request.user, roles.GUIDELINE_MANAGE):
        return
    if has_permission(request.user, roles.ASSESSMENT_RECORD):
        return
    raise PermissionDenied(roles.GUIDELINE_MANAGE.description)


def _guideline_or_404(request: AuthenticatedRequest, public_id: UUID) -> Guideline:
    try:
        return guideline_get(actor=request.user, public_id=public_id)
    except Guideline.DoesNotExist as missing:
        raise Http404(_("No such guideline.")) from missing


def _rule_or_404(request: AuthenticatedRequest, guideline: Guideline, rule_id: UUID) -> GuidelineRule:
    try:
        return guideline_rule_get(actor=request.user, guideline=guideline, public_id=rule_id)
    except GuidelineRule.DoesNotExist as missing:
        raise Http404(_("No such rule.")) from missing


def _area_names() -> dict[str, str]:
    return {concept.code: concept.display for concept in fsiii_concepts(group=fsiii.GROUP_CONDITIONS)}


def _described(guideline: Guideline) -> list[tuple[GuidelineRule, str]]:
    names = _area_names()
    return [(rule, rule_phrase(rule, names)) for rule in guideline.rules.all()]


@login_required
def guideline_list(request: AuthenticatedRequest) -> HttpResponse:
    _require_reader(request)
    may_manage = has_permission(request.user, roles.GUIDELINE_MANAGE)
    return render(request, "guidelines/list.html", {
        "guidelines": guidelines_for(actor=request.user),
        "may_manage": may_manage,
        "draft_form": DraftForm() if may_manage else None,
        "municipality": municipality_of(request.user),
    })


@login_required
def guideline_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    _require_reader(request)
    guideline = _guideline_or_404(request, public_id)
    may_edit = guideline.is_draft and has_permission(request.user, roles.GUIDELINE_MANAGE)
    return render(request, "guidelines/detail.html", {
        "guideline": guideline,
        "rules": _described(guideline),
        "may_edit": may_edit,
        "publish_form": PublishForm() if may_edit else None,
    })


@login_required
@require_POST
def guideline_draft_new(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.GUIDELINE_MANAGE)
    form = DraftForm(request.POST)
    municipality = municipality_of(request.user)
    if municipality is None:
        raise PermissionDenied(roles.GUIDELINE_MANAGE.description)
    if form.is_valid():
        try:
            guideline = guideline_draft_create(actor=request.user, municipality=municipality,
                                               title=form.cleaned_data["title"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Version %(version)s is a new draft.") % {"version": guideline.version})
            return redirect("guidelines:detail", public_id=guideline.public_id)
    return render(request, "guidelines/list.html", {
        "guidelines": guidelines_for(actor=request.user), "may_manage": True, "draft_form": form,
        "municipality": municipality,
    }, status=422)


def _rule_form(request: AuthenticatedRequest, guideline: Guideline, rule: GuidelineRule | None) -> HttpResponse:
    require(request.user, roles.GUIDELINE_MANAGE)
    if not guideline.is_draft:
        raise PermissionDenied(_("A published guideline cannot be changed: make a new draft."))
    services = services_for(actor=request.user).filter(active=True, municipality_id=guideline.municipality_id)
    initial = GuidelineRuleForm.initial_from(rule) if rule is not None else None
    form = GuidelineRuleForm(request.POST or None, services=services, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entered = RuleInput(
            label=data["label"], conditions=form.conditions(), service=data["service"], amount=data["amount"],
            unit=data["unit"], frequency=data["frequency"], combine=data["combine"],
            flexibility=data["flexibility"], explanation=data["explanation"], order=data["order"],
        )
        try:
            if rule is None:
                guideline_rule_add(actor=request.user, guideline=guideline, data=entered)
            else:
                guideline_rule_update(actor=request.user, rule=rule, data=entered)
        except ValidationError as error:
            add_service_errors(form, error, form.service_field_map())
        else:
            messages.success(request, _("The rule is saved."))
            return redirect("guidelines:detail", public_id=guideline.public_id)
    status = 422 if request.method == "POST" else 200
    return render(request, "guidelines/rule_form.html", {"guideline": guideline, "rule": rule, "form": form},
                  status=status)


@login_required
def rule_new(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.GUIDELINE_MANAGE)
    return _rule_form(request, _guideline_or_404(request, public_id), None)


@login_required
def rule_edit(request: AuthenticatedRequest, public_id: UUID, rule_id: UUID) -> HttpResponse:
    require(request.user, roles.GUIDELINE_MANAGE)
    guideline = _guideline_or_404(request, public_id)
    return _rule_form(request, guideline, _rule_or_404(request, guideline, rule_id))


@login_required
@require_POST
def rule_remove(request: AuthenticatedRequest, public_id: UUID, rule_id: UUID) -> HttpResponse:
    require(request.user, roles.GUIDELINE_MANAGE)
    guideline = _guideline_or_404(request, public_id)
    rule = _rule_or_404(request, guideline, rule_id)
    try:
        guideline_rule_remove(actor=request.user, rule=rule)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The rule is removed."))
    return redirect("guidelines:detail", public_id=guideline.public_id)


@login_required
def guideline_publish_view(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.GUIDELINE_MANAGE)
    guideline = _guideline_or_404(request, public_id)
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            guideline_publish(actor=request.user, guideline=guideline, valid_from=form.cleaned_data["valid_from"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Version %(version)s is published.") % {"version": guideline.version})
            return redirect("guidelines:detail", public_id=guideline.public_id)
    status = 422 if request.method == "POST" else 200
    return render(request, "guidelines/publish.html", {"guideline": guideline, "form": form}, status=status)


def public_list(request: HttpRequest, code: str) -> HttpResponse:
    """The published guidelines of a municipality, for everyone: they are political decisions."""
    municipality = public_municipality(code=code)
    if municipality is None:
        raise Http404(_("No such municipality."))
    versions = list(public_guidelines(municipality_code=code))
    return render(request, "guidelines/public.html", {
        "municipality": municipality,
        "versions": [(guideline, _described(guideline)) for guideline in versions],
    })
