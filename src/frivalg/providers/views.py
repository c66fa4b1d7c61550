"""Finance's view of the market: the providers and their approvals per service."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from frivalg.core import roles
from frivalg.core.selectors import require
from frivalg.core.views import AuthenticatedRequest
from frivalg.providers.selectors import approvals_for, providers_for


@login_required
def provider_list(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.PROVIDER_MANAGE)
    return render(request, "providers/provider_list.html", {
        "providers": providers_for(actor=request.user).prefetch_related("districts").order_by("kind", "name"),
        "approvals": approvals_for(actor=request.user).order_by("provider__name", "service__name"),
    })
