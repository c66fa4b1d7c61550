"""Forms of the approval pages. They parse input only; the rules are in the services, whose
ValidationErrors the views put back on these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frivalg.catalogue.models import Service
from frivalg.core.forms import DateInput
from frivalg.core.models import District
from frivalg.providers import rules
from frivalg.providers.models import RequirementKind, RequirementOutcome

TEXTAREA = {"rows": 4, "class": "input-width-xl"}


class DocumentField(forms.FileField):
    """At most 10 MB; the type (PDF, JPEG, PNG) is checked from the file's content by the service."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        value = super().clean(data, initial)
        if value and value.size > rules.DOCUMENT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."), code="too_big")
        return value


class RequirementForm(forms.Form):
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none(), required=False,
                                     empty_label=_("All services"))
    code = forms.CharField(label=_("Code"), max_length=20,
                           help_text=_("Use the code of a published requirement to publish a new version of it."))
    title = forms.CharField(label=_("Title"), max_length=160)
    description = forms.CharField(label=_("Description in plain language"), widget=forms.Textarea(attrs=TEXTAREA))
    kind = forms.ChoiceField(label=_("Kind"), choices=RequirementKind.choices)
    document_required = forms.BooleanField(label=_("The provider must upload a document"), required=False)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())

    def __init__(self, *args: Any, services: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("valid_from", timezone.localdate())
        super().__init__(*args, **kwargs)
        if services is not None:
            self.fields["service"].queryset = services  # type: ignore[attr-defined]


class ApplicationForm(forms.Form):
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none())
    capacity = forms.IntegerField(label=_("Capacity offered (clients)"), min_value=1, required=False)
    districts = forms.ModelMultipleChoiceField(label=_("Districts you will serve"), queryset=District.objects.none(),
                                               required=False)
    languages = forms.CharField(label=_("Languages offered"), required=False, max_length=100,
                                help_text=_("Language codes separated by commas, e.g. da, en, ar."))

    def __init__(self, *args: Any, services: Any, districts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
        self.fields["districts"].queryset = districts  # type: ignore[attr-defined]

    def clean_languages(self) -> list[str]:
        return [code.strip().lower() for code in self.cleaned_data["languages"].split(",") if code.strip()]


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Your answer"), required=False, widget=forms.Textarea(attrs=TEXTAREA))
    document = DocumentField(label=_("Document (PDF, JPEG or PNG, at most 10 MB)"), required=False)


class AssessForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Assessment"),
        choices=[(v, label) for v, label in RequirementOutcome.choices if v != RequirementOutcome.PENDING],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note to the provider"), required=False, widget=forms.Textarea(attrs=TEXTAREA),
                           help_text=_("Required when the requirement is not met or more is needed."))


class DecideForm(forms.Form):
    status = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("approved", _("Approve")), ("rejected", _("Reject")),
        ("suspended", _("Suspend")), ("terminated", _("Terminate")),
    ])
    reason = forms.CharField(label=_("Reasons"), required=False, widget=forms.Textarea(attrs=TEXTAREA),
                             help_text=_("Required for a rejection, suspension or termination."))
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DateInput())
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DateInput())


class RenewForm(forms.Form):
    valid_to = forms.DateField(label=_("New end of the approval"), required=False, widget=DateInput(),
                               help_text=_("Empty: until further notice."))


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(label=_("Capacity (clients)"), min_value=1, required=False,
                                  help_text=_("Empty: no fixed limit."))
    accepting_new_clients = forms.BooleanField(label=_("We accept new clients"), required=False)


class NoticeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for leaving"), widget=forms.Textarea(attrs=TEXTAREA))
    notice_months = forms.IntegerField(label=_("Notice period (months)"), min_value=0, max_value=24,
                                       initial=rules.DEFAULT_NOTICE_MONTHS)
