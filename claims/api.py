"""The REST API under /api/v1/ for claims and what they refer to.

Claims get full CRUD, a bulk create and streamed exports; speakers, topics and
metrics can be listed, read, created and changed; targets, observations and
claim relations are read here. A claim's figure (target statement or
observation) and the relations it makes are part of the claim resource, written
with it under its version; this is the one write path for claims, the
workbench included. Ground rules
(login, roles, throttles, paging, body size) are config.api.ApiViewMixin.

Who may change which claim is claims.permissions, shared with the admin and
the workbench. A change names the version it was made from (If-Match: the
ETag of the claim as read): a stale one gets 412 with what changed, a missing
one 428, so nobody silently overwrites another person's save.
"""

import calendar
import copy
import datetime
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Model, Prefetch, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from annotations.models import Document, ReviewStatus, published_or_oldest
from claims import exports, suggestions
from claims.figures import canonical_unit
from claims.filters import ClaimFilter, ClaimRelationFilter, ObservationFilter
from claims.models import (
    FIGURE_FIELDS,
    Claim,
    ClaimRelation,
    ClaimType,
    Metric,
    MetricStatus,
    Observation,
    RelationKind,
    Speaker,
    SpeakerAlias,
    SpeakerQuerySet,
    StaleVersion,
    Target,
    TargetStatement,
    Topic,
    evidence_errors,
)
from claims.permissions import (
    NOT_IN_PROJECT,
    allowed_actions,
    can_change_claim,
    can_delete_claim,
    can_review_claim,
    can_submit_claim,
    hold_open_gold,
    is_reviewer,
    move_refusal,
    signed_in,
)
from config.api import ApiViewMixin, RolePermission, StrictFieldsMixin
from config.numbers import whole_number
from history.api import HistoryMixin
from projects.models import Assignment, Project

# ---------------------------------------------------------------- vocabularies

_MT = TypeVar("_MT", bound=Model)

# The 404 of a claim someone deleted between our reading it and writing it.
DELETED_MEANWHILE = _("Claim #%(id)s was deleted meanwhile.")


class SpeakerSerializer(StrictFieldsMixin, serializers.ModelSerializer[Speaker]):
    aliases = serializers.SlugRelatedField[SpeakerAlias](
        many=True, read_only=True, slug_field="name"
    )

    class Meta:
        model = Speaker
        fields = ["id", "name", "kind", "organization", "description", "aliases"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Speaker.clean(): its name is no other's alias, its organisation is one."""
        speaker = copy.copy(self.instance) if self.instance else Speaker()
        for name, value in attrs.items():
            setattr(speaker, name, value)
        try:
            speaker.clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        return attrs


class TopicSerializer(StrictFieldsMixin, serializers.ModelSerializer[Topic]):
    class Meta:
        model = Topic
        fields = ["id", "name", "description"]


class MetricSerializer(StrictFieldsMixin, serializers.ModelSerializer[Metric]):
    """A metric; one an annotator makes is `proposed` until a reviewer confirms it."""

    proposed_by = serializers.SlugRelatedField[User](
        read_only=True, slug_field="username", allow_null=True
    )

    class Meta:
        model = Metric
        fields = ["id", "name", "unit", "description", "status", "proposed_by"]
        read_only_fields = ["status"]

    def validate_unit(self, unit: str) -> str:
        """One spelling per unit ("％" is "%", "元" is "CNY"): figures are compared to it."""
        unit = canonical_unit(unit)
        refusal = self.instance.unit_refusal(unit) if self.instance is not None else None
        if refusal is not None:
            raise serializers.ValidationError(refusal)
        return unit


class VocabularyViewSet(
    HistoryMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[_MT],
):
    """List, read, add and rename; deleting is the admin's (claims refer to these)."""

    def perform_create(self, serializer: serializers.BaseSerializer[_MT]) -> None:
        with transaction.atomic():
            serializer.save()

    def perform_update(self, serializer: serializers.BaseSerializer[_MT]) -> None:
        with transaction.atomic():
            serializer.save()


class SpeakerFilter(filters.FilterSet):
    name = filters.CharFilter(method="filter_name", label="Name or alias, in either script")
    q = filters.CharFilter(
        method="filter_q", label="Part of the name or an alias, in either script"
    )

    class Meta:
        model = Speaker
        fields = ["kind"]

    def filter_q(self, speakers: SpeakerQuerySet, name: str, value: str) -> SpeakerQuerySet:
        return speakers.named(value.strip()[:100], containing=True)

    def filter_name(self, speakers: SpeakerQuerySet, name: str, value: str) -> SpeakerQuerySet:
        return speakers.named(value)


class SpeakerViewSet(VocabularyViewSet[Speaker]):
    queryset = Speaker.objects.prefetch_related("aliases")
    serializer_class = SpeakerSerializer
    filterset_class = SpeakerFilter


class TopicViewSet(VocabularyViewSet[Topic]):
    queryset = Topic.objects.all()
    serializer_class = TopicSerializer
    filterset_fields = ["name"]


class MetricViewSet(VocabularyViewSet[Metric]):
    """Reviewers add confirmed metrics; annotators propose them (`status`: proposed),
    usable on their own claims until a reviewer confirms them (POST …/confirm/)."""

    queryset = Metric.objects.select_related("proposed_by")
    serializer_class = MetricSerializer
    filterset_fields = ["name", "unit", "status"]

    def perform_create(self, serializer: serializers.BaseSerializer[Metric]) -> None:
        user = signed_in(self.request.user)
        proposal = {} if is_reviewer(user) else {"status": MetricStatus.PROPOSED}
        with transaction.atomic():
            serializer.save(**proposal, proposed_by=None if is_reviewer(user) else user)

    @extend_schema(request=None, responses={200: MetricSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        """A reviewer confirms a proposed metric: any claim may use it from now on."""
        if not is_reviewer(request.user):
            raise exceptions.PermissionDenied(_("Only reviewers confirm proposed metrics."))
        metric = self.get_object()
        with transaction.atomic():
            metric.status = MetricStatus.CONFIRMED
            metric.save(update_fields=["status"])
        return Response(MetricSerializer(metric).data)


# ------------------------------------------------- targets, observations, relations


class TargetSerializer(serializers.ModelSerializer[Target]):
    class Meta:
        model = Target
        fields = [
            "id",
            "title",
            "metric",
            "subject",
            "scope",
            *FIGURE_FIELDS,
            "deadline",
            "baseline_value",
            "baseline_period",
            "set_by",
            "status_override",
            "status_override_reason",
            "created_at",
        ]


class ObservationSerializer(serializers.ModelSerializer[Observation]):
    class Meta:
        model = Observation
        fields = [
            "id",
            "claim",
            "metric",
            "subject",
            "scope",
            *FIGURE_FIELDS,
            "period_start",
            "period_end",
        ]


class ClaimRelationSerializer(serializers.ModelSerializer[ClaimRelation]):
    created_by = serializers.SlugRelatedField[User](read_only=True, slug_field="username")

    class Meta:
        model = ClaimRelation
        fields = ["id", "source", "target", "kind", "note", "created_by", "created_at"]


class ReadViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet[_MT]):
    pass


class TargetViewSet(HistoryMixin, ReadViewSet[Target]):
    queryset = Target.objects.all()
    serializer_class = TargetSerializer
    filterset_fields = ["metric", "set_by", "status_override"]


class ObservationViewSet(ReadViewSet[Observation]):
    queryset = Observation.objects.all()
    serializer_class = ObservationSerializer
    filterset_class = ObservationFilter

    def get_queryset(self) -> QuerySet[Observation]:
        # An observation is part of its claim: read with it or not at all.
        visible = Claim.objects.visible_to(self.request.user).values("pk")
        return Observation.objects.filter(claim__in=visible)


class ClaimRelationViewSet(ReadViewSet[ClaimRelation]):
    queryset = ClaimRelation.objects.select_related("created_by")
    serializer_class = ClaimRelationSerializer
    filterset_class = ClaimRelationFilter

    def get_queryset(self) -> QuerySet[ClaimRelation]:
        visible = Claim.objects.visible_to(self.request.user).values("pk")
        return ClaimRelation.objects.select_related("created_by").filter(
            source__in=visible, target__in=visible
        )


# ---------------------------------------------------------------------- claims


DATE_TYPED = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


def typed_period(text: str) -> tuple[datetime.date, datetime.date] | None:
    """The first and last day of "2025", "2025-06" or "2025-06-30"; None if malformed."""
    match = DATE_TYPED.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if day is not None:
            one = datetime.date(year or 0, month or 0, day)
            return one, one
        if month is not None:
            last = calendar.monthrange(year or 0, month)[1]
            return datetime.date(year or 0, month, 1), datetime.date(year or 0, month, last)
        return datetime.date(year or 0, 1, 1), datetime.date(year or 0, 12, 31)
    except (ValueError, calendar.IllegalMonthError):
        return None


def with_resource_fields(
    claims: QuerySet[Claim], reader: User | AnonymousUser | None = None
) -> QuerySet[Claim]:
    """`claims` with all the claim resource shows of them: one query for the claims, one
    for their topics, one for their relations (to claims `reader` may read, when named),
    whatever their number."""
    relations = ClaimRelation.objects.select_related("created_by")
    if reader is not None:
        relations = relations.with_readable_target(reader)
    return claims.select_related(
        "speaker", "annotator", "reviewer", "target_statement", "observation"
    ).prefetch_related("topics", Prefetch("relations_out", queryset=relations))


class TypedDateField(serializers.DateField):
    """A date typed as a year, a month or a day (never mm/dd/yyyy): a year or month is
    its first day (`end=False`, a period's start) or its last (a deadline, a period's end)."""

    def __init__(self, *, end: bool, **kwargs: Any) -> None:
        self.end = end
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> datetime.date:
        if type(value) is datetime.date:  # from Python callers (suggestions), not JSON
            return value
        period = typed_period(value) if isinstance(value, str) else None
        if period is None:
            raise serializers.ValidationError(
                _("Enter a date as YYYY, YYYY-MM or YYYY-MM-DD (2025, 2025-06 or 2025-06-30).")
            )
        return period[1] if self.end else period[0]


class TargetStatementSerializer(StrictFieldsMixin, serializers.ModelSerializer[TargetStatement]):
    """A target-type claim's figure. `target` is linked on the target's page, never here.

    `deadline` may be typed as a year or month: 2025 is 2025-12-31."""

    deadline = TypedDateField(end=True, required=False, allow_null=True)

    class Meta:
        model = TargetStatement
        fields = [*FIGURE_FIELDS, "bound", "metric", "subject", "scope", "deadline", "target"]
        read_only_fields = ["target"]


class ClaimObservationSerializer(StrictFieldsMixin, serializers.ModelSerializer[Observation]):
    """An observation-type claim's figure. The period may be typed as years or months
    (2024 is 2024-01-01 to 2024-12-31); a period_end left null ends the period_start's."""

    period_start = TypedDateField(end=False)
    period_end = TypedDateField(end=True, required=False, allow_null=True)

    class Meta:
        model = Observation
        fields = [*FIGURE_FIELDS, "metric", "subject", "scope", "period_start", "period_end"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "period_end" in attrs or not self.partial:
            end_period_as_typed(attrs, self.initial_data.get("period_start"))
        return attrs


def end_period_as_typed(values: dict[str, Any], typed_start: object) -> None:
    """A period_end left null ends the period the period_start was typed as (2024: on
    2024-12-31; 2024-06: on 2024-06-30; 2024-06-03: that day). The one rule for a claim
    written alone (ClaimObservationSerializer) and in bulk (claims.bulk)."""
    if values.get("period_end") is None:
        period = typed_period(typed_start) if isinstance(typed_start, str) else None
        values["period_end"] = period[1] if period else None


FIGURE_SERIALIZERS: dict[str, type[TargetStatementSerializer | ClaimObservationSerializer]] = {
    ClaimType.TARGET: TargetStatementSerializer,
    ClaimType.OBSERVATION: ClaimObservationSerializer,
}


class ReadableClaimField(serializers.PrimaryKeyRelatedField[Claim]):
    """A claim the writer may read (Claim.objects.visible_to); any other id does not
    exist for her, as on GET. Without a request in the context, none."""

    def get_queryset(self) -> QuerySet[Claim]:
        request = self.context.get("request")
        if request is None:
            return Claim.objects.none()
        return Claim.objects.visible_to(request.user)


class OwnRelationSerializer(StrictFieldsMixin, serializers.ModelSerializer[ClaimRelation]):
    """A relation the claim makes to another claim, as part of the claim. Its target is
    a claim she may read: another annotator's, in an independent project, may not even
    be known to exist (nor its type or metric, which the evidence rule would name)."""

    created_by = serializers.SlugRelatedField[User](read_only=True, slug_field="username")
    target = ReadableClaimField()
    note = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)

    class Meta:
        model = ClaimRelation
        fields = ["id", "target", "kind", "note", "created_by", "created_at"]
        # Uniqueness is checked by Claim.put_relations, which knows the source.
        validators: list[Any] = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A relation is always whole, even inside a PATCH (which makes nested fields optional).
        missing = [name for name in ("target", "kind") if name not in attrs]
        if missing:
            raise serializers.ValidationError(dict.fromkeys(missing, _("This field is required.")))
        return attrs


class AllowedActionsSerializer(serializers.Serializer[Any]):
    change = serializers.BooleanField()
    delete = serializers.BooleanField()
    submit = serializers.BooleanField()
    review = serializers.BooleanField()


class ClaimSerializer(serializers.ModelSerializer[Claim]):
    """A claim as read, with its figure and the relations it makes, all under its version.

    Offsets count Unicode code points of the document text.
    """

    speaker_name = serializers.CharField(source="speaker.name", read_only=True, allow_null=True)
    annotator = serializers.SlugRelatedField[User](read_only=True, slug_field="username")
    reviewer = serializers.SlugRelatedField[User](
        read_only=True, slug_field="username", allow_null=True
    )
    figure = serializers.SerializerMethodField()
    relations = OwnRelationSerializer(source="relations_out", many=True, read_only=True)
    can = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id",
            "document",
            "start",
            "end",
            "quote",
            "claim_type",
            "attribution",
            "stance",
            "modality",
            "speaker",
            "speaker_name",
            "speaker_role",
            "topics",
            "note",
            "status",
            "annotator",
            "reviewer",
            "review_comment",
            "reviewed_at",
            "project",
            "guidelines",
            "version",
            "created_at",
            "updated_at",
            "figure",
            "relations",
            "can",
        ]

    @extend_schema_field(
        PolymorphicProxySerializer(
            "Figure",
            serializers=[TargetStatementSerializer, ClaimObservationSerializer],
            resource_type_field_name=None,
            allow_null=True,
        )
    )
    def get_figure(self, claim: Claim) -> dict[str, Any] | None:
        """The target statement of a target-type claim, the observation of an observation."""
        figure = claim.stated_figure()
        if figure is None:
            return None
        if isinstance(figure, TargetStatement):
            return TargetStatementSerializer(figure).data
        return ClaimObservationSerializer(figure).data

    @extend_schema_field(AllowedActionsSerializer)
    def get_can(self, claim: Claim) -> dict[str, bool]:
        """What the requesting user may do with the claim now (the server checks again)."""
        return allowed_actions(self.context["request"].user, claim)


@extend_schema_field(
    PolymorphicProxySerializer(
        "FigureWrite",
        serializers=[TargetStatementSerializer, ClaimObservationSerializer],
        resource_type_field_name=None,
        allow_null=True,
    )
)
class FigureField(serializers.Field[dict[str, Any], dict[str, Any], object, Any]):
    """A JSON object (checked against the claim's type in ClaimWriteSerializer) or null."""

    default_error_messages = {
        "not_object": _("The figure must be a JSON object, or null to remove it."),
    }

    def to_internal_value(self, data: object) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail("not_object")
        return data

    def to_representation(self, value: object) -> object:
        return value


def flat_errors(detail: object, prefix: str = "") -> dict[str, list[str]]:
    """Nested serializer errors as one level, named by path: `figure.value`, `relations.0.kind`."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for name, inner in detail.items():
            path = prefix if name == api_settings.NON_FIELD_ERRORS_KEY and prefix else name
            flat |= flat_errors(inner, f"{prefix}.{path}" if prefix and path != prefix else path)
        return flat
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        flat = {}
        for number, inner in enumerate(detail):
            flat |= flat_errors(inner, f"{prefix}.{number}")
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or api_settings.NON_FIELD_ERRORS_KEY: [str(m) for m in messages]}


class ClaimWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer[Claim]):
    """A claim as written, with its figure and relations. The annotator is whoever is
    logged in; the reviewer is whoever accepts or rejects it. The quote must equal the
    document text from start to end, and the whole claim passes Claim.full_clean().

    `figure`: left out, the figure stays as it is; null removes it; an object sets it
    (in a PATCH, fields left out of it keep their values). `relations`: left out, they
    stay; a list makes the claim's relations exactly those.
    """

    figure = FigureField(required=False, allow_null=True)
    relations = OwnRelationSerializer(many=True, required=False)
    project = serializers.PrimaryKeyRelatedField[Project](
        queryset=Project.objects.all(),
        required=False,
        help_text="The project the claim is made in; left out, the default project. "
        "A claim stays in its project.",
    )

    def validate_project(self, project: Project) -> Project:
        """A project she may not see (Project.objects.visible_to: she is no member) does
        not exist for her: the same message as for a missing id, and as early."""
        kept = self.instance is not None and project.pk == self.instance.project_id
        user = self.context["request"].user
        if not kept and not Project.objects.visible_to(user).filter(pk=project.pk).exists():
            self.fields["project"].fail("does_not_exist", pk_value=project.pk)
        return project

    class Meta:
        model = Claim
        fields = [
            "document",
            "start",
            "end",
            "quote",
            "claim_type",
            "attribution",
            "stance",
            "modality",
            "speaker",
            "speaker_role",
            "topics",
            "note",
            "status",
            "review_comment",
            "figure",
            "relations",
            "project",
        ]
        extra_kwargs = {"quote": {"trim_whitespace": False}}

    def run_validation(self, data: Any = serializers.empty) -> Any:
        try:
            return super().run_validation(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError(flat_errors(error.detail)) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = signed_in(self.context["request"].user)
        claim = copy.copy(self.instance) if self.instance else Claim(annotator=user)
        for name, value in attrs.items():
            if name not in ("topics", "figure", "relations"):
                setattr(claim, name, value)
        if self.instance is not None and "status" not in attrs and not is_reviewer(user):
            claim.reopen_if_rejected()
            attrs["status"] = claim.status
        self.check_project(user, attrs, claim)
        self.check_review(user, attrs, claim)
        try:
            claim.full_clean(exclude=["topics"], validate_unique=False, validate_constraints=False)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        if "figure" in attrs:
            attrs["figure"] = self.figure_to_put(claim, attrs["figure"])
        else:
            self.check_figure_kept(claim)
        self.check_evidence_kept(claim, attrs)
        return attrs

    def check_evidence_kept(self, claim: Claim, attrs: dict[str, Any]) -> None:
        """A new type or figure leaves every evidence relation the claim is in as ruled
        (evidence_errors): put_relations checks only the relations it writes, and none
        made to the claim. The database holds it at commit too (evidence_kept)."""
        if self.instance is None or not {"claim_type", "figure"} & attrs.keys():
            return
        figure = attrs["figure"] if "figure" in attrs else self.instance.stated_figure()
        observed = figure.metric if isinstance(figure, Observation) else None
        stated = figure.metric if isinstance(figure, TargetStatement) else None
        evidence = RelationKind.EVIDENCE_FOR
        if "relations" in attrs:
            targets = [item["target"] for item in attrs["relations"] if item["kind"] == evidence]
        else:
            made = self.instance.relations_out.filter(kind=evidence)
            targets = [r.target for r in made.select_related("target__target_statement__metric")]
        for target in targets:
            statement = getattr(target, "target_statement", None)
            why = evidence_errors(
                (claim.claim_type, target.claim_type),
                observed,
                statement.metric if statement is not None else None,
            )
            if why:
                raise serializers.ValidationError(
                    {
                        "relations": gettext("This claim is evidence for claim #%(id)s: %(why)s")
                        % {"id": target.pk, "why": why["kind"]}
                    }
                )
        made_to = self.instance.relations_in.filter(kind=evidence)
        for relation in made_to.select_related("source__observation__metric"):
            observation = getattr(relation.source, "observation", None)
            why = evidence_errors(
                (relation.source.claim_type, claim.claim_type),
                observation.metric if observation is not None else None,
                stated,
            )
            if why:
                changed = "claim_type" if claim.claim_type != self.instance.claim_type else "figure"
                raise serializers.ValidationError(
                    {
                        changed: gettext(
                            "An observation is linked as evidence for this claim, and would "
                            "no longer be: %(why)s Its relation must be removed first."
                        )
                        % {"why": why["kind"]}
                    }
                )

    def figure_to_put(
        self, claim: Claim, data: dict[str, Any] | None
    ) -> TargetStatement | Observation | None:
        """The figure `data` describes for `claim`, validated but not saved."""
        if data is None:
            return None
        serializer_class = FIGURE_SERIALIZERS.get(claim.claim_type)
        if serializer_class is None:
            raise serializers.ValidationError(
                {
                    "figure": _("A %(type)s-type claim has no figure: send null.")
                    % {"type": claim.get_claim_type_display()}
                }
            )
        model = serializer_class.Meta.model
        existing = self.instance.stated_figure() if self.instance else None
        merge = self.partial and isinstance(existing, model)
        checked = serializer_class(data=data, partial=merge)
        if not checked.is_valid():
            raise serializers.ValidationError(flat_errors(checked.errors, "figure"))
        figure: TargetStatement | Observation
        if merge and existing is not None:
            figure = copy.copy(existing)
        else:  # a whole figure: what is left out takes its default
            figure = model()
            if isinstance(existing, model):  # the same row, so its history goes on
                figure.pk, figure._state.adding = existing.pk, False
            if isinstance(existing, TargetStatement) and isinstance(figure, TargetStatement):
                figure.target_id = existing.target_id
        for name, value in checked.validated_data.items():
            setattr(figure, name, value)
        try:
            figure.full_clean(exclude=["claim", "target"], validate_unique=False)
        except DjangoValidationError as error:
            raise serializers.ValidationError(flat_errors(error.message_dict, "figure")) from None
        return figure

    def check_figure_kept(self, claim: Claim) -> None:
        """A change of type that leaves out `figure` must not leave a figure of the old type."""
        existing = self.instance.stated_figure() if self.instance else None
        serializer_class = FIGURE_SERIALIZERS.get(claim.claim_type)
        if existing is not None and (
            serializer_class is None or not isinstance(existing, serializer_class.Meta.model)
        ):
            raise serializers.ValidationError(
                {
                    "figure": _(
                        "A %(type)s-type claim cannot keep its %(figure)s: "
                        "send its new figure, or null to remove it."
                    )
                    % {
                        "type": claim.get_claim_type_display(),
                        "figure": existing._meta.verbose_name,
                    }
                }
            )

    def check_project(self, user: User, attrs: dict[str, Any], claim: Claim) -> None:
        """A claim is made in one project, for good, by one of its members (any project
        role), on one of its documents; the default project keeps the global roles. A new
        claim records the project's guidelines version in force."""
        if self.instance is not None:
            if "project" in attrs and attrs["project"].pk != self.instance.project_id:
                raise serializers.ValidationError(
                    {"project": gettext("A claim stays in the project it was made in.")}
                )
            refusal = None
            if claim.document_id != self.instance.document_id:
                refusal = move_refusal(user, claim)
            if refusal is not None:
                raise serializers.ValidationError({"document": refusal})
            return
        project = attrs.get("project") or Project.objects.default()
        attrs["project"] = claim.project = project
        if (
            not project.is_default
            and not project.entries.filter(document=claim.document_id).exists()
        ):
            raise serializers.ValidationError(
                {"document": NOT_IN_PROJECT % {"document": claim.document_id, "project": project}}
            )
        attrs["guidelines"] = claim.guidelines = project.latest_guidelines()

    def check_review(self, user: User, attrs: dict[str, Any], claim: Claim) -> None:
        """Status changes follow the review workflow; who may make them is claims.permissions."""
        before = self.instance.status if self.instance else None
        after = claim.status
        if self.instance is None:
            if after not in (ReviewStatus.DRAFT, ReviewStatus.SUBMITTED):
                raise serializers.ValidationError(
                    {"status": _("A new claim is a draft or submitted; reviewers then decide.")}
                )
        elif after != before:
            if after == ReviewStatus.SUBMITTED and before == ReviewStatus.DRAFT:
                allowed = can_submit_claim(user, self.instance)
            elif before == ReviewStatus.REJECTED and after in (
                ReviewStatus.SUBMITTED,
                ReviewStatus.DRAFT,
            ):
                # back to its annotator: she resubmits it, or reopens it as her draft
                allowed = can_submit_claim(user, self.instance) or is_reviewer(user)
            elif after in (ReviewStatus.ACCEPTED, ReviewStatus.REJECTED):
                allowed = can_review_claim(user, self.instance)
            else:
                allowed = is_reviewer(user)
            if not allowed:
                raise exceptions.PermissionDenied(
                    _("You may not move this claim from %(before)s to %(after)s.")
                    % {"before": before, "after": after}
                )
            if after in (ReviewStatus.ACCEPTED, ReviewStatus.REJECTED):
                attrs["reviewer"], attrs["reviewed_at"] = user, timezone.now()
                claim.reviewer, claim.reviewed_at = user, attrs["reviewed_at"]
        comment_before = self.instance.review_comment if self.instance else ""
        if attrs.get("review_comment", comment_before) != comment_before and not is_reviewer(user):
            raise exceptions.PermissionDenied(_("Only reviewers write review comments."))
        if claim.status == ReviewStatus.REJECTED and not claim.review_comment:
            raise serializers.ValidationError(
                {"review_comment": _("A rejection needs a comment saying why.")}
            )

    def create(self, validated_data: dict[str, Any]) -> Claim:
        user = signed_in(self.context["request"].user)
        topics = validated_data.pop("topics", [])
        figure = validated_data.pop("figure", None)
        relations = validated_data.pop("relations", [])
        claim = Claim.objects.create(annotator=user, **validated_data)
        Assignment.start(annotator=user, pairs=[(claim.project_id, claim.document_id)])
        claim.topics.set(topics)
        claim.put_figure(figure)
        claim.put_relations(relations, by=user)
        return claim

    def update(self, claim: Claim, validated_data: dict[str, Any]) -> Claim:
        """The claim, then its parts, under one version: call inside a transaction."""
        moving_to = validated_data.get("document")
        hold_open_gold(
            self.context["request"].user, claim, moving_to=moving_to.pk if moving_to else None
        )
        topics = validated_data.pop("topics", None)
        parts = {
            name: validated_data.pop(name)
            for name in ("figure", "relations")
            if name in validated_data
        }
        for name, value in validated_data.items():
            setattr(claim, name, value)
        claim.save_if_version(self.context["expected_version"])
        if topics is not None:
            claim.topics.set(topics)
        if "figure" in parts:
            claim.put_figure(parts["figure"])
        if "relations" in parts:
            claim.put_relations(parts["relations"], by=signed_in(self.context["request"].user))
        return claim


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "Send If-Match with the claim's ETag (its version, as read), so that a change "
        "made meanwhile by someone else is not overwritten."
    )
    default_code = "precondition_required"


def etag(claim: Claim) -> str:
    return f'"{claim.version}"'


def if_match_version(request: Request) -> int | None:
    """The version named by If-Match; None for a value that names no version.

    `*` (any version, RFC 9110) is refused like no If-Match at all: it would let a
    change overwrite whatever someone saved meanwhile."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        raise PreconditionRequired()
    value = header.removeprefix("W/").strip('"')
    return whole_number(value)


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description='The claim\'s ETag as read (its version in quotes, e.g. "3").',
)
STALE = OpenApiResponse(
    inline_serializer(
        "StaleClaim",
        {
            "detail": serializers.CharField(),
            "current": ClaimSerializer(),
            "changes": inline_serializer(
                "FieldChange",
                {
                    "field": serializers.CharField(),
                    "before": serializers.CharField(),
                    "after": serializers.CharField(),
                },
                many=True,
            ),
        },
    ),
    description="Someone saved the claim since the version in If-Match; nothing was written.",
)
ERRORS = OpenApiResponse(description="Field-level errors; nothing was written.")
PREFER_MINIMAL = OpenApiParameter(
    "Prefer",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="`return=minimal` (RFC 7240): the answer is the new claims' ids, in the order "
    'sent, and their count (`{"count": 2, "ids": [7, 8]}`), not the claims, which an import '
    "seldom needs (building 5,000 costs the server about 0.1 s of CPU).",
)
BULK_ERRORS = OpenApiResponse(
    inline_serializer(
        "BulkErrors",
        {
            "detail": serializers.CharField(),
            "errors": inline_serializer(
                "RowErrors",
                {"row": serializers.IntegerField(), "errors": serializers.DictField()},
                many=True,
                required=False,
            ),
        },
    ),
    description="Errors per row (counted from 0); no claim was saved. A body that is not "
    "a non-empty array, or not JSON, has only the detail.",
)


class ClaimPermission(RolePermission):
    """The role's model permission, then claims.permissions for the claim at hand."""

    def has_object_permission(self, request: Request, view: APIView, claim: Claim) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        if request.method == "DELETE":
            return can_delete_claim(request.user, claim)
        return can_change_claim(request.user, claim) or can_submit_claim(request.user, claim)


@extend_schema_view(
    retrieve=extend_schema(description="The ETag header carries the version for If-Match."),
    create=extend_schema(
        request=ClaimWriteSerializer, responses={201: ClaimSerializer, 400: ERRORS}
    ),
    update=extend_schema(
        request=ClaimWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: ClaimSerializer, 400: ERRORS, 412: STALE, 428: ERRORS},
    ),
    partial_update=extend_schema(
        request=ClaimWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: ClaimSerializer, 400: ERRORS, 412: STALE, 428: ERRORS},
    ),
    destroy=extend_schema(
        parameters=[IF_MATCH], responses={204: None, 409: ERRORS, 412: STALE, 428: ERRORS}
    ),
)
class ClaimViewSet(HistoryMixin, ApiViewMixin, viewsets.ModelViewSet[Claim]):
    """Claims with their figure (target statement or observation), filtered and paged.

    Ordering: `ordering=id` (default), `-id`, `published` or `-published`
    (the document's publication date; undated documents first).
    """

    permission_classes = [ClaimPermission]
    serializer_class = ClaimSerializer
    # The model, for RolePermission; what she may read is get_queryset's.
    queryset = Claim.objects.none()
    filterset_class = ClaimFilter
    filter_backends = [*ApiViewMixin.filter_backends, OrderingFilter]
    ordering_fields = ["id", "published"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet[Claim]:
        """The claims she may read, each read whole (one query for the claims, one for
        their topics, one for their relations)."""
        return with_resource_fields(self.readable(), self.request.user)

    def readable(self) -> QuerySet[Claim]:
        """The claims she may read, with their sort key: what `list` pages on. Building
        the relations' prefetch it does not use (with_readable_target) was a tenth of a
        page's Python work: 6,000 of 67,000 calls for a page of 100 (bench/README.md)."""
        return Claim.objects.visible_to(self.request.user).annotate(
            published=published_or_oldest("document__")
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The page found on narrow rows (id and sort key), then only its claims read
        whole, by claims_as_read: sorting every match with its speaker, users and figure
        joined cost far more than one more query by a hundred ids (bench/README.md)."""
        # claims.representation imports this module for its serializers.
        from claims.representation import claims_as_read

        claims = self.filter_queryset(self.readable())
        page = self.paginate_queryset(claims.only("id"))
        ids = [claim.pk for claim in page or []]
        return self.get_paginated_response(claims_as_read(ids, request.user))

    def as_read(self, claim: Claim) -> dict[str, Any]:
        return ClaimSerializer(claim, context=self.get_serializer_context()).data

    def reread(self, claim: Claim) -> Claim:
        """The claim as stored now, with everything ClaimSerializer shows."""
        stored = self.get_queryset().filter(pk=claim.pk).first()
        if stored is None:
            raise exceptions.NotFound(DELETED_MEANWHILE % {"id": claim.pk})
        return stored

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        claim = self.get_object()
        return Response(self.as_read(claim), headers={"ETag": etag(claim)})

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ClaimWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            claim = serializer.save()
        claim = self.reread(claim)
        return Response(
            self.as_read(claim),
            status=status.HTTP_201_CREATED,
            headers={"ETag": etag(claim), "Location": f"{request.path}{claim.pk}/"},
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        claim = self.get_object()
        expected = if_match_version(request)
        if expected != claim.version:
            return self.stale(StaleVersion.of(claim, expected or 0))
        serializer = ClaimWriteSerializer(
            claim,
            data=request.data,
            partial=kwargs.get("partial", False),
            context={**self.get_serializer_context(), "expected_version": expected},
        )
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                serializer.save()
        except StaleVersion as stale:
            return self.stale(stale)
        except Claim.DoesNotExist:  # deleted between reading it and locking it
            raise exceptions.NotFound(DELETED_MEANWHILE % {"id": claim.pk}) from None
        claim = self.reread(claim)
        return Response(self.as_read(claim), headers={"ETag": etag(claim)})

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The claim goes with its figure and the relations it makes; 409 while other
        claims relate to it or a target revision cites it."""
        claim = self.get_object()
        expected = if_match_version(request)
        with transaction.atomic():
            stored = Claim.objects.select_for_update().filter(pk=claim.pk).first()
            if stored is None:
                raise exceptions.NotFound(DELETED_MEANWHILE % {"id": claim.pk})
            if stored.version != expected:
                return self.stale(StaleVersion.of(stored, expected or 0))
            stored.delete()  # with its figure and the relations it makes
        return Response(status=status.HTTP_204_NO_CONTENT)

    def stale(self, stale: StaleVersion) -> Response:
        """412: nothing written; the claim as it is now and what changed since the version sent."""
        return Response(
            {
                "detail": stale.message(),
                "current": self.as_read(self.reread(stale.current)),
                "changes": [vars(change) for change in stale.changes],
            },
            status=status.HTTP_412_PRECONDITION_FAILED,
            headers={"ETag": etag(stale.current)},
        )

    @extend_schema(
        request=ClaimWriteSerializer(many=True),
        parameters=[PREFER_MINIMAL],
        responses={201: ClaimSerializer(many=True), 400: BULK_ERRORS},
    )
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def bulk(self, request: Request) -> Response:
        """Create many claims: all of them, or none with the errors of every bad row."""
        rows = request.data
        if not isinstance(rows, list) or not rows:
            # No rows to report on: the shape DRF gives a body that is not JSON at all.
            return Response(
                {"detail": _("No claim was saved: send a non-empty JSON array of claims.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        # claims.bulk imports this module for its serializers: imported here, not above.
        from claims.bulk import BulkRejected, as_read, create_claims

        user = signed_in(request.user)
        try:
            created = create_claims(rows, by=user)
        except BulkRejected as rejected:
            return Response(
                {"detail": rejected.message(), "errors": rejected.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if prefers_minimal(request):
            return Response(
                {"count": len(created), "ids": [new.claim["id"] for new in created]},
                status=status.HTTP_201_CREATED,
                headers={"Preference-Applied": "return=minimal"},
            )
        return Response(as_read(created, user), status=status.HTTP_201_CREATED)


def prefers_minimal(request: Request) -> bool:
    """Whether the request's Prefer header holds return=minimal, among any others."""
    preferences = request.headers.get("Prefer", "").replace(" ", "").lower().split(",")
    return "return=minimal" in (preference.split(";")[0] for preference in preferences)


# ---------------------------------------------------------------- figure parser


class FigureParseSerializer(StrictFieldsMixin):
    text = serializers.CharField(max_length=5000, trim_whitespace=False)
    document = serializers.PrimaryKeyRelatedField(
        queryset=Document.objects.only("id", "published_on"), required=False, allow_null=True
    )


def prefill_json(values: dict[str, Any]) -> dict[str, Any]:
    """Numbers as strings (as the claim resource writes them), dates as YYYY-MM-DD."""
    return {
        name: str(value)
        if isinstance(value, Decimal)
        else value.isoformat()
        if isinstance(value, datetime.date)
        else value
        for name, value in values.items()
    }


@extend_schema(
    request=FigureParseSerializer,
    responses={
        200: inline_serializer(
            "FigurePrefill",
            {"target": serializers.DictField(), "observation": serializers.DictField()},
        ),
        400: ERRORS,
    },
)
class FigureParseView(ApiViewMixin, APIView):
    """The figure in a passage, read by the figure parser as the suggester reads it, for
    a target's and for an observation's form: number as written, value (亿/万 applied),
    value_high, unit, comparator, change, deadline (a target) or period (an observation,
    by the document's year), bound, and the metric whose name matches (among those the
    user may use). An empty object when the passage holds no figure. Writes nothing;
    for those who may add claims. Two queries (the document, the metrics).
    """

    queryset = Claim.objects.all()  # POST needs claims.add_claim: the annotating roles

    def post(self, request: Request) -> Response:
        checked = FigureParseSerializer(data=request.data)
        checked.is_valid(raise_exception=True)
        document = checked.validated_data.get("document")
        year = document.published_on.year if document and document.published_on else None
        metrics = list(Metric.objects.usable_by(signed_in(request.user)))
        text = checked.validated_data["text"]
        return Response(
            {
                kind: prefill_json(suggestions.read_passage(text, year, kind, metrics))
                for kind in (ClaimType.TARGET, ClaimType.OBSERVATION)
            }
        )


# ---------------------------------------------------------------------- export


class IgnoreAccept(BaseContentNegotiation):
    """Exports choose their format by URL; errors are always JSON."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser:
        return next(iter(parsers))

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "jsonld": 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
}


@extend_schema(
    filters=True,
    parameters=[
        OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(EXPORT_TYPES)),
        OpenApiParameter(
            "bom",
            OpenApiTypes.BOOL,
            description="CSV only: start with a UTF-8 byte order mark, for Excel.",
        ),
    ],
    responses={
        (200, "text/csv"): OpenApiTypes.STR,
        (200, "application/x-ndjson"): OpenApiTypes.STR,
        # One array of the records that JSON Lines has one per line.
        (200, "application/json"): {"type": "array", "items": {"type": "object"}},
        (200, "application/ld+json"): OpenApiTypes.OBJECT,
    },
)
class ClaimExportView(ApiViewMixin, generics.GenericAPIView[Claim]):
    """Every claim that matches the filters, streamed from one snapshot.

    Columns (CSV and JSON) are in the documented order of
    claims.exports.EXPORT_COLUMNS; JSON-LD is a W3C AnnotationCollection.
    """

    queryset = Claim.objects.all()
    filterset_class = ClaimFilter
    pagination_class = None
    content_negotiation_class = IgnoreAccept

    def get_queryset(self) -> QuerySet[Claim]:
        return Claim.objects.visible_to(self.request.user)

    def get(self, request: Request, fmt: str) -> StreamingHttpResponse:
        claims = self.filter_queryset(self.get_queryset())
        if fmt == "csv":
            bom = request.query_params.get("bom", "").lower() in ("1", "true", "yes")
            stream = exports.csv_copy(claims, bom=bom)
        elif fmt == "jsonl":
            stream = exports.jsonl_copy(claims)
        elif fmt == "json":
            stream = exports.json_array(claims)
        else:
            stream = exports.jsonld(claims, request.build_absolute_uri("/").rstrip("/"))
        response = StreamingHttpResponse(stream, content_type=EXPORT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="claims.{fmt}"'
        return response
