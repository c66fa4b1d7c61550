"""The annual competition report's pages: the list of reports with the form to make one
(FOLLOWUP_MANAGE), a report's status while it is made (htmx polls it), and its PDF. Politicians
and analysts with FOLLOWUP_VIEW read and download them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frivalg.core import roles
from frivalg.core.forms import add_service_errors
from frivalg.core.selectors import has_permission, require
from frivalg.core.views import AuthenticatedRequest
from frivalg.followup.models import AnnualReport, ReportStatus
from frivalg.followup.report import annual_report_get, annual_reports_for, file_name
from frivalg.followup.report_services import FIRST_YEAR, annual_report_start


class AnnualReportForm(forms.Form):
    """The calendar year to report on."""

    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=FIRST_YEAR,
                              help_text=gettext_lazy("The calendar year the report covers, e.g. 2025."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("year", timezone.localdate().year - 1)
        super().__init__(*args, **kwargs)


def _report_or_404(request: AuthenticatedRequest, public_id: UUID) -> AnnualReport:
    try:
        return annual_report_get(actor=request.user, public_id=public_id)
    except AnnualReport.DoesNotExist as missing:
        raise Http404(_("No such annual report.")) from missing


@login_required
def report_list(request: AuthenticatedRequest) -> HttpResponse:
    """The municipality's annual reports; with FOLLOWUP_MANAGE also the form to make one (POST)."""
    require(request.user, roles.FOLLOWUP_VIEW)
    may_make = has_permission(request.user, roles.FOLLOWUP_MANAGE)
    form = AnnualReportForm(request.POST or None) if may_make else None
    if request.method == "POST":
        require(request.user, roles.FOLLOWUP_MANAGE)
        assert form is not None
        if form.is_valid():
            try:
                made = annual_report_start(actor=request.user, year=form.cleaned_data["year"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("followup:report", public_id=made.public_id)
    return render(request, "followup/report_list.html", {
        "form": form, "reports": annual_reports_for(request.user)})


@login_required
def report_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """A report's status: its progress while it is made (htmx polls the status part every 2 s),
    its summary and the PDF when done, the message when it failed."""
    require(request.user, roles.FOLLOWUP_VIEW)
    made = _report_or_404(request, public_id)
    if request.headers.get("HX-Request"):
        return render(request, "followup/report_status.html", {"report": made, "partial": True})
    return render(request, "followup/report_detail.html", {
        "report": made, "language_name": dict(settings.LANGUAGES).get(made.language, made.language)})


@login_required
def report_pdf(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.FOLLOWUP_VIEW)
    made = _report_or_404(request, public_id)
    if made.status != ReportStatus.DONE or not made.pdf:
        raise Http404(_("The report is not ready."))
    response = HttpResponse(bytes(made.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{file_name(made)}"'
    return response
