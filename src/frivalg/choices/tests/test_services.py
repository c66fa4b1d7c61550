from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from frivalg.assessments.tests.factories import DecisionFactory
from frivalg.choices.models import Choice
from frivalg.choices.services import choice_assign_default, choice_make, choice_switch
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
