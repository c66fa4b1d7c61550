"""Competitive tenders for welfare services: the tender with its lots and award criteria, the
evaluation model (published with the tender and locked from then on), questions and answers,
sealed bids (the in-house unit's control bid among them), graders' scores, the award decision
with its standstill period, and the contract that follows. The evaluation rules themselves are
pure functions in tenders.rules."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from frivalg.catalogue.models import Service
from frivalg.core.models import District, Municipality, TimeStamped, User
from frivalg.providers.models import Approval, Provider

#: CPV 2008: health and social work services (the default classification of a welfare tender).
CPV_HEALTH_AND_SOCIAL_WORK = "85000000-9"


class TenderStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PUBLISHED = "published", _("Published: bids may be submitted")
    OPENED = "opened", _("Bids opened: evaluation")
    AWARDED = "awarded", _("Award decided: standstill period")
    CONTRACTED = "contracted", _("Contract signed")
    CANCELLED = "cancelled", _("Cancelled")


class EvaluationModel(models.TextChoices):
    POINTS_LINEAR = "points_linear", _("Weighted points, price by the linear formula")
    POINTS_PROPORTIONAL = "points_proportional", _("Weighted points, price by the proportional formula")
    POINTS_INTERVAL = "points_interval", _("Weighted points, price by an interval scale")
    MONETISED = "monetised", _("Monetised quality (price adjusted by the money value of quality)")
    PRICE_PER_POINT = "price_per_point", _("Price per quality point")


class PriceForm(models.TextChoices):
    HOURLY_BY_BAND = "hourly", _("Hourly price per time band")
    PER_UNIT = "unit", _("Price per unit")
    MONTHLY_FEE = "monthly", _("Fixed monthly fee")


class Tender(TimeStamped):
    """A tender: plan → publish → questions → bids → opening → evaluation → award → standstill →
    contract. The evaluation model, its parameters and the criteria are published with the
    tender and cannot change once it is published (`locked_at`)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="tenders")
    reference = models.CharField(_("reference"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    cpv_code = models.CharField(_("CPV code"), max_length=12, default=CPV_HEALTH_AND_SOCIAL_WORK)
    status = models.CharField(_("status"), max_length=10, choices=TenderStatus.choices, default=TenderStatus.PLANNED)
    #: Free choice among the winners (each gets an approval) or an exclusive assignment.
    free_choice = models.BooleanField(_("the citizens choose among the winners"), default=True)
    evaluation_model = models.CharField(_("evaluation model"), max_length=20, choices=EvaluationModel.choices,
                                        default=EvaluationModel.POINTS_LINEAR)
    #: The model's parameters (tenders.rules documents them): price weight, maximum points,
    #: interval scale, money value per quality point …
    model_parameters = models.JSONField(_("evaluation model parameters"), default=dict, blank=True)
    price_weight = models.DecimalField(_("price weight (%)"), max_digits=5, decimal_places=2, default=40)
    min_quality_overall = models.DecimalField(_("minimum share of all quality points (%)"), max_digits=5,
                                              decimal_places=2, default=70)
    min_quality_per_criterion = models.DecimalField(_("minimum share of each criterion's points (%)"),
                                                    max_digits=5, decimal_places=2, default=50)
    two_graders = models.BooleanField(_("two graders agree on each grade"), default=False)
    question_deadline = models.DateTimeField(_("questions until"), null=True, blank=True)
    bid_deadline = models.DateTimeField(_("bids until"), null=True, blank=True)
    standstill_days = models.PositiveSmallIntegerField(_("standstill period (days)"), default=10)
    contract_start = models.DateField(_("contract from"), null=True, blank=True)
    contract_end = models.DateField(_("contract to"), null=True, blank=True)
    option_months = models.PositiveSmallIntegerField(_("options to extend (months)"), default=0)
    #: Risk sharing for heavy cases: inside the volume band the provider bears the risk; outside
    #: it the rule applies.
    risk_band_low_percent = models.PositiveSmallIntegerField(
        _("volume band from (percent of the estimate)"), default=80)
    risk_band_high_percent = models.PositiveSmallIntegerField(
        _("volume band to (percent of the estimate)"), default=120)
    risk_rule = models.TextField(_("rule outside the volume band"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    locked_at = models.DateTimeField(_("evaluation model locked"), null=True, blank=True)
    opened_at = models.DateTimeField(_("bids opened"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "reference"], name="tender_reference_unique"),
            models.CheckConstraint(condition=Q(price_weight__gte=0) & Q(price_weight__lte=100),
                                   name="tender_price_weight_percent"),
            models.CheckConstraint(condition=Q(risk_band_low_percent__lte=F("risk_band_high_percent")),
                                   name="tender_risk_band_order"),
            models.CheckConstraint(
                condition=Q(contract_end__isnull=True) | Q(contract_start__isnull=True)
                | Q(contract_end__gt=F("contract_start")), name="tender_contract_order"),
        ]
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class Lot(models.Model):
    """A lot: one service in some districts, with its estimated volume per year and price form."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField(_("lot number"))
    title = models.CharField(_("title"), max_length=200)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("service"))
    districts = models.ManyToManyField(District, blank=True, related_name="+", verbose_name=_("districts"))
    price_form = models.CharField(_("price form"), max_length=8, choices=PriceForm.choices,
                                  default=PriceForm.HOURLY_BY_BAND)
    #: Estimated volume per year in the price form's unit: hours per time band ({"day": 12000, …}),
    #: units ({"unit": 5000}) or months ({"month": 12}).
    volumes = models.JSONField(_("estimated volumes per year"), default=dict)
    max_winners = models.PositiveSmallIntegerField(_("most winners"), default=1)

    class Meta:
        ordering = ["tender", "number"]
        constraints = [models.UniqueConstraint(fields=["tender", "number"], name="lot_number_unique")]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")

    def __str__(self) -> str:
        return f"{self.tender.reference}/{self.number} {self.title}"


class Criterion(models.Model):
    """An award criterion (or a sub-criterion, with `parent`): its weight among its siblings, the
    grading scale 0–`scale_max` with what earns each grade, and — for the monetised model — the
    money one grade point is worth."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="criteria")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("what is assessed"), blank=True)
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)
    scale_max = models.PositiveSmallIntegerField(_("highest grade"), default=10)
    #: {"0": "…", "5": "…", "10": "…"}: what earns each grade (at least the lowest and highest).
    grade_descriptions = models.JSONField(_("what earns each grade"), default=dict)
    value_per_point_minor = models.BigIntegerField(_("money value of one grade point (øre/öre)"), default=0)

    class Meta:
        ordering = ["tender", "code"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "code"], name="criterion_code_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0) & Q(weight__lte=100), name="criterion_weight_percent"),
            models.CheckConstraint(condition=Q(scale_max__gt=0), name="criterion_scale_positive"),
        ]
        verbose_name = _("award criterion")
        verbose_name_plural = _("award criteria")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Question(TimeStamped):
    """A bidder's question and the municipality's answer, published to every bidder without the
    asker's name."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="questions")
    asked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("question"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text[:60]


class BidStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REJECTED = "rejected", _("Rejected (below a quality threshold or non-compliant)")


class Bid(TimeStamped):
    """A bid on a lot, sealed until the tender's bid deadline: before it nobody but the bidder
    reads it (tenders.selectors). The in-house unit's control bid is a bid like any other, priced
    with the in-house cost model (`cost_model_reference`)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="bids")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="bids")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="bids")
    control_bid = models.BooleanField(_("the in-house unit's control bid"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=BidStatus.choices, default=BidStatus.DRAFT)
    #: Prices in the lot's price form, minor units: {"day": 41000, "evening": 52000, …}, {"unit": …}
    #: or {"month": …}.
    prices = models.JSONField(_("prices"), default=dict)
    #: The evaluation price: prices × the lot's estimated volumes, minor units per year.
    evaluation_price_minor = models.BigIntegerField(_("evaluation price per year"), default=0)
    #: {criterion code: the bidder's answer}.
    answers = models.JSONField(_("answers per criterion"), default=dict)
    document = models.FileField(_("document"), upload_to="tenders/bids/%Y/%m/", blank=True)
    document_name = models.CharField(_("document name"), max_length=200, blank=True)
    document_content_type = models.CharField(_("document type"), max_length=60, blank=True)
    cost_model_reference = models.CharField(_("cost model behind the control bid"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["tender", "lot", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "provider"], condition=~Q(status="withdrawn"),
                                    name="bid_one_live_per_lot_and_provider"),
        ]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")

    def __str__(self) -> str:
        return f"{self.lot} {self.provider_id} {self.status}"


class Grade(TimeStamped):
    """A grader's grade of one bid on one (leaf) criterion, with the written justification. With
    two graders, the consensus grade is the one marked `consensus`."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="grades")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="grades")
    grader = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    grade = models.PositiveSmallIntegerField(_("grade"))
    justification = models.TextField(_("justification"))
    consensus = models.BooleanField(_("consensus grade"), default=False)

    class Meta:
        ordering = ["bid", "criterion", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "criterion", "grader"], condition=Q(consensus=False),
                                    name="grade_one_per_grader"),
            models.UniqueConstraint(fields=["bid", "criterion"], condition=Q(consensus=True),
                                    name="grade_one_consensus"),
        ]
        verbose_name = _("grade")
        verbose_name_plural = _("grades")

    def __str__(self) -> str:
        return f"{self.bid_id} {self.criterion_id} {self.grade}"


class Award(TimeStamped):
    """The award decision on a lot: the winning bid(s), the reasons, the evaluation under the
    published model (and the other models, for the record), and the standstill period."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="awards")
    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="award")
    winners = models.ManyToManyField(Bid, related_name="awards", verbose_name=_("winning bids"))
    reasons = models.TextField(_("reasons"))
    evaluation = models.JSONField(_("evaluation"), default=dict)
    decided_at = models.DateTimeField(_("decided"))
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    standstill_ends = models.DateField(_("standstill period ends"))

    class Meta:
        ordering = ["lot"]
        verbose_name = _("award decision")
        verbose_name_plural = _("award decisions")

    def __str__(self) -> str:
        return f"{self.lot} {self.decided_at:%Y-%m-%d}"


class Contract(TimeStamped):
    """The contract with a winner on a lot: its service, districts and period, and the approval
    it created (free choice) — or the exclusive assignment when the tender gives no choice."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="contracts")
    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="contract")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="contracts")
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("to"))
    exclusive = models.BooleanField(_("exclusive assignment (no free choice)"), default=False)
    approval = models.ForeignKey(Approval, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    signed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["award", "provider"]
        constraints = [models.CheckConstraint(condition=Q(valid_to__gt=F("valid_from")), name="contract_order")]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return f"{self.award} {self.provider_id}"
