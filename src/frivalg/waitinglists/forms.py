"""Forms of the waiting-list pages. They parse input only; the rules are in the services, whose
ValidationErrors the views put back on these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from frivalg.assessments.models import Decision
from frivalg.catalogue.models import Service
from frivalg.core.forms import DateInput
from frivalg.waitinglists.models import UrgencyReason


class WaitingListForm(forms.Form):
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none(), empty_label=None,
                                     widget=forms.Select(attrs={"class": "input-width-xl"}))
    name = forms.CharField(label=_("Name"), max_length=160, widget=forms.TextInput(attrs={"class": "input-width-xl"}))
    places = forms.IntegerField(label=_("Places"), min_value=1, max_value=100_000,
                                help_text=_("How many places the service has in all."))
    need_weight = forms.IntegerField(label=_("Points per need point"), min_value=0, max_value=10_000,
                                     help_text=_("Need points are the sum of the assessed function-ability scores."))
    wait_weight = forms.IntegerField(label=_("Points per waiting day"), min_value=0, max_value=10_000)
    urgent_reasons = forms.MultipleChoiceField(
        label=_("Urgencies that go first"), choices=UrgencyReason.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("An urgent entry with one of these reasons ranks above every non-urgent one."))

    def __init__(self, *args: Any, services: QuerySet[Service], editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
        if editing:
            del self.fields["service"]


class DecisionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Decision) -> str:
        return str(_("%(name)s – granted %(date)s") % {
            "name": obj.citizen.full_name, "date": date_format(obj.valid_from, "SHORT_DATE_FORMAT")})


class UrgencyForm(forms.Form):
    urgent = forms.BooleanField(label=_("Urgent"), required=False,
                                help_text=_("Only the urgencies the list's rule names go first."))
    reason = forms.ChoiceField(label=_("Reason for the urgency"), required=False,
                               choices=[("", _("Not urgent")), *UrgencyReason.choices])


class EntryForm(UrgencyForm):
    decision = DecisionChoiceField(
        label=_("Citizen and decision"), queryset=Decision.objects.none(),
        widget=forms.Select(attrs={"class": "input-width-xl"}),
        help_text=_("Citizens with a granted decision for this list's service."))
    applied_on = forms.DateField(label=_("Applied on"), widget=DateInput())

    field_order = ["decision", "applied_on", "urgent", "reason"]

    def __init__(self, *args: Any, decisions: QuerySet[Decision], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = decisions  # type: ignore[attr-defined]


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why the entry leaves the list"), max_length=500, required=False,
                             widget=forms.TextInput(attrs={"class": "input-width-xl"}))
