"""Writes for assessments and decisions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.assessments import rules
from frivalg.assessments.models import (
    Assessment,
    AssessmentScore,
    Decision,
    DecisionStatus,
    Flexibility,
    Frequency,
)
from frivalg.catalogue.models import Service, Unit
from frivalg.core import roles
from frivalg.core.models import Citizen, User
from frivalg.core.selectors import require
from frivalg.core.services import audit_record


def _score_messages() -> dict[str, str]:
    return {
        "unknown_scale": _("Unknown scale."),
        "empty": _("Score at least one condition area."),
        "out_of_scale": _("The score is not on the scale."),
    }


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
    scale: str = "fsiii",
    notes: str = "",
    citizen_view: str = "",
    next_reassessment_due: date | None = None,
) -> Assessment:
    require(actor, roles.ASSESSMENT_RECORD)
    _require_municipality(actor, citizen.municipality_id)
    errors: dict[str, str] = {}
    messages = _score_messages()
    for field, code in rules.validate_scores(scale, scores).items():
        key = field if field in {"scale", "scores"} else f"scores.{field}"
        errors[key] = messages[code]
    if assessed_on > timezone.localdate():
        errors["assessed_on"] = _("An assessment cannot be dated in the future.")
    if next_reassessment_due is not None and next_reassessment_due <= assessed_on:
        errors["next_reassessment_due"] = _("The reassessment must come after the assessment.")
    if errors:
        raise ValidationError(errors)
    assessment = Assessment.objects.create(
        municipality_id=citizen.municipality_id, citizen=citizen, assessor=actor, assessed_on=assessed_on,
        scale=scale, notes=notes, citizen_view=citizen_view, next_reassessment_due=next_reassessment_due,
    )
    AssessmentScore.objects.bulk_create(
        AssessmentScore(assessment=assessment, area_code=area, score=score) for area, score in sorted(scores.items())
    )
    audit_record(actor=actor, municipality_id=citizen.municipality_id, action="assessment.record", obj=assessment,
                 payload={"citizen": str(citizen.public_id), "scores": dict(scores)})
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
) -> Decision:
    """Grant a service in an amount per a frequency for a period. The citizen then has
    CHOICE_DEADLINE_DAYS to choose a provider before the default rule applies."""
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
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    decision = Decision.objects.create(
        municipality_id=citizen.municipality_id, citizen=citizen, service=service, assessment=assessment,
        amount=amount, unit=unit, frequency=frequency, flexibility=flexibility, valid_from=valid_from,
        valid_to=valid_to, status=DecisionStatus.GRANTED, reason=reason.strip(), decided_by=actor, decided_at=now,
        choice_deadline=max(valid_from, timezone.localdate()) + timedelta(days=rules.CHOICE_DEADLINE_DAYS),
    )
    audit_record(actor=actor, municipality_id=citizen.municipality_id, action="decision.grant", obj=decision,
                 payload={"citizen": str(citizen.public_id), "service": service.code, "amount": str(amount),
                          "unit": unit, "frequency": frequency, "flexibility": flexibility,
                          "valid_from": valid_from.isoformat(),
                          "valid_to": valid_to.isoformat() if valid_to else None})
    return decision


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
