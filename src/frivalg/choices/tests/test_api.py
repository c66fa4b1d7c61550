"""The citizen's free choice of provider through the JSON API."""

from datetime import date

import pytest

from frivalg.assessments.tests.factories import DecisionFactory
from frivalg.choices.models import Choice

API = "/api/v1"


def post(client, path, payload):
    return client.post(API + path, payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def new_decision(world):
    """A fresh grant for the neighbour, with no provider yet."""
    return DecisionFactory(citizen=world.neighbour, service=world.practical, valid_from=date.today())


def test_the_citizen_compares_and_chooses(world, client, new_decision):
    client.force_login(world.neighbour_user)
    options = client.get(f"{API}/decisions/{new_decision.public_id}/providers").json()
    assert {p["name"] for p in options["items"]} == {"Omsorg Nord ApS", "Testrup Hjemmepleje"}
    assert all(p["accepting_new_clients"] for p in options["items"])
    response = post(client, f"/decisions/{new_decision.public_id}/choice", {"provider": str(world.private.public_id)})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["provider"]["id"] == str(world.private.public_id)
    assert body["how"] == "active"
    history = client.get(f"{API}/decisions/{new_decision.public_id}/choices").json()
    assert [c["id"] for c in history["items"]] == [body["id"]]


def test_a_relative_chooses_for_the_citizen(world, client):
    decision = DecisionFactory(citizen=world.citizen, service=world.personal, valid_from=date.today())
    client.force_login(world.relative)
    response = post(client, f"/decisions/{decision.public_id}/choice", {"provider": str(world.in_house.public_id)})
    assert response.status_code == 201, response.content


def test_switch_keeps_the_history(world, client):
    client.force_login(world.citizen_user)
    response = post(client, f"/decisions/{world.decision.public_id}/switch",
                    {"provider": str(world.in_house.public_id), "notice_days": 5})
    assert response.status_code == 201, response.content
    history = client.get(f"{API}/decisions/{world.decision.public_id}/choices").json()["items"]
    assert [c["provider"]["name"] for c in history] == ["Omsorg Nord ApS", "Testrup Hjemmepleje"]
    assert history[0]["valid_to"] is not None


def test_choice_errors(world, client, new_decision):
    client.force_login(world.neighbour_user)
    url = f"/decisions/{new_decision.public_id}/choice"
    response = post(client, url, {"provider": str(world.other_provider.public_id)})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "provider"
    response = post(client, url, {"provider": "nope"})
    assert response.json()["detail"][0] == {"field": "provider", "message": "Enter a valid id (a UUID).",
                                            "code": "uuid_parsing"}
    response = post(client, f"/decisions/{world.decision.public_id}/switch",
                    {"provider": str(world.private.public_id)})
    assert response.status_code == 404  # not the neighbour's decision
    client.force_login(world.citizen_user)
    response = post(client, f"/decisions/{world.decision.public_id}/switch",
                    {"provider": str(world.private.public_id)})
    assert response.json()["detail"][0] == {
        "field": "provider", "message": "This is already the citizen's provider.", "code": "invalid"}
    response = post(client, f"/decisions/{world.decision.public_id}/switch",
                    {"provider": str(world.in_house.public_id), "notice_days": -1})
    assert response.json()["detail"][0]["field"] == "notice_days"


@pytest.mark.parametrize("user", ["private_admin", "private_caregiver_user", "analyst"])
def test_those_who_may_not_choose_are_refused(world, client, new_decision, user):
    client.force_login(getattr(world, user))
    response = post(client, f"/decisions/{new_decision.public_id}/choice", {"provider": str(world.private.public_id)})
    assert response.status_code in {403, 404}
    assert not Choice.objects.filter(decision=new_decision).exists()


def test_another_municipality_cannot_see_or_choose(world, client, new_decision):
    client.force_login(world.other_assessor)
    assert client.get(f"{API}/decisions/{new_decision.public_id}/providers").status_code == 404
    assert client.get(f"{API}/decisions/{new_decision.public_id}/choices").status_code == 404
    response = post(client, f"/decisions/{new_decision.public_id}/choice", {"provider": str(world.private.public_id)})
    assert response.status_code == 404


def test_the_assessor_records_a_choice(world, client, new_decision):
    client.force_login(world.assessor)
    response = post(client, f"/decisions/{new_decision.public_id}/choice", {"provider": str(world.in_house.public_id)})
    assert response.status_code == 201, response.content
