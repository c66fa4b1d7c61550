from datetime import date

import factory

from frivalg.catalogue.models import Rate, Service
from frivalg.core.tests.factories import MunicipalityFactory


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda n: f"S{n}")
    name = "Praktisk hjælp – rengøring"
    care_level = 1
    fsiii_code = "H1.8"
    fsiii_version = "20240530"
    unit = "hour"
    legal_basis = "Serviceloven § 83, stk. 1, nr. 2"
    voucher_design = "time"
    payment_basis = "performed_time"


class RateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rate

    service = factory.SubFactory(ServiceFactory)
    municipality = factory.SelfAttribute("service.municipality")
    time_band = "day"
    area = "all"
    provider_kind = "private"
    unit = factory.LazyAttribute(lambda rate: "hour" if rate.service.unit == "minute" else rate.service.unit)
    amount_minor = 40000
    valid_from = date(2020, 1, 1)
