"""The tenders API: who sees which tenders, questions without the asker, sealed bids through every
bid endpoint before the deadline, bids with field errors, and the public OCDS endpoints."""

import pytest
from django.utils import translation

from frivalg.tenders.models import Bid
from frivalg.tenders.services import bid_save, bid_submit, tender_open
from frivalg.tenders.tests.factories import TenderFactory, close_bidding, tender_world

pytestmark = pytest.mark.django_db

API = "/api/v1"
ANSWERS = {"K1": "Faste teams", "K2a": "Uddannelsesplan", "K2b": "Klageprocedure"}


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def w():
    return tender_world()


def as_user(client, user):
    client.force_login(user)
    return client


def submitted(w, admin, day=40000, evening=50000):
    bid = bid_save(actor=admin, lot=w.lot, prices={"day": day, "evening": evening}, answers=ANSWERS)
    return bid_submit(actor=admin, bid=bid)


def test_tender_lists_by_role(client, w):
    planned = TenderFactory(municipality=w.muni, created_by=w.officer)
    as_user(client, w.officer)
    ids = {item["id"] for item in client.get(f"{API}/tenders").json()["items"]}
    assert ids == {str(w.tender.public_id), str(planned.public_id)}
    as_user(client, w.alpha_admin)
    ids = {item["id"] for item in client.get(f"{API}/tenders").json()["items"]}
    assert str(w.tender.public_id) in ids and str(planned.public_id) not in ids
    assert client.get(f"{API}/tenders/{planned.public_id}").status_code == 404
    as_user(client, w.other_officer)
    assert client.get(f"{API}/tenders/{w.tender.public_id}").status_code == 404


def test_tender_detail_has_lots_and_criteria(client, w):
    as_user(client, w.alpha_admin)
    data = client.get(f"{API}/tenders/{w.tender.public_id}").json()
    assert data["lots"][0]["volumes"] == {"day": 1000, "evening": 200}
    assert {c["code"]: c["parent"] for c in data["criteria"]} == {"K1": None, "K2": None, "K2a": "K2", "K2b": "K2"}


def test_citizens_are_refused(client, w):
    from frivalg.core.tests.factories import UserFactory

    as_user(client, UserFactory(role="citizen"))
    response = client.get(f"{API}/tenders")
    assert response.status_code == 403
    assert response.json()["detail"][0]["code"]


def test_questions_without_the_asker(client, w):
    as_user(client, w.alpha_admin)
    response = client.post(f"{API}/tenders/{w.tender.public_id}/questions", {"text": "Elbiler?"},
                           content_type="application/json")
    assert response.status_code == 201
    assert "asked_by" not in response.json()
    response = client.post(f"{API}/tenders/{w.tender.public_id}/questions", {"text": ""},
                           content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "text"
    as_user(client, w.officer)
    response = client.post(f"{API}/tenders/{w.tender.public_id}/questions", {"text": "Hm?"},
                           content_type="application/json")
    assert response.status_code == 403


def test_a_bid_through_the_api_and_its_field_errors(client, w):
    as_user(client, w.alpha_admin)
    target = f"{API}/tenders/{w.tender.public_id}/lots/{w.lot.public_id}/bids"
    response = client.post(target, {"prices": {"day": 0}, "answers": ANSWERS}, content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"][0]["field"].startswith("prices")
    response = client.post(target, {"prices": {"day": 40000, "evening": 50000}, "answers": {"K1": "x"}},
                           content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "answers"
    response = client.post(target, {"prices": {"day": 40000, "evening": 50000}, "answers": ANSWERS},
                           content_type="application/json")
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "submitted" and data["evaluation_price_minor"] == 40000 * 1000 + 50000 * 200
    response = client.post(f"{API}/bids/{data['id']}/withdraw")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    as_user(client, w.officer)
    assert client.post(target, {"prices": {"day": 1}}, content_type="application/json").status_code == 403


def test_bids_are_sealed_through_every_endpoint_before_the_deadline(client, w):
    bid = submitted(w, w.alpha_admin)
    for who in ("officer", "analyst", "politician", "sysadmin", "beta_admin"):
        as_user(client, getattr(w, who))
        response = client.get(f"{API}/tenders/{w.tender.public_id}/bids")
        assert response.status_code in (200, 403), who
        if response.status_code == 200:
            assert response.json() == [], who
        assert client.get(f"{API}/bids/{bid.public_id}").status_code in (403, 404), who
        assert client.post(f"{API}/bids/{bid.public_id}/withdraw").status_code in (403, 404), who
    as_user(client, w.alpha_admin)
    assert [b["id"] for b in client.get(f"{API}/tenders/{w.tender.public_id}/bids").json()] == [str(bid.public_id)]
    release = client.get(f"{API}/tenders/{w.tender.public_id}/ocds/release-package").content.decode()
    assert "Alfa Omsorg" not in release and str(bid.public_id) not in release
    # After the deadline and the opening, staff read the submitted bids.
    close_bidding(w.tender)
    tender_open(actor=w.officer, tender=w.tender)
    as_user(client, w.officer)
    assert [b["id"] for b in client.get(f"{API}/tenders/{w.tender.public_id}/bids").json()] == [str(bid.public_id)]
    assert client.get(f"{API}/bids/{bid.public_id}").json()["prices"] == {"day": 40000, "evening": 50000}
    assert Bid.objects.get(pk=bid.pk).status == "submitted"


def test_ocds_endpoints_serve_published_tenders_to_any_user(client, w):
    from frivalg.core.tests.factories import UserFactory

    as_user(client, UserFactory(role="citizen"))
    assert client.get(f"{API}/tenders/{w.tender.public_id}/ocds/release-package").status_code == 200
    assert client.get(f"{API}/tenders/{w.tender.public_id}/ocds/record-package").status_code == 200
    planned = TenderFactory(municipality=w.muni, created_by=w.officer)
    response = client.get(f"{API}/tenders/{planned.public_id}/ocds/release-package")
    assert response.status_code == 404 and response.json()["detail"][0]["code"] == "not_found"
    client.logout()
    assert client.get(f"{API}/tenders/{w.tender.public_id}/ocds/release-package").status_code == 401
