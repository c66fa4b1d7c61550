"""Every role × every selector × an object of another municipality / another provider /
another citizen. The table states exactly what each user sees, so a selector that leaks or
one that hides too much both fail.

Groups of objects in tests/world.py:
  karen     – citizen of municipality A, delivered by the private provider
  neighbour – citizen of A, delivered by the in-house provider
  foreign   – citizen of municipality B, delivered by B's private provider
"""

import pytest

from frivalg.assessments.selectors import assessment_get, assessments_for, decision_get, decisions_for
from frivalg.choices.selectors import choices_for, clients_for, providers_to_choose_from
from frivalg.core.selectors import citizen_get, citizens_visible_to
from frivalg.visits.selectors import visit_get, visits_for

ALL = frozenset({"karen", "neighbour", "foreign"})
NONE = frozenset()

# user attribute in the world → kind of record → groups visible
EXPECTED = {
    "assessor": {"citizens": {"karen", "neighbour"}, "assessments": {"karen", "neighbour"},
                 "decisions": {"karen", "neighbour"}, "visits": {"karen", "neighbour"}, "clients": NONE},
    "other_assessor": {"citizens": {"foreign"}, "assessments": {"foreign"}, "decisions": {"foreign"},
                       "visits": {"foreign"}, "clients": NONE},
    "finance": {"citizens": NONE, "assessments": NONE, "decisions": NONE, "visits": {"karen", "neighbour"},
                "clients": NONE},
    "analyst": {"citizens": NONE, "assessments": NONE, "decisions": NONE, "visits": NONE, "clients": NONE},
    "procurement": {"citizens": NONE, "assessments": NONE, "decisions": NONE, "visits": NONE, "clients": NONE},
    "sysadmin": {"citizens": NONE, "assessments": NONE, "decisions": NONE, "visits": NONE, "clients": NONE},
    "private_admin": {"citizens": {"karen"}, "assessments": NONE, "decisions": {"karen"}, "visits": {"karen"},
                      "clients": {"karen"}},
    "private_caregiver_user": {"citizens": {"karen"}, "assessments": NONE, "decisions": {"karen"},
                               "visits": {"karen"}, "clients": NONE},
    "in_house_admin": {"citizens": {"neighbour"}, "assessments": NONE, "decisions": {"neighbour"},
                       "visits": {"neighbour"}, "clients": {"neighbour"}},
    "in_house_caregiver_user": {"citizens": {"neighbour"}, "assessments": NONE, "decisions": {"neighbour"},
                                "visits": {"neighbour"}, "clients": NONE},
    "other_admin": {"citizens": {"foreign"}, "assessments": NONE, "decisions": {"foreign"}, "visits": {"foreign"},
                    "clients": {"foreign"}},
    "citizen_user": {"citizens": {"karen"}, "assessments": {"karen"}, "decisions": {"karen"}, "visits": {"karen"},
                     "clients": NONE},
    "relative": {"citizens": {"karen"}, "assessments": {"karen"}, "decisions": {"karen"}, "visits": {"karen"},
                 "clients": NONE},
    "neighbour_user": {"citizens": {"neighbour"}, "assessments": {"neighbour"}, "decisions": {"neighbour"},
                       "visits": {"neighbour"}, "clients": NONE},
}
USERS = sorted(EXPECTED)


def _objects(w):
    return {
        "citizens": {"karen": w.citizen, "neighbour": w.neighbour, "foreign": w.foreigner},
        "assessments": {"karen": w.assessment, "neighbour": w.neighbour_assessment, "foreign": w.foreign_assessment},
        "decisions": {"karen": w.decision, "neighbour": w.neighbour_decision, "foreign": w.foreign_decision},
        "visits": {"karen": w.visit, "neighbour": w.neighbour_visit, "foreign": w.foreign_visit},
        "clients": {"karen": w.choice, "neighbour": w.neighbour_choice, "foreign": w.foreign_choice},
    }


def _lists(actor):
    return {
        "citizens": citizens_visible_to(actor),
        "assessments": assessments_for(actor=actor),
        "decisions": decisions_for(actor=actor),
        "visits": visits_for(actor=actor),
        "clients": clients_for(actor=actor),
    }


GETTERS = {
    "citizens": citizen_get,
    "assessments": assessment_get,
    "decisions": decision_get,
    "visits": visit_get,
}


@pytest.mark.parametrize("user_attr", USERS)
def test_lists_show_exactly_what_the_role_may_see(world, user_attr):
    actor = getattr(world, user_attr)
    objects = _objects(world)
    for kind, queryset in _lists(actor).items():
        visible_pks = set(queryset.values_list("pk", flat=True))
        seen = {group for group, obj in objects[kind].items() if obj.pk in visible_pks}
        assert seen == set(EXPECTED[user_attr][kind]), f"{user_attr} sees {kind} of {seen}"


@pytest.mark.parametrize("user_attr", USERS)
@pytest.mark.parametrize("kind", sorted(GETTERS))
def test_single_reads_are_denied_outside_the_scope(world, user_attr, kind):
    actor = getattr(world, user_attr)
    for group, obj in _objects(world)[kind].items():
        getter = GETTERS[kind]
        if group in EXPECTED[user_attr][kind]:
            assert getter(actor=actor, public_id=obj.public_id).pk == obj.pk
        else:
            with pytest.raises(type(obj).DoesNotExist):
                getter(actor=actor, public_id=obj.public_id)


@pytest.mark.parametrize("user_attr", USERS)
def test_choice_history_and_provider_lists_follow_decision_access(world, user_attr):
    actor = getattr(world, user_attr)
    for group, decision in _objects(world)["decisions"].items():
        history = set(choices_for(actor=actor, decision=decision).values_list("pk", flat=True))
        to_choose = providers_to_choose_from(actor=actor, decision=decision)
        if group in EXPECTED[user_attr]["decisions"]:
            assert history, f"{user_attr} should see who delivers {group}'s decision"
        else:
            assert not history
            assert not to_choose.exists()


def test_staff_reading_a_citizen_is_logged_but_the_citizen_reading_themself_is_not(world):
    from frivalg.core.models import AuditEvent

    citizen_get(actor=world.assessor, public_id=world.citizen.public_id)
    citizen_get(actor=world.citizen_user, public_id=world.citizen.public_id)
    reads = AuditEvent.objects.filter(action="citizen.read", object_id=str(world.citizen.public_id))
    assert list(reads.values_list("actor__username", flat=True)) == ["assessor"]


def test_caregiver_sees_no_visit_of_another_day(world):
    from datetime import timedelta

    from frivalg.visits.tests.factories import VisitFactory

    tomorrow = world.visit.planned_start + timedelta(days=1)
    later = VisitFactory(decision=world.decision, provider=world.private, caregiver=world.private_caregiver,
                         planned_start=tomorrow, planned_end=tomorrow + timedelta(minutes=30))
    visible = set(visits_for(actor=world.private_caregiver_user).values_list("pk", flat=True))
    assert world.visit.pk in visible
    assert later.pk not in visible
    assert later.pk in set(visits_for(actor=world.private_admin).values_list("pk", flat=True))


def test_national_id_is_shown_only_to_the_citizen_and_assessors_of_the_municipality(world):
    from frivalg.core.selectors import citizen_can_see_national_id

    allowed = {u for u in USERS if citizen_can_see_national_id(getattr(world, u), world.citizen)}
    assert allowed == {"assessor", "citizen_user"}
