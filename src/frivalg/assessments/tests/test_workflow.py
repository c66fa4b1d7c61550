"""Assessment schemes, drafts and completion, decisions from the guidelines' proposal, versions,
appeals — through the services, and who sees what through the selectors."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from frivalg.assessments import selectors
from frivalg.assessments.models import AppealStatus, AssessmentStatus, Decision, DecisionStatus
from frivalg.assessments.services import (
    appeal_deadline,
    appeal_decide,
    appeal_lodge,
    assessment_record,
    assessment_scheme_current,
    decision_amend,
    decision_grant,
    scheme_codes,
)
from frivalg.core.models import AuditEvent
from frivalg.core.tests.factories import CitizenFactory, DistrictFactory, MunicipalityFactory, UserFactory
from frivalg.guidelines.rules import Proposal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """Pages and messages in English, the source language, whatever the translations say."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield
TODAY = date.today


def full_scores(municipality, score=1):
    _known, required = scheme_codes(assessment_scheme_current(municipality=municipality))
    return dict.fromkeys(required, score)


def proposal(service_code="PH", amount="2", unit="hour", frequency="week", label="Rengøring"):
    return Proposal(service_code=service_code, amount=Decimal(amount), unit=unit, frequency=frequency,
                    rule_label=label, explanation="J2.1 ≥ 2")


# --- schemes --------------------------------------------------------------------------------

def test_the_default_scheme_is_fsiii_in_denmark_and_iplos_in_norway(world):
    danish = assessment_scheme_current(municipality=world.muni)
    assert danish.scale == "fsiii"
    assert [area["code"] for area in danish.areas] == ["J1", "J2", "J3", "J4", "J5"]
    assert {"code": "J1.1", "label": "Vaske sig"} in danish.areas[0]["sub_areas"]
    assert assessment_scheme_current(municipality=world.muni) == danish  # created once
    norwegian = assessment_scheme_current(municipality=MunicipalityFactory(code="N100", country="NO", currency="NOK"))
    assert norwegian.scale == "iplos"
    assert "IP4.1" in scheme_codes(norwegian)[0]


def test_a_norwegian_assessment_is_scored_one_to_five():
    muni = MunicipalityFactory(code="N101", country="NO", currency="NOK", time_zone="Europe/Oslo")
    assessor = UserFactory(role="needs_assessor", municipality=muni)
    citizen = CitizenFactory(district=DistrictFactory(municipality=muni))
    with pytest.raises(ValidationError) as error:
        assessment_record(actor=assessor, citizen=citizen, assessed_on=TODAY(), scores={"IP4.1": 0}, complete=False)
    assert set(error.value.message_dict) == {"scores.IP4.1"}
    assessment = assessment_record(actor=assessor, citizen=citizen, assessed_on=TODAY(),
                                   scores=full_scores(muni, 5))
    assert assessment.scale == "iplos" and assessment.status == AssessmentStatus.COMPLETED


# --- drafts and completion ------------------------------------------------------------------

def test_a_draft_may_be_partial_and_completing_names_every_missing_area(world):
    draft = assessment_record(actor=world.assessor, citizen=world.citizen, assessed_on=TODAY(),
                              scores={"J1.1": 2}, performers={"J1.1": "relative"}, views={"J1.1": "Min datter"},
                              referral_source="hospital", complete=False)
    assert draft.status == AssessmentStatus.DRAFT
    score = draft.scores.get()
    assert (score.performer, score.citizen_view) == ("relative", "Min datter")
    with pytest.raises(ValidationError) as error:
        assessment_record(actor=world.assessor, citizen=world.citizen, assessed_on=TODAY(), scores={"J1.1": 2},
                          assessment=draft)
    missing = set(error.value.message_dict)
    assert "scores.J1.2" in missing and "scores.J5.1" in missing and "scores.J1.1" not in missing
    assert "9 if it is not relevant" in error.value.message_dict["scores.J1.2"][0]
    completed = assessment_record(actor=world.assessor, citizen=world.citizen, assessed_on=TODAY(),
                                  scores=full_scores(world.muni, 2), assessment=draft)
    assert completed.pk == draft.pk and completed.status == AssessmentStatus.COMPLETED
    assert AuditEvent.objects.filter(action="assessment.complete", object_id=str(draft.public_id)).exists()


def test_bad_performer_referral_and_unknown_area_are_field_errors(world):
    with pytest.raises(ValidationError) as error:
        assessment_record(actor=world.assessor, citizen=world.citizen, assessed_on=TODAY(),
                          scores={"J1.1": 1, "Z1": 1}, performers={"J1.1": "robot"}, referral_source="tv",
                          complete=False)
    assert set(error.value.message_dict) == {"scores.Z1", "performers.J1.1", "referral_source"}


def test_a_completed_assessment_cannot_be_edited_as_a_draft(world):
    with pytest.raises(ValidationError) as error:
        assessment_record(actor=world.assessor, citizen=world.citizen, assessed_on=TODAY(), scores={"J1.1": 1},
                          complete=False, assessment=world.assessment)
    assert "assessment" in error.value.message_dict


def test_previous_completed_assessment_skips_drafts(world):
    draft = assessment_record(actor=world.assessor, citizen=world.citizen, assessed_on=TODAY(),
                              scores={"J1.1": 2}, complete=False)
    assert selectors.previous_completed_assessment(actor=world.assessor, citizen=world.citizen,
                                                   before=draft) == world.assessment
    assert selectors.draft_assessment(actor=world.assessor, citizen=world.citizen) == draft


# --- decisions and the guidelines' proposal -------------------------------------------------

def grant(world, **overrides):
    data = {"actor": world.assessor, "citizen": world.citizen, "service": world.practical, "amount": "2",
            "unit": "hour", "frequency": "week", "valid_from": TODAY(), "reason": "Kan ikke gøre rent",
            "assessment": world.assessment}
    data.update(overrides)
    return decision_grant(**data)


def test_a_grant_as_proposed_needs_no_deviation_reason_and_keeps_the_proposal(world):
    used = proposal()
    decision = grant(world, proposals=[proposal("PC", "30", "minute", "day"), used], proposal_used=used)
    assert decision.proposal == {"service_code": "PH", "amount": "2", "unit": "hour", "frequency": "week",
                                 "rule_label": "Rengøring"}
    assert decision.deviation_reason == ""


def test_a_grant_unlike_every_proposal_needs_a_reason(world):
    with pytest.raises(ValidationError) as error:
        grant(world, amount="3", proposals=[proposal()])
    assert set(error.value.message_dict) == {"deviation_reason"}
    decision = grant(world, amount="3", proposals=[proposal()], proposal_used=proposal(),
                     deviation_reason="Stor bolig, to etager")
    assert decision.deviation_reason == "Stor bolig, to etager"


def test_a_decision_cannot_rest_on_a_draft_assessment(world):
    draft = assessment_record(actor=world.assessor, citizen=world.citizen, assessed_on=TODAY(),
                              scores={"J1.1": 2}, complete=False)
    with pytest.raises(ValidationError) as error:
        grant(world, assessment=draft)
    assert "assessment" in error.value.message_dict


# --- versions -------------------------------------------------------------------------------

def test_amend_makes_a_new_version_and_ends_the_old_one(world):
    start = TODAY() + timedelta(days=1)
    new = decision_amend(actor=world.assessor, decision=world.decision, valid_from=start, amount="3",
                         flexibility="budget", reason="Mere hjælp efter fald", source="change_request")
    world.decision.refresh_from_db()
    assert (new.version, new.previous, new.source) == (2, world.decision, "change_request")
    assert (new.amount, new.flexibility, new.valid_from, new.status) == (Decimal(3), "budget", start, "granted")
    assert world.decision.status == DecisionStatus.ENDED
    assert world.decision.valid_to == start - timedelta(days=1)
    # the provider keeps delivering, now the new version
    assert new.choices.get(valid_to__isnull=True).provider == world.private
    assert world.decision.choices.get().valid_to == start - timedelta(days=1)
    assert selectors.decision_versions(actor=world.assessor, decision=world.decision) == [new, world.decision]
    assert list(selectors.decisions_for(actor=world.private_admin, citizen=world.citizen)) == [new]
    assert AuditEvent.objects.filter(action="decision.amend", object_id=str(new.public_id)).exists()


def test_amend_refuses_an_unchanged_or_backdated_version(world):
    with pytest.raises(ValidationError) as error:
        decision_amend(actor=world.assessor, decision=world.decision, valid_from=world.decision.valid_from,
                       reason="")
    assert {"valid_from", "amount", "reason"} <= set(error.value.message_dict)
    assert Decision.objects.filter(previous=world.decision).count() == 0


@pytest.mark.parametrize("who", ["other_assessor", "private_admin", "citizen_user", "finance"])
def test_only_the_municipality_amends(world, who):
    with pytest.raises(PermissionDenied):
        decision_amend(actor=getattr(world, who), decision=world.decision, valid_from=TODAY(), amount="3",
                       reason="x")


# --- appeals --------------------------------------------------------------------------------

def test_citizen_and_relative_appeal_within_the_deadline(world):
    appeal = appeal_lodge(actor=world.citizen_user, decision=world.decision, grounds="For lidt tid")
    assert (appeal.status, appeal.lodged_by, appeal.lodged_on) == ("received", world.citizen_user, TODAY())
    assert appeal_lodge(actor=world.relative, decision=world.decision, grounds="Min mor kan ikke").pk
    assert appeal_deadline(world.decision) == timezone.localdate(world.decision.decided_at) + timedelta(weeks=4)


def test_an_appeal_after_the_deadline_is_refused_for_the_citizen(world):
    Decision.objects.filter(pk=world.decision.pk).update(decided_at=timezone.now() - timedelta(days=40))
    world.decision.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        appeal_lodge(actor=world.citizen_user, decision=world.decision, grounds="For lidt tid")
    assert "deadline to appeal" in error.value.message_dict["deadline"][0]
    with pytest.raises(ValidationError) as error:
        appeal_lodge(actor=world.assessor, decision=world.decision, grounds="Ringede ind")
    assert "late_reason" in error.value.message_dict
    late = appeal_lodge(actor=world.assessor, decision=world.decision, grounds="Ringede ind",
                        late_reason="Var indlagt på sygehus")
    assert late.late_reason == "Var indlagt på sygehus"


def test_the_swedish_deadline_is_three_weeks(world):
    world.muni.country = "SE"
    world.muni.save()
    Decision.objects.filter(pk=world.decision.pk).update(decided_at=timezone.now() - timedelta(days=25))
    decision = Decision.objects.get(pk=world.decision.pk)
    with pytest.raises(ValidationError):
        appeal_lodge(actor=world.citizen_user, decision=decision, grounds="För lite tid")


@pytest.mark.parametrize("who", ["neighbour_user", "private_admin", "other_assessor", "finance"])
def test_others_cannot_appeal(world, who):
    with pytest.raises(PermissionDenied):
        appeal_lodge(actor=getattr(world, who), decision=world.decision, grounds="x")


def test_an_outcome_of_changed_amends_the_decision(world):
    appeal = appeal_lodge(actor=world.citizen_user, decision=world.decision, grounds="For lidt tid")
    start = TODAY() + timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        appeal_decide(actor=world.assessor, appeal=appeal, status="changed", outcome_reason="Medhold")
    assert "valid_from" in error.value.message_dict
    decided = appeal_decide(actor=world.assessor, appeal=appeal, status="partly_changed", outcome_reason="Delvist",
                            valid_from=start, amount="2.5")
    assert decided.status == AppealStatus.PARTLY_CHANGED
    assert decided.new_version.source == "appeal" and decided.new_version.amount == Decimal("2.5")
    with pytest.raises(ValidationError):
        appeal_decide(actor=world.assessor, appeal=decided, status="upheld", outcome_reason="igen")


def test_an_upheld_appeal_leaves_the_decision(world):
    appeal = appeal_lodge(actor=world.citizen_user, decision=world.decision, grounds="For lidt tid")
    decided = appeal_decide(actor=world.assessor, appeal=appeal, status="upheld", outcome_reason="Korrekt")
    assert decided.new_version is None and decided.outcome_by == world.assessor
    with pytest.raises(PermissionDenied):
        appeal_decide(actor=world.citizen_user, appeal=appeal, status="upheld", outcome_reason="x")


# --- who sees what --------------------------------------------------------------------------

def test_a_provider_sees_only_its_own_clients_decisions_and_no_appeals(world):
    appeal_lodge(actor=world.citizen_user, decision=world.decision, grounds="x")
    assert list(selectors.decisions_for(actor=world.private_admin)) == [world.decision]
    assert list(selectors.decisions_for(actor=world.in_house_admin)) == [world.neighbour_decision]
    assert not selectors.appeals_for(actor=world.private_admin).exists()


def test_another_municipality_sees_nothing(world):
    appeal_lodge(actor=world.citizen_user, decision=world.decision, grounds="x")
    assert list(selectors.decisions_for(actor=world.other_assessor)) == [world.foreign_decision]
    assert not selectors.appeals_for(actor=world.other_assessor).exists()
    assert selectors.decision_versions(actor=world.other_assessor, decision=world.decision) == []


def test_my_decisions_are_the_citizens_own_and_by_power_of_attorney(world):
    assert list(selectors.my_decisions(actor=world.citizen_user)) == [world.decision]
    assert list(selectors.my_decisions(actor=world.relative)) == [world.decision]
    assert list(selectors.my_decisions(actor=world.neighbour_user)) == [world.neighbour_decision]
    assert not selectors.my_decisions(actor=world.assessor).exists()


def test_without_the_fsiii_code_system_no_empty_scheme_is_made(world, monkeypatch, client):
    monkeypatch.setenv("FRIVALG_FSIII_PATH", "/nonexistent/fsiii.json")
    with pytest.raises(ValidationError) as error:
        assessment_scheme_current(municipality=world.muni)
    assert "fsiii_load" in error.value.message_dict["scheme"][0]
    client.force_login(world.assessor)
    response = client.get(reverse("assessments:assessment_new", args=[world.citizen.public_id]))
    assert response.status_code == 302
