"""Form helpers shared by every page: a service's ValidationError becomes field errors."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def add_service_errors(form: forms.Form, error: ValidationError, field_map: Mapping[str, str] | None = None) -> None:
    """Attach the messages of a service's ValidationError({field: message}) to the form: to the
    field of the same name (or the one `field_map` names), otherwise to the whole form (map a
    key to "__all__" to say so explicitly)."""
    field_map = field_map or {}
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for key, errors in error.error_dict.items():
        name = field_map.get(key, key)
        target = name if name in form.fields else None
        for item in errors:
            for message in item.messages:
                form.add_error(target, message)


class DateInput(forms.DateInput):
    """The browser's date picker, ISO date values."""

    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search by name, address or national id number"), required=False, max_length=100)
