"""The tender pages: who may see and do what (403/404), sealed bids through every page before the
deadline, form errors as field errors (never a 500), the live preview, the comparison of models,
the award and the public OCDS download."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from frivalg.core.tests.factories import UserFactory
from frivalg.tenders.models import Bid, Grade, Tender
from frivalg.tenders.services import bid_save, bid_submit, grade_record, tender_open
from frivalg.tenders.tests.factories import TenderFactory, close_bidding, price_sheet, tender_world

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ANSWERS = {"K1": "Faste teams", "K2a": "Uddannelsesplan", "K2b": "Klageprocedure"}
ANSWER_FIELDS = {f"answer_{code}": text for code, text in ANSWERS.items()}


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def w():
    return tender_world()


def as_user(client, user):
    client.force_login(user)
    return client


def url(name, *args):
    return reverse(f"tenders:{name}", args=args)


def submitted(w, admin, day=40000, evening=50000):
    bid = bid_save(actor=admin, lot=w.lot, prices={"day": day, "evening": evening}, answers=ANSWERS)
    return bid_submit(actor=admin, bid=bid)


def opened(w):
    a = submitted(w, w.alpha_admin, 40000, 50000)
    b = submitted(w, w.beta_admin, 36000, 45000)
    close_bidding(w.tender)
    tender_open(actor=w.officer, tender=w.tender)
    return Bid.objects.get(pk=a.pk), Bid.objects.get(pk=b.pk)


def grade_all(w, bid, grades):
    for criterion, grade in zip((w.k1, w.k2a, w.k2b), grades, strict=True):
        grade_record(actor=w.officer, bid=bid, criterion=criterion, grade=grade, justification="Concrete.")


# --- who may see what ------------------------------------------------------------------------


def test_citizens_and_caregivers_see_no_tenders(client, w):
    for role in ("citizen", "caregiver", "needs_assessor"):
        as_user(client, UserFactory(role=role, municipality=w.muni if role == "needs_assessor" else None))
        assert client.get(url("list")).status_code == 403
        assert client.get(url("detail", w.tender.public_id)).status_code == 403


@pytest.mark.parametrize("who", ["analyst", "politician", "alpha_admin"])
def test_only_procurement_plans_tenders(client, w, who):
    as_user(client, getattr(w, who))
    assert client.get(url("create")).status_code == 403
    assert client.post(url("create"), {"reference": "X", "title": "X"}).status_code == 403
    assert client.get(url("preview", w.tender.public_id)).status_code == 403
    assert client.post(url("open", w.tender.public_id)).status_code == 403


def test_another_municipality_s_officer_does_not_find_the_tender(client, w):
    as_user(client, w.other_officer)
    assert client.get(url("detail", w.tender.public_id)).status_code == 404
    assert w.tender.reference not in client.get(url("list")).content.decode()


def test_bidders_never_see_planned_tenders(client, w):
    planned = TenderFactory(municipality=w.muni, created_by=w.officer)
    as_user(client, w.alpha_admin)
    page = client.get(url("list")).content.decode()
    assert w.tender.reference in page
    assert planned.reference not in page
    assert client.get(url("detail", planned.public_id)).status_code == 404


def test_only_the_in_house_admin_prepares_the_control_bid(client, w):
    price_sheet(w.muni, "PH1", {"day": 43000, "evening": 55000})
    as_user(client, w.officer)
    assert client.post(url("control_bid", w.tender.public_id, w.lot.public_id)).status_code == 403
    as_user(client, w.alpha_admin)
    assert client.post(url("control_bid", w.tender.public_id, w.lot.public_id)).status_code == 403
    assert "Prepare the control bid" not in client.get(url("detail", w.tender.public_id)).content.decode()
    as_user(client, w.in_house_admin)
    assert "Prepare the control bid" in client.get(url("detail", w.tender.public_id)).content.decode()
    response = client.post(url("control_bid", w.tender.public_id, w.lot.public_id))
    bid = Bid.objects.get(provider=w.in_house)
    assert response.url == url("bid", bid.public_id)
    assert bid.control_bid and bid.prices == {"day": 43000, "evening": 55000}
    # The prices come from the price sheet: the form shows them but does not take them.
    form = client.get(url("bid_edit", w.tender.public_id, w.lot.public_id)).content.decode()
    assert 'value="43000"' in form and "disabled" in form
    response = client.post(url("bid_edit", w.tender.public_id, w.lot.public_id),
                           {"price_day": "1", "price_evening": "1", **ANSWER_FIELDS, "submit": "1"})
    assert response.status_code == 302, response.context["form"].errors
    bid.refresh_from_db()
    assert bid.status == "submitted" and bid.prices == {"day": 43000, "evening": 55000}


# --- the seal --------------------------------------------------------------------------------


def test_bids_are_sealed_on_every_page_before_the_deadline(client, w):
    bid = submitted(w, w.alpha_admin, 41234, 50000)
    for who in ("officer", "analyst", "politician", "sysadmin", "beta_admin"):
        as_user(client, getattr(w, who))
        assert client.get(url("bid", bid.public_id)).status_code in (403, 404), who
        assert client.get(url("bid_document", bid.public_id)).status_code in (403, 404), who
        assert client.get(url("grade", bid.public_id)).status_code in (403, 404), who
        for name in ("detail", "list"):
            target = url(name, w.tender.public_id) if name == "detail" else url(name)
            response = client.get(target)
            if response.status_code == 200:
                page = response.content.decode()
                assert "412,34" not in page and "412.34" not in page and "Alfa Omsorg" not in page, who
    as_user(client, w.officer)
    assert client.get(url("evaluation", w.tender.public_id, w.lot.public_id)).status_code == 403
    assert client.post(url("open", w.tender.public_id)).status_code == 302  # refused: before the deadline
    assert Tender.objects.get(pk=w.tender.pk).status == "published"
    # The bidder reads its own.
    as_user(client, w.alpha_admin)
    page = client.get(url("bid", bid.public_id)).content.decode()
    assert "Faste teams" in page


def test_after_opening_staff_read_the_submitted_bids(client, w):
    a, _b = opened(w)
    for who in ("officer", "analyst"):
        as_user(client, getattr(w, who))
        page = client.get(url("detail", w.tender.public_id)).content.decode()
        assert "Alfa Omsorg ApS" in page and "Beta Pleje A/S" in page
        assert client.get(url("bid", a.public_id)).status_code == 200
    as_user(client, w.analyst)
    assert "2" in client.get(url("list")).content.decode()
    assert client.get(url("grade", a.public_id)).status_code == 403


# --- planning ----------------------------------------------------------------------------------


def tender_post(**changes):
    soon = timezone.localtime() + timedelta(days=5)
    data = {
        "reference": "UDB-9", "title": "Praktisk hjælp 2027", "description": "", "cpv_code": "85000000-9",
        "free_choice": "on", "evaluation_model": "points_linear", "price_weight": "40", "max_points": "10",
        "min_quality_overall": "70", "min_quality_per_criterion": "50",
        "question_deadline": soon.strftime("%Y-%m-%dT%H:%M"),
        "bid_deadline": (soon + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"), "standstill_days": "10",
        "contract_start": "2030-01-01", "contract_end": "2032-01-01", "option_months": "12",
        "risk_band_low_percent": "80", "risk_band_high_percent": "120", "risk_rule": "Genforhandling",
    }
    data.update(changes)
    return data


def test_the_officer_plans_and_publishes_a_tender(client, w):
    as_user(client, w.officer)
    assert client.get(url("create")).status_code == 200
    response = client.post(url("create"), tender_post())
    tender = Tender.objects.get(reference="UDB-9")
    assert response.url == url("detail", tender.public_id)
    assert tender.municipality == w.muni and tender.model_parameters == {"max_points": "10"}
    assert tender.bid_deadline.tzinfo is not None
    # Not publishable yet: the reasons as messages, no 500.
    page = client.post(url("publish", tender.public_id), follow=True).content.decode()
    assert "lot" in page.lower()
    assert Tender.objects.get(pk=tender.pk).status == "planned"
    response = client.post(url("lot_new", tender.public_id), {
        "number": "1", "title": "Nord", "service": w.service.pk, "districts": [w.north.pk], "price_form": "hourly",
        "max_winners": "1", "volume_day": "1000", "volume_evening": "200"})
    assert response.status_code == 302, response.content.decode()
    lot = tender.lots.get()
    assert lot.volumes == {"day": 1000, "evening": 200}
    for code, weight, parent in (("Q1", "60", ""), ("Q2", "40", "")):
        response = client.post(url("criterion_new", tender.public_id), {
            "code": code, "name": f"Kvalitet {code}", "description": "", "parent": parent, "weight": weight,
            "scale_max": "10", "grade_descriptions": "0: Not described\n10: Concrete and credible",
            "value_per_point_minor": "0"})
        assert response.status_code == 302, response.content.decode()
    assert tender.criteria.count() == 2
    page = client.get(url("detail", tender.public_id)).content.decode()
    assert "Concrete and credible" in page
    response = client.post(url("publish", tender.public_id))
    assert Tender.objects.get(pk=tender.pk).status == "published"
    # Locked: the edit page refuses the change as a form error.
    response = client.post(url("edit", tender.public_id), tender_post(price_weight="60"))
    assert response.status_code == 200
    assert Tender.objects.get(pk=tender.pk).price_weight == Decimal(40)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"cpv_code": "care"}, "cpv_code", "Enter a CPV code like 85000000-9."),
    ({"price_weight": "140"}, "price_weight", "Ensure this value is less than or equal to 100."),
    ({"risk_band_low_percent": "130"}, "risk_band_high_percent", "The band must end at or above where it starts."),
    ({"contract_end": "2029-01-01"}, "contract_end", "The contract must end after it starts."),
    ({"bid_deadline": "not a time"}, "bid_deadline", "Enter a valid date/time."),
    ({"evaluation_model": "lottery"}, "evaluation_model", "Select a valid choice."),
])
def test_bad_tender_input_is_a_field_error(client, w, changes, field, message):
    as_user(client, w.officer)
    response = client.post(url("create"), tender_post(**changes))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert not Tender.objects.filter(reference="UDB-9").exists()


def test_a_service_refusal_lands_on_its_field(client, w):
    as_user(client, w.officer)
    response = client.post(url("create"), tender_post(reference=w.tender.reference))
    assert response.status_code == 200
    assert response.context["form"].errors["reference"] == ["Another tender has this reference."]


def test_bad_criterion_and_lot_input_are_field_errors(client, w):
    tender = TenderFactory(municipality=w.muni, created_by=w.officer)
    as_user(client, w.officer)
    response = client.post(url("criterion_new", tender.public_id), {
        "code": "Q 1!", "name": "", "weight": "0", "scale_max": "0", "grade_descriptions": "ten"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"code", "name", "scale_max", "grade_descriptions"}
    response = client.post(url("lot_new", tender.public_id), {
        "number": "1", "title": "Nord", "service": w.service.pk, "price_form": "hourly", "max_winners": "1"})
    assert response.status_code == 200
    assert response.context["form"].errors["volume_day"] == ["Give the estimated volume of the price form."]


def test_the_live_preview_scores_example_bids_without_storing_anything(client, w):
    as_user(client, w.officer)
    assert client.get(url("preview", w.tender.public_id)).status_code == 200
    before = Bid.objects.count(), Grade.objects.count()
    data = {"b1_price": "500000", "b1_K1": "10", "b1_K2a": "10", "b1_K2b": "10",
            "b2_price": "400000", "b2_K1": "7", "b2_K2a": "7", "b2_K2b": "7"}
    response = client.post(url("preview", w.tender.public_id), data, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert "Weighted points, price by the linear formula" in page and "Price per quality point" in page
    assert "Bid 1" in page and "Bid 2" in page
    assert (Bid.objects.count(), Grade.objects.count()) == before
    # Out-of-scale grades are field errors.
    response = client.post(url("preview", w.tender.public_id), {"b1_price": "1", "b1_K1": "11"})
    assert response.status_code == 200 and "b1_K1" in response.context["form"].errors


# --- questions ---------------------------------------------------------------------------------


def test_questions_are_asked_and_answered_without_the_asker(client, w):
    as_user(client, w.alpha_admin)
    response = client.post(url("ask", w.tender.public_id), {"text": "Må der bruges elcykler?"})
    assert response.status_code == 302
    question = w.tender.questions.get()
    as_user(client, w.beta_admin)
    assert "elcykler" not in client.get(url("detail", w.tender.public_id)).content.decode()
    as_user(client, w.officer)
    assert client.post(url("answer", w.tender.public_id, question.public_id), {"answer": ""}).status_code == 200
    client.post(url("answer", w.tender.public_id, question.public_id), {"answer": "Ja."})
    as_user(client, w.beta_admin)
    page = client.get(url("detail", w.tender.public_id)).content.decode()
    assert "elcykler" in page and "Ja." in page
    assert w.alpha_admin.username not in page
    assert client.get(url("answer", w.tender.public_id, question.public_id)).status_code == 403


# --- bids --------------------------------------------------------------------------------------


def test_a_bidder_submits_and_withdraws_before_the_deadline(client, w):
    as_user(client, w.alpha_admin)
    assert client.get(url("bid_edit", w.tender.public_id, w.lot.public_id)).status_code == 200
    response = client.post(url("bid_edit", w.tender.public_id, w.lot.public_id), {
        "price_day": "40000", "price_evening": "50000", **ANSWER_FIELDS,
        "document": SimpleUploadedFile("plan.pdf", PDF), "submit": "1"})
    bid = Bid.objects.get(provider=w.alpha)
    assert response.url == url("bid", bid.public_id)
    assert bid.status == "submitted" and bid.evaluation_price_minor == 40000 * 1000 + 50000 * 200
    assert bid.document_content_type == "application/pdf"
    assert client.get(url("bid_document", bid.public_id)).status_code == 200
    response = client.post(url("bid_withdraw", bid.public_id))
    assert response.status_code == 302
    assert Bid.objects.get(pk=bid.pk).status == "withdrawn"


def test_bad_bids_are_field_errors(client, w):
    as_user(client, w.alpha_admin)
    target = url("bid_edit", w.tender.public_id, w.lot.public_id)
    response = client.post(target, {"price_day": "", "price_evening": "-3", "submit": "1"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "price_day" in errors and "price_evening" in errors
    response = client.post(target, {"price_day": "40000", "price_evening": "50000", "submit": "1",
                                    "document": SimpleUploadedFile("virus.exe", b"MZ\x90\x00 not a pdf")})
    assert response.status_code == 200
    assert response.context["form"].errors["document"] == ["Upload a PDF, JPEG or PNG file."]
    assert not Bid.objects.filter(provider=w.alpha).exists()


def test_no_bid_after_the_deadline(client, w):
    close_bidding(w.tender)
    as_user(client, w.alpha_admin)
    response = client.post(url("bid_edit", w.tender.public_id, w.lot.public_id),
                           {"price_day": "40000", "price_evening": "50000", "submit": "1"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Bid.objects.filter(provider=w.alpha).exists()


# --- grading, comparison, award -----------------------------------------------------------------


def test_grading_needs_a_written_justification(client, w):
    a, _b = opened(w)
    as_user(client, w.officer)
    assert client.get(url("grade", a.public_id)).status_code == 200
    response = client.post(url("grade", a.public_id), {"grade_K1": "8", "justification_K1": "",
                                                       "grade_K2a": "11"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["justification_K1"] == ["Justify the grade in writing."]
    assert "grade_K2a" in errors
    assert not Grade.objects.exists()
    client.post(url("grade", a.public_id), {"grade_K1": "8", "justification_K1": "Faste teams",
                                            "grade_K2a": "6", "justification_K2a": "OK",
                                            "grade_K2b": "7", "justification_K2b": "OK"})
    assert sorted(Grade.objects.values_list("grade", flat=True)) == [6, 7, 8]


def test_the_comparison_warns_in_words_when_the_winner_changes(client, w):
    a, b = opened(w)
    grade_all(w, a, (10, 10, 10))   # Alfa: best quality, dearer
    grade_all(w, b, (7, 7, 7))      # Beta: 10 % cheaper, less quality
    as_user(client, w.officer)
    response = client.get(url("evaluation", w.tender.public_id, w.lot.public_id))
    page = response.content.decode()
    assert response.status_code == 200
    assert "the published model" in page
    for label in ("linear formula", "proportional formula", "interval scale", "Monetised quality",
                  "Price per quality point"):
        assert label in page
    evaluation = response.context["evaluation"]
    winners = {evaluation.evaluations[m].winner for m in evaluation.evaluations}
    if len(winners) > 1:
        assert "The winner differs between models" in page
    as_user(client, w.analyst)
    assert client.get(url("evaluation", w.tender.public_id, w.lot.public_id)).status_code == 403


def test_award_then_letter_then_contract_after_standstill(client, w):
    a, b = opened(w)
    grade_all(w, a, (10, 10, 10))
    grade_all(w, b, (7, 7, 7))
    as_user(client, w.officer)
    target = url("award", w.tender.public_id, w.lot.public_id)
    response = client.post(target, {"winners": [], "reasons": ""})
    assert response.status_code == 200 and {"winners", "reasons"} <= set(response.context["form"].errors)
    response = client.post(target, {"winners": [str(a.public_id)], "reasons": "Best value for money."})
    assert response.url == url("letter", w.tender.public_id, w.lot.public_id)
    award = w.lot.award
    page = client.get(url("detail", w.tender.public_id)).content.decode()
    assert "standstill period ends" in page
    # Before the standstill ends the contract is refused (a message, no 500).
    client.post(url("contract_sign", w.tender.public_id, w.lot.public_id))
    assert not award.contracts.exists()
    type(award).objects.filter(pk=award.pk).update(standstill_ends=timezone.localdate() - timedelta(days=1))
    client.post(url("contract_sign", w.tender.public_id, w.lot.public_id))
    assert award.contracts.get().provider == w.alpha
    # The contract's follow-up: the indicators filtered to the winner and the lot's service.
    page = client.get(url("detail", w.tender.public_id)).content.decode()
    assert f"?provider={w.alpha.public_id}&amp;service={w.lot.service.public_id}" in page
    # The losing bidder reads the letter; a bidder who did not bid does not.
    as_user(client, w.beta_admin)
    assert client.get(url("letter", w.tender.public_id, w.lot.public_id)).status_code == 200
    as_user(client, w.in_house_admin)
    assert client.get(url("letter", w.tender.public_id, w.lot.public_id)).status_code == 403


# --- open data ---------------------------------------------------------------------------------


def test_ocds_is_public_for_published_tenders_only(client, w):
    response = client.get(url("ocds_release", w.tender.public_id))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert client.get(url("ocds_record", w.tender.public_id)).status_code == 200
    planned = TenderFactory(municipality=w.muni, created_by=w.officer)
    assert client.get(url("ocds_release", planned.public_id)).status_code == 404
    assert client.get(url("ocds_record", planned.public_id)).status_code == 404
