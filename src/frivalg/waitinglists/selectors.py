"""Reads of waiting lists. Staff with WAITING_LIST_MANAGE see their own municipality's lists;
a citizen (or a relative with power of attorney) sees only their own entries; everyone else,
providers included, sees nothing."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Count, Q, QuerySet

from frivalg.assessments.models import Decision, DecisionStatus
from frivalg.assessments.selectors import decisions_for
from frivalg.core import roles
from frivalg.core.models import User
from frivalg.core.selectors import AnyUser, citizens_represented_by, has_permission, is_municipal_staff
from frivalg.waitinglists import rules
from frivalg.waitinglists.models import ACTIVE_STATUSES, EntryStatus, RankChange, WaitingList, WaitingListEntry
from frivalg.waitinglists.ranking import list_today, ranking_of


def _is_manager(actor: AnyUser) -> bool:
    if not is_municipal_staff(actor):
        return False
    return has_permission(actor, roles.WAITING_LIST_MANAGE)


def _managed_municipality(actor: AnyUser) -> int | None:
    """The municipality whose lists the actor manages, if any."""
    if not _is_manager(actor) or not isinstance(actor, User):
        return None
    return actor.municipality_id


def waiting_lists_for(*, actor: AnyUser) -> QuerySet[WaitingList]:
    """The actor's municipality's lists, with their counts."""
    municipality_id = _managed_municipality(actor)
    if municipality_id is None:
        return WaitingList.objects.none()
    return (
        WaitingList.objects.filter(municipality_id=municipality_id)
        .select_related("service", "municipality")
        .annotate(
            waiting_count=Count("entries", filter=Q(entries__status=EntryStatus.WAITING)),
            offered_count=Count("entries", filter=Q(entries__status=EntryStatus.OFFERED)),
            placed_count=Count("entries", filter=Q(entries__status=EntryStatus.PLACED)),
        )
    )


def waiting_list_get(*, actor: AnyUser, public_id: UUID | str) -> WaitingList:
    return waiting_lists_for(actor=actor).get(public_id=public_id)


def entries_for(*, actor: AnyUser, waiting_list: WaitingList, active_only: bool = True) -> QuerySet[WaitingListEntry]:
    """A list's entries in rank order (staff of the list's municipality only)."""
    if not _is_manager(actor) or getattr(actor, "municipality_id", None) != waiting_list.municipality_id:
        return WaitingListEntry.objects.none()
    queryset = WaitingListEntry.objects.filter(waiting_list=waiting_list)
    if active_only:
        queryset = queryset.filter(status__in=ACTIVE_STATUSES)
    return queryset.select_related("citizen", "decision", "assessment").order_by("position", "-updated_at", "id")


def entry_get(*, actor: AnyUser, public_id: UUID | str) -> WaitingListEntry:
    """One entry, for staff of its municipality."""
    municipality_id = _managed_municipality(actor)
    if municipality_id is None:
        raise WaitingListEntry.DoesNotExist
    return WaitingListEntry.objects.select_related("waiting_list", "waiting_list__municipality", "citizen").get(
        public_id=public_id, waiting_list__municipality_id=municipality_id)


def rank_changes_for(*, actor: AnyUser, waiting_list: WaitingList) -> QuerySet[RankChange]:
    """The history of the list's order, newest first."""
    if not _is_manager(actor) or getattr(actor, "municipality_id", None) != waiting_list.municipality_id:
        return RankChange.objects.none()
    return (RankChange.objects.filter(entry__waiting_list=waiting_list)
            .select_related("entry", "entry__citizen").order_by("-at", "-id"))


def my_entries(*, actor: AnyUser) -> QuerySet[WaitingListEntry]:
    """The entries of the citizen the actor is, or acts for by power of attorney."""
    if not has_permission(actor, roles.CITIZEN_VIEW_OWN):
        return WaitingListEntry.objects.none()
    return (
        WaitingListEntry.objects.filter(citizen__in=citizens_represented_by(actor).values("pk"))
        .select_related("waiting_list", "waiting_list__service", "waiting_list__municipality", "citizen")
        .order_by("citizen", "waiting_list__name", "-created_at")
    )


def my_rank_changes(*, actor: AnyUser, entry: WaitingListEntry) -> QuerySet[RankChange]:
    return RankChange.objects.filter(entry__in=my_entries(actor=actor).values("pk"), entry=entry).order_by("-at", "-id")


def decisions_to_enter(*, actor: AnyUser, waiting_list: WaitingList) -> QuerySet[Decision]:
    """Granted decisions for the list's service whose citizen is not on the list yet."""
    if not _is_manager(actor) or getattr(actor, "municipality_id", None) != waiting_list.municipality_id:
        return Decision.objects.none()
    on_list = waiting_list.entries.filter(status__in=ACTIVE_STATUSES).values("citizen_id")
    return (decisions_for(actor=actor).filter(status=DecisionStatus.GRANTED, service=waiting_list.service)
            .exclude(citizen_id__in=on_list).order_by("citizen__last_name", "citizen__first_name", "-valid_from"))


def ranking_for(*, actor: AnyUser, waiting_list: WaitingList) -> list[tuple[WaitingListEntry, rules.RankedCandidate]]:
    """The active entries in the order of the rule as of today, each with its score."""
    entries = {e.pk: e for e in entries_for(actor=actor, waiting_list=waiting_list)}
    ranking = ranking_of(waiting_list, list(entries.values()), list_today(waiting_list))
    return [(entries[r.candidate.entry_id], r) for r in ranking]


def next_in_line(*, actor: AnyUser, waiting_list: WaitingList) -> tuple[WaitingListEntry, rules.RankedCandidate] | None:
    """Who a freed place would be offered to now: the top-ranked entry that is waiting."""
    for entry, ranked in ranking_for(actor=actor, waiting_list=waiting_list):
        if entry.status == EntryStatus.WAITING:
            return entry, ranked
    return None


def my_ranking(*, actor: AnyUser, entry: WaitingListEntry) -> rules.RankedCandidate | None:
    """An own active entry's place in today's ranking (None once it has left the list)."""
    if entry.status not in ACTIVE_STATUSES or not my_entries(actor=actor).filter(pk=entry.pk).exists():
        return None
    waiting_list = entry.waiting_list
    active = list(WaitingListEntry.objects.filter(waiting_list=waiting_list, status__in=ACTIVE_STATUSES))
    return next(r for r in ranking_of(waiting_list, active, list_today(waiting_list))
                if r.candidate.entry_id == entry.pk)
