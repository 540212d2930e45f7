"""Documents in the REST API; the ground rules are config.api.ApiViewMixin's.

Documents are created from their raw text exactly as the import command does
(Document.objects.create_from_raw): the canonical text is derived, the title and
language filled when not given, and a text already stored is refused with 409.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import (
    exceptions,
    mixins,
    serializers,
    status,
    viewsets,
)
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.models import Document, DuplicateText, Language
from config.api import ApiViewMixin, StrictFieldsMixin
from history.api import HistoryMixin


class DocumentSerializer(serializers.ModelSerializer[Document]):
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
            raise serializers.ValidationError(_("The text is empty."))
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
        document = serializer.save()  # one INSERT, in a transaction of its own (save_new)
        return Response(DocumentDetailSerializer(document).data, status=status.HTTP_201_CREATED)
