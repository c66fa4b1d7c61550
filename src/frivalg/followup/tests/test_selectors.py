from dataclasses import fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frivalg.assessments.models import Decision
from frivalg.assessments.tests.factories import DecisionFactory
from frivalg.catalogue.tests.factories import ServiceFactory
from frivalg.choices.models import Choice
from frivalg.choices.tests.factories import ChoiceFactory
from frivalg.core.periods import Period
from frivalg.core.tests.factories import CitizenFactory, UserFactory
from frivalg.followup.selectors import KeyFigures, key_figures
from frivalg.providers.tests.factories import ApprovalFactory, ProviderFactory
from frivalg.visits.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

MARCH = Period.month(2026, 3)
CPH = ZoneInfo("Europe/Copenhagen")


def done_visit(decision, provider, start, minutes):
    return VisitFactory(
        decision=decision,
        provider=provider,
        planned_start=start,
        planned_end=start + timedelta(minutes=minutes),
        status="done",
        actual_start=start,
        actual_end=start + timedelta(minutes=minutes),
    )


@pytest.fixture
def market(world):
    """March 2026 in Testrup: four citizens with grants, three of time, two providers with two
    clients each (one citizen switched from the in-house default to the private provider)."""
    Decision.objects.update(valid_from=date(2026, 1, 1))
    Choice.objects.update(valid_from=date(2026, 1, 1))
    Decision.objects.filter(pk=world.neighbour_decision.pk).update(valid_from=date(2026, 3, 15))
    third = CitizenFactory(district=world.north)
    daily = DecisionFactory(
        citizen=third,
        service=world.personal,
        amount=Decimal(60),
        unit="minute",
        frequency="day",
        valid_from=date(2026, 3, 1),
        valid_to=date(2026, 3, 10),
        status="ended",
    )
    meals_service = ServiceFactory(municipality=world.muni, code="MEAL", unit="meal", care_level=3)
    DecisionFactory(
        citizen=CitizenFactory(district=world.south),
        service=meals_service,
        amount=Decimal(2),
        unit="meal",
        frequency="day",
        valid_from=date(2026, 2, 1),
    )
    DecisionFactory(
        citizen=CitizenFactory(district=world.south),
        service=world.practical,
        status="draft",
        decided_at=None,
        valid_from=date(2026, 3, 1),
    )
    default = ChoiceFactory(
        decision=daily,
        provider=world.in_house,
        valid_from=date(2026, 3, 1),
        valid_to=date(2026, 3, 5),
        how="default",
        default_rule="rotation",
    )
    ChoiceFactory(decision=daily, provider=world.private, valid_from=date(2026, 3, 6), previous=default)

    done_visit(world.decision, world.private, datetime(2026, 3, 2, 9, tzinfo=CPH), 30)
    done_visit(world.decision, world.private, datetime(2026, 3, 9, 9, tzinfo=CPH), 45)
    done_visit(world.neighbour_decision, world.in_house, datetime(2026, 3, 16, 9, tzinfo=CPH), 60)
    done_visit(world.decision, world.private, datetime(2026, 4, 1, 9, tzinfo=CPH), 60)  # April
    done_visit(world.foreign_decision, world.other_provider, datetime(2026, 3, 2, 9, tzinfo=CPH), 90)
    VisitFactory(
        decision=world.decision,
        provider=world.private,
        status="missed",
        planned_start=datetime(2026, 3, 3, 9, tzinfo=CPH),
    )

    gone = ProviderFactory()
    ApprovalFactory(
        provider=gone,
        service=world.practical,
        status="terminated",
        valid_from=date(2025, 1, 1),
        valid_to=date(2026, 2, 28),
    )
    ApprovalFactory(provider=ProviderFactory(), service=world.practical, status="applied", valid_from=None)
    return world


def test_key_figures_of_a_month(market):
    figures = key_figures(actor=market.analyst, period=MARCH)
    assert figures.citizens_with_grant == 4
    # 1.5 h/week × 31 days + 1.5 h/week × 17 days + 1 h/day × 10 days
    assert figures.granted_hours == Decimal("20.29")
    assert figures.average_granted_hours_per_week == Decimal("1.53")  # 20.29 h × 7 / 31 days / 3 citizens
    assert figures.delivered_hours == Decimal("2.25")
    assert figures.delivered_share == Decimal("0.1109")
    assert figures.providers_approved == 2
    assert figures.providers_with_clients == 2
    assert figures.clients == 3
    assert figures.private_share == Decimal("0.6667")
    assert figures.active_choice_share == Decimal("0.75")
    assert figures.switches == 1
    assert figures.hhi == Decimal(5000)
    assert figures.concentration == "high"


def test_each_municipality_sees_its_own_market(market):
    Decision.objects.filter(pk=market.foreign_decision.pk).update(valid_from=date(2026, 1, 1))
    foreign = key_figures(actor=market.other_finance, period=MARCH)
    assert foreign.citizens_with_grant == 1
    assert foreign.delivered_hours == Decimal("1.50")
    assert foreign.clients == 1
    assert foreign.hhi == Decimal(10000)


def test_a_quiet_period_has_no_shares(market):
    figures = key_figures(actor=market.finance, period=Period.month(2020, 1))
    assert figures.citizens_with_grant == 0
    assert figures.granted_hours == Decimal(0)
    assert figures.average_granted_hours_per_week is None
    assert figures.delivered_share is None
    assert figures.private_share is None
    assert figures.hhi is None
    assert figures.concentration is None


@pytest.mark.parametrize("user", ["analyst", "finance", "procurement"])
def test_followup_view_roles_get_figures(market, user):
    assert isinstance(key_figures(actor=getattr(market, user), period=MARCH), KeyFigures)


@pytest.mark.parametrize("user", ["assessor", "private_admin", "private_caregiver_user", "citizen_user", "sysadmin"])
def test_other_roles_are_refused(market, user):
    with pytest.raises(PermissionDenied):
        key_figures(actor=getattr(market, user), period=MARCH)
    with pytest.raises(PermissionDenied):
        key_figures(actor=AnonymousUser(), period=MARCH)


def test_only_aggregates_are_returned(market):
    figures = key_figures(actor=market.analyst, period=MARCH)
    for field in fields(figures):
        assert isinstance(getattr(figures, field.name), int | Decimal | Period | type(None)), field.name


def test_the_database_aggregates_query_count_does_not_grow(market):
    def queries():
        with CaptureQueriesContext(connection) as context:
            key_figures(actor=market.analyst, period=MARCH)
        return len(context.captured_queries)

    queries()
    before = queries()
    for _ in range(15):
        citizen = CitizenFactory(district=market.north)
        decision = DecisionFactory(citizen=citizen, service=market.practical, valid_from=date(2026, 2, 1))
        ChoiceFactory(decision=decision, provider=market.private, valid_from=date(2026, 2, 1))
        done_visit(decision, market.private, datetime(2026, 3, 4, 10, tzinfo=CPH), 30)
    assert queries() == before
    assert key_figures(actor=market.analyst, period=MARCH).citizens_with_grant == 19


def test_a_user_without_municipality_but_with_the_permission_is_refused(market):
    outsider = UserFactory(role="analyst")
    with pytest.raises(PermissionDenied):
        key_figures(actor=outsider, period=MARCH)
