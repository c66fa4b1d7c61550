"""Finance's rate table: the prices in force today per service, time band and provider kind."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from frivalg.catalogue.selectors import rates_for
from frivalg.core import roles
from frivalg.core.selectors import municipality_of, require
from frivalg.core.views import AuthenticatedRequest


@login_required
def rates(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.RATE_MANAGE)
    today = timezone.localdate()
    municipality = municipality_of(request.user)
    return render(request, "catalogue/rates.html", {
        "rates": rates_for(actor=request.user, on=today).order_by("service__name", "time_band", "provider_kind"),
        "today": today,
        "currency": municipality.currency if municipality else "DKK",
    })
