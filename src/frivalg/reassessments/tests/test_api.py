"""Reassessment queue and flags through the JSON API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from frivalg.assessments.models import Assessment
from frivalg.core.tests.factories import UserFactory
from frivalg.reassessments.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db
API = "/api/v1"


def due(assessment, days_from_today):
    Assessment.objects.filter(pk=assessment.pk).update(
        next_reassessment_due=timezone.localdate() + timedelta(days=days_from_today))


def test_the_queue_of_my_caseload(client, world):
    due(world.assessment, -2)
    due(world.neighbour_assessment, -2)
    FlagFactory(citizen=world.citizen)
    client.force_login(world.assessor)
    response = client.get(f"{API}/reassessments/queue")
    assert response.status_code == 200, response.content
    [item] = response.json()["items"]
    assert item["citizen"]["id"] == str(world.citizen.public_id)
    assert item["days_overdue"] == 2
    assert item["reason"] == "manual"
    assert item["assessor"] == "assessor"
    assert item["flags"][0]["kind"] == "missed_visits"


def test_the_team_queue_needs_team_view(client, world):
    due(world.neighbour_assessment, 3)
    client.force_login(world.assessor)
    assert client.get(f"{API}/reassessments/queue", {"scope": "team"}).status_code == 403
    client.force_login(UserFactory(role="assessment_manager", municipality=world.muni))
    response = client.get(f"{API}/reassessments/queue", {"scope": "team"})
    assert [item["citizen"]["first_name"] for item in response.json()["items"]] == ["Poul"]


def test_a_bad_scope_is_a_field_error(client, world):
    client.force_login(world.assessor)
    response = client.get(f"{API}/reassessments/queue", {"scope": "everyone"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "scope"


def test_a_provider_admin_gets_403(client, world):
    client.force_login(world.private_admin)
    assert client.get(f"{API}/reassessments/queue").status_code == 403
    assert client.get(f"{API}/flags").status_code == 403


def test_flags_list_and_resolve(client, world):
    flag = FlagFactory(citizen=world.citizen)
    FlagFactory(citizen=world.foreigner)
    client.force_login(world.assessor)
    listed = client.get(f"{API}/flags", {"status": "open"}, HTTP_ACCEPT_LANGUAGE="en").json()["items"]
    assert [item["id"] for item in listed] == [str(flag.public_id)]
    assert listed[0]["evidence"]["missed"] == 3
    assert listed[0]["evidence_text"].startswith("3 missed visits in 30 days")
    empty = client.post(f"{API}/flags/{flag.public_id}/resolve", {"note": " "}, content_type="application/json",
                        HTTP_ACCEPT_LANGUAGE="en")
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["field"] == "note"
    response = client.post(f"{API}/flags/{flag.public_id}/resolve", {"note": "Reassessed"},
                           content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "resolved"


def test_a_foreign_flag_is_404_and_filters_by_citizen(client, world):
    foreign = FlagFactory(citizen=world.foreigner)
    client.force_login(world.assessor)
    response = client.post(f"{API}/flags/{foreign.public_id}/resolve", {"note": "x"}, content_type="application/json")
    assert response.status_code == 404
    assert client.get(f"{API}/flags", {"citizen": str(world.foreigner.public_id)}).status_code == 422
    assert client.get(f"{API}/flags", {"citizen": str(world.citizen.public_id)}).json()["count"] == 0
