"""Quality figures computed from the data, on a constructed data set."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from frivalg.assessments.tests.factories import DecisionFactory
from frivalg.catalogue.tests.factories import RateFactory
from frivalg.choices.models import Complaint, ProviderRating
from frivalg.choices.selectors import comparison_for, quality_figures
from frivalg.choices.tests.factories import ChoiceFactory
from frivalg.core.tests.factories import CitizenFactory
from frivalg.providers.tests.factories import StaffMemberFactory
from frivalg.visits.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db


def _two_visits_a_day_for_14_days(world, caregivers, late_minutes=(10, 30)):
    """Karen: visits at 08:00 and 17:00 local for the last 14 days, done, rotating caregivers;
    the morning visit checked in `late_minutes[0]` late, the evening one `late_minutes[1]`."""
    tz = ZoneInfo(world.muni.time_zone)
    today = timezone.localdate()
    n = 0
    for back in range(1, 15):
        day = today - timedelta(days=back)
        for hour, late in zip((8, 17), late_minutes, strict=True):
            start = datetime.combine(day, time(hour), tz)
            VisitFactory(decision=world.decision, provider=world.private, caregiver=caregivers[n % len(caregivers)],
                         planned_start=start, planned_end=start + timedelta(minutes=30), status="done",
                         actual_start=start + timedelta(minutes=late), actual_end=start + timedelta(minutes=40))
            n += 1


def test_continuity_and_punctuality_from_the_visits(world):
    caregivers = [world.private_caregiver, StaffMemberFactory(provider=world.private, pseudonym="HJ02"),
                  StaffMemberFactory(provider=world.private, pseudonym="HJ03")]
    _two_visits_a_day_for_14_days(world, caregivers)
    # A night visit (23:00) by a fourth caregiver is outside 07–22 and does not count for continuity.
    tz = ZoneInfo(world.muni.time_zone)
    night = datetime.combine(timezone.localdate() - timedelta(days=2), time(23), tz)
    VisitFactory(decision=world.decision, provider=world.private, planned_start=night, status="done",
                 caregiver=StaffMemberFactory(provider=world.private, pseudonym="NAT1"),
                 planned_end=night + timedelta(minutes=20), actual_start=night,
                 actual_end=night + timedelta(minutes=20))
    figures = quality_figures(municipality=world.muni, provider_ids=[world.private.pk, world.in_house.pk],
                              today=timezone.localdate())
    assert figures[world.private.pk]["continuity"] == Decimal("3.0")
    assert figures[world.private.pk]["continuity_citizens"] == 1
    # 14 on time (10 min late), 14 not (30 min late), 1 night visit on time: 15 of 29.
    assert figures[world.private.pk]["punctuality"] == Decimal("51.7")
    assert figures[world.private.pk]["punctuality_visits"] == 29
    assert figures[world.in_house.pk]["continuity"] is None
    assert figures[world.in_house.pk]["punctuality"] is None


def test_a_citizen_with_one_visit_a_day_does_not_count_for_continuity(world):
    tz = ZoneInfo(world.muni.time_zone)
    for back in range(1, 15):
        start = datetime.combine(timezone.localdate() - timedelta(days=back), time(9), tz)
        VisitFactory(decision=world.decision, provider=world.private, caregiver=world.private_caregiver,
                     planned_start=start, planned_end=start + timedelta(minutes=30), status="done",
                     actual_start=start, actual_end=start + timedelta(minutes=30))
    figures = quality_figures(municipality=world.muni, provider_ids=[world.private.pk], today=timezone.localdate())
    assert figures[world.private.pk]["continuity"] is None
    assert figures[world.private.pk]["punctuality"] == Decimal("100.0")


def test_satisfaction_hidden_under_five_and_complaints_per_hundred(world):
    today = timezone.localdate()
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    citizens = [world.citizen] + [CitizenFactory(district=world.north) for _ in range(4)]
    for citizen in citizens[:4]:
        ProviderRating.objects.create(municipality=world.muni, provider=world.private, citizen=citizen,
                                      quarter=quarter, respect=5, on_time=4, same_people=4, overall=3,
                                      rated_by=world.citizen_user)
    figures = quality_figures(municipality=world.muni, provider_ids=[world.private.pk], today=today)
    assert figures[world.private.pk]["satisfaction"].hidden
    assert figures[world.private.pk]["satisfaction"].answers == 4
    ProviderRating.objects.create(municipality=world.muni, provider=world.private, citizen=citizens[4],
                                  quarter=quarter, respect=5, on_time=5, same_people=5, overall=5,
                                  rated_by=world.citizen_user)
    # Clients in 12 months: Karen plus 3 more = 4; two complaints, one older than 12 months.
    for citizen in citizens[1:4]:
        ChoiceFactory(decision=DecisionFactory(citizen=citizen, service=world.practical), provider=world.private,
                      valid_from=today - timedelta(days=30))
    Complaint.objects.create(municipality=world.muni, citizen=world.citizen, provider=world.private, text="late",
                             received=today - timedelta(days=10), submitted_by=world.citizen_user)
    Complaint.objects.create(municipality=world.muni, citizen=world.citizen, provider=world.private, text="old",
                             received=today - timedelta(days=400), submitted_by=world.citizen_user)
    figures = quality_figures(municipality=world.muni, provider_ids=[world.private.pk], today=today)
    assert figures[world.private.pk]["satisfaction"].mean == Decimal("4.2")  # 4 × 16 + 20 = 84 points / 20 answers
    assert figures[world.private.pk]["complaints"] == 1
    assert figures[world.private.pk]["complaints_per_100"] == Decimal("25.0")


def test_comparison_shows_every_provider_the_same_way_and_sorts(world):
    decision = DecisionFactory(citizen=world.citizen, service=world.personal, valid_from=timezone.localdate())
    comparison = comparison_for(actor=world.citizen_user, decision=decision, sort="places")
    assert {row.provider for row in comparison.rows} == {world.in_house, world.private}
    assert not comparison.prices_differ  # the world prices both kinds alike
    world.in_house.approvals.filter(service=world.personal).update(accepting_new_clients=False)
    comparison = comparison_for(actor=world.citizen_user, decision=decision, sort="places")
    assert [row.provider for row in comparison.rows] == [world.private, world.in_house]
    assert not comparison.rows[1].has_places
    assert comparison_for(actor=world.citizen_user, decision=decision, sort="nonsense").sort == "name"


def test_prices_shown_when_they_differ(world):
    decision = DecisionFactory(citizen=world.citizen, service=world.personal, valid_from=timezone.localdate())
    world.personal.rates.filter(provider_kind="private", time_band="day").delete()
    RateFactory(service=world.personal, time_band="day", provider_kind="private", amount_minor=45500)
    comparison = comparison_for(actor=world.citizen_user, decision=decision, sort="price")
    assert comparison.prices_differ
    assert [(row.provider, row.price_minor) for row in comparison.rows] == [(world.in_house, 40000),
                                                                             (world.private, 45500)]


def test_another_citizens_comparison_is_empty(world):
    comparison = comparison_for(actor=world.neighbour_user, decision=world.decision)
    assert comparison.rows == []
