"""Documents, their canonical text, and spans anchored in it.

Offsets everywhere are half-open [start, end) in Unicode code points of
`Document.text` (Python str indices), which is also what the W3C Web
Annotation TextPositionSelector means. Browsers count UTF-16 code units;
converting is the client's job, checking is ours.
"""

import datetime
import hashlib
from typing import Any

from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from annotations.canonical import canonicalise
from annotations.scripts import is_traditional
from history.tracking import tracked


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Sha256Hex(Func):
    """The database's own content_hash(), so a CHECK can hold Python to it."""

    template = "encode(sha256(convert_to(%(expressions)s, 'UTF8')), 'hex')"
    output_field = models.CharField()


def choices_constraint(
    field: str, choices: type[models.TextChoices], name: str
) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class URLField(models.URLField[str, str]):
    """A URL typed without a scheme is taken as https (Django 6's default)."""

    def formfield(self, **kwargs: Any) -> forms.Field | None:
        return super().formfield(**{"assume_scheme": "https", **kwargs})


class Language(models.TextChoices):
    ZH_HANS = "zh-Hans", _("Chinese, simplified")
    ZH_HANT = "zh-Hant", _("Chinese, traditional")
    EN = "en", _("English")
    OTHER = "und", _("Other or undetermined")


class LineBreaks(models.TextChoices):
    KEPT = "kept", _("kept as imported")
    REFLOWED = "reflowed", _("reflowed (PDF line breaks inside sentences removed)")


def document_texts(via: str = "") -> list[str]:
    """The two long columns of a document, as defer() names them from `via`.

    A list that shows documents, or rows joined to their document, shows metadata only;
    without deferring these it reads every text again for each row (a page of claims of
    one 50 KB document is 5 MB). `via` is the path from the listed model, such as
    "claim__document"; empty for documents themselves.
    """
    prefix = f"{via}__" if via else ""
    return [f"{prefix}text", f"{prefix}raw_text"]


def first_line_title(text: str) -> str:
    """The first non-empty line, without Markdown's heading marks: a text's usual title."""
    for line in text.splitlines():
        title = line.strip().lstrip("#").strip()
        if title:
            return title[:500]
    return ""


class DuplicateText(ValidationError):
    """The canonical text is already stored as `existing`: a text is never stored twice."""

    def __init__(self, existing: "Document") -> None:
        super().__init__(
            {
                "text": _(
                    "This text is already stored as document #%(id)s %(title)r; "
                    "it is not stored twice."
                )
                % {"id": existing.pk, "title": existing.title}
            },
            code="duplicate",
        )
        self.existing = existing


class DocumentQuerySet(models.QuerySet["Document"]):
    def by_text(self, text: str) -> "DocumentQuerySet":
        return self.filter(content_hash=content_hash(text))

    def by_hashes(self, hashes: list[str]) -> "DocumentQuerySet":
        """The documents whose canonical text has one of these content hashes."""
        return self.filter(content_hash__in=hashes)

    def checked_from_raw(
        self, raw_text: str, *, pdf: bool | None = None, **metadata: Any
    ) -> "Document":
        """A new, valid, unsaved document from its raw text; no query.

        The canonical text is derived (Document.from_raw); without a title the first
        line is the title, without a language the script is detected. Raises
        ValidationError naming the field. The CHECK constraints are left to the
        database, which holds them (Document.save_new names the field of a refusal):
        Django would ask it one query per constraint.
        """
        document = Document.from_raw(raw_text, pdf=pdf, **metadata)
        if not document.title:
            document.title = first_line_title(raw_text)
        if not document.language:
            traditional = is_traditional(document.text)
            document.language = Language.ZH_HANT if traditional else Language.ZH_HANS
        # The hash is derived on save; uniqueness is the duplicate check of the caller.
        # imported_by is the request's or command's user: its foreign key is the
        # database's to hold (Django would look the user up again for every document).
        document.full_clean(
            exclude=["content_hash", "imported_by"],
            validate_unique=False,
            validate_constraints=False,
        )
        document.content_hash = content_hash(document.text)
        return document

    def create_from_raw(
        self, raw_text: str, *, pdf: bool | None = None, commit: bool = True, **metadata: Any
    ) -> "Document":
        """A new document from its raw text, as the API makes it.

        checked_from_raw, then DuplicateText when the canonical text is already stored.
        Saved, the unique hash finds the duplicate (save_new; no query beforehand); with
        commit=False the valid document is returned unsaved, for a form that saves it
        later, after one query for a duplicate.
        """
        document = self.checked_from_raw(raw_text, pdf=pdf, **metadata)
        if commit:
            document.save_new()
            return document
        existing = Document.objects.by_text(document.text).first()
        if existing is not None:
            raise DuplicateText(existing)
        return document


def published_or_oldest(document: str = "") -> Coalesce:
    """A document's publication date, or the oldest date when it has none, so that
    undated documents sort as oldest. `document` is the path to it: "document__"."""
    return Coalesce(f"{document}published_on", Value(datetime.date.min))


def refused_field(error: IntegrityError) -> dict[str, str] | None:
    """The field a CHECK constraint of Document refused, as a ValidationError's dict;
    None for any other refusal."""
    diagnostics = getattr(error.__cause__, "diag", None)
    name = getattr(diagnostics, "constraint_name", None)
    for constraint in Document._meta.constraints:
        if constraint.name == name and isinstance(constraint, models.CheckConstraint):
            field = CONSTRAINT_FIELDS.get(constraint.name, "__all__")
            return {field: f"The database refused the value ({constraint.name})."}
    return None


# The texts are not copied into every event: content_hash says when the text changed.
@tracked(exclude=["raw_text", "text"])
class Document(models.Model):
    title = models.CharField(_("title"), max_length=500)
    outlet = models.CharField(
        _("outlet"), max_length=200, blank=True, help_text=_("Newspaper, site or body")
    )
    authors = models.CharField(_("authors"), max_length=500, blank=True, help_text=_("As credited"))
    published_on = models.DateField(_("published on"), null=True, blank=True)
    url = URLField(max_length=2000, blank=True, verbose_name=_("URL"))
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    raw_text = models.TextField(_("raw text"), help_text=_("The text exactly as imported."))
    text = models.TextField(
        _("text"),
        help_text=_(
            "Canonical text. Claim offsets count its code points; "
            "it cannot change once a claim is anchored in it."
        ),
    )
    line_breaks = models.CharField(
        _("line breaks"), max_length=10, choices=LineBreaks.choices, default=LineBreaks.KEPT
    )
    content_hash = models.CharField(
        _("content hash"),
        max_length=64,
        unique=True,
        editable=False,
        help_text=_("SHA-256 of the canonical text"),
    )
    source_name = models.CharField(
        _("source name"),
        max_length=300,
        blank=True,
        help_text=_("File or record it was imported from"),
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = DocumentQuerySet.as_manager()
    # Its metadata. Not the suggestions dismissed in it (claims.SuggestionDismissal): each
    # belongs to a project, and in one of independent annotation to its annotator's own
    # layer, which the document's other readers may not see; their events are kept all
    # the same.
    history_events = ("annotations.DocumentEvent",)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-published_on", "id"]
        constraints = [
            choices_constraint("language", Language, "document_language_valid"),
            choices_constraint("line_breaks", LineBreaks, "document_line_breaks_valid"),
            models.CheckConstraint(
                condition=Q(content_hash=Sha256Hex(F("text"))), name="document_hash_matches_text"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="document_text_not_empty"),
            models.CheckConstraint(condition=~Q(title=""), name="document_title_not_empty"),
        ]
        indexes = [
            models.Index(fields=["outlet", "published_on"]),
            # Claim lists ordered by date read documents in this order and stop at the
            # page's end, instead of sorting every matching claim (bench/README.md).
            models.Index(published_or_oldest(), name="document_published_sort"),
            # No index on the text: no query could use one (migration 0009 says why), and
            # a trigram index made storing a document ten times dearer (bench/README.md).
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.content_hash = content_hash(self.text)
        super().save(*args, **kwargs)

    def save_new(self) -> None:
        """Insert it; DuplicateText if its text was stored meanwhile, ValidationError
        naming the field a CHECK constraint refused."""
        try:
            with transaction.atomic():
                self.save()
        except IntegrityError as error:
            # The text is stored already, or another writer stored it meanwhile: this
            # save waited for that one's commit on the unique hash, and can now see it.
            existing = Document.objects.by_text(self.text).first()
            if existing is not None:
                raise DuplicateText(existing) from None
            refused = refused_field(error)
            if refused is None:
                raise
            raise ValidationError(refused) from None

    @classmethod
    def from_raw(cls, raw_text: str, *, pdf: bool | None = None, **metadata: Any) -> "Document":
        """An unsaved document whose canonical text is derived from `raw_text`."""
        canonical = canonicalise(raw_text, pdf=pdf)
        line_breaks = LineBreaks.REFLOWED if canonical.reflowed else LineBreaks.KEPT
        return cls(raw_text=raw_text, text=canonical.text, line_breaks=line_breaks, **metadata)

    def anchored_span_count(self) -> int:
        """Spans of every concrete AnchoredSpan model. One query per such model."""
        return sum(
            model._default_manager.filter(document=self).count()
            for model in apps.get_models()
            if issubclass(model, AnchoredSpan)
        )

    def clean(self) -> None:
        if not self.text.strip():
            raise ValidationError({"text": _("The text is empty.")})
        if self.pk and self.text_changed() and self.anchored_span_count():
            raise ValidationError(
                {
                    "text": _(
                        "This document has claims anchored in its text, so the text cannot "
                        "change: every claim's offsets depend on it. Import the new text as a new "
                        "document instead."
                    )
                }
            )

    def text_changed(self) -> bool:
        """One query: compare with the stored text."""
        stored = Document.objects.filter(pk=self.pk).values_list("text", flat=True).first()
        return stored is not None and stored != self.text

    def context(self, start: int, end: int, width: int = 32) -> tuple[str, str]:
        """Prefix and suffix around a span, as in a W3C TextQuoteSelector."""
        return self.text[max(0, start - width) : start], self.text[end : end + width]


# The field each CHECK constraint of Document holds, to name it in a refusal.
CONSTRAINT_FIELDS = {
    "document_language_valid": "language",
    "document_line_breaks_valid": "line_breaks",
    "document_hash_matches_text": "text",
    "document_text_not_empty": "text",
    "document_title_not_empty": "title",
}


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted for review")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")


class AnchoredSpan(models.Model):
    """A passage of a document, who marked it and where its review stands.

    Concrete models (claims.Claim) add meaning. The database holds every
    invariant here too: the CHECKs below and a trigger (see the migration
    `annotations_check_anchor`) comparing `quote` with the document text.
    """

    # No index of its own: the subclass's indexes that begin with the document serve it.
    document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        related_name="%(app_label)s_%(class)ss",
        verbose_name=_("document"),
        db_index=False,
    )
    start = models.PositiveIntegerField(_("start"), help_text=_("Code-point offset, inclusive"))
    end = models.PositiveIntegerField(_("end"), help_text=_("Code-point offset, exclusive"))
    quote = models.TextField(
        _("quote"), help_text=_("Must equal the document text from start to end")
    )
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="%(app_label)s_%(class)ss",
        verbose_name=_("annotator"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewed_%(app_label)s_%(class)ss",
        verbose_name=_("reviewer"),
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        editable=False,
        help_text=_("Raised by every save; a stale save is refused"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=F("end")),
                name="%(app_label)s_%(class)s_span_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReviewStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[ReviewStatus.DRAFT, ReviewStatus.SUBMITTED])
                | (Q(reviewer__isnull=False) & Q(reviewed_at__isnull=False)),
                name="%(app_label)s_%(class)s_reviewed_has_reviewer",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReviewStatus.REJECTED) | ~Q(review_comment=""),
                name="%(app_label)s_%(class)s_rejection_has_comment",
            ),
        ]

    def clean(self) -> None:
        super().clean()
        errors = span_errors(
            self.document.text if self.document_id else None, self.start, self.end, self.quote
        )
        if errors:
            raise ValidationError(errors)


def span_errors(text: str | None, start: int | None, end: int | None, quote: str) -> dict[str, str]:
    """Field errors for a span over `text`, in words an annotator understands."""
    if text is None or start is None or end is None:
        return {}
    if start < 0:
        return {"start": _("start must be 0 or more, got %(start)s.") % {"start": start}}
    if end <= start:
        return {
            "end": _("end (%(end)s) must be greater than start (%(start)s).")
            % {"end": end, "start": start}
        }
    if end > len(text):
        return {
            "end": _("end (%(end)s) is beyond the document, which has %(length)s characters.")
            % {"end": end, "length": len(text)}
        }
    expected = text[start:end]
    if quote != expected:
        return {
            "quote": _(
                "quote does not match the document text at %(start)s–%(end)s: "
                "the text there is %(expected)r, the quote is %(quote)r."
            )
            % {"start": start, "end": end, "expected": expected, "quote": quote}
        }
    return {}
