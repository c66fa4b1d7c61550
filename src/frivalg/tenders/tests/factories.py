"""factory_boy factories for tenders: a planned tender by default (deadlines in the future);
`published=True` gives a published, locked one. Bids default to submitted drafts of a private
provider; use `status="draft"` for a draft."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from frivalg.catalogue.models import Service
from frivalg.catalogue.tests.factories import ServiceFactory
from frivalg.core.models import District, Municipality, User
from frivalg.core.tests.factories import DistrictFactory, MunicipalityFactory, UserFactory
from frivalg.pricing.models import CostModel, PriceSheet, PriceSheetLine
from frivalg.providers.models import Provider
from frivalg.providers.tests.factories import ProviderFactory, StaffMemberFactory
from frivalg.tenders.models import Award, Bid, Contract, Criterion, Grade, Lot, Question, Tender


class TenderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tender

    class Params:
        published = factory.Trait(
            status="published",
            published_at=factory.LazyFunction(timezone.now),
            locked_at=factory.LazyFunction(timezone.now),
        )

    municipality = factory.SubFactory(MunicipalityFactory)
    reference = factory.Sequence(lambda n: f"UDB-{n:04d}")
    title = factory.Sequence(lambda n: f"Praktisk hjælp, udbud {n}")
    description = "Praktisk hjælp i hjemmet."
    status = "planned"
    free_choice = True
    evaluation_model = "points_linear"
    model_parameters = factory.LazyFunction(lambda: {"max_points": "10"})
    price_weight = Decimal("40")
    question_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    bid_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=20))
    standstill_days = 10
    contract_start = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))
    contract_end = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60 + 730))
    created_by = factory.SubFactory(
        UserFactory, role="procurement", municipality=factory.SelfAttribute("..municipality"))


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot
        skip_postgeneration_save = True

    tender = factory.SubFactory(TenderFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Delaftale {n}")
    service = factory.SubFactory(ServiceFactory, municipality=factory.SelfAttribute("..tender.municipality"))
    price_form = "hourly"
    volumes = factory.LazyFunction(lambda: {"day": 12000, "evening": 3000})
    max_winners = 1

    @factory.post_generation
    def districts(self, create, extracted, **kwargs):
        if create and extracted:
            self.districts.set(extracted)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    tender = factory.SubFactory(TenderFactory)
    parent = None
    code = factory.Sequence(lambda n: f"K{n}")
    name = factory.Sequence(lambda n: f"Kvalitet {n}")
    description = "Plan for kontinuitet og faste hjælpere."
    weight = Decimal("100")
    scale_max = 10
    grade_descriptions = factory.LazyFunction(lambda: {"0": "Not described", "10": "Excellent, concrete plan"})
    value_per_point_minor = 0


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    tender = factory.SubFactory(TenderFactory, published=True)
    asked_by = factory.SubFactory(UserFactory, role="provider_admin")
    text = "Må der bydes med elektriske biler?"
    answer = ""


class BidFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bid

    lot = factory.SubFactory(LotFactory, tender=factory.SubFactory(TenderFactory, published=True))
    tender = factory.SelfAttribute("lot.tender")
    provider = factory.SubFactory(ProviderFactory)
    control_bid = False
    status = "submitted"
    prices = factory.LazyFunction(lambda: {"day": 40000, "evening": 50000})
    evaluation_price_minor = factory.LazyAttribute(
        lambda bid: sum(int(bid.prices.get(band, 0)) * int(volume) for band, volume in bid.lot.volumes.items()))
    answers = factory.LazyFunction(dict)
    submitted_at = factory.LazyAttribute(lambda bid: timezone.now() if bid.status == "submitted" else None)
    submitted_by = factory.SubFactory(UserFactory, role="provider_admin")


class GradeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grade

    bid = factory.SubFactory(BidFactory)
    criterion = factory.SubFactory(CriterionFactory, tender=factory.SelfAttribute("..bid.tender"))
    grader = factory.SubFactory(
        UserFactory, role="procurement", municipality=factory.SelfAttribute("..bid.tender.municipality"))
    grade = 7
    justification = "Konkret plan med faste teams."
    consensus = False


class AwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Award

    lot = factory.SubFactory(LotFactory, tender=factory.SubFactory(TenderFactory, published=True, status="awarded"))
    tender = factory.SelfAttribute("lot.tender")
    reasons = "Det økonomisk mest fordelagtige bud."
    evaluation = factory.LazyFunction(dict)
    decided_at = factory.LazyFunction(timezone.now)
    decided_by = factory.SubFactory(
        UserFactory, role="procurement", municipality=factory.SelfAttribute("..lot.tender.municipality"))
    standstill_ends = factory.LazyAttribute(lambda award: timezone.localdate(award.decided_at) + timedelta(
        days=award.tender.standstill_days))


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    award = factory.SubFactory(AwardFactory)
    bid = factory.SubFactory(BidFactory, lot=factory.SelfAttribute("..award.lot"))
    provider = factory.SelfAttribute("bid.provider")
    valid_from = factory.LazyAttribute(lambda c: c.award.tender.contract_start or date(2026, 1, 1))
    valid_to = factory.LazyAttribute(lambda c: c.award.tender.contract_end or date(2028, 1, 1))
    exclusive = False
    approval = None
    signed_by = factory.SelfAttribute("award.decided_by")


# --- a ready-made world: one municipality's published tender and its people --------------------


@dataclass
class TenderWorld:
    muni: Municipality
    other_muni: Municipality
    officer: User
    officer_b: User  # a second procurement officer (the second grader)
    analyst: User
    politician: User
    sysadmin: User
    other_officer: User  # procurement officer of another municipality
    alpha: Provider
    alpha_admin: User
    beta: Provider
    beta_admin: User
    in_house: Provider
    in_house_admin: User
    service: Service
    north: District
    tender: Tender
    lot: Lot
    k1: Criterion  # leaf, 60 %
    k2: Criterion  # parent, 40 %
    k2a: Criterion  # leaf under k2, 50 %
    k2b: Criterion  # leaf under k2, 50 %

    @property
    def leaves(self) -> list[Criterion]:
        return [self.k1, self.k2a, self.k2b]


def provider_admin(provider: Provider) -> User:
    user = UserFactory(role="provider_admin")
    StaffMemberFactory(provider=provider, user=user, role="admin")
    return user


def tender_world(**tender_fields: object) -> TenderWorld:
    """A published tender (deadlines in the future) with one hourly lot (day 1000 h, evening 200 h)
    and the criteria K1 60 % and K2 40 % (K2a 50 %, K2b 50 %), each graded 0–10; two private
    bidders, the in-house provider, and the municipality's staff."""
    muni = MunicipalityFactory()
    other = MunicipalityFactory()
    officer = UserFactory(role="procurement", municipality=muni)
    alpha, beta = ProviderFactory(name="Alfa Omsorg ApS"), ProviderFactory(name="Beta Pleje A/S")
    in_house = ProviderFactory(name="Kommunens Hjemmepleje", kind="in_house", owner_municipality=muni)
    service = ServiceFactory(municipality=muni, code="PH1")
    north = DistrictFactory(municipality=muni)
    tender = TenderFactory(municipality=muni, created_by=officer, published=True, **tender_fields)
    lot = LotFactory(tender=tender, number=1, service=service, volumes={"day": 1000, "evening": 200},
                     districts=[north])
    k1 = CriterionFactory(tender=tender, code="K1", name="Continuity", weight=Decimal(60))
    k2 = CriterionFactory(tender=tender, code="K2", name="Quality system", weight=Decimal(40))
    k2a = CriterionFactory(tender=tender, code="K2a", name="Training", weight=Decimal(50), parent=k2)
    k2b = CriterionFactory(tender=tender, code="K2b", name="Complaints", weight=Decimal(50), parent=k2)
    return TenderWorld(
        muni=muni, other_muni=other, officer=officer,
        officer_b=UserFactory(role="procurement", municipality=muni),
        analyst=UserFactory(role="analyst", municipality=muni),
        politician=UserFactory(role="politician", municipality=muni),
        sysadmin=UserFactory(role="system_admin", municipality=muni),
        other_officer=UserFactory(role="procurement", municipality=other),
        alpha=alpha, alpha_admin=provider_admin(alpha), beta=beta, beta_admin=provider_admin(beta),
        in_house=in_house, in_house_admin=provider_admin(in_house), service=service, north=north,
        tender=tender, lot=lot, k1=k1, k2=k2, k2a=k2a, k2b=k2b,
    )


def close_bidding(tender: Tender) -> Tender:
    """Move the deadlines into the past (as time passing would)."""
    now = timezone.now()
    Tender.objects.filter(pk=tender.pk).update(question_deadline=now - timedelta(minutes=2),
                                               bid_deadline=now - timedelta(minutes=1))
    tender.refresh_from_db()
    return tender


def price_sheet(municipality: Municipality, service_code: str, prices: dict[str, int], *,
                valid_from: date | None = None, version: int = 1) -> PriceSheet:
    """A published price sheet with in-house prices per time band for one service."""
    publisher = UserFactory(role="finance", municipality=municipality)
    year = (valid_from or date(timezone.localdate().year, 1, 1)).year
    cost_model = CostModel.objects.create(municipality=municipality, year=year, version=version, name="Test",
                                          document={}, imported_by=publisher)
    sheet = PriceSheet.objects.create(
        municipality=municipality, cost_model=cost_model, year=year, version=version,
        currency=municipality.currency, valid_from=valid_from or date(year, 1, 1), published_at=timezone.now(),
        published_by=publisher, content={})
    for band, amount in prices.items():
        PriceSheetLine.objects.create(sheet=sheet, service=service_code, time_band=band, method="cost_pools",
                                      in_house_price_minor=amount, steps=[])
    return sheet
