"""Finance's list of providers and approvals."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_finance_sees_the_municipalitys_providers_and_approvals(client, world):
    client.force_login(world.finance)
    response = client.get(reverse("providers:list"))
    assert response.status_code == 200
    assert {p.name for p in response.context["providers"]} == {"Testrup Hjemmepleje", "Omsorg Nord ApS"}
    assert {a.municipality for a in response.context["approvals"]} == {world.muni}
    assert "Andeby Pleje" not in response.content.decode()


@pytest.mark.parametrize("who", ["assessor", "citizen_user", "private_admin", "analyst"])
def test_provider_list_forbidden_for_other_roles(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("providers:list")).status_code == 403
