from django import forms
from django.contrib import admin

from annotations.models import Document


class DocumentAddForm(forms.ModelForm):
    pdf = forms.TypedChoiceField(
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

    class Meta:
        model = Document
        fields = ["title", "outlet", "authors", "published_on", "url", "language", "raw_text"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("raw_text"):
            derived = Document.from_raw(cleaned["raw_text"], pdf=cleaned.get("pdf"))
            self.instance.text, self.instance.line_breaks = derived.text, derived.line_breaks
            duplicate = Document.objects.by_text(derived.text).first()
            if duplicate:
                self.add_error(
                    "raw_text",
                    f"This text is already stored as document #{duplicate.pk} “{duplicate.title}”.",
                )
        return cleaned


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
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

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = DocumentAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (
                    None,
                    {
                        "fields": [
                            "title",
                            "outlet",
                            "authors",
                            "published_on",
                            "url",
                            "language",
                            "raw_text",
                            "pdf",
                        ]
                    },
                )
            ]
        return self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.imported_by = request.user
        super().save_model(request, obj, form, change)
