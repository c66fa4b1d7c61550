"""Visits through the JSON API: plan, verify, cancel, and the bulk import from a provider's
planning system (JSON, a CSV body, an uploaded CSV file)."""

from datetime import date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from frivalg.core.services import api_token_create
from frivalg.visits.models import Visit
from frivalg.visits.tests.factories import VisitFactory

API = "/api/v1"
YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


def post(client, path, payload, **extra):
    return client.post(API + path, payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **extra)


def first_error(response, status=422):
    assert response.status_code == status, response.content
    return response.json()["detail"][0]


# --- reading -------------------------------------------------------------------------------


def test_visits_between_two_days(world, client):
    client.force_login(world.private_admin)
    today = timezone.localdate().isoformat()
    listed = client.get(f"{API}/visits", {"from": today, "to": today}).json()
    assert [v["id"] for v in listed["items"]] == [str(world.visit.public_id)]
    assert listed["items"][0]["caregiver"] == "HJ01"
    assert client.get(f"{API}/visits", {"from": "2000-01-01", "to": "2000-01-31"}).json()["count"] == 0
    by_citizen = client.get(f"{API}/visits", {"citizen": str(world.citizen.public_id)}).json()
    assert by_citizen["count"] == 1
    error = first_error(client.get(f"{API}/visits", {"from": today, "to": "2000-01-01"}))
    assert error["field"] == "to"


def test_who_sees_which_visit(world, client):
    url = f"{API}/visits/{world.visit.public_id}"
    for user in ("private_admin", "private_caregiver_user", "citizen_user", "relative", "assessor"):
        client.force_login(getattr(world, user))
        assert client.get(url).status_code == 200, user
    for user in ("in_house_admin", "in_house_caregiver_user", "neighbour_user", "other_assessor", "other_admin"):
        client.force_login(getattr(world, user))
        assert first_error(client.get(url), 404)["code"] == "not_found", user


def test_a_caregiver_sees_only_todays_own_visits(world, client):
    VisitFactory(decision=world.decision, provider=world.private, caregiver=world.private_caregiver,
                 planned_start=timezone.now() + timedelta(days=3))
    client.force_login(world.private_caregiver_user)
    assert [v["id"] for v in client.get(f"{API}/visits").json()["items"]] == [str(world.visit.public_id)]


# --- planning and verifying ----------------------------------------------------------------


def plan_payload(world, **changes):
    start = (timezone.localtime() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    return {"decision": str(world.decision.public_id), "planned_start": start.isoformat(),
            "planned_end": (start + timedelta(minutes=45)).isoformat(), "caregiver": "HJ01",
            "tasks": ["H1.8"], **changes}


def test_plan_a_visit(world, client):
    client.force_login(world.private_admin)
    response = post(client, "/visits", plan_payload(world))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "planned"
    assert body["caregiver"] == "HJ01"
    assert body["tasks"] == ["H1.8"]
    assert body["provider"]["id"] == str(world.private.public_id)


def test_planning_errors_name_the_field(world, client):
    client.force_login(world.private_admin)
    payload = plan_payload(world)
    error = first_error(post(client, "/visits", {**payload, "planned_end": payload["planned_start"]}))
    assert error == {"field": "planned_end", "message": "The end must be after the start.", "code": "invalid"}
    error = first_error(post(client, "/visits", {**payload, "planned_start": "2026-03-02T08:00:00"}))
    assert error["field"] == "planned_start"
    assert error["code"] == "timezone_aware"
    assert first_error(post(client, "/visits", {**payload, "caregiver": "NOPE"}))["field"] == "caregiver"
    error = first_error(post(client, "/visits", {**payload, "decision": str(world.neighbour_decision.public_id)}))
    assert error == {"field": "decision", "message": "Nothing with this id is known to you.", "code": "not_found"}
    error = first_error(post(client, "/visits", {**payload, "planned_start": "2026-02-30T08:00:00+01:00"}))
    assert error["field"] == "planned_start"


def test_planning_needs_a_provider(world, client):
    client.force_login(world.assessor)
    assert first_error(post(client, "/visits", plan_payload(world)), 403)["code"] == "permission_denied"


def test_the_caregiver_checks_in_and_out(world, client):
    client.force_login(world.private_caregiver_user)
    checked_in = post(client, f"/visits/{world.visit.public_id}/check-in", {"method": "app"})
    assert checked_in.status_code == 200, checked_in.content
    assert checked_in.json()["status"] == "in_progress"
    assert checked_in.json()["check_in_method"] == "app"
    again = first_error(post(client, f"/visits/{world.visit.public_id}/check-in", {}))
    assert again == {"field": "status", "message": "Only a planned visit can be checked in.", "code": "invalid"}
    checked_out = client.post(f"{API}/visits/{world.visit.public_id}/check-out", content_type="application/json")
    assert checked_out.status_code == 200, checked_out.content
    body = checked_out.json()
    assert body["status"] == "done"
    assert body["actual_end"] is not None


def test_check_in_errors(world, client):
    client.force_login(world.private_caregiver_user)
    url = f"/visits/{world.visit.public_id}/check-in"
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    assert first_error(post(client, url, {"at": future}))["field"] == "at"
    assert first_error(post(client, url, {"method": "telepathy"}))["field"] == "method"
    assert first_error(post(client, url, {"at": "yesterday"}))["field"] == "at"


def test_others_cannot_check_a_visit(world, client):
    client.force_login(world.in_house_caregiver_user)  # another provider's caregiver
    assert post(client, f"/visits/{world.visit.public_id}/check-in", {}).status_code == 404
    client.force_login(world.citizen_user)
    assert post(client, f"/visits/{world.visit.public_id}/check-in", {}).status_code == 403
    assert Visit.objects.get(pk=world.visit.pk).status == "planned"


def test_the_citizen_cancels_a_visit(world, client):
    client.force_login(world.citizen_user)
    assert first_error(post(client, f"/visits/{world.visit.public_id}/cancel", {"by": "me"}))["field"] == "by"
    response = post(client, f"/visits/{world.visit.public_id}/cancel", {"by": "citizen", "note": "Hos lægen"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled_citizen"
    client.force_login(world.neighbour_user)
    assert post(client, f"/visits/{world.visit.public_id}/cancel", {"by": "citizen"}).status_code == 404


def test_the_provider_marks_a_visit_missed(world, client):
    past = timezone.now() - timedelta(days=1)
    visit = VisitFactory(decision=world.decision, provider=world.private, planned_start=past)
    client.force_login(world.private_admin)
    response = post(client, f"/visits/{visit.public_id}/missed", {"note": "Ingen hjemme"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "missed"
    upcoming = VisitFactory(decision=world.decision, provider=world.private)
    error = first_error(post(client, f"/visits/{upcoming.public_id}/missed", {}))
    assert error["message"] == "A visit can only be missed after its planned end."


# --- bulk import ---------------------------------------------------------------------------

COLUMNS = ["external_id", "decision", "planned_start", "planned_end", "status", "actual_start", "actual_end",
           "caregiver"]


def import_rows(world):
    decision = str(world.decision.public_id)
    foreign = str(world.foreign_decision.public_id)
    day = YESTERDAY
    return [
        {"external_id": "A-1", "decision": decision, "planned_start": f"{day}T08:00", "planned_end": f"{day}T08:45",
         "status": "done", "actual_start": f"{day}T08:03", "actual_end": f"{day}T08:41", "caregiver": "HJ01"},
        {"external_id": "A-2", "decision": decision, "planned_start": f"{day}T12:00", "planned_end": f"{day}T12:30",
         "status": "planned", "actual_start": "", "actual_end": "", "caregiver": ""},
        {"external_id": "A-3", "decision": decision, "planned_start": f"{day}T14:00", "planned_end": f"{day}T13:00",
         "status": "planned", "actual_start": "", "actual_end": "", "caregiver": ""},
        {"external_id": "A-4", "decision": foreign, "planned_start": f"{day}T14:00", "planned_end": f"{day}T15:00",
         "status": "planned", "actual_start": "", "actual_end": "", "caregiver": ""},
        {"external_id": "", "decision": decision, "planned_start": "not a time", "planned_end": f"{day}T15:00",
         "status": "planned", "actual_start": "", "actual_end": "", "caregiver": ""},
        {"external_id": "A-6", "decision": decision, "planned_start": f"{day}T16:00", "planned_end": f"{day}T16:30",
         "status": "planned", "actual_start": "", "actual_end": "", "caregiver": "ZZ99"},
    ]


def as_csv(rows, delimiter=","):
    lines = [delimiter.join(COLUMNS)] + [delimiter.join(row[c] for c in COLUMNS) for row in rows]
    return "\n".join(lines) + "\n"


def assert_mixed_result(body, *, created=2, updated=0, csv=False):
    assert body["created"] == created
    assert body["updated"] == updated
    assert body["rejected_rows"] == 4
    reasons = {(r["row"], r["field"]): r["reason"] for r in body["rejected"]}
    assert reasons[(3, "planned_end")] == "The end must be after the start."
    assert reasons[(4, "decision")] == "No decision with this id is delivered by this provider."
    assert reasons[(5, "external_id")] == "This field is required."
    assert reasons[(5, "planned_start")].startswith("Not a date and time")
    assert reasons[(6, "caregiver")] == "No caregiver with this pseudonym works for this provider."
    row_three = next(r for r in body["rejected"] if r["row"] == 3)
    assert row_three["data"]["external_id"] == "A-3"
    assert row_three["line"] == (4 if csv else None)


def test_json_import_stores_the_good_rows_and_returns_every_bad_one(world, client):
    client.force_login(world.private_admin)
    response = post(client, "/visits/import", {"source_system": "planner", "rows": import_rows(world)})
    assert response.status_code == 200, response.content
    assert_mixed_result(response.json())
    stored = Visit.objects.filter(provider=world.private, source_system="planner")
    assert sorted(stored.values_list("external_id", flat=True)) == ["A-1", "A-2"]
    done = stored.get(external_id="A-1")
    assert done.status == "done"
    assert done.caregiver == world.private_caregiver
    assert done.check_in_method == "import"


def test_reimport_updates_instead_of_duplicating(world, client):
    client.force_login(world.private_admin)
    rows = import_rows(world)
    post(client, "/visits/import", {"source_system": "planner", "rows": rows})
    rows[1]["planned_end"] = f"{YESTERDAY}T12:40"
    response = post(client, "/visits/import", {"source_system": "planner", "rows": rows})
    assert response.status_code == 200, response.content
    assert_mixed_result(response.json(), created=0, updated=2)
    assert Visit.objects.filter(provider=world.private, external_id="A-2").count() == 1
    visit = Visit.objects.get(provider=world.private, external_id="A-2")
    assert timezone.localtime(visit.planned_end).minute == 40


def test_csv_body_import(world, client):
    client.force_login(world.private_admin)
    response = client.post(f"{API}/visits/import?source_system=planner", as_csv(import_rows(world)),
                           content_type="text/csv", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    assert_mixed_result(response.json(), csv=True)


def test_csv_with_semicolons_and_a_byte_order_mark(world, client):
    client.force_login(world.private_admin)
    content = "\ufeff" + as_csv(import_rows(world), delimiter=";")
    response = client.post(f"{API}/visits/import?source_system=excel", content.encode("utf-8"),
                           content_type="text/csv", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    assert_mixed_result(response.json(), csv=True)


def test_csv_file_upload_import_with_a_token(world, client):
    _token, raw = api_token_create(actor=None, user=world.private_admin, name="planner")
    upload = SimpleUploadedFile("visits.csv", as_csv(import_rows(world)).encode(), content_type="text/csv")
    response = client.post(f"{API}/visits/import", {"file": upload, "source_system": "planner"},
                           HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    assert_mixed_result(response.json(), csv=True)
    assert Visit.objects.filter(provider=world.private, source_system="planner").count() == 2


def test_an_import_where_no_row_is_valid_is_422_with_every_reason(world, client):
    client.force_login(world.private_admin)
    rows = import_rows(world)[2:]
    response = post(client, "/visits/import", {"source_system": "planner", "rows": rows})
    assert response.status_code == 422
    body = response.json()
    assert body["created"] == 0
    assert body["rejected_rows"] == 4
    assert {"field": "rows.0.planned_end", "message": "Row 1: The end must be after the start.",
            "code": "rejected"} in body["detail"]
    assert len(body["detail"]) == len(body["rejected"])


def test_import_input_errors(world, client):
    client.force_login(world.private_admin)
    empty = post(client, "/visits/import", {"source_system": "planner", "rows": []})
    assert first_error(empty)["field"] == "rows"
    not_objects = post(client, "/visits/import", {"source_system": "planner", "rows": ["a"]})
    assert first_error(not_objects) == {"field": "rows.0", "message": "Expected an object.", "code": "dict_type"}
    nested = post(client, "/visits/import", {"source_system": "planner", "rows": [{"note": {"a": 1}}]})
    assert first_error(nested)["field"].startswith("rows.0.note")
    assert first_error(post(client, "/visits/import", {"rows": []}))["field"] == "source_system"
    broken = client.post(f"{API}/visits/import", "{", content_type="application/json")
    assert first_error(broken, 400)["code"] == "parse_error"
    no_source = client.post(f"{API}/visits/import", "a,b\n1,2\n", content_type="text/csv")
    assert first_error(no_source)["field"] == "source_system"
    latin1 = client.post(f"{API}/visits/import?source_system=x", "note\nSøren\n".encode("latin-1"),
                         content_type="text/csv")
    assert first_error(latin1)["field"] == "file"
    unknown_column = client.post(f"{API}/visits/import?source_system=x", "colour\nred\n", content_type="text/csv",
                                 HTTP_ACCEPT_LANGUAGE="en")
    assert {"row": 1, "line": 2, "field": "colour", "reason": "Unknown column.", "data": {"colour": "red"}} in \
        unknown_column.json()["rejected"]
    xml = client.post(f"{API}/visits/import", "<visits/>", content_type="application/xml")
    assert first_error(xml, 415)["code"] == "error"
    no_file = client.post(f"{API}/visits/import", {"source_system": "x"})
    assert first_error(no_file)["field"] == "file"


def test_only_a_provider_imports_and_only_for_itself(world, client):
    rows = import_rows(world)[:1]
    client.force_login(world.assessor)
    assert post(client, "/visits/import", {"source_system": "p", "rows": rows}).status_code == 403
    client.force_login(world.other_admin)
    response = post(client, "/visits/import",
                    {"source_system": "p", "rows": rows, "provider": str(world.private.public_id)})
    assert first_error(response)["field"] == "provider"
    response = post(client, "/visits/import", {"source_system": "p", "rows": rows})  # their own provider
    assert response.status_code == 422
    assert response.json()["rejected"][0]["field"] == "decision"
    assert not Visit.objects.filter(source_system="p").exists()


@pytest.mark.parametrize("moment", ["2026-03-29T02:30", "2026-10-25T02:30"])
def test_local_times_that_do_not_exist_or_exist_twice_are_rejected(world, client, moment):
    client.force_login(world.private_admin)
    row = {"external_id": "DST", "decision": str(world.decision.public_id), "planned_start": moment,
           "planned_end": moment[:11] + "04:00"}
    response = post(client, "/visits/import", {"source_system": "planner", "rows": [row]})
    assert response.status_code == 422
    assert response.json()["rejected"][0]["field"] == "planned_start"
    assert datetime.fromisoformat(moment)  # the text itself is a valid ISO date and time


def test_a_body_over_the_size_limit_is_413(world, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(world.private_admin)
    rows = import_rows(world) * 10
    response = post(client, "/visits/import", {"source_system": "planner", "rows": rows})
    assert first_error(response, 413)["code"] == "too_large"


def test_a_broken_multipart_body_is_400(world, client):
    client.force_login(world.private_admin)
    response = client.post(f"{API}/visits/import", b"--x\r\nnonsense", content_type="multipart/form-data")
    assert first_error(response, 400)["code"] == "bad_request"
