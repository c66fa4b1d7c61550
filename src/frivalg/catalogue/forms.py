"""Finance's forms for the rate table: a CSV or Excel upload, the municipality's time bands and a
service's voucher design."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from frivalg.catalogue.models import CrossingRule, ExtraDayBand, PaymentBasis, Service, VoucherDesign
from frivalg.catalogue.rules import DEFAULT_SCHEME, price_to_minor
from frivalg.core.forms import DateInput

_EXTRA_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})\s+(.+?)(?:\s+\((holiday|major)\))?$")


class RateImportForm(forms.Form):
    file = forms.FileField(
        label=_("Rate table (CSV or Excel)"),
        help_text=_(
            "Columns service_code, time_band, area, provider_kind, unit, price, valid_from, valid_to – "
            "as the download. CSV comma or semicolon separated, UTF-8; or an Excel workbook (.xlsx), "
            "first sheet."
        ),
    )


class RatesOnForm(forms.Form):
    on = forms.DateField(label=_("In force on"), required=False, widget=DateInput())


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


class TimeBandSchemeForm(forms.Form):
    day_start = forms.TimeField(label=_("Daytime starts"), widget=TimeInput(), initial=DEFAULT_SCHEME.day_start)
    day_end = forms.TimeField(label=_("Daytime ends"), widget=TimeInput(), initial=DEFAULT_SCHEME.evening_start)
    evening_start = forms.TimeField(label=_("Evening starts"), widget=TimeInput(), initial=DEFAULT_SCHEME.evening_start)
    evening_end = forms.TimeField(label=_("Evening ends"), widget=TimeInput(), initial=DEFAULT_SCHEME.night_start)
    night_start = forms.TimeField(label=_("Night starts"), widget=TimeInput(), initial=DEFAULT_SCHEME.night_start)
    night_end = forms.TimeField(label=_("Night ends"), widget=TimeInput(), initial=DEFAULT_SCHEME.day_start)
    split_weekend = forms.BooleanField(
        label=_("Price Saturday and Sunday apart"),
        required=False,
        help_text=_("Without a Saturday or Sunday price the weekend price applies."),
    )
    crossing_rule = forms.ChoiceField(
        label=_("A visit crossing a band boundary"),
        choices=CrossingRule.choices,
        initial=CrossingRule.START,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "Split prices each part of the visit in its own band; start prices the whole visit in the band "
            "where it is planned to start; majority in the band with the most minutes (a tie goes to the start)."
        ),
    )
    extra_days = forms.CharField(
        label=_("Extra days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One a line as day-month name, optionally (major) for a major holiday: "
            "'24-12 Christmas Eve' or '25-12 Christmas Day (major)'."
        ),
    )

    def clean_crossing_rule(self) -> str:
        """Not chosen: the default, the band where the visit starts."""
        return str(self.cleaned_data["crossing_rule"] or CrossingRule.START)

    def clean_extra_days(self) -> list[tuple[int, int, str, str]]:
        days: list[tuple[int, int, str, str]] = []
        for number, line in enumerate(self.cleaned_data["extra_days"].splitlines(), start=1):
            if not line.strip():
                continue
            match = _EXTRA_DAY.match(line.strip())
            if match is None:
                raise forms.ValidationError(
                    _("Line %(line)s: write day-month and a name, e.g. '24-12 Christmas Eve'.") % {"line": number}
                )
            band = match.group(4) or ExtraDayBand.HOLIDAY.value
            days.append((int(match.group(2)), int(match.group(1)), match.group(3).strip(), band))
        return days


def extra_days_text(days: list[tuple[int, int, str, str]]) -> str:
    """The textarea form of stored extra days (month, day, name, band)."""
    return "\n".join(
        f"{day:02d}-{month:02d} {name}" + (" (major)" if band == ExtraDayBand.MAJOR_HOLIDAY else "")
        for month, day, name, band in days
    )


def scheme_initial(stored: Any) -> dict[str, time | bool | str]:
    """Initial form values from a stored catalogue.models.TimeBandScheme."""
    return {
        "day_start": stored.day_start,
        "day_end": stored.day_end,
        "evening_start": stored.evening_start,
        "evening_end": stored.evening_end,
        "night_start": stored.night_start,
        "night_end": stored.night_end,
        "split_weekend": stored.split_weekend,
        "crossing_rule": stored.crossing_rule,
        "extra_days": extra_days_text([(e.month, e.day, e.name, e.band) for e in stored.extra_days.all()]),
    }


class ServiceDesignForm(forms.Form):
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        to_field_name="public_id",
        empty_label=_("Choose a service"),
    )
    voucher_design = forms.ChoiceField(label=_("Voucher design"), choices=VoucherDesign.choices)
    payment_basis = forms.ChoiceField(label=_("Payment basis"), choices=PaymentBasis.choices)
    cash_amount = forms.CharField(
        label=_("Monthly cash amount"),
        required=False,
        max_length=20,
        help_text=_("In kroner/kronor per month, at most two decimals; only for a cash voucher, empty otherwise."),
    )

    def clean_cash_amount(self) -> int | None:
        """The amount in øre/öre, read like a price in the rate table ('3500,50' or '3500.50')."""
        text = self.cleaned_data["cash_amount"].strip()
        if not text:
            return None
        try:
            return price_to_minor(text)
        except ValueError as error:
            messages = {
                "negative": _("The amount cannot be negative."),
                "too_many_decimals": _("At most two decimals."),
            }
            raise forms.ValidationError(messages.get(str(error), _("Not a number."))) from None

    def __init__(self, *args: Any, services: QuerySet[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]

    def design(self) -> dict[str, Any]:
        """The arguments of catalogue.services.service_design_set (the amount in øre/öre)."""
        return {
            "service": self.cleaned_data["service"],
            "voucher_design": self.cleaned_data["voucher_design"],
            "payment_basis": self.cleaned_data["payment_basis"],
            "cash_amount_minor": self.cleaned_data["cash_amount"],
        }
