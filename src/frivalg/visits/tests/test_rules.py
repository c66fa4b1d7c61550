from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from frivalg.visits import rules

CPH = "Europe/Copenhagen"


def test_local_time_without_offset_is_read_in_the_municipalitys_zone():
    parsed = rules.parse_local_datetime("2026-07-01T08:00", CPH)
    assert parsed == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)


def test_an_explicit_offset_wins():
    assert rules.parse_local_datetime("2026-07-01T08:00+00:00", CPH) == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def test_spring_forward_gap_and_fall_back_overlap_are_refused():
    assert rules.parse_local_datetime("2026-03-29T02:30", CPH) == "nonexistent_time"
    assert rules.parse_local_datetime("2026-10-25T02:30", CPH) == "ambiguous_time"
    assert isinstance(rules.parse_local_datetime("2026-10-25T02:30+01:00", CPH), datetime)


def test_garbage_is_invalid():
    assert rules.parse_local_datetime("tomorrow", CPH) == "invalid_datetime"


def row(**overrides):
    base = {"external_id": "A1", "decision": "d", "planned_start": "2026-05-04T08:00",
            "planned_end": "2026-05-04T08:30", "status": "done", "actual_start": "2026-05-04T08:05",
            "actual_end": "2026-05-04T08:40", "caregiver": "HJ01", "tasks": "H1.1;H1.8"}
    base.update(overrides)
    return base


def test_a_good_row_parses():
    parsed = rules.parse_import_row(row(), CPH)
    assert isinstance(parsed, rules.VisitRow)
    assert parsed.tasks == ("H1.1", "H1.8")
    assert parsed.actual_end - parsed.actual_start == timedelta(minutes=35)


def test_a_bad_row_lists_every_error():
    parsed = rules.parse_import_row(row(planned_end="2026-05-04T07:00", actual_end="", status="done", colour="red",
                                        external_id=""), CPH)
    fields = {(e.field, e.code) for e in parsed}
    assert fields >= {("planned_end", "end_before_start"), ("actual_end", "required"),
                      ("colour", "unknown_field"), ("external_id", "required")}


def test_cancelled_needs_when_and_planned_may_not_carry_times():
    assert ("cancelled_at", "required") in {(e.field, e.code) for e in rules.parse_import_row(
        row(status="cancelled_citizen", actual_start="", actual_end=""), CPH)}
    assert ("status", "times_without_done") in {(e.field, e.code) for e in rules.parse_import_row(
        row(status="planned"), CPH)}


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)))
def test_every_local_time_is_parsed_or_refused_never_shifted(naive):
    parsed = rules.parse_local_datetime(naive.isoformat(), CPH)
    if isinstance(parsed, datetime):
        assert parsed.astimezone(ZoneInfo(CPH)).replace(tzinfo=None) == naive
    else:
        assert parsed in {"ambiguous_time", "nonexistent_time"}


def test_check_in_and_out_plausibility():
    now = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
    assert rules.check_in_error(now, now + timedelta(hours=1), now) == "in_future"
    assert rules.check_in_error(now, now - timedelta(hours=13), now) == "too_early"
    assert rules.check_in_error(now, now, now) is None
    assert rules.check_out_error(now, now - timedelta(minutes=1), now) == "before_check_in"
    assert rules.check_out_error(now - timedelta(hours=17), now, now) == "too_long"
