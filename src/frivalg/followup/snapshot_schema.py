"""The shape of a follow-up snapshot: the installation's operational data as Arrow tables, the
input of every indicator (followup.indicators). One row per fact, no personal data beyond
internal ids: no names, national ids or addresses of citizens or caregivers ever enter it.

Conventions: every fact carries `municipality_id`; days are local calendar dates (`date32`);
`month` is the first day of the local month; minutes are whole minutes; money is integer minor
units of the municipality's currency; `need_points` is the assessed need as one number
(choices.rules.need_points: FSIII sums the scores 1–4, IPLOS sums score − 1). Pure: no Django."""

from __future__ import annotations

import pyarrow as pa

MUNICIPALITIES = pa.schema([
    ("municipality_id", pa.int64()),
    ("code", pa.string()),
    ("name", pa.string()),
    ("country", pa.string()),
    ("currency", pa.string()),
])

DISTRICTS = pa.schema([
    ("municipality_id", pa.int64()),
    ("district_id", pa.int64()),
    ("code", pa.string()),
    ("name", pa.string()),
    ("kind", pa.string()),
])

SERVICES = pa.schema([
    ("municipality_id", pa.int64()),
    ("service_id", pa.int64()),
    ("code", pa.string()),
    ("name", pa.string()),
    ("unit", pa.string()),
    ("basis", pa.string()),
    ("care_level", pa.int32()),
])

#: Providers are shared across municipalities; `kind` is in_house / private / non_profit.
PROVIDERS = pa.schema([
    ("provider_id", pa.int64()),
    ("name", pa.string()),
    ("kind", pa.string()),
])

#: Citizens with their district now and their latest completed assessment's need.
CITIZENS = pa.schema([
    ("municipality_id", pa.int64()),
    ("citizen_id", pa.int64()),
    ("district_id", pa.int64()),
    ("birth_year", pa.int32()),
    ("need_points", pa.int32()),
])

#: One row per approval and served district (`district_id` null: every district of the
#: municipality). `status` as providers.ApprovalStatus; days inclusive, null `to_day`: open.
APPROVALS = pa.schema([
    ("municipality_id", pa.int64()),
    ("approval_id", pa.int64()),
    ("provider_id", pa.int64()),
    ("service_id", pa.int64()),
    ("district_id", pa.int64()),
    ("status", pa.string()),
    ("from_day", pa.date32()),
    ("to_day", pa.date32()),
    ("capacity", pa.int32()),
    ("accepting", pa.bool_()),
])

#: Decisions (every version). `granted_month_minutes`: the month's granted time as settlement
#: counts it (null for grants not in time units); `need_points` of the assessment it rests on.
DECISIONS = pa.schema([
    ("municipality_id", pa.int64()),
    ("decision_id", pa.int64()),
    ("citizen_id", pa.int64()),
    ("service_id", pa.int64()),
    ("status", pa.string()),
    ("version", pa.int32()),
    ("previous_id", pa.int64()),
    ("decided_day", pa.date32()),
    ("from_day", pa.date32()),
    ("to_day", pa.date32()),
    ("granted_month_minutes", pa.int64()),
    ("need_points", pa.int32()),
])

#: Choices: `how` active / default, `initiated_by` as choices.Initiator, `is_switch` when the row
#: replaced an earlier choice of the same decision.
CHOICES = pa.schema([
    ("municipality_id", pa.int64()),
    ("choice_id", pa.int64()),
    ("decision_id", pa.int64()),
    ("citizen_id", pa.int64()),
    ("service_id", pa.int64()),
    ("provider_id", pa.int64()),
    ("from_day", pa.date32()),
    ("to_day", pa.date32()),
    ("how", pa.string()),
    ("default_rule", pa.string()),
    ("initiated_by", pa.string()),
    ("is_switch", pa.bool_()),
])

#: Visits: `day`/`month`/`start_minute` of the planned start in local time; `performed_minutes`
#: for done visits checked in and out (else null); `delay_minutes` = check-in − planned start
#: (null without a check-in); `district_id` is the citizen's.
VISITS = pa.schema([
    ("municipality_id", pa.int64()),
    ("citizen_id", pa.int64()),
    ("provider_id", pa.int64()),
    ("service_id", pa.int64()),
    ("decision_id", pa.int64()),
    ("district_id", pa.int64()),
    ("caregiver_id", pa.int64()),
    ("status", pa.string()),
    ("day", pa.date32()),
    ("month", pa.date32()),
    ("start_minute", pa.int16()),
    ("planned_minutes", pa.int32()),
    ("performed_minutes", pa.int32()),
    ("delay_minutes", pa.int32()),
])

#: Provider-initiated ends of a client relationship, with the client's need at the time.
TERMINATIONS = pa.schema([
    ("municipality_id", pa.int64()),
    ("provider_id", pa.int64()),
    ("citizen_id", pa.int64()),
    ("decision_id", pa.int64()),
    ("service_id", pa.int64()),
    ("last_day", pa.date32()),
    ("reason_code", pa.string()),
    ("need_points", pa.int32()),
])

COMPLAINTS = pa.schema([
    ("municipality_id", pa.int64()),
    ("provider_id", pa.int64()),
    ("citizen_id", pa.int64()),
    ("received_day", pa.date32()),
    ("outcome", pa.string()),
])

#: The satisfaction survey citizens answer in the portal (choices.ProviderRating): four
#: questions 1–5, once per provider and quarter; `quarter_start` is the quarter's first day.
RATINGS = pa.schema([
    ("municipality_id", pa.int64()),
    ("provider_id", pa.int64()),
    ("citizen_id", pa.int64()),
    ("quarter_start", pa.date32()),
    ("respect", pa.int16()),
    ("on_time", pa.int16()),
    ("same_people", pa.int16()),
    ("overall", pa.int16()),
])

#: Settled cost: the settlement lines summed per month, provider, service and citizen, from
#: every run (corrections included); `final` when the run is approved or exported.
COSTS = pa.schema([
    ("municipality_id", pa.int64()),
    ("month", pa.date32()),
    ("provider_id", pa.int64()),
    ("service_id", pa.int64()),
    ("citizen_id", pa.int64()),
    ("amount_minor", pa.int64()),
    ("performed_minutes", pa.int64()),
    ("final", pa.bool_()),
])

BUDGETS = pa.schema([
    ("municipality_id", pa.int64()),
    ("month", pa.date32()),
    ("amount_minor", pa.int64()),
])

#: The in-house unit's after-calculations (pricing.AfterCalculationLine): set price vs actual
#: cost per service and band; `day` is when the after-calculation was made.
AFTER_CALCULATIONS = pa.schema([
    ("municipality_id", pa.int64()),
    ("after_calculation_id", pa.int64()),
    ("day", pa.date32()),
    ("provider_id", pa.int64()),
    ("service_code", pa.string()),
    ("time_band", pa.string()),
    ("minutes", pa.int64()),
    ("set_price_minor", pa.int64()),
    ("actual_price_minor", pa.int64()),
    ("difference_minor", pa.int64()),
])

#: Waiting-list entries (limited places): `placed_day` null while waiting.
WAITING = pa.schema([
    ("municipality_id", pa.int64()),
    ("service_id", pa.int64()),
    ("citizen_id", pa.int64()),
    ("need_score", pa.int32()),
    ("urgent", pa.bool_()),
    ("applied_day", pa.date32()),
    ("placed_day", pa.date32()),
    ("left_day", pa.date32()),
    ("status", pa.string()),
])

#: The municipality's task list for the competition exposure indicator (followup.CompetitionTask):
#: `exposable` whether the task could be exposed to competition, `exposed_on` when it was first
#: (free choice or tender), `in_house_won_on` when the in-house unit won it in competition.
TASKS = pa.schema([
    ("municipality_id", pa.int64()),
    ("task_id", pa.int64()),
    ("code", pa.string()),
    ("name", pa.string()),
    ("exposable", pa.bool_()),
    ("exposed_on", pa.date32()),
    ("in_house_won_on", pa.date32()),
])

#: Which services make up each task.
TASK_SERVICES = pa.schema([
    ("task_id", pa.int64()),
    ("service_id", pa.int64()),
])

#: Tender lots (tenders.Lot), one row per lot: `published_day` the local day the tender was
#: published (null while planned), `deadline_day` the local day of its bid deadline, `status` the
#: tender's (tenders.TenderStatus). The bids are sealed until the tender is opened: before that
#: (and for a tender cancelled) `bids`, `control_bid`, `private_bids` and `winner_kind` are null.
#: Once opened: `bids` the bids that took part (submitted, or rejected in the evaluation; drafts
#: and withdrawn bids never count), `control_bid` whether the in-house unit's control bid is among
#: them, `private_bids` how many came from private providers. `awarded` whether the award on the
#: lot has been decided; `winner_kind` the provider kind (in_house / private / non_profit) of the
#: first winning bid (the earliest bid among the winners), null without an award.
TENDER_LOTS = pa.schema([
    ("municipality_id", pa.int64()),
    ("tender_id", pa.int64()),
    ("lot_id", pa.int64()),
    ("service_id", pa.int64()),
    ("published_day", pa.date32()),
    ("deadline_day", pa.date32()),
    ("status", pa.string()),
    ("bids", pa.int32()),
    ("control_bid", pa.bool_()),
    ("private_bids", pa.int32()),
    ("awarded", pa.bool_()),
    ("winner_kind", pa.string()),
])

TABLES: dict[str, pa.Schema] = {
    "municipalities": MUNICIPALITIES,
    "districts": DISTRICTS,
    "services": SERVICES,
    "providers": PROVIDERS,
    "citizens": CITIZENS,
    "approvals": APPROVALS,
    "decisions": DECISIONS,
    "choices": CHOICES,
    "visits": VISITS,
    "terminations": TERMINATIONS,
    "complaints": COMPLAINTS,
    "ratings": RATINGS,
    "costs": COSTS,
    "budgets": BUDGETS,
    "after_calculations": AFTER_CALCULATIONS,
    "waiting": WAITING,
    "tasks": TASKS,
    "task_services": TASK_SERVICES,
    "tender_lots": TENDER_LOTS,
}


def empty(name: str) -> pa.Table:
    return TABLES[name].empty_table()


def conform(name: str, table: pa.Table) -> pa.Table:
    """`table` with exactly the schema of `name` (columns in order, cast), or ValueError."""
    target = TABLES[name]
    missing = [f.name for f in target if f.name not in table.column_names]
    if missing:
        raise ValueError(f"{name}: missing columns {', '.join(missing)}")
    return pa.Table.from_arrays([table.column(f.name).cast(f.type) for f in target], schema=target)
