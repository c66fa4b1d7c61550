"""Finance imports a cost model, sees its warnings, fixes it, publishes; the public page and its
JSON show every step without login. Nobody else imports or sees another municipality's models."""

import io
import json
import uuid

import pytest
import yaml
from django.urls import reverse

from frivalg.pricing.models import AfterCalculation, CostModel, PriceSheet
from frivalg.pricing.services import after_calculation_run, cost_model_import, price_sheet_publish
from frivalg.pricing.tests.examples import DK_EXAMPLE, load

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """The assertions read the English source texts (the default language is Danish)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def upload(document, name="model.yaml"):
    text = yaml.safe_dump(document, allow_unicode=True) if name.endswith(".yaml") else json.dumps(document)
    file = io.BytesIO(text.encode("utf-8"))
    file.name = name
    return file


def test_import_see_a_warning_fix_it_publish_and_read_it_publicly(client, world):
    client.force_login(world.finance)
    assert client.get(reverse("pricing:cost_models")).status_code == 200

    implausible = load()
    implausible["btp_percent"] = 75
    response = client.post(reverse("pricing:cost_models"), {"file": upload(implausible), "name": "budget"})
    first = CostModel.objects.get()
    assert response["Location"] == reverse("pricing:cost_model", args=[first.public_id])
    page = client.get(response["Location"])
    assert "user-time share 75 % for practical_help / day is above 70 %" in page.content.decode()

    response = client.post(reverse("pricing:cost_models"), {"file": upload(load(), "fixed.json"), "name": "fixed"})
    fixed = CostModel.objects.get(version=2)
    assert not any(w["code"] == "btp_high" for w in fixed.warnings)

    response = client.post(reverse("pricing:publish", args=[fixed.public_id]))
    sheet = PriceSheet.objects.get()
    assert response["Location"] == reverse("pricing:sheet", args=[sheet.public_id])

    client.logout()
    public = client.get(reverse("pricing:sheet", args=[sheet.public_id]))
    assert public.status_code == 200
    body = public.content.decode()
    assert "614.75" in body and "806.86" in body
    assert "6762300.00 ÷ 11000.00" in body
    assert "Accounts 2025, 5.32.32, account 1.10" in body
    listing = client.get(reverse("pricing:sheets"))
    assert reverse("pricing:sheet", args=[sheet.public_id]) in listing.content.decode()
    pdf = client.get(reverse("pricing:sheet_pdf", args=[sheet.public_id]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    data = client.get(reverse("pricing:sheet_json", args=[sheet.public_id])).json()
    assert data["lines"][0]["in_house_price"] == "614.75"
    assert data["version"] == 1


def test_an_invalid_file_shows_each_problem_on_the_form(client, world):
    client.force_login(world.finance)
    document = load()
    document["cells"][0]["paid_hours"] = -1
    response = client.post(reverse("pricing:cost_models"), {"file": upload(document)})
    assert response.status_code == 200
    assert "cells.0.paid_hours: must not be negative (got -1)" in response.content.decode()
    broken = io.BytesIO(b"pools: [")
    broken.name = "broken.yaml"
    response = client.post(reverse("pricing:cost_models"), {"file": broken})
    assert "not valid YAML or JSON" in response.content.decode()
    assert not CostModel.objects.exists()


@pytest.mark.parametrize("who", ["analyst", "assessor", "private_admin"])
def test_only_finance_imports(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("pricing:cost_models")).status_code == 403


def test_another_municipality_s_model_is_a_404(client, world):
    model = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    client.force_login(world.other_finance)
    assert client.get(reverse("pricing:cost_model", args=[model.public_id])).status_code == 404
    assert client.post(reverse("pricing:publish", args=[model.public_id])).status_code == 404
    assert not PriceSheet.objects.exists()


def test_anonymous_users_must_log_in_to_import(client, world):
    response = client.get(reverse("pricing:cost_models"))
    assert response.status_code == 302


def test_an_unknown_sheet_is_a_404(client, db):
    assert client.get(reverse("pricing:sheet", args=[uuid.uuid4()])).status_code == 404


def test_the_api_lists_and_shows_published_sheets(client, world):
    model = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    sheet = price_sheet_publish(actor=world.finance, cost_model=model)
    client.force_login(world.analyst)
    listing = client.get("/api/v1/price-sheets").json()
    assert [item["id"] for item in listing["items"]] == [str(sheet.public_id)]
    detail = client.get(f"/api/v1/price-sheets/{sheet.public_id}").json()
    assert detail["municipality"] == world.muni.code
    assert detail["lines"][0]["steps"][-1]["formula"] == "6762300.00 ÷ 11000.00"
    assert client.get(f"/api/v1/price-sheets/{uuid.uuid4()}").status_code == 404
    client.logout()
    assert client.get("/api/v1/price-sheets").status_code == 401



def csv_file(text):
    file = io.BytesIO(text.encode("utf-8"))
    file.name = "hours.csv"
    return file


def test_finance_runs_an_after_calculation_from_delivered_hours(client, world):
    budget = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    sheet = price_sheet_publish(actor=world.finance, cost_model=budget)
    accounts = load()
    accounts["pools"][0]["amount"] = 20550000
    actual = cost_model_import(actor=world.finance, municipality=world.muni, document=accounts)
    client.force_login(world.finance)
    assert client.get(reverse("pricing:after_calculations")).status_code == 200

    response = client.post(reverse("pricing:after_calculations"), {
        "price_sheet": str(sheet.public_id), "actual_cost_model": str(actual.public_id), "direction": "both_ways",
        "source": "file",
        "deliveries": csv_file("provider;private;service;time_band;hours\nOmsorg Nord ApS;yes;practical_help;day;"
                               "1000\nTestrup Hjemmepleje;no;personal_care;day;250,5\n"),
    })
    run = AfterCalculation.objects.get()
    assert response["Location"] == reverse("pricing:after_calculation", args=[run.public_id])
    page = client.get(response["Location"]).content.decode()
    assert "(823.20 − 806.86) × 1000" in page
    # in-house personal care, day: 16 380 750 + 50 % of 684 750 = 16 723 125 ÷ 27 500 = 608.11 (was 595.66)
    assert run.result["lines"][1]["formula"] == "(608.11 − 595.66) × 250.5"
    assert run.total_minor == 1634000 + 311873  # 12.45 × 250.5 = 3 118.725 → 3 118.73
    assert run.source == "file"
    per_provider = {line.provider: line.settled_minor for line in run.lines.all()}
    assert per_provider == {world.private: 1634000, world.in_house: 311873}
    assert "Testrup Hjemmepleje" in page


@pytest.mark.parametrize(("text", "message"), [
    ("provider,service,hours\nA,practical_help,1\n", "lacks the columns: time_band"),
    ("provider,private,service,time_band,hours\nA,maybe,practical_help,day,1\n", "Line 2: “private” must be"),
    ("provider,private,service,time_band,hours\nA,yes,practical_help,day,-1\n", "Line 2: hours must not be neg"),
    ("provider,private,service,time_band,hours\nA,yes,practical_help,day,many\n", "Line 2: hours must be a number"),
    ("provider,service,time_band,hours\nOmsorg Nord ApS,meals,day,1\n", "meals / day is not priced on both sheets"),
    ("provider,service,time_band,hours\nNobody ApS,practical_help,day,1\n", "Line 2: no provider “Nobody ApS”"),
    ("provider,service,time_band,hours\nAndeby Pleje A/S,practical_help,day,1\n", "no provider “Andeby Pleje A/S”"),
])
def test_bad_delivered_hours_are_refused_on_the_form(client, world, text, message):
    budget = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    sheet = price_sheet_publish(actor=world.finance, cost_model=budget)
    client.force_login(world.finance)
    response = client.post(reverse("pricing:after_calculations"), {
        "price_sheet": str(sheet.public_id), "actual_cost_model": str(budget.public_id), "direction": "upward_only",
        "source": "file", "deliveries": csv_file(text),
    })
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AfterCalculation.objects.exists()


def test_another_municipality_s_after_calculation_is_a_404(client, world):
    budget = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    sheet = price_sheet_publish(actor=world.finance, cost_model=budget)
    run = after_calculation_run(actor=world.finance, price_sheet=sheet, actual_cost_model=budget, deliveries=[])
    client.force_login(world.other_finance)
    assert client.get(reverse("pricing:after_calculation", args=[run.public_id])).status_code == 404
    response = client.post(reverse("pricing:after_calculations"), {
        "price_sheet": str(sheet.public_id), "actual_cost_model": str(budget.public_id), "direction": "both_ways",
        "deliveries": csv_file("provider,private,service,time_band,hours\nA,yes,practical_help,day,1\n"),
    })
    assert response.status_code == 200  # the other municipality's sheet is not a choice
    assert AfterCalculation.objects.count() == 1


def test_the_public_page_speaks_danish(client, world):
    model = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    sheet = price_sheet_publish(actor=world.finance, cost_model=model)
    page = client.get(reverse("pricing:sheet", args=[sheet.public_id]), HTTP_ACCEPT_LANGUAGE="da")
    assert "Prisblad 2025, Testrup Kommune" in page.content.decode()
    assert "Beregningstrin" in page.content.decode()


def test_a_model_can_be_pasted_instead_of_uploaded(client, world):
    client.force_login(world.finance)
    response = client.post(reverse("pricing:cost_models"), {"text": (DK_EXAMPLE).read_text(encoding="utf-8")})
    assert response.status_code == 302
    assert CostModel.objects.get().document["year"] == 2025
    response = client.post(reverse("pricing:cost_models"), {"text": "  "})
    assert "Choose a file or paste the model." in response.content.decode()
    response = client.post(reverse("pricing:cost_models"), {"text": "year: [", "name": "x"})
    assert "not valid YAML or JSON" in response.content.decode()
    assert CostModel.objects.count() == 1


def test_warnings_and_errors_are_shown_in_danish(client, world):
    client.force_login(world.finance)
    implausible = load()
    implausible["btp_percent"] = 75
    response = client.post(reverse("pricing:cost_models"), {"file": upload(implausible)},
                           HTTP_ACCEPT_LANGUAGE="da", follow=True)
    assert "brugertidsprocenten 75 % for practical_help / day er over 70 %" in response.content.decode()
    document = load()
    document["cells"][0]["paid_hours"] = -1
    response = client.post(reverse("pricing:cost_models"), {"file": upload(document)}, HTTP_ACCEPT_LANGUAGE="da")
    assert "cells.0.paid_hours: må ikke være negativ (fik -1)" in response.content.decode()


def test_the_steps_are_shown_in_danish(client, world):
    model = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    sheet = price_sheet_publish(actor=world.finance, cost_model=model)
    page = client.get(reverse("pricing:sheet", args=[sheet.public_id]), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "Wages, helpers: andel fordelt hertil" in page  # the pool's own label stays as written
    assert "Kommunal pris pr. leveret time = fordelte omkostninger ÷ leverede timer" in page
    assert "DKK pr. time" in page
    assert "halvt op (ROUND_HALF_UP) til 0,01" in page


def test_publishing_with_a_date_and_refusing_one_outside_the_year(client, world):
    model = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    client.force_login(world.finance)
    response = client.post(reverse("pricing:publish", args=[model.public_id]), {"valid_from": "2024-12-01"})
    assert response.status_code == 200
    assert "The sheet must take effect in its year, 2025." in response.content.decode()
    assert not PriceSheet.objects.exists()
    response = client.post(reverse("pricing:publish", args=[model.public_id]), {"valid_from": "2025-07-01"})
    assert response.status_code == 302
    assert PriceSheet.objects.get().valid_from.isoformat() == "2025-07-01"
