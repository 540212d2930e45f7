"""Projects in the admin: settings, members, guidelines versions, documents,
assignments; each annotator's queue and each project's progress.

The same rules as the API (projects/api.py): a project is listed only to its
members and admins, changed by its managers and admins.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config.admin import AutocompleteOfIds, DatabaseRulesShown
from projects.markdown import guidelines_html
from projects.models import (
    Assignment,
    AssignmentState,
    CurationState,
    Guidelines,
    Membership,
    Project,
    ProjectDocument,
    ProjectRole,
)


class MembershipInline(AutocompleteOfIds, admin.TabularInline[Membership, Project]):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class GuidelinesInline(admin.StackedInline[Guidelines, Project]):
    """Versions are added, never changed: a claim records the one it was made under.
    A manager adds the next version (ProjectAdmin.save_formset numbers it)."""

    model = Guidelines
    extra = 0
    fields = ["version", "text", "shown_as", "created_by", "created_at"]
    readonly_fields = ["version", "shown_as", "created_by", "created_at"]
    can_delete = False

    @admin.display(description=_("as members read it"))
    def shown_as(self, guidelines: Guidelines) -> str:
        return guidelines_html(guidelines.text) if guidelines.pk else ""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return isinstance(obj, Project) and obj.managed_by(request.user)


class ProjectDocumentInline(AutocompleteOfIds, admin.TabularInline[ProjectDocument, Project]):
    model = ProjectDocument
    extra = 0
    autocomplete_fields = ["document"]
    readonly_fields = ["curation_state", "curated_by", "curated_at"]


class ManagedByMixin:
    """Listed to members and admins; changed by the project's managers and admins."""

    def project_of(self, obj: Any) -> Project | None:
        return obj if isinstance(obj, Project) else getattr(obj, "project", None)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        project = self.project_of(obj)
        if project is None:
            return bool(request.user.is_superuser)
        return project.managed_by(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser) and not getattr(
            self.project_of(obj), "is_default", False
        )


@admin.register(Project)
class ProjectAdmin(DatabaseRulesShown, ManagedByMixin, admin.ModelAdmin[Project]):
    list_display = [
        "name",
        "annotators_per_document",
        "independent",
        "is_default",
        "created_at",
        "progress_link",
    ]
    search_fields = ["name"]

    @admin.display(description=_("progress"))
    def progress_link(self, project: Project) -> str:
        url = reverse("admin:projects_project_progress", args=[project.pk])
        return format_html('<a href="{}">{}</a>', url, _("progress"))

    inlines = [MembershipInline, GuidelinesInline, ProjectDocumentInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Project]:
        return Project.objects.visible_to(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("projects.add_project"))

    def save_model(self, request: HttpRequest, obj: Project, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change and isinstance(request.user, User) and not request.user.is_superuser:
            # Whoever makes a project manages it.
            Membership.objects.get_or_create(
                project=obj, user=request.user, role=ProjectRole.MANAGER
            )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is Guidelines and isinstance(request.user, User):
            for version in formset.save(commit=False):
                form.instance.add_guidelines(version.text, by=request.user)
            return
        super().save_formset(request, form, formset, change)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("queue/", view(self.queue_view), name="projects_project_queue"),
            path(
                "<int:project_id>/progress/",
                view(self.progress_view),
                name="projects_project_progress",
            ),
            *super().get_urls(),
        ]

    def queue_view(self, request: HttpRequest) -> TemplateResponse:
        """Her assignments in every project, the next one first, one click to open it."""
        order = {
            AssignmentState.IN_PROGRESS: 0,
            AssignmentState.ASSIGNED: 1,
            AssignmentState.FINISHED: 2,
        }
        mine = sorted(
            Assignment.objects.filter(annotator=request.user.pk)
            .select_related("project", "document")
            .defer("document__text", "document__raw_text"),
            key=lambda a: (order[AssignmentState(a.state)], a.project.name, a.document_id),
        )
        for assignment in mine:
            page = reverse("admin:claims_claim_workbench", args=[assignment.document_id])
            assignment.workbench = f"{page}?project={assignment.project_id}"  # type: ignore[attr-defined]
        upcoming = [a for a in mine if a.state != AssignmentState.FINISHED]
        context = {
            **self.admin_site.each_context(request),
            "title": _("My assignments"),
            "opts": self.opts,
            "assignments": mine,
            "next": upcoming[0] if upcoming else None,
        }
        return TemplateResponse(request, "projects/queue.html", context)

    def progress_view(self, request: HttpRequest, project_id: int) -> TemplateResponse:
        """Assignments by state per document and per annotator (Project.progress)."""
        project = get_object_or_404(Project.objects.visible_to(request.user), pk=project_id)
        if not request.user.is_staff:
            raise PermissionDenied
        progress = project.progress(request.user)
        for row in progress["documents"]:  # the API gives the values, the page their labels
            row["curation_label"] = CurationState(row["curation_state"]).label
        context = {
            **self.admin_site.each_context(request),
            "title": _("Progress: %s") % project.name,
            "opts": self.opts,
            "project": project,
            "states": AssignmentState.choices,
            "progress": progress,
        }
        return TemplateResponse(request, "projects/progress.html", context)


@admin.register(Assignment)
class AssignmentAdmin(AutocompleteOfIds, ManagedByMixin, admin.ModelAdmin[Assignment]):
    list_display = ["document", "annotator", "project", "state", "assigned_at", "finished_at"]
    list_filter = ["state"]
    list_select_related = ["document", "annotator", "project"]
    autocomplete_fields = ["document", "annotator"]
    readonly_fields = ["state", "assigned_by", "assigned_at", "finished_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assignment]:
        # Managers and curators see their projects' assignments, anyone else her own.
        user = request.user
        assignments = super().get_queryset(request).defer("document__text", "document__raw_text")
        if user.is_superuser:
            return assignments
        return assignments.filter(
            Q(annotator=user.pk)
            | Q(
                project__memberships__user=user.pk,
                project__memberships__role__in=["manager", "curator"],
            )
        ).distinct()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def save_model(self, request: HttpRequest, obj: Assignment, form: Any, change: bool) -> None:
        if not change:
            obj.assigned_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
