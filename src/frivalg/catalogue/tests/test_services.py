from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from frivalg.catalogue.models import Rate
from frivalg.catalogue.services import fsiii_load, rate_set, service_create
from frivalg.core.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=False)


def test_rate_set_closes_the_open_rate_and_audits(world):
    rate = rate_set(
        actor=world.finance,
        service=world.practical,
        time_band="day",
        provider_kind="private",
        amount_minor=43000,
        valid_from=date(2027, 1, 1),
    )
    previous = Rate.objects.get(
        service=world.practical, time_band="day", provider_kind="private", valid_from=date(2020, 1, 1)
    )
    assert previous.valid_to == date(2026, 12, 31)
    assert rate.municipality == world.muni
    event = AuditEvent.objects.get(action="rate.set")
    assert event.actor == world.finance
    assert event.municipality == world.muni
    assert event.payload["amount_minor"] == 43000


@pytest.mark.parametrize("user", ["assessor", "private_admin", "citizen_user", "analyst"])
def test_rate_set_needs_rate_manage(world, user):
    with pytest.raises(PermissionDenied):
        rate_set(
            actor=getattr(world, user),
            service=world.practical,
            time_band="day",
            provider_kind="private",
            amount_minor=43000,
            valid_from=date(2027, 1, 1),
        )
    assert not AuditEvent.objects.filter(action="rate.set").exists()


def test_rate_set_and_service_create_refuse_another_municipality(world):
    with pytest.raises(PermissionDenied):
        rate_set(
            actor=world.other_finance,
            service=world.practical,
            time_band="day",
            provider_kind="private",
            amount_minor=1,
            valid_from=date(2027, 1, 1),
        )
    with pytest.raises(PermissionDenied):
        service_create(
            actor=world.other_finance,
            municipality=world.muni,
            code="X",
            name="X",
            care_level=1,
            fsiii_code="H1.1",
            unit="hour",
            legal_basis="",
            voucher_design="time",
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"time_band": "dawn"}, "time_band"),
        ({"provider_kind": "cooperative"}, "provider_kind"),
        ({"amount_minor": -1}, "amount_minor"),
        ({"valid_to": date(2026, 12, 31)}, "valid_to"),
        ({"valid_from": date(2020, 1, 1)}, "valid_from"),
    ],
)
def test_rate_set_rejects_bad_input_on_the_field(world, changes, field):
    arguments = {
        "actor": world.finance,
        "service": world.practical,
        "time_band": "day",
        "provider_kind": "private",
        "amount_minor": 43000,
        "valid_from": date(2027, 1, 1),
    } | changes
    with pytest.raises(ValidationError) as error:
        rate_set(**arguments)
    assert field in error.value.message_dict


def test_service_create_takes_the_fsiii_version_from_the_loaded_code_system(world):
    fsiii_load()
    service = service_create(
        actor=world.finance,
        municipality=world.muni,
        code="MEAL",
        name="Madservice",
        care_level=3,
        fsiii_code="H1.1",
        unit="meal",
        legal_basis="SEL § 83",
        voucher_design="specific",
    )
    assert service.fsiii_version
    assert AuditEvent.objects.filter(action="service.create", object_id=str(service.public_id)).exists()
    with pytest.raises(ValidationError) as error:
        service_create(
            actor=world.finance,
            municipality=world.muni,
            code="X",
            name="X",
            care_level=1,
            fsiii_code="NOPE",
            unit="hour",
            legal_basis="",
            voucher_design="time",
        )
    assert "fsiii_code" in error.value.message_dict
