"""Writes for providers: registration, approval per service (the approval model), and their people.
Each service checks access, runs in one transaction and writes its audit row in it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frivalg.assessments.models import Decision
from frivalg.catalogue.models import ProviderKind, Service
from frivalg.choices.models import Choice
from frivalg.choices.selectors import default_rule_setting_of, open_choice
from frivalg.choices.services import choice_assign_default
from frivalg.core import roles
from frivalg.core.models import District, Municipality, User
from frivalg.core.selectors import has_permission, is_municipal_staff, require, roles_of
from frivalg.core.services import audit_record
from frivalg.providers import rules
from frivalg.providers.models import (
    Approval,
    ApprovalStatus,
    Provider,
    ReChoice,
    ReChoiceStatus,
    Requirement,
    RequirementAnswer,
    RequirementKind,
    RequirementOutcome,
    StaffMember,
    StaffRole,
)
from frivalg.providers.selectors import approval_verdict_of, is_provider_admin, requirements_for_service

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


def _require_requirements_met(approval: Approval, on: date, message: str) -> None:
    """Approval and renewal alike: every requirement in force on `on` met (rules.approval_verdict)."""
    verdict = approval_verdict_of(approval, on)
    if not verdict.may_approve:
        raise ValidationError({"status": message % {"codes": ", ".join(verdict.unmet)}})


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
    *,
    actor: User | None,
    provider: Provider,
    service: Service,
    capacity: int | None = None,
    districts: Iterable[District] = (),
    languages: Iterable[str] = (),
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
    approval.notice_given_on = None
    approval.languages = [code.strip() for code in languages if code.strip()]
    district_list = list(districts)
    if any(d.municipality_id != service.municipality_id for d in district_list):
        raise ValidationError({"districts": _("Choose districts of the service's municipality.")})
    approval.save()
    approval.served_districts.set(district_list)
    if reopened:
        RequirementAnswer.objects.filter(approval=approval).delete()
    _answers_ensure(approval)
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
    if status == ApprovalStatus.APPROVED:
        _require_requirements_met(approval, start or timezone.localdate(), _(
            "Every requirement must be met before approval. Not met: %(codes)s."))
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
    if status == ApprovalStatus.SUSPENDED:
        approval_end_clients(actor=actor, approval=approval, end_date=timezone.localdate())
    if status == ApprovalStatus.TERMINATED:
        approval_end_clients(actor=actor, approval=approval, end_date=end or timezone.localdate())
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


# --- requirements: published, answered, assessed ----------------------------------------------


@transaction.atomic
def requirement_publish(
    *,
    actor: User,
    service: Service | None,
    code: str,
    title: str,
    description: str,
    kind: str,
    document_required: bool,
    valid_from: date,
) -> Requirement:
    """Publish a requirement, or a new version of one: the version in force ends the day before.
    It applies to every provider alike — nothing exempts the in-house provider."""
    require(actor, roles.PROVIDER_MANAGE)
    municipality_id = actor.municipality_id
    if municipality_id is None:
        raise PermissionDenied(_("Only the municipality's staff can publish requirements."))
    code = code.strip().upper()
    title = title.strip()
    description = description.strip()
    errors: dict[str, str] = {}
    if not code:
        errors["code"] = _("Enter a short code for the requirement.")
    if not title:
        errors["title"] = _("Enter the requirement's title.")
    if not description:
        errors["description"] = _("Describe in plain language what the provider must show.")
    if kind not in RequirementKind.values:
        errors["kind"] = _("Choose the kind of requirement.")
    if service is not None and service.municipality_id != municipality_id:
        errors["service"] = _("Choose a service of your own municipality.")
    previous = (
        Requirement.objects.select_for_update()
        .filter(municipality_id=municipality_id, code=code)
        .order_by("-version")
        .first()
    )
    if previous is not None and valid_from <= previous.valid_from:
        errors["valid_from"] = _("A new version must start after the current one (%(date)s).") % {
            "date": previous.valid_from.isoformat()
        }
    if errors:
        raise ValidationError(errors)
    if previous is not None and (previous.valid_to is None or previous.valid_to >= valid_from):
        Requirement.objects.filter(pk=previous.pk).update(
            valid_to=valid_from - timedelta(days=1), updated_at=timezone.now()
        )
    requirement = Requirement.objects.create(
        municipality_id=municipality_id,
        service=service,
        code=code,
        version=previous.version + 1 if previous is not None else 1,
        title=title,
        description=description,
        kind=kind,
        document_required=document_required,
        valid_from=valid_from,
    )
    audit_record(
        actor=actor,
        municipality_id=municipality_id,
        action="requirement.publish",
        obj=requirement,
        payload={"code": code, "version": requirement.version, "valid_from": valid_from.isoformat(),
                 "service": service.code if service is not None else None},
    )
    return requirement


def _answers_ensure(approval: Approval) -> list[RequirementAnswer]:
    """An answer row (not assessed yet) for every requirement in force today that has none."""
    answered = set(RequirementAnswer.objects.filter(approval=approval).values_list("requirement_id", flat=True))
    created = [
        RequirementAnswer(approval=approval, requirement=requirement)
        for requirement in requirements_for_service(service=approval.service, on=timezone.localdate())
        if requirement.pk not in answered
    ]
    return RequirementAnswer.objects.bulk_create(created)


@transaction.atomic
def approval_requirements_refresh(*, actor: User, approval: Approval) -> list[RequirementAnswer]:
    """Before a renewal: add the requirements published or changed since the application, to be
    answered and assessed again. Returns the new answer rows."""
    if not (is_provider_admin(actor, approval.provider_id) or _is_manager_of(actor, approval.municipality_id)):
        raise PermissionDenied(_("Only the provider's administrators or the purchaser can do this."))
    created = _answers_ensure(approval)
    audit_record(
        actor=actor,
        municipality_id=approval.municipality_id,
        action="approval.requirements_refresh",
        obj=approval,
        payload={"added": [answer.requirement.code for answer in created]},
    )
    return created


def _document_read(document: UploadedFile) -> tuple[str, str]:
    """(content type, file name) of an acceptable document; a field error otherwise."""
    size = document.size or 0
    document.seek(0)
    head = document.read(16)
    document.seek(0)
    problem = rules.document_problem(head, size)
    if problem == "empty":
        raise ValidationError({"document": _("The file is empty.")})
    if problem == "too_big":
        raise ValidationError({"document": _("The file is larger than 10 MB.")})
    if problem == "wrong_type":
        raise ValidationError({"document": _("Upload a PDF, JPEG or PNG file.")})
    content_type = rules.sniff_content_type(head)
    assert content_type is not None
    return content_type, (document.name or "document")[-200:]


@transaction.atomic
def approval_requirement_answer(
    *, actor: User, answer: RequirementAnswer, text: str, document: UploadedFile | None = None
) -> RequirementAnswer:
    """The provider answers one requirement, with a document where one is asked for. An answer
    already assessed as met is final; one sent back for more information goes back to the queue."""
    approval = answer.approval
    if not is_provider_admin(actor, approval.provider_id):
        raise PermissionDenied(_("Only the provider's administrators can answer its application."))
    answer = RequirementAnswer.objects.select_for_update().select_related("requirement").get(pk=answer.pk)
    if answer.outcome == RequirementOutcome.MET:
        raise ValidationError({"answer": _("This requirement has been assessed as met already.")})
    text = text.strip()
    if not text and document is None:
        raise ValidationError({"answer": _("Answer the requirement or upload a document.")})
    if document is not None:
        content_type, name = _document_read(document)
        answer.document_content_type = content_type
        answer.document_name = name
        answer.document.save(name, document, save=False)
    elif answer.requirement.document_required and not answer.document:
        raise ValidationError({"document": _("This requirement asks for a document.")})
    answer.answer = text
    answer.outcome = RequirementOutcome.PENDING
    answer.save()
    audit_record(
        actor=actor,
        municipality_id=approval.municipality_id,
        action="approval.requirement_answer",
        obj=answer,
        payload={"requirement": answer.requirement.code, "document": answer.document_name},
    )
    return answer


@transaction.atomic
def approval_requirement_assess(
    *, actor: User, answer: RequirementAnswer, outcome: str, note: str = ""
) -> RequirementAnswer:
    """The purchaser assesses one requirement: met, not met or needs more (with a note)."""
    _require_manager_of(actor, answer.approval.municipality_id)
    note = note.strip()
    if outcome not in (RequirementOutcome.MET, RequirementOutcome.NOT_MET, RequirementOutcome.NEEDS_MORE):
        raise ValidationError({"outcome": _("Choose met, not met or needs more information.")})
    if outcome != RequirementOutcome.MET and not note:
        raise ValidationError({"note": _("Say what is missing or why the requirement is not met.")})
    answer = RequirementAnswer.objects.select_for_update().select_related("requirement").get(pk=answer.pk)
    if outcome == RequirementOutcome.MET and answer.requirement.document_required and not answer.document:
        raise ValidationError({"outcome": _("This requirement asks for a document, and none was uploaded.")})
    answer.outcome = outcome
    answer.note = note
    answer.assessed_by = actor
    answer.assessed_at = timezone.now()
    answer.save()
    audit_record(
        actor=actor,
        municipality_id=answer.approval.municipality_id,
        action="approval.requirement_assess",
        obj=answer,
        payload={"requirement": answer.requirement.code, "outcome": outcome, "note": note},
    )
    return answer


@transaction.atomic
def approval_renew(*, actor: User, approval: Approval, valid_to: date | None) -> Approval:
    """A new validity period for an approved provider, once every requirement in force (changed
    ones re-assessed) is met."""
    _require_manager_of(actor, approval.municipality_id)
    approval = Approval.objects.select_for_update().get(pk=approval.pk)
    today = timezone.localdate()
    if approval.status != ApprovalStatus.APPROVED:
        raise ValidationError({"status": _("Only an approved provider can be renewed.")})
    if approval.notice_given_on is not None:
        raise ValidationError({"status": _("The provider has given notice.")})
    if valid_to is not None and valid_to < today:
        raise ValidationError({"valid_to": _("The new period must end today or later.")})
    _require_requirements_met(approval, today, _(
        "Every requirement must be met before renewal. Not met: %(codes)s."))
    previous_end = approval.valid_to
    approval.valid_to = valid_to
    approval.decided_by = actor
    approval.decided_at = timezone.now()
    approval.save()
    audit_record(
        actor=actor,
        municipality_id=approval.municipality_id,
        action="approval.renew",
        obj=approval,
        payload={"previous_valid_to": previous_end.isoformat() if previous_end else None,
                 "valid_to": valid_to.isoformat() if valid_to else None},
    )
    return approval


@transaction.atomic
def approval_notice_give(
    *, actor: User, approval: Approval, reason: str, notice_months: int = rules.DEFAULT_NOTICE_MONTHS
) -> Approval:
    """The provider leaves: it takes no new clients at once and ends after the notice period; its
    clients must choose again before then (approval_end_clients)."""
    if not (is_provider_admin(actor, approval.provider_id) or _is_manager_of(actor, approval.municipality_id)):
        raise PermissionDenied(_("Only the provider's administrators can give notice."))
    approval = Approval.objects.select_for_update().get(pk=approval.pk)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for leaving.")})
    if notice_months < 0:
        raise ValidationError({"notice_months": _("The notice period cannot be negative.")})
    if approval.status != ApprovalStatus.APPROVED:
        raise ValidationError({"status": _("Only an approved provider can give notice.")})
    if approval.notice_given_on is not None:
        raise ValidationError({"status": _("Notice has been given already.")})
    today = timezone.localdate()
    end = rules.notice_end(today, notice_months)
    if approval.valid_to is not None and approval.valid_to < end:
        end = max(approval.valid_to, today)
    approval.notice_given_on = today
    approval.valid_to = end
    approval.accepting_new_clients = False
    approval.reason = reason
    approval.save()
    audit_record(
        actor=actor,
        municipality_id=approval.municipality_id,
        action="approval.notice",
        obj=approval,
        payload={"reason": reason, "notice_months": notice_months, "valid_to": end.isoformat()},
    )
    approval_end_clients(actor=actor, approval=approval, end_date=end)
    return approval


# --- when a provider is suspended or leaves: its clients choose again -------------------------


@transaction.atomic
def approval_end_clients(*, actor: User | None, approval: Approval, end_date: date) -> list[ReChoice]:
    """List the provider's clients for the service (open choices) and record that each must
    choose again by the deadline; `rechoice_assign_due` assigns whoever has not. `actor` None is
    the system."""
    if actor is not None and not (
        is_provider_admin(actor, approval.provider_id) or _is_manager_of(actor, approval.municipality_id)
    ):
        raise PermissionDenied(_("Only the purchaser can end a provider's clients."))
    today = timezone.localdate()
    deadline = rules.rechoice_deadline(end_date, today)
    end_date = max(end_date, deadline)
    pending = set(
        ReChoice.objects.filter(approval=approval, status=ReChoiceStatus.OPEN).values_list("decision_id", flat=True)
    )
    clients = Choice.objects.filter(
        municipality_id=approval.municipality_id,
        provider_id=approval.provider_id,
        decision__service_id=approval.service_id,
        valid_to__isnull=True,
    ).exclude(decision_id__in=pending)
    created = ReChoice.objects.bulk_create(
        ReChoice(
            municipality_id=approval.municipality_id,
            approval=approval,
            decision_id=choice.decision_id,
            previous_choice=choice,
            end_date=end_date,
            deadline=deadline,
        )
        for choice in clients
    )
    audit_record(
        actor=actor,
        municipality_id=approval.municipality_id,
        action="approval.end_clients",
        obj=approval,
        payload={"end_date": end_date.isoformat(), "deadline": deadline.isoformat(), "clients": len(created)},
    )
    return created


def _rechoice_settle(rechoice: ReChoice, today: date, rule: str) -> None:
    """One client past the deadline: chose elsewhere, or assigned by the default rule, or listed
    as without a provider with the reason."""
    decision = Decision.objects.select_related("citizen").get(pk=rechoice.decision_id)
    current = open_choice(decision)
    leaving = rechoice.approval.provider_id
    if current is None or current.provider_id != leaving:
        rechoice.status = ReChoiceStatus.CHOSEN
        rechoice.new_choice = current
        rechoice.save(update_fields=["status", "new_choice", "updated_at"])
        return
    starts = max(rechoice.end_date + timedelta(days=1), today)
    try:
        with transaction.atomic():
            Choice.objects.filter(pk=current.pk).update(
                valid_to=max(starts - timedelta(days=1), current.valid_from), updated_at=timezone.now()
            )
            new = choice_assign_default(actor=None, decision=decision, rule=rule)
            Choice.objects.filter(pk=new.pk, valid_from__lt=starts).update(valid_from=starts)
            new.refresh_from_db()
    except ValidationError as error:
        rechoice.status = ReChoiceStatus.NO_PROVIDER
        rechoice.reason = " ".join(error.messages)
        rechoice.save(update_fields=["status", "reason", "updated_at"])
        return
    rechoice.status = ReChoiceStatus.ASSIGNED
    rechoice.new_choice = new
    rechoice.reason = new.reason
    rechoice.save(update_fields=["status", "new_choice", "reason", "updated_at"])


@transaction.atomic
def rechoice_assign_due(*, actor: User | None, today: date | None = None,
                        rule: str | None = None) -> dict[str, int]:
    """The scheduled job (`frivalg rechoice_assign`): every client whose deadline has passed and
    who has not chosen again is assigned by the default rule — `rule`, or else the one the
    client's municipality has set (rotation when it has set none). Returns the count per outcome."""
    today = today or timezone.localdate()
    due = ReChoice.objects.select_for_update().filter(status=ReChoiceStatus.OPEN, deadline__lt=today)
    if actor is not None:
        require(actor, roles.CHOICE_MAKE_MUNICIPALITY)
        if actor.municipality_id is None:
            raise PermissionDenied(_("Only the municipality's staff can assign providers."))
        due = due.filter(municipality_id=actor.municipality_id)
    counts = {status: 0 for status in ReChoiceStatus.values}
    for rechoice in due.select_related("approval"):
        _rechoice_settle(rechoice, today, rule or default_rule_setting_of(rechoice.municipality_id).rule)
        counts[rechoice.status] += 1
        audit_record(
            actor=actor,
            municipality_id=rechoice.municipality_id,
            action="rechoice.settle",
            obj=rechoice,
            payload={"decision": str(rechoice.decision_id), "status": rechoice.status, "reason": rechoice.reason},
        )
    return counts
