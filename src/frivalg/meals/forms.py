"""Forms of the meal pages. Money is entered in kroner/kronor with øre and stored in minor units."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from frivalg.core.forms import TimeInput
from frivalg.meals.models import Allergen, Diet, Dish, PaymentMode

WEEKDAYS = [(1, _("Monday")), (2, _("Tuesday")), (3, _("Wednesday")), (4, _("Thursday")), (5, _("Friday")),
            (6, _("Saturday")), (7, _("Sunday"))]


def to_minor(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


class AmountField(forms.DecimalField):
    """An amount in kroner with at most two decimals, from 0 up to 100,000."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", Decimal(100_000))
        super().__init__(max_digits=8, decimal_places=2, **kwargs)


class MenuFilterForm(forms.Form):
    week = forms.ChoiceField(label=_("Week"), choices=[("this", _("This week")), ("next", _("Next week"))],
                             required=False, widget=forms.RadioSelect)
    diet = forms.ChoiceField(label=_("Diet"), choices=[("", _("Any diet")), *Diet.choices], required=False)
    without = forms.MultipleChoiceField(label=_("Leave out dishes with"), choices=Allergen.choices, required=False,
                                        widget=forms.CheckboxSelectMultiple)


class OrderForm(forms.Form):
    """One quantity per dish of the menu, for one delivery day."""

    def __init__(self, *args: Any, dishes: list[Dish], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dishes = dishes
        for dish in dishes:
            self.fields[f"dish_{dish.public_id}"] = forms.IntegerField(
                label=dish.name, min_value=0, max_value=20, required=False, initial=0,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def lines(self) -> list[tuple[Dish, int]]:
        return [(dish, self.cleaned_data.get(f"dish_{dish.public_id}") or 0) for dish in self.dishes]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not any(quantity for _dish, quantity in self.lines()):
            raise ValidationError(_("Order at least one meal."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class MenuForm(forms.Form):
    service: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Meal service"), queryset=None, empty_label=None)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2999)
    week = forms.IntegerField(label=_("Week number"), min_value=1, max_value=53)
    delivery_weekdays = forms.TypedMultipleChoiceField(label=_("Delivery days"), choices=WEEKDAYS, coerce=int,
                                                       widget=forms.CheckboxSelectMultiple)
    delivery_time = forms.TimeField(label=_("Delivery time"), initial=time(11, 0), widget=TimeInput())
    deadline_days_before = forms.IntegerField(label=_("Order deadline: days before delivery"), min_value=0,
                                              max_value=14, initial=2)
    deadline_time = forms.TimeField(label=_("Order deadline: time of day"), initial=time(12, 0), widget=TimeInput())
    districts: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Districts you deliver to"), queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, services: Any, districts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
        self.fields["districts"].queryset = districts  # type: ignore[attr-defined]


class DishForm(forms.Form):
    name = forms.CharField(label=_("Name of the dish"), max_length=120)
    description = forms.CharField(label=_("Description"), required=False, max_length=1000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    price = AmountField(label=_("Price per meal"), help_text=_("In kroner, e.g. 55.00"))
    allergens = forms.MultipleChoiceField(label=_("Allergens"), choices=Allergen.choices, required=False,
                                          widget=forms.CheckboxSelectMultiple)
    diets = forms.MultipleChoiceField(label=_("Suitable for"), choices=Diet.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)


class PaymentRuleForm(forms.Form):
    mode = forms.ChoiceField(label=_("What the municipality pays of each meal"), choices=PaymentMode.choices,
                             widget=forms.RadioSelect)
    amount = AmountField(label=_("Amount per meal"), required=False,
                         help_text=_("In kroner. The citizen pays the rest of the dish's price."))


class MonthForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2999)
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)
