from datetime import date

import factory

from frivalg.choices.models import Choice


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Choice

    decision = factory.SubFactory("frivalg.assessments.tests.factories.DecisionFactory")
    municipality = factory.SelfAttribute("decision.municipality")
    provider = factory.SubFactory("frivalg.providers.tests.factories.ProviderFactory")
    valid_from = date(2026, 1, 1)
    how = "active"
