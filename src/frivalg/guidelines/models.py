"""Service guidelines: the municipality's quality standard, set by politicians, as dated and
versioned rules that map assessment scores to proposed services and time."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from frivalg.assessments.models import Flexibility, Frequency, Scale
from frivalg.catalogue.models import Service, Unit
from frivalg.core.models import Municipality, TimeStamped, User


class GuidelineStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Combine(models.TextChoices):
    ALL = "all", _("All conditions hold")
    ANY = "any", _("Any condition holds")


class Comparison(models.TextChoices):
    AT_LEAST = ">=", _("is at least")
    AT_MOST = "<=", _("is at most")
    EXACTLY = "=", _("is exactly")


class GuidelineFrequency(models.TextChoices):
    """A guideline proposes an amount per day, week or month (never for a whole period)."""

    PER_DAY = Frequency.PER_DAY.value, Frequency.PER_DAY.label
    PER_WEEK = Frequency.PER_WEEK.value, Frequency.PER_WEEK.label
    PER_MONTH = Frequency.PER_MONTH.value, Frequency.PER_MONTH.label


class Guideline(TimeStamped):
    """One version of a municipality's guideline. A published version is never edited: a change
    is a new draft copied from the last version, published from a date."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="guidelines")
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    scale = models.CharField(_("scale"), max_length=5, choices=Scale.choices, default=Scale.FSIII)
    status = models.CharField(_("status"), max_length=10, choices=GuidelineStatus.choices,
                              default=GuidelineStatus.DRAFT)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="guidelines_created")
    published_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="guidelines_published")
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["municipality", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "version"], name="guideline_version_unique"),
            models.UniqueConstraint(fields=["municipality"], condition=Q(status="draft"),
                                    name="guideline_one_draft"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(valid_from__isnull=False, published_at__isnull=False),
                name="guideline_published_dated",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="guideline_valid_period",
            ),
        ]
        verbose_name = _("service guideline")
        verbose_name_plural = _("service guidelines")

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def is_draft(self) -> bool:
        return self.status == GuidelineStatus.DRAFT


class GuidelineRule(TimeStamped):
    """When the conditions hold, propose the service in this amount. The conditions are a JSON
    list of {"area", "op", "score"} validated by `guidelines.rules.parse_conditions`."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    guideline = models.ForeignKey(Guideline, on_delete=models.CASCADE, related_name="rules")
    order = models.PositiveIntegerField(_("order"), default=0)
    label = models.CharField(_("label"), max_length=160)
    conditions = models.JSONField(_("conditions"), default=list)
    combine = models.CharField(_("combine the conditions"), max_length=3, choices=Combine.choices,
                               default=Combine.ALL)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="guideline_rules")
    amount = models.DecimalField(_("amount"), max_digits=9, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    frequency = models.CharField(_("frequency"), max_length=6, choices=GuidelineFrequency.choices)
    flexibility = models.CharField(_("flexibility"), max_length=6, choices=Flexibility.choices,
                                   default=Flexibility.FIXED_VISITS)
    explanation = models.TextField(_("explanation"), blank=True)

    class Meta:
        ordering = ["guideline", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="guideline_rule_amount_positive"),
        ]
        verbose_name = _("guideline rule")
        verbose_name_plural = _("guideline rules")

    def __str__(self) -> str:
        return self.label
