"""A month settled in the background: the batch goes queued → running → done with the month's
figures and runs, or failed with its message; budgets per month."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from frivalg.core.models import AuditEvent
from frivalg.core.periods import Period
from frivalg.settlements.models import BatchStatus, SettlementBudget, SettlementPolicy, SettlementRun
from frivalg.settlements.services import settlement_batch_start, settlement_budget_set
from frivalg.visits.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

MONTH = Period.month_of(date.today())


def done_visit(world, decision, provider, day_offset, minutes=45):
    start = timezone.localtime().replace(day=1, hour=9, minute=0, second=0, microsecond=0) + timedelta(days=day_offset)
    return VisitFactory(decision=decision, provider=provider, planned_start=start,
                        planned_end=start + timedelta(minutes=minutes), status="done", actual_start=start,
                        actual_end=start + timedelta(minutes=minutes))


def test_a_batch_computes_the_month_and_records_its_result(world, django_capture_on_commit_callbacks):
    done_visit(world, world.decision, world.private, 1)
    done_visit(world, world.neighbour_decision, world.in_house, 2)
    with django_capture_on_commit_callbacks(execute=True):
        batch = settlement_batch_start(actor=world.finance, period=MONTH)
    batch.refresh_from_db()
    assert (batch.status, batch.step, batch.percent) == (BatchStatus.DONE, "done", 100)
    runs = SettlementRun.objects.filter(period_start=MONTH.start)
    assert set(batch.runs.all()) == set(runs)
    assert {run.provider for run in runs} == {world.private, world.in_house}
    assert batch.line_count == sum(run.line_count for run in runs) >= 2
    assert batch.total_minor == sum(run.total_minor for run in runs) > 0
    assert len(batch.output_hash) == 64
    assert batch.started_at <= batch.finished_at
    assert AuditEvent.objects.filter(action="settlement_batch.start").count() == 1
    assert AuditEvent.objects.filter(action="settlement_month.compute").count() == 1


def test_a_failing_computation_marks_the_batch_failed_with_a_message(world, django_capture_on_commit_callbacks):
    done_visit(world, world.decision, world.private, 1)
    SettlementPolicy.objects.create(municipality=world.muni, valid_from=MONTH.start - timedelta(days=31),
                                    document={"tolerance_percent": "many"})  # stored around the service
    with django_capture_on_commit_callbacks(execute=True):
        batch = settlement_batch_start(actor=world.finance, period=MONTH)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert batch.message
    assert batch.finished_at is not None
    assert not SettlementRun.objects.exists()


def test_only_finance_of_the_municipality_starts_a_batch(world):
    for user in (world.private_admin, world.assessor, world.analyst):
        with pytest.raises(PermissionDenied):
            settlement_batch_start(actor=user, period=MONTH)
    with pytest.raises(ValidationError):
        settlement_batch_start(actor=world.finance, period=Period(MONTH.start, MONTH.start + timedelta(days=3)))


def test_the_budget_of_a_month_is_set_and_replaced(world):
    settlement_budget_set(actor=world.finance, period=MONTH, amount_minor=100_000)
    settlement_budget_set(actor=world.finance, period=MONTH, amount_minor=250_000)
    budget = SettlementBudget.objects.get()
    assert (budget.month, budget.amount_minor, budget.municipality) == (MONTH.start, 250_000, world.muni)
    with pytest.raises(ValidationError):
        settlement_budget_set(actor=world.finance, period=MONTH, amount_minor=-1)
    with pytest.raises(PermissionDenied):
        settlement_budget_set(actor=world.private_admin, period=MONTH, amount_minor=1)
