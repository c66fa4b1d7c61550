"""Writes for assessments and decisions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.assessments import rules
from frivalg.assessments.models import (
    Appeal,
    AppealStatus,
    Assessment,
    AssessmentScheme,
    AssessmentScore,
    AssessmentStatus,
    Decision,
    DecisionStatus,
    Flexibility,
    Frequency,
    Performer,
    ReferralSource,
)
from frivalg.catalogue import fsiii
from frivalg.catalogue.models import Service, Unit
from frivalg.catalogue.selectors import fsiii_concepts
from frivalg.core import roles
from frivalg.core.models import Citizen, Municipality, User
from frivalg.core.selectors import citizens_represented_by, has_permission, require
from frivalg.core.services import audit_record


def _score_messages() -> dict[str, str]:
    return {
        "unknown_scale": _("Unknown scale."),
        "empty": _("Score at least one condition area."),
        "out_of_scale": _("The score is not on the scale."),
        "unknown_area": _("This area is not in the municipality's assessment scheme."),
        "missing": _("Score this area (9 if it is not relevant) before completing the assessment."),
    }


class ProposalLike(Protocol):
    """A guideline proposal (frivalg.guidelines.rules.Proposal): what the guidelines propose."""

    @property
    def service_code(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def unit(self) -> str: ...
    @property
    def frequency(self) -> str: ...
    @property
    def rule_label(self) -> str: ...


def _fsiii_areas() -> tuple[str, list[dict[str, Any]]]:
    """The CodeSystem's version and its condition areas J1–J5 with their sub-areas (KL's file)."""
    try:
        version, concepts = fsiii.read()
    except FileNotFoundError:  # no file beside this install: the table `frivalg fsiii_load` filled
        loaded = list(fsiii_concepts(group=fsiii.GROUP_CONDITIONS))
        version = loaded[0].version if loaded else ""
        concepts = [fsiii.Concept(c.code, c.display, c.definition, c.parent_code, c.group) for c in loaded]
    conditions = [c for c in concepts if c.group == fsiii.GROUP_CONDITIONS]

    def is_sub(code: str, parent: str) -> bool:
        head, _sep, tail = code.partition(".")
        return head == parent and tail.isdigit()

    areas = []
    for top in sorted((c for c in conditions if len(c.code) == 2 and c.code.startswith("J")), key=lambda c: c.code):
        subs = sorted((c for c in conditions if c.parent_code == top.code and is_sub(c.code, top.code)),
                      key=lambda c: int(c.code.partition(".")[2]))
        areas.append({"code": top.code, "label": top.display,
                      "sub_areas": [{"code": c.code, "label": c.display} for c in subs]})
    return version, areas


def _iplos_areas() -> list[dict[str, Any]]:
    return [{"code": code, "label": label, "sub_areas": [{"code": c, "label": lbl} for c, lbl in subs]}
            for code, label, subs in rules.IPLOS_AREAS]


@transaction.atomic
def assessment_scheme_current(*, municipality: Municipality, on: date | None = None) -> AssessmentScheme:
    """The municipality's scheme valid on `on` (today); the first time, the default for its
    country is created: IPLOS for Norway, FSIII (from KL's CodeSystem) otherwise."""
    on = on or timezone.localdate()
    scheme = AssessmentScheme.objects.filter(municipality=municipality, valid_from__lte=on).first()
    if scheme is not None:
        return scheme
    earliest = AssessmentScheme.objects.filter(municipality=municipality).order_by("valid_from").first()
    if earliest is not None:
        return earliest
    scale = rules.default_scale(municipality.country)
    if scale == "iplos":
        areas, source = _iplos_areas(), "Helsedirektoratet, IPLOS-veileder"
    else:
        version, areas = _fsiii_areas()
        source = f"{fsiii.SOURCE}, version {version}"
    if not areas:
        raise ValidationError({"scheme": _("The FSIII code system is not loaded. Run “frivalg fsiii_load” first.")})
    scheme = AssessmentScheme.objects.create(
        municipality=municipality, scale=scale, areas=areas, source=source, valid_from=date(2000, 1, 1)
    )
    audit_record(actor=None, municipality_id=municipality.pk, action="assessment_scheme.create", obj=scheme,
                 payload={"scale": scale, "source": source})
    return scheme


def scheme_codes(scheme: AssessmentScheme) -> tuple[set[str], list[str]]:
    """(every code that may be scored, the sub-area codes a completed assessment must score)."""
    known: set[str] = set()
    required: list[str] = []
    for area in scheme.areas:
        known.add(area["code"])
        for sub in area.get("sub_areas", []):
            known.add(sub["code"])
            required.append(sub["code"])
    return known, required


def _require_municipality(actor: User, municipality_id: int) -> None:
    if actor.municipality_id != municipality_id:
        raise PermissionDenied(_("This citizen belongs to another municipality."))


@transaction.atomic
def assessment_record(
    *,
    actor: User,
    citizen: Citizen,
    assessed_on: date,
    scores: Mapping[str, int],
    scale: str | None = None,
    notes: str = "",
    citizen_view: str = "",
    next_reassessment_due: date | None = None,
    referral_source: str = "",
    performers: Mapping[str, str] | None = None,
    views: Mapping[str, str] | None = None,
    complete: bool = True,
    assessment: Assessment | None = None,
) -> Assessment:
    """Save an assessment on the municipality's scheme: a draft may be partial; completing it
    validates every area of the scheme. Passing a draft `assessment` updates it in place."""
    require(actor, roles.ASSESSMENT_RECORD)
    _require_municipality(actor, citizen.municipality_id)
    scheme = assessment_scheme_current(municipality=citizen.municipality, on=assessed_on)
    scale = scale or scheme.scale
    known, required = scheme_codes(scheme)
    performers = performers or {}
    views = views or {}
    errors: dict[str, str] = {}
    if assessment is not None and (assessment.citizen_id != citizen.pk or assessment.status != AssessmentStatus.DRAFT):
        errors["assessment"] = _("Only a draft assessment of this citizen can be changed.")
    if scale != scheme.scale:
        errors["scale"] = _("The municipality assesses on %(scale)s.") % {"scale": scheme.get_scale_display()}
    messages = _score_messages()
    for field, code in rules.validate_scores(scale, scores, known, required=required, complete=complete).items():
        key = field if field in {"scale", "scores"} else f"scores.{field}"
        errors[key] = messages[code]
    for area, performer in performers.items():
        if performer and performer not in Performer.values:
            errors[f"performers.{area}"] = _("Choose who performs the activity.")
    if referral_source and referral_source not in ReferralSource.values:
        errors["referral_source"] = _("Choose where the referral came from.")
    if assessed_on > timezone.localdate():
        errors["assessed_on"] = _("An assessment cannot be dated in the future.")
    if next_reassessment_due is not None and next_reassessment_due <= assessed_on:
        errors["next_reassessment_due"] = _("The reassessment must come after the assessment.")
    if errors:
        raise ValidationError(errors)
    status = AssessmentStatus.COMPLETED if complete else AssessmentStatus.DRAFT
    fields = {"assessed_on": assessed_on, "scale": scale, "notes": notes, "citizen_view": citizen_view,
              "next_reassessment_due": next_reassessment_due, "referral_source": referral_source,
              "status": status, "scheme": scheme}
    if assessment is None:
        assessment = Assessment.objects.create(
            municipality_id=citizen.municipality_id, citizen=citizen, assessor=actor, **fields
        )
    else:
        for name, value in fields.items():
            setattr(assessment, name, value)
        assessment.save()
        assessment.scores.all().delete()
    AssessmentScore.objects.bulk_create(
        AssessmentScore(assessment=assessment, area_code=area, score=score, performer=performers.get(area, ""),
                        citizen_view=views.get(area, ""))
        for area, score in sorted(scores.items())
    )
    audit_record(actor=actor, municipality_id=citizen.municipality_id,
                 action="assessment.complete" if complete else "assessment.draft", obj=assessment,
                 payload={"citizen": str(citizen.public_id), "scores": dict(scores), "status": status})
    return assessment


@transaction.atomic
def decision_grant(
    *,
    actor: User,
    citizen: Citizen,
    service: Service,
    amount: Decimal | str,
    unit: str,
    frequency: str,
    valid_from: date,
    reason: str,
    flexibility: str = Flexibility.FIXED_VISITS,
    valid_to: date | None = None,
    assessment: Assessment | None = None,
    proposals: Sequence[ProposalLike] = (),
    proposal_used: ProposalLike | None = None,
    deviation_reason: str = "",
) -> Decision:
    """Grant a service in an amount per a frequency for a period. The citizen then has
    CHOICE_DEADLINE_DAYS to choose a provider before the default rule applies. When the
    guidelines proposed something (`proposals`) and the grant matches none of it, the deviation
    needs a reason; the proposal the assessor started from is kept on the decision."""
    require(actor, roles.DECISION_GRANT)
    _require_municipality(actor, citizen.municipality_id)
    errors: dict[str, str] = {}
    try:
        amount = Decimal(str(amount))
    except InvalidOperation:
        errors["amount"] = _("Enter a number.")
        amount = Decimal(0)
    if not errors and amount <= 0:
        errors["amount"] = _("The amount must be greater than zero.")
    if service.municipality_id != citizen.municipality_id or not service.active:
        errors["service"] = _("Choose an active service of the citizen's municipality.")
    if unit not in Unit.values:
        errors["unit"] = _("Unknown unit.")
    elif not rules.units_compatible(service.unit, unit):
        errors["unit"] = _("This service is granted in %(unit)s.") % {"unit": Unit(service.unit).label}
    if frequency not in Frequency.values:
        errors["frequency"] = _("Unknown frequency.")
    if flexibility not in Flexibility.values:
        errors["flexibility"] = _("Unknown flexibility.")
    if flexibility == Flexibility.MONTHLY_BUDGET and unit not in rules.TIME_UNITS:
        errors["flexibility"] = _("An hour budget needs an amount of time.")
    if frequency == Frequency.PER_PERIOD and valid_to is None:
        errors["valid_to"] = _("A grant for the whole period needs an end date.")
    if not rules.period_is_valid(valid_from, valid_to):
        errors["valid_to"] = _("The end date must be on or after the start date.")
    if assessment is not None and assessment.citizen_id != citizen.pk:
        errors["assessment"] = _("The assessment belongs to another citizen.")
    if not reason.strip():
        errors["reason"] = _("Give the reason for the decision.")
    if assessment is not None and assessment.status != AssessmentStatus.COMPLETED:
        errors["assessment"] = _("Complete the assessment before granting a decision on it.")
    granted = rules.Terms(service.code, amount, unit, frequency)
    if not errors and rules.deviates(granted, [_terms(p) for p in proposals]) and not deviation_reason.strip():
        errors["deviation_reason"] = _("The grant differs from the guidelines' proposal: give the reason.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    decision = Decision.objects.create(
        municipality_id=citizen.municipality_id, citizen=citizen, service=service, assessment=assessment,
        amount=amount, unit=unit, frequency=frequency, flexibility=flexibility, valid_from=valid_from,
        valid_to=valid_to, status=DecisionStatus.GRANTED, reason=reason.strip(), decided_by=actor, decided_at=now,
        choice_deadline=max(valid_from, timezone.localdate()) + timedelta(days=rules.CHOICE_DEADLINE_DAYS),
        deviation_reason=deviation_reason.strip(), proposal=_proposal_json(proposal_used),
    )
    audit_record(actor=actor, municipality_id=citizen.municipality_id, action="decision.grant", obj=decision,
                 payload={"citizen": str(citizen.public_id), "service": service.code, "amount": str(amount),
                          "unit": unit, "frequency": frequency, "flexibility": flexibility,
                          "valid_from": valid_from.isoformat(),
                          "valid_to": valid_to.isoformat() if valid_to else None})
    return decision


def _terms(proposal: ProposalLike) -> rules.Terms:
    return rules.Terms(proposal.service_code, Decimal(str(proposal.amount)), proposal.unit, proposal.frequency)


def _proposal_json(proposal: ProposalLike | None) -> dict[str, str] | None:
    if proposal is None:
        return None
    return {"service_code": proposal.service_code, "amount": str(proposal.amount), "unit": proposal.unit,
            "frequency": proposal.frequency, "rule_label": proposal.rule_label}


@transaction.atomic
def decision_amend(
    *,
    actor: User,
    decision: Decision,
    valid_from: date,
    reason: str,
    amount: Decimal | str | None = None,
    unit: str | None = None,
    frequency: str | None = None,
    service: Service | None = None,
    flexibility: str | None = None,
    source: str = "assessor",
) -> Decision:
    """Change a granted decision from `valid_from` as a new version: the old version ends the day
    before (status ended) and the new one carries the rest over. The provider delivering the old
    version keeps delivering the new one."""
    require(actor, roles.DECISION_GRANT)
    _require_municipality(actor, decision.municipality_id)
    errors: dict[str, str] = {}
    if decision.status != DecisionStatus.GRANTED:
        errors["status"] = _("Only a granted decision can be changed.")
    if valid_from <= decision.valid_from:
        errors["valid_from"] = _("A change must start after the decision's start (%(date)s).") % {
            "date": decision.valid_from.isoformat()}
    elif decision.valid_to is not None and valid_from > decision.valid_to:
        errors["valid_from"] = _("The decision has ended by then.")
    if not source.strip() or len(source) > 20:
        errors["source"] = _("Name the source of the change in at most 20 characters.")
    new_amount: Decimal = decision.amount
    if amount is not None:
        try:
            new_amount = Decimal(str(amount))
        except InvalidOperation:
            errors["amount"] = _("Enter a number.")
    new_service = service or decision.service
    new_unit, new_frequency = unit or decision.unit, frequency or decision.frequency
    new_flexibility = flexibility or decision.flexibility
    unchanged = (new_service.pk == decision.service_id and new_amount == decision.amount
                 and new_unit == decision.unit and new_frequency == decision.frequency
                 and new_flexibility == decision.flexibility)
    if unchanged and "amount" not in errors:
        errors["amount"] = _("Change at least one of service, amount, unit, frequency or flexibility.")
    if not reason.strip():
        errors["reason"] = _("Give the reason for the change.")
    if errors:
        raise ValidationError(errors)
    old_end = valid_from - timedelta(days=1)
    decision.valid_to, old_valid_to = old_end, decision.valid_to
    decision.status = DecisionStatus.ENDED
    decision.save(update_fields=["valid_to", "status", "updated_at"])
    # The new version is validated as a grant; a ValidationError rolls the whole change back.
    new = decision_grant(
        actor=actor, citizen=decision.citizen, service=new_service, amount=new_amount,
        unit=new_unit, frequency=new_frequency, flexibility=new_flexibility,
        valid_from=valid_from, valid_to=old_valid_to, reason=reason, assessment=decision.assessment,
    )
    new.version = decision.version + 1
    new.previous = decision
    new.source = source.strip()
    new.choice_deadline = decision.choice_deadline
    new.save(update_fields=["version", "previous", "source", "choice_deadline", "updated_at"])
    for choice in decision.choices.filter(valid_to__isnull=True):
        if choice.valid_from > old_end:
            choice.valid_to = choice.valid_from
            choice.save(update_fields=["valid_to", "updated_at"])
            carried_from = choice.valid_from
        else:
            choice.valid_to = old_end
            choice.save(update_fields=["valid_to", "updated_at"])
            carried_from = valid_from
        type(choice).objects.create(
            municipality_id=choice.municipality_id, decision=new, provider_id=choice.provider_id,
            valid_from=carried_from, how=choice.how, default_rule=choice.default_rule,
            chosen_by_id=choice.chosen_by_id, reason=choice.reason,
        )
    audit_record(actor=actor, municipality_id=decision.municipality_id, action="decision.amend", obj=new,
                 payload={"previous": str(decision.public_id), "version": new.version, "source": new.source,
                          "valid_from": valid_from.isoformat(), "reason": reason.strip()})
    return new


def letter_date(decision: Decision) -> date:
    """The day of the decision letter: the day it was decided, in the municipality's time zone."""
    if decision.decided_at is None:
        return decision.valid_from
    return timezone.localtime(decision.decided_at, ZoneInfo(decision.municipality.time_zone)).date()


def appeal_deadline(decision: Decision) -> date:
    return rules.appeal_deadline(decision.municipality.country, letter_date(decision))


@transaction.atomic
def appeal_lodge(
    *,
    actor: User,
    decision: Decision,
    grounds: str,
    lodged_on: date | None = None,
    late_reason: str = "",
) -> Appeal:
    """A citizen (or a relative with power of attorney) appeals their own decision within the
    country's deadline; staff who grant decisions may also record an appeal, and a late one
    with the reason it is accepted."""
    is_staff = has_permission(actor, roles.DECISION_GRANT) and actor.municipality_id == decision.municipality_id
    is_own = (
        has_permission(actor, roles.DECISION_APPEAL_OWN)
        and citizens_represented_by(actor).filter(pk=decision.citizen_id).exists()
    )
    if not is_staff and not is_own:
        raise PermissionDenied(roles.DECISION_APPEAL_OWN.description)
    lodged_on = lodged_on or timezone.localdate()
    if not is_staff:
        lodged_on = timezone.localdate()
    errors: dict[str, str] = {}
    if not grounds.strip():
        errors["grounds"] = _("Tell us why you think the decision is wrong.")
    if lodged_on > timezone.localdate():
        errors["lodged_on"] = _("An appeal cannot be dated in the future.")
    deadline = appeal_deadline(decision)
    if lodged_on > deadline and not (is_staff and late_reason.strip()):
        if is_staff:
            errors["late_reason"] = _("The deadline was %(date)s: give the reason a late appeal is accepted.") % {
                "date": deadline.isoformat()}
        else:
            errors["deadline"] = _("The deadline to appeal this decision was %(date)s. Contact the municipality "
                                   "if you have a reason for appealing late.") % {"date": deadline.isoformat()}
    if errors:
        raise ValidationError(errors)
    appeal = Appeal.objects.create(
        municipality_id=decision.municipality_id, decision=decision, lodged_on=lodged_on, lodged_by=actor,
        grounds=grounds.strip(), late_reason=late_reason.strip() if lodged_on > deadline else "",
    )
    audit_record(actor=actor, municipality_id=decision.municipality_id, action="appeal.lodge", obj=appeal,
                 payload={"decision": str(decision.public_id), "lodged_on": lodged_on.isoformat(),
                          "late": lodged_on > deadline})
    return appeal


CHANGING_OUTCOMES = frozenset({AppealStatus.CHANGED, AppealStatus.PARTLY_CHANGED})


@transaction.atomic
def appeal_decide(
    *,
    actor: User,
    appeal: Appeal,
    status: str,
    outcome_reason: str,
    outcome_on: date | None = None,
    valid_from: date | None = None,
    amount: Decimal | str | None = None,
    unit: str | None = None,
    frequency: str | None = None,
    service: Service | None = None,
    flexibility: str | None = None,
) -> Appeal:
    """Record an appeal's outcome. Changed or partly changed: the decision gets a new version
    from `valid_from` (decision_amend with source "appeal")."""
    require(actor, roles.DECISION_GRANT)
    _require_municipality(actor, appeal.municipality_id)
    errors: dict[str, str] = {}
    if appeal.status != AppealStatus.RECEIVED:
        errors["status"] = _("This appeal already has an outcome.")
    elif status not in AppealStatus.values or status == AppealStatus.RECEIVED:
        errors["status"] = _("Choose the outcome.")
    if not outcome_reason.strip():
        errors["outcome_reason"] = _("Give the reason for the outcome.")
    if status in CHANGING_OUTCOMES and valid_from is None:
        errors["valid_from"] = _("Give the date the changed decision applies from.")
    if errors:
        raise ValidationError(errors)
    if status in CHANGING_OUTCOMES:
        assert valid_from is not None
        appeal.new_version = decision_amend(
            actor=actor, decision=appeal.decision, valid_from=valid_from, reason=outcome_reason, amount=amount,
            unit=unit, frequency=frequency, service=service, flexibility=flexibility, source="appeal",
        )
    appeal.status = status
    appeal.outcome_on = outcome_on or timezone.localdate()
    appeal.outcome_reason = outcome_reason.strip()
    appeal.outcome_by = actor
    appeal.save()
    audit_record(actor=actor, municipality_id=appeal.municipality_id, action="appeal.decide", obj=appeal,
                 payload={"status": status, "new_version": str(appeal.new_version.public_id)
                          if appeal.new_version else None})
    return appeal


@transaction.atomic
def decision_end(*, actor: User, decision: Decision, valid_to: date, reason: str) -> Decision:
    require(actor, roles.DECISION_GRANT)
    _require_municipality(actor, decision.municipality_id)
    if decision.status != DecisionStatus.GRANTED:
        raise ValidationError({"status": _("Only a granted decision can be ended.")})
    if valid_to < decision.valid_from:
        raise ValidationError({"valid_to": _("The end date must be on or after the start date.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for ending the decision.")})
    decision.valid_to = valid_to
    decision.status = DecisionStatus.ENDED
    decision.save(update_fields=["valid_to", "status", "updated_at"])
    open_choices = decision.choices.filter(valid_to__isnull=True)
    open_choices.filter(valid_from__lte=valid_to).update(valid_to=valid_to)
    open_choices.filter(valid_from__gt=valid_to).update(valid_to=F("valid_from"))
    audit_record(actor=actor, municipality_id=decision.municipality_id, action="decision.end", obj=decision,
                 payload={"valid_to": valid_to.isoformat(), "reason": reason.strip()})
    return decision
