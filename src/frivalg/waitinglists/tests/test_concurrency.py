"""Two allocations at once cannot offer the same freed place: the list row is locked."""

import os
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from frivalg.catalogue.tests.factories import ServiceFactory
from frivalg.waitinglists import services
from frivalg.waitinglists.models import EntryStatus, WaitingListEntry
from frivalg.waitinglists.tests.factories import assessed_citizen


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="row locks under real concurrency need PostgreSQL")
def test_two_concurrent_offers_of_one_freed_place_offer_it_once_to_the_top(transactional_db):
    from tests.world import build_world

    world = build_world()
    service = ServiceFactory(municipality=world.muni, code="NH", name="Plejebolig", care_level=7, unit="day")
    home = services.waiting_list_create(actor=world.assessor, service=service, name="Plejeboliger", places=3)
    today = timezone.localdate()
    top = None
    for need, days in ((4, 10), (2, 10), (1, 10)):
        decision = assessed_citizen(service, {"J1": need}, district=world.north)
        entry = services.waiting_list_enter(actor=world.assessor, waiting_list=home, decision=decision,
                                            applied_on=today - timedelta(days=days))
        top = top or entry
    services.place_free(actor=world.assessor, waiting_list=home)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[Exception] = []

    def offer():
        try:
            barrier.wait(timeout=10)
            services.place_offer(actor=world.assessor, waiting_list=home)
            outcomes.append("offered")
        except ValidationError:
            outcomes.append("refused")
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=offer) for _ in range(2)]
    [t.start() for t in threads]
    [t.join(timeout=120) for t in threads]
    assert errors == []
    assert sorted(outcomes) == ["offered", "refused"]
    offered = WaitingListEntry.objects.filter(waiting_list=home, status=EntryStatus.OFFERED)
    assert list(offered) == [top]
    home.refresh_from_db()
    assert home.free_places == 0
