"""Writes of reassessment routines: the policy, the due date of an assessment set by rule, the
refresh that raises flags from delivery data, and acknowledging and resolving flags."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.assessments.models import Assessment
from frivalg.core import roles
from frivalg.core.models import Municipality, User
from frivalg.core.selectors import require
from frivalg.core.services import audit_record
from frivalg.reassessments import figures, rules
from frivalg.reassessments.models import DueDate, Flag, FlagKind, FlagStatus, PolicySetting
from frivalg.reassessments.selectors import policy_of


def _same_municipality(actor: User, municipality_id: int) -> None:
    if actor.municipality_id != municipality_id:
        raise PermissionDenied(_("This belongs to another municipality."))


def _policy_messages() -> dict[str, str]:
    return {
        "missing": _("Enter a whole number."),
        "out_of_range": _("Enter a whole number from %(low)s to %(high)s."),
        "longer_than_standard": _("The interval on a high care level cannot be longer than the standard interval."),
    }


@transaction.atomic
def reassessment_policy_set(*, actor: User, values: Mapping[str, Any]) -> PolicySetting:
    """Set the actor's municipality's reassessment policy (GUIDELINE_MANAGE: a routine of the
    assessment managers, like the service guidelines)."""
    require(actor, roles.GUIDELINE_MANAGE)
    if actor.municipality_id is None:
        raise PermissionDenied(roles.GUIDELINE_MANAGE.description)
    cleaned: dict[str, int] = {}
    for name in rules.POLICY_BOUNDS:
        value = values.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            cleaned[name] = value
    messages = _policy_messages()
    errors = {
        name: messages[code] % dict(zip(("low", "high"), rules.POLICY_BOUNDS[name], strict=True))
        for name, code in rules.policy_errors(cleaned).items()
    }
    if errors:
        raise ValidationError(errors)
    setting, _created = PolicySetting.objects.update_or_create(
        municipality_id=actor.municipality_id, defaults={**cleaned, "updated_by": actor})
    audit_record(actor=actor, municipality_id=actor.municipality_id, action="reassessment.policy_set",
                 obj=setting, payload=cleaned)
    return setting


@transaction.atomic
def reassessment_schedule(*, actor: User | None, assessment: Assessment, today: date | None = None,
                          events: list[rules.Event] | None = None,
                          policy: rules.ReassessmentPolicy | None = None) -> DueDate:
    """Set the assessment's next reassessment by the municipality's rules (rules.next_due) and
    keep the rule's reason. `actor` None is the system (the scheduled refresh); `events` and
    `policy` may be passed by the refresh, which reads them for the whole municipality at once."""
    if actor is not None:
        require(actor, roles.ASSESSMENT_RECORD)
        _same_municipality(actor, assessment.municipality_id)
    municipality = Municipality.objects.get(pk=assessment.municipality_id)
    if policy is None:
        policy = policy_of(assessment.municipality_id)
    if events is None:
        today = today or timezone.localdate()
        events = figures.due_events(municipality, today).get(assessment.citizen_id, [])
    due_on, reason = rules.next_due(assessment.assessed_on, events, policy)
    previous = assessment.next_reassessment_due
    Assessment.objects.filter(pk=assessment.pk).update(next_reassessment_due=due_on)
    assessment.next_reassessment_due = due_on
    scheduled, _created = DueDate.objects.update_or_create(
        assessment=assessment, defaults={"municipality_id": assessment.municipality_id, "due_on": due_on,
                                         "reason": reason})
    audit_record(actor=actor, municipality_id=assessment.municipality_id, action="reassessment.schedule",
                 obj=assessment, payload={"citizen": str(assessment.citizen.public_id), "due_on": due_on.isoformat(),
                                          "reason": reason, "previous": previous.isoformat() if previous else None})
    return scheduled


@dataclass(frozen=True)
class RefreshResult:
    raised: dict[str, int]
    scheduled: int

    @property
    def raised_total(self) -> int:
        return sum(self.raised.values())


def _deviation_flags(municipality: Municipality, as_of: date, policy: rules.ReassessmentPolicy) -> list[Flag]:
    months = rules.previous_months(as_of, policy.deviation_months)
    window_from = months[0]
    window_to = rules.add_months(months[-1], 1) - timedelta(days=1)
    covered = figures.last_flagged(municipality, [rules.FLAG_TIME_ABOVE, rules.FLAG_TIME_BELOW], "decision_id")
    flags = []
    for decision in figures.month_figures(municipality, months):
        if covered.get(decision.decision_id, date.min) >= window_from:
            continue  # these months already raised a flag
        kind = rules.time_deviation(decision.months, policy)
        if kind is None:
            continue
        evidence = {
            "threshold_percent": policy.deviation_percent,
            "months": [{"month": m.month.isoformat()[:7], "granted_minutes": m.granted_minutes,
                        "performed_minutes": m.performed_minutes, "percent": m.percent} for m in decision.months],
        }
        flags.append(Flag(municipality=municipality, citizen_id=decision.citizen_id, decision_id=decision.decision_id,
                          kind=kind, period_from=window_from, period_to=window_to, evidence=evidence, raised_on=as_of))
    return flags


def _missed_visit_flags(municipality: Municipality, as_of: date, policy: rules.ReassessmentPolicy) -> list[Flag]:
    since = as_of - timedelta(days=policy.flag_window_days - 1)
    covered = figures.last_flagged(municipality, [rules.FLAG_MISSED_VISITS], "citizen_id")
    flags = []
    for citizen_id, days in figures.missed_visit_days(municipality, since, as_of).items():
        boundary = covered.get(citizen_id, date.min)
        counted = {day: n for day, n in sorted(days.items()) if day > boundary}  # each miss counts once
        missed = sum(counted.values())
        if not rules.too_many_missed(missed, policy):
            continue
        evidence = {"missed": missed, "window_days": policy.flag_window_days, "threshold": policy.missed_visits,
                    "days": {day.isoformat(): n for day, n in counted.items()}}
        flags.append(Flag(municipality=municipality, citizen_id=citizen_id, kind=rules.FLAG_MISSED_VISITS,
                          period_from=max(since, boundary + timedelta(days=1)), period_to=as_of,
                          evidence=evidence, raised_on=as_of))
    return flags


def _hospital_flags(municipality: Municipality, as_of: date, policy: rules.ReassessmentPolicy) -> list[Flag]:
    since = as_of - timedelta(days=policy.flag_window_days - 1)
    flags = []
    for stay in figures.hospital_stays_started(municipality, since, as_of):
        evidence = {"absence": str(stay.public_id), "start": stay.start.isoformat(),
                    "end": stay.end.isoformat() if stay.end else None,
                    "days": rules.stay_days(stay.start, stay.end) if stay.end else None}
        flags.append(Flag(municipality=municipality, citizen_id=stay.citizen_id, kind=rules.FLAG_HOSPITAL_STAY,
                          period_from=stay.start, period_to=stay.start, evidence=evidence, raised_on=as_of))
    return flags


def _only_new(municipality: Municipality, candidates: list[Flag]) -> list[Flag]:
    """Leave out the candidates whose kind, citizen, decision and period already have a flag."""
    existing: set[tuple[str, int, int | None, date, date]] = set(
        Flag.objects.filter(municipality=municipality, period_from__in={flag.period_from for flag in candidates})
        .values_list("kind", "citizen_id", "decision_id", "period_from", "period_to")
    )
    fresh = []
    for flag in candidates:
        key = (flag.kind, flag.citizen_id, flag.decision_id, flag.period_from, flag.period_to)
        if key not in existing:
            existing.add(key)
            fresh.append(flag)
    return fresh


@transaction.atomic
def reassessment_flags_refresh(*, actor: User | None, municipality: Municipality, as_of: date) -> RefreshResult:
    """Raise the flags the delivery data calls for on `as_of` (idempotent: a kind, citizen,
    decision and period is flagged once), and set the next reassessment by rule on each latest
    assessment whose date is empty or later than the rule's. `actor` None is the system."""
    if actor is not None:
        require(actor, roles.CASEWORK_TEAM_VIEW)
        _same_municipality(actor, municipality.pk)
    policy = policy_of(municipality.pk)
    candidates = [
        *_deviation_flags(municipality, as_of, policy),
        *_missed_visit_flags(municipality, as_of, policy),
        *_hospital_flags(municipality, as_of, policy),
    ]
    created = Flag.objects.bulk_create(_only_new(municipality, candidates))
    raised = {kind: sum(1 for flag in created if flag.kind == kind) for kind in FlagKind.values}
    events = figures.due_events(municipality, as_of)
    scheduled = 0
    for assessment in figures.latest_assessments(municipality.pk).select_related("citizen"):
        due_on, _reason = rules.next_due(assessment.assessed_on, events.get(assessment.citizen_id, []), policy)
        current = assessment.next_reassessment_due
        if current is None or current > due_on:
            reassessment_schedule(actor=actor, assessment=assessment, events=events.get(assessment.citizen_id, []),
                                  policy=policy)
            scheduled += 1
    audit_record(actor=actor, municipality_id=municipality.pk, action="reassessment.flags_refresh",
                 object_type="municipality", object_id=str(municipality.public_id),
                 payload={"as_of": as_of.isoformat(), "raised": raised, "scheduled": scheduled})
    return RefreshResult(raised=raised, scheduled=scheduled)


def reassessment_refresh_start(*, actor: User, as_of: date) -> None:
    """Queue a refresh of the actor's municipality (reassessment_flags_refresh in the background,
    at once with the immediate backend); the request is audited, the refresh audits itself."""
    from frivalg.reassessments.tasks import reassessment_flags_task  # the task calls back into this module

    require(actor, roles.CASEWORK_TEAM_VIEW)
    municipality_id = actor.municipality_id
    if municipality_id is None:
        raise PermissionDenied(roles.CASEWORK_TEAM_VIEW.description)
    with transaction.atomic():
        audit_record(actor=actor, municipality_id=municipality_id, action="reassessment.refresh_start",
                     object_type="municipality", object_id=str(municipality_id), payload={"as_of": as_of.isoformat()})
    transaction.on_commit(lambda: reassessment_flags_task.enqueue(municipality_id, as_of.isoformat(), actor.pk))


def _flag_check(actor: User, flag: Flag) -> None:
    require(actor, roles.ASSESSMENT_RECORD)
    _same_municipality(actor, flag.municipality_id)


@transaction.atomic
def flag_acknowledge(*, actor: User, flag: Flag, note: str = "") -> Flag:
    """The assessor has seen the flag and will act on it."""
    _flag_check(actor, flag)
    if flag.status != FlagStatus.OPEN:
        raise ValidationError({"status": _("Only an open flag can be acknowledged.")})
    flag.status = FlagStatus.ACKNOWLEDGED
    flag.acknowledged_by = actor
    flag.acknowledged_at = timezone.now()
    if note.strip():
        flag.note = note.strip()
    flag.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "note", "updated_at"])
    audit_record(actor=actor, municipality_id=flag.municipality_id, action="flag.acknowledge", obj=flag,
                 payload={"citizen": str(flag.citizen.public_id), "note": flag.note})
    return flag


@transaction.atomic
def flag_resolve(*, actor: User, flag: Flag, note: str) -> Flag:
    """Close the flag with what was done (e.g. reassessed, decision changed, no change needed)."""
    _flag_check(actor, flag)
    errors = {}
    if flag.status == FlagStatus.RESOLVED:
        errors["status"] = _("The flag is already resolved.")
    if not note.strip():
        errors["note"] = _("Say what was done about the flag.")
    if errors:
        raise ValidationError(errors)
    flag.status = FlagStatus.RESOLVED
    flag.resolved_by = actor
    flag.resolved_at = timezone.now()
    flag.note = note.strip()
    flag.save(update_fields=["status", "resolved_by", "resolved_at", "note", "updated_at"])
    audit_record(actor=actor, municipality_id=flag.municipality_id, action="flag.resolve", obj=flag,
                 payload={"citizen": str(flag.citizen.public_id), "note": flag.note})
    return flag
