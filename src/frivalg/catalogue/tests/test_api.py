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


def test_rates_carry_area_unit_and_services_their_payment_basis(world, client):
    client.force_login(world.finance)
    rate = client.get(f"{API}/rates", {"limit": 1}).json()["items"][0]
    assert (rate["area"], rate["unit"], rate["settled_through"]) == ("all", "hour", None)
    service = client.get(f"{API}/services").json()["items"][0]
    assert (service["voucher_design"], service["payment_basis"]) == ("time", "performed_time")


def test_finance_exports_the_rate_table_as_csv(world, client):
    client.force_login(world.finance)
    response = client.get(f"{API}/rates.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "service_code,time_band,area,provider_kind,unit,price,valid_from,valid_to"
    assert "PC,day,all,in_house,hour,400.00,2020-01-01," in lines
    assert len(lines) == 1 + 20
    client.force_login(world.assessor)
    assert client.get(f"{API}/rates.csv").status_code == 403


CSV = (
    "service_code;time_band;area;provider_kind;unit;price;valid_from;valid_to\n"
    "PH;day;rural;private;hour;432,50;2027-01-01;\n"
    "PH;dawn;rural;private;hour;432,50;2027-01-01;\n"
)


def test_finance_imports_csv_and_sees_every_rejected_row(world, client):
    client.force_login(world.finance)
    response = client.post(f"{API}/rates/import", CSV, content_type="text/csv")
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["rejected_rows"]) == (1, 1)
    assert body["rejected"][0]["row"] == 2
    assert body["rejected"][0]["field"] == "time_band"
    assert body["rejected"][0]["data"]["time_band"] == "dawn"
    again = client.post(f"{API}/rates/import", CSV, content_type="text/csv")
    assert again.status_code == 422
    assert {r["field"] for r in again.json()["rejected"]} == {"valid_from", "time_band"}


def test_a_multipart_upload_and_bad_files(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.finance)
    upload = SimpleUploadedFile("rates.csv", CSV.encode(), content_type="text/csv")
    assert client.post(f"{API}/rates/import", {"file": upload}).json()["created"] == 1
    response = client.post(f"{API}/rates/import", "service_code\nPH\n", content_type="text/csv")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "file"
    response = client.post(f"{API}/rates/import", b"\xff\xfe", content_type="text/csv")
    assert response.status_code == 422
    assert client.post(f"{API}/rates/import", {}, content_type="application/json").status_code == 415
    client.force_login(world.private_admin)
    assert client.post(f"{API}/rates/import", CSV, content_type="text/csv").status_code == 403


def test_finance_sets_a_service_s_design(world, client):
    client.force_login(world.finance)
    url = f"{API}/services/{world.practical.public_id}/design"
    body = {"voucher_design": "cash", "payment_basis": "capitation", "cash_amount_minor": 350000}
    response = client.put(url, body, content_type="application/json")
    assert response.status_code == 200
    assert (response.json()["payment_basis"], response.json()["cash_amount_minor"]) == ("capitation", 350000)
    response = client.put(url, body | {"cash_amount_minor": None}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "cash_amount_minor"
    response = client.put(
        url, {"voucher_design": "time", "payment_basis": "granted_time"}, content_type="application/json"
    )
    assert (response.status_code, response.json()["cash_amount_minor"]) == (200, None)
    response = client.put(url, body | {"payment_basis": "per_unit"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "payment_basis"
    other = f"{API}/services/{world.other_service.public_id}/design"
    assert client.put(other, body, content_type="application/json").status_code == 404
    client.force_login(world.assessor)
    assert client.put(url, body, content_type="application/json").status_code == 403


def test_finance_reads_and_sets_the_time_bands(world, client):
    client.force_login(world.finance)
    body = client.get(f"{API}/time-bands").json()
    assert (body["day_start"], body["night_end"], body["default"]) == ("07:00:00", "07:00:00", True)
    body |= {"evening_start": "16:00:00", "split_weekend": True, "default": False,
             "extra_days": [{"month": 12, "day": 24, "name": "Juleaften", "band": "holiday"}]}
    response = client.put(f"{API}/time-bands", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "day_end"
    body["day_end"] = "16:00:00"
    response = client.put(f"{API}/time-bands", body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["extra_days"] == [{"month": 12, "day": 24, "name": "Juleaften", "band": "holiday"}]
    assert (response.json()["default"], response.json()["crossing_rule"]) == (False, "start")
    response = client.put(f"{API}/time-bands", body | {"crossing_rule": "split"}, content_type="application/json")
    assert response.json()["crossing_rule"] == "split"
    response = client.put(f"{API}/time-bands", body | {"crossing_rule": "half"}, content_type="application/json")
    assert (response.status_code, response.json()["detail"][0]["field"]) == (422, "crossing_rule")
    client.force_login(world.private_admin)
    assert client.get(f"{API}/time-bands").status_code == 403
