from datetime import date

import factory
from django.contrib.auth.models import Group

from frivalg.core.models import Citizen, District, Municipality, PowerOfAttorney, User

PASSWORD = "test-password-123"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"Testkommune {n}")
    country = "DK"
    currency = "DKK"
    time_zone = "Europe/Copenhagen"
    language = "da"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda n: f"D{n}")
    name = factory.Sequence(lambda n: f"Distrikt {n}")
    kind = "town"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


class CitizenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citizen

    municipality = factory.SelfAttribute("district.municipality")
    district = factory.SubFactory(DistrictFactory)
    national_id = factory.Sequence(lambda n: f"0101{n:06d}")
    first_name = factory.Sequence(lambda n: f"Borger{n}")
    last_name = "Jensen"
    birth_date = date(1940, 1, 1)
    address = "Testvej 1"
    postcode = "1000"
    city = "Testby"


class PowerOfAttorneyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PowerOfAttorney

    citizen = factory.SubFactory(CitizenFactory)
    municipality = factory.SelfAttribute("citizen.municipality")
    attorney = factory.SubFactory(UserFactory, role="relative")
    relation = "datter"
    valid_from = date(2020, 1, 1)
