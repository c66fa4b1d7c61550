"""Writes of the annual competition report: queue one (annual_report_start) and make it in the
background (annual_report_run), recording its progress where the status page can read it."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from frivalg.core import roles
from frivalg.core.models import User
from frivalg.core.selectors import municipality_of, require, today_for
from frivalg.core.services import audit_record
from frivalg.followup import report, snapshot
from frivalg.followup.models import AnnualReport, ReportStatus

logger = logging.getLogger(__name__)

#: The first year a report can be made for (the model's constraint).
FIRST_YEAR = 2000


def annual_report_start(*, actor: User, year: int) -> AnnualReport:
    """Queue the annual competition report of the actor's municipality for a calendar year, in the
    actor's language (or the municipality's): the report and its audit row in one transaction; the
    task is queued once they are committed (run at once with the immediate backend)."""
    from frivalg.followup.tasks import annual_report_task  # the task calls back into this module

    require(actor, roles.FOLLOWUP_MANAGE)
    municipality = municipality_of(actor)
    if municipality is None:
        raise PermissionDenied(_("Annual reports are for the municipality's staff."))
    this_year = today_for(actor).year
    if not FIRST_YEAR <= year <= this_year:
        raise ValidationError({"year": _("Choose a year from %(first)s to %(last)s.") % {
            "first": FIRST_YEAR, "last": this_year}})
    language = actor.language or municipality.language
    with transaction.atomic():
        made = AnnualReport.objects.create(municipality=municipality, year=year, language=language,
                                           created_by=actor)
        audit_record(actor=actor, municipality_id=municipality.pk, action="annual_report.start", obj=made,
                     payload={"year": year, "language": language})
    transaction.on_commit(lambda: annual_report_task.enqueue(made.pk))
    return made


def _progress(report_id: int) -> report.Progress:
    """Record a step at once (outside any transaction, so a page polling the report sees it)."""
    def record(percent: int, step: str) -> None:
        AnnualReport.objects.filter(pk=report_id).update(percent=min(percent, 99), step=step[:200],
                                                         updated_at=timezone.now())
    return record


def _failure_message(error: BaseException) -> str:
    if isinstance(error, PermissionDenied):
        return _("The user who asked for the report may no longer read the figures it needs (%(reason)s). Ask "
                 "someone who may to make it.") % {"reason": error}
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return _("The report could not be made (%(error)s). Try again or ask the administrator.") % {
        "error": type(error).__name__}


def annual_report_run(*, report_id: int) -> AnnualReport:
    """Make a queued report as the user who asked for it, in the report's language: each section
    computed with its progress recorded, then the PDF rendered and stored with a summary. Any
    failure marks the report failed with its message; it is never left running."""
    made = AnnualReport.objects.select_related("created_by", "municipality").get(pk=report_id)
    if made.status != ReportStatus.QUEUED:
        return made
    AnnualReport.objects.filter(pk=made.pk).update(status=ReportStatus.RUNNING, started_at=timezone.now(),
                                                   updated_at=timezone.now())
    progress = _progress(made.pk)
    try:
        with translation.override(made.language), timezone.override(made.municipality.time_zone):
            data_stamp = snapshot.stamp()[0]
            content = report.build(actor=made.created_by, municipality=made.municipality, year=made.year,
                                   progress=progress)
            progress(95, _("Writing the PDF"))
            pdf = report.render_pdf(report.render_html(content, language=made.language))
    except BaseException as error:  # marked failed even when the worker is stopped, then stopped
        logger.exception("annual report %s failed", made.public_id)
        with translation.override(made.language):
            message = _failure_message(error)
        with transaction.atomic():
            AnnualReport.objects.filter(pk=made.pk).update(
                status=ReportStatus.FAILED, message=message, finished_at=timezone.now(), updated_at=timezone.now())
            audit_record(actor=made.created_by, municipality_id=made.municipality_id, action="annual_report.fail",
                         obj=made, payload={"year": made.year, "error": type(error).__name__})
        if not isinstance(error, Exception):
            raise
        made.refresh_from_db()
        return made
    summary = {**content.counts(), "proposals": [p.code for p in content.proposals],
               "data_as_of": content.data_as_of.isoformat() if content.data_as_of else None}
    with transaction.atomic():
        made = AnnualReport.objects.select_for_update().get(pk=made.pk)
        made.status, made.percent, made.step = ReportStatus.DONE, 100, ""
        made.pdf, made.summary, made.stamp = pdf, summary, data_stamp
        made.finished_at = timezone.now()
        made.save()
        audit_record(actor=made.created_by, municipality_id=made.municipality_id, action="annual_report.done",
                     obj=made, payload={"year": made.year, **content.counts()})
    return made
