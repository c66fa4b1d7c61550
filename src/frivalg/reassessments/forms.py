"""Forms of the reassessment pages: the policy, and a note on a flag."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from frivalg.reassessments import rules
from frivalg.reassessments.models import PolicySetting


class PolicyForm(forms.Form):
    """One whole number per value of rules.ReassessmentPolicy, within rules.POLICY_BOUNDS."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (low, high) in rules.POLICY_BOUNDS.items():
            model_field = PolicySetting._meta.get_field(name)
            assert isinstance(model_field, models.Field)
            self.fields[name] = forms.IntegerField(
                label=model_field.verbose_name, min_value=low, max_value=high,
                widget=forms.NumberInput(attrs={"class": "form-input input-width-xs", "inputmode": "numeric"}),
            )


class FlagNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000,
        help_text=_("Needed to resolve: what was done, e.g. reassessed, decision changed or no change needed."),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 3}),
    )


class QueueSortForm(forms.Form):
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False,
        choices=[("due", _("Due date, earliest first")), ("-due", _("Due date, latest first"))],
    )
