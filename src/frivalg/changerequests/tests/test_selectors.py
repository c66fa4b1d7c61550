"""Who sees which requests, messages and adjustments."""

from datetime import timedelta

import pytest
from django.utils import timezone

from frivalg.changerequests import selectors, services
from frivalg.changerequests.tests.factories import ChangeRequestFactory, FrameAdjustmentFactory, MessageFactory
from frivalg.core.tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def requests(world):
    today = timezone.localdate()
    return {
        "karen": ChangeRequestFactory(decision=world.decision, provider=world.private, due_on=today),
        "neighbour": ChangeRequestFactory(decision=world.neighbour_decision, provider=world.in_house,
                                          due_on=today - timedelta(days=2)),
        "foreign": ChangeRequestFactory(decision=world.foreign_decision, provider=world.other_provider,
                                        due_on=today + timedelta(days=1)),
    }


EXPECTED = {
    "assessor": {"karen", "neighbour"},
    "other_assessor": {"foreign"},
    "private_admin": {"karen"},
    "in_house_admin": {"neighbour"},
    "other_admin": {"foreign"},
    "private_caregiver_user": set(),
    "finance": set(),
    "analyst": set(),
    "citizen_user": set(),
    "relative": set(),
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_change_requests_are_scoped(world, requests, who):
    actor = getattr(world, who)
    visible = {name for name, item in requests.items()
               if selectors.change_requests_for(actor=actor).filter(pk=item.pk).exists()}
    assert visible == EXPECTED[who]


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_messages_and_adjustments_are_scoped(world, who):
    rows = {
        "karen": (world.decision, world.private),
        "neighbour": (world.neighbour_decision, world.in_house),
        "foreign": (world.foreign_decision, world.other_provider),
    }
    messages = {name: MessageFactory(decision=d, provider=p) for name, (d, p) in rows.items()}
    frames = {name: FrameAdjustmentFactory(decision=d, provider=p) for name, (d, p) in rows.items()}
    actor = getattr(world, who)
    assert {n for n, m in messages.items() if selectors.messages_for(actor=actor).filter(pk=m.pk).exists()} \
        == EXPECTED[who]
    assert {n for n, f in frames.items()
            if selectors.frame_adjustments_for(actor=actor).filter(pk=f.pk).exists()} == EXPECTED[who]


def test_the_inbox_is_sorted_by_due_date_and_open_only(world, requests):
    closed = ChangeRequestFactory(decision=world.decision, provider=world.private, status="withdrawn")
    inbox = list(selectors.inbox_for(actor=world.assessor))
    assert inbox == [requests["neighbour"], requests["karen"]]
    assert closed not in inbox


def test_mine_is_the_caseload(world, requests):
    # Karen's caseworker is the assessor; the neighbour has none.
    assert list(selectors.inbox_for(actor=world.assessor, mine=True)) == [requests["karen"]]
    other_citizen = CitizenFactory(district=world.north, caseworker=world.assessor)
    assert other_citizen.pk  # a caseload citizen without requests adds nothing
    assert list(selectors.inbox_for(actor=world.assessor, mine=True)) == [requests["karen"]]


def test_providers_have_no_inbox(world, requests):
    assert not selectors.inbox_for(actor=world.private_admin).exists()


def test_allocations_for_the_own_provider_since_a_moment(world):
    services.allocations_backfill(actor=world.assessor, municipality=world.muni)
    mine = list(selectors.allocations_for(actor=world.private_admin))
    assert [m.decision for m in mine] == [world.decision]
    assert list(selectors.allocations_for(actor=world.private_admin, since=mine[0].sent_at)) == mine
    later = mine[0].sent_at + timedelta(microseconds=1)
    assert not selectors.allocations_for(actor=world.private_admin, since=later).exists()
    assert [m.decision for m in selectors.allocations_for(actor=world.in_house_admin)] == [world.neighbour_decision]


def test_pending_allocations_for_the_purchaser(world):
    assert {c.decision for c in selectors.pending_allocations(actor=world.assessor)} == {
        world.decision, world.neighbour_decision}
    assert not selectors.pending_allocations(actor=world.private_admin).exists()
    services.allocations_backfill(actor=world.assessor, municipality=world.muni)
    assert not selectors.pending_allocations(actor=world.assessor).exists()


def test_a_provider_sees_only_decisions_it_delivers(world):
    assert selectors.provider_decision_get(actor=world.private_admin, public_id=world.decision.public_id)
    with pytest.raises(type(world.decision).DoesNotExist):
        selectors.provider_decision_get(actor=world.in_house_admin, public_id=world.decision.public_id)
    with pytest.raises(type(world.decision).DoesNotExist):
        selectors.provider_decision_get(actor=world.assessor, public_id=world.decision.public_id)
