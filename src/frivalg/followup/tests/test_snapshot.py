"""The follow-up snapshot read from the operational database: exact rows per table, local days
across a DST change, no personal data, the columnar SQLite reader, the stamp and the warm file."""

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
from django.db import connection
from django.utils import timezone

from frivalg.assessments.models import AssessmentScore
from frivalg.assessments.tests.factories import AssessmentFactory, DecisionFactory
from frivalg.catalogue.tests.factories import ServiceFactory
from frivalg.choices.models import Complaint, ProviderRating, ProviderTermination
from frivalg.choices.tests.factories import ChoiceFactory
from frivalg.core.models import AuditEvent
from frivalg.core.tests.factories import CitizenFactory, DistrictFactory, MunicipalityFactory, UserFactory
from frivalg.followup import snapshot
from frivalg.followup import snapshot_schema as schema
from frivalg.followup.engine import Engine
from frivalg.followup.models import CompetitionTask
from frivalg.pricing.models import AfterCalculation, AfterCalculationLine, CostModel, PriceSheet
from frivalg.providers.tests.factories import ApprovalFactory, ProviderFactory, StaffMemberFactory
from frivalg.settlements.models import SettlementBudget, SettlementLine, SettlementRun
from frivalg.visits.tests.factories import VisitFactory
from frivalg.waitinglists.tests.factories import WaitingListEntryFactory

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=CPH)


@dataclass
class World:
    muni: Any
    other: Any
    north: Any
    south: Any
    cleaning: Any
    meals: Any
    private: Any
    in_house: Any
    citizen: Any
    neighbour: Any
    decision: Any
    meal_decision: Any
    first_choice: Any
    switch: Any
    caregiver: Any
    finance: Any


def _world() -> World:
    muni = MunicipalityFactory(code="T900", name="Fjordby", time_zone="Europe/Copenhagen")
    other = MunicipalityFactory(code="T901", name="Andeby", time_zone="Europe/Copenhagen")
    north = DistrictFactory(municipality=muni, code="N", name="Nord", kind="town")
    south = DistrictFactory(municipality=muni, code="S", name="Syd", kind="rural")
    cleaning = ServiceFactory(municipality=muni, code="PH-REN", name="Rengøring", care_level=1, unit="hour")
    meals = ServiceFactory(municipality=muni, code="MAD", name="Mad", care_level=3, unit="meal",
                           payment_basis="per_unit", voucher_design="specific")
    private = ProviderFactory(name="Omsorg Nord ApS", kind="private")
    in_house = ProviderFactory(name="Hjemmeplejen", kind="in_house", owner_municipality=muni)
    ProviderFactory(name="Elsewhere ApS")  # no footing in Fjordby
    citizen = CitizenFactory(district=north, birth_date=date(1938, 5, 17), first_name="Karen", last_name="Hansen",
                             national_id="1705381234")
    neighbour = CitizenFactory(district=south, birth_date=date(1944, 12, 31))
    # Three assessments of the citizen: the latest completed one counts (FSIII 2 + 4 + 1 = 7; 0 and 9
    # are no need); the later draft and the earlier one do not.
    earlier = AssessmentFactory(citizen=citizen, assessed_on=date(2025, 6, 1))
    latest = AssessmentFactory(citizen=citizen, assessed_on=date(2026, 1, 5))
    draft = AssessmentFactory(citizen=citizen, assessed_on=date(2026, 2, 1), status="draft")
    iplos = AssessmentFactory(citizen=neighbour, assessed_on=date(2026, 1, 9), scale="iplos")
    AssessmentScore.objects.bulk_create([
        AssessmentScore(assessment=earlier, area_code="a", score=4),
        AssessmentScore(assessment=latest, area_code="a", score=2),
        AssessmentScore(assessment=latest, area_code="b", score=4),
        AssessmentScore(assessment=latest, area_code="c", score=1),
        AssessmentScore(assessment=latest, area_code="d", score=0),
        AssessmentScore(assessment=latest, area_code="e", score=9),
        AssessmentScore(assessment=draft, area_code="a", score=4),
        # IPLOS: score − 1 over 1–5: (3 − 1) + (5 − 1) + (1 − 1) = 6.
        AssessmentScore(assessment=iplos, area_code="a", score=3),
        AssessmentScore(assessment=iplos, area_code="b", score=5),
        AssessmentScore(assessment=iplos, area_code="c", score=1),
    ])
    # 1.5 hours a week: 90 / 7 × 365 / 12 = 391.07… → 391 minutes a month.
    decision = DecisionFactory(citizen=citizen, service=cleaning, assessment=latest, amount=Decimal("1.5"),
                               unit="hour", frequency="week", valid_from=date(2026, 1, 1),
                               decided_at=local(2026, 1, 1, 0, 30))  # 2025-12-31 23:30 UTC
    meal_decision = DecisionFactory(citizen=neighbour, service=meals, assessment=iplos, amount=Decimal(7),
                                    unit="meal", frequency="week", valid_from=date(2026, 2, 1),
                                    valid_to=date(2026, 12, 31), decided_at=local(2026, 1, 20, 10, 0))
    first_choice = ChoiceFactory(decision=decision, provider=in_house, valid_from=date(2026, 1, 1),
                                 valid_to=date(2026, 2, 28), how="default", default_rule="in_house")
    switch = ChoiceFactory(decision=decision, provider=private, valid_from=date(2026, 3, 1), how="active",
                           previous=first_choice, initiated_by="citizen")
    caregiver = StaffMemberFactory(provider=private)
    finance = UserFactory(role="finance")
    return World(muni, other, north, south, cleaning, meals, private, in_house, citizen, neighbour, decision,
                 meal_decision, first_choice, switch, caregiver, finance)


@pytest.fixture
def world() -> World:
    return _world()


def _visit(w: World, start: datetime, minutes: int = 45, **fields: Any) -> Any:
    return VisitFactory(decision=w.decision, provider=w.private, planned_start=start,
                        planned_end=start + timedelta(minutes=minutes), **fields)


def _visits(w: World) -> None:
    # Saturday before the change to summer time (CET, UTC+1): in 5 min 30 s late, out 44 min 40 s later.
    _visit(w, local(2026, 3, 28, 8, 0), status="done", caregiver=w.caregiver,
           actual_start=local(2026, 3, 28, 8, 5, 30), actual_end=local(2026, 3, 28, 8, 50, 10))
    # Sunday 29 March, summer time (CEST, UTC+2): 90 s early (−1 minute toward zero), 59 min 59 s.
    _visit(w, local(2026, 3, 29, 8, 0), minutes=60, status="done",
           actual_start=local(2026, 3, 29, 7, 58, 30), actual_end=local(2026, 3, 29, 8, 58, 29))
    # 30 s late only (0 minutes), checked in but not out: no performed time.
    _visit(w, local(2026, 3, 31, 23, 30), minutes=30, status="in_progress",
           actual_start=local(2026, 3, 31, 23, 30, 30))
    # Half past midnight local on 1 April is still 31 March in UTC.
    _visit(w, local(2026, 4, 1, 0, 30), minutes=20, status="missed")


def _settlement(w: World) -> None:
    run = SettlementRun.objects.create(municipality=w.muni, provider=w.private, period_start=date(2026, 3, 1),
                                       period_end=date(2026, 4, 1), status="approved", currency="DKK",
                                       created_by=w.finance, approved_by=w.finance,
                                       approved_at=local(2026, 4, 3, 9, 0))
    draft = SettlementRun.objects.create(municipality=w.muni, provider=w.private, period_start=date(2026, 4, 1),
                                         period_end=date(2026, 5, 1), status="draft", currency="DKK",
                                         created_by=w.finance)
    line = {"service": w.cleaning, "citizen": w.citizen, "decision": w.decision, "time_band": "day",
            "reason_code": "performed"}
    SettlementLine.objects.bulk_create([
        SettlementLine(run=run, amount_minor=30_000, performed_minutes=45, **line),
        SettlementLine(run=run, amount_minor=40_000, performed_minutes=60, **line),
        SettlementLine(run=run, amount_minor=5_000, performed_minutes=0, service=w.cleaning, time_band="day",
                       reason_code="travel"),
        SettlementLine(run=draft, amount_minor=12_345, performed_minutes=20, **line),
    ])
    SettlementBudget.objects.create(municipality=w.muni, month=date(2026, 3, 1), amount_minor=9_000_000,
                                    set_by=w.finance)


def _market(w: World) -> None:
    ApprovalFactory(provider=w.private, service=w.cleaning, capacity=40, valid_from=date(2025, 1, 1),
                    accepting_new_clients=False).served_districts.set([w.south, w.north])
    ApprovalFactory(provider=w.in_house, service=w.cleaning, capacity=None, valid_from=date(2020, 1, 1),
                    valid_to=date(2030, 12, 31))
    ProviderRating.objects.create(municipality=w.muni, provider=w.private, citizen=w.citizen, quarter="2026Q2",
                                  respect=5, on_time=3, same_people=4, overall=2, rated_by=w.finance)
    Complaint.objects.create(municipality=w.muni, citizen=w.citizen, provider=w.private, text="Kom for sent",
                             received=date(2026, 3, 30), outcome="upheld", submitted_by=w.finance)
    Complaint.objects.create(municipality=w.muni, citizen=w.citizen, provider=w.private, text="Glemte indkøb",
                             received=date(2026, 4, 2), submitted_by=w.finance)
    ProviderTermination.objects.create(
        municipality=w.muni, provider=w.in_house, decision=w.decision, choice=w.first_choice, reason_code="capacity",
        explanation="Kan ikke bemande", notice_days=10, last_day=date(2026, 2, 28), choose_by=date(2026, 2, 20),
        need_scale="fsiii", need_scores={"a": 2, "b": 4, "c": 1}, need_points=7, ended_by=w.finance)
    task = CompetitionTask.objects.create(municipality=w.muni, code="PH", name="Praktisk hjælp",
                                          exposed_on=date(2003, 1, 1), in_house_won_on=date(2024, 5, 1))
    task.services.set([w.meals, w.cleaning])
    CompetitionTask.objects.create(municipality=w.muni, code="MYN", name="Myndighed", exposable=False)
    WaitingListEntryFactory(waiting_list__service=w.meals, citizen=w.neighbour, decision=w.meal_decision,
                            applied_on=date(2026, 1, 2), need_score=6, urgent=True,
                            urgent_reason="hospital_discharge", status="placed", placed_on=date(2026, 2, 1))
    sheet_model = CostModel.objects.create(municipality=w.muni, year=2026, version=1, document={},
                                           imported_by=w.finance)
    sheet = PriceSheet.objects.create(municipality=w.muni, cost_model=sheet_model, year=2026, version=1,
                                      currency="DKK", valid_from=date(2026, 1, 1), published_at=timezone.now(),
                                      published_by=w.finance, content={})
    after = AfterCalculation.objects.create(municipality=w.muni, price_sheet=sheet, actual_cost_model=sheet_model,
                                            direction="both_ways", deliveries={}, result={}, total_minor=-2_500,
                                            created_by=w.finance)
    AfterCalculation.objects.filter(pk=after.pk).update(created_at=local(2026, 7, 1, 0, 15))  # 30 June in UTC
    AfterCalculationLine.objects.create(after_calculation=after, provider=w.in_house, service="PH-REN",
                                        time_band="day", hours=Decimal("12.25"), set_price_minor=40_000,
                                        actual_price_minor=39_800, difference_minor=-200, settled_minor=-2_450,
                                        formula="(398 − 400) × 12.25")


def _other_municipality(w: World) -> None:
    district = DistrictFactory(municipality=w.other)
    service = ServiceFactory(municipality=w.other)
    person = CitizenFactory(district=district)
    decision = DecisionFactory(citizen=person, service=service)
    VisitFactory(decision=decision, provider=w.private, planned_start=local(2026, 3, 2, 9, 0),
                 planned_end=local(2026, 3, 2, 9, 30))


def _rows(tables: dict[str, pa.Table], name: str) -> list[dict[str, Any]]:
    return tables[name].to_pylist()


def test_every_table_has_the_snapshot_schema_and_exact_rows(world):
    w = world
    _visits(w)
    _settlement(w)
    _market(w)
    _other_municipality(w)

    tables = snapshot.take([w.muni.pk])

    assert list(tables) == list(schema.TABLES)
    for name, table in tables.items():
        assert table.schema.equals(schema.TABLES[name]), name
    assert _rows(tables, "municipalities") == [
        {"municipality_id": w.muni.pk, "code": "T900", "name": "Fjordby", "country": "DK", "currency": "DKK"}]
    assert [(r["code"], r["name"], r["kind"]) for r in _rows(tables, "districts")] == [
        ("N", "Nord", "town"), ("S", "Syd", "rural")]
    assert [(r["code"], r["unit"], r["basis"], r["care_level"]) for r in _rows(tables, "services")] == [
        ("PH-REN", "hour", "performed_time", 1), ("MAD", "meal", "per_unit", 3)]
    # The providers with a footing in Fjordby: the in-house owner and the chosen private one.
    assert sorted(r["name"] for r in _rows(tables, "providers")) == ["Hjemmeplejen", "Omsorg Nord ApS"]

    assert _rows(tables, "citizens") == [
        {"municipality_id": w.muni.pk, "citizen_id": w.citizen.pk, "district_id": w.north.pk, "birth_year": 1938,
         "need_points": 7},
        {"municipality_id": w.muni.pk, "citizen_id": w.neighbour.pk, "district_id": w.south.pk, "birth_year": 1944,
         "need_points": 6},
    ]

    approvals = _rows(tables, "approvals")
    assert [(r["provider_id"], r["district_id"], r["capacity"], r["accepting"], r["from_day"], r["to_day"])
            for r in approvals] == [
        (w.private.pk, w.north.pk, 40, False, date(2025, 1, 1), None),
        (w.private.pk, w.south.pk, 40, False, date(2025, 1, 1), None),
        (w.in_house.pk, None, None, True, date(2020, 1, 1), date(2030, 12, 31)),
    ]
    assert {r["status"] for r in approvals} == {"approved"}

    assert _rows(tables, "decisions") == [
        {"municipality_id": w.muni.pk, "decision_id": w.decision.pk, "citizen_id": w.citizen.pk,
         "service_id": w.cleaning.pk, "status": "granted", "version": 1, "previous_id": None,
         "decided_day": date(2026, 1, 1), "from_day": date(2026, 1, 1), "to_day": None,
         "granted_month_minutes": 391, "need_points": 7},
        {"municipality_id": w.muni.pk, "decision_id": w.meal_decision.pk, "citizen_id": w.neighbour.pk,
         "service_id": w.meals.pk, "status": "granted", "version": 1, "previous_id": None,
         "decided_day": date(2026, 1, 20), "from_day": date(2026, 2, 1), "to_day": date(2026, 12, 31),
         "granted_month_minutes": None, "need_points": 6},
    ]

    assert _rows(tables, "choices") == [
        {"municipality_id": w.muni.pk, "choice_id": w.first_choice.pk, "decision_id": w.decision.pk,
         "citizen_id": w.citizen.pk, "service_id": w.cleaning.pk, "provider_id": w.in_house.pk,
         "from_day": date(2026, 1, 1), "to_day": date(2026, 2, 28), "how": "default", "default_rule": "in_house",
         "initiated_by": None, "is_switch": False},
        {"municipality_id": w.muni.pk, "choice_id": w.switch.pk, "decision_id": w.decision.pk,
         "citizen_id": w.citizen.pk, "service_id": w.cleaning.pk, "provider_id": w.private.pk,
         "from_day": date(2026, 3, 1), "to_day": None, "how": "active", "default_rule": None,
         "initiated_by": "citizen", "is_switch": True},
    ]

    common = {"municipality_id": w.muni.pk, "citizen_id": w.citizen.pk, "provider_id": w.private.pk,
              "service_id": w.cleaning.pk, "decision_id": w.decision.pk, "district_id": w.north.pk}
    visits = sorted(_rows(tables, "visits"), key=lambda r: (r["day"], r["start_minute"]))
    assert visits == [
        {**common, "caregiver_id": w.caregiver.pk, "status": "done", "day": date(2026, 3, 28),
         "month": date(2026, 3, 1), "start_minute": 480, "planned_minutes": 45, "performed_minutes": 44,
         "delay_minutes": 5},
        {**common, "caregiver_id": None, "status": "done", "day": date(2026, 3, 29), "month": date(2026, 3, 1),
         "start_minute": 480, "planned_minutes": 60, "performed_minutes": 59, "delay_minutes": -1},
        {**common, "caregiver_id": None, "status": "in_progress", "day": date(2026, 3, 31),
         "month": date(2026, 3, 1), "start_minute": 1410, "planned_minutes": 30, "performed_minutes": None,
         "delay_minutes": 0},
        {**common, "caregiver_id": None, "status": "missed", "day": date(2026, 4, 1), "month": date(2026, 4, 1),
         "start_minute": 30, "planned_minutes": 20, "performed_minutes": None, "delay_minutes": None},
    ]

    assert _rows(tables, "terminations") == [
        {"municipality_id": w.muni.pk, "provider_id": w.in_house.pk, "citizen_id": w.citizen.pk,
         "decision_id": w.decision.pk, "service_id": w.cleaning.pk, "last_day": date(2026, 2, 28),
         "reason_code": "capacity", "need_points": 7}]
    assert _rows(tables, "complaints") == [
        {"municipality_id": w.muni.pk, "provider_id": w.private.pk, "citizen_id": w.citizen.pk,
         "received_day": date(2026, 3, 30), "outcome": "upheld"},
        {"municipality_id": w.muni.pk, "provider_id": w.private.pk, "citizen_id": w.citizen.pk,
         "received_day": date(2026, 4, 2), "outcome": None},
    ]
    assert _rows(tables, "ratings") == [
        {"municipality_id": w.muni.pk, "provider_id": w.private.pk, "citizen_id": w.citizen.pk,
         "quarter_start": date(2026, 4, 1), "respect": 5, "on_time": 3, "same_people": 4, "overall": 2}]

    # March, approved: 30,000 + 40,000 for the citizen (45 + 60 minutes) and a travel line of
    # 5,000 without a citizen; April, a draft: not final.
    costs = {(r["month"], r["citizen_id"], r["final"]): (r["amount_minor"], r["performed_minutes"])
             for r in _rows(tables, "costs")}
    assert costs == {
        (date(2026, 3, 1), w.citizen.pk, True): (70_000, 105),
        (date(2026, 3, 1), None, True): (5_000, 0),
        (date(2026, 4, 1), w.citizen.pk, False): (12_345, 20),
    }
    assert {(r["provider_id"], r["service_id"]) for r in _rows(tables, "costs")} == {(w.private.pk, w.cleaning.pk)}
    assert _rows(tables, "budgets") == [
        {"municipality_id": w.muni.pk, "month": date(2026, 3, 1), "amount_minor": 9_000_000}]
    # 12.25 hours are 735 minutes; made 1 July local (30 June in UTC).
    [after] = _rows(tables, "after_calculations")
    assert {k: v for k, v in after.items() if k != "after_calculation_id"} == {
        "municipality_id": w.muni.pk, "day": date(2026, 7, 1), "provider_id": w.in_house.pk,
        "service_code": "PH-REN", "time_band": "day", "minutes": 735, "set_price_minor": 40_000,
        "actual_price_minor": 39_800, "difference_minor": -200}
    [entry] = _rows(tables, "waiting")
    assert entry == {"municipality_id": w.muni.pk, "service_id": w.meals.pk, "citizen_id": w.neighbour.pk,
                     "need_score": 6, "urgent": True, "applied_day": date(2026, 1, 2), "placed_day": date(2026, 2, 1),
                     "left_day": None, "status": "placed"}
    tasks = _rows(tables, "tasks")
    assert [(r["code"], r["exposable"], r["exposed_on"], r["in_house_won_on"]) for r in tasks] == [
        ("PH", True, date(2003, 1, 1), date(2024, 5, 1)), ("MYN", False, None, None)]
    assert sorted((r["task_id"], r["service_id"]) for r in _rows(tables, "task_services")) == sorted(
        [(tasks[0]["task_id"], w.cleaning.pk), (tasks[0]["task_id"], w.meals.pk)])


def test_no_personal_data_leaves_the_database(world):
    _visits(world)
    tables = snapshot.take()
    named = {"municipalities", "districts", "services", "providers", "tasks"}
    for name, table in tables.items():
        columns = set(table.column_names)
        assert not columns & {"national_id", "first_name", "last_name", "address", "postcode", "city", "phone",
                              "birth_date", "pseudonym", "contact_name"}, name
        if name not in named:
            assert not any("name" in column for column in columns), name
    values = {str(v) for table in tables.values() for column in table.columns for v in column.to_pylist()}
    assert not values & {"Karen", "Hansen", "1705381234", "Testvej 1"}


def test_the_municipalities_are_kept_apart(world):
    _visits(world)
    _other_municipality(world)
    mine, theirs, every = snapshot.take([world.muni.pk]), snapshot.take([world.other.pk]), snapshot.take()
    assert mine["visits"].num_rows == 4 and theirs["visits"].num_rows == 1 and every["visits"].num_rows == 5
    assert set(theirs["visits"].column("municipality_id").to_pylist()) == {world.other.pk}
    # The private provider served both; the in-house one only Fjordby; every provider in all.
    assert [r["name"] for r in theirs["providers"].to_pylist()] == ["Omsorg Nord ApS"]
    assert every["providers"].num_rows == 3
    assert all(table.num_rows == 0 for table in snapshot.take([]).values())


def test_empty_database_tables_are_empty_and_typed(db):
    tables = snapshot.take()
    for name, table in tables.items():
        assert table.num_rows == 0 and table.schema.equals(schema.TABLES[name])


@pytest.mark.skipif(connection.vendor != "sqlite", reason="ADBC reads SQLite files")
def test_the_columnar_sqlite_reader_gives_the_same_snapshot_as_the_cursor(world, tmp_path):
    _visits(world)
    _settlement(world)
    _market(world)
    file = tmp_path / "copy.sqlite3"
    target = sqlite3.connect(file)  # this connection's view, the test's uncommitted rows included
    target.executescript(";\n".join(connection.connection.iterdump()))
    target.close()

    by_cursor = snapshot.take([world.muni.pk], via="django")
    by_adbc = snapshot.take([world.muni.pk], via="adbc", sqlite_file=str(file))

    for name in schema.TABLES:
        assert by_adbc[name].equals(by_cursor[name]), name


def test_the_stamp_changes_with_the_data(world):
    first, _as_of = snapshot.stamp()
    assert snapshot.stamp()[0] == first and len(first) <= 120
    _visit(world, local(2026, 3, 2, 9, 0))
    second, _ = snapshot.stamp()
    assert second != first
    event = AuditEvent.objects.create(actor_label="test", action="x.y", object_type="x", object_id="1")
    third, third_as_of = snapshot.stamp()
    assert third != second and third_as_of == event.created_at and third.startswith(f"{event.pk}-")
    ProviderRating.objects.create(municipality=world.muni, provider=world.private, citizen=world.citizen,
                                  quarter="2026Q1", respect=1, on_time=1, same_people=1, overall=1,
                                  rated_by=world.finance)
    assert snapshot.stamp()[0] != third


def test_a_warm_snapshot_runs_the_same_as_the_arrow_tables(world, tmp_path):
    _visits(world)
    _settlement(world)
    tables = snapshot.take([world.muni.pk])
    path = tmp_path / "warm.duckdb"
    snapshot.warm(tables, path)
    engine = Engine.from_database(path)
    for name in schema.TABLES:
        assert engine.table(name).to_pyarrow().equals(tables[name]), name


def test_engine_for_reuses_the_warm_file_of_a_stamp_and_drops_older_ones(world, tmp_path, settings, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(snapshot, "_warm_allowed", lambda: True)
    _visits(world)
    engine, first_stamp, _ = snapshot.engine_for([world.muni.pk])
    [first] = (tmp_path / "followup").glob("snapshot-*.duckdb")
    assert engine.visits.count().execute() == 4
    built = first.stat().st_mtime_ns
    again, same_stamp, _ = snapshot.engine_for([world.muni.pk])
    assert same_stamp == first_stamp and first.stat().st_mtime_ns == built
    assert again.visits.count().execute() == 4
    snapshot.engine_for([world.other.pk])  # another municipality, same data: both files kept
    assert len(list((tmp_path / "followup").glob("snapshot-*.duckdb"))) == 2

    _visit(world, local(2026, 3, 2, 9, 0))
    newer, newer_stamp, _ = snapshot.engine_for([world.muni.pk])
    assert newer_stamp != first_stamp and newer.visits.count().execute() == 5
    files = list((tmp_path / "followup").glob("*"))
    assert [f.name for f in files] == [snapshot.warm_path(newer_stamp, [world.muni.pk]).name]


def test_engine_for_reads_fresh_tables_inside_a_transaction(world, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    _visits(world)
    engine, _stamp, _as_of = snapshot.engine_for()
    assert engine.visits.count().execute() == 4
    assert not (tmp_path / "followup").exists()


def test_quarters_read_as_their_first_day():
    assert snapshot.quarter_start("2026Q1") == date(2026, 1, 1)
    assert snapshot.quarter_start("2025Q4") == date(2025, 10, 1)
    assert snapshot.quarter_start("2026-Q3") == date(2026, 7, 1)
    with pytest.raises(ValueError, match="not a quarter"):
        snapshot.quarter_start("2026Q5")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="connectorx reads PostgreSQL outside a transaction")
def test_connectorx_reads_the_same_snapshot_and_engine_for_warms_a_file(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    w = _world()
    _visits(w)
    _settlement(w)
    _market(w)
    _other_municipality(w)

    by_connectorx = snapshot.take([w.muni.pk], via="connectorx")
    by_cursor = snapshot.take([w.muni.pk], via="django")
    for name in schema.TABLES:
        assert by_connectorx[name].equals(by_cursor[name]), name

    engine, data_stamp, _as_of = snapshot.engine_for([w.muni.pk])
    assert snapshot.warm_path(data_stamp, [w.muni.pk]).exists()
    assert engine.visits.count().execute() == 4


# --- tender lots: the seal ---------------------------------------------------------------------------


def _tenders(w: World) -> dict[str, Any]:
    """A published tender with two lots: cleaning with bids from the private provider, a non-profit,
    another private one (rejected later), the in-house unit's control bid, a draft and a withdrawn
    bid; meals without a bid. And a cancelled tender that had been opened."""
    from frivalg.tenders.tests.factories import BidFactory, LotFactory, TenderFactory

    officer = UserFactory(role="procurement", municipality=w.muni)
    # Published 2 March 00:30 local (1 March in UTC); bids until 1 April 00:15 local (31 March in UTC).
    tender = TenderFactory(municipality=w.muni, created_by=officer, published=True,
                           published_at=local(2026, 3, 2, 0, 30), question_deadline=local(2026, 3, 20),
                           bid_deadline=local(2026, 4, 1, 0, 15))
    cleaning = LotFactory(tender=tender, number=1, service=w.cleaning, max_winners=2)
    meals = LotFactory(tender=tender, number=2, service=w.meals)
    non_profit = ProviderFactory(name="Kirkens Korshær", kind="non_profit")
    other_private = ProviderFactory(name="Renlig ApS", kind="private")
    private_bid = BidFactory(lot=cleaning, provider=w.private)
    BidFactory(lot=cleaning, provider=non_profit)
    control = BidFactory(lot=cleaning, provider=w.in_house, control_bid=True)
    rejected = BidFactory(lot=cleaning, provider=other_private)
    BidFactory(lot=cleaning, provider=ProviderFactory(kind="private"), status="draft")
    BidFactory(lot=cleaning, provider=ProviderFactory(kind="private"), status="withdrawn")
    cancelled = TenderFactory(municipality=w.muni, created_by=officer, status="cancelled",
                              published_at=local(2026, 2, 2, 12), opened_at=local(2026, 3, 2, 12),
                              bid_deadline=local(2026, 3, 1, 12))
    cancelled_lot = LotFactory(tender=cancelled, number=1, service=w.cleaning)
    BidFactory(lot=cancelled_lot, provider=w.private)
    return {"officer": officer, "tender": tender, "cleaning": cleaning, "meals": meals, "private_bid": private_bid,
            "control": control, "rejected": rejected, "cancelled": cancelled, "cancelled_lot": cancelled_lot}


def test_tender_lot_bids_stay_sealed_until_the_tender_is_opened(world):
    from frivalg.tenders.models import Award
    from frivalg.tenders.services import tender_open

    w = world
    t = _tenders(w)
    common = {"municipality_id": w.muni.pk, "tender_id": t["tender"].pk, "published_day": date(2026, 3, 2),
              "deadline_day": date(2026, 4, 1)}
    sealed = {"bids": None, "control_bid": None, "private_bids": None, "awarded": False, "winner_kind": None}
    cancelled = {"municipality_id": w.muni.pk, "tender_id": t["cancelled"].pk, "lot_id": t["cancelled_lot"].pk,
                 "service_id": w.cleaning.pk, "published_day": date(2026, 2, 2), "deadline_day": date(2026, 3, 1),
                 "status": "cancelled", **sealed}

    # Published, before opening: the lots are there, the bids are not counted.
    assert _rows(snapshot.take([w.muni.pk]), "tender_lots") == [
        {**common, "lot_id": t["cleaning"].pk, "service_id": w.cleaning.pk, "status": "published", **sealed},
        {**common, "lot_id": t["meals"].pk, "service_id": w.meals.pk, "status": "published", **sealed},
        cancelled,
    ]

    before = snapshot.stamp()[0]
    tender_open(actor=t["officer"], tender=t["tender"])
    assert snapshot.stamp()[0] != before
    type(t["rejected"]).objects.filter(pk=t["rejected"].pk).update(status="rejected")
    # Opened: the private, non-profit, rejected private and control bids count (4); the draft and the
    # withdrawn bid do not. Private: the private provider's and the rejected one (2).
    assert _rows(snapshot.take([w.muni.pk]), "tender_lots") == [
        {**common, "lot_id": t["cleaning"].pk, "service_id": w.cleaning.pk, "status": "opened", "bids": 4,
         "control_bid": True, "private_bids": 2, "awarded": False, "winner_kind": None},
        {**common, "lot_id": t["meals"].pk, "service_id": w.meals.pk, "status": "opened", "bids": 0,
         "control_bid": False, "private_bids": 0, "awarded": False, "winner_kind": None},
        cancelled,
    ]

    # Awarded to the control bid and the private bid: the first winner is the earlier bid, the private one.
    award = Award.objects.create(tender=t["tender"], lot=t["cleaning"], reasons="Bedste forhold",
                                 decided_at=local(2026, 4, 20, 10), decided_by=t["officer"],
                                 standstill_ends=date(2026, 4, 30))
    before = snapshot.stamp()[0]
    award.winners.set([t["control"], t["private_bid"]])
    assert snapshot.stamp()[0] != before
    type(t["tender"]).objects.filter(pk=t["tender"].pk).update(status="awarded")
    [cleaning, meals, _] = _rows(snapshot.take([w.muni.pk]), "tender_lots")
    assert (cleaning["status"], cleaning["awarded"], cleaning["winner_kind"]) == ("awarded", True, "private")
    assert (meals["awarded"], meals["winner_kind"]) == (False, None)
    # Another municipality's snapshot has none of them.
    assert snapshot.take([w.other.pk])["tender_lots"].num_rows == 0


@pytest.mark.skipif(connection.vendor != "sqlite", reason="ADBC reads SQLite files")
def test_the_columnar_sqlite_reader_reads_the_same_tender_lots(world, tmp_path):
    from frivalg.tenders.services import tender_open

    t = _tenders(world)
    tender_open(actor=t["officer"], tender=t["tender"])
    file = tmp_path / "copy.sqlite3"
    target = sqlite3.connect(file)
    target.executescript(";\n".join(connection.connection.iterdump()))
    target.close()
    by_cursor = snapshot.take([world.muni.pk], via="django")["tender_lots"]
    by_adbc = snapshot.take([world.muni.pk], via="adbc", sqlite_file=str(file))["tender_lots"]
    assert by_adbc.equals(by_cursor) and by_cursor.column("bids").to_pylist() == [4, 0, None]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="connectorx reads PostgreSQL outside a transaction")
def test_connectorx_reads_the_same_tender_lots():
    from frivalg.tenders.services import tender_open

    w = _world()
    t = _tenders(w)
    tender_open(actor=t["officer"], tender=t["tender"])
    by_connectorx = snapshot.take([w.muni.pk], via="connectorx")["tender_lots"]
    by_cursor = snapshot.take([w.muni.pk], via="django")["tender_lots"]
    assert by_connectorx.equals(by_cursor) and by_cursor.column("bids").to_pylist() == [4, 0, None]
