"""Pricing records in the admin are read-only, and their pages render."""

import pytest
from django.contrib import admin
from django.urls import reverse

from frivalg.core.models import User
from frivalg.pricing.models import AfterCalculation, CostModel, PriceSheet, PriceSheetLine
from frivalg.pricing.services import after_calculation_run, cost_model_import, price_sheet_publish
from frivalg.pricing.tests.examples import load

pytestmark = pytest.mark.django_db

MODELS = [CostModel, PriceSheet, PriceSheetLine, AfterCalculation]


@pytest.mark.parametrize("model", MODELS)
def test_records_are_viewable_but_not_editable(rf, model):
    request = rf.get("/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    registered = admin.site._registry[model]
    assert registered.has_view_permission(request)
    assert not registered.has_add_permission(request)
    assert not registered.has_change_permission(request)
    assert not registered.has_delete_permission(request)


def test_every_changelist_renders(client, world):
    model = cost_model_import(actor=world.finance, municipality=world.muni, document=load())
    sheet = price_sheet_publish(actor=world.finance, cost_model=model)
    after_calculation_run(actor=world.finance, price_sheet=sheet, actual_cost_model=model, deliveries=[])
    client.force_login(User.objects.create_superuser("operator", "op@example.org", "pw-123-secret"))
    for model_class in MODELS:
        url = reverse(f"admin:pricing_{model_class._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
