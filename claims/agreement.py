"""How far a project's annotators agree: span matching, Cohen's κ, Krippendorff's α.

Who coded what. An annotator coded a document when she is assigned it in the project
or made a claim in it there; a pair is compared only on the documents both coded. Gold
claims (the curators') never count.

How spans are matched (one procedure, used for curation too). In each document, every
two claims of different annotators are candidates: for *exact* matching when their
start and end are the same, for *overlapping* matching when they share at least one
code point. Candidates are taken greedily, the largest overlap (in code points) first,
ties by the earlier start, then the earlier end, then the lower claim ids; a candidate
joins the two claims' groups unless that would put two claims of one annotator in one
group. A group is thus one passage as each annotator marked it, with at most one claim
per annotator; between two annotators it is a one-to-one matching.

What is computed.
- Span agreement, per pair (a, b), exact and overlapping: matched = groups holding a
  claim of each; recall = matched / a's claims, precision = matched / b's claims (a
  is the reference, so swapping the pair swaps them), F1 = 2·matched / (a's + b's).
- Positional α: every code point of every document is a unit, coded by each annotator
  who coded the document with the type of the claim covering it (the shortest such
  claim, then the earliest, then the lowest id), or "none"; nominal Krippendorff's α
  over all annotators, a document not coded by an annotator being missing there.
- On matched claims (overlapping groups): per pair Cohen's κ on the groups holding a
  claim of each, and over all annotators nominal Krippendorff's α on every group (an
  annotator without a claim in a group is a missing value), for claim type, stance,
  attribution and speaker (no speaker is a value of its own).

Every figure comes with the number of units it rests on. An undefined figure (no
units, a single category) is null with the reason; one resting on fewer than
FEW_UNITS units carries a reason saying so.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import krippendorff
import numpy as np
from django.contrib.auth.models import User
from django.db.models import Q
from django.db.models.functions import Length
from django.utils.translation import gettext as _

from annotations.models import Document
from claims.models import Claim, ClaimType
from projects.models import Assignment, Project

FEW_UNITS = 10
FIELDS = ("claim_type", "stance", "attribution", "speaker")


@dataclass(frozen=True)
class Coded:
    """One annotator's claim, as agreement reads it."""

    id: int
    document_id: int
    start: int
    end: int
    annotator_id: int
    claim_type: str
    stance: str
    attribution: str
    speaker: int | None


CODED_VALUES = ["id", "document_id", "start", "end", "annotator_id"]


def coded(row: dict[str, Any]) -> Coded:
    return Coded(
        **{name: row[name] for name in CODED_VALUES},
        claim_type=row["claim_type"],
        stance=row["stance"],
        attribution=row["attribution"],
        speaker=row["speaker_id"],
    )


def match(claims: Iterable[Coded], *, exact: bool) -> list[list[Coded]]:
    """The claims in groups of matching spans (the module's docstring says how)."""
    by_document: dict[int, list[Coded]] = defaultdict(list)
    for claim in claims:
        by_document[claim.document_id].append(claim)
    groups: list[list[Coded]] = []
    for document_claims in by_document.values():
        groups += _match_in_document(document_claims, exact=exact)
    return sorted(groups, key=lambda g: (g[0].document_id, g[0].start, g[0].end, g[0].id))


def _match_in_document(claims: list[Coded], *, exact: bool) -> list[list[Coded]]:
    claims = sorted(claims, key=lambda c: (c.start, c.end, c.id))
    candidates = []
    for i, x in enumerate(claims):
        for y in claims[i + 1 :]:
            if y.start >= x.end:
                break  # sorted by start: no later claim overlaps x
            if x.annotator_id == y.annotator_id:
                continue
            if exact and (x.start, x.end) != (y.start, y.end):
                continue
            overlap = min(x.end, y.end) - max(x.start, y.start)
            candidates.append((-overlap, x.start, x.end, y.start, y.end, x.id, y.id, x, y))
    group_of = {claim.id: [claim] for claim in claims}
    for *_key, x, y in sorted(candidates, key=lambda c: c[:7]):
        first, second = group_of[x.id], group_of[y.id]
        if first is second:
            continue
        if {c.annotator_id for c in first} & {c.annotator_id for c in second}:
            continue
        first += second
        for claim in second:
            group_of[claim.id] = first
    unique = {id(group): group for group in group_of.values()}
    return [sorted(group, key=lambda c: (c.start, c.end, c.id)) for group in unique.values()]


def figure(value: float | None, units: int, reason: str | None = None) -> dict[str, Any]:
    """A figure with the units it rests on; a reason when it is null or rests on few."""
    if value is not None and np.isnan(value):
        value, reason = None, reason or _("undefined for these data")
    if reason is None and units < FEW_UNITS:
        reason = _("only %(units)d units: too few to rely on") % {"units": units}
    return {
        "value": None if value is None else round(float(value), 6),
        "units": units,
        "reason": reason,
    }


def cohen_kappa(pairs: Sequence[tuple[object, object]]) -> dict[str, Any]:
    """Cohen's κ of two annotators' values on the same units."""
    units = len(pairs)
    if not units:
        return figure(None, 0, _("no matched claims"))
    observed = sum(a == b for a, b in pairs) / units
    first: dict[object, int] = defaultdict(int)
    second: dict[object, int] = defaultdict(int)
    for a, b in pairs:
        first[a] += 1
        second[b] += 1
    expected = sum(first[k] * second[k] for k in first) / units**2
    if expected == 1:
        return figure(None, units, _("both annotators used one and the same value only"))
    return figure((observed - expected) / (1 - expected), units)


def nominal_alpha(matrix: np.ndarray[Any, Any]) -> dict[str, Any]:
    """Krippendorff's nominal α of an annotators × units matrix (NaN: missing)."""
    if matrix.size == 0:
        return figure(None, 0, _("no units"))
    # Only units coded by two or more annotators count: the others pair no values.
    matrix = matrix[:, np.sum(~np.isnan(matrix), axis=0) >= 2]
    units = matrix.shape[1]
    if not units:
        return figure(None, 0, _("no unit was coded by two annotators"))
    if len(np.unique(matrix[~np.isnan(matrix)])) < 2:
        return figure(None, units, _("every unit has the same value (one category only)"))
    value = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    return figure(value, units)


@dataclass
class Selection:
    """What to compare: the claims and which annotator coded which document."""

    claims: list[Coded]
    coded_documents: dict[int, set[int]]  # annotator id → document ids
    lengths: dict[int, int]  # document id → length of its text in code points
    annotators: list[User]


def select(
    project: Project,
    *,
    documents: Sequence[int] = (),
    annotators: Sequence[int] = (),
    claim_types: Sequence[str] = (),
) -> Selection:
    """Four queries: the claims, the assignments, the documents' lengths, the annotators."""
    claims = Claim.objects.filter(project=project, gold=False)
    assignments = Assignment.objects.filter(project=project)
    if documents:
        claims = claims.filter(document_id__in=documents)
        assignments = assignments.filter(document_id__in=documents)
    if annotators:
        claims = claims.filter(annotator_id__in=annotators)
        assignments = assignments.filter(annotator_id__in=annotators)
    rows = list(claims.values(*CODED_VALUES, "claim_type", "stance", "attribution", "speaker_id"))
    coded_documents: dict[int, set[int]] = defaultdict(set)
    for annotator_id, document_id in assignments.values_list("annotator_id", "document_id"):
        coded_documents[annotator_id].add(document_id)
    for row in rows:
        coded_documents[row["annotator_id"]].add(row["document_id"])
    if claim_types:
        rows = [row for row in rows if row["claim_type"] in claim_types]
    every_document = set().union(*coded_documents.values()) if coded_documents else set()
    lengths = dict(
        Document.objects.filter(pk__in=every_document)
        .annotate(length=Length("text"))
        .values_list("pk", "length")
    )
    people = list(
        User.objects.filter(Q(pk__in=coded_documents)).order_by("username").only("username")
    )
    return Selection([coded(row) for row in rows], dict(coded_documents), lengths, people)


def compute(selection: Selection) -> dict[str, Any]:
    """Every figure of the module's docstring for the selection, as JSON."""
    ids = [user.pk for user in selection.annotators]
    groups = {
        "exact": match(selection.claims, exact=True),
        "overlapping": match(selection.claims, exact=False),
    }
    # Read once for every pair: each group's claims by annotator, claims per document.
    by_annotator = {
        kind: [{c.annotator_id: c for c in group} for group in kind_groups]
        for kind, kind_groups in groups.items()
    }
    made = Counter((c.annotator_id, c.document_id) for c in selection.claims)
    pairs = [pair_figures(selection, by_annotator, made, a, b) for a, b in combinations(ids, 2)]
    return {
        "annotators": [{"id": user.pk, "username": user.username} for user in selection.annotators],
        "documents": len(selection.lengths),
        "claims": len(selection.claims),
        "pairs": pairs,
        "alpha": {
            "positional": positional_alpha(selection, ids),
            **{
                field: nominal_alpha(field_matrix(groups["overlapping"], ids, field))
                for field in FIELDS
            },
        },
    }


def pair_figures(
    selection: Selection,
    groups: dict[str, list[dict[int, Coded]]],
    made: Counter[tuple[int, int]],
    a: int,
    b: int,
) -> dict[str, Any]:
    """`groups`: each kind's groups as annotator → claim; `made`: claims per annotator and
    document."""
    shared = selection.coded_documents.get(a, set()) & selection.coded_documents.get(b, set())
    counts = [sum(made[who, document] for document in shared) for who in (a, b)]
    result: dict[str, Any] = {"annotators": [a, b], "documents": len(shared), "claims": counts}
    for kind, kind_groups in groups.items():
        matched = [(group[a], group[b]) for group in kind_groups if a in group and b in group]
        result[kind] = span_scores(len(matched), *counts, shared=bool(shared))
        if kind == "overlapping":
            result["kappa"] = {
                field: cohen_kappa([(getattr(x, field), getattr(y, field)) for x, y in matched])
                for field in FIELDS
            }
    return result


def span_scores(matched: int, of_a: int, of_b: int, *, shared: bool) -> dict[str, Any]:
    if not shared:
        reason = _("the two annotators coded no document in common")
        return {
            "matched": 0,
            **{name: figure(None, 0, reason) for name in ("precision", "recall", "f1")},
        }
    return {
        "matched": matched,
        "precision": ratio(matched, of_b, _("the second annotator made no claim")),
        "recall": ratio(matched, of_a, _("the first annotator made no claim")),
        "f1": ratio(2 * matched, of_a + of_b, _("neither annotator made a claim")),
    }


def ratio(part: int, whole: int, reason: str) -> dict[str, Any]:
    if whole == 0:
        return figure(None, 0, reason)
    return figure(part / whole, whole)


def field_matrix(groups: list[list[Coded]], ids: list[int], field: str) -> np.ndarray[Any, Any]:
    """Annotators × groups, each cell a number standing for the value (NaN: no claim)."""
    codes: dict[object, int] = {}
    matrix = np.full((len(ids), len(groups)), np.nan)
    row_of = {who: row for row, who in enumerate(ids)}
    for column, group in enumerate(groups):
        for claim in group:
            value = getattr(claim, field)
            matrix[row_of[claim.annotator_id], column] = codes.setdefault(value, len(codes))
    return matrix


TYPE_CODES = {claim_type: number for number, claim_type in enumerate(ClaimType.values, start=1)}


def positional_alpha(selection: Selection, ids: list[int]) -> dict[str, Any]:
    """Nominal α over every code point, coded with the covering claim's type (0: none)."""
    by_coder_document: dict[tuple[int, int], list[Coded]] = defaultdict(list)
    for claim in selection.claims:
        by_coder_document[claim.annotator_id, claim.document_id].append(claim)
    blocks = []
    for document_id, length in sorted(selection.lengths.items()):
        block = np.full((len(ids), length), np.nan)
        for row, who in enumerate(ids):
            if document_id not in selection.coded_documents.get(who, set()):
                continue
            block[row] = 0
            # Longest first, so that the shortest (then earliest, then lowest id) is on top.
            placed = sorted(
                by_coder_document[who, document_id],
                key=lambda c: (-(c.end - c.start), -c.start, -c.id),
            )
            for claim in placed:
                block[row, claim.start : claim.end] = TYPE_CODES[claim.claim_type]
        blocks.append(block)
    if not blocks:
        return figure(None, 0, _("no units"))
    return nominal_alpha(np.concatenate(blocks, axis=1))


def for_project(
    project: Project,
    *,
    documents: Sequence[int] = (),
    annotators: Sequence[int] = (),
    claim_types: Sequence[str] = (),
) -> dict[str, Any]:
    selection = select(project, documents=documents, annotators=annotators, claim_types=claim_types)
    return {"project": project.pk, **compute(selection)}
