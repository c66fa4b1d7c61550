"""A citizen's timeline for the assessor: assessments, decisions and their versions, appeals,
provider choices, absences, providers' change requests and reassessment flags, newest first, in
one list — what happened and when, so the citizen is kept at the right level of care.

Every source is read through its own app's selector, so each entry is scoped to the actor the
same way as on its own page; nothing here widens access."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from frivalg.assessments.models import AssessmentStatus
from frivalg.assessments.selectors import appeals_for, assessments_for, decisions_for
from frivalg.changerequests.selectors import change_requests_for
from frivalg.choices.models import ChoiceHow
from frivalg.choices.selectors import choices_for
from frivalg.core.models import Citizen
from frivalg.core.selectors import AnyUser
from frivalg.reassessments.selectors import flags_for
from frivalg.visits.selectors import absences_for

#: The timeline's length: older events stay on their own pages.
LIMIT = 60


@dataclass(frozen=True)
class Event:
    on: date
    kind: str  # assessment, decision, appeal, choice, absence, change_request, flag
    kind_label: str
    text: str
    url: str | None = None


def _decision_text(decision: object) -> str:
    return _("%(service)s, %(amount)s %(unit)s %(frequency)s") % {
        "service": decision.service.name,  # type: ignore[attr-defined]
        "amount": decision.amount.normalize(),  # type: ignore[attr-defined]
        "unit": decision.get_unit_display(),  # type: ignore[attr-defined]
        "frequency": decision.get_frequency_display(),  # type: ignore[attr-defined]
    }


def citizen_timeline(*, actor: AnyUser, citizen: Citizen) -> list[Event]:
    events: list[Event] = []
    for assessment in assessments_for(actor=actor, citizen=citizen):
        completed = assessment.status == AssessmentStatus.COMPLETED
        events.append(Event(assessment.assessed_on, "assessment", _("Assessment"),
                            _("Needs assessed by %(assessor)s") % {"assessor": assessment.assessor.get_full_name()}
                            if completed else _("Assessment started (draft)")))
    decisions = list(decisions_for(actor=actor, citizen=citizen).select_related("service"))
    for decision in decisions:
        url = reverse("assessments:decision", kwargs={"public_id": decision.public_id})
        label = (_("Decision granted: %(what)s") if decision.version == 1 else
                 _("Decision changed (version %(version)s): %(what)s")) % {
            "what": _decision_text(decision), "version": decision.version}
        events.append(Event(decision.valid_from, "decision", _("Decision"), label, url))
        if decision.valid_to is not None and decision.valid_to <= timezone.localdate():
            events.append(Event(decision.valid_to, "decision", _("Decision"),
                                _("Decision ended: %(service)s") % {"service": decision.service.name}, url))
        for choice in choices_for(actor=actor, decision=decision):
            text = (_("Chose %(provider)s for %(service)s") if choice.how == ChoiceHow.ACTIVE else
                    _("%(provider)s assigned for %(service)s by the default rule")) % {
                "provider": choice.provider.name, "service": decision.service.name}
            events.append(Event(choice.valid_from, "choice", _("Provider"), text))
    for appeal in appeals_for(actor=actor).filter(decision__citizen=citizen):
        events.append(Event(appeal.lodged_on, "appeal", _("Appeal"),
                            _("Appeal lodged: %(service)s") % {"service": appeal.decision.service.name}))
        if appeal.outcome_on is not None:
            events.append(Event(appeal.outcome_on, "appeal", _("Appeal"),
                                _("Appeal decided: %(outcome)s") % {"outcome": appeal.get_status_display()}))
    for absence in absences_for(actor=actor, citizen=citizen):
        start = date_format(absence.start, "SHORT_DATE_FORMAT")
        period = (_("from %(start)s") % {"start": start} if absence.end is None else
                  _("%(start)s to %(end)s") % {"start": start, "end": date_format(absence.end, "SHORT_DATE_FORMAT")})
        events.append(Event(absence.start, "absence", _("Absence"), f"{absence.get_kind_display()}, {period}"))
    for request in change_requests_for(actor=actor).filter(decision__citizen=citizen):
        url = reverse("changerequests:detail", kwargs={"public_id": request.public_id})
        events.append(Event(timezone.localdate(request.requested_at), "change_request", _("Change request"),
                            _("%(provider)s asks: %(kind)s — %(status)s") % {
                                "provider": request.provider.name, "kind": request.get_kind_display(),
                                "status": request.get_status_display()}, url))
    for flag in flags_for(actor=actor, citizen=citizen):
        url = reverse("reassessments:flag", kwargs={"public_id": flag.public_id})
        events.append(Event(flag.raised_on, "flag", _("Flag"),
                            _("%(kind)s (%(status)s)") % {"kind": flag.get_kind_display(),
                                                          "status": flag.get_status_display()}, url))
    events.sort(key=lambda event: event.on, reverse=True)
    return events[:LIMIT]
