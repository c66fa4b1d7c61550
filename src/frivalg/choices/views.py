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
from frivalg.choices.forms import ChooseProviderForm
from frivalg.choices.selectors import current_choice, providers_to_choose_from
from frivalg.choices.services import choice_make, choice_switch
from frivalg.core import roles
from frivalg.core.forms import add_service_errors
from frivalg.core.selectors import citizens_represented_by, has_permission, require
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
    _require_may_choose(request)
    try:
        decision = decision_get(actor=request.user, public_id=public_id)
    except Decision.DoesNotExist as missing:
        raise Http404(_("No such decision.")) from missing
    current = current_choice(actor=request.user, decision=decision)
    providers = providers_to_choose_from(actor=request.user, decision=decision)
    form = ChooseProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        provider = providers.filter(public_id=form.cleaned_data["provider"]).first()
        if provider is None:
            form.add_error(None, _("Choose one of the providers in the list."))
        else:
            try:
                if current is None:
                    choice_make(actor=request.user, decision=decision, provider=provider)
                else:
                    choice_switch(actor=request.user, decision=decision, provider=provider)
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
    return render(request, "choices/choose_provider.html", {
        "decision": decision,
        "current": current,
        "providers": providers,
        "form": form,
        "acting_for_other": decision.citizen.user_id != request.user.pk,
    })
