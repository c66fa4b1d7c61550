"""A small, complete world for tests that cross apps: two municipalities, an in-house and two
private providers, every role, and citizens with decisions, choices and today's visits.
Everything in municipality B or with another provider is what access tests must never see."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from django.utils import timezone

from frivalg.assessments.tests.factories import AssessmentFactory, DecisionFactory
from frivalg.catalogue.tests.factories import RateFactory, ServiceFactory
from frivalg.choices.tests.factories import ChoiceFactory
from frivalg.core.tests.factories import (
    CitizenFactory,
    DistrictFactory,
    MunicipalityFactory,
    PowerOfAttorneyFactory,
    UserFactory,
)
from frivalg.providers.tests.factories import ApprovalFactory, ProviderFactory, StaffMemberFactory
from frivalg.visits.tests.factories import VisitFactory

BANDS = ("day", "evening", "night", "weekend", "holiday")


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.muni = MunicipalityFactory(code="T001", name="Testrup Kommune")
    w.other_muni = MunicipalityFactory(code="T002", name="Andeby Kommune")
    w.north = DistrictFactory(municipality=w.muni, code="N", name="Nord")
    w.south = DistrictFactory(municipality=w.muni, code="S", name="Syd", kind="rural")
    w.other_district = DistrictFactory(municipality=w.other_muni, code="X", name="Andeby")

    w.practical = ServiceFactory(municipality=w.muni, code="PH", name="Praktisk hjælp", fsiii_code="H1.8")
    w.personal = ServiceFactory(municipality=w.muni, code="PC", name="Personlig pleje", fsiii_code="H1.1", care_level=2)
    w.other_service = ServiceFactory(municipality=w.other_muni, code="PH", name="Praktisk hjælp")
    for service in (w.practical, w.personal, w.other_service):
        for band, price in zip(BANDS, (40000, 46000, 52000, 48000, 56000), strict=True):
            for kind in ("in_house", "private"):
                RateFactory(service=service, time_band=band, provider_kind=kind, amount_minor=price)

    w.in_house = ProviderFactory(name="Testrup Hjemmepleje", kind="in_house", owner_municipality=w.muni)
    w.private = ProviderFactory(name="Omsorg Nord ApS", kind="private")
    w.other_provider = ProviderFactory(name="Andeby Pleje A/S", kind="private")
    for provider in (w.in_house, w.private):
        provider.districts.set([w.north, w.south])
        for service in (w.practical, w.personal):
            ApprovalFactory(provider=provider, service=service)
    w.other_provider.districts.set([w.other_district])
    ApprovalFactory(provider=w.other_provider, service=w.other_service)

    w.assessor = UserFactory(username="assessor", role="needs_assessor", municipality=w.muni)
    w.other_assessor = UserFactory(username="assessor_b", role="needs_assessor", municipality=w.other_muni)
    w.finance = UserFactory(username="finance", role="finance", municipality=w.muni)
    w.other_finance = UserFactory(username="finance_b", role="finance", municipality=w.other_muni)
    w.analyst = UserFactory(username="analyst", role="analyst", municipality=w.muni)
    w.procurement = UserFactory(username="procurement", role="procurement", municipality=w.muni)
    w.sysadmin = UserFactory(username="sysadmin", role="system_admin", municipality=w.muni)

    w.private_admin = UserFactory(username="private_admin", role="provider_admin")
    StaffMemberFactory(provider=w.private, user=w.private_admin, role="admin", pseudonym="ADM1")
    w.private_caregiver_user = UserFactory(username="caregiver", role="caregiver")
    w.private_caregiver = StaffMemberFactory(provider=w.private, user=w.private_caregiver_user, pseudonym="HJ01")
    w.in_house_admin = UserFactory(username="inhouse_admin", role="provider_admin")
    StaffMemberFactory(provider=w.in_house, user=w.in_house_admin, role="admin", pseudonym="ADM2")
    w.in_house_caregiver_user = UserFactory(username="caregiver_ih", role="caregiver")
    w.in_house_caregiver = StaffMemberFactory(provider=w.in_house, user=w.in_house_caregiver_user, pseudonym="IH01")
    w.other_admin = UserFactory(username="other_admin", role="provider_admin")
    StaffMemberFactory(provider=w.other_provider, user=w.other_admin, role="admin", pseudonym="ADM3")

    w.citizen_user = UserFactory(username="citizen", role="citizen")
    w.citizen = CitizenFactory(district=w.north, user=w.citizen_user, first_name="Karen", caseworker=w.assessor)
    w.relative = UserFactory(username="relative", role="relative")
    PowerOfAttorneyFactory(citizen=w.citizen, attorney=w.relative)
    w.neighbour_user = UserFactory(username="neighbour", role="citizen")
    w.neighbour = CitizenFactory(district=w.south, user=w.neighbour_user, first_name="Poul")
    w.foreigner = CitizenFactory(district=w.other_district, first_name="Anders")

    w.assessment = AssessmentFactory(citizen=w.citizen, assessor=w.assessor)
    w.neighbour_assessment = AssessmentFactory(citizen=w.neighbour, assessor=w.assessor)
    w.foreign_assessment = AssessmentFactory(citizen=w.foreigner, assessor=w.other_assessor)
    start = date.today() - timedelta(days=60)
    w.decision = DecisionFactory(citizen=w.citizen, service=w.practical, assessment=w.assessment, valid_from=start)
    w.neighbour_decision = DecisionFactory(citizen=w.neighbour, service=w.personal, valid_from=start)
    w.foreign_decision = DecisionFactory(citizen=w.foreigner, service=w.other_service, valid_from=start)
    w.choice = ChoiceFactory(decision=w.decision, provider=w.private, valid_from=start)
    w.neighbour_choice = ChoiceFactory(decision=w.neighbour_decision, provider=w.in_house, valid_from=start)
    w.foreign_choice = ChoiceFactory(decision=w.foreign_decision, provider=w.other_provider, valid_from=start)

    # Today at noon local time: "today's visits" whatever hour the tests run.
    soon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    w.visit = VisitFactory(
        decision=w.decision,
        provider=w.private,
        caregiver=w.private_caregiver,
        planned_start=soon,
        planned_end=soon + timedelta(minutes=45),
    )
    w.neighbour_visit = VisitFactory(
        decision=w.neighbour_decision,
        provider=w.in_house,
        caregiver=w.in_house_caregiver,
        planned_start=soon,
        planned_end=soon + timedelta(minutes=30),
    )
    w.foreign_visit = VisitFactory(
        decision=w.foreign_decision,
        provider=w.other_provider,
        planned_start=soon,
        planned_end=soon + timedelta(minutes=30),
    )
    return w
