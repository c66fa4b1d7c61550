"""The waiting-list pages in a real Chromium: axe-core finds no WCAG 2.1 AA violation, with and
without form errors. Skipped where Chromium is not installed (as tests/browser)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.browser.conftest import CHROMIUM
from tests.browser.pages import assert_accessible, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not installed at {CHROMIUM}"),
]


@pytest.fixture
def scene(transactional_db):
    from tests.world import build_world

    from frivalg.catalogue.tests.factories import ServiceFactory
    from frivalg.waitinglists import services
    from frivalg.waitinglists.tests.factories import assessed_citizen, assessed_decision

    w = build_world()
    service = ServiceFactory(municipality=w.muni, code="NH", name="Plejebolig", care_level=7, unit="day")
    w.home = services.waiting_list_create(actor=w.assessor, service=service, name="Plejeboliger", places=2,
                                          urgent_reasons=["hospital_discharge"])
    today = timezone.localdate()
    w.karen_entry = services.waiting_list_enter(
        actor=w.assessor, waiting_list=w.home, decision=assessed_decision(w.citizen, service, {"J1": 2}),
        applied_on=today - timedelta(days=30))
    services.waiting_list_enter(
        actor=w.assessor, waiting_list=w.home,
        decision=assessed_citizen(service, {"J1": 4, "J2": 4}, district=w.north), applied_on=today)
    assessed_citizen(service, {"J1": 3}, district=w.south)  # someone to put on the list
    return w


def test_waiting_list_pages_are_accessible(chromium, live_server, scene):
    w = scene
    base = f"/waiting-lists/{w.home.public_id}"
    checked = []
    context, page = log_in(chromium, live_server, "assessor")
    for path in ["/waiting-lists/", "/waiting-lists/new/", f"{base}/", f"{base}/history/", f"{base}/enter/",
                 f"{base}/offer/", f"{base}/rule/", f"/waiting-lists/entries/{w.karen_entry.public_id}/urgency/"]:
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page, checked)
    page.goto(f"{live_server.url}{base}/enter/")
    page.click("main button[type=submit]")  # empty form: the error summary and field errors
    page.wait_for_selector(".alert-error")
    assert_accessible(page, checked)
    context.close()
    context, page = log_in(chromium, live_server, "relative")
    page.goto(f"{live_server.url}/waiting-lists/mine/")
    assert_accessible(page, checked)
    context.close()
    assert len(checked) == 10
