from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.db.models.fields.related import RelatedField
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from annotations.importing import RECORD_SUFFIXES, TEXT_SUFFIXES, import_bytes
from annotations.models import Document, Language, LineBreaks, document_texts
from history.admin import HistoryAdminMixin

if TYPE_CHECKING:  # a name that exists only in the stubs
    from django.contrib.admin.options import _FieldsetSpec

# One uploaded file is read whole; a policy text is well under this.
MAX_IMPORT_FILE_BYTES = 20 * 1024 * 1024


class ChangeListWithoutTexts(ChangeList):
    """A changelist whose rows leave the columns in its admin's `list_defer` unread."""

    def get_queryset(
        self, request: HttpRequest, exclude_parameters: list[str | None] | None = None
    ) -> QuerySet[Any]:
        queryset = super().get_queryset(request, exclude_parameters)
        return queryset.defer(*cast(ListWithoutTexts, self.model_admin).list_defer)


class ListWithoutTexts:
    """For a ModelAdmin whose changelist shows no document text.

    `list_defer` names the text columns its rows would read: the model's own or a
    related document's, joined by list_select_related (annotations.models.document_texts).
    Only the list: the change form of a document needs its text.
    """

    list_defer: Sequence[str] = ()

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return ChangeListWithoutTexts


class DocumentListFilter(admin.RelatedFieldListFilter):
    """Filter by document, listing titles without reading every document's text."""

    def field_choices(
        self,
        field: "RelatedField[Any, Any]",
        request: HttpRequest,
        model_admin: "admin.ModelAdmin[Any]",
    ) -> list[tuple[str, Any]]:
        documents = Document.objects.defer(*document_texts())
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            documents = documents.order_by(*ordering)
        return [(str(document.pk), str(document)) for document in documents]


def line_breaks_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Line breaks"),
        choices=[
            ("", _("Detect from the line shape")),
            ("1", _("PDF extraction: reflow")),
            ("0", _("Keep every line break")),
        ],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )


class RawTextFormMixin(forms.ModelForm[Document]):
    """The raw text as typed, and the canonical text derived from it exactly as on import.

    Never stripped: leading and trailing whitespace is part of the text, and
    claim offsets count it. The canonical text is never a form field.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        raw_text = self.fields.get("raw_text")
        if isinstance(raw_text, forms.CharField):
            raw_text.strip = False

    def derive_text(self, raw_text: str, pdf: bool | None) -> None:
        """Set the instance's text and line breaks from `raw_text`; refuse a stored text."""
        derived = Document.from_raw(raw_text, pdf=pdf)
        self.instance.text, self.instance.line_breaks = derived.text, derived.line_breaks
        if not derived.text.strip():
            self.add_error("raw_text", _("The text is empty."))
            return
        duplicate = Document.objects.by_text(derived.text).exclude(pk=self.instance.pk).first()
        if duplicate:
            self.add_error(
                "raw_text",
                _("This text is already stored as document #%(id)s “%(title)s”.")
                % {"id": duplicate.pk, "title": duplicate.title},
            )

    def _post_clean(self) -> None:
        # After a field error the instance's text may still be blank, and the
        # model's "text is empty" would name `text`, a field this form lacks:
        # Django raised ValueError, a 500. The form's own errors say enough.
        if not self.errors:
            super()._post_clean()  # type: ignore[misc]  # Django's, not in the stubs


class DocumentAddForm(RawTextFormMixin):
    pdf = line_breaks_field()

    class Meta:
        model = Document
        fields = ["title", "outlet", "authors", "published_on", "url", "language", "raw_text"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("raw_text"):
            self.derive_text(cleaned["raw_text"], cleaned.get("pdf"))
        return cleaned


class DocumentChangeForm(RawTextFormMixin):
    """Metadata; and the raw text of a document no claim is anchored in yet.

    Browsers send a textarea's line breaks as CRLF: a text stored without CR
    gets its LFs back, so an untouched text is unchanged, not rewritten.
    """

    class Meta:
        model = Document
        fields = ["title", "outlet", "authors", "published_on", "url", "language"]

    def clean_raw_text(self) -> str:
        raw_text: str = self.cleaned_data["raw_text"]
        if "\r" not in self.instance.raw_text:
            raw_text = raw_text.replace("\r\n", "\n")
        return raw_text

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        raw_text = cleaned.get("raw_text")
        if raw_text and raw_text != self.instance.raw_text:
            self.derive_text(raw_text, self.instance.line_breaks == LineBreaks.REFLOWED)
        return cleaned


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        # No file at all is cleaned as one missing file, so `required` holds.
        return [super(MultipleFileField, self).clean(one, initial) for one in files or [None]]


class ImportFilesForm(forms.Form):
    """Files as `manage.py import_documents` takes them; the fields fill what a file lacks."""

    # Django's form metaclass moves declared fields into base_fields, so the
    # upload dict BaseForm.files is not shadowed at run time.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Files"),
        help_text=format_lazy(
            _(
                "{texts} texts and {records} records (text, title, outlet, author, date, url, "
                "language, pdf). Each file is all or nothing; a text already stored is a duplicate."
            ),
            texts=", ".join(sorted(TEXT_SUFFIXES)),
            records=", ".join(sorted(RECORD_SUFFIXES)),
        ),
    )
    pdf = line_breaks_field()
    outlet = forms.CharField(label=_("Outlet"), required=False)
    authors = forms.CharField(label=_("Authors"), required=False)
    published_on = forms.DateField(label=_("Published on"), required=False, help_text="YYYY-MM-DD")
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Detect (simplified or traditional)")), *Language.choices],
        required=False,
    )

    def clean_files(self) -> list[UploadedFile[bytes]]:
        files: list[UploadedFile[bytes]] = self.cleaned_data["files"]
        # An upload always has a name and a size; the stubs allow None for any File.
        too_big = [str(f.name) for f in files if (f.size or 0) > MAX_IMPORT_FILE_BYTES]
        if too_big:
            raise forms.ValidationError(
                _("Over %(size)s MB: %(files)s; nothing imported.")
                % {"size": MAX_IMPORT_FILE_BYTES // 2**20, "files": ", ".join(too_big)}
            )
        return files

    def defaults(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "files" and value not in (None, "")
        }


@admin.register(Document)
class DocumentAdmin(ListWithoutTexts, HistoryAdminMixin, admin.ModelAdmin[Document]):
    list_display = ["title", "outlet", "published_on", "language", "line_breaks", "created_at"]
    list_defer = document_texts()
    list_filter = ["language", "line_breaks", "outlet"]
    search_fields = ["title", "outlet", "authors", "url"]
    date_hierarchy = "published_on"
    list_select_related = ["imported_by"]
    readonly_fields = [
        "text",
        "content_hash",
        "line_breaks",
        "source_name",
        "imported_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "outlet", "authors", "published_on", "url", "language"]}),
        (
            _("Text (the canonical text is derived from the raw text, as on import)"),
            {"fields": ["raw_text", "text", "line_breaks", "content_hash"]},
        ),
        (
            _("Provenance"),
            {"fields": ["source_name", "imported_by", "created_at", "updated_at"]},
        ),
        (_("History"), {"fields": ["change_history"]}),
    ]

    def get_urls(self) -> list[URLPattern]:
        import_view = self.admin_site.admin_view(self.import_view)
        return [
            path("import/", import_view, name="annotations_document_import"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> TemplateResponse:
        """Upload files to import, each all or nothing, with a report per file."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportFilesForm(request.POST or None, request.FILES or None)
        reports = []
        if request.method == "POST" and form.is_valid():
            defaults = {**form.defaults(), "imported_by": request.user}
            for upload in form.cleaned_data["files"]:
                report = import_bytes(upload.name, upload.read(), **defaults)
                reports.append(report)
                (messages.error if report.error else messages.success)(request, report.summary())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import documents"),
            "form": form,
            "reports": reports,
        }
        return TemplateResponse(request, "admin/annotations/document/import.html", context)

    def get_form(
        self, request: HttpRequest, obj: Document | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Document]]:
        kwargs["form"] = DocumentAddForm if obj is None else DocumentChangeForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Document | None = None) -> "_FieldsetSpec":
        if obj is None:
            return [(None, {"fields": [*DocumentAddForm.Meta.fields, "pdf"]})]
        return self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Document | None = None) -> list[str]:
        if obj is None:
            return []
        # Claims' offsets count the text they are anchored in: it cannot change under them.
        anchored = ["raw_text"] if obj.anchored_span_count() else []
        return [*super().get_readonly_fields(request, obj), *anchored]

    def save_model(
        self, request: HttpRequest, obj: Document, form: forms.ModelForm[Document], change: bool
    ) -> None:
        if not change and isinstance(request.user, User):  # the admin has no anonymous users
            obj.imported_by = request.user
        super().save_model(request, obj, form, change)
