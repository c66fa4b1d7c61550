"""Finance's rate table."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_finance_sees_own_rates_in_force(client, world):
    client.force_login(world.finance)
    response = client.get(reverse("catalogue:rates"))
    assert response.status_code == 200
    rates = list(response.context["rates"])
    assert rates and {r.municipality for r in rates} == {world.muni}
    assert len(rates) == 2 * 5 * 2  # two services × five time bands × two provider kinds


@pytest.mark.parametrize("who", ["assessor", "citizen_user", "private_admin", "analyst"])
def test_rates_forbidden_for_other_roles(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("catalogue:rates")).status_code == 403
