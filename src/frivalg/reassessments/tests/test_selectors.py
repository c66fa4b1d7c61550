"""Who sees which reassessments and flags: the assessor's caseload, the manager's team, never
another municipality, nothing for the provider side."""

from datetime import date, timedelta

import pytest

from frivalg.assessments.models import Assessment
from frivalg.assessments.tests.factories import AssessmentFactory
from frivalg.core.tests.factories import CitizenFactory, UserFactory
from frivalg.reassessments import rules
from frivalg.reassessments.models import DueDate
from frivalg.reassessments.selectors import flags_for, policy_of, reassessment_queue, team_workload
from frivalg.reassessments.tests.factories import FlagFactory, PolicySettingFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)


def due(assessment, on):
    Assessment.objects.filter(pk=assessment.pk).update(next_reassessment_due=on)


@pytest.fixture
def dues(world):
    """Karen (the assessor's caseload) overdue by 5 days, Poul (no assessor) due in 10, Anders
    (another municipality) overdue."""
    due(world.assessment, TODAY - timedelta(days=5))
    due(world.neighbour_assessment, TODAY + timedelta(days=10))
    due(world.foreign_assessment, TODAY - timedelta(days=1))
    world.foreigner.caseworker = world.other_assessor
    world.foreigner.save()
    return world


def manager(world):
    return UserFactory(role="assessment_manager", municipality=world.muni)


def names(rows):
    return {row.citizen.first_name for row in rows}


def test_an_assessor_sees_the_own_caseload(dues):
    rows = reassessment_queue(actor=dues.assessor, scope="mine", as_of=TODAY)
    assert names(rows) == {"Karen"}
    assert rows[0].days_overdue == 5
    assert rows[0].overdue
    assert rows[0].reason == rules.REASON_MANUAL


def test_an_assessor_has_no_team_view(dues):
    assert reassessment_queue(actor=dues.assessor, scope="team", as_of=TODAY) == []


def test_a_manager_sees_the_whole_municipality_never_another(dues):
    rows = reassessment_queue(actor=manager(dues), scope="team", as_of=TODAY)
    assert names(rows) == {"Karen", "Poul"}
    assert [row.citizen.first_name for row in rows] == ["Karen", "Poul"]  # earliest first
    assert names(reassessment_queue(actor=manager(dues), scope="team", as_of=TODAY, descending=True)) == {
        "Karen", "Poul"}
    assert names(reassessment_queue(actor=dues.other_assessor, scope="mine", as_of=TODAY)) == {"Anders"}


@pytest.mark.parametrize("user_attr", ["private_admin", "private_caregiver_user", "citizen_user", "relative",
                                       "finance", "analyst"])
def test_other_roles_see_no_queue(dues, user_attr):
    actor = getattr(dues, user_attr)
    FlagFactory(citizen=dues.citizen)
    assert reassessment_queue(actor=actor, scope="mine", as_of=TODAY) == []
    assert reassessment_queue(actor=actor, scope="team", as_of=TODAY) == []
    assert not flags_for(actor=actor).exists()


def test_due_beyond_thirty_days_is_not_in_the_queue_and_only_the_latest_assessment_counts(dues):
    due(dues.assessment, TODAY + timedelta(days=31))
    assert reassessment_queue(actor=dues.assessor, scope="mine", as_of=TODAY) == []
    newer = AssessmentFactory(citizen=dues.citizen, assessor=dues.assessor, assessed_on=date(2026, 3, 1),
                              next_reassessment_due=TODAY + timedelta(days=30))
    rows = reassessment_queue(actor=dues.assessor, scope="mine", as_of=TODAY)
    assert [row.assessment for row in rows] == [newer]
    assert rows[0].days_left == 30


def test_the_reason_is_the_rule_s_when_the_date_is_the_rule_s(dues):
    DueDate.objects.create(assessment=dues.assessment, municipality=dues.muni, due_on=TODAY - timedelta(days=5),
                           reason=rules.REASON_HOSPITAL)
    [row] = reassessment_queue(actor=dues.assessor, scope="mine", as_of=TODAY)
    assert row.reason == rules.REASON_HOSPITAL


def test_unresolved_flags_come_with_the_row(dues):
    open_flag = FlagFactory(citizen=dues.citizen)
    FlagFactory(citizen=dues.citizen, status="resolved", resolved_at="2026-05-01T10:00:00+02:00",
                period_from=date(2026, 1, 1), period_to=date(2026, 1, 30))
    [row] = reassessment_queue(actor=dues.assessor, scope="mine", as_of=TODAY)
    assert row.flags == (open_flag,)


def test_team_workload_per_assessor(dues):
    CitizenFactory(district=dues.north, caseworker=dues.assessor)  # no assessment yet
    FlagFactory(citizen=dues.citizen)
    FlagFactory(citizen=dues.foreigner)
    rows = team_workload(actor=manager(dues), as_of=TODAY)
    by_name = {row.caseworker.username if row.caseworker else None: row for row in rows}
    assert set(by_name) == {"assessor", None}
    mine = by_name["assessor"]
    assert (mine.citizens, mine.due_soon, mine.overdue, mine.open_flags) == (2, 0, 1, 1)
    nobody = by_name[None]
    assert (nobody.citizens, nobody.due_soon, nobody.overdue, nobody.open_flags) == (1, 1, 0, 0)
    assert rows[-1].caseworker is None
    assert team_workload(actor=dues.assessor, as_of=TODAY) == []


def test_flags_are_scoped_to_the_municipality(dues):
    own = FlagFactory(citizen=dues.citizen)
    FlagFactory(citizen=dues.foreigner)
    assert list(flags_for(actor=dues.assessor)) == [own]
    assert list(flags_for(actor=dues.assessor, status="resolved")) == []
    assert list(flags_for(actor=dues.assessor, citizen=dues.citizen)) == [own]


def test_policy_defaults_and_the_municipality_s_own(world):
    assert policy_of(world.muni.pk) == rules.ReassessmentPolicy()
    PolicySettingFactory(municipality=world.muni, standard_months=18)
    assert policy_of(world.muni.pk).standard_months == 18
    assert policy_of(world.other_muni.pk).standard_months == 12
