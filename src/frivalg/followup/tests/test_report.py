"""The annual competition report: its rules (concentration warnings, cream-skimming signals, the
proposed tasks), the background job with its progress and failure, the pages, and the PDF made
from factory data, whose text is read back."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pypdf
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from frivalg.assessments.tests.factories import DecisionFactory
from frivalg.choices.models import ProviderTermination
from frivalg.choices.tests.factories import ChoiceFactory
from frivalg.core.models import AuditEvent
from frivalg.core.tests.factories import CitizenFactory, UserFactory
from frivalg.followup import report
from frivalg.followup.models import AnnualReport, CompetitionTask, ReportStatus
from frivalg.followup.report import Market, TaskFacts, concentration_warnings, propose_tasks, skimming_signals
from frivalg.followup.report_services import annual_report_run, annual_report_start
from frivalg.settlements.models import SettlementBudget, SettlementLine, SettlementRun
from frivalg.visits.tests.factories import VisitFactory

CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture(autouse=True)
def english(client):
    """Pages and messages in English, the source language, whatever the translations say."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def pdf_text(data: bytes) -> str:
    """The PDF's text with its whitespace collapsed (line breaks fall anywhere)."""
    reader = pypdf.PdfReader(io.BytesIO(bytes(data)))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


# -- the rules ----------------------------------------------------------------------------------


def market(service: str, hhi: float, *, service_id: int = 1, district: str = "Nord") -> Market:
    return Market(service_id=service_id, district_id=1, service=service, district=district, hhi=hhi, providers=2,
                  hours=10.0)


def test_concentration_warnings_split_at_the_usual_thresholds():
    # Above 2,500 is high; 1,500–2,500 (both ends included) moderate; below 1,500 no warning.
    markets = [market("a", 1499.99), market("b", 1500), market("c", 2500), market("d", 2500.01),
               market("e", 10000)]
    high, moderate = concentration_warnings(markets)
    assert [m.service for m in high] == ["e", "d"]
    assert [m.service for m in moderate] == ["c", "b"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 1_000_000).map(lambda v: v / 100), max_size=30))  # HHI with two decimals
def test_concentration_warnings_are_disjoint_and_cover_every_market_from_1500(values):
    markets = [market(str(i), v) for i, v in enumerate(values)]
    high, moderate = concentration_warnings(markets)
    assert {m.service for m in high}.isdisjoint({m.service for m in moderate})
    assert sorted(m.service for m in high + moderate) == sorted(m.service for m in markets if m.hhi >= 1500)
    assert [m.hhi for m in high] == sorted((m.hhi for m in high), reverse=True)


def test_skimming_signals_keep_the_signalled_rows_highest_ratio_first():
    rows = [{"provider_id": 1, "skimming_ratio": 1.3, "signal": "signal"},
            {"provider_id": 2, "skimming_ratio": 2.0, "signal": "none"},
            {"provider_id": 3, "skimming_ratio": 1.9, "signal": "signal"}]
    assert [r["provider_id"] for r in skimming_signals(rows)] == [3, 1]


def task(code: str, *, exposable: bool = True, exposed: bool = False, services: tuple[int, ...] = (1,),
         cost: int | None = None, hours: float | None = None) -> TaskFacts:
    return TaskFacts(code=code, name=f"Task {code}", exposable=exposable, exposed=exposed,
                     service_ids=frozenset(services), cost_minor=cost, hours=hours)


def test_proposals_put_the_costly_open_tasks_first_then_exposed_tasks_in_concentrated_markets():
    tasks = [
        task("CHEAP", cost=100_00, hours=2.0),
        task("DEAR", cost=500_000_00, hours=1000.0),
        task("NOCOST"),                                       # open, the gains map has no cost for it
        task("NEVER", exposable=False, services=(7,)),        # cannot be exposed: left out
        task("FREE", exposed=True, services=(2,)),            # exposed, market fine: left out
        task("MONO", exposed=True, services=(3, 4)),          # exposed, service 4 highly concentrated
    ]
    high = [market("Service 4", 10000, service_id=4, district="Syd"), market("Service 7", 9000, service_id=7)]
    proposals = propose_tasks(tasks, high, year=2025, currency="DKK")
    assert [(p.code, p.kind) for p in proposals] == [
        ("DEAR", "not_exposed"), ("CHEAP", "not_exposed"), ("NOCOST", "not_exposed"), ("MONO", "concentrated")]
    assert proposals[0].reason == ("Could be exposed to competition but is not: 1,000.00 hours costing "
                                   "500.000,00 DKK in 2025.")
    assert proposals[2].reason == "Could be exposed to competition but is not."
    assert proposals[3].reason == ("Exposed to competition, but the market for Service 4 in Syd is highly "
                                   "concentrated (HHI 10,000).")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.integers(0, 10**9), st.integers(0, 3)), max_size=20),
       st.sets(st.integers(0, 3)))
def test_every_open_task_is_proposed_once_and_no_task_that_cannot_be_exposed(facts, concentrated):
    tasks = [task(f"T{i}", exposable=exposable or exposed, exposed=exposed, services=(service,), cost=cost)
             for i, (exposable, exposed, cost, service) in enumerate(facts)]
    high = [market(f"S{s}", 9000, service_id=s) for s in concentrated]
    proposals = propose_tasks(tasks, high, year=2025, currency="DKK")
    codes = [p.code for p in proposals]
    assert len(codes) == len(set(codes))
    expected = {t.code for t in tasks if t.exposable and not t.exposed}
    expected |= {t.code for t in tasks if t.exposed and t.service_ids & concentrated}
    assert set(codes) == expected
    open_costs = [p.cost_minor for p in proposals if p.kind == "not_exposed"]
    assert open_costs == sorted(open_costs, key=lambda c: -(c or 0))


def test_values_read_as_the_report_prints_them():
    assert report.format_value("share", 0.1234, "DKK") == "12.3 %"
    assert report.format_value("money", 123456, "DKK") == "1.234,56 DKK"
    assert report.format_value("count", 12345, "DKK") == "12,345"
    assert report.format_value("hours", 2.5, "DKK") == "2.50"
    assert report.format_value("text", "high", "DKK") == "highly concentrated"
    assert report.format_value("text", True, "DKK") == "yes"
    assert report.format_value("number", None, "DKK") == "–"


# -- a year of a small market -------------------------------------------------------------------


@dataclass
class MarketYear:
    year: int
    north_citizens: list[Any]
    south_citizen: Any


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CPH)


def _done(decision: Any, provider: Any, day: date, minutes: int) -> None:
    start = _at(day)
    VisitFactory(decision=decision, provider=provider, planned_start=start,
                 planned_end=start + timedelta(minutes=minutes), actual_start=start,
                 actual_end=start + timedelta(minutes=minutes), status="done")


def build_market_year(w: SimpleNamespace, year: int) -> MarketYear:
    """A year (and a little of the year before) in Testrup: practical help in Nord delivered only by
    the private provider (HHI 10,000), personal care in Syd by the in-house unit (3 visits a month)
    and the private provider (1): shares 3/4 and 1/4, HHI 75² + 25² = 6,250. Both markets are
    highly concentrated. A provider-initiated termination, a budget for every month, an approved
    settlement run per provider in March, and three tasks: PH (practical help, exposed), PC
    (personal care, exposable but not exposed) and MYN (cannot be exposed)."""
    first = date(year - 1, 1, 1)
    north = [CitizenFactory(district=w.north) for _ in range(2)]
    south = CitizenFactory(district=w.south)
    practical = [DecisionFactory(citizen=c, service=w.practical, valid_from=first) for c in north]
    personal = DecisionFactory(citizen=south, service=w.personal, valid_from=first)
    choices = [ChoiceFactory(decision=d, provider=w.private, valid_from=first) for d in practical]
    ChoiceFactory(decision=personal, provider=w.in_house, valid_from=first)
    for month in range(1, 13):
        for decision in practical:
            _done(decision, w.private, date(year, month, 3), 60)
        for day in (4, 11, 18):
            _done(personal, w.in_house, date(year, month, day), 30)
        _done(personal, w.private, date(year, month, 25), 30)
    for month in (10, 11, 12):  # the year before: the in-house unit alone in Syd
        _done(personal, w.in_house, date(year - 1, month, 4), 30)
    ProviderTermination.objects.create(
        municipality=w.muni, provider=w.private, decision=practical[1], choice=choices[1], reason_code="capacity",
        explanation="Kan ikke bemande", notice_days=14, last_day=date(year, 6, 30), choose_by=date(year, 6, 16),
        need_points=12, ended_by=w.assessor)
    for month in range(1, 13):
        SettlementBudget.objects.create(municipality=w.muni, month=date(year, month, 1), amount_minor=200_000_00,
                                        set_by=w.finance)
    for provider, decision, service, amount in ((w.private, practical[0], w.practical, 450_00),
                                                (w.in_house, personal, w.personal, 1_200_00)):
        run = SettlementRun.objects.create(
            municipality=w.muni, provider=provider, period_start=date(year, 3, 1), period_end=date(year, 4, 1),
            status="approved", currency="DKK", created_by=w.finance, approved_by=w.finance,
            approved_at=_at(date(year, 4, 3)))
        SettlementLine.objects.create(run=run, service=service, citizen=decision.citizen, decision=decision,
                                      time_band="day", reason_code="performed", amount_minor=amount,
                                      performed_minutes=90)
    exposed = CompetitionTask.objects.create(municipality=w.muni, code="PH", name="Praktisk hjælp",
                                             exposed_on=date(year - 3, 1, 1))
    exposed.services.set([w.practical])
    open_task = CompetitionTask.objects.create(municipality=w.muni, code="PC", name="Personlig pleje")
    open_task.services.set([w.personal])
    CompetitionTask.objects.create(municipality=w.muni, code="MYN", name="Myndighedsopgaver", exposable=False)
    return MarketYear(year, north, south)


HEADINGS = ("Summary", "Supply", "Actors", "Freedom of choice", "Fairness", "Economy", "Competition", "Quality",
            "Gains map and potential", "Concentration warnings", "Cream-skimming signals", "Cost against budget",
            "Tasks proposed for this year's competition discussion", "Appendix: methods")


def test_the_report_is_made_at_once_and_its_pdf_holds_the_warnings_and_proposals(
        world, django_capture_on_commit_callbacks):
    year = timezone.localdate().year - 1
    build_market_year(world, year)
    world.analyst.language = "en"
    world.analyst.save()
    with django_capture_on_commit_callbacks(execute=True):
        made = annual_report_start(actor=world.analyst, year=year)
    made.refresh_from_db()
    assert made.message == ""
    assert (made.status, made.percent, made.language) == (ReportStatus.DONE, 100, "en")
    assert made.started_at and made.finished_at and made.stamp
    assert made.summary["high_concentration"] == 2
    assert made.summary["moderate_concentration"] == 0
    assert made.summary["proposals"] == ["PC", "PH"]
    assert made.summary["proposed_tasks"] == 2
    text = pdf_text(made.pdf)
    assert f"Annual competition report {year}" in text
    assert "Testrup Kommune" in text
    for heading in HEADINGS:
        assert heading in text, heading
    # The concentration warnings: both markets, the most concentrated first.
    warnings = text[text.index("Highly concentrated markets"):text.index("Moderately concentrated markets")]
    assert warnings.index("Praktisk hjælp Nord 10,000") < warnings.index("Personlig pleje Syd 6,250")
    # The proposals, by the stated rule: the open task with its cost in March, then the exposed,
    # concentrated one.
    proposals = text[text.rindex("Tasks proposed for this year's competition discussion"):]
    assert (f"PC Personlig pleje: Could be exposed to competition but is not: 1.50 hours costing 1.200,00 DKK in "
            f"{year}.") in proposals
    assert ("PH Praktisk hjælp: Exposed to competition, but the market for Praktisk hjælp in Nord is highly "
            "concentrated (HHI 10,000).") in proposals
    assert "MYN" not in proposals.split("Appendix: methods")[0]
    # The charts are drawn into the PDF as text, not left out: axis titles of the HHI trend.
    assert "Market concentration (HHI)" in text
    actions = list(AuditEvent.objects.filter(object_id=str(made.public_id)).values_list("action", flat=True))
    assert sorted(actions) == ["annual_report.done", "annual_report.start"]


def test_the_report_is_in_the_municipality_language_when_the_user_has_none(world):
    world.analyst.language = ""
    world.analyst.save()
    made = annual_report_start(actor=world.analyst, year=2024)
    assert made.language == "da" and made.status == ReportStatus.QUEUED


def test_only_managers_of_the_followup_start_a_report_for_a_past_or_the_current_year(world):
    politician = UserFactory(role="politician", municipality=world.muni)
    with pytest.raises(PermissionDenied):
        annual_report_start(actor=politician, year=2024)
    with pytest.raises(ValidationError) as error:
        annual_report_start(actor=world.analyst, year=timezone.localdate().year + 1)
    assert "year" in error.value.message_dict
    with pytest.raises(ValidationError):
        annual_report_start(actor=world.analyst, year=1999)
    assert not AnnualReport.objects.exists()


def test_a_failing_report_is_marked_failed_with_its_message_and_never_left_running(world):
    world.analyst.language = "en"
    world.analyst.save()
    made = annual_report_start(actor=world.analyst, year=2024)  # queued; not run (nothing committed)
    world.analyst.groups.clear()  # the analyst lost the role before the task ran
    failed = annual_report_run(report_id=made.pk)
    assert failed.status == ReportStatus.FAILED and failed.finished_at is not None
    assert failed.message == ("The user who asked for the report may no longer read the figures it needs (See "
                              "aggregate key figures of the market). Ask someone who may to make it.")
    assert failed.pdf is None
    assert AuditEvent.objects.filter(action="annual_report.fail", object_id=str(made.public_id)).exists()
    # Run again: a finished report is left as it is.
    assert annual_report_run(report_id=made.pk).status == ReportStatus.FAILED


def test_progress_is_reported_step_by_step_in_the_report_language(world):
    seen: list[tuple[int, str]] = []
    with translation.override("en"):
        content = report.build(actor=world.analyst, municipality=world.muni, year=2024,
                               progress=lambda percent, step: seen.append((percent, step)))
    assert seen[:2] == [(0, "Supply"), (7, "Actors")]  # 90 % over 12 steps: 90 // 12 = 7 each
    assert seen[-1] == (82, "Gains map and proposed tasks")  # 11 × 90 // 12
    assert len(seen) == 12  # the seven aspects and the five sections of their own
    percents = [p for p, _s in seen]
    assert percents == sorted(percents)
    assert [s.title for s in content.sections] == ["Supply", "Actors", "Freedom of choice", "Fairness", "Economy",
                                                   "Competition", "Quality"]
    economy = next(s for s in content.sections if s.key == "economy")
    assert "cost_budget" not in [f.code for f in economy.figures]
    assert economy.notes == ("Cost against budget: see the section “Cost against budget” below.",)


# -- the pages ----------------------------------------------------------------------------------


def test_an_analyst_makes_a_report_and_a_politician_reads_and_downloads_it(
        world, client, django_capture_on_commit_callbacks):
    client.force_login(world.analyst)
    page = client.get(reverse("followup:report_list"))
    assert page.status_code == 200 and b'name="year"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("followup:report_list"), {"year": "2024"})
    made = AnnualReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("followup:report", args=[made.public_id])
    status = client.get(response["Location"])
    assert status.status_code == 200
    assert made.public_id and "Download the report for 2024 (PDF)" in status.content.decode()

    politician = UserFactory(role="politician", municipality=world.muni)
    client.force_login(politician)
    listing = client.get(reverse("followup:report_list"))
    assert listing.status_code == 200 and b'name="year"' not in listing.content
    assert "Report 2024" in listing.content.decode()
    assert client.post(reverse("followup:report_list"), {"year": "2024"}).status_code == 403
    pdf = client.get(reverse("followup:report_pdf", args=[made.public_id]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "Testrup Kommune" in pdf_text(pdf.content)


def test_the_status_part_polls_while_the_report_is_made(world, client):
    made = annual_report_start(actor=world.analyst, year=2024)  # queued, not run
    client.force_login(world.analyst)
    part = client.get(reverse("followup:report", args=[made.public_id]), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in part and 'id="report-announce" hx-swap-oob' in part
    assert 'aria-valuenow="0"' in part and "Queued" in part
    assert client.get(reverse("followup:report_pdf", args=[made.public_id])).status_code == 404


def test_the_year_is_checked_on_the_form(world, client):
    client.force_login(world.analyst)
    page = client.post(reverse("followup:report_list"), {"year": str(timezone.localdate().year + 1)})
    assert page.status_code == 200 and "Choose a year from 2000" in page.content.decode()
    assert not AnnualReport.objects.exists()


def test_another_municipality_sees_no_report(world, client):
    made = annual_report_start(actor=world.analyst, year=2024)
    other = UserFactory(role="analyst", municipality=world.other_muni)
    client.force_login(other)
    assert client.get(reverse("followup:report", args=[made.public_id])).status_code == 404
    assert client.get(reverse("followup:report_pdf", args=[made.public_id])).status_code == 404
    assert "Report 2024" not in client.get(reverse("followup:report_list")).content.decode()
