"""The award letter: each bidder reads its own scores and the winner's (never a third bidder's),
the reasons, the standstill end and the complaints body of the municipality's country, in the
municipality's language — as a page and as a PDF."""

import io

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from frivalg.core.tests.factories import UserFactory
from frivalg.providers.tests.factories import ProviderFactory, StaffMemberFactory
from frivalg.tenders.models import Bid
from frivalg.tenders.services import award_decide, bid_save, bid_submit, grade_record, tender_open
from frivalg.tenders.tests.factories import close_bidding, tender_world

pytestmark = pytest.mark.django_db

ANSWERS = {"K1": "Faste teams", "K2a": "Uddannelsesplan", "K2b": "Klageprocedure"}


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def awarded(language="en", country="DK"):
    w = tender_world()
    type(w.muni).objects.filter(pk=w.muni.pk).update(language=language, country=country)
    w.muni.refresh_from_db()
    gamma = ProviderFactory(name="Gamma Care")
    gamma_admin = UserFactory(role="provider_admin")
    StaffMemberFactory(provider=gamma, user=gamma_admin, role="admin")
    bids = {}
    for admin, day, grades in ((w.alpha_admin, 40000, (9, 8, 7)), (w.beta_admin, 36000, (6, 6, 6)),
                               (gamma_admin, 38000, (5, 6, 7))):
        bid = bid_submit(actor=admin, bid=bid_save(actor=admin, lot=w.lot, prices={"day": day, "evening": 50000},
                                                   answers=ANSWERS))
        bids[admin.pk] = (bid, grades)
    close_bidding(w.tender)
    tender_open(actor=w.officer, tender=w.tender)
    for bid, grades in bids.values():
        for criterion, grade in zip((w.k1, w.k2a, w.k2b), grades, strict=True):
            grade_record(actor=w.officer, bid=Bid.objects.get(pk=bid.pk), criterion=criterion, grade=grade,
                         justification="Begrundet.")
    alpha_bid = bids[w.alpha_admin.pk][0]
    award_decide(actor=w.officer, lot=w.lot, winners=[Bid.objects.get(pk=alpha_bid.pk)],
                 reasons="The best ratio between quality and price.")
    w.gamma_admin = gamma_admin
    return w


def pdf_text(client, w):
    response = client.get(reverse("tenders:letter_pdf", args=[w.tender.public_id, w.lot.public_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(page.extract_text() for page in reader.pages)


def test_the_losing_bidder_reads_its_own_scores_and_the_winner_s(client):
    w = awarded()
    client.force_login(w.beta_admin)
    text = pdf_text(client, w)
    assert "Alfa Omsorg ApS" in text and "Beta Pleje A/S" in text
    assert "Gamma Care" not in text                      # a third bidder's scores are not shown
    assert "The best ratio between quality and price." in text
    assert "9 / 10" in text and "6 / 10" in text         # grades per criterion, own and the winner's
    assert "Klagenævnet for Udbud" in text
    assert "standstill period has ended" in text
    assert "rounded half up to 2 decimals" in text
    assert "Your bid was not chosen" in text


def test_staff_see_every_bid_on_the_page(client):
    w = awarded()
    client.force_login(w.officer)
    page = client.get(reverse("tenders:letter", args=[w.tender.public_id, w.lot.public_id])).content.decode()
    assert "Gamma Care" in page and "Beta Pleje A/S" in page and "Alfa Omsorg ApS" in page


@pytest.mark.parametrize(("country", "body"), [("SE", "förvaltningsrätten"), ("NO", "KOFA")])
def test_the_complaints_body_follows_the_country(client, country, body):
    w = awarded(country=country)
    client.force_login(w.alpha_admin)
    assert body in pdf_text(client, w)


def test_the_letter_is_in_the_municipality_s_language(client):
    w = awarded(language="da")
    client.force_login(w.alpha_admin)
    page = client.get(reverse("tenders:letter", args=[w.tender.public_id, w.lot.public_id])).content.decode()
    assert 'lang="da"' in page


def test_no_letter_for_those_who_did_not_bid(client):
    w = awarded()
    client.force_login(w.in_house_admin)
    assert client.get(reverse("tenders:letter_pdf", args=[w.tender.public_id, w.lot.public_id])).status_code == 403
