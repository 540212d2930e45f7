"""Who annotates what, under which guidelines: projects, members, assignments.

A project groups documents and people. Its members have a project role; its
guidelines are versioned and never rewritten; its documents are assigned to
annotators, who finish them, after which a curator may curate each document
into gold claims (claims.Claim.gold). Every document is in the default project,
which keeps the single-annotator workflow of a fresh install: a database trigger
(migration 0001) adds each new document to it.

Dependencies point one way: claims → projects → annotations.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Func, Q
from django.utils.translation import gettext_lazy as _

from annotations.models import Document, choices_constraint
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
