"""Writes for visits: planning, verification (check-in/out), cancellation, and bulk import
from a provider's own system."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.assessments.models import Decision, DecisionStatus
from frivalg.choices.models import Choice
from frivalg.core import roles
from frivalg.core.models import User
from frivalg.core.selectors import citizens_represented_by, has_permission, require
from frivalg.core.services import audit_record
from frivalg.providers.models import Provider, StaffMember
from frivalg.providers.selectors import provider_ids_of
from frivalg.visits import rules
from frivalg.visits.models import CheckMethod, Visit, VisitStatus


def _messages() -> dict[str, str]:
    return {
        "required": _("This field is required."),
        "unknown_field": _("Unknown column."),
        "invalid_datetime": _("Not a date and time (use ISO 8601, e.g. 2026-03-01T08:00)."),
        "ambiguous_time": _("This local time occurs twice (clocks go back): give the UTC offset."),
        "nonexistent_time": _("This local time does not exist (clocks go forward)."),
        "invalid_status": _("Unknown status."),
        "end_before_start": _("The end must be after the start."),
        "too_long": _("A visit cannot last that long."),
        "times_without_done": _("Check-in and check-out times need the status done."),
        "too_long_text": _("The text is too long."),
        "unknown_decision": _("No decision with this id is delivered by this provider."),
        "unknown_caregiver": _("No caregiver with this pseudonym works for this provider."),
        "in_future": _("The time cannot be in the future."),
        "too_early": _("The check-in is too long before the planned visit."),
        "before_check_in": _("Check-out cannot be before check-in."),
        "duplicate_row": _("The same external id appears twice in this import."),
        "invalid_character": _("The text contains a character that is not allowed."),
        "not_delivering": _("This provider does not deliver the decision on the day of the visit."),
    }


def _require_provider_staff(actor: User, provider_id: int) -> None:
    if provider_id not in provider_ids_of(actor):
        raise PermissionDenied(_("This visit belongs to another provider."))


def _require_may_check(actor: User, visit: Visit) -> None:
    """The caregiver on the visit, or an administrator of its provider."""
    require(actor, roles.VISIT_CHECK)
    if visit.caregiver is not None and visit.caregiver.user_id == actor.pk:
        return
    if has_permission(actor, roles.VISIT_VIEW_PROVIDER) and visit.provider_id in provider_ids_of(actor):
        return
    raise PermissionDenied(_("You are not assigned to this visit."))


def _delivering_choice(decision: Decision, provider_id: int, day: date) -> Choice | None:
    return (
        Choice.objects.filter(decision=decision, provider_id=provider_id, valid_from__lte=day)
        .exclude(valid_to__lt=day)
        .first()
    )


@transaction.atomic
def visit_plan(
    *,
    actor: User,
    decision: Decision,
    planned_start: datetime,
    planned_end: datetime,
    caregiver: StaffMember | None = None,
    tasks: Sequence[str] = (),
) -> Visit:
    """A provider plans a visit for a decision it delivers on that day."""
    require(actor, roles.PROVIDER_VIEW_CLIENTS)
    errors: dict[str, str] = {}
    if timezone.is_naive(planned_start) or timezone.is_naive(planned_end):
        raise ValidationError({"planned_start": _("Give the time with its time zone.")})
    if planned_end <= planned_start:
        errors["planned_end"] = _("The end must be after the start.")
    if decision.status != DecisionStatus.GRANTED:
        errors["decision"] = _("Visits can only be planned for a granted decision.")
    day = timezone.localtime(planned_start, ZoneInfo(decision.municipality.time_zone)).date()
    if day < decision.valid_from or (decision.valid_to is not None and day > decision.valid_to):
        errors["planned_start"] = _("The visit is outside the decision's period.")
    own_providers = provider_ids_of(actor)
    if not decision.choices.filter(provider_id__in=own_providers).exists():
        raise PermissionDenied(_("Your provider does not deliver this decision."))
    delivering = [choice for choice in [_delivering_choice(decision, pid, day) for pid in own_providers] if choice]
    if not delivering:
        raise ValidationError({"planned_start": _("Your provider does not deliver this decision on that day.")})
    provider_id = delivering[0].provider_id
    if caregiver is not None and caregiver.provider_id != provider_id:
        errors["caregiver"] = _("The caregiver works for another provider.")
    if errors:
        raise ValidationError(errors)
    visit = Visit.objects.create(
        municipality_id=decision.municipality_id, decision=decision, citizen_id=decision.citizen_id,
        service_id=decision.service_id, provider_id=provider_id, caregiver=caregiver, planned_start=planned_start,
        planned_end=planned_end, tasks=list(tasks),
    )
    audit_record(actor=actor, municipality_id=decision.municipality_id, action="visit.plan", obj=visit,
                 payload={"decision": str(decision.public_id), "planned_start": planned_start.isoformat()})
    return visit


@transaction.atomic
def visit_check_in(*, actor: User, visit: Visit, at: datetime | None = None, method: str = CheckMethod.APP) -> Visit:
    _require_may_check(actor, visit)
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError({"status": _("Only a planned visit can be checked in.")})
    if method not in CheckMethod.values:
        raise ValidationError({"method": _("Unknown check-in method.")})
    now = timezone.now()
    at = at or now
    problem = rules.check_in_error(visit.planned_start, at, now)
    if problem:
        raise ValidationError({"at": _messages()[problem]})
    visit.actual_start, visit.check_in_by, visit.check_in_method = at, actor, method
    visit.status = VisitStatus.IN_PROGRESS
    visit.save(update_fields=["actual_start", "check_in_by", "check_in_method", "status", "updated_at"])
    audit_record(actor=actor, municipality_id=visit.municipality_id, action="visit.check_in", obj=visit,
                 payload={"at": at.isoformat(), "method": method})
    return visit


@transaction.atomic
def visit_check_out(*, actor: User, visit: Visit, at: datetime | None = None, method: str = CheckMethod.APP) -> Visit:
    _require_may_check(actor, visit)
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.status != VisitStatus.IN_PROGRESS or visit.actual_start is None:
        raise ValidationError({"status": _("Only a checked-in visit can be checked out.")})
    if method not in CheckMethod.values:
        raise ValidationError({"method": _("Unknown check-out method.")})
    now = timezone.now()
    at = at or now
    problem = rules.check_out_error(visit.actual_start, at, now)
    if problem:
        raise ValidationError({"at": _messages()[problem]})
    visit.actual_end, visit.check_out_by, visit.check_out_method = at, actor, method
    visit.status = VisitStatus.DONE
    visit.save(update_fields=["actual_end", "check_out_by", "check_out_method", "status", "updated_at"])
    audit_record(actor=actor, municipality_id=visit.municipality_id, action="visit.check_out", obj=visit,
                 payload={"at": at.isoformat(), "method": method,
                          "performed_minutes": int((at - visit.actual_start).total_seconds() // 60)})
    return visit


@transaction.atomic
def visit_cancel(*, actor: User, visit: Visit, by: str, at: datetime | None = None, note: str = "") -> Visit:
    """Cancel a planned visit, by the citizen (the notice given decides what is paid) or by the
    provider. The citizen, a relative, or the provider's people may register it."""
    if by not in {"citizen", "provider"}:
        raise ValidationError({"by": _("Say who cancelled: the citizen or the provider.")})
    own_side = citizens_represented_by(actor).filter(pk=visit.citizen_id).exists()
    provider_side = has_permission(actor, roles.VISIT_CHECK) and visit.provider_id in provider_ids_of(actor)
    if not (own_side or provider_side):
        raise PermissionDenied(_("You cannot cancel this visit."))
    if own_side and not provider_side and by != "citizen":
        raise PermissionDenied(_("A citizen can only cancel on their own behalf."))
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError({"status": _("Only a planned visit can be cancelled.")})
    visit.status = VisitStatus.CANCELLED_CITIZEN if by == "citizen" else VisitStatus.CANCELLED_PROVIDER
    visit.cancelled_at = at or timezone.now()
    visit.note = note
    visit.save(update_fields=["status", "cancelled_at", "note", "updated_at"])
    audit_record(actor=actor, municipality_id=visit.municipality_id, action="visit.cancel", obj=visit,
                 payload={"by": by, "at": visit.cancelled_at.isoformat(),
                          "notice_hours": round((visit.planned_start - visit.cancelled_at).total_seconds() / 3600, 1)})
    return visit


@transaction.atomic
def visit_mark_missed(*, actor: User, visit: Visit, note: str = "") -> Visit:
    require(actor, roles.VISIT_VIEW_PROVIDER)
    _require_provider_staff(actor, visit.provider_id)
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError({"status": _("Only a planned visit can be marked as missed.")})
    if visit.planned_end > timezone.now():
        raise ValidationError({"status": _("A visit can only be missed after its planned end.")})
    visit.status, visit.note = VisitStatus.MISSED, note
    visit.save(update_fields=["status", "note", "updated_at"])
    audit_record(actor=actor, municipality_id=visit.municipality_id, action="visit.missed", obj=visit, payload={})
    return visit


def visits_cancel_from(*, actor: User | None, decision: Decision, provider_id: int, day: date) -> int:
    """Cancel a provider's planned visits of a decision from `day` (a switch). Runs inside the
    caller's transaction; returns how many were cancelled."""
    start = datetime.combine(day, time.min, ZoneInfo(decision.municipality.time_zone))
    return Visit.objects.filter(
        decision=decision, provider_id=provider_id, status=VisitStatus.PLANNED, planned_start__gte=start
    ).update(status=VisitStatus.CANCELLED_PROVIDER, cancelled_at=timezone.now(),
             note=_("Cancelled: the citizen switched provider."))


@dataclass(frozen=True)
class RejectedRow:
    row: int  # 1-based, as a person counts rows in the file (header not counted)
    field: str
    reason: str
    data: Mapping[str, str]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def received(self) -> int:
        return self.created + self.updated + len({r.row for r in self.rejected})


def _delivers_on(periods: Sequence[tuple[date, date | None]], moment: datetime, tz_name: str) -> bool:
    day = moment.astimezone(ZoneInfo(tz_name)).date()
    return any(start <= day and (end is None or day <= end) for start, end in periods)


@transaction.atomic
def visit_import(
    *, actor: User, provider: Provider, rows: Iterable[Mapping[str, str]], source_system: str
) -> ImportResult:
    """Import visits from a provider's planning system. Every row is validated; the valid ones
    are stored (upserted by external id) and each rejected row is returned with its reason —
    nothing is dropped silently."""
    require(actor, roles.VISIT_IMPORT)
    _require_provider_staff(actor, provider.pk)
    source_system = source_system.strip()
    if not source_system:
        raise ValidationError({"source_system": _("Name the system the visits come from.")})
    messages = _messages()
    result = ImportResult()
    rows = list(rows)
    decisions: dict[str, Decision] = {}
    delivering: dict[str, list[tuple[date, date | None]]] = {}
    for choice in Choice.objects.filter(provider=provider).select_related("decision__municipality"):
        key = str(choice.decision.public_id)
        decisions[key] = choice.decision
        delivering.setdefault(key, []).append((choice.valid_from, choice.valid_to))
    caregivers = {s.pseudonym: s for s in StaffMember.objects.filter(provider=provider, active=True)}
    existing = {
        v.external_id: v
        for v in Visit.objects.filter(provider=provider, source_system=source_system,
                                      external_id__in=[str(r.get("external_id", "")).strip() for r in rows])
    }
    seen: set[str] = set()
    to_create: list[Visit] = []
    to_update: list[Visit] = []
    for number, raw in enumerate(rows, start=1):
        data = {str(k): "" if v is None else str(v) for k, v in raw.items()}
        decision = decisions.get(data.get("decision", "").strip())
        tz_name = decision.municipality.time_zone if decision else "Europe/Copenhagen"
        parsed = rules.parse_import_row(data, tz_name)
        errors = parsed if isinstance(parsed, list) else []
        if isinstance(parsed, rules.VisitRow):
            if decision is None:
                errors.append(rules.RowError("decision", "unknown_decision"))
            elif not _delivers_on(delivering[parsed.decision], parsed.planned_start, decision.municipality.time_zone):
                errors.append(rules.RowError("planned_start", "not_delivering"))
            if parsed.caregiver and parsed.caregiver not in caregivers:
                errors.append(rules.RowError("caregiver", "unknown_caregiver"))
            if parsed.external_id in seen:
                errors.append(rules.RowError("external_id", "duplicate_row"))
        if errors:
            result.rejected.extend(RejectedRow(number, e.field, messages[e.code], data) for e in errors)
            continue
        assert isinstance(parsed, rules.VisitRow) and decision is not None
        seen.add(parsed.external_id)
        values = {
            "municipality_id": decision.municipality_id, "decision": decision, "citizen_id": decision.citizen_id,
            "service_id": decision.service_id, "provider": provider,
            "caregiver": caregivers.get(parsed.caregiver), "planned_start": parsed.planned_start,
            "planned_end": parsed.planned_end, "actual_start": parsed.actual_start, "actual_end": parsed.actual_end,
            "status": parsed.status, "cancelled_at": parsed.cancelled_at, "tasks": list(parsed.tasks),
            "note": parsed.note, "check_in_method": CheckMethod.IMPORT if parsed.actual_start else "",
            "check_out_method": CheckMethod.IMPORT if parsed.actual_end else "",
        }
        visit = existing.get(parsed.external_id)
        if visit is None:
            to_create.append(Visit(source_system=source_system, external_id=parsed.external_id, **values))
        else:
            for name, value in values.items():
                setattr(visit, name, value)
            visit.updated_at = timezone.now()
            to_update.append(visit)
    Visit.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        Visit.objects.bulk_update(
            to_update,
            ["municipality_id", "decision", "citizen_id", "service_id", "caregiver", "planned_start", "planned_end",
             "actual_start", "actual_end", "status", "cancelled_at", "tasks", "note", "check_in_method",
             "check_out_method", "updated_at"],
            batch_size=1000,
        )
    result.created, result.updated = len(to_create), len(to_update)
    municipality_ids: list[int | None] = [*sorted({v.municipality_id for v in [*to_create, *to_update]})]
    for municipality_id in municipality_ids or [None]:
        audit_record(actor=actor, municipality_id=municipality_id, action="visit.import", obj=provider,
                     payload={"source_system": source_system, "rows": len(rows), "created": result.created,
                              "updated": result.updated, "rejected_rows": len({r.row for r in result.rejected})})
    return result
