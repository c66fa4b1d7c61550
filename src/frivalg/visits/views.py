"""Pages for the provider side: the caregiver's visits of today with check-in/check-out (htmx
updates the row in place; without JavaScript the form posts and the page reloads), the provider
admin's clients and visits of the month, and planning a visit."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frivalg.choices.selectors import clients_for
from frivalg.core import roles
from frivalg.core.forms import add_service_errors
from frivalg.core.periods import Period
from frivalg.core.selectors import require
from frivalg.core.views import AuthenticatedRequest
from frivalg.providers.models import StaffMember
from frivalg.providers.selectors import caregivers_for, staff_member_of
from frivalg.visits.forms import VisitPlanForm
from frivalg.visits.models import Visit, VisitStatus
from frivalg.visits.selectors import visit_get, visits_for, visits_today_for
from frivalg.visits.services import visit_check_in, visit_check_out, visit_plan

#: Rows per page in the provider's lists (an in-house provider has thousands of visits a month).
PAGE_SIZE = 50


def _is_htmx(request: AuthenticatedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
def today(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.VISIT_CHECK)
    return render(request, "visits/today.html", {
        "visits": list(visits_today_for(actor=request.user)),
        "today": timezone.localdate(),
    })


def _check(request: AuthenticatedRequest, public_id: UUID, service: Callable[..., Visit], done: str) -> HttpResponse:
    require(request.user, roles.VISIT_CHECK)
    try:
        visit = visit_get(actor=request.user, public_id=public_id)
    except Visit.DoesNotExist as missing:
        raise Http404(_("No such visit.")) from missing
    row_error = ""
    try:
        visit = service(actor=request.user, visit=visit)
    except ValidationError as error:
        row_error = " ".join(error.messages)
        visit = visit_get(actor=request.user, public_id=public_id)
    if _is_htmx(request):
        return render(request, "visits/_today_row.html", {"visit": visit, "row_error": row_error, "swapped": True})
    if row_error:
        messages.error(request, row_error)
    else:
        messages.success(request, done % {"citizen": visit.citizen.full_name})
    return redirect("visits:today")


@login_required
@require_POST
def check_in(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    return _check(request, public_id, visit_check_in, _("Checked in at %(citizen)s."))


@login_required
@require_POST
def check_out(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    return _check(request, public_id, visit_check_out, _("Checked out from %(citizen)s."))


@login_required
def provider_home(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.PROVIDER_VIEW_CLIENTS)
    month = Period.month_of(timezone.localdate())
    start, end = month.local_bounds(timezone.get_current_timezone_name())
    visits = visits_for(actor=request.user, start=start, end=end)
    by_status = visits.order_by().values("status").annotate(count=Count("id")).order_by("status")
    staff = staff_member_of(request.user)
    return render(request, "visits/provider_home.html", {
        "provider": staff.provider if staff else None,
        "clients": Paginator(clients_for(actor=request.user), PAGE_SIZE).get_page(request.GET.get("clients")),
        "visits": Paginator(visits, PAGE_SIZE).get_page(request.GET.get("visits")),
        "status_counts": [(VisitStatus(row["status"]).label, row["count"]) for row in by_status],
        "month": month.start,
    })


@login_required
def plan(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.PROVIDER_VIEW_CLIENTS)
    staff = staff_member_of(request.user)
    caregivers = (caregivers_for(actor=request.user, provider=staff.provider) if staff
                  else StaffMember.objects.none())
    form = VisitPlanForm(request.POST or None, clients=clients_for(actor=request.user), caregivers=caregivers)
    if request.method == "POST" and form.is_valid():
        planned_start, planned_end = form.planned()
        try:
            visit = visit_plan(actor=request.user, decision=form.cleaned_data["client"].decision,
                               planned_start=planned_start, planned_end=planned_end,
                               caregiver=form.cleaned_data["caregiver"])
        except ValidationError as error:
            add_service_errors(form, error, {"decision": "client", "planned_start": "day", "planned_end": "end"})
        else:
            messages.success(request, _("The visit to %(citizen)s is planned.") % {"citizen": visit.citizen.full_name})
            return redirect("visits:provider_home")
    return render(request, "visits/plan.html", {"form": form})
