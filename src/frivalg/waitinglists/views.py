"""Waiting-list pages. Staff with WAITING_LIST_MANAGE: the lists, a list ranked by its rule, the
history of its order, entering a citizen and offering a freed place. Citizens and relatives:
their own places in line. Everyone else gets a 404 (the lists are not theirs to know of)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frivalg.catalogue.models import Service
from frivalg.catalogue.selectors import services_for
from frivalg.core import roles
from frivalg.core.forms import add_service_errors
from frivalg.core.selectors import has_permission, is_municipal_staff
from frivalg.core.views import AuthenticatedRequest
from frivalg.waitinglists import selectors, services
from frivalg.waitinglists.forms import EntryForm, UrgencyForm, WaitingListForm, WithdrawForm
from frivalg.waitinglists.models import RankChange, WaitingList, WaitingListEntry
from frivalg.waitinglists.ranking import rule_in_words, score_in_words


def _require_manager(request: AuthenticatedRequest) -> None:
    if not is_municipal_staff(request.user) or not has_permission(request.user, roles.WAITING_LIST_MANAGE):
        raise Http404(_("No such page."))


def _waiting_list(request: AuthenticatedRequest, public_id: UUID) -> WaitingList:
    try:
        return selectors.waiting_list_get(actor=request.user, public_id=public_id)
    except WaitingList.DoesNotExist as missing:
        raise Http404(_("No such waiting list.")) from missing


def _services(request: AuthenticatedRequest) -> QuerySet[Service]:
    return services_for(actor=request.user).filter(active=True).order_by("care_level", "name")


@login_required
def index(request: AuthenticatedRequest) -> HttpResponse:
    _require_manager(request)
    return render(request, "waitinglists/index.html",
                  {"waiting_lists": selectors.waiting_lists_for(actor=request.user)})


@login_required
def list_create(request: AuthenticatedRequest) -> HttpResponse:
    _require_manager(request)
    form = WaitingListForm(request.POST or None, services=_services(request),
                           initial={"need_weight": 10, "wait_weight": 1})
    if request.method == "POST" and form.is_valid():
        try:
            created = services.waiting_list_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The waiting list is created."))
            return redirect("waitinglists:detail", created.public_id)
    return render(request, "waitinglists/list_form.html", {"form": form, "waiting_list": None})


@login_required
def list_edit(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    _require_manager(request)
    waiting_list = _waiting_list(request, public_id)
    initial = {"name": waiting_list.name, "places": waiting_list.places, "need_weight": waiting_list.need_weight,
               "wait_weight": waiting_list.wait_weight, "urgent_reasons": waiting_list.urgent_reasons}
    form = WaitingListForm(request.POST or None, services=_services(request), editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.waiting_list_update(actor=request.user, waiting_list=waiting_list, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The waiting list is saved."))
            return redirect("waitinglists:detail", waiting_list.public_id)
    return render(request, "waitinglists/list_form.html", {"form": form, "waiting_list": waiting_list})


@login_required
def detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    _require_manager(request)
    waiting_list = _waiting_list(request, public_id)
    rows = [{"entry": entry, "ranked": ranked, "explanation": score_in_words(ranked)}
            for entry, ranked in selectors.ranking_for(actor=request.user, waiting_list=waiting_list)]
    return render(request, "waitinglists/detail.html", {
        "waiting_list": waiting_list, "rows": rows, "rule": rule_in_words(waiting_list),
        "withdraw_form": WithdrawForm(),
    })


@login_required
def history(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    _require_manager(request)
    waiting_list = _waiting_list(request, public_id)
    changes = selectors.rank_changes_for(actor=request.user, waiting_list=waiting_list)[:500]
    return render(request, "waitinglists/history.html", {"waiting_list": waiting_list, "changes": changes})


@login_required
def entry_create(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    _require_manager(request)
    waiting_list = _waiting_list(request, public_id)
    form = EntryForm(request.POST or None,
                     decisions=selectors.decisions_to_enter(actor=request.user, waiting_list=waiting_list))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.waiting_list_enter(
                actor=request.user, waiting_list=waiting_list, decision=data["decision"],
                applied_on=data["applied_on"], urgent=data["urgent"], reason=data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s is on the list as number %(position)s.") % {
                "name": entry.citizen.full_name, "position": entry.position})
            return redirect("waitinglists:detail", waiting_list.public_id)
    return render(request, "waitinglists/entry_form.html", {"form": form, "waiting_list": waiting_list})


@login_required
def offer(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """Shows who gets the freed place and why; posting offers it."""
    _require_manager(request)
    waiting_list = _waiting_list(request, public_id)
    if request.method == "POST":
        try:
            if request.POST.get("freed") == "1":
                waiting_list = services.place_free(actor=request.user, waiting_list=waiting_list)
            entry = services.place_offer(actor=request.user, waiting_list=waiting_list)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The place is offered to %(name)s.") % {"name": entry.citizen.full_name})
            return redirect("waitinglists:detail", waiting_list.public_id)
    upcoming = selectors.next_in_line(actor=request.user, waiting_list=waiting_list)
    return render(request, "waitinglists/offer.html", {
        "waiting_list": waiting_list, "next": upcoming[0] if upcoming else None,
        "ranked": upcoming[1] if upcoming else None,
        "explanation": score_in_words(upcoming[1]) if upcoming else "", "rule": rule_in_words(waiting_list),
    })


@login_required
@require_POST
def entry_action(request: AuthenticatedRequest, public_id: UUID, action: str) -> HttpResponse:
    _require_manager(request)
    try:
        entry = selectors.entry_get(actor=request.user, public_id=public_id)
    except WaitingListEntry.DoesNotExist as missing:
        raise Http404(_("No such entry.")) from missing
    try:
        if action == "accept":
            services.place_accept(actor=request.user, entry=entry)
            messages.success(request, _("%(name)s has the place.") % {"name": entry.citizen.full_name})
        elif action == "decline":
            following = services.place_decline(actor=request.user, entry=entry)
            if following is not None:
                messages.success(request, _("The place is now offered to %(name)s.") % {
                    "name": following.citizen.full_name})
            else:
                messages.success(request, _("Nobody else is waiting; the place is free."))
        elif action == "withdraw":
            form = WithdrawForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            services.entry_withdraw(actor=request.user, entry=entry, reason=reason)
            messages.success(request, _("%(name)s is off the list.") % {"name": entry.citizen.full_name})
        else:
            raise Http404(_("No such action."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("waitinglists:detail", entry.waiting_list.public_id)


@login_required
def entry_urgency(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """Mark an entry urgent (or no longer urgent); the list is ranked again."""
    _require_manager(request)
    try:
        entry = selectors.entry_get(actor=request.user, public_id=public_id)
    except WaitingListEntry.DoesNotExist as missing:
        raise Http404(_("No such entry.")) from missing
    form = UrgencyForm(request.POST or None, initial={"urgent": entry.urgent, "reason": entry.urgent_reason})
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.entry_set_urgency(actor=request.user, entry=entry, urgent=form.cleaned_data["urgent"],
                                               reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s is now number %(position)s.") % {
                "name": entry.citizen.full_name, "position": entry.position})
            return redirect("waitinglists:detail", entry.waiting_list.public_id)
    return render(request, "waitinglists/urgency_form.html",
                  {"form": form, "entry": entry, "waiting_list": entry.waiting_list})


@login_required
@require_POST
def rerank(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    _require_manager(request)
    waiting_list = _waiting_list(request, public_id)
    changes = services.waiting_list_rerank(actor=request.user, waiting_list=waiting_list)
    messages.success(request, _("The list is ranked again; %(count)s positions changed.") % {"count": len(changes)})
    return redirect("waitinglists:detail", waiting_list.public_id)


@login_required
def my_lists(request: AuthenticatedRequest) -> HttpResponse:
    """My places in line: for the citizen, and for a relative with power of attorney."""
    if not has_permission(request.user, roles.CITIZEN_VIEW_OWN):
        raise Http404(_("No such page."))
    rows = []
    for entry in selectors.my_entries(actor=request.user):
        ranked = selectors.my_ranking(actor=request.user, entry=entry)
        changes: list[RankChange] = list(selectors.my_rank_changes(actor=request.user, entry=entry))
        rows.append({"entry": entry, "ranked": ranked, "explanation": score_in_words(ranked) if ranked else "",
                     "rule": rule_in_words(entry.waiting_list), "changes": changes,
                     "is_self": entry.citizen.user_id == request.user.pk})
    return render(request, "waitinglists/my_lists.html", {"rows": rows})
