"""Settlement runs through the JSON API: compute a month (now or as a background batch), read the
runs and their lines by reason, approve, export."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from frivalg.settlements.models import SettlementRun
from frivalg.visits.tests.factories import VisitFactory

API = "/api/v1"


def post(client, path, payload=None):
    return client.post(API + path, payload or {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def month(world):
    """A past month in which the private provider performed one verified visit."""
    day = timezone.localdate() - timedelta(days=30)
    start = datetime.combine(day, time(10, 0), timezone.get_current_timezone())
    VisitFactory(decision=world.decision, provider=world.private, caregiver=world.private_caregiver,
                 planned_start=start, planned_end=start + timedelta(minutes=60), status="done",
                 actual_start=start, actual_end=start + timedelta(minutes=60))
    return {"year": day.year, "month": day.month}


def test_finance_computes_reads_approves_and_exports_a_run(world, client, month):
    client.force_login(world.finance)
    created = post(client, "/settlement-runs", month)
    assert created.status_code == 201, created.content
    assert created.json()["lines"] >= 1
    run = next(run for run in created.json()["runs"] if run["provider"]["id"] == str(world.private.public_id))
    assert run["status"] == "draft"
    assert run["line_count"] >= 1
    assert run["total_minor"] > 0
    assert run["currency"] == "DKK"
    detail = client.get(f"{API}/settlement-runs/{run['id']}").json()
    assert len(detail["lines"]) == run["line_count"]
    assert sum(line["amount_minor"] for line in detail["lines"]) == run["total_minor"]
    assert {line["reason_code"] for line in detail["lines"]} >= {"performed"}
    lines = client.get(f"{API}/settlement-runs/{run['id']}/lines?reason=performed").json()
    assert lines["count"] >= 1
    assert {line["reason_code"] for line in lines["items"]} == {"performed"}
    assert client.get(f"{API}/settlement-runs/{run['id']}/lines?reason=nonsense").status_code == 422
    approved = post(client, f"/settlement-runs/{run['id']}/approve")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    again = post(client, f"/settlement-runs/{run['id']}/approve")
    assert again.json()["detail"][0] == {"field": "status", "message": "Only a draft can be approved.",
                                         "code": "invalid"}
    exported = post(client, f"/settlement-runs/{run['id']}/export")
    assert exported.json()["status"] == "exported"


def test_the_provider_reads_its_own_runs_only(world, client, month):
    client.force_login(world.finance)
    runs = post(client, "/settlement-runs", month).json()["runs"]
    run_id = next(run["id"] for run in runs if run["provider"]["id"] == str(world.private.public_id))
    client.force_login(world.private_admin)
    assert client.get(f"{API}/settlement-runs/{run_id}").status_code == 200
    assert post(client, f"/settlement-runs/{run_id}/approve").status_code == 403
    assert post(client, "/settlement-runs", month).status_code == 403
    assert post(client, "/settlement-batches", month).status_code == 403
    assert client.get(f"{API}/settlement-runs").json()["count"] == 1
    for user in ("in_house_admin", "other_finance", "citizen_user", "analyst"):
        client.force_login(getattr(world, user))
        assert client.get(f"{API}/settlement-runs/{run_id}").status_code == 404, user
        assert client.get(f"{API}/settlement-runs/{run_id}/lines").status_code == 404, user
        assert client.get(f"{API}/settlement-runs").json()["count"] == 0, user


def test_run_input_errors(world, client):
    client.force_login(world.finance)
    for path in ("/settlement-runs", "/settlement-batches"):
        response = post(client, path, {"year": 2026, "month": 13})
        assert response.json()["detail"][0]["field"] == "month"
        response = post(client, path, {"year": 99999, "month": 1})
        assert response.json()["detail"][0]["field"] == "year"
        response = post(client, path, {"provider": str(world.private.public_id), "year": 2026, "month": 1})
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == "provider"
    assert not SettlementRun.objects.exists()


def test_a_batch_is_started_and_polled(world, client, month, django_capture_on_commit_callbacks):
    client.force_login(world.finance)
    with django_capture_on_commit_callbacks(execute=True):
        started = post(client, "/settlement-batches", month)
    assert started.status_code == 202, started.content
    assert started.json()["status"] == "queued"
    batch = client.get(f"{API}/settlement-batches/{started.json()['id']}").json()
    assert (batch["status"], batch["percent"]) == ("done", 100)
    assert len(batch["runs"]) == SettlementRun.objects.count() >= 1
    assert batch["total_minor"] == sum(run.total_minor for run in SettlementRun.objects.all())
    for user in ("other_finance", "private_admin"):
        client.force_login(getattr(world, user))
        assert client.get(f"{API}/settlement-batches/{batch['id']}").status_code in (403, 404), user
