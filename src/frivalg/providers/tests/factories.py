import factory

from frivalg.providers.models import Approval, Provider, Requirement, StaffMember


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Omsorg {n} ApS")
    kind = "private"
    org_number = factory.Sequence(lambda n: f"{30000000 + n}")
    languages = ["da"]


class ApprovalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Approval

    provider = factory.SubFactory(ProviderFactory)
    service = factory.SubFactory("frivalg.catalogue.tests.factories.ServiceFactory")
    municipality = factory.SelfAttribute("service.municipality")
    status = "approved"
    capacity = 100
    valid_from = factory.LazyFunction(lambda: __import__("datetime").date(2020, 1, 1))


class StaffMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    provider = factory.SubFactory(ProviderFactory)
    pseudonym = factory.Sequence(lambda n: f"M{n:03d}")
    role = "caregiver"


class RequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requirement

    municipality = factory.SubFactory("frivalg.core.tests.factories.MunicipalityFactory")
    service = None
    code = factory.Sequence(lambda n: f"R{n}")
    title = "Forsikring"
    description = "Provider must hold liability insurance."
    kind = "insurance"
    document_required = False
    valid_from = factory.LazyFunction(lambda: __import__("datetime").date(2020, 1, 1))
