"""The needs assessor's pages: caseload and search, the citizen record, recording an assessment
and granting a decision — and who is kept out."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from frivalg.assessments.models import Assessment, Decision, Frequency
from frivalg.catalogue.services import fsiii_load
from frivalg.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def fsiii(db):
    fsiii_load()


def citizen_url(world, name="citizen", citizen=None):
    return reverse(f"assessments:{name}", args=[(citizen or world.citizen).public_id])


def test_caseload_lists_own_citizens(client, world):
    client.force_login(world.assessor)
    response = client.get(reverse("assessments:caseload"))
    assert response.status_code == 200
    names = [c.first_name for c in response.context["page"]]
    assert "Karen" in names
    assert "Anders" not in names


def test_search_finds_only_own_municipality(client, world):
    client.force_login(world.assessor)
    response = client.get(reverse("assessments:caseload"), {"q": "Jensen"})
    found = {c.first_name for c in response.context["results"]}
    assert {"Karen", "Poul"} <= found
    assert "Anders" not in found


@pytest.mark.parametrize("who", ["finance", "citizen_user", "private_admin", "private_caregiver_user", "analyst"])
def test_caseload_forbidden_for_other_roles(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("assessments:caseload")).status_code == 403


def test_citizen_record_shows_everything_and_is_logged(client, world):
    client.force_login(world.assessor)
    response = client.get(citizen_url(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.citizen.national_id in html
    assert "Omsorg Nord ApS" in html  # current provider
    assert world.decision in [row["decision"] for row in response.context["decisions"]]
    assert list(response.context["visits"]) == [world.visit]
    assert AuditEvent.objects.filter(action="citizen.read", object_id=str(world.citizen.public_id)).exists()


def test_citizen_of_another_municipality_is_404(client, world):
    client.force_login(world.assessor)
    assert client.get(citizen_url(world, citizen=world.foreigner)).status_code == 404
    assert client.get(citizen_url(world, "decision_new", citizen=world.foreigner)).status_code == 404
    assert client.get(citizen_url(world, "assessment_new", citizen=world.foreigner)).status_code == 404


@pytest.mark.parametrize("who", ["citizen_user", "relative", "private_admin", "finance"])
def test_citizen_record_forbidden_for_other_roles(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(citizen_url(world)).status_code == 403


def test_record_assessment(client, world, fsiii):
    client.force_login(world.assessor)
    response = client.get(citizen_url(world, "assessment_new"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "J1.1" in html and "Vaske sig" in html
    assert "20240530" in html  # the FSIII version is shown
    today = date.today()
    response = client.post(citizen_url(world, "assessment_new"), {
        "assessed_on": today.isoformat(),
        "next_reassessment_due": (today + timedelta(days=180)).isoformat(),
        "score_J1_1": "2", "score_J2_1": "3", "score_J3_8": "9", "notes": "Går med rollator", "action": "draft",
    })
    assert response.status_code == 302
    assessment = Assessment.objects.filter(citizen=world.citizen).order_by("-id").first()
    assert {s.area_code: s.score for s in assessment.scores.all()} == {"J1.1": 2, "J2.1": 3, "J3.8": 9}


def test_assessment_without_scores_is_a_form_error(client, world, fsiii):
    client.force_login(world.assessor)
    response = client.post(citizen_url(world, "assessment_new"), {"assessed_on": date.today().isoformat()})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_assessment_bad_score_and_future_date_are_field_errors(client, world, fsiii):
    client.force_login(world.assessor)
    response = client.post(citizen_url(world, "assessment_new"), {
        "assessed_on": (date.today() + timedelta(days=3)).isoformat(), "score_J1_1": "7",
    })
    assert response.status_code == 200
    form = response.context["form"]
    assert "score_J1_1" in form.errors  # 7 is not a choice
    response = client.post(citizen_url(world, "assessment_new"), {
        "assessed_on": (date.today() + timedelta(days=3)).isoformat(), "score_J1_1": "1",
    })
    assert "assessed_on" in response.context["form"].errors  # the service refuses a future date


def grant_data(world, **overrides):
    data = {
        "service": world.practical.pk, "amount": "2", "unit": "hour", "frequency": "week",
        "flexibility": "fixed", "valid_from": date.today().isoformat(), "valid_to": "",
        "reason": "Kan ikke gøre rent selv", "assessment": world.assessment.pk,
    }
    data.update(overrides)
    return data


def test_grant_decision(client, world):
    client.force_login(world.assessor)
    response = client.get(citizen_url(world, "decision_new"))
    assert response.status_code == 200
    assert response.context["form"].initial["assessment"] == world.assessment.pk
    response = client.post(citizen_url(world, "decision_new"), grant_data(world))
    assert response.status_code == 302
    decision = Decision.objects.filter(citizen=world.citizen).order_by("-id").first()
    assert decision.status == "granted"
    assert decision.assessment == world.assessment
    assert decision.amount == 2


@pytest.mark.parametrize(("overrides", "field"), [
    ({"amount": "0"}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"reason": "   "}, "reason"),
    ({"valid_to": "2000-01-01"}, "valid_to"),
    ({"frequency": "period"}, "valid_to"),
    ({"unit": "meal"}, "unit"),
    ({"service": "999999"}, "service"),
])
def test_grant_decision_bad_input_is_a_field_error(client, world, overrides, field):
    client.force_login(world.assessor)
    response = client.post(citizen_url(world, "decision_new"), grant_data(world, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "There is a problem" in response.content.decode() or "Der er et problem" in response.content.decode()


def test_grant_decision_with_another_municipalitys_service_is_refused(client, world):
    client.force_login(world.assessor)
    response = client.post(citizen_url(world, "decision_new"), grant_data(world, service=world.other_service.pk))
    assert response.status_code == 200
    assert "service" in response.context["form"].errors


@pytest.mark.parametrize("who", ["finance", "citizen_user", "private_admin"])
def test_grant_decision_forbidden_for_other_roles(client, world, who):
    client.force_login(getattr(world, who))
    assert client.post(citizen_url(world, "decision_new"), grant_data(world)).status_code == 403


def test_model_labels_and_service_messages_are_translated(client, world):
    with translation.override("da"):
        assert str(Frequency.PER_WEEK.label) == "pr. uge"
    client.force_login(world.assessor)
    response = client.post(reverse("assessments:decision_new", args=[world.citizen.public_id]), {
        "service": world.practical.pk, "amount": "0", "unit": "hour", "frequency": "week", "flexibility": "fixed",
        "valid_from": "2026-01-01", "reason": "x",
    })
    assert "Omfanget skal være større end nul." in response.content.decode()


def test_the_citizen_record_has_a_timeline_of_everything_newest_first(client, world):
    from frivalg.changerequests.tests.factories import ChangeRequestFactory
    from frivalg.reassessments.tests.factories import FlagFactory
    from frivalg.visits.models import Absence

    Absence.objects.create(municipality=world.muni, citizen=world.citizen, kind="hospital",
                           start=date(2026, 2, 3), end=date(2026, 2, 9))
    flag = FlagFactory(citizen=world.citizen, raised_on=date(2026, 3, 30))
    FlagFactory(citizen=world.foreigner)  # another municipality's: never on this record
    request = ChangeRequestFactory(decision=world.decision, provider=world.private)
    client.force_login(world.assessor)

    response = client.get(citizen_url(world))

    timeline = response.context["timeline"]
    kinds = {event.kind for event in timeline}
    assert {"decision", "choice", "absence", "flag", "change_request"} <= kinds
    assert [event.on for event in timeline] == sorted((event.on for event in timeline), reverse=True)
    assert sum(event.kind == "flag" for event in timeline) == 1
    html = response.content.decode()
    assert reverse("reassessments:flag", kwargs={"public_id": flag.public_id}) in html
    assert reverse("changerequests:detail", kwargs={"public_id": request.public_id}) in html
    absence = next(event for event in timeline if event.kind == "absence")
    assert absence.on == date(2026, 2, 3)
    assert "3.2.2026" in absence.text or "03.02.2026" in absence.text


def test_decisions_awaiting_a_choice_include_those_with_no_choice_at_all(world):
    from frivalg.assessments.selectors import decisions_awaiting_choice
    from frivalg.assessments.tests.factories import DecisionFactory

    fresh = DecisionFactory(citizen=world.citizen, service=world.personal, valid_from=world.decision.valid_from)
    awaiting = list(decisions_awaiting_choice(actor=world.assessor))
    assert fresh in awaiting  # granted, no choice yet
    assert world.decision not in awaiting  # has an open choice
