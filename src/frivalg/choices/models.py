"""Which provider delivers a decision, from when: actively chosen or assigned by the default
rule. Every switch is a new row; the previous row gets its end date — the history is kept."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from frivalg.assessments.models import Decision
from frivalg.core.models import Citizen, Municipality, TimeStamped, User
from frivalg.providers.models import Provider


class ChoiceHow(models.TextChoices):
    ACTIVE = "active", _("Chosen by the citizen")
    DEFAULT = "default", _("Assigned by the default rule")


class DefaultRule(models.TextChoices):
    ROTATION = "rotation", _("Rotation among approved providers")
    LOTTERY = "lottery", _("Lottery weighted by capacity")
    NEAREST = "nearest", _("Nearest provider with capacity")
    IN_HOUSE = "in_house", _("The in-house provider")


class Initiator(models.TextChoices):
    CITIZEN = "citizen", _("The citizen")
    RELATIVE = "relative", _("A relative with power of attorney")
    ASSESSOR = "assessor", _("The municipality's assessor")
    PROVIDER = "provider", _("The provider")
    SYSTEM = "system", _("The default rule (no choice made)")


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
    initiated_by = models.CharField(
        _("initiated by"), max_length=10, choices=Initiator.choices, blank=True, db_default="",
        help_text=_("Who asked for this choice or switch."),
    )
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


class DefaultRuleSetting(TimeStamped):
    """A municipality's default rule for citizens who do not choose, the days they have to choose,
    and the notice of a switch. Without a row the defaults below apply."""

    municipality = models.OneToOneField(Municipality, on_delete=models.PROTECT, related_name="default_rule_setting")
    rule = models.CharField(_("default rule"), max_length=10, choices=DefaultRule.choices,
                            default=DefaultRule.ROTATION)
    choice_deadline_days = models.PositiveSmallIntegerField(
        _("days to choose"), default=14,
        help_text=_("Days a citizen has to choose after a decision or after a provider ended the help."))
    switch_notice_days = models.PositiveSmallIntegerField(
        _("notice of a switch (days)"), default=10,
        help_text=_("Days from a switch request until the new provider takes over."))
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["municipality"]
        constraints = [
            models.CheckConstraint(condition=Q(switch_notice_days__lte=365) & Q(choice_deadline_days__lte=365),
                                   name="default_rule_setting_days_in_range"),
        ]
        verbose_name = _("default rule setting")
        verbose_name_plural = _("default rule settings")


class ProviderProfile(TimeStamped):
    """What a provider presents to citizens beyond the provider record: its specialities."""

    provider = models.OneToOneField(Provider, on_delete=models.CASCADE, related_name="choice_profile")
    specialities = models.JSONField(_("specialities"), default=list, blank=True,
                                    help_text=_("e.g. dementia, palliative care, a language or culture."))

    class Meta:
        ordering = ["provider"]
        verbose_name = _("provider profile")
        verbose_name_plural = _("provider profiles")


class TerminationReason(models.TextChoices):
    SAFETY = "safety", _("Staff safety in the home")
    CONDUCT = "conduct", _("The citizen's or relatives' conduct")
    CAPACITY = "capacity", _("The provider cannot staff the help")
    NEEDS = "needs", _("The needs are beyond what the provider offers")
    CLOSING = "closing", _("The provider stops delivering the service")
    OTHER = "other", _("Other reason")


class ProviderTermination(TimeStamped):
    """A provider ending a client relationship (recorded apart from the citizen's switches): the
    reason code and the client's assessed need at the time, for cream-skimming follow-up."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="provider_terminations")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="terminations")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="provider_terminations")
    choice = models.OneToOneField(Choice, on_delete=models.PROTECT, related_name="termination")
    reason_code = models.CharField(_("reason"), max_length=10, choices=TerminationReason.choices)
    explanation = models.TextField(_("explanation"))
    notice_days = models.PositiveSmallIntegerField(_("notice (days)"))
    last_day = models.DateField(_("last day of help"))
    choose_by = models.DateField(_("the citizen chooses again by"))
    need_scale = models.CharField(_("scale"), max_length=6, blank=True)
    need_scores = models.JSONField(_("assessed need at the time"), default=dict, blank=True)
    need_points = models.PositiveIntegerField(_("need points at the time"), null=True, blank=True)
    ended_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("provider termination")
        verbose_name_plural = _("provider terminations")


class ProviderRating(TimeStamped):
    """A citizen's (or relative's) rating of their provider, 1–5 on fixed questions, at most once
    per provider and quarter."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="provider_ratings")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="ratings")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="provider_ratings")
    quarter = models.CharField(_("quarter"), max_length=7, help_text=_("e.g. 2026Q4"))
    respect = models.PositiveSmallIntegerField(_("The staff treat me with respect"))
    on_time = models.PositiveSmallIntegerField(_("The staff come at the agreed time"))
    same_people = models.PositiveSmallIntegerField(_("I see the same staff most of the time"))
    overall = models.PositiveSmallIntegerField(_("Overall, I am satisfied with the help"))
    rated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    QUESTIONS = ("respect", "on_time", "same_people", "overall")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "citizen", "quarter"], name="rating_once_per_quarter"),
            *[
                models.CheckConstraint(condition=Q(**{f"{q}__gte": 1}) & Q(**{f"{q}__lte": 5}),
                                       name=f"rating_{q}_1_to_5")
                for q in ("respect", "on_time", "same_people", "overall")
            ],
        ]
        verbose_name = _("provider rating")
        verbose_name_plural = _("provider ratings")


class ComplaintOutcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    PARTLY = "partly", _("Partly upheld")
    REJECTED = "rejected", _("Rejected")


class Complaint(TimeStamped):
    """A complaint about a provider; the municipality records the outcome."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="complaints")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="complaints")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="complaints")
    text = models.TextField(_("what the complaint is about"))
    received = models.DateField(_("received"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=ComplaintOutcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome explanation"), blank=True)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-received", "-id"]
        indexes = [models.Index(fields=["provider", "received"])]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
