"""In a real browser: an analyst opens the dashboard, sees charts drawn and the tables behind
them, opens one indicator; axe-core finds no WCAG 2.1 AA violation. The published figures page
is read without login."""

import os
from pathlib import Path

import pytest
from tests.browser.pages import assert_accessible, log_in

from frivalg.followup.tests.test_views import add_history

CHROMIUM = Path(os.environ.get("FRIVALG_CHROMIUM", "/usr/bin/chromium"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("FRIVALG_REQUIRE_BROWSER"),
                       reason=f"Chromium not installed at {CHROMIUM}: apt-get install chromium"),
]


@pytest.fixture
def history_world(transactional_db):
    from tests.world import build_world

    w = build_world()
    add_history(w)
    return w


def test_analyst_reads_the_dashboard_charts_and_tables(chromium, live_server, history_world):
    context, page = log_in(chromium, live_server, "analyst")
    page.goto(f"{live_server.url}/followup/")
    page.locator("figure:not([hidden]) [data-vega-spec] svg").first.wait_for()
    assert page.locator("figure [data-vega-spec] svg").count() >= 1
    assert page.locator("main table caption").count() >= 1
    assert page.locator("#aspect-competition").is_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}/followup/indicators/hhi/?by=service")
    page.locator("table tbody th[scope=row]").first.wait_for()
    assert "Praktisk hjælp" in page.inner_text("main table")
    assert_accessible(page)

    page.goto(f"{live_server.url}/followup/compare/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/followup/tasks/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/followup/?start=2025-13")
    assert page.locator(".alert-error").is_visible()
    assert_accessible(page)
    context.close()

    anonymous = chromium.new_context(locale="da-DK")
    public = anonymous.new_page()
    public.goto(f"{live_server.url}/followup/public/{history_world.muni.code}/")
    assert public.locator("main table").count() >= 1
    assert_accessible(public)
    anonymous.close()
