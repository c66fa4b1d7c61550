from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from frivalg.assessments.models import AssessmentScore
from frivalg.assessments.tests.factories import DecisionFactory
from frivalg.choices.models import Choice, DefaultRuleSetting
from frivalg.choices.services import (
    choice_assign_default,
    choice_make,
    choice_switch,
    choices_assign_defaults,
    complaint_decide,
    complaint_submit,
    default_rule_setting_update,
    provider_termination_record,
    rating_submit,
)
from frivalg.core.models import AuditEvent
from frivalg.visits.models import VisitStatus
from frivalg.visits.tests.factories import VisitFactory


@pytest.fixture
def new_decision(world):
    return DecisionFactory(citizen=world.citizen, service=world.personal, valid_from=timezone.localdate())


def test_citizen_chooses_actively(world, new_decision):
    choice = choice_make(actor=world.citizen_user, decision=new_decision, provider=world.in_house)
    assert choice.how == "active" and choice.chosen_by == world.citizen_user and choice.default_rule == ""
    assert AuditEvent.objects.filter(action="choice.make", object_id=str(choice.public_id)).exists()


def test_relative_with_power_of_attorney_may_choose(world, new_decision):
    assert choice_make(actor=world.relative, decision=new_decision, provider=world.private).provider == world.private


@pytest.mark.parametrize("user_attr", ["neighbour_user", "private_admin", "other_assessor", "finance"])
def test_others_may_not_choose(world, new_decision, user_attr):
    with pytest.raises(PermissionDenied):
        choice_make(actor=getattr(world, user_attr), decision=new_decision, provider=world.private)


def test_provider_not_approved_in_the_district_is_refused(world, new_decision):
    with pytest.raises(ValidationError) as error:
        choice_make(actor=world.citizen_user, decision=new_decision, provider=world.other_provider)
    assert "provider" in error.value.message_dict


def test_provider_without_capacity_is_refused_for_new_clients(world, new_decision):
    world.in_house.approvals.filter(service=world.personal).update(accepting_new_clients=False)
    with pytest.raises(ValidationError):
        choice_make(actor=world.citizen_user, decision=new_decision, provider=world.in_house)


def test_switch_keeps_history_and_cancels_the_old_providers_later_visits(world):
    later = timezone.now() + timedelta(days=20)
    future_visit = VisitFactory(
        decision=world.decision, provider=world.private, planned_start=later, planned_end=later + timedelta(minutes=30)
    )
    new = choice_switch(actor=world.citizen_user, decision=world.decision, provider=world.in_house, notice_days=10)
    world.choice.refresh_from_db()
    assert new.previous == world.choice
    assert world.choice.valid_to == new.valid_from - timedelta(days=1)
    assert new.valid_from == timezone.localdate() + timedelta(days=10)
    future_visit.refresh_from_db()
    world.visit.refresh_from_db()
    assert future_visit.status == VisitStatus.CANCELLED_PROVIDER
    assert world.visit.status == VisitStatus.PLANNED
    assert list(Choice.objects.filter(decision=world.decision).values_list("provider__name", flat=True)) == [
        world.private.name,
        world.in_house.name,
    ]


def test_choice_make_on_a_decision_with_a_provider_is_a_switch(world):
    assert (
        choice_make(actor=world.citizen_user, decision=world.decision, provider=world.in_house).previous == world.choice
    )


def test_switch_to_the_same_provider_is_refused(world):
    with pytest.raises(ValidationError):
        choice_switch(actor=world.citizen_user, decision=world.decision, provider=world.private)


def test_default_rule_is_recorded_on_the_choice(world, new_decision):
    choice = choice_assign_default(actor=None, decision=new_decision, rule="in_house")
    assert (choice.how, choice.default_rule, choice.provider) == ("default", "in_house", world.in_house)
    assert choice.reason


def test_default_rule_refuses_when_a_provider_exists_or_rule_unknown(world, new_decision):
    with pytest.raises(ValidationError):
        choice_assign_default(actor=world.assessor, decision=world.decision, rule="rotation")
    with pytest.raises(ValidationError):
        choice_assign_default(actor=world.assessor, decision=new_decision, rule="coin")


# --- capacity, notice, reasons, terminations, the default rule, ratings, complaints ----------


def test_the_last_place_is_refused_with_the_alternatives(world, new_decision):
    world.in_house.approvals.filter(service=world.personal).update(capacity=1)
    other = DecisionFactory(citizen=world.neighbour, service=world.personal, valid_from=timezone.localdate())
    # The neighbour's current personal-care choice already holds the in-house provider's one place.
    assert Choice.objects.filter(provider=world.in_house, decision__service=world.personal,
                                 valid_to__isnull=True).count() == 1
    with pytest.raises(ValidationError) as error:
        choice_make(actor=world.citizen_user, decision=new_decision, provider=world.in_house)
    message = error.value.message_dict["provider"][0]
    assert "Testrup Hjemmepleje has no free places" in message and "Omsorg Nord ApS" in message
    assert choice_make(actor=world.neighbour_user, decision=other, provider=world.private).provider == world.private


def test_switch_uses_the_municipalitys_notice_and_records_reason_and_initiator(world):
    DefaultRuleSetting.objects.create(municipality=world.muni, switch_notice_days=21)
    new = choice_switch(actor=world.citizen_user, decision=world.decision, provider=world.in_house,
                        reason="Wants staff who speak Turkish")
    assert new.valid_from == timezone.localdate() + timedelta(days=21)
    assert (new.reason, new.initiated_by) == ("Wants staff who speak Turkish", "citizen")
    assert AuditEvent.objects.get(action="choice.switch").payload["reason"] == "Wants staff who speak Turkish"


def test_an_agreed_shorter_notice_is_honoured(world):
    new = choice_switch(actor=world.assessor, decision=world.decision, provider=world.in_house, notice_days=3)
    assert new.valid_from == timezone.localdate() + timedelta(days=3)
    assert new.initiated_by == "assessor"


def test_provider_termination_is_recorded_with_the_need_and_the_citizen_chooses_again(world):
    AssessmentScore.objects.create(assessment=world.assessment, area_code="J1", score=3)
    AssessmentScore.objects.create(assessment=world.assessment, area_code="J2", score=9)
    termination = provider_termination_record(actor=world.private_admin, choice=world.choice, reason_code="safety",
                                              explanation="Aggressive dog; staff bitten twice.")
    today = timezone.localdate()
    world.choice.refresh_from_db()
    assert world.choice.valid_to == termination.last_day == today + timedelta(days=9)
    assert (termination.need_points, termination.need_scores, termination.need_scale) == (3, {"J1": 3, "J2": 9},
                                                                                            "fsiii")
    assert termination.choose_by == today + timedelta(days=14)
    assert AuditEvent.objects.filter(action="provider_termination.record").exists()
    # The citizen chooses again: the new provider starts after the old one's last day.
    choice = choice_make(actor=world.citizen_user, decision=world.decision, provider=world.in_house)
    assert choice.valid_from == termination.last_day + timedelta(days=1)
    assert choice.previous is None


def test_only_the_own_provider_may_end_a_relationship(world):
    with pytest.raises(PermissionDenied):
        provider_termination_record(actor=world.in_house_admin, choice=world.choice, reason_code="other",
                                    explanation="x")
    with pytest.raises(ValidationError) as error:
        provider_termination_record(actor=world.private_admin, choice=world.choice, reason_code="whim",
                                    explanation=" ", notice_days=2)
    assert set(error.value.message_dict) == {"reason_code", "explanation", "notice_days"}


def test_default_assignment_after_the_deadline_stores_rule_and_reason(world):
    today = timezone.localdate()
    DefaultRuleSetting.objects.create(municipality=world.muni, rule="in_house")
    late = DecisionFactory(citizen=world.neighbour, service=world.practical, valid_from=today - timedelta(days=20),
                           choice_deadline=today - timedelta(days=1))
    not_yet = DecisionFactory(citizen=world.citizen, service=world.personal, valid_from=today,
                              choice_deadline=today + timedelta(days=5))
    result = choices_assign_defaults(actor=None, municipality=world.muni, today=today)
    (choice,) = result.assigned
    assert choice.decision == late and choice.provider == world.in_house
    assert (choice.how, choice.default_rule, choice.initiated_by) == ("default", "in_house", "system")
    assert "deadline" in choice.reason and (today - timedelta(days=1)).isoformat() in choice.reason
    assert not Choice.objects.filter(decision=not_yet).exists()
    assert choices_assign_defaults(actor=None, municipality=world.muni, today=today).assigned == []


def test_after_a_termination_the_default_waits_for_the_new_deadline(world):
    today = timezone.localdate()
    termination = provider_termination_record(actor=world.private_admin, choice=world.choice, reason_code="capacity",
                                              explanation="We cannot staff evenings.")
    assert choices_assign_defaults(actor=None, municipality=world.muni, today=today).assigned == []
    later = termination.choose_by + timedelta(days=1)
    # The old choice ended; after the new deadline the default rule assigns someone.
    result = choices_assign_defaults(actor=None, municipality=world.muni, today=later)
    assert result.failed == []
    (choice,) = result.assigned
    assert choice.decision == world.decision


def test_default_rule_setting_is_the_purchaser_managers(world):
    with pytest.raises(PermissionDenied):
        default_rule_setting_update(actor=world.assessor, rule="lottery", choice_deadline_days=14,
                                    switch_notice_days=10)
    setting = default_rule_setting_update(actor=world.finance, rule="lottery", choice_deadline_days=21,
                                          switch_notice_days=7)
    assert (setting.rule, setting.choice_deadline_days, setting.switch_notice_days) == ("lottery", 21, 7)
    with pytest.raises(ValidationError) as error:
        default_rule_setting_update(actor=world.finance, rule="coin", choice_deadline_days=-1,
                                    switch_notice_days=400)
    assert set(error.value.message_dict) == {"rule", "choice_deadline_days", "switch_notice_days"}


def test_rating_once_per_quarter_for_a_current_provider(world):
    answers = {"respect": 5, "on_time": 4, "same_people": 3, "overall": 4}
    rating = rating_submit(actor=world.relative, citizen=world.citizen, provider=world.private, answers=answers)
    assert rating.quarter.startswith(str(timezone.localdate().year))
    with pytest.raises(ValidationError):
        rating_submit(actor=world.citizen_user, citizen=world.citizen, provider=world.private, answers=answers)
    with pytest.raises(ValidationError):  # not Karen's provider
        rating_submit(actor=world.citizen_user, citizen=world.citizen, provider=world.in_house, answers=answers)
    with pytest.raises(ValidationError) as error:
        rating_submit(actor=world.neighbour_user, citizen=world.neighbour, provider=world.in_house,
                      answers={**answers, "overall": 6})
    assert "overall" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        rating_submit(actor=world.neighbour_user, citizen=world.citizen, provider=world.private, answers=answers)


def test_complaint_and_its_outcome(world):
    complaint = complaint_submit(actor=world.citizen_user, citizen=world.citizen, provider=world.private,
                                 text="Nobody came on Tuesday.")
    with pytest.raises(PermissionDenied):
        complaint_decide(actor=world.private_admin, complaint=complaint, outcome="rejected")
    decided = complaint_decide(actor=world.assessor, complaint=complaint, outcome="partly", note="Late, not absent")
    assert (decided.outcome, decided.decided_by) == ("partly", world.assessor)
    with pytest.raises(ValidationError):
        complaint_submit(actor=world.citizen_user, citizen=world.citizen, provider=world.private, text="  ")


def test_the_command_assigns_by_the_default_rule(world):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    today = timezone.localdate()
    late = DecisionFactory(citizen=world.neighbour, service=world.practical, valid_from=today - timedelta(days=20),
                           choice_deadline=today - timedelta(days=2))
    out = StringIO()
    call_command("choices_assign_defaults", "--municipality", "T001", stdout=out)
    choice = Choice.objects.get(decision=late)
    assert (choice.how, choice.default_rule) == ("default", "rotation")
    assert str(late.public_id) in out.getvalue()
    with pytest.raises(CommandError):
        call_command("choices_assign_defaults", "--municipality", "NOPE")
    with pytest.raises(CommandError):
        call_command("choices_assign_defaults", "--today", "31-12-2026")


def test_the_task_runs_the_same_service(world):
    from frivalg.choices.tasks import choices_assign_defaults_task

    today = timezone.localdate()
    late = DecisionFactory(citizen=world.neighbour, service=world.practical, valid_from=today - timedelta(days=20),
                           choice_deadline=today - timedelta(days=2))
    assert choices_assign_defaults_task.call(world.muni.pk, today.isoformat()) == 1
    assert Choice.objects.get(decision=late).how == "default"
