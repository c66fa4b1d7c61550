"""Request and response shapes of visits in the JSON API, and reading a bulk import from JSON,
a CSV body or an uploaded CSV file into the rows `visits.services.visit_import` validates."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import pydantic
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic_core import PydanticCustomError

from frivalg.core.schemas import Day, FieldError, Input, Moment, QueryInput
from frivalg.providers.schemas import ProviderRef
from frivalg.visits.rules import IMPORT_FIELDS

#: More rows than this in one request are refused: send them in batches.
MAX_IMPORT_ROWS = 20_000


class VisitOut(Schema):
    id: UUID
    decision: UUID
    citizen: UUID
    service: UUID
    provider: ProviderRef
    caregiver: str | None = Field(..., description="The caregiver's pseudonym.")
    planned_start: datetime
    planned_end: datetime
    actual_start: datetime | None = Field(..., description="Checked in.")
    actual_end: datetime | None = Field(..., description="Checked out.")
    check_in_method: str
    check_out_method: str
    status: str
    cancelled_at: datetime | None
    tasks: list[str]
    note: str
    source_system: str
    external_id: str

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_decision(obj: Any) -> UUID:
        return obj.decision.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_citizen(obj: Any) -> UUID:
        return obj.citizen.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_service(obj: Any) -> UUID:
        return obj.service.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_caregiver(obj: Any) -> str | None:
        return obj.caregiver.pseudonym if obj.caregiver_id else None


class VisitFilter(Schema):
    start: Day | None = Field(None, alias="from", description="From this day (inclusive).")
    end: Day | None = Field(None, alias="to", description="To this day (inclusive).")
    citizen: UUID | None = None

    @pydantic.field_validator("end")
    @classmethod
    def _end_after_start(cls, end: date | None, info: pydantic.ValidationInfo) -> date | None:
        start = info.data.get("start")
        if start is not None and end is not None and end < start:
            raise PydanticCustomError("end_before_start", _("The end must be on or after the start."))
        return end


class VisitPlanIn(Input):
    decision: UUID
    planned_start: Moment
    planned_end: Moment
    caregiver: str | None = Field(None, max_length=40, description="The pseudonym of your caregiver.")
    tasks: list[Annotated[str, Field(max_length=80)]] = Field([], max_length=50, description="FSIII codes.")


CheckMethodIn = Literal["app", "phone", "manual"]


class CheckIn(Input):
    at: Moment | None = Field(None, description="When; now if left out.")
    method: CheckMethodIn = "app"


class CancelIn(Input):
    by: Literal["citizen", "provider"]
    at: Moment | None = Field(None, description="When the cancellation was given; now if left out.")
    note: str = Field("", max_length=2000)


class MissedIn(Input):
    note: str = Field("", max_length=2000)


RowValue = str | int | float | bool | None | list[str]


class ImportOptions(QueryInput):
    """For a CSV body or upload, which has no room for them: the JSON body carries its own."""

    source_system: str | None = Field(None, max_length=60, description="The system the rows come from.")
    provider: UUID | None = Field(None, description="Needed only if you work for several providers.")


class VisitImportIn(Input):
    source_system: str = Field(..., min_length=1, max_length=60, description="The system the rows come from.")
    provider: UUID | None = Field(None, description="Needed only by people who work for several providers.")
    rows: list[dict[Annotated[str, Field(max_length=80)], RowValue]] = Field(
        ..., max_length=MAX_IMPORT_ROWS,
        description="One object per visit with the columns: " + ", ".join(IMPORT_FIELDS) + ". "
        "Times are ISO 8601; "
        "without an offset they are local time of the municipality. `external_id` identifies the visit in "
        "your system: importing it again updates the visit.",
    )


class RejectedRowOut(Schema):
    row: int = Field(..., description="1-based, as a person counts the rows (a CSV header is not counted).")
    line: int | None = Field(None, description="For CSV: the line in the file.")
    field: str
    reason: str
    data: dict[str, str]


class VisitImportOut(Schema):
    created: int
    updated: int
    rejected_rows: int = Field(..., description="Rows not stored; `rejected` lists every reason.")
    rejected: list[RejectedRowOut]


class VisitImportErrorOut(Schema):
    """The error shape. When the rows were read but none could be stored, the import's answer
    comes with it; for a request that could not be read, only `detail`."""

    detail: list[FieldError]
    created: int | None = None
    updated: int | None = None
    rejected_rows: int | None = None
    rejected: list[RejectedRowOut] | None = None


IMPORT_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": VisitImportIn.model_json_schema()},
        "text/csv": {
            "schema": {"type": "string"},
            "example": "external_id,decision,planned_start,planned_end,status,actual_start,actual_end\n"
                       "A-1,<decision id>,2026-03-02T08:00,2026-03-02T08:45,done,2026-03-02T08:03,"
                       "2026-03-02T08:41\n",
        },
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "CSV (UTF-8, `,` or `;`)."},
                    "source_system": {"type": "string", "maxLength": 60},
                },
                "required": ["file"],
            },
        },
    },
}


@dataclass(frozen=True)
class ImportBatch:
    source_system: str
    provider: UUID | None
    rows: list[dict[str, str]]
    lines: list[int] | None  # the CSV line of each row


def _cell(value: RowValue) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def _from_json(body: bytes) -> VisitImportIn:
    try:
        data = json.loads(body or b"{}")
    except ValueError as exc:
        raise HttpError(400, "Cannot parse request body") from exc
    try:
        return VisitImportIn.model_validate(data)
    except pydantic.ValidationError as exc:
        raise NinjaValidationError([
            {**err, "loc": ("body", "payload", *err["loc"])} for err in exc.errors(include_url=False)
        ]) from exc


def _from_csv(content: bytes) -> tuple[list[dict[str, str]], list[int]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = _("The file is not UTF-8 text.")
        raise ValidationError({"file": ValidationError(message, code="encoding")}) from exc
    if "\x00" in text:
        message = _("Null characters are not allowed.")
        raise ValidationError({"file": ValidationError(message, code="null_characters")})
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, restkey="(extra columns)")
    rows, lines = [], []
    try:
        for raw in reader:
            rows.append({str(key).strip(): "" if value is None else str(value) for key, value in raw.items()})
            lines.append(reader.line_num)
            if len(rows) > MAX_IMPORT_ROWS:
                break
    except csv.Error as exc:
        message = _("The file is not valid CSV (line %(line)s).") % {"line": reader.line_num}
        raise ValidationError({"file": ValidationError(message, code="csv")}) from exc
    return rows, lines


def read_import(request: HttpRequest, *, source_system: str | None, provider: UUID | None) -> ImportBatch:
    """The rows of a bulk import, from a JSON body, a `text/csv` body or a multipart `file`."""
    content_type = request.content_type or ""
    if content_type == "application/json" or content_type.endswith("+json"):
        payload = _from_json(request.body)
        rows = [{key: _cell(value) for key, value in row.items()} for row in payload.rows]
        return ImportBatch(payload.source_system, payload.provider, rows, None)
    if content_type in {"text/csv", "application/csv", "text/plain"}:
        rows, lines = _from_csv(request.body)
    elif content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ValidationError(_("Upload the CSV file in the field `file`."),
                                                           code="required")})
        rows, lines = _from_csv(upload.read())
        source_system = source_system or request.POST.get("source_system")
    else:
        raise HttpError(415, _("Send the rows as application/json, text/csv or a multipart/form-data file."))
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationError({"rows": ValidationError(
            _("Send at most %(max)s rows at a time.") % {"max": MAX_IMPORT_ROWS}, code="too_long")})
    if not (source_system or "").strip():
        raise ValidationError({"source_system": ValidationError(
            _("Name the system the visits come from (the query parameter source_system)."), code="required")})
    assert source_system is not None
    if len(source_system) > 60 or "\x00" in source_system:
        message = _("Ensure this value has at most %(max_length)s characters.") % {"max_length": 60}
        raise ValidationError({"source_system": ValidationError(message, code="invalid")})
    return ImportBatch(source_system.strip(), provider, rows, lines)
