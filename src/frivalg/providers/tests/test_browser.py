"""The approval pages in a real browser: the public requirements, the provider answering a
requirement with the keyboard, the purchaser's assessment, capacity overview and re-choices —
axe finds no WCAG 2.1 AA violation on the way."""

from pathlib import Path

import pytest
from tests.browser.pages import assert_accessible, log_in

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed at /usr/bin/chromium"),
]


def test_apply_answer_assess_with_the_keyboard(chromium, live_server, transactional_db):
    from django.utils import timezone
    from tests.world import build_world

    from frivalg.providers.models import RequirementAnswer
    from frivalg.providers.services import approval_apply, approval_decide
    from frivalg.providers.tests.factories import RequirementFactory

    w = build_world()
    RequirementFactory(municipality=w.muni, service=w.practical, code="STAFF", kind="staff",
                       title="Uddannet personale", description="Alle medarbejdere er social- og sundhedshjælpere.")
    approval_decide(actor=w.finance, approval=w.private.approvals.get(service=w.practical), status="terminated",
                    reason="Ny ansøgning", valid_to=timezone.localdate())
    approval = approval_apply(actor=w.private_admin, provider=w.private, service=w.practical, capacity=10)
    answer = approval.answers.get()

    context, page = log_in(chromium, live_server, "private_admin")
    page.goto(f"{live_server.url}/providers/requirements/T001/public/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/providers/mine/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/providers/approvals/{approval.public_id}/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/providers/answers/{answer.public_id}/")
    page.focus("#id_answer")
    page.keyboard.type("Alle har SOSU-uddannelsen")
    page.focus("main button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert RequirementAnswer.objects.get(pk=answer.pk).answer == "Alle har SOSU-uddannelsen"
    context.close()

    context, page = log_in(chromium, live_server, "finance")
    page.goto(f"{live_server.url}/providers/answers/{answer.public_id}/assess/")
    with page.expect_navigation():
        page.click("main button[type=submit]")  # nothing chosen: the error summary
    assert_accessible(page)
    page.check("#id_outcome_0")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert RequirementAnswer.objects.get(pk=answer.pk).outcome == "met"
    for path in ("/providers/", "/providers/requirements/", "/providers/applications/", "/providers/capacity/",
                 "/providers/rechoices/", f"/providers/approvals/{approval.public_id}/decide/"):
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page)
    context.close()
