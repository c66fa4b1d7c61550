"""Writing many rows fast: the demo's bulk path. Rows are tuples of database-ready values (ids,
strings, numbers, booleans, None) in the order of the field names given; the loader turns them
into one prepared INSERT run with `executemany` on SQLite and into `COPY … FROM STDIN` on
PostgreSQL. Ids are given explicitly (the generator numbers rows from `next_id`), so rows can
point at each other without reading anything back; `finish` moves PostgreSQL's sequences on.

`OrmLoader` writes the same rows one `Model.save()` at a time: the reference the benchmark
measures the bulk path against."""

from __future__ import annotations

import json
import queue
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.management.color import no_style
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

Row = tuple[Any, ...]


class Chunk(NamedTuple):
    """Rows for one table; `advance` is what the progress bar moves on when they are written."""

    model: type[models.Model]
    fields: tuple[str, ...]
    rows: list[Row]
    advance: int = 0


class Loader:
    """Bulk writer for one database connection, inside the caller's transaction."""

    #: Appended to every 'YYYY-MM-DD HH:MM:SS' UTC timestamp the generator formats.
    datetime_suffix = ""

    def __init__(self, connection: BaseDatabaseWrapper):
        self.connection = connection
        self.vendor = connection.vendor
        self.written: dict[str, int] = {}
        self._touched: list[type[models.Model]] = []
        self._statements: dict[tuple[type[models.Model], tuple[str, ...]], str] = {}
        self._deferred: list[str] = []
        self._deferred_constraints: list[str] = []
        if self.vendor == "postgresql":
            self.datetime_suffix = "+00"
        elif self.vendor != "sqlite":
            raise NotImplementedError(f"the demo loader supports SQLite and PostgreSQL, not {self.vendor}")

    def next_id(self, model: type[models.Model]) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{model._meta.db_table}"')  # noqa: S608
            return int(cursor.fetchone()[0]) + 1

    def _columns(self, model: type[models.Model], fields: Sequence[str]) -> list[str]:
        columns = []
        for name in fields:
            field = model._meta.get_field(name)
            assert isinstance(field, models.Field)
            columns.append(str(field.column))
        return columns

    def insert(self, model: type[models.Model], fields: Sequence[str], rows: Iterable[Row],
               progress: Callable[[int], None] | None = None, every: int = 20000,
               background: bool = False) -> int:
        """Write `rows` of one table in batches of `every`; call `progress(n)` after each batch."""
        chunks = (Chunk(model, tuple(fields), batch, len(batch)) for batch in _batched(rows, every))
        return self.write(chunks, progress=progress, background=background)

    def write(self, chunks: Iterable[Chunk], progress: Callable[[int], None] | None = None,
              background: bool = False) -> int:
        """Write chunks (of any tables, in order); call `progress(chunk.advance)` after each. With
        `background` the chunks are produced by a second thread while this one writes: the
        database releases the GIL while it works, so on two cores generating and writing overlap.
        Returns the number of rows written."""
        count = 0
        for chunk in _in_background(chunks) if background else chunks:
            if chunk.rows:
                self._write_chunk(chunk)
                table = chunk.model._meta.db_table
                self.written[table] = self.written.get(table, 0) + len(chunk.rows)
                if chunk.model not in self._touched:
                    self._touched.append(chunk.model)
                count += len(chunk.rows)
            if progress and chunk.advance:
                progress(chunk.advance)
        return count

    def _write_chunk(self, chunk: Chunk) -> None:
        key = (chunk.model, chunk.fields)
        statement = self._statements.get(key)
        table = chunk.model._meta.db_table
        if statement is None:
            columns = ", ".join(f'"{c}"' for c in self._columns(chunk.model, chunk.fields))
            if self.vendor == "sqlite":
                marks = ", ".join("?" * len(chunk.fields))
                statement = f'INSERT INTO "{table}" ({columns}) VALUES ({marks})'  # noqa: S608
            else:
                statement = f'COPY "{table}" ({columns}) FROM STDIN'
            self._statements[key] = statement
        raw = self.connection.connection  # the DB-API connection, in Django's open transaction
        if self.vendor == "sqlite":
            cursor = raw.cursor()
            cursor.executemany(statement, chunk.rows)
            cursor.close()
        else:
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in chunk.rows:
                    copy.write_row(row)

    def defer_indexes(self, models_: Sequence[type[models.Model]]) -> None:
        """Drop the secondary indexes (and on PostgreSQL the foreign keys) of these tables until
        `finish` creates them again: building an index once over all rows costs a fraction of
        updating it row by row (on SQLite about 14 µs a visit instead of 29 on the benchmark
        machine), and PostgreSQL validates a re-added foreign key with one join instead of one
        deferred trigger per row. All inside the transaction, so a failure restores them."""
        self._flush_deferred_checks()
        with self.connection.cursor() as cursor:
            for model in models_:
                table = model._meta.db_table
                if self.vendor == "sqlite":
                    cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                                   "AND sql IS NOT NULL", [table])
                    for name, definition in cursor.fetchall():
                        cursor.execute(f'DROP INDEX "{name}"')
                        self._deferred.append(definition)
                    continue
                cursor.execute(
                    "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                    "WHERE c.conrelid = %s::regclass AND c.contype = 'f'", [table])
                for name, definition in cursor.fetchall():
                    cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                    self._deferred_constraints.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
                cursor.execute(
                    "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                    "JOIN pg_class i ON i.oid = x.indexrelid "
                    "WHERE x.indrelid = %s::regclass "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)", [table])
                for name, definition in cursor.fetchall():
                    cursor.execute(f'DROP INDEX "{name}"')
                    self._deferred.append(definition)

    def _flush_deferred_checks(self) -> None:
        """PostgreSQL refuses to alter a table with deferred foreign-key checks pending (from rows
        written earlier in the transaction): run them now."""
        if self.vendor == "postgresql":
            with self.connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def finish(self) -> None:
        """Create the deferred indexes; after explicit ids, let PostgreSQL's id sequences continue
        past them."""
        self._flush_deferred_checks()
        with self.connection.cursor() as cursor:
            for definition in self._deferred + self._deferred_constraints:
                cursor.execute(definition)
        self._deferred.clear()
        self._deferred_constraints.clear()
        if self.vendor != "postgresql" or not self._touched:
            return
        statements = self.connection.ops.sequence_reset_sql(no_style(), self._touched)
        with self.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def _batched(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


_DONE = object()


def _in_background(chunks: Iterable[Chunk]) -> Iterator[Chunk]:
    """The chunks, produced by a daemon thread a few chunks ahead of the consumer. An exception
    in the producer is raised in the consumer; a consumer that stops early stops the producer."""
    handoff: queue.Queue[Any] = queue.Queue(maxsize=4)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
            put(_DONE)
        except BaseException as error:  # handed over to the consumer, which raises it
            put(error)

    thread = threading.Thread(target=produce, name="demo-rows", daemon=True)
    thread.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def _parse_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value.removesuffix("+00")).replace(tzinfo=UTC)


class OrmLoader(Loader):
    """The reference path: the same rows, one ORM `save()` per row, into tables that keep all
    their indexes — what writing through the services, row by row, would cost."""

    def defer_indexes(self, models_: Sequence[type[models.Model]]) -> None:
        return None

    def _write_chunk(self, chunk: Chunk) -> None:
        converters: list[Callable[[Any], Any] | None] = []
        for name in chunk.fields:
            field = chunk.model._meta.get_field(name)
            if isinstance(field, models.DateTimeField):
                converters.append(lambda v: None if v is None else _parse_datetime(v))
            elif isinstance(field, models.DateField):
                converters.append(lambda v: None if v is None else date.fromisoformat(v))
            elif isinstance(field, models.UUIDField):
                converters.append(uuid.UUID)
            elif isinstance(field, models.JSONField):
                converters.append(json.loads)
            elif isinstance(field, models.DecimalField):
                converters.append(Decimal)
            else:
                converters.append(None)
        for row in chunk.rows:
            values = {name: (convert(value) if convert is not None else value)
                      for name, convert, value in zip(chunk.fields, converters, row, strict=True)}
            chunk.model(**values).save(force_insert=True)
