from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from frivalg.assessments.models import Assessment, Decision
from frivalg.core.tests.factories import CitizenFactory, UserFactory


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    citizen = factory.SubFactory(CitizenFactory)
    municipality = factory.SelfAttribute("citizen.municipality")
    assessor = factory.SubFactory(UserFactory, role="needs_assessor")
    assessed_on = date(2026, 1, 5)


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    citizen = factory.SubFactory(CitizenFactory)
    municipality = factory.SelfAttribute("citizen.municipality")
    service = factory.SubFactory(
        "frivalg.catalogue.tests.factories.ServiceFactory", municipality=factory.SelfAttribute("..municipality")
    )
    amount = Decimal("1.5")
    unit = "hour"
    frequency = "week"
    flexibility = "fixed"
    valid_from = date(2026, 1, 1)
    status = "granted"
    reason = "Behov for hjælp til rengøring"
    decided_at = factory.LazyFunction(timezone.now)
