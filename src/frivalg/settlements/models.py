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
from frivalg.pricing.models import AfterCalculation
from frivalg.providers.models import Provider
from frivalg.visits.models import Visit


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    EXPORTED = "exported", _("Exported")


class RunKind(models.TextChoices):
    REGULAR = "regular", _("Regular")
    CORRECTION = "correction", _("Correction")


class SettlementPolicy(TimeStamped):
    """A municipality's settlement rules from a date (settlements.policy documents the format):
    tolerance, rounding, minimum, monthly cap, standard times, late cancellations, absences,
    start-up allowance, area surcharges, capitation by age and co-payments. Never edited once a
    run used it: a new version from a later date."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="settlement_policies")
    valid_from = models.DateField(_("valid from"))
    document = models.JSONField(_("rules"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["municipality", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "valid_from"], name="settlement_policy_one_per_day"),
        ]
        verbose_name = _("settlement policy")
        verbose_name_plural = _("settlement policies")

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.valid_from}"


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
    kind = models.CharField(_("kind"), max_length=10, choices=RunKind.choices, default=RunKind.REGULAR)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections",
                                 verbose_name=_("corrects the run"))
    after_calculation = models.ForeignKey(AfterCalculation, on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="settlement_runs",
                                          verbose_name=_("settles the after-calculation"))
    engine_version = models.CharField(_("engine version"), max_length=20, blank=True)
    input_hash = models.CharField(_("input hash"), max_length=64, blank=True,
                                  help_text=_("SHA-256 of the snapshot the lines were computed from."))
    output_hash = models.CharField(_("output hash"), max_length=64, blank=True,
                                   help_text=_("SHA-256 of the computed lines: the same input gives the same hash."))
    policy = models.JSONField(_("rules used"), default=dict, blank=True)
    deviation_count = models.PositiveIntegerField(_("deviations"), default=0)

    class Meta:
        ordering = ["-period_start", "provider"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "provider", "period_start", "period_end"],
                condition=Q(kind="regular"), name="run_one_per_provider_period",
            ),
            models.UniqueConstraint(
                fields=["municipality", "provider", "period_start", "period_end"],
                condition=Q(kind="regular") & Q(status__in=["approved", "exported"]),
                name="run_one_approved_per_provider_period",
            ),
            models.CheckConstraint(
                condition=Q(kind="regular") | Q(corrects__isnull=False) | Q(after_calculation__isnull=False),
                name="correction_names_its_run"),
            models.UniqueConstraint(fields=["after_calculation", "provider"],
                                    condition=Q(after_calculation__isnull=False),
                                    name="after_calculation_settled_once"),
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
    GRANTED = "granted", _("Paid for granted (planned) time")
    STANDARD_TIME = "standard_time", _("Paid the standard time for the service")
    PER_VISIT = "per_visit", _("Paid per visit")
    PER_UNIT = "per_unit", _("Paid per unit delivered")
    CAPITATION_VISIT = "capitation_visit", _("Covered by the monthly capitation: not paid per visit")
    CAPITATION = "capitation", _("Monthly capitation for the days in force")
    ABSENCE = "absence", _("Citizen absent (e.g. in hospital): paid the absence share")
    ACCEPTED = "accepted", _("Accepted by finance: paid planned time")
    REJECTED = "rejected", _("Rejected by finance: not paid")
    BAD_TIMES = "bad_times", _("Deviation: check-out missing or not after check-in")
    NO_DECISION = "no_decision", _("Deviation: no granted decision in force that day")
    NO_APPROVAL = "no_approval", _("Deviation: the provider is not approved for the service that day")
    OVERLAP = "overlap", _("Deviation: overlaps another visit of the same caregiver or citizen")
    CAPPED_MONTH = "capped_month", _("Cut at the month's granted time × the cap")
    TRAVEL = "travel", _("Travel surcharge for the citizen's area")
    STARTUP = "startup", _("Start-up allowance for a new client")
    CORRECTION = "correction", _("Correction of an approved line")
    AFTER_CALCULATION = "after_calc", _("After-calculation: (actual − set price) × delivered hours")


class SettlementLine(models.Model):
    """A visit's (or a capitation month's) payment with its reasons; or, on a correction run, a
    difference. An after-calculation's correction line has no visit, decision or citizen: it is a
    provider's hours of a service and band at the difference in price."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    run = models.ForeignKey(SettlementRun, on_delete=models.CASCADE, related_name="lines")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="settlement_lines")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="settlement_lines")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="settlement_lines")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="settlement_lines")
    time_band = models.CharField(max_length=8, choices=TimeBand.choices)
    planned_minutes = models.PositiveIntegerField(default=0)
    performed_minutes = models.PositiveIntegerField(default=0)
    payable_minutes = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    unit_price_minor = models.BigIntegerField(default=0)
    amount_minor = models.BigIntegerField(default=0)
    reason_code = models.CharField(max_length=16, choices=ReasonCode.choices)
    reasons = models.CharField(_("every rule that changed the line"), max_length=200, blank=True)
    quantity = models.BigIntegerField(_("quantity (ten-thousandths of a unit)"), default=0)
    deviation = models.BooleanField(_("deviation"), default=False)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("corrects the line"))

    class Meta:
        ordering = ["run", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "visit"], name="line_one_per_visit_per_run"),
        ]
        verbose_name = _("settlement line")
        verbose_name_plural = _("settlement lines")

    def __str__(self) -> str:
        return f"{self.reason_code} {self.amount_minor}"


class OverrideAction(models.TextChoices):
    ACCEPT = "accept", _("Accept: pay the planned time")
    REJECT = "reject", _("Reject: do not pay")


class LineOverride(TimeStamped):
    """Finance's decision on a visit (a disputed or deviating one): kept apart from the lines so
    that it survives every recomputation."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="settlement_override")
    action = models.CharField(_("decision"), max_length=6, choices=OverrideAction.choices)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("line override")
        verbose_name_plural = _("line overrides")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class LineDispute(TimeStamped):
    """A provider's objection to a line, with the comment finance answers."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    line = models.ForeignKey(SettlementLine, on_delete=models.CASCADE, related_name="disputes")
    raised_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(_("comment"))
    status = models.CharField(_("status"), max_length=8, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    answer = models.TextField(_("answer"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")


class CitizenIncome(TimeStamped):
    """A citizen's annual income for the co-payment bracket (personal data: finance only)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="incomes")
    year = models.PositiveSmallIntegerField(_("year"))
    income_minor = models.BigIntegerField(_("annual income (øre/öre)"))

    class Meta:
        ordering = ["citizen", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["citizen", "year"], name="income_one_per_year"),
            models.CheckConstraint(condition=Q(income_minor__gte=0), name="income_not_negative"),
        ]
        verbose_name = _("citizen income")
        verbose_name_plural = _("citizen incomes")


class CoPaymentBill(TimeStamped):
    """A citizen's co-payment for a month: the fee on delivered time and units, capped by the
    income bracket, plus the citizen's share of the meals delivered in the month (meals
    marketplace, docs/meals.md). Recomputed with the month's settlement until it is sent.

    The meals are outside the cap, an assumption of the municipality's policy that follows the
    Nordic practice: the monthly maximum fee covers the help, not the food. In Sweden the maxtaxa
    of socialtjänstlagen (2001:453) 8 kap. 5 § does not cover food (Socialstyrelsen's guidance on
    the maxtaxa lists meals as a cost outside it); in Denmark personal and practical help is free
    and the citizen pays for a meal service at the municipality's price, up to a statutory
    maximum (serviceloven § 161). `amount_minor` is therefore the capped care fee plus
    `meals_minor`."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="co_payment_bills")
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to (exclusive)"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    minutes = models.BigIntegerField(_("payable minutes"), default=0)
    units = models.BigIntegerField(_("units (ten-thousandths)"), default=0)
    fee_minor = models.BigIntegerField(_("fee before the cap"))
    cap_minor = models.BigIntegerField(_("monthly cap"), null=True, blank=True)
    meals_minor = models.BigIntegerField(_("citizen's share of the meals"), default=0, db_default=0)
    meals_count = models.PositiveIntegerField(_("meals delivered"), default=0, db_default=0)
    amount_minor = models.BigIntegerField(_("to pay"))
    input_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-period_start", "citizen"]
        constraints = [
            models.UniqueConstraint(fields=["citizen", "period_start", "period_end"], name="bill_one_per_period"),
            models.CheckConstraint(
                condition=Q(amount_minor__gte=0) & Q(amount_minor__lte=F("fee_minor") + F("meals_minor")),
                name="bill_within_fee"),
            models.CheckConstraint(condition=Q(meals_minor__gte=0), name="bill_meals_not_negative"),
        ]
        verbose_name = _("co-payment bill")
        verbose_name_plural = _("co-payment bills")

    @property
    def care_amount_minor(self) -> int:
        """What the citizen pays for the care: the fee after the cap, without the meals."""
        return self.amount_minor - self.meals_minor


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BatchStep(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    SNAPSHOT = "snapshot", _("Reading the month's visits")
    ENGINE = "engine", _("Computing the lines")
    STORE = "store", _("Storing the runs")
    DONE = "done", _("Finished")


class SettlementBatch(TimeStamped):
    """One computation of a municipality's month by the engine in the background: its progress
    and, when done, what it gave (the MonthResult's figures and the runs it wrote)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="settlement_batches")
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to (exclusive)"))
    status = models.CharField(_("status"), max_length=8, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    step = models.CharField(_("step"), max_length=8, choices=BatchStep.choices, default=BatchStep.QUEUED)
    percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.TextField(_("message"), blank=True)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    deviation_count = models.PositiveIntegerField(_("deviations"), default=0)
    bill_count = models.PositiveIntegerField(_("co-payment bills"), default=0)
    total_minor = models.BigIntegerField(_("total (øre/öre)"), default=0)
    input_hash = models.CharField(_("input hash"), max_length=64, blank=True)
    output_hash = models.CharField(_("output hash"), max_length=64, blank=True)
    runs = models.ManyToManyField(SettlementRun, blank=True, related_name="batches", verbose_name=_("runs"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gt=F("period_start")), name="batch_period_order"),
            models.CheckConstraint(condition=Q(percent__lte=100), name="batch_percent_at_most_100"),
        ]
        verbose_name = _("settlement batch")
        verbose_name_plural = _("settlement batches")

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.period_start} {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in (BatchStatus.DONE, BatchStatus.FAILED)


class SettlementBudget(TimeStamped):
    """Finance's budget for a month's settlement, compared with what the runs pay."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="settlement_budgets")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    amount_minor = models.BigIntegerField(_("budget (øre/öre)"))
    set_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["municipality", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "month"], name="budget_one_per_month"),
            models.CheckConstraint(condition=Q(amount_minor__gte=0), name="budget_not_negative"),
        ]
        verbose_name = _("settlement budget")
        verbose_name_plural = _("settlement budgets")

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.month:%Y-%m}"
