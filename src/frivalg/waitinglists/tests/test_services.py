"""Waiting-list writes: who may enter, how the order changes and is explained, and that a freed
place goes to the top of the list."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from frivalg.assessments.models import AssessmentScore
from frivalg.assessments.tests.factories import AssessmentFactory, DecisionFactory
from frivalg.catalogue.tests.factories import ServiceFactory
from frivalg.core.models import AuditEvent
from frivalg.waitinglists import services
from frivalg.waitinglists.models import EntryStatus, RankChange, WaitingListEntry
from frivalg.waitinglists.tests.factories import assessed_citizen

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def english():
    """Messages in English, the source language, whatever the translations say."""
    with translation.override("en"):
        yield


@pytest.fixture
def home(world):
    service = ServiceFactory(municipality=world.muni, code="NH", name="Plejebolig", care_level=7, unit="day")
    return services.waiting_list_create(actor=world.assessor, service=service, name="Plejeboliger", places=2,
                                        need_weight=10, wait_weight=1, urgent_reasons=["hospital_discharge"])


def enter(world, home, scores, days_ago, **kwargs):
    decision = assessed_citizen(home.service, scores, district=world.north)
    return services.waiting_list_enter(actor=world.assessor, waiting_list=home, decision=decision,
                                       applied_on=TODAY - timedelta(days=days_ago), **kwargs)


def positions(home):
    return list(WaitingListEntry.objects.filter(waiting_list=home, status__in=["waiting", "offered"])
                .order_by("position").values_list("pk", "position"))


def test_create_refuses_bad_rules(world, home):
    with pytest.raises(ValidationError) as error:
        services.waiting_list_create(actor=world.assessor, service=home.service, name="Plejeboliger", places=0,
                                     need_weight=-1, wait_weight=1, urgent_reasons=["nonsense"])
    assert set(error.value.message_dict) == {"name", "places", "need_weight", "urgent_reasons"}
    with pytest.raises(ValidationError) as error:
        services.waiting_list_create(actor=world.assessor, service=home.service, name="B", places=1,
                                     need_weight=0, wait_weight=0)
    assert set(error.value.message_dict) == {"need_weight"}


def test_create_needs_the_permission_and_the_municipality(world, home):
    with pytest.raises(PermissionDenied):
        services.waiting_list_create(actor=world.finance, service=home.service, name="X", places=1)
    with pytest.raises(PermissionDenied):
        services.waiting_list_create(actor=world.other_assessor, service=home.service, name="X", places=1)
    assert AuditEvent.objects.filter(action="waiting_list.create", object_id=str(home.public_id)).exists()


def test_enter_ranks_by_need_not_application_date(world, home):
    early = enter(world, home, {"J1": 1}, days_ago=60)            # need 1: 10 + 60 = 70
    late = enter(world, home, {"J1": 4, "J3": 4}, days_ago=2)     # need 8: 80 + 2 = 82
    early.refresh_from_db()
    assert (late.position, late.score) == (1, 82)
    assert (early.position, early.score) == (2, 70)
    (change,) = RankChange.objects.filter(entry=early)
    assert (change.old_position, change.new_position, change.code) == (1, 2, "new_entry_above")
    assert "1 × 10 + 60 × 1 = 70" in change.explanation
    assert AuditEvent.objects.filter(action="waiting_list.rank_change", object_id=str(early.public_id)).exists()
    assert AuditEvent.objects.filter(action="waiting_list.enter", object_id=str(late.public_id)).exists()


def test_enter_refuses_a_citizen_already_on_the_list(world, home):
    entry = enter(world, home, {"J1": 2}, days_ago=1)
    with pytest.raises(ValidationError) as error:
        services.waiting_list_enter(actor=world.assessor, waiting_list=home, decision=entry.decision,
                                    applied_on=TODAY)
    assert "already on this waiting list" in error.value.message_dict["decision"][0]


def test_enter_refuses_a_decision_not_granted(world, home):
    decision = assessed_citizen(home.service, {"J1": 2}, district=world.north)
    decision.status = "ended"
    decision.save()
    with pytest.raises(ValidationError) as error:
        services.waiting_list_enter(actor=world.assessor, waiting_list=home, decision=decision, applied_on=TODAY)
    assert "granted" in error.value.message_dict["decision"][0]


def test_enter_refuses_a_decision_for_another_service(world, home):
    with pytest.raises(ValidationError) as error:
        services.waiting_list_enter(actor=world.assessor, waiting_list=home, decision=world.decision,
                                    applied_on=TODAY)
    assert "another service" in error.value.message_dict["decision"][0]


def test_enter_refuses_another_municipality_and_bad_fields(world, home):
    with pytest.raises(ValidationError) as error:
        services.waiting_list_enter(actor=world.assessor, waiting_list=home, decision=world.foreign_decision,
                                    applied_on=TODAY)
    assert "another municipality" in error.value.message_dict["decision"][0]
    decision = assessed_citizen(home.service, {"J1": 2}, district=world.north)
    with pytest.raises(ValidationError) as error:
        services.waiting_list_enter(actor=world.assessor, waiting_list=home, decision=decision,
                                    applied_on=TODAY + timedelta(days=1), urgent=True, reason="carer_breakdown")
    assert set(error.value.message_dict) == {"applied_on", "reason"}
    with pytest.raises(PermissionDenied):
        services.waiting_list_enter(actor=world.other_assessor, waiting_list=home, decision=decision,
                                    applied_on=TODAY)


def test_enter_needs_a_completed_assessment(world, home):
    decision = DecisionFactory(citizen=world.neighbour, service=home.service)
    world.neighbour.assessments.update(status="draft")
    with pytest.raises(ValidationError) as error:
        services.waiting_list_enter(actor=world.assessor, waiting_list=home, decision=decision, applied_on=TODAY)
    assert "no assessment" in error.value.message_dict["decision"][0]


def test_urgent_goes_first(world, home):
    high = enter(world, home, {"J1": 4, "J2": 4}, days_ago=100)
    urgent = enter(world, home, {"J1": 1}, days_ago=0, urgent=True, reason="hospital_discharge")
    high.refresh_from_db()
    assert (urgent.position, high.position) == (1, 2)
    assert RankChange.objects.get(entry=high).code == "new_entry_above"


def test_rerank_takes_up_a_newer_completed_assessment_and_explains(world, home):
    first = enter(world, home, {"J1": 3}, days_ago=10)     # 30 + 10 = 40
    second = enter(world, home, {"J1": 2}, days_ago=10)    # 20 + 10 = 30
    newer = AssessmentFactory(citizen=second.citizen, assessed_on=date(2026, 3, 1))
    AssessmentScore.objects.create(assessment=newer, area_code="J1", score=4)
    AssessmentScore.objects.create(assessment=newer, area_code="J2", score=4)
    draft = AssessmentFactory(citizen=first.citizen, assessed_on=date(2026, 3, 1), status="draft")
    AssessmentScore.objects.create(assessment=draft, area_code="J1", score=4)
    changes = services.waiting_list_rerank(actor=world.assessor, waiting_list=home)
    by_entry = {c.entry_id: c for c in changes}
    assert set(by_entry) == {first.pk, second.pk}
    assert (by_entry[second.pk].old_position, by_entry[second.pk].new_position) == (2, 1)
    assert by_entry[second.pk].code == by_entry[first.pk].code == "reassessed"
    assert by_entry[second.pk].new_score == 90
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.assessment, second.need_score, second.position) == (newer, 8, 1)
    assert first.need_score == 3  # the draft is not used
    assert services.waiting_list_rerank(actor=world.assessor, waiting_list=home) == []


def test_rule_change_is_a_new_dated_version_and_reranks(world, home):
    patient = enter(world, home, {"J1": 1}, days_ago=300)    # 10 + 300 = 310
    needy = enter(world, home, {"J1": 4, "J2": 4}, days_ago=5)   # 80 + 5 = 85
    assert positions(home) == [(patient.pk, 1), (needy.pk, 2)]
    updated = services.waiting_list_update(actor=world.assessor, waiting_list=home, need_weight=100)
    assert (updated.rule_version, updated.rule_valid_from) == (2, TODAY)
    assert positions(home) == [(needy.pk, 1), (patient.pk, 2)]
    assert set(RankChange.objects.filter(code="rule_changed").values_list("entry_id", flat=True)) == {
        patient.pk, needy.pk}
    renamed = services.waiting_list_update(actor=world.assessor, waiting_list=home, name="Plejehjem")
    assert renamed.rule_version == 2


def test_offer_goes_to_the_top_and_decline_offers_the_next(world, home):
    low = enter(world, home, {"J1": 1}, days_ago=1)
    top = enter(world, home, {"J1": 4, "J2": 4}, days_ago=1)
    middle = enter(world, home, {"J1": 3}, days_ago=1)
    with pytest.raises(ValidationError) as error:
        services.place_offer(actor=world.assessor, waiting_list=home)
    assert "No place is free" in error.value.message_dict["free_places"][0]
    services.place_free(actor=world.assessor, waiting_list=home)
    offered = services.place_offer(actor=world.assessor, waiting_list=home)
    assert offered == top and offered.status == EntryStatus.OFFERED and offered.offered_on == TODAY
    home.refresh_from_db()
    assert home.free_places == 0
    next_offer = services.place_decline(actor=world.assessor, entry=offered)
    assert next_offer == middle
    top.refresh_from_db()
    assert (top.status, top.position) == (EntryStatus.DECLINED, None)
    low.refresh_from_db()
    assert low.position == 2
    assert RankChange.objects.filter(entry=low, code="withdrawn_above").exists()
    services.place_accept(actor=world.assessor, entry=next_offer)
    middle.refresh_from_db()
    low.refresh_from_db()
    assert (middle.status, middle.placed_on, low.position) == (EntryStatus.PLACED, TODAY, 1)
    assert RankChange.objects.filter(entry=low, code="placed_above").exists()
    assert AuditEvent.objects.filter(action="waiting_list.offer").count() == 2


def test_offer_skips_someone_already_offered(world, home):
    services.place_free(actor=world.assessor, waiting_list=home)
    services.place_free(actor=world.assessor, waiting_list=home)
    first = enter(world, home, {"J1": 4}, days_ago=1)
    second = enter(world, home, {"J1": 2}, days_ago=1)
    assert services.place_offer(actor=world.assessor, waiting_list=home) == first
    assert services.place_offer(actor=world.assessor, waiting_list=home) == second
    services.place_free(actor=world.assessor, waiting_list=home)
    with pytest.raises(ValidationError) as error:
        services.place_offer(actor=world.assessor, waiting_list=home)
    assert "Nobody is waiting" in error.value.message_dict["waiting_list"][0]


def test_withdraw_moves_those_below_up_and_frees_an_offered_place(world, home):
    first = enter(world, home, {"J1": 4}, days_ago=1)
    second = enter(world, home, {"J1": 2}, days_ago=1)
    services.place_free(actor=world.assessor, waiting_list=home)
    services.place_offer(actor=world.assessor, waiting_list=home)
    services.entry_withdraw(actor=world.assessor, entry=first, reason="Moved away")
    second.refresh_from_db()
    home.refresh_from_db()
    assert (second.position, home.free_places) == (1, 1)
    assert RankChange.objects.get(entry=second).code == "withdrawn_above"
    with pytest.raises(ValidationError):
        services.entry_withdraw(actor=world.assessor, entry=first)
    with pytest.raises(ValidationError):
        services.place_accept(actor=world.assessor, entry=second)


def test_an_urgency_moves_the_entry_first_and_explains_it_to_those_passed(world, home):
    high = enter(world, home, {"J1": 4, "J2": 4}, days_ago=10)
    low = enter(world, home, {"J1": 1}, days_ago=10)
    with pytest.raises(ValidationError) as error:
        services.entry_set_urgency(actor=world.assessor, entry=low, urgent=True, reason="safety_risk")
    assert "reason" in error.value.message_dict
    low = services.entry_set_urgency(actor=world.assessor, entry=low, urgent=True, reason="hospital_discharge")
    high.refresh_from_db()
    assert (low.position, high.position) == (1, 2)
    assert RankChange.objects.get(entry=high).code == "urgent"
    assert RankChange.objects.get(entry=low).code == "urgent"
    assert AuditEvent.objects.filter(action="waiting_list.urgency", object_id=str(low.public_id)).exists()
    low = services.entry_set_urgency(actor=world.assessor, entry=low, urgent=False)
    assert low.position == 2
    with pytest.raises(PermissionDenied):
        services.entry_set_urgency(actor=world.other_assessor, entry=low, urgent=False)
