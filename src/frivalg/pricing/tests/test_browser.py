"""In a real browser: finance imports a cost model, sees a warning, fixes it and publishes the
price sheet; the public page shows it without login. axe-core finds no WCAG 2.1 AA violation."""

import os
from pathlib import Path

import pytest
import yaml
from tests.browser.pages import assert_accessible, log_in

from frivalg.pricing.tests.examples import load

CHROMIUM = Path(os.environ.get("FRIVALG_CHROMIUM", "/usr/bin/chromium"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("FRIVALG_REQUIRE_BROWSER"),
                       reason=f"Chromium not installed at {CHROMIUM}: apt-get install chromium"),
]


@pytest.fixture
def pricing_world(transactional_db):
    from tests.world import build_world

    return build_world()


def model_file(document, name):
    return {"name": name, "mimeType": "application/yaml",
            "buffer": yaml.safe_dump(document, allow_unicode=True).encode("utf-8")}


def test_finance_imports_sees_a_warning_fixes_it_publishes_and_the_public_reads_it(chromium, live_server,
                                                                                   pricing_world):
    context, page = log_in(chromium, live_server, "finance")
    page.goto(f"{live_server.url}/pricing/")
    assert_accessible(page)

    implausible = load()
    implausible["btp_percent"] = 75
    page.set_input_files("#id_file", model_file(implausible, "budget.yaml"))
    page.fill("#id_name", "budget 2025")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/pricing/models/" in page.url
    warning = page.locator(".alert-warning")
    assert "brugertidsprocenten 75 % for practical_help / day er over 70 %" in warning.inner_text()
    assert_accessible(page)

    page.goto(f"{live_server.url}/pricing/")
    page.set_input_files("#id_file", model_file(load(), "budget-fixed.yaml"))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "brugertidsprocenten" not in page.locator(".alert-warning").inner_text()
    with page.expect_navigation():
        page.click("main form[action$='/publish/'] button[type=submit]")
    assert "/pricing/sheets/" in page.url
    sheet_url = page.url
    context.close()

    public = chromium.new_context(locale="da-DK")
    page = public.new_page()
    page.goto(sheet_url)
    body = page.locator("main").inner_text()
    assert "Prisblad 2025, Testrup Kommune" in body
    assert "614.75" in body and "806.86" in body
    assert "6762300.00 ÷ 11000.00" in body
    assert_accessible(page)
    page.goto(f"{live_server.url}/pricing/compare/")
    assert "Testrup Kommune" in page.locator("main").inner_text()
    assert "595,66\t781,80" in page.locator("main table").first.inner_text()  # in-house, private beside it
    chart = page.locator("#price-chart")
    chart.locator("svg").wait_for()  # drawn by vega-embed from the spec Altair built
    assert chart.get_attribute("role") == "img"
    assert page.locator("#price-chart-caption").is_visible()
    assert_accessible(page)
    public.close()

    no_script = chromium.new_context(locale="da-DK", java_script_enabled=False)
    page = no_script.new_page()
    page.goto(f"{live_server.url}/pricing/compare/")
    assert "595,66" in page.locator("main table").first.inner_text()
    assert not page.locator("figure").first.is_visible()  # no empty chart without JavaScript
    no_script.close()
