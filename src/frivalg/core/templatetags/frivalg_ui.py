"""Template helpers for the DKFDS page layout: who is logged in, the menu of their role, form
fields with DKFDS markup, and money. Presentation only — no rules, no queries on citizen data."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms, template
from django.forms.boundfield import BoundField
from django.templatetags.static import static
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import get_language_info, ngettext
from django.utils.translation import gettext_lazy as _

from frivalg.core import roles
from frivalg.core.models import Language
from frivalg.core.money import Money
from frivalg.core.selectors import citizens_represented_by, municipality_of, roles_of

register = template.Library()


@dataclass(frozen=True)
class MenuItem:
    label: Any
    url_name: str


#: The menu of each role, first item is the role's home. URL names are strings so core
#: imports no domain app.
_CITIZEN_MENU = (
    MenuItem(_("My overview"), "choices:my"),
    MenuItem(_("My decisions"), "assessments:my_decisions"),
    MenuItem(_("Meals"), "meals:menus"),
    MenuItem(_("My meal orders"), "meals:my_orders"),
    MenuItem(_("Rate my provider"), "choices:rate"),
    MenuItem(_("Complaints"), "choices:complaints"),
    MenuItem(_("My waiting lists"), "waitinglists:my"),
)
_ASSESSOR_MENU = (
    MenuItem(_("Caseload"), "assessments:caseload"),
    MenuItem(_("Reassessments due"), "reassessments:queue"),
    MenuItem(_("Change requests"), "changerequests:inbox"),
    MenuItem(_("Awaiting a choice"), "choices:awaiting"),
    MenuItem(_("Waiting lists"), "waitinglists:index"),
)

MENUS: dict[str, tuple[MenuItem, ...]] = {
    roles.CITIZEN.name: _CITIZEN_MENU,
    roles.RELATIVE.name: _CITIZEN_MENU,
    roles.NEEDS_ASSESSOR.name: _ASSESSOR_MENU,
    roles.ASSESSMENT_MANAGER.name: (
        *_ASSESSOR_MENU,
        MenuItem(_("Team workload"), "reassessments:team"),
        MenuItem(_("Service guidelines"), "guidelines:list"),
    ),
    roles.FINANCE.name: (
        MenuItem(_("Settlement runs"), "settlements:runs"),
        MenuItem(_("Providers"), "providers:list"),
        MenuItem(_("Requirements"), "providers:requirements"),
        MenuItem(_("Applications"), "providers:applications"),
        MenuItem(_("Capacity"), "providers:capacity"),
        MenuItem(_("Default rule"), "choices:default_rule"),
        MenuItem(_("Meals"), "meals:signals"),
        MenuItem(_("Rates"), "catalogue:rates"),
        MenuItem(_("Prices"), "pricing:cost_models"),
        MenuItem(_("Key figures"), "followup:key_figures"),
        MenuItem(_("Tenders"), "tenders:list"),
        MenuItem(_("Follow-up"), "followup:dashboard"),
        MenuItem(_("Competition tasks"), "followup:tasks"),
    ),
    roles.PROVIDER_ADMIN.name: (
        MenuItem(_("Clients and visits"), "visits:provider_home"),
        MenuItem(_("Plan a visit"), "visits:plan"),
        MenuItem(_("Allocations and change requests"), "changerequests:provider"),
        MenuItem(_("Approvals"), "providers:mine"),
        MenuItem(_("Meal orders"), "meals:provider_orders"),
        MenuItem(_("Menus"), "meals:provider_menus"),
        MenuItem(_("Clients"), "choices:terminations"),
        MenuItem(_("Tenders"), "tenders:list"),
    ),
    roles.CAREGIVER.name: (MenuItem(_("Today's visits"), "visits:today"),),
    roles.PROCUREMENT.name: (
        MenuItem(_("Key figures"), "followup:key_figures"),
        MenuItem(_("Tenders"), "tenders:list"),
        MenuItem(_("Follow-up"), "followup:dashboard"),
        MenuItem(_("Comparisons"), "followup:compare"),
        MenuItem(_("Competition tasks"), "followup:tasks"),
        MenuItem(_("Gains map"), "followup:gains"),
    ),
    roles.ANALYST.name: (
        MenuItem(_("Key figures"), "followup:key_figures"),
        MenuItem(_("Follow-up"), "followup:dashboard"),
        MenuItem(_("Comparisons"), "followup:compare"),
        MenuItem(_("Competition tasks"), "followup:tasks"),
        MenuItem(_("Gains map"), "followup:gains"),
        MenuItem(_("Benchmark figures"), "followup:benchmark_import"),
        MenuItem(_("Tenders"), "tenders:list"),
    ),
    roles.POLITICIAN.name: (
        MenuItem(_("Follow-up"), "followup:dashboard"),
        MenuItem(_("Comparisons"), "followup:compare"),
        MenuItem(_("Gains map"), "followup:gains"),
        MenuItem(_("Key figures"), "followup:key_figures"),
        MenuItem(_("Tenders"), "tenders:list"),
    ),
    roles.SYSTEM_ADMIN.name: (MenuItem(_("Audit trail"), "core:audit"),),
}


def role_home_url_name(user: Any) -> str | None:
    """The URL name of the home page of the user's first role (in the order of ALL_ROLES)."""
    names = roles_of(user)
    for role in roles.ALL_ROLES:
        if role.name in names:
            return MENUS[role.name][0].url_name
    return None


@register.simple_tag(takes_context=True)
def menu_items(context: template.Context) -> list[dict[str, Any]]:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    seen: set[str] = set()
    items: list[dict[str, Any]] = []
    names = roles_of(request.user)
    for role in roles.ALL_ROLES:
        if role.name not in names:
            continue
        for item in MENUS[role.name]:
            if item.url_name in seen:
                continue
            seen.add(item.url_name)
            href = reverse(item.url_name)
            current = request.path == href or (href != "/" and request.path.startswith(href))
            items.append({"label": item.label, "href": href, "current": current})
    return items


@register.simple_tag
def role_labels(user: Any) -> str:
    names = roles_of(user)
    return ", ".join(str(role.label) for role in roles.ALL_ROLES if role.name in names)


@register.simple_tag
def organisation_name(user: Any) -> str:
    """The municipality a member of staff works for, the provider a provider's person works
    for, or the municipality of the citizen (or of the first citizen a relative acts for)."""
    if not user.is_authenticated:
        return ""
    municipality = municipality_of(user)
    if municipality is not None:
        return municipality.name
    staff = user.provider_staff.filter(active=True).select_related("provider").first()
    if staff is not None:
        return str(staff.provider.name)
    citizen = citizens_represented_by(user).select_related("municipality").first()
    if citizen is not None:
        return citizen.municipality.name
    return ""


@register.filter
def money(minor: int | None, currency: str = "DKK") -> str:
    """Integer minor units as an amount, e.g. 123450 → '1.234,50 DKK'."""
    if minor is None:
        return ""
    return str(Money(int(minor), currency or "DKK"))


def _widget_kind(widget: forms.Widget) -> str:
    if isinstance(widget, forms.RadioSelect):
        return "radio"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    return "input"


_WIDGET_CLASS = {"select": "form-select", "textarea": "form-input", "input": "form-input",
                 "checkbox": "form-checkbox", "radio": "form-radio"}


@register.inclusion_tag("includes/field.html")
def field(bound: BoundField, css: str = "", optional_hint: bool = True) -> dict[str, Any]:
    """One form field in DKFDS markup: label, hint, error message and the control, tied
    together with aria-describedby and aria-invalid."""
    kind = _widget_kind(bound.field.widget)
    field_id = bound.id_for_label or bound.auto_id
    describedby = []
    if bound.help_text:
        describedby.append(f"{field_id}-hint")
    if bound.errors:
        describedby.append(f"{field_id}-error")
    attrs: dict[str, Any] = {}
    if kind != "radio":
        widget_class = bound.field.widget.attrs.get("class", "")
        attrs["class"] = " ".join(c for c in (_WIDGET_CLASS.get(kind, ""), widget_class, css) if c)
        if describedby:
            attrs["aria-describedby"] = " ".join(describedby)
        if bound.errors:
            attrs["aria-invalid"] = "true"
    return {
        "field": bound,
        "kind": kind,
        "optional_hint": optional_hint and not bound.field.required,
        "field_id": field_id,
        "describedby": " ".join(describedby),
        "widget": bound.as_widget(attrs=attrs) if kind != "radio" else "",
    }


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, "") if mapping else ""


@register.simple_tag
def icon(name: str, css: str = "") -> str:
    """A DKFDS icon from the vendored sprite, hidden from screen readers (decorative)."""
    href = static("vendor/dkfds/img/all-svg-icons.svg") + "#" + name
    return format_html('<svg class="icon-svg {}" focusable="false" aria-hidden="true"><use href="{}"></use></svg>',
                       css, href)


@register.filter
def language_names(codes: list[str] | None) -> str:
    """Language codes as names in the active language: ['da', 'en'] → 'Danish, English'."""
    names = []
    for code in codes or []:
        if code in Language.values:
            names.append(str(Language(code).label))
            continue
        try:
            names.append(str(get_language_info(code)["name_translated"]))
        except KeyError:
            names.append(code)
    return ", ".join(capfirst(name) for name in names)


@register.filter
def percent(share: Decimal | float | None) -> str:
    """A share 0–1 as a localized percentage with one decimal, or '–' when there is none."""
    if share is None:
        return "–"
    value = (Decimal(str(share)) * 100).quantize(Decimal("0.1"))
    return f"{number_format(value, decimal_pos=1)} %"


@register.filter
def granted_amount(decision: Any) -> str:
    """A decision's amount as a phrase: '1,5 hours per week'."""
    amount = Decimal(decision.amount)
    count = int(amount) if amount == amount.to_integral() else 2
    return f"{_unit_phrase_counted(decision.unit, amount, count)} {decision.get_frequency_display()}"


def _unit_phrase_counted(unit: str, amount: Decimal, count: int) -> str:
    number = number_format(amount.quantize(Decimal(1)) if amount == amount.to_integral() else amount.normalize())
    phrases = {
        "minute": ngettext("%(n)s minute", "%(n)s minutes", count),
        "hour": ngettext("%(n)s hour", "%(n)s hours", count),
        "visit": ngettext("%(n)s visit", "%(n)s visits", count),
        "meal": ngettext("%(n)s meal", "%(n)s meals", count),
        "day": ngettext("%(n)s day", "%(n)s days", count),
        "month": ngettext("%(n)s month", "%(n)s months", count),
        "piece": ngettext("%(n)s piece", "%(n)s pieces", count),
    }
    return phrases.get(unit, "%(n)s " + unit) % {"n": number}
