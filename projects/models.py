"""Who annotates what, under which guidelines: projects, members, assignments.

A project groups documents and people. Its members have a project role; its
guidelines are versioned and never rewritten; its documents are assigned to
annotators, who finish them, after which a curator may curate each document
into gold claims (claims.Claim.gold). Every document is in the default project,
which keeps the single-annotator workflow of a fresh install: a database trigger
(migration 0001) adds each new document to it.

Dependencies point one way: claims → projects → annotations.
"""

import random
from collections import Counter
from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any

import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import models, transaction
from django.db.models import Exists, Func, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from annotations.models import Document, choices_constraint, document_texts
from history.tracking import tracked

DEFAULT_PROJECT_NAME = "Default project"
# The default project's id, made on first use: a SQL function (migration 0001), so that
# the database itself files a document or a claim that names no project under it, even
# after a test run has emptied every table.
DEFAULT_PROJECT_ID = Func(function="projects_default_id", output_field=models.BigIntegerField())


class ProjectRole(models.TextChoices):
    ANNOTATOR = "annotator", _("annotator")
    CURATOR = "curator", _("curator")
    MANAGER = "manager", _("manager")


class CurationState(models.TextChoices):
    OPEN = "open", _("open")  # annotators at work
    CURATING = "curating", _("curating")  # a curator has started
    CURATED = "curated", _("curated")  # gold is final; annotators may see each other's claims


class AssignmentState(models.TextChoices):
    ASSIGNED = "assigned", _("assigned")
    IN_PROGRESS = "in_progress", _("in progress")
    FINISHED = "finished", _("finished")


class ProjectQuerySet(models.QuerySet["Project"]):
    def default(self) -> "Project":
        return self.get(pk=DEFAULT_PROJECT_ID)

    def visible_to(self, user: User | AnonymousUser) -> "ProjectQuerySet":
        """Deny by default: a member sees her projects, everyone signed in the default
        project (today's global roles), admins all."""
        if not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        member = Membership.objects.filter(project=OuterRef("pk"), user=user.pk)
        return self.filter(Q(is_default=True) | Q(Exists(member)))

    def holding(self, document: Document | int) -> "ProjectQuerySet":
        """The projects that hold `document`."""
        return self.filter(entries__document=document)


@tracked()
class Project(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_default = models.BooleanField(
        _("default project"),
        default=False,
        editable=False,
        help_text=_("Holds every document; the workflow of a single annotator with review"),
    )
    annotators_per_document = models.PositiveSmallIntegerField(
        _("annotators per document"), default=1
    )
    independent = models.BooleanField(
        _("independent annotation"),
        default=False,
        help_text=_("Annotators see only their own claims in a document until it is curated"),
    )
    documents = models.ManyToManyField(
        Document, through="ProjectDocument", related_name="projects", blank=True
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="projects", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Its settings and its members (history/api.py).
    history_events = ("projects.ProjectEvent", "projects.MembershipEvent")

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_project"
            ),
            models.CheckConstraint(
                condition=Q(annotators_per_document__gte=1),
                name="project_annotators_per_document_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def role_of(self, user: User | AnonymousUser) -> str | None:
        """The user's project role, or None. One query."""
        if not user.is_authenticated:
            return None
        return self.memberships.filter(user=user.pk).values_list("role", flat=True).first()

    def managed_by(self, user: User | AnonymousUser) -> bool:
        """Admins manage every project; a manager hers (the default project: admins only)."""
        if not user.is_active:
            return False
        if user.is_superuser:
            return True
        return not self.is_default and self.role_of(user) == ProjectRole.MANAGER

    def oversees(self, user: User | AnonymousUser) -> bool:
        """Sees everyone's work in the project: admins, its managers and curators."""
        if not user.is_active:
            return False
        return user.is_superuser or self.role_of(user) in (ProjectRole.MANAGER, ProjectRole.CURATOR)

    def latest_guidelines(self) -> "Guidelines | None":
        return self.guidelines.order_by("-version").first()

    def add_guidelines(self, text: str, *, by: User) -> "Guidelines":
        """A new version after the latest; the project row is locked so two writers
        never take the same number."""
        with transaction.atomic():
            Project.objects.select_for_update().filter(pk=self.pk).first()
            latest = self.latest_guidelines()
            return Guidelines.objects.create(
                project=self,
                version=(latest.version + 1) if latest else 1,
                text=text,
                created_by=by,
            )

    def annotators(self) -> models.QuerySet[User]:
        return User.objects.filter(
            memberships__project=self, memberships__role=ProjectRole.ANNOTATOR
        ).order_by("username")

    def assign_automatically(self, *, seed: int, by: User) -> list["Assignment"]:
        """Give each of the project's documents to annotators_per_document annotators.

        Documents in id order each take the annotators with the fewest assignments
        in the project so far (balanced by load), ties broken by one shuffle of the
        annotators drawn from `seed`: the same project, members and seed always give
        the same assignment. Assignments already made count and are kept; nobody gets
        a document twice (a unique constraint). The project row is locked meanwhile.
        """
        with transaction.atomic():
            Project.objects.select_for_update().filter(pk=self.pk).first()
            annotators = list(self.annotators())
            random.Random(seed).shuffle(annotators)  # noqa: S311 (a tie-break, not a secret)
            rank = {user.pk: place for place, user in enumerate(annotators)}
            load: Counter[int] = Counter()
            holders: dict[int, set[int]] = {}
            for document_id, annotator_id in self.assignments.values_list(
                "document_id", "annotator_id"
            ):
                load[annotator_id] += 1
                holders.setdefault(document_id, set()).add(annotator_id)
            made = []
            documents = self.entries.order_by("document_id").values_list("document_id", flat=True)
            for document_id in documents:
                taken = holders.get(document_id, set())
                free = [u for u in annotators if u.pk not in taken]
                free.sort(key=lambda u: (load[u.pk], rank[u.pk]))
                for user in free[: max(0, self.annotators_per_document - len(taken))]:
                    load[user.pk] += 1
                    made.append(
                        Assignment(
                            project=self, document_id=document_id, annotator=user, assigned_by=by
                        )
                    )
            return Assignment.objects.bulk_create(made)

    def progress(self, user: User | AnonymousUser) -> dict[str, Any]:
        """Assignments by state, per document and per annotator. Someone who does not
        oversee the project sees only her own numbers and documents. Three queries:
        her role, the documents, the assignments."""
        overseer = self.oversees(user)
        assignments = self.assignments.all()
        if not overseer:
            assignments = assignments.filter(annotator=user.pk)
        rows = list(
            assignments.values_list("document_id", "annotator__username", "state").order_by(
                "annotator__username", "document_id"
            )
        )
        shown = None if overseer else {document_id for document_id, _, _ in rows}
        entries = self.entries.select_related("document").defer(*document_texts("document"))
        per_document: dict[int, dict[str, Any]] = {
            entry.document_id: {
                "document": entry.document_id,
                "title": entry.document.title,
                "curation_state": entry.curation_state,
                **dict.fromkeys(AssignmentState.values, 0),
            }
            for entry in entries.order_by("document_id")
            if shown is None or entry.document_id in shown
        }
        per_annotator: dict[str, dict[str, Any]] = {}
        for document_id, username, state in rows:  # per_document rows are dict[str, Any]
            per_document[document_id][state] += 1
            person = per_annotator.setdefault(
                username, {"annotator": username, **dict.fromkeys(AssignmentState.values, 0)}
            )
            person[state] += 1
        return {
            "documents": list(per_document.values()),
            "annotators": list(per_annotator.values()),
        }


@tracked()
class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=ProjectRole.choices)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_membership_per_user"),
            choices_constraint("role", ProjectRole, "membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class Guidelines(models.Model):
    """One version of a project's annotation guidelines (Markdown). Append-only:
    a claim records the version it was made under, so a version is never rewritten."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="guidelines")
    version = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"), help_text=_("Markdown"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("guidelines version")
        verbose_name_plural = _("guidelines")
        ordering = ["project", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="one_guidelines_version"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="guidelines_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} v{self.version}"


@tracked()
class ProjectDocument(models.Model):
    """A document in a project, and where its curation stands."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="entries")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    curation_state = models.CharField(
        _("curation"), max_length=10, choices=CurationState.choices, default=CurationState.OPEN
    )
    curated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    curated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("project document")
        verbose_name_plural = _("project documents")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "document"], name="document_once_per_project"
            ),
            choices_constraint("curation_state", CurationState, "curation_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.project}: {self.document}"


@tracked()
class Assignment(models.Model):
    """A document given to one annotator in a project, and how far she is."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assignments")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    state = models.CharField(
        _("state"), max_length=12, choices=AssignmentState.choices, default=AssignmentState.ASSIGNED
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "document", "annotator"], name="one_assignment_per_annotator"
            ),
            choices_constraint("state", AssignmentState, "assignment_state_valid"),
            models.CheckConstraint(
                condition=Q(state=AssignmentState.FINISHED, finished_at__isnull=False)
                | (~Q(state=AssignmentState.FINISHED) & Q(finished_at__isnull=True)),
                name="assignment_finished_when_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.annotator} · {self.document} ({self.state})"

    @classmethod
    def start(cls, *, annotator: User, pairs: Iterable[tuple[int, int]]) -> None:
        """Her first claims in these (project id, document id) pairs start her assignments
        there (those she has): one UPDATE, for one claim or a whole bulk batch."""
        wanted = [Q(project_id=project, document_id=document) for project, document in set(pairs)]
        if not wanted:
            return
        cls.objects.filter(
            reduce(or_, wanted), annotator=annotator, state=AssignmentState.ASSIGNED
        ).update(state=AssignmentState.IN_PROGRESS)

    def finish(self) -> None:
        if self.state != AssignmentState.FINISHED:
            self.state, self.finished_at = AssignmentState.FINISHED, timezone.now()
            self.save(update_fields=["state", "finished_at"])
