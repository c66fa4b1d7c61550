"""Providers (in-house, private, non-profit) on equal terms, their approval per service, and
their people. A provider may serve several municipalities; its approval is per municipality."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from frivalg.catalogue.models import ProviderKind, Service
from frivalg.core.models import District, Municipality, TimeStamped, User


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
