"""Writes for providers: registration, approval per service (the approval model), and their people.
Each service checks access, runs in one transaction and writes its audit row in it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.catalogue.models import ProviderKind, Service
from frivalg.core import roles
from frivalg.core.models import District, Municipality, User
from frivalg.core.selectors import has_permission, is_municipal_staff, require, roles_of
from frivalg.core.services import audit_record
from frivalg.providers import rules
from frivalg.providers.models import Approval, ApprovalStatus, Provider, StaffMember, StaffRole
from frivalg.providers.selectors import is_provider_admin

#: The login role a staff member's user must hold for each role at the provider.
_LOGIN_ROLE_FOR_STAFF_ROLE = {
    StaffRole.ADMIN: roles.PROVIDER_ADMIN.name,
    StaffRole.CAREGIVER: roles.CAREGIVER.name,
}


def _require_manager_of(actor: User, municipality_id: int) -> None:
    """The actor manages providers for this municipality."""
    require(actor, roles.PROVIDER_MANAGE)
    if actor.municipality_id != municipality_id:
        raise PermissionDenied(_("This belongs to another municipality."))


def _is_manager_of(actor: User, municipality_id: int) -> bool:
    return (
        is_municipal_staff(actor)
        and actor.municipality_id == municipality_id
        and has_permission(actor, roles.PROVIDER_MANAGE)
    )


@transaction.atomic
def provider_register(
    *,
    actor: User | None,
    name: str,
    kind: str,
    org_number: str,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    languages: Iterable[str] = (),
    description: str = "",
    owner_municipality: Municipality | None = None,
    districts: Iterable[District] = (),
    street: str = "",
    postcode: str = "",
    city: str = "",
    vat_number: str = "",
    bank_account: str = "",
    peppol_endpoint_id: str = "",
    peppol_scheme: str = "",
) -> Provider:
    """Register a provider. A manager registers for their municipality (an in-house provider
    belongs to it); `actor` None is the system (set-up and demo). The address, VAT number, bank
    account and Peppol address are what its settlement e-invoices state (docs/einvoicing.md)."""
    if actor is not None:
        require(actor, roles.PROVIDER_MANAGE)
        if not is_municipal_staff(actor):
            raise PermissionDenied(_("Only the municipality's staff can register providers."))
    district_list = list(districts)
    name = name.strip()
    org_number = org_number.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Enter the provider's name.")
    if kind not in ProviderKind.values:
        errors["kind"] = _("Unknown provider kind.")
    if not org_number:
        errors["org_number"] = _("Enter the organisation number.")
    elif Provider.objects.filter(org_number=org_number).exists():
        errors["org_number"] = _("A provider with this organisation number is already registered.")
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError:
            errors["contact_email"] = _("Enter a valid e-mail address.")
    bank_account = rules.bank_account_normalised(bank_account)
    if rules.account_is_iban(bank_account) and not rules.iban_valid(bank_account):
        errors["bank_account"] = _("This is not a valid IBAN: check the country code, the check digits and the "
                                   "account number.")
    if kind == ProviderKind.IN_HOUSE and owner_municipality is None and actor is not None:
        owner_municipality = actor.municipality
    if kind == ProviderKind.IN_HOUSE and owner_municipality is None:
        errors["owner_municipality"] = _("An in-house provider belongs to a municipality.")
    if kind != ProviderKind.IN_HOUSE and owner_municipality is not None:
        errors["owner_municipality"] = _("Only an in-house provider belongs to a municipality.")
    if actor is not None and owner_municipality is not None and owner_municipality.pk != actor.municipality_id:
        errors["owner_municipality"] = _("You can only register the in-house provider of your own municipality.")
    if actor is not None and any(d.municipality_id != actor.municipality_id for d in district_list):
        errors["districts"] = _("Choose districts of your own municipality.")
    if errors:
        raise ValidationError(errors)
    provider = Provider.objects.create(
        name=name,
        kind=kind,
        org_number=org_number,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        languages=list(languages),
        description=description,
        owner_municipality=owner_municipality,
        street=street.strip(),
        postcode=postcode.strip(),
        city=city.strip(),
        vat_number="".join(vat_number.split()).upper(),
        bank_account=bank_account,
        peppol_endpoint_id=peppol_endpoint_id.strip(),
        peppol_scheme=peppol_scheme.strip(),
    )
    if district_list:
        provider.districts.add(*district_list)
    audit_municipality = owner_municipality.pk if owner_municipality is not None else None
    if actor is not None:
        audit_municipality = actor.municipality_id
    audit_record(
        actor=actor,
        municipality_id=audit_municipality,
        action="provider.register",
        obj=provider,
        payload={"name": name, "kind": kind, "org_number": org_number},
    )
    return provider


@transaction.atomic
def approval_apply(
    *, actor: User | None, provider: Provider, service: Service, capacity: int | None = None
) -> Approval:
    """Apply for approval to deliver `service` in its municipality. The provider's own admins
    apply; a manager of that municipality may register an application on the provider's behalf.
    A rejected or terminated approval is reopened as a new application."""
    if actor is not None and not (
        is_provider_admin(actor, provider.pk) or _is_manager_of(actor, service.municipality_id)
    ):
        raise PermissionDenied(_("Only the provider's administrators can apply for its approval."))
    if not service.active:
        raise ValidationError({"service": _("This service is not offered any more.")})
    if capacity is not None and capacity < 1:
        raise ValidationError({"capacity": _("The capacity must be at least one client.")})
    approval = Approval.objects.select_for_update().filter(provider=provider, service=service).first()
    reopened = approval is not None
    if approval is not None and approval.status not in rules.REAPPLICABLE:
        raise ValidationError({"service": _("The provider has already applied for or holds this approval.")})
    if approval is None:
        approval = Approval(provider=provider, service=service, municipality_id=service.municipality_id)
    approval.status = ApprovalStatus.APPLIED
    approval.capacity = capacity
    approval.accepting_new_clients = True
    approval.valid_from = None
    approval.valid_to = None
    approval.decided_by = None
    approval.decided_at = None
    approval.reason = ""
    approval.save()
    audit_record(
        actor=actor,
        municipality_id=service.municipality_id,
        action="approval.apply",
        obj=approval,
        payload={
            "provider": str(provider.public_id),
            "service": service.code,
            "capacity": capacity,
            "reopened": reopened,
        },
    )
    return approval


@transaction.atomic
def approval_decide(
    *,
    actor: User,
    approval: Approval,
    status: str,
    reason: str,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> Approval:
    """Move an approval along its life (providers.rules): approve or reject an application,
    suspend, reinstate or terminate an approval. Adverse decisions must give a reason."""
    _require_manager_of(actor, approval.municipality_id)
    approval = Approval.objects.select_for_update().get(pk=approval.pk)
    previous = approval.status
    reason = reason.strip()
    if status not in ApprovalStatus.values:
        raise ValidationError({"status": _("Unknown approval status.")})
    if not rules.approval_transition_allowed(previous, status):
        raise ValidationError(
            {
                "status": _("An approval cannot go from %(current)s to %(new)s.")
                % {"current": ApprovalStatus(previous).label, "new": ApprovalStatus(status).label}
            }
        )
    if status in rules.NEEDS_REASON and not reason:
        raise ValidationError({"reason": _("Give the reason for this decision.")})
    start = valid_from or approval.valid_from
    end = valid_to or approval.valid_to
    if status == ApprovalStatus.APPROVED and start is None:
        raise ValidationError({"valid_from": _("Enter the date the approval takes effect.")})
    if status == ApprovalStatus.TERMINATED and valid_to is None:
        end = max(timezone.localdate(), start) if start is not None else timezone.localdate()
    if start is not None and end is not None and end < start:
        raise ValidationError({"valid_to": _("The end date must be on or after the start date.")})
    approval.status = status
    approval.reason = reason
    approval.valid_from = start
    approval.valid_to = end
    approval.decided_by = actor
    approval.decided_at = timezone.now()
    approval.save()
    audit_record(
        actor=actor,
        municipality_id=approval.municipality_id,
        action="approval.decide",
        obj=approval,
        payload={
            "from": previous,
            "to": status,
            "reason": reason,
            "valid_from": start.isoformat() if start else None,
            "valid_to": end.isoformat() if end else None,
        },
    )
    return approval


@transaction.atomic
def approval_capacity_set(
    *, actor: User, approval: Approval, capacity: int | None, accepting_new_clients: bool
) -> Approval:
    """A provider's admins state how many clients they take and whether they take new ones."""
    if not (is_provider_admin(actor, approval.provider_id) or _is_manager_of(actor, approval.municipality_id)):
        raise PermissionDenied(_("Only the provider's administrators can change its capacity."))
    if capacity is not None and capacity < 1:
        raise ValidationError({"capacity": _("The capacity must be at least one client.")})
    Approval.objects.filter(pk=approval.pk).update(
        capacity=capacity, accepting_new_clients=accepting_new_clients, updated_at=timezone.now()
    )
    approval.refresh_from_db()
    audit_record(
        actor=actor,
        municipality_id=approval.municipality_id,
        action="approval.capacity",
        obj=approval,
        payload={"capacity": capacity, "accepting_new_clients": accepting_new_clients},
    )
    return approval


def _may_manage_staff(actor: User, provider: Provider) -> bool:
    """The provider's own admins; or, to set up its first people, a manager of a municipality
    that owns the provider or where it holds or has applied for an approval."""
    if is_provider_admin(actor, provider.pk):
        return True
    if not (is_municipal_staff(actor) and has_permission(actor, roles.PROVIDER_MANAGE)):
        return False
    if provider.owner_municipality_id == actor.municipality_id:
        return True
    return provider.approvals.filter(municipality=actor.municipality).exists()


@transaction.atomic
def staff_member_add(
    *, actor: User | None, provider: Provider, user: User | None, pseudonym: str, role: str
) -> StaffMember:
    """Add a person to a provider. Citizens and the municipality see only the pseudonym. A user
    must hold the login role that matches (provider_admin for admins, caregiver for caregivers)
    and may not be on a municipality's staff; `user` None is a caregiver without a login."""
    if actor is not None and not _may_manage_staff(actor, provider):
        raise PermissionDenied(_("Only the provider's administrators can add its people."))
    pseudonym = pseudonym.strip()
    errors: dict[str, str] = {}
    if role not in StaffRole.values:
        errors["role"] = _("Unknown staff role.")
    if not pseudonym:
        errors["pseudonym"] = _("Enter a pseudonym.")
    elif StaffMember.objects.filter(provider=provider, pseudonym=pseudonym).exists():
        errors["pseudonym"] = _("This pseudonym is in use at the provider.")
    if user is None and role == StaffRole.ADMIN:
        errors["user"] = _("An administrator needs a login.")
    if user is not None:
        if user.municipality_id is not None:
            errors["user"] = _("A member of a municipality's staff cannot work for a provider.")
        elif StaffMember.objects.filter(provider=provider, user=user).exists():
            errors["user"] = _("This person already works for the provider.")
        elif role in StaffRole.values and _LOGIN_ROLE_FOR_STAFF_ROLE[StaffRole(role)] not in roles_of(user):
            errors["role"] = _("The login does not have the role %(role)s.") % {
                "role": roles.ROLES_BY_NAME[_LOGIN_ROLE_FOR_STAFF_ROLE[StaffRole(role)]].label
            }
    if errors:
        raise ValidationError(errors)
    member = StaffMember.objects.create(provider=provider, user=user, pseudonym=pseudonym, role=role)
    audit_record(
        actor=actor,
        municipality_id=actor.municipality_id if actor is not None else None,
        action="staff_member.add",
        obj=member,
        payload={"provider": str(provider.public_id), "pseudonym": pseudonym, "role": role},
    )
    return member


@transaction.atomic
def staff_member_deactivate(*, actor: User, member: StaffMember) -> StaffMember:
    """A person leaves the provider: the row stays (visits point at it), the access goes."""
    if not is_provider_admin(actor, member.provider_id):
        raise PermissionDenied(_("Only the provider's administrators can change its people."))
    StaffMember.objects.filter(pk=member.pk).update(active=False, updated_at=timezone.now())
    member.refresh_from_db()
    audit_record(
        actor=actor,
        municipality_id=None,
        action="staff_member.deactivate",
        obj=member,
        payload={"provider": str(member.provider.public_id), "pseudonym": member.pseudonym},
    )
    return member
