import os
import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation

from frivalg.catalogue.models import Rate
from frivalg.catalogue.tests.factories import RateFactory, ServiceFactory
from frivalg.core.models import AuditEvent
from frivalg.pricing.models import PriceSheet, PriceSheetLine
from frivalg.pricing.rules import Delivery, Direction
from frivalg.pricing.selectors import after_calculations_for, cost_models_for, price_sheet_versions
from frivalg.pricing.services import after_calculation_run, cost_model_import, price_sheet_publish
from frivalg.pricing.tests.examples import load
from frivalg.visits.tests.factories import VisitFactory

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


def test_a_key_not_summing_to_100_percent_is_imported_with_a_warning_but_never_published(world):
    document = load()
    document["keys"]["evening"]["shares"][0]["percent"] = 90
    model = cost_model_import(actor=world.finance, municipality=world.muni, document=document)
    assert "key_sum" in {w["code"] for w in model.warnings}

    with pytest.raises(ValidationError) as raised, translation.override("en"):
        price_sheet_publish(actor=world.finance, cost_model=model)

    [message] = raised.value.message_dict["document"]
    assert message.startswith("Cannot publish: keys.evening: the shares of key “evening” sum to 90 %")
    assert not PriceSheet.objects.exists()


def _catalogue_services(world):
    practical = ServiceFactory(municipality=world.muni, code="practical_help", name="Praktisk hjælp")
    personal = ServiceFactory(municipality=world.muni, code="personal_care", name="Personlig pleje", care_level=2)
    return practical, personal


def test_publishing_puts_each_priced_line_into_the_catalogue_as_dated_rates(world):
    practical, personal = _catalogue_services(world)
    RateFactory(service=practical, time_band="day", provider_kind="in_house", amount_minor=50000,
                valid_from=date(2024, 1, 1))
    model = cost_model_import(actor=world.finance, municipality=world.muni, document=load())

    sheet = price_sheet_publish(actor=world.finance, cost_model=model, valid_from=date(2025, 3, 1))

    line = sheet.lines.get(service="practical_help", time_band="day")
    assert (line.in_house_rate.amount_minor, line.private_rate.amount_minor) == (61475, 80686)
    assert line.non_profit_rate.amount_minor == 80686
    assert (line.in_house_rate.service, line.in_house_rate.unit, line.in_house_rate.valid_from) == (
        practical, "hour", date(2025, 3, 1))
    earlier = Rate.objects.get(service=practical, time_band="day", provider_kind="in_house",
                               valid_from=date(2024, 1, 1))
    assert earlier.valid_to == date(2025, 2, 28)  # closed the day before
    evening = sheet.lines.get(service="personal_care", time_band="evening")
    assert evening.in_house_rate.service == personal
    assert Rate.objects.filter(municipality=world.muni, valid_from=date(2025, 3, 1)).count() == 3 * 3


def test_publishing_without_updating_the_catalogue_or_without_a_matching_service_sets_no_rate(world):
    model = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    sheet = price_sheet_publish(actor=world.finance, cost_model=model)  # world's services are PH and PC
    assert not sheet.lines.filter(in_house_rate__isnull=False).exists()

    _catalogue_services(world)
    again = price_sheet_publish(actor=world.finance, cost_model=model, valid_from=date(2025, 6, 1),
                                update_catalogue=False)
    assert not again.lines.filter(in_house_rate__isnull=False).exists()
    assert not Rate.objects.filter(valid_from=date(2025, 6, 1)).exists()


def test_publishing_is_refused_as_a_whole_when_a_catalogue_rate_cannot_be_set(world):
    practical, _ = _catalogue_services(world)
    RateFactory(service=practical, time_band="day", provider_kind="private", amount_minor=50000,
                valid_from=date(2025, 1, 1))
    model = cost_model_import(actor=world.finance, municipality=world.muni, document=load())

    with pytest.raises(ValidationError) as raised, translation.override("en"):
        price_sheet_publish(actor=world.finance, cost_model=model)

    assert "practical_help / day cannot be set from 2025-01-01" in raised.value.message_dict["valid_from"][0]
    assert not PriceSheet.objects.exists()
    assert Rate.objects.filter(valid_from=date(2025, 1, 1)).count() == 1


def _visit(world, provider, service, local_start, minutes, *, checked=True, status="done"):
    tz = ZoneInfo(world.muni.time_zone)
    start = local_start.replace(tzinfo=tz)
    decision = world.decision
    return VisitFactory(decision=decision, service=service, provider=provider, planned_start=start,
                        planned_end=start + timedelta(minutes=minutes), status=status,
                        actual_start=start if checked else None,
                        actual_end=start + timedelta(minutes=minutes) if checked else None)


def test_after_calculation_from_verified_visits_pays_each_provider_for_its_hours(world):
    practical, personal = _catalogue_services(world)
    # Omsorg Nord: 90 + 30 min of practical help on weekdays → 2.00 h; 45 min personal care on a
    # Tuesday evening → 0.75 h. The in-house unit: 20 min practical help → 0.33 h.
    _visit(world, world.private, practical, datetime(2025, 3, 4, 9, 0), 90)
    _visit(world, world.private, practical, datetime(2025, 3, 5, 13, 0), 30)
    _visit(world, world.private, personal, datetime(2025, 3, 4, 18, 0), 45)
    _visit(world, world.in_house, practical, datetime(2025, 10, 27, 8, 0), 20)
    _visit(world, world.private, practical, datetime(2025, 3, 6, 9, 0), 60, status="planned", checked=False)
    _visit(world, world.private, practical, datetime(2025, 3, 7, 9, 0), 60, status="missed", checked=False)
    _visit(world, world.private, practical, datetime(2026, 1, 2, 9, 0), 60)  # another year
    _visit(world, world.private, world.practical, datetime(2025, 3, 4, 11, 0), 60)  # "PH": not on the sheet
    budget = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    sheet = price_sheet_publish(actor=world.finance, cost_model=budget)
    accounts = load()
    accounts["pools"][0]["amount"] = 20550000
    actual = cost_model_import(actor=world.finance, municipality=world.muni, document=accounts)

    run = after_calculation_run(actor=world.finance, price_sheet=sheet, actual_cost_model=actual)

    assert run.source == "visits"
    lines = {(line.provider, line.service, line.time_band): line for line in run.lines.all()}
    private_help = lines[(world.private, "practical_help", "day")]
    assert private_help.hours == Decimal("2.00")
    assert private_help.formula == "(823.20 − 806.86) × 2.00"
    assert private_help.settled_minor == 3268  # 16.34 × 2
    in_house_help = lines[(world.in_house, "practical_help", "day")]
    assert (in_house_help.hours, in_house_help.set_price_minor, in_house_help.actual_price_minor) == (
        Decimal("0.33"), 61475, 62720)
    assert in_house_help.settled_minor == 411  # 12.45 × 0.33 = 4.1085 → 4.11
    assert (world.private, "personal_care", "evening") in lines
    assert run.result["visits"] == 5 and run.result["unverified"] == 0
    assert run.result["unpriced"] == [{"service": "PH", "time_band": "day", "hours": "1.00"}]
    assert run.total_minor == sum(line.settled_minor for line in run.lines.all())


def test_after_calculation_upward_only_recovers_nothing(world):
    practical, _ = _catalogue_services(world)
    _visit(world, world.private, practical, datetime(2025, 3, 4, 9, 0), 60)
    budget = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    sheet = price_sheet_publish(actor=world.finance, cost_model=budget)
    accounts = load()
    accounts["pools"][0]["amount"] = 19000000  # cheaper than budgeted
    actual = cost_model_import(actor=world.finance, municipality=world.muni, document=accounts)

    both = after_calculation_run(actor=world.finance, price_sheet=sheet, actual_cost_model=actual)
    upward = after_calculation_run(actor=world.finance, price_sheet=sheet, actual_cost_model=actual,
                                   direction=Direction.UPWARD_ONLY)

    assert both.total_minor < 0
    assert upward.total_minor == 0
    assert upward.lines.get().difference_minor == both.lines.get().settled_minor


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="row locks under real concurrency need PostgreSQL")
def test_concurrent_imports_and_publishes_get_distinct_versions_on_postgresql(transactional_db):
    from tests.world import build_world

    world = build_world()
    barrier = threading.Barrier(2)
    models, errors = [], []

    def work():
        try:
            barrier.wait(timeout=10)
            model = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
            price_sheet_publish(actor=world.finance, cost_model=model, update_catalogue=False)
            models.append(model)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(m.version for m in models) == [1, 2]
    assert sorted(PriceSheet.objects.values_list("version", flat=True)) == [1, 2]


def test_the_api_gives_finance_its_after_calculations_per_provider_and_nobody_else(world, client):
    practical, _ = _catalogue_services(world)
    _visit(world, world.private, practical, datetime(2025, 3, 4, 9, 0), 60)
    budget = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    sheet = price_sheet_publish(actor=world.finance, cost_model=budget)
    accounts = load()
    accounts["pools"][0]["amount"] = 20550000
    actual = cost_model_import(actor=world.finance, municipality=world.muni, document=accounts)
    run = after_calculation_run(actor=world.finance, price_sheet=sheet, actual_cost_model=actual)

    client.force_login(world.finance)
    listed = client.get("/api/v1/after-calculations").json()
    assert [item["id"] for item in listed["items"]] == [str(run.public_id)]
    detail = client.get(f"/api/v1/after-calculations/{run.public_id}").json()
    assert detail["source"] == "visits" and detail["total_minor"] == 1634
    assert detail["lines"] == [{
        "provider": str(world.private.public_id), "provider_name": "Omsorg Nord ApS", "service": "practical_help",
        "time_band": "day", "hours": "1.00", "set_price_minor": 80686, "actual_price_minor": 82320,
        "difference_minor": 1634, "settled_minor": 1634, "formula": "(823.20 − 806.86) × 1.00",
    }]
    for outsider in (world.other_finance, world.assessor, world.private_admin):
        client.force_login(outsider)
        assert client.get("/api/v1/after-calculations").json()["items"] == []
        assert client.get(f"/api/v1/after-calculations/{run.public_id}").status_code == 404
