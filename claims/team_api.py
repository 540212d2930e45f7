"""Agreement and curation over the API, per project.

- GET  /api/v1/projects/<id>/agreement/: claims.agreement's figures; filters
  `documents`, `annotators` (ids) and `claim_types`, each repeated or comma-separated.
- GET  /api/v1/projects/<id>/documents/<document>/curation/: the annotators' claims
  side by side, grouped where their spans match, with the gold claims made so far.
- POST the same with {"action": ...}: merge-agreed, take, discard, finish
  (claims.curation says what each does).

Only who may curate the project reads or writes these (claims.permissions.can_curate):
an annotator gets 403, so that nothing tells her about the others' claims.
"""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import agreement, curation
from claims.api import ClaimSerializer
from claims.models import Claim, ClaimType
from claims.permissions import curated_project
from config.api import ApiViewMixin, StrictFieldsMixin
from config.numbers import whole_number


def listed(request: Request, name: str) -> list[str]:
    """A filter's values, repeated (?a=1&a=2) or comma-separated (?a=1,2)."""
    return [v.strip() for value in request.query_params.getlist(name) for v in value.split(",")]


def id_list(request: Request, name: str) -> list[int]:
    values = listed(request, name)
    bad = [v for v in values if not 0 < (whole_number(v) or 0) < 2**63]
    if bad:
        raise exceptions.ValidationError(
            {name: [_("Not an id: %(values)s.") % {"values": ", ".join(bad)}]}
        )
    return [int(v) for v in values]


AGREEMENT_FILTERS = ["documents", "annotators", "claim_types"]


class TeamApiView(ApiViewMixin, APIView):
    # The object check (can_curate) is the whole rule: no model permission says it.
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None
    filter_backends = []


@extend_schema(
    parameters=[
        OpenApiParameter("documents", OpenApiTypes.STR, description="Document ids"),
        OpenApiParameter("annotators", OpenApiTypes.STR, description="Annotator (user) ids"),
        OpenApiParameter("claim_types", OpenApiTypes.STR, description="Claim types"),
    ],
    responses=OpenApiTypes.OBJECT,
)
class AgreementView(TeamApiView):
    """Span agreement, κ per pair and α over all annotators, with the units of each figure."""

    def get(self, request: Request, project_id: int) -> Response:
        project = curated_project(request.user, project_id)
        unknown = sorted(set(request.query_params) - set(AGREEMENT_FILTERS))
        if unknown:
            raise exceptions.ValidationError(
                {name: [_("Not a filter of agreement.")] for name in unknown}
            )
        claim_types = listed(request, "claim_types")
        bad = [t for t in claim_types if t not in ClaimType.values]
        if bad:
            raise exceptions.ValidationError(
                {"claim_types": [_("Not a claim type: %(values)s.") % {"values": ", ".join(bad)}]}
            )
        documents = id_list(request, "documents")
        outside = set(documents) - set(
            project.entries.filter(document_id__in=documents).values_list("document_id", flat=True)
        )
        if outside:
            raise exceptions.ValidationError(
                {
                    "documents": [
                        _("Not in this project: %(values)s.")
                        % {"values": ", ".join(map(str, sorted(outside)))}
                    ]
                }
            )
        figures = agreement.for_project(
            project,
            documents=documents,
            annotators=id_list(request, "annotators"),
            claim_types=claim_types,
        )
        return Response(figures)


class CurationAction(StrictFieldsMixin):
    action = serializers.ChoiceField(["merge-agreed", "take", "discard", "finish"])
    sources = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )
    changes = serializers.DictField(required=False, default=dict)
    gold = serializers.IntegerField(min_value=1, required=False)


def curation_json(view: APIView, state: curation.Curation) -> dict[str, Any]:
    def shown(claims: list[Claim]) -> Any:
        return ClaimSerializer(claims, many=True, context={"request": view.request}).data

    entry = state.entry
    return {
        "project": entry.project_id,
        "document": entry.document_id,
        "curation_state": entry.curation_state,
        "curated_by": entry.curated_by.username if entry.curated_by else None,
        "curated_at": entry.curated_at,
        "ready": state.ready,
        "annotators": [
            {"id": a.annotator_id, "username": a.annotator.username, "state": a.state}
            for a in state.assignments
        ],
        "groups": [
            {
                "agreed": group.agreed,
                "claims": shown(group.claims),
                "gold": [g.pk for g in group.gold],
            }
            for group in state.groups
        ],
        "added": [g.pk for g in state.added],
    }


@extend_schema(request=CurationAction, responses=OpenApiTypes.OBJECT)
class CurationView(TeamApiView):
    """A document's curation: read it (GET), act on it (POST {"action": ...})."""

    def get(self, request: Request, project_id: int, document_id: int) -> Response:
        project = curated_project(request.user, project_id)
        return Response(curation_json(self, curation.load(project, document_id)))

    def post(self, request: Request, project_id: int, document_id: int) -> Response:
        project = curated_project(request.user, project_id)
        checked = CurationAction(data=request.data)
        checked.is_valid(raise_exception=True)
        wanted = checked.validated_data
        action = wanted["action"]
        created: list[Claim] = []
        if action == "merge-agreed":
            created = curation.merge_agreed(project, document_id, request)
        elif action == "take":
            created = [
                curation.take(project, document_id, request, wanted["sources"], wanted["changes"])
            ]
        elif action == "discard":
            if "gold" not in wanted:
                raise exceptions.ValidationError({"gold": [_("Name the gold claim to discard.")]})
            curation.discard(project, document_id, request, wanted["gold"])
        else:
            curation.finish(project, document_id, request)
        body = curation_json(self, curation.load(project, document_id))
        body["created"] = [claim.pk for claim in created]
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(body, status=code)
