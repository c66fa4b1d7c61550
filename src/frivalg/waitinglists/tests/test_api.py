"""Waiting lists through the JSON API: staff read and act, citizens read their own line."""

import pytest
from django.utils import timezone

from frivalg.waitinglists.models import EntryStatus
from frivalg.waitinglists.tests.factories import assessed_citizen

pytestmark = pytest.mark.django_db

API = "/api/v1"


def get(client, path):
    return client.get(API + path, HTTP_ACCEPT_LANGUAGE="en")


def post(client, path, payload=None):
    return client.post(API + path, payload or {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_staff_read_lists_and_ranked_entries(client, world, lists):
    client.force_login(world.assessor)
    body = get(client, "/waiting-lists").json()
    assert [item["id"] for item in body["items"]] == [str(lists.home.public_id)]
    detail = get(client, f"/waiting-lists/{lists.home.public_id}").json()
    assert detail["rule"]["need_weight"] == 10 and detail["rule"]["version"] == 1
    assert any("not by the date of the application" in s for s in detail["rule"]["in_words"])
    entries = get(client, f"/waiting-lists/{lists.home.public_id}/entries").json()["items"]
    assert [(e["id"], e["position"], e["score"]) for e in entries] == [
        (str(lists.stranger.public_id), 1, 83), (str(lists.karen.public_id), 2, 50)]
    assert get(client, f"/waiting-lists/{lists.foreign_home.public_id}").status_code == 404


def test_enter_and_refusals(client, world, lists):
    client.force_login(world.assessor)
    decision = assessed_citizen(lists.home.service, {"J1": 4, "J2": 4, "J3": 4}, district=world.north)
    today = timezone.localdate().isoformat()
    response = post(client, f"/waiting-lists/{lists.home.public_id}/entries",
                    {"decision": str(decision.public_id), "applied_on": today, "urgent": True,
                     "reason": "carer_breakdown"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "reason"
    response = post(client, f"/waiting-lists/{lists.home.public_id}/entries",
                    {"decision": str(world.decision.public_id), "applied_on": today})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "decision"
    response = post(client, f"/waiting-lists/{lists.home.public_id}/entries",
                    {"decision": str(decision.public_id), "applied_on": "not a date"})
    assert response.status_code == 422
    response = post(client, f"/waiting-lists/{lists.home.public_id}/entries",
                    {"decision": str(decision.public_id), "applied_on": today})
    assert response.status_code == 201, response.content
    assert response.json()["position"] == 1 and response.json()["need_score"] == 12


def test_offer_goes_to_the_top_and_is_refused_without_a_free_place(client, world, lists):
    client.force_login(world.assessor)
    response = post(client, f"/waiting-lists/{lists.home.public_id}/offer")
    assert response.status_code == 422 and "No place is free" in response.json()["detail"][0]["message"]
    lists.home.free_places = 1
    lists.home.save()
    response = post(client, f"/waiting-lists/{lists.home.public_id}/offer")
    assert response.status_code == 201
    assert response.json()["id"] == str(lists.stranger.public_id)
    assert response.json()["status"] == EntryStatus.OFFERED


def test_citizen_and_relative_read_their_own_line(client, world, lists):
    for user in (world.citizen_user, world.relative):
        client.force_login(user)
        (mine,) = get(client, "/me/waiting-lists").json()
        assert mine["id"] == str(lists.karen.public_id)
        assert (mine["position"], mine["places"]) == (2, 2)
        assert mine["score_explained"] == "need 2 × 10 + 30 days × 1 = 50"
        assert [h["code"] for h in mine["history"]] == ["new_entry_above"]
        assert get(client, "/waiting-lists").json()["items"] == []
        assert get(client, f"/waiting-lists/{lists.home.public_id}").status_code == 404


@pytest.mark.parametrize("user_attr", ["private_admin", "private_caregiver_user", "neighbour_user", "finance"])
def test_others_see_nothing_and_cannot_act(client, world, lists, user_attr):
    client.force_login(getattr(world, user_attr))
    assert get(client, "/me/waiting-lists").json() == []
    assert get(client, "/waiting-lists").json()["items"] == []
    assert get(client, f"/waiting-lists/{lists.home.public_id}/entries").status_code == 404
    assert post(client, f"/waiting-lists/{lists.home.public_id}/offer").status_code == 404


def test_anonymous_is_refused(client, lists):
    assert get(client, "/waiting-lists").status_code == 401
