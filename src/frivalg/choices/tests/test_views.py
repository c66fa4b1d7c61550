"""The citizen's pages: my overview, choosing and switching provider — for the citizen, for a
relative by power of attorney, and nobody else."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from frivalg.assessments.tests.factories import DecisionFactory
from frivalg.choices.models import Choice
from frivalg.visits.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db


def choose_url(decision):
    return reverse("choices:choose", args=[decision.public_id])


@pytest.fixture
def new_decision(world):
    """A granted decision for Karen with no provider yet."""
    return DecisionFactory(citizen=world.citizen, service=world.personal, valid_from=world.decision.valid_from)


def test_my_overview_for_the_citizen(client, world):
    tomorrow = timezone.now().replace(microsecond=0) + timedelta(days=1)
    coming = VisitFactory(decision=world.decision, provider=world.private, planned_start=tomorrow,
                          planned_end=tomorrow + timedelta(minutes=30))
    client.force_login(world.citizen_user)
    response = client.get(reverse("choices:my"))
    assert response.status_code == 200
    (person,) = response.context["people"]
    assert person["citizen"] == world.citizen and person["is_self"]
    assert [row["decision"] for row in person["decisions"]] == [world.decision]
    assert person["decisions"][0]["current"].provider == world.private
    assert coming in list(person["visits"])
    assert "Poul" not in response.content.decode()


def test_relative_sees_whom_they_act_for(client, world):
    client.force_login(world.relative)
    response = client.get(reverse("choices:my"))
    assert response.status_code == 200
    (person,) = response.context["people"]
    assert person["citizen"] == world.citizen and not person["is_self"]
    assert world.citizen.full_name in response.content.decode()


@pytest.mark.parametrize("who", ["assessor", "finance", "private_admin", "private_caregiver_user"])
def test_my_overview_forbidden_for_staff(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("choices:my")).status_code == 403


def test_choose_lists_approved_providers(client, world, new_decision):
    client.force_login(world.citizen_user)
    response = client.get(choose_url(new_decision))
    assert response.status_code == 200
    assert {p.name for p in response.context["providers"]} == {"Testrup Hjemmepleje", "Omsorg Nord ApS"}
    assert response.context["current"] is None


def test_citizen_chooses_a_provider(client, world, new_decision):
    client.force_login(world.citizen_user)
    response = client.post(choose_url(new_decision), {"provider": str(world.in_house.public_id)})
    assert response.status_code == 302
    choice = Choice.objects.get(decision=new_decision, valid_to__isnull=True)
    assert choice.provider == world.in_house
    assert choice.chosen_by == world.citizen_user


def test_relative_switches_provider(client, world):
    client.force_login(world.relative)
    response = client.get(choose_url(world.decision))
    assert response.context["current"].provider == world.private
    assert response.context["acting_for_other"]
    response = client.post(choose_url(world.decision), {"provider": str(world.in_house.public_id)})
    assert response.status_code == 302
    history = list(Choice.objects.filter(decision=world.decision).order_by("valid_from", "id"))
    assert [c.provider for c in history] == [world.private, world.in_house]
    assert history[0].valid_to is not None


def test_choosing_the_current_provider_is_an_error_not_a_500(client, world):
    client.force_login(world.citizen_user)
    response = client.post(choose_url(world.decision), {"provider": str(world.private.public_id)})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


@pytest.mark.parametrize("value", ["not-a-uuid", "", "00000000-0000-0000-0000-000000000000"])
def test_choosing_an_unknown_provider_is_an_error(client, world, new_decision, value):
    client.force_login(world.citizen_user)
    response = client.post(choose_url(new_decision), {"provider": value})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_provider_of_another_municipality_cannot_be_chosen(client, world, new_decision):
    client.force_login(world.citizen_user)
    response = client.post(choose_url(new_decision), {"provider": str(world.other_provider.public_id)})
    assert response.status_code == 200
    assert not Choice.objects.filter(decision=new_decision).exists()


def test_another_citizens_decision_is_404(client, world):
    client.force_login(world.citizen_user)
    assert client.get(choose_url(world.neighbour_decision)).status_code == 404
    response = client.post(choose_url(world.foreign_decision), {"provider": str(world.in_house.public_id)})
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["finance", "private_admin", "private_caregiver_user"])
def test_choose_forbidden_for_other_roles(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(choose_url(world.decision)).status_code == 403


def test_an_assessor_records_a_choice_and_returns_to_the_decision(client, world, new_decision):
    from frivalg.changerequests.models import Message

    client.force_login(world.assessor)
    response = client.post(choose_url(new_decision), {"provider": str(world.private.public_id)})
    assert response.status_code == 302
    assert response.url == reverse("assessments:decision", kwargs={"public_id": new_decision.public_id})
    choice = Choice.objects.get(decision=new_decision, valid_to__isnull=True)
    assert choice.chosen_by == world.assessor
    # The provider hears of its new client: one allocation message for the choice.
    assert Message.objects.filter(choice=choice, kind="allocation", provider=world.private).count() == 1
