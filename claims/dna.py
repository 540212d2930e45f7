"""Reading a DNA database (the Discourse Network Analyzer's .dna file) into claimtrack.

A .dna file is SQLite in DNA 3's schema (dna/src/main/java/sql/Sql.java,
createTables): DOCUMENTS, CODERS, STATEMENTTYPES, VARIABLES, STATEMENTS, the
values in DATASHORTTEXT (via ENTITIES), DATABOOLEAN, DATAINTEGER and
DATALONGTEXT, and entity attributes in ATTRIBUTEVARIABLES/ATTRIBUTEVALUES.
SQLite here is the import format, read with Python's sqlite3; claimtrack's
own database stays PostgreSQL.

Mapping (the variables of DNA's default "DNA Statement" type):
- person and organization → speakers (kinds person and organisation); a
  statement naming both sets the person's organization;
- concept → a topic; agreement 1 → stance support, 0 → oppose;
- any other variable of the statement → a line "variable: value" in the note;
- DNA's document text is kept verbatim (not canonicalised) so that offsets
  stay exact; DNA counts UTF-16 code units (Java strings), claimtrack code
  points, so offsets are converted, and one that splits a surrogate pair is
  reported and the statement skipped;
- a coder whose name is a claimtrack username annotates that user's claims,
  every other coder's claims are annotated by the user the command names;
- statement types without any of person, organization and concept, entity
  attributes and unknown coders are reported, not imported.
Everything is one transaction: an error leaves nothing half-imported.
"""

import datetime
import re
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from annotations.models import Document, Language, content_hash
from annotations.scripts import is_traditional
from claims.bulk import BulkRejected, create_claims
from claims.models import (
    Attribution,
    ClaimType,
    Speaker,
    SpeakerKind,
    Stance,
    Topic,
)

MAPPED_VARIABLES = {"person", "organization", "concept", "agreement"}
CJK = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")


@dataclass
class Report:
    documents: int = 0
    documents_reused: int = 0
    claims: int = 0
    speakers_created: int = 0
    topics_created: int = 0
    organizations_set: int = 0
    unmapped: Counter[str] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        lines = [
            f"{self.documents} documents imported ({self.documents_reused} already here), "
            f"{self.claims} claims, {self.speakers_created} new speakers, "
            f"{self.topics_created} new topics, {self.organizations_set} persons' "
            "organizations set."
        ]
        if self.unmapped:
            lines.append("Not imported or not mapped:")
            lines += [f"  {count} × {what}" for what, count in sorted(self.unmapped.items())]
        return lines


def code_points(text: str) -> dict[int, int]:
    """UTF-16 offset → code-point offset, for every offset between code points."""
    mapping = {0: 0}
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        mapping[units] = index + 1
    return mapping


def language_of(text: str) -> str:
    if CJK.search(text):
        return Language.ZH_HANT if is_traditional(text) else Language.ZH_HANS
    letters = sum(char.isascii() and char.isalpha() for char in text)
    return Language.EN if letters >= len(text) / 2 else Language.OTHER


class DnaImport:
    """One import of one .dna file; see the module docstring for the mapping."""

    def __init__(self, path: Path, annotator: User, claim_type: str) -> None:
        self.database = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        self.database.row_factory = sqlite3.Row
        self.annotator = annotator
        self.claim_type = claim_type
        self.report = Report()
        self.speakers: dict[str, Speaker] = {}
        self.topics: dict[str, Topic] = {}
        # The claims to write, by annotator, as claims.bulk takes them; with their statements.
        self.new_claims: dict[User, list[tuple[int, dict[str, Any]]]] = defaultdict(list)

    def rows(self, sql: str) -> list[sqlite3.Row]:
        return self.database.execute(sql).fetchall()

    def run(self) -> Report:
        with transaction.atomic():
            documents = self.import_documents()
            self.import_statements(documents)
            self.store_claims()
        self.database.close()
        return self.report

    def import_documents(self) -> dict[int, Document]:
        documents = {}
        for row in self.rows("SELECT * FROM DOCUMENTS ORDER BY ID"):
            text = row["Text"]
            existing = Document.objects.by_text(text).first()
            if existing is not None:
                documents[row["ID"]] = existing
                self.report.documents_reused += 1
                continue
            document = Document(
                title=(row["Title"] or text.strip().split("\n", 1)[0])[:500],
                outlet=row["Source"] or "",
                authors=row["Author"] or "",
                published_on=datetime.datetime.fromtimestamp(row["Date"], datetime.UTC).date(),
                language=language_of(text),
                raw_text=text,
                text=text,
                source_name=f"DNA document {row['ID']}",
                imported_by=self.annotator,
                content_hash=content_hash(text),
            )
            document.full_clean()
            document.save()
            documents[row["ID"]] = document
            self.report.documents += 1
            for name in ("Section", "Type", "Notes"):
                if row[name]:
                    self.report.unmapped[f"document {name.lower()} (no such field)"] += 1
        return documents

    def statement_values(self) -> dict[int, dict[str, object]]:
        """Each statement's values by variable name: four queries, one per data table."""
        values: dict[int, dict[str, object]] = defaultdict(dict)
        for row in self.rows(
            "SELECT d.StatementId, v.Variable, e.Value FROM DATASHORTTEXT d "
            "JOIN VARIABLES v ON v.ID = d.VariableId JOIN ENTITIES e ON e.ID = d.Entity"
        ):
            values[row[0]][row[1]] = row[2]
        for table in ("DATABOOLEAN", "DATAINTEGER", "DATALONGTEXT"):
            for row in self.rows(
                f"SELECT d.StatementId, v.Variable, d.Value FROM {table} d "  # noqa: S608
                "JOIN VARIABLES v ON v.ID = d.VariableId"
            ):
                values[row[0]][row[1]] = row[2]
        return values

    def import_statements(self, documents: dict[int, Document]) -> None:
        coders = {row["ID"]: row["Name"] for row in self.rows("SELECT ID, Name FROM CODERS")}
        users = {user.username: user for user in User.objects.filter(username__in=coders.values())}
        for name in sorted(set(coders.values()) - set(users)):
            self.report.unmapped[
                f"coder {name!r} (no such user; claims by the given annotator)"
            ] += 1
        values = self.statement_values()
        types = {row["ID"]: row["Label"] for row in self.rows("SELECT * FROM STATEMENTTYPES")}
        offsets: dict[int, dict[int, int]] = {}
        for attribute in self.rows(
            "SELECT a.AttributeVariable, COUNT(*) FROM ATTRIBUTEVALUES v "
            "JOIN ATTRIBUTEVARIABLES a ON a.ID = v.AttributeVariableId "
            "WHERE v.AttributeValue != '' GROUP BY a.AttributeVariable"
        ):
            self.report.unmapped[f"entity attribute {attribute[0]!r}"] += attribute[1]
        for row in self.rows("SELECT * FROM STATEMENTS ORDER BY ID"):
            statement = values.get(row["ID"], {})
            if not MAPPED_VARIABLES & set(statement) - {"agreement"}:
                self.report.unmapped[
                    f"statement of type {types.get(row['StatementTypeId'])!r}"
                ] += 1
                continue
            document = documents[row["DocumentId"]]
            mapping = offsets.setdefault(document.pk, code_points(document.text))
            start, end = mapping.get(row["Start"]), mapping.get(row["Stop"])
            if start is None or end is None:
                self.report.unmapped[f"statement {row['ID']} (offset inside a surrogate pair)"] += 1
                continue
            self.add_claim(
                row["ID"],
                document,
                start,
                end,
                statement,
                users.get(coders.get(row["Coder"], ""), self.annotator),
            )

    def add_claim(
        self,
        statement_id: int,
        document: Document,
        start: int,
        end: int,
        statement: dict[str, object],
        annotator: User,
    ) -> None:
        person = str(statement.get("person") or "").strip()
        organization_name = str(statement.get("organization") or "").strip()
        organization = (
            self.speaker(organization_name, SpeakerKind.ORGANISATION) if organization_name else None
        )
        speaker = self.speaker(person, SpeakerKind.PERSON) if person else organization
        if person and organization is not None:
            self.set_organization(self.speakers[person], organization)
        agreement = statement.get("agreement")
        stance = {1: Stance.SUPPORT, 0: Stance.OPPOSE}.get(
            agreement if isinstance(agreement, int) else -1, Stance.NEUTRAL
        )
        note = "\n".join(
            f"{name}: {value}"
            for name, value in sorted(statement.items())
            if name not in MAPPED_VARIABLES and value not in ("", None)
        )
        concept = str(statement.get("concept") or "").strip()
        row = {
            "document": document.pk,
            "start": start,
            "end": end,
            "quote": document.text[start:end],
            "claim_type": self.claim_type,
            "speaker": speaker.pk if speaker else None,
            "attribution": Attribution.REPORTED if speaker else Attribution.AUTHORIAL,
            "stance": stance,
            "note": f"DNA statement {statement_id}" + (f"\n{note}" if note else ""),
            "topics": [self.topic(concept).pk] if concept else [],
        }
        self.new_claims[annotator].append((statement_id, row))
        self.report.claims += 1

    def store_claims(self) -> None:
        """Every claim, by the one path for new claims (claims.bulk): a few statements per
        annotator, not several per claim. A bad one fails the import, naming its statement."""
        for annotator, numbered in self.new_claims.items():
            try:
                create_claims([row for _, row in numbered], by=annotator)
            except BulkRejected as rejected:
                first = rejected.errors[0]
                statement_id = numbered[first["row"]][0]
                raise ValidationError(
                    {f"statement {statement_id}": [str(first["errors"])]}
                ) from None

    def speaker(self, name: str, kind: str) -> Speaker:
        if name not in self.speakers:
            speaker = Speaker.objects.named(name).first()
            if speaker is None:
                speaker = Speaker.objects.create(name=name, kind=kind)
                self.report.speakers_created += 1
            elif speaker.kind != kind:
                self.report.unmapped[
                    f"{kind} {name!r} (already a speaker of kind {speaker.kind})"
                ] += 1
            self.speakers[name] = speaker
        return self.speakers[name]

    def set_organization(self, person: Speaker, organization: Speaker) -> None:
        """The first organization a person is coded with; others are reported."""
        if person.organization_id == organization.pk or person.pk == organization.pk:
            return
        if organization.kind != SpeakerKind.ORGANISATION:
            return
        if person.organization_id is None:
            person.organization = organization
            person.save(update_fields=["organization"])
            self.report.organizations_set += 1
        else:
            self.report.unmapped[
                f"{person.name!r} also coded with {organization.name!r} (kept the first)"
            ] += 1

    def topic(self, name: str) -> Topic:
        if name not in self.topics:
            topic, created = Topic.objects.get_or_create(name=name)
            self.report.topics_created += created
            self.topics[name] = topic
        return self.topics[name]


def import_dna(path: Path, annotator: User, claim_type: str = ClaimType.ASSESSMENT) -> Report:
    return DnaImport(path, annotator, claim_type).run()
