"""Which provider delivers a decision, from when: actively chosen or assigned by the default
rule. Every switch is a new row; the previous row gets its end date — the history is kept."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from frivalg.assessments.models import Decision
from frivalg.core.models import Municipality, TimeStamped, User
from frivalg.providers.models import Provider


class ChoiceHow(models.TextChoices):
    ACTIVE = "active", _("Chosen by the citizen")
    DEFAULT = "default", _("Assigned by the default rule")


class DefaultRule(models.TextChoices):
    ROTATION = "rotation", _("Rotation among approved providers")
    LOTTERY = "lottery", _("Lottery weighted by capacity")
    NEAREST = "nearest", _("Nearest provider with capacity")
    IN_HOUSE = "in_house", _("The in-house provider")


class Choice(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="choices")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="choices")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="choices")
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("to"), null=True, blank=True)
    how = models.CharField(_("how"), max_length=8, choices=ChoiceHow.choices)
    default_rule = models.CharField(_("default rule"), max_length=10, choices=DefaultRule.choices, blank=True)
    chosen_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.TextField(_("reason"), blank=True)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next",
        help_text=_("The choice this one replaced (a switch)."),
    )

    class Meta:
        ordering = ["decision", "valid_from", "id"]
        indexes = [models.Index(fields=["provider", "valid_to"])]
        constraints = [
            models.UniqueConstraint(
                fields=["decision"], condition=Q(valid_to__isnull=True), name="choice_one_open_per_decision"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="choice_valid_period"
            ),
            models.CheckConstraint(
                condition=(Q(how="active") & Q(default_rule="")) | (Q(how="default") & ~Q(default_rule="")),
                name="choice_default_rule_recorded",
            ),
        ]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
