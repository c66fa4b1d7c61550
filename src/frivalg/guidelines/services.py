"""Writes of the service guidelines. A published version is immutable: a change is a new draft
copied from the last version; publishing it from a date closes the version in force the day
before. Every write is one transaction with its audit row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frivalg.assessments.models import Flexibility
from frivalg.assessments.rules import units_compatible
from frivalg.catalogue.models import Service
from frivalg.core import roles
from frivalg.core.models import Municipality, User
from frivalg.core.selectors import require
from frivalg.core.services import audit_record
from frivalg.guidelines import rules
from frivalg.guidelines.models import Guideline, GuidelineRule, GuidelineStatus


def _messages() -> dict[str, str]:
    return {
        "unknown_scale": _("Unknown scale."),
        "not_a_list": _("The conditions must be a list."),
        "empty": _("Give at least one condition."),
        "too_many": _("Give at most %(n)s conditions.") % {"n": rules.MAX_CONDITIONS},
        "not_an_object": _("Each condition needs an area, a comparison and a score."),
        "unknown_key": _("A condition has only an area, a comparison and a score."),
        "area_invalid": _("Enter an area code such as J1 or J1.3."),
        "op_invalid": _("Choose at least, at most or exactly."),
        "score_invalid": _("The score is not on the scale."),
        "score_not_relevant": _("9 (not relevant) never satisfies a condition: choose a score from 0 to 4."),
        "amount_not_positive": _("The amount must be greater than zero."),
        "frequency_invalid": _("Choose per day, per week or per month."),
        "combine_invalid": _("Choose all or any."),
    }


def _require_manager(actor: User, municipality_id: int) -> None:
    require(actor, roles.GUIDELINE_MANAGE)
    if actor.municipality_id != municipality_id:
        raise PermissionDenied(_("This guideline belongs to another municipality."))


def _require_draft(guideline: Guideline) -> None:
    if guideline.status != GuidelineStatus.DRAFT:
        raise ValidationError({"status": _("A published guideline cannot be changed: make a new draft.")})


@dataclass(frozen=True)
class RuleInput:
    """A rule as entered, before validation."""

    label: str
    conditions: Any
    service: Service
    amount: Decimal | str
    unit: str
    frequency: str
    combine: str = rules.ALL
    flexibility: str = Flexibility.FIXED_VISITS
    explanation: str = ""
    order: int | None = None


def _clean_rule(guideline: Guideline, data: RuleInput) -> dict[str, Any]:
    messages = _messages()
    errors: dict[str, str] = {}
    try:
        amount = Decimal(str(data.amount))
    except InvalidOperation:
        errors["amount"] = _("Enter a number.")
        amount = Decimal(1)
    conditions, codes = rules.parse_conditions(data.conditions, guideline.scale)
    codes = {**codes, **rules.validate_amount(amount, data.frequency, data.combine)}
    errors.update({key: messages[code] for key, code in codes.items() if key not in errors})
    if not data.label.strip():
        errors["label"] = _("Give the rule a short label.")
    if data.service.municipality_id != guideline.municipality_id or not data.service.active:
        errors["service"] = _("Choose an active service of the municipality.")
    elif not units_compatible(data.service.unit, data.unit):
        errors["unit"] = _("This service is granted in %(unit)s.") % {"unit": data.service.get_unit_display()}
    if data.flexibility not in Flexibility.values:
        errors["flexibility"] = _("Unknown flexibility.")
    if data.order is not None and data.order < 0:
        errors["order"] = _("The order must be zero or more.")
    if errors:
        raise ValidationError(errors)
    return {
        "label": data.label.strip(), "conditions": rules.conditions_as_data(conditions), "combine": data.combine,
        "service": data.service, "amount": amount, "unit": data.unit, "frequency": data.frequency,
        "flexibility": data.flexibility, "explanation": data.explanation.strip(),
    }


def _rule_payload(rule: GuidelineRule) -> dict[str, Any]:
    return {"rule": str(rule.public_id), "label": rule.label, "conditions": rule.conditions,
            "combine": rule.combine, "service": rule.service.code, "amount": str(rule.amount), "unit": rule.unit,
            "frequency": rule.frequency, "flexibility": rule.flexibility}


@transaction.atomic
def guideline_draft_create(*, actor: User, municipality: Municipality, title: str = "",
                           scale: str = "fsiii") -> Guideline:
    """A new draft version, copied (title, scale and rules) from the latest version if any."""
    _require_manager(actor, municipality.pk)
    existing = list(Guideline.objects.select_for_update().filter(municipality=municipality))
    draft = next((g for g in existing if g.status == GuidelineStatus.DRAFT), None)
    if draft is not None:
        raise ValidationError({"version": _("Version %(version)s is already a draft: edit it or publish it first.")
                               % {"version": draft.version}})
    latest = max(existing, key=lambda g: g.version, default=None)
    guideline = Guideline.objects.create(
        municipality=municipality, version=(latest.version if latest else 0) + 1,
        title=title.strip() or (latest.title if latest else _("Service guidelines")),
        scale=latest.scale if latest else scale, created_by=actor,
    )
    if latest is not None:
        GuidelineRule.objects.bulk_create(
            GuidelineRule(guideline=guideline, order=rule.order, label=rule.label, conditions=rule.conditions,
                          combine=rule.combine, service_id=rule.service_id, amount=rule.amount, unit=rule.unit,
                          frequency=rule.frequency, flexibility=rule.flexibility, explanation=rule.explanation)
            for rule in latest.rules.all()
        )
    audit_record(actor=actor, municipality_id=municipality.pk, action="guideline.draft_create", obj=guideline,
                 payload={"version": guideline.version, "copied_from": latest.version if latest else None})
    return guideline


@transaction.atomic
def guideline_rule_add(*, actor: User, guideline: Guideline, data: RuleInput) -> GuidelineRule:
    _require_manager(actor, guideline.municipality_id)
    _require_draft(guideline)
    fields = _clean_rule(guideline, data)
    order = data.order
    if order is None:
        order = (guideline.rules.aggregate(last=Max("order"))["last"] or 0) + 10
    rule = GuidelineRule.objects.create(guideline=guideline, order=order, **fields)
    audit_record(actor=actor, municipality_id=guideline.municipality_id, action="guideline.rule_add",
                 obj=guideline, payload=_rule_payload(rule))
    return rule


@transaction.atomic
def guideline_rule_update(*, actor: User, rule: GuidelineRule, data: RuleInput) -> GuidelineRule:
    guideline = rule.guideline
    _require_manager(actor, guideline.municipality_id)
    _require_draft(guideline)
    for name, value in _clean_rule(guideline, data).items():
        setattr(rule, name, value)
    if data.order is not None:
        rule.order = data.order
    rule.save()
    audit_record(actor=actor, municipality_id=guideline.municipality_id, action="guideline.rule_update",
                 obj=guideline, payload=_rule_payload(rule))
    return rule


@transaction.atomic
def guideline_rule_remove(*, actor: User, rule: GuidelineRule) -> None:
    guideline = rule.guideline
    _require_manager(actor, guideline.municipality_id)
    _require_draft(guideline)
    payload = _rule_payload(rule)
    rule.delete()
    audit_record(actor=actor, municipality_id=guideline.municipality_id, action="guideline.rule_remove",
                 obj=guideline, payload=payload)


@transaction.atomic
def guideline_publish(*, actor: User, guideline: Guideline, valid_from: date) -> Guideline:
    """Publish a draft from `valid_from`; the version in force then ends the day before. A date
    on or before the start of another published version is refused, naming that version."""
    _require_manager(actor, guideline.municipality_id)
    guideline = Guideline.objects.select_for_update().get(pk=guideline.pk)
    _require_draft(guideline)
    if not guideline.rules.exists():
        raise ValidationError({"rules": _("Add at least one rule before publishing.")})
    published = Guideline.objects.select_for_update().filter(
        municipality_id=guideline.municipality_id, status=GuidelineStatus.PUBLISHED)
    clash = published.filter(valid_from__gte=valid_from).order_by("valid_from").first()
    if clash is not None:
        assert clash.valid_from is not None
        raise ValidationError({"valid_from": _(
            "Version %(version)s is in force from %(date)s: the new version must start after that day."
        ) % {"version": clash.version, "date": date_format(clash.valid_from)}})
    closed = []
    for previous in published.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)):
        previous.valid_to = valid_from - timedelta(days=1)
        previous.save(update_fields=["valid_to", "updated_at"])
        closed.append(previous.version)
    guideline.status = GuidelineStatus.PUBLISHED
    guideline.valid_from = valid_from
    guideline.published_by = actor
    guideline.published_at = timezone.now()
    guideline.save(update_fields=["status", "valid_from", "published_by", "published_at", "updated_at"])
    audit_record(actor=actor, municipality_id=guideline.municipality_id, action="guideline.publish",
                 obj=guideline, payload={"version": guideline.version, "valid_from": valid_from.isoformat(),
                                         "closed_versions": closed})
    return guideline


#: The default guideline: (service code, label, conditions, combine, amount, unit, frequency,
#: flexibility, explanation). Service codes are the demo catalogue's (demo.rules); rules whose
#: service the municipality does not have are left out.
DEFAULT_RULES: tuple[tuple[Any, ...], ...] = (
    ("PH-REN", gettext_lazy("Cleaning"), [{"area": "J2", "op": ">=", "score": 2}], "all", "1", "hour", "week",
     Flexibility.FIXED_VISITS, gettext_lazy("Help with cleaning when practical tasks are moderately limited.")),
    ("PH-REN", gettext_lazy("Cleaning, severe"), [{"area": "J2", "op": ">=", "score": 3}], "all", "1.5", "hour",
     "week", Flexibility.FIXED_VISITS,
     gettext_lazy("More help with cleaning when practical tasks are severely limited.")),
    ("PH-IND", gettext_lazy("Shopping"), [{"area": "J2.4", "op": ">=", "score": 3}], "all", "30", "minute",
     "week", Flexibility.FIXED_VISITS, gettext_lazy("Help with shopping when the citizen cannot shop alone.")),
    ("PP-HYG", gettext_lazy("Personal care"), [{"area": "J1", "op": ">=", "score": 2}], "all", "30", "minute",
     "day", Flexibility.FIXED_VISITS,
     gettext_lazy("Help with personal hygiene when self-care is moderately limited.")),
    ("PP-HYG", gettext_lazy("Personal care, morning and evening"),
     [{"area": "J1", "op": ">=", "score": 3}, {"area": "J3", "op": ">=", "score": 3}], "all", "60", "minute",
     "day", Flexibility.MONTHLY_BUDGET,
     gettext_lazy("Help morning and evening when both self-care and mobility are severely limited.")),
    ("MAD", gettext_lazy("Meals"), [{"area": "J1", "op": ">=", "score": 3}, {"area": "J4", "op": ">=", "score": 3}],
     "any", "1", "meal", "day", Flexibility.FIXED_VISITS,
     gettext_lazy("A hot meal a day when the citizen cannot prepare food or remember to eat.")),
    ("SYG-MED", gettext_lazy("Home nursing: medicine"), [{"area": "J4", "op": ">=", "score": 3}], "all", "15",
     "minute", "day", Flexibility.FIXED_VISITS,
     gettext_lazy("Help with medicine when memory or other mental functions are severely limited.")),
)


@transaction.atomic
def guideline_seed_default(*, actor: User, municipality: Municipality, valid_from: date) -> Guideline:
    """Publish a default guideline for a municipality that has none (demo and new municipalities)."""
    guideline = guideline_draft_create(actor=actor, municipality=municipality, title=_("Service guidelines"))
    services = {service.code: service for service in Service.objects.filter(municipality=municipality, active=True)}
    for order, (code, label, conditions, combine, amount, unit, frequency, flexibility, explanation) in enumerate(
            DEFAULT_RULES, start=1):
        if code in services:
            guideline_rule_add(actor=actor, guideline=guideline, data=RuleInput(
                label=str(label), conditions=conditions, service=services[code], amount=amount, unit=unit,
                frequency=frequency, combine=combine, flexibility=flexibility, explanation=str(explanation),
                order=order * 10))
    return guideline_publish(actor=actor, guideline=guideline, valid_from=valid_from)
