"""The service catalogue (coded with FSIII) and dated rate tables."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from frivalg.core.models import Municipality, TimeStamped


class FsiiiConcept(models.Model):
    """One concept of Fælles Sprog III, loaded from KL's published FHIR CodeSystem (never retyped).
    Reference data shared by all municipalities."""

    code = models.CharField(max_length=80)
    display = models.CharField(max_length=255)
    definition = models.TextField(blank=True)
    parent_code = models.CharField(max_length=80, blank=True)
    group = models.CharField(
        max_length=120, help_text=_("The top-level group, e.g. 'Kommunale pleje- og omsorgsindsatser'.")
    )
    version = models.CharField(max_length=20)

    class Meta:
        ordering = ["group", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "group", "code"], name="fsiii_code_unique")]
        verbose_name = _("FSIII concept")
        verbose_name_plural = _("FSIII concepts")

    def __str__(self) -> str:
        return f"{self.code} {self.display}"


class Unit(models.TextChoices):
    MINUTE = "minute", _("minute")
    HOUR = "hour", _("hour")
    VISIT = "visit", _("visit")
    MEAL = "meal", _("meal")
    DAY = "day", _("day")
    MONTH = "month", _("month")
    PIECE = "piece", _("piece")


class VoucherDesign(models.TextChoices):
    """Seed 003: a cash check (most freedom), time per service category, a specific service (least)."""

    CASH = "cash", _("Cash voucher (free use of an amount)")
    TIME = "time", _("Time per service category")
    SPECIFIC = "specific", _("A specific service")


class CareLevel(models.IntegerChoices):
    """The care chain, from least to most intensive, so a purchaser can grant along all of it."""

    PRACTICAL_HELP = 1, _("Practical help")
    PERSONAL_CARE = 2, _("Personal care")
    MEALS = 3, _("Meals")
    HOME_NURSING = 4, _("Home nursing")
    REHABILITATION = 5, _("Rehabilitation")
    RELIEF = 6, _("Relief and respite")
    NURSING_HOME = 7, _("Nursing home")


class Service(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="services")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=160)
    care_level = models.PositiveSmallIntegerField(_("care chain level"), choices=CareLevel.choices)
    fsiii_code = models.CharField(_("FSIII code"), max_length=80)
    fsiii_version = models.CharField(_("FSIII version"), max_length=20)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=160)
    voucher_design = models.CharField(_("voucher design"), max_length=8, choices=VoucherDesign.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["municipality", "care_level", "code"]
        constraints = [models.UniqueConstraint(fields=["municipality", "code"], name="service_code_unique")]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name


class TimeBand(models.TextChoices):
    DAY = "day", _("Weekday daytime")
    EVENING = "evening", _("Evening")
    NIGHT = "night", _("Night")
    WEEKEND = "weekend", _("Weekend daytime")
    HOLIDAY = "holiday", _("Public holiday")


class ProviderKind(models.TextChoices):
    IN_HOUSE = "in_house", _("In-house (the municipality's own)")
    PRIVATE = "private", _("Private")
    NON_PROFIT = "non_profit", _("Non-profit")


class Rate(TimeStamped):
    """A dated price per unit of a service in a time band for a kind of provider."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="rates")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="rates")
    time_band = models.CharField(_("time band"), max_length=8, choices=TimeBand.choices)
    provider_kind = models.CharField(_("provider kind"), max_length=10, choices=ProviderKind.choices)
    amount_minor = models.BigIntegerField(_("price per hour or unit, in øre/öre"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to (inclusive)"), null=True, blank=True)

    class Meta:
        ordering = ["service", "time_band", "provider_kind", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["service", "time_band", "provider_kind", "valid_from"], name="rate_unique"),
            models.CheckConstraint(condition=Q(amount_minor__gte=0), name="rate_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="rate_valid_period"
            ),
        ]
        verbose_name = _("rate")
        verbose_name_plural = _("rates")
