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

import psycopg
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.relations import PrimaryKeyRelatedField
from rest_framework.settings import api_settings

from claims.api import (
    FIGURE_SERIALIZERS,
    ClaimObservationSerializer,
    ClaimSerializer,
    OwnRelationSerializer,
    TargetStatementSerializer,
)
from claims.models import Claim, ClaimRelation, Speaker, Topic, readable_sql
from claims.permissions import allowed_actions, curated_open, is_reviewer
from config.sql import column, table
from projects.models import Project

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
        # The time zone DRF writes timestamps in (the current one), looked up once for
        # all of them; None if DRF is set to write another format than ISO 8601, or
        # naive times (USE_TZ off).
        iso = str(api_settings.DATETIME_FORMAT).lower() == ISO_8601
        self.zone = timezone.get_current_timezone() if iso and settings.USE_TZ else None
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
                    "created_at": self.timestamp(
                        "relation created_at", self.relation_created, relation["created_at"]
                    ),
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
        request share their created_at and updated_at.

        A value from the database is aware; DRF's DateTimeField writes it in ISO 8601
        in the current time zone, "Z" for UTC, and looks that zone up for each value:
        3.6 of the 9.8 µs it took, 2 ms of a page of 100 claims in all. Here the same two
        steps with the zone looked up once. A field with a format or time zone of its
        own is left to DRF (test_claim_representation compares the two).
        """
        if value is None:
            return None
        key = (name, value)
        if key not in self.timestamps:
            own_format = hasattr(field, "format") or hasattr(field, "timezone")
            if self.zone is None or own_format or value.tzinfo is None:
                self.timestamps[key] = field.to_representation(value)
            else:
                self.timestamps[key] = iso_8601(value.astimezone(self.zone))
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


def iso_8601(value: datetime) -> str:
    """An aware datetime as DRF writes one in its default format (ISO_8601)."""
    written = value.isoformat()
    return written.removesuffix("+00:00") + "Z" if written.endswith("+00:00") else written


def claims_as_read(ids: Sequence[int], user: User | AnonymousUser) -> list[dict[str, Any]]:
    """The claims `ids` as read, in that order; a claim deleted meanwhile is left out.

    One query whatever their number (read_statement): the claims with their speaker's
    name, their users' names, their figure, and (as arrays) their topics and the
    relations they make to claims she may read.
    """
    readable, readable_params = readable_sql(user, *relation_target_columns())
    with connection.cursor() as cursor:
        # psycopg's own timestamp loader, in C: the one Django installs (to name the
        # connection's time zone, UTC here too) parses each in Python, 2 µs a value.
        cursor.cursor.adapters.register_loader("timestamptz", TIMESTAMPTZ_LOADER)
        cursor.execute(read_statement().replace(READABLE, readable), [*readable_params, list(ids)])
        names = [column.name for column in cursor.description]
        read = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    rows = {row["id"]: row for row in read}
    representation = Representation(user)
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


TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(
    psycopg.postgres.types["timestamptz"].oid, psycopg.pq.Format.TEXT
)
# Where read_statement takes readable_sql's condition on a relation's target.
READABLE = "/* readable */"


@cache
def relation_target_columns() -> tuple[str, str, str, str]:
    """The columns readable_sql reads of a relation's target, under read_statement's
    aliases (`target`, its project `target_project`)."""
    annotator, project, document = (
        f"target.{column(Claim, name)}" for name in ["annotator", "project", "document"]
    )
    return f"target_project.{column(Project, 'independent')}", annotator, project, document


@cache
def read_statement() -> str:
    """claims_as_read's SELECT, built once from the models and the serializers' fields:
    its rows name the claim's fields as ClaimSerializer does (a relation by its id),
    each figure field as `<figure attribute>__<name>`, and the parts as
    Representation.claim takes them. Written as SQL, not as a queryset: Django spent
    more Python compiling that queryset, each page, than building the claims from its
    rows (bench/README.md). Names come from the models; values are parameters.
    """
    quote = connection.ops.quote_name
    claim_fields = [name for name in fields_of(ClaimSerializer) if name not in PARTS]
    selected = [
        f"c.{column(Claim, name)} AS {quote(name)}" for name in [*claim_fields, "annotator", "gold"]
    ]
    figures = []
    for attr, serializer in FIGURES.items():
        figure = Claim._meta.get_field(attr).related_model  # one to one, by its `claim`
        assert isinstance(figure, type)
        figures.append(
            f"LEFT JOIN {table(figure)} AS {attr} ON {attr}.{column(figure, 'claim')} = c.id"
        )
        selected += [
            f"{attr}.{column(figure, name)} AS {quote(f'{attr}__{name}')}"
            for name in ["id", *fields_of(serializer)]
        ]
    # A claim's relations in the order of their kinds and targets (Claim's own order).
    target_order = ", ".join(
        f"target.{column(Claim, str(name))}" for name in Claim._meta.ordering or []
    )
    topics = (
        f"SELECT link.topic_id FROM {table(Claim.topics.through)} AS link"  # noqa: S608
        f" JOIN {table(Topic)} AS topic ON topic.id = link.topic_id"
        " WHERE link.claim_id = c.id ORDER BY topic.name, topic.id"
    )
    relations = (
        "SELECT json_build_object('id', relation.id, 'target', relation.target_id,"  # noqa: S608
        " 'kind', relation.kind, 'note', relation.note, 'created_by_name', creator.username,"
        f" 'created_at', relation.created_at) FROM {table(ClaimRelation)} AS relation"
        f" JOIN {table(Claim)} AS target ON target.id = relation.target_id"
        f" JOIN {table(Project)} AS target_project ON target_project.id = target.project_id"
        f" JOIN {table(User)} AS creator ON creator.id = relation.created_by_id"
        f" WHERE relation.source_id = c.id AND {READABLE}"
        f" ORDER BY relation.kind, {target_order}"
    )
    selected += [
        "speaker.name AS speaker_name",
        "annotator.username AS annotator_name",
        "reviewer.username AS reviewer_name",
        f"ARRAY({topics}) AS topic_ids",
        f"ARRAY({relations}) AS relations_made",
    ]
    return (
        f"SELECT {', '.join(selected)} FROM {table(Claim)} AS c"  # noqa: S608
        f" LEFT JOIN {table(Speaker)} AS speaker ON speaker.id = c.speaker_id"
        f" JOIN {table(User)} AS annotator ON annotator.id = c.annotator_id"
        f" LEFT JOIN {table(User)} AS reviewer ON reviewer.id = c.reviewer_id"
        f" {' '.join(figures)} WHERE c.id = ANY(%s)"
    )


def figure_of(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """The figure in a row of claims_as_read, as its serializer shows it; None if none."""
    for attr, serializer in FIGURES.items():
        if row[f"{attr}__id"] is not None:
            prefix = f"{attr}__"
            return represent(fields_of(serializer), lambda name: row[prefix + name])  # noqa: B023 (returned at once)
    return None
