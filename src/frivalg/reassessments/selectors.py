"""Reads of reassessment queues, team workload and flags, scoped to the actor.

"Mine" is the actor's caseload as assessments.selectors.caseload_for defines it (the citizens
whose responsible needs assessor, Citizen.caseworker, is the actor); "team" is the whole
municipality, for CASEWORK_TEAM_VIEW. A citizen's due date is the one on their latest assessment."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from frivalg.assessments.models import Assessment
from frivalg.core import roles
from frivalg.core.models import Citizen, User
from frivalg.core.selectors import AnyUser, citizens_visible_to, has_permission, is_municipal_staff
from frivalg.reassessments import rules
from frivalg.reassessments.models import Flag, FlagStatus, PolicySetting

#: Reassessments due within this many days are in the queue, with the overdue ones.
DUE_WITHIN_DAYS = 30
SCOPE_MINE = "mine"
SCOPE_TEAM = "team"
SCOPES = (SCOPE_MINE, SCOPE_TEAM)
UNRESOLVED = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)


def policy_of(municipality_id: int) -> rules.ReassessmentPolicy:
    """The municipality's policy, or the defaults when it has set none."""
    setting = PolicySetting.objects.filter(municipality_id=municipality_id).first()
    if setting is None:
        return rules.ReassessmentPolicy()
    return rules.ReassessmentPolicy(**{name: getattr(setting, name) for name in rules.POLICY_BOUNDS})


def _municipality_id(actor: AnyUser) -> int | None:
    if not isinstance(actor, User) or not is_municipal_staff(actor):
        return None
    return actor.municipality_id


def policy_setting_for(*, actor: AnyUser) -> PolicySetting | None:
    municipality_id = _municipality_id(actor)
    if municipality_id is None or not has_permission(actor, roles.CASEWORK_TEAM_VIEW):
        return None
    return PolicySetting.objects.filter(municipality_id=municipality_id).first()


def _latest_due() -> Subquery:
    latest = (Assessment.objects.filter(citizen_id=OuterRef("pk"))
              .order_by("-assessed_on", "-id").values("next_reassessment_due")[:1])
    return Subquery(latest)


def queue_citizens(*, actor: AnyUser, scope: str) -> QuerySet[Citizen]:
    """The citizens whose reassessments the actor follows in `scope`, one condition per branch."""
    municipality_id = _municipality_id(actor)
    if municipality_id is None:
        return Citizen.objects.none()
    if scope == SCOPE_MINE and has_permission(actor, roles.CITIZEN_VIEW_CASELOAD):
        return citizens_visible_to(actor).filter(municipality_id=municipality_id, caseworker_id=actor.pk)
    if scope == SCOPE_TEAM and has_permission(actor, roles.CASEWORK_TEAM_VIEW):
        return citizens_visible_to(actor).filter(municipality_id=municipality_id)
    return Citizen.objects.none()


@dataclass(frozen=True)
class QueueRow:
    citizen: Citizen
    assessment: Assessment
    due_on: date
    #: Days past the due date: positive when overdue, 0 when due today, negative when still ahead.
    days_overdue: int
    reason: str
    flags: tuple[Flag, ...]

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0

    @property
    def days_left(self) -> int:
        return -self.days_overdue


def reassessment_queue(*, actor: AnyUser, scope: str = SCOPE_MINE, as_of: date,
                       descending: bool = False) -> list[QueueRow]:
    """Citizens whose next reassessment is overdue or due within DUE_WITHIN_DAYS of `as_of`,
    by due date, with the reason for the date and the flags not yet resolved."""
    citizens = queue_citizens(actor=actor, scope=scope)
    latest = (Assessment.objects.filter(citizen_id=OuterRef("citizen_id"))
              .order_by("-assessed_on", "-id").values("id")[:1])
    order = ("-next_reassessment_due", "citizen__last_name") if descending else (
        "next_reassessment_due", "citizen__last_name")
    assessments = list(
        Assessment.objects.filter(citizen__in=citizens.values("pk"), pk=Subquery(latest),
                                  next_reassessment_due__lte=as_of + timedelta(days=DUE_WITHIN_DAYS))
        .select_related("citizen", "citizen__caseworker", "citizen__district", "reassessment_due")
        .order_by(*order, "pk")
    )
    flags: dict[int, list[Flag]] = defaultdict(list)
    for flag in Flag.objects.filter(citizen_id__in=[a.citizen_id for a in assessments], status__in=UNRESOLVED):
        flags[flag.citizen_id].append(flag)
    rows = []
    for assessment in assessments:
        due_on = assessment.next_reassessment_due
        assert due_on is not None
        rows.append(QueueRow(
            citizen=assessment.citizen, assessment=assessment, due_on=due_on,
            days_overdue=(as_of - due_on).days, reason=_reason(assessment, due_on),
            flags=tuple(flags[assessment.citizen_id]),
        ))
    return rows


def _reason(assessment: Assessment, due_on: date) -> str:
    scheduled = getattr(assessment, "reassessment_due", None)
    if scheduled is not None and scheduled.due_on == due_on:
        return str(scheduled.reason)
    return rules.REASON_MANUAL


@dataclass(frozen=True)
class WorkloadRow:
    caseworker: User | None
    citizens: int
    due_soon: int
    overdue: int
    open_flags: int


def team_workload(*, actor: AnyUser, as_of: date) -> list[WorkloadRow]:
    """Per needs assessor of the municipality: citizens in the caseload, reassessments due within
    DUE_WITHIN_DAYS, overdue ones and flags not yet resolved. Citizens with no assessor last."""
    citizens = queue_citizens(actor=actor, scope=SCOPE_TEAM)
    soon = as_of + timedelta(days=DUE_WITHIN_DAYS)
    counts = (
        citizens.order_by().annotate(next_due=_latest_due()).values("caseworker_id")
        .annotate(
            citizens=Count("pk"),
            due_soon=Count("pk", filter=Q(next_due__gte=as_of, next_due__lte=soon)),
            overdue=Count("pk", filter=Q(next_due__lt=as_of)),
        )
    )
    open_flags = dict(
        Flag.objects.filter(citizen__in=citizens.values("pk"), status__in=UNRESOLVED)
        .values("citizen__caseworker_id").annotate(n=Count("pk")).order_by()
        .values_list("citizen__caseworker_id", "n")
    )
    rows = list(counts)
    users = User.objects.in_bulk([row["caseworker_id"] for row in rows if row["caseworker_id"] is not None])
    result = [
        WorkloadRow(caseworker=users.get(row["caseworker_id"]), citizens=row["citizens"], due_soon=row["due_soon"],
                    overdue=row["overdue"], open_flags=open_flags.get(row["caseworker_id"], 0))
        for row in rows
    ]
    return sorted(result, key=lambda row: (row.caseworker is None, row.caseworker.username if row.caseworker else ""))


def flags_for(*, actor: AnyUser, status: str | None = None, citizen: Citizen | None = None) -> QuerySet[Flag]:
    """Flags of the citizens the actor may see, for the purchaser's staff who assess them."""
    municipality_id = _municipality_id(actor)
    if municipality_id is None:
        return Flag.objects.none()
    if not has_permission(actor, roles.ASSESSMENT_RECORD):
        return Flag.objects.none()
    flags = Flag.objects.filter(municipality_id=municipality_id,
                                citizen__in=citizens_visible_to(actor).values("pk"))
    if status:
        flags = flags.filter(status=status)
    if citizen is not None:
        flags = flags.filter(citizen=citizen)
    return flags.select_related("citizen", "decision", "decision__service", "resolved_by", "acknowledged_by")


def flag_get(*, actor: AnyUser, public_id: UUID | str) -> Flag:
    return flags_for(actor=actor).get(public_id=public_id)
