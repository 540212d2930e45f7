"""Streamed claim exports: CSV, JSON Lines, JSON and W3C Web Annotation JSON-LD.

One export is one SELECT inside a REPEATABLE READ transaction: the rows come
from a single snapshot (a claim written while the export runs is neither
duplicated nor half-seen), memory stays flat however many rows there are, and
no row causes another query (topics are aggregated in the same SELECT).

CSV and JSON Lines are rendered by PostgreSQL itself and streamed out of
`COPY (SELECT ...) TO STDOUT` as they arrive, several times faster than
building each row in Python (bench/README.md). JSON and JSON-LD are built here
from a server-side cursor. Both paths write values alike: decimals as exact
strings, dates as YYYY-MM-DD, timestamps in UTC ISO 8601 with microseconds.

The CSV and JSON column order is EXPORT_COLUMNS, documented in README.md
("Using the API"); new columns are only ever appended.
"""

import datetime
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from decimal import Decimal
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db import connection, models, transaction
from django.db.models import F, OuterRef, QuerySet, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Greatest, Least, Substr

from claims.models import Claim

AnyField = models.Field[Any, Any]
# render(select, fields) -> the COPY statement; see copy_out.
Renderer = Callable[[str, dict[str, AnyField]], str]

# Rows fetched from the server-side cursor at a time, and rows per chunk sent.
FETCH_ROWS = 2000
SEND_ROWS = 500
# Bytes of COPY output gathered into one chunk of the response.
COPY_CHUNK_BYTES = 1 << 16
# Characters of context before and after a quote in a TextQuoteSelector.
CONTEXT_CHARS = 32


def _figure(field: str) -> Coalesce:
    """A figure field from the claim's target statement or else its observation."""
    return Coalesce(F(f"target_statement__{field}"), F(f"observation__{field}"))


def _topic_names() -> ArraySubquery:
    through = Claim.topics.through.objects.filter(claim_id=OuterRef("pk"))
    return ArraySubquery(through.order_by("topic__name").values("topic__name"))


# (column, expression). The order is the documented column order.
EXPORT_COLUMNS = [
    ("id", F("id")),
    ("document_id", F("document_id")),
    ("document_title", F("document__title")),
    ("document_outlet", F("document__outlet")),
    ("document_authors", F("document__authors")),
    ("document_published_on", F("document__published_on")),
    ("document_url", F("document__url")),
    ("document_language", F("document__language")),
    ("document_content_hash", F("document__content_hash")),
    ("start", F("start")),
    ("end", F("end")),
    ("quote", F("quote")),
    ("claim_type", F("claim_type")),
    ("attribution", F("attribution")),
    ("stance", F("stance")),
    ("modality", F("modality")),
    ("speaker_id", F("speaker_id")),
    ("speaker_name", F("speaker__name")),
    ("speaker_kind", F("speaker__kind")),
    ("speaker_role", F("speaker_role")),
    ("topics", _topic_names()),
    ("note", F("note")),
    ("status", F("status")),
    ("annotator", F("annotator__username")),
    ("reviewer", F("reviewer__username")),
    ("version", F("version")),
    ("created_at", F("created_at")),
    ("updated_at", F("updated_at")),
    ("figure_number_text", _figure("number_text")),
    ("figure_comparator", _figure("comparator")),
    ("figure_change", _figure("change")),
    ("figure_value", _figure("value")),
    ("figure_value_high", _figure("value_high")),
    ("figure_unit", _figure("unit")),
    ("figure_subject", _figure("subject")),
    ("figure_scope", _figure("scope")),
    ("metric_id", _figure("metric_id")),
    ("metric_name", Coalesce(F("target_statement__metric__name"), F("observation__metric__name"))),
    ("target_id", F("target_statement__target_id")),
    ("target_title", F("target_statement__target__title")),
    ("deadline", F("target_statement__deadline")),
    ("period_start", F("observation__period_start")),
    ("period_end", F("observation__period_end")),
]
COLUMN_NAMES = [name for name, _ in EXPORT_COLUMNS]

# Only JSON-LD needs the text around each quote.
CONTEXT_COLUMNS = [
    (
        "prefix",
        Substr(
            "document__text",
            Greatest(F("start") - CONTEXT_CHARS + 1, Value(1)),
            Least(F("start"), Value(CONTEXT_CHARS)),
        ),
    ),
    ("suffix", Substr("document__text", F("end") + 1, Value(CONTEXT_CHARS))),
]


def export_rows(
    claims: QuerySet[Claim], columns: list[tuple[str, Combinable]] = EXPORT_COLUMNS
) -> QuerySet[Claim, tuple[Any, ...]]:
    """`claims` as tuples in column order. Aliased so no name meets a model field."""
    aliased = {f"x_{name}": expression for name, expression in columns}
    rows: QuerySet[Claim, tuple[Any, ...]] = (
        claims.order_by().annotate(**aliased).values_list(*aliased).order_by("id")
    )
    return rows


@contextmanager
def snapshot() -> Iterator[None]:
    """One REPEATABLE READ transaction; inside an outer one (tests), its snapshot."""
    with transaction.atomic():
        if len(connection.atomic_blocks) == 1:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def snapshot_rows(rows: QuerySet[Claim, tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Iterate `rows` from one snapshot through a server-side cursor."""
    with snapshot():
        yield from rows.iterator(chunk_size=FETCH_ROWS)


def copy_out(claims: QuerySet[Claim], render: Renderer) -> Iterator[bytes]:
    """Stream `COPY (...) TO STDOUT` of the export SELECT, as `render` wraps it.

    `render(select, fields)` gets the SELECT (its columns aliased x_<name>) and
    each column's model field, and returns the COPY statement.
    """
    rows = export_rows(claims)
    fields = {name: rows.query.annotations[f"x_{name}"].output_field for name in COLUMN_NAMES}
    with snapshot(), connection.cursor() as cursor:
        sql, params = rows.query.sql_with_params()
        statement = render(cursor.cursor.mogrify(sql, params), fields)
        log = cursor.debug_sql(statement) if hasattr(cursor, "debug_sql") else nullcontext()
        with log, connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
            buffer, size = [], 0
            for block in copy:
                buffer.append(block)
                size += len(block)
                if size >= COPY_CHUNK_BYTES:
                    yield b"".join(buffer)
                    buffer, size = [], 0
            yield b"".join(buffer)


UTC_ISO = """to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""
# Cells starting with these would run as a formula in a spreadsheet (OWASP:
# CSV injection): = + - @ tab and carriage return.
SQL_FORMULA_START = "'=', '+', '-', '@', chr(9), chr(13)"


def _sql_value(name: str, field: AnyField) -> str:
    column = f'x."x_{name}"'
    if isinstance(field, models.DateTimeField):
        return UTC_ISO % column
    if isinstance(field, models.DecimalField):
        return f"{column}::text"
    return column


def _sql_csv_cell(name: str, field: AnyField) -> str:
    """A CSV cell: lists joined with '; ', text that could run as a formula quoted."""
    value = _sql_value(name, field)
    if isinstance(field, ArrayField):
        value = f"array_to_string({value}, '; ')"
    elif not isinstance(field, models.CharField | models.TextField):
        return value
    return (
        f"CASE WHEN left({value}, 1) IN ({SQL_FORMULA_START}) THEN '''' || {value} ELSE {value} END"
    )


def csv_copy(claims: QuerySet[Claim], *, bom: bool = False) -> Iterator[bytes]:
    def render(select: str, fields: dict[str, AnyField]) -> str:
        cells = ", ".join(f'{_sql_csv_cell(n, f)} AS "{n}"' for n, f in fields.items())
        # Column names are EXPORT_COLUMNS' constants; mogrify quoted the filter values.
        return f"COPY (SELECT {cells} FROM ({select}) AS x) TO STDOUT WITH (FORMAT csv, HEADER)"  # noqa: S608

    if bom:
        yield "\ufeff".encode()
    yield from copy_out(claims, render)


def jsonl_copy(claims: QuerySet[Claim]) -> Iterator[bytes]:
    """JSON Lines from PostgreSQL's row_to_json.

    CSV format with a quote and a delimiter that JSON text never holds raw
    (PostgreSQL escapes control characters in JSON) writes each line as is.
    """

    def render(select: str, fields: dict[str, AnyField]) -> str:
        values = ", ".join(f'{_sql_value(n, f)} AS "{n}"' for n, f in fields.items())
        # As in csv_copy: constant column names, the SELECT quoted by mogrify.
        return (
            f"COPY (SELECT row_to_json(r)::text FROM (SELECT {values} FROM ({select}) AS x) AS r)"  # noqa: S608
            " TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
        )

    return copy_out(claims, render)


def in_chunks(pieces: Iterable[str], head: str = "", tail: str = "") -> Iterator[bytes]:
    """Join rendered rows into chunks of SEND_ROWS, encoded as UTF-8."""
    buffer = [head]
    for piece in pieces:
        buffer.append(piece)
        if len(buffer) >= SEND_ROWS:
            yield "".join(buffer).encode()
            buffer = []
    buffer.append(tail)
    yield "".join(buffer).encode()


def plain(value: Any) -> Any:
    """A value as JSON shows it: decimals as exact strings, dates in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=plain)


def as_records(rows: Iterable[tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield dict(zip(COLUMN_NAMES, row, strict=True))


def json_array(claims: QuerySet[Claim]) -> Iterator[bytes]:
    rows = as_records(snapshot_rows(export_rows(claims)))
    pieces = (("\n" if i == 0 else ",\n") + _json(record) for i, record in enumerate(rows))
    return in_chunks(pieces, head="[", tail="\n]\n")


ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# Terms of ours, so JSON-LD processors keep them.
CLAIMTRACK_CONTEXT = {
    "ct": "urn:claimtrack:",
    "offsetUnit": "ct:offsetUnit",
    "claim": {"@id": "ct:claim", "@type": "@json"},
}


def annotation(record: dict[str, Any], base_url: str) -> dict[str, Any]:
    """A claim as a W3C Web Annotation (https://www.w3.org/TR/annotation-model/).

    The target selects the quote twice: by TextQuoteSelector (with prefix and
    suffix) and by TextPositionSelector, whose offsets count Unicode code
    points as the model defines them, declared in offsetUnit.
    """
    fields = {k: plain(v) for k, v in record.items() if k not in ("prefix", "suffix")}
    bodies = [{"type": "TextualBody", "purpose": "classifying", "value": record["claim_type"]}]
    bodies += [{"type": "TextualBody", "purpose": "tagging", "value": t} for t in record["topics"]]
    if record["note"]:
        bodies.append({"type": "TextualBody", "purpose": "commenting", "value": record["note"]})
    source = {
        "id": f"{base_url}/api/v1/documents/{record['document_id']}/",
        "type": "Text",
        "format": "text/plain",
    }
    if record["document_language"] != "und":
        source["language"] = record["document_language"]
    return {
        "@context": [ANNO_CONTEXT, CLAIMTRACK_CONTEXT],
        "id": f"{base_url}/api/v1/claims/{record['id']}/",
        "type": "Annotation",
        "motivation": "classifying",
        "created": plain(record["created_at"]),
        "modified": plain(record["updated_at"]),
        "creator": {"type": "Person", "nickname": record["annotator"]},
        "body": bodies,
        "target": {
            "type": "SpecificResource",
            "source": source,
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": record["quote"],
                    "prefix": record["prefix"],
                    "suffix": record["suffix"],
                },
                {
                    "type": "TextPositionSelector",
                    "start": record["start"],
                    "end": record["end"],
                    "offsetUnit": "unicode code point",
                },
            ],
        },
        "claim": fields,
    }


def jsonld(claims: QuerySet[Claim], base_url: str) -> Iterator[bytes]:
    """An AnnotationCollection whose one page holds every annotation."""
    names = [*COLUMN_NAMES, *(name for name, _ in CONTEXT_COLUMNS)]
    rows = snapshot_rows(export_rows(claims, [*EXPORT_COLUMNS, *CONTEXT_COLUMNS]))
    annotations = (annotation(dict(zip(names, row, strict=True)), base_url) for row in rows)
    pieces = (("\n" if i == 0 else ",\n") + _json(a) for i, a in enumerate(annotations))
    collection = {"@context": ANNO_CONTEXT, "type": "AnnotationCollection", "label": "claims"}
    head = _json(collection)[:-1] + ', "first": {"type": "AnnotationPage", "items": ['

    return in_chunks(pieces, head=head, tail="\n]}}\n")
