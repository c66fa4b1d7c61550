"""Finance's settlement pages: settle a month in the background and follow its progress, read
the runs by month beside the month before and the budget, drill into a run's reasons, decide a
deviating visit, recompute, approve and export — and nobody else does."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from frivalg.core.periods import Period
from frivalg.settlements.models import BatchStatus, LineOverride, SettlementBatch, SettlementBudget, SettlementRun
from frivalg.visits.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

MONTH = Period.month_of(date.today())


def this_month():
    return MONTH.start.strftime("%Y-%m")


def done_visit(decision, provider, day_offset=0, minutes=45):
    start = timezone.localtime().replace(day=1, hour=9, minute=0, second=0, microsecond=0) + timedelta(days=day_offset)
    return VisitFactory(decision=decision, provider=provider, planned_start=start,
                        planned_end=start + timedelta(minutes=minutes), status="done", actual_start=start,
                        actual_end=start + timedelta(minutes=minutes))


@pytest.fixture
def settle(client, django_capture_on_commit_callbacks):
    def post(month=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("settlements:runs"), {"month": month or this_month()})
    return post


def test_finance_settles_the_month_and_follows_the_batch(client, world, settle):
    visit = done_visit(world.decision, world.private)
    client.force_login(world.finance)
    assert client.get(reverse("settlements:runs")).status_code == 200
    response = settle()
    batch = SettlementBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("settlements:batch", args=[batch.public_id])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["batch"].status == BatchStatus.DONE
    run = SettlementRun.objects.get(provider=world.private)
    assert reverse("settlements:run", args=[run.public_id]).encode() in page.content
    assert b"hx-trigger" not in page.content  # done: no more polling
    part = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert part.templates[0].name == "settlements/_batch_status.html"
    # The page's live region stays put; each poll updates its text out of band.
    assert b'id="batch-announce" class="sr-only" role="status" aria-live="polite"' in page.content
    assert b'<span id="batch-announce" hx-swap-oob="innerHTML">' in part.content
    detail = client.get(reverse("settlements:run", args=[run.public_id]))
    line = next(line for line in detail.context["page"] if line.visit == visit)
    assert line.reason_code == "performed"
    assert detail.context["may_approve"]


def test_a_running_batch_is_polled(client, world):
    client.force_login(world.finance)
    batch = SettlementBatch.objects.create(municipality=world.muni, period_start=MONTH.start, period_end=MONTH.end,
                                           created_by=world.finance)
    page = client.get(reverse("settlements:batch", args=[batch.public_id]))
    assert b'hx-trigger="every 2s"' in page.content
    assert b"Refresh" in page.content or page.context["batch"].status == "queued"


def test_runs_by_month_compare_with_the_month_before_and_the_budget(client, world, settle):
    done_visit(world.decision, world.private)
    client.force_login(world.finance)
    settle()
    previous = Period.month_of(MONTH.start - timedelta(days=1))
    run = SettlementRun.objects.get(provider=world.private)
    SettlementRun.objects.create(municipality=world.muni, provider=world.private, period_start=previous.start,
                                 period_end=previous.end, currency="DKK", total_minor=run.total_minor - 1000,
                                 created_by=world.finance)
    response = client.post(reverse("settlements:budget"), {"month": this_month(), "amount": "5000.00"})
    assert response.status_code == 302
    assert SettlementBudget.objects.get().amount_minor == 500_000
    page = client.get(reverse("settlements:runs"))
    overview = page.context["months"][0]
    assert overview.month == MONTH.start
    private = next(p for p in overview.providers if p.provider == world.private.name)
    assert private.difference_minor == 1000
    assert overview.budget_minor == 500_000
    assert overview.budget_left_minor == 500_000 - overview.total_minor
    assert page.context["chart_spec"]["layer"]
    bad = client.post(reverse("settlements:budget"), {"month": "2026-13", "amount": "-1"})
    assert bad.status_code == 200
    assert set(bad.context["budget_form"].errors) == {"month", "amount"}


def test_drill_down_decide_recompute_approve_export(client, world, settle, django_capture_on_commit_callbacks):
    world.private.approvals.all().delete()  # not approved: the visit deviates
    visit = done_visit(world.decision, world.private)
    client.force_login(world.finance)
    settle()
    run = SettlementRun.objects.get(provider=world.private)
    url = reverse("settlements:run", args=[run.public_id])
    page = client.get(url)
    assert visit in [line.visit for line, _override, _form in page.context["decisions"]]
    drill = client.get(url, {"reason": "no_approval"})
    assert {line.reason_code for line in drill.context["page"]} == {"no_approval"}
    assert client.get(url, {"reason": "nonsense"}).context["reason"] == ""
    decide = reverse("settlements:override", args=[run.public_id, visit.public_id])
    prefix = f"v{visit.public_id}"
    client.post(decide, {f"{prefix}-action": "accept", f"{prefix}-reason": ""})
    assert not LineOverride.objects.exists()  # the reason is required
    assert client.post(decide, {f"{prefix}-action": "accept", f"{prefix}-reason": "Approved late"}).status_code == 302
    assert LineOverride.objects.get().action == "accept"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("settlements:recompute", args=[run.public_id]))
    assert response["Location"] == reverse("settlements:batch", args=[SettlementBatch.objects.first().public_id])
    run.refresh_from_db()
    assert run.total_minor > 0
    client.post(reverse("settlements:approve", args=[run.public_id]))
    client.post(reverse("settlements:export", args=[run.public_id]))
    run.refresh_from_db()
    assert run.status == "exported"
    assert client.post(reverse("settlements:export", args=[run.public_id]), follow=True).status_code == 200


@pytest.mark.parametrize("month", ["2026-13", "last month", " ", "0000-01"])
def test_bad_month_is_a_field_error(client, world, settle, month):
    client.force_login(world.finance)
    response = settle(month)
    assert response.status_code == 200
    assert "month" in response.context["form"].errors
    assert not SettlementBatch.objects.exists()


def test_run_and_batch_of_another_municipality_are_404(client, world, settle):
    done_visit(world.foreign_decision, world.other_provider)
    client.force_login(world.other_finance)
    settle()
    foreign_batch = SettlementBatch.objects.get()
    foreign = SettlementRun.objects.get(municipality=world.other_muni)
    client.force_login(world.finance)
    assert client.get(reverse("settlements:batch", args=[foreign_batch.public_id])).status_code == 404
    for name in ("approve", "export", "recompute"):
        assert client.post(reverse(f"settlements:{name}", args=[foreign.public_id])).status_code == 404
    assert client.get(reverse("settlements:run", args=[foreign.public_id])).status_code == 404


@pytest.mark.parametrize("who", ["assessor", "citizen_user", "private_caregiver_user", "analyst"])
def test_settlements_forbidden_for_other_roles(client, world, settle, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("settlements:runs")).status_code == 403
    assert settle().status_code == 403
    assert client.post(reverse("settlements:budget"), {"month": this_month(), "amount": "1"}).status_code == 403


def test_provider_admin_reads_own_runs_but_cannot_create_or_approve(client, world, settle):
    done_visit(world.decision, world.private)
    done_visit(world.neighbour_decision, world.in_house, day_offset=1)
    client.force_login(world.finance)
    settle()
    batch = SettlementBatch.objects.get()
    client.force_login(world.private_admin)
    response = client.get(reverse("settlements:runs"))
    assert response.status_code == 200
    assert [p.provider for p in response.context["months"][0].providers] == [world.private.name]
    assert response.context["form"] is None and response.context["budget_form"] is None
    assert response.context["months"][0].budget_minor is None
    assert settle().status_code == 403
    assert client.get(reverse("settlements:batch", args=[batch.public_id])).status_code == 403
    own = SettlementRun.objects.get(provider=world.private)
    page = client.get(reverse("settlements:run", args=[own.public_id]))
    assert page.status_code == 200
    assert not page.context["may_approve"] and not page.context["may_recompute"]
    assert client.post(reverse("settlements:approve", args=[own.public_id])).status_code == 403
    in_house_run = SettlementRun.objects.get(provider=world.in_house)
    assert client.get(reverse("settlements:run", args=[in_house_run.public_id])).status_code == 404
