"""Creating claims in bulk: the one path for many new claims at once.

`POST /api/v1/claims/bulk/`, the `import_claims` command, the DNA import and accepting
suggestions all call create_claims(). A row is what ClaimWriteSerializer takes for a new
claim, checked with the same DRF fields (so the same messages) and the same model rules
(Claim.clean, the figure's clean, the relation's evidence rule), but against lookups
read once per batch instead of queries per row. Then each table is written by one COPY
(annotations.bulk), so a batch costs the same number of statements
whatever its size (see create_claims).

The database still checks everything it checks for one claim: constraints, foreign
keys, the anchor trigger (per statement, annotations 0006) and the history triggers
(per statement, history.tracking.LEVEL), which credit whoever pghistory's context
names: the request's user, or the command.
"""

import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.db import models, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.fields import Field, SkipField, empty
from rest_framework.relations import ManyRelatedField, RelatedField
from rest_framework.settings import api_settings
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from annotations.bulk import columns, draw_ids, insert, streamed_insert
from annotations.models import Document, ReviewStatus, span_errors
from claims.api import (
    FIGURE_SERIALIZERS,
    ClaimWriteSerializer,
    OwnRelationSerializer,
    end_period_as_typed,
    flat_errors,
)
from claims.models import (
    Claim,
    ClaimRelation,
    Metric,
    Observation,
    RelationKind,
    Speaker,
    TargetStatement,
    Topic,
    check_metric_usable,
    evidence_errors,
    speaker_errors,
)
from claims.permissions import NOT_IN_PROJECT, is_reviewer
from claims.representation import Representation
from projects.models import (
    DEFAULT_PROJECT_ID,
    Assignment,
    Guidelines,
    Project,
    ProjectDocument,
)

M = TypeVar("M", bound=models.Model)
Errors = dict[str, list[str]]


class BulkRejected(Exception):
    """Rows that are not valid claims; nothing was written.

    `errors` lists each bad row as the API reports it: {"row": n (from 0), "errors":
    {"field": ["message"]}}, fields named as in the claim resource (`figure.value`).
    """

    def __init__(self, errors: list[dict[str, Any]], total: int) -> None:
        self.errors = errors
        self.total = total
        super().__init__(self.message())

    def message(self) -> str:
        return _("No claim was saved: %(bad)d of %(total)d rows are invalid.") % {
            "bad": len(self.errors),
            "total": self.total,
        }


@dataclass
class NewClaim:
    """A checked row, unsaved: the claim's columns (attname: value, every column) and its
    parts. A plain dict, not a Claim: building 100,000 model instances would cost more
    than checking and storing them."""

    claim: dict[str, Any]
    speaker: Speaker | None = None
    topics: list[Topic] = field(default_factory=list)
    figure: TargetStatement | Observation | None = None
    relations: list[ClaimRelation] = field(default_factory=list)
    project: Project | None = None

    def stored_as(self, claim_id: int, relation_ids: Iterator[int], now: datetime) -> None:
        """The claim's id and times, its figure's claim, its relations' ids and times."""
        self.claim.update(id=claim_id, created_at=now, updated_at=now)
        if self.figure is not None:
            self.figure.claim_id = claim_id
        for relation in self.relations:
            relation.pk, relation.source_id, relation.created_at = (
                next(relation_ids),
                claim_id,
                now,
            )


@dataclass
class Lookups:
    """Everything the rows refer to, read once for the batch (one query each)."""

    documents: dict[int, Document]
    speakers: dict[int, Speaker]
    topics: dict[int, Topic]
    metrics: dict[int, Metric]
    related: dict[int, Claim]
    # The projects she may write in (Project.objects.visible_to) that the rows name, and
    # the default project, each with its guidelines in force; and which of the documents
    # the rows name are in those projects (every document is in the default one).
    projects: dict[int, Project]
    default_project: Project
    project_documents: set[tuple[int, int]]
    # Whether she may write review comments; asked only when a row has one.
    reviewer: bool = False

    @classmethod
    def of(cls, rows: Sequence[object], user: User) -> "Lookups":
        wanted: dict[str, set[int]] = defaultdict(set)
        commented = False
        for row in rows:
            if not isinstance(row, dict):
                continue
            # Anything but absent or empty may be a comment once checked (0 becomes "0").
            commented = commented or row.get("review_comment") not in (None, "")
            wanted["projects"].update(_pks([row.get("project")]))
            wanted["documents"].update(_pks([row.get("document")]))
            wanted["speakers"].update(_pks([row.get("speaker")]))
            topics = row.get("topics")
            wanted["topics"].update(_pks(topics if isinstance(topics, list) else []))
            figure = row.get("figure")
            if isinstance(figure, dict):
                wanted["metrics"].update(_pks([figure.get("metric")]))
            relations = row.get("relations")
            for relation in relations if isinstance(relations, list) else []:
                if isinstance(relation, dict):
                    wanted["related"].update(_pks([relation.get("target")]))
        projects = {
            project.pk: project
            for project in Project.objects.visible_to(user)
            .filter(Q(pk__in=wanted["projects"]) | Q(pk=DEFAULT_PROJECT_ID))
            .annotate(
                guidelines_in_force=Subquery(
                    Guidelines.objects.filter(project=OuterRef("pk"))
                    .order_by("-version")
                    .values("pk")[:1]
                ),
            )
        }
        default_project = next(p for p in projects.values() if p.is_default)
        others = projects.keys() - {default_project.pk}
        return cls(
            projects=projects,
            default_project=default_project,
            project_documents=set(
                ProjectDocument.objects.filter(
                    project__in=others, document__in=wanted["documents"]
                ).values_list("project_id", "document_id")
            )
            if others and wanted["documents"]
            else set(),
            # Only the text: a span is checked against it; the rest is never read here.
            documents=_by_pk(Document.objects.only("id", "text"), wanted["documents"]),
            speakers=_by_pk(Speaker.objects.only("id", "name"), wanted["speakers"]),
            topics=_by_pk(Topic.objects.only("id", "name"), wanted["topics"]),
            # With the proposer, whom a refusal names (check_metric_usable).
            metrics=_by_pk(Metric.objects.select_related("proposed_by"), wanted["metrics"]),
            # Only claims she may read (ReadableClaimField): any other does not exist.
            related=_by_pk(
                Claim.objects.visible_to(user)
                .select_related("target_statement__metric")
                .only("id", "claim_type", "target_statement__metric"),
                wanted["related"],
            ),
            reviewer=commented and is_reviewer(user),
        )


def _pks(values: Iterable[object]) -> Iterable[int]:
    """The values that can be primary keys, as DRF's PrimaryKeyRelatedField reads them."""
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool):
            yield value
        elif isinstance(value, str) and value.isdecimal() and value.isascii():
            yield int(value)


def _by_pk(queryset: models.QuerySet[M], pks: set[int]) -> dict[int, M]:
    if not pks:
        return {}
    return {obj.pk: obj for obj in queryset.filter(pk__in=pks)}


def not_an_object(data: object) -> serializers.ValidationError:
    """What a serializer says of data that is not a JSON object."""
    message = serializers.Serializer.default_error_messages["invalid"]
    return serializers.ValidationError(
        {api_settings.NON_FIELD_ERRORS_KEY: [str(message).format(datatype=type(data).__name__)]}
    )


@dataclass
class FieldPlan:
    """How to check a serializer's writable fields quickly: for each, its quick check (if
    any) and whether leaving it out just skips it (optional, no default)."""

    writable: frozenset[str]
    steps: list[tuple[str, Field[Any, Any, Any, Any], Callable[[object], object] | None, bool]]

    @classmethod
    def of(cls, fields: Mapping[str, Field[Any, Any, Any, Any]]) -> "FieldPlan":
        writable = {name: f for name, f in fields.items() if not f.read_only}
        return cls(
            frozenset(writable),
            [
                (name, f, quick_check(f), not f.required and f.default is empty)
                for name, f in writable.items()
            ],
        )


class RowChecker:
    """Checks rows as ClaimWriteSerializer checks one new claim, with its own field objects
    (built once) and the batch's lookups instead of a query per relation."""

    def __init__(self, user: User, lookups: Lookups) -> None:
        self.user = user
        self.lookups = lookups
        fields = ClaimWriteSerializer().fields
        self.claim_fields = {name: f for name, f in fields.items() if not f.read_only}
        self.figure_fields = {
            claim_type: serializer().fields for claim_type, serializer in FIGURE_SERIALIZERS.items()
        }
        self.relation_fields = OwnRelationSerializer().fields
        self.plans: dict[int, FieldPlan] = {}
        # Every column of a new claim, as Claim() would fill it.
        self.defaults = {
            f.attname: f.get_default() for f in Claim._meta.concrete_fields if not f.primary_key
        }
        self.sources: dict[str, Mapping[int, models.Model]] = {
            "project": lookups.projects,
            "document": lookups.documents,
            "speaker": lookups.speakers,
            "topics": lookups.topics,
            "metric": lookups.metrics,
            "target": lookups.related,
        }

    def check(self, row: object) -> NewClaim:
        """The claim `row` describes, unsaved; raises serializers.ValidationError (flat)."""
        if not isinstance(row, dict):
            raise not_an_object(row)
        values = self.validated(row, self.claim_fields)
        topics = list(dict.fromkeys(values.pop("topics", [])))  # set() drops repeats too
        figure_data = values.pop("figure", None)
        relations_data = values.pop("relations", [])
        document, speaker = values.pop("document"), values.pop("speaker", None)
        project = self.project(values.pop("project", None), document)
        claim = {
            **self.defaults,
            **values,
            "document_id": document.pk,
            "speaker_id": speaker.pk if speaker is not None else None,
            "annotator_id": self.user.pk,
            "project_id": project.pk,
            "guidelines_id": getattr(project, "guidelines_in_force", None),
        }
        self.check_claim(claim, document.text)
        figure = self.figure(claim, figure_data) if "figure" in row else None
        relations = self.relations(claim, figure, relations_data)
        return NewClaim(claim, speaker, topics, figure, relations, project)

    def validated(
        self, data: dict[str, Any], fields: Mapping[str, Field[Any, Any, Any, Any]]
    ) -> dict[str, Any]:
        """Serializer.to_internal_value, with relations resolved from the lookups."""
        plan = self.plans.get(id(fields))
        if plan is None:
            plan = self.plans[id(fields)] = FieldPlan.of(fields)
        unknown = data.keys() - plan.writable
        if unknown:  # StrictFieldsMixin: a forged annotator is refused, not dropped
            raise serializers.ValidationError(
                {name: [_("This field cannot be set here.")] for name in sorted(unknown)}
            )
        values: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for name, checker, quick, skipped in plan.steps:
            value = data.get(name, empty)
            if value is empty and skipped:
                continue  # DRF's SkipField: the model's default applies
            if quick is not None and (checked := quick(value)) is not NOT_QUICK:
                values[name] = checked
                continue
            try:
                values[name] = self.field_value(name, checker, value)
            except serializers.ValidationError as error:
                errors[name] = error.detail
            except SkipField:
                pass
        if errors:
            raise serializers.ValidationError(flat_errors(errors))
        return values

    def field_value(self, name: str, checker: Field[Any, Any, Any, Any], data: object) -> Any:
        if isinstance(checker, serializers.ListSerializer):
            return self.relation_items(checker, data)
        if isinstance(checker, ManyRelatedField):
            many = checker
            is_empty, value = many.validate_empty_values(data)
            if is_empty:
                return value
            if not isinstance(data, list):
                many.fail("not_a_list", input_type=type(data).__name__)
            if not data and not many.allow_empty:
                many.fail("empty")
            return [self.related(name, many.child_relation, item) for item in data]
        if isinstance(checker, RelatedField):
            is_empty, value = checker.validate_empty_values(data)
            if is_empty:
                return value
            return self.related(name, checker, data)
        return checker.run_validation(data)

    def relation_items(
        self, checker: serializers.ListSerializer[Any], data: object
    ) -> list[dict[str, Any]]:
        """OwnRelationSerializer(many=True), its targets from the lookups."""
        is_empty, value = checker.validate_empty_values(data)
        if is_empty:
            return list(value)
        if not isinstance(data, list):
            checker.fail("not_a_list", input_type=type(data).__name__)
        items: list[dict[str, Any]] = []
        errors: list[Any] = []
        for item in data:
            try:
                if not isinstance(item, dict):
                    raise not_an_object(item)
                items.append(self.validated(item, self.relation_fields))
                errors.append({})
            except serializers.ValidationError as error:
                errors.append(error.detail)
        if any(errors):
            raise serializers.ValidationError(errors)
        return items

    def project(self, project: Project | None, document: Document) -> Project:
        """ClaimWriteSerializer.check_project for a new claim: the default project, or one
        she is a member of (the lookups hold no other) holding the document."""
        if project is None or project.is_default:
            return self.lookups.default_project
        if (project.pk, document.pk) not in self.lookups.project_documents:
            message = NOT_IN_PROJECT % {
                "document": document.pk,
                "project": project,
            }
            raise serializers.ValidationError({"document": [message]})
        return project

    def related(self, name: str, checker: RelatedField[Any, Any, Any], data: object) -> Any:
        """PrimaryKeyRelatedField.to_internal_value, from the lookups; its messages."""
        pk = next(iter(_pks([data])), None)
        if pk is None:
            checker.fail("incorrect_type", data_type=type(data).__name__)
        obj = self.sources[name].get(pk)
        if obj is None:
            checker.fail("does_not_exist", pk_value=data)
        return obj

    def check_claim(self, claim: dict[str, Any], text: str) -> None:
        """ClaimWriteSerializer.validate for a new claim: its status, who comments, and
        Claim.clean() (span within the text, quote equal to it, speaker or authorial)."""
        if claim["status"] not in (ReviewStatus.DRAFT, ReviewStatus.SUBMITTED):
            raise serializers.ValidationError(
                {"status": [_("A new claim is a draft or submitted; reviewers then decide.")]}
            )
        if claim["review_comment"] and not self.lookups.reviewer:
            raise exceptions.PermissionDenied(_("Only reviewers write review comments."))
        errors = span_errors(text, claim["start"], claim["end"], claim["quote"])
        errors = errors or speaker_errors(claim["speaker_id"], claim["attribution"])
        if errors:
            raise serializers.ValidationError(flat_errors(errors))

    def figure(
        self, claim: dict[str, Any], data: dict[str, Any] | None
    ) -> TargetStatement | Observation | None:
        """ClaimWriteSerializer.figure_to_put for a new claim."""
        if data is None:
            return None
        fields = self.figure_fields.get(claim["claim_type"])
        if fields is None:
            message = _("A %(type)s-type claim has no figure: send null.") % {
                "type": claim["claim_type"]
            }
            raise serializers.ValidationError({"figure": [message]})
        try:
            values = self.validated(data, fields)
        except serializers.ValidationError as error:
            raise serializers.ValidationError(flat_errors(error.detail, "figure")) from None
        model = FIGURE_SERIALIZERS[claim["claim_type"]].Meta.model
        if model is Observation:
            end_period_as_typed(values, data.get("period_start"))
        figure = model(**values)
        try:
            figure.clean()
            metric = values.get("metric")
            # figure.clean() has no claim yet to check a proposed metric against; a claim
            # made for it only then (a Claim() per row would cost the batch its rate).
            if metric is not None and metric.is_proposed:
                check_metric_usable(metric, Claim(annotator_id=self.user.pk))
        except DjangoValidationError as error:
            raise serializers.ValidationError(flat_errors(error.message_dict, "figure")) from None
        return figure

    def relations(
        self, claim: dict[str, Any], figure: object, wanted: list[dict[str, Any]]
    ) -> list[ClaimRelation]:
        """Claim.put_relations for a new claim: each relation once, evidence as ruled."""
        relations = []
        seen = set()
        for number, item in enumerate(wanted):
            target: Claim = item["target"]
            if (target.pk, item["kind"]) in seen:
                message = _("The same relation is listed twice.")
                raise serializers.ValidationError({f"relations.{number}": [message]})
            seen.add((target.pk, item["kind"]))
            if item["kind"] == RelationKind.EVIDENCE_FOR:
                stated = getattr(target, "target_statement", None)
                errors = evidence_errors(
                    (claim["claim_type"], target.claim_type),
                    figure.metric if isinstance(figure, Observation) else None,
                    stated.metric if stated is not None else None,
                )
                if errors:
                    raise serializers.ValidationError(flat_errors(errors, f"relations.{number}"))
            relations.append(
                ClaimRelation(
                    target=target,
                    kind=item["kind"],
                    note=item.get("note", ""),
                    created_by=self.user,
                )
            )
        return relations


NOT_QUICK = object()
QUICK_VALIDATORS = (
    MaxLengthValidator,
    ProhibitNullCharactersValidator,
    ProhibitSurrogateCharactersValidator,
    MinValueValidator,
    MaxValueValidator,
)
SURROGATE = re.compile("[\ud800-\udfff]")


def quick_check(checker: Field[Any, Any, Any, Any]) -> Callable[[object], object] | None:
    """For a plain text, choice or integer field: a check that returns what DRF's
    run_validation would for the usual valid value, or NOT_QUICK for anything else (which
    DRF then checks, with its messages). None for other fields. DRF spends several
    microseconds a field on the same answer; a batch has millions of fields."""
    if any(not isinstance(v, QUICK_VALIDATORS) for v in checker.validators):
        return None
    if type(checker) is serializers.ChoiceField:
        keys = frozenset(k for k in checker.choices if isinstance(k, str))
        return lambda value: value if type(value) is str and value in keys else NOT_QUICK
    if type(checker) is serializers.IntegerField:
        low = checker.min_value if checker.min_value is not None else -(2**63)
        high = checker.max_value if checker.max_value is not None else 2**63 - 1
        return lambda value: value if type(value) is int and low <= value <= high else NOT_QUICK
    if type(checker) is serializers.CharField:
        longest = checker.max_length or sys.maxsize
        trim = checker.trim_whitespace

        def text(value: object) -> object:
            if type(value) is not str:
                return NOT_QUICK
            stripped = value.strip() if trim else value
            if (
                not stripped
                or len(stripped) > longest
                or "\x00" in stripped
                or SURROGATE.search(stripped)
            ):
                return NOT_QUICK  # blank, too long, or a character DRF refuses
            return stripped

        return text
    return None


def create_claims(rows: Sequence[object], *, by: User) -> list[NewClaim]:
    """Check every row and store them all, or none (BulkRejected names the bad rows).

    `by` is the annotator of every claim and needs the right to add claims; the caller
    has checked that (the API's permission, the commands' --annotator). Statements, whatever
    the number of rows: one lookup each for the documents, speakers, topics, metrics and
    related claims the rows name (none when no row names one; and whether she may write
    review comments, when a row has one), one drawing the ids, then
    one COPY per table written (claims, topic links, target statements, observations,
    relations). Returns the rows as stored, in order, with their ids.

    Each claim is written into the COPY as soon as it is checked, and psycopg sends what
    is written every 32 KiB (about a hundred claims): PostgreSQL stores those (their
    indexes, their constraints) while the next are checked here, on the other core.
    After the first bad row nothing more is written, but every row is still checked, so
    that all the bad ones are named; the transaction is then rolled back (the ids drawn
    for the batch are left unused). Nothing in a row's check may query the database
    while the COPY is open: whatever it needs comes with the lookups.
    """
    checker = RowChecker(by, Lookups.of(rows, by))
    now = timezone.now()
    checked: list[NewClaim] = []
    errors: list[dict[str, Any]] = []
    with transaction.atomic():
        claim_ids, relation_ids = draw_ids(
            (Claim, len(rows)), (ClaimRelation, relations_listed(rows))
        )
        relation_id = iter(relation_ids)
        with streamed_insert(Claim) as write:
            for number, (row, claim_id) in enumerate(zip(rows, claim_ids, strict=True)):
                try:
                    new = checker.check(row)
                except serializers.ValidationError as error:
                    errors.append({"row": number, "errors": flat_errors(error.detail)})
                    continue
                if not errors:
                    new.stored_as(claim_id, relation_id, now)
                    write(new.claim)
                    checked.append(new)
            if errors:
                raise BulkRejected(errors, len(rows))
        insert(
            Claim.topics.through,
            [
                {"claim_id": new.claim["id"], "topic_id": t.pk}
                for new in checked
                for t in new.topics
            ],
        )
        for model in (TargetStatement, Observation):
            insert(model, [columns(f) for new in checked if isinstance(f := new.figure, model)])
        insert(ClaimRelation, [columns(r) for new in checked for r in new.relations])
        start_assignments(checked, by)
    return checked


def relations_listed(rows: Sequence[object]) -> int:
    """How many relations the rows list: a valid row has one per item, and the ids for
    them are drawn with the claims', before any row is checked."""
    return sum(
        len(relations)
        for row in rows
        if isinstance(row, dict) and isinstance(relations := row.get("relations"), list)
    )


def start_assignments(checked: Sequence[NewClaim], annotator: User) -> None:
    """Her first claims in a study project's document start her assignment there; none
    in the default project."""
    Assignment.start(
        annotator=annotator,
        pairs=[
            (new.claim["project_id"], new.claim["document_id"])
            for new in checked
            if new.project is not None and not new.project.is_default
        ],
    )


# ------------------------------------------------------------------- as read


def as_read(created: Sequence[NewClaim], user: User) -> list[dict[str, Any]]:
    representation = Representation(user)
    return [representation.new_claim(new) for new in created]
