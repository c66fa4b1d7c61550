"""A month settled by the columnar engine from the operational database: runs per provider, the
same lines as the reference on the same snapshot, deviations listed, overrides that survive
recomputation, corrections after approval, co-payment bills, reproducible hashes, the CLI, and
on PostgreSQL: concurrent computations and approvals."""

import copy
import os
import sqlite3
import threading
import uuid
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from frivalg.core.models import AuditEvent
from frivalg.core.periods import Period
from frivalg.settlements import engine, reference
from frivalg.settlements.models import CoPaymentBill, RunKind, RunStatus, SettlementLine, SettlementRun
from frivalg.settlements.services import (
    line_override_set,
    settlement_month_compute,
    settlement_policy_set,
    settlement_run_approve,
)
from frivalg.settlements.snapshot import content_hash, take_snapshot
from frivalg.settlements.tests.factories import CitizenIncomeFactory
from frivalg.visits.models import Visit
from frivalg.visits.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

MONTH = Period.month_of(date.today())


def _done(world, decision, provider, day_offset, hour, minutes, *, caregiver=None, performed=None):
    start = timezone.localtime().replace(day=1, hour=hour, minute=0, second=0, microsecond=0) + timedelta(
        days=day_offset)
    return VisitFactory(decision=decision, provider=provider, caregiver=caregiver, planned_start=start,
                        planned_end=start + timedelta(minutes=minutes), status="done", actual_start=start,
                        actual_end=start + timedelta(minutes=performed if performed is not None else minutes))


def test_a_month_gives_one_draft_per_provider_with_the_reference_s_lines(world):
    _done(world, world.decision, world.private, 1, 9, 45, performed=41)  # rounded up to 45
    _done(world, world.neighbour_decision, world.in_house, 2, 10, 30, performed=50)  # capped at 37

    result = settlement_month_compute(actor=world.finance, period=MONTH)

    runs = {run.provider: run for run in result.runs}
    assert set(runs) == {world.private, world.in_house}
    assert all(run.kind == RunKind.REGULAR and run.status == RunStatus.DRAFT for run in runs.values())
    snapshot, _policy = take_snapshot(world.muni, MONTH)
    expected, _bills = reference.settle(snapshot)
    stored = SettlementLine.objects.filter(run__in=result.runs)
    assert stored.count() == expected.num_rows
    by_visit = {line.visit_id: line for line in stored}
    for row in expected.to_pylist():
        line = by_visit[row["visit_id"]]
        assert (line.amount_minor, line.reason_code, line.reasons, line.deviation) == (
            row["amount_minor"], row["reason_code"], row["reasons"], row["deviation"])
    rounded = stored.get(run=runs[world.private], reason_code="rounded")
    assert (rounded.performed_minutes, rounded.payable_minutes) == (41, 45)
    assert stored.get(run=runs[world.in_house], reason_code="capped").payable_minutes == 37  # 30 × 125 %
    assert sum(run.total_minor for run in runs.values()) == result.total_minor
    assert AuditEvent.objects.get(action="settlement_month.compute").payload["output_hash"] == result.output_hash


def test_the_same_input_gives_the_same_hashes_and_replaces_the_drafts(world):
    _done(world, world.decision, world.private, 1, 9, 45)
    first = settlement_month_compute(actor=world.finance, period=MONTH)
    second = settlement_month_compute(actor=world.finance, period=MONTH)
    assert (first.input_hash, first.output_hash) == (second.input_hash, second.output_hash)
    assert SettlementRun.objects.filter(provider=world.private, kind=RunKind.REGULAR).count() == 1
    run = SettlementRun.objects.get(provider=world.private)
    assert (run.engine_version, run.input_hash) == (engine.ENGINE_VERSION, first.input_hash)


def test_deviations_pay_nothing_are_listed_and_an_override_survives_recomputation(world):
    world.private.approvals.all().delete()  # no longer approved: every visit of theirs deviates
    visit = _done(world, world.decision, world.private, 1, 9, 45)

    settlement_month_compute(actor=world.finance, period=MONTH)
    line = SettlementLine.objects.get(visit=visit)
    assert (line.reason_code, line.deviation, line.amount_minor) == ("no_approval", True, 0)
    assert line.run.deviation_count >= 1

    line_override_set(actor=world.finance, visit=visit, action="accept", reason="Approval renewed late")
    settlement_month_compute(actor=world.finance, period=MONTH)
    line = SettlementLine.objects.get(visit=visit)
    assert (line.reason_code, line.deviation) == ("accepted", False)
    assert line.amount_minor == 40000 * 45 // 60  # the day rate × planned time

    with pytest.raises(ValidationError):
        line_override_set(actor=world.finance, visit=visit, action="accept", reason=" ")


def test_after_approval_a_late_visit_becomes_a_correction_run(world):
    _done(world, world.decision, world.private, 1, 9, 45)
    first = settlement_month_compute(actor=world.finance, period=MONTH)
    [run] = [r for r in first.runs if r.provider == world.private]
    settlement_run_approve(actor=world.finance, run=run)
    approved_lines = list(run.lines.values_list("pk", "amount_minor"))

    late = _done(world, world.decision, world.private, 3, 9, 30)
    second = settlement_month_compute(actor=world.finance, period=MONTH)

    [correction] = [r for r in second.runs if r.provider == world.private]
    assert (correction.kind, correction.corrects, correction.status) == (RunKind.CORRECTION, run, RunStatus.DRAFT)
    assert list(correction.lines.values_list("visit", "amount_minor")) == [(late.pk, 40000 * 30 // 60)]
    assert list(run.lines.values_list("pk", "amount_minor")) == approved_lines
    # Computing again keeps one correction draft with the same lines.
    settlement_month_compute(actor=world.finance, period=MONTH)
    assert SettlementRun.objects.filter(kind=RunKind.CORRECTION).count() == 1
    assert correction.lines.count() == 1


def test_co_payment_bills_follow_the_policy_and_the_income_bracket(world):
    settlement_policy_set(actor=world.finance, valid_from=date(2020, 1, 1), document={
        "co_payment": {"per_hour_minor": {"PH": 15000},
                       "brackets": [{"income_up_to_minor": 20000000, "monthly_cap_minor": 10000},
                                    {"monthly_cap_minor": 300000}]}})
    CitizenIncomeFactory(citizen=world.citizen, year=MONTH.start.year, income_minor=15000000)
    _done(world, world.decision, world.private, 1, 9, 60)  # Karen: 60 min × 150 kr = 150 kr, capped at 100 kr
    _done(world, world.decision, world.private, 2, 9, 30)

    settlement_month_compute(actor=world.finance, period=MONTH)

    bill = CoPaymentBill.objects.get(citizen=world.citizen)
    assert (bill.minutes, bill.fee_minor, bill.cap_minor, bill.amount_minor) == (90, 22500, 10000, 10000)


def test_a_bad_policy_is_refused_with_every_path(world):
    with pytest.raises(ValidationError) as raised:
        settlement_policy_set(actor=world.finance, valid_from=date(2026, 1, 1), document={
            "tolerance_percent": 90, "late_cancellation": [{"within_hours": 24}], "colour": "blue"})
    messages = raised.value.message_dict["document"]
    assert any(m.startswith("tolerance_percent: must be between 100") for m in messages)
    assert any(m.startswith("late_cancellation.0") for m in messages)
    assert "colour: is not a policy setting" in messages


@pytest.mark.skipif(connection.vendor != "sqlite", reason="ADBC reads SQLite files")
def test_the_columnar_sqlite_reader_gives_the_same_snapshot_as_the_cursor(world, tmp_path):
    """ADBC infers column types from the values: an override on a late visit only (the column is
    empty text before it) and visits without a caregiver must read as the cursor reads them."""
    first = _done(world, world.decision, world.private, 1, 6, 45)
    copies = []
    for n in range(1, 1_200):  # more than one ADBC batch (1,024 rows) before the override
        visit = copy.copy(first)
        visit.pk, visit.public_id = None, uuid.uuid4()
        shift = timedelta(minutes=n)
        visit.planned_start, visit.planned_end = first.planned_start + shift, first.planned_end + shift
        visit.actual_start, visit.actual_end = first.actual_start + shift, first.actual_end + shift
        copies.append(visit)
    Visit.objects.bulk_create(copies)
    late = _done(world, world.decision, world.private, 20, 9, 45, performed=200)
    line_override_set(actor=world.finance, visit=late, action="accept", reason="Agreed by phone")
    file = tmp_path / "copy.sqlite3"
    target = sqlite3.connect(file)  # this connection's view, the test's uncommitted rows included
    target.executescript(";\n".join(connection.connection.iterdump()))
    target.close()

    by_cursor, _policy = take_snapshot(world.muni, MONTH, via="django")
    by_adbc, _policy = take_snapshot(world.muni, MONTH, via="adbc", sqlite_file=str(file))

    assert by_adbc.visits.equals(by_cursor.visits)
    assert by_adbc.visits.column("override").to_pylist().count("accept") == 1
    assert content_hash(by_adbc) == content_hash(by_cursor)


def test_only_whole_months_are_settled_by_the_engine(world):
    with pytest.raises(ValidationError) as raised:
        settlement_month_compute(actor=world.finance, period=Period(MONTH.start, MONTH.start + timedelta(days=7)))
    assert "period" in raised.value.message_dict


def test_the_command_settles_a_month_with_totals(world):
    _done(world, world.decision, world.private, 1, 9, 45)
    out = StringIO()
    call_command("settle", period=MONTH.start.strftime("%Y-%m"), municipality="T001", language="en", stdout=out,
                 stderr=StringIO())
    text = out.getvalue()
    assert "Omsorg Nord ApS: 300,00 DKK" in text or "Omsorg Nord ApS: 300.00" in text
    assert "Total:" in text


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="row locks under real concurrency need PostgreSQL")
def test_concurrent_computations_and_approvals_keep_one_run_per_provider(transactional_db):
    from tests.world import build_world

    world = build_world()
    _done(world, world.decision, world.private, 1, 9, 45)
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def compute():
        try:
            barrier.wait(timeout=10)
            settlement_month_compute(actor=world.finance, period=MONTH)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=compute) for _ in range(2)]
    [t.start() for t in threads]
    [t.join(timeout=120) for t in threads]
    assert errors == []
    run = SettlementRun.objects.get(provider=world.private, kind=RunKind.REGULAR)

    outcomes: list[str] = []

    def approve():
        try:
            barrier.wait(timeout=10)
            settlement_run_approve(actor=world.finance, run=run)
            outcomes.append("approved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    [t.start() for t in threads]
    [t.join(timeout=120) for t in threads]
    assert sorted(outcomes) == ["approved", "refused"]
    assert SettlementRun.objects.filter(provider=world.private, status=RunStatus.APPROVED).count() == 1


def test_an_after_calculation_becomes_a_correction_run_per_provider(world, client):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from frivalg.catalogue.tests.factories import ServiceFactory
    from frivalg.pricing.services import after_calculation_run, cost_model_import, price_sheet_publish
    from frivalg.pricing.tests.examples import load
    from frivalg.settlements.services import after_calculation_settle

    practical = ServiceFactory(municipality=world.muni, code="practical_help", name="Praktisk hjælp")
    start = datetime(2025, 3, 4, 9, 0, tzinfo=ZoneInfo(world.muni.time_zone))
    VisitFactory(decision=world.decision, service=practical, provider=world.private, planned_start=start,
                 planned_end=start + timedelta(minutes=60), status="done", actual_start=start,
                 actual_end=start + timedelta(minutes=60))
    budget = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    sheet = price_sheet_publish(actor=world.finance, cost_model=budget, update_catalogue=False)
    accounts = load()
    accounts["pools"][0]["amount"] = 20550000
    actual = cost_model_import(actor=world.finance, municipality=world.muni, document=accounts)
    after = after_calculation_run(actor=world.finance, price_sheet=sheet, actual_cost_model=actual)

    [run] = after_calculation_settle(actor=world.finance, after_calculation=after)

    assert (run.kind, run.provider, run.after_calculation, run.status) == (
        RunKind.CORRECTION, world.private, after, RunStatus.DRAFT)
    assert (run.period_start, run.period_end, run.total_minor) == (date(2025, 1, 1), date(2026, 1, 1), 1634)
    [line] = run.lines.all()
    assert (line.reason_code, line.visit, line.citizen, line.unit_price_minor) == ("after_calc", None, None, 1634)
    with pytest.raises(ValidationError):
        after_calculation_settle(actor=world.finance, after_calculation=after)
    approved = settlement_run_approve(actor=world.finance, run=run)
    assert approved.status == RunStatus.APPROVED
    client.force_login(world.finance)
    assert client.get(f"/settlements/{run.public_id}/").status_code == 200
    statement = client.get(f"/settlements/{run.public_id}/statement/")
    assert statement.status_code == 200
    assert "16,34" in statement.content.decode() or "16.34" in statement.content.decode()
    page = client.get(f"/pricing/after-calculations/{after.public_id}/").content.decode()
    assert f"/settlements/{run.public_id}/" in page  # linked from the after-calculation
    assert AuditEvent.objects.filter(action="after_calculation.settle").exists()
