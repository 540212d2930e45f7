"""The annotator's workbench: one document's text, its claims, and small JSON endpoints.

Every view sits inside the admin (ClaimAdmin.get_urls wraps each in
admin_view: staff login, CSRF, no caching) and checks claims.permissions
for the object it touches, so a forged request gets the same 403 as a
hidden button would suggest. Offsets arrive in code points, computed by
workbench.js; the model and a database trigger check them against the text.
"""

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import Count, ProtectedError, QuerySet
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from annotations.models import Document, ReviewStatus
from claims import permissions
from claims.figures import Change, Comparator
from claims.models import (
    FIGURE_FIELDS,
    MEANING_FIELDS,
    SPAN_FIELDS,
    Attribution,
    Claim,
    ClaimType,
    Metric,
    Modality,
    Observation,
    Speaker,
    SpeakerAlias,
    SpeakerKind,
    StaleVersion,
    Stance,
    TargetStatement,
    Topic,
)
from claims.permissions import AnyUser


class NewClaimForm(forms.ModelForm[Claim]):
    """A claim's span and meaning: a new claim, or an update that moves the span."""

    class Meta:
        model = Claim
        fields = [*SPAN_FIELDS, *MEANING_FIELDS]


class ClaimMeaningForm(forms.ModelForm[Claim]):
    class Meta:
        model = Claim
        fields = MEANING_FIELDS


class TargetStatementForm(forms.ModelForm[TargetStatement]):
    class Meta:
        model = TargetStatement
        fields = [*FIGURE_FIELDS, "metric", "subject", "scope", "deadline"]


class ObservationForm(forms.ModelForm[Observation]):
    class Meta:
        model = Observation
        fields = [*FIGURE_FIELDS, "metric", "subject", "scope", "period_start", "period_end"]


FigureForm = TargetStatementForm | ObservationForm
FIGURE_FORMS: dict[str, type[FigureForm]] = {
    ClaimType.TARGET: TargetStatementForm,
    ClaimType.OBSERVATION: ObservationForm,
}
# A view inside ClaimAdmin: the admin and the request first (ClaimAdmin.get_urls).
WorkbenchAdmin = admin.ModelAdmin[Claim]


class BadRequest(Exception):
    """Bad input: answered with 400 and the field errors, nothing written."""

    def __init__(self, errors: dict[str, Any]) -> None:
        self.errors = errors
        super().__init__(errors)


# --- reading -------------------------------------------------------------------------


def claims_for_document(document: Document) -> QuerySet[Claim]:
    """Claims with everything the workbench shows: three queries (claims, topics, none more)."""
    return (
        Claim.objects.filter(document=document)
        .select_related("speaker", "annotator", "reviewer", "target_statement", "observation")
        .prefetch_related("topics")
    )


def figure_of(claim: Claim) -> TargetStatement | Observation | None:
    for attr in ("target_statement", "observation"):
        try:
            figure: TargetStatement | Observation = getattr(claim, attr)
            return figure
        except (TargetStatement.DoesNotExist, Observation.DoesNotExist):
            continue
    return None


def claim_json(claim: Claim, user: AnyUser) -> dict[str, Any]:
    figure = figure_of(claim)
    return {
        "id": claim.pk,
        "start": claim.start,
        "end": claim.end,
        "quote": claim.quote,
        "claim_type": claim.claim_type,
        "speaker": {"id": claim.speaker_id, "name": claim.speaker.name} if claim.speaker else None,
        "speaker_role": claim.speaker_role,
        "attribution": claim.attribution,
        "stance": claim.stance,
        "modality": claim.modality,
        "topics": [topic.pk for topic in claim.topics.all()],
        "note": claim.note,
        "status": claim.status,
        "annotator": claim.annotator.get_username(),
        "annotator_id": claim.annotator_id,
        "reviewer": claim.reviewer.get_username() if claim.reviewer else None,
        "review_comment": claim.review_comment,
        "version": claim.version,
        "figure": figure_json(figure) if figure is not None else None,
        "can": permissions.allowed_actions(user, claim),
    }


def figure_json(figure: TargetStatement | Observation) -> dict[str, Any]:
    form_class = ObservationForm if isinstance(figure, Observation) else TargetStatementForm
    return {
        name: figure.metric_id if name == "metric" else getattr(figure, name)
        for name in form_class.Meta.fields
    }


def choices(enum: type[models.TextChoices]) -> list[list[str]]:
    return [[value, label] for value, label in enum.choices]


def workbench_view(
    admin: WorkbenchAdmin, request: HttpRequest, document_id: int
) -> TemplateResponse:
    if not permissions.can_view_claims(request.user):
        raise PermissionDenied
    document = get_object_or_404(Document, pk=document_id)
    claims = [claim_json(claim, request.user) for claim in claims_for_document(document)]
    base = reverse("admin:claims_claim_workbench", args=[document.pk])
    context = {
        **admin.admin_site.each_context(request),
        "title": f"Annotate: {document.title}",
        "document": document,
        "opts": Claim._meta,
        "workbench": {
            "text": document.text,
            "claims": claims,
            "choices": {
                "claim_type": choices(ClaimType),
                "attribution": choices(Attribution),
                "stance": choices(Stance),
                "modality": choices(Modality),
                "status": choices(ReviewStatus),
                "comparator": choices(Comparator),
                "change": choices(Change),
                "speaker_kind": choices(SpeakerKind),
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
            "urls": {
                "create": base + "claims/",
                "claim": reverse("admin:claims_claim_workbench_claim", args=[0]),
                "speakers": reverse("admin:claims_claim_workbench_speakers"),
                "claim_admin": reverse("admin:claims_claim_change", args=[0]),
            },
        },
    }
    request.current_app = admin.admin_site.name
    return TemplateResponse(request, "claims/workbench.html", context)


def speakers_view(admin: WorkbenchAdmin, request: HttpRequest) -> JsonResponse:
    """GET ?q=: speakers whose name or alias contains q in either script. POST: create one."""
    if request.method == "POST":
        return create_speaker(request)
    if not request.user.has_perm("claims.view_speaker"):
        raise PermissionDenied
    term = request.GET.get("q", "").strip()[:100]
    speakers = Speaker.objects.prefetch_related("aliases").order_by("name")
    if term:
        speakers = speakers.named(term, containing=True)
    return JsonResponse(
        {
            "speakers": [
                {
                    "id": speaker.pk,
                    "name": speaker.name,
                    "aliases": [alias.name for alias in speaker.aliases.all()],
                }
                for speaker in speakers[:20]
            ]
        }
    )


def create_speaker(request: HttpRequest) -> JsonResponse:
    if not request.user.has_perm("claims.add_speaker"):
        raise PermissionDenied
    data = read_json(request)
    name = str(data.get("name", "")).strip()
    speaker = Speaker(name=name, kind=str(data.get("kind", SpeakerKind.PERSON)))
    errors: dict[str, list[str]] = {}
    try:
        speaker.full_clean()
    except forms.ValidationError as error:
        errors = error.message_dict
    alias = SpeakerAlias.objects.filter(name=name).select_related("speaker").first()
    if alias is not None:
        errors["name"] = [f"{name!r} is already an alias of {alias.speaker.name}."]
    if errors:
        raise BadRequest(errors)
    speaker.save()
    return JsonResponse({"id": speaker.pk, "name": speaker.name, "aliases": []}, status=201)


# --- writing -------------------------------------------------------------------------


def read_json(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest({"body": ["The request body is not valid JSON."]}) from None
    if not isinstance(data, dict):
        raise BadRequest({"body": ["The request body must be a JSON object."]})
    return data


def expected_version(data: dict[str, Any]) -> int:
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BadRequest({"version": ["The version you edited is required (an integer)."]})
    return version


def form_errors(form: forms.BaseForm, prefix: str = "") -> dict[str, list[str]]:
    return {
        prefix + field: [str(message) for message in messages]
        for field, messages in form.errors.items()
    }


def save_figure(claim: Claim, data: Any) -> None:
    """Create, update or remove the claim's figure to match `data` (None or {} removes it)."""
    form_class = FIGURE_FORMS.get(claim.claim_type)
    existing = figure_of(claim)
    if existing is not None and (
        form_class is None or not isinstance(existing, form_class.Meta.model)
    ):
        existing.delete()
        existing = None
    if form_class is None or not data or not any(v not in (None, "") for v in data.values()):
        if existing is not None:
            existing.delete()
        return
    if not isinstance(data, dict):
        raise BadRequest({"figure": ["The figure must be an object."]})
    # Of form_class's model: an existing figure of another kind was deleted above.
    instance: Any = existing or form_class.Meta.model(claim=claim)
    defaults = {"comparator": Comparator.EXACT, "change": Change.LEVEL}
    form = form_class(
        {**defaults, **{k: v for k, v in data.items() if v is not None}}, instance=instance
    )
    if not form.is_valid():
        raise BadRequest(form_errors(form, "figure."))
    form.save()


def create_claim_view(
    admin: WorkbenchAdmin, request: HttpRequest, document_id: int
) -> JsonResponse:
    if request.method != "POST":
        return JsonResponse({"error": "Use POST."}, status=405)
    if not permissions.can_add_claim(request.user):
        raise PermissionDenied
    document = get_object_or_404(Document, pk=document_id)
    data = read_json(request)
    claim = Claim(document=document, annotator=permissions.signed_in(request.user))
    form = NewClaimForm(data, instance=claim)
    if not form.is_valid():
        raise BadRequest(form_errors(form))
    with transaction.atomic():
        claim = form.save()
        save_figure(claim, data.get("figure"))
    claim = claims_for_document(document).get(pk=claim.pk)
    return JsonResponse({"claim": claim_json(claim, request.user)}, status=201)


def claim_view(admin: WorkbenchAdmin, request: HttpRequest, claim_id: int) -> JsonResponse:
    """GET the claim; POST {"action": "update"|"delete"|"submit"|"review", "version": n, ...}.

    An update may move the claim's span: start, end and quote, checked as for a new claim.
    """
    claim = Claim.objects.filter(pk=claim_id).select_related("document").first()
    if claim is None:
        raise Http404(f"Claim #{claim_id} does not exist (it may have been deleted).")
    user = permissions.signed_in(request.user)
    if request.method == "GET":
        if not permissions.can_view_claims(user):
            raise PermissionDenied
        return JsonResponse({"claim": claim_json(fresh(claim), user)})
    if request.method != "POST":
        return JsonResponse({"error": "Use GET or POST."}, status=405)
    data = read_json(request)
    action = data.get("action")
    rules = {
        "update": permissions.can_change_claim,
        "delete": permissions.can_delete_claim,
        "submit": permissions.can_submit_claim,
        "review": permissions.can_review_claim,
    }
    rule = rules.get(action) if isinstance(action, str) else None
    if rule is None:
        raise BadRequest({"action": ["action must be update, delete, submit or review."]})
    if not rule(user, claim):
        raise PermissionDenied(f"You may not {action} claim #{claim.pk} (status {claim.status}).")
    version = expected_version(data)
    if action == "delete":
        return delete_claim(claim, version)
    if action == "update":
        form = update_form(data, claim)
        if not form.is_valid():
            raise BadRequest(form_errors(form))
        with transaction.atomic():
            claim = form.save(commit=False)
            claim.save_if_version(version)
            form.save_m2m()
            save_figure(claim, data.get("figure"))
    elif action == "submit":
        claim.status = ReviewStatus.SUBMITTED
        claim.save_if_version(version)
    else:
        review(claim, user, data, version)
    return JsonResponse({"claim": claim_json(fresh(claim), user)})


def update_form(data: dict[str, Any], claim: Claim) -> forms.ModelForm[Claim]:
    """The meaning alone, or with a new span when start, end and quote come together.

    One or two of them alone is refused rather than guessed: a quote kept from
    the old span at new offsets (or the reverse) is never what was meant.
    """
    given = [name for name in SPAN_FIELDS if name in data]
    if not given:
        return ClaimMeaningForm(data, instance=claim)
    missing = [name for name in SPAN_FIELDS if name not in data]
    if missing:
        raise BadRequest(
            {
                name: [f"{name} is missing: a new span needs start, end and quote together."]
                for name in missing
            }
        )
    return NewClaimForm(data, instance=claim)


def review(claim: Claim, user: User, data: dict[str, Any], version: int) -> None:
    decision = data.get("decision")
    comment = str(data.get("comment", "")).strip()
    if decision not in ("accept", "reject"):
        raise BadRequest({"decision": ["decision must be accept or reject."]})
    if decision == "reject" and not comment:
        raise BadRequest({"comment": ["Say why the claim is rejected: a comment is required."]})
    claim.status = ReviewStatus.ACCEPTED if decision == "accept" else ReviewStatus.REJECTED
    claim.reviewer = user
    claim.reviewed_at = timezone.now()
    claim.review_comment = comment
    claim.save_if_version(version)


def delete_claim(claim: Claim, version: int) -> JsonResponse:
    try:
        with transaction.atomic():
            stored = Claim.objects.select_for_update().get(pk=claim.pk)
            if stored.version != version:
                raise StaleVersion.of(stored, version)
            figure = figure_of(stored)
            if figure is not None:
                figure.delete()
            stored.delete()
    except ProtectedError:
        return JsonResponse(
            {
                "error": f"Claim #{claim.pk} is linked from relations or target revisions; "
                "remove those links first."
            },
            status=409,
        )
    return JsonResponse({"deleted": claim.pk})


def fresh(claim: Claim) -> Claim:
    return claims_for_document(claim.document).get(pk=claim.pk)


def json_endpoint(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    """Answer bad input with 400, forbidden with 403, stale with 409: JSON, never a 500."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        try:
            return view(request, *args, **kwargs)
        except BadRequest as error:
            return JsonResponse({"errors": error.errors}, status=400)
        except PermissionDenied as error:
            return JsonResponse({"error": str(error) or "You may not do that."}, status=403)
        except Http404 as error:
            return JsonResponse({"error": str(error) or "Not found."}, status=404)
        except StaleVersion as error:
            return JsonResponse(
                {
                    "error": error.message(),
                    "changes": [vars(change) for change in error.changes],
                    "current_version": error.current.version,
                },
                status=409,
            )
        except IntegrityError as error:
            return JsonResponse(
                {"error": f"The database refused the change: {error.__cause__ or error}"},
                status=400,
            )

    return wrapped


# --- progress ------------------------------------------------------------------------


def progress_by_document() -> list[dict[str, Any]]:
    """Claim counts per document by type and by status. Two queries: documents, counts."""
    documents = {d.pk: d for d in Document.objects.only("id", "title", "published_on")}
    rows: dict[int, dict[str, Any]] = {
        pk: {"document": d, "total": 0, "types": Counter(), "statuses": Counter()}
        for pk, d in documents.items()
    }
    counts = Claim.objects.values("document_id", "claim_type", "status").annotate(n=Count("id"))
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


def progress_by_annotator() -> list[dict[str, Any]]:
    """Claim counts per annotator by status. One query."""
    rows: dict[str, Counter[str]] = {}
    counts = Claim.objects.values("annotator__username", "status").annotate(n=Count("id"))
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
        "title": "Annotation progress",
        "opts": Claim._meta,
        "type_labels": ClaimType.labels,
        "status_labels": ReviewStatus.labels,
        "documents": progress_by_document(),
        "annotators": progress_by_annotator(),
    }
    request.current_app = admin.admin_site.name
    return TemplateResponse(request, "claims/progress.html", context)


# --- deleted claims ------------------------------------------------------------------


def deleted_claims() -> QuerySet[Any]:
    """The last deletion record of each claim that is still deleted. One query."""
    records: QuerySet[Any] = (
        Claim.history.filter(history_type="-")
        .exclude(id__in=Claim.objects.values("id"))
        .select_related("history_user", "annotator", "document")
        .order_by("id", "-history_date")
        .distinct("id")
    )
    return records


def restore_claim(*, claim_id: int) -> Claim:
    """Bring a deleted claim back as the same pk, with its topics and its figure.

    Its version continues from the deleted one, so a page opened before the
    deletion cannot overwrite it unnoticed.
    """
    record = deleted_claims().filter(id=claim_id).first()
    if record is None:
        raise Http404(f"Claim #{claim_id} is not a deleted claim.")
    # The deletion record has no topics: they were unlinked before it was written.
    last_state = (
        Claim.history.filter(id=claim_id)
        .exclude(history_type="-")
        .order_by("-history_date", "-history_id")
        .first()
    )
    topic_ids = list(last_state.topics.values_list("topic_id", flat=True)) if last_state else []
    with transaction.atomic():
        claim: Claim = record.instance
        claim.version = record.version + 1
        claim.full_clean()
        claim.save(force_insert=True)
        claim.topics.set(Topic.objects.filter(pk__in=topic_ids))
        figure_models: dict[str, type[TargetStatement] | type[Observation]] = {
            ClaimType.TARGET: TargetStatement,
            ClaimType.OBSERVATION: Observation,
        }
        figure_model = figure_models.get(claim.claim_type)
        if figure_model is not None:
            figure_record = (
                figure_model.history.filter(claim_id=claim_id, history_type="-")
                .order_by("-history_date")
                .first()
            )
            if figure_record is not None:
                figure_record.instance.save(force_insert=True)
    return claim
