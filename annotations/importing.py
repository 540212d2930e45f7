"""Turn files into documents: .txt/.md texts and JSON/JSONL records.

Each file is one transaction: either every new document in it is stored, or,
when any record is bad, none is. Texts already stored (same canonical text)
are reported as duplicates and skipped, never stored twice. Records are checked
in Python without a query, then a file's new documents are written at once
(store_new: three statements, whatever their number).
"""

import datetime
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annotations.bulk import columns, draw_ids, insert
from annotations.models import Document, refused_field

TEXT_SUFFIXES = {".txt", ".md"}
RECORD_SUFFIXES = {".json", ".jsonl"}
RECORD_FIELDS = {"text", "title", "outlet", "author", "authors", "date", "url", "language", "pdf"}


class ImportFailed(Exception):
    """A file that cannot be imported; the message names the record and field."""


@dataclass
class FileReport:
    name: str
    imported: list[Document] = field(default_factory=list)
    duplicates: list[tuple[str, Document]] = field(default_factory=list)
    error: str = ""

    def summary(self) -> str:
        if self.error:
            return _("%(file)s: FAILED, nothing saved: %(error)s") % {
                "file": self.name,
                "error": self.error,
            }
        parts = [
            _("imported #%(id)s %(title)r (%(line_breaks)s)")
            % {"id": d.pk, "title": d.title, "line_breaks": d.line_breaks}
            for d in self.imported
        ]
        parts += [
            _("%(record)s: duplicate of #%(id)s %(title)r")
            % {"record": label, "id": d.pk, "title": d.title}
            for label, d in self.duplicates
        ]
        return f"{self.name}: " + "; ".join(parts or [_("no records")])


def parse_json(content: str, where: str) -> object:
    """json.loads with its failures as ImportFailed naming `where`.

    Nesting deep enough to exhaust Python's stack is refused like any other bad JSON.
    """
    try:
        return json.loads(content)
    except json.JSONDecodeError as error:
        raise ImportFailed(
            _("%(where)s: not valid JSON at line %(line)s: %(error)s")
            % {"where": where, "line": error.lineno, "error": error.msg}
        ) from None
    except RecursionError:
        raise ImportFailed(_("%(where)s: JSON nested too deeply") % {"where": where}) from None


def read_records(suffix: str, raw: bytes) -> list[object]:
    content = raw.decode("utf-8-sig")
    if suffix in TEXT_SUFFIXES:
        return [{"text": content}]
    if suffix == ".jsonl":
        line_label = _("line %(number)s")  # translated once, not once a line
        return [
            parse_json(line, line_label % {"number": number})
            for number, line in enumerate(content.splitlines(), start=1)
            if line.strip()
        ]
    data = parse_json(content, _("the file"))
    return data if isinstance(data, list) else [data]


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def unstorable_character(value: str) -> str:
    """What PostgreSQL cannot store in text: NUL, or half of a UTF-16 surrogate pair
    (JSON's "\\ud800" escapes decode to one); empty when there is none."""
    if "\x00" in value:
        return _("a NUL character")
    if LONE_SURROGATE.search(value):
        return _("a lone surrogate (half of a UTF-16 pair), not a character")
    return ""


def document_from_record(record: object, *, defaults: Mapping[str, Any]) -> Document:
    """One record as a new, valid, unsaved document; `defaults` fill the fields it lacks.

    Raises ImportFailed naming the field. No query: store_new writes them all at once.
    """
    if not isinstance(record, dict):
        raise ImportFailed(_("a record must be a JSON object"))
    unknown = set(record) - RECORD_FIELDS
    if unknown:
        raise ImportFailed(
            _("unknown field(s) %(unknown)s; known: %(known)s")
            % {"unknown": ", ".join(sorted(unknown)), "known": ", ".join(sorted(RECORD_FIELDS))}
        )
    for name, value in record.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            problem = unstorable_character(item) if isinstance(item, str) else ""
            if problem:
                raise ImportFailed(
                    _("%(field)s: contains %(problem)s") % {"field": name, "problem": problem}
                )
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ImportFailed(_("text: missing or empty"))
    pdf = record.get("pdf", defaults.get("pdf"))
    if pdf is not None and not isinstance(pdf, bool):
        raise ImportFailed(_("pdf: must be true or false"))
    published_on = None
    if record.get("date"):
        try:
            published_on = datetime.date.fromisoformat(str(record["date"]))
        except ValueError:
            raise ImportFailed(
                _("date: %(date)r is not a date (YYYY-MM-DD)") % {"date": record["date"]}
            ) from None
    authors = record.get("authors", record.get("author", defaults.get("authors", "")))
    if isinstance(authors, list):
        authors = "、".join(str(a) for a in authors)
    try:
        return Document.objects.checked_from_raw(
            text,
            pdf=pdf,
            title=str(record.get("title") or defaults.get("title") or ""),
            outlet=str(record.get("outlet", defaults.get("outlet", ""))),
            authors=str(authors),
            published_on=published_on or defaults.get("published_on"),
            url=str(record.get("url", defaults.get("url", ""))),
            language=str(record.get("language") or defaults.get("language") or ""),
            source_name=defaults.get("source_name", ""),
            imported_by=defaults.get("imported_by"),
        )
    except ValidationError as error:
        messages = "; ".join(
            f"{name}: {' '.join(errs)}" for name, errs in error.message_dict.items()
        )
        raise ImportFailed(messages) from None


def import_file(path: Path, **defaults: Any) -> FileReport:
    """Import one file from disk, all or nothing."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        return FileReport(path.name, error=str(error))
    return import_bytes(path.name, raw, **defaults)


def import_bytes(name: str, raw: bytes, **defaults: Any) -> FileReport:
    """Import one file's content, all or nothing; its suffix says what it holds."""
    report = FileReport(name)
    suffix = Path(name).suffix.lower()
    if suffix not in TEXT_SUFFIXES | RECORD_SUFFIXES:
        report.error = _("unsupported file type %(suffix)r (use .txt, .md, .json or .jsonl)") % {
            "suffix": suffix
        }
        return report
    try:
        records = read_records(suffix, raw)
        # Translated once, not once a record.
        label_format = _("record %(number)s") if suffix in RECORD_SUFFIXES else _("text")
        labelled = []
        for number, record in enumerate(records, start=1):
            label = label_format % {"number": number}
            try:
                document = document_from_record(record, defaults={**defaults, "source_name": name})
            except ImportFailed as error:
                raise ImportFailed(f"{label}: {error}") from None
            labelled.append((label, document))
        report.imported, report.duplicates = store_new(labelled)
    except (ImportFailed, UnicodeDecodeError) as error:
        report.imported = []
        report.duplicates = []
        report.error = str(error)
    return report


def store_new(
    labelled: list[tuple[str, Document]], *, retry: bool = True
) -> tuple[list[Document], list[tuple[str, Document]]]:
    """Store the documents whose text is not stored yet, all in one transaction; return
    them, and the others (label, the document already stored).

    Three statements, however many documents: one finds the texts already stored, one
    draws the new ids, one COPY writes the new documents (a text twice in the list is
    stored once). Raises ImportFailed when the database refuses them (a CHECK).
    """
    hashes = [document.content_hash for _, document in labelled]
    stored = {
        document.content_hash: document
        for document in Document.objects.by_hashes(hashes).only("id", "title", "content_hash")
    }
    new: list[Document] = []
    duplicates: list[tuple[str, Document]] = []
    for label, document in labelled:
        existing = stored.get(document.content_hash)
        if existing is not None:
            duplicates.append((label, existing))
            continue
        stored[document.content_hash] = document
        new.append(document)
    if not new:
        return new, duplicates
    now = timezone.now()
    try:
        with transaction.atomic():
            (ids,) = draw_ids((Document, len(new)))
            for document, pk in zip(new, ids, strict=True):
                document.pk, document.created_at, document.updated_at = pk, now, now
            insert(Document, [columns(document) for document in new])
    except IntegrityError as error:
        refused = refused_field(error)
        if refused is None and retry:
            # Another writer stored one of these texts since we looked: this COPY waited
            # for that one's commit on the unique hash, and a second look sees it.
            return store_new(labelled, retry=False)
        detail = "; ".join(f"{k}: {v}" for k, v in refused.items()) if refused else str(error)
        raise ImportFailed(
            f"nothing saved, the database refused it: {detail.splitlines()[0]}"
        ) from None
    return new, duplicates
