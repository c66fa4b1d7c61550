"""Finance's forms: import a cost model file; run an after-calculation with delivered hours (CSV)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from frivalg.core.forms import DateInput
from frivalg.pricing import rules
from frivalg.pricing.documents import DocumentError, load_document
from frivalg.pricing.models import CostModel, DeliverySource, Direction, PriceSheet

MAX_BYTES = 2_000_000


class CostModelImportForm(forms.Form):
    file = forms.FileField(label=_("Cost model file"), required=False,
                           help_text=_("YAML or JSON, as described in the documentation."))
    text = forms.CharField(label=_("… or paste the model here"), required=False, max_length=MAX_BYTES,
                           widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
                           help_text=_("The same YAML or JSON as in a file."))
    name = forms.CharField(label=_("Name"), required=False, max_length=200,
                           help_text=_("What this version is, e.g. “budget 2025” or “accounts 2025”."))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload is None:
            return None
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from error
        return _parse(text, upload.name or "")

    def clean_text(self) -> Any:
        text = self.cleaned_data["text"]
        return _parse(text, "") if text.strip() else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        if cleaned.get("file") is None and cleaned.get("text") is None:
            raise forms.ValidationError(_("Choose a file or paste the model."))
        if cleaned.get("file") is not None and cleaned.get("text") is not None:
            raise forms.ValidationError(_("Choose a file or paste the model, not both."))
        cleaned["document"] = cleaned["file"] if cleaned.get("file") is not None else cleaned["text"]
        return cleaned


def _parse(text: str, name: str) -> Any:
    try:
        return load_document(text, name)
    except DocumentError as error:
        message = _("The file is not valid YAML or JSON: %(error)s") % {"error": error}
        raise forms.ValidationError(message) from error

DELIVERY_COLUMNS = ("provider", "service", "time_band", "hours")
_YES = {"1", "true", "yes", "ja", "private"}
_NO = {"0", "false", "no", "nej", "in_house", ""}


def parse_deliveries(text: str) -> list[rules.Delivery]:
    """CSV with the header provider,service,time_band,hours (comma or semicolon; a `private` column
    is accepted and ignored: the provider's kind decides)."""
    header = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if header.count(";") > header.count(",") else ",")
    missing = [c for c in DELIVERY_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise forms.ValidationError(_("The file lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)})
    deliveries: list[rules.Delivery] = []
    for number, row in enumerate(reader, start=2):
        private = (row.get("private") or "").strip().lower()
        if private not in _YES | _NO:
            raise forms.ValidationError(_("Line %(line)s: “private” must be yes or no.") % {"line": number})
        try:
            hours = Decimal((row["hours"] or "").strip().replace(",", "."))
        except InvalidOperation as error:
            raise forms.ValidationError(_("Line %(line)s: hours must be a number.") % {"line": number}) from error
        if not hours.is_finite() or hours < 0:
            raise forms.ValidationError(_("Line %(line)s: hours must not be negative.") % {"line": number})
        deliveries.append(rules.Delivery((row["provider"] or "").strip(), private in _YES,
                                         (row["service"] or "").strip(), (row["time_band"] or "").strip(), hours))
    if not deliveries:
        raise forms.ValidationError(_("The file has no delivered hours."))
    return deliveries


class AfterCalculationForm(forms.Form):
    price_sheet = forms.ModelChoiceField(label=_("Published price sheet (the set prices)"),
                                         queryset=PriceSheet.objects.none(), to_field_name="public_id")
    actual_cost_model = forms.ModelChoiceField(label=_("Cost model with the year's actual accounts"),
                                               queryset=CostModel.objects.none(), to_field_name="public_id")
    direction = forms.ChoiceField(label=_("Settle"), choices=Direction.choices, initial=Direction.BOTH_WAYS)
    source = forms.ChoiceField(label=_("Delivered hours from"), choices=DeliverySource.choices,
                               initial=DeliverySource.VISITS, widget=forms.RadioSelect)
    deliveries = forms.FileField(label=_("Delivered hours per provider (CSV)"), required=False,
                                 help_text=_("Only for hours from a file. Columns: provider (name, organisation "
                                             "number or id), service, time_band, hours."))

    def __init__(self, *args: Any, sheets: QuerySet[PriceSheet], cost_models: QuerySet[CostModel],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["price_sheet"].queryset = sheets  # type: ignore[attr-defined]
        self.fields["actual_cost_model"].queryset = cost_models  # type: ignore[attr-defined]

    def clean_deliveries(self) -> list[rules.Delivery] | None:
        upload = self.cleaned_data["deliveries"]
        if upload is None:
            return None
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from error
        return parse_deliveries(text)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("source") == DeliverySource.FILE and cleaned.get("deliveries") is None \
                and "deliveries" not in self.errors:
            self.add_error("deliveries", _("Choose the file of delivered hours."))
        if cleaned.get("source") == DeliverySource.VISITS:
            cleaned["deliveries"] = None
        return cleaned


class PublishForm(forms.Form):
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DateInput(),
                                 help_text=_("Empty: 1 January of the model's year."))
    update_catalogue = forms.BooleanField(
        label=_("Update the catalogue's rates"), required=False, initial=True,
        help_text=_("Each line whose service and time band are in the catalogue becomes its rate per hour "
                    "from this date (in-house, private and non-profit)."))
