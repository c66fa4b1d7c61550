"""Finance's settlement forms: the month to settle, a month's budget, and the decision on a
deviating or disputed visit."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frivalg.core.periods import Period
from frivalg.settlements.models import OverrideAction

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthInput(forms.TextInput):
    input_type = "month"


def _month_field() -> forms.CharField:
    return forms.CharField(label=_("Month"), widget=MonthInput(attrs={"placeholder": "2026-01"}),
                           help_text=_("Year and month, e.g. 2026-01."))


def _parse_month(text: str) -> Period:
    match = _MONTH.match(text.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 2999:
        raise forms.ValidationError(_("Give the month as year and month, e.g. 2026-01."))
    return Period.month(int(match.group(1)), int(match.group(2)))


class SettlementMonthForm(forms.Form):
    """The calendar month to settle for every provider."""

    month = _month_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("month", timezone.localdate().strftime("%Y-%m"))
        super().__init__(*args, **kwargs)

    def clean_month(self) -> Period:
        return _parse_month(self.cleaned_data["month"])


class SettlementBudgetForm(forms.Form):
    """A month's settlement budget, in kroner/kronor (two decimals)."""

    month = _month_field()
    amount = forms.DecimalField(label=_("Budget"), min_value=Decimal(0), max_digits=14, decimal_places=2,
                                help_text=_("The amount budgeted for the month's settlement, e.g. 250000.00."),
                                widget=forms.NumberInput(attrs={"step": "0.01", "class": "input-width-s"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "budget_%s")
        kwargs.setdefault("initial", {}).setdefault("month", timezone.localdate().strftime("%Y-%m"))
        super().__init__(*args, **kwargs)

    def clean_month(self) -> Period:
        return _parse_month(self.cleaned_data["month"])

    def amount_minor(self) -> int:
        return int(self.cleaned_data["amount"] * 100)


class LineOverrideForm(forms.Form):
    """Finance's decision on one visit: accept (pay the planned time) or reject, with the reason."""

    action = forms.ChoiceField(label=_("Decision"), choices=OverrideAction.choices)
    reason = forms.CharField(label=_("Reason"), max_length=2000,
                             widget=forms.TextInput(attrs={"class": "input-width-xl"}))
