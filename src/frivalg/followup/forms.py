"""Forms of the follow-up pages: the month of the key figures, the filters of the dashboards and
indicator pages (period, unit, breakdown), a task of the competition task list and the upload of
other municipalities' key figures."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from frivalg.catalogue.models import Service
from frivalg.core.forms import DateInput
from frivalg.core.models import District
from frivalg.core.periods import Period
from frivalg.providers.models import Provider
from frivalg.settlements.forms import MonthInput

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

#: The longest period the pages compute at once.
MAX_MONTHS = 60

#: `by` values of the filter form: "" breaks each indicator down as its chart needs.
AUTO = ""
NONE = "none"


def _month(value: str) -> Period | None:
    match = _MONTH.match(value.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        return None
    return Period.month(int(match.group(1)), int(match.group(2)))


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


class MonthForm(forms.Form):
    month = forms.CharField(label=_("Month"), widget=MonthInput(), help_text=_("Year and month, e.g. 2026-01."))

    def clean_month(self) -> Period:
        match = _MONTH.match(self.cleaned_data["month"].strip())
        if match is None or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 2999:
            raise forms.ValidationError(_("Give the month as year and month, e.g. 2026-01."))
        return Period.month(int(match.group(1)), int(match.group(2)))


def last_full_months(today: date, months: int = 12) -> Period:
    """The `months` full months before the month of `today`."""
    end = date(today.year, today.month, 1)
    index = end.year * 12 + end.month - 1 - months
    return Period(date(index // 12, index % 12 + 1, 1), end)


class FilterForm(forms.Form):
    """Period (whole months, both included), one district, service or provider, and the
    breakdown. Unbound or partly filled, it falls back to the last 12 full months."""

    start = forms.CharField(label=_("From month"), required=False, widget=MonthInput(attrs={"placeholder": "2026-01"}),
                            help_text=_("Year and month, e.g. 2026-01."))
    end = forms.CharField(label=_("To month"), required=False, widget=MonthInput(attrs={"placeholder": "2026-12"}),
                          help_text=_("Included."))
    district = forms.ModelChoiceField(label=_("District"), queryset=District.objects.none(), required=False,
                                      to_field_name="code", empty_label=_("All districts"))
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none(), required=False,
                                     to_field_name="public_id", empty_label=_("All services"))
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Provider.objects.none(), required=False,
                                      to_field_name="public_id", empty_label=_("All providers"))
    by = forms.ChoiceField(label=_("Break down by"), required=False, choices=[
        (AUTO, _("As each chart shows")),
        (NONE, _("No breakdown")),
        ("district", _("District")),
        ("service", _("Service")),
        ("provider", _("Provider")),
        ("month", _("Month")),
    ])

    def __init__(self, data: Any = None, *, today: date, districts: QuerySet[District],
                 services: QuerySet[Service], providers: QuerySet[Provider]) -> None:
        super().__init__(data)
        self.default_period = last_full_months(today)
        self.fields["district"].queryset = districts.order_by("name")  # type: ignore[attr-defined]
        self.fields["service"].queryset = services.order_by("name")  # type: ignore[attr-defined]
        self.fields["provider"].queryset = providers.order_by("name")  # type: ignore[attr-defined]
        last = date.fromordinal(self.default_period.end.toordinal() - 1)
        self.fields["start"].widget.attrs["placeholder"] = f"{self.default_period.start:%Y-%m}"
        self.fields["end"].widget.attrs["placeholder"] = f"{last:%Y-%m}"

    def _clean_month(self, name: str) -> Period | None:
        value = self.cleaned_data.get(name) or ""
        if not value.strip():
            return None
        period = _month(value)
        if period is None:
            raise forms.ValidationError(_("Give the month as year and month, e.g. 2026-01."))
        return period

    def clean_start(self) -> Period | None:
        return self._clean_month("start")

    def clean_end(self) -> Period | None:
        return self._clean_month("end")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None
        first, last = data.get("start"), data.get("end")
        if "start" in self.errors or "end" in self.errors:
            return data
        start = first.start if first is not None else self.default_period.start
        end = last.end if last is not None else self.default_period.end
        if first is not None and last is None and end <= start:
            end = Period.month_of(start).end
        if end <= start:
            self.add_error("end", _("The last month cannot be before the first."))
        elif months_between(start, end) > MAX_MONTHS:
            self.add_error("end", _("Choose at most %(n)s months.") % {"n": MAX_MONTHS})
        else:
            data["period"] = Period(start, end)
        return data

    def filters(self) -> dict[str, Any]:
        """The valid filters (or the defaults): period, district_id, service_id, provider_id, by."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "period": data.get("period", self.default_period),
            "district_id": data["district"].pk if data.get("district") else None,
            "service_id": data["service"].pk if data.get("service") else None,
            "provider_id": data["provider"].pk if data.get("provider") else None,
            "by": data.get("by") or AUTO,
        }


class CompetitionTaskForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40, help_text=_("Short and unique, e.g. PH-1."))
    name = forms.CharField(label=_("Name"), max_length=160)
    services = forms.ModelMultipleChoiceField(label=_("Services"), queryset=Service.objects.none(),
                                              widget=forms.CheckboxSelectMultiple, to_field_name="public_id")
    exposable = forms.BooleanField(label=_("Could be exposed to competition"), required=False)
    exposed_on = forms.DateField(label=_("Exposed to competition from"), required=False, widget=DateInput(),
                                 help_text=_("By free choice of provider or a tender."))
    in_house_won_on = forms.DateField(label=_("Won by the in-house unit in competition on"), required=False,
                                      widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=2000)

    def __init__(self, *args: Any, services: QuerySet[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = services.order_by("name")  # type: ignore[attr-defined]


class BenchmarkImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_(
        "Columns municipality_code, municipality_name, year, indicator, value; separated by ; or ,; "
        "UTF-8. A decimal comma is allowed."))
    source = forms.CharField(label=_("Source"), max_length=300,
                             help_text=_("Where the figures come from, e.g. the publication and its date."))

    MAX_BYTES = 2_000_000

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 2 MB)."))
        return upload
