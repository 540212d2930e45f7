"""manage.py import_dna on DNA databases the tests build with DNA 3's own schema.

tests/dna_schema.sql is the SQLite DDL of dna/src/main/java/sql/Sql.java
(createTables); the rows below are what DNA writes: dates in seconds since
1970 (UTC), offsets in UTF-16 code units, the default "DNA Statement" type
(person, organization, concept as short text; agreement as boolean).
"""

import io
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from annotations.models import Document
from claims.models import Claim, Speaker, SpeakerKind, Stance
from tests.conftest import alice  # noqa: F401

SCHEMA = Path(__file__).with_name("dna_schema.sql")
# Astral characters (𠀀 and 😀 are two UTF-16 units each) before and inside statements.
CHINESE = "𠀀国资委表示：支持能源转型。😀张玉卓说：我们反对盲目扩张😀。"
ENGLISH = "The Senate opposed the bill. Smith supported it."
JAN_10_2024 = 1704844800


def utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def span(text: str, quote: str) -> tuple[int, int]:
    """DNA's Start and Stop of `quote` in `text`: UTF-16 code units."""
    start = text.index(quote)
    return utf16(text, start), utf16(text, start + len(quote))


def build_dna(path: Path, statements: list[tuple[Any, ...]]) -> None:
    """A DNA database with two documents, and `statements` as
    (id, type, document, quote, coder, {variable: value})."""
    database = sqlite3.connect(path)
    database.executescript(SCHEMA.read_text())
    database.executemany(
        "INSERT INTO CODERS (ID, Name, Password) VALUES (?, ?, 'x')", [(1, "alice"), (2, "Erika")]
    )
    database.executemany(
        "INSERT INTO DOCUMENTS (ID, Title, Text, Coder, Author, Source, Date) "
        "VALUES (?, ?, ?, 1, ?, ?, ?)",
        [
            (1, "国资委新闻", CHINESE, "记者", "人民日报", JAN_10_2024),
            (2, "Senate", ENGLISH, "", "The Times", JAN_10_2024 + 86400 * 31),
        ],
    )
    database.executemany(
        "INSERT INTO STATEMENTTYPES (ID, Label) VALUES (?, ?)",
        [(1, "DNA Statement"), (2, "NPF Story Element")],
    )
    variables = {
        "person": (1, "short text", 1),
        "organization": (2, "short text", 1),
        "concept": (3, "short text", 1),
        "agreement": (4, "boolean", 1),
        "comment": (5, "long text", 1),
        "narrator": (6, "short text", 2),
    }
    database.executemany(
        "INSERT INTO VARIABLES (ID, Variable, DataType, StatementTypeId) VALUES (?, ?, ?, ?)",
        [(vid, name, kind, type_id) for name, (vid, kind, type_id) in variables.items()],
    )
    entities: dict[tuple[int, str], int] = {}
    for statement_id, type_id, document_id, quote, coder, values in statements:
        text = CHINESE if document_id == 1 else ENGLISH
        start, stop = span(text, quote)
        database.execute(
            "INSERT INTO STATEMENTS (ID, StatementTypeId, DocumentId, Start, Stop, Coder) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (statement_id, type_id, document_id, start, stop, coder),
        )
        for name, value in values.items():
            variable_id, kind, _ = variables[name]
            if kind == "short text":
                key = (variable_id, value)
                if key not in entities:
                    entities[key] = len(entities) + 1
                    database.execute(
                        "INSERT INTO ENTITIES (ID, VariableId, Value) VALUES (?, ?, ?)",
                        (entities[key], variable_id, value),
                    )
                database.execute(
                    "INSERT INTO DATASHORTTEXT (StatementId, VariableId, Entity) VALUES (?, ?, ?)",
                    (statement_id, variable_id, entities[key]),
                )
            else:
                table = "DATABOOLEAN" if kind == "boolean" else "DATALONGTEXT"
                database.execute(
                    f"INSERT INTO {table} (StatementId, VariableId, Value) VALUES (?, ?, ?)",  # noqa: S608
                    (statement_id, variable_id, value),
                )
    database.execute(
        "INSERT INTO ATTRIBUTEVARIABLES (ID, VariableId, AttributeVariable) VALUES (1, 2, 'type')"
    )
    database.execute(
        "INSERT INTO ATTRIBUTEVALUES (EntityId, AttributeVariableId, AttributeValue) "
        "VALUES (?, 1, 'government')",
        (entities[(2, "国资委")],),
    )
    database.commit()
    database.close()


STATEMENTS: list[tuple[int, int, int, str, int, dict[str, Any]]] = [
    (
        1,
        1,
        1,
        "支持能源转型",
        1,
        {"person": "", "organization": "国资委", "concept": "能源转型", "agreement": 1},
    ),
    (
        2,
        1,
        1,
        "我们反对盲目扩张😀",
        2,
        {
            "person": "张玉卓",
            "organization": "国资委",
            "concept": "能源转型",
            "agreement": 0,
            "comment": "said twice",
        },
    ),
    (
        3,
        1,
        2,
        "The Senate opposed the bill",
        1,
        {"organization": "Senate", "concept": "bill", "agreement": 0},
    ),
    (
        4,
        1,
        2,
        "Smith supported it",
        1,
        {"person": "Smith", "organization": "Senate", "concept": "bill", "agreement": 1},
    ),
    (5, 2, 2, "Smith", 1, {"narrator": "Smith"}),
]


@pytest.fixture
def dna_file(tmp_path: Path) -> Path:
    path = tmp_path / "test.dna"
    build_dna(path, STATEMENTS)
    return path


def run(path: Path, annotator: str = "alice") -> str:
    out = io.StringIO()
    call_command("import_dna", str(path), "--annotator", annotator, stdout=out)
    return out.getvalue()


def test_every_statement_arrives_with_its_offsets_and_values(dna_file, alice):
    report = run(dna_file)
    assert "2 documents imported (0 already here), 4 claims" in report
    chinese = Document.objects.get(title="国资委新闻")
    assert chinese.text == CHINESE
    assert (chinese.outlet, chinese.authors, str(chinese.published_on)) == (
        "人民日报",
        "记者",
        "2024-01-10",
    )
    assert str(Document.objects.get(title="Senate").published_on) == "2024-02-10"
    claims = {claim.note.split("\n")[0]: claim for claim in Claim.objects.select_related("speaker")}
    for statement_id, type_id, _, quote, _, values in STATEMENTS:
        if type_id != 1:
            continue
        claim = claims[f"DNA statement {statement_id}"]
        # Code points: the 😀 and 𠀀 before and inside the quote count one each.
        assert claim.quote == quote
        assert claim.document.text[claim.start : claim.end] == quote
        assert claim.start == claim.document.text.index(quote)
        expected_speaker = values.get("person") or values["organization"]
        assert claim.speaker is not None
        assert claim.speaker.name == expected_speaker
        assert claim.stance == (Stance.SUPPORT if values["agreement"] else Stance.OPPOSE)
        assert [topic.name for topic in claim.topics.all()] == [values["concept"]]
    assert claims["DNA statement 2"].note == "DNA statement 2\ncomment: said twice"


def test_persons_belong_to_the_organization_they_are_coded_with(dna_file, alice):
    report = run(dna_file)
    assert "2 persons' organizations set" in report
    zhang = Speaker.objects.get(name="张玉卓")
    assert zhang.kind == SpeakerKind.PERSON
    assert zhang.organization is not None
    assert (zhang.organization.name, zhang.organization.kind) == (
        "国资委",
        SpeakerKind.ORGANISATION,
    )
    assert Speaker.objects.get(name="Smith").organization == Speaker.objects.get(name="Senate")


def test_what_cannot_be_mapped_is_reported(dna_file, alice):
    report = run(dna_file)
    assert "1 × statement of type 'NPF Story Element'" in report
    assert "coder 'Erika' (no such user; claims by the given annotator)" in report
    assert "1 × entity attribute 'type'" in report
    # Erika's statement is imported, annotated by the user the command names.
    assert Claim.objects.get(note__startswith="DNA statement 2\n").annotator == alice


def test_an_offset_inside_a_surrogate_pair_is_reported_not_guessed(tmp_path, alice):
    path = tmp_path / "split.dna"
    build_dna(path, STATEMENTS[:1])
    database = sqlite3.connect(path)
    database.execute("UPDATE STATEMENTS SET Start = 1 WHERE ID = 1")  # inside 𠀀
    database.commit()
    database.close()
    report = run(path)
    assert "statement 1 (offset inside a surrogate pair)" in report
    assert Claim.objects.count() == 0


def test_a_second_import_reuses_the_documents(dna_file, alice):
    run(dna_file)
    assert "0 documents imported (2 already here)" in run(dna_file)
    assert Document.objects.count() == 2


def test_a_file_that_is_not_a_dna_database_writes_nothing(tmp_path, alice):
    path = tmp_path / "not.dna"
    path.write_text("hello")
    with pytest.raises(CommandError, match="not a DNA database"):
        run(path)
    with pytest.raises(CommandError, match="--annotator"):
        run(path, annotator="nobody")
    assert Document.objects.count() == 0


def test_the_import_is_credited_to_the_command_in_the_history(dna_file, alice):
    run(dna_file)
    for label in ("annotations.DocumentEvent", "claims.ClaimEvent", "claims.SpeakerEvent"):
        events = apps.get_model(label).objects.select_related("pgh_context")
        contexts = [event.pgh_context for event in events]
        assert {c and c.metadata.get("command") for c in contexts} == {"import_dna"}, label
