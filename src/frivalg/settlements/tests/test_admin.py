"""The admin is read-only for the loop's records and strictly read-only for the audit trail."""

import pytest
from django.contrib import admin
from django.urls import reverse

from frivalg.core.models import AuditEvent, User
from frivalg.core.services import audit_record

pytestmark = pytest.mark.django_db

READ_ONLY = [
    "core.citizen",
    "core.powerofattorney",
    "core.apitoken",
    "core.auditevent",
    "catalogue.service",
    "catalogue.rate",
    "catalogue.fsiiiconcept",
    "providers.provider",
    "providers.approval",
    "providers.staffmember",
    "settlements.settlementrun",
    "settlements.settlementline",
]


@pytest.fixture
def operator(client):
    user = User.objects.create_superuser("operator", "op@example.org", "pw-123-secret")
    client.force_login(user)
    return client


def model_admin(label):
    app_label, model_name = label.split(".")
    for model, registered in admin.site._registry.items():
        if (model._meta.app_label, model._meta.model_name) == (app_label, model_name):
            return model, registered
    raise AssertionError(f"{label} is not registered")


@pytest.mark.parametrize("label", READ_ONLY)
def test_records_are_viewable_but_not_editable(rf, label):
    request = rf.get("/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    _model, registered = model_admin(label)
    assert registered.has_view_permission(request)
    assert not registered.has_add_permission(request)
    assert not registered.has_change_permission(request)
    assert not registered.has_delete_permission(request)


def test_every_changelist_renders(world, operator):
    audit_record(actor=world.finance, municipality_id=world.muni.pk, action="test.event", obj=world.private)
    for label in [*READ_ONLY, "core.municipality", "core.district", "core.user"]:
        app_label, model_name = label.split(".")
        response = operator.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
        assert response.status_code == 200, label


def test_an_audit_event_cannot_be_added_changed_or_deleted(world, operator):
    event = audit_record(actor=world.finance, municipality_id=world.muni.pk, action="test.event", obj=world.private)
    assert operator.get(reverse("admin:core_auditevent_add")).status_code == 403
    assert operator.get(reverse("admin:core_auditevent_change", args=[event.pk])).status_code == 200
    response = operator.post(reverse("admin:core_auditevent_change", args=[event.pk]), {"action": "tampered"})
    assert response.status_code == 403
    assert operator.post(reverse("admin:core_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.action == "test.event"
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_citizen_admin_does_not_show_national_ids(world, operator):
    response = operator.get(reverse("admin:core_citizen_change", args=[world.citizen.pk]))
    assert response.status_code == 200
    assert world.citizen.national_id not in response.content.decode()
