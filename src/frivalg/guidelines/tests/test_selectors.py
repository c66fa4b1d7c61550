"""Reads of the guidelines are scoped: another municipality's guideline is invisible, drafts are
for managers, a provider or citizen sees nothing, and the proposal uses the version in force."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from frivalg.assessments.models import AssessmentScore
from frivalg.guidelines.rules import Proposal
from frivalg.guidelines.selectors import guideline_get, guidelines_for, proposal_for, public_guidelines
from frivalg.guidelines.tests.factories import GuidelineFactory, GuidelineRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def guidelines(world):
    own = GuidelineFactory(municipality=world.muni, version=1, valid_from=date(2020, 1, 1),
                           valid_to=date(2025, 12, 31))
    newer = GuidelineFactory(municipality=world.muni, version=2, valid_from=date(2026, 1, 1))
    draft = GuidelineFactory(municipality=world.muni, version=3, status="draft", valid_from=None, published_at=None)
    foreign = GuidelineFactory(municipality=world.other_muni, version=1)
    GuidelineRuleFactory(guideline=own, service=world.personal, amount=Decimal("20"), label="old care")
    GuidelineRuleFactory(guideline=newer, service=world.personal, amount=Decimal("30"), label="care")
    GuidelineRuleFactory(guideline=newer, service=world.personal, amount=Decimal("45"), label="more care",
                         conditions=[{"area": "J1", "op": ">=", "score": 3}])
    GuidelineRuleFactory(guideline=newer, service=world.practical, amount=Decimal("1"), unit="hour",
                         frequency="week", label="cleaning", conditions=[{"area": "J2", "op": ">=", "score": 2}])
    GuidelineRuleFactory(guideline=foreign, service=world.other_service, amount=Decimal("99"), unit="hour")
    return {"own": own, "newer": newer, "draft": draft, "foreign": foreign}


def test_a_manager_sees_every_version_of_the_own_municipality(world, manager, guidelines):
    assert set(guidelines_for(actor=manager)) == {guidelines["own"], guidelines["newer"], guidelines["draft"]}


def test_an_assessor_sees_only_published_versions(world, guidelines):
    assert set(guidelines_for(actor=world.assessor)) == {guidelines["own"], guidelines["newer"]}
    with pytest.raises(type(guidelines["draft"]).DoesNotExist):
        guideline_get(actor=world.assessor, public_id=guidelines["draft"].public_id)


def test_another_municipality_s_guideline_is_invisible(world, manager, guidelines):
    with pytest.raises(type(guidelines["foreign"]).DoesNotExist):
        guideline_get(actor=manager, public_id=guidelines["foreign"].public_id)
    assert set(guidelines_for(actor=world.other_assessor)) == {guidelines["foreign"]}


@pytest.mark.parametrize("who", ["private_admin", "in_house_admin", "citizen_user", "relative", "finance",
                                 "analyst", "private_caregiver_user"])
def test_other_roles_see_nothing(world, guidelines, who):
    assert not guidelines_for(actor=getattr(world, who)).exists()


def test_the_public_sees_the_published_versions_of_one_municipality(world, guidelines):
    assert set(public_guidelines(municipality_code="T001")) == {guidelines["own"], guidelines["newer"]}
    assert not public_guidelines(municipality_code="NOPE").exists()


def scored(assessment, **scores):
    AssessmentScore.objects.bulk_create(
        AssessmentScore(assessment=assessment, area_code=area.replace("_", "."), score=score)
        for area, score in scores.items())
    return assessment


def test_the_proposal_uses_the_version_in_force_on_the_assessment_date(world, manager, guidelines):
    assessment = scored(world.assessment, J1_1=3, J2_1=2, J4_2=9)
    assessment.assessed_on = date(2026, 3, 1)
    assessment.save()
    expected = [
        Proposal("PH", Decimal("1"), "hour", "week", "cleaning", "Hjælp til personlig hygiejne"),
        Proposal("PC", Decimal("45"), "minute", "day", "more care", "Hjælp til personlig hygiejne"),
    ]
    assert proposal_for(actor=world.assessor, assessment=assessment) == expected
    assert proposal_for(actor=manager, assessment=assessment) == expected
    assessment.assessed_on = date(2025, 3, 1)
    assert [p.rule_label for p in proposal_for(actor=world.assessor, assessment=assessment)] == ["old care"]
    assessment.assessed_on = date(2019, 3, 1)
    assert proposal_for(actor=world.assessor, assessment=assessment) == []


@pytest.mark.parametrize("who", ["other_assessor", "private_admin", "citizen_user", "finance"])
def test_only_the_municipality_s_assessors_and_managers_get_a_proposal(world, guidelines, who):
    with pytest.raises(PermissionDenied):
        proposal_for(actor=getattr(world, who), assessment=world.assessment)


def test_a_draft_assessment_gets_no_proposal(world, guidelines):
    assessment = scored(world.assessment, J1_1=3)
    assessment.assessed_on = date(2026, 3, 1)
    assert proposal_for(actor=world.assessor, assessment=assessment)
    assessment.status = "draft"
    assert proposal_for(actor=world.assessor, assessment=assessment) == []
