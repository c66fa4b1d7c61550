"""Pages of the message cycle. Needs assessors: the inbox of open change requests (due today
and overdue marked), the answer form, and per decision the log of messages and adjustments
within the frame. Providers: allocations, start and stop of care, change requests with
evidence and their answers, and adjustments within the frame."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frivalg.assessments.models import Decision
from frivalg.catalogue.selectors import services_for
from frivalg.changerequests import selectors, services
from frivalg.changerequests.forms import (
    AnswerForm,
    ChangeRequestForm,
    FrameAdjustmentForm,
    InboxFilterForm,
    ResponseDeadlineForm,
    StartOfCareForm,
    StopOfCareForm,
)
from frivalg.changerequests.models import ChangeRequest, Message
from frivalg.core import roles
from frivalg.core.forms import add_service_errors
from frivalg.core.selectors import has_permission, require, today_for
from frivalg.core.views import AuthenticatedRequest


def require_any_page(request: AuthenticatedRequest, *permissions: roles.Permission) -> None:
    """For pages both sides of the cycle open (the request, its evidence)."""
    if not any(has_permission(request.user, permission) for permission in permissions):
        raise PermissionDenied(permissions[0].description)


def _request_or_404(request: AuthenticatedRequest, public_id: UUID) -> ChangeRequest:
    try:
        return selectors.change_request_get(actor=request.user, public_id=public_id)
    except ChangeRequest.DoesNotExist as missing:
        raise Http404(_("No such change request.")) from missing


def _provider_decision_or_404(request: AuthenticatedRequest, public_id: UUID) -> Decision:
    try:
        return selectors.provider_decision_get(actor=request.user, public_id=public_id)
    except Decision.DoesNotExist as missing:
        raise Http404(_("No such decision.")) from missing


# --- needs assessor ------------------------------------------------------------------------


@login_required
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.DECISION_GRANT)
    form = InboxFilterForm(request.GET or None)
    mine = bool(form.is_valid() and form.cleaned_data["mine"])
    return render(request, "changerequests/inbox.html", {
        "form": form,
        "requests": selectors.inbox_for(actor=request.user, mine=mine),
        "today": today_for(request.user),
        "pending_allocations": selectors.pending_allocations(actor=request.user).count(),
    })


@login_required
@require_POST
def allocations_send(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.DECISION_GRANT)
    sent = services.allocations_backfill(actor=request.user, municipality=request.user.municipality)
    messages.success(request, _("%(n)s allocations sent to providers.") % {"n": len(sent)})
    return redirect("changerequests:inbox")


@login_required
def request_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require_any_page(request, roles.DECISION_GRANT, roles.CHANGE_REQUEST_SEND)
    change_request = _request_or_404(request, public_id)
    may_answer = change_request.is_open and selectors.may_answer(actor=request.user, change_request=change_request)
    form = None
    if may_answer:
        form = AnswerForm(request.POST or None, services=services_for(actor=request.user).filter(
            active=True, municipality_id=change_request.municipality_id))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.change_request_answer(
                    actor=request.user, change_request=change_request, status=data["status"],
                    answer_text=data["answer_text"], valid_from=data["valid_from"], amount=data["amount"],
                    unit=data["unit"] or None, frequency=data["frequency"] or None, service=data["service"],
                )
            except ValidationError as error:
                add_service_errors(form, error, {"decision": "__all__", "source": "__all__"})
            else:
                messages.success(request, _("The answer is sent to the provider."))
                return redirect("changerequests:inbox")
    elif request.method == "POST":
        raise PermissionDenied(_("This request cannot be answered."))
    return render(request, "changerequests/request_detail.html", {
        "change_request": change_request, "form": form, "today": today_for(request.user),
        "is_provider": change_request.provider_id in selectors.actor_provider_ids(request.user),
    })


@login_required
def evidence(request: AuthenticatedRequest, public_id: UUID) -> FileResponse:
    require_any_page(request, roles.DECISION_GRANT, roles.CHANGE_REQUEST_SEND)
    change_request = _request_or_404(request, public_id)
    if not change_request.evidence:
        raise Http404(_("This request has no evidence."))
    return FileResponse(change_request.evidence.open("rb"), as_attachment=True,
                        filename=change_request.evidence_name or "evidence",
                        content_type=change_request.evidence_content_type or "application/octet-stream")


@login_required
def decision_log(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """For the assessor: everything the provider sent about a decision, and its adjustments."""
    require(request.user, roles.DECISION_GRANT)
    try:
        decision = selectors.purchaser_decision_get(actor=request.user, public_id=public_id)
    except Decision.DoesNotExist as missing:
        raise Http404(_("No such decision.")) from missing
    return render(request, "changerequests/decision_log.html", {
        "decision": decision,
        "adjustments": selectors.frame_adjustments_for(actor=request.user, decision=decision),
        "log": selectors.messages_for(actor=request.user, decision=decision),
        "requests": selectors.change_requests_for(actor=request.user).filter(decision=decision),
    })


@login_required
def deadline_settings(request: AuthenticatedRequest) -> HttpResponse:
    """The head of needs assessment sets the response deadline of the municipality."""
    require(request.user, roles.GUIDELINE_MANAGE)
    municipality = request.user.municipality
    if municipality is None:
        raise PermissionDenied(roles.GUIDELINE_MANAGE.description)
    form = ResponseDeadlineForm(request.POST or None,
                                initial={"working_days": selectors.response_working_days(municipality)})
    if request.method == "POST" and form.is_valid():
        try:
            services.response_deadline_set(actor=request.user, working_days=form.cleaned_data["working_days"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The response deadline is saved."))
            return redirect("changerequests:inbox")
    return render(request, "changerequests/deadline_settings.html", {"form": form})


# --- provider ------------------------------------------------------------------------------


@login_required
def provider_home(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.CHANGE_REQUEST_SEND)
    services.allocations_sync_for_provider(actor=request.user)
    return render(request, "changerequests/provider_home.html", {
        "allocations": selectors.allocations_for(actor=request.user).order_by("-sent_at", "-id")[:200],
        "requests": selectors.provider_requests_for(actor=request.user)[:200],
        "today": today_for(request.user),
    })


@login_required
@require_POST
def allocation_acknowledge(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.CHANGE_REQUEST_SEND)
    try:
        allocation = selectors.allocation_get(actor=request.user, public_id=public_id)
    except Message.DoesNotExist as missing:
        raise Http404(_("No such allocation.")) from missing
    services.allocation_acknowledge(actor=request.user, message=allocation)
    messages.success(request, _("The allocation is acknowledged."))
    return redirect("changerequests:provider")


def _provider_form_page(request: AuthenticatedRequest, decision: Decision, form: object, title: str,
                        multipart: bool = False) -> HttpResponse:
    return render(request, "changerequests/provider_form.html", {
        "decision": decision, "form": form, "title": title, "multipart": multipart,
    })


@login_required
def care_start(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.CHANGE_REQUEST_SEND)
    decision = _provider_decision_or_404(request, public_id)
    form = StartOfCareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.start_of_care_send(actor=request.user, decision=decision,
                                        start_date=form.cleaned_data["start_date"])
        except ValidationError as error:
            add_service_errors(form, error, {"decision": "__all__"})
        else:
            messages.success(request, _("The start of care is sent to the municipality."))
            return redirect("changerequests:provider")
    return _provider_form_page(request, decision, form, _("Start of care"))


@login_required
def care_stop(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.CHANGE_REQUEST_SEND)
    decision = _provider_decision_or_404(request, public_id)
    form = StopOfCareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.stop_of_care_send(actor=request.user, decision=decision, stop_date=data["stop_date"],
                                       reason=data["reason"], note=data["note"])
        except ValidationError as error:
            add_service_errors(form, error, {"decision": "__all__"})
        else:
            messages.success(request, _("The stop of care is sent to the municipality."))
            return redirect("changerequests:provider")
    return _provider_form_page(request, decision, form, _("Stop of care"))


@login_required
def request_new(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.CHANGE_REQUEST_SEND)
    decision = _provider_decision_or_404(request, public_id)
    form = ChangeRequestForm(request.POST or None, request.FILES or None,
                             services=services_for(actor=request.user).filter(
                                 active=True, municipality_id=decision.municipality_id))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change_request, _created = services.change_request_create(
                actor=request.user, decision=decision, kind=data["kind"], reason=data["reason"],
                requested_amount=data["requested_amount"], requested_unit=data["requested_unit"],
                requested_frequency=data["requested_frequency"], requested_service=data["requested_service"],
                evidence=data["evidence"] or None,
            )
        except ValidationError as error:
            add_service_errors(form, error, {"decision": "__all__"})
        else:
            messages.success(request, _("The request is sent. The municipality answers by %(date)s.")
                             % {"date": change_request.due_on.isoformat()})
            return redirect("changerequests:detail", public_id=change_request.public_id)
    return _provider_form_page(request, decision, form, _("Request a change"), multipart=True)


@login_required
@require_POST
def request_withdraw(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.CHANGE_REQUEST_SEND)
    change_request = _request_or_404(request, public_id)
    try:
        services.change_request_withdraw(actor=request.user, change_request=change_request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The request is withdrawn."))
    return redirect("changerequests:detail", public_id=change_request.public_id)


@login_required
def frame_new(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.CHANGE_REQUEST_SEND)
    decision = _provider_decision_or_404(request, public_id)
    form = FrameAdjustmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.frame_adjustment_record(
                actor=request.user, decision=decision, period_kind=data["period_kind"],
                period_day=data["period_day"], description=data["description"],
                minutes_moved=data["minutes_moved"], moved_from=data["moved_from"], moved_to=data["moved_to"],
                planned_minutes_after=data["planned_minutes_after"],
            )
        except ValidationError as error:
            add_service_errors(form, error, {"decision": "__all__"})
        else:
            messages.success(request, _("The adjustment within the frame is recorded."))
            return redirect("changerequests:provider")
    return _provider_form_page(request, decision, form, _("Adjustment within the frame"))
