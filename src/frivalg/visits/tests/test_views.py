"""The caregiver's day (check in/out, with and without htmx), the provider admin's clients and
visits of the month, and planning a visit."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from frivalg.visits.models import Visit

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, visit):
    return reverse(f"visits:{name}", args=[visit.public_id])


def test_caregiver_sees_only_own_visits_today(client, world):
    client.force_login(world.private_caregiver_user)
    response = client.get(reverse("visits:today"))
    assert response.status_code == 200
    assert response.context["visits"] == [world.visit]
    assert "Poul" not in response.content.decode()


def test_check_in_and_out_without_javascript(client, world):
    client.force_login(world.private_caregiver_user)
    response = client.post(url("check_in", world.visit))
    assert response.status_code == 302 and response["Location"] == reverse("visits:today")
    world.visit.refresh_from_db()
    assert world.visit.status == "in_progress" and world.visit.check_in_by == world.private_caregiver_user
    client.post(url("check_out", world.visit))
    world.visit.refresh_from_db()
    assert world.visit.status == "done" and world.visit.actual_end is not None


def test_check_in_with_htmx_returns_the_row(client, world):
    client.force_login(world.private_caregiver_user)
    response = client.post(url("check_in", world.visit), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="visit-card" id="visit-{world.visit.public_id}"')
    assert url("check_out", world.visit) in html
    assert "<html" not in html


def test_checking_out_before_in_is_shown_in_the_row_not_a_500(client, world):
    client.force_login(world.private_caregiver_user)
    response = client.post(url("check_out", world.visit), **HTMX)
    assert response.status_code == 200
    assert response.context["row_error"]
    response = client.post(url("check_out", world.visit))
    assert response.status_code == 302
    world.visit.refresh_from_db()
    assert world.visit.status == "planned"


def test_check_in_is_post_only(client, world):
    client.force_login(world.private_caregiver_user)
    assert client.get(url("check_in", world.visit)).status_code == 405


def test_caregiver_cannot_check_another_providers_visit(client, world):
    client.force_login(world.private_caregiver_user)
    assert client.post(url("check_in", world.neighbour_visit)).status_code == 404
    assert client.post(url("check_in", world.foreign_visit)).status_code == 404
    world.neighbour_visit.refresh_from_db()
    assert world.neighbour_visit.status == "planned"


@pytest.mark.parametrize("who", ["citizen_user", "assessor", "finance"])
def test_check_in_forbidden_for_other_roles(client, world, who):
    client.force_login(getattr(world, who))
    assert client.post(url("check_in", world.visit)).status_code == 403
    assert client.get(reverse("visits:today")).status_code == 403


def test_provider_home_shows_own_clients_and_visits(client, world):
    client.force_login(world.private_admin)
    response = client.get(reverse("visits:provider_home"))
    assert response.status_code == 200
    assert [c.decision.citizen for c in response.context["clients"]] == [world.citizen]
    assert world.visit in response.context["visits"]
    assert world.neighbour_visit not in response.context["visits"]
    assert "Poul" not in response.content.decode()


@pytest.mark.parametrize("who", ["private_caregiver_user", "citizen_user", "assessor", "finance"])
def test_provider_home_forbidden_for_other_roles(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("visits:provider_home")).status_code == 403


def plan_data(world, **overrides):
    day = timezone.localdate() + timedelta(days=1)
    data = {"client": str(world.choice.public_id), "day": day.isoformat(), "start": "09:00", "end": "09:45",
            "caregiver": str(world.private_caregiver.public_id)}
    data.update(overrides)
    return data


def test_plan_a_visit(client, world):
    client.force_login(world.private_admin)
    response = client.get(reverse("visits:plan"))
    assert [c for c in response.context["form"].fields["client"].queryset] == [world.choice]
    response = client.post(reverse("visits:plan"), plan_data(world))
    assert response.status_code == 302
    visit = Visit.objects.order_by("-id").first()
    assert visit.decision == world.decision and visit.caregiver == world.private_caregiver
    assert timezone.localtime(visit.planned_start).hour == 9


@pytest.mark.parametrize(("overrides", "field"), [
    ({"end": "08:00"}, "end"),
    ({"start": "25:00"}, "start"),
    ({"day": "tomorrow"}, "day"),
    ({"client": "not-one-of-mine"}, "client"),
])
def test_plan_bad_input_is_a_field_error(client, world, overrides, field):
    client.force_login(world.private_admin)
    response = client.post(reverse("visits:plan"), plan_data(world, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors


def test_plan_for_another_providers_client_is_refused(client, world):
    client.force_login(world.private_admin)
    response = client.post(reverse("visits:plan"), plan_data(world, client=str(world.neighbour_choice.public_id)))
    assert response.status_code == 200
    assert "client" in response.context["form"].errors
    response = client.post(reverse("visits:plan"), plan_data(world, caregiver=str(world.in_house_caregiver.public_id)))
    assert "caregiver" in response.context["form"].errors


def test_plan_on_a_day_the_provider_does_not_deliver_is_a_field_error(client, world):
    client.force_login(world.private_admin)
    before = world.choice.valid_from - timedelta(days=3)
    response = client.post(reverse("visits:plan"), plan_data(world, day=before.isoformat()))
    assert response.status_code == 200
    assert "day" in response.context["form"].errors
