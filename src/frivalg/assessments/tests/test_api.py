"""Citizens, assessments and decisions through the JSON API."""

from datetime import date, timedelta

import pytest

from frivalg.assessments.models import Decision
from frivalg.core.models import AuditEvent, Citizen

API = "/api/v1"
NEW_CITIZEN = {
    "national_id": "1203401234", "first_name": "Inge", "last_name": "Holm", "birth_date": "1940-03-12",
    "address": "Skovvej 2", "postcode": "1000", "city": "Testby", "district": "S",
}


def post(client, path, payload, **extra):
    return client.post(API + path, payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **extra)


def fields(response, status=422):
    assert response.status_code == status, response.content
    return {e["field"]: e for e in response.json()["detail"]}


# --- citizens ------------------------------------------------------------------------------


def test_staff_list_and_search_citizens_of_their_municipality(world, client):
    client.force_login(world.assessor)
    listed = client.get(f"{API}/citizens").json()
    assert {c["id"] for c in listed["items"]} == {str(world.citizen.public_id), str(world.neighbour.public_id)}
    found = client.get(f"{API}/citizens", {"q": "Karen"}).json()
    assert [c["id"] for c in found["items"]] == [str(world.citizen.public_id)]
    assert client.get(f"{API}/citizens", {"q": "Anders"}).json()["count"] == 0  # another municipality


def test_citizen_record_shows_the_national_id_only_to_those_who_may_see_it(world, client):
    url = f"{API}/citizens/{world.citizen.public_id}"
    client.force_login(world.assessor)
    assert client.get(url).json()["national_id"] == world.citizen.national_id
    client.force_login(world.private_admin)  # the citizen's provider
    body = client.get(url).json()
    assert body["first_name"] == "Karen"
    assert body["national_id"] is None
    client.force_login(world.citizen_user)
    assert client.get(url).json()["national_id"] == world.citizen.national_id


def test_a_staff_read_of_a_citizen_is_audited(world, client):
    client.force_login(world.assessor)
    client.get(f"{API}/citizens/{world.citizen.public_id}")
    assert AuditEvent.objects.filter(action="citizen.read", object_id=str(world.citizen.public_id)).exists()


@pytest.mark.parametrize("user,citizen", [
    ("other_assessor", "citizen"),  # another municipality
    ("in_house_admin", "citizen"),  # another provider
    ("neighbour_user", "citizen"),  # another citizen
    ("assessor", "foreigner"),
])
def test_citizens_out_of_reach_are_404(world, client, user, citizen):
    client.force_login(getattr(world, user))
    response = client.get(f"{API}/citizens/{getattr(world, citizen).public_id}")
    assert response.status_code == 404
    assert response.json()["detail"][0]["code"] == "not_found"


def test_register_a_citizen(world, client):
    client.force_login(world.assessor)
    response = post(client, "/citizens", NEW_CITIZEN)
    assert response.status_code == 201, response.content
    body = response.json()
    citizen = Citizen.objects.get(public_id=body["id"])
    assert citizen.municipality == world.muni
    assert body["district"] == "S"
    assert body["national_id"] == "1203401234"


def test_register_a_citizen_with_bad_input(world, client):
    client.force_login(world.assessor)
    errors = fields(post(client, "/citizens", {**NEW_CITIZEN, "district": "X", "birth_date": "2999-01-01"}))
    assert list(errors) == ["district"]  # parse step first; the service would then refuse the date
    errors = fields(post(client, "/citizens", {**NEW_CITIZEN, "birth_date": "2999-01-01"}))
    assert errors["birth_date"]["message"] == "The birth date cannot be in the future."
    errors = fields(post(client, "/citizens", {**NEW_CITIZEN, "national_id": world.citizen.national_id}))
    assert "already registered" in errors["national_id"]["message"]
    errors = fields(post(client, "/citizens", {**NEW_CITIZEN, "first_name": "", "postcode": "x" * 11}))
    assert errors["first_name"]["code"] == "string_too_short"
    assert errors["postcode"]["message"] == "Ensure this value has at most 10 characters."


def test_only_those_who_manage_citizens_register_them(world, client):
    client.force_login(world.private_admin)
    assert post(client, "/citizens", NEW_CITIZEN).status_code == 403
    client.force_login(world.other_assessor)  # district S is not in their municipality
    assert list(fields(post(client, "/citizens", NEW_CITIZEN))) == ["district"]


# --- assessments ---------------------------------------------------------------------------


def test_record_and_list_assessments(world, client):
    client.force_login(world.assessor)
    response = post(client, "/assessments", {
        "citizen": str(world.citizen.public_id), "assessed_on": "2026-01-10",
        "scores": {"J1": 2, "J2": 3, "J5": 9}, "notes": "Trappe er svær", "status": "draft",
        "next_reassessment_due": "2026-07-10",
    })
    assert response.status_code == 201, response.content
    assert response.json()["scores"] == {"J1": 2, "J2": 3, "J5": 9}
    listed = client.get(f"{API}/citizens/{world.citizen.public_id}/assessments").json()
    assert listed["count"] == 2
    client.force_login(world.citizen_user)
    assert client.get(f"{API}/citizens/{world.citizen.public_id}/assessments").json()["count"] == 2


def test_assessment_errors_name_the_field(world, client):
    client.force_login(world.assessor)
    base = {"citizen": str(world.citizen.public_id), "assessed_on": "2026-01-10"}
    errors = fields(post(client, "/assessments", {**base, "scores": {"J1": 12}}))
    assert errors["scores.J1"]["code"] == "less_than_equal"
    errors = fields(post(client, "/assessments", {**base, "scores": {"J1": 5}}))
    assert errors["scores.J1"]["message"] == "The score is not on the scale."
    errors = fields(post(client, "/assessments", {**base, "scores": {}}))
    assert errors["scores"]["message"] == "Score at least one condition area."
    errors = fields(post(client, "/assessments", {**base, "scores": {"J1": 1}, "next_reassessment_due": "2026-01-01"}))
    assert "after the assessment" in errors["next_reassessment_due"]["message"]
    foreigner = str(world.foreigner.public_id)
    errors = fields(post(client, "/assessments", {**base, "citizen": foreigner, "scores": {"J1": 1}}))
    assert errors["citizen"]["code"] == "not_found"


def test_assessments_of_another_municipality_are_404(world, client):
    client.force_login(world.other_assessor)
    assert client.get(f"{API}/citizens/{world.citizen.public_id}/assessments").status_code == 404


# --- decisions -----------------------------------------------------------------------------


def grant_payload(world, **changes):
    return {
        "citizen": str(world.neighbour.public_id), "service": str(world.practical.public_id),
        "assessment": str(world.neighbour_assessment.public_id), "amount": "2.5", "unit": "hour",
        "frequency": "week", "valid_from": date.today().isoformat(), "reason": "Behov for rengøring", **changes,
    }


def test_grant_read_and_end_a_decision(world, client):
    client.force_login(world.assessor)
    response = post(client, "/decisions", grant_payload(world))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "granted"
    assert body["amount"] == "2.50"
    assert body["assessment"] == str(world.neighbour_assessment.public_id)
    assert body["choice_deadline"] is not None
    detail = client.get(f"{API}/decisions/{body['id']}").json()
    assert detail["service"]["code"] == "PH"
    ended = post(client, f"/decisions/{body['id']}/end",
                 {"valid_to": (date.today() + timedelta(days=30)).isoformat(), "reason": "Rask igen"})
    assert ended.status_code == 200, ended.content
    assert ended.json()["status"] == "ended"
    assert Decision.objects.get(public_id=body["id"]).status == "ended"


def test_grant_errors_name_the_field(world, client):
    client.force_login(world.assessor)
    errors = fields(post(client, "/decisions", grant_payload(world, amount="0")))
    assert errors["amount"]["code"] == "greater_than"
    errors = fields(post(client, "/decisions", grant_payload(world, amount="1.234")))
    assert errors["amount"]["code"] == "decimal_max_places"
    errors = fields(post(client, "/decisions", grant_payload(world, unit="meal")))
    assert errors["unit"]["message"] == "This service is granted in hour."
    errors = fields(post(client, "/decisions", grant_payload(world, valid_to="2000-01-01")))
    assert errors["valid_to"]["message"] == "The end date must be on or after the start date."
    errors = fields(post(client, "/decisions", grant_payload(world, reason="  ")))
    assert errors["reason"]["message"] == "Give the reason for the decision."
    errors = fields(post(client, "/decisions", grant_payload(world, assessment=str(world.assessment.public_id))))
    assert errors["assessment"]["code"] == "not_found"  # the assessment of another citizen
    errors = fields(post(client, "/decisions", grant_payload(world, service=str(world.other_service.public_id))))
    assert errors["service"]["code"] == "not_found"
    errors = fields(post(client, "/decisions", grant_payload(world, citizen="00000000-0000-4000-8000-000000000000")))
    assert errors["citizen"]["code"] == "not_found"


def test_decisions_are_scoped(world, client):
    client.force_login(world.assessor)
    ids = {d["id"] for d in client.get(f"{API}/decisions").json()["items"]}
    assert ids == {str(world.decision.public_id), str(world.neighbour_decision.public_id)}
    by_citizen = client.get(f"{API}/decisions", {"citizen": str(world.citizen.public_id)}).json()
    assert [d["id"] for d in by_citizen["items"]] == [str(world.decision.public_id)]
    assert client.get(f"{API}/decisions", {"status": "ended"}).json()["count"] == 0
    assert fields(client.get(f"{API}/decisions", {"status": "nonsense"}))["status"]["code"] == "enum"
    client.force_login(world.private_admin)  # delivers only world.decision
    ids = {d["id"] for d in client.get(f"{API}/decisions").json()["items"]}
    assert ids == {str(world.decision.public_id)}
    client.force_login(world.neighbour_user)
    ids = {d["id"] for d in client.get(f"{API}/decisions").json()["items"]}
    assert ids == {str(world.neighbour_decision.public_id)}


@pytest.mark.parametrize("user", ["other_assessor", "in_house_admin", "neighbour_user", "other_admin"])
def test_a_decision_out_of_reach_is_404(world, client, user):
    client.force_login(getattr(world, user))
    assert client.get(f"{API}/decisions/{world.decision.public_id}").status_code == 404


def test_ending_needs_the_permission_and_the_municipality(world, client):
    payload = {"valid_to": "2026-12-31", "reason": "x"}
    client.force_login(world.citizen_user)
    assert post(client, f"/decisions/{world.decision.public_id}/end", payload).status_code == 403
    client.force_login(world.other_assessor)
    assert post(client, f"/decisions/{world.decision.public_id}/end", payload).status_code == 404
    client.force_login(world.assessor)
    assert post(client, f"/decisions/{world.foreign_decision.public_id}/end", payload).status_code == 404
