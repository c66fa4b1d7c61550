"""Key figures for analysts, procurement and finance: aggregates only."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["analyst", "procurement", "finance"])
def test_key_figures_render(client, world, who):
    client.force_login(getattr(world, who))
    response = client.get(reverse("followup:key_figures"))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.citizens_with_grant == 2  # Karen and Poul, not Anders of the other municipality
    html = response.content.decode()
    assert "Karen" not in html and "Poul" not in html


def test_another_month(client, world):
    client.force_login(world.analyst)
    response = client.get(reverse("followup:key_figures"), {"month": "2020-01"})
    assert response.status_code == 200
    assert response.context["figures"].citizens_with_grant == 0


@pytest.mark.parametrize("month", ["2020-13", "januar", "0000-01"])
def test_bad_month_is_a_field_error(client, world, month):
    client.force_login(world.analyst)
    response = client.get(reverse("followup:key_figures"), {"month": month})
    assert response.status_code == 200
    assert "month" in response.context["form"].errors


@pytest.mark.parametrize("who", ["assessor", "citizen_user", "private_admin", "private_caregiver_user"])
def test_key_figures_forbidden_for_other_roles(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("followup:key_figures")).status_code == 403
