"""The citizen's free choice of provider through the JSON API."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

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
    url = f"/decisions/{world.decision.public_id}/switch"
    response = post(client, url, {"provider": str(world.in_house.public_id), "notice_days": 3})
    assert response.json()["detail"][0]["field"] == "notice_days"  # only the municipality sets another notice
    response = post(client, url, {"provider": str(world.in_house.public_id), "reason": "Closer to home"})
    assert response.status_code == 201, response.content
    assert response.json()["valid_from"] == (timezone.localdate() + timedelta(days=10)).isoformat()
    assert response.json()["reason"] == "Closer to home"
    assert response.json()["initiated_by"] == "citizen"
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


def test_comparison_data_in_the_api(world, client, new_decision):
    client.force_login(world.neighbour_user)
    body = client.get(f"{API}/decisions/{new_decision.public_id}/providers?sort=places").json()
    row = body["items"][0]
    assert set(row) >= {"places_left", "price_minor", "continuity", "punctuality_percent", "satisfaction",
                        "complaints_per_100_clients", "specialities", "is_current"}
    assert row["satisfaction"] == {"answers": 0, "mean": None}
    assert client.get(f"{API}/decisions/{new_decision.public_id}/providers?sort=bogus").status_code == 422


def test_ratings_and_complaints_through_the_api(world, client):
    client.force_login(world.relative)
    rating = {"citizen": str(world.citizen.public_id), "provider": str(world.private.public_id),
              "respect": 5, "on_time": 4, "same_people": 3, "overall": 4}
    response = post(client, "/ratings", rating)
    assert response.status_code == 201, response.content
    again = post(client, "/ratings", rating)
    assert again.status_code == 422 and again.json()["detail"][0]["field"] == "provider"
    assert post(client, "/ratings", {**rating, "overall": 7}).json()["detail"][0]["field"] == "overall"
    neighbour = post(client, "/ratings", {**rating, "citizen": str(world.neighbour.public_id)})
    assert neighbour.json()["detail"][0]["field"] == "citizen"
    response = post(client, "/complaints", {"citizen": str(world.citizen.public_id),
                                            "provider": str(world.private.public_id), "text": "Late again"})
    assert response.status_code == 201, response.content
    assert [c["text"] for c in client.get(f"{API}/complaints").json()["items"]] == ["Late again"]
    client.force_login(world.neighbour_user)
    assert client.get(f"{API}/complaints").json()["items"] == []


def test_default_rule_settings_through_the_api(world, client):
    client.force_login(world.finance)
    assert client.get(f"{API}/choices/default-rule").json() == {
        "rule": "rotation", "choice_deadline_days": 14, "switch_notice_days": 10}
    response = client.put(f"{API}/choices/default-rule", {"rule": "nearest", "choice_deadline_days": 20,
                                                         "switch_notice_days": 5}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["rule"] == "nearest"
    client.force_login(world.assessor)
    assert client.get(f"{API}/choices/default-rule").json()["rule"] == "nearest"
    response = client.put(f"{API}/choices/default-rule", {"rule": "nearest", "choice_deadline_days": 20,
                                                         "switch_notice_days": 5}, content_type="application/json")
    assert response.status_code == 403
    client.force_login(world.citizen_user)
    assert client.get(f"{API}/choices/default-rule").status_code == 403
