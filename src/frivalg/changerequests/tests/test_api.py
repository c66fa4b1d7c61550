"""The provider systems' API: allocations, start, stop, change requests and frame adjustments,
idempotent by the provider's reference, with bearer tokens."""

from datetime import timedelta

import pytest
from django.utils import timezone

from frivalg.changerequests import services
from frivalg.changerequests.models import ChangeRequest, FrameAdjustment, Message
from frivalg.core.services import api_token_create

pytestmark = pytest.mark.django_db

API = "/api/v1/messages"


@pytest.fixture
def token_for():
    def issue(user):
        _token, raw = api_token_create(actor=None, user=user, name="system")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_ACCEPT_LANGUAGE": "en"}
    return issue


def post(client, path, payload, headers):
    return client.post(API + path, payload, content_type="application/json", **headers)


def _request_body(world, **changes):
    return {"decision": str(world.decision.public_id), "kind": "more_time", "reason": "More baths",
            "requested_amount": "2", "requested_unit": "hour", "requested_frequency": "week",
            "external_reference": "cr-1", **changes}


def test_allocations_since_a_cursor(client, world, token_for):
    headers = token_for(world.private_admin)
    body = client.get(f"{API}/allocations", **headers).json()
    assert [item["decision"]["id"] for item in body["items"]] == [str(world.decision.public_id)]
    assert body["items"][0]["decision"]["citizen_name"] == world.citizen.full_name
    since = body["items"][0]["sent_at"]
    later = client.get(f"{API}/allocations", {"since": since}, **headers).json()
    assert [item["id"] for item in later["items"]] == [body["items"][0]["id"]]  # inclusive: dedupe by id
    tomorrow = (timezone.now() + timedelta(days=1)).isoformat()
    assert client.get(f"{API}/allocations", {"since": tomorrow}, **headers).json()["items"] == []
    ack = post(client, f"/allocations/{body['items'][0]['id']}/acknowledge", {}, headers)
    assert ack.status_code == 200 and ack.json()["acknowledged_at"]


def test_another_provider_cannot_acknowledge(client, world, token_for):
    services.allocations_backfill(actor=world.assessor, municipality=world.muni)
    allocation = Message.objects.get(kind="allocation", decision=world.decision)
    response = post(client, f"/allocations/{allocation.public_id}/acknowledge", {}, token_for(world.in_house_admin))
    assert response.status_code == 404


def test_a_change_request_is_idempotent_by_reference(client, world, token_for):
    headers = token_for(world.private_admin)
    first = post(client, "/change-requests", _request_body(world), headers)
    assert first.status_code == 201, first.content
    again = post(client, "/change-requests", _request_body(world, reason="Sent twice"), headers)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert ChangeRequest.objects.count() == 1
    assert first.json()["status"] == "open" and first.json()["due_on"] > timezone.localdate().isoformat()


def test_the_status_and_answer_are_read_back(client, world, token_for):
    headers = token_for(world.private_admin)
    created = post(client, "/change-requests", _request_body(world), headers).json()
    request = ChangeRequest.objects.get(public_id=created["id"])
    services.change_request_answer(actor=world.assessor, change_request=request, status="partly_approved",
                                   amount="1.75", answer_text="A quarter more",
                                   valid_from=timezone.localdate() + timedelta(days=1))
    body = client.get(f"{API}/change-requests/{created['id']}", **headers).json()
    assert body["status"] == "partly_approved" and body["answer_text"] == "A quarter more"
    assert body["amended_decision"] is not None


def test_another_provider_gets_404_for_the_request(client, world, token_for):
    created = post(client, "/change-requests", _request_body(world), token_for(world.private_admin)).json()
    response = client.get(f"{API}/change-requests/{created['id']}", **token_for(world.in_house_admin))
    assert response.status_code == 404
    assert response.json()["detail"][0]["field"] is None


def test_another_provider_cannot_request_for_the_decision(client, world, token_for):
    response = post(client, "/change-requests", _request_body(world), token_for(world.in_house_admin))
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "decision"
    assert not ChangeRequest.objects.exists()


def test_the_assessor_cannot_send(client, world, token_for):
    response = post(client, "/change-requests", _request_body(world), token_for(world.assessor))
    assert response.status_code == 403


def test_field_errors_name_the_field(client, world, token_for):
    response = post(client, "/change-requests", _request_body(world, reason="  ", requested_unit="litre"),
                    token_for(world.private_admin))
    assert response.status_code == 422
    fields = {item["field"] for item in response.json()["detail"]}
    assert fields == {"reason", "requested_unit"}


def test_start_and_stop_are_idempotent(client, world, token_for):
    headers = token_for(world.private_admin)
    start = {"decision": str(world.decision.public_id), "start_date": world.decision.valid_from.isoformat(),
             "external_reference": "start-1"}
    assert post(client, "/start-of-care", start, headers).status_code == 201
    assert post(client, "/start-of-care", start, headers).status_code == 200
    stop = {"decision": str(world.decision.public_id), "stop_date": timezone.localdate().isoformat(),
            "reason": "died", "external_reference": "stop-1"}
    response = post(client, "/stop-of-care", stop, headers)
    assert response.status_code == 201 and response.json()["stop_reason"] == "died"
    assert Message.objects.filter(kind__in=["start_of_care", "stop_of_care"]).count() == 2
    bad = post(client, "/stop-of-care", {**stop, "reason": "bored", "external_reference": "stop-2"}, headers)
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "reason"


def test_frame_adjustments(client, world, token_for):
    headers = token_for(world.private_admin)
    body = {"decision": str(world.decision.public_id), "period_kind": "week",
            "period_day": timezone.localdate().isoformat(), "description": "Bath moved", "minutes_moved": 30,
            "moved_from": "Monday", "moved_to": "Wednesday", "planned_minutes_after": 90,
            "external_reference": "f-1"}
    first = post(client, "/frame-adjustments", body, headers)
    assert first.status_code == 201 and first.json()["granted_minutes"] == 90
    assert post(client, "/frame-adjustments", body, headers).status_code == 200
    over = post(client, "/frame-adjustments", {**body, "planned_minutes_after": 91, "external_reference": "f-2"},
                headers)
    assert over.status_code == 422 and over.json()["detail"][0]["field"] == "planned_minutes_after"
    assert FrameAdjustment.objects.count() == 1


def test_a_reference_is_required(client, world, token_for):
    body = _request_body(world)
    del body["external_reference"]
    response = post(client, "/change-requests", body, token_for(world.private_admin))
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "external_reference"
