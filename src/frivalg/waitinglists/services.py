"""Writes for waiting lists. Every service locks the list row (select_for_update) so two
allocations or re-rankings never interleave, re-ranks by the published rule, writes a
RankChange with its explanation for every entry that moved, and an AuditEvent — in one
transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.assessments.models import Assessment, AssessmentStatus, Decision, DecisionStatus
from frivalg.catalogue.models import Service
from frivalg.core import roles
from frivalg.core.models import User
from frivalg.core.selectors import require
from frivalg.core.services import audit_record
from frivalg.waitinglists import rules
from frivalg.waitinglists.models import (
    ACTIVE_STATUSES,
    EntryStatus,
    RankChange,
    RankChangeCode,
    UrgencyReason,
    WaitingList,
    WaitingListEntry,
)
from frivalg.waitinglists.ranking import list_today, ranking_of

#: The highest weight a rule may give (keeps scores far inside the database's integer range).
MAX_WEIGHT = 10_000


def assessment_need(assessment: Assessment) -> int:
    return rules.need_score({s.area_code: s.score for s in assessment.scores.all()}, assessment.scale)


def _latest_assessment(citizen_id: int) -> Assessment | None:
    """The citizen's newest completed assessment (a draft ranks nobody)."""
    queryset = Assessment.objects.filter(citizen_id=citizen_id, status=AssessmentStatus.COMPLETED)
    return queryset.order_by("-assessed_on", "-id").first()


def _require_manager(actor: User, waiting_list: WaitingList | None = None, municipality_id: int | None = None) -> None:
    require(actor, roles.WAITING_LIST_MANAGE)
    target = waiting_list.municipality_id if waiting_list is not None else municipality_id
    if actor.municipality_id is None or actor.municipality_id != target:
        raise PermissionDenied(_("This waiting list belongs to another municipality."))


def _lock(waiting_list: WaitingList) -> WaitingList:
    return WaitingList.objects.select_for_update().select_related("municipality").get(pk=waiting_list.pk)


def _active_entries(waiting_list: WaitingList) -> list[WaitingListEntry]:
    return list(waiting_list.entries.filter(status__in=ACTIVE_STATUSES).order_by("id"))


def _explanation(move: rules.Move, formula: str) -> str:
    return _("%(reason)s. Position %(old)s → %(new)s; score %(old_score)s → %(new_score)s (%(formula)s).") % {
        "reason": RankChangeCode(move.code).label, "old": move.old_position, "new": move.new_position,
        "old_score": move.old_score, "new_score": move.new_score, "formula": formula,
    }


def _apply(
    *, actor: User, waiting_list: WaitingList, before: Sequence[rules.RankedCandidate], today: date,
    departed: Mapping[int, str] | None = None,
) -> list[RankChange]:
    """Rank the active entries now, store positions and scores, and explain every move."""
    entries = {e.pk: e for e in _active_entries(waiting_list)}
    after = ranking_of(waiting_list, list(entries.values()), today)
    by_id = {r.candidate.entry_id: r for r in after}
    now = timezone.now()
    changes = []
    for move in rules.explain_moves(before, after, departed):
        changes.append(RankChange(
            entry=entries[move.entry_id], old_position=move.old_position, new_position=move.new_position, at=now,
            code=move.code, explanation=_explanation(move, by_id[move.entry_id].formula), old_score=move.old_score,
            new_score=move.new_score, actor=actor,
        ))
    RankChange.objects.bulk_create(changes)
    for ranked in after:
        entry = entries[ranked.candidate.entry_id]
        if entry.position != ranked.position or entry.score != ranked.score:
            entry.position, entry.score = ranked.position, ranked.score
            entry.save(update_fields=["position", "score", "updated_at"])
    for change in changes:
        audit_record(actor=actor, municipality_id=waiting_list.municipality_id, action="waiting_list.rank_change",
                     obj=change.entry, payload={"old": change.old_position, "new": change.new_position,
                                                "code": change.code, "explanation": change.explanation})
    return changes


# --- the list and its rule -----------------------------------------------------------------


def _validate_rule(
    errors: dict[str, str], *, places: int, need_weight: int, wait_weight: int, urgent_reasons: Iterable[str],
) -> None:
    if places < 1:
        errors["places"] = _("A waiting list needs at least one place.")
    if not 0 <= need_weight <= MAX_WEIGHT:
        errors["need_weight"] = _("Give a whole number from 0 to %(max)s.") % {"max": MAX_WEIGHT}
    if not 0 <= wait_weight <= MAX_WEIGHT:
        errors["wait_weight"] = _("Give a whole number from 0 to %(max)s.") % {"max": MAX_WEIGHT}
    if need_weight == 0 and wait_weight == 0 and "need_weight" not in errors and "wait_weight" not in errors:
        errors["need_weight"] = _("At least one weight must be above zero, or the rule ranks nobody.")
    if any(reason not in UrgencyReason.values for reason in urgent_reasons):
        errors["urgent_reasons"] = _("Unknown urgency reason.")


@transaction.atomic
def waiting_list_create(
    *, actor: User, service: Service, name: str, places: int, need_weight: int = 10, wait_weight: int = 1,
    urgent_reasons: Iterable[str] = (), free_places: int = 0,
) -> WaitingList:
    _require_manager(actor, municipality_id=service.municipality_id)
    urgent_reasons = sorted(set(urgent_reasons))
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = _("Give the list a name.")
    elif WaitingList.objects.filter(municipality_id=service.municipality_id, name=name).exists():
        errors["name"] = _("Another waiting list has this name.")
    if not service.active:
        errors["service"] = _("Choose an active service.")
    _validate_rule(errors, places=places, need_weight=need_weight, wait_weight=wait_weight,
                   urgent_reasons=urgent_reasons)
    if not 0 <= free_places <= max(places, 0):
        errors["free_places"] = _("Free places must be between 0 and the number of places.")
    if errors:
        raise ValidationError(errors)
    waiting_list = WaitingList(
        municipality_id=service.municipality_id, service=service, name=name, places=places, free_places=free_places,
        need_weight=need_weight, wait_weight=wait_weight, urgent_reasons=urgent_reasons, rule_version=1,
    )
    waiting_list.rule_valid_from = list_today(waiting_list)
    waiting_list.save()
    audit_record(actor=actor, municipality_id=service.municipality_id, action="waiting_list.create", obj=waiting_list,
                 payload={"service": service.code, "name": name, "places": places, "need_weight": need_weight,
                          "wait_weight": wait_weight, "urgent_reasons": urgent_reasons})
    return waiting_list


@transaction.atomic
def waiting_list_update(
    *, actor: User, waiting_list: WaitingList, name: str | None = None, places: int | None = None,
    need_weight: int | None = None, wait_weight: int | None = None, urgent_reasons: Iterable[str] | None = None,
) -> WaitingList:
    """Change the name, the places or the rule. A changed rule is a new version valid from today,
    and the list is re-ranked by it (rank changes with the code rule_changed)."""
    _require_manager(actor, waiting_list)
    waiting_list = _lock(waiting_list)
    new_name = waiting_list.name if name is None else name.strip()
    new_places = waiting_list.places if places is None else places
    new_need = waiting_list.need_weight if need_weight is None else need_weight
    new_wait = waiting_list.wait_weight if wait_weight is None else wait_weight
    new_reasons = waiting_list.urgent_reasons if urgent_reasons is None else sorted(set(urgent_reasons))
    errors: dict[str, str] = {}
    if not new_name:
        errors["name"] = _("Give the list a name.")
    elif WaitingList.objects.filter(municipality_id=waiting_list.municipality_id, name=new_name).exclude(
            pk=waiting_list.pk).exists():
        errors["name"] = _("Another waiting list has this name.")
    _validate_rule(errors, places=new_places, need_weight=new_need, wait_weight=new_wait, urgent_reasons=new_reasons)
    if "places" not in errors and new_places < waiting_list.free_places:
        errors["places"] = _("There are more free places than that; offer them first.")
    if errors:
        raise ValidationError(errors)
    today = list_today(waiting_list)
    before = ranking_of(waiting_list, _active_entries(waiting_list), today)
    old_rule = {"version": waiting_list.rule_version, "need_weight": waiting_list.need_weight,
                "wait_weight": waiting_list.wait_weight, "urgent_reasons": waiting_list.urgent_reasons}
    rule_changed = (new_need, new_wait, list(new_reasons)) != (
        waiting_list.need_weight, waiting_list.wait_weight, list(waiting_list.urgent_reasons))
    waiting_list.name, waiting_list.places = new_name, new_places
    if rule_changed:
        waiting_list.need_weight, waiting_list.wait_weight = new_need, new_wait
        waiting_list.urgent_reasons = list(new_reasons)
        waiting_list.rule_version += 1
        waiting_list.rule_valid_from = today
    waiting_list.save()
    audit_record(actor=actor, municipality_id=waiting_list.municipality_id, action="waiting_list.update",
                 obj=waiting_list, payload={"name": new_name, "places": new_places, "old_rule": old_rule,
                                            "rule_version": waiting_list.rule_version})
    if rule_changed:
        _apply(actor=actor, waiting_list=waiting_list, before=before, today=today)
    return waiting_list


# --- entries -----------------------------------------------------------------------------------


@transaction.atomic
def waiting_list_enter(
    *, actor: User, waiting_list: WaitingList, decision: Decision, applied_on: date, urgent: bool = False,
    reason: str = "",
) -> WaitingListEntry:
    """Put a citizen with a granted decision for the list's service on the list, with the need
    from their latest assessment, and re-rank."""
    _require_manager(actor, waiting_list)
    waiting_list = _lock(waiting_list)
    today = list_today(waiting_list)
    errors: dict[str, str] = {}
    if decision.municipality_id != waiting_list.municipality_id:
        errors["decision"] = _("The decision belongs to another municipality.")
    elif decision.status != DecisionStatus.GRANTED:
        errors["decision"] = _("Only a granted decision gives a right to a place.")
    elif decision.service_id != waiting_list.service_id:
        errors["decision"] = _("The decision grants another service than this list's.")
    elif waiting_list.entries.filter(citizen_id=decision.citizen_id, status__in=ACTIVE_STATUSES).exists():
        errors["decision"] = _("The citizen is already on this waiting list.")
    assessment = _latest_assessment(decision.citizen_id) if "decision" not in errors else None
    if "decision" not in errors and assessment is None:
        errors["decision"] = _("The citizen has no assessment to rank the need by.")
    if applied_on > today:
        errors["applied_on"] = _("The application cannot be dated in the future.")
    errors.update(_urgency_errors(waiting_list, urgent, reason))
    if errors:
        raise ValidationError(errors)
    assert assessment is not None
    before = ranking_of(waiting_list, _active_entries(waiting_list), today)
    entry = WaitingListEntry.objects.create(
        waiting_list=waiting_list, citizen_id=decision.citizen_id, decision=decision, applied_on=applied_on,
        assessment=assessment, need_score=assessment_need(assessment), urgent=urgent, urgent_reason=reason,
    )
    audit_record(actor=actor, municipality_id=waiting_list.municipality_id, action="waiting_list.enter", obj=entry,
                 payload={"waiting_list": str(waiting_list.public_id), "decision": str(decision.public_id),
                          "applied_on": applied_on.isoformat(), "need_score": entry.need_score,
                          "assessment": str(assessment.public_id), "urgent": urgent, "reason": reason})
    _apply(actor=actor, waiting_list=waiting_list, before=before, today=today)
    entry.refresh_from_db()
    return entry


@transaction.atomic
def waiting_list_rerank(*, actor: User, waiting_list: WaitingList) -> list[RankChange]:
    """Take up newer assessments (the need score follows the latest completed assessment) and
    re-rank; returns the explained changes."""
    _require_manager(actor, waiting_list)
    waiting_list = _lock(waiting_list)
    today = list_today(waiting_list)
    entries = _active_entries(waiting_list)
    before = ranking_of(waiting_list, entries, today)
    for entry in entries:
        latest = _latest_assessment(entry.citizen_id)
        if latest is None or latest.pk == entry.assessment_id:
            continue
        need = assessment_need(latest)
        audit_record(actor=actor, municipality_id=waiting_list.municipality_id, action="waiting_list.reassess",
                     obj=entry, payload={"assessment": str(latest.public_id), "old_need": entry.need_score,
                                         "new_need": need})
        entry.assessment, entry.need_score = latest, need
        entry.save(update_fields=["assessment", "need_score", "updated_at"])
    changes = _apply(actor=actor, waiting_list=waiting_list, before=before, today=today)
    audit_record(actor=actor, municipality_id=waiting_list.municipality_id, action="waiting_list.rerank",
                 obj=waiting_list, payload={"changes": len(changes)})
    return changes


def _urgency_errors(waiting_list: WaitingList, urgent: bool, reason: str) -> dict[str, str]:
    if urgent and not reason:
        return {"reason": _("Give the reason for the urgency.")}
    if urgent and reason not in waiting_list.urgent_reasons:
        return {"reason": _("This list does not put that reason first; choose one of the list's urgencies.")}
    if not urgent and reason:
        return {"reason": _("A reason is only given for an urgent entry.")}
    return {}


@transaction.atomic
def entry_set_urgency(*, actor: User, entry: WaitingListEntry, urgent: bool, reason: str = "") -> WaitingListEntry:
    """Mark an entry urgent (e.g. a discharge from hospital) or no longer urgent, and re-rank;
    the entries it passes get a change of rank with the code urgent."""
    _require_manager(actor, entry.waiting_list)
    waiting_list, entry = _locked_entry(entry)
    if entry.status not in ACTIVE_STATUSES:
        raise ValidationError({"status": _("The entry is no longer on the list.")})
    errors = _urgency_errors(waiting_list, urgent, reason)
    if errors:
        raise ValidationError(errors)
    today = list_today(waiting_list)
    before = ranking_of(waiting_list, _active_entries(waiting_list), today)
    audit_record(actor=actor, municipality_id=waiting_list.municipality_id, action="waiting_list.urgency", obj=entry,
                 payload={"old": [entry.urgent, entry.urgent_reason], "new": [urgent, reason]})
    entry.urgent, entry.urgent_reason = urgent, reason
    entry.save(update_fields=["urgent", "urgent_reason", "updated_at"])
    _apply(actor=actor, waiting_list=waiting_list, before=before, today=today)
    entry.refresh_from_db()
    return entry


def _leave(
    *, actor: User, waiting_list: WaitingList, entry: WaitingListEntry, status: str, departed_code: str,
    today: date,
) -> None:
    before = ranking_of(waiting_list, _active_entries(waiting_list), today)
    entry.status, entry.position, entry.left_on = status, None, today
    if status == EntryStatus.PLACED:
        entry.placed_on = today
    entry.save(update_fields=["status", "position", "left_on", "placed_on", "updated_at"])
    _apply(actor=actor, waiting_list=waiting_list, before=before, today=today, departed={entry.pk: departed_code})


def _locked_entry(entry: WaitingListEntry) -> tuple[WaitingList, WaitingListEntry]:
    waiting_list = _lock(entry.waiting_list)
    return waiting_list, WaitingListEntry.objects.get(pk=entry.pk)


# --- places ------------------------------------------------------------------------------------


@transaction.atomic
def place_free(*, actor: User, waiting_list: WaitingList) -> WaitingList:
    """A place has become free (a resident moved out); it waits to be offered."""
    _require_manager(actor, waiting_list)
    waiting_list = _lock(waiting_list)
    if waiting_list.free_places >= waiting_list.places:
        raise ValidationError({"free_places": _("Every place is already free.")})
    waiting_list.free_places += 1
    waiting_list.save(update_fields=["free_places", "updated_at"])
    audit_record(actor=actor, municipality_id=waiting_list.municipality_id, action="waiting_list.place_free",
                 obj=waiting_list, payload={"free_places": waiting_list.free_places})
    return waiting_list


def _offer(*, actor: User, waiting_list: WaitingList, today: date) -> WaitingListEntry:
    """Offer a free place to the top-ranked waiting entry (the list row is locked)."""
    if waiting_list.free_places < 1:
        raise ValidationError({"free_places": _("No place is free to offer.")})
    entries = {e.pk: e for e in _active_entries(waiting_list)}
    ranking = ranking_of(waiting_list, list(entries.values()), today)
    top = next((r for r in ranking if entries[r.candidate.entry_id].status == EntryStatus.WAITING), None)
    if top is None:
        raise ValidationError({"waiting_list": _("Nobody is waiting on this list.")})
    entry = entries[top.candidate.entry_id]
    entry.status, entry.offered_on = EntryStatus.OFFERED, today
    entry.save(update_fields=["status", "offered_on", "updated_at"])
    waiting_list.free_places -= 1
    waiting_list.save(update_fields=["free_places", "updated_at"])
    audit_record(actor=actor, municipality_id=waiting_list.municipality_id, action="waiting_list.offer", obj=entry,
                 payload={"waiting_list": str(waiting_list.public_id), "position": top.position, "score": top.score,
                          "explanation": top.explanation, "rule_version": waiting_list.rule_version})
    return entry


@transaction.atomic
def place_offer(*, actor: User, waiting_list: WaitingList) -> WaitingListEntry:
    """Offer a freed place by the rule: to the top-ranked waiting entry, never anyone below it."""
    _require_manager(actor, waiting_list)
    waiting_list = _lock(waiting_list)
    return _offer(actor=actor, waiting_list=waiting_list, today=list_today(waiting_list))


@transaction.atomic
def place_accept(*, actor: User, entry: WaitingListEntry) -> WaitingListEntry:
    """The citizen takes the offered place: they leave the list and those below move up."""
    _require_manager(actor, entry.waiting_list)
    waiting_list, entry = _locked_entry(entry)
    if entry.status != EntryStatus.OFFERED:
        raise ValidationError({"status": _("Only an offered place can be accepted.")})
    today = list_today(waiting_list)
    audit_record(actor=actor, municipality_id=waiting_list.municipality_id, action="waiting_list.accept", obj=entry,
                 payload={"position": entry.position})
    _leave(actor=actor, waiting_list=waiting_list, entry=entry, status=EntryStatus.PLACED,
           departed_code=rules.PLACED_ABOVE, today=today)
    return entry


@transaction.atomic
def place_decline(*, actor: User, entry: WaitingListEntry) -> WaitingListEntry | None:
    """The citizen declines the offered place: they leave the list, and the place is offered to
    the next by the rule. Returns that next offer (None when nobody else waits)."""
    _require_manager(actor, entry.waiting_list)
    waiting_list, entry = _locked_entry(entry)
    if entry.status != EntryStatus.OFFERED:
        raise ValidationError({"status": _("Only an offered place can be declined.")})
    today = list_today(waiting_list)
    audit_record(actor=actor, municipality_id=waiting_list.municipality_id, action="waiting_list.decline", obj=entry,
                 payload={"position": entry.position})
    _leave(actor=actor, waiting_list=waiting_list, entry=entry, status=EntryStatus.DECLINED,
           departed_code=rules.WITHDRAWN_ABOVE, today=today)
    waiting_list.free_places += 1
    waiting_list.save(update_fields=["free_places", "updated_at"])
    if not waiting_list.entries.filter(status=EntryStatus.WAITING).exists():
        return None
    return _offer(actor=actor, waiting_list=waiting_list, today=today)


@transaction.atomic
def entry_withdraw(*, actor: User, entry: WaitingListEntry, reason: str = "") -> WaitingListEntry:
    """Take an entry off the list (the citizen no longer wants a place, moved, died). An
    offered place it held becomes free again."""
    _require_manager(actor, entry.waiting_list)
    waiting_list, entry = _locked_entry(entry)
    if entry.status not in ACTIVE_STATUSES:
        raise ValidationError({"status": _("The entry is no longer on the list.")})
    today = list_today(waiting_list)
    held_offer = entry.status == EntryStatus.OFFERED
    audit_record(actor=actor, municipality_id=waiting_list.municipality_id, action="waiting_list.withdraw",
                 obj=entry, payload={"position": entry.position, "reason": reason})
    _leave(actor=actor, waiting_list=waiting_list, entry=entry, status=EntryStatus.WITHDRAWN,
           departed_code=rules.WITHDRAWN_ABOVE, today=today)
    if held_offer:
        waiting_list.free_places += 1
        waiting_list.save(update_fields=["free_places", "updated_at"])
    return entry
