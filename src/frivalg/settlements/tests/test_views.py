"""Finance's settlement pages: create a draft for a provider and month, read its lines with
reason codes, approve it — and nobody else does."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from frivalg.settlements.models import SettlementRun
from frivalg.visits.services import visit_check_in, visit_check_out
from frivalg.visits.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db


def this_month():
    return timezone.localdate().strftime("%Y-%m")


def create(client, world, provider=None, month=None):
    return client.post(reverse("settlements:runs"), {
        "provider": str((provider or world.private).public_id), "month": month or this_month(),
    })


def test_finance_creates_a_draft_and_sees_the_visits_line(client, world):
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    visit = VisitFactory(decision=world.decision, provider=world.private, caregiver=world.private_caregiver,
                         planned_start=start, planned_end=start + timedelta(minutes=45))
    visit_check_in(actor=world.private_caregiver_user, visit=visit, at=start)
    visit_check_out(actor=world.private_caregiver_user, visit=visit, at=start + timedelta(minutes=45))
    client.force_login(world.finance)
    assert client.get(reverse("settlements:runs")).status_code == 200
    response = create(client, world, month=timezone.localtime(start).strftime("%Y-%m"))
    assert response.status_code == 302
    run = SettlementRun.objects.get()
    assert response["Location"] == reverse("settlements:run", args=[run.public_id])
    page = client.get(response["Location"])
    assert page.status_code == 200
    line = next(line for line in page.context["page"] if line.visit == visit)
    assert line.reason_code == "performed"
    assert line.amount_minor > 0
    assert page.context["may_approve"]


def test_approve_a_draft(client, world):
    client.force_login(world.finance)
    create(client, world)
    run = SettlementRun.objects.get()
    response = client.post(reverse("settlements:approve", args=[run.public_id]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == "approved"
    response = client.post(reverse("settlements:approve", args=[run.public_id]), follow=True)
    assert response.status_code == 200  # approving twice is a message, not a 500


@pytest.mark.parametrize(("month", "provider_attr"), [
    ("2026-13", "private"), ("last month", "private"), ("", "private"), ("0000-01", "private"),
])
def test_bad_month_is_a_field_error(client, world, month, provider_attr):
    client.force_login(world.finance)
    response = create(client, world, provider=getattr(world, provider_attr), month=month or " ")
    assert response.status_code == 200
    assert "month" in response.context["form"].errors
    assert not SettlementRun.objects.exists()


def test_provider_of_another_municipality_is_not_offered(client, world):
    client.force_login(world.finance)
    response = create(client, world, provider=world.other_provider)
    assert response.status_code == 200
    assert "provider" in response.context["form"].errors


def test_run_of_another_municipality_is_404(client, world):
    client.force_login(world.other_finance)
    client.post(reverse("settlements:runs"), {"provider": str(world.other_provider.public_id), "month": this_month()})
    foreign = SettlementRun.objects.get()
    client.force_login(world.finance)
    assert client.get(reverse("settlements:run", args=[foreign.public_id])).status_code == 404
    assert client.post(reverse("settlements:approve", args=[foreign.public_id])).status_code == 404


@pytest.mark.parametrize("who", ["assessor", "citizen_user", "private_caregiver_user", "analyst"])
def test_settlements_forbidden_for_other_roles(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("settlements:runs")).status_code == 403
    assert create(client, world).status_code == 403


def test_provider_admin_reads_own_runs_but_cannot_create(client, world):
    client.force_login(world.finance)
    create(client, world)
    create(client, world, provider=world.in_house)
    client.force_login(world.private_admin)
    response = client.get(reverse("settlements:runs"))
    assert response.status_code == 200
    assert [run.provider for run in response.context["page"]] == [world.private]
    assert response.context["form"] is None
    assert create(client, world).status_code == 403
    in_house_run = SettlementRun.objects.get(provider=world.in_house)
    assert client.get(reverse("settlements:run", args=[in_house_run.public_id])).status_code == 404


def test_period_already_settled_is_a_form_error(client, world):
    client.force_login(world.finance)
    create(client, world)
    run = SettlementRun.objects.get()
    client.post(reverse("settlements:approve", args=[run.public_id]))
    response = create(client, world)
    assert response.status_code == 200
    assert "month" in response.context["form"].errors
