"""Request and response shapes of settlement runs in the JSON API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from frivalg.core.schemas import EARLIEST_YEAR, LATEST_YEAR, Input, QueryInput
from frivalg.providers.schemas import ProviderRef
from frivalg.settlements.models import ReasonCode


class RunOut(Schema):
    id: UUID
    provider: ProviderRef
    municipality: str
    period_start: date
    period_end: date = Field(..., description="Exclusive.")
    status: str
    currency: str
    total_minor: int = Field(..., description="In øre/öre.")
    line_count: int
    approved_at: datetime | None
    exported_at: datetime | None

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_municipality(obj: Any) -> str:
        return obj.municipality.code  # type: ignore[no-any-return]


class LineOut(Schema):
    id: UUID
    visit: UUID | None
    decision: UUID | None
    service: str
    time_band: str
    planned_minutes: int
    performed_minutes: int
    payable_minutes: Decimal
    unit_price_minor: int
    amount_minor: int
    reason_code: str

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_visit(obj: Any) -> UUID | None:
        return obj.visit.public_id if obj.visit_id else None

    @staticmethod
    def resolve_decision(obj: Any) -> UUID | None:
        return obj.decision.public_id if obj.decision_id else None

    @staticmethod
    def resolve_service(obj: Any) -> str:
        return obj.service.code  # type: ignore[no-any-return]


class RunDetailOut(RunOut):
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return obj.visible_lines  # type: ignore[no-any-return]  # set by the endpoint from lines_for


class MonthIn(Input):
    """A calendar month, settled for every provider of the municipality."""

    year: int = Field(..., ge=EARLIEST_YEAR, le=LATEST_YEAR)
    month: int = Field(..., ge=1, le=12)


class MonthOut(Schema):
    """What computing a month gave: the runs written (drafts and corrections) and the hashes."""

    period_start: date
    period_end: date = Field(..., description="Exclusive.")
    runs: list[RunOut]
    lines: int
    deviations: int
    bills: int = Field(..., description="Co-payment bills computed.")
    total_minor: int = Field(..., description="In øre/öre.")
    input_hash: str
    output_hash: str


class BatchOut(Schema):
    """A month computed in the background: poll it until `status` is `done` or `failed`."""

    id: UUID
    municipality: str
    period_start: date
    period_end: date = Field(..., description="Exclusive.")
    status: str = Field(..., description="queued, running, done or failed.")
    step: str = Field(..., description="queued, snapshot, engine, store or done.")
    percent: int
    message: str = Field(..., description="Why it failed, when it did.")
    lines: int
    deviations: int
    bills: int
    total_minor: int = Field(..., description="In øre/öre.")
    input_hash: str
    output_hash: str
    runs: list[UUID]
    started_at: datetime | None
    finished_at: datetime | None

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_municipality(obj: Any) -> str:
        return obj.municipality.code  # type: ignore[no-any-return]

    @staticmethod
    def resolve_lines(obj: Any) -> int:
        return obj.line_count  # type: ignore[no-any-return]

    @staticmethod
    def resolve_deviations(obj: Any) -> int:
        return obj.deviation_count  # type: ignore[no-any-return]

    @staticmethod
    def resolve_bills(obj: Any) -> int:
        return obj.bill_count  # type: ignore[no-any-return]

    @staticmethod
    def resolve_runs(obj: Any) -> list[UUID]:
        return [run.public_id for run in obj.runs.order_by("provider__name", "kind")]


class LinesQuery(QueryInput):
    reason: ReasonCode | None = Field(None, description="Only the lines of this reason code.")


# --- statements, disputes and co-payment bills (settlements.documents) ------------------------


class DisputeIn(Input):
    comment: str = Field(..., min_length=1, max_length=4000, description="What is wrong with the line.")


class DisputeOut(Schema):
    id: UUID
    line: UUID
    run: UUID
    status: str
    comment: str
    answer: str
    created_at: datetime

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_line(obj: Any) -> UUID:
        return obj.line.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_run(obj: Any) -> UUID:
        return obj.line.run.public_id  # type: ignore[no-any-return]


class BandTotalOut(Schema):
    service_code: str
    time_band: str
    lines: int
    payable_minutes: Decimal
    units: Decimal
    amount_minor: int


class ReasonTotalOut(Schema):
    reason_code: str
    label: str
    lines: int
    payable_minutes: Decimal
    amount_minor: int


class StatementOut(Schema):
    run: RunOut
    engine_version: str
    input_hash: str
    output_hash: str
    total_minor: int = Field(..., description="In øre/öre; the sum of every line.")
    line_count: int
    open_disputes: int
    by_band: list[BandTotalOut] = Field(..., description="Per service and time band.")
    by_reason: list[ReasonTotalOut]

    @staticmethod
    def resolve_engine_version(obj: Any) -> str:
        return obj.run.engine_version  # type: ignore[no-any-return]

    @staticmethod
    def resolve_input_hash(obj: Any) -> str:
        return obj.run.input_hash  # type: ignore[no-any-return]

    @staticmethod
    def resolve_output_hash(obj: Any) -> str:
        return obj.run.output_hash  # type: ignore[no-any-return]


class BillOut(Schema):
    id: UUID
    citizen: UUID
    period_start: date
    period_end: date = Field(..., description="Exclusive.")
    currency: str
    minutes: int
    units: int = Field(..., description="Ten-thousandths of a unit.")
    fee_minor: int = Field(..., description="The fee before the cap, in øre/öre.")
    cap_minor: int | None = Field(..., description="The monthly cap of the citizen's income bracket.")
    meals_count: int = Field(..., description="Meals delivered in the month (meals marketplace).")
    meals_minor: int = Field(..., description="The citizen's share of those meals, in øre/öre, outside the cap.")
    amount_minor: int = Field(..., description="To pay: the fee after the cap plus the meals.")

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_citizen(obj: Any) -> UUID:
        return obj.citizen.public_id  # type: ignore[no-any-return]
