from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from frivalg.assessments.models import Decision, DecisionStatus
from frivalg.assessments.services import assessment_record, decision_end, decision_grant
from frivalg.core.models import AuditEvent


def test_assessment_is_recorded_with_scores_and_audit(world):
    assessment = assessment_record(actor=world.assessor, citizen=world.citizen, assessed_on=date(2026, 2, 1),
                                   scores={"J1.1": 2, "J2.1": 3, "J5.1": 9}, notes="Falder ofte",
                                   next_reassessment_due=date(2026, 8, 1), complete=False)
    assert dict(assessment.scores.values_list("area_code", "score")) == {"J1.1": 2, "J2.1": 3, "J5.1": 9}
    event = AuditEvent.objects.get(action="assessment.draft", object_id=str(assessment.public_id))
    assert event.actor == world.assessor and event.payload["scores"]["J1.1"] == 2


def test_assessment_rejects_scores_off_the_scale_per_field(world):
    with pytest.raises(ValidationError) as error:
        assessment_record(actor=world.assessor, citizen=world.citizen, assessed_on=date(2026, 2, 1),
                          scores={"J1.1": 6})
    assert "scores.J1.1" in error.value.message_dict


def test_assessment_in_the_future_and_reassessment_before_are_refused(world):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        assessment_record(actor=world.assessor, citizen=world.citizen, assessed_on=tomorrow, scores={"J1.1": 1},
                          next_reassessment_due=tomorrow)
    assert {"assessed_on", "next_reassessment_due"} <= set(error.value.message_dict)


@pytest.mark.parametrize("user_attr", ["other_assessor", "finance", "private_admin", "citizen_user"])
def test_only_assessors_of_the_municipality_record(world, user_attr):
    with pytest.raises(PermissionDenied):
        assessment_record(actor=getattr(world, user_attr), citizen=world.citizen, assessed_on=date(2026, 2, 1),
                          scores={"J1.1": 1})


def test_decision_grant_sets_status_deadline_and_audit(world):
    decision = decision_grant(actor=world.assessor, citizen=world.citizen, service=world.personal,
                              amount="2.5", unit="hour", frequency="week", valid_from=timezone.localdate(),
                              reason="Har brug for hjælp til bad", flexibility="budget",
                              assessment=world.assessment)
    assert decision.status == DecisionStatus.GRANTED and decision.decided_by == world.assessor
    assert decision.amount == Decimal("2.5")
    assert decision.choice_deadline == timezone.localdate() + timedelta(days=14)
    assert AuditEvent.objects.filter(action="decision.grant", object_id=str(decision.public_id)).count() == 1


def test_decision_grant_reports_every_bad_field(world):
    with pytest.raises(ValidationError) as error:
        decision_grant(actor=world.assessor, citizen=world.citizen, service=world.other_service, amount="-1",
                       unit="meal", frequency="fortnight", valid_from=date(2026, 3, 1), valid_to=date(2026, 2, 1),
                       reason=" ", assessment=world.foreign_assessment)
    assert {"amount", "service", "unit", "frequency", "valid_to", "reason", "assessment"} <= set(
        error.value.message_dict
    )
    assert not Decision.objects.filter(citizen=world.citizen, service=world.other_service).exists()


def test_decision_grant_rejects_a_non_number_amount(world):
    with pytest.raises(ValidationError) as error:
        decision_grant(actor=world.assessor, citizen=world.citizen, service=world.practical, amount="lots",
                       unit="hour", frequency="week", valid_from=date(2026, 3, 1), reason="x")
    assert "amount" in error.value.message_dict


def test_decision_for_a_citizen_of_another_municipality_is_denied(world):
    with pytest.raises(PermissionDenied):
        decision_grant(actor=world.assessor, citizen=world.foreigner, service=world.other_service, amount="1",
                       unit="hour", frequency="week", valid_from=date(2026, 3, 1), reason="x")


def test_decision_end_closes_the_open_choice(world):
    end = timezone.localdate()
    decision_end(actor=world.assessor, decision=world.decision, valid_to=end, reason="Flyttet på plejehjem")
    world.decision.refresh_from_db()
    world.choice.refresh_from_db()
    assert world.decision.status == DecisionStatus.ENDED
    assert world.choice.valid_to == end
    with pytest.raises(ValidationError):
        decision_end(actor=world.assessor, decision=world.decision, valid_to=end, reason="igen")
