"""In a real browser: an analyst opens the follow-up dashboard, asks for the annual competition
report of last year, follows it to done, downloads the PDF and its text holds the municipality,
the sections, a concentration warning and the proposed tasks. axe-core finds no WCAG 2.1 AA
violation on the report pages."""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from tests.browser.pages import assert_accessible, log_in

from frivalg.followup.models import AnnualReport
from frivalg.followup.tests.test_report import build_market_year, pdf_text

CHROMIUM = Path(os.environ.get("FRIVALG_CHROMIUM", "/usr/bin/chromium"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("FRIVALG_REQUIRE_BROWSER"),
                       reason=f"Chromium not installed at {CHROMIUM}: apt-get install chromium"),
]

#: The report is made while the request that asked for it waits (tasks run at once in tests).
SLOW_MS = 300_000


@pytest.fixture
def report_world(transactional_db):
    from tests.world import build_world

    w = build_world()
    w.year = timezone.localdate().year - 1
    build_market_year(w, w.year)
    w.analyst.language = "en"  # the report in the analyst's language
    w.analyst.save()
    return w


def test_analyst_generates_the_annual_report_and_downloads_the_pdf(chromium, live_server, report_world):
    w = report_world
    context, page = log_in(chromium, live_server, "analyst")
    page.set_default_timeout(SLOW_MS)
    page.goto(f"{live_server.url}/followup/")
    assert page.locator("main h1").count() == 1

    page.goto(f"{live_server.url}/followup/report/")
    assert page.locator("#id_year").input_value() == str(w.year)
    assert_accessible(page)
    page.fill("#id_year", str(w.year))
    with page.expect_navigation(timeout=SLOW_MS):
        page.click("main form[action$='/followup/report/'] button[type=submit]")
    made = AnnualReport.objects.get()
    assert page.url.endswith(f"/followup/report/{made.public_id}/")
    page.wait_for_selector("#report-status .badge-success")
    assert page.locator("#report-progress").get_attribute("aria-valuenow") == "100"
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.click(f"#report-status a[href$='/followup/report/{made.public_id}/pdf']")
    path = download_info.value.path()
    data = Path(path).read_bytes()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "Testrup Kommune" in text and f"Annual competition report {w.year}" in text
    for heading in ("Supply", "Fairness", "Competition", "Quality", "Concentration warnings",
                    "Cream-skimming signals", "Cost against budget", "Gains map and potential"):
        assert heading in text, heading
    assert "Highly concentrated markets Service District HHI" in text
    assert "Praktisk hjælp Nord 10,000" in text
    assert "PC Personlig pleje: Could be exposed to competition but is not" in text
    assert "PH Praktisk hjælp: Exposed to competition, but the market for Praktisk hjælp in Nord" in text

    page.goto(f"{live_server.url}/followup/report/")
    assert page.locator(f"a[href$='/followup/report/{made.public_id}/pdf']").count() == 1
    assert_accessible(page)
    context.close()
