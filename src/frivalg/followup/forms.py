"""The month the key figures are for."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from frivalg.core.periods import Period
from frivalg.settlements.forms import MonthInput

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthForm(forms.Form):
    month = forms.CharField(label=_("Month"), widget=MonthInput(), help_text=_("Year and month, e.g. 2026-01."))

    def clean_month(self) -> Period:
        match = _MONTH.match(self.cleaned_data["month"].strip())
        if match is None or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 2999:
            raise forms.ValidationError(_("Give the month as year and month, e.g. 2026-01."))
        return Period.month(int(match.group(1)), int(match.group(2)))
