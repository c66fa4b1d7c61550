"""Finance's form for a settlement draft: a provider and a month."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frivalg.core.periods import Period
from frivalg.providers.models import Provider

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthInput(forms.TextInput):
    input_type = "month"


class SettlementRunForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Provider.objects.none(),
                                      to_field_name="public_id", empty_label=_("Choose a provider"),
                                      widget=forms.Select(attrs={"class": "input-width-xl"}))
    month = forms.CharField(label=_("Month"), widget=MonthInput(attrs={"placeholder": "2026-01"}),
                            help_text=_("Year and month, e.g. 2026-01."))

    def __init__(self, *args: Any, providers: QuerySet[Provider], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("month", timezone.localdate().strftime("%Y-%m"))
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers  # type: ignore[attr-defined]

    def clean_month(self) -> Period:
        match = _MONTH.match(self.cleaned_data["month"].strip())
        if match is None or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 2999:
            raise forms.ValidationError(_("Give the month as year and month, e.g. 2026-01."))
        return Period.month(int(match.group(1)), int(match.group(2)))
