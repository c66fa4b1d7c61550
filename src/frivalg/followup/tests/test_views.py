"""Follow-up pages: key figures of a month, the dashboards of each role, an indicator's page and
its exports, comparisons, the gains map, the task list, the benchmark import and the published
figures. Aggregates only."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from frivalg.assessments.tests.factories import DecisionFactory
from frivalg.choices.tests.factories import ChoiceFactory
from frivalg.core.models import AuditEvent
from frivalg.core.tests.factories import CitizenFactory, UserFactory
from frivalg.followup.forms import last_full_months
from frivalg.followup.indicators import REGISTRY
from frivalg.followup.models import BenchmarkFigure, BenchmarkImport, CompetitionTask
from frivalg.visits.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """Pages and messages in English, the source language, whatever the translations say."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def add_history(w, *, private_visits=3, in_house_visits=2):
    """Done visits in the last full month: 45 minutes each for the private provider (Karen),
    30 minutes each for the in-house unit (Poul)."""
    period = last_full_months(timezone.localdate())
    day = timezone.localtime().replace(year=period.end.year, month=period.end.month, day=1, hour=10, minute=0,
                                       second=0, microsecond=0) - timedelta(days=10)
    for n in range(private_visits):
        start = day + timedelta(days=n)
        VisitFactory(decision=w.decision, provider=w.private, caregiver=w.private_caregiver, planned_start=start,
                     planned_end=start + timedelta(minutes=45), status="done", actual_start=start,
                     actual_end=start + timedelta(minutes=45))
    for n in range(in_house_visits):
        start = day + timedelta(days=n, hours=2)
        VisitFactory(decision=w.neighbour_decision, provider=w.in_house, caregiver=w.in_house_caregiver,
                     planned_start=start, planned_end=start + timedelta(minutes=30), status="done",
                     actual_start=start, actual_end=start + timedelta(minutes=30))
    return period


@pytest.fixture
def politician(world):
    return UserFactory(username="councillor", role="politician", municipality=world.muni)


# -- key figures of a month (kept from before) -------------------------------------------------------


@pytest.mark.parametrize("who", ["analyst", "procurement", "finance"])
def test_key_figures_render(client, world, who):
    client.force_login(getattr(world, who))
    response = client.get(reverse("followup:key_figures"))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.citizens_with_grant == 2  # Karen and Poul, not Anders of the other municipality
    html = response.content.decode()
    assert "Karen" not in html and "Poul" not in html


def test_another_month(client, world):
    client.force_login(world.analyst)
    response = client.get(reverse("followup:key_figures"), {"month": "2020-01"})
    assert response.status_code == 200
    assert response.context["figures"].citizens_with_grant == 0


@pytest.mark.parametrize("month", ["2020-13", "januar", "0000-01"])
def test_bad_month_is_a_field_error(client, world, month):
    client.force_login(world.analyst)
    response = client.get(reverse("followup:key_figures"), {"month": month})
    assert response.status_code == 200
    assert "month" in response.context["form"].errors


@pytest.mark.parametrize("who", ["assessor", "citizen_user", "private_admin", "private_caregiver_user"])
def test_key_figures_forbidden_for_other_roles(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("followup:key_figures")).status_code == 403


# -- dashboards ---------------------------------------------------------------------------------------


PAGES = ["followup:dashboard", "followup:compare", "followup:gains", "followup:tasks"]


@pytest.mark.parametrize("who", ["citizen_user", "private_admin", "private_caregiver_user", "assessor"])
@pytest.mark.parametrize("page", PAGES)
def test_follow_up_pages_are_not_for_citizens_providers_or_assessors(client, world, who, page):
    client.force_login(getattr(world, who))
    assert client.get(reverse(page)).status_code == 403


def test_anonymous_is_sent_to_log_in(client, world):
    response = client.get(reverse("followup:dashboard"))
    assert response.status_code == 302 and reverse("core:login") in response["Location"]


def test_analyst_sees_every_aspect_with_tables_charts_and_methods(client, world):
    add_history(world)
    client.force_login(world.analyst)
    response = client.get(reverse("followup:dashboard"))
    assert response.status_code == 200
    sections = response.context["sections"]
    assert [s.aspect for s in sections] == [a for a in ("supply", "actors", "choice", "fairness", "economy",
                                                        "competition", "quality")
                                            if any(c.aspect == a for c in REGISTRY.indicators.values())]
    codes = {card.indicator.code for s in sections for card in s.cards}
    assert codes == set(REGISTRY.indicators)
    html = response.content.decode()
    assert html.count("<table") >= len(codes)
    assert "data-vega-spec" in html and "vendor/vega/vega-embed.min.js" in html
    assert "How it is computed" in html and "Data as of" in html
    assert "format=csv" in html and "format=xlsx" in html
    assert "Karen" not in html and "Poul" not in html
    hhi = next(card for s in sections for card in s.cards if card.indicator.code == "hhi")
    assert hhi.indicator.by == ("service", "month")  # as its chart draws it
    assert hhi.spec is not None and hhi.description.startswith("Market concentration")
    # Two services, each delivered by one provider in the month: 10 000 each.
    assert sorted(r["hhi"] for r in hhi.result.table.to_pylist()) == [10000.0, 10000.0]


def test_finance_sees_economy_first_and_procurement_competition_and_supply(client, world):
    client.force_login(world.finance)
    assert client.get(reverse("followup:dashboard")).context["sections"][0].aspect == "economy"
    client.force_login(world.procurement)
    aspects = [s.aspect for s in client.get(reverse("followup:dashboard")).context["sections"]]
    assert aspects[:2] == ["competition", "supply"]


def test_politician_sees_the_public_figures_overall_and_by_month(client, world, politician):
    add_history(world)
    client.force_login(politician)
    response = client.get(reverse("followup:dashboard"))
    assert response.status_code == 200
    cards = [card for s in response.context["sections"] for card in s.cards]
    assert cards and all(card.indicator.public for card in cards)
    hhi = [card.indicator.by for card in cards if card.indicator.code == "hhi"]
    assert hhi == [(), ("month",)]


def test_filters_default_to_the_last_twelve_full_months_and_apply(client, world):
    client.force_login(world.analyst)
    response = client.get(reverse("followup:dashboard"))
    period = response.context["period"]
    assert period == last_full_months(timezone.localdate())
    assert (period.end.year - period.start.year) * 12 + period.end.month - period.start.month == 12
    response = client.get(reverse("followup:dashboard"), {"start": "2025-01", "end": "2025-03", "by": "district",
                                                          "district": "N"})
    assert response.status_code == 200
    cards = [card for s in response.context["sections"] for card in s.cards]
    assert all(str(card.indicator.start) == "2025-01-01" and str(card.indicator.end) == "2025-04-01"
               for card in cards)
    assert all(card.indicator.district_id == world.north.pk for card in cards)
    unsupported = [card for card in cards if "district" not in type(card.indicator).dimensions]
    assert all(card.indicator.by == () and "cannot be broken down by district" in card.note for card in unsupported)


@pytest.mark.parametrize("query,field", [
    ({"start": "2025-13"}, "start"), ({"end": "abc"}, "end"), ({"start": "2025-05", "end": "2025-01"}, "end"),
    ({"start": "2000-01", "end": "2020-01"}, "end"), ({"district": "X"}, "district"),  # another municipality's
    ({"service": "not-a-uuid"}, "service"), ({"by": "galaxy"}, "by"),
])
def test_bad_filters_are_form_errors_not_500(client, world, query, field):
    client.force_login(world.analyst)
    response = client.get(reverse("followup:dashboard"), query)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert response.context["period"] == last_full_months(timezone.localdate())


# -- one indicator and its exports ---------------------------------------------------------------------


def test_indicator_page_and_its_exports(client, world):
    add_history(world)
    client.force_login(world.analyst)
    url = reverse("followup:indicator", args=["hhi"])
    response = client.get(url, {"by": "service"})
    assert response.status_code == 200
    card = response.context["card"]
    assert card.indicator.by == ("service",)
    html = response.content.decode()
    assert "Praktisk hjælp" in html and "<caption" in html and 'scope="col"' in html

    csv_response = client.get(url, {"by": "service", "format": "csv"})
    assert csv_response["Content-Type"].startswith("text/csv")
    assert "attachment" in csv_response["Content-Disposition"]
    lines = csv_response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Service,HHI,Concentration,Providers delivering,Delivered hours"
    # Praktisk hjælp: 3 visits × 45 min = 2.25 hours, one provider: HHI 10 000.
    assert "Praktisk hjælp,10000.0,high,1,2.25" in lines

    xlsx = client.get(url, {"by": "service", "format": "xlsx"})
    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]] == ["Service", "HHI", "Concentration", "Providers delivering",
                                           "Delivered hours"]
    values = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["Praktisk hjælp"][4] == 2.25


def test_unknown_indicator_is_404(client, world):
    client.force_login(world.analyst)
    assert client.get(reverse("followup:indicator", args=["nope"])).status_code == 404


# -- comparisons and the gains map ----------------------------------------------------------------------


def test_compare_providers_and_municipalities_with_imported_figures(client, world):
    period = add_history(world)
    batch = BenchmarkImport.objects.create(municipality=world.muni, file_name="x.csv", source="Test",
                                           imported_by=world.analyst)
    year = (period.end - timedelta(days=1)).year  # the year of the visits
    BenchmarkFigure.objects.create(municipality=world.muni, batch=batch, other_code="999", other_name="Fjernby",
                                   year=year, indicator="hhi", value=1200)
    client.force_login(world.analyst)
    response = client.get(reverse("followup:compare"))
    assert response.status_code == 200
    for card in response.context["provider_cards"]:
        assert card.indicator.by == ("provider",)
        assert card.indicator.best is not None
    tables = {t.cls.code: t for t in response.context["municipality_tables"]}
    assert "hhi" in tables
    names = [name for name, _own, _cells in tables["hhi"].rows]
    assert "Fjernby (imported)" in names
    html = response.content.decode()
    # Fjernby's 1 200 is less concentrated than anything else: the best (lower is better).
    fjernby = next(cells for name, _own, cells in tables["hhi"].rows if name.startswith("Fjernby"))
    assert any(cell.best for cell in fjernby)
    assert ">Best</span>" in html


def test_gains_map_lists_exposed_tasks_and_the_potential(client, world):
    CompetitionTask.objects.create(municipality=world.muni, code="T1", name="Rengøring", exposable=True)
    client.force_login(world.procurement)
    response = client.get(reverse("followup:gains"))
    assert response.status_code == 200
    assert [code for code, _name, _cells in response.context["potential"]] == ["T1"]
    assert response.context["exposed"] == []


# -- the task list --------------------------------------------------------------------------------------


def task_data(world, **changes):
    data = {"code": "PH-1", "name": "Praktisk hjælp", "services": [str(world.practical.public_id)],
            "exposable": "on", "exposed_on": "2024-01-01", "in_house_won_on": "", "note": ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_analyst_adds_and_edits_a_task(client, world):
    client.force_login(world.analyst)
    response = client.post(reverse("followup:tasks"), task_data(world))
    assert response.status_code == 302
    task = CompetitionTask.objects.get(municipality=world.muni, code="PH-1")
    assert list(task.services.all()) == [world.practical]
    assert AuditEvent.objects.filter(action="competition_task.create", object_id=str(task.public_id)).exists()
    response = client.post(reverse("followup:task_edit", args=[task.public_id]),
                           task_data(world, in_house_won_on="2024-06-01"))
    assert response.status_code == 302
    task.refresh_from_db()
    assert str(task.in_house_won_on) == "2024-06-01"
    page = client.get(reverse("followup:tasks")).content.decode()
    assert "PH-1" in page and "Edit" in page


@pytest.mark.parametrize("changes,field", [
    ({"exposable": None}, "exposed_on"),
    ({"exposed_on": "", "in_house_won_on": "2024-01-01"}, "in_house_won_on"),
    ({"in_house_won_on": "2023-12-31"}, "in_house_won_on"),
    ({"services": []}, "services"),
])
def test_task_rules_are_form_errors(client, world, changes, field):
    client.force_login(world.analyst)
    response = client.post(reverse("followup:tasks"), task_data(world, **changes))
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert not CompetitionTask.objects.exists()


def test_procurement_and_politician_read_the_task_list_but_cannot_edit(client, world, politician):
    task = CompetitionTask.objects.create(municipality=world.muni, code="T1", name="Rengøring")
    for user in (world.procurement, politician):
        client.force_login(user)
        response = client.get(reverse("followup:tasks"))
        assert response.status_code == 200 and response.context["form"] is None
        assert client.post(reverse("followup:tasks"), task_data(world)).status_code == 403
        assert client.get(reverse("followup:task_edit", args=[task.public_id])).status_code == 403


def test_another_municipalitys_task_is_404(client, world):
    task = CompetitionTask.objects.create(municipality=world.other_muni, code="T1", name="Andet")
    client.force_login(world.analyst)
    assert client.get(reverse("followup:task_edit", args=[task.public_id])).status_code == 404


# -- benchmark import -------------------------------------------------------------------------------------


def test_benchmark_import_page_shows_accepted_and_rejected_rows(client, world):
    content = ("municipality_code;municipality_name;year;indicator;value\n"
               "101;København;2024;hhi;1234,5\n"
               "101;København;2024;nope;1\n").encode("utf-8-sig")
    client.force_login(world.analyst)
    response = client.post(reverse("followup:benchmark_import"), {
        "file": SimpleUploadedFile("figures.csv", content, content_type="text/csv"), "source": "Nøgletal 2024"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "There is no indicator nope." in html and "København" in html
    assert BenchmarkFigure.objects.get(other_code="101").value == 1234.5


def test_benchmark_import_without_the_columns_is_a_form_error(client, world):
    client.force_login(world.analyst)
    response = client.post(reverse("followup:benchmark_import"), {
        "file": SimpleUploadedFile("figures.csv", b"a,b\n1,2\n"), "source": "x"})
    assert response.status_code == 422
    assert "file" in response.context["form"].errors
    assert not BenchmarkImport.objects.exists()


def test_benchmark_import_is_for_those_who_manage(client, world, politician):
    for user in (world.procurement, politician):
        client.force_login(user)
        assert client.get(reverse("followup:benchmark_import")).status_code == 403


# -- published figures ------------------------------------------------------------------------------------


def test_anonymous_reads_the_published_figures_with_small_counts_held_back(client, world):
    add_history(world)
    response = client.get(reverse("followup:public", args=[world.muni.code]))
    assert response.status_code == 200
    cards = response.context["cards"]
    assert cards and all(card.indicator.public for card in cards)
    assert {card.indicator.by for card in cards} <= {(), ("district",)}
    html = response.content.decode()
    assert "Karen" not in html and "Poul" not in html
    # Two citizens in the whole municipality: counts of 1–4 people or cases are never shown.
    shown = [row[c.name] for card in cards for row in card.result.table.to_pylist()
             for c in card.indicator.columns if c.suppress_below]
    assert not [n for n in shown if n is not None and 0 < n < 5]
    assert response.context["held_back"] == sum(card.result.suppressed for card in cards) > 0
    assert "fewer than 5" in html


def test_published_figures_of_an_unknown_municipality_are_404(client, world):
    assert client.get(reverse("followup:public", args=["nope"])).status_code == 404


def test_other_citizens_data_never_shows(client, world):
    """A citizen of the other municipality adds nothing to this municipality's figures."""
    other = CitizenFactory(district=world.other_district, first_name="Ole")
    decision = DecisionFactory(citizen=other, service=world.other_service)
    ChoiceFactory(decision=decision, provider=world.other_provider)
    client.force_login(world.analyst)
    response = client.get(reverse("followup:dashboard"))
    cards = [card for s in response.context["sections"] for card in s.cards]
    assert all(card.indicator.municipality_id == world.muni.pk for card in cards)
