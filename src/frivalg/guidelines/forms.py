"""Forms of the guideline pages. They parse input only: the rules are checked by the services,
whose ValidationErrors the views put back on these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from frivalg.assessments.models import Flexibility
from frivalg.catalogue.models import Service, Unit
from frivalg.core.forms import DateInput
from frivalg.guidelines.models import Combine, Comparison, GuidelineFrequency, GuidelineRule

#: Condition rows on the rule form; a rule rarely needs more.
CONDITION_ROWS = 3


class DraftForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False,
                            help_text=_("Leave empty to keep the title of the last version."),
                            widget=forms.TextInput(attrs={"class": "input-width-xl"}))


class PublishForm(forms.Form):
    valid_from = forms.DateField(label=_("In force from"), widget=DateInput(),
                                 help_text=_("The version in force ends the day before."))


class GuidelineRuleForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=160,
                            widget=forms.TextInput(attrs={"class": "input-width-xl"}))
    service = forms.ModelChoiceField(label=_("Proposed service"), queryset=Service.objects.none(),
                                     empty_label=None, widget=forms.Select(attrs={"class": "input-width-xl"}))
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=9, decimal_places=2,
                                widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}))
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices, initial=Unit.MINUTE)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=GuidelineFrequency.choices,
                                  initial=GuidelineFrequency.PER_DAY)
    flexibility = forms.ChoiceField(label=_("Default flexibility"), choices=Flexibility.choices,
                                    initial=Flexibility.FIXED_VISITS, widget=forms.RadioSelect)
    combine = forms.ChoiceField(label=_("The rule applies when"), choices=Combine.choices, initial=Combine.ALL,
                                widget=forms.RadioSelect)
    explanation = forms.CharField(
        label=_("Explanation"), required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "input-width-xl"}),
        help_text=_("Shown to the assessor with the proposal and in the decision letter."))
    order = forms.IntegerField(label=_("Order"), min_value=0, required=False,
                               help_text=_("Rules are listed by this number. Leave empty to add at the end."))

    def __init__(self, *args: Any, services: QuerySet[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
        for row in range(CONDITION_ROWS):
            number = row + 1
            self.fields[f"area_{row}"] = forms.CharField(
                label=_("Condition %(n)s: area code") % {"n": number}, max_length=80, required=False,
                help_text=_("An area (J1) covers its sub-areas; a sub-area (J1.3) only itself.") if row == 0 else "",
            )
            self.fields[f"op_{row}"] = forms.ChoiceField(
                label=_("Condition %(n)s: comparison") % {"n": number}, choices=Comparison.choices,
                initial=Comparison.AT_LEAST, required=False)
            self.fields[f"score_{row}"] = forms.IntegerField(
                label=_("Condition %(n)s: score") % {"n": number}, required=False, min_value=0, max_value=9)

    def condition_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [(self[f"area_{row}"], self[f"op_{row}"], self[f"score_{row}"]) for row in range(CONDITION_ROWS)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for row in range(CONDITION_ROWS):
            area = (data.get(f"area_{row}") or "").strip()
            if area and data.get(f"score_{row}") is None and f"score_{row}" not in self.errors:
                self.add_error(f"score_{row}", _("Give the score the condition compares with."))
        return data

    def conditions(self) -> list[dict[str, Any]]:
        return [
            {"area": self.cleaned_data[f"area_{row}"].strip(), "op": self.cleaned_data[f"op_{row}"] or ">=",
             "score": self.cleaned_data[f"score_{row}"]}
            for row in range(CONDITION_ROWS)
            if (self.cleaned_data.get(f"area_{row}") or "").strip()
        ]

    def service_field_map(self) -> dict[str, str]:
        """Service error keys ('conditions.0.area', by the index among the filled rows) → fields."""
        filled = [row for row in range(CONDITION_ROWS) if (self.cleaned_data.get(f"area_{row}") or "").strip()]
        mapping = {"conditions": "area_0"}
        for index, row in enumerate(filled):
            for part in ("area", "op", "score"):
                mapping[f"conditions.{index}.{part}"] = f"{part}_{row}"
            mapping[f"conditions.{index}"] = f"area_{row}"
        return mapping

    @staticmethod
    def initial_from(rule: GuidelineRule) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "label": rule.label, "service": rule.service_id, "amount": rule.amount, "unit": rule.unit,
            "frequency": rule.frequency, "flexibility": rule.flexibility, "combine": rule.combine,
            "explanation": rule.explanation, "order": rule.order,
        }
        for row, condition in enumerate(rule.conditions[:CONDITION_ROWS]):
            initial[f"area_{row}"] = condition.get("area")
            initial[f"op_{row}"] = condition.get("op")
            initial[f"score_{row}"] = condition.get("score")
        return initial
