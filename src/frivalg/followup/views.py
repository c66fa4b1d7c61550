"""Key figures of the market for analysts, procurement and finance: aggregates only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from frivalg.core import roles
from frivalg.core.periods import Period
from frivalg.core.selectors import require
from frivalg.core.views import AuthenticatedRequest
from frivalg.followup.forms import MonthForm
from frivalg.followup.selectors import key_figures


@login_required
def key_figures_page(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.FOLLOWUP_VIEW)
    period = Period.month_of(timezone.localdate())
    form = MonthForm(request.GET or None, initial={"month": period.start.strftime("%Y-%m")})
    if form.is_bound and form.is_valid():
        period = form.cleaned_data["month"]
    return render(request, "followup/key_figures.html", {
        "form": form,
        "figures": key_figures(actor=request.user, period=period),
        "period": period,
    })
