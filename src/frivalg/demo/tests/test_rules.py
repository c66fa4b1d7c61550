"""The calibration and the samplers of the demo municipality (pure: no database)."""

import itertools
import random
import re
from collections import Counter
from datetime import date

import pytest

from frivalg.demo import people, rules

DRAWS = 100_000


def _band_shares(minutes: list[int]) -> list[float]:
    counts = Counter(rules.band_index(m / 60) for m in minutes)
    return [counts[i] / len(minutes) for i in range(len(rules.CALIBRATION.bands))]


def test_the_calibration_is_the_published_one():
    calibration = rules.CALIBRATION
    assert calibration.mean_weekly_hours == 3.2
    assert [band.share for band in calibration.bands] == [0.67, 0.22, 0.09, 0.02]
    assert [(band.low, band.high) for band in calibration.bands] == [(0, 2), (2, 8), (8, 20), (20, None)]
    assert calibration.private_share == 0.40
    assert "Danmarks Statistik" in calibration.source
    assert rules.expected_mean() == pytest.approx(3.2, abs=0.05)


def test_weekly_hours_sampler_matches_the_published_distribution():
    rng = random.Random(7)
    minutes = [rules.sample_weekly_minutes(rng) for _ in range(DRAWS)]
    assert sum(minutes) / len(minutes) / 60 == pytest.approx(3.2, abs=0.08)
    for share, band in zip(_band_shares(minutes), rules.CALIBRATION.bands, strict=True):
        assert share == pytest.approx(band.share, abs=0.01), band.label
    assert all(m % 5 == 0 and m >= 15 for m in minutes)


def test_care_plans_keep_the_distribution_and_add_up():
    rng = random.Random(8)
    plans = [rules.care_plan(rng, rules.sample_weekly_minutes(rng)) for _ in range(30_000)]
    weekly = [plan.weekly for plan in plans]
    assert sum(weekly) / len(weekly) / 60 == pytest.approx(3.2, abs=0.1)
    for share, band in zip(_band_shares(weekly), rules.CALIBRATION.bands, strict=True):
        assert share == pytest.approx(band.share, abs=0.02), band.label
    for plan in plans[:2000]:
        assert plan.weekly == sum(g.weekly_minutes() for g in plan.grants if g.service in rules.HOME_HELP_KEYS)
        for grant in plan.grants:
            assert grant.frequency in {"day", "week"}
            assert grant.amount > 0
            for slot in grant.slots:
                assert 0 <= slot.minute < 1440
                assert slot.duration >= 10
                assert set(slot.weekdays) <= set(range(7))
    # Light needs are mostly practical help; heavy needs always include personal care.
    light = [p for p in plans if p.weekly < 60]
    heavy = [p for p in plans if p.weekly >= 20 * 60]
    assert sum(p.practical_only() for p in light) / len(light) > 0.6
    assert all(p.has_personal_care() for p in heavy)


def test_fsiii_scores_explain_the_hours():
    rng = random.Random(9)
    light = rules.care_plan(rng, 30)
    while not light.practical_only():
        light = rules.care_plan(rng, 30)
    heavy = rules.care_plan(rng, 1800)
    light_scores = [rules.fsiii_scores(rng, light, 85, False) for _ in range(300)]
    heavy_scores = [rules.fsiii_scores(rng, heavy, 85, False) for _ in range(300)]
    for scores in light_scores + heavy_scores:
        assert set(scores) == set(rules.SCORED_AREAS)
        assert all(score in {0, 1, 2, 3, 4, 9} for score in scores.values())
        assert scores["J5.1"] == 9  # paid work: not relevant after 65
    assert all(s["J2.1"] >= 2 for s in light_scores)  # practical help rests on J2
    assert all(s["J1.1"] >= 2 for s in heavy_scores)  # personal care rests on J1

    def mean(rows, area):
        return sum(r[area] for r in rows) / len(rows)

    assert mean(heavy_scores, "J1.1") > mean(light_scores, "J1.1") + 1.5
    assert mean(heavy_scores, "J3.8") > mean(light_scores, "J3.8") + 1
    dementia = [rules.fsiii_scores(rng, light, 85, True) for _ in range(300)]
    assert mean(dementia, "J4.2") > mean(light_scores, "J4.2") + 1.5
    assert rules.fsiii_scores(rng, light, 50, False)["J5.1"] != 9


@pytest.mark.parametrize("group", ["practical", "personal", "nursing"])
def test_hourly_prices_lie_in_the_published_range(group):
    low, high = rules.PRICE_RANGE_DKK
    for band in rules.BAND_FACTORS:
        for kind in rules.KIND_FACTORS:
            for years_back in (0, 1):
                price = rules.hourly_rate_minor(group, band, kind, years_back)
                assert low * 100 <= price <= high * 100, (group, band, kind, years_back)
                assert price % 100 == 0
        assert rules.hourly_rate_minor(group, band, "in_house") <= rules.hourly_rate_minor(group, band, "private")
        assert rules.hourly_rate_minor(group, band, "in_house", 1) < rules.hourly_rate_minor(group, band, "in_house")
    assert rules.hourly_rate_minor(group, "day", "in_house") < rules.hourly_rate_minor(group, "holiday", "in_house")


def test_visit_outcomes_cover_every_deviation():
    rng = random.Random(10)
    outcomes = [rules.visit_outcome(rng, 30) for _ in range(DRAWS)]
    statuses = Counter(o.status for o in outcomes)
    assert statuses["missed"] / DRAWS == pytest.approx(rules.P_MISSED, abs=0.003)
    assert statuses["cancelled_citizen"] / DRAWS == pytest.approx(rules.P_CANCELLED_CITIZEN, abs=0.005)
    assert statuses["cancelled_provider"] / DRAWS == pytest.approx(rules.P_CANCELLED_PROVIDER, abs=0.002)
    done = [o for o in outcomes if o.status == "done"]
    assert sum(o.check_in_offset >= 20 * 60 for o in done) / len(done) == pytest.approx(rules.P_LATE, abs=0.01)
    assert sum(o.performed > 1.2 * 1800 for o in done) / len(done) == pytest.approx(rules.P_OVERRUN, abs=0.01)
    assert sum(o.performed < 0.8 * 1800 for o in done) / len(done) == pytest.approx(rules.P_UNDERRUN, abs=0.015)
    assert {o.method for o in done} == {"app", "phone", "manual"}
    cancelled = [o for o in outcomes if o.status == "cancelled_citizen"]
    short = sum(o.notice < 24 * 60 for o in cancelled) / len(cancelled)
    assert short == pytest.approx(rules.P_SHORT_NOTICE, abs=0.03)
    assert all(o.performed >= 60 for o in done)


def test_absences_do_not_overlap_and_some_last():
    rng = random.Random(11)
    spans = [rules.absences(rng, 0.8, 0, 365) for _ in range(3000)]
    flat = [span for citizen in spans for span in citizen]
    assert {span.kind for span in flat} == {rules.HOSPITAL, rules.HOLIDAY}
    assert any(span.end is None for span in flat)  # still admitted today
    for citizen in spans:
        for first, second in itertools.pairwise(citizen):
            assert first.end is not None and first.end < second.start
    for span in flat:
        assert 0 <= span.start < 365
        assert span.end is None or span.end >= span.start
        assert span.planned == (span.kind == rules.HOLIDAY)
    yearly = len([s for s in flat if s.kind == rules.HOSPITAL]) / len(spans)
    assert 0.5 < yearly < 1.0


def test_people_look_danish_and_are_fake():
    rng = random.Random(12)
    today = date(2026, 1, 15)
    persons = [people.person(rng) for _ in range(5000)]
    languages = Counter(p.language for p in persons)
    assert languages["da"] / len(persons) == pytest.approx(0.95, abs=0.02)
    assert set(languages) == {"da", "en", "sv", "nb"}
    assert sum(p.female for p in persons) / len(persons) == pytest.approx(0.64, abs=0.03)
    ages = [rules.age_on(rules.birth_date(rng, today), today) for _ in range(5000)]
    assert sum(65 <= a <= 101 for a in ages) / len(ages) > 0.9
    assert min(ages) >= 40
    cpr = rules.national_id(date(1938, 3, 12), 42)
    assert cpr == "120338-X042"
    assert re.fullmatch(r"\d{6}-X\d{3}", cpr)
    assert sum(spec.weight for spec in people.DISTRICTS) == pytest.approx(1.0)
    assert {spec.kind for spec in people.DISTRICTS} == {"town", "suburb", "rural"}


def test_samplers_are_deterministic_for_a_seed():
    def draw(seed):
        rng = random.Random(seed)
        return [rules.care_plan(rng, rules.sample_weekly_minutes(rng)) for _ in range(200)]

    assert draw(1) == draw(1)
    assert draw(1) != draw(2)
