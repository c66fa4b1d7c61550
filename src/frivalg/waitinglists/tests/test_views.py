"""The waiting-list pages: staff manage lists and offer places by the rule; citizens see their
place in line and why it changed; everyone else gets a 404. Tables carry a caption and th scope."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from frivalg.catalogue.tests.factories import ServiceFactory
from frivalg.waitinglists.models import EntryStatus, RankChange, WaitingList
from frivalg.waitinglists.tests.factories import assessed_citizen

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def assert_accessible_tables(html):
    tables = re.findall(r"<table.*?</table>", html, re.S)
    assert tables
    for table in tables:
        assert "<caption" in table
        headers = re.findall(r"<th(?:\s[^>]*)?>", table)
        assert headers and all('scope="' in th for th in headers)


def assert_one_h1(html):
    assert len(re.findall(r"<h1[\s>]", html)) == 1


def test_index_lists_places_and_counts(client, world, lists):
    client.force_login(world.assessor)
    response = client.get(reverse("waitinglists:index"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Plejeboliger" in html and "Andeby plejehjem" not in html
    assert_accessible_tables(html)
    assert_one_h1(html)


def test_detail_ranks_and_publishes_the_rule(client, world, lists):
    client.force_login(world.assessor)
    response = client.get(reverse("waitinglists:detail", args=[lists.home.public_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert [row["entry"] for row in response.context["rows"]] == [lists.stranger, lists.karen]
    assert "need 2 × 10 + 30 days × 1 = 50" in html
    assert "not by the date of the application" in html
    assert_accessible_tables(html)
    assert_one_h1(html)


def test_history_shows_explained_changes(client, world, lists):
    client.force_login(world.assessor)
    response = client.get(reverse("waitinglists:history", args=[lists.home.public_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone with a higher score joined the list" in html and world.citizen.full_name in html
    assert_accessible_tables(html)


def test_enter_a_citizen_and_refusals_are_field_errors(client, world, lists):
    client.force_login(world.assessor)
    url = reverse("waitinglists:enter", args=[lists.home.public_id])
    decision = assessed_citizen(lists.home.service, {"J1": 3}, district=world.south, first_name="Ole")
    response = client.get(url)
    assert response.status_code == 200 and "Ole" in response.content.decode()
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = client.post(url, {"decision": decision.pk, "applied_on": future, "urgent": "on",
                                 "reason": "carer_breakdown"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "cannot be dated in the future" in html and "does not put that reason first" in html
    assert 'aria-invalid="true"' in html
    response = client.post(url, {"decision": decision.pk, "applied_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    assert lists.home.entries.filter(decision=decision, status=EntryStatus.WAITING).exists()


def test_offer_page_shows_who_and_why_then_offers_to_the_top(client, world, lists):
    client.force_login(world.assessor)
    url = reverse("waitinglists:offer", args=[lists.home.public_id])
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["next"] == lists.stranger
    assert "need 8 × 10 + 3 days × 1 = 83" in html
    response = client.post(url, {"freed": "1"})
    assert response.status_code == 302
    lists.stranger.refresh_from_db()
    assert lists.stranger.status == EntryStatus.OFFERED
    response = client.post(reverse("waitinglists:entry_action", args=[lists.stranger.public_id, "decline"]))
    assert response.status_code == 302
    lists.karen.refresh_from_db()
    assert (lists.karen.status, lists.karen.position) == (EntryStatus.OFFERED, 1)
    client.post(reverse("waitinglists:entry_action", args=[lists.karen.public_id, "accept"]))
    lists.karen.refresh_from_db()
    assert lists.karen.status == EntryStatus.PLACED


def test_create_and_change_the_rule(client, world, lists):
    client.force_login(world.assessor)
    service = ServiceFactory(municipality=world.muni, code="DC", name="Daghjem", care_level=6, unit="day")
    response = client.post(reverse("waitinglists:create"), {
        "service": service.pk, "name": "Daghjem", "places": "0", "need_weight": "10", "wait_weight": "1"})
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    response = client.post(reverse("waitinglists:create"), {
        "service": service.pk, "name": "Daghjem", "places": "5", "need_weight": "10", "wait_weight": "1",
        "urgent_reasons": ["hospital_discharge"]})
    assert response.status_code == 302
    assert WaitingList.objects.get(name="Daghjem").urgent_reasons == ["hospital_discharge"]
    response = client.post(reverse("waitinglists:edit", args=[lists.home.public_id]), {
        "name": "Plejeboliger", "places": "2", "need_weight": "0", "wait_weight": "5"})
    assert response.status_code == 302
    lists.home.refresh_from_db()
    assert lists.home.rule_version == 2
    assert RankChange.objects.filter(entry=lists.karen, code="rule_changed").exists()


def test_my_waiting_lists_for_the_citizen_and_the_relative(client, world, lists):
    for user in (world.citizen_user, world.relative):
        client.force_login(user)
        response = client.get(reverse("waitinglists:my"))
        html = response.content.decode()
        assert response.status_code == 200
        assert "You are number 2 on the list. The service has 2 places." in html
        assert "Someone with a higher score joined the list" in html
        assert "Ib " not in html
        assert_accessible_tables(html)
        assert_one_h1(html)


def test_the_neighbour_sees_no_entry(client, world, lists):
    client.force_login(world.neighbour_user)
    response = client.get(reverse("waitinglists:my"))
    assert response.status_code == 200 and "You are not on any waiting list." in response.content.decode()


@pytest.mark.parametrize("user_attr", ["private_admin", "private_caregiver_user", "finance", "other_assessor"])
def test_others_get_404(client, world, lists, user_attr):
    client.force_login(getattr(world, user_attr))
    urls = [reverse("waitinglists:detail", args=[lists.home.public_id]),
            reverse("waitinglists:history", args=[lists.home.public_id]),
            reverse("waitinglists:offer", args=[lists.home.public_id]),
            reverse("waitinglists:enter", args=[lists.home.public_id])]
    if user_attr != "other_assessor":
        urls += [reverse("waitinglists:index"), reverse("waitinglists:my")]
    for url in urls:
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("waitinglists:entry_action", args=[lists.karen.public_id, "withdraw"]))
    assert response.status_code == 404
    lists.karen.refresh_from_db()
    assert lists.karen.status == EntryStatus.WAITING


def test_anonymous_is_sent_to_login(client, lists):
    response = client.get(reverse("waitinglists:index"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_mark_an_entry_urgent(client, world, lists):
    client.force_login(world.assessor)
    url = reverse("waitinglists:urgency", args=[lists.karen.public_id])
    response = client.get(url)
    assert response.status_code == 200
    assert_one_h1(response.content.decode())
    response = client.post(url, {"urgent": "on", "reason": ""})
    assert response.status_code == 200 and "Give the reason for the urgency." in response.content.decode()
    response = client.post(url, {"urgent": "on", "reason": "hospital_discharge"})
    assert response.status_code == 302
    lists.karen.refresh_from_db()
    assert lists.karen.position == 1
    client.force_login(world.citizen_user)
    assert client.get(url).status_code == 404
