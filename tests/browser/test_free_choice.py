"""Issue 6's journey in a real browser: a private provider applies and is approved → a citizen
compares providers and chooses it → switches to the in-house provider with notice → orders meals
for next week → the meal provider confirms and delivers. axe-core finds no WCAG 2.1 AA violation
on any page visited."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import formats, timezone, translation

from frivalg.assessments.tests.factories import AssessmentFactory, DecisionFactory
from frivalg.choices import rules as choice_rules
from frivalg.choices.models import Choice
from frivalg.choices.selectors import default_rule_setting_of
from frivalg.core.tests.factories import CitizenFactory, UserFactory
from frivalg.meals.models import MealOrder, MealPaymentRule
from frivalg.meals.tests.factories import add_meals, next_week_day
from frivalg.providers.models import Approval, Requirement
from frivalg.providers.tests.factories import ProviderFactory, StaffMemberFactory
from frivalg.visits.models import Visit
from tests.browser.pages import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def choice_world(transactional_db):
    """The shared world with meals, plus a private provider not yet approved for practical help
    (and its admin), and Ellen: practical help and meals granted, no provider chosen yet."""
    from tests.world import build_world

    w = add_meals(build_world())
    w.newcomer = ProviderFactory(name="Hjem og Hjerte ApS", kind="private", languages=["da", "en"])
    w.newcomer.districts.set([w.north, w.south])
    w.newcomer_admin = UserFactory(username="hjerte_admin", role="provider_admin")
    StaffMemberFactory(provider=w.newcomer, user=w.newcomer_admin, role="admin", pseudonym="ADM9")
    w.ellen_user = UserFactory(username="ellen", role="citizen", first_name="Ellen", last_name="Holm")
    w.ellen = CitizenFactory(district=w.north, user=w.ellen_user, first_name="Ellen", last_name="Holm",
                             caseworker=w.assessor, address="Kirkevej 7")
    assessment = AssessmentFactory(citizen=w.ellen, assessor=w.assessor)
    start = timezone.localdate() - timedelta(days=7)
    w.ellen_decision = DecisionFactory(citizen=w.ellen, service=w.practical, assessment=assessment, valid_from=start)
    w.ellen_meals = DecisionFactory(citizen=w.ellen, service=w.meal, assessment=assessment, amount=Decimal(7),
                                    unit="meal", frequency="week", valid_from=start, reason="Kan ikke lave mad")
    return w


def _field_labels(page, provider_name):
    return page.locator(f"section:has(h3:text-is('{provider_name}')) dt").all_inner_texts()


def test_provider_approved_citizen_chooses_switches_orders_meals_provider_delivers(
        browser, live_server, choice_world):
    w = choice_world
    checked: list[str] = []
    today = timezone.localdate()

    # 1. The purchaser (finance) publishes an insurance requirement for practical help (document
    #    required) and the municipality's meal payment rule, on their pages.
    context, page = log_in(browser, live_server, "finance")
    page.goto(f"{live_server.url}/providers/requirements/")
    assert_accessible(page, checked)
    page.select_option("#id_service", str(w.practical.pk))
    page.fill("#id_code", "fors")
    page.fill("#id_title", "Ansvarsforsikring")
    page.fill("#id_description", "Vis en gyldig police for erhvervsansvarsforsikring.")
    page.select_option("#id_kind", "insurance")
    page.check("#id_document_required")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    requirement = Requirement.objects.get(municipality=w.muni, code="FORS")
    assert requirement.document_required and requirement.service == w.practical
    assert_accessible(page, checked)
    page.goto(f"{live_server.url}/meals/purchaser/payment-rule/")
    assert_accessible(page, checked)
    page.check("input[name=mode][value=subsidy]")
    page.fill("#id_amount", "20")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    rule = MealPaymentRule.objects.get(municipality=w.muni)
    assert (rule.mode, rule.amount_minor) == ("subsidy", 2000)
    assert_accessible(page, checked)
    context.close()

    # 2. The newcomer's admin applies for practical help and answers the requirement with a PDF.
    context, page = log_in(browser, live_server, "hjerte_admin")
    page.goto(f"{live_server.url}/providers/applications/new/")
    assert_accessible(page, checked)
    page.select_option("#id_service", str(w.practical.pk))
    page.fill("#id_capacity", "10")
    page.select_option("#id_districts", [str(w.north.pk), str(w.south.pk)])
    page.fill("#id_languages", "da, en")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    approval = Approval.objects.get(provider=w.newcomer, service=w.practical)
    assert approval.status == "applied"
    assert page.url.endswith(f"/providers/approvals/{approval.public_id}/")
    assert_accessible(page, checked)
    page.click("main a[href*='/providers/answers/']:has-text('FORS')")
    page.wait_for_url("**/providers/answers/**")
    assert_accessible(page, checked)
    page.fill("#id_answer", "Police 12345 hos Tryg, gyldig til udgangen af næste år.")
    page.set_input_files("#id_document", files=[{"name": "police.pdf", "mimeType": "application/pdf",
                                                 "buffer": PDF}])
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.endswith(f"/providers/approvals/{approval.public_id}/")
    assert "police.pdf" in page.inner_text("main")
    assert_accessible(page, checked)
    context.close()

    # 3. The purchaser assesses every requirement as met and approves with a reason.
    context, page = log_in(browser, live_server, "finance")
    page.goto(f"{live_server.url}/providers/applications/")
    assert_accessible(page, checked)
    with page.expect_navigation():
        page.click("main a:text-is('Hjem og Hjerte ApS')")
    assert_accessible(page, checked)
    assess_links = page.locator("main a[href$='/assess/']")
    assert assess_links.count() >= 1
    for index in range(assess_links.count()):
        with page.expect_navigation():
            page.locator("main a[href$='/assess/']").nth(index).click()
        assert_accessible(page, checked)
        page.check("input[name=outcome][value=met]")
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert_accessible(page, checked)
    with page.expect_navigation():
        page.click(f"main a[href$='/providers/approvals/{approval.public_id}/decide/']")
    assert_accessible(page, checked)
    page.check("input[name=status][value=approved]")
    page.fill("#id_reason", "Alle krav er opfyldt, herunder forsikring.")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    approval.refresh_from_db()
    assert approval.status == "approved"
    assert approval.valid_from == today and approval.decided_by == w.finance
    assert approval.reason == "Alle krav er opfyldt, herunder forsikring."
    assert_accessible(page, checked)
    context.close()

    # 4. Ellen compares: the newcomer and the in-house provider with the same information; she
    #    chooses the newcomer with the keyboard.
    context, page = log_in(browser, live_server, "ellen")
    assert page.url.endswith("/my/")
    assert_accessible(page, checked)
    with page.expect_navigation():
        page.click(f"main a[href$='/my/decisions/{w.ellen_decision.public_id}/choose/']")
    assert_accessible(page, checked)
    newcomer_fields = _field_labels(page, "Hjem og Hjerte ApS")
    assert newcomer_fields, "the newly approved provider is not on the comparison page"
    assert newcomer_fields == _field_labels(page, "Testrup Hjemmepleje")
    choose = page.locator("section:has(h3:text-is('Hjem og Hjerte ApS')) button[type=submit]")
    choose.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/my/")
    first = Choice.objects.get(decision=w.ellen_decision)
    assert (first.provider, first.how, first.valid_from, first.valid_to) == (w.newcomer, "active", today, None)
    assert first.chosen_by == w.ellen_user and first.initiated_by == "citizen"
    assert "Hjem og Hjerte ApS" in page.inner_text("main")
    assert_accessible(page, checked)

    # 5. She switches to the in-house provider: the takeover date is shown before she confirms.
    with page.expect_navigation():
        page.click(f"main a[href$='/my/decisions/{w.ellen_decision.public_id}/choose/']")
    assert_accessible(page, checked)
    with page.expect_navigation():
        page.click("section:has(h3:text-is('Testrup Hjemmepleje')) button[type=submit]")
    notice = default_rule_setting_of(w.muni.pk).switch_notice_days
    effective = max(choice_rules.switch_effective_date(today, notice), today + timedelta(days=1))
    with translation.override("da"):
        shown = formats.date_format(effective, "DATE_FORMAT")
    assert shown in page.inner_text("main"), f"takeover date {shown} not shown"
    assert Choice.objects.filter(decision=w.ellen_decision).count() == 1  # nothing changes before confirming
    assert_accessible(page, checked)
    page.fill("#id_reason", "Jeg vil hellere have kommunens hjemmepleje.")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.endswith("/my/")
    first.refresh_from_db()
    second = Choice.objects.get(decision=w.ellen_decision, valid_to__isnull=True)
    assert second.provider == w.in_house and second.previous == first
    assert second.valid_from == effective and second.valid_from > today
    assert first.valid_to == effective - timedelta(days=1)
    assert second.reason == "Jeg vil hellere have kommunens hjemmepleje."
    assert second.initiated_by == "citizen" and second.chosen_by == w.ellen_user
    assert_accessible(page, checked)

    # 6. She orders meals from the in-house kitchen for Wednesday next week, before the deadline.
    day = next_week_day(3)
    page.goto(f"{live_server.url}/meals/?decision={w.ellen_meals.public_id}&week=next")
    assert_accessible(page, checked)
    with page.expect_navigation():
        page.click(f"main a[href$='/{w.in_house_menu.public_id}/{day.isoformat()}/']")
    assert_accessible(page, checked)
    page.fill(f"#id_dish_{w.fish.public_id}", "2")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.endswith("/meals/my-orders/")
    order = MealOrder.objects.get(decision=w.ellen_meals)
    assert (order.provider, order.delivery_date, order.status, order.placed_by) == (
        w.in_house, day, "placed", w.ellen_user)
    line = order.lines.get()
    assert (line.dish, line.quantity) == (w.fish, 2)
    assert_accessible(page, checked)
    context.close()

    # 7. The in-house kitchen confirms the order, and marks it delivered on the delivery day.
    context, page = log_in(browser, live_server, "inhouse_admin")
    page.goto(f"{live_server.url}/meals/provider/orders/?date={day.isoformat()}")
    assert_accessible(page, checked)
    section = f"section[aria-labelledby='order-{order.public_id}']"
    with page.expect_navigation():
        page.click(f"{section} >> form[action$='/confirm/'] button")
    order.refresh_from_db()
    assert order.status == "confirmed" and order.handled_by == w.in_house_admin
    assert_accessible(page, checked)
    # A delivery can only be reported from the delivery day, which is next week: move the order
    # to today in the database so the kitchen can report it delivered now.
    MealOrder.objects.filter(pk=order.pk).update(delivery_date=today)
    page.goto(f"{live_server.url}/meals/provider/orders/?date={today.isoformat()}")
    assert_accessible(page, checked)
    with page.expect_navigation():
        page.click(f"{section} >> form[action$='/deliver/'] button")
    order.refresh_from_db()
    assert order.status == "delivered"
    # Each meal becomes one done visit of the meal service, settled per unit (docs/meals.md).
    visits = Visit.objects.filter(decision=w.ellen_meals, source_system="frivalg.meals")
    assert visits.count() == 2
    assert all(v.status == "done" and v.provider_id == w.in_house.pk and v.service_id == w.meal.pk
               and v.external_id.startswith(str(order.public_id)) for v in visits)
    assert_accessible(page, checked)
    context.close()

    assert len(checked) == 27
