"""A claim as the claim resource shows it (ClaimSerializer), built from plain values
rather than by DRF field by field: the claim list and the bulk API answer with these.

ClaimSerializer stays the one list of fields and the one definition of each field's
format (dates, numbers): its field objects, built once, convert each value here. What
DRF adds per claim and per field (attribute lookups through related objects, a
serializer per figure, per relation and per `can`, a prefetch per relation) took
longer than the page's queries: a page of 100 claims cost 31 ms of CPU in process,
14 ms now (bench/README.md). `tests/test_claim_representation.py` compares the two
for claims with every part.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef
from django.db.models.functions import JSONObject
from rest_framework import serializers
from rest_framework.relations import PrimaryKeyRelatedField

from claims.api import (
    FIGURE_SERIALIZERS,
    ClaimObservationSerializer,
    ClaimSerializer,
    OwnRelationSerializer,
    TargetStatementSerializer,
)
from claims.models import Claim, ClaimRelation
from claims.permissions import allowed_actions, curated_open, is_reviewer

if TYPE_CHECKING:  # claims.bulk imports this module
    from claims.bulk import NewClaim

Fields = Mapping[str, serializers.Field[Any, Any, Any, Any]]
# The fields of the resource that are not a column of the claim (or its id): built
# from its parts by Representation.claim.
PARTS = {"speaker_name", "annotator", "reviewer", "topics", "figure", "relations", "can"}
# A claim's columns by field name, as the bulk path holds them (document_id).
ATTNAMES = {field.name: field.attname for field in Claim._meta.concrete_fields}
# The figure's serializer by the attribute of Claim that holds it, in the order
# Claim.stated_figure() looks.
FIGURES = {"target_statement": TargetStatementSerializer, "observation": ClaimObservationSerializer}


@cache
def fields_of(serializer: type[serializers.Serializer[Any]]) -> Fields:
    """A serializer's fields, built once: they only convert values, so every request
    can share them."""
    return dict(serializer().fields)


# DRF conversions that give back a value of this type as it is (str() of a str, a
# choice's own value, int() of an int): such values skip the call. A claim's fields
# took 2.9 µs, 2.0 µs so; a page of claims 1.7% fewer instructions (bench/README.md).
UNCHANGED: dict[Callable[..., Any], type] = {
    serializers.CharField.to_representation: str,
    serializers.ChoiceField.to_representation: str,
    serializers.IntegerField.to_representation: int,
}


def represent(fields: Fields, value_of: Callable[[str], Any]) -> dict[str, Any]:
    """As Serializer.to_representation, over values instead of attributes: `value_of`
    gives a field's value, a related object's id for a relation."""
    result = {}
    for name, field in fields.items():
        value = value_of(name)
        if (
            value is None
            or type(value) is UNCHANGED.get(type(field).to_representation)
            or isinstance(field, PrimaryKeyRelatedField)
        ):
            result[name] = value
        else:
            result[name] = field.to_representation(value)
    return result


class Representation:
    """Claims as read by `user` (whose `can` they carry)."""

    def __init__(self, user: User | AnonymousUser) -> None:
        self.user = user
        self.fields = {
            name: field for name, field in fields_of(ClaimSerializer).items() if name not in PARTS
        }
        # Timestamps apart (see `timestamp`), the other fields converted by `represent`.
        self.timestamp_fields = {
            name: field
            for name, field in self.fields.items()
            if isinstance(field, serializers.DateTimeField)
        }
        self.plain_fields = {
            name: field for name, field in self.fields.items() if name not in self.timestamp_fields
        }
        self.timestamps: dict[tuple[str, datetime], Any] = {}
        self.relation_created = fields_of(OwnRelationSerializer)["created_at"]
        self.can: dict[tuple[bool, str, bool, bool], dict[str, bool]] = {}
        # The project documents (project id, document id) whose gold she may change as
        # their curator (permissions.curated_open); see `gold`.
        self.curated_places: set[tuple[int, int]] = set()

    def gold(self, places: Iterable[tuple[int, int]]) -> None:
        """The project documents of the gold claims to come, so that whether she
        curates them is asked once for them all (a reviewer need not be asked)."""
        wanted = set(places)
        if wanted and not is_reviewer(self.user):
            self.curated_places |= curated_open(self.user, wanted)

    def claim(
        self,
        columns: Mapping[str, Any],
        *,
        speaker_name: str | None,
        annotator: str,
        reviewer: str | None,
        topics: list[int],
        figure: dict[str, Any] | None,
        relations: Iterable[Mapping[str, Any]],
    ) -> dict[str, Any]:
        """`columns`: the claim's fields by name (a relation's by its id: `annotator`
        too; `gold` besides them, for `can`); `topics` in the order of their names;
        `relations` in the order of their kinds and targets, with `created_by_name`."""
        result = represent(self.plain_fields, columns.__getitem__)
        for name, field in self.timestamp_fields.items():
            result[name] = self.timestamp(name, field, columns[name])
        result.update(
            speaker_name=speaker_name,
            annotator=annotator,
            reviewer=reviewer,
            topics=topics,
            figure=figure,
            relations=[
                {
                    "id": relation["id"],
                    "target": relation["target"],
                    "kind": relation["kind"],
                    "note": relation["note"],
                    "created_by": relation["created_by_name"],
                    "created_at": self.relation_created.to_representation(relation["created_at"]),
                }
                for relation in relations
            ],
            can=self.allowed(columns),
        )
        # In the resource's order of fields, as ClaimSerializer gives them.
        return {name: result[name] for name in ClaimSerializer.Meta.fields}

    def timestamp(
        self, name: str, field: serializers.Field[Any, Any, Any, Any], value: datetime | None
    ) -> Any:
        """`value` as `field` writes it, converted once per value: the claims of a bulk
        request share their created_at and updated_at, and DRF's conversion to the
        current time zone cost more than all of a claim's other fields."""
        if value is None:
            return None
        key = (name, value)
        if key not in self.timestamps:
            self.timestamps[key] = field.to_representation(value)
        return self.timestamps[key]

    def allowed(self, columns: Mapping[str, Any]) -> dict[str, bool]:
        """allowed_actions() depends on the claim only through whether it is hers, its
        status and, for a gold claim, whether she curates its project document (still
        open; known from `gold`): asked once per such key, not per claim."""
        gold = columns["gold"]
        curates_open = gold and (columns["project"], columns["document"]) in self.curated_places
        key = (columns["annotator"] == self.user.pk, columns["status"], gold, curates_open)
        if key not in self.can:
            claim = Claim(annotator_id=columns["annotator"], status=columns["status"], gold=gold)
            self.can[key] = allowed_actions(self.user, claim, curates_open=curates_open)
        return self.can[key]

    def new_claim(self, new: "NewClaim") -> dict[str, Any]:
        """A claim the bulk path just wrote, from what it wrote (no query)."""
        claim = new.claim
        figure = new.figure
        return self.claim(
            {name: claim[ATTNAMES[name]] for name in [*self.fields, "annotator", "gold"]},
            speaker_name=new.speaker.name if new.speaker is not None else None,
            annotator=self.user.username,
            reviewer=None,
            topics=[t.pk for t in sorted(new.topics, key=lambda t: (t.name, t.pk))],
            figure=None
            if figure is None
            else represent(
                fields_of(FIGURE_SERIALIZERS[claim["claim_type"]]), figure.serializable_value
            ),
            relations=[
                {
                    "id": r.pk,
                    "target": r.target_id,
                    "kind": r.kind,
                    "note": r.note,
                    "created_by_name": self.user.username,
                    "created_at": claim["created_at"],
                }
                for r in sorted(new.relations, key=lambda r: (r.kind, r.target_id))
            ],
        )


def claims_as_read(ids: Sequence[int], user: User | AnonymousUser) -> list[dict[str, Any]]:
    """The claims `ids` as read, in that order; a claim deleted meanwhile is left out.

    One query whatever their number: the claims with their speaker's name, their
    users' names, their figure, and (as arrays) their topics and the relations they
    make. Three queries cost a page two more round trips than this one.
    """
    representation = Representation(user)
    figure_columns = [
        f"{attr}__{name}"
        for attr, serializer in FIGURES.items()
        for name in ["id", *fields_of(serializer)]
    ]
    tagged = Claim.topics.through.objects.filter(claim=OuterRef("pk"))
    made = ClaimRelation.objects.filter(source=OuterRef("pk")).with_readable_target(user)
    rows = {
        row["id"]: row
        for row in Claim.objects.filter(pk__in=ids)
        .order_by()
        .values(
            *representation.fields,
            "annotator",
            "gold",
            *figure_columns,
            speaker_name=F("speaker__name"),
            annotator_name=F("annotator__username"),
            reviewer_name=F("reviewer__username"),
            topic_ids=ArraySubquery(tagged.order_by("topic__name", "topic").values("topic")),
            relations_made=ArraySubquery(
                made.order_by("kind", "target").values(
                    json=JSONObject(
                        id="id",
                        target="target_id",
                        kind="kind",
                        note="note",
                        created_by_name="created_by__username",
                        created_at="created_at",
                    )
                )
            ),
        )
    }
    representation.gold((row["project"], row["document"]) for row in rows.values() if row["gold"])
    return [
        representation.claim(
            row,
            speaker_name=row["speaker_name"],
            annotator=row["annotator_name"],
            reviewer=row["reviewer_name"],
            topics=row["topic_ids"],
            figure=figure_of(row),
            relations=[
                # JSON has no datetimes: PostgreSQL wrote it in ISO 8601.
                {**relation, "created_at": datetime.fromisoformat(relation["created_at"])}
                for relation in row["relations_made"]
            ],
        )
        for claim_id in ids
        if (row := rows.get(claim_id)) is not None
    ]


def figure_of(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """The figure in a row of claims_as_read, as its serializer shows it; None if none."""
    for attr, serializer in FIGURES.items():
        if row[f"{attr}__id"] is not None:
            prefix = f"{attr}__"
            return represent(fields_of(serializer), lambda name: row[prefix + name])  # noqa: B023 (returned at once)
    return None
