"""Writes of follow-up: the municipality's competition task list (for the competition exposure
indicator and the gains map) and the import of other municipalities' published key figures.
Each write is one transaction with its audit row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.catalogue.models import Service
from frivalg.core import roles
from frivalg.core.models import Municipality, User
from frivalg.core.selectors import municipality_of, require
from frivalg.core.services import audit_record
from frivalg.followup.indicators import REGISTRY
from frivalg.followup.models import BenchmarkFigure, BenchmarkImport, CompetitionTask

# -- the competition task list -----------------------------------------------------------------


@dataclass(frozen=True)
class TaskInput:
    code: str
    name: str
    services: Sequence[Service]
    exposable: bool
    exposed_on: date | None
    in_house_won_on: date | None
    note: str = ""


def _manager_municipality(actor: User) -> Municipality:
    require(actor, roles.FOLLOWUP_MANAGE)
    municipality = municipality_of(actor)
    if municipality is None:
        raise PermissionDenied(_("The task list belongs to a municipality's staff."))
    return municipality


def _clean_task(municipality: Municipality, data: TaskInput, task: CompetitionTask | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    code, name = data.code.strip(), data.name.strip()
    if not code:
        errors["code"] = _("Give the task a code.")
    elif len(code) > 40:
        errors["code"] = _("At most 40 characters.")
    else:
        same = CompetitionTask.objects.filter(municipality=municipality, code=code)
        if task is not None:
            same = same.exclude(pk=task.pk)
        if same.exists():
            errors["code"] = _("Another task has this code.")
    if not name:
        errors["name"] = _("Give the task a name.")
    if not data.services:
        errors["services"] = _("Choose at least one service.")
    elif any(service.municipality_id != municipality.pk for service in data.services):
        errors["services"] = _("Choose services of your own municipality.")
    if data.exposed_on is not None and not data.exposable:
        errors["exposed_on"] = _("Only a task that could be exposed to competition can have been exposed.")
    if data.in_house_won_on is not None and data.exposed_on is None:
        errors["in_house_won_on"] = _("A task can only be won in competition once it has been exposed.")
    elif (data.in_house_won_on is not None and data.exposed_on is not None
          and data.in_house_won_on < data.exposed_on):
        errors["in_house_won_on"] = _("The task cannot be won before it was exposed to competition.")
    if errors:
        raise ValidationError(errors)
    return {"code": code, "name": name, "exposable": data.exposable, "exposed_on": data.exposed_on,
            "in_house_won_on": data.in_house_won_on, "note": data.note.strip()}


def _task_payload(task: CompetitionTask, services: Sequence[Service]) -> dict[str, Any]:
    return {"code": task.code, "name": task.name, "services": sorted(s.code for s in services),
            "exposable": task.exposable,
            "exposed_on": task.exposed_on.isoformat() if task.exposed_on else None,
            "in_house_won_on": task.in_house_won_on.isoformat() if task.in_house_won_on else None}


def competition_task_create(*, actor: User, data: TaskInput) -> CompetitionTask:
    municipality = _manager_municipality(actor)
    fields = _clean_task(municipality, data, None)
    with transaction.atomic():
        task = CompetitionTask.objects.create(municipality=municipality, **fields)
        task.services.set(data.services)
        audit_record(actor=actor, municipality_id=municipality.pk, action="competition_task.create", obj=task,
                     payload=_task_payload(task, data.services))
    return task


def competition_task_update(*, actor: User, task: CompetitionTask, data: TaskInput) -> CompetitionTask:
    municipality = _manager_municipality(actor)
    if task.municipality_id != municipality.pk:
        raise PermissionDenied(_("This task belongs to another municipality."))
    fields = _clean_task(municipality, data, task)
    with transaction.atomic():
        for key, value in fields.items():
            setattr(task, key, value)
        task.save()
        task.services.set(data.services)
        audit_record(actor=actor, municipality_id=municipality.pk, action="competition_task.update", obj=task,
                     payload=_task_payload(task, data.services))
    return task


# -- benchmark figures ---------------------------------------------------------------------------

BENCHMARK_COLUMNS = ("municipality_code", "municipality_name", "year", "indicator", "value")
FIRST_YEAR = 2000
MAX_ROWS = 20_000
#: BenchmarkFigure.value: 18 digits, 4 of them decimals.
_VALUE_LIMIT = Decimal(10) ** 14


@dataclass(frozen=True)
class Rejected:
    row: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "reason": self.reason}


@dataclass(frozen=True)
class Accepted:
    row: int
    code: str
    name: str
    year: int
    indicator: str
    value: Decimal


def _text(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": _("The file is not UTF-8 text: save it as CSV UTF-8.")}) from None


def _delimiter(first_line: str) -> str:
    return ";" if first_line.count(";") > first_line.count(",") else ","


def parse_number(text: str) -> Decimal | None:
    """'1.234,5', '1234.5', '1 234,5', '12,5' → Decimal; None when it is no finite number."""
    value = text.strip().replace("\u00a0", "").replace(" ", "")
    if not value:
        return None
    if "," in value and "." in value:
        decimal_mark = "," if value.rfind(",") > value.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        value = value.replace(thousands, "").replace(decimal_mark, ".")
    elif "," in value:
        if value.count(",") > 1:
            return None
        value = value.replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def benchmark_rows(content: bytes, *, codes: Iterable[str],
                   last_year: int) -> tuple[int, list[Accepted], list[Rejected]]:
    """Read a CSV of key figures: (data rows, accepted rows, rejected rows with reasons). Every
    non-blank data row is either accepted or rejected. Row numbers count the header as row 1."""
    text = _text(content)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ValidationError({"file": _("The file is empty.")})
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(lines[0]))
    head = [name.strip().lower() for name in next(reader)]
    missing = [name for name in BENCHMARK_COLUMNS if name not in head]
    if missing:
        raise ValidationError({"file": _("The file lacks the column(s) %(columns)s.") % {
            "columns": ", ".join(missing)}})
    position = {name: head.index(name) for name in BENCHMARK_COLUMNS}
    known = set(codes)
    seen: dict[tuple[str, int, str], int] = {}
    accepted: list[Accepted] = []
    rejected: list[Rejected] = []
    total = 0
    for number, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        total += 1
        if total > MAX_ROWS:
            raise ValidationError({"file": _("The file has more than %(n)s rows.") % {"n": MAX_ROWS}})
        if len(record) < len(head):
            rejected.append(Rejected(number, "row", _("The row has %(got)s fields; the header has %(want)s.") % {
                "got": len(record), "want": len(head)}))
            continue
        cells = {name: record[index].strip() for name, index in position.items()}
        problem = _row_problem(cells, known, last_year)
        if problem is not None:
            rejected.append(Rejected(number, *problem))
            continue
        year, value = int(cells["year"]), parse_number(cells["value"])
        assert value is not None
        key = (cells["municipality_code"], year, cells["indicator"])
        if key in seen:
            rejected.append(Rejected(number, "row", _("The same municipality, year and indicator as row %(row)s.")
                                     % {"row": seen[key]}))
            continue
        seen[key] = number
        accepted.append(Accepted(number, cells["municipality_code"], cells["municipality_name"], year,
                                 cells["indicator"], value.quantize(Decimal("0.0001"))))
    return total, accepted, rejected


def _row_problem(cells: dict[str, str], known: set[str], last_year: int) -> tuple[str, str] | None:
    if not cells["municipality_code"]:
        return "municipality_code", _("The municipality code is missing.")
    if len(cells["municipality_code"]) > 20:
        return "municipality_code", _("The municipality code is longer than 20 characters.")
    if not cells["municipality_name"]:
        return "municipality_name", _("The municipality's name is missing.")
    if len(cells["municipality_name"]) > 120:
        return "municipality_name", _("The municipality's name is longer than 120 characters.")
    if not cells["year"].isdigit() or not FIRST_YEAR <= int(cells["year"]) <= last_year:
        return "year", _("The year must be a year from %(first)s to %(last)s.") % {
            "first": FIRST_YEAR, "last": last_year}
    if cells["indicator"] not in known:
        return "indicator", _("There is no indicator %(code)s.") % {"code": cells["indicator"] or "–"}
    value = parse_number(cells["value"])
    if value is None:
        return "value", _("The value is not a number.")
    if abs(value) >= _VALUE_LIMIT:
        return "value", _("The value is too large.")
    return None


def benchmark_import(*, actor: User, file_name: str, content: bytes, source: str) -> BenchmarkImport:
    """Import other municipalities' key figures: the accepted rows replace any figure of the same
    municipality, year and indicator; every rejected row is kept on the import with its reason."""
    municipality = _manager_municipality(actor)
    if not source.strip():
        raise ValidationError({"source": _("Say where the figures come from.")})
    total, accepted, rejected = benchmark_rows(content, codes=REGISTRY.indicators,
                                               last_year=timezone.localdate().year)
    with transaction.atomic():
        batch = BenchmarkImport.objects.create(
            municipality=municipality, file_name=file_name[:200], source=source.strip()[:300], rows=total,
            accepted=len(accepted), rejected=[r.as_dict() for r in rejected], imported_by=actor)
        for row in accepted:
            BenchmarkFigure.objects.update_or_create(
                municipality=municipality, other_code=row.code, year=row.year, indicator=row.indicator,
                defaults={"batch": batch, "other_name": row.name, "value": row.value})
        audit_record(actor=actor, municipality_id=municipality.pk, action="benchmark.import", obj=batch,
                     payload={"file": batch.file_name, "rows": total, "accepted": len(accepted),
                              "rejected": len(rejected)})
    return batch
