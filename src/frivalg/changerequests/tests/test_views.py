"""The pages: the assessor's inbox and answer, the provider's messages, and who gets 403/404."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from frivalg.changerequests import services
from frivalg.changerequests.models import ChangeRequest, FrameAdjustment, Message
from frivalg.changerequests.tests.conftest import PDF
from frivalg.changerequests.tests.factories import ChangeRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """Pages and messages in English, the source language, whatever the translations say."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def karen_request(world):
    request, _created = services.change_request_create(
        actor=world.private_admin, decision=world.decision, kind="more_time", reason="More baths",
        requested_amount="2", requested_unit="hour", requested_frequency="week",
        evidence=SimpleUploadedFile("note.pdf", PDF, content_type="application/pdf"))
    return request


def test_the_inbox_marks_due_today_and_overdue(client, world):
    today = timezone.localdate()
    ChangeRequestFactory(decision=world.decision, provider=world.private, due_on=today)
    ChangeRequestFactory(decision=world.neighbour_decision, provider=world.in_house, due_on=today - timedelta(days=1))
    ChangeRequestFactory(decision=world.foreign_decision, provider=world.other_provider, due_on=today)
    client.force_login(world.assessor)
    response = client.get(reverse("changerequests:inbox"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Due today" in page and "Overdue" in page
    assert page.index("Poul") < page.index("Karen")  # the overdue one first
    assert "Anders" not in page
    mine = client.get(reverse("changerequests:inbox"), {"mine": "on"}).content.decode()
    assert "Karen" in mine and "Poul" not in mine


@pytest.mark.parametrize("who", ["private_admin", "finance", "citizen_user", "private_caregiver_user"])
def test_the_inbox_is_for_assessors(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("changerequests:inbox")).status_code == 403


def test_the_assessor_answers(client, world, karen_request):
    client.force_login(world.assessor)
    url = reverse("changerequests:detail", args=[karen_request.public_id])
    page = client.get(url)
    assert page.status_code == 200 and "Answer the request" in page.content.decode()
    refused = client.post(url, {"status": "rejected", "answer_text": ""})
    assert refused.status_code == 200
    assert "Explain the answer to the provider." in refused.content.decode()
    effective = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(url, {"status": "approved", "valid_from": effective})
    assert response.status_code == 302
    karen_request.refresh_from_db()
    assert karen_request.status == "approved" and karen_request.amended_decision is not None


def test_another_municipality_gets_404(client, world, karen_request):
    client.force_login(world.other_assessor)
    assert client.get(reverse("changerequests:detail", args=[karen_request.public_id])).status_code == 404
    assert client.get(reverse("changerequests:evidence", args=[karen_request.public_id])).status_code == 404
    assert client.get(reverse("changerequests:decision_log", args=[world.decision.public_id])).status_code == 404


def test_provider_b_gets_404_on_provider_a(client, world, karen_request):
    client.force_login(world.in_house_admin)
    assert client.get(reverse("changerequests:detail", args=[karen_request.public_id])).status_code == 404
    assert client.get(reverse("changerequests:evidence", args=[karen_request.public_id])).status_code == 404
    for name in ("start", "stop", "request_new", "frame_new"):
        assert client.get(reverse(f"changerequests:{name}", args=[world.decision.public_id])).status_code == 404
    assert client.post(reverse("changerequests:withdraw", args=[karen_request.public_id])).status_code == 404


def test_the_provider_sees_but_cannot_answer(client, world, karen_request):
    client.force_login(world.private_admin)
    url = reverse("changerequests:detail", args=[karen_request.public_id])
    page = client.get(url).content.decode()
    assert "Withdraw the request" in page and "Answer the request" not in page
    assert client.post(url, {"status": "approved"}).status_code == 403
    evidence = client.get(reverse("changerequests:evidence", args=[karen_request.public_id]))
    assert evidence.status_code == 200 and b"".join(evidence.streaming_content) == PDF


def test_the_provider_home_lists_allocations_and_requests(client, world, karen_request):
    client.force_login(world.private_admin)
    response = client.get(reverse("changerequests:provider"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Karen" in page and "Poul" not in page
    allocation = Message.objects.get(kind="allocation", decision=world.decision)
    ack = client.post(reverse("changerequests:acknowledge", args=[allocation.public_id]))
    assert ack.status_code == 302
    allocation.refresh_from_db()
    assert allocation.acknowledged_at is not None


def test_assessors_cannot_open_provider_pages(client, world):
    client.force_login(world.assessor)
    assert client.get(reverse("changerequests:provider")).status_code == 403
    assert client.get(reverse("changerequests:request_new", args=[world.decision.public_id])).status_code == 403


def test_the_provider_requests_with_evidence(client, world):
    client.force_login(world.private_admin)
    url = reverse("changerequests:request_new", args=[world.decision.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "kind": "more_time", "requested_amount": "2", "requested_unit": "hour", "requested_frequency": "week",
        "reason": "More baths", "evidence": SimpleUploadedFile("note.pdf", PDF, content_type="application/pdf"),
    })
    assert response.status_code == 302
    assert ChangeRequest.objects.get().evidence_content_type == "application/pdf"


def test_a_wrong_file_is_a_field_error(client, world):
    client.force_login(world.private_admin)
    url = reverse("changerequests:request_new", args=[world.decision.public_id])
    response = client.post(url, {
        "kind": "more_time", "requested_amount": "2", "requested_unit": "hour", "requested_frequency": "week",
        "reason": "More baths",
        "evidence": SimpleUploadedFile("note.pdf", b"GIF89a...", content_type="application/pdf"),
    })
    assert response.status_code == 200
    page = response.content.decode()
    assert "alert-error" in page and "The evidence must be a PDF, JPEG or PNG file." in page
    assert not ChangeRequest.objects.exists()


def test_start_stop_and_frame_pages(client, world):
    client.force_login(world.private_admin)
    start = client.post(reverse("changerequests:start", args=[world.decision.public_id]),
                        {"start_date": world.decision.valid_from.isoformat()})
    assert start.status_code == 302
    stop = client.post(reverse("changerequests:stop", args=[world.decision.public_id]),
                       {"stop_date": timezone.localdate().isoformat(), "reason": "other", "note": ""})
    assert stop.status_code == 200 and "Describe the reason for stopping." in stop.content.decode()
    frame_url = reverse("changerequests:frame_new", args=[world.decision.public_id])
    data = {"period_kind": "week", "period_day": timezone.localdate().isoformat(), "minutes_moved": "30",
            "moved_from": "Monday", "moved_to": "Wednesday", "planned_minutes_after": "120",
            "description": "Bath moved"}
    over = client.post(frame_url, data)
    assert over.status_code == 200 and "Send a change request instead" in over.content.decode()
    assert client.post(frame_url, {**data, "planned_minutes_after": "90"}).status_code == 302
    assert FrameAdjustment.objects.count() == 1


def test_the_assessor_sees_the_adjustments_of_a_decision(client, world):
    services.frame_adjustment_record(
        actor=world.private_admin, decision=world.decision, period_kind="week", period_day=timezone.localdate(),
        description="Bath moved to Wednesday", minutes_moved=30, moved_from="Monday", moved_to="Wednesday",
        planned_minutes_after=90)
    client.force_login(world.assessor)
    response = client.get(reverse("changerequests:decision_log", args=[world.decision.public_id]))
    assert response.status_code == 200 and "Bath moved to Wednesday" in response.content.decode()


def test_the_assessor_sends_pending_allocations(client, world):
    client.force_login(world.assessor)
    assert client.post(reverse("changerequests:allocations_send")).status_code == 302
    assert Message.objects.filter(kind="allocation").count() == 2


def test_the_manager_sets_the_deadline(client, world):
    from frivalg.changerequests.models import ResponseDeadline
    from frivalg.core.tests.factories import UserFactory

    manager = UserFactory(role="assessment_manager", municipality=world.muni)
    client.force_login(world.assessor)
    assert client.get(reverse("changerequests:settings")).status_code == 403
    client.force_login(manager)
    url = reverse("changerequests:settings")
    # Rendering a page for this role waits for core's menu to know the role (see the report).
    assert client.post(url, {"working_days": "5"}).status_code == 302
    assert ResponseDeadline.objects.get(municipality=world.muni).working_days == 5
