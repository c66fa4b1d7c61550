"""Providers and their approvals through the JSON API."""

API = "/api/v1"


def test_staff_see_the_providers_of_their_municipality(world, client):
    client.force_login(world.finance)
    body = client.get(f"{API}/providers").json()
    assert {p["name"] for p in body["items"]} == {"Testrup Hjemmepleje", "Omsorg Nord ApS"}
    private = next(p for p in body["items"] if p["kind"] == "private")
    assert private["districts"] == ["N", "S"]
    assert client.get(f"{API}/providers/{world.private.public_id}").json()["org_number"] == world.private.org_number


def test_a_provider_sees_itself(world, client):
    client.force_login(world.private_admin)
    assert [p["id"] for p in client.get(f"{API}/providers").json()["items"]] == [str(world.private.public_id)]
    approvals = client.get(f"{API}/approvals").json()["items"]
    assert {a["service_code"] for a in approvals} == {"PH", "PC"}
    assert {a["provider"]["id"] for a in approvals} == {str(world.private.public_id)}


def test_providers_out_of_reach_are_404(world, client):
    client.force_login(world.finance)
    assert client.get(f"{API}/providers/{world.other_provider.public_id}").status_code == 404
    client.force_login(world.private_admin)
    assert client.get(f"{API}/providers/{world.in_house.public_id}").status_code == 404
    client.force_login(world.citizen_user)
    assert client.get(f"{API}/providers").json()["count"] == 0


def test_approvals_of_the_municipality(world, client):
    client.force_login(world.finance)
    approvals = client.get(f"{API}/approvals").json()
    assert approvals["count"] == 4
    assert all(a["municipality"] == "T001" for a in approvals["items"])
