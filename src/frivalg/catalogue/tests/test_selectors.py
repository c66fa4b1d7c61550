from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser

from frivalg.catalogue import fsiii
from frivalg.catalogue.models import Rate
from frivalg.catalogue.selectors import fsiii_concepts, rate_book, rate_lookup, rates_for, services_for
from frivalg.catalogue.services import fsiii_load
from frivalg.catalogue.tests.factories import RateFactory, ServiceFactory
from frivalg.core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def codes(queryset):
    return {(s.municipality.code, s.code) for s in queryset}


def test_municipal_staff_see_their_municipality_s_services_only(world):
    for user in (world.finance, world.assessor, world.analyst):
        assert set(services_for(actor=user)) == {world.practical, world.personal}
    assert set(services_for(actor=world.other_finance)) == {world.other_service}


def test_staff_see_inactive_services_citizens_and_providers_do_not(world):
    world.personal.active = False
    world.personal.save()
    assert world.personal in services_for(actor=world.finance)
    assert world.personal not in services_for(actor=world.citizen_user)
    assert world.personal not in services_for(actor=world.private_admin)


def test_provider_people_see_the_services_where_their_provider_is_approved(world):
    assert set(services_for(actor=world.private_admin)) == {world.practical, world.personal}
    assert set(services_for(actor=world.private_caregiver_user)) == {world.practical, world.personal}
    assert set(services_for(actor=world.other_admin)) == {world.other_service}


def test_citizens_and_relatives_see_their_municipality_s_services(world):
    assert set(services_for(actor=world.citizen_user)) == {world.practical, world.personal}
    assert set(services_for(actor=world.relative)) == {world.practical, world.personal}


def test_nobody_else_sees_services(world):
    assert not services_for(actor=AnonymousUser()).exists()
    stranger = UserFactory(role="citizen")
    assert not services_for(actor=stranger).exists()


def test_rates_are_for_the_municipality_s_staff_only(world):
    rates = rates_for(actor=world.finance)
    assert rates.count() == 20
    assert {r.municipality_id for r in rates} == {world.muni.pk}
    assert rates_for(actor=world.other_finance).count() == 10
    for outsider in (world.private_admin, world.private_caregiver_user, world.citizen_user, AnonymousUser()):
        assert not rates_for(actor=outsider).exists()


def test_rates_in_force_on_a_day(world):
    expired = Rate.objects.filter(service=world.practical, time_band="day", provider_kind="private").get()
    expired.valid_to = date(2025, 12, 31)
    expired.save()
    RateFactory(
        service=world.practical,
        time_band="day",
        provider_kind="private",
        amount_minor=41000,
        valid_from=date(2026, 1, 1),
    )
    on_new_year = rates_for(actor=world.finance, on=date(2026, 1, 1)).filter(
        service=world.practical, time_band="day", provider_kind="private"
    )
    assert [r.amount_minor for r in on_new_year] == [41000]
    on_new_year_eve = rates_for(actor=world.finance, on=date(2025, 12, 31)).filter(
        service=world.practical, time_band="day", provider_kind="private"
    )
    assert [r.amount_minor for r in on_new_year_eve] == [40000]


def test_rate_lookup_treats_valid_to_as_inclusive():
    service = ServiceFactory()
    RateFactory(service=service, valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31), amount_minor=40000)
    RateFactory(service=service, valid_from=date(2026, 1, 1), amount_minor=42000)

    def lookup(on):
        rate = rate_lookup(service_id=service.pk, time_band="day", provider_kind="private", on=on)
        return rate.amount_minor if rate else None

    assert lookup(date(2024, 12, 31)) is None
    assert lookup(date(2025, 12, 31)) == 40000
    assert lookup(date(2026, 1, 1)) == 42000
    assert rate_lookup(service_id=service.pk, time_band="night", provider_kind="private", on=date(2026, 1, 1)) is None
    assert rate_lookup(service_id=service.pk, time_band="day", provider_kind="in_house", on=date(2026, 1, 1)) is None


def test_rate_book_answers_like_rate_lookup_in_one_query(django_assert_num_queries):
    service = ServiceFactory()
    RateFactory(service=service, valid_from=date(2025, 1, 1), valid_to=date(2025, 6, 30), amount_minor=40000)
    RateFactory(service=service, valid_from=date(2025, 7, 1), valid_to=date(2025, 12, 31), amount_minor=41000)
    RateFactory(service=service, valid_from=date(2026, 1, 1), amount_minor=42000)
    RateFactory(service=service, provider_kind="in_house", valid_from=date(2025, 1, 1), amount_minor=1)
    with django_assert_num_queries(1):
        book = rate_book(
            municipality_id=service.municipality_id,
            provider_kind="private",
            first_day=date(2025, 6, 1),
            last_day=date(2026, 1, 31),
        )
    for on in (date(2025, 6, 1), date(2025, 6, 30), date(2025, 7, 1), date(2025, 12, 31), date(2026, 1, 31)):
        expected = rate_lookup(service_id=service.pk, time_band="day", provider_kind="private", on=on)
        assert book.lookup(service.pk, "day", on) == expected.amount_minor
    assert book.lookup(service.pk, "evening", date(2025, 6, 1)) is None


def test_fsiii_concepts_by_group_in_the_newest_version():
    fsiii_load()
    services = fsiii_concepts(group=fsiii.GROUP_SERVICES)
    assert services.exists()
    assert {c.group for c in services} == {fsiii.GROUP_SERVICES}
    assert len({c.version for c in services}) == 1
    assert not fsiii_concepts(group="no such group").exists()
