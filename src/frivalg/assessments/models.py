"""Needs assessment (FSIII / IPLOS function ability) and the decisions (grants) resting on it."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from frivalg.catalogue.models import Service, Unit
from frivalg.core.models import Citizen, Municipality, TimeStamped, User


class Scale(models.TextChoices):
    FSIII = "fsiii", _("FSIII (0–4, 9 = not relevant)")
    IPLOS = "iplos", _("IPLOS (1–5)")


class Assessment(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="assessments")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="assessments")
    assessor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="assessments_made")
    assessed_on = models.DateField(_("assessed on"))
    scale = models.CharField(_("scale"), max_length=5, choices=Scale.choices, default=Scale.FSIII)
    notes = models.TextField(_("observations"), blank=True)
    citizen_view = models.TextField(_("the citizen's own view"), blank=True)
    next_reassessment_due = models.DateField(_("next reassessment due"), null=True, blank=True)

    class Meta:
        ordering = ["citizen", "-assessed_on", "-id"]
        indexes = [models.Index(fields=["municipality", "next_reassessment_due"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_reassessment_due__isnull=True) | Q(next_reassessment_due__gt=F("assessed_on")),
                name="assessment_reassessment_after",
            ),
        ]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")


class AssessmentScore(models.Model):
    """One condition area's function-ability score (FSIII J1–J5 and sub-areas, or IPLOS)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    area_code = models.CharField(_("condition area"), max_length=80)
    score = models.PositiveSmallIntegerField(_("score"))

    class Meta:
        ordering = ["assessment", "area_code"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "area_code"], name="score_one_per_area"),
            models.CheckConstraint(condition=Q(score__lte=9) & ~Q(score__in=[6, 7, 8]), name="score_on_a_scale"),
        ]
        verbose_name = _("score")
        verbose_name_plural = _("scores")

    def __str__(self) -> str:
        return f"{self.area_code}={self.score}"


class Frequency(models.TextChoices):
    PER_DAY = "day", _("per day")
    PER_WEEK = "week", _("per week")
    PER_MONTH = "month", _("per month")
    PER_PERIOD = "period", _("for the whole period")


class Flexibility(models.TextChoices):
    FIXED_VISITS = "fixed", _("Fixed visits")
    MONTHLY_BUDGET = "budget", _("Hour budget per month, planned freely")


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    GRANTED = "granted", _("Granted")
    ENDED = "ended", _("Ended")
    APPEALED = "appealed", _("Appealed")


class Decision(TimeStamped):
    """A grant: a service in an amount, per a frequency, for a period (afgørelse, vedtak, beslut)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="decisions")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="decisions")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="decisions")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    amount = models.DecimalField(_("amount"), max_digits=9, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    frequency = models.CharField(_("frequency"), max_length=6, choices=Frequency.choices)
    flexibility = models.CharField(
        _("flexibility"), max_length=6, choices=Flexibility.choices, default=Flexibility.FIXED_VISITS
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions_made")
    decided_at = models.DateTimeField(null=True, blank=True)
    choice_deadline = models.DateField(_("choose a provider by"), null=True, blank=True)

    class Meta:
        ordering = ["citizen", "-valid_from", "-id"]
        indexes = [models.Index(fields=["municipality", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="decision_amount_positive"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="decision_valid_period"
            ),
            models.CheckConstraint(
                condition=~Q(status="granted") | Q(decided_at__isnull=False), name="decision_granted_has_time"
            ),
        ]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
