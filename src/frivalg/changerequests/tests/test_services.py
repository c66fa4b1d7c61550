"""Services of the message cycle, through the shared world (tests/world.py): Karen's decision
is delivered by the private provider, the neighbour's by the in-house provider."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from frivalg.assessments.models import Decision, DecisionStatus
from frivalg.changerequests import services
from frivalg.changerequests.models import (
    ChangeRequest,
    ChangeRequestStatus,
    FrameAdjustment,
    Message,
    MessageKind,
    ResponseDeadline,
)
from frivalg.changerequests.selectors import change_request_due_on
from frivalg.changerequests.tests.conftest import PDF, PNG
from frivalg.choices.models import Choice
from frivalg.core.models import AuditEvent
from frivalg.core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages in English, the source language, whatever the translations say."""
    with translation.override("en"):
        yield


def _request(world, **kwargs):
    defaults = {"actor": world.private_admin, "decision": world.decision, "kind": "more_time",
                "reason": "Needs help with a bath twice a week", "requested_amount": "2",
                "requested_unit": "hour", "requested_frequency": "week"}
    return services.change_request_create(**{**defaults, **kwargs})


# --- who may send --------------------------------------------------------------------------


def test_the_chosen_provider_may_request(world):
    request, created = _request(world)
    assert created and request.status == ChangeRequestStatus.OPEN
    assert request.provider == world.private and request.requested_amount == Decimal("2.00")
    assert AuditEvent.objects.filter(action="change_request.create", object_id=str(request.public_id)).exists()
    assert Message.objects.filter(kind=MessageKind.CHANGE_REQUEST, decision=world.decision).count() == 1


def test_another_provider_may_not_request(world):
    with pytest.raises(PermissionDenied):
        _request(world, actor=world.in_house_admin)
    assert not ChangeRequest.objects.exists()


def test_a_former_provider_may_not_request(world):
    world.choice.valid_to = timezone.localdate()
    world.choice.save()
    Choice.objects.create(municipality=world.muni, decision=world.decision, provider=world.in_house,
                          valid_from=timezone.localdate() + timedelta(days=1), how="active")
    with pytest.raises(PermissionDenied):
        _request(world)


@pytest.mark.parametrize("who", ["private_caregiver_user", "assessor", "citizen_user"])
def test_only_provider_admins_send(world, who):
    with pytest.raises(PermissionDenied):
        _request(world, actor=getattr(world, who))


def test_a_decision_without_provider_is_a_field_error(world):
    world.choice.valid_to = timezone.localdate()
    world.choice.save()
    with pytest.raises(ValidationError) as error:
        _request(world)
    assert "decision" in error.value.message_dict


# --- field errors --------------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "field"), [
    ({"reason": "  "}, "reason"),
    ({"kind": "bigger"}, "kind"),
    ({"requested_amount": None}, "requested_amount"),
    ({"requested_amount": "-1"}, "requested_amount"),
    ({"requested_amount": "abc"}, "requested_amount"),
    ({"requested_unit": "litre"}, "requested_unit"),
    ({"requested_unit": "visit"}, "requested_unit"),
    ({"requested_frequency": ""}, "requested_frequency"),
    ({"kind": "other_service", "requested_amount": None, "requested_unit": "", "requested_frequency": ""},
     "requested_service"),
])
def test_bad_requests_get_field_errors(world, changes, field):
    with pytest.raises(ValidationError) as error:
        _request(world, **changes)
    assert field in error.value.message_dict


def test_a_service_of_another_municipality_is_refused(world):
    with pytest.raises(ValidationError) as error:
        _request(world, kind="other_service", requested_service=world.other_service)
    assert "requested_service" in error.value.message_dict


def test_evidence_is_stored(world, media_root):
    evidence = SimpleUploadedFile("lægeerklæring.pdf", PDF, content_type="application/pdf")
    request, _created = _request(world, evidence=evidence)
    assert request.evidence_content_type == "application/pdf"
    assert request.evidence.path.startswith(media_root)
    with request.evidence.open("rb") as stored:
        assert stored.read() == PDF


@pytest.mark.parametrize(("name", "content", "claimed"), [
    ("virus.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"),
    ("empty.png", b"", "image/png"),
    ("page.html", b"<html></html>", "text/html"),
])
def test_evidence_is_checked_by_content(world, name, content, claimed):
    with pytest.raises(ValidationError) as error:
        _request(world, evidence=SimpleUploadedFile(name, content, content_type=claimed))
    assert "evidence" in error.value.message_dict
    assert not ChangeRequest.objects.exists()


def test_evidence_over_10_mb_is_refused(world):
    big = SimpleUploadedFile("scan.png", PNG + b"\x00" * (10 * 1024 * 1024), content_type="image/png")
    with pytest.raises(ValidationError) as error:
        _request(world, evidence=big)
    assert error.value.message_dict["evidence"] == ["The file is larger than 10 MB."]


# --- deadlines -----------------------------------------------------------------------------


def _at(monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_the_deadline_skips_a_weekend(world, monkeypatch):
    _at(monkeypatch, datetime(2026, 5, 8, 10, 0, tzinfo=ZoneInfo("Europe/Copenhagen")))  # a Friday
    request, _created = _request(world)
    assert request.due_on == date(2026, 5, 13)  # Mon, Tue, Wed


def test_the_deadline_skips_a_public_holiday(world, monkeypatch):
    ResponseDeadline.objects.create(municipality=world.muni, working_days=4)
    _at(monkeypatch, datetime(2026, 5, 8, 10, 0, tzinfo=ZoneInfo("Europe/Copenhagen")))
    request, _created = _request(world)
    assert request.due_on == date(2026, 5, 15)  # Thursday 14 May 2026 is Ascension Day in Denmark


def test_the_deadline_uses_the_municipality_local_date(world, monkeypatch):
    # 23:30 UTC on Friday is already Saturday in Copenhagen: three working days from Saturday.
    _at(monkeypatch, datetime(2026, 5, 8, 23, 30, tzinfo=ZoneInfo("UTC")))
    request, _created = _request(world)
    assert request.due_on == date(2026, 5, 13)


def test_the_deadline_follows_the_country(world):
    # Epiphany (Tuesday 6 January 2026) is a public holiday in Sweden, not in Denmark.
    assert change_request_due_on(municipality=world.muni, requested_on=date(2026, 1, 5)) == date(2026, 1, 8)
    world.muni.country = "SE"
    world.muni.save()
    assert change_request_due_on(municipality=world.muni, requested_on=date(2026, 1, 5)) == date(2026, 1, 9)


def test_the_deadline_policy_is_set_by_a_manager(world):
    manager = UserFactory(role="assessment_manager", municipality=world.muni)
    services.response_deadline_set(actor=manager, working_days=5)
    assert ResponseDeadline.objects.get(municipality=world.muni).working_days == 5
    with pytest.raises(ValidationError):
        services.response_deadline_set(actor=manager, working_days=0)
    with pytest.raises(PermissionDenied):
        services.response_deadline_set(actor=world.assessor, working_days=5)


# --- idempotency ---------------------------------------------------------------------------


def test_the_same_reference_gives_the_first_request(world):
    first, created = _request(world, external_reference="ext-1")
    again, created_again = _request(world, external_reference="ext-1", reason="different text")
    assert created and not created_again
    assert again.pk == first.pk and ChangeRequest.objects.count() == 1


def test_a_reference_reused_for_another_decision_is_refused(world):
    _request(world, external_reference="ext-1")
    other = Decision.objects.create(
        municipality=world.muni, citizen=world.citizen, service=world.personal, amount=1, unit="hour",
        frequency="week", valid_from=world.decision.valid_from, status="granted", reason="x",
        decided_at=timezone.now())
    Choice.objects.create(municipality=world.muni, decision=other, provider=world.private,
                          valid_from=other.valid_from, how="active")
    with pytest.raises(ValidationError) as error:
        _request(world, decision=other, external_reference="ext-1")
    assert "external_reference" in error.value.message_dict


# --- answers -------------------------------------------------------------------------------


def test_an_approved_request_amends_the_decision(world):
    request, _created = _request(world)
    effective = timezone.localdate() + timedelta(days=7)
    answered = services.change_request_answer(actor=world.assessor, change_request=request, status="approved",
                                              valid_from=effective)
    assert answered.status == ChangeRequestStatus.APPROVED
    new = answered.amended_decision
    assert new is not None and new.pk != world.decision.pk
    assert new.amount == Decimal("2.00") and new.unit == "hour" and new.valid_from == effective
    assert new.source == "change_request" and new.previous_id == world.decision.pk
    world.decision.refresh_from_db()
    assert world.decision.status == DecisionStatus.ENDED and world.decision.valid_to == effective - timedelta(days=1)
    assert Message.objects.filter(kind=MessageKind.ANSWER, decision=world.decision).exists()
    # The provider keeps delivering the new version; it receives a new allocation for it.
    sent = services.allocations_sync_for_provider(actor=world.private_admin)
    assert {message.decision_id for message in sent} >= {new.pk}


def test_a_partly_approved_request_grants_the_assessor_amount(world):
    request, _created = _request(world, requested_amount="3")
    answered = services.change_request_answer(
        actor=world.assessor, change_request=request, status="partly_approved", amount="2",
        answer_text="Two hours are enough", valid_from=timezone.localdate() + timedelta(days=1))
    assert answered.amended_decision.amount == Decimal("2.00")


def test_partly_and_rejected_need_a_reason(world):
    request, _created = _request(world)
    for status in ("partly_approved", "rejected"):
        with pytest.raises(ValidationError) as error:
            services.change_request_answer(actor=world.assessor, change_request=request, status=status,
                                           amount="2", valid_from=timezone.localdate() + timedelta(days=1))
        assert "answer_text" in error.value.message_dict


def test_a_rejection_leaves_the_decision(world):
    request, _created = _request(world)
    answered = services.change_request_answer(actor=world.assessor, change_request=request, status="rejected",
                                              answer_text="The assessment shows no further need")
    assert answered.amended_decision is None
    world.decision.refresh_from_db()
    assert world.decision.status == DecisionStatus.GRANTED
    with pytest.raises(ValidationError):
        services.change_request_answer(actor=world.assessor, change_request=request, status="approved")


def test_an_approval_needs_the_day_it_takes_effect(world):
    request, _created = _request(world)
    with pytest.raises(ValidationError) as error:
        services.change_request_answer(actor=world.assessor, change_request=request, status="approved")
    assert "valid_from" in error.value.message_dict
    request.refresh_from_db()
    assert request.status == ChangeRequestStatus.OPEN


def test_an_approved_reassessment_request_does_not_amend(world):
    request, _created = _request(world, kind="reassessment", requested_amount=None, requested_unit="",
                                 requested_frequency="")
    answered = services.change_request_answer(actor=world.assessor, change_request=request, status="approved")
    assert answered.amended_decision is None and answered.status == ChangeRequestStatus.APPROVED


def test_another_municipality_may_not_answer(world):
    request, _created = _request(world)
    with pytest.raises(PermissionDenied):
        services.change_request_answer(actor=world.other_assessor, change_request=request, status="rejected",
                                       answer_text="no")
    with pytest.raises(PermissionDenied):
        services.change_request_answer(actor=world.private_admin, change_request=request, status="rejected",
                                       answer_text="no")


def test_the_provider_withdraws_its_open_request(world):
    request, _created = _request(world)
    with pytest.raises(PermissionDenied):
        services.change_request_withdraw(actor=world.in_house_admin, change_request=request)
    services.change_request_withdraw(actor=world.private_admin, change_request=request)
    assert request.status == ChangeRequestStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        services.change_request_withdraw(actor=world.private_admin, change_request=request)


# --- allocations, start and stop -----------------------------------------------------------


def test_the_backfill_sends_one_allocation_per_active_choice(world):
    sent = services.allocations_backfill(actor=world.assessor, municipality=world.muni)
    assert {m.decision_id for m in sent} == {world.decision.pk, world.neighbour_decision.pk}
    assert services.allocations_backfill(actor=world.assessor, municipality=world.muni) == []
    allocation = Message.objects.get(kind=MessageKind.ALLOCATION, decision=world.decision)
    assert allocation.provider == world.private and allocation.payload["amount"] == "1.50"
    assert AuditEvent.objects.filter(action="message.allocation").count() == 2


def test_the_backfill_is_for_the_own_municipality(world):
    with pytest.raises(PermissionDenied):
        services.allocations_backfill(actor=world.other_assessor, municipality=world.muni)


def test_a_provider_acknowledges_only_its_allocations(world):
    services.allocations_backfill(actor=world.assessor, municipality=world.muni)
    allocation = Message.objects.get(kind=MessageKind.ALLOCATION, decision=world.decision)
    with pytest.raises(PermissionDenied):
        services.allocation_acknowledge(actor=world.in_house_admin, message=allocation)
    services.allocation_acknowledge(actor=world.private_admin, message=allocation)
    assert allocation.acknowledged_by == world.private_admin


def test_start_and_stop_of_care(world):
    start, created = services.start_of_care_send(actor=world.private_admin, decision=world.decision,
                                                 start_date=world.decision.valid_from, external_reference="s-1")
    assert created and start.kind == MessageKind.START_OF_CARE
    again, created = services.start_of_care_send(actor=world.private_admin, decision=world.decision,
                                                 start_date=world.decision.valid_from, external_reference="s-1")
    assert again.pk == start.pk and not created
    stop, _created = services.stop_of_care_send(actor=world.private_admin, decision=world.decision,
                                                stop_date=timezone.localdate(), reason="nursing_home")
    assert stop.stop_reason == "nursing_home"


@pytest.mark.parametrize(("reason", "note", "field"), [("asleep", "", "reason"), ("other", " ", "note")])
def test_a_stop_needs_a_known_reason(world, reason, note, field):
    with pytest.raises(ValidationError) as error:
        services.stop_of_care_send(actor=world.private_admin, decision=world.decision,
                                   stop_date=timezone.localdate(), reason=reason, note=note)
    assert field in error.value.message_dict


def test_care_cannot_start_before_the_decision(world):
    with pytest.raises(ValidationError) as error:
        services.start_of_care_send(actor=world.private_admin, decision=world.decision,
                                    start_date=world.decision.valid_from - timedelta(days=1))
    assert "start_date" in error.value.message_dict


def test_another_provider_cannot_start_care(world):
    with pytest.raises(PermissionDenied):
        services.start_of_care_send(actor=world.in_house_admin, decision=world.decision,
                                    start_date=world.decision.valid_from)


# --- adjustments within the frame ----------------------------------------------------------


def _frame(world, **kwargs):
    # Karen's grant: 1.5 hours per week = 90 minutes per week.
    defaults = {"actor": world.private_admin, "decision": world.decision, "period_kind": "week",
                "period_day": timezone.localdate(), "description": "Bath moved to Wednesday",
                "minutes_moved": 30, "moved_from": "Monday", "moved_to": "Wednesday",
                "planned_minutes_after": 90}
    return services.frame_adjustment_record(**{**defaults, **kwargs})


def test_a_move_within_the_granted_amount_is_recorded_without_approval(world):
    adjustment, created = _frame(world)
    assert created and adjustment.granted_minutes == 90
    assert adjustment.period_start.weekday() == 0
    assert AuditEvent.objects.filter(action="frame_adjustment.record").count() == 1
    assert not ChangeRequest.objects.exists()


def test_a_move_over_the_granted_amount_is_refused(world):
    with pytest.raises(ValidationError) as error:
        _frame(world, planned_minutes_after=91)
    assert "Send a change request instead" in error.value.message_dict["planned_minutes_after"][0]
    assert not FrameAdjustment.objects.exists()


def test_a_month_frame_counts_the_month(world):
    world.decision.valid_from = date(2026, 1, 1)
    world.decision.save()
    adjustment, _created = _frame(world, period_kind="month", period_day=date(2026, 2, 10),
                                  planned_minutes_after=360)
    assert adjustment.granted_minutes == 360  # 90 × 28 / 7
    with pytest.raises(ValidationError):
        _frame(world, period_kind="month", period_day=date(2026, 3, 10), planned_minutes_after=399)


def test_a_frame_outside_the_decision_is_refused(world):
    with pytest.raises(ValidationError) as error:
        _frame(world, period_day=world.decision.valid_from - timedelta(days=30))
    assert "period_day" in error.value.message_dict


def test_another_provider_cannot_adjust(world):
    with pytest.raises(PermissionDenied):
        _frame(world, actor=world.in_house_admin)


def test_the_backfill_command(world):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("allocations_backfill", "--municipality", world.muni.code, stdout=out)
    assert out.getvalue().strip() == "2 allocations sent."
    call_command("allocations_backfill", stdout=out)
    assert Message.objects.filter(kind=MessageKind.ALLOCATION).count() == 3  # B's foreign choice too
