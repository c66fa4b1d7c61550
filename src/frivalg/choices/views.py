"""The citizen's pages (also used by a relative acting by power of attorney): my decisions, my
provider and my coming visits, and choosing or switching provider for a decision."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from frivalg.assessments.models import Decision
from frivalg.assessments.selectors import decision_get, decisions_for
from frivalg.choices import rules
from frivalg.choices.forms import (
    ChooseProviderForm,
    ComplaintForm,
    ComplaintOutcomeForm,
    DefaultRuleForm,
    RatingForm,
    SwitchConfirmForm,
    TerminationForm,
)
from frivalg.choices.models import Choice, Complaint
from frivalg.choices.selectors import (
    choose_by_of,
    client_choice_get,
    clients_for,
    comparison_for,
    complaints_for,
    current_choice,
    current_providers_of,
    decisions_awaiting_choice_for,
    default_assignments_for,
    default_rule_setting_of,
    may_follow_choices,
    may_manage_default_rule,
    providers_to_choose_from,
    terminations_for,
)
from frivalg.choices.services import (
    choice_make,
    choice_switch,
    complaint_decide,
    complaint_submit,
    default_rule_setting_update,
    provider_termination_record,
    rating_submit,
)
from frivalg.core import roles
from frivalg.core.forms import add_service_errors
from frivalg.core.selectors import citizens_represented_by, has_permission, require, today_for
from frivalg.core.views import AuthenticatedRequest
from frivalg.visits.selectors import upcoming_visits_for


def _require_may_choose(request: AuthenticatedRequest) -> None:
    if has_permission(request.user, roles.CHOICE_MAKE_OWN):
        return
    if has_permission(request.user, roles.CHOICE_MAKE_MUNICIPALITY):
        return
    raise PermissionDenied(roles.CHOICE_MAKE_OWN.description)


@login_required
def my_overview(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.CITIZEN_VIEW_OWN)
    people = []
    for citizen in citizens_represented_by(request.user):
        decisions = [
            {"decision": decision, "current": current_choice(actor=request.user, decision=decision)}
            for decision in decisions_for(actor=request.user, citizen=citizen)
        ]
        people.append({
            "citizen": citizen,
            "is_self": citizen.user_id == request.user.pk,
            "decisions": decisions,
            "visits": upcoming_visits_for(actor=request.user, citizen=citizen),
        })
    return render(request, "choices/my_overview.html", {"people": people})


@login_required
def choose_provider(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """Compare the providers (sortable by a GET parameter), then choose; a switch shows the date
    the new provider takes over and asks for an optional reason before it is confirmed."""
    _require_may_choose(request)
    try:
        decision = decision_get(actor=request.user, public_id=public_id)
    except Decision.DoesNotExist as missing:
        raise Http404(_("No such decision.")) from missing
    current = current_choice(actor=request.user, decision=decision)
    providers = providers_to_choose_from(actor=request.user, decision=decision)
    form = ChooseProviderForm(request.POST or None)
    confirm_form = None
    if request.method == "POST" and form.is_valid():
        provider = providers.filter(public_id=form.cleaned_data["provider"]).first()
        if provider is None:
            form.add_error(None, _("Choose one of the providers in the list."))
        elif current is not None and current.provider_id == provider.pk:
            form.add_error(None, _("This is already the citizen's provider."))
        elif current is not None and "confirm" not in request.POST:
            notice = default_rule_setting_of(decision.municipality_id).switch_notice_days
            return render(request, "choices/switch_confirm.html", {
                "decision": decision, "current": current, "provider": provider,
                "form": SwitchConfirmForm(initial={"provider": provider.public_id}),
                "effective": rules.switch_effective_date(today_for(request.user), notice), "notice": notice,
            })
        else:
            confirm_form = SwitchConfirmForm(request.POST)
            reason = confirm_form.data.get("reason", "")[:2000] if current is not None else ""
            try:
                if current is None:
                    choice_make(actor=request.user, decision=decision, provider=provider)
                else:
                    choice_switch(actor=request.user, decision=decision, provider=provider, reason=reason)
            except ValidationError as error:
                add_service_errors(form, error, {"provider": "__all__", "decision": "__all__"})
            else:
                messages.success(request, _("You have chosen %(provider)s.") % {"provider": provider.name})
                if has_permission(request.user, roles.CITIZEN_VIEW_OWN):
                    return redirect("choices:my")
                # The municipality's staff recording a choice for a citizen go back to the decision.
                return redirect("assessments:decision", public_id=decision.public_id)
    elif request.method == "POST":
        form.add_error(None, _("Choose one of the providers in the list."))
    comparison = comparison_for(actor=request.user, decision=decision, sort=request.GET.get("sort", "name"))
    return render(request, "choices/choose_provider.html", {
        "decision": decision,
        "current": current,
        "providers": providers,
        "comparison": comparison,
        "with_places": [row for row in comparison.rows if row.has_places],
        "sort_options": _sort_options(),
        "form": form,
        "choose_by": choose_by_of(decision),
        "acting_for_other": decision.citizen.user_id != request.user.pk,
    })


def _sort_options() -> list[tuple[str, str]]:
    return [
        ("name", _("Name")), ("places", _("Free places first")), ("price", _("Lowest price")),
        ("continuity", _("Fewest different caregivers")), ("punctuality", _("Most punctual")),
        ("satisfaction", _("Most satisfied users")), ("complaints", _("Fewest complaints")),
    ]


def _my_providers(request: AuthenticatedRequest) -> dict[str, Choice]:
    return {str(c.public_id): c for c in current_providers_of(actor=request.user)}


def _provider_choices(options: dict[str, Choice]) -> list[tuple[str, str]]:
    return [(key, f"{c.provider.name} – {c.decision.service.name} ({c.decision.citizen.full_name})")
            for key, c in options.items()]


@login_required
def rate_provider(request: AuthenticatedRequest) -> HttpResponse:
    """The citizen or a relative rates a provider that helps them (once a quarter)."""
    require(request.user, roles.CITIZEN_VIEW_OWN)
    options = _my_providers(request)
    form = RatingForm(request.POST or None, providers=_provider_choices(options))
    if request.method == "POST" and form.is_valid():
        choice = options[form.cleaned_data["choice"]]
        try:
            rating_submit(actor=request.user, citizen=choice.decision.citizen, provider=choice.provider,
                          answers={q: form.cleaned_data[q] for q in ("respect", "on_time", "same_people", "overall")})
        except ValidationError as error:
            add_service_errors(form, error, {"provider": "choice"})
        else:
            messages.success(request, _("Thank you. Your rating of %(provider)s is saved.") % {
                "provider": choice.provider.name})
            return redirect("choices:my")
    return render(request, "choices/rate.html", {"form": form, "has_providers": bool(options)})


@login_required
def complain(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.CITIZEN_VIEW_OWN)
    options = _my_providers(request)
    form = ComplaintForm(request.POST or None, providers=_provider_choices(options))
    if request.method == "POST" and form.is_valid():
        choice = options[form.cleaned_data["choice"]]
        try:
            complaint_submit(actor=request.user, citizen=choice.decision.citizen, provider=choice.provider,
                             text=form.cleaned_data["text"])
        except ValidationError as error:
            add_service_errors(form, error, {"provider": "choice"})
        else:
            messages.success(request, _("Your complaint is received. The municipality will answer you."))
            return redirect("choices:complaints")
    return render(request, "choices/complain.html", {"form": form, "has_providers": bool(options)})


@login_required
def complaint_list(request: AuthenticatedRequest) -> HttpResponse:
    """The citizen's own complaints, or the municipality's for its staff."""
    if not (may_follow_choices(request.user) or has_permission(request.user, roles.CITIZEN_VIEW_OWN)):
        raise PermissionDenied(roles.CHOICE_MAKE_MUNICIPALITY.description)
    return render(request, "choices/complaint_list.html", {
        "complaints": complaints_for(actor=request.user)[:300], "staff": may_follow_choices(request.user)})


@login_required
def complaint_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    if not may_follow_choices(request.user):
        raise PermissionDenied(roles.CHOICE_MAKE_MUNICIPALITY.description)
    try:
        complaint = complaints_for(actor=request.user).get(public_id=public_id)
    except Complaint.DoesNotExist as missing:
        raise Http404(_("No such complaint.")) from missing
    form = ComplaintOutcomeForm(request.POST or None, initial={"outcome": complaint.outcome,
                                                              "note": complaint.outcome_note})
    if request.method == "POST" and form.is_valid():
        try:
            complaint_decide(actor=request.user, complaint=complaint, outcome=form.cleaned_data["outcome"],
                             note=form.cleaned_data["note"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The outcome is saved."))
            return redirect("choices:complaints")
    return render(request, "choices/complaint_detail.html", {"complaint": complaint, "form": form})


@login_required
def client_end(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """A provider administrator ends a client relationship with notice and a reason."""
    require(request.user, roles.PROVIDER_VIEW_CLIENTS)
    try:
        choice = client_choice_get(actor=request.user, public_id=public_id)
    except Choice.DoesNotExist as missing:
        raise Http404(_("No such client.")) from missing
    notice = default_rule_setting_of(choice.municipality_id).switch_notice_days
    form = TerminationForm(request.POST or None, initial={"notice_days": notice})
    if request.method == "POST" and form.is_valid():
        try:
            termination = provider_termination_record(
                actor=request.user, choice=choice, reason_code=form.cleaned_data["reason_code"],
                explanation=form.cleaned_data["explanation"], notice_days=form.cleaned_data["notice_days"])
        except ValidationError as error:
            add_service_errors(form, error, {"choice": "__all__"})
        else:
            messages.success(request, _("The help ends after %(date)s. The municipality and the citizen are told.") % {
                "date": termination.last_day.isoformat()})
            return redirect("choices:terminations")
    return render(request, "choices/client_end.html", {"choice": choice, "form": form, "notice": notice})


@login_required
def termination_list(request: AuthenticatedRequest) -> HttpResponse:
    if not (may_follow_choices(request.user) or has_permission(request.user, roles.PROVIDER_VIEW_CLIENTS)):
        raise PermissionDenied(roles.PROVIDER_VIEW_CLIENTS.description)
    return render(request, "choices/termination_list.html", {
        "terminations": terminations_for(actor=request.user)[:300], "staff": may_follow_choices(request.user),
        "clients": clients_for(actor=request.user)[:500]})


@login_required
def default_rule(request: AuthenticatedRequest) -> HttpResponse:
    """The municipality's default rule, days to choose and switch notice (PROVIDER_MANAGE)."""
    if not may_manage_default_rule(request.user) or request.user.municipality_id is None:
        raise PermissionDenied(roles.PROVIDER_MANAGE.description)
    current = default_rule_setting_of(request.user.municipality_id)
    form = DefaultRuleForm(request.POST or None, initial={
        "rule": current.rule, "choice_deadline_days": current.choice_deadline_days,
        "switch_notice_days": current.switch_notice_days})
    if request.method == "POST" and form.is_valid():
        try:
            default_rule_setting_update(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The default rule is saved."))
            return redirect("choices:default_rule")
    return render(request, "choices/default_rule.html", {"form": form})


@login_required
def awaiting_choice(request: AuthenticatedRequest) -> HttpResponse:
    """Decisions awaiting a choice with their deadline, and the default assignments made."""
    if not may_follow_choices(request.user):
        raise PermissionDenied(roles.CHOICE_MAKE_MUNICIPALITY.description)
    awaiting = [{"decision": d, "choose_by": choose_by_of(d)}
                for d in decisions_awaiting_choice_for(actor=request.user)[:300]]
    return render(request, "choices/awaiting.html", {
        "awaiting": awaiting, "today": today_for(request.user),
        "defaults": default_assignments_for(actor=request.user)[:300],
        "setting": default_rule_setting_of(request.user.municipality_id or 0)})
