from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from frivalg.core.money import per_minute_amount
from frivalg.settlements import rules
from frivalg.settlements.models import ReasonCode
from frivalg.settlements.rules import DEFAULT_CONFIG, SettlementConfig, VisitFacts, settle_visit
from frivalg.visits.models import VisitStatus

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
RATE = 48000  # 480,00 DKK an hour: 8,00 a minute


def done(planned: int, performed_seconds: int, *, late: int = 0) -> VisitFacts:
    begin = START + timedelta(minutes=late)
    return VisitFacts(
        status="done",
        planned_start=START,
        planned_end=START + timedelta(minutes=planned),
        actual_start=begin,
        actual_end=begin + timedelta(seconds=performed_seconds),
    )


def cancelled(by: str, notice: timedelta, planned: int = 30) -> VisitFacts:
    return VisitFacts(
        status=by, planned_start=START, planned_end=START + timedelta(minutes=planned), cancelled_at=START - notice
    )


def test_reason_codes_and_statuses_are_the_model_choices():
    from frivalg.settlements import reference

    codes = {value for name, value in vars(rules).items() if name.startswith("REASON_")}
    assert codes | set(reference.REASONS) | {"correction", "after_calc"} == set(ReasonCode.values)
    assert set(VisitStatus.values) == rules.VISIT_STATUSES


@pytest.mark.parametrize(
    ("planned", "seconds", "payable", "reason"),
    [
        (30, 30 * 60, Decimal(30), "performed"),
        (30, 27 * 60 + 59, Decimal(30), "rounded"),  # 27 whole minutes, rounded up to 30
        (30, 8 * 60, Decimal(15), "minimum"),
        (30, 60 * 60, Decimal("37.5"), "capped"),
        (10, 10 * 60, Decimal("12.5"), "capped"),  # the cap wins over the minimum
        (45, 50 * 60, Decimal(50), "performed"),
        (45, 56 * 60 + 30, Decimal("56.25"), "capped"),
    ],
)
def test_done_visits_are_paid_for_performed_time(planned, seconds, payable, reason):
    result = settle_visit(done(planned, seconds), RATE)
    assert result.planned_minutes == planned
    assert result.performed_minutes == seconds // 60
    assert result.payable_minutes == payable
    assert result.reason_code == reason
    assert result.amount_minor == per_minute_amount(RATE, payable)


def test_an_amount_is_rounded_once_half_up():
    result = settle_visit(done(30, 25 * 60), 40001)  # 40001 × 25 / 60 = 16667.08…
    assert result.amount_minor == 16667
    result = settle_visit(done(30, 30 * 60), 40001)  # 20000.5 → 20001
    assert result.amount_minor == 20001


def test_zero_paid_visits():
    planned = START + timedelta(minutes=30)
    missed = VisitFacts(status="missed", planned_start=START, planned_end=planned)
    assert settle_visit(missed, RATE) == rules.LineResult(30, 0, Decimal(0), 0, "missed")
    for status in ("planned", "in_progress"):
        facts = VisitFacts(status=status, planned_start=START, planned_end=planned, actual_start=START)
        assert settle_visit(facts, RATE).reason_code == "unverified"
    unverified_done = VisitFacts(status="done", planned_start=START, planned_end=planned, actual_start=START)
    assert settle_visit(unverified_done, RATE).reason_code == "unverified"
    assert settle_visit(done(30, 59), RATE).reason_code == "unverified"
    assert settle_visit(cancelled("cancelled_provider", timedelta(minutes=5)), RATE).reason_code == "prov_cancel"
    assert settle_visit(cancelled("cancelled_provider", timedelta(minutes=5)), RATE).amount_minor == 0


def test_citizen_cancellations_pay_a_share_when_late():
    late = settle_visit(cancelled("cancelled_citizen", timedelta(hours=23, minutes=59)), RATE)
    assert (late.payable_minutes, late.amount_minor, late.reason_code) == (Decimal(15), 12000, "late_cancel")
    in_time = settle_visit(cancelled("cancelled_citizen", timedelta(hours=24)), RATE)
    assert (in_time.payable_minutes, in_time.amount_minor, in_time.reason_code) == (Decimal(0), 0, "cancel")
    after_start = settle_visit(cancelled("cancelled_citizen", -timedelta(minutes=10)), RATE)
    assert after_start.reason_code == "late_cancel"


def test_no_rate_pays_nothing_but_keeps_the_minutes():
    result = settle_visit(done(30, 30 * 60), None)
    assert (result.amount_minor, result.payable_minutes, result.reason_code) == (0, Decimal(0), "no_rate")
    assert result.performed_minutes == 30
    assert settle_visit(cancelled("cancelled_citizen", timedelta(hours=1)), None).reason_code == "no_rate"
    missed = VisitFacts(status="missed", planned_start=START, planned_end=START + timedelta(minutes=30))
    assert settle_visit(missed, None).reason_code == "missed"


def test_a_config_changes_the_terms():
    strict = SettlementConfig(
        tolerance=Decimal(1),
        rounding_unit_minutes=1,
        minimum_minutes=0,
        late_cancellation_notice_hours=48,
        late_cancellation_share=Decimal("0.75"),
    )
    assert settle_visit(done(30, 33 * 60), RATE, strict).payable_minutes == Decimal(30)
    assert settle_visit(done(30, 7 * 60), RATE, strict).reason_code == "performed"
    late = settle_visit(cancelled("cancelled_citizen", timedelta(hours=30), planned=40), RATE, strict)
    assert late.payable_minutes == Decimal(30)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tolerance": Decimal("0.9")},
        {"rounding_unit_minutes": 0},
        {"minimum_minutes": -1},
        {"late_cancellation_notice_hours": -1},
        {"late_cancellation_share": Decimal("1.5")},
    ],
)
def test_impossible_terms_are_refused(kwargs):
    with pytest.raises(ValueError):
        SettlementConfig(**kwargs)


def test_unknown_status_and_negative_rate_are_refused():
    with pytest.raises(ValueError):
        settle_visit(VisitFacts(status="gone", planned_start=START, planned_end=START), RATE)
    with pytest.raises(ValueError):
        settle_visit(done(30, 1800), -1)


configs = st.builds(
    SettlementConfig,
    tolerance=st.decimals(min_value=1, max_value=2, places=2),
    rounding_unit_minutes=st.integers(1, 30),
    minimum_minutes=st.integers(0, 60),
    late_cancellation_notice_hours=st.integers(0, 72),
    late_cancellation_share=st.decimals(min_value=0, max_value=1, places=2),
)
planned_minutes = st.integers(1, 8 * 60)
performed_seconds = st.integers(0, 10 * 3600)
rates = st.integers(0, 200000)
statuses = st.sampled_from(sorted(rules.VISIT_STATUSES))


@st.composite
def any_visit(draw):
    planned = draw(planned_minutes)
    status = draw(statuses)
    actual_start = draw(st.one_of(st.none(), st.just(START + timedelta(minutes=draw(st.integers(-60, 60))))))
    actual_end = None
    if actual_start is not None:
        actual_end = draw(st.one_of(st.none(), st.just(actual_start + timedelta(seconds=draw(performed_seconds)))))
    cancelled_at = START - timedelta(minutes=draw(st.integers(-120, 72 * 60)))
    return VisitFacts(
        status=status,
        planned_start=START,
        planned_end=START + timedelta(minutes=planned),
        actual_start=actual_start,
        actual_end=actual_end,
        cancelled_at=cancelled_at,
    )


@given(any_visit(), rates, configs)
def test_never_negative_and_never_above_planned_times_tolerance(facts, rate, config):
    result = settle_visit(facts, rate, config)
    cap = Decimal(result.planned_minutes) * config.tolerance
    assert result.amount_minor >= 0
    assert Decimal(0) <= result.payable_minutes <= cap
    assert result.amount_minor <= per_minute_amount(rate, cap)
    assert result.reason_code in ReasonCode.values
    assert result.payable_minutes == result.payable_minutes.quantize(Decimal("0.01"))


@given(any_visit(), rates, configs)
def test_the_amount_is_the_payable_minutes_at_the_rate(facts, rate, config):
    result = settle_visit(facts, rate, config)
    assert result.amount_minor == per_minute_amount(rate, result.payable_minutes)
    if result.reason_code in {"missed", "unverified", "cancel", "prov_cancel", "no_rate"}:
        assert result.amount_minor == 0
        assert result.payable_minutes == 0


@given(planned_minutes, performed_seconds, performed_seconds, rates, configs)
def test_monotone_in_performed_time(planned, first, second, rate, config):
    shorter, longer = sorted((first, second))
    assume(shorter >= 60)
    a = settle_visit(done(planned, shorter), rate, config)
    b = settle_visit(done(planned, longer), rate, config)
    assert a.payable_minutes <= b.payable_minutes
    assert a.amount_minor <= b.amount_minor


@given(planned_minutes, performed_seconds, st.integers(0, 200000), st.integers(0, 200000), configs)
def test_monotone_in_the_rate(planned, seconds, first, second, config):
    low, high = sorted((first, second))
    assert (
        settle_visit(done(planned, seconds), low, config).amount_minor
        <= settle_visit(done(planned, seconds), high, config).amount_minor
    )


@given(planned_minutes, performed_seconds, rates, configs)
def test_done_visits_pay_at_least_the_minimum_unless_capped(planned, seconds, rate, config):
    assume(seconds >= 60)
    result = settle_visit(done(planned, seconds), rate, config)
    if result.reason_code != "capped":
        assert result.payable_minutes >= config.minimum_minutes
        assert result.payable_minutes >= result.performed_minutes
        assert result.payable_minutes % config.rounding_unit_minutes == 0 or result.reason_code == "minimum"


@given(planned_minutes, st.integers(-120, 72 * 60), rates, configs)
def test_late_cancellation_never_pays_more_than_the_share(planned, notice_minutes, rate, config):
    facts = cancelled("cancelled_citizen", timedelta(minutes=notice_minutes), planned)
    result = settle_visit(facts, rate, config)
    assert result.payable_minutes <= Decimal(planned) * config.late_cancellation_share
    late = timedelta(minutes=notice_minutes) < config.late_cancellation_notice
    assert result.reason_code == ("late_cancel" if late else "cancel")


@given(any_visit(), rates)
def test_the_same_input_gives_the_same_result(facts, rate):
    assert settle_visit(facts, rate) == settle_visit(facts, rate, DEFAULT_CONFIG)
