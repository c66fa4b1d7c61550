"""Forms of the tender pages. They parse input only; the rules (what may be published, when a bid
may change, what a grade may be) are in the services, whose ValidationErrors the views put back
on these fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from frivalg.catalogue.models import Service, TimeBand
from frivalg.core.forms import DateInput
from frivalg.core.models import District
from frivalg.providers import rules as provider_rules
from frivalg.tenders.models import Bid, Criterion, EvaluationModel, Lot, PriceForm
from frivalg.tenders.services import TenderInput

TEXTAREA = {"rows": 4, "class": "input-width-xl"}

#: The volume keys of each price form (a lot's volumes and a bid's prices use the same keys): the
#: time bands, a unit, a month.
PRICE_KEYS: dict[str, tuple[tuple[str, Any], ...]] = {
    PriceForm.HOURLY_BY_BAND: tuple(TimeBand.choices),
    PriceForm.PER_UNIT: (("unit", _("unit")),),
    PriceForm.MONTHLY_FEE: (("month", _("month")),),
}
#: The unit a price is given per, by price form.
PRICE_UNITS = {PriceForm.HOURLY_BY_BAND: _("per hour"), PriceForm.PER_UNIT: _("per unit"),
               PriceForm.MONTHLY_FEE: _("per month")}
#: How many example bids the live preview takes.
PREVIEW_BIDS = 3


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker; read and shown in the current time zone (the views
    activate the municipality's)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _decimal(label: Any, *, min_value: int = 0, max_value: int | None = None, required: bool = True,
             help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=min_value, max_value=max_value, max_digits=12,
                              decimal_places=4, required=required, help_text=help_text)


class TenderForm(forms.Form):
    """The tender, its evaluation model and parameters, thresholds, deadlines, contract period and
    risk-sharing terms (editable while the tender is planned)."""

    reference = forms.CharField(label=_("Reference"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs=TEXTAREA))
    cpv_code = forms.RegexField(label=_("CPV code"), regex=r"^\d{8}-\d$", max_length=12, initial="85000000-9",
                                help_text=_("E.g. 85000000-9: health and social work services."),
                                error_messages={"invalid": _("Enter a CPV code like 85000000-9.")})
    free_choice = forms.BooleanField(label=_("The citizens choose among the winners (free choice)"),
                                     required=False, initial=True)
    evaluation_model = forms.ChoiceField(label=_("Evaluation model"), choices=EvaluationModel.choices,
                                         widget=forms.RadioSelect)
    price_weight = _decimal(_("Price weight (%)"), max_value=100,
                            help_text=_("Weighted points models: the share of the total given to price."))
    max_points = _decimal(_("Points scale (maximum points)"), min_value=1, max_value=1000, required=False,
                          help_text=_("E.g. 10 or 100. Empty: 10."))
    interval_step_percent = _decimal(_("Interval scale: one point is lost per this % above the lowest price"),
                                     min_value=0, max_value=100, required=False, help_text=_("Empty: 5."))
    interval_points_per_step = _decimal(_("Interval scale: points lost per step"), max_value=1000, required=False,
                                        help_text=_("Empty: 1."))
    surcharge_per_missing_point_percent = _decimal(
        _("Monetised quality: surcharge per missing quality point (%)"), max_value=1000, required=False,
        help_text=_("Empty: the money value of each grade point is deducted from the price instead."))
    min_quality_overall = _decimal(_("Minimum share of all quality points (%)"), max_value=100)
    min_quality_per_criterion = _decimal(_("Minimum share of each criterion's points (%)"), max_value=100)
    two_graders = forms.BooleanField(label=_("Two graders agree on each grade"), required=False)
    question_deadline = forms.DateTimeField(label=_("Questions until"), required=False, widget=DateTimeLocalInput())
    bid_deadline = forms.DateTimeField(label=_("Bids until"), required=False, widget=DateTimeLocalInput())
    standstill_days = forms.IntegerField(label=_("Standstill period (days)"), min_value=0, max_value=365,
                                         initial=10)
    contract_start = forms.DateField(label=_("Contract from"), required=False, widget=DateInput())
    contract_end = forms.DateField(label=_("Contract to"), required=False, widget=DateInput())
    option_months = forms.IntegerField(label=_("Options to extend (months)"), min_value=0, max_value=120, initial=0)
    risk_band_low_percent = forms.IntegerField(label=_("Volume band from (percent of the estimate)"), min_value=0,
                                               max_value=1000, initial=80)
    risk_band_high_percent = forms.IntegerField(label=_("Volume band to (percent of the estimate)"), min_value=0,
                                                max_value=1000, initial=120,
                                                help_text=_("Inside the band the provider bears the risk."))
    risk_rule = forms.CharField(label=_("Rule outside the volume band"), required=False,
                                widget=forms.Textarea(attrs=TEXTAREA),
                                help_text=_("E.g. re-negotiation, or an extra payment per hour above the band."))

    PARAMETERS = ("max_points", "interval_step_percent", "interval_points_per_step",
                  "surcharge_per_missing_point_percent")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("risk_band_low_percent"), data.get("risk_band_high_percent")
        if low is not None and high is not None and low > high:
            self.add_error("risk_band_high_percent", _("The band must end at or above where it starts."))
        start, end = data.get("contract_start"), data.get("contract_end")
        if start and end and end <= start:
            self.add_error("contract_end", _("The contract must end after it starts."))
        return data

    def tender_input(self) -> TenderInput:
        data = self.cleaned_data
        return TenderInput(
            model_parameters={name: data[name] for name in self.PARAMETERS if data.get(name) is not None},
            **{name: data[name] for name in self.base_fields if name not in self.PARAMETERS},
        )

    @classmethod
    def initial_of(cls, tender: Any) -> dict[str, Any]:
        initial = {name: getattr(tender, name) for name in cls.base_fields if name not in cls.PARAMETERS}
        for name in cls.PARAMETERS:
            if name in (tender.model_parameters or {}):
                initial[name] = tender.model_parameters[name]
        return initial


class LotForm(forms.Form):
    number = forms.IntegerField(label=_("Lot number"), min_value=1, max_value=999)
    title = forms.CharField(label=_("Title"), max_length=200)
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none())
    districts = forms.ModelMultipleChoiceField(label=_("Districts"), queryset=District.objects.none(),
                                               required=False, help_text=_("None: the whole municipality."))
    price_form = forms.ChoiceField(label=_("Price form"), choices=PriceForm.choices, widget=forms.RadioSelect)
    max_winners = forms.IntegerField(label=_("Most winners"), min_value=1, max_value=50, initial=1)

    def __init__(self, *args: Any, services: Any, districts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in TimeBand.choices:
            self.fields[f"volume_{key}"] = forms.IntegerField(
                label=_("Estimated hours per year: %(band)s") % {"band": label}, min_value=0, max_value=10**9,
                required=False)
        self.fields["volume_unit"] = forms.IntegerField(label=_("Estimated units per year"), min_value=0,
                                                        max_value=10**9, required=False)
        self.fields["volume_month"] = forms.IntegerField(label=_("Months per year"), min_value=0, max_value=12,
                                                         required=False)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
        self.fields["districts"].queryset = districts  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        price_form = data.get("price_form")
        if price_form:
            volumes = {key: data[f"volume_{key}"] for key, _label in PRICE_KEYS[price_form]
                       if data.get(f"volume_{key}")}
            if not volumes:
                first = PRICE_KEYS[price_form][0][0]
                self.add_error(f"volume_{first}", _("Give the estimated volume of the price form."))
            data["volumes"] = volumes
        return data

    @staticmethod
    def initial_of(lot: Lot) -> dict[str, Any]:
        initial: dict[str, Any] = {"number": lot.number, "title": lot.title, "service": lot.service,
                                   "districts": list(lot.districts.all()), "price_form": lot.price_form,
                                   "max_winners": lot.max_winners}
        for key, volume in (lot.volumes or {}).items():
            initial[f"volume_{key}"] = volume
        return initial


class CriterionForm(forms.Form):
    code = forms.RegexField(label=_("Code"), regex=r"^[A-Za-z0-9._-]{1,20}$", max_length=20,
                            help_text=_("Letters, digits, dot, dash; e.g. Q1 or Q1.2."),
                            error_messages={"invalid": _("Use letters, digits, dot and dash only.")})
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("What is assessed"), required=False, widget=forms.Textarea(attrs=TEXTAREA))
    parent = forms.ModelChoiceField(label=_("Sub-criterion of"), queryset=Criterion.objects.none(), required=False,
                                    empty_label=_("None (a main criterion)"))
    weight = _decimal(_("Weight (%)"), min_value=0, max_value=100,
                      help_text=_("Of the parent criterion (or of all quality); siblings add up to 100."))
    scale_max = forms.IntegerField(label=_("Highest grade"), min_value=1, max_value=100, initial=10,
                                   help_text=_("Grades run from 0 to this."))
    grade_descriptions = forms.CharField(
        label=_("What earns each grade"), widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("One line per grade: the grade, a colon, the description; e.g. “0: not described”. "
                    "At least the lowest and the highest grade."))
    value_per_point_minor = forms.IntegerField(label=_("Money value of one grade point (øre/öre)"), min_value=0,
                                               initial=0, required=False,
                                               help_text=_("Monetised quality only."))

    def __init__(self, *args: Any, parents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]

    def clean_grade_descriptions(self) -> dict[str, str]:
        descriptions: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["grade_descriptions"].splitlines(), start=1):
            if not line.strip():
                continue
            grade, sep, text = line.partition(":")
            if not sep or not grade.strip().isdigit() or not text.strip():
                raise forms.ValidationError(_("Line %(line)d: write the grade, a colon and the description.")
                                            % {"line": number}, code="invalid")
            descriptions[str(int(grade))] = text.strip()
        return descriptions

    @staticmethod
    def initial_of(criterion: Criterion) -> dict[str, Any]:
        return {"code": criterion.code, "name": criterion.name, "description": criterion.description,
                "parent": criterion.parent, "weight": criterion.weight, "scale_max": criterion.scale_max,
                "value_per_point_minor": criterion.value_per_point_minor,
                "grade_descriptions": "\n".join(f"{grade}: {text}" for grade, text in
                                                sorted((criterion.grade_descriptions or {}).items(),
                                                       key=lambda item: int(item[0])))}


class PreviewForm(forms.Form):
    """Example bids for the live preview: a price and a grade per leaf criterion each."""

    def __init__(self, *args: Any, leaves: list[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.leaves = leaves
        for index in range(1, PREVIEW_BIDS + 1):
            self.fields[f"b{index}_price"] = forms.IntegerField(
                label=_("Bid %(n)d: price per year (whole currency units)") % {"n": index}, min_value=1,
                max_value=10**12, required=False)
            for leaf in leaves:
                self.fields[f"b{index}_{leaf.code}"] = forms.IntegerField(
                    label=_("Bid %(n)d: grade on %(code)s (0–%(max)d)") % {"n": index, "code": leaf.code,
                                                                         "max": leaf.scale_max},
                    min_value=0, max_value=leaf.scale_max, required=False)

    def example_bids(self) -> list[tuple[str, int, dict[str, Decimal]]]:
        """The filled-in bids: (key, price in minor units, grades); missing grades count as 0."""
        bids = []
        for index in range(1, PREVIEW_BIDS + 1):
            price = self.cleaned_data.get(f"b{index}_price")
            if not price:
                continue
            grades = {leaf.code: Decimal(self.cleaned_data.get(f"b{index}_{leaf.code}") or 0) for leaf in self.leaves}
            bids.append((str(_("Bid %(n)d") % {"n": index}), price * 100, grades))
        return bids

    def rows(self) -> list[list[Any]]:
        """The fields bid by bid, for the template's table."""
        return [[self[f"b{index}_price"], *[self[f"b{index}_{leaf.code}"] for leaf in self.leaves]]
                for index in range(1, PREVIEW_BIDS + 1)]


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Your question"), max_length=4000, widget=forms.Textarea(attrs=TEXTAREA),
                           help_text=_("Questions and answers are published to every bidder without your name."))


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=8000, widget=forms.Textarea(attrs=TEXTAREA))


class DocumentField(forms.FileField):
    """At most 10 MB; the type (PDF, JPEG, PNG) is checked from the file's content by the service."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        value = super().clean(data, initial)
        if value and value.size > provider_rules.DOCUMENT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."), code="too_big")
        return value


class BidForm(forms.Form):
    """A bid on a lot: a price per key of the lot's price form (in øre/öre) and an answer per
    criterion."""

    document = DocumentField(label=_("Document (PDF, JPEG or PNG, at most 10 MB)"), required=False)

    def __init__(self, *args: Any, lot: Lot, criteria: list[Criterion], control_bid: Bid | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The price keys are the lot's volume keys, in the order of the price form.
        self.price_keys = [key for key, _label in PRICE_KEYS[lot.price_form] if key in (lot.volumes or {})]
        self.fixed_prices = control_bid is not None
        labels = dict(PRICE_KEYS[lot.price_form])
        unit = PRICE_UNITS[PriceForm(lot.price_form)]
        for key in self.price_keys:
            self.fields[f"price_{key}"] = forms.IntegerField(
                label=_("Price %(unit)s, %(key)s (øre/öre)") % {"unit": unit, "key": labels[key]},
                min_value=1, max_value=10**11, disabled=self.fixed_prices,
                help_text=_("The control bid is priced from the in-house full cost and cannot be changed.")
                if self.fixed_prices else "")
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"answer_{criterion.code}"] = forms.CharField(
                label=_("Answer to %(code)s %(name)s") % {"code": criterion.code, "name": criterion.name},
                required=False, max_length=20000, widget=forms.Textarea(attrs=TEXTAREA),
                help_text=criterion.description)
        self.order_fields([*[f"price_{k}" for k in self.price_keys], *[f"answer_{c.code}" for c in criteria],
                           "document"])

    def prices(self) -> dict[str, int]:
        """The prices given; none for the control bid, whose prices the price sheet sets."""
        if self.fixed_prices:
            return {}
        return {key: self.cleaned_data[f"price_{key}"] for key in self.price_keys}

    def answers(self) -> dict[str, str]:
        return {c.code: self.cleaned_data[f"answer_{c.code}"] for c in self.criteria
                if self.cleaned_data.get(f"answer_{c.code}")}

    @staticmethod
    def initial_of(bid: Any) -> dict[str, Any]:
        initial = {f"price_{key}": value for key, value in (bid.prices or {}).items()}
        initial.update({f"answer_{code}": text for code, text in (bid.answers or {}).items()})
        return initial


class GradeForm(forms.Form):
    """One grade per leaf criterion with its written justification."""

    consensus = forms.BooleanField(label=_("These are the consensus grades of the two graders"), required=False)

    def __init__(self, *args: Any, leaves: list[Criterion], two_graders: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.leaves = leaves
        if not two_graders:
            del self.fields["consensus"]
        for leaf in leaves:
            self.fields[f"grade_{leaf.code}"] = forms.IntegerField(
                label=_("Grade on %(code)s %(name)s (0–%(max)d)") % {"code": leaf.code, "name": leaf.name,
                                                                     "max": leaf.scale_max},
                min_value=0, max_value=leaf.scale_max, required=False)
            self.fields[f"justification_{leaf.code}"] = forms.CharField(
                label=_("Justification of the grade on %(code)s") % {"code": leaf.code}, required=False,
                max_length=8000, widget=forms.Textarea(attrs={"rows": 3, "class": "input-width-xl"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for leaf in self.leaves:
            grade, justification = data.get(f"grade_{leaf.code}"), data.get(f"justification_{leaf.code}")
            if grade is not None and not justification:
                self.add_error(f"justification_{leaf.code}", _("Justify the grade in writing."))
            if grade is None and justification and f"grade_{leaf.code}" not in self.errors:
                self.add_error(f"grade_{leaf.code}", _("Give the grade you justify."))
        return data

    def grades(self) -> list[tuple[Criterion, int, str]]:
        return [(leaf, self.cleaned_data[f"grade_{leaf.code}"], self.cleaned_data[f"justification_{leaf.code}"])
                for leaf in self.leaves if self.cleaned_data.get(f"grade_{leaf.code}") is not None]


class AwardForm(forms.Form):
    winners = forms.MultipleChoiceField(label=_("Winning bids"), widget=forms.CheckboxSelectMultiple)
    reasons = forms.CharField(label=_("Reasons for the decision"), max_length=20000,
                              widget=forms.Textarea(attrs=TEXTAREA),
                              help_text=_("Shown to every bidder in the award letter."))

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["winners"].choices = choices  # type: ignore[attr-defined]
