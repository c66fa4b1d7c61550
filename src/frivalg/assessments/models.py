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


class AssessmentScheme(TimeStamped):
    """A municipality's assessment scheme from a date: the scale and the areas scored on it.
    `areas` is a list of condition areas, each {"code", "label", "sub_areas": [{"code", "label"}]};
    scores are recorded per sub-area."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="assessment_schemes")
    scale = models.CharField(_("scale"), max_length=5, choices=Scale.choices)
    areas = models.JSONField(_("areas"), default=list)
    source = models.CharField(_("source"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"))

    class Meta:
        ordering = ["municipality", "-valid_from", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "valid_from"], name="assessment_scheme_one_per_day"),
        ]
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")

    def __str__(self) -> str:
        return f"{self.get_scale_display()} ({self.valid_from})"


class ReferralSource(models.TextChoices):
    CITIZEN = "citizen", _("The citizen")
    RELATIVE = "relative", _("A relative")
    HOSPITAL = "hospital", _("Hospital")
    GP = "gp", _("General practitioner")
    HOME_NURSING = "home_nursing", _("Home nursing")
    PROVIDER = "provider", _("A provider")
    OTHER = "other", _("Other")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMPLETED = "completed", _("Completed")


class Performer(models.TextChoices):
    CITIZEN = "citizen", _("The citizen")
    RELATIVE = "relative", _("A relative")
    MUNICIPALITY = "municipality", _("The municipality")
    PROVIDER = "provider", _("A provider")
    NOT_RELEVANT = "not_relevant", _("Not relevant")


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
    referral_source = models.CharField(
        _("referral source"), max_length=12, choices=ReferralSource.choices, blank=True, db_default=""
    )
    status = models.CharField(
        _("status"), max_length=9, choices=AssessmentStatus.choices, default=AssessmentStatus.COMPLETED,
        db_default=AssessmentStatus.COMPLETED,
    )
    scheme = models.ForeignKey(
        AssessmentScheme, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments"
    )

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
    performer = models.CharField(
        _("who performs the activity"), max_length=12, choices=Performer.choices, blank=True, db_default=""
    )
    citizen_view = models.TextField(_("the citizen's own view"), blank=True, db_default="")

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
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_versions",
        verbose_name=_("previous version"),
    )
    source = models.CharField(_("source of the change"), max_length=20, default="assessor", db_default="assessor")
    deviation_reason = models.TextField(_("reason for deviating from the guidelines"), blank=True, db_default="")
    proposal = models.JSONField(_("guideline proposal used"), null=True, blank=True)

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


class AppealStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    UPHELD = "upheld", _("Upheld: the decision stands")
    CHANGED = "changed", _("Changed")
    PARTLY_CHANGED = "partly_changed", _("Partly changed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Appeal(TimeStamped):
    """A complaint about a decision (klage, klage på vedtak, överklagande) and its outcome."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="appeals")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="appeals")
    lodged_on = models.DateField(_("lodged on"))
    lodged_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="appeals_lodged")
    grounds = models.TextField(_("grounds"))
    late_reason = models.TextField(_("why a late appeal is accepted"), blank=True)
    status = models.CharField(_("status"), max_length=14, choices=AppealStatus.choices, default=AppealStatus.RECEIVED)
    outcome_on = models.DateField(_("outcome on"), null=True, blank=True)
    outcome_reason = models.TextField(_("reason for the outcome"), blank=True)
    outcome_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="appeal_outcomes"
    )
    new_version = models.ForeignKey(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="appeal_outcomes"
    )

    class Meta:
        ordering = ["decision", "-lodged_on", "-id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")

    def __str__(self) -> str:
        return f"{self.decision_id}: {self.get_status_display()}"
