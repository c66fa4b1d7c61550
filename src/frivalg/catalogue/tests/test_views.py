"""Finance's rate table."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_finance_sees_own_rates_in_force(client, world):
    client.force_login(world.finance)
    response = client.get(reverse("catalogue:rates"))
    assert response.status_code == 200
    rates = list(response.context["rates"])
    assert rates and {r.municipality for r in rates} == {world.muni}
    assert len(rates) == 2 * 5 * 2  # two services × five time bands × two provider kinds


@pytest.mark.parametrize("who", ["assessor", "citizen_user", "private_admin", "analyst"])
def test_rates_forbidden_for_other_roles(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("catalogue:rates")).status_code == 403


def test_finance_downloads_and_uploads_the_rate_table(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.finance)
    download = client.get(reverse("catalogue:rates_export"))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="rates-')
    csv_text = download.content.decode()
    csv_text += "PH,evening,town,private,,470.00,2027-01-01,\nPH,evening,town,private,,abc,2027-01-01,\n"
    upload = SimpleUploadedFile("rates.csv", csv_text.encode(), content_type="text/csv")
    response = client.post(reverse("catalogue:rates"), {"file": upload})
    assert response.status_code == 200
    result = response.context["result"]
    assert result.created == 1
    assert [(r.row, r.field) for r in result.rejected][-1] == (22, "price")
    assert len(result.rejected) == 21  # the 20 downloaded rows exist already
    assert 'id="rejected-caption"' in response.content.decode()


def test_a_file_that_is_not_a_rate_table_is_a_form_error(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.finance)
    upload = SimpleUploadedFile("x.csv", b"hello\nworld\n", content_type="text/csv")
    response = client.post(reverse("catalogue:rates"), {"file": upload})
    assert "service_code" in response.context["form"].errors["file"][0]


def test_finance_sets_the_time_bands(client, world):
    client.force_login(world.finance)
    url = reverse("catalogue:time_bands")
    assert client.get(url).status_code == 200
    data = {"day_start": "07:00", "day_end": "15:00", "evening_start": "15:30", "evening_end": "23:00",
            "night_start": "23:00", "night_end": "07:00", "extra_days": "24-12 Juleaften\n25-12 Juledag (major)"}
    response = client.post(url, data)
    assert response.context["form"].errors["day_end"] == ["Hul fra 15:00 til 15:30: intet tidsrum dækker det."]
    response = client.post(url, data | {"evening_start": "15:00", "split_weekend": "on"})
    assert response.status_code == 302
    form = client.get(url).context["form"]
    assert form.initial["extra_days"] == "24-12 Juleaften\n25-12 Juledag (major)"
    assert form.initial["split_weekend"] is True
    response = client.post(url, data | {"evening_start": "15:00", "extra_days": "Christmas"})
    assert "extra_days" in response.context["form"].errors


def test_finance_sees_voucher_designs_and_payment_bases(client, world):
    client.force_login(world.finance)
    response = client.get(reverse("catalogue:services"))
    assert set(response.context["services"]) == {world.practical, world.personal}
    assert "Udført (verificeret) tid" in response.content.decode()


@pytest.mark.parametrize("name", ["catalogue:rates_export", "catalogue:time_bands", "catalogue:services"])
def test_the_rate_pages_are_for_finance(client, world, name):
    client.force_login(world.assessor)
    assert client.get(reverse(name)).status_code == 403


def test_finance_changes_a_service_s_design(client, world):
    client.force_login(world.finance)
    url = reverse("catalogue:services")
    data = {"service": str(world.practical.public_id), "voucher_design": "cash", "payment_basis": "per_unit"}
    response = client.post(url, data)
    assert "payment_basis" in response.context["form"].errors
    response = client.post(url, data | {"payment_basis": "granted_time"})
    assert "cash_amount" in response.context["form"].errors
    response = client.post(url, data | {"payment_basis": "granted_time", "cash_amount": "3500,505"})
    assert "cash_amount" in response.context["form"].errors
    response = client.post(url, data | {"payment_basis": "granted_time", "voucher_design": "time", "cash_amount": "1"})
    assert "cash_amount" in response.context["form"].errors
    assert client.post(url, data | {"payment_basis": "granted_time", "cash_amount": "3500,50"}).status_code == 302
    world.practical.refresh_from_db()
    assert (world.practical.voucher_design, world.practical.payment_basis) == ("cash", "granted_time")
    assert world.practical.cash_amount_minor == 350050
    assert "3.500,50" in client.get(url).content.decode()
    response = client.post(url, data | {"service": str(world.other_service.public_id)})
    assert "service" in response.context["form"].errors


def test_finance_sees_the_rates_in_force_on_another_day(client, world):
    client.force_login(world.finance)
    assert len(client.get(reverse("catalogue:rates"), {"on": "2019-12-31"}).context["rates"]) == 0
    assert len(client.get(reverse("catalogue:rates"), {"on": "2020-01-01"}).context["rates"]) == 20
    assert len(client.get(reverse("catalogue:rates"), {"on": "nonsense"}).context["rates"]) == 20
