"""Set-based writes: many rows in a constant number of statements.

claims.bulk (claims) and annotations.importing (documents) write through here: ids drawn
from the tables' sequences in one statement, then each table filled by one COPY. COPY
fires the same triggers and checks the same constraints as INSERT, at a fraction of the
cost of binding arrays or VALUES lists (it streams rows in the wire format).
"""

import time
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, models

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


def insert(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """One COPY of `rows` (attname: value, the same columns in each) into the model's
    table; nothing when there are none.

    It runs on the driver's cursor, which Django does not log, so it is logged here, as
    a query: a test counting queries counts it. The database's refusals are raised as
    Django's errors (IntegrityError), as for any query.
    """
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if f.attname in rows[0]]
    names = ", ".join(column(model, f.name) for f in fields)
    sql = f"COPY {table(model)} ({names}) FROM STDIN"
    attnames = [f.attname for f in fields]
    started = time.monotonic()
    # Django's errors (IntegrityError ...) for the driver's, as its own cursor raises them.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row([row[name] for name in attnames])
    if connection.queries_logged:
        duration = f"{time.monotonic() - started:.3f}"
        connection.queries_log.append({"sql": f"{sql} ({len(rows)} rows)", "time": duration})
