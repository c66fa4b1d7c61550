"""The provider's form for planning a visit. Parses the local date and times into aware
datetimes in the municipality's time zone; the rules are in visits.services.visit_plan."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frivalg.choices.models import Choice
from frivalg.core.forms import DateInput, TimeInput
from frivalg.providers.models import StaffMember


class ClientChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Choice) -> str:
        return f"{obj.decision.citizen.full_name} – {obj.decision.service.name}"


class CaregiverChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: StaffMember) -> str:
        return obj.pseudonym


class VisitPlanForm(forms.Form):
    client = ClientChoiceField(label=_("Client and service"), queryset=Choice.objects.none(),
                               to_field_name="public_id", empty_label=_("Choose a client"),
                               widget=forms.Select(attrs={"class": "input-width-xl"}))
    day = forms.DateField(label=_("Date"), widget=DateInput())
    start = forms.TimeField(label=_("From"), widget=TimeInput())
    end = forms.TimeField(label=_("To"), widget=TimeInput())
    caregiver = CaregiverChoiceField(label=_("Caregiver"), queryset=StaffMember.objects.none(), required=False,
                                     to_field_name="public_id", empty_label=_("Not assigned yet"))

    def __init__(self, *args: Any, clients: QuerySet[Choice], caregivers: QuerySet[StaffMember],
                 **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("day", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]
        self.fields["caregiver"].queryset = caregivers  # type: ignore[attr-defined]

    def planned(self) -> tuple[datetime, datetime]:
        """The planned start and end as aware datetimes in the municipality's time zone."""
        tz = ZoneInfo(self.cleaned_data["client"].decision.municipality.time_zone)
        day = self.cleaned_data["day"]
        return (datetime.combine(day, self.cleaned_data["start"], tz),
                datetime.combine(day, self.cleaned_data["end"], tz))
