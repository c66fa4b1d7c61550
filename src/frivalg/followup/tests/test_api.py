"""Key figures through the JSON API: aggregates for those who follow up the market."""

import pytest
from django.utils import timezone

API = "/api/v1"


def test_key_figures_of_a_month(world, client):
    client.force_login(world.analyst)
    today = timezone.localdate()
    response = client.get(f"{API}/followup/key-figures", {"year": today.year, "month": today.month})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period_start"] == today.replace(day=1).isoformat()
    assert body["citizens_with_grant"] == 2  # not the other municipality's citizen
    assert body["clients"] == 2
    assert body["providers_with_clients"] == 2
    assert body["hhi"] is not None
    assert body["concentration"]


@pytest.mark.parametrize("query,field", [({"year": 2026, "month": 13}, "month"), ({"year": "x", "month": 1}, "year"),
                                         ({"month": 1}, "year")])
def test_key_figure_input_errors(world, client, query, field):
    client.force_login(world.analyst)
    response = client.get(f"{API}/followup/key-figures", query)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field


@pytest.mark.parametrize("user", ["citizen_user", "private_admin", "assessor"])
def test_key_figures_are_for_those_who_follow_up(world, client, user):
    client.force_login(getattr(world, user))
    response = client.get(f"{API}/followup/key-figures", {"year": 2026, "month": 1})
    assert response.status_code == 403
    assert response.json()["detail"][0]["code"] == "permission_denied"
