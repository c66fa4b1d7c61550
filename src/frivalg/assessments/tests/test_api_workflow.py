"""Drafts and completion, decisions from the guidelines, versions, the letter PDF and appeals
through the JSON API — scoped like the pages, 404 for what the caller may not see."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from frivalg.assessments.services import assessment_scheme_current, scheme_codes
from frivalg.assessments.tests.test_api import API, fields, post
from frivalg.guidelines.tests.factories import GuidelineFactory, GuidelineRuleFactory

pytestmark = pytest.mark.django_db


def put(client, path, payload):
    return client.put(API + path, payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def all_areas(world, score):
    _known, required = scheme_codes(assessment_scheme_current(municipality=world.muni))
    return dict.fromkeys(required, score)


def test_draft_then_complete(world, client):
    client.force_login(world.assessor)
    body = {"assessed_on": date.today().isoformat(), "scores": {"J1.1": 2}, "performers": {"J1.1": "citizen"},
            "views": {"J1.1": "Det går"}, "referral_source": "hospital", "status": "draft"}
    created = post(client, "/assessments", {**body, "citizen": str(world.citizen.public_id)})
    assert created.status_code == 201, created.content
    draft = created.json()
    assert (draft["status"], draft["performers"], draft["views"]) == ("draft", {"J1.1": "citizen"}, {"J1.1": "Det går"})
    errors = fields(put(client, f"/assessments/{draft['id']}", {**body, "status": "completed"}))
    assert "scores.J1.2" in errors and "scores.J1.1" not in errors
    done = put(client, f"/assessments/{draft['id']}", {**body, "status": "completed",
                                                       "scores": all_areas(world, 2)})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "completed"
    client.force_login(world.other_assessor)
    assert put(client, f"/assessments/{draft['id']}", body).status_code == 404


def test_a_grant_unlike_the_proposal_needs_a_reason(world, client):
    guideline = GuidelineFactory(municipality=world.muni)
    GuidelineRuleFactory(guideline=guideline, service=world.practical, label="Rengøring",
                         conditions=[{"area": "J2.1", "op": ">=", "score": 2}], amount=Decimal(2), unit="hour",
                         frequency="week")
    client.force_login(world.assessor)
    assessment = post(client, "/assessments", {"citizen": str(world.citizen.public_id),
                                               "assessed_on": date.today().isoformat(),
                                               "scores": all_areas(world, 2)}).json()
    body = {"citizen": str(world.citizen.public_id), "service": str(world.practical.public_id),
            "assessment": assessment["id"], "amount": "3", "unit": "hour", "frequency": "week",
            "valid_from": date.today().isoformat(), "reason": "Rengøring"}
    assert "deviation_reason" in fields(post(client, "/decisions", body))
    as_proposed = post(client, "/decisions", {**body, "amount": "2"})
    assert as_proposed.status_code == 201, as_proposed.content
    assert as_proposed.json()["proposal"]["rule_label"] == "Rengøring"
    deviating = post(client, "/decisions", {**body, "deviation_reason": "Stor bolig"})
    assert deviating.json()["deviation_reason"] == "Stor bolig"


def test_amend_and_versions(world, client):
    client.force_login(world.assessor)
    start = (date.today() + timedelta(days=1)).isoformat()
    response = post(client, f"/decisions/{world.decision.public_id}/amend",
                    {"valid_from": start, "reason": "Mere hjælp", "amount": "4"})
    assert response.status_code == 201, response.content
    new = response.json()
    assert (new["version"], new["previous"], new["source"]) == (2, str(world.decision.public_id), "assessor")
    versions = client.get(f"{API}/decisions/{new['id']}/versions").json()
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[1]["status"] == "ended"
    errors = fields(post(client, f"/decisions/{world.decision.public_id}/amend",
                         {"valid_from": start, "reason": "x", "amount": "5"}))
    assert "status" in errors
    client.force_login(world.other_assessor)
    assert client.get(f"{API}/decisions/{new['id']}/versions").status_code == 404


def test_the_letter_pdf(world, client):
    client.force_login(world.citizen_user)
    response = client.get(f"{API}/decisions/{world.decision.public_id}/letter.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    client.force_login(world.in_house_admin)
    assert client.get(f"{API}/decisions/{world.decision.public_id}/letter.pdf").status_code == 404


def test_appeals_lodged_listed_and_decided(world, client):
    client.force_login(world.relative)
    created = post(client, f"/decisions/{world.decision.public_id}/appeals", {"grounds": "For lidt"})
    assert created.status_code == 201, created.content
    appeal = created.json()
    assert appeal["status"] == "received"
    assert "grounds" in fields(post(client, f"/decisions/{world.decision.public_id}/appeals", {"grounds": " "}))
    listed = client.get(f"{API}/decisions/{world.decision.public_id}/appeals").json()
    assert [a["id"] for a in listed] == [appeal["id"]]
    assert post(client, f"/appeals/{appeal['id']}/outcome",
                {"status": "upheld", "outcome_reason": "x"}).status_code == 403
    client.force_login(world.private_admin)
    assert client.get(f"{API}/decisions/{world.decision.public_id}/appeals").json() == []
    client.force_login(world.other_assessor)
    assert client.get(f"{API}/decisions/{world.decision.public_id}/appeals").status_code == 404
    assert post(client, f"/appeals/{appeal['id']}/outcome",
                {"status": "upheld", "outcome_reason": "x"}).status_code == 404
    client.force_login(world.assessor)
    decided = post(client, f"/appeals/{appeal['id']}/outcome",
                   {"status": "changed", "outcome_reason": "Medhold", "amount": "3",
                    "valid_from": (date.today() + timedelta(days=1)).isoformat()})
    assert decided.status_code == 200, decided.content
    assert decided.json()["new_version"]
