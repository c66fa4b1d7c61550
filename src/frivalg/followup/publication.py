"""Publishing figures without personal data: a row whose count of people or cases is below the
threshold (5, as Statistics Denmark and the Nordic statistics offices commonly do for small
cells) shows no values; the row stays, so readers see that something was held back. Pure: no
Django."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

SMALL_COUNT = 5


def suppress(table: pa.Table, count_columns: Sequence[str], value_columns: Sequence[str],
             threshold: int = SMALL_COUNT) -> tuple[pa.Table, int]:
    """`table` with every value column set to null in the rows where any of `count_columns` is
    above zero and below `threshold` (a zero is no person and says nothing about anyone), and the
    number of rows so suppressed. Dimension columns are left alone."""
    if not count_columns or table.num_rows == 0:
        return table, 0
    small = None
    for name in count_columns:
        column = pc.fill_null(table.column(name), 0)
        this = pc.and_(pc.greater(column, 0), pc.less(column, threshold))
        small = this if small is None else pc.or_(small, this)
    assert small is not None
    hidden = int(pc.sum(small.cast(pa.int64())).as_py() or 0)
    if hidden == 0:
        return table, 0
    for name in value_columns:
        index = table.schema.get_field_index(name)
        column = table.column(name)
        table = table.set_column(index, name, pc.if_else(small, pa.scalar(None, column.type), column))
    return table, hidden
