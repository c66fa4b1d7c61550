"""`frivalg demo` end to end on a small municipality: generated, flags raised, past months settled
and approved, a tender published — what `make demo` shows."""

from io import StringIO

import pytest
from django.core.management import call_command

from frivalg.settlements.models import RunStatus, SettlementRun
from frivalg.tenders.models import Tender, TenderStatus

pytestmark = pytest.mark.django_db


def test_the_demo_command_settles_its_past_months_and_publishes_a_tender():
    out = StringIO()
    call_command("demo", "--citizens", "40", "--months", "2", "--no-serve", "--no-progress", stdout=out)
    text = out.getvalue()
    assert "Settled and approved" in text and "Published the tender" in text
    runs = SettlementRun.objects.all()
    assert runs.exists() and not runs.exclude(status=RunStatus.APPROVED).exists()
    tender = Tender.objects.get()
    assert tender.status == TenderStatus.PUBLISHED and tender.locked_at is not None
    assert tender.lots.count() == 1 and tender.criteria.count() == 4
