"""Projects over the REST API: /api/v1/projects/ and its actions.

Deny by default: a project exists only for its members (and admins); everyone
signed in sees the default project. Its managers (and admins) change it, its
members, guidelines, documents and assignments; an annotator reads her queue
and finishes her documents; progress shows each person only what her role may
see (projects.models.Project.progress).
"""

from typing import Any

from django.contrib.auth.models import User
from django.core.validators import ProhibitNullCharactersValidator
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.models import Document
from config.api import ApiViewMixin, StrictFieldsMixin
from history.api import HistoryMixin
from projects.models import (
    Assignment,
    AssignmentState,
    Guidelines,
    Membership,
    Project,
    ProjectDocument,
    ProjectRole,
)


class UsernameField(serializers.SlugRelatedField[User]):
    """A user by her username. One with a NUL character is refused by name before the
    lookup: PostgreSQL cannot compare text holding one, and its refusal was a 500."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="username", **kwargs)

    def to_internal_value(self, data: Any) -> User:
        if isinstance(data, str) and "\x00" in data:
            raise serializers.ValidationError(ProhibitNullCharactersValidator.message)
        return super().to_internal_value(data)


class ProjectSerializer(StrictFieldsMixin, serializers.ModelSerializer[Project]):
    my_role = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "description",
            "is_default",
            "annotators_per_document",
            "independent",
            "created_at",
            "my_role",
        ]
        read_only_fields = ["is_default", "created_at"]
        extra_kwargs = {"annotators_per_document": {"min_value": 1}}

    def get_my_role(self, project: Project) -> str | None:
        """The requesting user's project role (annotator, curator, manager), or null."""
        roles: dict[int, str] = self.context.get("roles", {})
        return roles.get(project.pk)


class MemberSerializer(StrictFieldsMixin, serializers.ModelSerializer[Membership]):
    user = UsernameField(queryset=User.objects.filter(is_active=True))

    class Meta:
        model = Membership
        fields = ["user", "role"]


class GuidelinesSerializer(StrictFieldsMixin, serializers.ModelSerializer[Guidelines]):
    created_by = serializers.SlugRelatedField[User](read_only=True, slug_field="username")

    class Meta:
        model = Guidelines
        fields = ["version", "text", "created_by", "created_at"]
        read_only_fields = ["version", "created_at"]


class ProjectDocumentSerializer(serializers.ModelSerializer[ProjectDocument]):
    title = serializers.CharField(source="document.title", read_only=True)

    class Meta:
        model = ProjectDocument
        fields = ["document", "title", "curation_state", "curated_at"]


class AddDocumentsSerializer(StrictFieldsMixin):
    documents = serializers.PrimaryKeyRelatedField[Document](
        queryset=Document.objects.defer("text", "raw_text"), many=True, allow_empty=False
    )


class AssignmentSerializer(StrictFieldsMixin, serializers.ModelSerializer[Assignment]):
    annotator = UsernameField(queryset=User.objects.filter(is_active=True))
    assigned_by = serializers.SlugRelatedField[User](
        read_only=True, slug_field="username", allow_null=True
    )
    title = serializers.CharField(source="document.title", read_only=True)
    workbench = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "document",
            "title",
            "annotator",
            "state",
            "assigned_by",
            "assigned_at",
            "finished_at",
            "workbench",
        ]
        read_only_fields = ["state", "assigned_at", "finished_at"]
        validators: list[Any] = []  # checked in validate(), with the field named

    def get_workbench(self, assignment: Assignment) -> str:
        """The workbench page for the document in this project."""
        page = reverse("admin:claims_claim_workbench", args=[assignment.document_id])
        return f"{page}?project={assignment.project_id}"

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        project: Project = self.context["project"]
        if not project.entries.filter(document=attrs["document"]).exists():
            raise serializers.ValidationError(
                {"document": _("Document %s is not in this project.") % attrs["document"].pk}
            )
        annotator = attrs["annotator"]
        if project.role_of(annotator) != ProjectRole.ANNOTATOR:
            raise serializers.ValidationError(
                {"annotator": _("%s is not an annotator of this project.") % annotator}
            )
        if project.assignments.filter(document=attrs["document"], annotator=annotator).exists():
            raise serializers.ValidationError(
                {"annotator": _("%s already has this document.") % annotator}
            )
        return attrs


class AutoAssignSerializer(StrictFieldsMixin):
    seed = serializers.IntegerField(
        required=False,
        default=0,
        min_value=0,
        max_value=2**31 - 1,
        help_text="The same seed gives the same assignment",
    )


class FinishSerializer(StrictFieldsMixin):
    document = serializers.IntegerField(min_value=1)


def signed_in(request: Request) -> User:
    """The request's user, who passed ProjectPermission (IsAuthenticated)."""
    if not isinstance(request.user, User):
        raise exceptions.NotAuthenticated()
    return request.user


class ProjectPermission(permissions.IsAuthenticated):
    """A login with a role. Reading: whoever sees the project (get_queryset). Creating:
    admins and those with projects.add_project (reviewers). Changing: its managers and
    admins. The actions that are anyone's own (queue, finish, progress) check the user
    themselves."""

    OWN_ACTIONS = ("queue", "finish", "progress")

    def has_permission(self, request: Request, view: APIView) -> bool:
        # A login without a role gets 403 here as everywhere (claims/roles.py).
        if not super().has_permission(request, view):
            return False
        if not request.user.has_perm("claims.view_claim"):
            return False
        if getattr(view, "action", None) == "create":
            return bool(request.user.has_perm("projects.add_project"))
        return True

    def has_object_permission(self, request: Request, view: APIView, project: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if getattr(view, "action", None) in self.OWN_ACTIONS:
            return True
        return bool(project.managed_by(request.user))


class ProjectViewSet(HistoryMixin, ApiViewMixin, viewsets.ModelViewSet[Project]):
    """Projects: their settings, members, guidelines, documents, assignments and progress."""

    serializer_class = ProjectSerializer
    permission_classes = [ProjectPermission]
    filterset_fields = ["is_default", "independent"]

    def get_queryset(self) -> QuerySet[Project]:
        return Project.objects.visible_to(self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        roles = dict(
            Membership.objects.filter(user=self.request.user.pk).values_list("project_id", "role")
        )
        return {**super().get_serializer_context(), "roles": roles}

    def perform_create(self, serializer: serializers.BaseSerializer[Project]) -> None:
        # Whoever makes a project manages it.
        with transaction.atomic():
            project = serializer.save()
            Membership.objects.create(
                project=project, user=signed_in(self.request), role=ProjectRole.MANAGER
            )
        serializer.context["roles"][project.pk] = ProjectRole.MANAGER

    def perform_update(self, serializer: serializers.BaseSerializer[Project]) -> None:
        with transaction.atomic():
            serializer.save()

    def perform_destroy(self, project: Project) -> None:
        if project.is_default:
            raise exceptions.ValidationError({"detail": _("The default project stays.")})
        if project.claims.exists():
            raise exceptions.ValidationError(
                {"detail": _("The project has claims: it is kept with them.")}
            )
        with transaction.atomic():
            project.delete()

    # -- members -----------------------------------------------------------------------

    @extend_schema(request=MemberSerializer, responses=MemberSerializer(many=True))
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def members(self, request: Request, pk: str | None = None) -> Response:
        """List the members; POST {user, role} adds one or changes her role (managers)."""
        project = self.get_object()
        if request.method == "POST":
            if project.is_default:
                raise exceptions.ValidationError(
                    {"user": _("The default project has no members: it uses the global roles.")}
                )
            given = MemberSerializer(data=request.data)
            given.is_valid(raise_exception=True)
            with transaction.atomic():
                Membership.objects.update_or_create(
                    project=project,
                    user=given.validated_data["user"],
                    defaults={"role": given.validated_data["role"]},
                )
        members = project.memberships.select_related("user").order_by("user__username")
        return Response(MemberSerializer(members, many=True).data)

    @extend_schema(request=None, responses={204: None})
    @members.mapping.delete
    def remove_member(self, request: Request, pk: str | None = None) -> Response:
        """DELETE ?user=<username>: she leaves the project, if she has no assignment in it."""
        project = self.get_object()
        username = request.query_params.get("user", "")
        membership = project.memberships.filter(user__username=username).first()
        if membership is None:
            raise exceptions.ValidationError(
                {"user": _("%s is not a member of this project.") % username}
            )
        if project.assignments.filter(annotator=membership.user_id).exists():
            return Response(
                {"user": [_("%s has assignments in this project.") % username]},
                status=status.HTTP_409_CONFLICT,
            )
        with transaction.atomic():
            membership.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    # -- guidelines --------------------------------------------------------------------

    @extend_schema(request=GuidelinesSerializer, responses=GuidelinesSerializer(many=True))
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def guidelines(self, request: Request, pk: str | None = None) -> Response:
        """Every version, newest first; POST {text} adds the next version (managers). A
        version is never changed: a claim records the one it was made under."""
        project = self.get_object()
        if request.method == "POST":
            given = GuidelinesSerializer(data=request.data)
            given.is_valid(raise_exception=True)
            added = project.add_guidelines(given.validated_data["text"], by=signed_in(request))
            return Response(GuidelinesSerializer(added).data, status=status.HTTP_201_CREATED)
        versions = project.guidelines.select_related("created_by").order_by("-version")
        return Response(GuidelinesSerializer(versions, many=True).data)

    # -- documents ---------------------------------------------------------------------

    @extend_schema(request=AddDocumentsSerializer, responses=ProjectDocumentSerializer(many=True))
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def documents(self, request: Request, pk: str | None = None) -> Response:
        """The project's documents with their curation state; POST {documents: [ids]}
        adds documents (managers; those already in it stay as they are)."""
        project = self.get_object()
        if request.method == "POST":
            given = AddDocumentsSerializer(data=request.data)
            given.is_valid(raise_exception=True)
            with transaction.atomic():
                ProjectDocument.objects.bulk_create(
                    [
                        ProjectDocument(project=project, document=document)
                        for document in given.validated_data["documents"]
                    ],
                    ignore_conflicts=True,
                )
        entries = project.entries.select_related("document").defer(
            "document__text", "document__raw_text"
        )
        return Response(ProjectDocumentSerializer(entries.order_by("document_id"), many=True).data)

    # -- assignments -------------------------------------------------------------------

    def assignments_of(self, project: Project) -> QuerySet[Assignment]:
        return project.assignments.select_related("annotator", "assigned_by", "document").defer(
            "document__text", "document__raw_text"
        )

    @extend_schema(request=AssignmentSerializer, responses=AssignmentSerializer(many=True))
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def assignments(self, request: Request, pk: str | None = None) -> Response:
        """Who has which document (managers and curators see all, anyone else her own);
        POST {document, annotator} assigns one by hand (managers)."""
        project = self.get_object()
        if request.method == "POST":
            context = {**self.get_serializer_context(), "project": project}
            given = AssignmentSerializer(data=request.data, context=context)
            given.is_valid(raise_exception=True)
            with transaction.atomic():
                made = given.save(project=project, assigned_by=request.user)
            return Response(AssignmentSerializer(made).data, status=status.HTTP_201_CREATED)
        assignments = self.assignments_of(project)
        if not project.oversees(request.user):
            assignments = assignments.filter(annotator=request.user.pk)
        rows = assignments.order_by("document_id", "annotator__username")
        return Response(AssignmentSerializer(rows, many=True).data)

    @extend_schema(request=AutoAssignSerializer, responses={201: AssignmentSerializer(many=True)})
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        """Assign every document to annotators_per_document annotators, balanced by load
        and reproducible by `seed` (Project.assign_automatically); returns what was added."""
        project = self.get_object()
        given = AutoAssignSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        count = project.annotators().count()
        if count < project.annotators_per_document:
            raise exceptions.ValidationError(
                {
                    "annotators_per_document": _(
                        "The project asks for %(k)d annotators per document but has %(n)d."
                    )
                    % {"k": project.annotators_per_document, "n": count}
                }
            )
        made = project.assign_automatically(
            seed=given.validated_data["seed"], by=signed_in(request)
        )
        rows = self.assignments_of(project).filter(pk__in=[a.pk for a in made])
        data = AssignmentSerializer(rows.order_by("document_id", "annotator__username"), many=True)
        return Response(data.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses=inline_serializer(
            "Queue",
            {
                "next": AssignmentSerializer(allow_null=True),
                "assignments": AssignmentSerializer(many=True),
            },
        )
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def queue(self, request: Request, pk: str | None = None) -> Response:
        """Her assignments (assigned, in progress, finished) and the next one to open:
        the first in progress, else the first assigned."""
        project = self.get_object()
        mine = list(
            self.assignments_of(project).filter(annotator=request.user.pk).order_by("document_id")
        )
        order: dict[str, int] = {AssignmentState.IN_PROGRESS: 0, AssignmentState.ASSIGNED: 1}
        open_ones = sorted(
            (a for a in mine if a.state in order), key=lambda a: (order[a.state], a.document_id)
        )
        return Response(
            {
                "next": AssignmentSerializer(open_ones[0]).data if open_ones else None,
                "assignments": AssignmentSerializer(mine, many=True).data,
            }
        )

    @extend_schema(request=FinishSerializer, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def finish(self, request: Request, pk: str | None = None) -> Response:
        """POST {document}: she has finished her assignment of the document."""
        project = self.get_object()
        given = FinishSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        document_id = given.validated_data["document"]
        with transaction.atomic():
            assignment = (
                project.assignments.select_for_update()
                .filter(document=document_id, annotator=request.user.pk)
                .first()
            )
            if assignment is None:
                raise exceptions.ValidationError(
                    {"document": _("Document %s is not assigned to you here.") % document_id}
                )
            assignment.finish()
        return Response(
            AssignmentSerializer(self.assignments_of(project).get(pk=assignment.pk)).data
        )

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def progress(self, request: Request, pk: str | None = None) -> Response:
        """Assignments by state per document and per annotator; an annotator sees only
        her own."""
        return Response(self.get_object().progress(request.user))
