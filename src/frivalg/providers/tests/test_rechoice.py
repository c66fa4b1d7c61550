"""When a provider is suspended or leaves, its clients choose again; nobody is left without one."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from frivalg.choices.models import Choice
from frivalg.choices.services import choice_make
from frivalg.providers import rules
from frivalg.providers.models import ReChoice, ReChoiceStatus
from frivalg.providers.selectors import capacity_overview, rechoices_for
from frivalg.providers.services import approval_decide, approval_notice_give, rechoice_assign_due

pytestmark = pytest.mark.django_db


def open_choice_of(decision):
    return Choice.objects.get(decision=decision, valid_to__isnull=True)


def test_suspension_lists_the_clients_and_the_default_rule_assigns_them(world):
    approval = world.private.approvals.get(service=world.practical)
    approval_decide(actor=world.finance, approval=approval, status="suspended", reason="Tilsyn fandt mangler")
    rechoice = ReChoice.objects.get()
    today = timezone.localdate()
    assert (rechoice.decision, rechoice.previous_choice, rechoice.deadline, rechoice.status) == (
        world.decision, world.choice, today, ReChoiceStatus.OPEN)
    assert list(rechoices_for(actor=world.finance)) == [rechoice]
    assert list(rechoices_for(actor=world.private_admin)) == [rechoice]
    assert not rechoices_for(actor=world.other_finance).exists()
    assert rechoice_assign_due(actor=None, today=today) == {"open": 0, "chosen": 0, "assigned": 0, "none": 0}
    counts = rechoice_assign_due(actor=None, today=today + timedelta(days=1))
    assert counts["assigned"] == 1
    new = open_choice_of(world.decision)
    assert new.provider == world.in_house and new.how == "default"
    assert new.valid_from == today + timedelta(days=1)
    world.choice.refresh_from_db()
    assert world.choice.valid_to == today
    rechoice.refresh_from_db()
    assert (rechoice.status, rechoice.new_choice) == (ReChoiceStatus.ASSIGNED, new)


def test_termination_with_notice(world):
    approval = world.private.approvals.get(service=world.practical)
    with pytest.raises(ValidationError) as error:
        approval_notice_give(actor=world.private_admin, approval=approval, reason=" ")
    assert "reason" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        approval_notice_give(actor=world.in_house_admin, approval=approval, reason="Lukker")
    today = timezone.localdate()
    approval = approval_notice_give(actor=world.private_admin, approval=approval, reason="Vi lukker afdelingen")
    end = rules.add_months(today, 3)
    assert (approval.valid_to, approval.notice_given_on, approval.accepting_new_clients) == (end, today, False)
    assert approval.status == "approved"  # it keeps serving until the end of the notice
    rechoice = ReChoice.objects.get()
    assert (rechoice.end_date, rechoice.deadline) == (end, end - timedelta(days=rules.RECHOICE_DAYS_BEFORE_END))
    rechoice_assign_due(actor=None, today=rechoice.deadline)
    assert ReChoice.objects.get().status == ReChoiceStatus.OPEN  # the deadline day itself is still open
    rechoice_assign_due(actor=None, today=rechoice.deadline + timedelta(days=1))
    new = open_choice_of(world.decision)
    assert new.provider == world.in_house and new.valid_from == end + timedelta(days=1)
    world.choice.refresh_from_db()
    assert world.choice.valid_to == end


def test_notice_period_is_configurable(world):
    approval = world.in_house.approvals.get(service=world.personal)
    approval = approval_notice_give(actor=world.finance, approval=approval, reason="Omlægning", notice_months=1)
    assert approval.valid_to == rules.add_months(timezone.localdate(), 1)
    assert ReChoice.objects.get().decision == world.neighbour_decision  # the in-house provider's client


def test_a_client_who_chose_again_is_left_alone(world):
    approval = world.private.approvals.get(service=world.practical)
    approval_notice_give(actor=world.private_admin, approval=approval, reason="Vi lukker")
    choice_make(actor=world.citizen_user, decision=world.decision, provider=world.in_house)
    rechoice = ReChoice.objects.get()
    counts = rechoice_assign_due(actor=None, today=rechoice.deadline + timedelta(days=1))
    assert counts["chosen"] == 1
    rechoice.refresh_from_db()
    assert rechoice.status == ReChoiceStatus.CHOSEN
    assert rechoice.new_choice.provider == world.in_house and rechoice.new_choice.how == "active"


def test_nobody_is_left_without_a_provider(world):
    """After the end date every client has an open choice with another provider, or is listed as
    without one, with the reason, on the purchaser's capacity overview."""
    today = timezone.localdate()
    approval_decide(actor=world.finance, approval=world.in_house.approvals.get(service=world.practical),
                    status="suspended", reason="Personalemangel")
    approval_decide(actor=world.finance, approval=world.private.approvals.get(service=world.practical),
                    status="suspended", reason="Tilsyn")
    call_command("rechoice_assign")  # the deadline is today: nothing yet
    assert ReChoice.objects.get().status == ReChoiceStatus.OPEN
    rechoice_assign_due(actor=None, today=today + timedelta(days=1))
    rechoice = ReChoice.objects.get()
    assert rechoice.status == ReChoiceStatus.NO_PROVIDER and rechoice.reason
    assert open_choice_of(world.decision).provider == world.private  # kept until someone can take over
    overview = capacity_overview(actor=world.finance, on=today)
    assert overview.without_provider == [rechoice]
    assert capacity_overview(actor=world.other_finance, on=today).without_provider == []
    for decision in (world.decision, world.neighbour_decision):
        current = open_choice_of(decision)
        settled = ReChoice.objects.filter(decision=decision, status=ReChoiceStatus.NO_PROVIDER).exists()
        assert current.provider.approvals.get(service=decision.service).status == "approved" or settled


def test_capacity_overview_per_service_and_district(world):
    approval = world.private.approvals.get(service=world.practical)
    approval.capacity = 10
    approval.save()
    rows = capacity_overview(actor=world.finance, on=timezone.localdate()).rows
    private_north = next(r for r in rows if r.provider == world.private and r.service == world.practical
                         and r.district == world.north)
    assert (private_north.capacity, private_north.clients, private_north.places_left, private_north.accepting) == (
        10, 1, 9, True)
    assert {r.provider for r in rows} == {world.private, world.in_house}
    assert capacity_overview(actor=world.private_admin, on=timezone.localdate()).rows == []


def test_the_municipality_s_own_default_rule_assigns_a_leaving_provider_s_clients(world):
    from frivalg.choices.models import DefaultRuleSetting

    DefaultRuleSetting.objects.create(municipality=world.muni, rule="in_house")
    approval_decide(actor=world.finance, approval=world.private.approvals.get(service=world.practical),
                    status="suspended", reason="Tilsyn fandt mangler")
    rechoice_assign_due(actor=None, today=timezone.localdate() + timedelta(days=1))
    new = open_choice_of(world.decision)
    assert new.provider == world.in_house and new.default_rule == "in_house"
