from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from frivalg.catalogue.tests.factories import ServiceFactory
from frivalg.core.models import AuditEvent
from frivalg.core.periods import Period
from frivalg.settlements.models import SettlementLine, SettlementRun
from frivalg.settlements.rules import SettlementConfig
from frivalg.settlements.services import settlement_run_approve, settlement_run_create, settlement_run_export
from frivalg.visits.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")
MARCH = Period.month(2026, 3)


def local(*args):
    return datetime(*args, tzinfo=CPH)


def visit(world, start, minutes=30, *, status="done", performed=None, provider=None, decision=None, **extra):
    decision = decision or world.decision
    if status == "done":
        performed = minutes if performed is None else performed
        extra.setdefault("actual_start", start)
        extra.setdefault("actual_end", start + timedelta(minutes=performed))
    return VisitFactory(
        decision=decision,
        provider=provider or world.private,
        planned_start=start,
        planned_end=start + timedelta(minutes=minutes),
        status=status,
        **extra,
    )


def lines_by_visit(run):
    return {line.visit_id: line for line in SettlementLine.objects.filter(run=run)}


def test_a_draft_run_pays_each_visit_by_its_band_and_rule(world):
    day = visit(world, local(2026, 3, 2, 8, 0))
    evening = visit(world, local(2026, 3, 2, 16, 0), 45, performed=47)
    weekend_missed = visit(world, local(2026, 3, 7, 10, 0), status="missed")
    night = visit(world, local(2026, 3, 1, 0, 30), 20, performed=10)
    late_cancel = visit(
        world, local(2026, 3, 3, 9, 0), 40, status="cancelled_citizen", cancelled_at=local(2026, 3, 3, 7, 0)
    )
    in_time_cancel = visit(
        world, local(2026, 3, 4, 9, 0), status="cancelled_citizen", cancelled_at=local(2026, 3, 1, 9, 0)
    )
    not_checked_out = visit(world, local(2026, 3, 5, 9, 0), status="in_progress", actual_start=local(2026, 3, 5, 9))

    run = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)

    lines = lines_by_visit(run)
    assert set(lines) == {
        v.pk for v in (day, evening, weekend_missed, night, late_cancel, in_time_cancel, not_checked_out)
    }
    summary = {
        pk: (line.time_band, line.reason_code, line.payable_minutes, line.amount_minor) for pk, line in lines.items()
    }
    assert summary[day.pk] == ("day", "performed", Decimal(30), 20000)
    assert summary[evening.pk] == ("evening", "rounded", Decimal(50), 38333)  # 46000 × 50 / 60
    assert summary[weekend_missed.pk] == ("weekend", "missed", Decimal(0), 0)
    assert summary[night.pk] == ("night", "minimum", Decimal(15), 13000)  # 52000 × 15 / 60
    assert summary[late_cancel.pk] == ("day", "late_cancel", Decimal(20), 13333)
    assert summary[in_time_cancel.pk] == ("day", "cancel", Decimal(0), 0)
    assert summary[not_checked_out.pk] == ("day", "unverified", Decimal(0), 0)
    assert lines[day.pk].unit_price_minor == 40000
    assert lines[day.pk].citizen_id == world.citizen.pk
    assert lines[day.pk].decision_id == world.decision.pk
    assert run.status == "draft"
    assert run.line_count == 7
    assert run.total_minor == 20000 + 38333 + 13000 + 13333
    assert run.currency == "DKK"
    assert run.created_by == world.finance
    event = AuditEvent.objects.get(action="settlement_run.create")
    assert event.municipality == world.muni
    assert event.object_id == str(run.public_id)
    assert event.payload["lines"] == 7
    assert event.payload["total_minor"] == run.total_minor
    assert event.payload["replaced_draft"] is False


def test_the_period_is_local_time_and_other_providers_and_municipalities_are_left_out(world):
    before = visit(world, local(2026, 2, 28, 23, 30))
    first = visit(world, local(2026, 3, 1, 0, 0))
    last = visit(world, local(2026, 3, 31, 23, 30))  # summer time: 21:30 UTC
    after = visit(world, local(2026, 4, 1, 0, 0))
    in_house = visit(world, local(2026, 3, 10, 9, 0), provider=world.in_house, decision=world.neighbour_decision)
    foreign = visit(world, local(2026, 3, 10, 9, 0), provider=world.private, decision=world.foreign_decision)
    run = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
    assert set(lines_by_visit(run)) == {first.pk, last.pk}
    assert not {before.pk, after.pk, in_house.pk, foreign.pk} & set(lines_by_visit(run))


def test_public_holidays_and_the_provider_s_kind_choose_the_rate(world):
    maundy_thursday = visit(world, local(2026, 4, 2, 10, 0), provider=world.in_house, decision=world.neighbour_decision)
    ordinary = visit(world, local(2026, 4, 7, 10, 0), provider=world.in_house, decision=world.neighbour_decision)
    run = settlement_run_create(actor=world.finance, provider=world.in_house, period=Period.month(2026, 4))
    lines = lines_by_visit(run)
    assert (lines[maundy_thursday.pk].time_band, lines[maundy_thursday.pk].amount_minor) == ("holiday", 28000)
    assert (lines[ordinary.pk].time_band, lines[ordinary.pk].amount_minor) == ("day", 20000)


def test_a_visit_without_a_rate_is_not_paid(world):
    unpriced = ServiceFactory(municipality=world.muni, code="NEW")
    decision = world.decision
    decision.service = unpriced
    decision.save()
    line_visit = visit(world, local(2026, 3, 2, 8, 0), decision=decision)
    run = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
    line = lines_by_visit(run)[line_visit.pk]
    assert (line.reason_code, line.amount_minor, line.unit_price_minor) == ("no_rate", 0, 0)


def test_the_terms_can_be_given_and_are_recorded(world):
    visit(world, local(2026, 3, 2, 8, 0), 30, performed=7)
    terms = SettlementConfig(minimum_minutes=0, rounding_unit_minutes=1)
    run = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH, config=terms)
    assert run.lines.get().payable_minutes == Decimal(7)
    assert AuditEvent.objects.get(action="settlement_run.create").payload["config"]["minimum_minutes"] == "0"


def test_a_new_run_replaces_the_draft_for_the_same_period(world):
    visit(world, local(2026, 3, 2, 8, 0))
    first = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
    visit(world, local(2026, 3, 3, 8, 0))
    second = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
    assert second.pk == first.pk
    assert second.line_count == 2
    assert SettlementLine.objects.filter(run=second).count() == 2
    assert SettlementRun.objects.count() == 1
    assert AuditEvent.objects.filter(action="settlement_run.create").first().payload["replaced_draft"] is True


def test_recomputing_gives_the_same_result(world):
    for day in range(2, 20):
        visit(world, local(2026, 3, day, 7 + day % 14, 5), 25 + day, performed=20 + 2 * day)
    first = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
    before = list(first.lines.values_list("visit_id", "amount_minor", "reason_code", "payable_minutes"))
    second = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
    after = list(second.lines.values_list("visit_id", "amount_minor", "reason_code", "payable_minutes"))
    assert before == after


def test_the_number_of_queries_does_not_grow_with_the_visits(world):
    def queries_for(count):
        SettlementLine.objects.all().delete()
        SettlementRun.objects.all().delete()
        for n in range(count):
            visit(world, local(2026, 3, 2 + n % 25, 9, 0), 30)
        with CaptureQueriesContext(connection) as context:
            settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
        return len(context.captured_queries)

    queries_for(1)  # warms the actor's permission cache
    assert queries_for(2) == queries_for(40)


def test_settled_periods_are_not_settled_again(world):
    visit(world, local(2026, 3, 2, 8, 0))
    run = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
    settlement_run_approve(actor=world.finance, run=run)
    for period in (MARCH, Period(date(2026, 3, 15), date(2026, 4, 15))):
        with pytest.raises(ValidationError) as error:
            settlement_run_create(actor=world.finance, provider=world.private, period=period)
        assert "period" in error.value.message_dict
    assert SettlementLine.objects.filter(run=run).count() == 1
    other = settlement_run_create(actor=world.finance, provider=world.in_house, period=MARCH)
    assert other.status == "draft"


def test_of_two_overlapping_drafts_only_one_can_be_approved(world):
    march = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
    mid = settlement_run_create(
        actor=world.finance, provider=world.private, period=Period(date(2026, 3, 15), date(2026, 4, 15))
    )
    settlement_run_approve(actor=world.finance, run=march)
    with pytest.raises(ValidationError) as error:
        settlement_run_approve(actor=world.finance, run=mid)
    assert "period" in error.value.message_dict


def test_approve_then_export(world):
    visit(world, local(2026, 3, 2, 8, 0))
    run = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
    run = settlement_run_approve(actor=world.finance, run=run)
    assert run.status == "approved"
    assert run.approved_by == world.finance
    assert run.approved_at is not None
    with pytest.raises(ValidationError) as error:
        settlement_run_approve(actor=world.finance, run=run)
    assert "status" in error.value.message_dict
    run = settlement_run_export(actor=world.finance, run=run)
    assert run.status == "exported"
    assert run.exported_at is not None
    with pytest.raises(ValidationError) as error:
        settlement_run_export(actor=world.finance, run=run)
    assert "status" in error.value.message_dict
    actions = list(AuditEvent.objects.filter(object_id=str(run.public_id)).values_list("action", flat=True))
    assert sorted(actions) == ["settlement_run.approve", "settlement_run.create", "settlement_run.export"]


def test_a_draft_cannot_be_exported(world):
    run = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
    with pytest.raises(ValidationError) as error:
        settlement_run_export(actor=world.finance, run=run)
    assert "status" in error.value.message_dict


@pytest.mark.parametrize(
    "user", ["assessor", "analyst", "procurement", "private_admin", "citizen_user", "private_caregiver_user"]
)
def test_only_finance_settles(world, user):
    with pytest.raises(PermissionDenied):
        settlement_run_create(actor=getattr(world, user), provider=world.private, period=MARCH)
    run = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
    with pytest.raises(PermissionDenied):
        settlement_run_approve(actor=getattr(world, user), run=run)
    assert not SettlementRun.objects.exclude(status="draft").exists()


def test_another_municipality_cannot_settle_or_approve(world):
    with pytest.raises(ValidationError) as error:
        settlement_run_create(actor=world.other_finance, provider=world.private, period=MARCH)
    assert "provider" in error.value.message_dict
    run = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
    with pytest.raises(PermissionDenied):
        settlement_run_approve(actor=world.other_finance, run=run)
    settlement_run_approve(actor=world.finance, run=run)
    with pytest.raises(PermissionDenied):
        settlement_run_export(actor=world.other_finance, run=run)


def test_an_empty_period_is_refused(world):
    with pytest.raises(ValidationError) as error:
        settlement_run_create(actor=world.finance, provider=world.private, period=Period(MARCH.start, MARCH.start))
    assert "period" in error.value.message_dict


def test_the_run_and_its_audit_row_commit_together(world):
    visit(world, local(2026, 3, 2, 8, 0))
    with pytest.raises(RuntimeError), transaction.atomic():
        settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
        assert AuditEvent.objects.filter(action="settlement_run.create").exists()
        raise RuntimeError("roll back")
    assert not SettlementRun.objects.exists()
    assert not SettlementLine.objects.exists()
    assert not AuditEvent.objects.filter(action="settlement_run.create").exists()


def test_the_citizen_s_area_chooses_the_rate_and_falls_back_to_all_areas(world):
    from frivalg.catalogue.services import rate_set

    rate_set(actor=world.finance, service=world.personal, time_band="day", provider_kind="in_house",
             amount_minor=60000, valid_from=date(2026, 1, 1), area="rural")
    rate_set(actor=world.finance, service=world.practical, time_band="day", provider_kind="in_house",
             amount_minor=99000, valid_from=date(2026, 1, 1), area="rural")
    rural = visit(world, local(2026, 4, 7, 10, 0), provider=world.in_house, decision=world.neighbour_decision)
    run = settlement_run_create(actor=world.finance, provider=world.in_house, period=Period.month(2026, 4))
    assert world.neighbour.district.kind == "rural"
    assert lines_by_visit(run)[rural.pk].unit_price_minor == 60000
    town = visit(world, local(2026, 3, 2, 8, 0))
    run = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
    assert lines_by_visit(run)[town.pk].unit_price_minor == 40000


def test_the_municipality_s_time_bands_and_extra_days_are_used(world):
    from datetime import time

    from frivalg.catalogue.services import rate_set, time_band_scheme_set

    time_band_scheme_set(
        actor=world.finance, municipality=world.muni, day_start=time(7), day_end=time(14), evening_start=time(14),
        evening_end=time(23), night_start=time(23), night_end=time(7), split_weekend=True,
        extra_days=[(3, 3, "Byfest", "major")],
    )
    rate_set(actor=world.finance, service=world.practical, time_band="saturday", provider_kind="private",
             amount_minor=70000, valid_from=date(2026, 1, 1))
    afternoon = visit(world, local(2026, 3, 2, 14, 30))
    saturday = visit(world, local(2026, 3, 7, 10, 0))
    sunday = visit(world, local(2026, 3, 8, 10, 0))
    town_party = visit(world, local(2026, 3, 3, 10, 0))
    lines = lines_by_visit(settlement_run_create(actor=world.finance, provider=world.private, period=MARCH))
    assert (lines[afternoon.pk].time_band, lines[afternoon.pk].unit_price_minor) == ("evening", 46000)
    assert (lines[saturday.pk].time_band, lines[saturday.pk].unit_price_minor) == ("saturday", 70000)
    assert (lines[sunday.pk].time_band, lines[sunday.pk].unit_price_minor) == ("sunday", 48000)
    assert (lines[town_party.pk].time_band, lines[town_party.pk].unit_price_minor) == ("major", 56000)


def test_approval_marks_the_rates_used_so_they_are_never_edited(world):
    from frivalg.catalogue.models import Rate
    from frivalg.catalogue.services import rate_change, rate_set

    visit(world, local(2026, 3, 2, 8, 0))
    run = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
    day = Rate.objects.get(service=world.practical, time_band="day", provider_kind="private")
    evening = Rate.objects.get(service=world.practical, time_band="evening", provider_kind="private")
    assert day.settled_through is None
    settlement_run_approve(actor=world.finance, run=run)
    day.refresh_from_db()
    evening.refresh_from_db()
    assert (day.settled_through, evening.settled_through) == (date(2026, 3, 31), None)
    with pytest.raises(ValidationError):
        rate_change(actor=world.finance, rate=day, amount_minor=1, valid_to=None)
    with pytest.raises(ValidationError):
        rate_set(actor=world.finance, service=world.practical, time_band="day", provider_kind="private",
                 amount_minor=1, valid_from=date(2026, 3, 31))
    rate_set(actor=world.finance, service=world.practical, time_band="day", provider_kind="private",
             amount_minor=1, valid_from=date(2026, 4, 1))
