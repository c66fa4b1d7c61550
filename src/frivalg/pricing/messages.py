"""The rules' messages in the current language: pricing.rules marks its English templates with
`gettext_noop` and keeps their parameters apart, so they are translated here, when shown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext, gettext_noop

from frivalg.pricing.rules import ABOVE, NO_ROUNDING, ROUNDING, Issue

#: The rules' fixed words in steps, marked here for translation (the rules import no Django).
_FIXED = {
    ROUNDING: gettext_noop("ROUND_HALF_UP to 0.01"),
    NO_ROUNDING: gettext_noop("exact"),
    ABOVE: gettext_noop("the lines above"),
    "hours": gettext_noop("hours"),
}
_PER = (("/paid hour", gettext_noop("per paid hour")), ("/hour", gettext_noop("per hour")))


def issue_message(found: Issue | Mapping[str, Any]) -> str:
    """An Issue, or one stored as a dict by rules.issue_to_dict, translated and filled in."""
    if isinstance(found, Issue):
        return gettext(found.template) % dict(found.params)
    template = found.get("template")
    if not template:
        return str(found.get("message", ""))
    return gettext(template) % dict(found.get("params") or {})


def step_label(step: Mapping[str, Any]) -> str:
    """A stored step's label in the current language (a label from the model stays as written)."""
    template = step.get("label_template")
    if not template:
        return str(step.get("label", ""))
    return gettext(template) % dict(step.get("label_params") or {})


def step_text(text: str) -> str:
    """A unit, rounding or source the rules write, in the current language; anything else as is."""
    if text in _FIXED:
        return gettext(_FIXED[text])
    for suffix, words in _PER:
        if text.endswith(suffix):
            return f"{text[: -len(suffix)]} {gettext(words)}"
    return text
