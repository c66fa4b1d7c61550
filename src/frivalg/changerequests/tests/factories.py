from datetime import date

import factory
from django.utils import timezone

from frivalg.changerequests.models import ChangeRequest, FrameAdjustment, Message


class ChangeRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeRequest

    decision = factory.SubFactory("frivalg.assessments.tests.factories.DecisionFactory")
    municipality = factory.SelfAttribute("decision.municipality")
    provider = factory.SubFactory("frivalg.providers.tests.factories.ProviderFactory")
    kind = "more_time"
    requested_amount = factory.LazyFunction(lambda: __import__("decimal").Decimal("2"))
    requested_unit = "hour"
    requested_frequency = "week"
    reason = "Borgeren har brug for mere tid til bad"
    requested_by = factory.SubFactory("frivalg.core.tests.factories.UserFactory", role="provider_admin")
    requested_at = factory.LazyFunction(timezone.now)
    due_on = factory.LazyFunction(timezone.localdate)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    decision = factory.SubFactory("frivalg.assessments.tests.factories.DecisionFactory")
    municipality = factory.SelfAttribute("decision.municipality")
    provider = factory.SubFactory("frivalg.providers.tests.factories.ProviderFactory")
    kind = "start_of_care"
    event_date = date(2026, 1, 5)
    sent_at = factory.LazyFunction(timezone.now)


class FrameAdjustmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FrameAdjustment

    decision = factory.SubFactory("frivalg.assessments.tests.factories.DecisionFactory")
    municipality = factory.SelfAttribute("decision.municipality")
    provider = factory.SubFactory("frivalg.providers.tests.factories.ProviderFactory")
    recorded_by = factory.SubFactory("frivalg.core.tests.factories.UserFactory", role="provider_admin")
    period_kind = "week"
    period_start = date(2026, 1, 5)
    description = "Bad flyttet fra mandag til onsdag"
    minutes_moved = 30
    moved_from = "mandag"
    moved_to = "onsdag"
    planned_minutes_after = 90
    granted_minutes = 90
