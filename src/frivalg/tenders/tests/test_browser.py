"""The tender journey in a real browser: the procurement officer plans a tender (lot, criteria,
live preview) and publishes it; a private bidder and the in-house unit (its control bid, priced
from the published price sheet) submit bids; after the deadline the officer opens, grades,
compares the models, decides the award; the award letter (PDF) shows the scores. axe finds no
WCAG 2.1 AA violation on the main pages."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from tests.browser.pages import assert_accessible, log_in

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed at /usr/bin/chromium"),
]


def submit(page, selector="main form button.button-primary[type=submit]"):
    with page.expect_navigation():
        page.click(selector)


def test_publish_bid_control_bid_grade_compare_award_letter(chromium, live_server, transactional_db):
    from django.utils import timezone
    from pypdf import PdfReader
    from tests.world import build_world

    from frivalg.tenders.models import Bid, Tender
    from frivalg.tenders.tests.factories import close_bidding, price_sheet

    w = build_world()
    price_sheet(w.muni, w.practical.code, {"day": 43000, "evening": 55000})
    base = live_server.url
    soon = timezone.localtime() + timedelta(days=3)

    # The procurement officer plans the tender.
    context, page = log_in(chromium, live_server, "procurement")
    page.goto(f"{base}/tenders/")
    assert_accessible(page)
    page.goto(f"{base}/tenders/new/")
    assert_accessible(page)
    page.fill("#id_reference", "UDB-2030-1")
    page.fill("#id_title", "Praktisk hjælp i Nord")
    page.check("#id_evaluation_model_0")
    page.fill("#id_price_weight", "40")
    page.fill("#id_max_points", "10")
    page.fill("#id_min_quality_overall", "50")
    page.fill("#id_min_quality_per_criterion", "30")
    page.fill("#id_question_deadline", soon.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_bid_deadline", (soon + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_contract_start", "2031-01-01")
    page.fill("#id_contract_end", "2033-01-01")
    submit(page)
    tender = Tender.objects.get(reference="UDB-2030-1")
    assert_accessible(page)

    page.goto(f"{base}/tenders/{tender.public_id}/lots/new/")
    page.fill("#id_title", "Nord")
    page.select_option("#id_service", str(w.practical.pk))
    page.check("#id_price_form_0")
    page.fill("#id_volume_day", "1000")
    page.fill("#id_volume_evening", "200")
    submit(page)
    for code, weight in (("Q1", "60"), ("Q2", "40")):
        page.goto(f"{base}/tenders/{tender.public_id}/criteria/new/")
        page.fill("#id_code", code)
        page.fill("#id_name", f"Kvalitet {code}")
        page.fill("#id_weight", weight)
        page.fill("#id_grade_descriptions", "0: Ikke beskrevet\n10: Konkret og troværdigt")
        submit(page)
    assert tender.criteria.count() == 2

    # The live preview follows the input (htmx), nothing stored.
    page.goto(f"{base}/tenders/{tender.public_id}/preview/")
    for field, value in (("b1_price", "500000"), ("b1_Q1", "10"), ("b1_Q2", "10"),
                         ("b2_price", "400000"), ("b2_Q1", "6"), ("b2_Q2", "6")):
        page.fill(f"#id_{field}", value)
    page.dispatch_event("#id_b2_Q2", "change")
    page.wait_for_selector("#preview-results table")
    assert_accessible(page)

    page.goto(f"{base}/tenders/{tender.public_id}/")
    submit(page, f"form[action='/tenders/{tender.public_id}/publish/'] button")
    tender.refresh_from_db()
    assert tender.status == "published"
    assert_accessible(page)
    context.close()

    lot = tender.lots.get()
    answers = (("#id_answer_Q1", "Faste teams"), ("#id_answer_Q2", "Uddannelsesplan"))

    # A private bidder bids.
    context, page = log_in(chromium, live_server, "private_admin")
    page.goto(f"{base}/tenders/{tender.public_id}/lots/{lot.public_id}/bid/")
    assert_accessible(page)
    page.fill("#id_price_day", "39000")
    page.fill("#id_price_evening", "50000")
    for selector, text in answers:
        page.fill(selector, text)
    submit(page, "main button[name=submit]")
    assert Bid.objects.get(provider=w.private).status == "submitted"
    assert_accessible(page)
    context.close()

    # The in-house unit prepares its control bid from the price sheet and submits it.
    context, page = log_in(chromium, live_server, "inhouse_admin")
    page.goto(f"{base}/tenders/{tender.public_id}/")
    submit(page, f"form[action='/tenders/{tender.public_id}/lots/{lot.public_id}/control-bid/'] button")
    control = Bid.objects.get(provider=w.in_house)
    assert control.control_bid and control.prices == {"day": 43000, "evening": 55000}
    page.goto(f"{base}/tenders/{tender.public_id}/lots/{lot.public_id}/bid/")
    for selector, text in answers:
        page.fill(selector, text)
    submit(page, "main button[name=submit]")
    assert Bid.objects.get(pk=control.pk).status == "submitted"
    context.close()

    # The deadline passes; the officer opens, grades, compares and awards.
    close_bidding(tender)
    context, page = log_in(chromium, live_server, "procurement")
    page.goto(f"{base}/tenders/{tender.public_id}/")
    submit(page, f"form[action='/tenders/{tender.public_id}/open/'] button")
    assert Tender.objects.get(pk=tender.pk).status == "opened"
    for bid, grades in ((Bid.objects.get(provider=w.private), ("8", "7")), (control, ("6", "9"))):
        page.goto(f"{base}/tenders/bids/{bid.public_id}/grade/")
        for code, grade in zip(("Q1", "Q2"), grades, strict=True):
            page.fill(f"#id_grade_{code}", grade)
            page.fill(f"#id_justification_{code}", "Konkret plan med faste teams.")
        submit(page)
    assert_accessible(page)
    page.goto(f"{base}/tenders/{tender.public_id}/lots/{lot.public_id}/evaluation/")
    assert page.locator("main table").count() == 5
    assert_accessible(page)
    page.goto(f"{base}/tenders/{tender.public_id}/lots/{lot.public_id}/award/")
    assert_accessible(page)
    page.check(f"input[value='{Bid.objects.get(provider=w.private).public_id}']")
    page.fill("#id_reasons", "Det økonomisk mest fordelagtige bud.")
    submit(page)
    assert page.url.endswith(f"/tenders/{tender.public_id}/lots/{lot.public_id}/letter/")
    assert_accessible(page)
    context.close()

    # The in-house unit reads the award letter: its own scores and the winner's.
    context, page = log_in(chromium, live_server, "inhouse_admin")
    response = page.request.get(f"{base}/tenders/{tender.public_id}/lots/{lot.public_id}/letter.pdf")
    assert response.status == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "Omsorg Nord ApS" in text and "Testrup Hjemmepleje" in text
    assert "8 / 10" in text and "6 / 10" in text
    assert "Det økonomisk mest fordelagtige bud." in text
    context.close()
