"""Writes of the guidelines: drafts copy the last version, published versions are immutable,
publishing closes the version in force, overlaps are refused, and every write is audited."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from frivalg.core.models import AuditEvent
from frivalg.guidelines.models import Guideline, GuidelineRule
from frivalg.guidelines.services import (
    RuleInput,
    guideline_draft_create,
    guideline_publish,
    guideline_rule_add,
    guideline_rule_remove,
    guideline_rule_update,
    guideline_seed_default,
)

pytestmark = pytest.mark.django_db


def care(world, **overrides):
    values = {"label": "Personal care", "conditions": [{"area": "J1", "op": ">=", "score": 2}],
              "service": world.personal, "amount": "30", "unit": "minute", "frequency": "day",
              "explanation": "Help with hygiene"}
    return RuleInput(**{**values, **overrides})


@pytest.fixture
def published(world, manager):
    draft = guideline_draft_create(actor=manager, municipality=world.muni, title="Standard 2026")
    guideline_rule_add(actor=manager, guideline=draft, data=care(world))
    return guideline_publish(actor=manager, guideline=draft, valid_from=date(2026, 1, 1))


def test_the_first_draft_is_version_one_and_audited(world, manager):
    draft = guideline_draft_create(actor=manager, municipality=world.muni, title="Standard")
    assert (draft.version, draft.status, draft.valid_from) == (1, "draft", None)
    event = AuditEvent.objects.get(action="guideline.draft_create")
    assert event.object_id == str(draft.public_id)
    assert event.actor == manager


def test_a_new_draft_copies_the_last_version(world, manager, published):
    draft = guideline_draft_create(actor=manager, municipality=world.muni)
    assert draft.version == 2
    assert draft.title == "Standard 2026"
    copied = draft.rules.get()
    original = published.rules.get()
    assert copied.pk != original.pk
    assert (copied.label, copied.conditions, copied.amount, copied.service) == (
        original.label, original.conditions, original.amount, original.service)


def test_only_one_draft_at_a_time(world, manager):
    guideline_draft_create(actor=manager, municipality=world.muni)
    with pytest.raises(ValidationError) as error:
        guideline_draft_create(actor=manager, municipality=world.muni)
    assert "Version 1 is already a draft" in str(error.value.message_dict["version"])


def test_a_published_version_cannot_be_changed(world, manager, published):
    rule = published.rules.get()
    with pytest.raises(ValidationError) as error:
        guideline_rule_add(actor=manager, guideline=published, data=care(world))
    assert "status" in error.value.message_dict
    with pytest.raises(ValidationError):
        guideline_rule_update(actor=manager, rule=rule, data=care(world, amount="45"))
    with pytest.raises(ValidationError):
        guideline_rule_remove(actor=manager, rule=rule)
    with pytest.raises(ValidationError):
        guideline_publish(actor=manager, guideline=published, valid_from=date(2027, 1, 1))
    rule.refresh_from_db()
    assert rule.amount == Decimal("30")


def test_publishing_closes_the_version_in_force_the_day_before(world, manager, published):
    draft = guideline_draft_create(actor=manager, municipality=world.muni)
    guideline_publish(actor=manager, guideline=draft, valid_from=date(2026, 7, 1))
    published.refresh_from_db()
    draft.refresh_from_db()
    assert published.valid_to == date(2026, 6, 30)
    assert (draft.status, draft.valid_from, draft.valid_to, draft.published_by) == (
        "published", date(2026, 7, 1), None, manager)
    event = AuditEvent.objects.get(action="guideline.publish", object_id=str(draft.public_id))
    assert event.payload["closed_versions"] == [1]


@pytest.mark.parametrize("start", [date(2026, 1, 1), date(2025, 6, 1)])
def test_an_overlap_is_refused_naming_the_clashing_version(world, manager, published, start):
    draft = guideline_draft_create(actor=manager, municipality=world.muni)
    with pytest.raises(ValidationError) as error:
        guideline_publish(actor=manager, guideline=draft, valid_from=start)
    assert "Version 1 is in force from" in error.value.message_dict["valid_from"][0]
    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.status == "draft"
    assert published.valid_to is None


def test_an_empty_draft_cannot_be_published(world, manager):
    draft = guideline_draft_create(actor=manager, municipality=world.muni)
    with pytest.raises(ValidationError) as error:
        guideline_publish(actor=manager, guideline=draft, valid_from=date(2026, 1, 1))
    assert "rules" in error.value.message_dict


def test_rule_input_errors_are_field_errors(world, manager):
    draft = guideline_draft_create(actor=manager, municipality=world.muni)
    bad = care(world, label=" ", amount="0", frequency="period", service=world.other_service,
               conditions=[{"area": "J1", "op": ">=", "score": 9}, {"area": "?", "op": "~", "score": 2}])
    with pytest.raises(ValidationError) as error:
        guideline_rule_add(actor=manager, guideline=draft, data=bad)
    assert set(error.value.message_dict) == {
        "label", "amount", "frequency", "service", "conditions.0.score", "conditions.1.area", "conditions.1.op"}
    with pytest.raises(ValidationError) as error:
        guideline_rule_add(actor=manager, guideline=draft, data=care(world, amount="abc", unit="meal"))
    assert set(error.value.message_dict) == {"amount", "unit"}
    assert not GuidelineRule.objects.exists()


def test_rules_are_added_updated_and_removed_with_audit_rows(world, manager):
    draft = guideline_draft_create(actor=manager, municipality=world.muni)
    rule = guideline_rule_add(actor=manager, guideline=draft, data=care(world))
    assert rule.order == 10
    guideline_rule_update(actor=manager, rule=rule, data=care(world, amount="45", order=5))
    rule.refresh_from_db()
    assert (rule.amount, rule.order) == (Decimal("45"), 5)
    guideline_rule_remove(actor=manager, rule=rule)
    assert not draft.rules.exists()
    actions = list(AuditEvent.objects.filter(object_id=str(draft.public_id)).values_list("action", flat=True))
    assert sorted(actions) == sorted(["guideline.draft_create", "guideline.rule_add", "guideline.rule_update",
                                      "guideline.rule_remove"])


def test_only_managers_of_the_municipality_write(world, manager, other_manager):
    with pytest.raises(PermissionDenied):
        guideline_draft_create(actor=world.assessor, municipality=world.muni)
    with pytest.raises(PermissionDenied):
        guideline_draft_create(actor=other_manager, municipality=world.muni)
    draft = guideline_draft_create(actor=manager, municipality=world.muni)
    with pytest.raises(PermissionDenied):
        guideline_rule_add(actor=other_manager, guideline=draft, data=care(world))
    with pytest.raises(PermissionDenied):
        guideline_publish(actor=world.finance, guideline=draft, valid_from=date(2026, 1, 1))
    assert Guideline.objects.count() == 1


def test_the_default_guideline_uses_the_services_the_municipality_has(world, manager):
    from frivalg.catalogue.tests.factories import ServiceFactory

    ServiceFactory(municipality=world.muni, code="PP-HYG", care_level=2, unit="hour")
    ServiceFactory(municipality=world.muni, code="MAD", care_level=3, unit="meal")
    guideline = guideline_seed_default(actor=manager, municipality=world.muni, valid_from=date(2024, 1, 1))
    assert guideline.status == "published"
    assert sorted(guideline.rules.values_list("service__code", flat=True)) == ["MAD", "PP-HYG", "PP-HYG"]
