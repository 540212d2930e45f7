"""Documents in the REST API; the ground rules are config.api.ApiViewMixin's.

Documents are created from their raw text exactly as the import command does
(Document.objects.create_from_raw): the canonical text is derived, the title and
language filled when not given, and a text already stored is refused with 409.
"""

import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import (
    exceptions,
    mixins,
    pagination,
    parsers,
    permissions,
    serializers,
    status,
    viewsets,
)
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.importing import first_line_title
from annotations.models import Document, Language
from annotations.scripts import is_traditional
from history.api import HistoryMixin


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def exception_handler(exc, context):
    """DRF's handler, plus the errors Django and PostgreSQL raise beneath it.

    Each becomes a 4xx with a message instead of a 500.
    """
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(
            f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
        )
    elif isinstance(exc, ProtectedError):
        names = sorted({type(obj)._meta.verbose_name for obj in exc.protected_objects})
        return Response(
            {"detail": f"Not deleted: it is still used by {', '.join(names)}."},
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    elif isinstance(exc, IntegrityError):
        # Validation should have caught it first; the database is the last line.
        return Response(
            {"detail": f"The database refused the write: {str(exc).splitlines()[0]}"},
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)


class RolePermission(permissions.DjangoModelPermissions):
    """The role's model permission for every action, reading included.

    Roles are the admin's groups (claims/roles.py): annotator, reviewer,
    api_reader, and superusers. A login without a role gets 403 everywhere.
    """

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class AnonThrottle(throttling.AnonRateThrottle):
    """Reads the rate at request time, so a settings change applies at once."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class UserThrottle(throttling.UserRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class CursorPagination(pagination.CursorPagination):
    """Stable pages however the data changes: the cursor is a position, not an offset.

    The id is always the last ordering key, so ties on a date never reorder
    rows between two pages.
    """

    ordering = ("id",)
    page_size_query_param = "page_size"
    page_size = settings.API_PAGE_SIZE
    max_page_size = settings.API_MAX_PAGE_SIZE

    def get_ordering(self, request, queryset, view):
        ordering = tuple(super().get_ordering(request, queryset, view))
        if ordering[-1].lstrip("-") != "id":
            ordering += ("-id",) if ordering[0].startswith("-") else ("id",)
        return ordering


SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate_at(data: object) -> str | None:
    """Where parsed JSON holds a lone surrogate ("\\ud800" is valid JSON), or None.

    No string with one can be stored or even sent back in an error message
    (it is not a character, so it has no UTF-8), so the whole body is refused.
    The path names the field as the client wrote it: `note`, `figure.unit`,
    `relations.0.note`; a bad key is reported at its object. NUL characters
    are left to the fields, which refuse them by name.
    """
    pending: list[tuple[str, object]] = [("", data)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, dict):
            if any(SURROGATE.search(str(key)) for key in value):
                return path or "body"
            pending += [(f"{path}.{key}" if path else key, item) for key, item in value.items()]
        elif isinstance(value, list):
            pending += [(f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value)]
        elif isinstance(value, str) and SURROGATE.search(value):
            return path or "body"
    return None


class SafeJSONParser(parsers.JSONParser):
    """JSON that is safe to go on with: not nested beyond Python's recursion limit,
    and with no lone surrogate. Either is a 400, never a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                "JSON parse error - the body is nested too deeply."
            ) from None
        path = lone_surrogate_at(data)
        if path is not None:
            raise exceptions.ParseError(
                {path: ["Lone surrogates are not allowed: they are not Unicode characters."]}
            )
        return data


class ApiViewMixin:
    parser_classes = [SafeJSONParser, parsers.FormParser, parsers.MultiPartParser]
    permission_classes = [permissions.IsAuthenticated, RolePermission]
    throttle_classes = [AnonThrottle, UserThrottle]
    pagination_class = CursorPagination
    filter_backends = [filters.DjangoFilterBackend]

    def initial(self, request, *args, **kwargs):
        # Refuse before parsing: DRF's parsers read whatever length they are sent.
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise RequestTooLarge(
                f"The request body has {length} bytes; at most "
                f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE} are accepted."
            )
        super().initial(request, *args, **kwargs)


class StrictFieldsMixin:
    """Refuse fields the client may not set instead of silently dropping them.

    A forged `annotator` or `reviewer` gets a 400 naming the field.
    """

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {name: ["This field cannot be set here."] for name in unknown}
                )
        return super().to_internal_value(data)


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = [
            "id",
            "title",
            "outlet",
            "authors",
            "published_on",
            "url",
            "language",
            "line_breaks",
            "content_hash",
            "created_at",
        ]


class DocumentDetailSerializer(DocumentSerializer):
    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "text", "raw_text"]


class DocumentCreateSerializer(StrictFieldsMixin):
    """A new document from its raw text, canonicalised like the import command."""

    text = serializers.CharField(trim_whitespace=False, help_text="The raw text")
    title = serializers.CharField(
        max_length=500, required=False, help_text="Default: the first line of the text"
    )
    outlet = serializers.CharField(max_length=200, required=False, allow_blank=True)
    authors = serializers.CharField(max_length=500, required=False, allow_blank=True)
    published_on = serializers.DateField(required=False, allow_null=True)
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True)
    language = serializers.ChoiceField(
        choices=Language.choices, required=False, help_text="Default: detected from the text"
    )
    pdf = serializers.BooleanField(
        allow_null=True,
        default=None,
        help_text="Reflow PDF line breaks: true, false, or null to detect",
    )

    def validate_text(self, text: str) -> str:
        if not text.strip():
            raise serializers.ValidationError("The text is empty.")
        return text

    def create(self, validated_data: dict[str, Any]) -> Document:
        data = dict(validated_data)
        text, pdf = data.pop("text"), data.pop("pdf", None)
        user = self.context["request"].user
        try:
            return Document.objects.create_from_raw(text, pdf=pdf, imported_by=user, **data)
        except DuplicateText as duplicate:
            raise DuplicateDocument(duplicate) from None


class DuplicateDocument(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "duplicate"

    def __init__(self, duplicate: DuplicateText) -> None:
        detail: dict[str, Any] = {"text": duplicate.messages, "existing": duplicate.existing.pk}
        super().__init__(detail)


class DocumentFilter(filters.FilterSet):
    published = filters.DateFromToRangeFilter(field_name="published_on")

    class Meta:
        model = Document
        fields = ["outlet", "language", "content_hash"]


class DocumentViewSet(
    HistoryMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Document],
):
    """Documents: list and read (the detail carries the text), create from raw text.

    A document's text never changes once claims are anchored in it, so there
    is no update here; correct metadata in the admin.
    """

    queryset = Document.objects.defer("text", "raw_text")
    filterset_class = DocumentFilter

    def get_queryset(self) -> QuerySet[Document]:
        if self.action == "retrieve":
            return Document.objects.all()
        return super().get_queryset()

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Document]]:
        if self.action == "create":
            return DocumentCreateSerializer
        if self.action == "retrieve":
            return DocumentDetailSerializer
        return DocumentSerializer

    @extend_schema(responses={201: DocumentDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            document = serializer.save()
        return Response(DocumentDetailSerializer(document).data, status=status.HTTP_201_CREATED)
