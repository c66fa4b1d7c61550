"""Every other page of every role, in Danish and English, on a desktop and a phone: axe-core
finds no WCAG 2.1 AA violation, and the DKFDS stylesheet is in use."""

import pytest

from tests.browser.pages import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world_with_fsiii(transactional_db):
    from frivalg.catalogue.services import fsiii_load
    from tests.world import build_world

    fsiii_load()
    return build_world()


def test_pages_of_every_role_are_accessible(browser, live_server, world_with_fsiii):
    w = world_with_fsiii
    citizen = f"/citizens/{w.citizen.public_id}"
    pages = {
        "assessor": ["/citizens/?q=Jensen", f"{citizen}/assessments/new/", "/no-such-page/", "/audit/"],
        "finance": ["/providers/", "/rates/", "/rates/time-bands/", "/rates/services/", "/followup/",
                    "/followup/?month=1999-99"],
        "analyst": ["/followup/"],
        "sysadmin": ["/audit/"],
        "relative": ["/my/", f"/my/decisions/{w.decision.public_id}/choose/"],
        "private_admin": ["/visits/provider/", "/visits/plan/"],
    }
    checked = []
    for username, paths in pages.items():
        context, page = log_in(browser, live_server, username)
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            assert_accessible(page, checked)
        context.close()
    assert len(checked) == sum(len(paths) for paths in pages.values())


def test_login_page_in_english_and_on_a_phone(browser, live_server, world_with_fsiii):
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    assert page.get_attribute("html", "lang") == "en"
    assert_accessible(page)
    page.click("main button[type=submit]")  # empty form: the error summary
    page.wait_for_selector(".alert-error")
    assert_accessible(page)
    context.close()


def test_language_switch_and_mobile_menu(browser, live_server, world_with_fsiii):
    context, page = log_in(browser, live_server, "finance", width=390)
    assert page.get_attribute("html", "lang") == "da"
    page.click(".js-menu-open")
    page.wait_for_selector(".mobile-drawer.is-visible")
    assert_accessible(page)
    with page.expect_navigation():
        page.click("#lang-mobile-en")
    assert page.get_attribute("html", "lang") == "en"
    assert page.url.endswith("/settlements/")
    assert "Settlement runs" in page.inner_text("h1")
    context.close()


def test_pages_of_the_purchaser_side_free_choice_and_meals_are_accessible(browser, live_server, world_with_fsiii):
    """The pages issues 5 and 6 added, each role's own, with some data on them: axe finds nothing."""
    from frivalg.changerequests.tests.factories import ChangeRequestFactory
    from frivalg.core.tests.factories import UserFactory
    from frivalg.meals.tests.factories import add_meals
    from frivalg.reassessments.tests.factories import FlagFactory

    w = world_with_fsiii
    UserFactory(username="manager", role="assessment_manager", municipality=w.muni)
    flag = FlagFactory(citizen=w.citizen)
    request = ChangeRequestFactory(decision=w.decision, provider=w.private)
    add_meals(w)
    pages = {
        "assessor": [f"/citizens/{w.citizen.public_id}/", "/reassessments/", f"/reassessments/flags/{flag.public_id}/",
                     "/change-requests/", f"/change-requests/requests/{request.public_id}/", "/waiting-lists/",
                     "/my/awaiting-choice/", "/guidelines/", f"/citizens/decisions/{w.decision.public_id}/"],
        "manager": ["/reassessments/team/", "/reassessments/policy/", "/guidelines/"],
        "finance": ["/providers/requirements/", "/providers/applications/", "/providers/capacity/",
                    "/providers/rechoices/", "/my/default-rule/", "/my/complaints/", "/meals/purchaser/signals/",
                    "/meals/purchaser/payment-rule/"],
        "citizen": ["/citizens/my-decisions/", f"/citizens/decisions/{w.decision.public_id}/letter/", "/my/rate/",
                    "/my/complaints/new/", "/meals/", "/meals/my-orders/", "/waiting-lists/mine/"],
        "private_admin": ["/change-requests/provider/", "/providers/mine/", "/providers/applications/new/",
                          "/my/terminations/", "/meals/provider/orders/", "/meals/provider/menus/"],
    }
    checked = []
    for username, paths in pages.items():
        context, page = log_in(browser, live_server, username)
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, path
            assert_accessible(page, checked)
        context.close()
    assert len(checked) == sum(len(paths) for paths in pages.values())
