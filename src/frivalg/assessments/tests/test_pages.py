"""The assessor's assessment form and decision drafting, the decision page, the letter (page and
PDF), My decisions and appeals — status codes, scoping and the form errors."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from frivalg.assessments.models import Appeal, Assessment, AssessmentStatus, Decision
from frivalg.assessments.services import assessment_record, assessment_scheme_current, scheme_codes
from frivalg.guidelines.tests.factories import GuidelineFactory, GuidelineRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """Pages and messages in English, the source language, whatever the translations say."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def url(name, obj):
    return reverse(f"assessments:{name}", args=[obj.public_id])


def complete(world, score=2):
    _known, required = scheme_codes(assessment_scheme_current(municipality=world.muni))
    return assessment_record(actor=world.assessor, citizen=world.citizen, assessed_on=date.today(),
                             scores=dict.fromkeys(required, score))


def test_the_form_saves_a_draft_then_completing_marks_each_missing_area(client, world):
    client.force_login(world.assessor)
    complete(world, 1)
    page = client.get(url("assessment_new", world.citizen))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<legend" in html and "Save draft" in html and "Previous score:" in html
    response = client.post(url("assessment_new", world.citizen), {
        "assessed_on": date.today().isoformat(), "score_J1_1": "3", "performer_J1_1": "relative",
        "view_J1_1": "Jeg klarer mig", "referral_source": "gp", "action": "draft",
    })
    assert response.status_code == 302
    draft = Assessment.objects.get(citizen=world.citizen, status=AssessmentStatus.DRAFT)
    assert draft.referral_source == "gp"
    page = client.get(url("assessment_new", world.citizen))
    assert page.context["form"]["score_J1_1"].value() == "3"  # the draft is resumed
    assert page.context["changes"]["J1.1"].kind == "worse"
    assert "greater limitation" in page.content.decode()
    response = client.post(url("assessment_new", world.citizen), {
        "assessed_on": date.today().isoformat(), "score_J1_1": "3", "action": "complete",
    })
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "score_J1_2" in errors and "score_J5_1" in errors and "score_J1_1" not in errors
    assert "Score, J1.2" in response.content.decode()  # the error summary names the area


def make_guideline(world):
    guideline = GuidelineFactory(municipality=world.muni)
    GuidelineRuleFactory(guideline=guideline, service=world.practical, label="Rengøring",
                         conditions=[{"area": "J2.1", "op": ">=", "score": 2}], amount=Decimal(2), unit="hour",
                         frequency="week", explanation="Hjælp til rengøring hver uge")
    return guideline


def test_drafting_a_decision_from_the_proposal(client, world):
    make_guideline(world)
    assessment = complete(world, 2)
    client.force_login(world.assessor)
    page = client.get(url("decision_new", world.citizen))
    assert page.status_code == 200
    assert [row["proposal"].rule_label for row in page.context["proposals"]] == ["Rengøring"]
    page = client.get(url("decision_new", world.citizen) + "?proposal=0")
    form = page.context["form"]
    assert (form["amount"].value(), form["unit"].value(), form["service"].value()) == (
        Decimal(2), "hour", world.practical.pk)
    data = {"service": world.practical.pk, "amount": "3", "unit": "hour", "frequency": "week",
            "flexibility": "fixed", "valid_from": date.today().isoformat(), "reason": "Kan ikke gøre rent",
            "assessment": assessment.pk, "proposal": "0"}
    response = client.post(url("decision_new", world.citizen), data)
    assert response.status_code == 200
    assert "deviation_reason" in response.context["form"].errors
    response = client.post(url("decision_new", world.citizen), {**data, "deviation_reason": "To etager"})
    assert response.status_code == 302
    decision = Decision.objects.get(deviation_reason="To etager")
    assert decision.proposal["rule_label"] == "Rengøring"


def test_the_decision_page(client, world):
    client.force_login(world.assessor)
    response = client.get(url("decision", world.decision))
    assert response.status_code == 200
    assert response.context["versions"] == [world.decision]
    client.force_login(world.other_assessor)
    assert client.get(url("decision", world.decision)).status_code == 404
    client.force_login(world.citizen_user)
    assert client.get(url("decision", world.decision)).status_code == 403


@pytest.mark.parametrize("who", ["citizen_user", "relative", "assessor", "private_admin"])
def test_the_letter_is_read_by_the_citizens_side_staff_and_the_delivering_provider(client, world, who):
    world.citizen.language = "en"  # the letter is in the citizen's language, whoever reads it
    world.citizen.save()
    client.force_login(getattr(world, who))
    response = client.get(url("letter", world.decision))
    assert response.status_code == 200
    html = response.content.decode()
    assert "How to appeal" in html and "How to choose a provider" in html
    deadline = (timezone.localdate(world.decision.decided_at) + timedelta(weeks=4))
    assert response.context["appeal_deadline"] == deadline


@pytest.mark.parametrize("who", ["in_house_admin", "other_assessor", "neighbour_user", "other_admin"])
def test_the_letter_is_404_outside_the_scope(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(url("letter", world.decision)).status_code == 404
    assert client.get(url("letter_pdf", world.decision)).status_code == 404


def test_the_letter_pdf_in_the_citizens_language(client, world):
    world.citizen.language = "sv"
    world.citizen.save()
    client.force_login(world.relative)
    response = client.get(url("letter_pdf", world.decision))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    page = client.get(url("letter", world.decision))
    assert 'lang="sv"' in page.content.decode()
    assert "Så överklagar du" in page.content.decode()  # "How to appeal", in Swedish


@pytest.mark.parametrize(("language", "heading"), [("da", "Sådan klager du"), ("nb", "Slik klager du"),
                                                    ("en", "How to appeal")])
def test_the_letter_speaks_the_citizens_language(client, world, language, heading):
    world.citizen.language = language
    world.citizen.save()
    client.force_login(world.assessor)
    assert heading in client.get(url("letter", world.decision)).content.decode()


def test_my_decisions_and_appealing(client, world):
    client.force_login(world.citizen_user)
    page = client.get(reverse("assessments:my_decisions"))
    assert page.status_code == 200
    assert [row["decision"] for row in page.context["rows"]] == [world.decision]
    assert url("appeal_new", world.decision) in page.content.decode()
    response = client.post(url("appeal_new", world.decision), {"grounds": ""})
    assert "grounds" in response.context["form"].errors
    response = client.post(url("appeal_new", world.decision), {"grounds": "Jeg har brug for mere hjælp"})
    assert response.status_code == 302
    assert Appeal.objects.get(decision=world.decision).lodged_by == world.citizen_user
    client.force_login(world.assessor)
    assert client.get(reverse("assessments:my_decisions")).status_code == 403


def test_a_late_appeal_is_refused_clearly(client, world):
    Decision.objects.filter(pk=world.decision.pk).update(decided_at=timezone.now() - timedelta(days=60))
    client.force_login(world.citizen_user)
    page = client.get(reverse("assessments:my_decisions"))
    assert "The deadline to appeal was" in page.content.decode()
    response = client.post(url("appeal_new", world.decision), {"grounds": "For sent?"})
    assert response.status_code == 200
    assert "deadline to appeal" in str(response.context["form"].non_field_errors())
    assert not Appeal.objects.exists()


def test_recording_an_outcome_that_changes_the_decision(client, world):
    client.force_login(world.assessor)
    response = client.post(url("appeal_new", world.decision), {
        "grounds": "Ringede", "lodged_on": date.today().isoformat()})
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert client.get(url("appeal_outcome", appeal)).status_code == 200
    response = client.post(url("appeal_outcome", appeal), {
        "status": "changed", "outcome_reason": "Medhold", "valid_from": "", "amount": "3"})
    assert "valid_from" in response.context["form"].errors
    response = client.post(url("appeal_outcome", appeal), {
        "status": "changed", "outcome_reason": "Medhold",
        "valid_from": (date.today() + timedelta(days=1)).isoformat(), "amount": "3"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.new_version.amount == 3 and appeal.new_version.source == "appeal"
    client.force_login(world.citizen_user)
    assert client.get(url("appeal_outcome", appeal)).status_code == 403


def test_changing_a_decision_makes_a_new_version(client, world):
    client.force_login(world.assessor)
    change = url("decision_change", world.decision)
    page = client.get(change)
    assert page.status_code == 200
    data = {"valid_from": world.decision.valid_from.isoformat(), "service": world.practical.pk, "amount": "1.5",
            "unit": "hour", "frequency": "week", "flexibility": "fixed", "reason": "Mere hjælp"}
    response = client.post(change, data)
    errors = response.context["form"].errors
    assert "valid_from" in errors and "amount" in errors  # not after the start, and nothing changed
    start = date.today() + timedelta(days=1)
    response = client.post(change, {**data, "valid_from": start.isoformat(), "amount": "3"})
    assert response.status_code == 302
    new = Decision.objects.get(previous=world.decision)
    assert response["Location"] == url("decision", new)
    assert (new.version, new.amount, new.source) == (2, 3, "assessor")
    client.force_login(world.private_admin)
    assert client.get(change).status_code == 403
    client.force_login(world.other_assessor)
    assert client.get(change).status_code == 404


def test_the_caseload_lists_appeals_waiting_for_an_outcome(client, world):
    from frivalg.assessments.services import appeal_lodge

    appeal = appeal_lodge(actor=world.citizen_user, decision=world.decision, grounds="For lidt")
    client.force_login(world.assessor)
    assert list(client.get(reverse("assessments:caseload")).context["appeals"]) == [appeal]
    client.force_login(world.other_assessor)
    assert list(client.get(reverse("assessments:caseload")).context["appeals"]) == []
