"""The approval pages: public requirements, the purchaser's queue and assessment, the provider's
application and answers, capacity and re-choices."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from frivalg.providers.models import Approval, ReChoice, Requirement, RequirementAnswer
from frivalg.providers.services import approval_apply, approval_decide, approval_requirements_refresh
from frivalg.providers.tests.factories import RequirementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(world):
    RequirementFactory(municipality=world.muni, code="INS", document_required=True)
    RequirementFactory(municipality=world.muni, service=world.practical, code="STAFF", kind="staff")
    approval = world.private.approvals.get(service=world.practical)
    approval_decide(actor=world.finance, approval=approval, status="terminated", reason="x",
                    valid_to=timezone.localdate())
    return approval_apply(actor=world.private_admin, provider=world.private, service=world.practical)


def test_public_requirements_need_no_login(client, world):
    RequirementFactory(municipality=world.muni, code="INS", title="Ansvarsforsikring")
    RequirementFactory(municipality=world.other_muni, code="OTHER", title="Andeby-krav")
    response = client.get(reverse("providers:public_requirements", args=["T001"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ansvarsforsikring" in body and "Andeby-krav" not in body
    assert client.get(reverse("providers:public_requirements", args=["NOPE"])).status_code == 404


def test_purchaser_publishes_a_requirement_with_field_errors_first(client, world):
    client.force_login(world.finance)
    url = reverse("providers:requirements")
    response = client.post(url, {"code": "INS", "title": "", "description": "", "kind": "insurance",
                                 "valid_from": "2026-01-01"})
    assert response.status_code == 200 and response.context["form"].errors["title"]
    assert "error-summary-title" in response.content.decode()
    response = client.post(url, {"code": "INS", "title": "Forsikring", "description": "Ansvarsforsikring",
                                 "kind": "insurance", "document_required": "on", "valid_from": "2026-01-01",
                                 "service": world.practical.pk})
    assert response.status_code == 302
    assert Requirement.objects.get(code="INS").service == world.practical


@pytest.mark.parametrize("name", ["requirements", "applications", "capacity", "rechoices"])
@pytest.mark.parametrize("who", ["assessor", "private_admin", "citizen_user"])
def test_purchaser_pages_are_forbidden_to_others(client, world, name, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse(f"providers:{name}")).status_code == 403


@pytest.mark.parametrize("name", ["requirements", "applications", "capacity", "rechoices"])
def test_purchaser_pages_render(client, world, application, name):
    client.force_login(world.finance)
    assert client.get(reverse(f"providers:{name}")).status_code == 200


def test_provider_applies_and_answers_with_a_document(client, world):
    RequirementFactory(municipality=world.muni, code="INS", document_required=True)
    client.force_login(world.private_admin)
    assert client.get(reverse("providers:mine")).status_code == 200
    response = client.post(reverse("providers:apply"), {"service": world.practical.pk, "capacity": "5"})
    assert response.context["form"].errors["service"]  # it holds this approval already
    approval = world.private.approvals.get(service=world.practical)
    approval_decide(actor=world.finance, approval=approval, status="terminated", reason="x",
                    valid_to=timezone.localdate())
    response = client.post(reverse("providers:apply"), {"service": world.practical.pk, "capacity": "0"})
    assert response.context["form"].errors["capacity"]
    response = client.post(reverse("providers:apply"), {"service": world.practical.pk, "capacity": "5",
                                                        "districts": [world.north.pk], "languages": "da, EN"})
    approval = Approval.objects.get(provider=world.private, service=world.practical)
    assert response.status_code == 302 and approval.status == "applied" and approval.languages == ["da", "en"]
    answer = approval.answers.get()
    url = reverse("providers:answer", args=[answer.public_id])
    response = client.post(url, {"answer": "Police vedlagt",
                                 "document": SimpleUploadedFile("p.pdf", b"<html>not a pdf")})
    assert response.status_code == 200 and "PDF, JPEG or PNG" in response.context["form"].errors["document"][0]
    response = client.post(url, {"answer": "Police vedlagt", "document": SimpleUploadedFile("p.pdf", b"%PDF-1.4")})
    assert response.status_code == 302
    document = client.get(reverse("providers:document", args=[answer.public_id]))
    assert document.status_code == 200 and b"".join(document.streaming_content).startswith(b"%PDF")


def test_purchaser_assesses_and_decides(client, world, application):
    client.force_login(world.finance)
    page = client.get(reverse("providers:approval", args=[application.public_id]))
    assert page.status_code == 200 and "Not met yet: INS, STAFF" in page.content.decode()
    staff = application.answers.get(requirement__code="STAFF")
    url = reverse("providers:assess", args=[staff.public_id])
    response = client.post(url, {"outcome": "not_met"})
    assert response.context["form"].errors["note"]
    assert client.post(url, {"outcome": "met"}).status_code == 302
    response = client.post(reverse("providers:decide", args=[application.public_id]),
                           {"status": "approved", "valid_from": timezone.localdate().isoformat()})
    assert response.status_code == 200 and "INS" in response.context["form"].errors["status"][0]
    response = client.post(reverse("providers:decide", args=[application.public_id]),
                           {"status": "rejected", "reason": "Forsikring mangler"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "rejected"


def test_in_house_approval_page_lists_its_requirement_assessments(client, world):
    RequirementFactory(municipality=world.muni, code="INS", title="Ansvarsforsikring")
    approval = world.in_house.approvals.get(service=world.practical)
    approval_requirements_refresh(actor=world.finance, approval=approval)
    for user in (world.finance, world.in_house_admin):
        client.force_login(user)
        response = client.get(reverse("providers:approval", args=[approval.public_id]))
        assert response.status_code == 200
        assert [a.requirement.code for a in response.context["answers"]] == ["INS"]
        assert "Ansvarsforsikring" in response.content.decode()


def test_approval_and_documents_are_hidden_from_others(client, world, application):
    answer = application.answers.get(requirement__code="INS")
    for user, status in ((world.in_house_admin, 404), (world.other_finance, 404), (world.other_admin, 404)):
        client.force_login(user)
        assert client.get(reverse("providers:approval", args=[application.public_id])).status_code == status
        assert client.get(reverse("providers:document", args=[answer.public_id])).status_code == 404
        assert client.get(reverse("providers:answer", args=[answer.public_id])).status_code == 404
    client.force_login(world.assessor)  # sees approvals of the municipality, not the application's answers
    assert client.get(reverse("providers:approval", args=[application.public_id])).status_code == 403
    client.force_login(world.finance)
    assert client.get(reverse("providers:answer", args=[answer.public_id])).status_code == 403
    client.force_login(world.private_admin)
    assert client.get(reverse("providers:assess", args=[answer.public_id])).status_code == 403
    assert not RequirementAnswer.objects.filter(outcome="met").exists()


def test_provider_manages_capacity_and_gives_notice(client, world):
    approval = world.private.approvals.get(service=world.practical)
    client.force_login(world.private_admin)
    url = reverse("providers:approval_capacity", args=[approval.public_id])
    assert client.post(url, {"capacity": "abc"}).context["form"].errors["capacity"]
    assert client.post(url, {"capacity": "12"}).status_code == 302
    approval.refresh_from_db()
    assert (approval.capacity, approval.accepting_new_clients) == (12, False)
    url = reverse("providers:notice", args=[approval.public_id])
    assert client.post(url, {"reason": "", "notice_months": "3"}).context["form"].errors["reason"]
    assert client.post(url, {"reason": "Vi lukker", "notice_months": "2"}).status_code == 302
    assert ReChoice.objects.get().decision == world.decision
    client.force_login(world.in_house_admin)
    assert client.post(url, {"reason": "x", "notice_months": "2"}).status_code == 404
