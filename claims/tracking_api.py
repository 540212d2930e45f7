"""API endpoints for following targets and for figure suggestions.

- GET /api/v1/targets/<id>/timeline/?as_of=YYYY-MM-DD: a target's statements, revisions
  and evidence in time order, each with its passage, and its status as of the date;
  with its series, the same goal set for other years, each with outcome and status.
- GET /api/v1/targets/due/?as_of=…: targets whose deadline has passed or falls this year.
- GET /api/v1/targets/tracking/?subject=&metric=&status=&deadline_after=&deadline_before=:
  every target with its status, filtered.
  Each of these three takes `layer=gold` (only what curated claims state and observe)
  or `layer=annotations` (only the annotators' claims).
- GET /api/v1/documents/<id>/suggestions/?project=<id>: candidate targets and observations
  in a project (suggestion_project: implied when the document is in one project she
  annotates in, else required).
- POST /api/v1/documents/<id>/suggestions/accept/ and …/dismiss/ with {kind, figure_start,
  figure_end, project}: accept makes a draft claim in the project with its parsed figure;
  dismiss hides it there for good (from her alone in a project of independent annotation).

The ground rules are config.api.ApiViewMixin's (login, role permissions for reading
too, throttles, body size); the role permission is checked on Target for the tracking
views and on Claim for the suggestions (view to list, add to accept or dismiss).
"""

from datetime import date
from typing import Any

import psycopg
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.models import Document
from claims import suggestions, tracking
from claims.bulk import BulkRejected, create_claims
from claims.figures import Figure
from claims.models import (
    FIGURE_FIELDS,
    Attribution,
    Claim,
    ClaimType,
    Layer,
    Metric,
    StatedFigure,
    Target,
)
from claims.permissions import NOT_IN_PROJECT, AnyUser, signed_in
from claims.tracking import TargetStatus, as_json
from config.api import ApiViewMixin, StrictFieldsMixin
from projects.models import Project


def layer_param(request: Request) -> str | None:
    raw = request.query_params.get("layer")
    if raw is None:
        return None
    if raw not in Layer.values:
        raise exceptions.ValidationError(
            {
                "layer": _("layer is one of %(layers)s, got %(raw)r.")
                % {"layers": ", ".join(Layer.values), "raw": raw}
            }
        )
    return raw


def as_of_param(request: Request) -> date:
    raw = request.query_params.get("as_of", "")
    if not raw:
        return timezone.localdate()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise exceptions.ValidationError(
            {"as_of": _("as_of must be a date as YYYY-MM-DD, got %(raw)r.") % {"raw": raw}}
        ) from None


def figure_json(figure: StatedFigure | Figure) -> dict[str, Any]:
    return {field: as_json(getattr(figure, field)) for field in FIGURE_FIELDS}


def passage_json(claim: Claim) -> dict[str, Any]:
    return {
        "claim_id": claim.pk,
        "document_id": claim.document_id,
        "document_title": claim.document.title,
        "published_on": as_json(claim.document.published_on),
        "start": claim.start,
        "end": claim.end,
        "quote": claim.quote,
        "url": reverse("admin:claims_claim_change", args=[claim.pk]),
    }


def target_json(target: Target, as_of: date) -> dict[str, Any]:
    computed = target.status(as_of)
    return {
        "id": target.pk,
        "title": target.title,
        "metric": {"id": target.metric_id, "name": target.metric.name, "unit": target.metric.unit},
        "subject": target.subject,
        "scope": target.scope,
        **figure_json(target),
        "deadline": as_json(target.deadline),
        "as_of": as_json(as_of),
        "computed_status": computed,
        "status_override": target.status_override,
        "status_override_reason": target.status_override_reason,
        "status": target.status_override or computed,
        "withdrawn_on": as_json(target.withdrawn_on),
    }


def event_json(day: date | None, kind: str, item: Any, target: Target) -> dict[str, Any]:
    """`item` is what Target.timeline() dates: a statement, a revision or an observation."""
    event: dict[str, Any] = {
        "date": as_json(day),
        "kind": kind,
        "passage": passage_json(item.claim),
    }
    if kind == "statement":
        superseded = bool(tracking.figure_changes(target.figure(), item.figure()))
        event["figure"] = figure_json(item)
        event["deadline"] = as_json(item.deadline)
        event["scope"] = item.scope
        # A statement whose figure is no longer in force was revised (README, "Tracking").
        event["status"] = TargetStatus.REVISED if superseded else "in_force"
    elif kind == "revision":
        event["changes"] = item.changes
    else:
        event["figure"] = figure_json(item)
        event["period_start"] = as_json(item.period_start)
        event["period_end"] = as_json(item.period_end)
        event["subject"] = item.subject
    return event


def series_json(member: Target, as_of: date) -> dict[str, Any]:
    """One horizon of a recurring goal: its figure, deadline, deciding outcome and status."""
    outcome = member.outcome(as_of)
    return {
        "id": member.pk,
        "title": member.title,
        **figure_json(member),
        "deadline": as_json(member.deadline),
        "status": member.effective_status(as_of),
        "outcome": None
        if outcome is None
        else {**figure_json(outcome), "passage": passage_json(outcome.claim)},
        "timeline": reverse("target-timeline", args=[member.pk]),
    }


AS_OF = OpenApiParameter("as_of", OpenApiTypes.DATE, description="Status as of (default today)")
LAYER = OpenApiParameter("layer", OpenApiTypes.STR, enum=Layer.values, description="Claims of")


@extend_schema(parameters=[AS_OF, LAYER], responses=OpenApiTypes.OBJECT)
class TargetTimelineView(ApiViewMixin, APIView):
    queryset = Target.objects.all()

    def get(self, request: Request, pk: int) -> Response:
        as_of = as_of_param(request)
        layer = layer_param(request)
        # Four queries: the target with its metric, its statements, its revisions,
        # its metric's observations (each with claim and document).
        target = get_object_or_404(
            Target.objects.stated_in(layer, request.user).with_evidence(request.user, layer), pk=pk
        )
        events = [event_json(*event, target) for event in target.timeline()]
        # Four more: the same goal's other horizons with their evidence.
        horizons = target.series().stated_in(layer, request.user).with_evidence(request.user, layer)
        series = [series_json(member, as_of) for member in horizons]
        return Response({"target": target_json(target, as_of), "events": events, "series": series})


class TargetFilterSerializer(serializers.Serializer[Any]):
    subject = serializers.CharField(required=False)
    metric = serializers.IntegerField(required=False, min_value=1)
    status = serializers.ChoiceField(choices=TargetStatus.choices, required=False)
    deadline_after = serializers.DateField(required=False)
    deadline_before = serializers.DateField(required=False)
    as_of = serializers.DateField(required=False)
    layer = serializers.ChoiceField(choices=Layer.choices, required=False)


@extend_schema(parameters=[TargetFilterSerializer], responses=OpenApiTypes.OBJECT)
class TargetTrackingView(ApiViewMixin, APIView):
    """Targets with their status as of a date, filtered; `due_only` keeps those due."""

    queryset = Target.objects.all()
    due_only = False

    def get(self, request: Request) -> Response:
        params = TargetFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        wanted = params.validated_data
        as_of = wanted.get("as_of") or timezone.localdate()
        # Four queries: targets with metrics, statements, revisions, observations.
        layer = wanted.get("layer")
        targets = (
            Target.objects.stated_in(layer, request.user)
            .with_evidence(request.user, layer)
            .order_by("deadline", "title", "id")
        )
        if self.due_only:
            targets = targets.due(as_of)
        if "subject" in wanted:
            targets = targets.filter(subject=wanted["subject"])
        if "metric" in wanted:
            targets = targets.filter(metric=wanted["metric"])
        if "deadline_after" in wanted:
            targets = targets.filter(deadline__gte=wanted["deadline_after"])
        if "deadline_before" in wanted:
            targets = targets.filter(deadline__lte=wanted["deadline_before"])
        rows = [target_json(target, as_of) for target in targets]
        if "status" in wanted:
            rows = [row for row in rows if row["status"] == wanted["status"]]
        return Response({"as_of": as_json(as_of), "count": len(rows), "results": rows})


def suggestion_json(suggestion: suggestions.Suggestion, metric: Metric | None) -> dict[str, Any]:
    return {
        "kind": suggestion.kind,
        "start": suggestion.start,
        "end": suggestion.end,
        "quote": suggestion.quote,
        "figure_start": suggestion.figure_start,
        "figure_end": suggestion.figure_end,
        "figure": figure_json(suggestion.figure),
        "deadline": as_json(suggestion.deadline),
        "period_start": as_json(suggestion.period_start),
        "period_end": as_json(suggestion.period_end),
        "bound": suggestion.bound,
        "metric": None if metric is None else {"id": metric.pk, "name": str(metric)},
    }


def suggestion_project(user: AnyUser, document: Document, wanted: int | None) -> Project:
    """The project in which she reads, accepts or dismisses the document's suggestions:
    `wanted` (an id), or when she names none, the one project holding the document that
    she annotates in (Project.objects.visible_to: its members, everyone for the default
    project, which holds every document). A project she does not annotate in is refused
    (403), one not holding the document or a choice left open is a 400; each names
    `project`. One query; two to explain a refusal."""
    holding = list(Project.objects.visible_to(user).holding(document))
    if wanted is None:
        if len(holding) == 1:
            return holding[0]
        if not holding:
            raise exceptions.PermissionDenied(
                {"project": [_("You annotate in no project holding this document.")]}
            )
        raise exceptions.ValidationError(
            {
                "project": [
                    _(
                        "Document %(document)s is in several projects you annotate in "
                        "(%(projects)s): name one."
                    )
                    % {
                        "document": document.pk,
                        "projects": ", ".join(f"{p.pk} {p.name}" for p in holding),
                    }
                ]
            }
        )
    found = next((p for p in holding if p.pk == wanted), None)
    if found is not None:
        return found
    if not Project.objects.visible_to(user).filter(pk=wanted).exists():
        raise exceptions.PermissionDenied(
            {"project": [_("Project %(id)s is not one you annotate in.") % {"id": wanted}]}
        )
    raise exceptions.ValidationError(
        {"project": [NOT_IN_PROJECT % {"document": document.pk, "project": wanted}]}
    )


class SuggestionListParams(serializers.Serializer[Any]):
    # The project the suggestions are read, accepted or dismissed in (suggestion_project).
    project = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="The project to read them in; required when the document is in "
        "several projects you annotate in",
    )


@extend_schema(parameters=[SuggestionListParams], responses=OpenApiTypes.OBJECT)
class SuggestionListView(ApiViewMixin, APIView):
    queryset = Claim.objects.all()

    def get(self, request: Request, document_id: int) -> Response:
        params = SuggestionListParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        # The canonical text is scanned; the raw text is not needed.
        document = get_object_or_404(Document.objects.defer("raw_text"), pk=document_id)
        project = suggestion_project(request.user, document, params.validated_data.get("project"))
        metrics = list(Metric.objects.all())
        found = suggestions.for_document(document, request.user, project)
        return Response(
            {
                "document_id": document.pk,
                "project": project.pk,
                "metrics": [{"id": m.pk, "name": str(m)} for m in metrics],
                "suggestions": [
                    suggestion_json(s, suggestions.guess_metric(s, metrics)) for s in found
                ],
            }
        )


class SuggestionChoiceSerializer(StrictFieldsMixin, SuggestionListParams):
    kind = serializers.ChoiceField(choices=[ClaimType.TARGET, ClaimType.OBSERVATION])
    figure_start = serializers.IntegerField(min_value=0)
    figure_end = serializers.IntegerField(min_value=1)
    metric = serializers.PrimaryKeyRelatedField(
        queryset=Metric.objects.all(), required=False, allow_null=True
    )


def chosen(
    request: Request, document: Document
) -> tuple[suggestions.Suggestion, Project, dict[str, Any]]:
    """The open suggestion the request names, in its project; the server's own reading,
    never the client's."""
    choice = SuggestionChoiceSerializer(data=request.data)
    choice.is_valid(raise_exception=True)
    wanted = choice.validated_data
    project = suggestion_project(request.user, document, wanted.get("project"))
    key = (wanted["figure_start"], wanted["figure_end"], wanted["kind"])
    match = next(
        (s for s in suggestions.for_document(document, request.user, project) if s.key() == key),
        None,
    )
    if match is None:
        raise exceptions.ValidationError(
            {
                "figure_start": _(
                    "There is no open %(kind)s suggestion at %(start)s–%(end)s in document "
                    "%(document)s: it was accepted, dismissed, or never suggested."
                )
                % {"kind": wanted["kind"], "start": key[0], "end": key[1], "document": document.pk}
            }
        )
    return match, project, wanted


@extend_schema(request=SuggestionChoiceSerializer, responses={201: OpenApiTypes.OBJECT})
class SuggestionAcceptView(ApiViewMixin, APIView):
    queryset = Claim.objects.all()

    def post(self, request: Request, document_id: int) -> Response:
        document = get_object_or_404(Document, pk=document_id)
        with transaction.atomic():
            # Lock the document so two accepts of one suggestion make one claim.
            Document.objects.select_for_update().filter(pk=document.pk).first()
            suggestion, project, wanted = chosen(request, document)
            claim_id = accept(
                suggestion,
                document,
                signed_in(request.user),
                wanted.get("metric"),
                project=project,
            )
        return Response(
            {"claim_id": claim_id, "url": reverse("admin:claims_claim_change", args=[claim_id])},
            status=status.HTTP_201_CREATED,
        )


def accept(
    suggestion: suggestions.Suggestion,
    document: Document,
    user: User,
    metric: Metric | None,
    *,
    project: Project,
) -> int:
    """A draft claim of the suggested kind with its figure, in `project`, written by the
    one path for new claims (claims.bulk): all or nothing, all validated. Returns its id."""
    figure: dict[str, Any] = {
        "number_text": suggestion.figure.number_text,
        "comparator": suggestion.figure.comparator,
        "change": suggestion.figure.change,
        "value": suggestion.figure.value,
        "value_high": suggestion.figure.value_high,
        "unit": suggestion.figure.unit,
        "metric": metric.pk if metric is not None else None,
    }
    if suggestion.kind == ClaimType.TARGET:
        figure |= {"deadline": suggestion.deadline, "bound": suggestion.bound}
    else:
        if metric is None or suggestion.period_start is None or suggestion.period_end is None:
            raise exceptions.ValidationError(
                {
                    "metric" if metric is None else "period_end": _(
                        "An observation needs a metric and a period; choose the metric "
                        "(the period comes from the text or the document's date)."
                    )
                }
            )
        figure |= {"period_start": suggestion.period_start, "period_end": suggestion.period_end}
    row = {
        "document": document.pk,
        "start": suggestion.start,
        "end": suggestion.end,
        "quote": suggestion.quote,
        "claim_type": suggestion.kind,
        "attribution": Attribution.AUTHORIAL,
        "note": "Accepted from a suggestion.",
        "figure": figure,
        "project": project.pk,
    }
    try:
        (created,) = create_claims([row], by=user)
    except BulkRejected as rejected:
        raise exceptions.ValidationError(rejected.errors[0]["errors"]) from None
    claim_id: int = created.claim["id"]
    return claim_id


@extend_schema(request=SuggestionChoiceSerializer, responses=OpenApiTypes.OBJECT)
class SuggestionDismissView(ApiViewMixin, APIView):
    queryset = Claim.objects.all()

    def post(self, request: Request, document_id: int) -> Response:
        # The canonical text is scanned; the raw text is not needed.
        document = get_object_or_404(Document.objects.defer("raw_text"), pk=document_id)
        suggestion, project, _choice = chosen(request, document)
        user = signed_in(request.user)
        try:
            with transaction.atomic():
                # The project's mode as it stands, held until the dismissal is saved: a
                # change of mode meanwhile would leave it the wrong annotator (which the
                # database refuses, migration 0024).
                independent = (
                    Project.objects.select_for_update(no_key=True)
                    .values_list("independent", flat=True)
                    .get(pk=project.pk)
                )
                dismissal = suggestion.dismissal(
                    project, document, user, annotator=user if independent else None
                )
                # The related objects are in hand (the project locked), and the unique key
                # is the database's (below): neither is read again to validate it.
                dismissal.full_clean(
                    exclude=["project", "document", "dismissed_by", "annotator"],
                    validate_constraints=False,
                )
                dismissal.save()
        except IntegrityError as refused:
            if isinstance(refused.__cause__, psycopg.errors.ForeignKeyViolation):
                # Taken out of the project (its project document) a moment ago.
                message = _("Document %(document)s is no longer in project %(project)s.")
                raise exceptions.ValidationError(
                    {"project": [message % {"document": document.pk, "project": project.pk}]}
                ) from None
            # Dismissed a moment ago by someone of the team (or by her, in another tab):
            # the same outcome. Any other refusal is the client's to hear.
            if not isinstance(refused.__cause__, psycopg.errors.UniqueViolation):
                raise
        return Response({"dismissed": True}, status=status.HTTP_201_CREATED)
