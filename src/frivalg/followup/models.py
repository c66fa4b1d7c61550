"""Follow-up keeps little of its own: the indicators are computed from the other apps' data.
Stored here: the cache of computed indicator tables (by parameters and data stamp), the
municipality's task list for the competition exposure indicator and the gains map, benchmark
figures imported from other municipalities' published key figures, and the annual competition
report with its progress."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from frivalg.catalogue.models import Service
from frivalg.core.models import Municipality, TimeStamped, User


class IndicatorResult(models.Model):
    """One indicator computed with one set of parameters on the data as of `stamp`: the Arrow
    table as IPC bytes. A new stamp (new data) means a new row; old rows are only a cache."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="+")
    code = models.CharField(_("indicator"), max_length=60)
    key = models.CharField(_("parameter hash"), max_length=64)
    stamp = models.CharField(_("data stamp"), max_length=120)
    parameters = models.JSONField(_("parameters"), default=dict)
    data_as_of = models.DateTimeField(_("data as of"))
    computed_at = models.DateTimeField(_("computed"), auto_now_add=True)
    seconds = models.FloatField(_("seconds"), default=0)
    table = models.BinaryField(_("table (Arrow IPC)"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "stamp"], name="indicator_result_unique")]
        verbose_name = _("indicator result")
        verbose_name_plural = _("indicator results")

    def __str__(self) -> str:
        return f"{self.code} {self.stamp}"


class CompetitionTask(TimeStamped):
    """A task on the municipality's list for the competition exposure indicator (in the style of
    the Danish IKU) and the gains map: the services it covers, whether it could be exposed to
    competition, when it was (free choice or tender) and when the in-house unit won it in
    competition."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="competition_tasks")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=160)
    services = models.ManyToManyField(Service, related_name="competition_tasks", verbose_name=_("services"))
    exposable = models.BooleanField(_("could be exposed to competition"), default=True)
    exposed_on = models.DateField(_("exposed to competition from"), null=True, blank=True)
    in_house_won_on = models.DateField(_("won by the in-house unit in competition on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="competition_task_code_unique"),
            models.CheckConstraint(
                condition=Q(in_house_won_on__isnull=True) | Q(exposed_on__isnull=False),
                name="competition_task_won_after_exposed",
            ),
            models.CheckConstraint(
                condition=Q(exposed_on__isnull=True) | Q(exposable=True),
                name="competition_task_exposed_is_exposable",
            ),
        ]
        verbose_name = _("competition task")
        verbose_name_plural = _("competition tasks")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class BenchmarkImport(TimeStamped):
    """One CSV of other municipalities' published key figures, imported by a municipality: what
    it held, what was accepted and every rejected row with its reason."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="benchmark_imports")
    file_name = models.CharField(_("file"), max_length=200)
    source = models.CharField(_("source"), max_length=300)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    rejected = models.JSONField(_("rejected rows"), default=list)
    imported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("benchmark import")
        verbose_name_plural = _("benchmark imports")

    def __str__(self) -> str:
        return self.file_name


class BenchmarkFigure(models.Model):
    """A published key figure of another municipality (or of this one, for a year before it used
    frivalg), as imported: compared beside the installation's own figures."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="benchmark_figures")
    batch = models.ForeignKey(BenchmarkImport, on_delete=models.CASCADE, related_name="figures")
    other_code = models.CharField(_("municipality code"), max_length=20)
    other_name = models.CharField(_("municipality"), max_length=120)
    year = models.PositiveSmallIntegerField(_("year"))
    indicator = models.CharField(_("indicator"), max_length=60)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)

    class Meta:
        ordering = ["indicator", "year", "other_name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "other_code", "year", "indicator"],
                                    name="benchmark_figure_unique"),
        ]
        verbose_name = _("benchmark figure")
        verbose_name_plural = _("benchmark figures")

    def __str__(self) -> str:
        return f"{self.other_name} {self.year} {self.indicator}"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class AnnualReport(TimeStamped):
    """The annual competition report for the municipal council: generated in the background
    (progress in `percent` and `step`), kept as the PDF it produced."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="annual_reports")
    year = models.PositiveSmallIntegerField(_("year"))
    language = models.CharField(_("language"), max_length=5, default="da")
    status = models.CharField(_("status"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("step"), max_length=200, blank=True)
    message = models.TextField(_("message"), blank=True)
    stamp = models.CharField(_("data stamp"), max_length=120, blank=True)
    pdf = models.BinaryField(_("PDF"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="annual_report_percent_at_most_100"),
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2100), name="annual_report_year"),
        ]
        verbose_name = _("annual competition report")
        verbose_name_plural = _("annual competition reports")

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.year} {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in (ReportStatus.DONE, ReportStatus.FAILED)


