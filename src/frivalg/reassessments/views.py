"""Pages of reassessment: the assessor's queue of due reassessments, flags with their evidence,
and the manager's team workload, overdue list and policy. Each view: parse → authorize → one
service/selector → render."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frivalg.core import roles
from frivalg.core.forms import add_service_errors
from frivalg.core.selectors import has_permission, require
from frivalg.core.views import AuthenticatedRequest
from frivalg.reassessments import rules
from frivalg.reassessments.evidence import evidence_text, reason_label
from frivalg.reassessments.forms import FlagNoteForm, PolicyForm, QueueSortForm
from frivalg.reassessments.models import Flag, FlagStatus
from frivalg.reassessments.selectors import (
    DUE_WITHIN_DAYS,
    SCOPE_MINE,
    SCOPE_TEAM,
    QueueRow,
    flag_get,
    flags_for,
    policy_of,
    reassessment_queue,
    team_workload,
)
from frivalg.reassessments.services import (
    flag_acknowledge,
    flag_resolve,
    reassessment_policy_set,
    reassessment_refresh_start,
)


def _rows(rows: list[QueueRow]) -> list[dict[str, object]]:
    return [{"row": row, "reason": reason_label(row.reason),
             "flags": [{"flag": flag, "text": evidence_text(flag)} for flag in row.flags]} for row in rows]


@login_required
def queue(request: AuthenticatedRequest) -> HttpResponse:
    """The assessor's own reassessments: overdue and due within 30 days, sortable by due date."""
    require(request.user, roles.ASSESSMENT_RECORD)
    require(request.user, roles.CITIZEN_VIEW_CASELOAD)
    sort = QueueSortForm(request.GET or None)
    descending = sort.is_valid() and sort.cleaned_data["sort"] == "-due"
    rows = reassessment_queue(actor=request.user, scope=SCOPE_MINE, as_of=timezone.localdate(), descending=descending)
    return render(request, "reassessments/queue.html", {
        "rows": _rows(rows), "sort": sort, "descending": descending, "within": DUE_WITHIN_DAYS,
        "may_view_team": has_permission(request.user, roles.CASEWORK_TEAM_VIEW),
    })


@login_required
def team(request: AuthenticatedRequest) -> HttpResponse:
    """The manager's view: workload per assessor and the team's overdue reassessments."""
    require(request.user, roles.CASEWORK_TEAM_VIEW)
    today = timezone.localdate()
    rows = reassessment_queue(actor=request.user, scope=SCOPE_TEAM, as_of=today)
    return render(request, "reassessments/team.html", {
        "workload": team_workload(actor=request.user, as_of=today),
        "overdue": _rows([row for row in rows if row.overdue]),
        "within": DUE_WITHIN_DAYS,
        "may_edit_policy": has_permission(request.user, roles.GUIDELINE_MANAGE),
    })


@login_required
@require_POST
def refresh(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.CASEWORK_TEAM_VIEW)
    reassessment_refresh_start(actor=request.user, as_of=timezone.localdate())
    messages.success(request, _("The flags and due dates are being refreshed."))
    return redirect("reassessments:team")


@login_required
def policy(request: AuthenticatedRequest) -> HttpResponse:
    """The municipality's reassessment policy, set by the head of needs assessment (GUIDELINE_MANAGE)."""
    require(request.user, roles.GUIDELINE_MANAGE)
    if request.user.municipality_id is None:
        raise PermissionDenied(roles.GUIDELINE_MANAGE.description)
    current = policy_of(request.user.municipality_id)
    initial = {name: getattr(current, name) for name in rules.POLICY_BOUNDS}
    form = PolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            reassessment_policy_set(actor=request.user, values=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The reassessment policy is saved."))
            return redirect("reassessments:policy")
    return render(request, "reassessments/policy.html", {"form": form})


@login_required
def flag_list(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.ASSESSMENT_RECORD)
    status = request.GET.get("status", FlagStatus.OPEN)
    if status not in FlagStatus.values:
        status = FlagStatus.OPEN
    flags = flags_for(actor=request.user, status=status)[:200]
    return render(request, "reassessments/flag_list.html", {
        "flags": [{"flag": flag, "text": evidence_text(flag)} for flag in flags],
        "status": status, "statuses": FlagStatus.choices,
    })


def _flag_or_404(request: AuthenticatedRequest, public_id: UUID) -> Flag:
    try:
        return flag_get(actor=request.user, public_id=public_id)
    except Flag.DoesNotExist as missing:
        raise Http404(_("No such flag.")) from missing


@login_required
def flag_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """A flag with its evidence; POST action=acknowledge or action=resolve (with a note)."""
    require(request.user, roles.ASSESSMENT_RECORD)
    flag = _flag_or_404(request, public_id)
    form = FlagNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        try:
            if action == "acknowledge":
                flag_acknowledge(actor=request.user, flag=flag, note=form.cleaned_data["note"])
                messages.success(request, _("The flag is acknowledged."))
            elif action == "resolve":
                flag_resolve(actor=request.user, flag=flag, note=form.cleaned_data["note"])
                messages.success(request, _("The flag is resolved."))
            else:
                raise ValidationError(_("Choose to acknowledge or resolve the flag."))
        except ValidationError as error:
            add_service_errors(form, error, {"status": "__all__"})
            flag.refresh_from_db()
        else:
            return redirect("reassessments:flag", public_id=flag.public_id)
    return render(request, "reassessments/flag_detail.html", {
        "flag": flag, "text": evidence_text(flag), "form": form,
        "months": flag.evidence.get("months", []) if isinstance(flag.evidence, dict) else [],
    })
