"""Labels of allergen and diet codes in the active language."""

from django import template

from frivalg.meals.models import Allergen, Diet

register = template.Library()


@register.filter
def allergen_label(code: str) -> str:
    return str(Allergen(code).label) if code in Allergen.values else code


@register.filter
def diet_label(code: str) -> str:
    return str(Diet(code).label) if code in Diet.values else code


@register.filter
def weekday_labels(days: list[int]) -> str:
    from frivalg.meals.forms import WEEKDAYS

    names = dict(WEEKDAYS)
    return ", ".join(str(names[d]) for d in days if d in names)
