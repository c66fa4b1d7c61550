"""A guideline rule in plain language, for managers, assessors and the public page:
"Personal care, 30 minutes per day, when J1 Self-care is 2 or more"."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from frivalg.guidelines.models import GuidelineRule

_UNITS = {
    "minute": lambda n, c: ngettext("%(n)s minute", "%(n)s minutes", c) % {"n": n},
    "hour": lambda n, c: ngettext("%(n)s hour", "%(n)s hours", c) % {"n": n},
    "visit": lambda n, c: ngettext("%(n)s visit", "%(n)s visits", c) % {"n": n},
    "meal": lambda n, c: ngettext("%(n)s meal", "%(n)s meals", c) % {"n": n},
    "day": lambda n, c: ngettext("%(n)s day", "%(n)s days", c) % {"n": n},
    "month": lambda n, c: ngettext("%(n)s month", "%(n)s months", c) % {"n": n},
    "piece": lambda n, c: ngettext("%(n)s piece", "%(n)s pieces", c) % {"n": n},
}


def amount_phrase(amount: Decimal, unit: str, frequency_label: Any) -> str:
    whole = amount == amount.to_integral()
    number = number_format(amount.quantize(Decimal(1)) if whole else amount.normalize())
    count = int(amount) if whole else 2
    phrase = _UNITS.get(unit, lambda n, c: f"{n} {unit}")(number, count)
    return f"{phrase} {frequency_label}"


def condition_phrase(condition: Mapping[str, Any], area_names: Mapping[str, str]) -> str:
    area = str(condition.get("area", ""))
    name = area_names.get(area)
    subject = f"{area} {name}" if name else area
    if area and "." not in area:
        subject = _("%(area)s (any sub-area)") % {"area": subject}
    values = {"subject": subject, "score": condition.get("score")}
    op = condition.get("op")
    if op == ">=":
        return _("%(subject)s is %(score)s or more") % values
    if op == "<=":
        return _("%(subject)s is %(score)s or less") % values
    return _("%(subject)s is exactly %(score)s") % values


def rule_phrase(rule: GuidelineRule, area_names: Mapping[str, str]) -> str:
    parts = [condition_phrase(c, area_names) for c in rule.conditions if isinstance(c, dict)]
    joined = (_(" or ") if rule.combine == "any" else _(" and ")).join(parts)
    return _("%(service)s, %(amount)s, when %(conditions)s") % {
        "service": rule.service.name,
        "amount": amount_phrase(Decimal(rule.amount), rule.unit, rule.get_frequency_display()),
        "conditions": joined,
    }
