"""Pages of the approval model: the purchaser publishes requirements, assesses applications and
follows capacity; a provider's admins apply, answer, manage capacity and give notice; anyone
reads a municipality's requirements. Each view: parse → authorize → one service/selector → render."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.core import roles
from frivalg.core.forms import add_service_errors
from frivalg.core.models import Municipality
from frivalg.core.selectors import require
from frivalg.core.views import AuthenticatedRequest
from frivalg.providers import selectors, services
from frivalg.providers.forms import (
    AnswerForm,
    ApplicationForm,
    AssessForm,
    CapacityForm,
    DecideForm,
    NoticeForm,
    RenewForm,
    RequirementForm,
)
from frivalg.providers.models import Approval, Provider, RequirementAnswer
from frivalg.providers.selectors import approvals_for, providers_for


@login_required
def provider_list(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.PROVIDER_MANAGE)
    return render(request, "providers/provider_list.html", {
        "providers": providers_for(actor=request.user).prefetch_related("districts").order_by("kind", "name"),
        "approvals": approvals_for(actor=request.user).order_by("provider__name", "service__name"),
    })


def public_requirements(request: HttpRequest, code: str) -> HttpResponse:
    """The same requirements for everyone, published per municipality: no login."""
    try:
        municipality = selectors.municipality_public(code)
    except Municipality.DoesNotExist as missing:
        raise Http404(_("No such municipality.")) from missing
    return render(request, "providers/public_requirements.html", {
        "municipality": municipality,
        "requirements": selectors.requirements_published(municipality=municipality, on=timezone.localdate()),
    })


@login_required
def requirement_list(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.PROVIDER_MANAGE)
    form = RequirementForm(request.POST or None, services=selectors.services_of(actor=request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.requirement_publish(
                actor=request.user, service=data["service"], code=data["code"], title=data["title"],
                description=data["description"], kind=data["kind"], document_required=data["document_required"],
                valid_from=data["valid_from"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The requirement is published."))
            return redirect("providers:requirements")
    return render(request, "providers/requirement_list.html", {
        "requirements": selectors.requirements_for(actor=request.user).order_by("code", "-version"),
        "form": form,
        "municipality": request.user.municipality,
    })


@login_required
def application_queue(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.PROVIDER_MANAGE)
    return render(request, "providers/application_queue.html", {
        "applications": selectors.applications_for(actor=request.user),
    })


def _approval_or_404(request: AuthenticatedRequest, public_id: UUID) -> Approval:
    try:
        approval = selectors.approval_get(actor=request.user, public_id=public_id)
    except Approval.DoesNotExist as missing:
        raise Http404(_("No such approval.")) from missing
    return approval


def _is_manager(request: AuthenticatedRequest, approval: Approval) -> bool:
    return selectors.is_provider_manager(request.user, approval.municipality_id)


def _is_admin(request: AuthenticatedRequest, approval: Approval) -> bool:
    return selectors.is_provider_admin(request.user, approval.provider_id)


@login_required
def approval_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """One approval with every requirement, the provider's answer and the assessment — the same
    page for the in-house provider as for any other."""
    approval = _approval_or_404(request, public_id)
    is_manager = _is_manager(request, approval)
    is_admin = _is_admin(request, approval)
    if not (is_manager or is_admin):
        raise PermissionDenied(_("Only the purchaser and the provider's administrators see this approval."))
    return render(request, "providers/approval_detail.html", {
        "approval": approval,
        "answers": selectors.answers_for(actor=request.user, approval=approval),
        "verdict": selectors.approval_verdict_of(approval, timezone.localdate()),
        "is_manager": is_manager,
        "is_admin": is_admin,
        "decide_form": DecideForm(initial={"valid_from": timezone.localdate()}) if is_manager else None,
        "renew_form": RenewForm() if is_manager else None,
        "capacity_form": CapacityForm(initial={"capacity": approval.capacity,
                                               "accepting_new_clients": approval.accepting_new_clients}),
        "notice_form": NoticeForm() if is_admin else None,
    })


def _answer_or_404(request: AuthenticatedRequest, public_id: UUID) -> RequirementAnswer:
    try:
        answer = selectors.answer_get(actor=request.user, public_id=public_id)
    except RequirementAnswer.DoesNotExist as missing:
        raise Http404(_("No such requirement answer.")) from missing
    return answer


@login_required
def answer_edit(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The provider answers one requirement and uploads its document."""
    answer = _answer_or_404(request, public_id)
    if not _is_admin(request, answer.approval):
        raise PermissionDenied(_("Only the provider's administrators can answer its application."))
    form = AnswerForm(request.POST or None, request.FILES or None, initial={"answer": answer.answer})
    if request.method == "POST" and form.is_valid():
        try:
            services.approval_requirement_answer(actor=request.user, answer=answer, text=form.cleaned_data["answer"],
                                                 document=form.cleaned_data["document"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your answer is saved. The municipality assesses it."))
            return redirect("providers:approval", public_id=answer.approval.public_id)
    return render(request, "providers/answer_form.html", {"answer": answer, "approval": answer.approval,
                                                          "form": form})


@login_required
def answer_assess(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.PROVIDER_MANAGE)
    answer = _answer_or_404(request, public_id)
    form = AssessForm(request.POST or None, initial={"outcome": answer.outcome, "note": answer.note})
    if request.method == "POST" and form.is_valid():
        try:
            services.approval_requirement_assess(actor=request.user, answer=answer,
                                                 outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The assessment is saved."))
            return redirect("providers:approval", public_id=answer.approval.public_id)
    return render(request, "providers/assess_form.html", {"answer": answer, "approval": answer.approval,
                                                          "form": form})


@login_required
def answer_document(request: AuthenticatedRequest, public_id: UUID) -> FileResponse:
    """An uploaded document, only to the provider's admins and the purchaser."""
    answer = _answer_or_404(request, public_id)
    if not answer.document:
        raise Http404(_("No document was uploaded."))
    return FileResponse(answer.document.open("rb"), as_attachment=True, filename=answer.document_name or "document",
                        content_type=answer.document_content_type or "application/octet-stream")


def _approval_form_page(request: AuthenticatedRequest, approval: Approval, form: DecideForm | RenewForm |
                        CapacityForm | NoticeForm, title: str) -> HttpResponse:
    return render(request, "providers/approval_action.html", {"approval": approval, "form": form, "title": title})


@login_required
def approval_decide(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.PROVIDER_MANAGE)
    approval = _approval_or_404(request, public_id)
    form = DecideForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.approval_decide(actor=request.user, approval=approval, status=data["status"],
                                     reason=data["reason"], valid_from=data["valid_from"], valid_to=data["valid_to"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The decision is recorded."))
            return redirect("providers:approval", public_id=approval.public_id)
    return _approval_form_page(request, approval, form, _("Decide on the approval"))


@login_required
def approval_renew(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.PROVIDER_MANAGE)
    approval = _approval_or_404(request, public_id)
    form = RenewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.approval_renew(actor=request.user, approval=approval, valid_to=form.cleaned_data["valid_to"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The approval is renewed."))
            return redirect("providers:approval", public_id=approval.public_id)
    return _approval_form_page(request, approval, form, _("Renew the approval"))


@login_required
def approval_refresh(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """Add the requirements published or changed since the application (before a renewal)."""
    approval = _approval_or_404(request, public_id)
    if request.method != "POST":
        return redirect("providers:approval", public_id=approval.public_id)
    added = services.approval_requirements_refresh(actor=request.user, approval=approval)
    messages.success(request, _("%(count)d requirements to answer were added.") % {"count": len(added)})
    return redirect("providers:approval", public_id=approval.public_id)


@login_required
def approval_capacity(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    approval = _approval_or_404(request, public_id)
    if not (_is_admin(request, approval) or _is_manager(request, approval)):
        raise PermissionDenied(_("Only the provider's administrators can change its capacity."))
    form = CapacityForm(request.POST or None, initial={"capacity": approval.capacity,
                                                      "accepting_new_clients": approval.accepting_new_clients})
    if request.method == "POST" and form.is_valid():
        try:
            services.approval_capacity_set(actor=request.user, approval=approval,
                                           capacity=form.cleaned_data["capacity"],
                                           accepting_new_clients=form.cleaned_data["accepting_new_clients"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The capacity is saved."))
            return redirect("providers:approval", public_id=approval.public_id)
    return _approval_form_page(request, approval, form, _("Capacity and new clients"))


@login_required
def approval_notice(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    approval = _approval_or_404(request, public_id)
    if not (_is_admin(request, approval) or _is_manager(request, approval)):
        raise PermissionDenied(_("Only the provider's administrators can give notice."))
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.approval_notice_give(actor=request.user, approval=approval, reason=form.cleaned_data["reason"],
                                          notice_months=form.cleaned_data["notice_months"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Notice is given. Your clients are asked to choose again."))
            return redirect("providers:approval", public_id=approval.public_id)
    return _approval_form_page(request, approval, form, _("Give notice"))


def _administered_or_403(request: AuthenticatedRequest) -> Provider:
    provider = selectors.administered_provider_of(request.user)
    if provider is None:
        raise PermissionDenied(_("Only a provider's administrators apply for approval."))
    return provider


@login_required
def my_approvals(request: AuthenticatedRequest) -> HttpResponse:
    """A provider's admins: their approvals and applications in every municipality."""
    provider = _administered_or_403(request)
    return render(request, "providers/my_approvals.html", {
        "provider": provider,
        "approvals": approvals_for(actor=request.user).filter(provider=provider).order_by("municipality__name",
                                                                                           "service__name"),
        "rechoices": selectors.rechoices_for(actor=request.user).filter(status="open"),
    })


@login_required
def application_new(request: AuthenticatedRequest) -> HttpResponse:
    provider = _administered_or_403(request)
    form = ApplicationForm(request.POST or None, services=selectors.services_open_for_application(),
                           districts=selectors.districts_open_for_application())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            approval = services.approval_apply(actor=request.user, provider=provider, service=data["service"],
                                               capacity=data["capacity"], districts=data["districts"],
                                               languages=data["languages"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your application is received. Answer each requirement below."))
            return redirect("providers:approval", public_id=approval.public_id)
    return render(request, "providers/application_form.html", {"provider": provider, "form": form})


@login_required
def capacity(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.PROVIDER_MANAGE)
    return render(request, "providers/capacity.html", {
        "overview": selectors.capacity_overview(actor=request.user, on=timezone.localdate()),
    })


@login_required
def rechoice_list(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.PROVIDER_MANAGE)
    return render(request, "providers/rechoice_list.html", {
        "rechoices": selectors.rechoices_for(actor=request.user).order_by("status", "deadline"),
    })
