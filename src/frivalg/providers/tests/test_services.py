from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation

from frivalg.catalogue.tests.factories import ServiceFactory
from frivalg.core.models import AuditEvent
from frivalg.core.tests.factories import UserFactory
from frivalg.providers.models import Approval, Provider, StaffMember
from frivalg.providers.services import (
    approval_apply,
    approval_capacity_set,
    approval_decide,
    provider_register,
    staff_member_add,
    staff_member_deactivate,
)
from frivalg.providers.tests.factories import ApprovalFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def audit(action):
    return AuditEvent.objects.filter(action=action)


# provider_register


def test_register_a_private_provider(world):
    provider = provider_register(
        actor=world.finance,
        name="  Hjem & Hjerte ApS ",
        kind="private",
        org_number="12345678",
        contact_email="post@hjem.dk",
        languages=["da", "ar"],
        districts=[world.north],
    )
    assert provider.name == "Hjem & Hjerte ApS"
    assert list(provider.districts.all()) == [world.north]
    event = audit("provider.register").get()
    assert event.municipality == world.muni
    assert event.object_id == str(provider.public_id)


def test_an_in_house_provider_belongs_to_the_actor_s_municipality(world):
    provider = provider_register(actor=world.finance, name="Egen", kind="in_house", org_number="999")
    assert provider.owner_municipality == world.muni


def test_the_system_registers_without_an_actor(world):
    provider = provider_register(actor=None, name="Demo", kind="non_profit", org_number="777")
    assert audit("provider.register").get().actor is None
    assert provider.kind == "non_profit"


@pytest.mark.parametrize("user", ["assessor", "private_admin", "citizen_user", "analyst"])
def test_register_needs_provider_manage(world, user):
    with pytest.raises(PermissionDenied):
        provider_register(actor=getattr(world, user), name="X", kind="private", org_number="1")
    assert not Provider.objects.filter(org_number="1").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"kind": "cooperative"}, "kind"),
        ({"org_number": ""}, "org_number"),
        ({"contact_email": "not-an-address"}, "contact_email"),
        ({"kind": "private", "owner_municipality": "muni"}, "owner_municipality"),
        ({"kind": "in_house", "owner_municipality": "other_muni"}, "owner_municipality"),
        ({"districts": ["other_district"]}, "districts"),
        ({"bank_account": "DE88370400440532013000"}, "bank_account"),
    ],
)
def test_register_rejects_bad_input_on_the_field(world, changes, field):
    arguments = {"actor": world.finance, "name": "X", "kind": "private", "org_number": "55"} | changes
    if "owner_municipality" in changes:
        arguments["owner_municipality"] = getattr(world, changes["owner_municipality"])
    if "districts" in changes:
        arguments["districts"] = [getattr(world, name) for name in changes["districts"]]
    with pytest.raises(ValidationError) as error:
        provider_register(**arguments)
    assert field in error.value.message_dict
    assert not audit("provider.register").exists()


def test_register_stores_the_invoicing_details_and_checks_an_iban(world):
    provider = provider_register(
        actor=world.finance, name="Hjem ApS", kind="private", org_number="12345678", street=" Vestergade 1 ",
        postcode="8000", city="Aarhus C", vat_number="dk 12345678", bank_account="de89 3704 0044 0532 0130 00",
        peppol_endpoint_id="5790000000001", peppol_scheme="0088")
    assert (provider.street, provider.postcode, provider.city) == ("Vestergade 1", "8000", "Aarhus C")
    assert provider.vat_number == "DK12345678"
    assert provider.bank_account == "DE89370400440532013000"
    assert (provider.peppol_endpoint_id, provider.peppol_scheme) == ("5790000000001", "0088")
    national = provider_register(actor=world.finance, name="Konto ApS", kind="private", org_number="87654321",
                                 bank_account=" 1234 5678901234 ")
    assert national.bank_account == "1234 5678901234"  # a national account number is not an IBAN
    with pytest.raises(ValidationError) as error, translation.override("en"):
        provider_register(actor=world.finance, name="Fejl ApS", kind="private", org_number="11223344",
                          bank_account="GB81WEST12345698765432")
    assert error.value.message_dict["bank_account"] == [
        "This is not a valid IBAN: check the country code, the check digits and the account number."]


def test_register_refuses_a_taken_organisation_number(world):
    with pytest.raises(ValidationError) as error:
        provider_register(actor=world.finance, name="Copy", kind="private", org_number=world.private.org_number)
    assert "org_number" in error.value.message_dict


# approval_apply


def test_a_provider_admin_applies_for_its_own_provider(world):
    service = ServiceFactory(municipality=world.muni, code="NEW")
    approval = approval_apply(actor=world.private_admin, provider=world.private, service=service, capacity=20)
    assert approval.status == "applied"
    assert approval.municipality == world.muni
    assert approval.valid_from is None
    event = audit("approval.apply").get()
    assert event.actor == world.private_admin
    assert event.municipality == world.muni


def test_a_manager_may_register_an_application_for_a_provider(world):
    service = ServiceFactory(municipality=world.muni, code="NEW")
    approval = approval_apply(actor=world.finance, provider=world.other_provider, service=service)
    assert approval.status == "applied"


@pytest.mark.parametrize("user", ["other_admin", "private_caregiver_user", "other_finance", "assessor", "citizen_user"])
def test_others_may_not_apply_for_a_provider(world, user):
    service = ServiceFactory(municipality=world.muni, code="NEW")
    with pytest.raises(PermissionDenied):
        approval_apply(actor=getattr(world, user), provider=world.private, service=service)
    assert not Approval.objects.filter(service=service).exists()


def test_apply_refuses_a_second_application_and_an_inactive_service(world):
    with pytest.raises(ValidationError) as error:
        approval_apply(actor=world.private_admin, provider=world.private, service=world.practical)
    assert "service" in error.value.message_dict
    retired = ServiceFactory(municipality=world.muni, code="OLD", active=False)
    with pytest.raises(ValidationError) as error:
        approval_apply(actor=world.private_admin, provider=world.private, service=retired)
    assert "service" in error.value.message_dict
    service = ServiceFactory(municipality=world.muni, code="NEW")
    with pytest.raises(ValidationError) as error:
        approval_apply(actor=world.private_admin, provider=world.private, service=service, capacity=0)
    assert "capacity" in error.value.message_dict


def test_a_rejected_provider_applies_again(world):
    service = ServiceFactory(municipality=world.muni, code="NEW")
    approval = approval_apply(actor=world.private_admin, provider=world.private, service=service)
    approval_decide(actor=world.finance, approval=approval, status="rejected", reason="Mangler dokumentation")
    again = approval_apply(actor=world.private_admin, provider=world.private, service=service, capacity=5)
    assert again.pk == approval.pk
    assert again.status == "applied"
    assert again.reason == ""
    assert again.decided_by is None
    assert audit("approval.apply").first().payload["reopened"] is True


# approval_decide


def applied(world):
    service = ServiceFactory(municipality=world.muni, code="NEW")
    return ApprovalFactory(provider=world.private, service=service, status="applied", valid_from=None)


def test_approve_an_application(world):
    approval = approval_decide(
        actor=world.finance, approval=applied(world), status="approved", reason="", valid_from=date(2027, 1, 1)
    )
    assert approval.status == "approved"
    assert approval.valid_from == date(2027, 1, 1)
    assert approval.decided_by == world.finance
    assert approval.decided_at is not None
    event = audit("approval.decide").get()
    assert event.payload["from"] == "applied"
    assert event.payload["to"] == "approved"


def test_suspend_reinstate_and_terminate(world):
    approval = Approval.objects.get(provider=world.private, service=world.practical)
    approval = approval_decide(actor=world.finance, approval=approval, status="suspended", reason="Tilsyn")
    assert approval.status == "suspended"
    approval = approval_decide(actor=world.finance, approval=approval, status="approved", reason="")
    assert approval.valid_from == date(2020, 1, 1)
    approval = approval_decide(
        actor=world.finance, approval=approval, status="terminated", reason="Ophør", valid_to=date(2027, 3, 31)
    )
    assert approval.status == "terminated"
    assert approval.valid_to == date(2027, 3, 31)
    assert audit("approval.decide").count() == 3


def test_terminating_without_a_date_ends_today(world):
    from django.utils import timezone

    approval = Approval.objects.get(provider=world.private, service=world.practical)
    approval = approval_decide(actor=world.finance, approval=approval, status="terminated", reason="Ophør")
    assert approval.valid_to == timezone.localdate()


@pytest.mark.parametrize(
    ("start", "new"),
    [
        ("applied", "suspended"),
        ("applied", "terminated"),
        ("approved", "applied"),
        ("approved", "rejected"),
        ("rejected", "approved"),
        ("terminated", "approved"),
        ("suspended", "rejected"),
        ("approved", "approved"),
    ],
)
def test_illegal_transitions_are_refused_on_status(world, start, new):
    approval = Approval.objects.get(provider=world.private, service=world.practical)
    Approval.objects.filter(pk=approval.pk).update(status=start)
    approval.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        approval_decide(actor=world.finance, approval=approval, status=new, reason="Grund", valid_from=date(2027, 1, 1))
    assert "status" in error.value.message_dict
    approval.refresh_from_db()
    assert approval.status == start
    assert not audit("approval.decide").exists()


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"status": "approved", "reason": ""}, "valid_from"),
        ({"status": "rejected", "reason": "  "}, "reason"),
        (
            {"status": "approved", "reason": "", "valid_from": date(2027, 2, 1), "valid_to": date(2027, 1, 1)},
            "valid_to",
        ),
        ({"status": "granted", "reason": ""}, "status"),
    ],
)
def test_decide_rejects_bad_input_on_the_field(world, arguments, field):
    with pytest.raises(ValidationError) as error:
        approval_decide(actor=world.finance, approval=applied(world), **arguments)
    assert field in error.value.message_dict


@pytest.mark.parametrize("user", ["other_finance", "private_admin", "assessor", "analyst"])
def test_decide_needs_a_manager_of_the_municipality(world, user):
    with pytest.raises(PermissionDenied):
        approval_decide(
            actor=getattr(world, user),
            approval=applied(world),
            status="approved",
            reason="",
            valid_from=date(2027, 1, 1),
        )


def test_the_audit_row_is_part_of_the_same_transaction(world):
    approval = applied(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        approval_decide(
            actor=world.finance, approval=approval, status="approved", reason="", valid_from=date(2027, 1, 1)
        )
        assert audit("approval.decide").exists()
        raise RuntimeError("roll back")
    approval.refresh_from_db()
    assert approval.status == "applied"
    assert not audit("approval.decide").exists()


def test_capacity_is_set_by_the_provider_s_admins(world):
    approval = Approval.objects.get(provider=world.private, service=world.practical)
    approval = approval_capacity_set(
        actor=world.private_admin, approval=approval, capacity=12, accepting_new_clients=False
    )
    assert (approval.capacity, approval.accepting_new_clients) == (12, False)
    assert audit("approval.capacity").exists()
    with pytest.raises(PermissionDenied):
        approval_capacity_set(actor=world.other_admin, approval=approval, capacity=1, accepting_new_clients=True)
    with pytest.raises(ValidationError) as error:
        approval_capacity_set(actor=world.private_admin, approval=approval, capacity=0, accepting_new_clients=True)
    assert "capacity" in error.value.message_dict


# staff_member_add


def test_a_provider_admin_adds_a_caregiver(world):
    user = UserFactory(role="caregiver")
    member = staff_member_add(
        actor=world.private_admin, provider=world.private, user=user, pseudonym=" HJ02 ", role="caregiver"
    )
    assert member.pseudonym == "HJ02"
    assert member.active
    assert audit("staff_member.add").get().payload["pseudonym"] == "HJ02"


def test_a_manager_adds_the_first_admin_of_a_provider_in_its_municipality(world):
    provider = ProviderFactory()
    ApprovalFactory(provider=provider, service=world.practical, status="applied", valid_from=None)
    user = UserFactory(role="provider_admin")
    member = staff_member_add(actor=world.finance, provider=provider, user=user, pseudonym="BOSS", role="admin")
    assert member.role == "admin"
    assert audit("staff_member.add").get().municipality == world.muni


@pytest.mark.parametrize("user", ["other_admin", "private_caregiver_user", "other_finance", "in_house_admin"])
def test_others_may_not_add_people_to_a_provider(world, user):
    with pytest.raises(PermissionDenied):
        staff_member_add(
            actor=getattr(world, user),
            provider=world.private,
            user=UserFactory(role="caregiver"),
            pseudonym="X1",
            role="caregiver",
        )


def test_staff_member_add_rejects_bad_input_on_the_field(world):
    def add(**changes):
        arguments = {
            "actor": world.private_admin,
            "provider": world.private,
            "user": None,
            "pseudonym": "NEW",
            "role": "caregiver",
        } | changes
        with pytest.raises(ValidationError) as error:
            staff_member_add(**arguments)
        return error.value.message_dict

    assert "pseudonym" in add(pseudonym="HJ01")
    assert "pseudonym" in add(pseudonym=" ")
    assert "role" in add(role="boss")
    assert "user" in add(role="admin")
    assert "user" in add(user=world.assessor)
    assert "user" in add(user=world.private_caregiver_user)
    assert "role" in add(user=UserFactory(role="caregiver"), role="admin")


def test_a_caregiver_without_a_login_can_be_added_and_people_can_leave(world):
    member = staff_member_add(
        actor=world.private_admin, provider=world.private, user=None, pseudonym="VIK1", role="caregiver"
    )
    assert member.user is None
    member = staff_member_deactivate(actor=world.private_admin, member=world.private_caregiver)
    assert not member.active
    assert not StaffMember.objects.get(pk=world.private_caregiver.pk).active
    with pytest.raises(PermissionDenied):
        staff_member_deactivate(actor=world.other_admin, member=world.in_house_caregiver)
