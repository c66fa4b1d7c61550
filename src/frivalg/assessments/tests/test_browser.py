"""A needs assessor's journey in a real browser, with the keyboard only: an assessment, a decision
drafted from the guidelines' proposal, the decision page and its letter — axe finds no WCAG 2.1
AA violation on the way."""

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


def test_assessment_to_decision_to_letter_with_the_keyboard(chromium, live_server, journey_world):
    from frivalg.assessments.models import Assessment, Decision

    w = journey_world
    from frivalg.assessments.services import appeal_lodge

    appeal = appeal_lodge(actor=w.citizen_user, decision=w.decision, grounds="For lidt hjælp")
    context, page = log_in(chromium, live_server, "assessor")
    assert_accessible(page)  # the caseload, with the appeal waiting for an outcome
    page.goto(f"{live_server.url}/citizens/decisions/{w.decision.public_id}/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/citizens/appeals/{appeal.public_id}/outcome/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/citizens/{w.citizen.public_id}/assessments/new/")
    assert_accessible(page)
    page.focus("#id_score_J1_1")
    for _area in w.required:  # score, who performs it, own view: three tabs to the next area
        page.keyboard.press("2")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
    page.focus("button[value=complete]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assessment = Assessment.objects.filter(citizen=w.citizen).order_by("-id").first()
    assert assessment.status == "completed"
    assert set(assessment.scores.values_list("score", flat=True)) == {2}

    page.goto(f"{live_server.url}/citizens/{w.citizen.public_id}/decisions/new/")
    assert_accessible(page)
    page.get_by_role("link", name="Rengøring").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Decimal(page.input_value("#id_amount")) == 2
    page.focus("#id_proposal_1")
    page.keyboard.press("Space")
    page.focus("button.button-primary[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    decision = Decision.objects.filter(citizen=w.citizen).order_by("-id").first()
    assert decision.proposal["rule_label"] == "Rengøring" and decision.assessment == assessment
    assert page.url.endswith(f"/citizens/decisions/{decision.public_id}/")
    assert_accessible(page)

    page.goto(f"{live_server.url}/citizens/decisions/{decision.public_id}/change/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/citizens/decisions/{decision.public_id}/letter/")
    assert_accessible(page)
    pdf = page.request.get(f"{live_server.url}/citizens/decisions/{decision.public_id}/letter.pdf")
    assert pdf.body().startswith(b"%PDF")
    context.close()

    context, page = log_in(chromium, live_server, "citizen")
    page.goto(f"{live_server.url}/citizens/my-decisions/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/citizens/decisions/{decision.public_id}/appeal/")
    assert_accessible(page)
    context.close()
