from datetime import timedelta

import factory
from django.utils import timezone

from frivalg.visits.models import Visit


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    decision = factory.SubFactory("frivalg.assessments.tests.factories.DecisionFactory")
    municipality = factory.SelfAttribute("decision.municipality")
    citizen = factory.SelfAttribute("decision.citizen")
    service = factory.SelfAttribute("decision.service")
    provider = factory.SubFactory("frivalg.providers.tests.factories.ProviderFactory")
    planned_start = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + timedelta(hours=1))
    planned_end = factory.LazyAttribute(lambda o: o.planned_start + timedelta(minutes=45))
    status = "planned"
