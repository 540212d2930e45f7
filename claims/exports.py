"""Streamed claim exports: CSV, JSON Lines, JSON and W3C Web Annotation JSON-LD.

One export is one `COPY (SELECT ...) TO STDOUT` inside a REPEATABLE READ
transaction: the rows come from a single snapshot (a claim written while the
export runs is neither duplicated nor half-seen), memory stays flat however many
rows there are, and no row causes another query. Every format is rendered by
PostgreSQL itself (CSV by COPY, the JSON formats by row_to_json and
json_build_object) and streamed as it arrives; Python only joins the blocks.
The topics of all claims are aggregated once, in a grouped subquery joined to
the claims (topics_join). Values are written alike in every format: decimals as
exact strings, dates as YYYY-MM-DD, timestamps in UTC ISO 8601 with microseconds.

The CSV and JSON column order is EXPORT_COLUMNS, documented in README.md
("Using the API"); new columns are only ever appended.
"""

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models, transaction
from django.db.models import F, QuerySet, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Least, Substr
from psycopg import sql as psycopg_sql

from claims.models import Claim, Topic

AnyField = models.Field[Any, Any]
# render(source, fields, base_url) -> the COPY statement; see copy_statement.
Renderer = Callable[[str, dict[str, AnyField], str], str]

# Bytes of COPY output gathered into one chunk of the response.
COPY_CHUNK_BYTES = 1 << 16
# Characters of context before and after a quote in a TextQuoteSelector.
CONTEXT_CHARS = 32


def _figure(field: str) -> Coalesce:
    """A figure field from the claim's target statement or else its observation."""
    return Coalesce(F(f"target_statement__{field}"), F(f"observation__{field}"))


# Filled from the topics join (TOPICS_JOIN), aggregated once for every claim, not
# per row; the NULL here only gives the column its place and its type.
TOPIC_NAMES = Value(None, output_field=ArrayField(models.TextField()))


# (column, expression). The order is the documented column order.
EXPORT_COLUMNS: list[tuple[str, Combinable]] = [
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
    ("topics", TOPIC_NAMES),
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

# Only JSON-LD needs the text around each quote: the quote with up to CONTEXT_CHARS
# before and after it, cut from the document in one substr (each cut decompresses the
# document's text anew), then split into prefix and suffix (SQL_PREFIX, SQL_SUFFIX).
PREFIX_CHARS = Least(F("start"), Value(CONTEXT_CHARS))
CONTEXT_COLUMNS: list[tuple[str, Combinable]] = [
    (
        "context",
        Substr(
            "document__text",
            F("start") - PREFIX_CHARS + 1,
            PREFIX_CHARS + F("end") - F("start") + CONTEXT_CHARS,
        ),
    ),
]
SQL_PREFIX = f"left(x.x_context, least(x.x_start, {CONTEXT_CHARS}))"
SQL_SUFFIX = f"substr(x.x_context, least(x.x_start, {CONTEXT_CHARS}) + x.x_end - x.x_start + 1)"


def export_rows(
    claims: QuerySet[Claim], columns: list[tuple[str, Combinable]] = EXPORT_COLUMNS
) -> QuerySet[Claim, tuple[Any, ...]]:
    """`claims` as tuples in column order. Aliased so no name meets a model field."""
    aliased = {f"x_{name}": expression for name, expression in columns}
    rows: QuerySet[Claim, tuple[Any, ...]] = (
        claims.order_by().annotate(**aliased).values_list(*aliased).order_by("id")
    )
    return rows


def column_fields(rows: QuerySet[Claim, tuple[Any, ...]]) -> dict[str, AnyField]:
    """Each column of `rows` (made by export_rows) and its model field."""
    return {
        alias.removeprefix("x_"): rows.query.annotations[alias].output_field
        for alias in rows.query.annotation_select
    }


@contextmanager
def snapshot() -> Iterator[None]:
    """One REPEATABLE READ transaction; inside an outer one (tests), its snapshot."""
    with transaction.atomic():
        if len(connection.atomic_blocks) == 1:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def topics_join() -> str:
    """Every claim's topic names (and tagging bodies for JSON-LD), grouped once by claim.

    Joined to the export as one grouped subquery: PostgreSQL reads the link table
    once, in claim order, and merges it with the claims, where a subquery per row
    cost one index probe per claim.
    """
    link = Claim.topics.through._meta.db_table
    topic = Topic._meta.db_table
    # Table names are the models' own constants; nothing here comes from a request.
    return (
        "LEFT JOIN (SELECT link.claim_id,"  # noqa: S608
        " array_agg(topic.name ORDER BY topic.name) AS names,"
        " jsonb_agg(jsonb_build_object('type', 'TextualBody', 'purpose', 'tagging',"
        " 'value', topic.name) ORDER BY topic.name) AS tags"
        f" FROM {link} AS link JOIN {topic} AS topic ON topic.id = link.topic_id"
        " GROUP BY link.claim_id) AS topics ON topics.claim_id = x.x_id"
    )


def copy_statement(claims: QuerySet[Claim], fmt: str, base_url: str = "") -> str:
    """The one `COPY (SELECT ...) TO STDOUT` that renders `claims` in `fmt`.

    The renderer gets the FROM clause (the export SELECT aliased x, its columns
    x_<name>, joined to the topics as `topics`) and each column's model field.
    """
    columns = [*EXPORT_COLUMNS, *CONTEXT_COLUMNS] if fmt == "jsonld" else EXPORT_COLUMNS
    rows = export_rows(claims, columns)
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:  # mogrify quotes the filter values, no query
        source = f"({cursor.cursor.mogrify(sql, params)}) AS x {topics_join()}"
    return RENDERERS[fmt](source, column_fields(rows), base_url)


def copy_out(statement: str) -> Iterator[bytes]:
    """Stream the output of a COPY ... TO STDOUT `statement` from one snapshot."""
    with snapshot(), connection.cursor() as cursor:
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
# A line of JSON as one CSV field: PostgreSQL's JSON escapes every control
# character, so a quote and a delimiter of \x01 and \x02 never occur and each line
# is written as is (FORMAT text would double every backslash).
ONE_JSON_PER_LINE = "WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"


def _sql_column(name: str) -> str:
    # A claim with no topics has no row in the topics join: an empty list, not null.
    return "coalesce(topics.names, '{}')" if name == "topics" else f'x."x_{name}"'


def _sql_value(name: str, field: AnyField) -> str:
    """A column as exported: timestamps in UTC ISO 8601 with microseconds, decimals
    as exact strings; anything else as PostgreSQL writes it (dates are YYYY-MM-DD)."""
    column = _sql_column(name)
    if isinstance(field, models.DateTimeField):
        return UTC_ISO % column
    if isinstance(field, models.DecimalField):
        return f"{column}::text"
    return column


def _is_free_text(field: AnyField) -> bool:
    """Text someone typed: a choice (claim type, status, language) never starts a formula."""
    if isinstance(field, ArrayField):
        return True
    return isinstance(field, models.CharField | models.TextField) and not field.choices


def _sql_csv_cell(name: str, field: AnyField) -> str:
    """A CSV cell: lists joined with '; ', free text that could run as a formula quoted."""
    value = _sql_value(name, field)
    if isinstance(field, ArrayField):
        value = f"array_to_string({value}, '; ')"
    if not _is_free_text(field):
        return value
    return (
        f"CASE WHEN left({value}, 1) IN ({SQL_FORMULA_START}) THEN '''' || {value} ELSE {value} END"
    )


def _sql_record(fields: dict[str, AnyField]) -> str:
    """The columns of EXPORT_COLUMNS, named, as the row `r` that row_to_json(r) writes."""
    values = ", ".join(
        f'{_sql_value(n, f)} AS "{n}"' for n, f in fields.items() if n in COLUMN_NAMES
    )
    return f"CROSS JOIN LATERAL (SELECT {values}) AS r"


ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# Terms of ours, so JSON-LD processors keep them.
CLAIMTRACK_CONTEXT = {
    "ct": "urn:claimtrack:",
    "offsetUnit": "ct:offsetUnit",
    "claim": {"@id": "ct:claim", "@type": "@json"},
}
TEXTUAL_BODY = "jsonb_build_object('type', 'TextualBody', 'purpose', '{}', 'value', {})"
DOCUMENT_SOURCE = (
    "'id', {base} || '/api/v1/documents/' || x.x_document_id || '/',"
    " 'type', 'Text', 'format', 'text/plain'"
)


def _sql_annotation(base_url: str) -> str:
    """A claim as a W3C Web Annotation (https://www.w3.org/TR/annotation-model/).

    The target selects the quote twice: by TextQuoteSelector (with prefix and
    suffix) and by TextPositionSelector, whose offsets count Unicode code
    points as the model defines them, declared in offsetUnit. The bodies are the
    claim type (classifying), each topic (tagging) and the note (commenting);
    every column is in `claim`.
    """
    base = psycopg_sql.Literal(base_url).as_string(connection.connection)
    context = psycopg_sql.Literal(json.dumps([ANNO_CONTEXT, CLAIMTRACK_CONTEXT]))
    source = DOCUMENT_SOURCE.format(base=base)
    return f"""json_build_object(
        '@context', {context.as_string(connection.connection)}::json,
        'id', {base} || '/api/v1/claims/' || x.x_id || '/',
        'type', 'Annotation',
        'motivation', 'classifying',
        'created', r.created_at,
        'modified', r.updated_at,
        'creator', json_build_object('type', 'Person', 'nickname', x.x_annotator),
        'body', jsonb_build_array({TEXTUAL_BODY.format("classifying", "x.x_claim_type")})
            || coalesce(topics.tags, '[]')
            || CASE WHEN x.x_note = '' THEN '[]'
                ELSE jsonb_build_array({TEXTUAL_BODY.format("commenting", "x.x_note")}) END,
        'target', json_build_object(
            'type', 'SpecificResource',
            'source', CASE WHEN x.x_document_language = 'und'
                THEN json_build_object({source})
                ELSE json_build_object({source}, 'language', x.x_document_language) END,
            'selector', json_build_array(
                json_build_object('type', 'TextQuoteSelector', 'exact', x.x_quote,
                    'prefix', {SQL_PREFIX}, 'suffix', {SQL_SUFFIX}),
                json_build_object('type', 'TextPositionSelector', 'start', x.x_start,
                    'end', x.x_end, 'offsetUnit', 'unicode code point'))),
        'claim', row_to_json(r))"""


# Column names are EXPORT_COLUMNS' constants, the filter values and base_url quoted as
# literals: nothing from a request is spliced into these statements unquoted.


def render_csv(source: str, fields: dict[str, AnyField], base_url: str) -> str:
    cells = ", ".join(f'{_sql_csv_cell(n, f)} AS "{n}"' for n, f in fields.items())
    return (
        f"COPY (SELECT {cells} FROM {source} ORDER BY x.x_id)"  # noqa: S608
        " TO STDOUT WITH (FORMAT csv, HEADER)"
    )


def render_jsonl(source: str, fields: dict[str, AnyField], base_url: str) -> str:
    return (
        f"COPY (SELECT row_to_json(r)::text FROM {source} {_sql_record(fields)}"  # noqa: S608
        f" ORDER BY x.x_id) TO STDOUT {ONE_JSON_PER_LINE}"
    )


def render_json(source: str, fields: dict[str, AnyField], base_url: str) -> str:
    """The JSON Lines records, each after a comma (see between_brackets)."""
    return (
        f"COPY (SELECT ',' || row_to_json(r)::text FROM {source} {_sql_record(fields)}"  # noqa: S608
        f" ORDER BY x.x_id) TO STDOUT {ONE_JSON_PER_LINE}"
    )


def render_jsonld(source: str, fields: dict[str, AnyField], base_url: str) -> str:
    """Each claim's annotation, after a comma (see between_brackets)."""
    return (
        f"COPY (SELECT ',' || {_sql_annotation(base_url)}::text"  # noqa: S608
        f" FROM {source} {_sql_record(fields)}"
        f" ORDER BY x.x_id) TO STDOUT {ONE_JSON_PER_LINE}"
    )


def csv_copy(claims: QuerySet[Claim], *, bom: bool = False) -> Iterator[bytes]:
    if bom:
        yield "\ufeff".encode()
    yield from copy_out(copy_statement(claims, "csv"))


def jsonl_copy(claims: QuerySet[Claim]) -> Iterator[bytes]:
    """JSON Lines from PostgreSQL's row_to_json."""
    return copy_out(copy_statement(claims, "jsonl"))


def between_brackets(lines: Iterable[bytes], head: bytes, tail: bytes) -> Iterator[bytes]:
    """COPY lines that each start with a comma, as the items of a JSON array.

    PostgreSQL cannot tell the first row from the others without numbering them
    all, so every row gets the comma and the first one is dropped here.
    """
    first = True
    for block in lines:
        if first and block:
            block, first = block.removeprefix(b","), False
        yield head + block
        head = b""
    yield head + tail


def json_array(claims: QuerySet[Claim]) -> Iterator[bytes]:
    """The records of JSON Lines as one JSON array, rendered by PostgreSQL."""
    return between_brackets(copy_out(copy_statement(claims, "json")), b"[\n", b"]\n")


def jsonld(claims: QuerySet[Claim], base_url: str) -> Iterator[bytes]:
    """An AnnotationCollection whose one page holds every annotation."""
    collection = {"@context": ANNO_CONTEXT, "type": "AnnotationCollection", "label": "claims"}
    head = json.dumps(collection)[:-1] + ', "first": {"type": "AnnotationPage", "items": [\n'
    lines = copy_out(copy_statement(claims, "jsonld", base_url))
    return between_brackets(lines, head.encode(), b"]}}\n")


RENDERERS: dict[str, Renderer] = {
    "csv": render_csv,
    "jsonl": render_jsonl,
    "json": render_json,
    "jsonld": render_jsonld,
}
