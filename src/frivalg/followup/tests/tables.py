"""Small hand-made snapshots for indicator tests: `engine(visits=[{...}, …], choices=[…])` builds
each table from row dicts, filling the columns a row leaves out with nulls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from frivalg.followup import snapshot_schema as schema
from frivalg.followup.engine import Engine


def table(name: str, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    target = schema.TABLES[name]
    unknown = {key for row in rows for key in row} - set(target.names)
    if unknown:
        raise KeyError(f"{name} has no column {', '.join(sorted(unknown))}")
    return pa.Table.from_pydict({f.name: [row.get(f.name) for row in rows] for f in target}, schema=target)


def engine(**tables: Sequence[Mapping[str, Any]]) -> Engine:
    return Engine.from_arrow({name: table(name, rows) for name, rows in tables.items()})
