"""The guideline pages: managers edit drafts and publish; assessors read; others are kept out;
the public page needs no login."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from frivalg.core.models import AuditEvent
from frivalg.guidelines.models import Guideline
from frivalg.guidelines.tests.factories import GuidelineFactory, GuidelineRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(world):
    guideline = GuidelineFactory(municipality=world.muni, version=1, title="Standard 2026")
    GuidelineRuleFactory(guideline=guideline, service=world.personal, label="Personal care")
    return guideline


@pytest.fixture
def draft(world, published):
    guideline = GuidelineFactory(municipality=world.muni, version=2, status="draft", valid_from=None,
                                 published_at=None)
    GuidelineRuleFactory(guideline=guideline, service=world.personal, label="Personal care")
    return guideline


def rule_post(world, **overrides):
    data = {"label": "Cleaning", "service": world.practical.pk, "amount": "1", "unit": "hour",
            "frequency": "week", "flexibility": "fixed", "combine": "all", "explanation": "Cleaning help",
            "area_0": "J2", "op_0": ">=", "score_0": "2", "order": ""}
    return {**data, **overrides}


@pytest.mark.parametrize("who", ["citizen_user", "private_admin", "finance", "caregiver"])
def test_other_roles_get_403(client, world, published, who):
    user = world.private_caregiver_user if who == "caregiver" else getattr(world, who)
    client.force_login(user)
    assert client.get(reverse("guidelines:list")).status_code == 403
    assert client.get(reverse("guidelines:detail", args=[published.public_id])).status_code == 403


def test_the_manager_sees_the_versions_and_the_rules_in_plain_language(client, world, manager, published):
    client.force_login(manager)
    response = client.get(reverse("guidelines:list"))
    assert response.status_code == 200
    assert "Standard 2026" in response.content.decode()
    response = client.get(reverse("guidelines:detail", args=[published.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Personlig pleje, 30 minutes per day, when J1 (any sub-area) is 2 or more" in html
    assert reverse("guidelines:rule_new", args=[published.public_id]) not in html  # published: read-only


def test_an_assessor_reads_but_cannot_edit(client, world, published, draft):
    client.force_login(world.assessor)
    assert client.get(reverse("guidelines:list")).status_code == 200
    response = client.get(reverse("guidelines:detail", args=[published.public_id]))
    assert response.status_code == 200
    assert response.context["may_edit"] is False
    assert client.get(reverse("guidelines:detail", args=[draft.public_id])).status_code == 404  # a draft
    assert client.get(reverse("guidelines:rule_new", args=[draft.public_id])).status_code == 403
    assert client.post(reverse("guidelines:draft_new")).status_code == 403


def test_the_manager_makes_a_draft_from_the_latest(client, world, manager, published):
    client.force_login(manager)
    response = client.post(reverse("guidelines:draft_new"), {"title": ""})
    draft = Guideline.objects.get(version=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("guidelines:detail", args=[draft.public_id])
    assert draft.rules.count() == 1


def test_a_rule_is_added_to_a_draft(client, world, manager, draft):
    client.force_login(manager)
    response = client.post(reverse("guidelines:rule_new", args=[draft.public_id]), rule_post(world))
    assert response.status_code == 302
    rule = draft.rules.get(label="Cleaning")
    assert (rule.conditions, rule.amount) == ([{"area": "J2", "op": ">=", "score": 2}], Decimal("1"))
    assert AuditEvent.objects.filter(action="guideline.rule_add").exists()


def test_a_draft_edit_form_shows_field_errors(client, world, manager, draft):
    client.force_login(manager)
    rule = draft.rules.get()
    url = reverse("guidelines:rule_edit", args=[draft.public_id, rule.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, rule_post(world, area_1="J3", op_1=">=", score_1=""), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.context["form"].errors["score_1"] == ["Give the score the condition compares with."]
    response = client.post(url, rule_post(world, score_0="9", unit="meal"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    form = response.context["form"]
    assert form.errors["score_0"] == ["9 (not relevant) never satisfies a condition: choose a score from 0 to 4."]
    assert form.errors["unit"]
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_score_0"' in html
    rule.refresh_from_db()
    assert rule.label == "Personal care"


def test_a_rule_is_removed_from_a_draft(client, world, manager, draft):
    client.force_login(manager)
    rule = draft.rules.get()
    response = client.post(reverse("guidelines:rule_remove", args=[draft.public_id, rule.public_id]))
    assert response.status_code == 302
    assert not draft.rules.exists()


def test_a_published_version_cannot_be_edited_through_the_pages(client, world, manager, published):
    client.force_login(manager)
    rule = published.rules.get()
    assert client.get(reverse("guidelines:rule_edit", args=[published.public_id, rule.public_id])).status_code == 403


def test_publishing_shows_the_overlap_error_then_publishes(client, world, manager, published, draft):
    client.force_login(manager)
    url = reverse("guidelines:publish", args=[draft.public_id])
    response = client.post(url, {"valid_from": "2019-05-01"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "Version 1 is in force from" in response.content.decode()
    response = client.post(url, {"valid_from": "2026-09-01"})
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.valid_to == date(2026, 8, 31)


def test_the_public_page_needs_no_login_and_shows_only_published_versions(client, world, draft):
    response = client.get(reverse("guidelines:public", args=["T001"]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "version 1" in html
    assert "version 2" not in html
    assert client.get(reverse("guidelines:public", args=["NOPE"])).status_code == 404
