"""Two citizens cannot take the last place: the approval row is locked while counting."""

import os
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from frivalg.assessments.tests.factories import DecisionFactory
from frivalg.choices.models import Choice
from frivalg.choices.services import choice_make
from frivalg.core.tests.factories import CitizenFactory, UserFactory


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="row locks under real concurrency need PostgreSQL")
def test_two_citizens_racing_for_the_last_place_only_one_gets_it(transactional_db):
    from tests.world import build_world

    world = build_world()
    approval = world.in_house.approvals.get(service=world.personal)
    taken = Choice.objects.filter(provider=world.in_house, decision__service=world.personal,
                                  valid_to__isnull=True).count()
    approval.capacity = taken + 1
    approval.save()
    racers = []
    for name in ("Aase", "Bent"):
        user = UserFactory(username=name.lower(), role="citizen")
        citizen = CitizenFactory(district=world.north, user=user, first_name=name)
        racers.append((user, DecisionFactory(citizen=citizen, service=world.personal,
                                             valid_from=timezone.localdate())))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[Exception] = []

    def choose(user, decision):
        try:
            barrier.wait(timeout=10)
            choice_make(actor=user, decision=decision, provider=world.in_house)
            outcomes.append("chosen")
        except ValidationError:
            outcomes.append("refused")
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=choose, args=racer) for racer in racers]
    [t.start() for t in threads]
    [t.join(timeout=120) for t in threads]
    assert errors == []
    assert sorted(outcomes) == ["chosen", "refused"]
    assert Choice.objects.filter(provider=world.in_house, decision__service=world.personal,
                                 valid_to__isnull=True).count() == taken + 1
