"""The access matrix through the JSON API: every role × every read endpoint on a citizen's
records × the three citizens of tests/world.py. Visible → 200 with that object; not visible →
404 (existence does not leak) or 403. Lists return exactly the visible objects. Writes on an
object outside the scope are refused."""

import pytest

from frivalg.core.services import api_token_create
from tests.test_access_matrix import EXPECTED, USERS, _objects

DETAIL = {
    "citizens": "/api/v1/citizens/{id}",
    "decisions": "/api/v1/decisions/{id}",
    "visits": "/api/v1/visits/{id}",
}
LISTS = {"decisions": "/api/v1/decisions?limit=500", "visits": "/api/v1/visits?limit=500"}


def _client(client, world, user_attr):
    _token, raw = api_token_create(actor=None, user=getattr(world, user_attr), name="matrix")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


@pytest.mark.parametrize("user_attr", USERS)
def test_detail_endpoints_follow_the_matrix(client, world, user_attr):
    api = _client(client, world, user_attr)
    objects = _objects(world)
    for kind, url in DETAIL.items():
        for group, obj in objects[kind].items():
            response = api.get(url.format(id=obj.public_id))
            if group in EXPECTED[user_attr][kind]:
                assert response.status_code == 200, (user_attr, kind, group, response.content)
                assert response.json()["id"] == str(obj.public_id)
            else:
                assert response.status_code in (403, 404), (user_attr, kind, group, response.status_code)


@pytest.mark.parametrize("user_attr", USERS)
def test_list_endpoints_follow_the_matrix(client, world, user_attr):
    api = _client(client, world, user_attr)
    objects = _objects(world)
    for kind, url in LISTS.items():
        response = api.get(url)
        if response.status_code == 403:
            assert not EXPECTED[user_attr][kind], (user_attr, kind)
            continue
        assert response.status_code == 200, (user_attr, kind, response.content)
        ids = {item["id"] for item in response.json()["items"]}
        seen = {group for group, obj in objects[kind].items() if str(obj.public_id) in ids}
        assert seen == set(EXPECTED[user_attr][kind]), (user_attr, kind, seen)


@pytest.mark.parametrize("user_attr", USERS)
def test_check_in_outside_the_scope_is_refused(client, world, user_attr):
    api = _client(client, world, user_attr)
    response = api.post(f"/api/v1/visits/{world.foreign_visit.public_id}/check-in", content_type="application/json")
    if user_attr == "other_admin":
        assert response.status_code == 200  # B's provider checks in its own visit
    else:
        assert response.status_code in (403, 404), (user_attr, response.status_code)
