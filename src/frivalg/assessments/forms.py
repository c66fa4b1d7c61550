"""Forms of the needs assessor's pages. They parse input only: the rules are in the services,
whose ValidationErrors the views put back on these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from frivalg.assessments.models import (
    AppealStatus,
    Assessment,
    AssessmentScheme,
    Flexibility,
    Frequency,
    Performer,
    ReferralSource,
)
from frivalg.assessments.rules import SCALES
from frivalg.catalogue.models import Service, Unit
from frivalg.core.forms import DateInput


class AssessmentChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Assessment) -> str:
        return str(_("Assessment of %(date)s") % {"date": date_format(obj.assessed_on, "SHORT_DATE_FORMAT")})


class DecisionForm(forms.Form):
    proposal = forms.ChoiceField(label=_("Guideline proposal used"), required=False, widget=forms.RadioSelect)
    deviation_reason = forms.CharField(
        label=_("Reason for deviating from the guidelines"), required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "input-width-xl"}),
        help_text=_("Needed when what you grant differs from every proposal."),
    )
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

    def set_proposals(self, labels: list[str]) -> None:
        self.fields["proposal"].choices = [("", _("None of them"))] + [  # type: ignore[attr-defined]
            (str(index), label) for index, label in enumerate(labels)
        ]


class SchemeAssessmentForm(forms.Form):
    """An assessment on the municipality's scheme: per sub-area a score, who performs the activity
    and the citizen's own view. Saved as a draft (partial) or completed (every area)."""

    assessed_on = forms.DateField(label=_("Assessed on"), widget=DateInput())
    referral_source = forms.ChoiceField(label=_("Referral from"), required=False,
                                        choices=[("", _("Not stated")), *list(ReferralSource.choices)])
    next_reassessment_due = forms.DateField(
        label=_("Next reassessment due"), required=False, widget=DateInput(),
        help_text=_("Plan when the citizen's need is to be looked at again."),
    )
    notes = forms.CharField(label=_("Observations"), required=False,
                            widget=forms.Textarea(attrs={"rows": 4, "class": "input-width-xl"}))
    citizen_view = forms.CharField(label=_("The citizen's own view, overall"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3, "class": "input-width-xl"}))

    def __init__(self, *args: Any, scheme: AssessmentScheme, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("assessed_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        score_choices = [("", _("Not assessed"))] + [(str(v), str(v)) for v in sorted(SCALES[scheme.scale])]
        performer_choices = [("", _("Not stated")), *list(Performer.choices)]
        self.sub_areas: list[dict[str, Any]] = []
        self.groups: list[dict[str, Any]] = []
        for area in scheme.areas:
            subs = []
            for sub in area.get("sub_areas", []):
                key = sub["code"].replace(".", "_")
                area_name = {"area": f"{sub['code']} {sub['label']}"}
                self.fields[f"score_{key}"] = forms.TypedChoiceField(
                    label=gettext("Score, %(area)s") % area_name, choices=score_choices, required=False,
                    coerce=int, empty_value=None)
                self.fields[f"performer_{key}"] = forms.ChoiceField(
                    label=gettext("Who performs it, %(area)s") % area_name, choices=performer_choices,
                    required=False)
                self.fields[f"view_{key}"] = forms.CharField(
                    label=gettext("Own view, %(area)s") % area_name, required=False, max_length=2000,
                    widget=forms.TextInput(attrs={"class": "input-width-l"}))
                entry = {"code": sub["code"], "label": sub["label"], "key": key}
                subs.append(entry)
                self.sub_areas.append(entry)
            self.groups.append({"code": area["code"], "label": area["label"], "subs": subs})

    def bound_groups(self) -> list[dict[str, Any]]:
        return [
            {**group, "subs": [
                {**sub, "score": self[f"score_{sub['key']}"], "performer": self[f"performer_{sub['key']}"],
                 "view": self[f"view_{sub['key']}"]} for sub in group["subs"]
            ]} for group in self.groups
        ]

    def scores(self) -> dict[str, int]:
        return {sub["code"]: self.cleaned_data[f"score_{sub['key']}"] for sub in self.sub_areas
                if self.cleaned_data.get(f"score_{sub['key']}") is not None}

    def performers(self) -> dict[str, str]:
        return {sub["code"]: self.cleaned_data[f"performer_{sub['key']}"] for sub in self.sub_areas
                if self.cleaned_data.get(f"performer_{sub['key']}")}

    def views(self) -> dict[str, str]:
        return {sub["code"]: self.cleaned_data[f"view_{sub['key']}"].strip() for sub in self.sub_areas
                if self.cleaned_data.get(f"view_{sub['key']}", "").strip()}

    def service_field_map(self) -> dict[str, str]:
        mapping = {f"scores.{sub['code']}": f"score_{sub['key']}" for sub in self.sub_areas}
        mapping.update({f"performers.{sub['code']}": f"performer_{sub['key']}" for sub in self.sub_areas})
        mapping["scores"] = "__all__"
        return mapping

    @staticmethod
    def initial_from(assessment: Assessment) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "assessed_on": assessment.assessed_on, "referral_source": assessment.referral_source,
            "next_reassessment_due": assessment.next_reassessment_due, "notes": assessment.notes,
            "citizen_view": assessment.citizen_view,
        }
        for score in assessment.scores.all():
            key = score.area_code.replace(".", "_")
            initial[f"score_{key}"] = str(score.score)
            initial[f"performer_{key}"] = score.performer
            initial[f"view_{key}"] = score.citizen_view
        return initial


class AppealForm(forms.Form):
    grounds = forms.CharField(label=_("Why do you think the decision is wrong?"),
                              widget=forms.Textarea(attrs={"rows": 6, "class": "input-width-xl"}))


class StaffAppealForm(AppealForm):
    lodged_on = forms.DateField(label=_("Received on"), widget=DateInput())
    late_reason = forms.CharField(label=_("Why a late appeal is accepted"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3, "class": "input-width-xl"}),
                                  help_text=_("Only needed after the appeal deadline."))


class AppealOutcomeForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"), widget=forms.RadioSelect,
        choices=[c for c in AppealStatus.choices if c[0] != AppealStatus.RECEIVED],
    )
    outcome_reason = forms.CharField(label=_("Reason for the outcome"),
                                     widget=forms.Textarea(attrs={"rows": 4, "class": "input-width-xl"}))
    valid_from = forms.DateField(label=_("Changed decision applies from"), required=False, widget=DateInput(),
                                 help_text=_("Only when the decision is changed."))
    amount = forms.DecimalField(label=_("New amount"), required=False, min_value=0, max_digits=9, decimal_places=2)
    unit = forms.ChoiceField(label=_("New unit"), required=False, choices=[("", _("Unchanged")), *list(Unit.choices)])
    frequency = forms.ChoiceField(label=_("New frequency"), required=False,
                                  choices=[("", _("Unchanged")), *list(Frequency.choices)])


class DecisionAmendForm(forms.Form):
    valid_from = forms.DateField(label=_("The change applies from"), widget=DateInput(),
                                 help_text=_("The current version ends the day before."))
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none(), empty_label=None,
                                     widget=forms.Select(attrs={"class": "input-width-xl"}))
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=9, decimal_places=2,
                                widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}))
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices)
    flexibility = forms.ChoiceField(label=_("Flexibility"), choices=Flexibility.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason for the change"),
                             widget=forms.Textarea(attrs={"rows": 4, "class": "input-width-xl"}))

    def __init__(self, *args: Any, services: QuerySet[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
