"""Waiting lists for services with limited places, ranked by a published rule of assessed need
and waiting time (rules.py); every change of order is a RankChange with its explanation."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from frivalg.assessments.models import Assessment, Decision
from frivalg.catalogue.models import Service
from frivalg.core.models import Citizen, Municipality, TimeStamped, User


class UrgencyReason(models.TextChoices):
    HOSPITAL_DISCHARGE = "hospital_discharge", _("Discharge from hospital")
    CARER_BREAKDOWN = "carer_breakdown", _("The carer at home can no longer cope")
    SAFETY_RISK = "safety_risk", _("Unsafe to stay at home")
    TERMINAL_CARE = "terminal_care", _("End-of-life care")


class WaitingList(TimeStamped):
    """One list per service with limited places. The ranking rule is published with the list;
    changing it makes a new version from a date (waiting_list_update)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="waiting_lists")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="waiting_lists")
    name = models.CharField(_("name"), max_length=160)
    places = models.PositiveIntegerField(_("places"), help_text=_("How many places the service has in all."))
    free_places = models.PositiveIntegerField(
        _("free places"), default=0, help_text=_("Places freed and not yet offered to anyone."))
    need_weight = models.PositiveIntegerField(_("points per need point"), default=10)
    wait_weight = models.PositiveIntegerField(_("points per waiting day"), default=1)
    urgent_reasons = models.JSONField(
        _("urgencies that go first"), default=list, blank=True,
        help_text=_("The urgency reasons that put an entry above every non-urgent one."))
    rule_version = models.PositiveIntegerField(_("rule version"), default=1)
    rule_valid_from = models.DateField(_("rule valid from"))

    class Meta:
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="waiting_list_name_unique"),
            models.CheckConstraint(condition=Q(free_places__lte=F("places")), name="waiting_list_free_within_places"),
        ]
        verbose_name = _("waiting list")
        verbose_name_plural = _("waiting lists")

    def __str__(self) -> str:
        return self.name


class EntryStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered a place")
    PLACED = "placed", _("Placed")
    DECLINED = "declined", _("Declined the place")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: Entries that still hold a rank.
ACTIVE_STATUSES = (EntryStatus.WAITING, EntryStatus.OFFERED)


class WaitingListEntry(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    waiting_list = models.ForeignKey(WaitingList, on_delete=models.PROTECT, related_name="entries")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="waiting_list_entries")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="waiting_list_entries")
    applied_on = models.DateField(_("applied on"))
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="waiting_list_entries",
                                   help_text=_("The assessment the need score comes from."))
    need_score = models.PositiveIntegerField(_("need score"))
    urgent = models.BooleanField(_("urgent"), default=False)
    urgent_reason = models.CharField(_("urgency"), max_length=20, choices=UrgencyReason.choices, blank=True)
    status = models.CharField(_("status"), max_length=9, choices=EntryStatus.choices, default=EntryStatus.WAITING)
    position = models.PositiveIntegerField(_("position"), null=True, blank=True)
    score = models.PositiveIntegerField(_("score"), default=0)
    offered_on = models.DateField(_("offered on"), null=True, blank=True)
    placed_on = models.DateField(_("placed on"), null=True, blank=True)
    left_on = models.DateField(_("left the list on"), null=True, blank=True)

    class Meta:
        ordering = ["waiting_list", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["waiting_list", "citizen"], condition=Q(status__in=["waiting", "offered"]),
                name="waiting_list_one_active_entry_per_citizen",
            ),
            models.CheckConstraint(condition=~Q(urgent=True) | ~Q(urgent_reason=""), name="entry_urgent_has_reason"),
        ]
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting-list entries")

    def __str__(self) -> str:
        return f"{self.waiting_list} #{self.position}"


class RankChangeCode(models.TextChoices):
    NEW_ENTRY_ABOVE = "new_entry_above", _("Someone with a higher score joined the list")
    REASSESSED = "reassessed", _("A new assessment changed a need score")
    URGENT = "urgent", _("An urgency changed")
    PLACED_ABOVE = "placed_above", _("Someone above got a place")
    RULE_CHANGED = "rule_changed", _("The ranking rule changed")
    WITHDRAWN_ABOVE = "withdrawn_above", _("Someone above left the list")


class RankChange(models.Model):
    """One change of an entry's position, with why. Append-only."""

    entry = models.ForeignKey(WaitingListEntry, on_delete=models.CASCADE, related_name="rank_changes")
    old_position = models.PositiveIntegerField(_("old position"))
    new_position = models.PositiveIntegerField(_("new position"))
    at = models.DateTimeField(_("at"))
    code = models.CharField(_("reason"), max_length=16, choices=RankChangeCode.choices)
    explanation = models.TextField(_("explanation"))
    old_score = models.PositiveIntegerField(_("old score"))
    new_score = models.PositiveIntegerField(_("new score"))
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["entry", "-at", "-id"]
        verbose_name = _("change of rank")
        verbose_name_plural = _("changes of rank")

    def __str__(self) -> str:
        return f"{self.old_position} → {self.new_position} ({self.code})"
