"""The demo municipality: Fjordby Kommune, generated deterministically from a seed.

Stages (each timed, each with a progress bar on stderr):

1. reference — the municipality, districts, the FSIII-coded catalogue, rate tables for last year
   and this year, providers and the logins (small: ORM `bulk_create`);
2. citizens — people with Danish names, addresses, birth dates and fake CPR-shaped ids;
3. needs — per citizen a care plan drawn from the published distribution of weekly hours
   (rules.py), FSIII assessments that explain it, decisions (with earlier ones kept when a
   reassessment changed them), choices of provider (active or by the default rule, switches kept
   as history) and absences such as hospital stays;
4. providers — approvals with capacity, and caregivers in teams sized to the hours they deliver;
5. visits — every recurring visit of every decision inside the visit window, planned and (in the
   past) performed with the deviations of rules.visit_outcome, cancelled during absences.

The volume is in the visits: 2,000 citizens × 12 months is about 0.55 million of them, 100,000
citizens × 12 months would be about 30 million. The visit window is therefore the whole history
while the estimated visits fit `visit_budget` (rules.DEFAULT_VISIT_BUDGET), else the days around
today that do — a day back, a day ahead, in turn; the report says which window was generated.
Assessments, decisions, choices and absences always cover the whole history.

Rows are written by `loader.Loader` (executemany / COPY, secondary indexes built once at the end)
with ids numbered here, so nothing is read back. Every stage draws from its own seeded stream:
the same seed, day and time give the same municipality, public ids included."""

from __future__ import annotations

import bisect
import calendar
import functools
import itertools
import math
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone

from frivalg.assessments.models import Assessment, AssessmentScore, Decision
from frivalg.catalogue.models import FsiiiConcept, Rate, Service
from frivalg.catalogue.rules import default_payment_basis, default_rate_unit
from frivalg.choices.models import Choice
from frivalg.core.models import Citizen, District, Municipality, PowerOfAttorney, User
from frivalg.demo import people, rules
from frivalg.demo.loader import Chunk, Loader, Row
from frivalg.providers.models import Approval, Provider, StaffMember
from frivalg.visits.models import Absence, Visit

#: The one password of every demo login (printed by `frivalg demo`).
PASSWORD = "frivalg-demo"
DEFAULT_VISIT_BUDGET = rules.DEFAULT_VISIT_BUDGET
#: A caregiver delivers about 25 hours of visits a week.
CAREGIVER_WEEKLY_MINUTES = 25 * 60


class Login(NamedTuple):
    role: str
    username: str
    look_at: str


#: Every role of core.roles has a login; these are printed by `frivalg demo`.
LOGINS: tuple[Login, ...] = (
    Login("needs_assessor", "assessor", "Caseload, a citizen's record, reassessments due, grant a decision"),
    Login("assessment_manager", "manager", "Service guidelines, the team's workload, overdue reassessments"),
    Login("finance", "finance", "Providers and approvals, rate tables, settlement runs"),
    Login("analyst", "analyst", "Key figures: market shares, decided vs delivered hours"),
    Login("politician", "politician", "Key figures of the market and the annual competition report"),
    Login("procurement", "procurement", "Providers, market follow-up"),
    Login("system_admin", "sysadmin", "Users and the audit trail"),
    Login("provider_admin", "provider_admin", "Omsorgsgruppen (private): clients and this month's visits"),
    Login("provider_admin", "inhouse_admin", "The in-house provider: clients and this month's visits"),
    Login("caregiver", "caregiver", "Today's visits: check in and out"),
    Login("citizen", "citizen", "My decisions, my provider, my upcoming visits"),
    Login("citizen", "citizen_new", "A new decision with no provider chosen yet: choose one"),
    Login("relative", "relative", "Acting with power of attorney for a parent"),
)


class ServiceSpec(NamedTuple):
    code: str
    fsiii_code: str
    group: str  # practical, personal, meals, nursing (rules.BASE_HOURLY_DKK)
    care_level: int
    unit: str
    legal_basis: str
    voucher_design: str


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(rules.CLEANING, "H1.8", "practical", 1, "hour", "Serviceloven § 83, stk. 1, nr. 2", "time"),
    ServiceSpec(rules.LAUNDRY, "H1.9", "practical", 1, "hour", "Serviceloven § 83, stk. 1, nr. 2", "time"),
    ServiceSpec(rules.SHOPPING, "H1.7", "practical", 1, "hour", "Serviceloven § 83, stk. 1, nr. 2", "time"),
    ServiceSpec(rules.HYGIENE, "H1.1", "personal", 2, "hour", "Serviceloven § 83, stk. 1, nr. 1", "time"),
    ServiceSpec("PP-UDS", "H1.2", "personal", 2, "hour", "Serviceloven § 83, stk. 1, nr. 1", "time"),
    ServiceSpec(rules.NUTRITION, "H1.3", "personal", 2, "hour", "Serviceloven § 83, stk. 1, nr. 1", "time"),
    ServiceSpec("PP-MOB", "H1.4", "personal", 2, "hour", "Serviceloven § 83, stk. 1, nr. 1", "time"),
    ServiceSpec("PP-HVA", "H1.5", "personal", 2, "hour", "Serviceloven § 83, stk. 1, nr. 1", "time"),
    ServiceSpec(rules.SUPERVISION, "H1.6", "personal", 2, "hour", "Serviceloven § 83, stk. 1, nr. 1", "time"),
    ServiceSpec(rules.MEALS, "H1.11", "meals", 3, "meal", "Serviceloven § 83, stk. 1, nr. 3", "specific"),
    ServiceSpec(rules.NURSING, "G1.21", "nursing", 4, "hour", "Sundhedsloven § 138", "specific"),
)
HOME_HELP_GROUPS = frozenset({"practical", "personal"})


class ProviderSpec(NamedTuple):
    key: str
    name: str
    kind: str
    org_number: str  # CVR-shaped, 99xxxxxx: fake
    prefix: str  # of caregiver pseudonyms
    groups: frozenset[str]
    districts: tuple[str, ...] | None  # None: every district
    languages: tuple[str, ...]
    weight: float  # among the private providers a citizen can choose
    approved_days_ago: int
    terminated_days_ago: int | None = None
    applied_only: bool = False
    source_system: str = "frivalg"
    description: str = ""


IN_HOUSE = "FK"
LARGEST_PRIVATE = "OG"
EXITED = "PJ"
ENTRANT = "NL"
MEAL_PRIVATE = "GK"
TOWN_AND_SUBURB = ("MID", "HAV", "NOR", "VST", "SKH")

PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec(IN_HOUSE, "Fjordby Kommune – Hjemmeplejen", "in_house", "99100001", "FK",
                 frozenset({"practical", "personal", "meals", "nursing"}), None, ("da", "en"), 0.0, 3650,
                 description="Kommunens egen hjemmepleje og sygepleje. Dækker hele kommunen døgnet rundt."),
    ProviderSpec(LARGEST_PRIVATE, "Omsorgsgruppen Danmark A/S", "private", "99200002", "OG",
                 frozenset({"practical", "personal"}), None, ("da", "en", "sv"), 0.50, 2900,
                 source_system="CarePlanner",
                 description="Landsdækkende leverandør af praktisk hjælp og personlig pleje, hele døgnet."),
    ProviderSpec("HH", "Hjem & Hverdag ApS", "private", "99200003", "HH",
                 frozenset({"practical", "personal"}), TOWN_AND_SUBURB, ("da", "nb"), 0.27, 1800,
                 description="Lokal leverandør med faste hjælpere i by og forstad."),
    ProviderSpec("FR", "Fjordby Rengøring & Service ApS", "private", "99200004", "FR",
                 frozenset({"practical"}), TOWN_AND_SUBURB, ("da",), 0.13, 1200,
                 description="Praktisk hjælp: rengøring, tøjvask og indkøb."),
    ProviderSpec(ENTRANT, "Nordlys Hjemmepleje ApS", "private", "99200005", "NL",
                 frozenset({"practical", "personal"}), ("MID", "HAV", "NOR"), ("da", "en"), 0.10, 120,
                 description="Ny leverandør i Fjordby siden i år."),
    ProviderSpec("DF", "Diakonihjemmet Fjordby (selvejende)", "non_profit", "99300006", "DF",
                 frozenset({"practical", "personal"}), ("MID", "HAV", "NOR", "VST"), ("da",), 0.0, 4000,
                 description="Selvejende, almennyttig hjemmehjælp."),
    ProviderSpec(EXITED, "Plejehjælpen ApS", "private", "99200007", "PJ",
                 frozenset({"practical", "personal"}), TOWN_AND_SUBURB, ("da",), 0.0, 2200, 150,
                 description="Godkendelsen er ophørt; borgerne har valgt ny leverandør."),
    ProviderSpec(MEAL_PRIVATE, "Det Gode Køkken ApS", "private", "99200008", "GK",
                 frozenset({"meals"}), None, ("da",), 0.0, 1500,
                 description="Mad udbragt til døren; vælg mellem tre retter hver dag."),
    ProviderSpec("SH", "Sund Hverdag ApS", "private", "99200009", "SH",
                 frozenset({"practical"}), TOWN_AND_SUBURB, ("da", "en"), 0.0, 10, applied_only=True,
                 description="Har søgt godkendelse til praktisk hjælp."),
)
#: Home-help providers a citizen can choose today (not the exited one, not the applicant).
CHOOSABLE_PRIVATE = tuple(p for p in PROVIDERS if p.kind == "private" and p.weight > 0)
#: Of those choosing actively, who picks the non-profit provider where it serves.
NON_PROFIT_SHARE = 0.03

TASK_NOTES = {
    "missed": "Ikke registreret: borgeren lukkede ikke op",
    "cancelled_citizen_short": "Aflyst af borgeren med kort varsel",
    "cancelled_citizen": "Aflyst af borgeren",
    "cancelled_provider": "Aflyst af leverandøren: sygdom i personalegruppen",
    "hospital": "Borgeren er indlagt",
    "holiday": "Borgeren er bortrejst",
}
ENDED_REASONS = (
    "Flyttet i plejebolig.", "Borgeren er død.", "Klarer sig selv efter rehabiliteringsforløb.",
    "Fraflyttet kommunen.",
)

_UUID_VARIANT = 1 << 63


def uuid_hex(base: int, n: int, rng: random.Random) -> str:
    """A time-ordered UUID (the version-7 layout: a 48-bit millisecond clock and 12 more bits as a
    counter, then 62 random bits) for row `n`, as 32 hex digits (SQLite's and COPY's form). Ids
    that grow with the row number make every insert an append to the unique index, about a third
    cheaper than random version-4 ids; the random bits keep them unguessable. `base` is a clock
    reading × 4096; the random bits come from the seeded stream, so the same seed gives the same
    ids."""
    counter = base + n
    return "%032x" % (((counter >> 12) << 80) | ((0x7000 | (counter & 0xFFF)) << 64) | _UUID_VARIANT
                      | rng.getrandbits(62))


@dataclass(frozen=True)
class DemoSpec:
    seed: int = 1
    citizens: int = 2000
    months: int = 12
    future_days: int = 14
    visit_budget: int | None = DEFAULT_VISIT_BUDGET  # None: the whole history, however many
    today: date | None = None  # default: today in the municipality's time zone
    now: datetime | None = None  # default: now


@dataclass
class Stage:
    name: str
    seconds: float  # wall clock
    rows: int
    cpu_seconds: float = 0.0  # this process, all its threads


@dataclass
class DemoReport:
    municipality_id: int
    spec: DemoSpec
    today: date
    history_start: date
    visit_start: date
    visit_end: date  # exclusive
    full_visit_history: bool
    counts: dict[str, int] = field(default_factory=dict)
    stages: list[Stage] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(stage.seconds for stage in self.stages)

    @property
    def rows(self) -> int:
        return sum(stage.rows for stage in self.stages)


class _Clock:
    """Day indexes (0 = the first day of the history) and UTC seconds since that day's UTC
    midnight, formatted as the database stores timestamps. DST is honoured per local hour."""

    def __init__(self, base: date, tz_name: str, suffix: str):
        self.base = base
        self.base_weekday = base.weekday()
        self.tz = ZoneInfo(tz_name)
        self.epoch = datetime.combine(base, clock_time.min, UTC)
        self._dates: dict[int, str] = {}
        self._offsets: dict[int, tuple[int, ...]] = {}
        self._daytime: dict[int, tuple[str, int]] = {}
        self.seconds = [f" {h:02d}:{m:02d}:{s:02d}{suffix}" for h in range(24) for m in range(60) for s in range(60)]

    def day(self, d: int) -> date:
        return self.base + timedelta(days=d)

    def day_text(self, d: int) -> str:
        text = self._dates.get(d)
        if text is None:
            text = self._dates[d] = (self.base + timedelta(days=d)).isoformat()
        return text

    def _offset(self, day: date, hour: int) -> int:
        return int(datetime.combine(day, clock_time(hour), self.tz).utcoffset().total_seconds())  # type: ignore[union-attr]

    def offsets(self, d: int) -> tuple[int, ...]:
        """The UTC offset (seconds) of each local hour of day `d`."""
        found = self._offsets.get(d)
        if found is None:
            day = self.base + timedelta(days=d)
            first, last = self._offset(day, 0), self._offset(day, 23)
            # Per hour only on the nights the clocks change.
            found = (first,) * 24 if first == last else tuple(self._offset(day, hour) for hour in range(24))
            self._offsets[d] = found
        return found

    def daytime(self, d: int, minute: int) -> str:
        """The timestamp text of local `minute` (06:00 or later) on day `d`: by then the clocks
        have changed on a DST day, so the noon offset holds and the UTC date is the local one."""
        entry = self._daytime.get(d)
        if entry is None:
            entry = self._daytime[d] = (self.day_text(d), self.offsets(d)[12])
        return entry[0] + self.seconds[minute * 60 - entry[1]]

    def local(self, d: int, minute: int) -> int:
        return d * 86400 + minute * 60 - self.offsets(d)[minute // 60]

    def dt(self, t: int) -> str:
        d, s = divmod(t, 86400)
        text = self._dates.get(d)
        if text is None:
            text = self.day_text(d)
        return text + self.seconds[s]

    def of(self, moment: datetime) -> int:
        return int((moment - self.epoch).total_seconds())

    def weekday(self, d: int) -> int:
        return (self.base_weekday + d) % 7


class _VisitDecision(NamedTuple):
    decision_id: int
    service_id: int
    tasks: str
    start: int
    end: int | None  # inclusive
    slots: tuple[rules.Slot, ...]
    periods: list[list[Any]]  # [start, provider index, team key, primary staff id]


@dataclass
class _CitizenState:
    id: int
    district: int
    caseworker: int
    decisions: list[_VisitDecision] = field(default_factory=list)
    absences: list[tuple[int, int, str, int]] = field(default_factory=list)  # start, end, kind, notice time


class MunicipalityGenerator:
    """Generates one demo municipality into the database through `loader` (call inside a
    transaction). `progress` shows tqdm bars on stderr."""

    def __init__(self, spec: DemoSpec, loader: Loader, *, progress: bool = True):
        self.spec = spec
        self.loader = loader
        self.progress = progress
        tz = ZoneInfo("Europe/Copenhagen")
        self.now = (spec.now or timezone.now()).astimezone(tz)
        self.today = spec.today or self.now.date()
        self.history_start = _months_before(self.today, spec.months)
        self.clock = _Clock(self.history_start, "Europe/Copenhagen", loader.datetime_suffix)
        self.today_index = (self.today - self.history_start).days
        self.t_now = self.clock.of(self.now)
        self.stages: list[Stage] = []
        self.counts: dict[str, int] = {}
        self.created = self.clock.dt(self.t_now)
        # The clock part of the time-ordered public ids: the start of the history, in ms × 4096.
        self.uuid_base = int(self.clock.epoch.timestamp() * 1000) << 12
        self.services: dict[str, Service] = {}
        self.providers: list[Provider] = []
        self.users: dict[str, User] = {}
        self.assessors: list[int] = []
        self.citizens: list[_CitizenState] = []
        self.team_minutes: dict[tuple[int, int], float] = {}
        self.teams: dict[tuple[int, int], tuple[int, ...]] = {}
        self.client_counts: dict[tuple[int, str], int] = {}
        self.visit_start = self.today_index
        self.visit_end = self.today_index + spec.future_days + 1
        self.full_history = True

    # --- plumbing ---------------------------------------------------------------------------

    def _rng(self, stage: str) -> random.Random:
        return random.Random(f"frivalg-demo:{self.spec.seed}:{stage}")

    def _bar(self, name: str, total: int | None) -> Any:
        from tqdm import tqdm

        return tqdm(total=total, desc=f"{name:<10}", unit=" rows", unit_scale=True, file=sys.stderr,
                    disable=not self.progress, leave=True, dynamic_ncols=True)

    def _stage(self, name: str, work: Callable[[], int]) -> None:
        started, cpu = time.perf_counter(), time.process_time()
        rows = work()
        self.stages.append(Stage(name, time.perf_counter() - started, rows, time.process_time() - cpu))

    def _insert(self, model: type[models.Model], fields: tuple[str, ...], rows: Iterator[Row] | list[Row],
                bar: Any = None, background: bool = False) -> int:
        return self.loader.insert(model, fields, rows, progress=bar.update if bar is not None else None,
                                  background=background)

    # --- the run ------------------------------------------------------------------------------

    def run(self) -> DemoReport:
        self.loader.defer_indexes([Citizen, Assessment, AssessmentScore, Decision, Choice, Absence, StaffMember, Visit])
        self._stage("reference", self._reference)
        self._stage("citizens", self._citizens)
        self._stage("needs", self._needs)
        self._stage("providers", self._providers_staff)
        self._stage("visits", self._visits)
        self._stage("indexes", self._finish)
        for model in self.loader._touched:
            self.counts[model._meta.label] = self.loader.written[model._meta.db_table]
        self.counts.update({"core.Municipality": 1, "core.District": len(self.districts),
                            "catalogue.Service": len(self.services), "providers.Provider": len(self.providers)})
        return DemoReport(
            municipality_id=self.municipality.pk, spec=self.spec, today=self.today,
            history_start=self.history_start, visit_start=self.clock.day(self.visit_start),
            visit_end=self.clock.day(self.visit_end), full_visit_history=self.full_history,
            counts=dict(self.counts), stages=list(self.stages),
        )

    def _finish(self) -> int:
        self.loader.finish()
        return 0

    # --- 1. reference data ----------------------------------------------------------------------

    def _reference(self) -> int:
        rng = self._rng("reference")
        rows = 0
        ids = self._rng("reference:uuid")
        self.municipality = Municipality.objects.create(
            public_id=_uuid(ids), code=people.MUNICIPALITY_CODE, name=people.MUNICIPALITY_NAME, country="DK",
            currency="DKK", time_zone="Europe/Copenhagen", language="da",
        )
        self.districts = District.objects.bulk_create(
            District(municipality=self.municipality, code=d.code, name=d.name, kind=d.kind) for d in people.DISTRICTS
        )
        rows += 1 + len(self.districts)
        concepts: dict[str, FsiiiConcept] = {}
        for concept in FsiiiConcept.objects.filter(code__in=[s.fsiii_code for s in SERVICES]).order_by("version"):
            concepts[concept.code] = concept
        missing = sorted({s.fsiii_code for s in SERVICES} - set(concepts))
        if missing:
            raise RuntimeError(f"FSIII codes not loaded: {', '.join(missing)} (run catalogue.services.fsiii_load)")
        services = Service.objects.bulk_create(
            Service(public_id=_uuid(ids), municipality=self.municipality, code=s.code,
                    name=concepts[s.fsiii_code].display, care_level=s.care_level, fsiii_code=s.fsiii_code,
                    fsiii_version=concepts[s.fsiii_code].version,
                    unit=s.unit, legal_basis=s.legal_basis, voucher_design=s.voucher_design,
                    payment_basis=default_payment_basis(s.unit))
            for s in SERVICES
        )
        self.services = {s.code: s for s in services}
        self.service_specs = {s.code: s for s in SERVICES}
        rows += len(services)
        rows += self._rates(ids)
        rows += self._users(rng, ids)
        self.providers = Provider.objects.bulk_create(
            Provider(public_id=_uuid(ids), name=p.name, kind=p.kind, org_number=p.org_number,
                     languages=list(p.languages),
                     contact_name=f"{people.WOMEN[i]} {people.SURNAMES[i]}",
                     contact_email=f"kontakt@{p.prefix.lower()}.example.dk", contact_phone="",
                     description=p.description,
                     owner_municipality=self.municipality if p.kind == "in_house" else None)
            for i, p in enumerate(PROVIDERS)
        )
        through = Provider.districts.through
        district_by_code = {d.code: d for d in self.districts}
        through.objects.bulk_create(
            through(provider_id=provider.pk, district_id=district_by_code[code].pk)
            for provider, spec in zip(self.providers, PROVIDERS, strict=True)
            for code in (spec.districts or tuple(district_by_code))
        )
        rows += len(self.providers)
        self.provider_index = {p.key: i for i, p in enumerate(PROVIDERS)}
        self.serves: list[frozenset[int]] = [
            frozenset(i for i, d in enumerate(people.DISTRICTS) if spec.districts is None or d.code in spec.districts)
            for spec in PROVIDERS
        ]
        return rows

    def _rates(self, ids: random.Random) -> int:
        this_year = date(self.today.year, 1, 1)
        last_year = date(self.today.year - 1, 1, 1)
        objects = []
        for spec in SERVICES:
            service = self.services[spec.code]
            vintages = ((1, last_year, this_year - timedelta(days=1)), (0, this_year, None))
            for years_back, valid_from, valid_to in vintages:
                for band in rules.BAND_FACTORS:
                    for kind in rules.KIND_FACTORS:
                        amount = (rules.meal_price_minor(years_back) if spec.group == "meals"
                                  else rules.hourly_rate_minor(spec.group, band, kind, years_back))
                        objects.append(Rate(public_id=_uuid(ids), municipality=self.municipality, service=service,
                                            time_band=band, provider_kind=kind, amount_minor=amount,
                                            unit=default_rate_unit(spec.unit),
                                            valid_from=valid_from,
                                            valid_to=valid_to))
        Rate.objects.bulk_create(objects)
        self.counts["catalogue.Rate"] = len(objects)
        return len(objects)

    def _users(self, rng: random.Random, ids: random.Random) -> int:
        password = _password_hash()
        assessor_count = max(2, math.ceil(self.spec.citizens / 300))
        wanted: list[tuple[str, str, bool, str, str]] = []  # username, role, staff, first, last
        for login in LOGINS:
            person = people.person(rng)
            wanted.append((login.username, login.role, _is_staff(login.role), person.first_name.split()[0],
                           person.last_name))
        for n in range(2, assessor_count + 1):
            person = people.person(rng)
            wanted.append((f"assessor{n}", "needs_assessor", True, person.first_name.split()[0], person.last_name))
        joined = self.now
        users = User.objects.bulk_create(
            User(public_id=_uuid(ids), username=username, password=password, first_name=first, last_name=last,
                 email=f"{username}@fjordby.example.dk" if staff else "", date_joined=joined,
                 municipality=self.municipality if staff else None, language="da")
            for username, role, staff, first, last in wanted
        )
        groups = {g.name: g.pk for g in Group.objects.all()}
        through = User.groups.through
        through.objects.bulk_create(
            through(user_id=user.pk, group_id=groups[role])
            for user, (_u, role, *_rest) in zip(users, wanted, strict=True)
        )
        self.users = {u.username: u for u in users}
        self.assessors = [self.users["assessor"].pk] + [self.users[f"assessor{n}"].pk
                                                         for n in range(2, assessor_count + 1)]
        self.counts["core.User"] = len(users)
        return len(users)

    # --- 2. citizens --------------------------------------------------------------------------------

    def _citizens(self) -> int:
        rng = self._rng("citizens")
        uuids = self._rng("citizens:uuid")
        base = self.uuid_base
        n = self.spec.citizens
        first_id = self.loader.next_id(Citizen)
        municipality_id = self.municipality.pk
        district_ids = [d.pk for d in self.districts]
        serials: dict[date, int] = {}
        self.births: list[date] = []
        self.names: list[tuple[str, str]] = []
        story_district = 0
        fields = ("id", "created_at", "updated_at", "public_id", "municipality_id", "national_id", "first_name",
                  "last_name", "birth_date", "address", "postcode", "city", "district_id", "language", "phone",
                  "contact_name", "contact_phone", "caseworker_id", "user_id")
        logins = {0: self.users["citizen"].pk, 1: self.users["citizen_new"].pk}
        assessors = self.assessors

        def rows() -> Iterator[Row]:
            for i in range(n):
                person = people.person(rng)
                district = story_district if i < 3 else people.district_index(rng)
                spec = people.DISTRICTS[district]
                born = rules.birth_date(rng, self.today)
                if i < 3:
                    born = max(born, self.today - timedelta(days=int(75 * 365.25)))  # the story citizens are old
                    born = min(born, self.today - timedelta(days=int(70 * 365.25)))
                serial = serials.get(born, 0)
                serials[born] = serial + 1
                caseworker = assessors[0] if i < 3 else assessors[i % len(assessors)]
                contact = ""
                if rng.random() < 0.45:
                    relation = people.RELATIONS[int(rng.random() * len(people.RELATIONS))]
                    contact = f"{people.person(rng).first_name} {person.last_name} ({relation})"
                self.births.append(born)
                self.names.append((person.first_name, person.last_name))
                self.citizens.append(_CitizenState(first_id + i, district, caseworker))
                yield (first_id + i, self.created, self.created, uuid_hex(base, first_id + i, uuids), municipality_id,
                       rules.national_id(born, serial), person.first_name, person.last_name, born.isoformat(),
                       people.address(rng, spec.kind), spec.postcode, spec.city, district_ids[district],
                       person.language, "", contact, "", caseworker, logins.get(i))

        with self._bar("citizens", n) as bar:
            count = self._insert(Citizen, fields, rows(), bar, background=True)
        # The citizen logins carry their citizen's name; the relative shares their parent's surname.
        for index, username in ((0, "citizen"), (1, "citizen_new")):
            first, last = self.names[index]
            User.objects.filter(pk=self.users[username].pk).update(first_name=first.split()[0], last_name=last)
        User.objects.filter(pk=self.users["relative"].pk).update(last_name=self.names[2][1])
        return count

    # --- 3. needs: assessments, decisions, choices, absences -------------------------------------------

    def _needs(self) -> int:
        rng = self._rng("needs")
        uuids = self._rng("needs:uuid")
        base = self.uuid_base
        clock = self.clock
        td = self.today_index
        municipality_id = self.municipality.pk
        ids: dict[type[models.Model], int] = {
            model: self.loader.next_id(model) for model in (Assessment, AssessmentScore, Decision, Choice, Absence)
        }
        assessments: list[Row] = []
        scores: list[Row] = []
        decisions: list[Row] = []
        choices: list[Row] = []
        absences: list[Row] = []
        exited = self.provider_index[EXITED]
        entrant = self.provider_index[ENTRANT]
        in_house = self.provider_index[IN_HOUSE]
        exit_day = td - (PROVIDERS[exited].terminated_days_ago or 0)
        entry_day = td - PROVIDERS[entrant].approved_days_ago
        switch_share = rules.YEARLY_SWITCH_SHARE * self.spec.months / 12
        active_private = rules.CALIBRATION.private_share / (1 - rules.DEFAULT_ASSIGNED_SHARE)

        provider_pks = [p.pk for p in self.providers]
        service_pks = {code: service.pk for code, service in self.services.items()}
        tasks_of = {spec.code: f'["{spec.fsiii_code}"]' for spec in SERVICES}
        private_options: dict[tuple[int, frozenset[str]], tuple[list[int], list[float]]] = {}

        def new_id(model: type[models.Model]) -> int:
            value = ids[model]
            ids[model] = value + 1
            return value

        stamp = clock.daytime

        def eligible(provider: int, district: int, groups: frozenset[str]) -> bool:
            spec = PROVIDERS[provider]
            return district in self.serves[provider] and groups <= spec.groups

        def choose_current(district: int, groups: frozenset[str]) -> tuple[int, str]:
            if rng.random() < rules.DEFAULT_ASSIGNED_SHARE:
                return in_house, "default"
            draw = rng.random()
            if draw < active_private:
                found = private_options.get((district, groups))
                if found is None:
                    options = [self.provider_index[p.key] for p in CHOOSABLE_PRIVATE
                               if eligible(self.provider_index[p.key], district, groups)]
                    cumulative = list(itertools.accumulate(PROVIDERS[o].weight for o in options))
                    found = private_options[(district, groups)] = (options, cumulative)
                options, cumulative = found
                target = rng.random() * cumulative[-1]
                return options[bisect.bisect_right(cumulative, target)], "active"
            non_profit = self.provider_index["DF"]
            if draw < active_private + NON_PROFIT_SHARE / (1 - rules.DEFAULT_ASSIGNED_SHARE) and eligible(
                non_profit, district, groups
            ):
                return non_profit, "active"
            return in_house, "active"

        def previous_provider(current: int, district: int, groups: frozenset[str]) -> int:
            options = [i for i, p in enumerate(PROVIDERS)
                       if i != current and p.weight > 0 and eligible(i, district, groups)]
            if current != in_house:
                options.append(in_house)
            return options[int(rng.random() * len(options))]

        total = self.spec.citizens

        def chunks() -> Iterator[Chunk]:
            nonlocal assessments, scores, decisions, choices, absences
            since = 0
            for i, citizen in enumerate(self.citizens):
                born = self.births[i]
                age = rules.age_on(born, self.today)
                category = _category(rng) if i >= 3 else ("active", "awaiting", "active")[i]
                weekly = rules.sample_weekly_minutes(rng)
                if i == 0:
                    weekly = 300
                elif i == 1:
                    weekly = 60
                elif i == 2:
                    weekly = 900
                plan = rules.care_plan(rng, weekly)
                while i == 1 and not plan.practical_only():
                    plan = rules.care_plan(rng, weekly)
                need = rules.severity(plan.weekly)
                dementia = i == 2 or rng.random() < 0.06 + 0.35 * need
                groups = frozenset(self.service_specs[g.service].group for g in plan.grants) & HOME_HELP_GROUPS
                # Dates, as day indexes (0 = first day of the history).
                end: int | None = None
                decided = 0
                if category == "ended":
                    end = int(rng.random() * td)
                    start = end - 30 - int(rng.expovariate(1 / 500))
                elif category == "awaiting":
                    decided = td - (2 if i == 1 else int(rng.random() * 10))
                    start = decided + 3 + int(rng.random() * 8)
                elif category == "refused":
                    start = int(rng.random() * td)
                elif i == 0:
                    start = td - 200
                elif i == 2:
                    start = td - 400
                elif rng.random() < 0.3 * min(1.0, self.spec.months / 12):
                    start = int(rng.random() * max(1, td - 14))
                else:
                    start = -1 - min(3000, int(rng.expovariate(1 / 700)))
                # Assessments: the first, and a reassessment that changed the plan for some.
                reassessed: int | None = None
                if category in ("active", "ended") and i >= 3 and rng.random() < 0.3:
                    low = max(start + 90, 0)
                    high = (end if end is not None else td - 7) - 1
                    if high > low:
                        reassessed = low + int(rng.random() * (high - low))
                plans: list[tuple[int, int | None, rules.CarePlan, int]] = []
                # Never dated after today, even when the decision starts in a few days.
                assessment_days = [min(start - 5 - int(rng.random() * 10), td - 1)]
                if reassessed is not None:
                    earlier = rules.scaled_plan(rng, plan, 0.7)
                    assessment_days.append(reassessed - 5)
                    plans.append((start, reassessed - 1, earlier, 0))
                    plans.append((reassessed, end, plan, 1))
                elif category != "refused":
                    plans.append((start, end, plan, 0))
                # The yearly follow-up keeps most long-standing citizens' assessments current; about
                # one in ten is left overdue, as reassessment routines slip in real municipalities.
                if category == "active" and assessment_days[-1] < td - 365 and rng.random() < 0.9:
                    assessment_days.append(td - 1 - int(rng.random() * 330))
                assessment_ids = []
                for n_assessment, day in enumerate(assessment_days):
                    assessment_id = new_id(Assessment)
                    assessment_ids.append(assessment_id)
                    the_plan = plans[n_assessment][2] if n_assessment < len(plans) else plan
                    notes, view = people.assessment_notes(rng, rules.severity(the_plan.weekly), dementia)
                    if category == "refused":
                        notes += " Afslag: borgeren kan selv udføre opgaverne med hjælpemidler."
                    due = day + 365 if n_assessment == len(assessment_days) - 1 else None
                    when = stamp(day, 600)
                    assessments.append((assessment_id, when, when, uuid_hex(base, assessment_id, uuids),
                                        municipality_id, citizen.id, citizen.caseworker, clock.day_text(day), "fsiii",
                                        notes, view,
                                        clock.day_text(due) if due is not None else None))
                    for area, score in rules.fsiii_scores(rng, the_plan, age, dementia).items():
                        scores.append((new_id(AssessmentScore), assessment_id, area, score))
                # Providers over time: the current one (calibrated), maybe an earlier one.
                first_day = plans[0][0] if plans else start
                last_day = end if end is not None else td
                provider, how = choose_current(citizen.district, groups)
                if i == 0:
                    provider, how = self.provider_index[LARGEST_PRIVATE], "active"
                elif i == 2:
                    provider, how = in_house, "active"
                periods: list[list[Any]] = [[first_day, provider, how, ""]]
                if category in ("active", "ended") and i >= 3:
                    switch_at: int | None = None
                    earlier_provider: int | None = None
                    if provider == entrant and first_day < entry_day:
                        switch_at = entry_day + int(rng.random() * max(1, td - entry_day - 3))
                    elif first_day < exit_day <= last_day and rng.random() < 0.04 and provider != exited:
                        switch_at, earlier_provider = exit_day, exited
                    elif rng.random() < switch_share:
                        low = max(first_day + 30, 0)
                        if last_day - 3 > low:
                            switch_at = low + int(rng.random() * (last_day - 3 - low))
                    if switch_at is not None and first_day < switch_at <= last_day:
                        if earlier_provider is None:
                            earlier_provider = previous_provider(provider, citizen.district, groups)
                        reason = ("Leverandørens godkendelse ophørte" if earlier_provider == exited
                                  else "Borgeren ønskede at skifte leverandør")
                        periods = [[first_day, earlier_provider, how, ""], [switch_at, provider, "active", reason]]
                # Decisions and their choices.
                for plan_start, plan_end, the_plan, n_assessment in plans:
                    status = "ended" if plan_end is not None else "granted"
                    if status == "granted" and i >= 3 and rng.random() < 0.005:
                        status = "appealed"
                    decided_day = decided if category == "awaiting" else plan_start - 3
                    decided_at = stamp(decided_day, 570 + int(rng.random() * 360))
                    for grant in the_plan.grants:
                        spec = self.service_specs[grant.service]
                        service_id = service_pks[grant.service]
                        decision_id = new_id(Decision)
                        amount, unit, frequency, flexibility = _amount(grant, rng)
                        reason = _reason(spec, grant)
                        ended_at = stamp(plan_end, 600) if plan_end is not None else decided_at
                        decisions.append((decision_id, decided_at, ended_at, uuid_hex(base, decision_id, uuids),
                                          municipality_id, citizen.id, service_id,
                                          assessment_ids[min(n_assessment, len(assessment_ids) - 1)],
                                          amount, unit, frequency, flexibility, clock.day_text(plan_start),
                                          clock.day_text(plan_end) if plan_end is not None else None, status, reason,
                                          citizen.caseworker, decided_at, clock.day_text(decided_day + 14)))
                        if category == "awaiting":
                            continue
                        # Which provider delivers this decision, over time.
                        decision_periods: list[list[Any]]
                        if spec.group == "meals":
                            meal_provider = in_house if rng.random() < 0.5 else self.provider_index[MEAL_PRIVATE]
                            decision_periods = [[plan_start, meal_provider, "active", ""]]
                        elif spec.group == "nursing":
                            decision_periods = [[plan_start, in_house, "nursing", ""]]
                        else:
                            decision_periods = _clip(periods, plan_start, plan_end)
                        previous_choice: int | None = None
                        for n_period, (p_start, p_provider, p_how, p_reason) in enumerate(decision_periods):
                            p_end = (decision_periods[n_period + 1][0] - 1 if n_period + 1 < len(decision_periods)
                                     else plan_end)
                            choice_id = new_id(Choice)
                            if p_how == "default":
                                how, rule, by, text = "default", "in_house", None, "Intet valg inden fristen"
                            elif p_how == "nursing":
                                how, rule, by = "default", "in_house", None
                                text = "Sygepleje leveres af kommunen (ikke omfattet af frit valg)"
                            else:
                                how, rule, by, text = "active", "", citizen.caseworker, p_reason
                            when = stamp(max(p_start - 7, decided_day), 660)
                            choices.append((choice_id, when, when, uuid_hex(base, choice_id, uuids), municipality_id,
                                            decision_id, provider_pks[p_provider], clock.day_text(p_start),
                                            clock.day_text(p_end) if p_end is not None else None, how, rule, by, text,
                                            previous_choice))
                            previous_choice = choice_id
                            if spec.group in HOME_HELP_GROUPS and p_end is None:
                                key = (p_provider, spec.code)
                                self.client_counts[key] = self.client_counts.get(key, 0) + 1
                        if grant.slots:
                            citizen.decisions.append(_VisitDecision(
                                decision_id, service_id, tasks_of[grant.service], plan_start, plan_end, grant.slots,
                                [[p[0], p[1], (p[1], citizen.district), 0] for p in decision_periods]))
                            minutes = grant.weekly_minutes()
                            for p in decision_periods:
                                team = (p[1], citizen.district)
                                self.team_minutes[team] = self.team_minutes.get(team, 0) + minutes
                if category == "active" and i >= 3 and rng.random() < 0.01:
                    # A draft: the assessor has started on a change the citizen asked for.
                    draft_day = td + 7
                    when = stamp(td - int(rng.random() * 5), 630)
                    draft_id = new_id(Decision)
                    decisions.append((draft_id, when, when, uuid_hex(base, draft_id, uuids), municipality_id,
                                      citizen.id, service_pks[rules.SHOPPING], assessment_ids[-1], "20", "minute",
                                      "week",
                                      "fixed", clock.day_text(draft_day), None, "draft",
                                      "Udkast: borgeren har bedt om hjælp til indkøb.", None, None, None))
                # Absences: hospital stays and holidays during the history.
                if category in ("active", "ended"):
                    spans = rules.absences(rng, need, max(0, plans[0][0]), last_day)
                    if i < 3:
                        spans = [s for s in spans if s.end is not None and s.end < td - 7]
                    for span in spans:
                        absence_id = new_id(Absence)
                        when = stamp(span.start, 360 if not span.planned else 600)
                        absences.append((absence_id, when, when, uuid_hex(base, absence_id, uuids), municipality_id,
                                         citizen.id, span.kind, clock.day_text(span.start),
                                         clock.day_text(span.end) if span.end is not None else None, span.planned,
                                         None))
                        notice_at = clock.local(span.start - 10, 600) if span.planned else clock.local(span.start, 360)
                        end_day = span.end if span.end is not None else self.today_index + 10 * 365
                        citizen.absences.append((span.start, end_day, span.kind, notice_at))
                since += 1
                if len(scores) >= 20000:
                    yield from _needs_chunks(assessments, scores, decisions, choices, absences, since)
                    assessments, scores, decisions, choices, absences = [], [], [], [], []
                    since = 0
            yield from _needs_chunks(assessments, scores, decisions, choices, absences, since)

        with self._bar("needs", total) as bar:
            return self.loader.write(chunks(), progress=bar.update, background=True)

    # --- 4. approvals, caregivers, the story logins --------------------------------------------------

    def _providers_staff(self) -> int:
        uuids = self._rng("providers:uuid")
        finance = self.users["finance"]
        decided_at = self.now
        approvals = []
        provider_pks = [p.pk for p in self.providers]
        for provider_row, spec in zip(self.providers, PROVIDERS, strict=True):
            for service_spec in SERVICES:
                if service_spec.group not in spec.groups:
                    continue
                clients = self.client_counts.get((self.provider_index[spec.key], service_spec.code), 0)
                approved_on = self.today - timedelta(days=spec.approved_days_ago)
                approval = Approval(public_id=_uuid(uuids), municipality=self.municipality, provider=provider_row,
                                    service=self.services[service_spec.code], status="approved",
                                    capacity=None if spec.kind == "in_house" else max(10, math.ceil(clients * 1.25)),
                                    valid_from=approved_on, decided_by=finance, decided_at=decided_at,
                                    reason="Opfylder kvalitetskravene i kommunens kravspecifikation.")
                if spec.terminated_days_ago is not None:
                    approval.status = "terminated"
                    approval.valid_to = self.today - timedelta(days=spec.terminated_days_ago)
                    approval.accepting_new_clients = False
                    approval.reason = "Leverandøren opsagde godkendelsen."
                if spec.applied_only:
                    approval.status = "applied"
                    approval.valid_from = None
                    approval.decided_by = None
                    approval.decided_at = None
                    approval.reason = ""
                approvals.append(approval)
        Approval.objects.bulk_create(approvals)
        self.counts["providers.Approval"] = len(approvals)
        # Caregivers: teams per provider and district, sized to the weekly minutes they deliver.
        next_staff = self.loader.next_id(StaffMember)
        staff_rows: list[Row] = []
        numbers: dict[int, int] = {}
        for (provider, district), minutes in sorted(self.team_minutes.items()):
            size = max(1, math.ceil(minutes / CAREGIVER_WEEKLY_MINUTES))
            spec = PROVIDERS[provider]
            members = []
            for _ in range(size):
                numbers[provider] = numbers.get(provider, 0) + 1
                staff_rows.append((next_staff, self.created, self.created, uuid_hex(self.uuid_base, next_staff, uuids),
                                   provider_pks[provider], None, f"{spec.prefix}-{numbers[provider]:04d}",
                                   "caregiver",
                                   spec.terminated_days_ago is None))
                members.append(next_staff)
                next_staff += 1
            self.teams[(provider, district)] = tuple(members)
        # The logins of provider people: admins of the in-house and the largest private provider.
        for username, key in (("provider_admin", LARGEST_PRIVATE), ("inhouse_admin", IN_HOUSE)):
            provider = self.provider_index[key]
            staff_rows.append((next_staff, self.created, self.created, uuid_hex(self.uuid_base, next_staff, uuids),
                               provider_pks[provider], self.users[username].pk, f"{PROVIDERS[provider].prefix}-ADM",
                               "admin", True))
            next_staff += 1
        # Primary caregivers, round robin within each team; the story citizen's is the demo caregiver.
        pointer: dict[tuple[int, int], int] = {}
        for citizen in self.citizens:
            primaries: dict[int, int] = {}
            for decision in citizen.decisions:
                for period in decision.periods:
                    team_key = period[2]
                    team = self.teams[team_key]
                    if period[1] not in primaries:
                        at = pointer.get(team_key, 0)
                        primaries[period[1]] = team[at % len(team)]
                        pointer[team_key] = at + 1
                    period[3] = primaries[period[1]]
                    period[2] = team
        story = self.citizens[0].decisions[0].periods[-1][3]
        self.caregiver_staff = story
        self.caregiver_user = self.users["caregiver"].pk
        staff_rows = [row if row[0] != story else (*row[:5], self.caregiver_user, *row[6:]) for row in staff_rows]
        written = self._insert(StaffMember, ("id", "created_at", "updated_at", "public_id", "provider_id", "user_id",
                                             "pseudonym", "role", "active"), staff_rows)
        # The relative holds a power of attorney for the third story citizen.
        PowerOfAttorney.objects.create(
            municipality=self.municipality, citizen_id=self.citizens[2].id, attorney=self.users["relative"],
            relation="datter", valid_from=self.today - timedelta(days=700),
        )
        self.counts["core.PowerOfAttorney"] = 1
        return written + len(approvals) + 1

    # --- 5. visits ------------------------------------------------------------------------------------

    def _choose_window(self) -> None:
        """The visit window: the whole history, or the most recent days whose visits fit the budget."""
        daily = [0.0] * (self.visit_end + 1)
        for citizen in self.citizens:
            for decision in citizen.decisions:
                rate = sum(slot.visits_per_week() for slot in decision.slots) / 7
                lo = max(decision.start, 0)
                hi = min(decision.end + 1 if decision.end is not None else self.visit_end, self.visit_end)
                if lo < hi:
                    daily[lo] += rate
                    daily[hi] -= rate
        running = 0.0
        per_day = []
        for d in range(self.visit_end):
            running += daily[d]
            per_day.append(running)
        budget = self.spec.visit_budget
        total = sum(per_day)
        self.estimated_visits = int(total)
        if budget is None or total <= budget:
            self.visit_start, self.full_history = 0, True
            return
        # Centred on today: a day back, a day ahead, … while the budget lasts (today always).
        self.full_history = False
        today = self.today_index
        low, high, kept, ahead = today, today, 0.0, True
        while low > 0 or high < self.visit_end:
            take_ahead = high < self.visit_end and (ahead or low == 0)
            day = high if take_ahead else low - 1
            if high > today and kept + per_day[day] > budget:
                break
            kept += per_day[day]
            if take_ahead:
                high += 1
            else:
                low -= 1
            ahead = not ahead
        self.visit_start, self.visit_end = low, high
        self.estimated_visits = int(kept)

    def _visits(self) -> int:
        self._choose_window()
        rng = self._rng("visits")
        getrandbits = self._rng("visits:uuid").getrandbits
        uuid_base, variant = self.uuid_base, _UUID_VARIANT
        clock = self.clock
        first_id = self.loader.next_id(Visit)
        municipality_id = self.municipality.pk
        provider_ids = [p.pk for p in self.providers]
        imported = [spec.source_system != "frivalg" for spec in PROVIDERS]
        sources = [spec.source_system for spec in PROVIDERS]
        caregiver_staff, caregiver_user = self.caregiver_staff, self.caregiver_user
        t_now = self.t_now
        t_past = t_now - 1800  # visits planned to start before this have an outcome
        vs, ve = self.visit_start, self.visit_end
        outcome_of = rules.visit_outcome
        random_ = rng.random
        notes = TASK_NOTES
        # Timestamps are text: the UTC date of every day the window touches (created_at is a week
        # before the visit) and ' HH:MM:SS' of every second of a day.
        first_day = vs - 9
        day_text = [clock.day_text(q) for q in range(first_day, ve + 2)]
        seconds = clock.seconds
        base = first_day * 86400
        offsets = [clock.offsets(d) for d in range(vs, ve)]

        def text(t: int) -> str:
            q, r = divmod(t - base, 86400)
            return day_text[q] + seconds[r]

        fields = ("id", "created_at", "updated_at", "public_id", "municipality_id", "decision_id", "citizen_id",
                  "service_id", "provider_id", "caregiver_id", "planned_start", "planned_end", "actual_start",
                  "actual_end", "check_in_by_id", "check_in_method", "check_out_by_id", "check_out_method", "tasks",
                  "status", "cancelled_at", "note", "source_system", "external_id")

        # A caregiver's planned visits never overlap and leave GAP seconds to get to the next one:
        # a busy caregiver hands the visit to a free team member (the settlement flags overlaps).
        busy: dict[tuple[int, int], list[tuple[int, int]]] = {}
        gap = 10 * 60

        def free(member: int, day: int, start: int, end: int) -> bool:
            return all(end + gap <= s or e + gap <= start for s, e in busy.get((member, day), ()))

        def rows() -> Iterator[Row]:
            vid = first_id
            for citizen in self.citizens:
                cid = citizen.id
                spans = citizen.absences
                for decision in citizen.decisions:
                    lo = max(decision.start, vs)
                    hi = min(decision.end + 1 if decision.end is not None else ve, ve)
                    if lo >= hi:
                        continue
                    periods = decision.periods
                    single = periods[0] if len(periods) == 1 else None
                    decision_id, service_id, tasks = decision.decision_id, decision.service_id, decision.tasks
                    for slot in decision.slots:
                        duration = slot.duration
                        hour = slot.minute // 60
                        local_seconds = slot.minute * 60
                        length = duration * 60
                        for d in _slot_days(slot, lo, hi, clock):
                            period = single
                            if period is None:
                                period = periods[0]
                                for candidate in periods:
                                    if candidate[0] <= d:
                                        period = candidate
                            provider = period[1]
                            team = period[2]
                            caregiver = (period[3] if random_() < 0.72 or len(team) == 1
                                         else team[int(random_() * len(team))])
                            ps = d * 86400 + local_seconds - offsets[d - vs][hour]
                            if not free(caregiver, d, ps, ps + length):
                                first = vid % len(team)
                                caregiver = next((m for m in (*team[first:], *team[:first])
                                                  if free(m, d, ps, ps + length)), None)
                            if caregiver is not None:
                                busy.setdefault((caregiver, d), []).append((ps, ps + length))
                            q, r = divmod(ps - base, 86400)
                            start_text = day_text[q] + seconds[r]
                            q, r = divmod(ps + length - base, 86400)
                            end_text = day_text[q] + seconds[r]
                            q, r = divmod(ps - 604800 - base, 86400)
                            created = updated = day_text[q] + seconds[r]
                            actual_start = actual_end = cancelled = by = None
                            in_method = out_method = note = ""
                            status = "planned"
                            absent = None
                            if spans:
                                for span in spans:
                                    if span[0] <= d <= span[1]:
                                        absent = span
                                        break
                            if absent is not None:
                                cancelled_t = min(absent[3], ps - 1800)
                                if cancelled_t <= t_now:
                                    status = "cancelled_citizen"
                                    cancelled = updated = text(cancelled_t)
                                    note = notes[absent[2]]
                            elif ps < t_past:
                                outcome = outcome_of(rng, duration)
                                status = outcome.status
                                if status == "done":
                                    a_start = ps + outcome.check_in_offset
                                    a_end = a_start + outcome.performed
                                    method = "import" if imported[provider] else outcome.method
                                    if a_end <= t_now:
                                        actual_start, actual_end = text(a_start), text(a_end)
                                        in_method = out_method = method
                                        updated = actual_end
                                    elif a_start <= t_now:
                                        status = "in_progress"
                                        actual_start = updated = text(a_start)
                                        in_method = method
                                    else:
                                        status = "planned"
                                    if actual_start is not None and caregiver == caregiver_staff:
                                        by = caregiver_user
                                elif status == "missed":
                                    note = notes["missed"]
                                else:
                                    cancelled = updated = text(ps - outcome.notice * 60)
                                    if status == "cancelled_provider":
                                        note = notes["cancelled_provider"]
                                    elif outcome.notice < 1440:
                                        note = notes["cancelled_citizen_short"]
                                    else:
                                        note = notes["cancelled_citizen"]
                            elif random_() < 0.015:
                                # Some planned visits are already cancelled by the citizen, in good time.
                                status = "cancelled_citizen"
                                cancelled = updated = text(t_now - 3600 - int(random_() * 259200))
                                note = notes["cancelled_citizen"]
                            counter = uuid_base + vid
                            public_id = "%032x" % (((counter >> 12) << 80) | ((0x7000 | (counter & 0xFFF)) << 64)
                                                   | variant | getrandbits(62))
                            yield (vid, created, updated, public_id,
                                   municipality_id, decision_id, cid, service_id, provider_ids[provider], caregiver,
                                   start_text, end_text, actual_start, actual_end, by, in_method,
                                   by if actual_end is not None else None, out_method, tasks, status, cancelled,
                                   note, sources[provider], f"CP{vid}" if imported[provider] else "")
                            vid += 1

        with self._bar("visits", self.estimated_visits) as bar:
            return self._insert(Visit, fields, rows(), bar, background=True)


# --- helpers -------------------------------------------------------------------------------------

ASSESSMENT_FIELDS = ("id", "created_at", "updated_at", "public_id", "municipality_id", "citizen_id", "assessor_id",
                     "assessed_on", "scale", "notes", "citizen_view", "next_reassessment_due")
SCORE_FIELDS = ("id", "assessment_id", "area_code", "score")
DECISION_FIELDS = ("id", "created_at", "updated_at", "public_id", "municipality_id", "citizen_id", "service_id",
                   "assessment_id", "amount", "unit", "frequency", "flexibility", "valid_from", "valid_to", "status",
                   "reason", "decided_by_id", "decided_at", "choice_deadline")
CHOICE_FIELDS = ("id", "created_at", "updated_at", "public_id", "municipality_id", "decision_id", "provider_id",
                 "valid_from", "valid_to", "how", "default_rule", "chosen_by_id", "reason", "previous_id")
ABSENCE_FIELDS = ("id", "created_at", "updated_at", "public_id", "municipality_id", "citizen_id", "kind", "start",
                  "end", "planned", "registered_by_id")


def _needs_chunks(assessments: list[Row], scores: list[Row], decisions: list[Row], choices: list[Row],
                  absences: list[Row], citizens_done: int) -> Iterator[Chunk]:
    """The needs rows in the order their foreign keys need (checked at commit in any case)."""
    yield Chunk(Assessment, ASSESSMENT_FIELDS, assessments)
    yield Chunk(AssessmentScore, SCORE_FIELDS, scores)
    yield Chunk(Decision, DECISION_FIELDS, decisions)
    yield Chunk(Choice, CHOICE_FIELDS, choices)
    yield Chunk(Absence, ABSENCE_FIELDS, absences, citizens_done)



def _uuid(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID from a seeded stream, for the few rows written through the ORM."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


@functools.cache
def _password_hash() -> str:
    """The demo password hashed once per process (the hasher is slow on purpose)."""
    return make_password(PASSWORD)


def _months_before(day: date, months: int) -> date:
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def _is_staff(role: str) -> bool:
    from frivalg.core.roles import ROLES_BY_NAME

    return ROLES_BY_NAME[role].staff_of_municipality


def _category(rng: random.Random) -> str:
    draw = rng.random()
    if draw < 0.015:
        return "refused"
    if draw < 0.025:
        return "awaiting"
    if draw < 0.145:
        return "ended"
    return "active"


def _amount(grant: rules.Grant, rng: random.Random) -> tuple[str, str, str, str]:
    """(amount, unit, frequency, flexibility) as the decision states it."""
    if grant.service == rules.MEALS:
        return str(grant.amount), "meal", "week", "fixed"
    if grant.service == rules.CLEANING and rng.random() < 0.08:
        hours = grant.amount * 52 / 12 / 60
        return f"{hours:.2f}", "hour", "month", "budget"
    return str(grant.amount), "minute", grant.frequency, "fixed"


def _reason(spec: ServiceSpec, grant: rules.Grant) -> str:
    per = "om dagen" if grant.frequency == "day" else "om ugen"
    if spec.group == "meals":
        return f"Bevilget efter {spec.legal_basis}: {grant.amount} hovedretter {per}."
    return (f"Bevilget efter {spec.legal_basis} på baggrund af vurderingen af funktionsevnen: "
            f"{grant.amount} minutter {per}.")


def _clip(periods: list[list[Any]], start: int, end: int | None) -> list[list[Any]]:
    """The provider periods that overlap [start, end], the first one moved to start."""
    inside: list[list[Any]] = []
    for n, period in enumerate(periods):
        period_end = periods[n + 1][0] - 1 if n + 1 < len(periods) else None
        if period_end is not None and period_end < start:
            continue
        if end is not None and period[0] > end:
            continue
        inside.append([max(period[0], start), period[1], period[2], period[3]])
    if inside and inside[0][0] > start:
        inside[0][0] = start
    return inside or [[start, periods[-1][1], periods[-1][2], ""]]


def _slot_days(slot: rules.Slot, lo: int, hi: int, clock: _Clock) -> range | Iterator[int]:
    """The day indexes in [lo, hi) on which a recurring slot has a visit."""
    if slot.every_weeks == 1 and len(slot.weekdays) == 7:
        return range(lo, hi)
    return _weekly_days(slot, lo, hi, clock)


def _weekly_days(slot: rules.Slot, lo: int, hi: int, clock: _Clock) -> Iterator[int]:
    base = clock.base_weekday
    for weekday in slot.weekdays:
        first = lo + (weekday - (base + lo)) % 7
        for d in range(first, hi, 7):
            if slot.every_weeks == 1 or ((base + d) // 7) % slot.every_weeks == slot.phase:
                yield d
