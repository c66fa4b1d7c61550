"""Planned and performed visits with their verification (the six EVV elements: service,
recipient, date, location, caregiver, begin and end), and absences such as hospital stays."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from frivalg.assessments.models import Decision
from frivalg.catalogue.models import Service
from frivalg.core.models import Citizen, Municipality, TimeStamped, User
from frivalg.providers.models import Provider, StaffMember


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    MISSED = "missed", _("Missed")
    CANCELLED_CITIZEN = "cancelled_citizen", _("Cancelled by the citizen")
    CANCELLED_PROVIDER = "cancelled_provider", _("Cancelled by the provider")


class CheckMethod(models.TextChoices):
    APP = "app", _("App")
    PHONE = "phone", _("Phone")
    MANUAL = "manual", _("Manual")
    IMPORT = "import", _("Imported")


class Visit(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="visits", db_index=False)
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="visits")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="visits", db_index=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="visits")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="visits", db_index=False)
    # The foreign keys above and caregiver lead a composite index with planned_start (Meta), so
    # they carry no index of their own: visits are the table written most.
    caregiver = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="visits", db_index=False
    )
    planned_start = models.DateTimeField(_("planned start"))
    planned_end = models.DateTimeField(_("planned end"))
    actual_start = models.DateTimeField(_("checked in"), null=True, blank=True)
    actual_end = models.DateTimeField(_("checked out"), null=True, blank=True)
    check_in_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    check_in_method = models.CharField(_("check-in method"), max_length=6, choices=CheckMethod.choices, blank=True)
    check_out_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    check_out_method = models.CharField(_("check-out method"), max_length=6, choices=CheckMethod.choices, blank=True)
    tasks = models.JSONField(_("tasks (FSIII codes)"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    source_system = models.CharField(_("source system"), max_length=60, default="frivalg")
    external_id = models.CharField(_("id in the source system"), max_length=80, blank=True)

    class Meta:
        ordering = ["planned_start", "id"]
        indexes = [
            models.Index(fields=["municipality", "planned_start"]),
            models.Index(fields=["provider", "planned_start"]),
            models.Index(fields=["citizen", "planned_start"]),
            models.Index(fields=["caregiver", "planned_start"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(planned_end__gt=F("planned_start")), name="visit_planned_order"),
            models.CheckConstraint(
                condition=Q(actual_end__isnull=True) | Q(actual_start__isnull=False), name="visit_out_needs_in"
            ),
            models.CheckConstraint(
                condition=Q(actual_end__isnull=True) | Q(actual_end__gte=F("actual_start")), name="visit_actual_order"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | (Q(actual_start__isnull=False) & Q(actual_end__isnull=False)),
                name="visit_done_is_verified",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["cancelled_citizen", "cancelled_provider"]) | Q(cancelled_at__isnull=False),
                name="visit_cancel_has_time",
            ),
            models.UniqueConstraint(
                fields=["provider", "source_system", "external_id"],
                condition=~Q(external_id=""),
                name="visit_external_id_unique",
            ),
        ]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")


class AbsenceKind(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital stay")
    HOLIDAY = "holiday", _("Holiday / away")
    RESPITE = "respite", _("Respite stay")


class Absence(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="absences")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="absences")
    kind = models.CharField(_("kind"), max_length=8, choices=AbsenceKind.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"), null=True, blank=True)
    planned = models.BooleanField(_("announced in advance"), default=False)
    registered_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["citizen", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="absence_period"),
        ]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
