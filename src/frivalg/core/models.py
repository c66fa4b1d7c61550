"""Tenancy, accounts, citizens and the audit trail. Fields and constraints only: the workflows
live in services.py, the reads in selectors.py."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Country(models.TextChoices):
    DENMARK = "DK", _("Denmark")
    SWEDEN = "SE", _("Sweden")
    NORWAY = "NO", _("Norway")


class Currency(models.TextChoices):
    DKK = "DKK", _("Danish krone")
    SEK = "SEK", _("Swedish krona")
    NOK = "NOK", _("Norwegian krone")


class Language(models.TextChoices):
    DANISH = "da", _("Danish")
    SWEDISH = "sv", _("Swedish")
    NORWEGIAN = "nb", _("Norwegian")
    ENGLISH = "en", _("English")


class Municipality(TimeStamped):
    """The tenant: every operational record belongs to one municipality."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("municipality code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=120)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Copenhagen")
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.DANISH)
    # The buyer on the providers' e-invoices (docs/einvoicing.md, settlements.documents).
    org_number = models.CharField(_("organisation number"), max_length=20, blank=True,
                                  help_text=_("CVR, organisationsnummer or organisasjonsnummer."))
    address = models.CharField(_("postal address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    peppol_endpoint_id = models.CharField(_("Peppol endpoint id"), max_length=50, blank=True,
                                          help_text=_("The electronic address invoices are sent to, e.g. the GLN."))
    peppol_scheme = models.CharField(_("Peppol endpoint scheme"), max_length=4, blank=True,
                                     help_text=_("EAS code: 0088 GLN, 0184 CVR, 0007 Swedish or 0192 Norwegian "
                                                 "organisation number."))
    invoice_self_billing = models.BooleanField(
        _("self-billing"), default=False,
        help_text=_("The municipality issues the providers' invoices under a self-billing agreement."))
    invoice_vat_category = models.CharField(
        _("VAT category of the invoices"), max_length=1, default="E",
        choices=[("E", _("Exempt")), ("S", _("Standard rate")), ("Z", _("Zero rated")),
                 ("O", _("Not subject to VAT"))])
    invoice_vat_percent = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2, default=0)
    invoice_exemption_reason = models.CharField(
        _("VAT exemption reason"), max_length=200, blank=True,
        help_text=_("Empty: the country's exemption for social welfare services."))
    accounting_mapping = models.JSONField(
        _("accounts and cost centres"), default=dict, blank=True,
        help_text=_('{"accounts": {service code: account}, "cost_centres": {district code: cost centre}}; '
                    "unmapped codes are booked to themselves."))

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


class DistrictKind(models.TextChoices):
    TOWN = "town", _("Town")
    SUBURB = "suburb", _("Suburb")
    RURAL = "rural", _("Rural")


class District(TimeStamped):
    """An area of a municipality: providers serve districts, rates may differ by area."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="districts")
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=8, choices=DistrictKind.choices, default=DistrictKind.TOWN)

    class Meta:
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="district_code_unique_per_municipality"),
        ]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in. Staff of the municipality carry it; a provider's people are linked
    to their provider through providers.StaffMember; a citizen through Citizen.user."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("The municipality a member of its staff works for; empty for provider staff and citizens."),
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, blank=True)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Citizen(TimeStamped):
    """A person who applies for or receives services. The public id is pseudonymous; the
    national id number (CPR, personnummer, fødselsnummer) is shown only to roles that need it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="citizens")
    national_id = models.CharField(_("national id number"), max_length=20)
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    birth_date = models.DateField(_("birth date"))
    address = models.CharField(_("address"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=10)
    city = models.CharField(_("city"), max_length=80)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="citizens")
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.DANISH)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=160, blank=True)
    contact_phone = models.CharField(_("contact person's phone"), max_length=30, blank=True)
    caseworker = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="caseload",
        verbose_name=_("needs assessor responsible"),
    )
    user = models.OneToOneField(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="citizen",
        verbose_name=_("login"),
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "national_id"], name="citizen_national_id_unique"),
        ]
        indexes = [models.Index(fields=["municipality", "caseworker"])]
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class PowerOfAttorney(TimeStamped):
    """A relative (or other person) acting for a citizen: sees and does what the citizen may."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="attorneys")
    attorney = models.ForeignKey(User, on_delete=models.CASCADE, related_name="powers_of_attorney")
    relation = models.CharField(_("relation"), max_length=60, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        ordering = ["citizen", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["citizen", "attorney", "valid_from"], name="poa_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="poa_valid_period",
            ),
        ]
        verbose_name = _("power of attorney")
        verbose_name_plural = _("powers of attorney")

    def __str__(self) -> str:
        return f"{self.attorney} → {self.citizen}"


class ApiToken(TimeStamped):
    """A bearer token for a system (typically a provider's planning system) acting as a user.
    Only the SHA-256 of the token is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AuditEvent(models.Model):
    """Append-only: written by a service in the same transaction as the change it records,
    and by selectors when staff read a citizen's record."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"
