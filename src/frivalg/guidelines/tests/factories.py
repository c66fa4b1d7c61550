from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from frivalg.core.tests.factories import MunicipalityFactory
from frivalg.guidelines.models import Guideline, GuidelineRule


class GuidelineFactory(factory.django.DjangoModelFactory):
    """A published version in force from 2020 until further notice."""

    class Meta:
        model = Guideline

    municipality = factory.SubFactory(MunicipalityFactory)
    version = factory.Sequence(lambda n: n + 1)
    title = "Kvalitetsstandard for hjemmehjælp"
    scale = "fsiii"
    status = "published"
    valid_from = date(2020, 1, 1)
    published_at = factory.LazyFunction(timezone.now)


class GuidelineRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuidelineRule

    guideline = factory.SubFactory(GuidelineFactory)
    order = factory.Sequence(lambda n: (n + 1) * 10)
    label = "Personlig pleje"
    conditions = factory.LazyFunction(lambda: [{"area": "J1", "op": ">=", "score": 2}])
    combine = "all"
    service = factory.SubFactory(
        "frivalg.catalogue.tests.factories.ServiceFactory",
        municipality=factory.SelfAttribute("..guideline.municipality"),
    )
    amount = Decimal("30")
    unit = "minute"
    frequency = "day"
    flexibility = "fixed"
    explanation = "Hjælp til personlig hygiejne"
