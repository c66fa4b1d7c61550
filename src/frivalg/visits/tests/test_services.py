from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from frivalg.core.models import AuditEvent
from frivalg.visits.models import Visit, VisitStatus
from frivalg.visits.services import (
    visit_cancel,
    visit_check_in,
    visit_check_out,
    visit_import,
    visit_mark_missed,
    visit_plan,
)
from frivalg.visits.tests.factories import VisitFactory


def test_caregiver_checks_in_and_out(world):
    now = timezone.now()
    visit = visit_check_in(actor=world.private_caregiver_user, visit=world.visit, at=now - timedelta(minutes=40))
    assert visit.status == VisitStatus.IN_PROGRESS
    visit = visit_check_out(actor=world.private_caregiver_user, visit=visit, at=now)
    assert visit.status == VisitStatus.DONE and visit.check_out_by == world.private_caregiver_user
    actions = set(AuditEvent.objects.filter(object_id=str(visit.public_id)).values_list("action", flat=True))
    assert actions == {"visit.check_in", "visit.check_out"}


@pytest.mark.parametrize("user_attr", ["in_house_caregiver_user", "citizen_user", "assessor", "other_admin"])
def test_others_cannot_check_a_visit(world, user_attr):
    with pytest.raises(PermissionDenied):
        visit_check_in(actor=getattr(world, user_attr), visit=world.visit)


def test_check_out_before_check_in_and_twice_are_refused(world):
    with pytest.raises(ValidationError):
        visit_check_out(actor=world.private_caregiver_user, visit=world.visit)
    visit_check_in(actor=world.private_caregiver_user, visit=world.visit, at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(ValidationError) as error:
        visit_check_out(actor=world.private_caregiver_user, visit=world.visit, at=timezone.now() - timedelta(hours=1))
    assert "at" in error.value.message_dict
    with pytest.raises(ValidationError):
        visit_check_in(actor=world.private_caregiver_user, visit=world.visit)


def test_provider_admin_plans_a_visit_for_its_own_client_only(world):
    start = timezone.now() + timedelta(days=1)
    visit = visit_plan(actor=world.private_admin, decision=world.decision, planned_start=start,
                       planned_end=start + timedelta(minutes=30), caregiver=world.private_caregiver, tasks=["H1.8"])
    assert visit.provider == world.private and visit.citizen == world.citizen
    with pytest.raises(PermissionDenied):
        visit_plan(actor=world.private_admin, decision=world.neighbour_decision, planned_start=start,
                   planned_end=start + timedelta(minutes=30))


def test_plan_rejects_end_before_start_and_a_caregiver_of_another_provider(world):
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        visit_plan(actor=world.private_admin, decision=world.decision, planned_start=start, planned_end=start,
                   caregiver=world.in_house_caregiver)
    assert {"planned_end", "caregiver"} <= set(error.value.message_dict)


def test_citizen_cancels_own_visit_and_notice_is_recorded(world):
    visit = visit_cancel(actor=world.citizen_user, visit=world.visit, by="citizen")
    assert visit.status == VisitStatus.CANCELLED_CITIZEN
    event = AuditEvent.objects.get(action="visit.cancel", object_id=str(visit.public_id))
    assert "notice_hours" in event.payload
    with pytest.raises(PermissionDenied):
        visit_cancel(actor=world.neighbour_user, visit=world.neighbour_visit.__class__.objects.get(
            pk=world.visit.pk), by="citizen")


def test_citizen_cannot_cancel_on_the_providers_behalf(world):
    with pytest.raises(PermissionDenied):
        visit_cancel(actor=world.citizen_user, visit=world.visit, by="provider")


def test_missed_only_after_the_planned_end(world):
    soon = timezone.now() + timedelta(hours=1)
    upcoming = VisitFactory(decision=world.decision, provider=world.private, planned_start=soon,
                            planned_end=soon + timedelta(minutes=30))
    with pytest.raises(ValidationError):
        visit_mark_missed(actor=world.private_admin, visit=upcoming)
    past = timezone.now() - timedelta(hours=3)
    old = VisitFactory(decision=world.decision, provider=world.private, planned_start=past,
                       planned_end=past + timedelta(minutes=30))
    assert visit_mark_missed(actor=world.private_admin, visit=old).status == VisitStatus.MISSED


def _at(days_ago, clock):
    """Local date-time text within the world's choice period."""
    return f"{(timezone.localdate() - timedelta(days=days_ago)).isoformat()}T{clock}"


def _rows(world):
    decision = str(world.decision.public_id)
    return [
        {"external_id": "X1", "decision": decision, "planned_start": _at(10, "08:00"),
         "planned_end": _at(10, "08:30"), "status": "done", "actual_start": _at(10, "08:02"),
         "actual_end": _at(10, "08:35"), "caregiver": "HJ01"},
        {"external_id": "X2", "decision": decision, "planned_start": _at(10, "09:00"),
         "planned_end": _at(10, "08:30")},
        {"external_id": "X3", "decision": str(world.neighbour_decision.public_id),
         "planned_start": _at(10, "10:00"), "planned_end": _at(10, "10:30")},
        {"external_id": "X4", "decision": decision, "planned_start": _at(9, "08:00"),
         "planned_end": _at(9, "08:30"), "caregiver": "NOBODY"},
        {"external_id": "X1", "decision": decision, "planned_start": _at(8, "08:00"),
         "planned_end": _at(8, "08:30")},
        {"external_id": "X5", "decision": decision, "planned_start": _at(8, "08:00"),
         "planned_end": _at(8, "08:30"), "status": "cancelled_citizen", "cancelled_at": _at(8, "07:00")},
    ]


def test_import_stores_the_valid_rows_and_reports_each_rejected_row(world):
    result = visit_import(actor=world.private_admin, provider=world.private, rows=_rows(world), source_system="Nexus")
    assert (result.created, result.updated) == (2, 0)
    rejected = {(r.row, r.field) for r in result.rejected}
    assert rejected == {(2, "planned_end"), (3, "decision"), (4, "caregiver"), (5, "external_id")}
    assert all(r.reason for r in result.rejected)
    assert result.received == 6
    done = Visit.objects.get(external_id="X1")
    assert done.status == "done" and done.check_in_method == "import"
    assert done.actual_start.utcoffset() is not None


def test_reimport_updates_instead_of_duplicating(world):
    rows = _rows(world)[:1]
    visit_import(actor=world.private_admin, provider=world.private, rows=rows, source_system="Nexus")
    rows[0]["actual_end"] = _at(10, "08:50")
    result = visit_import(actor=world.private_admin, provider=world.private, rows=rows, source_system="Nexus")
    assert (result.created, result.updated) == (0, 1)
    assert Visit.objects.filter(external_id="X1").count() == 1


@pytest.mark.parametrize("user_attr", ["in_house_admin", "private_caregiver_user", "finance", "citizen_user"])
def test_import_only_by_the_providers_own_admin(world, user_attr):
    with pytest.raises(PermissionDenied):
        visit_import(actor=getattr(world, user_attr), provider=world.private, rows=_rows(world), source_system="N")


def test_import_refuses_visits_after_the_provider_stopped_delivering(world):
    from frivalg.choices.services import choice_switch

    choice_switch(actor=world.citizen_user, decision=world.decision, provider=world.in_house, notice_days=0)
    far = (timezone.localdate() + timedelta(days=30)).isoformat()
    rows = [{"external_id": "LATE", "decision": str(world.decision.public_id), "planned_start": f"{far}T08:00",
             "planned_end": f"{far}T08:30"}]
    result = visit_import(actor=world.private_admin, provider=world.private, rows=rows, source_system="Nexus")
    assert result.created == 0
    assert [(r.row, r.field) for r in result.rejected] == [(1, "planned_start")]


def test_import_refuses_nul_characters_and_overlong_notes(world):
    rows = [{**_rows(world)[0], "note": "a\x00b"}, {**_rows(world)[0], "external_id": "Y", "note": "x" * 2001}]
    result = visit_import(actor=world.private_admin, provider=world.private, rows=rows, source_system="Nexus")
    assert {(r.row, r.field) for r in result.rejected} == {(1, "note"), (2, "note")}
