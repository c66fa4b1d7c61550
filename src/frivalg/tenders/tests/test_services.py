"""The tender workflow's services: planning and locking, publication checks, questions, bids and
their deadline, the in-house control bid, grading, award, standstill and contract."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from frivalg.assessments.tests.factories import DecisionFactory
from frivalg.choices.selectors import eligible_providers
from frivalg.core.models import AuditEvent
from frivalg.core.tests.factories import CitizenFactory
from frivalg.providers.models import Approval
from frivalg.providers.tests.factories import ApprovalFactory
from frivalg.tenders import storage
from frivalg.tenders.models import Award, Bid, Contract, Grade, Tender
from frivalg.tenders.selectors import exclusive_provider_ids
from frivalg.tenders.services import (
    TenderInput,
    award_decide,
    bid_save,
    bid_submit,
    bid_withdraw,
    contract_sign,
    control_bid_prepare,
    criterion_remove,
    criterion_save,
    grade_record,
    lot_remove,
    lot_save,
    question_answer,
    question_ask,
    tender_create,
    tender_open,
    tender_publish,
    tender_update,
)
from frivalg.tenders.tests.factories import (
    CriterionFactory,
    LotFactory,
    TenderFactory,
    close_bidding,
    price_sheet,
    tender_world,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ANSWERS = {"K1": "Faste teams", "K2a": "Uddannelsesplan", "K2b": "Klageprocedure"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def w():
    return tender_world()


def audit(action):
    return AuditEvent.objects.filter(action=action)


def errors_of(excinfo):
    return excinfo.value.message_dict


def submitted(w, admin, day=40000, evening=50000):
    bid = bid_save(actor=admin, lot=w.lot, prices={"day": day, "evening": evening}, answers=ANSWERS)
    return bid_submit(actor=admin, bid=bid)


def grade_all(w, bid, grades, *, actor=None, consensus=False):
    for criterion, grade in zip(w.leaves, grades, strict=True):
        grade_record(actor=actor or w.officer, bid=bid, criterion=criterion, grade=grade,
                     justification="Concrete and credible.", consensus=consensus)


def opened_with_bids(w, alpha=(40000, 50000), beta=(45000, 55000)):
    a = submitted(w, w.alpha_admin, *alpha)
    b = submitted(w, w.beta_admin, *beta)
    close_bidding(w.tender)
    tender_open(actor=w.officer, tender=w.tender)
    return Bid.objects.get(pk=a.pk), Bid.objects.get(pk=b.pk)


# --- planning ------------------------------------------------------------------------------


def planned_input(**changes):
    now = timezone.now()
    values = dict(
        reference="UDB-2026-01", title="Praktisk hjælp", evaluation_model="points_proportional",
        model_parameters={"max_points": Decimal("100")}, price_weight=Decimal("40"),
        question_deadline=now + timedelta(days=5), bid_deadline=now + timedelta(days=10),
        contract_start=date(2030, 1, 1), contract_end=date(2032, 1, 1),
    )
    values.update(changes)
    return TenderInput(**values)


def test_create_a_tender_in_the_officer_s_municipality(w):
    tender = tender_create(actor=w.officer, data=planned_input())
    assert tender.municipality == w.muni
    assert tender.status == "planned"
    assert tender.model_parameters == {"max_points": "100"}
    assert audit("tender.create").get().object_id == str(tender.public_id)


@pytest.mark.parametrize("who", ["analyst", "alpha_admin", "sysadmin"])
def test_only_procurement_creates_tenders(w, who):
    with pytest.raises(PermissionDenied):
        tender_create(actor=getattr(w, who), data=planned_input())


@pytest.mark.parametrize(("changes", "field"), [
    ({"reference": " "}, "reference"),
    ({"title": ""}, "title"),
    ({"evaluation_model": "lottery"}, "evaluation_model"),
    ({"price_weight": Decimal("101")}, "price_weight"),
    ({"model_parameters": {"max_points": "abc"}}, "max_points"),
    ({"model_parameters": {"max_points": "0"}}, "max_points"),
    ({"model_parameters": {"interval_step_percent": "-1"}}, "interval_step_percent"),
    ({"model_parameters": {"luck": "1"}}, "model_parameters"),
    ({"contract_end": date(2029, 1, 1)}, "contract_end"),
    ({"risk_band_low_percent": 130}, "risk_band_high_percent"),
])
def test_bad_tender_input_is_a_field_error(w, changes, field):
    with pytest.raises(ValidationError) as excinfo:
        tender_create(actor=w.officer, data=planned_input(**changes))
    assert field in errors_of(excinfo)


def test_question_deadline_must_precede_the_bid_deadline(w):
    now = timezone.now()
    with pytest.raises(ValidationError) as excinfo:
        tender_create(actor=w.officer, data=planned_input(question_deadline=now + timedelta(days=10),
                                                          bid_deadline=now + timedelta(days=5)))
    assert "question_deadline" in errors_of(excinfo)


def test_the_reference_is_unique_in_the_municipality(w):
    tender_create(actor=w.officer, data=planned_input())
    with pytest.raises(ValidationError) as excinfo:
        tender_create(actor=w.officer, data=planned_input())
    assert "reference" in errors_of(excinfo)


def test_update_a_planned_tender(w):
    tender = tender_create(actor=w.officer, data=planned_input())
    tender_update(actor=w.officer, tender=tender, data=planned_input(evaluation_model="monetised",
                                                                     title="Ny titel"))
    tender.refresh_from_db()
    assert (tender.evaluation_model, tender.title) == ("monetised", "Ny titel")
    assert "evaluation_model" in audit("tender.update").get().payload["changed"]


def test_another_municipality_cannot_update(w):
    tender = tender_create(actor=w.officer, data=planned_input())
    with pytest.raises(PermissionDenied):
        tender_update(actor=w.other_officer, tender=tender, data=planned_input(title="X"))


def test_the_lot_is_checked_and_saved(w):
    tender = tender_create(actor=w.officer, data=planned_input())
    lot = lot_save(actor=w.officer, tender=tender, number=1, title="Nord", service=w.service, districts=[w.north],
                   price_form="hourly", volumes={"day": 12000, "evening": 0, "night": None}, max_winners=2)
    assert lot.volumes == {"day": 12000}
    assert list(lot.districts.all()) == [w.north]
    with pytest.raises(ValidationError) as excinfo:
        lot_save(actor=w.officer, tender=tender, number=1, title="Syd", service=w.service, districts=[],
                 price_form="hourly", volumes={"day": 1}, max_winners=1)
    assert "number" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        lot_save(actor=w.officer, tender=tender, number=2, title="Syd", service=w.service, districts=[],
                 price_form="unit", volumes={"day": 1}, max_winners=1)
    assert "volumes" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        lot_save(actor=w.officer, tender=tender, number=2, title="Syd", service=w.service, districts=[],
                 price_form="hourly", volumes={"day": "12.5"}, max_winners=1)
    assert "volumes" in errors_of(excinfo)


def test_criteria_are_checked(w):
    tender = tender_create(actor=w.officer, data=planned_input())
    k1 = criterion_save(actor=w.officer, tender=tender, code="K1", name="Kontinuitet", weight=Decimal("100"),
                        scale_max=5, grade_descriptions={0: "Intet", "5": " Fremragende "})
    assert k1.grade_descriptions == {"0": "Intet", "5": "Fremragende"}
    for kwargs, field in [
        ({"code": "K1"}, "code"),
        ({"weight": Decimal("0")}, "weight"),
        ({"weight": Decimal("100.001")}, "weight"),
        ({"scale_max": 0}, "scale_max"),
        ({"grade_descriptions": {"7": "Too high"}}, "grade_descriptions"),
        ({"value_per_point_minor": -1}, "value_per_point_minor"),
    ]:
        values = {"code": "K2", "name": "X", "weight": Decimal("50"), "scale_max": 5,
                  "grade_descriptions": {}} | kwargs
        with pytest.raises(ValidationError) as excinfo:
            criterion_save(actor=w.officer, tender=tender, **values)
        assert field in errors_of(excinfo), kwargs
    with pytest.raises(ValidationError) as excinfo:
        criterion_save(actor=w.officer, tender=tender, criterion=k1, code="K1", name="X", weight=Decimal(100),
                       scale_max=5, grade_descriptions={}, parent=k1)
    assert "parent" in errors_of(excinfo)


# --- publication and the lock ----------------------------------------------------------------


def planned_tender(w, **fields):
    tender = TenderFactory(municipality=w.muni, created_by=w.officer, **fields)
    LotFactory(tender=tender, service=w.service)
    CriterionFactory(tender=tender, code="A", weight=Decimal(70), grade_descriptions={"0": "x", "10": "y"})
    CriterionFactory(tender=tender, code="B", weight=Decimal(30), grade_descriptions={"0": "x", "10": "y"})
    return tender


def test_publish_locks_the_tender(w):
    tender = tender_publish(actor=w.officer, tender=planned_tender(w))
    assert tender.status == "published"
    assert tender.published_at is not None and tender.locked_at is not None
    assert audit("tender.publish").get().payload["model"] == "points_linear"


def test_publication_checks(w):
    tender = TenderFactory(municipality=w.muni, created_by=w.officer, question_deadline=timezone.now()
                           - timedelta(days=1), contract_start=None, contract_end=None)
    CriterionFactory(tender=tender, code="A", weight=Decimal(60), grade_descriptions={"0": "x"})
    with pytest.raises(ValidationError) as excinfo:
        tender_publish(actor=w.officer, tender=tender)
    problems = errors_of(excinfo)
    assert set(problems) >= {"lots", "criteria", "question_deadline", "contract_start", "contract_end"}
    texts = " ".join(problems["criteria"])
    assert "sum to 60.00 %, not 100 %" in texts
    assert "describe what earns the lowest grade (0) and the highest (10)" in texts
    assert Tender.objects.get(pk=tender.pk).status == "planned"
    assert not audit("tender.publish").exists()


def test_the_monetised_model_needs_money_values(w):
    tender = planned_tender(w, evaluation_model="monetised")
    with pytest.raises(ValidationError) as excinfo:
        tender_publish(actor=w.officer, tender=tender)
    assert "money value of a grade point" in " ".join(errors_of(excinfo)["criteria"])
    tender.model_parameters = {"surcharge_per_missing_point_percent": "2"}
    tender.save()
    assert tender_publish(actor=w.officer, tender=tender).status == "published"


def test_the_bid_deadline_must_be_in_the_future(w):
    tender = planned_tender(w, question_deadline=timezone.now() - timedelta(days=2),
                            bid_deadline=timezone.now() - timedelta(days=1))
    with pytest.raises(ValidationError) as excinfo:
        tender_publish(actor=w.officer, tender=tender)
    assert "bid_deadline" in errors_of(excinfo)


def test_the_evaluation_model_cannot_change_after_publication(w):
    tender = w.tender
    data = TenderInput(
        reference=tender.reference, title=tender.title, description=tender.description,
        evaluation_model="monetised", model_parameters=tender.model_parameters, price_weight=Decimal("60"),
        question_deadline=tender.question_deadline, bid_deadline=tender.bid_deadline,
        contract_start=tender.contract_start, contract_end=tender.contract_end)
    with pytest.raises(ValidationError) as excinfo:
        tender_update(actor=w.officer, tender=tender, data=data)
    assert set(errors_of(excinfo)) == {"evaluation_model", "price_weight"}
    assert "locked" in errors_of(excinfo)["evaluation_model"][0]
    tender.refresh_from_db()
    assert tender.evaluation_model == "points_linear" and tender.price_weight == Decimal(40)


def test_the_model_parameters_cannot_change_after_publication(w):
    tender = w.tender
    data = TenderInput(
        reference=tender.reference, title=tender.title, description=tender.description,
        model_parameters={"max_points": "100"}, question_deadline=tender.question_deadline,
        bid_deadline=tender.bid_deadline, contract_start=tender.contract_start, contract_end=tender.contract_end)
    with pytest.raises(ValidationError) as excinfo:
        tender_update(actor=w.officer, tender=tender, data=data)
    assert "model_parameters" in errors_of(excinfo)


def test_the_criteria_and_lots_cannot_change_after_publication(w):
    with pytest.raises(ValidationError) as excinfo:
        criterion_save(actor=w.officer, tender=w.tender, criterion=w.k1, code="K1", name="X", weight=Decimal(50),
                       scale_max=10, grade_descriptions={})
    assert "weight" in errors_of(excinfo)
    with pytest.raises(ValidationError):
        criterion_save(actor=w.officer, tender=w.tender, code="K3", name="New", weight=Decimal(10), scale_max=10,
                       grade_descriptions={})
    with pytest.raises(ValidationError):
        criterion_remove(actor=w.officer, criterion=w.k2b)
    with pytest.raises(ValidationError) as excinfo:
        lot_save(actor=w.officer, tender=w.tender, lot=w.lot, number=1, title="X", service=w.service,
                 districts=[], price_form="hourly", volumes={"day": 1}, max_winners=1)
    assert "number" in errors_of(excinfo)
    with pytest.raises(ValidationError):
        lot_remove(actor=w.officer, lot=w.lot)
    w.k1.refresh_from_db()
    assert w.k1.weight == Decimal(60)


# --- questions -------------------------------------------------------------------------------


def test_questions_and_answers(w):
    question = question_ask(actor=w.alpha_admin, tender=w.tender, text="  Må vi bruge elbiler? ")
    assert question.text == "Må vi bruge elbiler?"
    answered = question_answer(actor=w.officer, question=question, answer="Ja.")
    assert answered.answered_by == w.officer and answered.answered_at is not None
    assert audit("tender.question_ask").exists() and audit("tender.question_answer").exists()


def test_questions_close_at_the_question_deadline(w):
    Tender.objects.filter(pk=w.tender.pk).update(question_deadline=timezone.now() - timedelta(seconds=1))
    w.tender.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        question_ask(actor=w.alpha_admin, tender=w.tender, text="Sent?")
    assert "text" in errors_of(excinfo)


def test_question_permissions(w):
    with pytest.raises(PermissionDenied):
        question_ask(actor=w.officer, tender=w.tender, text="?")
    question = question_ask(actor=w.alpha_admin, tender=w.tender, text="?")
    with pytest.raises(PermissionDenied):
        question_answer(actor=w.alpha_admin, question=question, answer="!")
    with pytest.raises(PermissionDenied):
        question_answer(actor=w.other_officer, question=question, answer="!")
    with pytest.raises(ValidationError):
        question_answer(actor=w.officer, question=question, answer=" ")


# --- bids ------------------------------------------------------------------------------------


def test_a_bid_is_drafted_priced_and_submitted(w):
    bid = bid_save(actor=w.alpha_admin, lot=w.lot, prices={"day": 40000, "evening": "50000"}, answers=ANSWERS)
    assert bid.status == "draft" and bid.provider == w.alpha
    assert bid.evaluation_price_minor == 40000 * 1000 + 50000 * 200
    bid = bid_submit(actor=w.alpha_admin, bid=bid)
    assert bid.status == "submitted" and bid.submitted_at is not None
    assert audit("tender.bid_save").get().municipality == w.muni
    assert audit("tender.bid_submit").exists()


def test_updating_keeps_one_live_bid_per_lot_and_provider(w):
    first = bid_save(actor=w.alpha_admin, lot=w.lot, prices={"day": 40000, "evening": 50000}, answers=ANSWERS)
    second = bid_save(actor=w.alpha_admin, lot=w.lot, prices={"day": 39000, "evening": 50000}, answers=ANSWERS)
    assert first.pk == second.pk
    assert Bid.objects.filter(lot=w.lot, provider=w.alpha).count() == 1
    assert second.evaluation_price_minor == 39000 * 1000 + 50000 * 200


def test_after_withdrawing_a_new_bid_may_be_made(w):
    bid = submitted(w, w.alpha_admin)
    bid_withdraw(actor=w.alpha_admin, bid=bid)
    again = bid_save(actor=w.alpha_admin, lot=w.lot, prices={"day": 1, "evening": 1}, answers=ANSWERS)
    assert again.pk != bid.pk
    assert Bid.objects.get(pk=bid.pk).status == "withdrawn"


@pytest.mark.parametrize(("prices", "answers", "field"), [
    ({"day": 40000}, ANSWERS, "prices"),
    ({"day": 40000, "evening": 0}, ANSWERS, "prices"),
    ({"day": 40000, "evening": "4.5"}, ANSWERS, "prices"),
    ({"day": 40000, "evening": 1, "night": 1}, ANSWERS, "prices"),
    ({"day": 40000, "evening": 1}, {"K9": "?"}, "answers"),
])
def test_bad_bids_are_field_errors(w, prices, answers, field):
    with pytest.raises(ValidationError) as excinfo:
        bid_save(actor=w.alpha_admin, lot=w.lot, prices=prices, answers=answers)
    assert field in errors_of(excinfo)


def test_a_bid_answers_every_graded_criterion_before_it_is_submitted(w):
    bid = bid_save(actor=w.alpha_admin, lot=w.lot, prices={"day": 1, "evening": 1}, answers={"K1": "Ja"})
    with pytest.raises(ValidationError) as excinfo:
        bid_submit(actor=w.alpha_admin, bid=bid)
    assert "K2a, K2b" in errors_of(excinfo)["answers"][0]


def test_no_bids_after_the_deadline(w):
    bid = bid_save(actor=w.alpha_admin, lot=w.lot, prices={"day": 1, "evening": 1}, answers=ANSWERS)
    close_bidding(w.tender)
    with pytest.raises(ValidationError) as excinfo:
        bid_save(actor=w.beta_admin, lot=w.lot, prices={"day": 1, "evening": 1}, answers=ANSWERS)
    assert "bid_deadline" in errors_of(excinfo)
    with pytest.raises(ValidationError):
        bid_submit(actor=w.alpha_admin, bid=bid)
    with pytest.raises(ValidationError) as excinfo:
        bid_withdraw(actor=w.alpha_admin, bid=bid)
    assert "status" in errors_of(excinfo)
    assert Bid.objects.get(pk=bid.pk).status == "draft"


def test_no_bids_on_a_planned_tender(w):
    tender = planned_tender(w)
    with pytest.raises(ValidationError):
        bid_save(actor=w.alpha_admin, lot=tender.lots.get(), prices={"day": 1, "evening": 1}, answers={})


def test_only_the_bidder_s_admins_touch_its_bid(w):
    bid = bid_save(actor=w.alpha_admin, lot=w.lot, prices={"day": 1, "evening": 1}, answers=ANSWERS)
    for actor in (w.beta_admin, w.officer):
        with pytest.raises(PermissionDenied):
            bid_submit(actor=actor, bid=bid)
        with pytest.raises(PermissionDenied):
            bid_withdraw(actor=actor, bid=bid)
    with pytest.raises(PermissionDenied):
        bid_save(actor=w.officer, lot=w.lot, prices={"day": 1, "evening": 1}, answers={})


def test_a_bid_document_is_sniffed_and_stored(w, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    document = SimpleUploadedFile("tilbud.pdf", PDF, content_type="application/pdf")
    bid = bid_save(actor=w.alpha_admin, lot=w.lot, prices={"day": 1, "evening": 1}, answers={}, document=document)
    assert bid.document_name == "tilbud.pdf" and bid.document_content_type == "application/pdf"
    assert bid.document.name.endswith(".pdf") and "tilbud" not in bid.document.name
    with storage.bid_document_open(bid) as stored:
        assert stored.read() == PDF
    with pytest.raises(ValidationError) as excinfo:
        bid_save(actor=w.alpha_admin, lot=w.lot, prices={"day": 1, "evening": 1}, answers={},
                 document=SimpleUploadedFile("x.pdf", b"MZ not a pdf", content_type="application/pdf"))
    assert "document" in errors_of(excinfo)


# --- the control bid -------------------------------------------------------------------------


def test_the_control_bid_is_priced_from_the_price_sheet_in_force(w):
    price_sheet(w.muni, "PH1", {"day": 41000, "evening": 52000}, valid_from=date(timezone.localdate().year - 1, 1, 1))
    sheet = price_sheet(w.muni, "PH1", {"day": 43000, "evening": 55000, "night": 60000}, version=2)
    price_sheet(w.muni, "PH1", {"day": 1, "evening": 1}, valid_from=timezone.localdate() + timedelta(days=30),
                version=3)
    bid = control_bid_prepare(actor=w.in_house_admin, lot=w.lot)
    assert bid.control_bid and bid.provider == w.in_house and bid.status == "draft"
    assert bid.prices == {"day": 43000, "evening": 55000}
    assert bid.evaluation_price_minor == 43000 * 1000 + 55000 * 200
    assert str(sheet.public_id) in bid.cost_model_reference
    assert audit("tender.control_bid_prepare").get().payload["price_sheet"] == str(sheet.public_id)
    bid = bid_save(actor=w.in_house_admin, lot=w.lot, prices={}, answers=ANSWERS)
    assert bid.prices == {"day": 43000, "evening": 55000}
    assert bid_submit(actor=w.in_house_admin, bid=bid).status == "submitted"


def test_the_control_bid_s_prices_cannot_be_changed_by_hand(w):
    price_sheet(w.muni, "PH1", {"day": 43000, "evening": 55000})
    control_bid_prepare(actor=w.in_house_admin, lot=w.lot)
    with pytest.raises(ValidationError) as excinfo:
        bid_save(actor=w.in_house_admin, lot=w.lot, prices={"day": 30000, "evening": 55000}, answers=ANSWERS)
    assert "prices" in errors_of(excinfo)


def test_the_in_house_provider_cannot_bid_without_the_cost_model(w):
    with pytest.raises(ValidationError) as excinfo:
        bid_save(actor=w.in_house_admin, lot=w.lot, prices={"day": 1, "evening": 1}, answers=ANSWERS)
    assert "prices" in errors_of(excinfo)


@pytest.mark.parametrize("who", ["officer", "alpha_admin", "analyst"])
def test_only_the_in_house_admin_prepares_the_control_bid(w, who):
    price_sheet(w.muni, "PH1", {"day": 43000, "evening": 55000})
    with pytest.raises(PermissionDenied):
        control_bid_prepare(actor=getattr(w, who), lot=w.lot)


def test_the_control_bid_needs_every_band_in_the_sheet(w):
    with pytest.raises(ValidationError) as excinfo:
        control_bid_prepare(actor=w.in_house_admin, lot=w.lot)
    assert "no published price sheet" in errors_of(excinfo)["price_sheet"][0]
    price_sheet(w.muni, "PH1", {"day": 43000})
    with pytest.raises(ValidationError) as excinfo:
        control_bid_prepare(actor=w.in_house_admin, lot=w.lot)
    assert "evening" in errors_of(excinfo)["price_sheet"][0]
    other = price_sheet(w.other_muni, "PH1", {"day": 1, "evening": 1})
    with pytest.raises(ValidationError):
        control_bid_prepare(actor=w.in_house_admin, lot=w.lot, price_sheet=other)


def test_the_control_bid_is_evaluated_like_any_other(w):
    price_sheet(w.muni, "PH1", {"day": 38000, "evening": 45000})
    control = bid_save(actor=w.in_house_admin, lot=control_bid_prepare(actor=w.in_house_admin, lot=w.lot).lot,
                       prices={}, answers=ANSWERS)
    bid_submit(actor=w.in_house_admin, bid=control)
    alpha = submitted(w, w.alpha_admin, 40000, 50000)
    close_bidding(w.tender)
    tender_open(actor=w.officer, tender=w.tender)
    grade_all(w, Bid.objects.get(pk=control.pk), [8, 8, 8])
    grade_all(w, Bid.objects.get(pk=alpha.pk), [8, 8, 8])
    from frivalg.tenders.selectors import evaluation_for

    evaluation = evaluation_for(actor=w.officer, lot=w.lot)
    assert evaluation.published.winner == str(control.public_id)


# --- opening and grading ---------------------------------------------------------------------


def test_bids_open_only_after_the_deadline(w):
    with pytest.raises(ValidationError) as excinfo:
        tender_open(actor=w.officer, tender=w.tender)
    assert "bid_deadline" in errors_of(excinfo)
    close_bidding(w.tender)
    with pytest.raises(PermissionDenied):
        tender_open(actor=w.analyst, tender=w.tender)
    tender = tender_open(actor=w.officer, tender=w.tender)
    assert tender.status == "opened" and tender.opened_at is not None


def test_grading_rules(w):
    a, _b = opened_with_bids(w)
    grade = grade_record(actor=w.officer, bid=a, criterion=w.k1, grade=7, justification=" Fine plan ")
    assert (grade.grade, grade.justification, grade.consensus) == (7, "Fine plan", False)
    again = grade_record(actor=w.officer, bid=a, criterion=w.k1, grade=8, justification="Better on reading")
    assert again.pk == grade.pk and Grade.objects.get(pk=grade.pk).grade == 8
    assert audit("tender.grade_record").order_by("pk").last().payload["previous"] == 7
    for kwargs, field in [
        ({"criterion": w.k2}, "criterion"),
        ({"grade": 11}, "grade"),
        ({"grade": -1}, "grade"),
        ({"justification": "  "}, "justification"),
        ({"consensus": True}, "consensus"),
    ]:
        values = {"bid": a, "criterion": w.k1, "grade": 5, "justification": "ok"} | kwargs
        with pytest.raises(ValidationError) as excinfo:
            grade_record(actor=w.officer, **values)
        assert field in errors_of(excinfo), kwargs
    with pytest.raises(PermissionDenied):
        grade_record(actor=w.analyst, bid=a, criterion=w.k1, grade=5, justification="ok")


def test_no_grading_before_opening(w):
    bid = submitted(w, w.alpha_admin)
    with pytest.raises(ValidationError):
        grade_record(actor=w.officer, bid=bid, criterion=w.k1, grade=5, justification="ok")


def test_two_graders_then_consensus(w):
    tender = w.tender
    tender.two_graders = True
    tender.save()
    a, _b = opened_with_bids(w)
    grade_record(actor=w.officer, bid=a, criterion=w.k1, grade=6, justification="ok")
    with pytest.raises(ValidationError) as excinfo:
        grade_record(actor=w.officer, bid=a, criterion=w.k1, grade=7, justification="agreed", consensus=True)
    assert "consensus" in errors_of(excinfo)
    grade_record(actor=w.officer_b, bid=a, criterion=w.k1, grade=8, justification="ok")
    consensus = grade_record(actor=w.officer, bid=a, criterion=w.k1, grade=7, justification="agreed",
                             consensus=True)
    assert consensus.consensus and Grade.objects.filter(bid=a, criterion=w.k1).count() == 3


# --- award and contract ----------------------------------------------------------------------


def test_award_stores_the_evaluation_and_the_standstill(w):
    a, b = opened_with_bids(w)
    grade_all(w, a, [9, 9, 9])
    grade_all(w, b, [8, 8, 8])
    with pytest.raises(ValidationError) as excinfo:
        award_decide(actor=w.officer, lot=w.lot, winners=[b], reasons="Higher price.")
    assert "best-ranked" in errors_of(excinfo)["winners"][0]
    award = award_decide(actor=w.officer, lot=w.lot, winners=[a], reasons=" Best ratio. ")
    assert award.reasons == "Best ratio."
    assert award.standstill_ends == timezone.localdate(award.decided_at) + timedelta(days=10)
    assert set(award.evaluation["models"]) == {"points_linear", "points_proportional", "points_interval",
                                               "monetised", "price_per_point"}
    assert award.evaluation["model"] == "points_linear"
    assert award.evaluation["models"]["points_linear"]["winner"] == str(a.public_id)
    assert award.evaluation["rounding"].startswith("ROUND_HALF_UP")
    assert Tender.objects.get(pk=w.tender.pk).status == "awarded"
    assert audit("tender.award_decide").get().payload["winners"] == [str(a.public_id)]
    with pytest.raises(ValidationError):
        award_decide(actor=w.officer, lot=w.lot, winners=[a], reasons="Again")


def test_award_needs_every_grade_and_a_reason(w):
    a, _b = opened_with_bids(w)
    grade_all(w, a, [8, 8, 8])
    with pytest.raises(ValidationError) as excinfo:
        award_decide(actor=w.officer, lot=w.lot, winners=[a], reasons="")
    assert set(errors_of(excinfo)) == {"reasons", "winners"}
    assert "graded" in errors_of(excinfo)["winners"][0]
    assert not Award.objects.exists()


def test_a_bid_below_the_threshold_cannot_win(w):
    a, b = opened_with_bids(w)
    grade_all(w, a, [3, 3, 3])
    grade_all(w, b, [9, 9, 9])
    with pytest.raises(ValidationError) as excinfo:
        award_decide(actor=w.officer, lot=w.lot, winners=[a], reasons="Cheapest")
    assert "threshold" in errors_of(excinfo)["winners"][0]


def test_withdrawn_bids_never_count(w):
    a = submitted(w, w.alpha_admin, 10000, 10000)
    bid_withdraw(actor=w.alpha_admin, bid=a)
    b = submitted(w, w.beta_admin)
    close_bidding(w.tender)
    tender_open(actor=w.officer, tender=w.tender)
    with pytest.raises(ValidationError):
        grade_record(actor=w.officer, bid=Bid.objects.get(pk=a.pk), criterion=w.k1, grade=9, justification="x")
    grade_all(w, b, [8, 8, 8])
    with pytest.raises(ValidationError):
        award_decide(actor=w.officer, lot=w.lot, winners=[Bid.objects.get(pk=a.pk)], reasons="Cheapest")
    award = award_decide(actor=w.officer, lot=w.lot, winners=[b], reasons="Only bid")
    assert list(award.evaluation["bids"]) == [str(b.public_id)]


def awarded(w):
    a, b = opened_with_bids(w)
    grade_all(w, a, [9, 9, 9])
    grade_all(w, b, [8, 8, 8])
    return award_decide(actor=w.officer, lot=w.lot, winners=[a], reasons="Best ratio."), a


def after_standstill(award):
    Award.objects.filter(pk=award.pk).update(standstill_ends=timezone.localdate() - timedelta(days=1))
    award.refresh_from_db()


def test_no_contract_during_the_standstill(w):
    award, _a = awarded(w)
    with pytest.raises(ValidationError) as excinfo:
        contract_sign(actor=w.officer, award=award)
    assert "standstill" in errors_of(excinfo)["award"][0]
    Award.objects.filter(pk=award.pk).update(standstill_ends=timezone.localdate())
    award.refresh_from_db()
    with pytest.raises(ValidationError):
        contract_sign(actor=w.officer, award=award)
    assert not Contract.objects.exists()


def test_the_contract_approves_the_winner_for_the_lot(w):
    award, _a = awarded(w)
    after_standstill(award)
    [contract] = contract_sign(actor=w.officer, award=award)
    assert (contract.provider, contract.exclusive) == (w.alpha, False)
    assert (contract.valid_from, contract.valid_to) == (w.tender.contract_start, w.tender.contract_end)
    approval = contract.approval
    assert approval.status == "approved" and approval.service == w.service and approval.provider == w.alpha
    assert (approval.valid_from, approval.valid_to) == (w.tender.contract_start, w.tender.contract_end)
    assert list(approval.served_districts.all()) == [w.north]
    assert audit("approval.decide").get().payload["via"] == "tender.contract_sign"
    assert audit("tender.contract_sign").exists()
    assert Tender.objects.get(pk=w.tender.pk).status == "contracted"
    with pytest.raises(ValidationError):
        contract_sign(actor=w.officer, award=award)


def test_an_existing_approval_is_extended(w):
    ApprovalFactory(provider=w.alpha, service=w.service, valid_from=date(2020, 1, 1), valid_to=date(2021, 1, 1))
    award, _a = awarded(w)
    after_standstill(award)
    [contract] = contract_sign(actor=w.officer, award=award)
    approval = Approval.objects.get(pk=contract.approval.pk)
    assert (approval.valid_from, approval.valid_to) == (date(2020, 1, 1), w.tender.contract_end)


def test_without_free_choice_the_contract_is_exclusive(w):
    Tender.objects.filter(pk=w.tender.pk).update(free_choice=False)
    w.tender.refresh_from_db()
    award, _a = awarded(w)
    after_standstill(award)
    [contract] = contract_sign(actor=w.officer, award=award)
    # The winner is approved (to deliver and be paid) and holds the exclusive assignment.
    assert contract.exclusive and contract.approval is not None and contract.approval.provider == w.alpha
    # A citizen in the lot's district may then choose only the exclusive provider, though another
    # provider is approved for the service there too; once the contract ends, the choice is free again.
    ApprovalFactory(provider=w.beta, service=w.service)
    for provider in (w.alpha, w.beta):
        provider.districts.add(w.north)
    decision = DecisionFactory(citizen=CitizenFactory(district=w.north), service=w.service,
                               valid_from=w.tender.contract_start)
    assert list(eligible_providers(decision)) == [w.alpha]
    after = DecisionFactory(citizen=CitizenFactory(district=w.north), service=w.service,
                            valid_from=w.tender.contract_end + timedelta(days=1))
    assert set(eligible_providers(after)) == {w.beta}  # the contract's approval ends with it
    assert exclusive_provider_ids(municipality_id=w.muni.pk, service_id=w.service.pk, district_id=w.north.pk,
                                  on=w.tender.contract_end + timedelta(days=1)) == []


def test_only_the_municipality_s_procurement_signs(w):
    award, _a = awarded(w)
    after_standstill(award)
    for actor in (w.analyst, w.other_officer, w.alpha_admin):
        with pytest.raises(PermissionDenied):
            contract_sign(actor=actor, award=award)
