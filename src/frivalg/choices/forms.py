"""Forms of the choice pages: choose/switch, rate, complain, end a client relationship, the
municipality's default rule and a complaint's outcome. Validation of meaning is in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from frivalg.choices.models import ComplaintOutcome, DefaultRule, TerminationReason

SCORES = [(5, _("5 – agree completely")), (4, _("4 – agree")), (3, _("3 – neither")), (2, _("2 – disagree")),
          (1, _("1 – disagree completely"))]


class ChooseProviderForm(forms.Form):
    provider = forms.UUIDField(widget=forms.HiddenInput)


class SwitchConfirmForm(forms.Form):
    provider = forms.UUIDField(widget=forms.HiddenInput)
    confirm = forms.CharField(widget=forms.HiddenInput, initial="1")
    reason = forms.CharField(
        label=_("Why do you want to switch?"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("You do not have to give a reason. It helps the municipality follow up on the providers."))


class RatingForm(forms.Form):
    choice = forms.TypedChoiceField(label=_("Which provider do you rate?"), coerce=str)
    respect = forms.TypedChoiceField(label=_("The staff treat me with respect"), choices=SCORES, coerce=int,
                                     widget=forms.RadioSelect)
    on_time = forms.TypedChoiceField(label=_("The staff come at the agreed time"), choices=SCORES, coerce=int,
                                     widget=forms.RadioSelect)
    same_people = forms.TypedChoiceField(label=_("I see the same staff most of the time"), choices=SCORES,
                                         coerce=int, widget=forms.RadioSelect)
    overall = forms.TypedChoiceField(label=_("Overall, I am satisfied with the help"), choices=SCORES, coerce=int,
                                     widget=forms.RadioSelect)

    def __init__(self, *args: object, providers: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["choice"].choices = providers  # type: ignore[attr-defined]


class ComplaintForm(forms.Form):
    choice = forms.TypedChoiceField(label=_("Which provider is the complaint about?"), coerce=str)
    text = forms.CharField(label=_("What is the complaint about?"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=_("Write what happened and when. The municipality answers you."))

    def __init__(self, *args: object, providers: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["choice"].choices = providers  # type: ignore[attr-defined]


class TerminationForm(forms.Form):
    reason_code = forms.ChoiceField(label=_("Reason"), choices=TerminationReason.choices, widget=forms.RadioSelect)
    explanation = forms.CharField(label=_("Explanation"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("The municipality and the citizen read this."))
    notice_days = forms.IntegerField(label=_("Notice (days)"), min_value=0, max_value=365)


class DefaultRuleForm(forms.Form):
    rule = forms.ChoiceField(label=_("Default rule"), choices=DefaultRule.choices, widget=forms.RadioSelect,
                             help_text=_("How a provider is assigned when a citizen does not choose in time."))
    choice_deadline_days = forms.IntegerField(label=_("Days to choose"), min_value=0, max_value=365)
    switch_notice_days = forms.IntegerField(label=_("Notice of a switch (days)"), min_value=0, max_value=365)


class ComplaintOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ComplaintOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Explanation"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))
