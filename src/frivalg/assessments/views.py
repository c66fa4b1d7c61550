"""The needs assessor's pages: caseload and search, a citizen's record, recording an
assessment and granting a decision. Each view: parse → authorize → one service/selector → render."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from frivalg.assessments.forms import AssessmentForm, DecisionForm
from frivalg.assessments.models import DecisionStatus
from frivalg.assessments.selectors import (
    assessments_for,
    caseload_for,
    citizen_search,
    decisions_awaiting_choice,
    decisions_for,
)
from frivalg.assessments.services import assessment_record, decision_grant
from frivalg.catalogue import fsiii
from frivalg.catalogue.selectors import fsiii_concepts, services_for
from frivalg.choices.selectors import choices_for, current_choice
from frivalg.core import roles
from frivalg.core.forms import SearchForm, add_service_errors
from frivalg.core.models import Citizen
from frivalg.core.selectors import citizen_can_see_national_id, citizen_get, has_permission, require
from frivalg.core.views import AuthenticatedRequest
from frivalg.visits.selectors import visits_for

#: Reassessments due within this many days are flagged on the caseload.
DUE_SOON_DAYS = 30


def _require_staff_reader(request: AuthenticatedRequest) -> None:
    """Citizen records are read by staff with the municipality-wide or the caseload variant."""
    if has_permission(request.user, roles.CITIZEN_VIEW_MUNICIPALITY):
        return
    if has_permission(request.user, roles.CITIZEN_VIEW_CASELOAD):
        return
    raise PermissionDenied(roles.CITIZEN_VIEW_CASELOAD.description)


def _citizen_or_404(request: AuthenticatedRequest, public_id: UUID) -> Citizen:
    try:
        return citizen_get(actor=request.user, public_id=public_id)
    except Citizen.DoesNotExist as missing:
        raise Http404(_("No such citizen.")) from missing


def _area_names() -> dict[str, str]:
    return {concept.code: concept.display for concept in fsiii_concepts(group=fsiii.GROUP_CONDITIONS)}


@login_required
def caseload(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.CITIZEN_VIEW_CASELOAD)
    search = SearchForm(request.GET or None)
    results = None
    if search.is_valid() and search.cleaned_data["q"]:
        results = citizen_search(actor=request.user, query=search.cleaned_data["q"])[:50]
    page = Paginator(caseload_for(actor=request.user), 50).get_page(request.GET.get("page"))
    keep = urlencode({"q": search.cleaned_data["q"]}) if results is not None else ""
    return render(request, "assessments/caseload.html", {
        "search": search,
        "results": results,
        "page": page,
        "keep": keep,
        "awaiting_choice": decisions_awaiting_choice(actor=request.user).order_by("choice_deadline")[:20],
        "due_soon": timezone.localdate() + timedelta(days=DUE_SOON_DAYS),
        "today": timezone.localdate(),
    })


@login_required
def citizen_record(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    _require_staff_reader(request)
    citizen = _citizen_or_404(request, public_id)
    now = timezone.now()
    decisions = [
        {
            "decision": decision,
            "current": current_choice(actor=request.user, decision=decision),
            "choices": choices_for(actor=request.user, decision=decision),
        }
        for decision in decisions_for(actor=request.user, citizen=citizen)
    ]
    return render(request, "assessments/citizen_record.html", {
        "citizen": citizen,
        "show_national_id": citizen_can_see_national_id(request.user, citizen),
        "assessments": assessments_for(actor=request.user, citizen=citizen),
        "area_names": _area_names(),
        "decisions": decisions,
        "visits": visits_for(actor=request.user, citizen=citizen, start=now - timedelta(days=14),
                             end=now + timedelta(days=14)),
        "may_assess": has_permission(request.user, roles.ASSESSMENT_RECORD),
        "may_grant": has_permission(request.user, roles.DECISION_GRANT),
    })


@login_required
def assessment_new(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.ASSESSMENT_RECORD)
    citizen = _citizen_or_404(request, public_id)
    conditions = list(fsiii_concepts(group=fsiii.GROUP_CONDITIONS))
    form = AssessmentForm(request.POST or None, conditions=conditions,
                          scale=fsiii_concepts(group=fsiii.GROUP_SCALE))
    if request.method == "POST" and form.is_valid():
        try:
            assessment_record(
                actor=request.user, citizen=citizen, assessed_on=form.cleaned_data["assessed_on"],
                scores=form.scores(), notes=form.cleaned_data["notes"],
                citizen_view=form.cleaned_data["citizen_view"],
                next_reassessment_due=form.cleaned_data["next_reassessment_due"],
            )
        except ValidationError as error:
            add_service_errors(form, error, form.service_field_map())
        else:
            messages.success(request, _("The assessment is recorded."))
            return redirect("assessments:citizen", public_id=citizen.public_id)
    return render(request, "assessments/assessment_form.html", {
        "citizen": citizen, "form": form, "fsiii_source": fsiii.SOURCE, "fsiii_version": form.version,
    })


@login_required
def decision_new(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.DECISION_GRANT)
    citizen = _citizen_or_404(request, public_id)
    form = DecisionForm(
        request.POST or None,
        services=services_for(actor=request.user).filter(active=True, municipality_id=citizen.municipality_id),
        assessments=assessments_for(actor=request.user, citizen=citizen),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = decision_grant(
                actor=request.user, citizen=citizen, service=data["service"], amount=data["amount"],
                unit=data["unit"], frequency=data["frequency"], flexibility=data["flexibility"],
                valid_from=data["valid_from"], valid_to=data["valid_to"], reason=data["reason"],
                assessment=data["assessment"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            deadline = date_format(decision.choice_deadline or decision.valid_from)
            messages.success(request, _("The decision is granted. The citizen can now choose a provider "
                                        "until %(date)s.") % {"date": deadline})
            return redirect("assessments:citizen", public_id=citizen.public_id)
    return render(request, "assessments/decision_form.html", {
        "citizen": citizen, "form": form, "granted": DecisionStatus.GRANTED,
    })
