"""The refresh that raises flags from delivery data, the due date by rule, the policy and the
flags' acknowledge and resolve — on small constructed data sets."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from frivalg.assessments.models import Assessment
from frivalg.assessments.tests.factories import AssessmentFactory, DecisionFactory
from frivalg.catalogue.tests.factories import ServiceFactory
from frivalg.core.models import AuditEvent
from frivalg.core.tests.factories import UserFactory
from frivalg.reassessments import rules
from frivalg.reassessments.models import DueDate, Flag, FlagStatus, PolicySetting
from frivalg.reassessments.services import (
    flag_acknowledge,
    flag_resolve,
    reassessment_flags_refresh,
    reassessment_policy_set,
    reassessment_schedule,
)
from frivalg.reassessments.tests.factories import FlagFactory
from frivalg.visits.models import Absence
from frivalg.visits.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db
CPH = ZoneInfo("Europe/Copenhagen")
AS_OF = date(2026, 4, 10)


def at(day, hour=9):
    return datetime.combine(day, time(hour), tzinfo=CPH)


def deliver(decision, day, minutes, status="done"):
    start = at(day)
    actual = {"actual_start": start, "actual_end": start + timedelta(minutes=minutes)} if status == "done" else {}
    return VisitFactory(decision=decision, planned_start=start, planned_end=start + timedelta(minutes=minutes),
                        status=status, **actual)


@pytest.fixture
def ten_hours(world):
    """Karen's practical help: 10 hours a month from 1 January."""
    return DecisionFactory(citizen=world.citizen, service=world.practical, amount=Decimal(10), unit="hour",
                           frequency="month", valid_from=date(2026, 1, 1))


def manager(world):
    return UserFactory(role="assessment_manager", municipality=world.muni)


def test_thirteen_hours_of_ten_three_months_running_raise_one_flag_with_the_figures(world, ten_hours):
    for month in (1, 2, 3):
        deliver(ten_hours, date(2026, month, 5), 390)
        deliver(ten_hours, date(2026, month, 19), 390)
    deliver(ten_hours, date(2026, 3, 25), 60, status="missed")  # not performed time
    result = reassessment_flags_refresh(actor=manager(world), municipality=world.muni, as_of=AS_OF)
    assert result.raised[rules.FLAG_TIME_ABOVE] == 1
    flag = Flag.objects.get(decision=ten_hours)
    assert flag.kind == rules.FLAG_TIME_ABOVE
    assert (flag.period_from, flag.period_to) == (date(2026, 1, 1), date(2026, 3, 31))
    assert [(m["month"], m["granted_minutes"], m["performed_minutes"], m["percent"])
            for m in flag.evidence["months"]] == [
        ("2026-01", 600, 780, 130), ("2026-02", 600, 780, 130), ("2026-03", 600, 780, 130)]
    assert flag.citizen == world.citizen
    assert AuditEvent.objects.filter(action="reassessment.flags_refresh").count() == 1


def test_running_twice_still_raises_one_flag(world, ten_hours):
    for month in (1, 2, 3):
        deliver(ten_hours, date(2026, month, 5), 780)
    reassessment_flags_refresh(actor=None, municipality=world.muni, as_of=AS_OF)
    second = reassessment_flags_refresh(actor=None, municipality=world.muni, as_of=AS_OF)
    later = reassessment_flags_refresh(actor=None, municipality=world.muni, as_of=AS_OF + timedelta(days=5))
    assert second.raised_total == 0
    assert later.raised_total == 0
    assert Flag.objects.filter(decision=ten_hours).count() == 1


def test_two_months_above_is_no_flag(world, ten_hours):
    deliver(ten_hours, date(2026, 2, 5), 780)
    deliver(ten_hours, date(2026, 3, 5), 780)
    deliver(ten_hours, date(2026, 1, 5), 600)
    reassessment_flags_refresh(actor=None, municipality=world.muni, as_of=AS_OF)
    assert not Flag.objects.filter(decision=ten_hours).exists()


def test_far_below_granted_time_is_a_flag_and_a_month_counts_by_local_time(world, ten_hours):
    deliver(ten_hours, date(2026, 1, 5), 120)
    deliver(ten_hours, date(2026, 2, 5), 120)
    # 00:30 on 1 March in Copenhagen is still February in UTC: it counts for March.
    start = datetime(2026, 3, 1, 0, 30, tzinfo=CPH)
    VisitFactory(decision=ten_hours, planned_start=start, planned_end=start + timedelta(minutes=60), status="done",
                 actual_start=start, actual_end=start + timedelta(minutes=60))
    reassessment_flags_refresh(actor=None, municipality=world.muni, as_of=AS_OF)
    flag = Flag.objects.get(decision=ten_hours)
    assert flag.kind == rules.FLAG_TIME_BELOW
    assert [m["performed_minutes"] for m in flag.evidence["months"]] == [120, 120, 60]


def test_a_municipality_policy_changes_the_threshold(world, ten_hours):
    PolicySetting.objects.create(municipality=world.muni, deviation_percent=40, deviation_months=2)
    for month in (1, 2, 3):
        deliver(ten_hours, date(2026, month, 5), 780)
    reassessment_flags_refresh(actor=None, municipality=world.muni, as_of=AS_OF)
    assert not Flag.objects.filter(decision=ten_hours).exists()


def test_three_missed_visits_in_thirty_days_raise_a_flag_once(world, ten_hours):
    for day in (date(2026, 3, 20), date(2026, 3, 28), date(2026, 4, 2)):
        deliver(ten_hours, day, 30, status="missed")
    deliver(ten_hours, date(2026, 3, 1), 30, status="missed")  # outside the 30 days
    reassessment_flags_refresh(actor=None, municipality=world.muni, as_of=AS_OF)
    flag = Flag.objects.get(kind=rules.FLAG_MISSED_VISITS)
    assert flag.citizen == world.citizen
    assert flag.decision is None
    assert flag.evidence["missed"] == 3
    assert sorted(flag.evidence["days"]) == ["2026-03-20", "2026-03-28", "2026-04-02"]
    # the next day the same misses do not count again
    reassessment_flags_refresh(actor=None, municipality=world.muni, as_of=AS_OF + timedelta(days=1))
    assert Flag.objects.filter(kind=rules.FLAG_MISSED_VISITS).count() == 1


def test_two_missed_visits_are_no_flag(world, ten_hours):
    for day in (date(2026, 3, 20), date(2026, 4, 2)):
        deliver(ten_hours, day, 30, status="missed")
    reassessment_flags_refresh(actor=None, municipality=world.muni, as_of=AS_OF)
    assert not Flag.objects.filter(kind=rules.FLAG_MISSED_VISITS).exists()


def test_a_hospital_stay_starting_in_the_period_is_a_flag(world):
    Absence.objects.create(municipality=world.muni, citizen=world.citizen, kind="hospital",
                           start=date(2026, 4, 1), end=date(2026, 4, 6))
    Absence.objects.create(municipality=world.muni, citizen=world.neighbour, kind="holiday", start=date(2026, 4, 1))
    Absence.objects.create(municipality=world.muni, citizen=world.neighbour, kind="hospital", start=date(2026, 1, 1),
                           end=date(2026, 1, 3))
    reassessment_flags_refresh(actor=None, municipality=world.muni, as_of=AS_OF)
    reassessment_flags_refresh(actor=None, municipality=world.muni, as_of=AS_OF)
    flag = Flag.objects.get(kind=rules.FLAG_HOSPITAL_STAY)
    assert flag.citizen == world.citizen
    assert flag.evidence["days"] == 6


def test_refresh_leaves_other_municipalities_alone(world):
    Absence.objects.create(municipality=world.other_muni, citizen=world.foreigner, kind="hospital",
                           start=date(2026, 4, 1))
    reassessment_flags_refresh(actor=None, municipality=world.muni, as_of=AS_OF)
    assert not Flag.objects.exists()


def test_refresh_needs_team_view_in_the_municipality(world):
    with pytest.raises(PermissionDenied):
        reassessment_flags_refresh(actor=world.assessor, municipality=world.muni, as_of=AS_OF)
    other_manager = UserFactory(role="assessment_manager", municipality=world.other_muni)
    with pytest.raises(PermissionDenied):
        reassessment_flags_refresh(actor=other_manager, municipality=world.muni, as_of=AS_OF)


# --- due dates --------------------------------------------------------------------------------


def test_schedule_sets_the_due_date_by_rule_with_its_reason(world):
    assessment = AssessmentFactory(citizen=world.citizen, assessor=world.assessor, assessed_on=date(2026, 1, 5))
    Absence.objects.create(municipality=world.muni, citizen=world.citizen, kind="hospital",
                           start=date(2026, 2, 1), end=date(2026, 2, 10))
    due = reassessment_schedule(actor=world.assessor, assessment=assessment)
    assert (due.due_on, due.reason) == (date(2026, 2, 24), rules.REASON_HOSPITAL)
    assessment.refresh_from_db()
    assert assessment.next_reassessment_due == date(2026, 2, 24)
    assert AuditEvent.objects.filter(action="reassessment.schedule", object_id=str(assessment.public_id)).exists()


def test_schedule_refuses_another_municipality(world):
    with pytest.raises(PermissionDenied):
        reassessment_schedule(actor=world.other_assessor, assessment=world.assessment)


def test_refresh_schedules_empty_or_later_due_dates_but_keeps_earlier_ones(world):
    rehabilitation = ServiceFactory(municipality=world.muni, code="RH", care_level=5)
    DecisionFactory(citizen=world.citizen, service=rehabilitation, valid_from=date(2026, 1, 10),
                    valid_to=date(2026, 2, 28))
    Assessment.objects.filter(pk=world.assessment.pk).update(next_reassessment_due=date(2027, 1, 5))
    Assessment.objects.filter(pk=world.neighbour_assessment.pk).update(next_reassessment_due=date(2026, 2, 1))
    result = reassessment_flags_refresh(actor=None, municipality=world.muni, as_of=AS_OF)
    world.assessment.refresh_from_db()
    world.neighbour_assessment.refresh_from_db()
    assert world.assessment.next_reassessment_due == date(2026, 3, 28)
    assert DueDate.objects.get(assessment=world.assessment).reason == rules.REASON_REHABILITATION
    assert world.neighbour_assessment.next_reassessment_due == date(2026, 2, 1)  # set earlier by hand
    assert result.scheduled == 1
    world.foreign_assessment.refresh_from_db()
    assert world.foreign_assessment.next_reassessment_due is None


# --- policy -----------------------------------------------------------------------------------


def policy_values(**changes):
    values = {name: getattr(rules.ReassessmentPolicy(), name) for name in rules.POLICY_BOUNDS}
    return {**values, **changes}


def test_a_manager_sets_the_policy(world):
    boss = manager(world)
    setting = reassessment_policy_set(actor=boss, values=policy_values(standard_months=18))
    assert setting.standard_months == 18
    assert setting.municipality == world.muni
    assert AuditEvent.objects.filter(action="reassessment.policy_set").exists()


def test_the_policy_refuses_bad_values_with_field_errors(world):
    with pytest.raises(ValidationError) as error:
        reassessment_policy_set(actor=manager(world), values=policy_values(standard_months=0, missed_visits=None))
    assert set(error.value.message_dict) == {"standard_months", "missed_visits"}
    assert not PolicySetting.objects.exists()


def test_an_assessor_may_not_set_the_policy(world):
    with pytest.raises(PermissionDenied):
        reassessment_policy_set(actor=world.assessor, values=policy_values())


# --- flags ------------------------------------------------------------------------------------


def test_acknowledge_then_resolve_a_flag(world):
    flag = FlagFactory(citizen=world.citizen)
    flag_acknowledge(actor=world.assessor, flag=flag)
    assert flag.status == FlagStatus.ACKNOWLEDGED
    with pytest.raises(ValidationError):
        flag_acknowledge(actor=world.assessor, flag=flag)
    with pytest.raises(ValidationError) as error:
        flag_resolve(actor=world.assessor, flag=flag, note="  ")
    assert "note" in error.value.message_dict
    flag_resolve(actor=world.assessor, flag=flag, note="Reassessed; time raised.")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED
    assert flag.resolved_by == world.assessor
    assert list(AuditEvent.objects.filter(object_id=str(flag.public_id)).values_list("action", flat=True)) == [
        "flag.resolve", "flag.acknowledge"]
    with pytest.raises(ValidationError):
        flag_resolve(actor=world.assessor, flag=flag, note="again")


def test_flags_of_another_municipality_cannot_be_resolved(world):
    flag = FlagFactory(citizen=world.foreigner)
    with pytest.raises(PermissionDenied):
        flag_resolve(actor=world.assessor, flag=flag, note="x")
    with pytest.raises(PermissionDenied):
        flag_resolve(actor=world.private_admin, flag=FlagFactory(citizen=world.citizen), note="x")
