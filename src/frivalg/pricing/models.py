"""Cost models (a municipality's costs for a year, as imported), published price sheets (versioned,
dated, never changed once published) and after-calculations. Fields and constraints only: the
calculation lives in rules.py, the workflows in services.py."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from frivalg.catalogue.models import Rate
from frivalg.core.models import Currency, Municipality, TimeStamped, User
from frivalg.providers.models import Provider


class CostModel(TimeStamped):
    """One imported version of a municipality's cost model for a year: the validated document as
    given, and the warnings it had when it was imported."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="cost_models")
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    document = models.JSONField(_("document"))
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    imported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year", "version"], name="cost_model_one_version"),
        ]
        verbose_name = _("cost model")
        verbose_name_plural = _("cost models")

    def __str__(self) -> str:
        return f"{self.year} v{self.version}"


class PriceSheet(TimeStamped):
    """A published price sheet: the calculation of one cost model, every step kept. Never changed
    after publishing; a new calculation is a new version and the earlier ones stay."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="price_sheets")
    cost_model = models.ForeignKey(CostModel, on_delete=models.PROTECT, related_name="price_sheets")
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveIntegerField(_("version"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    valid_from = models.DateField(_("valid from"))
    published_at = models.DateTimeField(_("published"))
    published_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    content = models.JSONField(_("calculation"))

    class Meta:
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year", "version"], name="price_sheet_one_version"),
        ]
        verbose_name = _("price sheet")
        verbose_name_plural = _("price sheets")

    def __str__(self) -> str:
        return f"{self.year} v{self.version}"


class Method(models.TextChoices):
    COST_POOLS = "cost_pools", _("Cost pools ÷ delivered hours")
    MARKUP_CHAIN = "markup_chain", _("Markup chain from a wage")


class PriceSheetLine(models.Model):
    """One service and time band of a published sheet; its steps as computed."""

    sheet = models.ForeignKey(PriceSheet, on_delete=models.PROTECT, related_name="lines")
    service = models.CharField(_("service"), max_length=64)
    time_band = models.CharField(_("time band"), max_length=32)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    in_house_price_minor = models.BigIntegerField(_("in-house price per hour (øre/öre)"))
    private_price_minor = models.BigIntegerField(_("private provider's price per hour (øre/öre)"), null=True,
                                                 blank=True)
    steps = models.JSONField(_("steps"))
    private_steps = models.JSONField(_("private provider's steps"), default=list, blank=True)
    in_house_rate = models.ForeignKey(Rate, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                      verbose_name=_("catalogue rate for the in-house provider"))
    private_rate = models.ForeignKey(Rate, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("catalogue rate for private providers"))
    non_profit_rate = models.ForeignKey(Rate, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                        verbose_name=_("catalogue rate for non-profit providers"))

    class Meta:
        ordering = ["sheet", "service", "time_band"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "service", "time_band"], name="price_line_one_per_cell"),
        ]
        verbose_name = _("price sheet line")
        verbose_name_plural = _("price sheet lines")

    def __str__(self) -> str:
        return f"{self.service} / {self.time_band}"


class Direction(models.TextChoices):
    BOTH_WAYS = "both_ways", _("Settled both ways")
    UPWARD_ONLY = "upward_only", _("Upward only (the older rule)")


class DeliverySource(models.TextChoices):
    VISITS = "visits", _("Verified visits recorded in frivalg")
    FILE = "file", _("A file of delivered hours")


class AfterCalculation(TimeStamped):
    """The year's actual costs and delivered hours against a published sheet: the difference per
    provider, to be settled as a correction."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="after_calculations")
    price_sheet = models.ForeignKey(PriceSheet, on_delete=models.PROTECT, related_name="after_calculations")
    actual_cost_model = models.ForeignKey(CostModel, on_delete=models.PROTECT, related_name="after_calculations")
    direction = models.CharField(_("direction"), max_length=12, choices=Direction.choices)
    source = models.CharField(_("delivered hours from"), max_length=8, choices=DeliverySource.choices,
                              default=DeliverySource.FILE)
    deliveries = models.JSONField(_("delivered hours"))
    result = models.JSONField(_("result"))
    total_minor = models.BigIntegerField(_("total to settle (øre/öre)"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(direction=""), name="after_calculation_has_direction"),
        ]
        verbose_name = _("after-calculation")
        verbose_name_plural = _("after-calculations")

    def __str__(self) -> str:
        return f"{self.price_sheet} → {self.actual_cost_model}"


class AfterCalculationLine(models.Model):
    """One provider's delivered hours of a service in a time band and what the after-calculation
    settles for them: (actual − set price) × hours, both ways or upward only. The settlement
    turns a provider's lines into correction lines."""

    after_calculation = models.ForeignKey(AfterCalculation, on_delete=models.CASCADE, related_name="lines")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="after_calculation_lines")
    service = models.CharField(_("service"), max_length=64)
    time_band = models.CharField(_("time band"), max_length=32)
    hours = models.DecimalField(_("delivered hours"), max_digits=12, decimal_places=2)
    set_price_minor = models.BigIntegerField(_("set price per hour (øre/öre)"))
    actual_price_minor = models.BigIntegerField(_("actual price per hour (øre/öre)"))
    difference_minor = models.BigIntegerField(_("difference (øre/öre)"))
    settled_minor = models.BigIntegerField(_("to settle (øre/öre)"))
    formula = models.CharField(_("formula"), max_length=200)

    class Meta:
        ordering = ["after_calculation", "provider", "service", "time_band"]
        constraints = [
            models.UniqueConstraint(fields=["after_calculation", "provider", "service", "time_band"],
                                    name="after_line_one_per_cell"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="after_line_hours_not_negative"),
        ]
        verbose_name = _("after-calculation line")
        verbose_name_plural = _("after-calculation lines")

    def __str__(self) -> str:
        return f"{self.provider_id} {self.service}/{self.time_band}: {self.settled_minor}"
