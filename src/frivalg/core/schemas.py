"""Shapes shared by every app's JSON API: the one error shape, bounded input types (so bad
input is a field error, never a database error), pagination, and the core read models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import AfterValidator, AwareDatetime, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

#: Dates and times outside these years are typing mistakes, and some would overflow the database.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2999


class FieldError(Schema):
    field: str | None = Field(
        None, description="The input field at fault, dotted for nested input (`rows.3.planned_start`); "
        "null when the error concerns the request as a whole."
    )
    message: str = Field(..., description="What is wrong, in the language asked for (Accept-Language).")
    code: str = Field(..., description="A stable code for programs, e.g. `missing`, `invalid`, `not_found`.")


class ErrorOut(Schema):
    """Every 4xx answer of the API has this shape."""

    detail: list[FieldError]


#: The answers every authenticated endpoint may give besides its success.
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _without_null_characters(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise PydanticCustomError("null_characters", _("Null characters are not allowed."))
    if isinstance(value, dict):
        for key, item in value.items():
            _without_null_characters(key)
            _without_null_characters(item)
    if isinstance(value, list | tuple):
        for item in value:
            _without_null_characters(item)
    return value


class QueryInput(Schema):
    """Query parameters: strings may not hold NUL characters (the database refuses them)."""

    @field_validator("*")
    @classmethod
    def _no_null_characters(cls, value: Any) -> Any:
        return _without_null_characters(value)


class Input(QueryInput):
    """A request body: strings are stripped and may not hold NUL characters; unknown fields are
    refused rather than silently ignored."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")


def _date_in_range(value: date) -> date:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise PydanticCustomError(
            "date_out_of_range",
            _("Enter a date between the years %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
        )
    return value


def _datetime_in_range(value: datetime) -> datetime:
    _date_in_range(value.date())
    return value


#: A calendar date within sensible years.
Day = Annotated[date, AfterValidator(_date_in_range)]
#: A moment with its UTC offset (ISO 8601), within sensible years.
Moment = Annotated[AwareDatetime, AfterValidator(_datetime_in_range)]


class Pagination(LimitOffsetPagination):
    """`limit`/`offset`, bounded; the answer is `{"items": [...], "count": n}`."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=500, description="At most this many items (1–500).")
        offset: int = Field(0, ge=0, le=10_000_000, description="Skip this many items.")


class Ref(Schema):
    """A reference to another object by its public id."""

    id: UUID


class MunicipalityOut(Schema):
    id: UUID
    code: str
    name: str
    country: str
    currency: str
    time_zone: str

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]


class DistrictOut(Schema):
    code: str
    name: str
    kind: str
