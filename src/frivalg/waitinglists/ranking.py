"""From the stored list and entries to the pure ranking rule (rules.py) and back: the one place
that turns rows into candidates, used by the services (to rank) and the selectors (to show who
is next and why)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.waitinglists import rules
from frivalg.waitinglists.models import UrgencyReason, WaitingList, WaitingListEntry


def list_today(waiting_list: WaitingList) -> date:
    """Today in the municipality's time zone."""
    return timezone.localdate(timezone=ZoneInfo(waiting_list.municipality.time_zone))


def ranking_rule(waiting_list: WaitingList) -> rules.RankingRule:
    return rules.RankingRule(need_weight=waiting_list.need_weight, wait_weight=waiting_list.wait_weight,
                             version=waiting_list.rule_version)


def candidate_of(entry: WaitingListEntry, waiting_list: WaitingList, today: date) -> rules.Candidate:
    honoured = entry.urgent and entry.urgent_reason in waiting_list.urgent_reasons
    waiting_days = max((today - entry.applied_on).days, 0)
    return rules.Candidate(entry_id=entry.pk, need=entry.need_score, waiting_days=waiting_days, urgent=honoured,
                           applied_on=entry.applied_on, public_id=str(entry.public_id))


def ranking_of(
    waiting_list: WaitingList, entries: Sequence[WaitingListEntry], today: date,
) -> list[rules.RankedCandidate]:
    return rules.rank([candidate_of(e, waiting_list, today) for e in entries], ranking_rule(waiting_list))


def score_in_words(ranked: rules.RankedCandidate) -> str:
    """The score explained in the reader's language."""
    c = ranked.candidate
    text = _("need %(need)s × %(need_weight)s + %(days)s days × %(wait_weight)s = %(score)s") % {
        "need": c.need, "need_weight": ranked.need_weight, "days": c.waiting_days,
        "wait_weight": ranked.wait_weight, "score": ranked.score}
    return _("urgent, goes first; %(score)s") % {"score": text} if c.urgent else text


def rule_in_words(waiting_list: WaitingList) -> list[str]:
    """The published rule, sentence by sentence, in plain language."""
    sentences = [
        _("The list is ordered by need and waiting time, not by the date of the application."),
        _("Each person gets a score: %(need)s points for every need point from the latest assessment, plus "
          "%(wait)s points for every day on the list. The highest score comes first.") % {
            "need": waiting_list.need_weight, "wait": waiting_list.wait_weight},
        _("Need points are the sum of the function-ability scores of the assessment (0 for no difficulty, "
          "up to 4 for each area)."),
    ]
    if waiting_list.urgent_reasons:
        reasons = ", ".join(str(UrgencyReason(r).label).lower() for r in waiting_list.urgent_reasons)
        sentences.append(_("Urgent cases go before everyone else: %(reasons)s.") % {"reasons": reasons})
    sentences.append(_("With equal scores, the earlier application comes first."))
    sentences.append(_("A freed place is always offered to the person at the top who is waiting."))
    return sentences
