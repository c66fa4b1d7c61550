"""The demo's follow-up data: survey answers, complaints, provider terminations, budgets and the
competition task list — present, plausible and deterministic."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from statistics import mean
from zoneinfo import ZoneInfo

import pytest

from frivalg.assessments.models import AssessmentScore, Decision
from frivalg.choices.models import Choice, Complaint, ProviderRating, ProviderTermination
from frivalg.choices.rules import need_points, quarter_of
from frivalg.core.models import Citizen, PowerOfAttorney, User
from frivalg.demo import market
from frivalg.demo.municipality import LARGEST_PRIVATE, PROVIDERS, SERVICES, DemoSpec
from frivalg.demo.selectors import demo_municipality
from frivalg.demo.services import demo_delete, demo_generate
from frivalg.followup.models import CompetitionTask
from frivalg.settlements.models import SettlementBudget

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Europe/Copenhagen")
TODAY = datetime.now(TZ).date()
NOW = datetime.combine(TODAY, time(10, 0), TZ)


def _spec(citizens=300, months=12, seed=1):
    return DemoSpec(seed=seed, citizens=citizens, months=months, today=TODAY, now=NOW)


def _market_digest():
    return (
        sorted(ProviderRating.objects.values_list("public_id", "provider__org_number", "citizen__national_id",
                                                  "quarter", "respect", "on_time", "same_people", "overall")),
        sorted(Complaint.objects.values_list("public_id", "citizen__national_id", "received", "outcome", "text")),
        sorted(ProviderTermination.objects.values_list("public_id", "choice__public_id", "reason_code", "last_day",
                                                       "need_points")),
        sorted(SettlementBudget.objects.values_list("month", "amount_minor")),
        sorted(CompetitionTask.objects.values_list("public_id", "code", "exposed_on", "in_house_won_on")),
        sorted(CompetitionTask.services.through.objects.values_list("competitiontask__code", "service__code")),
    )


def test_the_demo_has_follow_up_data_that_makes_sense():
    report = demo_generate(spec=_spec(), progress=False)
    municipality = demo_municipality()
    assert municipality is not None
    assert "market" in [stage.name for stage in report.stages]
    story = set(Citizen.objects.filter(user__isnull=False).values_list("pk", flat=True))
    story |= set(PowerOfAttorney.objects.values_list("citizen_id", flat=True))
    assert len(story) == 3

    # The survey: every quarter of the history, about a third of the clients, 1–5, by provider.
    ratings = ProviderRating.objects.filter(municipality=municipality)
    quarters = {quarter_of(report.history_start + timedelta(days=d))
                for d in range((TODAY - report.history_start).days + 1)}
    assert set(ratings.values_list("quarter", flat=True)) == quarters
    assert report.counts["choices.ProviderRating"] == ratings.count()
    assert not ratings.filter(citizen_id__in=story).exists()
    choices = Choice.objects.filter(municipality=municipality, valid_from__lte=TODAY)
    client_quarters = set()
    for provider, citizen, valid_from, valid_to in choices.values_list("provider_id", "decision__citizen_id",
                                                                      "valid_from", "valid_to"):
        for quarter in quarters:
            first, last = market._quarter_bounds(quarter)
            if valid_from <= last and (valid_to is None or valid_to >= first) and citizen not in story:
                client_quarters.add((provider, citizen, quarter))
    answered = set(ratings.values_list("provider_id", "citizen_id", "quarter"))
    assert answered <= client_quarters  # only clients rate, in a quarter they were clients
    assert 0.25 < len(answered) / len(client_quarters) < 0.42
    scores = defaultdict(list)
    for org, *answers in ratings.values_list("provider__org_number", "respect", "on_time", "same_people", "overall"):
        assert all(1 <= a <= 5 for a in answers)
        scores[org].append(mean(answers))
    org = {spec.key: spec.org_number for spec in PROVIDERS}
    assert mean(scores[org["FK"]]) > mean(scores[org[LARGEST_PRIVATE]]) + 0.2
    for spec_key in ("FK", LARGEST_PRIVATE):  # continuity scores below respect
        values = list(ratings.filter(provider__org_number=org[spec_key]).values_list("same_people", "respect"))
        assert mean(s for s, _r in values) < mean(r for _s, r in values), spec_key

    # Complaints: a few, the older ones decided.
    complaints = Complaint.objects.filter(municipality=municipality)
    assert 5 <= complaints.count() < 0.05 * len(client_quarters)
    assert not complaints.filter(citizen_id__in=story).exists()
    old = complaints.filter(received__lt=TODAY - timedelta(days=market.COMPLAINT_DECISION_DAYS + 1))
    assert old.exists() and not old.filter(outcome="").exists()
    assert set(old.values_list("outcome", flat=True)) == {"upheld", "partly", "rejected"}
    assert not complaints.filter(received__gt=TODAY).exists()
    assert not complaints.exclude(outcome="").filter(decided_by__isnull=True).exists()

    # Terminations: switches that were the provider's notice, with the need at the time.
    terminations = ProviderTermination.objects.filter(municipality=municipality).select_related("choice", "decision")
    assert terminations.exists()
    for termination in terminations:
        choice = termination.choice
        assert choice.provider_id == termination.provider_id and choice.decision_id == termination.decision_id
        assert choice.valid_to == termination.last_day < TODAY
        assert termination.choose_by >= termination.last_day and termination.notice_days == market.NOTICE_DAYS
        successor = Choice.objects.get(previous=choice)
        assert successor.initiated_by == "provider" and successor.valid_from > termination.last_day
        scores_then = dict(AssessmentScore.objects.filter(assessment=termination.decision.assessment)
                           .values_list("area_code", "score"))
        assert termination.need_scores == scores_then
        assert termination.need_points == need_points(scores_then, "fsiii")
        assert termination.decision.citizen_id not in story
    assert not terminations.filter(provider__org_number=org["PJ"]).exists()

    # Budgets: every month from the history's first to December, about the granted hours' cost.
    budgets = dict(SettlementBudget.objects.filter(municipality=municipality).values_list("month", "amount_minor"))
    first = date(report.history_start.year, report.history_start.month, 1)
    assert min(budgets) == first and max(budgets) == date(TODAY.year, 12, 1)
    assert len(budgets) == (TODAY.year - first.year) * 12 + 12 - first.month + 1
    weekly = Decimal(0)
    current = Decision.objects.filter(municipality=municipality, status__in=["granted", "appealed"],
                                      valid_from__lte=date(TODAY.year, TODAY.month, 1), valid_to__isnull=True,
                                      unit__in=["minute", "hour"])
    for decision in current:
        per_unit = {"minute": 1, "hour": 60}[decision.unit]
        per_week = {"day": Decimal(7), "week": Decimal(1), "month": Decimal(12) / Decimal(52)}[decision.frequency]
        weekly += decision.amount * per_unit * per_week
    # Granted minutes of a month at about 6.5–7 DKK a minute (weekday rates of 375–405 DKK an hour
    # plus 4 %): the budget, which also prices meals and the decisions that start or end in the
    # month, is near it.
    rough = float(weekly) * 52 / 12 * 675
    assert 0.9 * rough < budgets[date(TODAY.year, TODAY.month, 1)] < 1.35 * rough
    assert all(amount % 10_000 == 0 and amount > 0 for amount in budgets.values())

    # The competition task list.
    tasks = {t.code: t for t in CompetitionTask.objects.filter(municipality=municipality)}
    assert list(tasks) == ["MAD", "MYNDIGHED", "PLEJE", "PRAKTISK", "SYGEPLEJE"]
    groups = {spec.code: spec.group for spec in SERVICES}
    assert {groups[s.code] for s in tasks["PRAKTISK"].services.all()} == {"practical"}
    assert tasks["PRAKTISK"].services.count() == 3 and tasks["PLEJE"].services.count() == 6
    assert tasks["PRAKTISK"].exposed_on == market.FREE_CHOICE_SINCE and tasks["PRAKTISK"].in_house_won_on is None
    assert tasks["MAD"].in_house_won_on == tasks["MAD"].exposed_on is not None
    assert tasks["SYGEPLEJE"].exposable and tasks["SYGEPLEJE"].exposed_on is None
    assert not tasks["MYNDIGHED"].exposable and not tasks["MYNDIGHED"].services.exists()

    # The politician's login.
    politician = User.objects.get(username="politician")
    assert politician.municipality == municipality and politician.groups.filter(name="politician").exists()


def test_the_same_seed_gives_the_same_market_and_deleting_removes_it():
    spec = _spec(citizens=120, months=6)
    demo_generate(spec=spec, progress=False)
    first = _market_digest()
    assert first[0] and first[3] and first[5]
    assert demo_delete() > 0
    assert not CompetitionTask.services.through.objects.exists()
    assert not ProviderRating.objects.exists() and not SettlementBudget.objects.exists()
    demo_generate(spec=spec, progress=False)
    assert _market_digest() == first
    demo_delete()
    demo_generate(spec=_spec(citizens=120, months=6, seed=2), progress=False)
    assert _market_digest()[0] != first[0]
