from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser

from frivalg.core.periods import Period
from frivalg.settlements.models import SettlementRun
from frivalg.settlements.selectors import lines_for, run_get, runs_for, totals_by_reason
from frivalg.settlements.services import settlement_run_create
from frivalg.visits.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

MARCH = Period.month(2026, 3)
CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def runs(world):
    start = datetime(2026, 3, 2, 9, tzinfo=CPH)
    VisitFactory(
        decision=world.decision,
        provider=world.private,
        planned_start=start,
        planned_end=start + timedelta(minutes=30),
        status="done",
        actual_start=start,
        actual_end=start + timedelta(minutes=30),
    )
    VisitFactory(
        decision=world.decision,
        provider=world.private,
        planned_start=start + timedelta(days=1),
        planned_end=start + timedelta(days=1, minutes=30),
        status="missed",
    )
    VisitFactory(
        decision=world.foreign_decision,
        provider=world.other_provider,
        planned_start=start,
        planned_end=start + timedelta(minutes=30),
        status="missed",
    )
    private = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
    in_house = settlement_run_create(actor=world.finance, provider=world.in_house, period=MARCH)
    foreign = settlement_run_create(actor=world.other_finance, provider=world.other_provider, period=MARCH)
    return private, in_house, foreign


def test_finance_sees_its_municipality_s_runs(world, runs):
    private, in_house, foreign = runs
    assert set(runs_for(actor=world.finance)) == {private, in_house}
    assert set(runs_for(actor=world.other_finance)) == {foreign}


def test_provider_admins_see_their_provider_s_runs(world, runs):
    private, in_house, foreign = runs
    assert list(runs_for(actor=world.private_admin)) == [private]
    assert list(runs_for(actor=world.in_house_admin)) == [in_house]
    assert list(runs_for(actor=world.other_admin)) == [foreign]


def test_nobody_else_sees_runs(world, runs):
    for user in (
        world.private_caregiver_user,
        world.assessor,
        world.analyst,
        world.citizen_user,
        world.sysadmin,
        AnonymousUser(),
    ):
        assert not runs_for(actor=user).exists()


def test_run_get_hides_other_runs(world, runs):
    private, in_house, foreign = runs
    assert run_get(actor=world.private_admin, public_id=private.public_id) == private
    for actor, run in ((world.private_admin, in_house), (world.finance, foreign), (world.assessor, private)):
        with pytest.raises(SettlementRun.DoesNotExist):
            run_get(actor=actor, public_id=run.public_id)


def test_lines_only_for_a_visible_run(world, runs):
    private, _in_house, foreign = runs
    assert lines_for(actor=world.finance, run=private).count() == 2
    assert lines_for(actor=world.private_admin, run=private).count() == 2
    assert not lines_for(actor=world.other_admin, run=private).exists()
    assert not lines_for(actor=world.finance, run=foreign).exists()


def test_totals_by_reason(world, runs):
    private, _in_house, _foreign = runs
    totals = {t.reason_code: t for t in totals_by_reason(actor=world.finance, run=private)}
    assert set(totals) == {"performed", "missed"}
    assert (totals["performed"].lines, totals["performed"].payable_minutes, totals["performed"].amount_minor) == (
        1,
        Decimal(30),
        20000,
    )
    assert totals["missed"].amount_minor == 0
    assert totals_by_reason(actor=world.other_admin, run=private) == []
