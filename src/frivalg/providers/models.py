"""Providers (in-house, private, non-profit) on equal terms, their approval per service, and
their people. A provider may serve several municipalities; its approval is per municipality."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from frivalg.catalogue.models import ProviderKind, Service
from frivalg.core.models import District, Municipality, TimeStamped, User
from frivalg.providers.storage import document_storage


class Provider(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(_("kind"), max_length=10, choices=ProviderKind.choices)
    org_number = models.CharField(_("organisation number"), max_length=20, unique=True)
    contact_name = models.CharField(_("contact person"), max_length=160, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    description = models.TextField(_("what we offer"), blank=True)
    # The seller on the settlement e-invoices (docs/einvoicing.md, settlements.documents).
    street = models.CharField(_("street address"), max_length=200, blank=True,
                              help_text=_("Street and number: the seller's address on the e-invoices."))
    postcode = models.CharField(_("postcode"), max_length=10, blank=True,
                                help_text=_("Postcode of the street address."))
    city = models.CharField(_("city"), max_length=80, blank=True, help_text=_("City of the street address."))
    vat_number = models.CharField(
        _("VAT number"), max_length=20, blank=True,
        help_text=_("As printed, with the country prefix: DK12345678, SE556677889901 or NO999888777MVA. "
                    "Empty: derived from the organisation number."))
    bank_account = models.CharField(
        _("bank account"), max_length=40, blank=True,
        help_text=_("IBAN or national account number the settlements are paid to."))
    peppol_endpoint_id = models.CharField(
        _("Peppol endpoint id"), max_length=50, blank=True,
        help_text=_("The provider's electronic address in Peppol. Empty: its organisation number."))
    peppol_scheme = models.CharField(_("Peppol endpoint scheme"), max_length=4, blank=True,
                                     help_text=_("EAS code: 0088 GLN, 0184 CVR, 0007 Swedish or 0192 Norwegian "
                                                 "organisation number."))
    owner_municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="in_house_providers",
        help_text=_("For an in-house provider: the municipality it belongs to."),
    )
    districts = models.ManyToManyField(
        District, blank=True, related_name="providers", verbose_name=_("districts served")
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="in_house", owner_municipality__isnull=False) | ~Q(kind="in_house"),
                name="provider_in_house_has_owner",
            ),
        ]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self) -> str:
        return self.name


class ApprovalStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", _("Approved")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")
    REJECTED = "rejected", _("Rejected")


class Approval(TimeStamped):
    """A provider's approval to deliver one service in one municipality (the approval model:
    godkendelse, LOV, godkjenningsordning) — the in-house provider holds one like everyone else."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="approvals")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="approvals")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="approvals")
    status = models.CharField(
        _("status"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.APPLIED
    )
    capacity = models.PositiveIntegerField(_("capacity (clients)"), null=True, blank=True)
    accepting_new_clients = models.BooleanField(_("accepting new clients"), default=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    served_districts = models.ManyToManyField(
        District, blank=True, related_name="approvals_served", verbose_name=_("districts to serve")
    )
    languages = models.JSONField(_("languages offered"), default=list, blank=True)
    notice_given_on = models.DateField(_("notice given on"), null=True, blank=True)

    class Meta:
        ordering = ["municipality", "provider", "service"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "service"], name="approval_one_per_provider_service"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="approval_valid_period",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(valid_from__isnull=False),
                name="approval_approved_has_start",
            ),
        ]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")


class StaffRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    CAREGIVER = "caregiver", _("Caregiver")


class StaffMember(TimeStamped):
    """A person working for a provider. Citizens and the municipality see only the pseudonym."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="provider_staff")
    pseudonym = models.CharField(_("pseudonym"), max_length=40)
    role = models.CharField(_("role"), max_length=10, choices=StaffRole.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["provider", "pseudonym"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "pseudonym"], name="staff_pseudonym_unique"),
            models.UniqueConstraint(fields=["provider", "user"], name="staff_user_once_per_provider"),
        ]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")

    def __str__(self) -> str:
        return self.pseudonym


class RequirementKind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    INSURANCE = "insurance", _("Insurance")
    STAFF_QUALIFICATION = "staff", _("Staff qualification")
    LANGUAGES = "languages", _("Languages")
    DISTRICTS = "districts", _("Districts")
    CAPACITY = "capacity", _("Capacity")
    QUALITY_SYSTEM = "quality", _("Quality system")
    RESPONSE_TIME = "response", _("Response time")
    OTHER = "other", _("Other")


class Requirement(TimeStamped):
    """A published requirement every provider must meet to be approved — the in-house provider
    included. Versioned by date: a changed requirement is a new row with the same code and a
    higher version; the old one gets its end date."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="provider_requirements")
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="requirements",
        verbose_name=_("service"), help_text=_("Empty: the requirement applies to every service."),
    )
    code = models.CharField(_("code"), max_length=20)
    version = models.PositiveIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), help_text=_("In plain language: what the provider must show."))
    kind = models.CharField(_("kind"), max_length=10, choices=RequirementKind.choices)
    document_required = models.BooleanField(_("a document must be uploaded"), default=False)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        ordering = ["municipality", "code", "version"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code", "version"], name="requirement_code_version"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="requirement_valid_period"
            ),
        ]
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class RequirementOutcome(models.TextChoices):
    PENDING = "pending", _("Not assessed yet")
    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met")
    NEEDS_MORE = "needs_more", _("Needs more information")


def document_path(instance: "RequirementAnswer", filename: str) -> str:
    """A random name under the municipality: the uploader's file name is kept only as data."""
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(
        instance.document_content_type, "bin"
    )
    return f"approval-documents/{instance.approval.municipality_id}/{uuid.uuid4().hex}.{extension}"


class RequirementAnswer(TimeStamped):
    """The provider's answer to one requirement in its application, and the municipality's
    assessment of it (met / not met / needs more, with a note)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="answers")
    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="answers")
    answer = models.TextField(_("answer"), blank=True)
    document = models.FileField(_("document"), upload_to=document_path, storage=document_storage, blank=True)
    document_content_type = models.CharField(max_length=40, blank=True)
    document_name = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(
        _("assessment"), max_length=10, choices=RequirementOutcome.choices, default=RequirementOutcome.PENDING
    )
    note = models.TextField(_("note"), blank=True)
    assessed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    assessed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["approval", "requirement__code"]
        constraints = [
            models.UniqueConstraint(fields=["approval", "requirement"], name="answer_once_per_requirement"),
        ]
        verbose_name = _("requirement answer")
        verbose_name_plural = _("requirement answers")


class ReChoiceStatus(models.TextChoices):
    OPEN = "open", _("Must choose again")
    CHOSEN = "chosen", _("Chose another provider")
    ASSIGNED = "assigned", _("Assigned by the default rule")
    NO_PROVIDER = "none", _("No provider available")


class ReChoice(TimeStamped):
    """A client of a provider that is suspended or leaves must choose again by the deadline;
    whoever has not is assigned by the default rule — nobody is left without a provider."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="rechoices")
    approval = models.ForeignKey(Approval, on_delete=models.PROTECT, related_name="rechoices")
    decision = models.ForeignKey("assessments.Decision", on_delete=models.PROTECT, related_name="rechoices")
    previous_choice = models.ForeignKey("choices.Choice", on_delete=models.PROTECT, related_name="+")
    new_choice = models.ForeignKey("choices.Choice", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    end_date = models.DateField(_("provider ends on"))
    deadline = models.DateField(_("choose by"))
    status = models.CharField(_("status"), max_length=8, choices=ReChoiceStatus.choices, default=ReChoiceStatus.OPEN)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision"], condition=Q(status="open"), name="rechoice_one_open_per_decision"
            ),
            models.CheckConstraint(condition=Q(deadline__lte=F("end_date")), name="rechoice_deadline_before_end"),
        ]
        verbose_name = _("re-choice")
        verbose_name_plural = _("re-choices")
