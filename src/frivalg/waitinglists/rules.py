"""The published ranking rule of a waiting list, as pure functions: need and waiting time, not
the application date, decide the order (seed 001: "waiting lists that mirror applications, not
needs" drive cost).

The rule:

1. An urgent candidate (an urgency the list honours, e.g. a hospital discharge) ranks above
   every non-urgent one.
2. Within each group, a higher score ranks higher:
   ``score = need points × need weight + waiting days × waiting-day weight``.
3. Ties go to the earlier application, then to the lower public id (so the order is total).

Need points come from the assessment the entry rests on (`need_score`):

* FSIII (0–4, 9 = not relevant): the sum of the scores 1–4; 0 (no limitation) adds nothing and
  9 (not relevant) is ignored.
* IPLOS (1–5, 1 = independent): the sum of ``score − 1``, so an independent area adds nothing
  and full dependence adds 4, the same span as FSIII.

Both weights are whole numbers ≥ 0, so a higher need or a longer wait can never lower a rank.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

FSIII = "fsiii"
IPLOS = "iplos"

#: Why an entry moved, in the order `explain_moves` looks for a cause.
NEW_ENTRY_ABOVE = "new_entry_above"
REASSESSED = "reassessed"
URGENT = "urgent"
PLACED_ABOVE = "placed_above"
RULE_CHANGED = "rule_changed"
WITHDRAWN_ABOVE = "withdrawn_above"
MOVE_CODES = (NEW_ENTRY_ABOVE, REASSESSED, URGENT, PLACED_ABOVE, RULE_CHANGED, WITHDRAWN_ABOVE)


@dataclass(frozen=True)
class RankingRule:
    need_weight: int
    wait_weight: int
    version: int = 1

    def __post_init__(self) -> None:
        if self.need_weight < 0 or self.wait_weight < 0:
            raise ValueError("weights must be >= 0")


@dataclass(frozen=True)
class Candidate:
    entry_id: int
    need: int
    waiting_days: int
    urgent: bool
    applied_on: date
    public_id: str


@dataclass(frozen=True)
class RankedCandidate:
    candidate: Candidate
    position: int
    score: int
    need_weight: int
    wait_weight: int
    rule_version: int

    @property
    def formula(self) -> str:
        """The score's arithmetic, language-neutral: ``14 × 10 + 120 × 1 = 260``."""
        c = self.candidate
        return f"{c.need} × {self.need_weight} + {c.waiting_days} × {self.wait_weight} = {self.score}"

    @property
    def explanation(self) -> str:
        """The score explained (English; pages say it in the reader's language)."""
        c = self.candidate
        text = f"need {c.need} × {self.need_weight} + {c.waiting_days} days × {self.wait_weight} = {self.score}"
        return f"urgent; {text}" if c.urgent else text


@dataclass(frozen=True)
class Move:
    entry_id: int
    old_position: int
    new_position: int
    code: str
    #: The entry whose arrival, departure or change caused the move (None: the rule or oneself).
    cause_entry_id: int | None
    old_score: int
    new_score: int


def score(candidate: Candidate, rule: RankingRule) -> int:
    return candidate.need * rule.need_weight + candidate.waiting_days * rule.wait_weight


def _key(candidate: Candidate, rule: RankingRule) -> tuple[bool, int, date, str]:
    return (not candidate.urgent, -score(candidate, rule), candidate.applied_on, candidate.public_id)


def rank(candidates: Iterable[Candidate], rule: RankingRule) -> list[RankedCandidate]:
    """The candidates in rank order, position 1 first, each with its score."""
    ordered = sorted(candidates, key=lambda c: _key(c, rule))
    return [
        RankedCandidate(candidate=c, position=i, score=score(c, rule), need_weight=rule.need_weight,
                        wait_weight=rule.wait_weight, rule_version=rule.version)
        for i, c in enumerate(ordered, start=1)
    ]


def need_score(scores: Mapping[str, int] | Iterable[int], scale: str) -> int:
    """Need points from an assessment's area scores (see the module text for each scale)."""
    values = list(scores.values()) if isinstance(scores, Mapping) else list(scores)
    if scale == FSIII:
        return sum(value for value in values if 1 <= value <= 4)
    if scale == IPLOS:
        return sum(value - 1 for value in values if 1 <= value <= 5)
    raise ValueError(f"unknown scale {scale!r}")


def _cause_from_other(
    other: int, before: Mapping[int, RankedCandidate], after: Mapping[int, RankedCandidate],
    departed: Mapping[int, str],
) -> str | None:
    if other not in before:
        return NEW_ENTRY_ABOVE
    if other not in after:
        return departed.get(other, WITHDRAWN_ABOVE)
    if before[other].candidate.urgent != after[other].candidate.urgent:
        return URGENT
    if before[other].candidate.need != after[other].candidate.need:
        return REASSESSED
    return None


def explain_moves(
    before: Sequence[RankedCandidate],
    after: Sequence[RankedCandidate],
    departed: Mapping[int, str] | None = None,
) -> list[Move]:
    """Every entry on both lists whose position changed, with the reason: its own change
    (urgency, reassessment), a rule change, or another entry that arrived, left (`departed`
    says whether it was placed or withdrawn; default withdrawn) or changed and crossed it."""
    departed = departed or {}
    old = {r.candidate.entry_id: r for r in before}
    new = {r.candidate.entry_id: r for r in after}
    moves = []
    for entry_id, now in new.items():
        was = old.get(entry_id)
        if was is None or was.position == now.position:
            continue
        code: str | None = None
        cause: int | None = None
        if was.rule_version != now.rule_version:
            code = RULE_CHANGED
        elif was.candidate.urgent != now.candidate.urgent:
            code = URGENT
        elif was.candidate.need != now.candidate.need:
            code = REASSESSED
        else:
            above_before = {e for e, r in old.items() if r.position < was.position}
            above_now = {e for e, r in new.items() if r.position < now.position}
            crossed = sorted((above_now - above_before) | (above_before - above_now),
                             key=lambda e: (new[e].position if e in new else old[e].position))
            for other in crossed:
                code = _cause_from_other(other, old, new, departed)
                if code is not None:
                    cause = other
                    break
        moves.append(Move(entry_id=entry_id, old_position=was.position, new_position=now.position,
                          code=code or REASSESSED, cause_entry_id=cause, old_score=was.score, new_score=now.score))
    return moves
