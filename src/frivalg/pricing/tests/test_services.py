from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from frivalg.core.models import AuditEvent
from frivalg.pricing.models import PriceSheet, PriceSheetLine
from frivalg.pricing.rules import Delivery, Direction
from frivalg.pricing.selectors import after_calculations_for, cost_models_for, price_sheet_versions
from frivalg.pricing.services import after_calculation_run, cost_model_import, price_sheet_publish
from frivalg.pricing.tests.examples import load

pytestmark = pytest.mark.django_db


def test_import_stores_the_document_and_its_warnings_as_the_next_version(world):
    first = cost_model_import(actor=world.finance, municipality=world.muni, document=load(), name="budget 2025")
    second = cost_model_import(actor=world.finance, municipality=world.muni, document=load())

    assert (first.year, first.version, second.version) == (2025, 1, 2)
    assert {w["code"] for w in first.warnings} == {"authority_in_pool", "authority_excluded"}
    assert first.document["pools"][2]["rate_percent"] == 12.5
    event = AuditEvent.objects.get(action="cost_model.import", object_id=str(first.public_id))
    assert event.payload["warnings"] == 2
    assert list(cost_models_for(actor=world.finance)) == [second, first]


def test_import_refuses_bad_input_with_every_path(world):
    document = load()
    document["cells"][0]["paid_hours"] = -20000
    document["pools"][0]["key"] = "nowhere"
    with pytest.raises(ValidationError) as raised, translation.override("en"):
        cost_model_import(actor=world.finance, municipality=world.muni, document=document)
    messages = raised.value.message_dict["document"]
    assert any(m.startswith("cells.0.paid_hours: must not be negative") for m in messages)
    assert any(m.startswith("pools.0.key: no allocation key named “nowhere”") for m in messages)


def test_import_refuses_another_currency(world):
    document = load()
    document["currency"] = "SEK"
    with pytest.raises(ValidationError) as raised:
        cost_model_import(actor=world.finance, municipality=world.muni, document=document)
    assert "SEK" in raised.value.message_dict["document"][0]


@pytest.mark.parametrize("who", ["analyst", "other_finance"])
def test_only_finance_of_the_municipality_may_import(world, who):
    with pytest.raises(PermissionDenied):
        cost_model_import(actor=getattr(world, who), municipality=world.muni, document=load())


def test_publishing_keeps_every_step_and_earlier_versions(world):
    model = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    first = price_sheet_publish(actor=world.finance, cost_model=model)
    second = price_sheet_publish(actor=world.finance, cost_model=model, valid_from=date(2025, 7, 1))

    assert (first.version, first.valid_from, second.version, second.valid_from) == (
        1, date(2025, 1, 1), 2, date(2025, 7, 1))
    line = PriceSheetLine.objects.get(sheet=first, service="practical_help", time_band="day")
    assert (line.in_house_price_minor, line.private_price_minor) == (61475, 80686)
    assert line.steps[-1]["formula"] == "6762300.00 ÷ 11000.00"
    assert line.private_steps[1]["label"] == "VAT 25 %"
    assert first.content["pool_steps"][0]["source"] == "Accounts 2025, 5.32.32, account 1.10"
    assert list(price_sheet_versions(sheet=first)) == [second, first]
    assert AuditEvent.objects.filter(action="price_sheet.publish").count() == 2


def test_another_municipality_cannot_publish_my_model(world):
    model = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    with pytest.raises(PermissionDenied):
        price_sheet_publish(actor=world.other_finance, cost_model=model)
    assert not PriceSheet.objects.exists()
    assert not cost_models_for(actor=world.other_finance).exists()


def test_after_calculation_is_stored_with_its_total(world):
    budget = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    sheet = price_sheet_publish(actor=world.finance, cost_model=budget)
    accounts = load()
    accounts["pools"][0]["amount"] = 20550000  # wages came in 550 000 higher
    actual = cost_model_import(actor=world.finance, municipality=world.muni, document=accounts)
    deliveries = [Delivery("Omsorg Nord ApS", True, "practical_help", "day", Decimal(1000))]

    run = after_calculation_run(actor=world.finance, price_sheet=sheet, actual_cost_model=actual,
                                deliveries=deliveries)

    line = run.result["lines"][0]
    # + 550 000 wages, + 12.5 % holiday pay, + 12 % pension = + 684 750, of which 20 % here:
    # (6 762 300 + 136 950) / 11 000 = 627.20; × 1.05 = 658.56; × 1.25 = 823.20
    assert (line["set_price"], line["actual_price"]) == ("806.86", "823.20")
    assert run.total_minor == 1634000  # (823.20 − 806.86) × 1 000
    assert run.direction == Direction.BOTH_WAYS
    assert list(after_calculations_for(actor=world.finance)) == [run]
    assert AuditEvent.objects.filter(action="after_calculation.run").exists()


def test_after_calculation_needs_the_same_year(world):
    budget = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    sheet = price_sheet_publish(actor=world.finance, cost_model=budget)
    accounts = load()
    accounts["year"] = 2024
    actual = cost_model_import(actor=world.finance, municipality=world.muni, document=accounts)
    with pytest.raises(ValidationError) as raised:
        after_calculation_run(actor=world.finance, price_sheet=sheet, actual_cost_model=actual, deliveries=[])
    assert "actual_cost_model" in raised.value.message_dict
