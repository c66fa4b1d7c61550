"""The needs assessor's pages: caseload and search, a citizen's record, recording an
assessment and granting a decision. Each view: parse → authorize → one service/selector → render."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from frivalg.assessments.forms import (
    AppealForm,
    AppealOutcomeForm,
    DecisionAmendForm,
    DecisionForm,
    SchemeAssessmentForm,
    StaffAppealForm,
)
from frivalg.assessments.letters import letter_context, letter_file_name, letter_pdf
from frivalg.assessments.models import (
    Appeal,
    Assessment,
    AssessmentStatus,
    Decision,
    DecisionStatus,
    Frequency,
)
from frivalg.assessments.rules import score_changes
from frivalg.assessments.selectors import (
    appeal_get,
    appeals_awaiting_outcome,
    appeals_for,
    assessments_for,
    caseload_for,
    citizen_search,
    decision_get,
    decision_versions,
    decisions_awaiting_choice,
    decisions_for,
    draft_assessment,
    my_decisions,
    previous_completed_assessment,
)
from frivalg.assessments.services import (
    appeal_deadline,
    appeal_decide,
    appeal_lodge,
    assessment_record,
    assessment_scheme_current,
    decision_amend,
    decision_grant,
)
from frivalg.assessments.timeline import citizen_timeline
from frivalg.catalogue import fsiii
from frivalg.catalogue.models import Unit
from frivalg.catalogue.selectors import fsiii_concepts, services_for
from frivalg.choices.selectors import choices_for, current_choice
from frivalg.core import roles
from frivalg.core.forms import SearchForm, add_service_errors
from frivalg.core.models import Citizen
from frivalg.core.selectors import citizen_can_see_national_id, citizen_get, has_permission, require
from frivalg.core.views import AuthenticatedRequest
from frivalg.guidelines.rules import Proposal
from frivalg.guidelines.selectors import proposal_for
from frivalg.visits.selectors import visits_for

#: Reassessments due within this many days are flagged on the caseload.
DUE_SOON_DAYS = 30


def _require_staff_reader(request: AuthenticatedRequest) -> None:
    """Citizen records are read by staff with the municipality-wide or the caseload variant."""
    if has_permission(request.user, roles.CITIZEN_VIEW_MUNICIPALITY):
        return
    if has_permission(request.user, roles.CITIZEN_VIEW_CASELOAD):
        return
    raise PermissionDenied(roles.CITIZEN_VIEW_CASELOAD.description)


def _citizen_or_404(request: AuthenticatedRequest, public_id: UUID) -> Citizen:
    try:
        return citizen_get(actor=request.user, public_id=public_id)
    except Citizen.DoesNotExist as missing:
        raise Http404(_("No such citizen.")) from missing


def _area_names() -> dict[str, str]:
    return {concept.code: concept.display for concept in fsiii_concepts(group=fsiii.GROUP_CONDITIONS)}


@login_required
def caseload(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.CITIZEN_VIEW_CASELOAD)
    search = SearchForm(request.GET or None)
    results = None
    if search.is_valid() and search.cleaned_data["q"]:
        results = citizen_search(actor=request.user, query=search.cleaned_data["q"])[:50]
    page = Paginator(caseload_for(actor=request.user), 50).get_page(request.GET.get("page"))
    keep = urlencode({"q": search.cleaned_data["q"]}) if results is not None else ""
    return render(request, "assessments/caseload.html", {
        "search": search,
        "results": results,
        "page": page,
        "keep": keep,
        "awaiting_choice": decisions_awaiting_choice(actor=request.user).order_by("choice_deadline")[:20],
        "appeals": appeals_awaiting_outcome(actor=request.user)[:20],
        "due_soon": timezone.localdate() + timedelta(days=DUE_SOON_DAYS),
        "today": timezone.localdate(),
    })


@login_required
def citizen_record(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    _require_staff_reader(request)
    citizen = _citizen_or_404(request, public_id)
    now = timezone.now()
    decisions = [
        {
            "decision": decision,
            "current": current_choice(actor=request.user, decision=decision),
            "choices": choices_for(actor=request.user, decision=decision),
        }
        for decision in decisions_for(actor=request.user, citizen=citizen)
    ]
    return render(request, "assessments/citizen_record.html", {
        "citizen": citizen,
        "show_national_id": citizen_can_see_national_id(request.user, citizen),
        "assessments": assessments_for(actor=request.user, citizen=citizen),
        "area_names": _area_names(),
        "decisions": decisions,
        "visits": visits_for(actor=request.user, citizen=citizen, start=now - timedelta(days=14),
                             end=now + timedelta(days=14)),
        "may_assess": has_permission(request.user, roles.ASSESSMENT_RECORD),
        "may_grant": has_permission(request.user, roles.DECISION_GRANT),
        "timeline": citizen_timeline(actor=request.user, citizen=citizen),
    })


@login_required
def assessment_new(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The assessment form on the municipality's scheme: resumes the assessor's draft, saves a
    draft or completes it, beside the previous completed assessment with the changes marked."""
    require(request.user, roles.ASSESSMENT_RECORD)
    citizen = _citizen_or_404(request, public_id)
    try:
        scheme = assessment_scheme_current(municipality=citizen.municipality)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("assessments:citizen", public_id=citizen.public_id)
    draft = draft_assessment(actor=request.user, citizen=citizen)
    initial = SchemeAssessmentForm.initial_from(draft) if draft is not None else {}
    form = SchemeAssessmentForm(request.POST or None, scheme=scheme, initial=initial)
    previous = previous_completed_assessment(actor=request.user, citizen=citizen, before=draft)
    complete = request.POST.get("action") != "draft"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment_record(
                actor=request.user, citizen=citizen, assessed_on=data["assessed_on"], scores=form.scores(),
                notes=data["notes"], citizen_view=data["citizen_view"],
                next_reassessment_due=data["next_reassessment_due"], referral_source=data["referral_source"],
                performers=form.performers(), views=form.views(), complete=complete, assessment=draft,
            )
        except ValidationError as error:
            add_service_errors(form, error, form.service_field_map())
        else:
            if complete:
                messages.success(request, _("The assessment is completed."))
                return redirect("assessments:citizen", public_id=citizen.public_id)
            messages.success(request, _("The draft is saved."))
            return redirect("assessments:assessment_new", public_id=citizen.public_id)
    previous_scores = {s.area_code: s.score for s in previous.scores.all()} if previous else {}
    current_scores = _posted_or_initial_scores(form)
    changes = {change.area: change for change in score_changes(previous_scores, current_scores)} if previous else {}
    return render(request, "assessments/assessment_form.html", {
        "citizen": citizen, "form": form, "scheme": scheme, "draft": draft, "previous": previous,
        "previous_scores": previous_scores, "changes": changes,
    })


def _posted_or_initial_scores(form: SchemeAssessmentForm) -> dict[str, int]:
    scores: dict[str, int] = {}
    for sub in form.sub_areas:
        raw = form[f"score_{sub['key']}"].value()
        if raw not in (None, "") and str(raw).isdigit():
            scores[sub["code"]] = int(str(raw))
    return scores


def _proposals(request: AuthenticatedRequest, assessment: Assessment | None) -> list[Proposal]:
    if assessment is None:
        return []
    return proposal_for(actor=request.user, assessment=assessment)


def _proposal_label(proposal: Proposal) -> str:
    unit = Unit(proposal.unit).label if proposal.unit in Unit.values else proposal.unit
    frequency = Frequency(proposal.frequency).label if proposal.frequency in Frequency.values else proposal.frequency
    return f"{proposal.rule_label}: {proposal.service_code}, {proposal.amount.normalize()} {unit} {frequency}"


@login_required
def decision_new(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """Drafting a decision from the guidelines' proposal for the latest completed assessment:
    `?proposal=N` pre-fills the form; a grant unlike every proposal needs a deviation reason."""
    require(request.user, roles.DECISION_GRANT)
    citizen = _citizen_or_404(request, public_id)
    services = services_for(actor=request.user).filter(active=True, municipality_id=citizen.municipality_id)
    assessments = assessments_for(actor=request.user, citizen=citizen).filter(status=AssessmentStatus.COMPLETED)
    latest = assessments.order_by("-assessed_on", "-id").first()
    proposals = _proposals(request, latest)
    initial: dict[str, object] = {}
    picked = request.GET.get("proposal", "")
    if picked.isdigit() and int(picked) < len(proposals):
        chosen = proposals[int(picked)]
        service = services.filter(code=chosen.service_code).first()
        initial.update({"proposal": picked, "amount": chosen.amount, "unit": chosen.unit,
                        "frequency": chosen.frequency, "service": service.pk if service else None,
                        "reason": chosen.explanation})
    form = DecisionForm(request.POST or None, services=services, assessments=assessments, initial=initial)
    form.set_proposals([_proposal_label(p) for p in proposals])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        used = proposals[int(data["proposal"])] if data["proposal"] else None
        try:
            decision = decision_grant(
                actor=request.user, citizen=citizen, service=data["service"], amount=data["amount"],
                unit=data["unit"], frequency=data["frequency"], flexibility=data["flexibility"],
                valid_from=data["valid_from"], valid_to=data["valid_to"], reason=data["reason"],
                assessment=data["assessment"], proposals=proposals, proposal_used=used,
                deviation_reason=data["deviation_reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            deadline = date_format(decision.choice_deadline or decision.valid_from)
            messages.success(request, _("The decision is granted. The citizen can now choose a provider "
                                        "until %(date)s.") % {"date": deadline})
            return redirect("assessments:decision", public_id=decision.public_id)
    return render(request, "assessments/decision_form.html", {
        "citizen": citizen, "form": form, "granted": DecisionStatus.GRANTED,
        "proposals": [{"proposal": p, "label": _proposal_label(p)} for p in proposals], "latest": latest,
    })


def _decision_or_404(request: AuthenticatedRequest, public_id: UUID) -> Decision:
    try:
        return decision_get(actor=request.user, public_id=public_id)
    except Decision.DoesNotExist as missing:
        raise Http404(_("No such decision.")) from missing


@login_required
def decision_change(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """Changing a granted decision: a new version from a date; the old one ends the day before."""
    require(request.user, roles.DECISION_GRANT)
    decision = _decision_or_404(request, public_id)
    services = services_for(actor=request.user).filter(active=True, municipality_id=decision.municipality_id)
    form = DecisionAmendForm(request.POST or None, services=services, initial={
        "service": decision.service_id, "amount": decision.amount, "unit": decision.unit,
        "frequency": decision.frequency, "flexibility": decision.flexibility,
    })
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = decision_amend(
                actor=request.user, decision=decision, valid_from=data["valid_from"], reason=data["reason"],
                amount=data["amount"], unit=data["unit"], frequency=data["frequency"], service=data["service"],
                flexibility=data["flexibility"],
            )
        except ValidationError as error:
            add_service_errors(form, error, {"status": "__all__"})
        else:
            messages.success(request, _("The decision is changed as version %(version)s.") % {"version": new.version})
            return redirect("assessments:decision", public_id=new.public_id)
    return render(request, "assessments/decision_change.html", {
        "decision": decision, "citizen": decision.citizen, "form": form,
    })


@login_required
def decision_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """A decision for staff: its versions, appeals and letter."""
    _require_staff_reader(request)
    decision = _decision_or_404(request, public_id)
    return render(request, "assessments/decision_detail.html", {
        "decision": decision, "citizen": decision.citizen,
        "versions": decision_versions(actor=request.user, decision=decision),
        "appeals": appeals_for(actor=request.user, decision=decision),
        "appeal_deadline": appeal_deadline(decision),
        "may_grant": has_permission(request.user, roles.DECISION_GRANT),
    })


@login_required
def decision_letter(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """The decision letter in the citizen's language, for everyone who may see the decision."""
    decision = _decision_or_404(request, public_id)
    with translation.override(decision.citizen.language):
        return render(request, "assessments/decision_letter.html", letter_context(decision))


@login_required
def decision_letter_pdf(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    decision = _decision_or_404(request, public_id)
    response = HttpResponse(letter_pdf(decision), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{letter_file_name(decision)}"'
    return response


@login_required
def my_decisions_page(request: AuthenticatedRequest) -> HttpResponse:
    """My decisions (the citizen, or a relative by power of attorney): each with its letter,
    status, appeals and an appeal button while the deadline runs."""
    require(request.user, roles.CITIZEN_VIEW_OWN)
    today = timezone.localdate()
    rows = []
    for decision in my_decisions(actor=request.user):
        deadline = appeal_deadline(decision)
        rows.append({"decision": decision, "deadline": deadline, "may_appeal": today <= deadline,
                     "appeals": list(appeals_for(actor=request.user, decision=decision))})
    return render(request, "assessments/my_decisions.html", {
        "rows": rows, "may_appeal": has_permission(request.user, roles.DECISION_APPEAL_OWN),
    })


@login_required
def appeal_new(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """Lodging an appeal: the citizen's side from My decisions; staff record one received."""
    is_staff = has_permission(request.user, roles.DECISION_GRANT)
    if not is_staff:
        require(request.user, roles.DECISION_APPEAL_OWN)
    decision = _decision_or_404(request, public_id)
    form_class = StaffAppealForm if is_staff else AppealForm
    form = form_class(request.POST or None, initial={"lodged_on": timezone.localdate()})
    deadline = appeal_deadline(decision)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appeal_lodge(actor=request.user, decision=decision, grounds=data["grounds"],
                         lodged_on=data.get("lodged_on"), late_reason=data.get("late_reason", ""))
        except ValidationError as error:
            add_service_errors(form, error, {"deadline": "__all__"})
        else:
            messages.success(request, _("The appeal is received. The municipality looks at the decision again."))
            if is_staff:
                return redirect("assessments:decision", public_id=decision.public_id)
            return redirect("assessments:my_decisions")
    return render(request, "assessments/appeal_form.html", {
        "decision": decision, "form": form, "deadline": deadline, "is_staff": is_staff,
        "late": timezone.localdate() > deadline,
    })


@login_required
def appeal_outcome(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.DECISION_GRANT)
    try:
        appeal = appeal_get(actor=request.user, public_id=public_id)
    except Appeal.DoesNotExist as missing:
        raise Http404(_("No such appeal.")) from missing
    form = AppealOutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appeal_decide(actor=request.user, appeal=appeal, status=data["status"],
                          outcome_reason=data["outcome_reason"], valid_from=data["valid_from"],
                          amount=data["amount"], unit=data["unit"] or None, frequency=data["frequency"] or None)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The outcome of the appeal is recorded."))
            return redirect("assessments:decision", public_id=appeal.decision.public_id)
    return render(request, "assessments/appeal_outcome.html", {
        "appeal": appeal, "decision": appeal.decision, "citizen": appeal.decision.citizen, "form": form,
    })
