"""Pages of core: log in and out, the home page that sends each role to its work, and the
audit trail. Views are thin: authorize → one selector → render."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from frivalg.core import roles
from frivalg.core.models import User
from frivalg.core.selectors import audit_events_for, require
from frivalg.core.templatetags.frivalg_ui import role_home_url_name


class AuthenticatedRequest(HttpRequest):
    """A request behind login_required: its user is a User (for the type checker)."""

    user: User


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """`/`: each role's own home page."""
    url_name = role_home_url_name(request.user)
    if url_name is None:
        return render(request, "core/no_role.html", status=403)
    return redirect(url_name)


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def audit(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.AUDIT_VIEW)
    events = audit_events_for(request.user).select_related("actor")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit.html", {"page": page})
