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
    # First the date the new provider takes over (the municipality's notice, default 10 days) …
    assert response.status_code == 200
    effective = timezone.localdate() + timedelta(days=10)
    assert response.context["effective"] == effective
    assert not Choice.objects.filter(decision=world.decision, provider=world.in_house).exists()
    # … then the confirmation with a reason.
    response = client.post(choose_url(world.decision), {"provider": str(world.in_house.public_id), "confirm": "1",
                                                        "reason": "Karen prefers the in-house team"})
    assert response.status_code == 302
    history = list(Choice.objects.filter(decision=world.decision).order_by("valid_from", "id"))
    assert [c.provider for c in history] == [world.private, world.in_house]
    assert history[0].valid_to == effective - timedelta(days=1)
    assert history[1].reason == "Karen prefers the in-house team"
    assert history[1].initiated_by == "relative"


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


# --- comparison, rating, complaints, provider termination, the purchaser's pages ---------------


def test_comparison_page_is_sortable_and_accessible(client, world, new_decision):
    client.force_login(world.citizen_user)
    response = client.get(choose_url(new_decision) + "?sort=punctuality")
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["comparison"].sort == "punctuality"
    assert 'aria-labelledby="provider-' in html and '<label class="form-label" for="sort">' in html
    assert "The price is the same for all the providers." in html
    assert "Different caregivers in 14 days" in html and "Satisfaction" in html
    assert "style=" not in html.split('<div class="citizen-page">')[1]  # no fixed widths


def test_a_full_provider_shows_why_and_the_alternatives(client, world, new_decision):
    world.in_house.approvals.filter(service=world.personal).update(capacity=1)  # the neighbour holds it
    client.force_login(world.citizen_user)
    html = client.get(choose_url(new_decision)).content.decode()
    assert "No free places at the moment" in html
    assert "Providers with free places:" in html and "Omsorg Nord ApS" in html
    assert f'value="{world.in_house.public_id}"' not in html  # no button to choose it
    response = client.post(choose_url(new_decision), {"provider": str(world.in_house.public_id)})
    assert response.status_code == 200
    assert "no free places" in str(response.context["form"].non_field_errors())


def test_citizen_rates_and_complains(client, world):
    client.force_login(world.citizen_user)
    response = client.get(reverse("choices:rate"))
    assert response.status_code == 200
    (key, _label), = response.context["form"].fields["choice"].choices
    response = client.post(reverse("choices:rate"), {"choice": key, "respect": "5", "on_time": "4",
                                                     "same_people": "4", "overall": "5"})
    assert response.status_code == 302
    response = client.post(reverse("choices:rate"), {"choice": key, "respect": "5", "on_time": "4",
                                                     "same_people": "4", "overall": "9"})
    assert response.status_code == 200 and response.context["form"].errors["overall"]
    response = client.post(reverse("choices:complain"), {"choice": key, "text": ""})
    assert response.status_code == 200 and response.context["form"].errors["text"]
    response = client.post(reverse("choices:complain"), {"choice": key, "text": "Nobody came on Tuesday."})
    assert response.status_code == 302
    assert "Nobody came on Tuesday." in client.get(reverse("choices:complaints")).content.decode()


def test_the_assessor_records_a_complaints_outcome(client, world):
    from frivalg.choices.services import complaint_submit

    complaint = complaint_submit(actor=world.citizen_user, citizen=world.citizen, provider=world.private, text="x")
    client.force_login(world.assessor)
    url = reverse("choices:complaint", args=[complaint.public_id])
    assert client.post(url, {"outcome": "maybe"}).status_code == 200
    assert client.post(url, {"outcome": "upheld", "note": "Confirmed"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.outcome == "upheld"
    client.force_login(world.other_assessor)
    assert client.get(url).status_code == 404


def test_provider_admin_ends_a_client_relationship(client, world):
    url = reverse("choices:client_end", args=[world.choice.public_id])
    client.force_login(world.in_house_admin)
    assert client.get(url).status_code == 404  # not its client
    client.force_login(world.private_admin)
    assert url in client.get(reverse("choices:terminations")).content.decode()  # its client, with the link
    response = client.post(url, {"reason_code": "safety", "explanation": "", "notice_days": "10"})
    assert response.status_code == 200 and response.context["form"].errors["explanation"]
    response = client.post(url, {"reason_code": "safety", "explanation": "Dog bit staff.", "notice_days": "14"})
    assert response.status_code == 302
    world.choice.refresh_from_db()
    assert world.choice.valid_to == timezone.localdate() + timedelta(days=13)
    assert "Dog bit staff." in client.get(reverse("choices:terminations")).content.decode()


def test_purchaser_pages(client, world):
    client.force_login(world.finance)
    url = reverse("choices:default_rule")
    assert client.get(url).status_code == 200
    response = client.post(url, {"rule": "lottery", "choice_deadline_days": "21", "switch_notice_days": "500"})
    assert response.status_code == 200 and response.context["form"].errors["switch_notice_days"]
    assert client.post(url, {"rule": "lottery", "choice_deadline_days": "21",
                             "switch_notice_days": "7"}).status_code == 302
    due = DecisionFactory(citizen=world.neighbour, service=world.practical,
                          choice_deadline=timezone.localdate() + timedelta(days=3))
    client.force_login(world.assessor)
    assert client.get(url).status_code == 403
    response = client.get(reverse("choices:awaiting"))
    assert response.status_code == 200
    assert [row["decision"] for row in response.context["awaiting"]] == [due]
    assert response.context["setting"].rule == "lottery"


@pytest.mark.parametrize("who", ["citizen_user", "private_admin", "analyst"])
def test_purchaser_pages_forbidden_for_others(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("choices:default_rule")).status_code == 403
    assert client.get(reverse("choices:awaiting")).status_code == 403
