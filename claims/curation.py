"""Curation: a project document's annotators' claims side by side, made into gold.

When every annotator assigned a document in a project has finished it, a curator
(claims.permissions.can_curate) sees their claims grouped where their spans match
(claims.agreement.match, overlapping: the matching agreement uses). She then
- merges every group on which all annotators agree in every field (merge_agreed),
- takes one version, merges fields, edits, or adds what everyone missed (take),
- discards a gold claim to take it again (discard), and
- finishes the document (finish): it is curated, and annotators may see each other's claims.

A gold claim is written through the claim resource (claims.api.ClaimWriteSerializer),
so it is validated, versioned and in history like every claim: gold, in the project,
annotated by the curator, accepted (reviewed by her), and curated from its sources.
Each write locks the project document first, so two curators never interleave.
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.request import Request

from annotations.models import ReviewStatus
from claims.agreement import Coded, match
from claims.api import ClaimSerializer, ClaimWriteSerializer, with_resource_fields
from claims.models import FIGURE_COMPARED_FIELDS, Claim
from claims.permissions import GOLD_IS_FINAL, NOT_IN_PROJECT, signed_in
from projects.models import (
    Assignment,
    AssignmentState,
    CurationState,
    Membership,
    Project,
    ProjectDocument,
    ProjectRole,
)

# What a curator may not set on a gold claim: curation decides these (a target is
# linked on the target's page).
NOT_CHANGED = {"document", "status", "review_comment", "relations"}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


@dataclass
class Group:
    """One passage as the annotators marked it, and the gold claim made from it."""

    claims: list[Claim]
    agreed: bool
    gold: list[Claim] = field(default_factory=list)


@dataclass
class Curation:
    entry: ProjectDocument
    assignments: list[Assignment]
    groups: list[Group]
    added: list[Claim]  # gold claims with no source: what everyone missed

    @property
    def ready(self) -> bool:
        return bool(self.assignments) and all(
            a.state == AssignmentState.FINISHED for a in self.assignments
        )


def claims_shown() -> QuerySet[Claim]:
    """Claims with everything the claim resource shows (ClaimViewSet's own query)."""
    return with_resource_fields(Claim.objects.all())


def load(project: Project, document_id: int) -> Curation:
    """Six queries: the entry, the assignments, the claims, their topics, their relations,
    the gold claims' sources."""
    entry = (
        ProjectDocument.objects.select_related("document", "curated_by")
        .filter(project=project, document_id=document_id)
        .first()
    )
    if entry is None:
        raise exceptions.NotFound(NOT_IN_PROJECT % {"document": document_id, "project": project})
    assignments = list(
        Assignment.objects.filter(project=project, document_id=document_id)
        .select_related("annotator")
        .order_by("annotator__username")
    )
    claims = list(
        claims_shown()
        .filter(project=project, document_id=document_id)
        .prefetch_related(Prefetch("curated_from", queryset=Claim.objects.only("id")))
    )
    sources = [c for c in claims if not c.gold]
    gold = [c for c in claims if c.gold]
    by_id = {c.pk: c for c in sources}
    annotators = {a.annotator_id for a in assignments}
    groups = []
    for matched in match((as_coded(c) for c in sources), exact=False):
        members = [by_id[c.id] for c in matched]
        ids = {c.pk for c in members}
        made = [g for g in gold if ids & {s.pk for s in g.curated_from.all()}]
        agreed = {c.annotator_id for c in members} >= annotators and len(
            {signature(c) for c in members}
        ) == 1
        groups.append(Group(members, agreed, made))
    added = [g for g in gold if not g.curated_from.all()]
    return Curation(entry, assignments, groups, added)


def as_coded(claim: Claim) -> Coded:
    return Coded(
        id=claim.pk,
        document_id=claim.document_id,
        start=claim.start,
        end=claim.end,
        annotator_id=claim.annotator_id,
        claim_type=claim.claim_type,
        stance=claim.stance,
        attribution=claim.attribution,
        speaker=claim.speaker_id,
    )


def signature(claim: Claim) -> tuple[Any, ...]:
    """Everything an annotator codes, the note aside: equal signatures agree."""
    figure = claim.stated_figure()
    return (
        claim.start,
        claim.end,
        claim.claim_type,
        claim.attribution,
        claim.stance,
        claim.modality,
        claim.speaker_id,
        claim.speaker_role,
        tuple(sorted(t.pk for t in claim.topics.all())),
        type(figure).__name__,
        tuple(getattr(figure, name, None) for name in FIGURE_COMPARED_FIELDS),
    )


def as_written(claim: Claim, request: Request | HttpRequest) -> dict[str, Any]:
    """A claim as the claim resource reads it, in the shape it writes, for a gold copy."""
    read = ClaimSerializer(claim, context={"request": request}).data
    data = {name: read[name] for name in ClaimWriteSerializer.Meta.fields}
    for name in NOT_CHANGED - {"document"}:
        data.pop(name)
    if data["figure"] is not None:
        data["figure"] = {k: v for k, v in data["figure"].items() if k != "target"}
    return data


def locked(project: Project, document_id: int, request: Request | HttpRequest) -> Curation:
    """The curation, its entry locked for this transaction; refused unless it may go on."""
    ProjectDocument.objects.select_for_update().filter(
        project=project, document_id=document_id
    ).first()
    curation = load(project, document_id)
    if not curation.ready:
        waiting = [
            f"{a.annotator.username} ({a.get_state_display()})"
            for a in curation.assignments
            if a.state != AssignmentState.FINISHED
        ]
        raise Conflict(
            _("The annotators have not finished this document: %(waiting)s.")
            % {"waiting": ", ".join(waiting) or _("no one is assigned to it")}
        )
    if curation.entry.curation_state == CurationState.CURATED:
        raise Conflict(str(GOLD_IS_FINAL))
    if curation.entry.curation_state == CurationState.OPEN:
        curation.entry.curation_state = CurationState.CURATING
        curation.entry.save(update_fields=["curation_state"])
    return curation


def write_gold(
    project: Project,
    request: Request | HttpRequest,
    data: dict[str, Any],
    sources: list[Claim],
) -> Claim:
    """Create one gold claim through the claim resource; ValidationError names the field.
    Its curator is a member of the project (join_as_curator)."""
    user = request.user
    serializer = ClaimWriteSerializer(data=data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    gold: Claim = serializer.save(
        gold=True,
        project=project,
        status=ReviewStatus.ACCEPTED,
        reviewer=user,
        reviewed_at=timezone.now(),
    )
    gold.curated_from.set(sources)
    return gold


def join_as_curator(project: Project, request: Request | HttpRequest) -> None:
    """Before she writes gold claims: a reviewer or an admin may curate any project
    (can_curate), and a project's claims are its members' (a trigger holds it), so one who
    is no member joins it as a curator, the gold claims being hers. The membership lasts,
    like any other: a manager removes it if she should no longer curate the project."""
    Membership.objects.get_or_create(
        project=project, user=signed_in(request.user), defaults={"role": ProjectRole.CURATOR}
    )


def merge_agreed(project: Project, document_id: int, request: Request | HttpRequest) -> list[Claim]:
    """A gold claim for every agreed group that has none yet."""
    with transaction.atomic():
        curation = locked(project, document_id, request)
        merged = [group for group in curation.groups if group.agreed and not group.gold]
        if merged:
            join_as_curator(project, request)
        return [
            write_gold(project, request, as_written(group.claims[0], request), group.claims)
            for group in merged
        ]


def take(
    project: Project,
    document_id: int,
    request: Request | HttpRequest,
    source_ids: list[int],
    changes: dict[str, Any],
) -> Claim:
    """A gold claim from `source_ids` (the first one's fields, then `changes`), or, with no
    source, from `changes` alone (a claim everyone missed)."""
    refused = sorted(NOT_CHANGED & set(changes))
    if refused:
        raise exceptions.ValidationError(
            under_changes(
                {name: [_("Curation decides this; it cannot be set here.")] for name in refused},
                changes,
            )
        )
    with transaction.atomic():
        curation = locked(project, document_id, request)
        available = {c.pk: c for group in curation.groups for c in group.claims}
        taken = {
            s.pk: g.pk
            for group in curation.groups
            for g in group.gold
            for s in g.curated_from.all()
        }
        sources = []
        for number, claim_id in enumerate(source_ids):
            if claim_id not in available:
                raise exceptions.ValidationError(
                    {
                        f"sources.{number}": [
                            _("Claim %(id)s is not an annotator's claim in this document.")
                            % {"id": claim_id}
                        ]
                    }
                )
            if claim_id in taken:
                raise Conflict(
                    _(
                        "Claim %(id)s is already curated into gold claim %(gold)s; discard that "
                        "first."
                    )
                    % {"id": claim_id, "gold": taken[claim_id]}
                )
            sources.append(available[claim_id])
        data = as_written(sources[0], request) if sources else {"document": document_id}
        data |= changes
        data["document"] = document_id
        join_as_curator(project, request)
        try:
            return write_gold(project, request, data, sources)
        except exceptions.ValidationError as invalid:
            raise exceptions.ValidationError(under_changes(invalid.detail, changes)) from None


def under_changes(errors: Any, changes: dict[str, Any]) -> Any:
    """A gold claim's field errors, each field that `changes` set named by its path
    there (changes.stance), as the request has it; the fields taken from the source
    claim as they are."""
    if not isinstance(errors, dict):
        return errors
    return {
        f"changes.{name}" if name.split(".")[0] in changes else name: texts
        for name, texts in errors.items()
    }


def discard(
    project: Project, document_id: int, request: Request | HttpRequest, gold_id: int
) -> None:
    """Delete one gold claim of the document (in history, like every deletion)."""
    with transaction.atomic():
        locked(project, document_id, request)
        gold = Claim.objects.filter(
            pk=gold_id, project=project, document_id=document_id, gold=True
        ).first()
        if gold is None:
            raise exceptions.ValidationError(
                {
                    "gold": [
                        _("Claim %(id)s is not a gold claim of this document.") % {"id": gold_id}
                    ]
                }
            )
        gold.delete()


def finish(project: Project, document_id: int, request: Request | HttpRequest) -> ProjectDocument:
    """The document is curated: its gold layer is final."""
    with transaction.atomic():
        curation = locked(project, document_id, request)
        entry = curation.entry
        user = request.user
        assert isinstance(user, User)
        entry.curation_state = CurationState.CURATED
        entry.curated_by = user
        entry.curated_at = timezone.now()
        entry.save(update_fields=["curation_state", "curated_by", "curated_at"])
        return entry
