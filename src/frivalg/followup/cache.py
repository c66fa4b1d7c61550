"""The cache of computed indicator tables: an indicator's parameters (its key) and the data stamp
name one result; a result is stored once, as Arrow IPC bytes, and read back as Arrow. Not a
domain write (nothing is decided or changed), so no audit row: it is a memo of a pure function
of the data."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime

import pyarrow as pa
from django.db import IntegrityError, transaction

from frivalg.followup.indicators.base import Indicator
from frivalg.followup.models import IndicatorResult


def to_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def from_bytes(data: bytes | memoryview) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(bytes(data))).read_all()


def cached(indicators: Sequence[Indicator], stamp: str, data_as_of: datetime,
           compute: Callable[[Sequence[Indicator]], dict[str, tuple[pa.Table, float]]]) -> dict[str, pa.Table]:
    """The tables of `indicators` on the data as of `stamp`: the stored ones, and the others
    computed by `compute` (called once, with only the missing indicators) and stored."""
    keys = {indicator.key(): indicator for indicator in indicators}
    found = {row.key: from_bytes(row.table)
             for row in IndicatorResult.objects.filter(stamp=stamp, key__in=list(keys))}
    missing = [indicator for key, indicator in keys.items() if key not in found]
    if missing:
        computed = compute(missing)
        for indicator in missing:
            table, seconds = computed[indicator.key()]
            found[indicator.key()] = table
            try:
                with transaction.atomic():
                    IndicatorResult.objects.create(
                        municipality_id=indicator.municipality_id, code=indicator.code, key=indicator.key(),
                        stamp=stamp, parameters=indicator.parameters(), data_as_of=data_as_of,
                        seconds=seconds, table=to_bytes(table))
            except IntegrityError:
                pass  # computed at the same time by another request: the same table
    return found


def timed_compute(engine_run: Callable[[Indicator], pa.Table]) -> Callable[
        [Sequence[Indicator]], dict[str, tuple[pa.Table, float]]]:
    def compute(indicators: Sequence[Indicator]) -> dict[str, tuple[pa.Table, float]]:
        out: dict[str, tuple[pa.Table, float]] = {}
        for indicator in indicators:
            began = time.perf_counter()
            table = engine_run(indicator)
            out[indicator.key()] = (table, time.perf_counter() - began)
        return out

    return compute
