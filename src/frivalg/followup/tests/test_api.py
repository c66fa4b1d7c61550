"""Follow-up through the JSON API: key figures of a month, the indicator registry, an indicator's
table for the caller's municipality, and published figures without login. Aggregates only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from frivalg.core.tests.factories import UserFactory
from frivalg.followup.forms import last_full_months
from frivalg.followup.indicators import REGISTRY
from frivalg.followup.tests.test_views import add_history

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


def test_the_registry_lists_every_indicator_with_its_method(world, client):
    client.force_login(world.analyst)
    response = client.get(f"{API}/followup/indicators", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = {item["code"]: item for item in response.json()}
    assert set(body) == set(REGISTRY.indicators)
    hhi = body["hhi"]
    assert hhi["aspect"] == "competition" and hhi["public"] is True
    assert hhi["title"] == "Market concentration (HHI)" and "Herfindahl" in hhi["method"]
    assert [c["name"] for c in hhi["columns"]] == ["hhi", "level", "providers", "hours"]


def test_an_indicators_table(world, client):
    period = add_history(world)
    client.force_login(world.analyst)
    last = period.end - timedelta(days=1)
    response = client.get(f"{API}/followup/indicators/hhi", {"start": period.start.isoformat(),
                                                             "end": last.isoformat(), "by": "service"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["code"] == "hhi" and body["by"] == ["service"] and body["end"] == last.isoformat()
    assert [c["name"] for c in body["columns"]] == ["service", "hhi", "level", "providers", "hours"]
    rows = {row["service"]: row for row in body["rows"]}
    # Praktisk hjælp: 3 × 45 minutes by one provider; Personlig pleje: 2 × 30 minutes by one.
    assert rows["Praktisk hjælp"]["hours"] == 2.25 and rows["Praktisk hjælp"]["hhi"] == 10000.0
    assert rows["Personlig pleje"]["hours"] == 1.0
    assert "service_id" not in body["rows"][0]


def test_filters_by_public_ids(world, client):
    add_history(world)
    client.force_login(world.analyst)
    response = client.get(f"{API}/followup/indicators/hhi", {"service": str(world.personal.public_id),
                                                             "district": "S"})
    assert response.status_code == 200
    assert [row["hours"] for row in response.json()["rows"]] == [1.0]


@pytest.mark.parametrize("query,field", [
    ({"by": "galaxy"}, "by"), ({"by": "provider"}, "by"), ({"by": "month,month"}, "by"),
    ({"start": "2026-05-01", "end": "2026-04-01"}, "end"), ({"start": "2000-01-01", "end": "2020-01-01"}, "end"),
    ({"district": "X"}, "district"),  # the other municipality's
    ({"service": "00000000-0000-0000-0000-000000000000"}, "service"), ({"start": "x"}, "start"),
])
def test_indicator_input_errors(world, client, query, field):
    client.force_login(world.analyst)
    response = client.get(f"{API}/followup/indicators/hhi", query)
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["field"] == field


def test_unknown_indicator_is_404(world, client):
    client.force_login(world.analyst)
    assert client.get(f"{API}/followup/indicators/nope").status_code == 404


@pytest.mark.parametrize("user", ["citizen_user", "private_admin", "assessor"])
def test_indicators_are_for_those_who_follow_up(world, client, user):
    client.force_login(getattr(world, user))
    assert client.get(f"{API}/followup/indicators").status_code == 403
    assert client.get(f"{API}/followup/indicators/hhi").status_code == 403


def test_anonymous_reads_published_figures_suppressed(world, client):
    add_history(world)
    response = client.get(f"{API}/followup/public/{world.muni.code}/indicators/hhi", {"by": "month"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["by"] == ["month"]
    period = last_full_months(timezone.localdate())
    assert body["start"] == period.start.isoformat()
    public_with_counts = [cls for cls in REGISTRY.indicators.values()
                          if cls.public and any(c.suppress_below for c in cls.columns)]
    for cls in public_with_counts:
        body = client.get(f"{API}/followup/public/{world.muni.code}/indicators/{cls.code}").json()
        for row in body["rows"]:
            for column in cls.columns:
                if column.suppress_below and row[column.name] is not None:
                    assert not 0 < row[column.name] < 5, (cls.code, row)


def test_unpublished_indicators_and_unknown_municipalities_are_404(world, client):
    private = next(cls for cls in REGISTRY.indicators.values() if not cls.public)
    assert client.get(f"{API}/followup/public/{world.muni.code}/indicators/{private.code}").status_code == 404
    assert client.get(f"{API}/followup/public/NOPE/indicators/hhi").status_code == 404


def test_a_politician_reads_the_table(world, client):
    client.force_login(UserFactory(username="councillor", role="politician", municipality=world.muni))
    assert client.get(f"{API}/followup/indicators/hhi").status_code == 200
