"""The API's shared behaviour: both ways to authenticate, the one error shape, languages, /me,
/districts and the command that issues tokens."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from frivalg.core.models import ApiToken
from frivalg.core.services import api_token_create, api_token_revoke

API = "/api/v1"


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def assert_error_shape(response, status: int) -> list[dict]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"detail"}
    assert body["detail"], body
    for item in body["detail"]:
        assert set(item) == {"field", "message", "code"}
        assert item["message"]
        assert item["code"]
    return body["detail"]


# --- authentication ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/me"), ("get", "/citizens"), ("get", "/decisions"), ("get", "/visits"),
        ("post", "/visits/import"), ("post", "/decisions"), ("get", "/settlement-runs"),
        ("get", "/followup/key-figures?year=2026&month=1"),
    ],
)
def test_without_credentials_every_endpoint_answers_401(world, client, method, path):
    response = getattr(client, method)(API + path)
    errors = assert_error_shape(response, 401)
    assert errors[0]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_bearer_token_authenticates_as_its_user(world, client):
    _token, raw = api_token_create(actor=None, user=world.private_admin, name="planning system")
    response = client.get(f"{API}/me", **bearer(raw))
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "private_admin"
    assert body["roles"] == ["provider_admin"]
    assert body["provider"]["id"] == str(world.private.public_id)
    assert "visit_import" in body["permissions"]
    assert ApiToken.objects.get(user=world.private_admin).last_used_at is not None


def test_a_revoked_token_is_refused(world, client):
    token, raw = api_token_create(actor=None, user=world.private_admin, name="old")
    api_token_revoke(actor=world.private_admin, token=token)
    assert_error_shape(client.get(f"{API}/me", **bearer(raw)), 401)


@pytest.mark.parametrize("header", ["Bearer fv_not-a-token", "Bearer ", "Basic dXNlcjpwYXNz", "fv_no_scheme"])
def test_a_wrong_or_malformed_token_is_refused(world, client, header):
    assert_error_shape(client.get(f"{API}/me", HTTP_AUTHORIZATION=header), 401)


def test_a_token_of_a_deactivated_user_is_refused(world, client):
    _token, raw = api_token_create(actor=None, user=world.private_admin, name="x")
    world.private_admin.is_active = False
    world.private_admin.save()
    assert_error_shape(client.get(f"{API}/me", **bearer(raw)), 401)


def test_the_login_session_works_and_writes_need_the_csrf_token(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.assessor)
    assert browser.get(f"{API}/me").status_code == 200
    payload = {"valid_to": "2026-12-31", "reason": "Flytter"}
    url = f"{API}/decisions/{world.decision.public_id}/end"
    refused = browser.post(url, payload, content_type="application/json")
    assert assert_error_shape(refused, 403)[0]["message"].startswith("CSRF")
    browser.get(f"{API}/me")  # any page sets the csrftoken cookie; here we set it ourselves
    from django.middleware.csrf import _get_new_csrf_string

    secret = _get_new_csrf_string()
    browser.cookies["csrftoken"] = secret
    accepted = browser.post(url, payload, content_type="application/json", HTTP_X_CSRFTOKEN=secret)
    assert accepted.status_code == 200, accepted.content


def test_a_token_needs_no_csrf_token(world):
    _token, raw = api_token_create(actor=None, user=world.assessor, name="x")
    system = Client(enforce_csrf_checks=True)
    response = system.post(f"{API}/decisions/{world.decision.public_id}/end",
                           {"valid_to": "2026-12-31", "reason": "Flytter"},
                           content_type="application/json", **bearer(raw))
    assert response.status_code == 200, response.content


# --- the one error shape -------------------------------------------------------------------


def test_malformed_json_is_a_400_in_the_error_shape(world, client):
    client.force_login(world.assessor)
    response = client.post(f"{API}/decisions", "{not json", content_type="application/json")
    assert assert_error_shape(response, 400)[0]["code"] == "parse_error"


def test_a_missing_body_names_the_problem(world, client):
    client.force_login(world.assessor)
    response = client.post(f"{API}/decisions", content_type="application/json")
    assert assert_error_shape(response, 422)[0]["code"] == "missing"


def test_wrong_types_give_one_field_error_each(world, client):
    client.force_login(world.assessor)
    response = client.post(f"{API}/decisions", {
        "citizen": "not-a-uuid", "service": str(world.practical.public_id), "amount": "lots",
        "unit": "bucket", "frequency": "week", "valid_from": "2026-02-30", "reason": 7, "colour": "red",
    }, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    errors = {e["field"]: e for e in assert_error_shape(response, 422)}
    assert errors["citizen"]["message"] == "Enter a valid id (a UUID)."
    assert errors["amount"]["message"] == "Enter a number."
    assert errors["unit"]["code"] == "enum"
    assert "hour" in errors["unit"]["message"]
    assert errors["valid_from"]["message"] == "Enter a valid date (YYYY-MM-DD)."
    assert errors["reason"]["code"] == "string_type"
    assert errors["colour"]["code"] == "extra_forbidden"


@pytest.mark.parametrize("value", ["1899-12-31", "3000-01-01", "2026-13-01", "0000-01-01"])
def test_impossible_dates_are_field_errors(world, client, value):
    client.force_login(world.assessor)
    response = client.get(f"{API}/visits", {"from": value})
    assert assert_error_shape(response, 422)[0]["field"] == "from"


def test_null_characters_are_refused_before_they_reach_the_database(world, client):
    client.force_login(world.assessor)
    response = client.post(f"{API}/decisions/{world.decision.public_id}/end",
                           {"valid_to": "2026-12-31", "reason": "a\x00b"}, content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE="en")
    assert assert_error_shape(response, 422)[0] == {
        "field": "reason", "message": "Null characters are not allowed.", "code": "null_characters"}


def test_a_malformed_id_in_the_url_is_a_field_error_and_an_unknown_one_is_404(world, client):
    client.force_login(world.assessor)
    assert assert_error_shape(client.get(f"{API}/citizens/42"), 422)[0]["field"] == "citizen_id"
    missing = client.get(f"{API}/citizens/00000000-0000-4000-8000-000000000000")
    assert assert_error_shape(missing, 404)[0]["code"] == "not_found"


def test_a_service_refusal_is_a_field_error(world, client):
    client.force_login(world.assessor)
    response = client.post(f"{API}/decisions/{world.decision.public_id}/end",
                           {"valid_to": "2000-01-01", "reason": "x"}, content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE="en")
    assert assert_error_shape(response, 422) == [{
        "field": "valid_to", "message": "The end date must be on or after the start date.", "code": "invalid"}]


def test_a_missing_permission_is_403(world, client):
    client.force_login(world.citizen_user)
    response = client.post(f"{API}/decisions/{world.decision.public_id}/end",
                           {"valid_to": "2026-12-31", "reason": "x"}, content_type="application/json")
    assert assert_error_shape(response, 403)[0]["code"] == "permission_denied"


def test_messages_follow_accept_language(world, client):
    client.force_login(world.assessor)
    url = f"{API}/decisions/{world.decision.public_id}/end"
    payload = {"valid_to": "2026-12-31", "reason": "a\x00b"}
    english = client.post(url, payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    danish = client.post(url, payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="da")
    assert english["Content-Language"] == "en"
    assert danish["Content-Language"] == "da"
    assert assert_error_shape(english, 422)[0]["message"] == "Null characters are not allowed."
    with translation.override("da"):
        in_danish = translation.gettext("Null characters are not allowed.")
    assert in_danish != "Null characters are not allowed."
    assert assert_error_shape(danish, 422)[0]["message"] == in_danish


# --- /me and /districts --------------------------------------------------------------------


def test_me_for_municipal_staff(world, client):
    client.force_login(world.assessor)
    body = client.get(f"{API}/me").json()
    assert body["municipality"]["code"] == "T001"
    assert body["provider"] is None
    assert "decision_grant" in body["permissions"]


def test_me_for_a_relative_lists_whom_they_represent(world, client):
    client.force_login(world.relative)
    body = client.get(f"{API}/me").json()
    assert [c["id"] for c in body["represents"]] == [str(world.citizen.public_id)]
    assert body["municipality"] is None


def test_districts_are_those_of_my_municipality(world, client):
    client.force_login(world.assessor)
    body = client.get(f"{API}/districts").json()
    assert body["count"] == 2
    assert {d["code"] for d in body["items"]} == {"N", "S"}
    client.force_login(world.private_admin)
    assert client.get(f"{API}/districts").json()["count"] == 0


def test_pagination_is_bounded(world, client):
    client.force_login(world.assessor)
    assert client.get(f"{API}/districts", {"limit": 1}).json()["items"][0]["code"] == "N"
    assert assert_error_shape(client.get(f"{API}/districts", {"limit": 0}), 422)[0]["field"] == "limit"
    assert assert_error_shape(client.get(f"{API}/districts", {"limit": 501}), 422)[0]["field"] == "limit"
    assert assert_error_shape(client.get(f"{API}/districts", {"offset": -1}), 422)[0]["field"] == "offset"
    huge = client.get(f"{API}/districts", {"offset": 10**30})
    assert assert_error_shape(huge, 422)[0]["field"] == "offset"


# --- the command ---------------------------------------------------------------------------


def test_the_command_issues_a_working_token(world, client):
    out, err = StringIO(), StringIO()
    call_command("api_token", "private_admin", "--name", "Planner", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert raw.startswith("fv_")
    assert "Planner" in err.getvalue()
    assert raw not in err.getvalue()
    assert client.get(f"{API}/me", **bearer(raw)).json()["user"]["username"] == "private_admin"


def test_the_command_refuses_an_unknown_user(world):
    with pytest.raises(CommandError):
        call_command("api_token", "nobody", stdout=StringIO(), stderr=StringIO())


def test_error_bodies_are_json(world, client):
    response = client.get(f"{API}/me")
    assert response["Content-Type"].startswith("application/json")
    json.loads(response.content)


@pytest.mark.parametrize("path", ["/nope", "/visits/a/b/c", "/", "/me/"])
def test_an_unknown_path_is_a_json_404(world, client, path):
    response = client.get(API + path, HTTP_ACCEPT_LANGUAGE="en")
    assert assert_error_shape(response, 404)[0]["code"] == "not_found"


def test_known_paths_are_not_swallowed_by_the_fallback(world, client):
    client.force_login(world.assessor)
    assert client.get(f"{API}/me").status_code == 200
    assert client.get(f"{API}/openapi.json").status_code == 200
    assert client.get(f"{API}/docs").status_code == 200
    assert client.delete(f"{API}/me").status_code == 405
