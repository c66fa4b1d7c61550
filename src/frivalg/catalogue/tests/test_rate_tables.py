"""Rate tables deepened (issue 3, section 2–3): areas, units, versions instead of edits, no
overlapping validity, CSV import with every rejected row explained, the municipality's time bands,
voucher designs and payment bases."""

from datetime import date, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from frivalg.catalogue.models import ExtraDay, Rate, TimeBandScheme
from frivalg.catalogue.rules import DEFAULT_SCHEME
from frivalg.catalogue.selectors import (
    rate_book,
    rate_lookup,
    rate_table_rows,
    time_band_scheme_for,
    time_band_scheme_of,
)
from frivalg.catalogue.services import (
    rate_change,
    rate_set,
    rates_import,
    rates_mark_settled,
    service_create,
    service_design_set,
    time_band_scheme_set,
)
from frivalg.catalogue.tests.factories import RateFactory, ServiceFactory
from frivalg.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield

JAN_2027 = date(2027, 1, 1)


def set_rate(world, **changes):
    arguments = {
        "actor": world.finance,
        "service": world.practical,
        "time_band": "day",
        "provider_kind": "private",
        "amount_minor": 43000,
        "valid_from": JAN_2027,
    } | changes
    return rate_set(**arguments)


# --- area and unit ----------------------------------------------------------------------------


def test_a_rate_takes_the_service_unit_and_all_areas_by_default(world):
    rate = set_rate(world)
    assert (rate.area, rate.unit) == ("all", "hour")
    meals = ServiceFactory(municipality=world.muni, code="MAD", unit="meal")
    assert set_rate(world, service=meals).unit == "meal"
    minutes = ServiceFactory(municipality=world.muni, code="MIN", unit="minute")
    assert set_rate(world, service=minutes).unit == "hour"
    assert set_rate(world, service=meals, time_band="night", unit="day").unit == "day"


def test_the_area_s_own_rate_wins_over_the_all_areas_rate(world):
    set_rate(world, area="rural", amount_minor=47000, valid_from=date(2026, 1, 1))
    key = {"service_id": world.practical.pk, "time_band": "day", "provider_kind": "private", "on": date(2026, 6, 1)}
    assert rate_lookup(**key, area="rural").amount_minor == 47000
    assert rate_lookup(**key, area="town").amount_minor == 40000
    assert rate_lookup(**key).amount_minor == 40000
    book = rate_book(
        municipality_id=world.muni.pk, provider_kind="private", first_day=date(2026, 1, 1), last_day=date(2026, 12, 31)
    )
    assert book.lookup(world.practical.pk, "day", date(2026, 6, 1), "rural") == 47000
    assert book.lookup(world.practical.pk, "day", date(2026, 6, 1), "suburb") == 40000
    assert book.lookup(world.practical.pk, "day", date(2019, 6, 1), "rural") is None


def test_a_finer_band_without_a_price_falls_back_to_the_broader_one(world):
    key = {"service_id": world.practical.pk, "provider_kind": "private", "on": date(2026, 6, 1)}
    assert rate_lookup(**key, time_band="saturday").time_band == "weekend"
    assert rate_lookup(**key, time_band="major").time_band == "holiday"
    set_rate(world, time_band="saturday", amount_minor=50000, valid_from=date(2026, 1, 1))
    assert rate_lookup(**key, time_band="saturday").amount_minor == 50000
    assert rate_lookup(**key, time_band="sunday").amount_minor == 48000


def test_an_unknown_area_or_unit_is_a_field_error(world):
    for changes, field in (({"area": "city"}, "area"), ({"unit": "week"}, "unit")):
        with pytest.raises(ValidationError) as error:
            set_rate(world, **changes)
        assert field in error.value.message_dict


# --- versions, overlaps, settled rates ------------------------------------------------------------


def test_overlapping_validity_for_the_same_key_is_refused_on_the_field(world):
    set_rate(world, valid_from=JAN_2027, valid_to=date(2027, 12, 31))
    with pytest.raises(ValidationError) as error:
        set_rate(world, valid_from=date(2027, 6, 1), valid_to=date(2027, 6, 30))
    assert error.value.message_dict == {
        "valid_from": [
            "Overlaps the rate valid 2027-01-01–2027-12-31 for the same service, band, area and provider kind."
        ]
    }
    with pytest.raises(ValidationError) as error:
        set_rate(world, valid_from=date(2027, 12, 1))  # a closed version is not closed again
    assert "valid_from" in error.value.message_dict
    assert set_rate(world, valid_from=date(2028, 1, 1)).valid_to is None


def test_a_rate_starting_before_a_later_one_must_end_before_it(world):
    Rate.objects.filter(service=world.practical, time_band="day", provider_kind="private").update(
        valid_to=date(2025, 12, 31)
    )
    set_rate(world, valid_from=JAN_2027)
    with pytest.raises(ValidationError) as error:
        set_rate(world, valid_from=date(2026, 6, 1))
    assert list(error.value.message_dict) == ["valid_to"]
    assert set_rate(world, valid_from=date(2026, 6, 1), valid_to=date(2026, 12, 31)).amount_minor == 43000


def test_other_areas_and_kinds_do_not_overlap(world):
    set_rate(world, area="rural", valid_from=date(2020, 1, 1))
    set_rate(world, area="town", valid_from=date(2020, 1, 1))
    set_rate(world, provider_kind="non_profit", valid_from=date(2020, 1, 1))
    assert Rate.objects.filter(service=world.practical, time_band="day").count() == 5


def test_an_unused_rate_can_be_corrected_a_settled_one_cannot(world):
    rate = set_rate(world)
    rate = rate_change(actor=world.finance, rate=rate, amount_minor=43500, valid_to=date(2027, 12, 31))
    assert (rate.amount_minor, rate.valid_to) == (43500, date(2027, 12, 31))
    assert AuditEvent.objects.get(action="rate.change").payload["before"]["amount_minor"] == 43000
    rate.settled_through = date(2027, 1, 31)
    rate.save()
    with pytest.raises(ValidationError) as error:
        rate_change(actor=world.finance, rate=rate, amount_minor=1, valid_to=None)
    assert "used by an approved settlement through 2027-01-31" in error.value.message_dict["amount_minor"][0]
    rate.refresh_from_db()
    assert rate.amount_minor == 43500


def test_a_correction_may_not_overlap_the_next_version(world):
    first = set_rate(world, valid_to=date(2027, 6, 30))
    set_rate(world, valid_from=date(2027, 7, 1))
    with pytest.raises(ValidationError) as error:
        rate_change(actor=world.finance, rate=first, amount_minor=1, valid_to=None)
    assert list(error.value.message_dict) == ["valid_to"]


def test_a_new_version_may_not_start_inside_what_was_settled(world):
    current = Rate.objects.get(service=world.practical, time_band="day", provider_kind="private")
    marked = rates_mark_settled(
        actor=world.finance,
        municipality_id=world.muni.pk,
        provider_kind="private",
        service_bands=[(world.practical.pk, "day")],
        first_day=date(2026, 3, 1),
        last_day=date(2026, 3, 31),
    )
    assert marked == 1  # only the band that was priced
    current.refresh_from_db()
    assert current.settled_through == date(2026, 3, 31)
    with pytest.raises(ValidationError) as error:
        set_rate(world, valid_from=date(2026, 3, 15))
    assert "valid_from" in error.value.message_dict
    current.refresh_from_db()
    assert current.valid_to is None
    assert set_rate(world, valid_from=date(2026, 4, 1)).valid_from == date(2026, 4, 1)
    current.refresh_from_db()
    assert current.valid_to == date(2026, 3, 31)


def test_marking_never_moves_the_settled_day_back_and_skips_other_municipalities(world):
    with pytest.raises(PermissionDenied):
        rates_mark_settled(
            actor=world.other_finance,
            municipality_id=world.muni.pk,
            provider_kind="private",
            service_bands=[],
            first_day=date(2026, 3, 1),
            last_day=date(2026, 3, 31),
        )
    arguments = {
        "actor": world.finance,
        "municipality_id": world.muni.pk,
        "provider_kind": "private",
        "service_bands": [(world.practical.pk, "saturday")],
    }
    assert rates_mark_settled(**arguments, first_day=date(2026, 3, 1), last_day=date(2026, 3, 31)) == 1
    assert rates_mark_settled(**arguments, first_day=date(2026, 1, 1), last_day=date(2026, 1, 31)) == 0
    weekend = Rate.objects.get(service=world.practical, time_band="weekend", provider_kind="private")
    assert weekend.settled_through == date(2026, 3, 31)


# --- CSV import -------------------------------------------------------------------------------------


def row(**changes):
    return {
        "service_code": "PH",
        "time_band": "day",
        "area": "rural",
        "provider_kind": "private",
        "unit": "hour",
        "price": "432.50",
        "valid_from": "2027-01-01",
        "valid_to": "",
    } | changes


def test_an_import_stores_good_rows_and_explains_every_bad_one(world):
    rows = [
        row(),
        row(service_code="NOPE"),
        row(time_band="lunch", price="-3"),
        row(area="", valid_from="2027-06-01", valid_to="2027-03-01"),
        row(area="town", time_band="evening", unit=""),
        row(valid_from="2027-06-01", valid_to="2027-06-30"),  # overlaps row 1 (open-ended)? no: row 1 gets closed
        row(valid_from="2027-06-15", valid_to="2027-06-20"),  # overlaps row 6
    ]
    result = rates_import(actor=world.finance, municipality=world.muni, rows=rows)
    assert result.created == 3
    rejected = {(r.row, r.field) for r in result.rejected}
    assert rejected == {(2, "service_code"), (3, "time_band"), (3, "price"), (4, "valid_to"), (7, "valid_from")}
    assert result.rejected_rows == 4
    reasons = {(r.row, r.field): r.reason for r in result.rejected}
    assert reasons[(2, "service_code")] == "No service with code NOPE."
    assert reasons[(3, "price")] == "A price cannot be negative."
    assert "Overlaps the rate valid 2027-06-01–2027-06-30" in reasons[(7, "valid_from")]
    assert next(r for r in result.rejected if r.row == 2).data["service_code"] == "NOPE"
    rural = Rate.objects.filter(service=world.practical, area="rural").order_by("valid_from")
    assert [(r.valid_from, r.valid_to, r.amount_minor) for r in rural] == [
        (JAN_2027, date(2027, 5, 31), 43250),
        (date(2027, 6, 1), date(2027, 6, 30), 43250),
    ]
    assert Rate.objects.get(service=world.practical, area="town").unit == "hour"
    event = AuditEvent.objects.get(action="rate.import")
    assert event.payload == {"received": 7, "created": 3, "rejected_rows": 4}


def test_an_import_only_reaches_its_own_municipality_and_needs_rate_manage(world):
    result = rates_import(actor=world.other_finance, municipality=world.other_muni, rows=[row()])
    assert (result.created, result.rejected) == (1, [])
    assert Rate.objects.filter(service=world.other_service, area="rural").exists()
    assert not Rate.objects.filter(service=world.practical, area="rural").exists()
    with pytest.raises(PermissionDenied):
        rates_import(actor=world.other_finance, municipality=world.muni, rows=[row()])
    with pytest.raises(PermissionDenied):
        rates_import(actor=world.assessor, municipality=world.muni, rows=[row()])


def test_an_export_reads_back_as_the_same_table(world):
    set_rate(world, area="rural", unit="visit", valid_from=JAN_2027, amount_minor=12345)
    rows = rate_table_rows(actor=world.finance)
    assert len(rows) == 2 * 5 * 2 + 1
    assert row(unit="visit", price="123.45") in rows
    assert {r["service_code"] for r in rate_table_rows(actor=world.other_finance)} == {"PH"}
    assert rate_table_rows(actor=world.private_admin) == []
    Rate.objects.filter(municipality=world.muni).delete()
    result = rates_import(actor=world.finance, municipality=world.muni, rows=rows)
    assert (result.created, result.rejected) == (len(rows), [])
    assert rate_table_rows(actor=world.finance) == rows


# --- time band schemes ----------------------------------------------------------------------------


def scheme_arguments(world, **changes):
    return {
        "actor": world.finance,
        "municipality": world.muni,
        "day_start": time(7),
        "day_end": time(16),
        "evening_start": time(16),
        "evening_end": time(22),
        "night_start": time(22),
        "night_end": time(7),
        "split_weekend": True,
        "extra_days": [(12, 24, "Juleaften", "holiday"), (12, 25, "Juledag", "major")],
    } | changes


def test_without_a_stored_scheme_the_default_applies(world):
    assert time_band_scheme_for(municipality_id=world.muni.pk) == DEFAULT_SCHEME
    assert time_band_scheme_of(actor=world.finance) is None


def test_a_scheme_is_stored_replaced_and_read_as_the_pure_scheme(world):
    time_band_scheme_set(**scheme_arguments(world))
    scheme = time_band_scheme_for(municipality_id=world.muni.pk)
    assert (scheme.day_start, scheme.evening_start, scheme.night_start) == (time(7), time(16), time(22))
    assert scheme.split_weekend
    assert {(e.month, e.day, e.band) for e in scheme.extra_days} == {(12, 24, "holiday"), (12, 25, "major")}
    time_band_scheme_set(**scheme_arguments(world, extra_days=[(12, 31, "Nytårsaften", "holiday")]))
    assert TimeBandScheme.objects.count() == 1
    assert list(ExtraDay.objects.values_list("name", flat=True)) == ["Nytårsaften"]
    assert AuditEvent.objects.filter(action="time_band_scheme.set").count() == 2
    assert time_band_scheme_of(actor=world.finance).municipality == world.muni
    assert time_band_scheme_of(actor=world.other_finance) is None
    assert time_band_scheme_of(actor=world.private_admin) is None
    assert time_band_scheme_for(municipality_id=world.other_muni.pk) == DEFAULT_SCHEME


def test_a_scheme_with_a_gap_is_refused_naming_it(world):
    with pytest.raises(ValidationError) as error:
        time_band_scheme_set(**scheme_arguments(world, evening_start=time(16, 30)))
    assert error.value.message_dict == {"day_end": ["Gap from 16:00 to 16:30: no band covers it."]}
    assert not TimeBandScheme.objects.exists()


@pytest.mark.parametrize(
    "extra_days",
    [
        [(2, 30, "Nope", "holiday")],
        [(12, 24, "A", "holiday"), (12, 24, "B", "major")],
        [(12, 24, " ", "holiday")],
        [(12, 24, "Juleaften", "night")],
    ],
)
def test_bad_extra_days_are_refused(world, extra_days):
    with pytest.raises(ValidationError) as error:
        time_band_scheme_set(**scheme_arguments(world, extra_days=extra_days))
    assert list(error.value.message_dict) == ["extra_days"]


def test_only_the_municipality_s_finance_sets_its_scheme(world):
    for actor in (world.other_finance, world.assessor):
        with pytest.raises(PermissionDenied):
            time_band_scheme_set(**scheme_arguments(world, actor=actor))


# --- voucher designs and payment bases ----------------------------------------------------------


def test_a_service_gets_the_payment_basis_of_its_unit_unless_given(world):
    from frivalg.catalogue.services import fsiii_load

    fsiii_load()
    common = {
        "actor": world.finance,
        "municipality": world.muni,
        "care_level": 3,
        "fsiii_code": "H1.1",
        "legal_basis": "SEL § 83",
    }
    meals = service_create(**common, code="MAD", name="Mad", unit="meal", voucher_design="specific")
    assert meals.payment_basis == "per_unit"
    granted = service_create(
        **common, code="PH2", name="Hjælp", unit="hour", voucher_design="time", payment_basis="granted_time"
    )
    assert granted.payment_basis == "granted_time"
    with pytest.raises(ValidationError) as error:
        service_create(
            **common, code="BAD", name="Bad", unit="meal", voucher_design="specific", payment_basis="performed_time"
        )
    assert list(error.value.message_dict) == ["payment_basis"]


def test_the_design_of_a_service_is_set_and_audited(world):
    service = service_design_set(
        actor=world.finance,
        service=world.practical,
        voucher_design="cash",
        payment_basis="capitation",
        cash_amount_minor=350000,
    )
    assert (service.voucher_design, service.payment_basis, service.cash_amount_minor) == ("cash", "capitation", 350000)
    event = AuditEvent.objects.get(action="service.design_set")
    assert event.payload["before"] == {
        "voucher_design": "time",
        "payment_basis": "performed_time",
        "cash_amount_minor": None,
    }
    assert event.payload["cash_amount_minor"] == 350000
    with pytest.raises(ValidationError) as error:
        service_design_set(
            actor=world.finance, service=world.practical, voucher_design="gift", payment_basis="per_unit"
        )
    assert set(error.value.message_dict) == {"voucher_design", "payment_basis"}
    with pytest.raises(PermissionDenied):
        service_design_set(
            actor=world.other_finance, service=world.practical, voucher_design="cash", payment_basis="capitation"
        )


def test_factories_price_in_the_service_unit(world):
    assert RateFactory(service=ServiceFactory(municipality=world.muni, unit="meal")).unit == "meal"
