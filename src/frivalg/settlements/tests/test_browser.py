"""In a real browser: finance settles the month, sees the batch done, opens a provider's run,
drills into a reason, accepts a deviating visit, recomputes, approves and exports. axe-core finds
no WCAG 2.1 AA violation on any page."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from tests.browser.pages import assert_accessible, log_in

from frivalg.settlements.models import LineOverride, SettlementRun
from frivalg.visits.tests.factories import VisitFactory

CHROMIUM = Path(os.environ.get("FRIVALG_CHROMIUM", "/usr/bin/chromium"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("FRIVALG_REQUIRE_BROWSER"),
                       reason=f"Chromium not installed at {CHROMIUM}: apt-get install chromium"),
]


@pytest.fixture
def month_world(transactional_db):
    from tests.world import build_world

    w = build_world()
    w.private.approvals.all().delete()  # not approved: the provider's visits deviate until finance decides
    start = timezone.localtime().replace(day=1, hour=9, minute=0, second=0, microsecond=0)
    w.visit = VisitFactory(decision=w.decision, provider=w.private, planned_start=start,
                           planned_end=start + timedelta(minutes=45), status="done", actual_start=start,
                           actual_end=start + timedelta(minutes=45))
    return w


def test_finance_settles_decides_recomputes_approves_and_exports(chromium, live_server, month_world):
    w = month_world
    context, page = log_in(chromium, live_server, "finance")
    page.goto(f"{live_server.url}/settlements/")
    assert_accessible(page)
    page.fill("#id_month", timezone.localdate().strftime("%Y-%m"))
    with page.expect_navigation():
        page.click("main form[action$='/settlements/'] button[type=submit]")
    assert "/settlements/batches/" in page.url
    page.wait_for_selector("#batch-status .badge-success")
    assert_accessible(page)

    with page.expect_navigation():
        page.click(f"#batch-status a:has-text('{w.private.name}')")
    run = SettlementRun.objects.get(provider=w.private)
    assert page.url.endswith(f"/settlements/{run.public_id}/")
    assert run.deviation_count >= 1 and run.total_minor == 0
    assert_accessible(page)

    with page.expect_navigation():
        page.click("#totals-caption >> xpath=.. >> a[href='?reason=no_approval#lines-heading']")
    assert "reason=no_approval" in page.url
    assert "godkendt" in page.inner_text("#lines-heading").lower() or page.locator("#lines-caption").is_visible()
    assert_accessible(page)

    prefix = f"v{w.visit.public_id}"
    page.select_option(f"#id_{prefix}-action", "accept")
    page.fill(f"#id_{prefix}-reason", "Godkendelsen var forsinket")
    with page.expect_navigation():
        page.click(f"form[action$='/visits/{w.visit.public_id}/decision/'] button[type=submit]")
    assert LineOverride.objects.get(visit=w.visit).action == "accept"
    assert_accessible(page)

    with page.expect_navigation():
        page.click("form[action$='/recompute/'] button[type=submit]")
    page.wait_for_selector("#batch-status .badge-success")
    run.refresh_from_db()
    assert run.total_minor > 0
    page.goto(f"{live_server.url}/settlements/{run.public_id}/")
    with page.expect_navigation():
        page.click("form[action$='/approve/'] button[type=submit]")
    assert_accessible(page)
    with page.expect_navigation():
        page.click("form[action$='/export/'] button[type=submit]")
    run.refresh_from_db()
    assert run.status == "exported"
    assert_accessible(page)

    page.goto(f"{live_server.url}/settlements/")
    page.locator("#months-chart svg").wait_for()
    assert_accessible(page)
    context.close()
