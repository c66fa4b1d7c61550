"""Template filters of the pricing pages."""

from __future__ import annotations

from typing import Any

from django import template

from frivalg.pricing import messages

register = template.Library()


@register.filter
def issue_message(found: dict[str, Any]) -> str:
    """A stored warning or error in the current language."""
    return messages.issue_message(found)


@register.filter
def step_label(step: dict[str, Any]) -> str:
    return messages.step_label(step)


@register.filter
def step_text(text: str) -> str:
    """A unit, rounding or source written by the rules, translated."""
    return messages.step_text(text)
