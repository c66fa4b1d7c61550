"""Reassessment routines: a municipality's policy, the due date set by rule (with its reason),
and flags raised from delivery data so the citizen is kept at the right level of care."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from frivalg.assessments.models import Assessment, Decision
from frivalg.core.models import Citizen, Municipality, TimeStamped, User
from frivalg.reassessments import rules

_DEFAULT = rules.ReassessmentPolicy()


class PolicySetting(TimeStamped):
    """A municipality's reassessment policy (rules.ReassessmentPolicy); without a row the defaults apply."""

    municipality = models.OneToOneField(Municipality, on_delete=models.PROTECT, related_name="reassessment_policy")
    standard_months = models.PositiveSmallIntegerField(
        _("standard interval (months)"), default=_DEFAULT.standard_months)
    after_rehabilitation_months = models.PositiveSmallIntegerField(
        _("after a rehabilitation course ends (months)"), default=_DEFAULT.after_rehabilitation_months)
    hospital_min_days = models.PositiveSmallIntegerField(
        _("hospital stays longer than (days)"), default=_DEFAULT.hospital_min_days)
    after_hospital_days = models.PositiveSmallIntegerField(
        _("reassess within (days of discharge)"), default=_DEFAULT.after_hospital_days)
    high_care_level = models.PositiveSmallIntegerField(
        _("care level with a shorter interval, and above"), default=_DEFAULT.high_care_level)
    high_care_months = models.PositiveSmallIntegerField(
        _("interval on that care level (months)"), default=_DEFAULT.high_care_months)
    deviation_percent = models.PositiveSmallIntegerField(
        _("performed time deviates from granted time by more than (%)"), default=_DEFAULT.deviation_percent)
    deviation_months = models.PositiveSmallIntegerField(
        _("for consecutive calendar months"), default=_DEFAULT.deviation_months)
    missed_visits = models.PositiveSmallIntegerField(
        _("missed visits that raise a flag"), default=_DEFAULT.missed_visits)
    flag_window_days = models.PositiveSmallIntegerField(
        _("within a rolling window of (days)"), default=_DEFAULT.flag_window_days)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["municipality"]
        verbose_name = _("reassessment policy")
        verbose_name_plural = _("reassessment policies")

    def __str__(self) -> str:
        return str(self.municipality)


class DueDate(TimeStamped):
    """The date a rule set on an assessment's next_reassessment_due, and the rule's reason.
    When the assessment's date differs (set by hand), the reason is 'manual'."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="reassessment_due")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due"))
    reason = models.CharField(_("reason"), max_length=24)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("reassessment due date")
        verbose_name_plural = _("reassessment due dates")


class FlagKind(models.TextChoices):
    TIME_ABOVE = rules.FLAG_TIME_ABOVE, _("Performed time persistently above granted time")
    TIME_BELOW = rules.FLAG_TIME_BELOW, _("Performed time persistently below granted time")
    MISSED_VISITS = rules.FLAG_MISSED_VISITS, _("Repeated missed visits")
    HOSPITAL_STAY = rules.FLAG_HOSPITAL_STAY, _("Hospital stay")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class Flag(TimeStamped):
    """A signal from delivery data that a citizen may no longer be at the right level. One per
    kind, citizen, decision and period (period_to inclusive), whatever its status."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="reassessment_flags")
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="reassessment_flags")
    kind = models.CharField(_("kind"), max_length=16, choices=FlagKind.choices)
    period_from = models.DateField(_("from"))
    period_to = models.DateField(_("to"))
    evidence = models.JSONField(_("evidence"), default=dict)
    raised_on = models.DateField(_("raised on"))
    status = models.CharField(_("status"), max_length=12, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    acknowledged_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-raised_on", "-id"]
        indexes = [models.Index(fields=["municipality", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "citizen", "decision", "period_from", "period_to"],
                condition=Q(decision__isnull=False), name="flag_once_per_decision_period",
            ),
            models.UniqueConstraint(
                fields=["kind", "citizen", "period_from", "period_to"],
                condition=Q(decision__isnull=True), name="flag_once_per_citizen_period",
            ),
            models.CheckConstraint(condition=Q(period_to__gte=F("period_from")), name="flag_period_order"),
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_at__isnull=False), name="flag_resolved_has_time"),
        ]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")

    def __str__(self) -> str:
        return f"{self.kind} {self.period_from}–{self.period_to}"
