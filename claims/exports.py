"""Streamed claim exports: CSV, JSON Lines, JSON and W3C Web Annotation JSON-LD.

One export is one `COPY (SELECT ...) TO STDOUT` inside a REPEATABLE READ
transaction: the rows come from a single snapshot (a claim written while the
export runs is neither duplicated nor half-seen), memory stays flat however many
rows there are, and no row causes another query. Every format is rendered by
PostgreSQL itself and streamed as it arrives; Python only joins the blocks.
Values are written alike in every format: decimals as exact strings, dates as
YYYY-MM-DD, timestamps in UTC ISO 8601 as PostgreSQL writes them in JSON
(2026-12-01T08:30:00.25+00:00: the fraction of a second, to the microsecond,
without trailing zeros).

What a row costs is what decides an export's speed (issue 11: within a few
times a bare COPY of the claims table), so each value is rendered where it is
cheapest:

- a document's, a speaker's or a user's columns once for that row, not once for
  each of its claims: each is a lateral subquery PostgreSQL memoizes by key, and
  the claims keep their id order without a sort;
- topics and figures once, in a subquery grouped (or joined) by claim and
  merged with the claims in id order; topics sorted once, not claim by claim;
- timestamps by their own output function, not by to_char;
- the JSON formats as text, by concatenation: a run of columns from one source
  is one ready fragment, and `to_json` escapes only the strings;
- a CSV cell is checked for a formula (by its first character's code) only if
  someone could have typed it.

The CSV and JSON column order is EXPORT_COLUMNS, documented in README.md
("Using the API"); new columns are only ever appended.
"""

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.contrib.auth.models import User
from django.contrib.postgres.fields import ArrayField
from django.db import connection, models, transaction
from django.db.models import QuerySet
from psycopg import sql as psycopg_sql

from annotations.models import Document
from claims.models import (
    FIGURE_MODELS,
    Claim,
    Metric,
    Observation,
    Speaker,
    Target,
    TargetStatement,
    Topic,
)
from claims.network_formats import FORMULA_START
from config.sql import table

AnyField = models.Field[Any, Any]

# Bytes of COPY output gathered into one chunk of the response.
COPY_CHUNK_BYTES = 1 << 16
# Characters of context before and after a quote in a TextQuoteSelector.
CONTEXT_CHARS = 32


@dataclass(frozen=True)
class Column:
    """An exported column: `expression` (SQL) over the source aliased `source`.

    `field` is the model field it reads, which says how it is written."""

    name: str
    source: str
    expression: str
    field: AnyField


# The sources of the columns, by alias. `c` is the filtered claims themselves.
CLAIMS = "c"
# One row per key, joined laterally by the claim column that refers to it:
# alias -> (model, the claims' column, whether every claim has one).
DIMENSIONS: dict[str, tuple[type[models.Model], str, bool]] = {
    "d": (Document, "document_id", True),
    "s": (Speaker, "speaker_id", False),
    "a": (User, "annotator_id", True),
    "r": (User, "reviewer_id", False),
}
# Grouped by claim, merged with the claims in id order (see _by_claim_join).
TOPICS = "t"
FIGURES = "f"


def _field(model: type[models.Model], name: str) -> AnyField:
    field: AnyField = model._meta.get_field(name)  # type: ignore[assignment]
    return field


# The model of each source a column is read from as is (_column).
MODELS_BY_SOURCE: dict[str, type[models.Model]] = {
    CLAIMS: Claim,
    **{alias: model for alias, (model, _, _) in DIMENSIONS.items()},
}


def _column(name: str, source: str, field_name: str) -> Column:
    """A column read as is from its source's model field `field_name`."""
    field = _field(MODELS_BY_SOURCE[source], field_name)
    return Column(name, source, f'{source}."{field.column}"', field)


def _figure(name: str, model: type[models.Model], field_name: str) -> Column:
    """A field of the claim's figure (its target statement or its observation), read
    from `model`, which has it."""
    field = _field(model, field_name)
    return Column(name, FIGURES, f'fig."{field.column}"', field)


# The columns in the documented order.
EXPORT_COLUMNS: list[Column] = [
    _column("id", CLAIMS, "id"),
    _column("document_id", "d", "id"),
    _column("document_title", "d", "title"),
    _column("document_outlet", "d", "outlet"),
    _column("document_authors", "d", "authors"),
    _column("document_published_on", "d", "published_on"),
    _column("document_url", "d", "url"),
    _column("document_language", "d", "language"),
    _column("document_content_hash", "d", "content_hash"),
    _column("start", CLAIMS, "start"),
    _column("end", CLAIMS, "end"),
    _column("quote", CLAIMS, "quote"),
    _column("claim_type", CLAIMS, "claim_type"),
    _column("attribution", CLAIMS, "attribution"),
    _column("stance", CLAIMS, "stance"),
    _column("modality", CLAIMS, "modality"),
    _column("speaker_id", "s", "id"),
    _column("speaker_name", "s", "name"),
    _column("speaker_kind", "s", "kind"),
    _column("speaker_role", CLAIMS, "speaker_role"),
    Column(
        "topics",
        TOPICS,
        # A list: each format aggregates the claim's topics its own way (_csv_cell,
        # _json_value), in the order _by_claim_join sorts them once.
        "topic.name",
        ArrayField(models.TextField()),
    ),
    _column("note", CLAIMS, "note"),
    _column("status", CLAIMS, "status"),
    _column("annotator", "a", "username"),
    _column("reviewer", "r", "username"),
    _column("version", CLAIMS, "version"),
    _column("created_at", CLAIMS, "created_at"),
    _column("updated_at", CLAIMS, "updated_at"),
    _figure("figure_number_text", TargetStatement, "number_text"),
    _figure("figure_comparator", TargetStatement, "comparator"),
    _figure("figure_change", TargetStatement, "change"),
    _figure("figure_value", TargetStatement, "value"),
    _figure("figure_value_high", TargetStatement, "value_high"),
    _figure("figure_unit", TargetStatement, "unit"),
    _figure("figure_subject", TargetStatement, "subject"),
    _figure("figure_scope", TargetStatement, "scope"),
    _figure("metric_id", TargetStatement, "metric"),
    Column("metric_name", FIGURES, "metric.name", _field(Metric, "name")),
    _figure("target_id", TargetStatement, "target"),
    Column("target_title", FIGURES, "target.title", _field(Target, "title")),
    _figure("deadline", TargetStatement, "deadline"),
    _figure("period_start", Observation, "period_start"),
    _figure("period_end", Observation, "period_end"),
]
# The figure fields the export reads, each from whichever figure model has it.
EXPORTED_FIGURE_FIELDS = [
    column.field
    for column in EXPORT_COLUMNS
    if column.source == FIGURES and column.field.model in FIGURE_MODELS.values()
]
COLUMN_NAMES = [column.name for column in EXPORT_COLUMNS]
# The claim columns the export reads: its own, and the keys of its dimensions.
CLAIM_FIELDS = [
    *(column.field.attname for column in EXPORT_COLUMNS if column.source == CLAIMS),
    *(key for _, key, _ in DIMENSIONS.values()),
]


# Memory for each memoized source of an export (twice this: hash_mem_multiplier),
# for its transaction only. Enough for 10,000 documents of 2,000 characters with
# their text in pieces (JSON-LD cuts each quote's context from them, TEXT_PIECES).
# Past that the least recently used are evicted and cut again when next needed:
# claims written document by document (ids mostly follow documents) keep the cache
# warm, but claims scattered in id order over many more documents make JSON-LD
# slower than one substr per claim was (bench/README.md, "Exports, last run").
EXPORT_WORK_MEM = "64MB"


@contextmanager
def snapshot() -> Iterator[None]:
    """One REPEATABLE READ transaction; inside an outer one (tests), its snapshot."""
    with transaction.atomic(), connection.cursor() as cursor:
        if len(connection.atomic_blocks) == 1:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        # For its transaction only (is_local). Dates and timestamps are written by their
        # output functions (UTC_ISO), which follow the session's style and time zone.
        cursor.execute(
            "SELECT set_config('work_mem', %s, true), set_config('TimeZone', 'UTC', true),"
            " set_config('DateStyle', 'ISO', true)",
            [EXPORT_WORK_MEM],
        )
        yield


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


# ------------------------------------------------------------------ values

# A timestamp in UTC ISO 8601, as to_json writes one (in JSON, to_json itself): the
# output function's ISO text (snapshot sets the style and time zone) with its "T" and
# "+00:00". to_char, which pads the fraction, costs twice as much (bench/README.md).
UTC_ISO = "replace({}::text, ' ', 'T') || ':00'"
# Cells starting with these would run as a formula in a spreadsheet (OWASP: CSV
# injection), by their code points. All lie from tab to @, so a cell starting with
# a letter or a Chinese character (nearly all) is let through by two comparisons
# instead of six.
FORMULA_START_CODES = sorted(ord(character) for character in FORMULA_START)
# A line of JSON as one CSV field: PostgreSQL's JSON escapes every control
# character, so a quote and a delimiter of \x01 and \x02 never occur and each line
# is written as is (FORMAT text would double every backslash).
ONE_JSON_PER_LINE = "WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"


def _is_free_text(field: AnyField) -> bool:
    """Text someone typed: a choice (claim type, status, language) never starts a formula."""
    if isinstance(field, ArrayField):
        return True
    return isinstance(field, models.CharField | models.TextField) and not field.choices


def _csv_cell(column: Column) -> str:
    """A CSV cell: timestamps in UTC ISO 8601, decimals exact, lists joined with
    '; ', and free text that could run as a formula quoted with '."""
    value, field = column.expression, column.field
    if isinstance(field, models.DateTimeField):
        return UTC_ISO.format(value)
    if isinstance(field, models.DecimalField):
        return f"{value}::text"
    if isinstance(field, ArrayField):
        # Joined as it is aggregated: an array joined afterwards cost a tenth of the
        # CSV floor more at 1M claims, its join evaluated again by the formula check.
        value = f"string_agg({value}, '; ')"
    if not _is_free_text(field):
        return value
    first, codes = f"ascii({value})", FORMULA_START_CODES
    return (
        f"CASE WHEN {first} BETWEEN {codes[0]} AND {codes[-1]}"
        f" AND {first} IN ({', '.join(map(str, codes))}) THEN '''' || {value} ELSE {value} END"
    )


class Text(str):
    """Literal text among the SQL pieces given to _concat (which quotes it)."""


def _is_plain_choice(field: AnyField) -> bool:
    """A choice written between quotes as it is: a CHECK constraint holds it to its
    model's values (choices_constraint), and none of them needs escaping in JSON."""
    values = [str(value) for value, _ in field.choices or []]
    return bool(values) and all(json.dumps(value) == f'"{value}"' for value in values)


def _is_nullable(column: Column) -> bool:
    """Whether the column can be null when its source has a row for the claim (a
    figure's fields come from one of a target statement and an observation)."""
    return column.field.null or column.source == FIGURES


def _json_value(column: Column) -> list[str]:
    """A column as row_to_json writes it, as pieces for _concat; null when there is none.

    Only what needs it is escaped (to_json): strings someone typed and timestamps
    (to_json writes them as UTC_ISO does), not numbers or choices."""
    value, field = column.expression, column.field
    if isinstance(field, ArrayField):
        value = f"array_agg({value})"
    elif isinstance(field, models.DecimalField):
        value = f"{value}::text"
    elif isinstance(field, models.IntegerField | models.ForeignKey):
        return [f"coalesce({value}::text, 'null')" if _is_nullable(column) else value]
    elif _is_plain_choice(field) and not _is_nullable(column):
        return [Text('"'), value, Text('"')]
    if _is_nullable(column):
        return [f"coalesce(to_json({value})::text, 'null')"]
    return [f"to_json({value})"]


def _absent(column: Column) -> str:
    """The column's JSON when its source has no row for the claim: a list is empty."""
    return "[]" if isinstance(column.field, ArrayField) else "null"


def _literal(text: str) -> str:
    return psycopg_sql.Literal(text).as_string(connection.connection)


def _concat(pieces: list[str]) -> str:
    """One text from SQL pieces and Text, built in one pass (a chain of || would
    copy the text at each step); neighbouring Text is joined into one literal."""
    merged: list[str] = []
    for piece in pieces:
        if isinstance(piece, Text) and merged and isinstance(merged[-1], Text):
            merged[-1] = Text(merged[-1] + piece)
        else:
            merged.append(piece)
    return f"concat({', '.join(_literal(p) if isinstance(p, Text) else p for p in merged)})"


# ----------------------------------------------------------------- sources


def _claims(claims: QuerySet[Claim]) -> str:
    """The filtered claims, with the columns the export reads, as SQL (no query)."""
    sql, params = claims.order_by().values(*CLAIM_FIELDS).query.sql_with_params()
    with connection.cursor() as cursor:  # mogrify quotes the filter values
        return str(cursor.cursor.mogrify(sql, params))


def _dimension_join(alias: str, selected: list[str], joined: str = "") -> str:
    """A document, speaker or user, rendered once: PostgreSQL memoizes the lateral
    subquery by key (OFFSET 0 keeps its expressions inside it), and a nested loop
    keeps the claims in id order."""
    model, key, required = DIMENSIONS[alias]
    # Without a key (no speaker, no reviewer yet) the lookup is skipped: a one-time
    # filter on the claim's column, where otherwise every such claim scanned anew.
    skip = "" if required else f" AND c.{key} IS NOT NULL"
    return (
        f"{'' if required else 'LEFT '}JOIN LATERAL (SELECT {', '.join(selected)}"  # noqa: S608
        f" FROM {table(model)} AS {alias} {joined} WHERE {alias}.id = c.{key}{skip} OFFSET 0)"
        f" AS {alias} ON true"
    )


def _figures() -> str:
    """Every figure as one row shape: the target statements and the observations, each
    with nulls for the fields only the other has. A claim has one figure at most, of
    its type (the database holds it: figure_claim_type_triggers), so no claim comes
    twice and none has to be matched across the two."""
    branches = []
    for model in FIGURE_MODELS.values():
        own = {field.column for field in model._meta.concrete_fields}
        columns = [
            f'"{field.column}"'
            if field.column in own
            else f'NULL::{field.db_type(connection)} AS "{field.column}"'
            for field in EXPORTED_FIGURE_FIELDS
        ]
        branches.append(
            f"SELECT claim_id, {', '.join(columns)} FROM {table(model)}"  # noqa: S608
        )
    return " UNION ALL ".join(branches)


def _by_claim_join(alias: str, selected: list[str]) -> str:
    """Topics (grouped) or figures, one row per claim, merged by claim id.

    Table names are the models' own constants; nothing here comes from a request.
    """
    if alias == TOPICS:
        # Each claim's topics in name order, sorted once for all claims (on the link
        # index's claim order): an aggregate's own ORDER BY sorts claim by claim, which
        # cost as much as the rest of the topics' join. The aggregates read them in
        # this order, as PostgreSQL's manual allows ("Aggregate Expressions": from a
        # sorted subquery) while nothing is joined or filtered at the GROUP BY;
        # test_every_format_lists_each_topic_once_sorted holds it.
        sorted_topics = (
            f"SELECT link.claim_id, topic.name FROM {table(Claim.topics.through)} AS link"  # noqa: S608
            f" JOIN {table(Topic)} AS topic ON topic.id = link.topic_id"
            " ORDER BY link.claim_id, topic.name"
        )
        source = (
            f"SELECT topic.claim_id, {', '.join(selected)}"  # noqa: S608
            f" FROM ({sorted_topics}) AS topic GROUP BY topic.claim_id"
        )
    else:
        source = (
            f"SELECT fig.claim_id, {', '.join(selected)} FROM ({_figures()}) AS fig"  # noqa: S608
            f" LEFT JOIN {table(Metric)} AS metric ON metric.id = fig.metric_id"
            f" LEFT JOIN {table(Target)} AS target ON target.id = fig.target_id"
            " ORDER BY fig.claim_id"
        )
    return f"LEFT JOIN ({source}) AS {alias} ON {alias}.claim_id = c.id"


def _from(
    claims: QuerySet[Claim], selected: dict[str, list[str]], joined: dict[str, str] | None = None
) -> str:
    """The claims joined to every other source, each selecting `selected[alias]`
    (a dimension with `joined[alias]` joined to it inside its subquery)."""
    joins = [
        _dimension_join(alias, selected[alias], (joined or {}).get(alias, ""))
        if alias in DIMENSIONS
        else _by_claim_join(alias, selected[alias])
        for alias in selected
        if alias != CLAIMS
    ]
    return f"({_claims(claims)}) AS c {' '.join(joins)}"


# ----------------------------------------------------------------- formats
# Column names are EXPORT_COLUMNS' constants, the filter values and base_url quoted
# as literals: nothing from a request is spliced into these statements unquoted.


def render_csv(claims: QuerySet[Claim], base_url: str) -> str:
    """Each cell rendered in its own source; a claim without topics has '' (not null)."""
    selected: dict[str, list[str]] = {}
    cells = []
    for column in EXPORT_COLUMNS:
        if column.source == CLAIMS:
            cells.append(f'{_csv_cell(column)} AS "{column.name}"')
            continue
        selected.setdefault(column.source, []).append(f'{_csv_cell(column)} AS "{column.name}"')
        cell = f'{column.source}."{column.name}"'
        if isinstance(column.field, ArrayField):
            cell = f"coalesce({cell}, '')"
        cells.append(f'{cell} AS "{column.name}"')
    return (
        f"COPY (SELECT {', '.join(cells)} FROM {_from(claims, selected)}"  # noqa: S608
        " ORDER BY c.id) TO STDOUT WITH (FORMAT csv, HEADER)"
    )


def _record(selected: dict[str, list[str]]) -> list[str]:
    """The pieces of a claim's JSON record: its columns in order, as row_to_json
    writes them. Each run of columns from another source is one fragment that
    source renders (added to `selected`), or a constant when it has no row."""
    pieces: list[str] = [Text("{")]
    for number, (source, run) in enumerate(groupby(EXPORT_COLUMNS, key=lambda c: c.source)):
        columns = list(run)
        names = [f'{"," if number or index else ""}"{c.name}":' for index, c in enumerate(columns)]
        built: list[str] = []
        for name, column in zip(names, columns, strict=True):
            built += [Text(name), *_json_value(column)]
        if source == CLAIMS:
            pieces += built
            continue
        selected.setdefault(source, []).append(f"{_concat(built)} AS run{number}")
        absent = "".join(
            name + _absent(column) for name, column in zip(names, columns, strict=True)
        )
        pieces.append(f"coalesce({source}.run{number}, {_literal(absent)})")
    return [*pieces, Text("}")]


def _json_lines(
    claims: QuerySet[Claim],
    line: list[str],
    selected: dict[str, list[str]],
    joined: dict[str, str] | None = None,
) -> str:
    """A COPY writing `line` (pieces for _concat, over the sources `selected` and
    `joined` as _from takes them) for each claim, one a line."""
    return (
        f"COPY (SELECT {_concat(line)} FROM {_from(claims, selected, joined)}"  # noqa: S608
        f" ORDER BY c.id) TO STDOUT {ONE_JSON_PER_LINE}"
    )


def render_jsonl(claims: QuerySet[Claim], base_url: str) -> str:
    selected: dict[str, list[str]] = {}
    return _json_lines(claims, _record(selected), selected)


def render_json(claims: QuerySet[Claim], base_url: str) -> str:
    """The JSON Lines records, each after a comma (see between_brackets)."""
    selected: dict[str, list[str]] = {}
    return _json_lines(claims, [Text(","), *_record(selected)], selected)


ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# Terms of ours, so JSON-LD processors keep them.
CLAIMTRACK_CONTEXT = {
    "ct": "urn:claimtrack:",
    "offsetUnit": "ct:offsetUnit",
    "claim": {"@id": "ct:claim", "@type": "@json"},
}
# A document's text in pieces of CONTEXT_CHARS characters, cut once per document
# (memoized with it; see EXPORT_WORK_MEM). A quote's prefix and suffix are then cut
# from two pieces each: substr counts characters from the start of what it cuts,
# which over the whole text cost more per claim than everything else together.
TEXT_PIECES = (
    "CROSS JOIN LATERAL (SELECT array_agg(piece.match[1] ORDER BY piece.number) AS pieces"  # noqa: S608
    f" FROM regexp_matches(d.text, '.{{1,{CONTEXT_CHARS}}}', 'g')"
    " WITH ORDINALITY AS piece(match, number)) AS text"
)
_PREFIX_START = f"greatest(c.start - {CONTEXT_CHARS}, 0)"
SQL_PREFIX = (
    f"substr(coalesce(d.pieces[{_PREFIX_START} / {CONTEXT_CHARS} + 1], '')"
    f" || coalesce(d.pieces[c.start / {CONTEXT_CHARS} + 1], ''),"
    f" {_PREFIX_START} % {CONTEXT_CHARS} + 1, least(c.start, {CONTEXT_CHARS}))"
)
SQL_SUFFIX = (
    f"""substr(coalesce(d.pieces[c."end" / {CONTEXT_CHARS} + 1], '')"""
    f""" || coalesce(d.pieces[c."end" / {CONTEXT_CHARS} + 2], ''),"""
    f""" c."end" % {CONTEXT_CHARS} + 1, {CONTEXT_CHARS})"""
)


def _json_string(text: str) -> str:
    """`text` as a JSON string, escaped as PostgreSQL's to_json escapes it."""
    return json.dumps(text, ensure_ascii=False)


def _annotation(base_url: str, selected: dict[str, list[str]]) -> list[str]:
    """A claim as a W3C Web Annotation (https://www.w3.org/TR/annotation-model/).

    The target selects the quote twice: by TextQuoteSelector (with prefix and
    suffix) and by TextPositionSelector, whose offsets count Unicode code
    points as the model defines them, declared in offsetUnit. The bodies are the
    claim type (classifying), each topic (tagging) and the note (commenting);
    every column is in `claim`. Written as PostgreSQL's json_build_object writes
    an object (" : " between a key and its value) and jsonb writes the bodies.
    """
    context = json.dumps([ANNO_CONTEXT, CLAIMTRACK_CONTEXT])
    claims_url = _json_string(f"{base_url}/api/v1/claims/")[:-1]
    documents_url = _json_string(f"{base_url}/api/v1/documents/")[:-1]
    source = (
        f"""'{{"id" : ' || {_literal(documents_url)} || d.id || '/", "type" : "Text",'"""
        """ || ' "format" : "text/plain"' || CASE WHEN d.language = 'und' THEN '}'"""
        """ ELSE ', "language" : ' || to_json(d.language)::text || '}' END"""
    )
    selected.setdefault("d", []).extend([f"{source} AS source", "text.pieces"])
    selected.setdefault("a", []).append(
        """'{"type" : "Person", "nickname" : ' || to_json(a.username)::text || '}' AS creator"""
    )
    selected.setdefault(TOPICS, []).append(
        """string_agg(', {"type": "TextualBody", "value": ' || to_json(topic.name)::text"""
        """ || ', "purpose": "tagging"}', '') AS tags"""
    )
    return [
        Text(f'{{"@context" : {context}, "id" : {claims_url}'),
        "c.id",
        Text('/", "type" : "Annotation", "motivation" : "classifying", "created" : '),
        "to_json(c.created_at)::text",
        Text(', "modified" : '),
        "to_json(c.updated_at)::text",
        Text(', "creator" : '),
        "a.creator",
        Text(', "body" : [{"type": "TextualBody", "value": "'),
        "c.claim_type",  # a plain choice (_is_plain_choice)
        Text('", "purpose": "classifying"}'),
        "t.tags",
        """CASE WHEN c.note = '' THEN '' ELSE ', {"type": "TextualBody", "value": '"""
        """ || to_json(c.note)::text || ', "purpose": "commenting"}' END""",
        Text('], "target" : {"type" : "SpecificResource", "source" : '),
        "d.source",
        Text(', "selector" : [{"type" : "TextQuoteSelector", "exact" : '),
        "to_json(c.quote)::text",
        Text(', "prefix" : '),
        f"to_json({SQL_PREFIX})::text",
        Text(', "suffix" : '),
        f"to_json({SQL_SUFFIX})::text",
        Text('}, {"type" : "TextPositionSelector", "start" : '),
        "c.start",
        Text(', "end" : '),
        'c."end"',
        Text(', "offsetUnit" : "unicode code point"}]}, "claim" : '),
        *_record(selected),
        Text("}"),
    ]


def render_jsonld(claims: QuerySet[Claim], base_url: str) -> str:
    """Each claim's annotation, after a comma (see between_brackets)."""
    selected: dict[str, list[str]] = {}
    line = [Text(","), *_annotation(base_url, selected)]
    return _json_lines(claims, line, selected, {"d": TEXT_PIECES})


RENDERERS = {
    "csv": render_csv,
    "jsonl": render_jsonl,
    "json": render_json,
    "jsonld": render_jsonld,
}


def copy_statement(claims: QuerySet[Claim], fmt: str, base_url: str = "") -> str:
    """The one `COPY (SELECT ...) TO STDOUT` that renders `claims` in `fmt`."""
    return RENDERERS[fmt](claims, base_url)


def csv_copy(claims: QuerySet[Claim], *, bom: bool = False) -> Iterator[bytes]:
    if bom:
        yield "\ufeff".encode()
    yield from copy_out(copy_statement(claims, "csv"))


def jsonl_copy(claims: QuerySet[Claim]) -> Iterator[bytes]:
    """JSON Lines, rendered by PostgreSQL."""
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
