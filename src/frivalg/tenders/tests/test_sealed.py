"""Sealed bids: before the deadline nobody reads a bid but its own bidder — tested through every
selector that reads bids, for the procurement officer, a second officer, an analyst, a politician,
the system administrator, another municipality's officer and another bidder. After the deadline
the seal holds until the bids are opened; then the municipality's staff read the submitted bids,
never drafts or withdrawn ones."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from frivalg.tenders.models import Bid
from frivalg.tenders.selectors import award_letter_data, bid_get, bids_for, evaluation_for, own_live_bid
from frivalg.tenders.services import bid_save, bid_submit, bid_withdraw, tender_open
from frivalg.tenders.tests.factories import AwardFactory, close_bidding, tender_world

pytestmark = pytest.mark.django_db

ANSWERS = {"K1": "a", "K2a": "b", "K2b": "c"}
OUTSIDERS = ["officer", "officer_b", "analyst", "politician", "sysadmin", "other_officer", "beta_admin"]
STAFF = ["officer", "officer_b", "analyst", "politician"]
NOT_STAFF = ["sysadmin", "other_officer"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def sealed():
    """Alpha submitted, beta a draft, the in-house provider withdrew — all before the deadline."""
    w = tender_world()
    alpha = bid_submit(actor=w.alpha_admin, bid=bid_save(actor=w.alpha_admin, lot=w.lot,
                                                         prices={"day": 40000, "evening": 50000}, answers=ANSWERS))
    beta = bid_save(actor=w.beta_admin, lot=w.lot, prices={"day": 41000, "evening": 51000}, answers=ANSWERS)
    gamma_admin = w.in_house_admin
    withdrawn = Bid.objects.create(tender=w.tender, lot=w.lot, provider=w.in_house, status="submitted",
                                   prices={"day": 1, "evening": 1}, evaluation_price_minor=1200,
                                   submitted_by=gamma_admin)
    withdrawn = bid_withdraw(actor=gamma_admin, bid=withdrawn)
    return w, alpha, beta, withdrawn


@pytest.mark.parametrize("who", OUTSIDERS)
def test_before_the_deadline_no_one_else_lists_the_bids(sealed, who):
    w, _alpha, beta, _withdrawn = sealed
    actor = getattr(w, who)
    visible = bids_for(actor=actor, tender=w.tender)
    if who == "beta_admin":
        assert visible == [beta]  # its own draft, nothing else
    else:
        assert visible == []
    assert bids_for(actor=actor, tender=w.tender, lot=w.lot) == visible


@pytest.mark.parametrize("who", OUTSIDERS)
def test_before_the_deadline_no_one_else_gets_a_bid(sealed, who):
    w, alpha, _beta, withdrawn = sealed
    for bid in (alpha, withdrawn):
        with pytest.raises(Bid.DoesNotExist):
            bid_get(actor=getattr(w, who), public_id=bid.public_id)


@pytest.mark.parametrize("who", [*OUTSIDERS, "alpha_admin"])
def test_before_the_deadline_no_one_evaluates(sealed, who):
    w, *_ = sealed
    with pytest.raises(PermissionDenied):
        evaluation_for(actor=getattr(w, who), lot=w.lot)


@pytest.mark.parametrize("who", [*OUTSIDERS, "alpha_admin"])
def test_before_the_deadline_no_award_letter_is_read(sealed, who):
    """Even an award made in error before the deadline (the services refuse it) reveals nothing."""
    w, alpha, *_ = sealed
    award = AwardFactory(lot=w.lot, decided_by=w.officer)
    award.winners.set([alpha])
    with pytest.raises(PermissionDenied):
        award_letter_data(actor=getattr(w, who), award=award)


def test_the_bidder_reads_its_own_bid(sealed):
    w, alpha, _beta, _withdrawn = sealed
    assert bids_for(actor=w.alpha_admin, tender=w.tender) == [alpha]
    assert bid_get(actor=w.alpha_admin, public_id=alpha.public_id) == alpha
    assert own_live_bid(actor=w.alpha_admin, lot=w.lot) == alpha
    assert own_live_bid(actor=w.officer, lot=w.lot) is None


def test_the_in_house_bidder_reads_only_its_own_withdrawn_bid(sealed):
    w, _alpha, _beta, withdrawn = sealed
    assert bids_for(actor=w.in_house_admin, tender=w.tender) == [withdrawn]
    assert own_live_bid(actor=w.in_house_admin, lot=w.lot) is None


@pytest.mark.parametrize("who", OUTSIDERS)
def test_after_the_deadline_the_seal_holds_until_opening(sealed, who):
    w, alpha, beta, _withdrawn = sealed
    close_bidding(w.tender)
    expected = [beta] if who == "beta_admin" else []
    assert bids_for(actor=getattr(w, who), tender=w.tender) == expected
    with pytest.raises(Bid.DoesNotExist):
        bid_get(actor=getattr(w, who), public_id=alpha.public_id)
    with pytest.raises(PermissionDenied):
        evaluation_for(actor=getattr(w, who), lot=w.lot)


@pytest.mark.parametrize("who", STAFF)
def test_after_opening_staff_read_the_submitted_bids(sealed, who):
    w, alpha, beta, withdrawn = sealed
    close_bidding(w.tender)
    tender_open(actor=w.officer, tender=w.tender)
    actor = getattr(w, who)
    assert bids_for(actor=actor, tender=w.tender) == [alpha]  # not the draft, not the withdrawn bid
    assert bid_get(actor=actor, public_id=alpha.public_id) == alpha
    for hidden in (beta, withdrawn):
        with pytest.raises(Bid.DoesNotExist):
            bid_get(actor=actor, public_id=hidden.public_id)
    evaluation = evaluation_for(actor=actor, lot=w.lot)
    assert list(evaluation.bids) == [str(alpha.public_id)]


@pytest.mark.parametrize("who", NOT_STAFF)
def test_after_opening_others_still_read_nothing(sealed, who):
    w, alpha, _beta, _withdrawn = sealed
    close_bidding(w.tender)
    tender_open(actor=w.officer, tender=w.tender)
    actor = getattr(w, who)
    assert bids_for(actor=actor, tender=w.tender) == []
    with pytest.raises(Bid.DoesNotExist):
        bid_get(actor=actor, public_id=alpha.public_id)
    with pytest.raises(PermissionDenied):
        evaluation_for(actor=actor, lot=w.lot)


def test_after_opening_another_bidder_still_reads_only_its_own(sealed):
    w, alpha, beta, _withdrawn = sealed
    close_bidding(w.tender)
    tender_open(actor=w.officer, tender=w.tender)
    assert bids_for(actor=w.beta_admin, tender=w.tender) == [beta]
    with pytest.raises(Bid.DoesNotExist):
        bid_get(actor=w.beta_admin, public_id=alpha.public_id)
