"""Writes of follow-up: the competition task list and the benchmark import, each with its audit
row; every row of an imported file is accounted for."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frivalg.core.models import AuditEvent
from frivalg.core.tests.factories import UserFactory
from frivalg.followup.models import BenchmarkFigure
from frivalg.followup.services import (
    TaskInput,
    benchmark_import,
    benchmark_rows,
    competition_task_create,
    competition_task_update,
    parse_number,
)

pytestmark = pytest.mark.django_db
HEADER = "municipality_code;municipality_name;year;indicator;value\n"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def task(world, **changes):
    values = {"code": "PH-1", "name": "Praktisk hjælp", "services": [world.practical], "exposable": True,
              "exposed_on": None, "in_house_won_on": None, "note": ""}
    values.update(changes)
    return TaskInput(**values)


def test_a_task_is_created_and_updated_with_audit_rows(world):
    created = competition_task_create(actor=world.analyst, data=task(world))
    assert created.municipality == world.muni and list(created.services.all()) == [world.practical]
    first = timezone.localdate()
    competition_task_update(actor=world.analyst, task=created, data=task(world, exposed_on=first, in_house_won_on=first,
                                                                        services=[world.practical, world.personal]))
    created.refresh_from_db()
    assert created.in_house_won_on == first and created.services.count() == 2
    actions = list(AuditEvent.objects.filter(object_id=str(created.public_id)).values_list("action", flat=True))
    assert sorted(actions) == ["competition_task.create", "competition_task.update"]


@pytest.mark.parametrize("changes,field", [
    ({"code": " "}, "code"),
    ({"name": ""}, "name"),
    ({"services": []}, "services"),
    ({"exposable": False, "exposed_on": timezone.localdate()}, "exposed_on"),
    ({"in_house_won_on": timezone.localdate()}, "in_house_won_on"),
    ({"exposed_on": timezone.localdate(), "in_house_won_on": timezone.localdate().replace(year=2000)},
     "in_house_won_on"),
])
def test_task_rules(world, changes, field):
    with pytest.raises(ValidationError) as caught:
        competition_task_create(actor=world.analyst, data=task(world, **changes))
    assert field in caught.value.message_dict


def test_task_codes_are_unique_and_services_local(world):
    competition_task_create(actor=world.analyst, data=task(world))
    with pytest.raises(ValidationError) as caught:
        competition_task_create(actor=world.analyst, data=task(world))
    assert "code" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        competition_task_create(actor=world.analyst, data=task(world, code="X", services=[world.other_service]))
    assert "services" in caught.value.message_dict


def test_task_list_is_kept_by_those_who_manage_in_their_own_municipality(world):
    with pytest.raises(PermissionDenied):
        competition_task_create(actor=world.procurement, data=task(world))
    created = competition_task_create(actor=world.analyst, data=task(world))
    other = UserFactory(username="analyst_b", role="analyst", municipality=world.other_muni)
    with pytest.raises(PermissionDenied):
        competition_task_update(actor=other, task=created, data=task(world))


def test_every_rejected_row_is_reported_and_nothing_is_lost(world):
    year = timezone.localdate().year
    content = (HEADER
               + "101;København;2024;hhi;1.234,5\n"        # row 2: accepted, decimal comma
               + "101;København;2024;nope;1\n"             # row 3: unknown indicator
               + f"102;Aarhus;{year + 1};hhi;1\n"          # row 4: year in the future
               + "103;Odense;1999;hhi;1\n"                 # row 5: year too early
               + "104;Aalborg;2024;hhi;mange\n"            # row 6: not a number
               + "101;København;2024;hhi;99\n"             # row 7: duplicate of row 2
               + ";Uden kode;2024;hhi;1\n"                 # row 8: no code
               + "105;Kort\n"                              # row 9: too few fields
               + "\n"                                      # blank: not a row
               + "106;Vejle;2023;iku;0,42\n")              # row 11: accepted
    batch = benchmark_import(actor=world.analyst, file_name="tal.csv", content=content.encode("utf-8-sig"),
                             source="Nøgletal")
    assert batch.rows == 9 == batch.accepted + len(batch.rejected)
    assert batch.accepted == 2
    assert [(r["row"], r["field"]) for r in batch.rejected] == [
        (3, "indicator"), (4, "year"), (5, "year"), (6, "value"), (7, "row"), (8, "municipality_code"), (9, "row")]
    assert "row 2" in batch.rejected[4]["reason"]
    figures = {(f.other_code, f.indicator): f.value for f in BenchmarkFigure.objects.filter(municipality=world.muni)}
    assert figures == {("101", "hhi"): Decimal("1234.5"), ("106", "iku"): Decimal("0.42")}
    assert AuditEvent.objects.filter(action="benchmark.import", object_id=str(batch.public_id)).exists()


def test_a_new_import_replaces_the_same_figure_and_reads_commas(world):
    benchmark_import(actor=world.analyst, file_name="a.csv", content=(HEADER + "101;K;2024;hhi;1\n").encode(),
                     source="A")
    content = "municipality_code,municipality_name,year,indicator,value\n101,K,2024,hhi,\"2,5\"\n"
    second = benchmark_import(actor=world.analyst, file_name="b.csv", content=content.encode(), source="B")
    figure = BenchmarkFigure.objects.get(municipality=world.muni, other_code="101")
    assert figure.value == Decimal("2.5") and figure.batch == second


@pytest.mark.parametrize("content,message", [
    (b"", "empty"), (b"a;b\n1;2\n", "lacks"), ("x".encode("utf-16"), "UTF-8")])
def test_unreadable_files_are_refused_whole(world, content, message):
    with pytest.raises(ValidationError) as caught:
        benchmark_import(actor=world.analyst, file_name="x.csv", content=content, source="x")
    assert message in caught.value.message_dict["file"][0]
    assert not BenchmarkFigure.objects.exists()


def test_import_needs_the_manage_permission(world):
    with pytest.raises(PermissionDenied):
        benchmark_import(actor=world.procurement, file_name="x.csv", content=HEADER.encode(), source="x")


@pytest.mark.parametrize("text,value", [("12,5", "12.5"), ("1.234,5", "1234.5"), ("1,234.5", "1234.5"),
                                        ("1 234", "1234"), ("-3", "-3"), ("abc", None), ("1,2,3", None),
                                        ("", None), ("NaN", None), ("inf", None)])
def test_numbers(text, value):
    assert parse_number(text) == (Decimal(value) if value is not None else None)


cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n;\"\x00"),
               max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(cell, cell, st.one_of(st.integers(1990, 2030).map(str), cell),
                               st.sampled_from(["hhi", "iku", "nope", ""]),
                               st.one_of(st.decimals(-1000, 1000, places=2).map(str), cell)), max_size=15))
def test_every_row_is_accepted_or_rejected(rows):
    content = HEADER + "".join(";".join(row) + "\n" for row in rows)
    total, accepted, rejected = benchmark_rows(content.encode(), codes={"hhi", "iku"}, last_year=2026)
    non_blank = [row for row in rows if any(part.strip() for part in row)]
    assert total == len(non_blank) == len(accepted) + len(rejected)
    assert len({r.row for r in accepted} | {r.row for r in rejected}) == total
    assert len({(a.code, a.year, a.indicator) for a in accepted}) == len(accepted)
