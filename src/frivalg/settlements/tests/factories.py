import factory

from frivalg.settlements.models import CitizenIncome


class CitizenIncomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CitizenIncome

    citizen = factory.SubFactory("frivalg.core.tests.factories.CitizenFactory")
    municipality = factory.SelfAttribute("citizen.municipality")
    year = 2026
    income_minor = 20_000_000
