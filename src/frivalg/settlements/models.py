"""Settlement runs: a provider's payment for a period, line by line, each with its reason code.
Runs move draft → approved → exported; approved lines are never changed (corrections are new
lines in a later run)."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from frivalg.assessments.models import Decision
from frivalg.catalogue.models import Service, TimeBand
from frivalg.core.models import Citizen, Currency, Municipality, TimeStamped, User
from frivalg.providers.models import Provider
from frivalg.visits.models import Visit


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    EXPORTED = "exported", _("Exported")


class SettlementRun(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="settlement_runs")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="settlement_runs")
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to (exclusive)"))
    status = models.CharField(_("status"), max_length=8, choices=RunStatus.choices, default=RunStatus.DRAFT)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    total_minor = models.BigIntegerField(_("total (øre/öre)"), default=0)
    line_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "provider"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "provider", "period_start", "period_end"], name="run_one_per_provider_period"
            ),
            models.CheckConstraint(condition=Q(period_end__gt=F("period_start")), name="run_period_order"),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(approved_by__isnull=False) & Q(approved_at__isnull=False)),
                name="run_approved_has_approver",
            ),
        ]
        verbose_name = _("settlement run")
        verbose_name_plural = _("settlement runs")


class ReasonCode(models.TextChoices):
    PERFORMED = "performed", _("Paid for verified performed time")
    ROUNDED = "rounded", _("Performed time rounded up to the unit")
    CAPPED = "capped", _("Performed time capped at planned time × tolerance")
    MINIMUM = "minimum", _("Raised to the minimum payable time")
    MISSED = "missed", _("Missed visit: not paid")
    UNVERIFIED = "unverified", _("Not checked in and out: not paid")
    LATE_CANCELLATION = "late_cancel", _("Late cancellation by the citizen: part paid")
    TIMELY_CANCELLATION = "cancel", _("Cancelled in time: not paid")
    PROVIDER_CANCELLED = "prov_cancel", _("Cancelled by the provider: not paid")
    NO_RATE = "no_rate", _("No rate for this service and time band: not paid")


class SettlementLine(models.Model):
    run = models.ForeignKey(SettlementRun, on_delete=models.CASCADE, related_name="lines")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="settlement_lines")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="settlement_lines")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="settlement_lines")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="settlement_lines")
    time_band = models.CharField(max_length=8, choices=TimeBand.choices)
    planned_minutes = models.PositiveIntegerField(default=0)
    performed_minutes = models.PositiveIntegerField(default=0)
    payable_minutes = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    unit_price_minor = models.BigIntegerField(default=0)
    amount_minor = models.BigIntegerField(default=0)
    reason_code = models.CharField(max_length=12, choices=ReasonCode.choices)

    class Meta:
        ordering = ["run", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "visit"], name="line_one_per_visit_per_run"),
        ]
        verbose_name = _("settlement line")
        verbose_name_plural = _("settlement lines")

    def __str__(self) -> str:
        return f"{self.reason_code} {self.amount_minor}"
