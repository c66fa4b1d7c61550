"""The service catalogue (coded with FSIII) and dated rate tables."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from frivalg.core.models import DistrictKind, Municipality, TimeStamped


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


class PaymentBasis(models.TextChoices):
    """What the purchaser pays a provider for (a Swedish survey of 145 municipalities: 62 paid for
    granted time, 47 for electronically measured performed time, 20 for reported performed time,
    12 per service or level). The settlement consumes it."""

    GRANTED_TIME = "granted_time", _("Granted time")
    PERFORMED_TIME = "performed_time", _("Performed (verified) time")
    PER_VISIT = "per_visit", _("Per visit or activity points")
    CAPITATION = "capitation", _("Capitation: an amount per month by age or need level")
    PER_UNIT = "per_unit", _("Per unit delivered (e.g. meals)")


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
    payment_basis = models.CharField(
        _("payment basis"), max_length=16, choices=PaymentBasis.choices, default=PaymentBasis.PERFORMED_TIME
    )
    cash_amount_minor = models.BigIntegerField(
        _("monthly amount in øre/öre"),
        null=True,
        blank=True,
        help_text=_("The amount per month of a cash voucher; empty for the other voucher designs."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["municipality", "care_level", "code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="service_code_unique"),
            models.CheckConstraint(
                # isnull=False spelled out: a CHECK passes when it evaluates to NULL.
                condition=Q(voucher_design=VoucherDesign.CASH, cash_amount_minor__isnull=False, cash_amount_minor__gt=0)
                | (~Q(voucher_design=VoucherDesign.CASH) & Q(cash_amount_minor__isnull=True)),
                name="service_cash_amount_iff_cash",
            ),
        ]
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
    SATURDAY = "saturday", _("Saturday daytime")
    SUNDAY = "sunday", _("Sunday daytime")
    MAJOR_HOLIDAY = "major", _("Major holiday")


class Area(models.TextChoices):
    """Where a rate applies: the kinds of District (core.models.DistrictKind) or every area."""

    ALL = "all", _("All areas")
    TOWN = DistrictKind.TOWN.value, DistrictKind.TOWN.label
    SUBURB = DistrictKind.SUBURB.value, DistrictKind.SUBURB.label
    RURAL = DistrictKind.RURAL.value, DistrictKind.RURAL.label


class RateUnit(models.TextChoices):
    HOUR = "hour", _("per hour")
    VISIT = "visit", _("per visit")
    MEAL = "meal", _("per meal")
    DAY = "day", _("per day")
    MONTH = "month", _("per month")
    PIECE = "piece", _("per piece")


class ProviderKind(models.TextChoices):
    IN_HOUSE = "in_house", _("In-house (the municipality's own)")
    PRIVATE = "private", _("Private")
    NON_PROFIT = "non_profit", _("Non-profit")


class Rate(TimeStamped):
    """A dated price per unit of a service in a time band and area for a kind of provider. Once an
    approved settlement has used it (`settled_through`), it is never edited: a new version is."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="rates")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="rates")
    time_band = models.CharField(_("time band"), max_length=8, choices=TimeBand.choices)
    area = models.CharField(_("area"), max_length=8, choices=Area.choices, default=Area.ALL)
    provider_kind = models.CharField(_("provider kind"), max_length=10, choices=ProviderKind.choices)
    unit = models.CharField(_("unit"), max_length=8, choices=RateUnit.choices)
    amount_minor = models.BigIntegerField(_("price per unit, in øre/öre"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to (inclusive)"), null=True, blank=True)
    settled_through = models.DateField(
        _("used by an approved settlement through"),
        null=True,
        blank=True,
        help_text=_("The last day an approved settlement run may have priced with this rate."),
    )

    class Meta:
        ordering = ["service", "time_band", "area", "provider_kind", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "time_band", "area", "provider_kind", "valid_from"], name="rate_unique"
            ),
            models.CheckConstraint(condition=Q(amount_minor__gte=0), name="rate_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="rate_valid_period"
            ),
        ]
        verbose_name = _("rate")
        verbose_name_plural = _("rates")


class CrossingRule(models.TextChoices):
    """How a visit that crosses a time-band boundary is priced (catalogue.rules.allocate_minutes)."""

    SPLIT = "split", _("Split: each part of the visit in its own band")
    START = "start", _("Start: the whole visit in the band where it starts")
    MAJORITY = "majority", _("Majority: the whole visit in the band with the most minutes")


class TimeBandScheme(TimeStamped):
    """A municipality's time bands: where weekday daytime, evening and night begin and end (local
    wall-clock time, night across midnight), whether Saturday and Sunday are priced apart, and its
    extra days, and how a visit crossing a boundary is priced. Without one the default applies
(07–15–23, one weekend band, priced by the start band)."""

    municipality = models.OneToOneField(Municipality, on_delete=models.PROTECT, related_name="time_band_scheme")
    day_start = models.TimeField(_("daytime starts"))
    day_end = models.TimeField(_("daytime ends"))
    evening_start = models.TimeField(_("evening starts"))
    evening_end = models.TimeField(_("evening ends"))
    night_start = models.TimeField(_("night starts"))
    night_end = models.TimeField(_("night ends"))
    split_weekend = models.BooleanField(_("Saturday and Sunday priced apart"), default=False)
    crossing_rule = models.CharField(
        _("a visit crossing a band boundary"),
        max_length=8,
        choices=CrossingRule.choices,
        default=CrossingRule.START,
    )

    class Meta:
        ordering = ["municipality"]
        verbose_name = _("time band scheme")
        verbose_name_plural = _("time band schemes")

    def __str__(self) -> str:
        return f"{self.municipality}: {self.day_start:%H:%M}–{self.evening_start:%H:%M}–{self.night_start:%H:%M}"


class ExtraDayBand(models.TextChoices):
    HOLIDAY = TimeBand.HOLIDAY.value, TimeBand.HOLIDAY.label
    MAJOR_HOLIDAY = TimeBand.MAJOR_HOLIDAY.value, TimeBand.MAJOR_HOLIDAY.label


class ExtraDay(TimeStamped):
    """A day the municipality prices as a holiday or major holiday every year (Christmas Eve …),
    on top of the country's statutory public holidays."""

    scheme = models.ForeignKey(TimeBandScheme, on_delete=models.CASCADE, related_name="extra_days")
    month = models.PositiveSmallIntegerField(_("month"))
    day = models.PositiveSmallIntegerField(_("day"))
    name = models.CharField(_("name"), max_length=80)
    band = models.CharField(_("band"), max_length=8, choices=ExtraDayBand.choices, default=ExtraDayBand.HOLIDAY)

    class Meta:
        ordering = ["scheme", "month", "day"]
        constraints = [models.UniqueConstraint(fields=["scheme", "month", "day"], name="extra_day_unique")]
        verbose_name = _("extra day")
        verbose_name_plural = _("extra days")

    def __str__(self) -> str:
        return f"{self.day:02d}-{self.month:02d} {self.name}"
