from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from annotations.importing import RECORD_SUFFIXES, TEXT_SUFFIXES, import_bytes
from annotations.models import Document, Language

if TYPE_CHECKING:  # a name that exists only in the stubs
    from django.contrib.admin.options import _FieldsetSpec

# One uploaded file is read whole; a policy text is well under this.
MAX_IMPORT_FILE_BYTES = 20 * 1024 * 1024


def line_breaks_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label="Line breaks",
        choices=[
            ("", "Detect from the line shape"),
            ("1", "PDF extraction: reflow"),
            ("0", "Keep every line break"),
        ],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )


class DocumentAddForm(forms.ModelForm[Document]):
    pdf = line_breaks_field()

    class Meta:
        model = Document
        fields = ["title", "outlet", "authors", "published_on", "url", "language", "raw_text"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The text exactly as pasted, as the import keeps it: a stripped copy
        # had another canonical text, so the duplicate check missed it.
        raw_text = self.fields["raw_text"]
        if isinstance(raw_text, forms.CharField):
            raw_text.strip = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.errors:  # the fields' own errors first
            return cleaned
        metadata = dict(cleaned)
        raw_text, pdf = metadata.pop("raw_text"), metadata.pop("pdf", None)
        try:
            self.instance = Document.objects.create_from_raw(
                raw_text, pdf=pdf, commit=False, **metadata
            )
        except ValidationError as error:
            for name, field_messages in error.message_dict.items():
                # The canonical text is derived from the raw text this form shows.
                self.add_error(name if name in self.fields else "raw_text", field_messages)
        return cleaned

    def _post_clean(self) -> None:
        # clean() validated the whole document through create_from_raw. After
        # an error the instance is still blank, and the model's "text is empty"
        # would name a field this form lacks: Django raised, a 500.
        if not self.errors:
            super()._post_clean()  # type: ignore[misc]  # Django's, not in the stubs


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
        help_text=f"{', '.join(sorted(TEXT_SUFFIXES))} texts and "
        f"{', '.join(sorted(RECORD_SUFFIXES))} records (text, title, outlet, author, date, url, "
        "language, pdf). Each file is all or nothing; a text already stored is a duplicate."
    )
    pdf = line_breaks_field()
    outlet = forms.CharField(required=False)
    authors = forms.CharField(required=False)
    published_on = forms.DateField(required=False, help_text="YYYY-MM-DD")
    language = forms.ChoiceField(
        choices=[("", "Detect (simplified or traditional)"), *Language.choices], required=False
    )

    def clean_files(self) -> list[UploadedFile[bytes]]:
        files: list[UploadedFile[bytes]] = self.cleaned_data["files"]
        # An upload always has a name and a size; the stubs allow None for any File.
        too_big = [str(f.name) for f in files if (f.size or 0) > MAX_IMPORT_FILE_BYTES]
        if too_big:
            raise forms.ValidationError(
                f"Over {MAX_IMPORT_FILE_BYTES // 2**20} MB: {', '.join(too_big)}; nothing imported."
            )
        return files

    def defaults(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "files" and value not in (None, "")
        }


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin[Document]):
    list_display = ["title", "outlet", "published_on", "language", "line_breaks", "created_at"]
    list_filter = ["language", "line_breaks", "outlet"]
    search_fields = ["title", "outlet", "authors", "url"]
    date_hierarchy = "published_on"
    list_select_related = ["imported_by"]
    readonly_fields = [
        "raw_text",
        "content_hash",
        "line_breaks",
        "source_name",
        "imported_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "outlet", "authors", "published_on", "url", "language"]}),
        ("Text", {"fields": ["text", "line_breaks", "raw_text", "content_hash"]}),
        ("Provenance", {"fields": ["source_name", "imported_by", "created_at", "updated_at"]}),
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
            "title": "Import documents",
            "form": form,
            "reports": reports,
        }
        return TemplateResponse(request, "admin/annotations/document/import.html", context)

    def get_form(
        self, request: HttpRequest, obj: Document | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Document]]:
        if obj is None:
            kwargs["form"] = DocumentAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Document | None = None) -> "_FieldsetSpec":
        if obj is None:
            return [(None, {"fields": [*DocumentAddForm.Meta.fields, "pdf"]})]
        return self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Document | None = None) -> list[str]:
        return [] if obj is None else list(self.readonly_fields)

    def save_model(
        self, request: HttpRequest, obj: Document, form: forms.ModelForm[Document], change: bool
    ) -> None:
        if not change and isinstance(request.user, User):  # the admin has no anonymous users
            obj.imported_by = request.user
        super().save_model(request, obj, form, change)
