"""Factories for the meals marketplace, and `meal_world`: the shared test world plus a meal
service both providers are approved for, a meal decision for Karen, and next week's menus."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import factory
from django.utils import timezone

from frivalg.assessments.tests.factories import DecisionFactory
from frivalg.catalogue.tests.factories import RateFactory, ServiceFactory
from frivalg.meals.models import Dish, Menu
from frivalg.providers.tests.factories import ApprovalFactory, ProviderFactory

MEAL_PRICE = 6000
BANDS = ("day", "evening", "night", "weekend", "holiday")


class MenuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Menu
        skip_postgeneration_save = True

    provider = factory.SubFactory(ProviderFactory)
    service = factory.SubFactory(ServiceFactory, care_level=3, unit="meal", payment_basis="per_unit",
                                 voucher_design="specific", fsiii_code="H1.11")
    municipality = factory.SelfAttribute("service.municipality")
    year = factory.LazyFunction(lambda: (timezone.localdate() + timedelta(days=7)).isocalendar().year)
    week = factory.LazyFunction(lambda: (timezone.localdate() + timedelta(days=7)).isocalendar().week)
    delivery_weekdays = [1, 2, 3, 4, 5, 6, 7]
    published = True

    @factory.post_generation
    def districts(self, create, extracted, **kwargs):
        if create and extracted:
            self.districts.set(extracted)


class DishFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dish

    menu = factory.SubFactory(MenuFactory)
    name = factory.Sequence(lambda n: f"Frikadeller {n}")
    price_minor = 5500
    allergens = ["eggs", "gluten"]
    diets = []


def next_week_day(weekday: int = 3) -> date:
    """A day of next ISO week (default Wednesday): its deadline has not passed yet."""
    iso = (timezone.localdate() + timedelta(days=7)).isocalendar()
    return date.fromisocalendar(iso.year, iso.week, weekday)


def add_meals(w: SimpleNamespace) -> SimpleNamespace:
    """Meals on top of tests.world: a per-unit meal service, both providers approved, Karen's
    decision of 7 meals a week, and each provider's published menu for next week."""
    w.meal = ServiceFactory(municipality=w.muni, code="MAD", name="Madservice", care_level=3, unit="meal",
                            payment_basis="per_unit", voucher_design="specific", fsiii_code="H1.11")
    for band in BANDS:
        for kind in ("in_house", "private"):
            RateFactory(service=w.meal, time_band=band, provider_kind=kind, unit="meal", amount_minor=MEAL_PRICE)
    for provider in (w.in_house, w.private):
        ApprovalFactory(provider=provider, service=w.meal)
    start = timezone.localdate() - timedelta(days=30)
    w.meal_decision = DecisionFactory(citizen=w.citizen, service=w.meal, amount=Decimal(7), unit="meal",
                                      frequency="week", valid_from=start, reason="Kan ikke lave mad")
    w.private_menu = MenuFactory(provider=w.private, service=w.meal, districts=[w.north, w.south])
    w.in_house_menu = MenuFactory(provider=w.in_house, service=w.meal, districts=[w.north])
    w.stew = DishFactory(menu=w.private_menu, name="Biksemad", price_minor=5500, allergens=["celery"])
    w.soup = DishFactory(menu=w.private_menu, name="Grøntsagssuppe", price_minor=4000, allergens=[],
                         diets=["vegetarian", "soft"])
    w.fish = DishFactory(menu=w.in_house_menu, name="Stegt fisk", price_minor=6500, allergens=["fish", "gluten"])
    return w
