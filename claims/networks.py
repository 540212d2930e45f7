"""Discourse networks over claims, with the semantics of DNA and rDNA's dna_network().

DNA (the Discourse Network Analyzer, github.com/leifeld-lab/dna) codes
statements: a passage with a person, an organization, a concept and a boolean
agreement. A claim is such a statement: speaker, the speaker's organization,
topics, and stance. The option names and values are rDNA's (rDNA/R/dna_network.R);
each definition below cites the Java method in dna/src/main/java/dna/export/
Exporter.java it follows. Where claimtrack differs, the README section
"Analysing discourse networks" says how and why.

Cost: one query (claims.filter(...).values_list(...)), whatever the options;
everything after it is numpy over that query's rows, never a loop per row.

A claim becomes one statement per topic when `topic` is a variable (DNA has
one concept per statement); claims lacking a value for variable1 or variable2
are dropped, as DNA drops statements with an empty field (filterStatements).
Stance maps to DNA's boolean agreement qualifier: support = 1, oppose = 0.
Neutral and mixed claims have no agreement value: they count when the
qualifier is ignored and are dropped when it is aggregated.
"""

import datetime
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection
from django.db.models import Case, CharField, F, Func, IntegerField, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from claims.models import Claim, SpeakerKind, Stance

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

NETWORK_TYPES = ["twomode", "onemode", "eventlist"]
VARIABLES = ["speaker", "organization", "topic", "claim_type", "outlet"]
QUALIFIERS = ["stance"]
AGGREGATIONS = {
    "twomode": ["ignore", "combine", "subtract"],
    "onemode": ["ignore", "congruence", "conflict", "subtract"],
    "eventlist": ["ignore", "combine", "subtract", "congruence", "conflict"],
}
NORMALIZATIONS = {
    "twomode": ["no", "activity", "prominence"],
    "onemode": ["no", "average", "jaccard", "cosine"],
    "eventlist": ["no"],
}
DUPLICATES = ["include", "document", "week", "month", "year", "acrossrange"]
TIME_WINDOWS = ["no", "days", "weeks", "months", "years"]

# DNA's boolean agreement: qualifier level k = 0 is "no" (oppose), k = 1 "yes" (support).
AGREEMENT = {Stance.OPPOSE: 0, Stance.SUPPORT: 1}

# Each variable as a column of one claim row. A claim's organization is its
# speaker's organization; a speaker who is an organisation speaks for itself.
COLUMNS: dict[str, Any] = {
    "speaker": F("speaker__name"),
    "organization": Coalesce(
        F("speaker__organization__name"),
        Case(When(speaker__kind=SpeakerKind.ORGANISATION, then=F("speaker__name"))),
        output_field=CharField(),
    ),
    "topic": F("topics__name"),
    "claim_type": F("claim_type"),
    "outlet": F("document__outlet"),
}


@dataclass(frozen=True)
class Options:
    """dna_network()'s arguments, with its defaults (rDNA/R/dna_network.R)."""

    network_type: str = "twomode"
    variable1: str = "organization"
    variable2: str = "topic"
    qualifier: str | None = "stance"
    qualifier_aggregation: str = "ignore"
    normalization: str = "no"
    duplicates: str = "include"
    isolates: bool = False
    exclude: dict[str, list[str]] = field(default_factory=dict)
    start: datetime.date | None = None
    stop: datetime.date | None = None
    time_window: str = "no"
    window_size: int = 100

    def errors(self) -> dict[str, StrOrPromise]:
        """What is wrong with this combination, by option name; empty when it is fine."""
        errors: dict[str, StrOrPromise] = {}
        kind = self.network_type
        if kind not in NETWORK_TYPES:
            return {
                "network_type": _("must be one of %(choices)s.")
                % {"choices": ", ".join(NETWORK_TYPES)}
            }
        if self.variable1 == self.variable2:
            errors["variable2"] = _("must differ from variable1.")
        if self.qualifier_aggregation not in AGGREGATIONS[kind]:
            errors["qualifier_aggregation"] = _(
                "must be one of %(choices)s for a %(kind)s network."
            ) % {"choices": ", ".join(AGGREGATIONS[kind]), "kind": kind}
        elif self.qualifier is None and self.qualifier_aggregation != "ignore":
            errors["qualifier_aggregation"] = _("needs a qualifier (qualifier=stance).")
        if self.normalization not in NORMALIZATIONS[kind]:
            errors["normalization"] = _("must be one of %(choices)s for a %(kind)s network.") % {
                "choices": ", ".join(NORMALIZATIONS[kind]),
                "kind": kind,
            }
        if self.start and self.stop and self.start > self.stop:
            errors["stop"] = _("must not be before start.")
        if self.time_window != "no" and self.window_size < 1:
            errors["window_size"] = _("must be 1 or more.")
        if self.time_window != "no" and kind == "eventlist":
            errors["time_window"] = _("applies to networks, not to an event list.")
        return errors

    @property
    def aggregates_qualifier(self) -> bool:
        return self.qualifier is not None and self.qualifier_aggregation != "ignore"


# ----------------------------------------------------------------- statements


@dataclass
class Statements:
    """One row per statement, as parallel numpy arrays, sorted as DNA sorts them.

    DNA's order (model/Statement.java, compareTo): date, document, start offset.
    """

    claim: IntArray
    document: IntArray
    start_offset: IntArray
    date: npt.NDArray[Any]  # datetime64[D]; NaT for an undated document
    values: dict[str, npt.NDArray[np.str_]]
    stance: npt.NDArray[np.str_]
    extra: dict[str, list[Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.claim)

    def take(self, keep: npt.NDArray[Any]) -> "Statements":
        """The statements selected by a boolean mask or an index array, in its order."""
        index = np.flatnonzero(keep) if keep.dtype == bool else keep
        return Statements(
            claim=self.claim[index],
            document=self.document[index],
            start_offset=self.start_offset[index],
            date=self.date[index],
            values={name: column[index] for name, column in self.values.items()},
            stance=self.stance[index],
            extra={name: [column[i] for i in index] for name, column in self.extra.items()},
        )


# What the event list adds to each statement (Exporter.eventCSV's columns).
EVENT_FIELDS = {
    "end_offset": "end",
    "quote": "quote",
    "annotator": "annotator__username",
    "document_title": "document__title",
}


def load_statements(
    claims: QuerySet[Claim], options: Options, *, with_text: bool = False
) -> Statements:
    """The statements of `claims` within start and stop: one query.

    `with_text` adds every variable and the passage (for listing the claims).
    """
    wanted = list(VARIABLES) if with_text else columns_needed(options)
    if options.start:
        claims = claims.filter(document__published_on__gte=options.start)
    if options.stop:
        claims = claims.filter(document__published_on__lte=options.stop)
    extra = EVENT_FIELDS if with_text or options.network_type == "eventlist" else {}
    query = (
        claims.order_by(
            F("document__published_on").asc(nulls_first=True), "document_id", "start", "id"
        )
        .annotate(
            day=DaysSinceEpoch(F("document__published_on")),
            **{f"v_{name}": Coalesce(COLUMNS[name], Value("")) for name in wanted},
        )
        .values_list(
            "id",
            "document_id",
            "start",
            "day",
            "stance",
            *(f"v_{name}" for name in wanted),
            *extra.values(),
        )
    )
    # Straight from the cursor: Django's row-by-row iteration costs more than the query.
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    columns: list[Sequence[Any]] = (
        list(zip(*rows, strict=True)) if rows else [()] * (5 + len(wanted) + len(extra))
    )
    days = np.array(columns[3], dtype=np.int64)
    return Statements(
        claim=np.array(columns[0], dtype=np.int64),
        document=np.array(columns[1], dtype=np.int64),
        start_offset=np.array(columns[2], dtype=np.int64),
        date=np.where(days == NO_DATE, np.datetime64("NaT"), days.astype("datetime64[D]")),
        stance=np.array(columns[4], dtype=np.str_),
        values={name: np.array(columns[5 + i], dtype=np.str_) for i, name in enumerate(wanted)},
        extra={name: list(columns[5 + len(wanted) + i]) for i, name in enumerate(extra)},
    )


def columns_needed(options: Options) -> list[str]:
    """The variables to read: all for the event list; else the two of the network,
    the excluded ones, and a speaker's organization (a node attribute). Reading
    fewer strings is most of the cost saved; the topic join multiplies rows."""
    if options.network_type == "eventlist":
        return list(VARIABLES)
    needed = {*variables(options), *(name for name, values in options.exclude.items() if values)}
    if "speaker" in needed:
        needed.add("organization")
    return [name for name in VARIABLES if name in needed]


NO_DATE = -(2**31)


class DaysSinceEpoch(Func):
    """A date as days since 1970-01-01 (numpy's datetime64[D]); NO_DATE for none."""

    template = f"COALESCE(%(expressions)s - DATE '1970-01-01', {NO_DATE})"
    output_field = IntegerField()


def variables(options: Options) -> list[str]:
    return [options.variable1, options.variable2]


def qualifier_level(statements: Statements, options: Options) -> IntArray:
    """DNA's qualifier level k of each statement: 0 oppose, 1 support.

    Aggregated, a neutral or mixed claim has no level (-1) and is dropped.
    Ignored, a stance qualifier keeps its levels (neutral and mixed a third,
    2), since DNA's jaccard normalization compares levels even then; with no
    qualifier every statement is level 0.
    """
    if options.qualifier is None:
        return np.zeros(len(statements), dtype=np.int64)
    other = -1 if options.aggregates_qualifier else 2
    level = np.full(len(statements), other, dtype=np.int64)
    for stance, k in AGREEMENT.items():
        level[statements.stance == stance] = k
    return level


def level_count(options: Options) -> int:
    if options.qualifier is None:
        return 1
    return 2 if options.aggregates_qualifier else 3


def period(statements: Statements, duplicates: str) -> npt.NDArray[Any]:
    """The unit within which identical statements count once.

    DNA (Exporter.filterStatements) compares only the month number for
    "month" and the week number for "week", so March 2020 and March 2021
    meet; here a period is a calendar month or ISO week of a given year.
    """
    if duplicates == "document":
        return statements.document
    if duplicates == "acrossrange":
        return np.zeros(len(statements), dtype=np.int64)
    dates = statements.date
    undated = np.isnat(dates)
    if duplicates == "year":
        key = dates.astype("datetime64[Y]").astype(np.int64)
    elif duplicates == "month":
        key = dates.astype("datetime64[M]").astype(np.int64)
    else:
        # ISO weeks start on Monday; 1970-01-01 was a Thursday.
        key = (dates.astype(np.int64) + 3) // 7
    return np.where(undated, np.iinfo(np.int64).min, key)


def filter_statements(statements: Statements, options: Options) -> Statements:
    """Exporter.filterStatements: excluded values, empty fields, duplicates.

    With duplicates other than "include", of the statements identical in
    variable1, variable2 and (when aggregated) the qualifier within one
    period, only the first in DNA's order is kept.
    """
    keep = np.ones(len(statements), dtype=bool)
    for name, excluded in options.exclude.items():
        if excluded and name in statements.values:
            keep &= ~np.isin(statements.values[name], excluded)
    level = qualifier_level(statements, options)
    if options.network_type != "eventlist":
        for name in variables(options):
            keep &= statements.values[name] != ""
        keep &= level >= 0
    if options.duplicates != "include":
        labels = [
            np.unique(statements.values[name], return_inverse=True)[1]
            for name in variables(options)
        ]
        # Ignored, the qualifier does not tell duplicates apart (filterStatements).
        qualifier = level if options.aggregates_qualifier else np.zeros_like(level)
        key = np.stack([*labels, qualifier, period(statements, options.duplicates)], axis=1)
        candidates = np.flatnonzero(keep)
        # np.unique returns the first index of each distinct row: DNA keeps the first.
        _, first = np.unique(key[candidates], axis=0, return_index=True)
        unique = np.zeros(len(statements), dtype=bool)
        unique[candidates[first]] = True
        keep &= unique
    return statements.take(keep)


# ---------------------------------------------------------------- matrices


@dataclass
class Node:
    label: str
    variable: str
    statements: int
    organization: str = ""

    def as_dict(self) -> dict[str, Any]:
        node: dict[str, Any] = {
            "label": self.label,
            "variable": self.variable,
            "statements": self.statements,
        }
        if self.variable == "speaker":
            node["organization"] = self.organization
        return node


@dataclass
class Network:
    """One network matrix (rows × columns) and the window it covers."""

    network_type: str
    rows: list[Node]
    columns: list[Node]
    matrix: FloatArray
    statement_count: int
    start: datetime.date | None
    stop: datetime.date | None
    time: datetime.date | None = None
    stance_counts: npt.NDArray[np.int64] | None = None

    def edges(self) -> list[dict[str, Any]]:
        """Non-zero cells; a one-mode matrix is symmetric, so its upper triangle."""
        matrix = self.matrix
        if self.network_type == "onemode":
            i, j = np.nonzero(np.triu(matrix, k=1))
        else:
            i, j = np.nonzero(matrix)
        edges = []
        for a, b in zip(i.tolist(), j.tolist(), strict=True):
            edge: dict[str, Any] = {
                "source": self.rows[a].label,
                "target": self.columns[b].label,
                "weight": number(matrix[a, b]),
            }
            if self.stance_counts is not None:
                support, oppose, other = self.stance_counts[a, b].tolist()
                edge.update(support=support, oppose=oppose, other=other)
            edges.append(edge)
        return edges

    def as_dict(self) -> dict[str, Any]:
        return {
            "network_type": self.network_type,
            "start": self.start,
            "stop": self.stop,
            "time": self.time,
            "statements": self.statement_count,
            "rows": [node.as_dict() for node in self.rows],
            "columns": [node.as_dict() for node in self.columns],
            "matrix": [[number(value) for value in row] for row in self.matrix.tolist()],
            "edges": self.edges(),
        }


def number(value: float) -> float | int:
    """A weight as JSON shows it: whole numbers without a decimal point."""
    value = float(value)
    return int(value) if value.is_integer() else round(value, 12)


def labels(statements: Statements, variable: str) -> list[str]:
    """Exporter.extractLabels: the sorted distinct values, the empty one removed."""
    return sorted(set(statements.values[variable].tolist()) - {""})


def nodes(
    names: list[str], statements: Statements, variable: str, original: Statements
) -> list[Node]:
    """Nodes with their activity: how many of the network's statements name them."""
    values = statements.values[variable]
    found, counts = np.unique(values, return_counts=True)
    count = dict(zip(found.tolist(), counts.tolist(), strict=True))
    organization: dict[str, str] = {}
    if variable == "speaker" and "organization" in original.values:
        organization = dict(
            zip(
                original.values["speaker"].tolist(),
                original.values["organization"].tolist(),
                strict=True,
            )
        )
    return [Node(name, variable, count.get(name, 0), organization.get(name, "")) for name in names]


def statement_array(
    statements: Statements, options: Options, names1: list[str], names2: list[str]
) -> FloatArray:
    """Exporter.createArray: counts of statements, variable1 × variable2 × qualifier level."""
    array = np.zeros((len(names1), len(names2), level_count(options)))
    if len(statements) == 0:
        return array
    rows = np.searchsorted(names1, statements.values[options.variable1])
    columns = np.searchsorted(names2, statements.values[options.variable2])
    np.add.at(array, (rows, columns, qualifier_level(statements, options)), 1.0)
    return array


def stance_counts(
    statements: Statements, options: Options, names1: list[str], names2: list[str]
) -> npt.NDArray[np.int64]:
    """Support, oppose and other claims behind each cell, for colouring edges by stance."""
    counts = np.zeros((len(names1), len(names2), 3), dtype=np.int64)
    if len(statements) == 0:
        return counts
    rows = np.searchsorted(names1, statements.values[options.variable1])
    columns = np.searchsorted(names2, statements.values[options.variable2])
    stance = np.where(
        statements.stance == Stance.SUPPORT, 0, np.where(statements.stance == Stance.OPPOSE, 1, 2)
    )
    np.add.at(counts, (rows, columns, stance), 1)
    return counts


def two_mode(array: FloatArray, options: Options) -> FloatArray:
    """Exporter.computeTwoModeMatrix(processedStatements, start, stop) for a boolean qualifier.

    ignore: statements counted; subtract: agreeing minus disagreeing ones;
    combine: lexRank of which levels occur, over DNA's levels (0, 1): 1 only
    support, 2 only oppose, 3 both. Normalization "activity" divides each row,
    "prominence" each column, by its statements (ignore, subtract) or by its
    non-zero cells (combine).
    """
    aggregation = options.qualifier_aggregation
    if aggregation == "subtract":
        matrix = array[:, :, 1] - array[:, :, 0]
    elif aggregation == "combine":
        matrix = 2.0 * (array[:, :, 0] > 0) + 1.0 * (array[:, :, 1] > 0)
    else:
        matrix = array.sum(axis=2)
    if options.normalization in ("activity", "prominence"):
        axis = 1 if options.normalization == "activity" else 0
        if aggregation == "combine":
            denominator = (matrix > 0).sum(axis=axis).astype(float)
        elif aggregation == "subtract":
            denominator = array.sum(axis=(2, axis))
        else:
            denominator = matrix.sum(axis=axis)
        shape = (-1, 1) if axis == 1 else (1, -1)
        denominator = denominator.reshape(shape)
        matrix = np.divide(matrix, denominator, out=np.zeros_like(matrix), where=denominator != 0)
    return matrix


def one_mode(array: FloatArray, options: Options) -> FloatArray:
    """Exporter.computeOneModeMatrix for a boolean qualifier (its range is 1).

    ignore: Σ_j (Σ_k a[i1,j,k]) (Σ_k a[i2,j,k]); congruence: Σ_j Σ_k a[i1,j,k] a[i2,j,k];
    conflict: Σ_j Σ_{k≠k'} a[i1,j,k] a[i2,j,k']; subtract: congruence − conflict.
    Normalization: average divides by (n_i1 + n_i2) / 2, where n is a node's
    statements; jaccard by m10 + m01 + m11; cosine by n_i1 · n_i2, which is DNA's
    formula (sqrt(n1²)·sqrt(n2²)), not the textbook cosine. The diagonal is 0.
    """
    aggregation = options.qualifier_aggregation
    # Sizes spelled out: -1 cannot be inferred for no rows (a filter or window matching nothing).
    flat = array.reshape(array.shape[0], array.shape[1] * array.shape[2])
    if aggregation == "ignore":
        summed = array.sum(axis=2)
        matrix = summed @ summed.T
    else:
        congruence = flat @ flat.T
        oppose, support = array[:, :, 0], array[:, :, 1]
        conflict = oppose @ support.T + support @ oppose.T
        if aggregation == "congruence":
            matrix = congruence
        elif aggregation == "conflict":
            matrix = conflict
        else:
            matrix = congruence - conflict
    activity = flat.sum(axis=1)
    if options.normalization == "average":
        norm = (activity[:, None] + activity[None, :]) / 2
    elif options.normalization == "cosine":
        norm = activity[:, None] * activity[None, :]
    elif options.normalization == "jaccard":
        absent = (flat == 0).astype(float)
        m10 = flat @ absent.T
        m01 = absent @ flat.T
        m11 = flat @ flat.T
        norm = m10 + m01 + m11
    else:
        norm = np.ones_like(matrix)
    normalized: FloatArray = np.divide(matrix, norm, out=np.zeros_like(matrix), where=norm != 0)
    np.fill_diagonal(normalized, 0.0)
    return normalized


def compute_matrix(
    statements: Statements,
    original: Statements,
    options: Options,
    start: datetime.date | None,
    stop: datetime.date | None,
) -> Network:
    """One network of `statements`; with isolates, every node of `original` is a row or column."""
    source = original if options.isolates else statements
    names1 = labels(source, options.variable1)
    names2 = labels(source, options.variable2)
    array = statement_array(statements, options, names1, names2)
    rows = nodes(names1, statements, options.variable1, original)
    if options.network_type == "onemode":
        return Network(
            "onemode", rows, rows, one_mode(array, options), len(statements), start, stop
        )
    return Network(
        "twomode",
        rows,
        nodes(names2, statements, options.variable2, original),
        two_mode(array, options),
        len(statements),
        start,
        stop,
        stance_counts=stance_counts(statements, options, names1, names2),
    )


# ------------------------------------------------------------- time windows


def add_units(day: datetime.date, unit: str, count: int) -> datetime.date:
    """Java's LocalDate.plusDays/Weeks/Months/Years: months clamp to the month's end."""
    if unit == "days":
        return day + datetime.timedelta(days=count)
    if unit == "weeks":
        return day + datetime.timedelta(weeks=count)
    months = count * (12 if unit == "years" else 1)
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


def windows(
    first: datetime.date, last: datetime.date, unit: str, size: int
) -> Iterator[tuple[datetime.date, datetime.date, datetime.date]]:
    """Exporter.computeTimeWindowMatrices (time units): (time, window start, window stop).

    The window moves one unit at a time from first to last; each reaches
    round((size - 1) / 2) units either side of its time, inclusive, and only
    windows wholly inside [first, last] are kept.
    """
    reach = math.floor((size - 1) / 2 + 0.5)  # Java's Math.round rounds halves up
    # Each time is `first` plus n units (DNA adds one unit to the previous time,
    # so that a 31st clamped to a 29th stays on the 29th); no drift here.
    steps = 0
    time = first
    while time <= last:
        try:
            start, stop = add_units(time, unit, -reach), add_units(time, unit, reach)
        except (OverflowError, ValueError):  # reaches past year 1 or 9999: not inside
            pass
        else:
            if start >= first and stop <= last:
                yield time, start, stop
        steps += 1
        try:
            time = add_units(first, unit, steps)
        except (OverflowError, ValueError):  # past year 9999, so past `last`
            return


class TooManyWindows(Exception):
    """More than `count` time windows (they are not counted further)."""

    def __init__(self, count: int) -> None:
        self.count = count
        super().__init__(f"more than {count} time windows")


def dna_network(
    claims: QuerySet[Claim], options: Options, *, max_windows: int | None = None
) -> list[Network] | Statements:
    """The network (a list of one), the time-window series, or the event list.

    `claims` is already filtered by the claim list's filters. One query.
    Raises TooManyWindows, before computing any, when the series would be
    longer than `max_windows`.
    """
    original = load_statements(claims, options)
    statements = filter_statements(original, options)
    if options.network_type == "eventlist":
        return statements
    dated = statements.date[~np.isnat(statements.date)]
    if options.time_window == "no":
        return [compute_matrix(statements, original, options, options.start, options.stop)]
    if len(dated) == 0 and not (options.start and options.stop):
        return []
    first = options.start or dated.min().astype(datetime.date)
    last = options.stop or dated.max().astype(datetime.date)
    # Stop one past the bound: days from year 1 to 9999 would be millions of windows.
    wanted = None if max_windows is None else max_windows + 1
    spans = list(islice(windows(first, last, options.time_window, options.window_size), wanted))
    if max_windows is not None and len(spans) > max_windows:
        raise TooManyWindows(max_windows)
    series = []
    for time, start, stop in spans:
        inside = (statements.date >= np.datetime64(start)) & (
            statements.date <= np.datetime64(stop)
        )
        network = compute_matrix(statements.take(inside), original, options, start, stop)
        network.time = time
        series.append(network)
    return series


def edge_statements(
    statements: Statements, options: Options, source: str, target: str
) -> Statements:
    """The statements behind one edge of the network of `statements`.

    Two-mode: those linking `source` (a row) and `target` (a column). One-mode:
    those of either node about a value of variable2 that both use.
    """
    first = statements.values[options.variable1]
    second = statements.values[options.variable2]
    if options.network_type == "twomode":
        return statements.take((first == source) & (second == target))
    shared = set(second[first == source].tolist()) & set(second[first == target].tolist())
    return statements.take(np.isin(first, [source, target]) & np.isin(second, list(shared)))
