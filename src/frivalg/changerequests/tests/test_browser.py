"""The whole message cycle in a real browser, in one go: the needs assessor completes an
assessment with the keyboard, drafts the decision from the guidelines' proposal and fetches its
letter as PDF; the citizen chooses a provider on their own pages; its admin acknowledges the
allocation and asks for more time with a PDF as evidence; the assessor answers from the inbox,
which amends the decision; the provider sees the answer. axe finds no WCAG 2.1 AA violation on
any page on the way."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from tests.browser.pages import assert_accessible, log_in

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed at /usr/bin/chromium"),
]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def journey_world(transactional_db):
    from tests.world import build_world

    from frivalg.assessments.services import assessment_scheme_current, scheme_codes
    from frivalg.guidelines.tests.factories import GuidelineFactory, GuidelineRuleFactory

    world = build_world()
    GuidelineRuleFactory(guideline=GuidelineFactory(municipality=world.muni), service=world.practical,
                         label="Rengøring", conditions=[{"area": "J2.1", "op": ">=", "score": 2}],
                         amount=Decimal(2), unit="hour", frequency="week", explanation="Rengøring hver uge")
    world.required = scheme_codes(assessment_scheme_current(municipality=world.muni))[1]
    return world


def _submit_with_keyboard(page, selector):
    page.focus(selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _in_page_language(page, make):
    """A text as the page renders it (the browser asks for Danish)."""
    from django.utils import translation

    with translation.override(page.get_attribute("html", "lang") or "da"):
        return str(make())


def test_assessment_to_change_request_answered_in_one_journey(chromium, live_server, journey_world):
    from django.utils import timezone
    from django.utils.formats import date_format

    from frivalg.assessments.models import Assessment, Decision
    from frivalg.changerequests.models import ChangeRequest, ChangeRequestStatus, Message, MessageKind
    from frivalg.choices.models import Choice

    w = journey_world
    base = live_server.url

    # --- the needs assessor: assessment, decision from the proposal, letter ------------------
    context, page = log_in(chromium, live_server, "assessor")
    assert_accessible(page)
    page.goto(f"{base}/citizens/{w.citizen.public_id}/assessments/new/")
    assert_accessible(page)
    page.focus("#id_score_J1_1")
    for _area in w.required:  # score, who performs it, own view: three tabs to the next area
        page.keyboard.press("2")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
    _submit_with_keyboard(page, "button[value=complete]")
    assessment = Assessment.objects.filter(citizen=w.citizen).order_by("-id").first()
    assert assessment.status == "completed"

    page.goto(f"{base}/citizens/{w.citizen.public_id}/decisions/new/")
    assert_accessible(page)
    page.get_by_role("link", name="Rengøring").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Decimal(page.input_value("#id_amount")) == 2
    page.focus("#id_proposal_1")
    page.keyboard.press("Space")
    _submit_with_keyboard(page, "button.button-primary[type=submit]")
    decision = Decision.objects.filter(citizen=w.citizen).order_by("-id").first()
    assert decision.assessment == assessment and decision.amount == 2 and decision.status == "granted"
    assert page.url.endswith(f"/citizens/decisions/{decision.public_id}/")
    assert_accessible(page)

    page.goto(f"{base}/citizens/decisions/{decision.public_id}/letter/")
    assert_accessible(page)
    pdf = page.request.get(f"{base}/citizens/decisions/{decision.public_id}/letter.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    context.close()

    # --- the citizen chooses the provider for the new decision, on the citizen's own pages ---
    # (The assessor may open the same choice page, but after choosing is sent on to /my/,
    # which needs CITIZEN_VIEW_OWN: a 403 page. So the citizen makes the choice here.)
    context, page = log_in(chromium, live_server, "citizen")
    page.goto(f"{base}/my/")
    assert_accessible(page)
    page.locator(f"a[href$='/my/decisions/{decision.public_id}/choose/']").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    choose = page.locator("section.provider-option", has=page.get_by_role("heading", name=w.private.name))
    choose.locator("button[type=submit]").focus()
    with page.expect_navigation() as landed:
        page.keyboard.press("Enter")
    assert landed.value.status == 200 and page.url.endswith("/my/")
    assert_accessible(page)
    choice = Choice.objects.get(decision=decision, valid_to__isnull=True)
    assert choice.provider == w.private and choice.chosen_by == w.citizen_user
    context.close()

    # --- the provider's admin: allocation, acknowledgement, a request for more time ---------
    context, page = log_in(chromium, live_server, "private_admin")
    page.goto(f"{base}/change-requests/provider/")
    assert_accessible(page)
    allocation = Message.objects.get(decision=decision, kind=MessageKind.ALLOCATION)
    assert allocation.provider == w.private and allocation.acknowledged_at is None
    _submit_with_keyboard(page, f"form[action$='/provider/allocations/{allocation.public_id}/acknowledge/'] button")
    allocation.refresh_from_db()
    assert allocation.acknowledged_at is not None and allocation.acknowledged_by == w.private_admin
    assert_accessible(page)
    assert page.locator(f"form[action$='/{allocation.public_id}/acknowledge/']").count() == 0

    page.locator(f"a[href$='/provider/decisions/{decision.public_id}/request/']").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    page.focus("input[name=kind][value=more_time]")
    page.keyboard.press("Space")
    page.focus("#id_requested_amount")
    page.keyboard.type("3")
    page.select_option("#id_requested_unit", "hour")
    page.select_option("#id_requested_frequency", "week")
    page.focus("#id_reason")
    page.keyboard.type("Borgeren er blevet dårligere gående; rengøringen tager nu tre timer.")
    page.set_input_files("#id_evidence", files=[{"name": "laegeerklaering.pdf", "mimeType": "application/pdf",
                                                  "buffer": PDF}])
    _submit_with_keyboard(page, "main button.button-primary[type=submit]")
    change_request = ChangeRequest.objects.get(decision=decision)
    assert change_request.status == ChangeRequestStatus.OPEN and change_request.provider == w.private
    assert change_request.requested_amount == 3 and change_request.evidence_content_type == "application/pdf"
    assert page.url.endswith(f"/change-requests/requests/{change_request.public_id}/")
    assert_accessible(page)  # the request as the provider sees it
    due = _in_page_language(page, lambda: date_format(change_request.due_on, "SHORT_DATE_FORMAT"))
    assert due in page.inner_text("main")

    page.goto(f"{base}/change-requests/provider/")
    assert_accessible(page)
    row = page.locator("tr", has=page.locator(f"a[href$='/requests/{change_request.public_id}/']"))
    assert _in_page_language(page, lambda: ChangeRequestStatus.OPEN.label) in row.inner_text()
    assert due in row.inner_text()
    context.close()

    # --- the needs assessor: inbox, the request, the answer ---------------------------------
    context, page = log_in(chromium, live_server, "assessor")
    page.goto(f"{base}/change-requests/")
    assert_accessible(page)
    row = page.locator("tr", has=page.locator(f"a[href$='/requests/{change_request.public_id}/']"))
    assert due in row.inner_text() and w.private.name in row.inner_text()
    row.locator("a").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    evidence = page.request.get(f"{base}/change-requests/requests/{change_request.public_id}/evidence/")
    assert evidence.ok and evidence.body() == PDF
    page.focus("input[name=status][value=approved]")
    page.keyboard.press("Space")
    page.focus("#id_answer_text")
    page.keyboard.type("Godkendt efter lægeerklæringen.")
    takes_effect = timezone.localdate() + timedelta(days=1)
    page.fill("#id_valid_from", takes_effect.isoformat())
    _submit_with_keyboard(page, "main button.button-primary[type=submit]")
    assert page.url.endswith("/change-requests/")
    assert_accessible(page)  # the inbox again, the request answered

    change_request.refresh_from_db()
    assert change_request.status == ChangeRequestStatus.APPROVED and change_request.answered_by == w.assessor
    amended = Decision.objects.get(previous=decision)
    assert change_request.amended_decision == amended
    assert amended.source == "change_request" and amended.amount == 3 and amended.version == decision.version + 1
    assert amended.valid_from == takes_effect and amended.unit == "hour" and amended.frequency == "week"
    decision.refresh_from_db()
    assert decision.status == "ended" and decision.valid_to == takes_effect - timedelta(days=1)
    assert Choice.objects.get(decision=amended).provider == w.private
    page.goto(f"{base}/change-requests/decisions/{decision.public_id}/")
    assert_accessible(page)  # the decision's log of messages
    context.close()

    # --- the provider sees the answer ---------------------------------------------------------
    context, page = log_in(chromium, live_server, "private_admin")
    page.goto(f"{base}/change-requests/provider/")
    assert_accessible(page)
    row = page.locator("tr", has=page.locator(f"a[href$='/requests/{change_request.public_id}/']"))
    assert _in_page_language(page, lambda: ChangeRequestStatus.APPROVED.label) in row.inner_text()
    assert "Godkendt efter lægeerklæringen." in row.inner_text()
    row.locator("a").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    assert "Godkendt efter lægeerklæringen." in page.inner_text("main")
    assert page.locator("form[action$='/withdraw/']").count() == 0
    context.close()
