"""Who may do what to which claim: the per-object rules behind every role.

Model permissions (claims/roles.py) say which actions a role may attempt at
all; these functions narrow them to one claim. The admin, the workbench and
the API all ask here, so a forged request meets the same rule as a click.

- annotators create claims, change and delete only their own drafts and their own
  rejected claims, and submit them for review (again, after a rejection);
- reviewers accept or reject submitted claims and may change any claim;
- a project's curators and managers change its gold claims in place while the document
  is being curated (the gold layer is theirs to make until it is final);
- superusers (admins) may do everything.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from annotations.models import ReviewStatus
from claims.models import Claim
from claims.roles import REVIEWER
from config.sql import table
from projects.models import CurationState, Membership, Project, ProjectDocument, ProjectRole

# request.user: the admin and the workbench see only logged-in staff, the API anyone.
AnyUser = User | AnonymousUser


def signed_in(user: AnyUser) -> User:
    """The user of a request that passed a login check; anyone else is refused."""
    if isinstance(user, User) and user.is_authenticated:
        return user
    raise PermissionDenied(_("Log in first."))


def is_reviewer(user: AnyUser) -> bool:
    """Reviewers and admins. Cached on the user: one query per request at most."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    cache = vars(user)  # the user object lives as long as its request
    if "_claimtrack_is_reviewer" not in cache:
        cache["_claimtrack_is_reviewer"] = user.groups.filter(name=REVIEWER).exists()
    return bool(cache["_claimtrack_is_reviewer"])


def can_view_claims(user: AnyUser) -> bool:
    return user.is_active and user.is_staff and user.has_perm("claims.view_claim")


def can_add_claim(user: AnyUser) -> bool:
    return user.is_active and user.is_staff and user.has_perm("claims.add_claim")


# Said to whoever would change gold once its document is curated.
GOLD_IS_FINAL = _("This document is curated already; its gold layer is final.")
# A gold claim made from annotators' claims, or one of those: they stay in their document.
CURATED_TOGETHER = _(
    "This claim is linked by curation to claims of its document (a gold claim and the "
    "claims it was made from): it stays in that document."
)
# A claim placed in a document its project does not hold (its place: project document).
NOT_IN_PROJECT = _("Document %(document)s is not in project %(project)s.")

# A rejected claim goes back to its annotator: she edits, resubmits or deletes it.
ANNOTATOR_EDITABLE = (ReviewStatus.DRAFT, ReviewStatus.REJECTED)


def _owns_editable(user: AnyUser, claim: Claim) -> bool:
    return claim.annotator_id == user.pk and claim.status in ANNOTATOR_EDITABLE


def open_documents_curated(
    user: AnyUser, places: Iterable[tuple[int, int]]
) -> set[tuple[int, int]]:
    """Of the project documents `places` (project id, document id), those whose project
    she curates or manages and that are not curated yet. One query."""
    wanted = set(places)
    if user.pk is None or not wanted:
        return set()
    found = (
        ProjectDocument.objects.filter(
            project_id__in={project for project, _ in wanted},
            document_id__in={document for _, document in wanted},
            project__memberships__user_id=user.pk,
            project__memberships__role__in=[ProjectRole.CURATOR, ProjectRole.MANAGER],
        )
        .exclude(curation_state=CurationState.CURATED)
        .values_list("project_id", "document_id")
    )
    return wanted & set(found)


def can_change_claim(user: AnyUser, claim: Claim, *, curates_open: bool | None = None) -> bool:
    """`curates_open`: whether she curates the claim's project document, still open, if
    known already (curated_open for a page of claims); else asked here."""
    if not (user.is_active and user.is_staff and user.has_perm("claims.change_claim")):
        return False
    if is_reviewer(user) or _owns_editable(user, claim):
        return True
    if not claim.gold:
        return False
    if curates_open is None:
        place = (claim.project_id, claim.document_id)
        curates_open = place in curated_open(user, [place])
    return curates_open


def curated_open(user: AnyUser, places: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """open_documents_curated, each place asked once a request: cached on the user, as
    is_reviewer is (a claim's admin page asks for the page, each inline and each button).
    An answer from earlier in the request is safe: a change to gold holds the place and
    asks again, uncached (hold_open_gold)."""
    wanted = set(places)
    known: dict[tuple[int, int], bool] = vars(user).setdefault("_claimtrack_curated_open", {})
    missing = wanted - known.keys()
    if missing:
        found = open_documents_curated(user, missing)
        known.update((place, place in found) for place in missing)
    return {place for place in wanted if known[place]}


def can_change_gold(user: AnyUser, project_id: int, document_id: int) -> bool:
    """can_change_claim for every gold claim of one project document (the curation page):
    gold is accepted, so never an annotator's own to edit."""
    gold = Claim(
        gold=True, project_id=project_id, document_id=document_id, status=ReviewStatus.ACCEPTED
    )
    return can_change_claim(user, gold)


def hold_open_gold(user: AnyUser, claim: Claim, *, moving_to: int | None = None) -> None:
    """Inside the transaction that changes `claim` (as stored): a curator's change to
    gold holds its project document (FOR SHARE) and asks again whether it is still open;
    a move holds the document it goes to (`moving_to`) as well.

    Curation's `finish` locks that row FOR UPDATE: a finish under way makes the change
    wait, then see the document curated and be refused (PermissionDenied); a change
    under way makes the finish wait for it. Reviewers, and an annotator's own claim,
    depend on no curation state.
    """
    if not claim.gold or is_reviewer(user) or _owns_editable(user, claim):
        return
    documents = sorted({claim.document_id, moving_to or claim.document_id})
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table(ProjectDocument)} "  # noqa: S608 (our table's name)
            "WHERE project_id = %s AND document_id = ANY(%s) ORDER BY document_id FOR SHARE",
            [claim.project_id, documents],
        )
    places = {(claim.project_id, document) for document in documents}
    if open_documents_curated(user, places) != places:
        raise PermissionDenied(GOLD_IS_FINAL)


def move_refusal(user: AnyUser, claim: Claim) -> str | None:
    """Why `claim`, changed to another document, may not be saved so; None if it may.

    It stays in its project, so on one of the project's documents (the database's
    deferred foreign key refuses it only at commit, naming no field); a gold claim
    goes only where she may change gold: a curator's never into a document curated already;
    and a claim linked by curation (a gold claim and its sources) not at all.
    """
    entry = ProjectDocument.objects.filter(
        project_id=claim.project_id, document_id=claim.document_id
    )
    if not entry.exists():
        return NOT_IN_PROJECT % {"document": claim.document_id, "project": claim.project}
    if claim.gold and not can_change_claim(user, claim):
        return str(GOLD_IS_FINAL)
    links = Claim.curated_from.through.objects.filter(Q(from_claim=claim.pk) | Q(to_claim=claim.pk))
    if links.exists():
        return str(CURATED_TOGETHER)
    return None


def can_delete_claim(user: AnyUser, claim: Claim) -> bool:
    if not (user.is_active and user.is_staff and user.has_perm("claims.delete_claim")):
        return False
    return is_reviewer(user) or _owns_editable(user, claim)


def can_submit_claim(user: AnyUser, claim: Claim) -> bool:
    """The annotator submits her own draft or rejected claim; an admin may submit anyone's."""
    if claim.status not in ANNOTATOR_EDITABLE or not user.is_staff:
        return False
    return user.is_superuser or (
        claim.annotator_id == user.pk and user.has_perm("claims.change_claim")
    )


def can_review_claim(user: AnyUser, claim: Claim) -> bool:
    """Accept or reject: reviewers and admins, and only a submitted claim."""
    return claim.status == ReviewStatus.SUBMITTED and user.is_staff and is_reviewer(user)


def can_restore_claim(user: AnyUser, annotator_id: int, deleted_by_id: int | None) -> bool:
    """Bring back a deleted claim: reviewers any; an annotator only her own claim that she
    deleted herself, so no one undoes a reviewer's (or another annotator's) deletion."""
    if not (user.is_active and user.is_staff and user.has_perm("claims.add_claim")):
        return False
    return is_reviewer(user) or (annotator_id == user.pk and deleted_by_id == user.pk)


def allowed_actions(
    user: AnyUser, claim: Claim, *, curates_open: bool | None = None
) -> dict[str, bool]:
    """What the workbench may offer for `claim`; the server checks again on each request.
    `curates_open` as for can_change_claim."""
    return {
        "change": can_change_claim(user, claim, curates_open=curates_open),
        "delete": can_delete_claim(user, claim),
        "submit": can_submit_claim(user, claim),
        "review": can_review_claim(user, claim),
    }


def can_curate(user: AnyUser, project: Project) -> bool:
    """See a project's agreement and curate it into gold: its curators and managers,
    reviewers and admins. An annotator never does, so that in an independent project
    no figure tells her about the others' claims before curation."""
    if not (user.is_active and user.is_staff):
        return False
    if is_reviewer(user):
        return True
    return Membership.objects.filter(
        project=project, user_id=user.pk, role__in=[ProjectRole.CURATOR, ProjectRole.MANAGER]
    ).exists()


def curated_project(user: AnyUser, project_id: int) -> Project:
    """The project `user` may curate (can_curate). Any other is refused (403), but one
    she is no member of does not exist for her (404), as in the list of projects."""
    project = Project.objects.filter(pk=project_id).first()
    if project is not None and can_curate(user, project):
        return project
    # The same bare 404 for both: get_object_or_404's message would tell them apart.
    if not Project.objects.visible_to(user).filter(pk=project_id).exists():
        raise Http404
    raise PermissionDenied(
        _("Only the project's curators and managers, reviewers and admins may do this.")
    )
