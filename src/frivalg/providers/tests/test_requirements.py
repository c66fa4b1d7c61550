"""Approval on equal terms: published requirements, answers, assessment, decision, renewal."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from frivalg.core.models import AuditEvent
from frivalg.providers.models import ApprovalStatus, Requirement, RequirementAnswer
from frivalg.providers.selectors import answer_get, answers_for, requirements_published
from frivalg.providers.services import (
    approval_apply,
    approval_decide,
    approval_renew,
    approval_requirement_answer,
    approval_requirement_assess,
    approval_requirements_refresh,
    requirement_publish,
)
from frivalg.providers.tests.factories import RequirementFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%test\n"


def pdf(name="policy.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def reqs(world):
    insurance = RequirementFactory(municipality=world.muni, code="INS", kind="insurance", document_required=True)
    staff = RequirementFactory(municipality=world.muni, service=world.practical, code="STAFF", kind="staff",
                               title="Uddannet personale")
    RequirementFactory(municipality=world.muni, service=world.personal, code="NURSE", kind="staff")
    return insurance, staff


def apply_practical(world, provider, admin):
    existing = provider.approvals.get(service=world.practical)
    approval_decide(actor=world.finance, approval=existing, status="terminated", reason="Ny ansøgning",
                    valid_to=timezone.localdate())
    return approval_apply(actor=admin, provider=provider, service=world.practical, capacity=20,
                          districts=[world.north], languages=["da", "en"])


def test_publish_a_new_version_ends_the_old_one(world):
    first = requirement_publish(actor=world.finance, service=None, code="ins", title="Forsikring",
                                description="Ansvarsforsikring", kind="insurance", document_required=True,
                                valid_from=date(2026, 1, 1))
    second = requirement_publish(actor=world.finance, service=None, code="INS", title="Forsikring",
                                 description="Ansvarsforsikring på mindst 5 mio.", kind="insurance",
                                 document_required=True, valid_from=date(2026, 6, 1))
    first.refresh_from_db()
    assert (first.code, first.version, first.valid_to) == ("INS", 1, date(2026, 5, 31))
    assert second.version == 2
    assert list(requirements_published(municipality=world.muni, on=date(2026, 7, 1))) == [second]
    assert AuditEvent.objects.filter(action="requirement.publish").count() == 2


def test_publish_checks_fields_and_permission(world):
    with pytest.raises(ValidationError) as error:
        requirement_publish(actor=world.finance, service=world.other_service, code=" ", title="", description="",
                            kind="x", document_required=False, valid_from=date(2026, 1, 1))
    assert set(error.value.message_dict) == {"code", "title", "description", "kind", "service"}
    with pytest.raises(PermissionDenied):
        requirement_publish(actor=world.assessor, service=None, code="A", title="A", description="A",
                            kind="other", document_required=False, valid_from=date(2026, 1, 1))


def test_apply_answer_assess_approve(world, reqs):
    approval = apply_practical(world, world.private, world.private_admin)
    answers = {a.requirement.code: a for a in answers_for(actor=world.private_admin, approval=approval)}
    assert set(answers) == {"INS", "STAFF"}  # the general one and the service's own, not NURSE
    assert [d.code for d in approval.served_districts.all()] == ["N"] and approval.languages == ["da", "en"]
    with pytest.raises(ValidationError) as error:
        approval_requirement_answer(actor=world.private_admin, answer=answers["INS"], text="Vi er forsikret")
    assert "document" in error.value.message_dict
    approval_requirement_answer(actor=world.private_admin, answer=answers["INS"], text="Police", document=pdf())
    approval_requirement_answer(actor=world.private_admin, answer=answers["STAFF"], text="Alle er SOSU")
    approval_requirement_assess(actor=world.finance, answer=answers["INS"], outcome="met")
    approval_requirement_assess(actor=world.finance, answer=answers["STAFF"], outcome="needs_more",
                                note="Send eksamensbeviser")
    with pytest.raises(ValidationError) as error:
        approval_decide(actor=world.finance, approval=approval, status="approved", reason="",
                        valid_from=timezone.localdate())
    assert "STAFF" in error.value.message_dict["status"][0]
    approval_requirement_answer(actor=world.private_admin, answer=answers["STAFF"], text="Beviser vedlagt",
                                document=pdf("beviser.pdf"))
    approval_requirement_assess(actor=world.finance, answer=answers["STAFF"], outcome="met")
    approval = approval_decide(actor=world.finance, approval=approval, status="approved", reason="Alle krav opfyldt",
                               valid_from=timezone.localdate())
    assert approval.status == ApprovalStatus.APPROVED


def test_assessment_needs_a_note_unless_met_and_only_the_purchaser_assesses(world, reqs):
    approval = apply_practical(world, world.private, world.private_admin)
    answer = approval.answers.get(requirement__code="STAFF")
    with pytest.raises(ValidationError) as error:
        approval_requirement_assess(actor=world.finance, answer=answer, outcome="not_met")
    assert "note" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        approval_requirement_assess(actor=world.private_admin, answer=answer, outcome="met")
    with pytest.raises(PermissionDenied):
        approval_requirement_assess(actor=world.other_finance, answer=answer, outcome="met")
    with pytest.raises(ValidationError):
        approval_requirement_assess(actor=world.finance, answer=approval.answers.get(requirement__code="INS"),
                                    outcome="met")  # no document uploaded


def test_another_provider_cannot_answer(world, reqs):
    approval = apply_practical(world, world.private, world.private_admin)
    answer = approval.answers.first()
    with pytest.raises(PermissionDenied):
        approval_requirement_answer(actor=world.in_house_admin, answer=answer, text="x")


def test_in_house_provider_goes_through_the_same_requirements(world, reqs):
    approval = apply_practical(world, world.in_house, world.in_house_admin)
    assert {a.requirement.code for a in approval.answers.all()} == {"INS", "STAFF"}
    with pytest.raises(ValidationError):
        approval_decide(actor=world.finance, approval=approval, status="approved", reason="",
                        valid_from=timezone.localdate())


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.pdf", b"", "empty"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "PDF, JPEG or PNG"),
        ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "10 MB"),
    ],
)
def test_upload_is_checked_by_its_content(world, reqs, name, content, message):
    approval = apply_practical(world, world.private, world.private_admin)
    answer = approval.answers.get(requirement__code="INS")
    with translation.override("en"), pytest.raises(ValidationError) as error:
        approval_requirement_answer(actor=world.private_admin, answer=answer, text="x",
                                    document=SimpleUploadedFile(name, content))
    assert message in error.value.message_dict["document"][0]


def test_png_and_jpeg_are_accepted(world, reqs):
    approval = apply_practical(world, world.private, world.private_admin)
    answer = approval.answers.get(requirement__code="INS")
    saved = approval_requirement_answer(actor=world.private_admin, answer=answer, text="",
                                        document=SimpleUploadedFile("scan.txt", b"\x89PNG\r\n\x1a\nrest"))
    assert saved.document_content_type == "image/png" and saved.document.name.endswith(".png")
    saved = approval_requirement_answer(actor=world.private_admin, answer=answer, text="",
                                        document=SimpleUploadedFile("p.jpg", b"\xff\xd8\xff\xe0rest"))
    assert saved.document_content_type == "image/jpeg"


def test_documents_are_seen_only_by_the_provider_and_its_purchaser(world, reqs):
    approval = apply_practical(world, world.private, world.private_admin)
    answer = approval.answers.get(requirement__code="INS")
    approval_requirement_answer(actor=world.private_admin, answer=answer, text="", document=pdf())
    assert answer_get(actor=world.finance, public_id=answer.public_id) == answer
    assert answer_get(actor=world.private_admin, public_id=answer.public_id) == answer
    for outsider in (world.in_house_admin, world.other_finance, world.other_admin, world.assessor, world.citizen_user):
        assert not answers_for(actor=outsider, approval=approval).exists()
        with pytest.raises(RequirementAnswer.DoesNotExist):
            answer_get(actor=outsider, public_id=answer.public_id)


def test_renewal_reassesses_changed_requirements(world, reqs):

    approval = world.private.approvals.get(service=world.practical)
    # The world's approvals predate the requirements: they are renewed only once assessed.
    approval_requirements_refresh(actor=world.private_admin, approval=approval)
    for answer in approval.answers.all():
        approval_requirement_answer(actor=world.private_admin, answer=answer, text="ok", document=pdf())
        approval_requirement_assess(actor=world.finance, answer=answer, outcome="met")
    new_end = timezone.localdate() + timedelta(days=365)
    assert approval_renew(actor=world.finance, approval=approval, valid_to=new_end).valid_to == new_end
    requirement_publish(actor=world.finance, service=None, code="INS", title="Forsikring",
                        description="Højere dækning", kind="insurance", document_required=True,
                        valid_from=timezone.localdate())
    with pytest.raises(ValidationError) as error:
        approval_renew(actor=world.finance, approval=approval, valid_to=new_end + timedelta(days=365))
    assert "INS" in error.value.message_dict["status"][0]
    added = approval_requirements_refresh(actor=world.private_admin, approval=approval)
    assert [a.requirement.version for a in added] == [2]
    assert Requirement.objects.filter(code="INS").count() == 2
