from datetime import date

import factory

from frivalg.reassessments.models import Flag, PolicySetting


class PolicySettingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicySetting

    municipality = factory.SubFactory("frivalg.core.tests.factories.MunicipalityFactory")


class FlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flag

    citizen = factory.SubFactory("frivalg.core.tests.factories.CitizenFactory")
    municipality = factory.SelfAttribute("citizen.municipality")
    kind = "missed_visits"
    period_from = date(2026, 3, 1)
    period_to = date(2026, 3, 30)
    evidence = factory.LazyFunction(lambda: {"missed": 3, "window_days": 30, "threshold": 3,
                                             "days": {"2026-03-02": 1, "2026-03-09": 1, "2026-03-16": 1}})
    raised_on = date(2026, 3, 30)
