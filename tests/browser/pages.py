"""Helpers shared by the browser tests: log in as someone, and check a page with axe-core."""

from axe_playwright_python.sync_playwright import Axe

from frivalg.core.tests.factories import PASSWORD

AXE = Axe()
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def assert_accessible(page, checked=None):
    """No axe-core violation of WCAG 2.1 A/AA on the page as it is now."""
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"
    if checked is not None:
        checked.append(page.url)


def log_in(browser, live_server, username, *, width=1280):
    context = browser.new_context(locale="da-DK", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    return context, page
