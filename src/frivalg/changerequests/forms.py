"""Forms of the change-request pages. They parse input only; the rules are in the services,
whose ValidationErrors the views put back on these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frivalg.assessments.models import Frequency
from frivalg.catalogue.models import Service, Unit
from frivalg.changerequests.models import ChangeRequestKind, ChangeRequestStatus, FramePeriod, StopReason
from frivalg.changerequests.rules import EVIDENCE_MAX_BYTES
from frivalg.core.forms import DateInput

TEXTAREA = {"rows": 4, "class": "input-width-xl"}


def _blank(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", _("– unchanged –")), *choices]


class StartOfCareForm(forms.Form):
    start_date = forms.DateField(label=_("Care started on"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("start_date", timezone.localdate())
        super().__init__(*args, **kwargs)


class StopOfCareForm(forms.Form):
    stop_date = forms.DateField(label=_("Care stopped on"), widget=DateInput())
    reason = forms.ChoiceField(label=_("Reason"), choices=StopReason.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs=TEXTAREA),
                           help_text=_("Required when the reason is 'Other reason'."))


class EvidenceField(forms.FileField):
    """At most 10 MB; the type (PDF, JPEG, PNG) is checked from the file's content by the service."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        value = super().clean(data, initial)
        if value and value.size > EVIDENCE_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."), code="too_big")
        return value


class ChangeRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("What do you request?"), choices=ChangeRequestKind.choices,
                             widget=forms.RadioSelect)
    requested_amount = forms.DecimalField(label=_("Requested amount"), required=False, min_value=0.01,
                                          max_digits=9, decimal_places=2,
                                          help_text=_("For more or less time: the new amount in total."))
    requested_unit = forms.ChoiceField(label=_("Unit"), required=False, choices=_blank(list(Unit.choices)))
    requested_frequency = forms.ChoiceField(label=_("Frequency"), required=False,
                                            choices=_blank(list(Frequency.choices)))
    requested_service = forms.ModelChoiceField(label=_("Requested service"), required=False,
                                               queryset=Service.objects.none(), empty_label=_("– unchanged –"))
    reason = forms.CharField(label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs=TEXTAREA))
    evidence = EvidenceField(label=_("Evidence (optional)"), required=False,
                             help_text=_("A PDF, JPEG or PNG file of at most 10 MB."),
                             widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))

    def __init__(self, *args: Any, services: QuerySet[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["requested_service"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = services


class AnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Answer"), widget=forms.RadioSelect,
        choices=[(s.value, s.label) for s in (ChangeRequestStatus.APPROVED, ChangeRequestStatus.PARTLY_APPROVED,
                                              ChangeRequestStatus.REJECTED)],
    )
    answer_text = forms.CharField(label=_("Explanation to the provider"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs=TEXTAREA),
                                  help_text=_("Required when the request is partly approved or rejected."))
    valid_from = forms.DateField(label=_("Change takes effect on"), required=False, widget=DateInput(),
                                 help_text=_("For an approved change: the first day of the new decision version."))
    amount = forms.DecimalField(label=_("Granted amount"), required=False, min_value=0.01, max_digits=9,
                                decimal_places=2, help_text=_("Leave blank to grant what was requested."))
    unit = forms.ChoiceField(label=_("Unit"), required=False, choices=_blank(list(Unit.choices)))
    frequency = forms.ChoiceField(label=_("Frequency"), required=False, choices=_blank(list(Frequency.choices)))
    service = forms.ModelChoiceField(label=_("Service"), required=False, queryset=Service.objects.none(),
                                     empty_label=_("– unchanged –"))

    def __init__(self, *args: Any, services: QuerySet[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = services


class FrameAdjustmentForm(forms.Form):
    period_kind = forms.ChoiceField(label=_("Period"), choices=FramePeriod.choices, widget=forms.RadioSelect)
    period_day = forms.DateField(label=_("A day in the period"), widget=DateInput(),
                                 help_text=_("The week (Monday–Sunday) or month containing this day."))
    minutes_moved = forms.IntegerField(label=_("Minutes moved"), min_value=1, max_value=100_000)
    moved_from = forms.CharField(label=_("Moved from (day or task)"), max_length=200)
    moved_to = forms.CharField(label=_("Moved to (day or task)"), max_length=200)
    planned_minutes_after = forms.IntegerField(
        label=_("Planned minutes in the period after the move"), min_value=0, max_value=1_000_000,
        help_text=_("Must not exceed the minutes granted for the period."))
    description = forms.CharField(label=_("What was changed and why"), max_length=5000,
                                  widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("period_day", timezone.localdate())
        super().__init__(*args, **kwargs)


class InboxFilterForm(forms.Form):
    mine = forms.BooleanField(label=_("Only citizens in my caseload"), required=False)


class ResponseDeadlineForm(forms.Form):
    working_days = forms.IntegerField(
        label=_("Working days to answer a change request"), min_value=1, max_value=30,
        help_text=_("Weekends and public holidays do not count."))
