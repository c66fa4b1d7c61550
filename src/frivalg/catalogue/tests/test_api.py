"""The service catalogue and the rate table through the JSON API."""

API = "/api/v1"


def test_services_of_my_municipality(world, client):
    client.force_login(world.assessor)
    body = client.get(f"{API}/services").json()
    assert {s["code"] for s in body["items"]} == {"PH", "PC"}
    assert {s["id"] for s in body["items"]} == {str(world.practical.public_id), str(world.personal.public_id)}
    client.force_login(world.other_assessor)
    assert [s["id"] for s in client.get(f"{API}/services").json()["items"]] == [str(world.other_service.public_id)]


def test_rates_for_staff_and_on_a_day(world, client):
    client.force_login(world.finance)
    body = client.get(f"{API}/rates", {"on": "2026-01-01", "limit": 500}).json()
    assert body["count"] == 20  # 2 services × 5 time bands × 2 provider kinds
    day_rate = next(r for r in body["items"] if r["service_code"] == "PH" and r["time_band"] == "day")
    assert day_rate["amount_minor"] == 40000
    assert client.get(f"{API}/rates", {"on": "2019-12-31"}).json()["count"] == 0
    response = client.get(f"{API}/rates", {"on": "31-12-2026"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "on"


def test_rates_are_not_for_providers_or_citizens(world, client):
    for user in ("private_admin", "citizen_user"):
        client.force_login(getattr(world, user))
        assert client.get(f"{API}/rates").json()["count"] == 0
