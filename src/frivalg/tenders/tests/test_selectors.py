"""Reads: which tenders and questions each role sees, the evaluation from the grades that count
(single grader, two graders and their consensus, missing grades), and the award letter's data."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from frivalg.providers.tests.factories import ProviderFactory
from frivalg.tenders.models import Tender
from frivalg.tenders.selectors import (
    award_letter_data,
    criteria_of,
    evaluation_for,
    leaf_criteria_of,
    model_params_of,
    price_sheet_in_force,
    question_get,
    questions_for,
    tender_get,
    tenders_for,
)
from frivalg.tenders.services import (
    award_decide,
    bid_save,
    bid_submit,
    grade_record,
    question_answer,
    question_ask,
    tender_open,
)
from frivalg.tenders.tests.factories import (
    TenderFactory,
    close_bidding,
    price_sheet,
    provider_admin,
    tender_world,
)

pytestmark = pytest.mark.django_db

ANSWERS = {"K1": "a", "K2a": "b", "K2b": "c"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def w():
    return tender_world()


# --- tenders ---------------------------------------------------------------------------------


def test_staff_see_their_municipality_s_tenders_bidders_the_published_ones(w):
    planned = TenderFactory(municipality=w.muni, created_by=w.officer)
    foreign = TenderFactory(municipality=w.other_muni, published=True)
    foreign_planned = TenderFactory(municipality=w.other_muni)
    for who in ("officer", "analyst", "politician"):
        assert set(tenders_for(actor=getattr(w, who))) == {w.tender, planned}, who
    assert set(tenders_for(actor=w.alpha_admin)) == {w.tender, foreign}
    assert set(tenders_for(actor=w.other_officer)) == {foreign, foreign_planned}
    assert list(tenders_for(actor=w.sysadmin)) == []
    with pytest.raises(Tender.DoesNotExist):
        tender_get(actor=w.alpha_admin, public_id=planned.public_id)
    assert tender_get(actor=w.officer, public_id=planned.public_id) == planned


def test_a_provider_s_caregiver_sees_no_tenders(w):
    from frivalg.core.tests.factories import UserFactory
    from frivalg.providers.tests.factories import StaffMemberFactory

    caregiver = UserFactory(role="caregiver")
    StaffMemberFactory(provider=w.alpha, user=caregiver, role="caregiver")
    assert list(tenders_for(actor=caregiver)) == []


def test_criteria_come_parent_first(w):
    assert [c.code for c in criteria_of(w.tender)] == ["K1", "K2", "K2a", "K2b"]
    assert [c.code for c in leaf_criteria_of(w.tender)] == ["K1", "K2a", "K2b"]


def test_model_parameters_are_read_with_the_rules_defaults(w):
    tender = w.tender
    tender.model_parameters = {"max_points": "100", "surcharge_per_missing_point_percent": "1.5"}
    params = model_params_of(tender, model="monetised")
    assert (params.model, params.max_points, params.interval_step_percent) == ("monetised", Decimal(100), Decimal(5))
    assert params.surcharge_per_missing_point_percent == Decimal("1.5")
    assert params.price_weight == Decimal(40) and params.min_quality_overall == Decimal(70)


def test_the_price_sheet_in_force_is_the_latest_valid_today(w):
    this_year = timezone.localdate().year
    assert price_sheet_in_force(municipality_id=w.muni.pk) is None
    old = price_sheet(w.muni, "PH1", {"day": 1}, valid_from=date(this_year - 1, 1, 1))
    assert price_sheet_in_force(municipality_id=w.muni.pk) == old
    current = price_sheet(w.muni, "PH1", {"day": 2}, version=2)
    price_sheet(w.muni, "PH1", {"day": 3}, valid_from=timezone.localdate() + timedelta(days=1), version=3)
    assert price_sheet_in_force(municipality_id=w.muni.pk) == current


# --- questions -------------------------------------------------------------------------------


def test_bidders_see_answered_questions_and_their_own(w):
    answered = question_ask(actor=w.alpha_admin, tender=w.tender, text="Elbiler?")
    question_answer(actor=w.officer, question=answered, answer="Ja.")
    alpha_open = question_ask(actor=w.alpha_admin, tender=w.tender, text="Parkering?")
    beta_open = question_ask(actor=w.beta_admin, tender=w.tender, text="Nøgler?")
    assert questions_for(actor=w.officer, tender=w.tender) == [answered, alpha_open, beta_open]
    assert questions_for(actor=w.analyst, tender=w.tender) == [answered, alpha_open, beta_open]
    beta_sees = questions_for(actor=w.beta_admin, tender=w.tender)
    assert beta_sees == [answered, beta_open]
    assert [q.asked_by_me for q in beta_sees] == [False, True]
    assert questions_for(actor=w.sysadmin, tender=w.tender) == []
    assert questions_for(actor=w.other_officer, tender=w.tender) == []
    with pytest.raises(type(alpha_open).DoesNotExist):
        question_get(actor=w.beta_admin, public_id=alpha_open.public_id)
    assert question_get(actor=w.alpha_admin, public_id=alpha_open.public_id) == alpha_open


# --- evaluation ------------------------------------------------------------------------------


def opened(w, *admins):
    bids = []
    for n, admin in enumerate(admins):
        bid = bid_save(actor=admin, lot=w.lot, prices={"day": 40000 + n * 1000, "evening": 50000}, answers=ANSWERS)
        bids.append(bid_submit(actor=admin, bid=bid))
    close_bidding(w.tender)
    tender_open(actor=w.officer, tender=w.tender)
    return bids


def grade(w, bid, criterion, value, actor=None, consensus=False):
    return grade_record(actor=actor or w.officer, bid=bid, criterion=criterion, grade=value, justification="ok",
                        consensus=consensus)


def test_missing_grades_are_reported(w):
    a, b = opened(w, w.alpha_admin, w.beta_admin)
    grade(w, a, w.k1, 8)
    grade(w, a, w.k2a, 8)
    evaluation = evaluation_for(actor=w.officer, lot=w.lot)
    assert evaluation.missing == {str(a.public_id): ["K2b"], str(b.public_id): ["K1", "K2a", "K2b"]}
    assert not evaluation.complete
    assert evaluation.published.result(str(a.public_id)).excluded == "grades_missing"
    grade(w, a, w.k2b, 8)
    for criterion in w.leaves:
        grade(w, b, criterion, 6)
    evaluation = evaluation_for(actor=w.officer, lot=w.lot)
    assert evaluation.complete
    assert evaluation.grades[str(a.public_id)] == {"K1": 8, "K2a": 8, "K2b": 8}
    assert evaluation.published.winner == str(a.public_id)
    assert set(evaluation.evaluations) == {"points_linear", "points_proportional", "points_interval",
                                           "monetised", "price_per_point"}


def test_with_two_graders_only_the_consensus_counts(w):
    Tender.objects.filter(pk=w.tender.pk).update(two_graders=True)
    w.tender.refresh_from_db()
    w.lot.tender = w.tender
    [a] = opened(w, w.alpha_admin)
    for criterion in w.leaves:
        grade(w, a, criterion, 7)
        grade(w, a, criterion, 9, actor=w.officer_b)
    evaluation = evaluation_for(actor=w.officer, lot=w.lot)
    assert evaluation.missing[str(a.public_id)] == ["K1", "K2a", "K2b"]
    grade(w, a, w.k1, 8, consensus=True)
    evaluation = evaluation_for(actor=w.officer, lot=w.lot)
    assert evaluation.missing[str(a.public_id)] == ["K2a", "K2b"]
    assert evaluation.grades[str(a.public_id)] == {"K1": 8}


def test_disagreeing_single_graders_need_a_consensus(w):
    [a] = opened(w, w.alpha_admin)
    grade(w, a, w.k1, 7)
    grade(w, a, w.k1, 9, actor=w.officer_b)
    grade(w, a, w.k2a, 5)
    grade(w, a, w.k2a, 5, actor=w.officer_b)
    evaluation = evaluation_for(actor=w.officer, lot=w.lot)
    assert evaluation.missing[str(a.public_id)] == ["K1", "K2b"]
    assert evaluation.grades[str(a.public_id)] == {"K2a": 5}


def test_the_evaluation_serialises_for_the_award(w):
    a, b = opened(w, w.alpha_admin, w.beta_admin)
    for criterion in w.leaves:
        grade(w, a, criterion, 9)
        grade(w, b, criterion, 8)
    data = evaluation_for(actor=w.officer, lot=w.lot).as_dict()
    assert data["model"] == "points_linear"
    assert data["missing_grades"] == {}
    assert data["bids"][str(a.public_id)]["evaluation_price_minor"] == 40000 * 1000 + 50000 * 200
    first = data["models"]["points_linear"]["results"][0]
    assert first["key"] == str(a.public_id) and first["rank"] == 1
    assert Decimal(first["total"]) == Decimal("0.4") * 10 + Decimal("0.6") * 9


# --- the award letter ------------------------------------------------------------------------


@pytest.fixture
def award(w):
    gamma = ProviderFactory(name="Gamma Hjem")
    gamma_admin = provider_admin(gamma)
    a, b, c = opened(w, w.alpha_admin, w.beta_admin, gamma_admin)
    for criterion, grades in zip(w.leaves, [(9, 8, 7), (9, 8, 7), (9, 8, 7)], strict=True):
        for bid, value in zip((a, b, c), grades, strict=True):
            grade(w, bid, criterion, value)
    decided = award_decide(actor=w.officer, lot=w.lot, winners=[a], reasons="Best quality at the lowest price.")
    return decided, a, b, c, gamma_admin


def test_a_bidder_s_letter_shows_its_scores_and_the_winner_s(w, award):
    decided, a, b, _c, _gamma_admin = award
    data = award_letter_data(actor=w.beta_admin, award=decided)
    assert data["reasons"] == "Best quality at the lowest price."
    assert data["standstill_ends"] == decided.standstill_ends
    assert [row["key"] for row in data["own"]] == [str(b.public_id)]
    assert [row["key"] for row in data["winners"]] == [str(a.public_id)]
    assert [row["key"] for row in data["bids"]] == [str(a.public_id), str(b.public_id)]  # not gamma's
    own = data["own"][0]
    assert own["rank"] == 2 and not own["winner"]
    assert [(c_["code"], c_["grade"]) for c_ in own["criteria"]] == [("K1", 8), ("K2a", 8), ("K2b", 8)]
    assert own["rounded_total"] == own["total"].quantize(Decimal("0.01"))
    assert data["winners"][0]["winner"] and data["winners"][0]["rank"] == 1
    assert data["rounding"].startswith("ROUND_HALF_UP")


def test_staff_read_every_bidder_s_scores(w, award):
    decided, a, b, c, _gamma_admin = award
    for who in ("officer", "analyst", "politician"):
        data = award_letter_data(actor=getattr(w, who), award=decided)
        assert [row["key"] for row in data["bids"]] == [str(a.public_id), str(b.public_id), str(c.public_id)]


@pytest.mark.parametrize("who", ["sysadmin", "other_officer", "in_house_admin"])
def test_others_do_not_read_the_letter(w, award, who):
    from django.core.exceptions import PermissionDenied

    decided, *_ = award
    with pytest.raises(PermissionDenied):
        award_letter_data(actor=getattr(w, who), award=decided)
