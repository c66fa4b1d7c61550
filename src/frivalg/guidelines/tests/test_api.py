"""GET /api/v1/guidelines[/{id}] and GET /api/v1/assessments/{id}/proposal."""

from datetime import date

import pytest

from frivalg.assessments.models import AssessmentScore
from frivalg.guidelines.tests.factories import GuidelineFactory, GuidelineRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def guideline(world):
    guideline = GuidelineFactory(municipality=world.muni, version=1, valid_from=date(2020, 1, 1))
    GuidelineRuleFactory(guideline=guideline, service=world.personal, label="Personal care")
    GuidelineFactory(municipality=world.muni, version=2, status="draft", valid_from=None, published_at=None)
    GuidelineFactory(municipality=world.other_muni, version=1)
    return guideline


def test_an_assessor_lists_the_published_versions(client, world, guideline):
    client.force_login(world.assessor)
    response = client.get("/api/v1/guidelines")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["version"] for item in items] == [1]
    rule = items[0]["rules"][0]
    assert rule["conditions"] == [{"area": "J1", "op": ">=", "score": 2}]
    assert (rule["service"]["code"], rule["amount"], rule["unit"]) == ("PC", "30.00", "minute")


def test_a_manager_also_sees_the_draft(client, world, manager, guideline):
    client.force_login(manager)
    assert [item["version"] for item in client.get("/api/v1/guidelines").json()["items"]] == [2, 1]


def test_one_version_and_a_foreign_one(client, world, other_manager, guideline):
    client.force_login(world.assessor)
    assert client.get(f"/api/v1/guidelines/{guideline.public_id}").json()["version"] == 1
    client.force_login(other_manager)
    assert client.get(f"/api/v1/guidelines/{guideline.public_id}").status_code == 404


@pytest.mark.parametrize("who", ["private_admin", "citizen_user", "finance"])
def test_other_roles_are_refused(client, world, guideline, who):
    client.force_login(getattr(world, who))
    assert client.get("/api/v1/guidelines").status_code == 403
    assert client.get(f"/api/v1/assessments/{world.assessment.public_id}/proposal").status_code == 403


def test_the_proposal_for_an_assessment(client, world, guideline):
    AssessmentScore.objects.create(assessment=world.assessment, area_code="J1.1", score=2)
    client.force_login(world.assessor)
    response = client.get(f"/api/v1/assessments/{world.assessment.public_id}/proposal")
    assert response.status_code == 200
    body = response.json()
    assert body["guideline"]["version"] == 1
    assert body["proposals"] == [{"service_code": "PC", "amount": "30.00", "unit": "minute", "frequency": "day",
                                  "rule_label": "Personal care", "explanation": "Hjælp til personlig hygiejne"}]


def test_another_municipality_s_assessment_is_not_found(client, world, guideline):
    client.force_login(world.assessor)
    assert client.get(f"/api/v1/assessments/{world.foreign_assessment.public_id}/proposal").status_code == 404
