"""Set-based writes: many rows in a constant number of statements.

claims.bulk (claims) and annotations.importing (documents) write through here: ids drawn
from the tables' sequences in one statement, then each table filled by one COPY. COPY
fires the same triggers and checks the same constraints as INSERT, at a fraction of the
cost of binding arrays or VALUES lists (it streams rows in the wire format).
"""

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any

from django.db import connection, models
from psycopg import Copy

from config.sql import column, table


def draw_ids(*wanted: tuple[type[models.Model], int]) -> list[list[int]]:
    """For each (model, count), `count` new ids from the model's sequence; one statement."""
    drawn = ", ".join(
        "ARRAY(SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s))"
        for _ in wanted
    )
    params = [value for model, count in wanted for value in (model._meta.db_table, count)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {drawn}", params)
        row = cursor.fetchone()
    return [list(ids) for ids in row]


def columns(obj: models.Model) -> dict[str, Any]:
    """A model instance as insert() takes it; without its primary key while it has none."""
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if not (f.primary_key and obj.pk is None)
    }


def insert(model: type[models.Model], rows: Iterable[Mapping[str, Any]]) -> None:
    """One COPY of `rows` (attname: value, the same columns in each) into the model's
    table; nothing when there are none."""
    with streamed_insert(model) as write:
        for row in rows:
            write(row)


def no_query_during(copy: str) -> Callable[..., Any]:
    """An execute wrapper (Django's) that refuses any query, naming the open COPY."""

    def refuse(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        raise RuntimeError(f"{sql!r} was run while {copy!r} was open")

    return refuse


@contextmanager
def streamed_insert(model: type[models.Model]) -> Iterator[Callable[[Mapping[str, Any]], None]]:
    """A function that writes a row (attname: value, the same columns in each) into the
    model's table: one COPY, begun by the first row (whose keys name the columns) and
    ended with the block. psycopg sends what is written every 32 KiB, so the database
    stores those rows while the caller makes the next ones. An exception out of the
    block cancels the COPY (and the transaction must be rolled back). No query may run
    on the connection meanwhile: one would fail at once (no_query_during).

    It runs on the driver's cursor, which Django does not log, so it is logged here, as
    a query: a test counting queries counts it. The database's refusals are raised as
    Django's errors (IntegrityError), as for any query.
    """
    copy: Copy | None = None
    names: list[str] = []
    rows, sql, started = 0, "", 0.0

    def write(row: Mapping[str, Any]) -> None:
        nonlocal copy, names, rows, sql, started
        if copy is None:
            started = time.monotonic()
            fields = [f for f in model._meta.concrete_fields if f.attname in row]
            names = [f.attname for f in fields]
            columns = ", ".join(column(model, f.name) for f in fields)
            sql = f"COPY {table(model)} ({columns}) FROM STDIN"
            # Django's errors (IntegrityError ...) for the driver's, as its own cursor
            # raises them; entered first, so that it also sees the COPY's end.
            stack.enter_context(connection.wrap_database_errors)
            cursor = stack.enter_context(connection.cursor())
            copy = stack.enter_context(cursor.cursor.copy(sql))
            # The connection serves nothing else until the COPY ends: a query made
            # meanwhile (a lazy attribute of a model, say) would wait forever on it.
            stack.enter_context(connection.execute_wrapper(no_query_during(sql)))
        copy.write_row([row[name] for name in names])
        rows += 1

    try:
        with ExitStack() as stack:
            yield write
    finally:  # a cancelled COPY too; the time it was open, the caller's work included
        if rows and connection.queries_logged:
            duration = f"{time.monotonic() - started:.3f}"
            connection.queries_log.append({"sql": f"{sql} ({rows} rows)", "time": duration})
