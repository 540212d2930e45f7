"""The annotator's workbench page: one document's text and its claims.

The page is rendered here (inside the admin: staff login, no caching); everything
it reads and writes afterwards goes through the public REST API under /api/v1/
(claims, speakers), with the same serializers, permissions, ETag/If-Match and
answers as every other client, authenticated by the session and its CSRF token.
Offsets are code points, computed by workbench.js; the model and a database
trigger check them against the text.
"""

from collections import Counter
from collections.abc import Mapping
from typing import Any

from django.contrib.admin import ModelAdmin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Choices, Count, F, Manager, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import json_script
from django.utils.translation import gettext_lazy as _

from annotations.models import Document, ReviewStatus
from claims import permissions
from claims.figures import Change, Comparator
from claims.models import (
    FIGURE_MODELS,
    Attribution,
    Claim,
    ClaimType,
    Metric,
    Modality,
    RelationKind,
    SpeakerKind,
    Stance,
    Target,
    TargetStatement,
    Topic,
    topic_ids_at,
    visible_claims,
)
from config.numbers import whole_number
from history.events import context_user_id, event_model, instance_from_event
from projects.markdown import guidelines_html
from projects.models import Assignment, AssignmentState, Guidelines, Project

# --- reading -------------------------------------------------------------------------


# The claims admin, whose site and permissions the workbench pages use.
WorkbenchAdmin = ModelAdmin[Claim]


def claim_index(
    document: Document, user: User | AnonymousUser, project: Project
) -> list[Mapping[str, object]]:
    """What the workbench draws of each claim of the document in the project that `user`
    may read, in text order. One query.

    Only where each claim is and what colour and filters apply: a long document's
    3,000 claims serialized in full took 1.6 s and 2 MB of the page (issue 13). The
    form loads a claim in full from GET /api/v1/claims/<id>/ when it is opened.
    """
    return list(
        Claim.objects.visible_to(user)
        .filter(document=document, project=project)
        .order_by("start", "-end", "id")
        .values(
            "id", "start", "end", "claim_type", "status", annotator_name=F("annotator__username")
        )
    )


class PlainJSONEncoder(DjangoJSONEncoder):
    """Characters as they are, not as \\uXXXX: a Chinese text is half the bytes."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**{**options, "ensure_ascii": False})


def workbench_project(request: HttpRequest, document: Document) -> Project:
    """The project of `?project=<id>` (one she may see, holding the document; 404
    otherwise), or the default project; in one query, with its guidelines in force
    (`guidelines_version`, `guidelines_text`) and her assignment's state (`assignment`)."""
    raw = request.GET.get("project", "")
    wanted_id = whole_number(raw)
    if raw and wanted_id is None:
        raise Http404(_("project: not a project number."))
    latest = Guidelines.objects.filter(project=OuterRef("pk")).order_by("-version")
    projects = (
        Project.objects.visible_to(request.user)
        .holding(document)
        .annotate(
            guidelines_version=Subquery(latest.values("version")[:1]),
            guidelines_text=Subquery(latest.values("text")[:1]),
            assignment=Subquery(
                Assignment.objects.filter(
                    project=OuterRef("pk"), document=document, annotator=request.user.pk
                ).values("state")[:1]
            ),
        )
    )
    wanted = Q(pk=wanted_id) if wanted_id is not None else Q(is_default=True)
    return get_object_or_404(projects, wanted)


def project_json(project: Project) -> dict[str, Any]:
    """What the workbench shows of the project: its guidelines in force, her assignment
    (as annotated by workbench_project)."""
    version = getattr(project, "guidelines_version", None)
    return {
        "id": project.pk,
        "name": project.name,
        "is_default": project.is_default,
        "guidelines": None
        if version is None
        else {"version": version, "text": getattr(project, "guidelines_text", "")},
        "assignment": getattr(project, "assignment", None),
        "finish_url": reverse("project-finish", args=[project.pk]),
        "queue_url": reverse("admin:projects_project_queue"),
    }


def choices(enum: type[Choices]) -> list[list[str]]:
    return [[value, label] for value, label in enum.choices]


def workbench_view(
    admin: WorkbenchAdmin, request: HttpRequest, document_id: int
) -> TemplateResponse:
    """The page, with where the document's claims are; the form reads each from the API."""
    if not permissions.can_view_claims(request.user):
        raise PermissionDenied
    document = get_object_or_404(Document, pk=document_id)
    project = workbench_project(request, document)
    shown_project = project_json(project)  # in the page's data and in its template
    guidelines, assignment = shown_project["guidelines"], shown_project["assignment"]
    context = {
        **admin.admin_site.each_context(request),
        "title": _("Annotate: %(title)s") % {"title": document.title},
        "document": document,
        "opts": Claim._meta,
        "project": shown_project,
        "guidelines_html": guidelines_html(guidelines["text"]) if guidelines else "",
        "assignment_label": AssignmentState(assignment).label if assignment else "",
        "workbench": json_script(
            {
                "document": document.pk,
                "text": document.text,
                "claims": claim_index(document, request.user, project),
                "choices": {
                    "claim_type": choices(ClaimType),
                    "attribution": choices(Attribution),
                    "stance": choices(Stance),
                    "modality": choices(Modality),
                    "status": choices(ReviewStatus),
                    "comparator": choices(Comparator),
                    "change": choices(Change),
                    "speaker_kind": choices(SpeakerKind),
                    "relation_kind": choices(RelationKind),
                    "assignment_state": choices(AssignmentState),
                },
                "topics": list(Topic.objects.values("id", "name")),
                "metrics": [{"id": m.pk, "name": str(m)} for m in Metric.objects.all()],
                "me": {
                    "id": request.user.pk,
                    "username": request.user.get_username(),
                    "can_add": permissions.can_add_claim(request.user),
                    "is_reviewer": permissions.is_reviewer(request.user),
                    "can_add_speaker": request.user.has_perm("claims.add_speaker"),
                },
                "project": shown_project,
                "urls": {
                    "claims": reverse("claim-list"),
                    "speakers": reverse("speaker-list"),
                    "claim_admin": reverse("admin:claims_claim_change", args=[0]),
                },
            },
            "wb-data",
            encoder=PlainJSONEncoder,
        ),
    }
    request.current_app = admin.admin_site.name
    return TemplateResponse(request, "claims/workbench.html", context)


# --- progress ------------------------------------------------------------------------


def progress_by_document(user: User | AnonymousUser) -> list[dict[str, Any]]:
    """Counts per document by type and by status of the claims `user` may read.
    Two queries: documents, counts."""
    documents = {d.pk: d for d in Document.objects.only("id", "title", "published_on")}
    rows: dict[int, dict[str, Any]] = {
        pk: {"document": d, "total": 0, "types": Counter(), "statuses": Counter()}
        for pk, d in documents.items()
    }
    counts = (
        Claim.objects.visible_to(user)
        .values("document_id", "claim_type", "status")
        .annotate(n=Count("id"))
    )
    for count in counts.order_by():
        row = rows[count["document_id"]]
        row["total"] += count["n"]
        row["types"][count["claim_type"]] += count["n"]
        row["statuses"][count["status"]] += count["n"]
    return [
        {
            **row,
            "types": [row["types"][value] for value in ClaimType.values],
            "statuses": [row["statuses"][value] for value in ReviewStatus.values],
        }
        for row in rows.values()
    ]


def progress_by_annotator(user: User | AnonymousUser) -> list[dict[str, Any]]:
    """Counts per annotator by status of the claims `user` may read. One query."""
    rows: dict[str, Counter[str]] = {}
    counts = (
        Claim.objects.visible_to(user)
        .values("annotator__username", "status")
        .annotate(n=Count("id"))
    )
    for count in counts.order_by("annotator__username"):
        rows.setdefault(count["annotator__username"], Counter())[count["status"]] += count["n"]
    return [
        {
            "annotator": name,
            "total": sum(counter.values()),
            "statuses": [counter[value] for value in ReviewStatus.values],
        }
        for name, counter in rows.items()
    ]


def progress_view(admin: WorkbenchAdmin, request: HttpRequest) -> TemplateResponse:
    if not permissions.can_view_claims(request.user):
        raise PermissionDenied
    context = {
        **admin.admin_site.each_context(request),
        "title": _("Annotation progress"),
        "opts": Claim._meta,
        "type_labels": ClaimType.labels,
        "status_labels": ReviewStatus.labels,
        "documents": progress_by_document(request.user),
        "annotators": progress_by_annotator(request.user),
    }
    request.current_app = admin.admin_site.name
    return TemplateResponse(request, "claims/progress.html", context)


# --- deleted claims ------------------------------------------------------------------


def claim_events() -> Manager[Any]:
    """The manager of claims' history events (claims.ClaimEvent, made by pghistory)."""
    events: Manager[Any] = event_model(Claim)._default_manager
    return events


def deleted_claims(user: User | AnonymousUser) -> QuerySet[Any]:
    """The deletion event of each claim that is still deleted and that `user` may read
    (the same rule as Claim.objects.visible_to). One query.

    Each row is the claim as it was when deleted, with `pgh_context` (who deleted
    it: history.events.event_user).
    """
    readable = visible_claims(user)
    return (
        claim_events()
        .filter(pgh_label="delete")
        .filter(readable if readable is not None else Q())
        .exclude(id__in=Claim.objects.values("id"))
        .select_related("pgh_context", "annotator", "document")
        .order_by("id", "-pgh_id")
        .distinct("id")
    )


def with_deleted_by(records: list[Any]) -> list[Any]:
    """Set `deleted_by` (a user or None) on deletion events; one query for all of them."""
    user_ids = {context_user_id(record.pgh_context) for record in records} - {None}
    users = get_user_model()._default_manager.in_bulk(user_ids)
    for record in records:
        record.deleted_by = users.get(context_user_id(record.pgh_context))
    return records


def restore_claim(*, claim_id: int, by: User) -> Claim:
    """Bring a deleted claim back as the same pk, with its topics and its figure.

    Its version continues from the deleted one, so a page opened before the
    deletion cannot overwrite it unnoticed. Restored by a reviewer it keeps its
    review; restored by anyone else (its annotator, who deleted her own draft)
    it is her draft again: only a reviewer's restore can bring back a review.
    """
    record = deleted_claims(by).filter(id=claim_id).first()
    if record is None:
        raise Http404(_("Claim #%(id)s is not a deleted claim.") % {"id": claim_id})
    # Deleting a claim unlinks its topics first, in the same transaction.
    topic_ids = topic_ids_at(claim_id, record.pgh_created_at, before=True)
    with transaction.atomic():
        claim = instance_from_event(Claim, record)
        claim.version = record.version + 1
        if not permissions.is_reviewer(by):
            claim.status = ReviewStatus.DRAFT
            claim.reviewer, claim.reviewed_at, claim.review_comment = None, None, ""
        claim.full_clean()
        claim.save(force_insert=True)
        claim.topics.set(Topic.objects.filter(pk__in=topic_ids))
        figure_model = FIGURE_MODELS.get(claim.claim_type)
        if figure_model is not None:
            figure_record = (
                event_model(figure_model)
                ._default_manager.filter(claim_id=claim_id, pgh_label="delete")
                .order_by("-pgh_id")
                .first()
            )
            if figure_record is not None:
                figure = instance_from_event(figure_model, figure_record)
                if isinstance(figure, TargetStatement) and figure.target_id is not None:
                    # Its target may since have gone, or changed what it is about: then it
                    # comes back unlinked (the link stays in its history), not refused.
                    target = Target.objects.filter(pk=figure.target_id).first()
                    if target is None or target.statement_errors(figure):
                        figure.target = None
                figure.save(force_insert=True)
    return claim
