from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from frivalg.catalogue.tests.factories import ServiceFactory
from frivalg.core.tests.factories import DistrictFactory
from frivalg.waitinglists import services
from frivalg.waitinglists.tests.factories import assessed_citizen, assessed_decision


@pytest.fixture
def lists(world):
    """A nursing-home list of municipality A with a stranger (need 8, position 1) and Karen (need 2,
    position 2) on it, and a list of municipality B with its own citizen."""
    today = timezone.localdate()
    n = SimpleNamespace()
    service = ServiceFactory(municipality=world.muni, code="NH", name="Plejebolig", care_level=7, unit="day")
    n.home = services.waiting_list_create(actor=world.assessor, service=service, name="Plejeboliger", places=2,
                                          urgent_reasons=["hospital_discharge"])
    n.karen = services.waiting_list_enter(
        actor=world.assessor, waiting_list=n.home, decision=assessed_decision(world.citizen, service, {"J1": 2}),
        applied_on=today - timedelta(days=30))
    n.stranger = services.waiting_list_enter(
        actor=world.assessor, waiting_list=n.home, decision=assessed_citizen(service, {"J1": 4, "J2": 4},
                                                                             district=world.north, first_name="Ib"),
        applied_on=today - timedelta(days=3))
    n.karen.refresh_from_db()
    foreign_service = ServiceFactory(municipality=world.other_muni, code="NH", name="Plejebolig", care_level=7)
    n.foreign_home = services.waiting_list_create(actor=world.other_assessor, service=foreign_service,
                                                  name="Andeby plejehjem", places=1)
    n.foreign_entry = services.waiting_list_enter(
        actor=world.other_assessor, waiting_list=n.foreign_home,
        decision=assessed_citizen(foreign_service, {"J1": 3}, district=DistrictFactory(municipality=world.other_muni)),
        applied_on=today)
    return n
