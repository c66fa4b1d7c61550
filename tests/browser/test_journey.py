"""The whole loop in a real browser: an assessor grants a decision → the citizen logs in and
chooses a provider → the provider admin plans a visit → a caregiver checks it in and out → the
manager (finance) settles the month and sees the visit's line. axe-core finds no WCAG
2.1 AA violation on any of these pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from frivalg.assessments.models import Decision
from frivalg.assessments.tests.factories import AssessmentFactory
from frivalg.core.tests.factories import CitizenFactory, UserFactory
from frivalg.settlements.models import SettlementLine
from frivalg.visits.models import Visit
from tests.browser.pages import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

@pytest.fixture
def journey_world(transactional_db):
    from tests.world import build_world

    w = build_world()
    w.ellen_user = UserFactory(username="ellen", role="citizen", first_name="Ellen", last_name="Holm")
    w.ellen = CitizenFactory(district=w.north, user=w.ellen_user, first_name="Ellen", last_name="Holm",
                             caseworker=w.assessor, address="Kirkevej 7")
    w.ellen_assessment = AssessmentFactory(citizen=w.ellen, assessor=w.assessor, assessed_on=timezone.localdate())
    return w


def test_assessor_grants_citizen_chooses_caregiver_checks_finance_settles(browser, live_server, journey_world):
    w = journey_world
    checked: list[str] = []

    # 1. The needs assessor finds Ellen in the caseload and grants practical help.
    context, page = log_in(browser, live_server, "assessor")
    assert page.url.endswith("/citizens/")
    stylesheet_font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "IBM Plex Sans" in stylesheet_font, "DKFDS CSS did not load"
    assert_accessible(page, checked)
    page.click("text=Ellen Holm")
    page.wait_for_url(f"**/citizens/{w.ellen.public_id}/")
    assert_accessible(page, checked)
    page.click(f"a[href$='/citizens/{w.ellen.public_id}/decisions/new/']")
    page.wait_for_url("**/decisions/new/")
    assert_accessible(page, checked)
    page.select_option("#id_service", str(w.practical.pk))
    page.fill("#id_amount", "0")
    page.fill("#id_reason", "Kan ikke selv gøre rent efter hofteoperation.")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".alert-error")  # zero hours: the error summary, not a 500
    assert page.locator("#id_amount-error").is_visible()
    assert_accessible(page, checked)
    page.fill("#id_amount", "1.5")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    granted = Decision.objects.get(citizen=w.ellen)
    assert page.url.endswith(f"/citizens/decisions/{granted.public_id}/")  # the decision, with its letter
    assert page.locator(".alert-success").is_visible()
    assert_accessible(page, checked)
    context.close()

    # 2. Ellen logs in, sees the decision and chooses the private provider.
    context, page = log_in(browser, live_server, "ellen")
    assert page.url.endswith("/my/")
    assert "Praktisk hjælp" in page.inner_text("main")
    assert_accessible(page, checked)
    page.click("main a[href*='/choose/']")
    page.wait_for_url("**/choose/")
    assert_accessible(page, checked)
    with page.expect_navigation():
        page.click("section:has(h3:text-is('Omsorg Nord ApS')) button[type=submit]")
    assert page.url.endswith("/my/")
    assert "Omsorg Nord ApS" in page.inner_text("main")
    assert_accessible(page, checked)
    context.close()

    # 3. The provider's administrator plans today's visit for its caregiver HJ01.
    context, page = log_in(browser, live_server, "private_admin")
    assert "Ellen Holm" in page.inner_text("main")
    assert_accessible(page, checked)
    page.goto(f"{live_server.url}/visits/plan/")
    assert_accessible(page, checked)
    now = timezone.localtime()
    start = min(now, now.replace(hour=22, minute=0)).replace(second=0, microsecond=0)
    page.select_option("#id_client", label="Ellen Holm – Praktisk hjælp")
    page.fill("#id_day", start.date().isoformat())
    page.fill("#id_start", start.strftime("%H:%M"))
    page.fill("#id_end", (start + timedelta(minutes=45)).strftime("%H:%M"))
    page.select_option("#id_caregiver", label="HJ01")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.endswith("/visits/provider/")
    visit = Visit.objects.get(citizen=w.ellen)
    context.close()

    # 4. The caregiver checks the visit in and out; htmx updates the row in place.
    context, page = log_in(browser, live_server, "caregiver")
    assert page.url.endswith("/visits/today/")
    row = page.locator(f"#visit-{visit.public_id}")
    assert_accessible(page, checked)
    page.evaluate("window.stillTheSamePage = true")
    row.locator("button[type=submit]").click()
    page.wait_for_selector(f"#visit-{visit.public_id} form[action$='check-out/']")
    assert page.evaluate("window.stillTheSamePage === true")  # swapped in place by htmx, no page load
    assert page.evaluate("document.activeElement.closest('form').action").endswith("/check-out/")
    assert_accessible(page, checked)
    # 45 minutes with Ellen pass between checking in and checking out.
    Visit.objects.filter(pk=visit.pk).update(actual_start=timezone.now() - timedelta(minutes=45))
    row.locator("button[type=submit]").click()
    page.wait_for_selector(f"#visit-{visit.public_id} form", state="detached")
    visit.refresh_from_db()
    assert visit.status == "done"
    assert_accessible(page, checked)
    context.close()

    # 5. Finance settles the visit's month for every provider and finds the line.
    context, page = log_in(browser, live_server, "finance")
    assert page.url.endswith("/settlements/")
    assert_accessible(page, checked)
    page.fill("#id_month", timezone.localtime(visit.planned_start).strftime("%Y-%m"))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/settlements/batches/" in page.url
    page.wait_for_selector("#batch-status .badge-success")
    with page.expect_navigation():
        page.click("#batch-status a:has-text('Omsorg Nord ApS')")
    line = SettlementLine.objects.get(visit=visit)
    assert line.reason_code == "performed" and line.amount_minor > 0
    lines_table = page.inner_text("#lines-caption >> xpath=..")
    assert timezone.localtime(visit.planned_start).strftime("%H:%M") in lines_table
    assert "Betalt for verificeret udført tid" in lines_table
    assert_accessible(page, checked)
    context.close()

    assert len(checked) == 15
