"""Forms of the needs assessor's pages. They parse input only: the rules are in the services,
whose ValidationErrors the views put back on these fields."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from frivalg.assessments.models import Assessment, Flexibility, Frequency
from frivalg.catalogue.models import FsiiiConcept, Service, Unit
from frivalg.core.forms import DateInput


@dataclass(frozen=True)
class AreaGroup:
    """A condition area (J1 … J5) and the form fields of its sub-areas."""

    code: str
    name: str
    field_names: tuple[str, ...]


def score_field_name(area_code: str) -> str:
    return "score_" + area_code.replace(".", "_")


def _is_sub_area(code: str) -> bool:
    head, _sep, tail = code.partition(".")
    return len(head) == 2 and head.startswith("J") and tail.isdigit()


def _scale_label(concept: FsiiiConcept) -> str:
    first_line = concept.definition.strip().splitlines()[0] if concept.definition.strip() else ""
    return f"{concept.display} – {first_line}".rstrip(" –")


class AssessmentForm(forms.Form):
    """FSIII function-ability scores per sub-area of the condition areas J1–J5. Areas left
    blank are not assessed this time."""

    assessed_on = forms.DateField(label=_("Assessed on"), widget=DateInput())
    next_reassessment_due = forms.DateField(
        label=_("Next reassessment due"), required=False, widget=DateInput(),
        help_text=_("Plan when the citizen's need is to be looked at again."),
    )
    notes = forms.CharField(label=_("Observations"), required=False,
                            widget=forms.Textarea(attrs={"rows": 4, "class": "input-width-xl"}))
    citizen_view = forms.CharField(label=_("The citizen's own view"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3, "class": "input-width-xl"}))

    def __init__(self, *args: Any, conditions: Iterable[FsiiiConcept], scale: Iterable[FsiiiConcept],
                 **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("assessed_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        conditions = list(conditions)
        scale_choices = [("", _("Not assessed"))] + [
            (concept.display, _scale_label(concept))
            for concept in sorted(scale, key=lambda c: c.display)
            if concept.display.isdigit()
        ]
        self.area_codes: dict[str, str] = {}
        groups: list[AreaGroup] = []
        top = sorted((c for c in conditions if len(c.code) == 2 and c.code.startswith("J")), key=lambda c: c.code)
        for area in top:
            subs = sorted(
                (c for c in conditions if c.parent_code == area.code and _is_sub_area(c.code)),
                key=lambda c: [int(part) for part in c.code[1:].split(".")],
            )
            names = []
            for sub in subs:
                name = score_field_name(sub.code)
                self.fields[name] = forms.TypedChoiceField(
                    label=f"{sub.code} {sub.display}", choices=scale_choices, required=False,
                    coerce=int, empty_value=None,
                )
                self.area_codes[name] = sub.code
                names.append(name)
            groups.append(AreaGroup(area.code, area.display, tuple(names)))
        self.area_groups = groups
        self.version = conditions[0].version if conditions else ""

    def grouped_fields(self) -> list[tuple[AreaGroup, list[forms.BoundField]]]:
        return [(group, [self[name] for name in group.field_names]) for group in self.area_groups]

    def scores(self) -> dict[str, int]:
        return {
            code: self.cleaned_data[name]
            for name, code in self.area_codes.items()
            if self.cleaned_data.get(name) is not None
        }

    def service_field_map(self) -> dict[str, str]:
        """Service error keys ('scores.J1.1') → field names ('score_J1_1')."""
        mapping = {f"scores.{code}": name for name, code in self.area_codes.items()}
        mapping["scores"] = "__all__"
        return mapping


class AssessmentChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Assessment) -> str:
        return str(_("Assessment of %(date)s") % {"date": date_format(obj.assessed_on, "SHORT_DATE_FORMAT")})


class DecisionForm(forms.Form):
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none(), empty_label=None,
                                     widget=forms.Select(attrs={"class": "input-width-xl"}))
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=9, decimal_places=2,
                                widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}))
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices, initial=Unit.HOUR)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices, initial=Frequency.PER_WEEK)
    flexibility = forms.ChoiceField(
        label=_("Flexibility"), choices=Flexibility.choices, initial=Flexibility.FIXED_VISITS,
        widget=forms.RadioSelect,
        help_text=_("Fixed visits planned in advance, or a monthly budget of hours the citizen and "
                    "provider plan freely."),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DateInput(),
                               help_text=_("Leave empty for a decision until further notice."))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4, "class": "input-width-xl"}),
                             help_text=_("Why the citizen is granted this help, with reference to the assessment."))
    assessment = AssessmentChoiceField(label=_("Based on the assessment"), queryset=Assessment.objects.none(),
                                       required=False, empty_label=_("No assessment"),
                                       widget=forms.Select(attrs={"class": "input-width-xl"}))

    def __init__(self, *args: Any, services: QuerySet[Service], assessments: QuerySet[Assessment],
                 **kwargs: Any) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("valid_from", timezone.localdate())
        latest = assessments.order_by("-assessed_on", "-id").first()
        if latest is not None:
            initial.setdefault("assessment", latest.pk)
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
        self.fields["assessment"].queryset = assessments  # type: ignore[attr-defined]
