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


# --- approval on equal terms ------------------------------------------------------------------


def _requirements(world):
    from frivalg.providers.tests.factories import RequirementFactory

    RequirementFactory(municipality=world.muni, code="INS", document_required=True)
    RequirementFactory(municipality=world.muni, service=world.practical, code="STAFF")
    RequirementFactory(municipality=world.other_muni, code="ELSEWHERE")


def test_requirements_are_published_to_every_user(world, client):
    _requirements(world)
    assert client.get(f"{API}/municipalities/T001/requirements").status_code == 401
    client.force_login(world.other_admin)  # a provider not (yet) approved here reads them too
    body = client.get(f"{API}/municipalities/T001/requirements").json()
    assert {r["code"] for r in body} == {"INS", "STAFF"}
    assert client.get(f"{API}/municipalities/NOPE/requirements").status_code == 404


def test_a_provider_system_applies_and_reads_its_status(world, client):
    from django.utils import timezone

    from frivalg.providers.services import approval_decide

    _requirements(world)
    approval_decide(actor=world.finance, approval=world.private.approvals.get(service=world.practical),
                    status="terminated", reason="x", valid_to=timezone.localdate())
    client.force_login(world.private_admin)
    bad = client.post(f"{API}/approvals", {"service": str(world.practical.public_id), "districts": ["X"]},
                      content_type="application/json")
    assert bad.status_code in (400, 422) and bad.json()["detail"][0]["field"] == "districts"
    created = client.post(f"{API}/approvals", {"service": str(world.practical.public_id), "capacity": 8,
                                               "districts": ["N"], "languages": ["da"]},
                          content_type="application/json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "applied" and not body["may_approve"] and body["unmet"] == ["INS", "STAFF"]
    assert {a["requirement"] for a in body["answers"]} == {"INS", "STAFF"}
    status = client.get(f"{API}/approvals/{body['id']}")
    assert status.status_code == 200 and status.json()["capacity"] == 8
    capacity = client.post(f"{API}/approvals/{body['id']}/capacity", {"capacity": 3, "accepting_new_clients": False},
                           content_type="application/json")
    assert capacity.status_code == 200 and capacity.json()["accepting_new_clients"] is False
    client.force_login(world.in_house_admin)
    assert client.get(f"{API}/approvals/{body['id']}").status_code == 404
    client.force_login(world.citizen_user)
    assert client.post(f"{API}/approvals", {"service": str(world.practical.public_id)},
                       content_type="application/json").status_code == 403


def test_capacity_overview_is_for_the_purchaser(world, client):
    client.force_login(world.finance)
    body = client.get(f"{API}/capacity").json()
    assert {(r["provider"]["name"], r["service_code"], r["district_code"]) for r in body["rows"]} >= {
        ("Omsorg Nord ApS", "PH", "N"), ("Testrup Hjemmepleje", "PC", "S")}
    assert body["without_provider"] == []
    client.force_login(world.private_admin)
    assert client.get(f"{API}/capacity").status_code == 403
