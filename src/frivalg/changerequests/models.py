"""The purchaser–provider message cycle (modelled on the Dutch iWmo standard): a log of
messages about a decision between the municipality and the delivering provider, the
providers' change requests with their response deadline and answer, and adjustments within
the frame of a grant, which need no approval."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from frivalg.assessments.models import Decision, Frequency
from frivalg.catalogue.models import Service, Unit
from frivalg.changerequests.rules import DEFAULT_RESPONSE_WORKING_DAYS
from frivalg.changerequests.storage import evidence_storage
from frivalg.choices.models import Choice
from frivalg.core.models import Municipality, TimeStamped, User
from frivalg.providers.models import Provider


class ResponseDeadline(TimeStamped):
    """A municipality's response deadline for change requests, in working days."""

    municipality = models.OneToOneField(Municipality, on_delete=models.CASCADE, related_name="response_deadline")
    working_days = models.PositiveSmallIntegerField(_("working days to answer"), default=DEFAULT_RESPONSE_WORKING_DAYS)

    class Meta:
        ordering = ["municipality"]
        constraints = [
            models.CheckConstraint(condition=Q(working_days__gte=1) & Q(working_days__lte=30),
                                   name="response_deadline_in_range"),
        ]
        verbose_name = _("response deadline")
        verbose_name_plural = _("response deadlines")


class MessageKind(models.TextChoices):
    ALLOCATION = "allocation", _("Allocation")
    START_OF_CARE = "start_of_care", _("Start of care")
    STOP_OF_CARE = "stop_of_care", _("Stop of care")
    CHANGE_REQUEST = "change_request", _("Change request")
    ANSWER = "answer", _("Answer to a change request")


class StopReason(models.TextChoices):
    DIED = "died", _("The citizen died")
    MOVED = "moved", _("The citizen moved")
    NURSING_HOME = "nursing_home", _("Moved to a nursing home")
    ENDED = "ended", _("The help has ended")
    OTHER = "other", _("Other reason")


class Message(TimeStamped):
    """One message of the cycle, append-only. Allocations go from the municipality to the
    provider; start, stop and change requests from the provider; answers back."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="messages")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="messages")
    choice = models.ForeignKey(Choice, on_delete=models.PROTECT, null=True, blank=True, related_name="messages",
                               help_text=_("The choice an allocation announces."))
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    event_date = models.DateField(_("date"), null=True, blank=True,
                                  help_text=_("The day care starts or stops."))
    stop_reason = models.CharField(_("reason for stopping"), max_length=12, choices=StopReason.choices, blank=True)
    payload = models.JSONField(_("content"), default=dict, blank=True)
    sent_at = models.DateTimeField(_("sent at"))
    sent_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    external_reference = models.CharField(_("reference in the provider's system"), max_length=100, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["provider", "kind", "sent_at"])]
        constraints = [
            models.UniqueConstraint(fields=["provider", "external_reference"], condition=~Q(external_reference=""),
                                    name="message_reference_unique_per_provider"),
            models.UniqueConstraint(fields=["choice"], condition=Q(kind="allocation"),
                                    name="message_one_allocation_per_choice"),
            models.CheckConstraint(condition=~Q(kind="stop_of_care") | ~Q(stop_reason=""),
                                   name="message_stop_has_reason"),
        ]
        verbose_name = _("message")
        verbose_name_plural = _("messages")


class ChangeRequestKind(models.TextChoices):
    MORE_TIME = "more_time", _("More time")
    LESS_TIME = "less_time", _("Less time")
    OTHER_SERVICE = "other_service", _("Another service")
    REASSESSMENT = "reassessment", _("A reassessment")


class ChangeRequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    APPROVED = "approved", _("Approved")
    PARTLY_APPROVED = "partly_approved", _("Partly approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def evidence_path(instance: "ChangeRequest", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evidence/{instance.municipality_id}/{uuid.uuid4().hex}.{extension[:5]}"


class ChangeRequest(TimeStamped):
    """A provider's request to change a decision, with a deadline for the answer."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="change_requests")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="change_requests")
    kind = models.CharField(_("what is requested"), max_length=16, choices=ChangeRequestKind.choices)
    requested_amount = models.DecimalField(_("requested amount"), max_digits=9, decimal_places=2,
                                           null=True, blank=True)
    requested_unit = models.CharField(_("requested unit"), max_length=8, choices=Unit.choices, blank=True)
    requested_frequency = models.CharField(_("requested frequency"), max_length=6, choices=Frequency.choices,
                                           blank=True)
    requested_service = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+", verbose_name=_("requested service"))
    reason = models.TextField(_("reason"))
    evidence = models.FileField(_("evidence"), upload_to=evidence_path, storage=evidence_storage, blank=True)
    evidence_content_type = models.CharField(max_length=40, blank=True)
    evidence_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ChangeRequestStatus.choices,
                              default=ChangeRequestStatus.OPEN)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    due_on = models.DateField(_("answer due"))
    answered_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_text = models.TextField(_("answer"), blank=True)
    amended_decision = models.ForeignKey(Decision, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name=_("amended decision"))
    external_reference = models.CharField(_("reference in the provider's system"), max_length=100, blank=True)

    class Meta:
        ordering = ["due_on", "requested_at", "id"]
        indexes = [models.Index(fields=["municipality", "status", "due_on"])]
        constraints = [
            models.UniqueConstraint(fields=["provider", "external_reference"], condition=~Q(external_reference=""),
                                    name="change_request_reference_unique_per_provider"),
            models.CheckConstraint(
                condition=~Q(status__in=["partly_approved", "rejected"]) | ~Q(answer_text=""),
                name="change_request_answer_explained"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "withdrawn"]) | Q(answered_at__isnull=False),
                name="change_request_answered_has_time"),
            models.CheckConstraint(condition=Q(requested_amount__isnull=True) | Q(requested_amount__gt=0),
                                   name="change_request_amount_positive"),
        ]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")

    @property
    def is_open(self) -> bool:
        return self.status == ChangeRequestStatus.OPEN


class FramePeriod(models.TextChoices):
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class FrameAdjustment(TimeStamped):
    """Time moved between days or tasks inside the granted amount (FSIII "changed within the
    frame"): recorded by the provider, visible to the assessor, never queued for approval."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="frame_adjustments")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="frame_adjustments")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    period_kind = models.CharField(_("period"), max_length=5, choices=FramePeriod.choices)
    period_start = models.DateField(_("first day of the period"))
    description = models.TextField(_("what was changed"))
    minutes_moved = models.PositiveIntegerField(_("minutes moved"))
    moved_from = models.CharField(_("moved from (day or task)"), max_length=200)
    moved_to = models.CharField(_("moved to (day or task)"), max_length=200)
    planned_minutes_after = models.PositiveIntegerField(_("planned minutes in the period after the move"))
    granted_minutes = models.PositiveIntegerField(_("granted minutes in the period"))
    external_reference = models.CharField(_("reference in the provider's system"), max_length=100, blank=True)

    class Meta:
        ordering = ["-period_start", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "external_reference"], condition=~Q(external_reference=""),
                                    name="frame_adjustment_reference_unique_per_provider"),
            models.CheckConstraint(condition=Q(planned_minutes_after__lte=models.F("granted_minutes")),
                                   name="frame_adjustment_within_frame"),
            models.CheckConstraint(condition=Q(minutes_moved__gt=0), name="frame_adjustment_moves_time"),
        ]
        verbose_name = _("adjustment within the frame")
        verbose_name_plural = _("adjustments within the frame")
