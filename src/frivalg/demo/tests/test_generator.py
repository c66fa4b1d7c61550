"""The generated demo municipality: complete, calibrated, deterministic, and generated once."""

from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db.models import F

from frivalg.assessments.models import Assessment, Decision
from frivalg.catalogue.models import Rate, Service
from frivalg.choices.models import Choice
from frivalg.core import roles
from frivalg.core.models import AuditEvent, Citizen, Municipality, PowerOfAttorney, User
from frivalg.demo import rules
from frivalg.demo.municipality import LOGINS, PASSWORD, DemoSpec
from frivalg.demo.selectors import demo_municipality
from frivalg.demo.services import DemoExistsError, demo_delete, demo_generate
from frivalg.providers.models import Approval, Provider, StaffMember
from frivalg.visits.models import Absence, Visit

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Europe/Copenhagen")
TODAY = datetime.now(TZ).date()
#: Ten in the morning: some of today's visits are done, some still to come.
NOW = datetime.combine(TODAY, time(10, 0), TZ)


def _spec(citizens=300, months=2, seed=1, **kwargs):
    return DemoSpec(seed=seed, citizens=citizens, months=months, today=TODAY, now=NOW, **kwargs)


def _weekly_minutes(decision: Decision) -> Decimal:
    per_unit = {"minute": 1, "hour": 60}[decision.unit]
    per_week = {"day": Decimal(7), "week": Decimal(1), "month": Decimal(12) / Decimal(52)}[decision.frequency]
    return decision.amount * per_unit * per_week


def _digest():
    """What the municipality holds, without database ids (they depend on what was there before)."""
    return (
        sorted(Citizen.objects.values_list("public_id", "national_id", "first_name", "last_name", "birth_date",
                                           "address", "district__code", "language")),
        sorted(Decision.objects.values_list("public_id", "citizen__national_id", "service__code", "amount", "unit",
                                            "frequency", "valid_from", "valid_to", "status")),
        sorted(Choice.objects.values_list("public_id", "decision__public_id", "provider__org_number", "valid_from",
                                          "valid_to", "how", "default_rule")),
        sorted(Visit.objects.values_list("public_id", "decision__public_id", "caregiver__pseudonym", "planned_start",
                                         "planned_end", "actual_start", "actual_end", "status", "cancelled_at")),
        sorted(Assessment.objects.values_list("public_id", "assessed_on", "notes")),
        sorted(Absence.objects.values_list("public_id", "kind", "start", "end")),
    )


def test_the_municipality_is_complete_and_calibrated():
    report = demo_generate(spec=_spec(citizens=600), progress=False)
    municipality = demo_municipality()
    assert municipality is not None
    assert (municipality.country, municipality.currency, municipality.time_zone) == ("DK", "DKK", "Europe/Copenhagen")
    assert set(municipality.districts.values_list("kind", flat=True)) == {"town", "suburb", "rural"}
    assert report.full_visit_history
    assert report.visit_end == TODAY + timedelta(days=15)

    # The catalogue is coded with FSIII, with a legal basis and a voucher design.
    services = {s.fsiii_code: s for s in Service.objects.filter(municipality=municipality)}
    assert {"H1.1", "H1.2", "H1.3", "H1.4", "H1.5", "H1.6", "H1.7", "H1.8", "H1.9", "H1.11"} <= set(services)
    assert any(code.startswith("G") for code in services)
    assert services["H1.8"].legal_basis == "Serviceloven § 83, stk. 1, nr. 2"
    # Dated rates for every service × band × provider kind, hourly prices 365–560 DKK.
    rates = Rate.objects.filter(municipality=municipality)
    assert rates.count() == len(services) * 5 * 3 * 2
    hourly = rates.exclude(service__unit="meal")
    assert min(hourly.values_list("amount_minor", flat=True)) >= 36500
    assert max(hourly.values_list("amount_minor", flat=True)) <= 56000

    # One in-house and several private providers of different size, with approvals and staff.
    providers = Provider.objects.filter(approvals__municipality=municipality).distinct()
    kinds = Counter(providers.values_list("kind", flat=True))
    assert kinds["in_house"] == 1 and kinds["private"] >= 4 and kinds["non_profit"] == 1
    assert set(Approval.objects.filter(municipality=municipality).values_list("status", flat=True)) == {
        "approved", "terminated", "applied"}
    open_choices = Choice.objects.filter(municipality=municipality, valid_to__isnull=True,
                                         decision__service__care_level__in=[1, 2])
    clients = Counter(open_choices.values("decision__citizen").distinct().values_list("provider__name", flat=True))
    private_sizes = sorted(n for name, n in clients.items()
                           if Provider.objects.get(name=name).kind == "private")
    assert len(private_sizes) >= 3 and private_sizes[-1] > 2 * private_sizes[0]
    assert StaffMember.objects.filter(provider__in=providers, role="caregiver").count() > 20

    # About 40 % of the recipients have chosen a private provider; the default rule is recorded.
    provider_of = {}
    for citizen_id, kind in open_choices.values_list("decision__citizen_id", "provider__kind"):
        provider_of[citizen_id] = kind
    private = sum(kind == "private" for kind in provider_of.values()) / len(provider_of)
    assert private == pytest.approx(rules.CALIBRATION.private_share, abs=0.07)
    defaults = Choice.objects.filter(municipality=municipality, how="default")
    assert defaults.exists() and not defaults.filter(default_rule="").exists()
    assert Choice.objects.filter(previous__isnull=False).exists()  # switches kept as history

    # Granted weekly hours of the recipients follow the published distribution.
    weekly = defaultdict(Decimal)
    current = Decision.objects.filter(municipality=municipality, status__in=["granted", "appealed"],
                                      valid_from__lte=TODAY, valid_to__isnull=True,
                                      service__care_level__in=[1, 2])
    for decision in current:
        weekly[decision.citizen_id] += _weekly_minutes(decision)
    hours = [float(minutes) / 60 for minutes in weekly.values()]
    shares = Counter(rules.band_index(h) for h in hours)
    for index, band in enumerate(rules.CALIBRATION.bands):
        assert shares[index] / len(hours) == pytest.approx(band.share, abs=0.06), band.label
    assert sum(hours) / len(hours) == pytest.approx(3.2, abs=0.7)
    # … and the assessments explain them: more hours, worse self-care.
    assert Decision.objects.filter(municipality=municipality, status="ended").exists()
    assert Decision.objects.filter(municipality=municipality, status="draft").exists()

    # Visits: planned and performed, with every deviation a report needs.
    visits = Visit.objects.filter(municipality=municipality)
    done = visits.filter(status="done")
    late = done.filter(actual_start__gt=F("planned_start") + timedelta(minutes=15))
    assert late.exists()
    assert any((v.actual_end - v.actual_start) > 1.2 * (v.planned_end - v.planned_start) for v in done[:3000])
    assert any((v.actual_end - v.actual_start) < 0.8 * (v.planned_end - v.planned_start) for v in done[:3000])
    assert visits.filter(status="missed", actual_start__isnull=True).exists()
    cancelled = visits.filter(status="cancelled_citizen")
    assert cancelled.filter(cancelled_at__gt=F("planned_start") - timedelta(hours=24)).exists()
    assert cancelled.filter(cancelled_at__lt=F("planned_start") - timedelta(hours=24)).exists()
    assert visits.filter(status="cancelled_provider").exists()
    assert visits.filter(status="planned", planned_start__gt=NOW + timedelta(days=10)).exists()
    hospital = Absence.objects.filter(municipality=municipality, kind="hospital")
    assert hospital.exists()
    stays_with_visits = 0
    for stay in hospital.filter(end__isnull=False)[:200]:
        during = visits.filter(citizen=stay.citizen, planned_start__date__gte=stay.start,
                               planned_start__date__lte=stay.end)
        stays_with_visits += during.exists()
        assert not during.exclude(status="cancelled_citizen").exists()
    assert stays_with_visits
    assert set(visits.values_list("check_in_method", flat=True)) >= {"app", "phone", "manual", "import"}

    # The story logins: every role, one shared password.
    usernames = [login.username for login in LOGINS]
    for role in roles.ALL_ROLES:
        assert User.objects.filter(groups__name=role.name, username__in=usernames).exists(), role
    hashes = set(User.objects.filter(username__in=usernames).values_list("password", flat=True))
    assert len(hashes) == 1 and check_password(PASSWORD, hashes.pop())
    assert set(User.objects.filter(municipality=municipality).values_list("groups__name", flat=True)) >= {
        "needs_assessor", "finance", "analyst", "procurement", "system_admin"}
    caregiver = User.objects.get(username="caregiver")
    today_visits = visits.filter(caregiver__user=caregiver, planned_start__date=TODAY)
    assert today_visits.filter(status="planned").exists()
    citizen = Citizen.objects.get(user__username="citizen")
    assert Choice.objects.filter(decision__citizen=citizen, valid_to__isnull=True, provider__kind="private").exists()
    assert visits.filter(citizen=citizen, planned_start__gt=NOW, status="planned").count() >= 10
    new = Citizen.objects.get(user__username="citizen_new")
    pending = Decision.objects.filter(citizen=new, status="granted")
    assert pending.exists() and not Choice.objects.filter(decision__citizen=new).exists()
    assert all(d.choice_deadline > TODAY for d in pending)
    poa = PowerOfAttorney.objects.get(attorney__username="relative")
    assert poa.citizen.decisions.exists() and poa.valid_to is None
    assert StaffMember.objects.filter(user__username="provider_admin", role="admin").exists()
    assert StaffMember.objects.filter(user__username="inhouse_admin", provider__kind="in_house").exists()

    # One audit row for the run.
    assert AuditEvent.objects.filter(action="demo.generate", municipality=municipality).count() == 1


def test_the_same_seed_gives_the_same_municipality():
    spec = _spec(citizens=120, months=1)
    demo_generate(spec=spec, progress=False)
    first = _digest()
    assert demo_delete() > 0
    assert demo_municipality() is None and not Citizen.objects.exists() and not Visit.objects.exists()
    demo_generate(spec=spec, progress=False)
    assert _digest() == first
    demo_delete()
    demo_generate(spec=_spec(citizens=120, months=1, seed=2), progress=False)
    assert _digest()[0] != first[0]


def test_a_second_run_does_not_duplicate():
    args = ["demo", "--no-serve", "--no-progress", "--citizens", "60", "--months", "1"]
    out = StringIO()
    call_command(*args, stdout=out)
    assert "Logins (password for all: frivalg-demo)" in out.getvalue()
    counts = (Municipality.objects.count(), Citizen.objects.count(), Decision.objects.count(), Visit.objects.count(),
              User.objects.count())
    out = StringIO()
    call_command(*args, stdout=out)
    assert "already there" in out.getvalue()
    assert (Municipality.objects.count(), Citizen.objects.count(), Decision.objects.count(), Visit.objects.count(),
            User.objects.count()) == counts
    with pytest.raises(DemoExistsError):
        demo_generate(spec=_spec(citizens=60, months=1), progress=False)
    call_command(*args, "--reset", stdout=StringIO())
    assert Municipality.objects.count() == counts[0] and Citizen.objects.count() == counts[1]


def test_a_small_visit_budget_gives_a_window_around_today():
    report = demo_generate(spec=_spec(citizens=100, months=3, visit_budget=3000), progress=False)
    assert not report.full_visit_history
    assert report.visit_start <= TODAY < report.visit_end
    assert report.visit_start > report.history_start
    visits = Visit.objects.all()
    assert 0.7 * 3000 < visits.count() < 1.3 * 3000
    assert not visits.filter(planned_start__date__lt=report.visit_start - timedelta(days=1)).exists()


def test_the_orm_reference_path_writes_the_same_rows():
    demo_generate(spec=_spec(citizens=12, months=1), progress=False)
    bulk = _digest()
    demo_delete()
    demo_generate(spec=_spec(citizens=12, months=1), progress=False, reference=True)
    assert _digest() == bulk
