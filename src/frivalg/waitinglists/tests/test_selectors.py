"""Who sees which waiting lists and entries: staff of the municipality with the permission, the
citizen and their relative only their own entries, nobody else anything."""

import pytest

from frivalg.waitinglists import selectors
from frivalg.waitinglists.models import WaitingList, WaitingListEntry

pytestmark = pytest.mark.django_db

NOBODY = ["finance", "analyst", "procurement", "sysadmin", "private_admin", "private_caregiver_user",
          "in_house_admin", "other_admin", "citizen_user", "relative", "neighbour_user"]


def test_staff_see_their_own_municipality_lists_with_counts(world, lists):
    (home,) = selectors.waiting_lists_for(actor=world.assessor)
    assert home == lists.home and home.waiting_count == 2 and home.placed_count == 0
    assert list(selectors.waiting_lists_for(actor=world.other_assessor)) == [lists.foreign_home]
    with pytest.raises(WaitingList.DoesNotExist):
        selectors.waiting_list_get(actor=world.assessor, public_id=lists.foreign_home.public_id)


def test_entries_in_rank_order_for_staff_of_the_list_only(world, lists):
    assert list(selectors.entries_for(actor=world.assessor, waiting_list=lists.home)) == [lists.stranger, lists.karen]
    assert list(selectors.entries_for(actor=world.other_assessor, waiting_list=lists.home)) == []
    assert list(selectors.rank_changes_for(actor=world.other_assessor, waiting_list=lists.home)) == []
    assert [c.entry for c in selectors.rank_changes_for(actor=world.assessor, waiting_list=lists.home)] == [
        lists.karen]
    with pytest.raises(WaitingListEntry.DoesNotExist):
        selectors.entry_get(actor=world.assessor, public_id=lists.foreign_entry.public_id)
    assert selectors.entry_get(actor=world.assessor, public_id=lists.karen.public_id) == lists.karen


@pytest.mark.parametrize("user_attr", NOBODY)
def test_no_one_else_sees_the_lists(world, lists, user_attr):
    actor = getattr(world, user_attr)
    assert list(selectors.waiting_lists_for(actor=actor)) == []
    assert list(selectors.entries_for(actor=actor, waiting_list=lists.home)) == []
    with pytest.raises(WaitingListEntry.DoesNotExist):
        selectors.entry_get(actor=actor, public_id=lists.karen.public_id)


@pytest.mark.parametrize("user_attr, expected", [
    ("citizen_user", ["karen"]), ("relative", ["karen"]), ("neighbour_user", []), ("assessor", []),
    ("other_assessor", []), ("private_admin", []), ("private_caregiver_user", []), ("finance", []),
])
def test_my_entries_are_only_ones_own_or_by_power_of_attorney(world, lists, user_attr, expected):
    actor = getattr(world, user_attr)
    entries = {"karen": lists.karen}
    assert list(selectors.my_entries(actor=actor)) == [entries[name] for name in expected]
    assert (selectors.my_ranking(actor=actor, entry=lists.karen) is not None) == bool(expected)
    assert selectors.my_rank_changes(actor=actor, entry=lists.karen).count() == (1 if expected else 0)


def test_my_ranking_is_the_position_by_the_rule(world, lists):
    ranked = selectors.my_ranking(actor=world.citizen_user, entry=lists.karen)
    assert ranked.position == 2 and ranked.score == 2 * 10 + 30


def test_next_in_line_and_decisions_to_enter(world, lists):
    entry, ranked = selectors.next_in_line(actor=world.assessor, waiting_list=lists.home)
    assert entry == lists.stranger and ranked.position == 1
    assert selectors.next_in_line(actor=world.finance, waiting_list=lists.home) is None
    assert list(selectors.decisions_to_enter(actor=world.assessor, waiting_list=lists.home)) == []
    assert list(selectors.decisions_to_enter(actor=world.other_assessor, waiting_list=lists.home)) == []
