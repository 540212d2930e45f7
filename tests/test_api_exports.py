"""Claim exports: the four formats, the documented columns, filters, CSV safety,
W3C Web Annotation validity, a round trip into an empty database, one snapshot
while others write, and a constant query count. Streaming and the snapshot are
tested over real HTTP (the tests with live_server), the rest in process."""

import csv
import datetime
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from annotations.models import Document
from claims import exports
from claims.models import Claim, Metric, Observation, Speaker, TargetStatement, Topic
from tests.api_support import (  # noqa: F401
    _fresh_throttles,
    api_as,
    api_for,
    fetch_all,
    mallory,
    reader,
)
from tests.conftest import make_claim

ASTRAL = "前言𠀀𠀁😀。国资委指出，数据成为新生产要素，芯片很重要。"
FORMULAS = '=HYPERLINK("http://evil")\n+SUM(1)\n-2+3\n@cmd\n\t制表\n正常'
W3C = Path(__file__).resolve().parent / "w3c" / "definitions"


@pytest.fixture
def corpus(alice, zhang):
    astral = Document.from_raw(
        ASTRAL,
        title="星 𠀀",
        outlet="证券日报",
        language="zh-Hans",
        published_on=datetime.date(2024, 3, 6),
        url="https://example.org/a",
    )
    astral.save()
    formulas = Document.from_raw(FORMULAS, title="=cmd|' /C calc'!A0", language="und", pdf=False)
    formulas.save()
    ai = Topic.objects.create(name="AI")
    metric = Metric.objects.create(name="收入占比", unit="%")
    first = make_claim(
        astral,
        "数据成为新生产要素",
        alice,
        speaker=zhang,
        attribution="direct",
        speaker_role="=主任",
        stance="support",
        note="@see",
        claim_type="target",
    )
    first.topics.set([ai])
    TargetStatement.objects.create(
        claim=first,
        number_text="35%",
        value=Decimal(35),
        unit="%",
        metric=metric,
        deadline=datetime.date(2025, 12, 31),
    )
    make_claim(astral, "𠀁😀", alice)
    make_claim(formulas, '=HYPERLINK("http://evil")', alice)
    make_claim(formulas, "-2+3", alice)
    make_claim(formulas, "\t制表", alice)
    return astral, formulas


def read_csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_csv_has_the_documented_columns_in_order(live_server, reader, corpus):
    response = api_for(live_server, reader).get("/api/v1/claims/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "Content-Length" not in response.headers  # streamed
    header = response.content.decode().splitlines()[0].split(",")
    assert header == exports.COLUMN_NAMES
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert ", ".join(f"`{name}`" for name in exports.COLUMN_NAMES) in readme


def test_the_csv_keeps_chinese_and_astral_characters_and_offers_a_bom(reader, corpus):
    api = api_as(reader)
    plain = api.get("/api/v1/claims/export.csv")
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    with_bom = api.get("/api/v1/claims/export.csv?bom=1")
    assert with_bom.content.startswith(b"\xef\xbb\xbf")
    rows = read_csv(with_bom)
    astral = next(r for r in rows if r["quote"] == "𠀁😀")
    start = ASTRAL.index("𠀁😀")
    assert (int(astral["start"]), int(astral["end"])) == (start, start + 2)
    assert rows[0]["document_title"] == "星 𠀀"
    assert rows[0]["topics"] == "AI"
    assert rows[0]["figure_value"] == "35.000000"
    assert rows[0]["deadline"] == "2025-12-31"


def test_csv_cells_cannot_run_as_formulas(reader, corpus):
    rows = read_csv(api_as(reader).get("/api/v1/claims/export.csv"))
    cells = [value for row in rows for value in row.values()]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    quotes = {row["quote"] for row in rows}
    assert {'\'=HYPERLINK("http://evil")', "'-2+3", "'\t制表"} <= quotes
    assert rows[0]["speaker_role"] == "'=主任"
    assert rows[0]["note"] == "'@see"
    assert "'=cmd|' /C calc'!A0" in {row["document_title"] for row in rows}


def test_json_lines_and_json_hold_the_same_records(reader, corpus):
    api = api_as(reader)
    lines = api.get("/api/v1/claims/export.jsonl")
    assert lines.headers["Content-Type"].startswith("application/x-ndjson")
    records = [json.loads(line) for line in lines.text.splitlines()]
    array = api.get("/api/v1/claims/export.json").json()
    assert records == array
    assert [list(record) for record in records] == [exports.COLUMN_NAMES] * 5
    first = records[0]
    assert first["quote"] == "数据成为新生产要素"
    assert first["speaker_name"] == "张玉卓"
    assert first["speaker_role"] == "=主任"  # JSON is data, not a spreadsheet
    assert first["topics"] == ["AI"]
    assert first["metric_name"] == "收入占比"
    assert first["document_published_on"] == "2024-03-06"


def test_every_format_writes_timestamps_in_utc_iso_8601_whatever_the_session(reader, corpus):
    """As to_json writes them: "T", "+00:00", the fraction without trailing zeros; dates
    as YYYY-MM-DD. The export sets its own time zone and date style."""
    created = datetime.datetime(2024, 3, 5, 8, 30, 0, 250000, tzinfo=datetime.UTC)
    updated = datetime.datetime(2024, 3, 6, 1, 2, 3, tzinfo=datetime.UTC)
    first = Claim.objects.get(quote="数据成为新生产要素")
    Claim.objects.filter(pk=first.pk).update(created_at=created, updated_at=updated)
    api = api_as(reader)

    def exported(fmt: str) -> Any:
        # In this test's transaction, an export's own settings outlive it: set anew.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL TimeZone = 'Asia/Shanghai'")
        return api.get(f"/api/v1/claims/export.{fmt}")

    row = read_csv(exported("csv"))[0]
    record = exported("json").json()[0]
    annotation = exported("jsonld").json()["first"]["items"][0]
    written = ("2024-03-05T08:30:00.25+00:00", "2024-03-06T01:02:03+00:00")
    assert (row["created_at"], row["updated_at"]) == written
    assert (record["created_at"], record["updated_at"]) == written
    assert (annotation["created"], annotation["modified"]) == written
    assert (annotation["claim"]["created_at"], annotation["claim"]["updated_at"]) == written
    assert datetime.datetime.fromisoformat(row["created_at"]) == created
    assert row["document_published_on"] == record["document_published_on"] == "2024-03-06"
    assert row["deadline"] == record["deadline"] == "2025-12-31"
    with connection.cursor() as cursor:  # a style Django's reads of timestamps refuse
        cursor.execute("SET LOCAL DateStyle = 'SQL, DMY'")
    text = b"".join(exports.csv_copy(Claim.objects.filter(pk=first.pk))).decode()
    assert written[0] in text
    assert "2024-03-06" in text  # published_on


def test_figures_come_from_the_target_statement_or_the_observation(reader, corpus):
    """A target-type claim's figure is its target statement, with its deadline; an
    observation-type claim's its observation, with its period; a claim with neither
    has nulls (empty cells in CSV)."""
    metric = Metric.objects.get(name="收入占比")
    observed = Claim.objects.get(quote="𠀁😀")
    Claim.objects.filter(pk=observed.pk).update(claim_type="observation")
    Observation.objects.create(
        claim=observed,
        number_text="4.5%",
        value=Decimal("4.5"),
        unit="%",
        metric=metric,
        period_start=datetime.date(2023, 1, 1),
        period_end=datetime.date(2023, 12, 31),
    )
    api = api_as(reader)
    records = {r["quote"]: r for r in api.get("/api/v1/claims/export.json").json()}
    rows = {r["quote"]: r for r in read_csv(api.get("/api/v1/claims/export.csv"))}
    figure = ["figure_number_text", "figure_value", "metric_name", "deadline", "period_end"]
    observation = ["4.5%", "4.500000", "收入占比", None, "2023-12-31"]
    target = ["35%", "35.000000", "收入占比", "2025-12-31", None]
    assert [records["𠀁😀"][name] for name in figure] == observation
    assert [records["数据成为新生产要素"][name] for name in figure] == target
    assert [rows["𠀁😀"][name] for name in figure] == [v or "" for v in observation]
    assert [rows["数据成为新生产要素"][name] for name in figure] == [v or "" for v in target]
    assert {records["-2+3"][name] for name in figure} == {None}
    assert {rows["'-2+3"][name] for name in figure} == {""}


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json", "jsonld"])
def test_every_format_honours_the_filters(reader, corpus, fmt):
    api = api_as(reader)
    response = api.get(f"/api/v1/claims/export.{fmt}?has_target=true&q=資料&speaker_name=張玉卓")
    assert response.status_code == 200
    exported = (
        len(response.json()["first"]["items"])
        if fmt == "jsonld"
        else (response.text.count("数据成为新生产要素"))
    )
    assert exported == 1
    if fmt != "jsonld":
        assert "𠀁😀" not in response.text
    refused = api.get(f"/api/v1/claims/export.{fmt}?claim_type=prophecy")
    assert refused.status_code == 400
    assert "claim_type" in refused.json()


def test_exports_are_refused_to_logins_without_a_role(mallory, corpus):
    assert api_as(mallory).get("/api/v1/claims/export.jsonl").status_code == 403


# ---------------------------------------------------------------------- W3C


def w3c_registry() -> Registry:
    schemas = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(W3C.glob("*.json"))]
    return Registry().with_resources(
        (schema["id"], Resource.from_contents(schema, default_specification=DRAFT4))
        for schema in schemas
    )


def w3c_errors(registry: Registry, ref: str, instance) -> list[str]:
    validator = Draft4Validator({"$ref": ref}, registry=registry, format_checker=FormatChecker())
    return [error.message for error in validator.iter_errors(instance)]


def annotation_errors(registry: Registry, annotation: dict[str, Any]) -> dict[str, list[str]]:
    target = annotation["target"]
    quote, position = target["selector"]
    checks = [
        ("annotations.json#/definitions/contextValueInArrayFound", annotation["@context"]),
        ("annotations.json#/definitions/annotationTypeValueFound", annotation),
        ("annotations.json#/definitions/motivationRecognizedIfPresent", annotation),
        ("id.json#/definitions/idValueFound", annotation),
        ("otherProperties.json#/definitions/createdValidIfPresent", annotation),
        ("otherProperties.json#/definitions/modifiedValidIfPresent", annotation),
        ("otherProperties.json#/definitions/creatorValidIfPresent", annotation),
        ("bodyTarget.json#/definitions/targetResourcesFound", target),
        *(("bodyTarget.json#/definitions/bodyResourcesFound", body) for body in annotation["body"]),
        ("specificResource.json#/definitions/specificeResourceDetected", target),
        ("specificResource.json#/definitions/textQuoteSelectorDetected", quote),
        ("specificResource.json#/definitions/prefixPropertyFound", quote),
        ("specificResource.json#/definitions/suffixPropertyFound", quote),
        ("specificResource.json#/definitions/textPositionSelectorDetected", position),
    ]
    return {
        ref: errors for ref, instance in checks if (errors := w3c_errors(registry, ref, instance))
    }


def test_the_json_ld_is_valid_w3c_web_annotation(reader, corpus):
    astral, _ = corpus
    response = api_as(reader).get("/api/v1/claims/export.jsonld")
    assert response.headers["Content-Type"].startswith("application/ld+json")
    collection = response.json()
    registry = w3c_registry()
    for ref, instance in [
        ("collections.json#/definitions/contextValueFound", collection["@context"]),
        ("collections.json#/definitions/annotationCollectionTypeValueFound", collection),
        ("collections.json#/definitions/annotationPageTypeValueFound", collection["first"]),
    ]:
        assert w3c_errors(registry, ref, instance) == [], ref
    annotations = collection["first"]["items"]
    assert len(annotations) == 5
    for annotation in annotations:
        assert annotation_errors(registry, annotation) == {}, annotation["id"]

    first = annotations[0]
    quote, position = first["target"]["selector"]
    claim = Claim.objects.get(quote="数据成为新生产要素")
    assert (quote["prefix"], quote["suffix"]) == astral.context(claim.start, claim.end)
    assert astral.text[position["start"] : position["end"]] == quote["exact"]
    assert position["offsetUnit"] == "unicode code point"
    assert first["target"]["source"]["id"].endswith(f"/api/v1/documents/{astral.pk}/")
    assert first["claim"]["speaker_name"] == "张玉卓"
    assert first["claim"]["stance"] == "support"
    assert first["claim"]["deadline"] == "2025-12-31"
    assert {"purpose": "tagging", "type": "TextualBody", "value": "AI"} in first["body"]


def test_every_quote_context_is_cut_at_its_code_points(reader, alice):
    """Prefix and suffix are cut from the text's pieces of CONTEXT_CHARS characters:
    spans starting and ending on either side of a piece's edge, at the text's ends."""
    text = "".join(f"{i % 10}𠀀数据，" for i in range(30))  # astral characters throughout
    document = Document.from_raw(text, title="边界", language="zh-Hans", pdf=False)
    document.save()
    text = document.text
    width = exports.CONTEXT_CHARS
    edges = [0, 1, width - 1, width, width + 1, 2 * width, 3 * width - 1, len(text) - 1]
    spans = sorted(
        {
            (start, min(end, len(text)))
            for start in edges
            for end in (start + 1, start + width + 1, len(text))
        }
    )
    Claim.objects.bulk_create(
        Claim(
            document=document,
            start=start,
            end=end,
            quote=text[start:end],
            annotator=alice,
            claim_type="assessment",
            attribution="authorial",
        )
        for start, end in spans
    )
    items = api_as(reader).get("/api/v1/claims/export.jsonld").json()["first"]["items"]
    cut = []
    for item in items:
        quote, position = item["target"]["selector"]
        cut.append((position["start"], position["end"], quote["prefix"], quote["suffix"]))
    assert cut == [(start, end, *document.context(start, end)) for start, end in spans]


def test_the_w3c_check_rejects_a_broken_annotation(reader, corpus):
    """The validator can fail: the same export with a selector broken is refused."""
    collection = api_as(reader).get("/api/v1/claims/export.jsonld").json()
    broken = json.loads(json.dumps(collection["first"]["items"][0]))
    del broken["target"]["selector"][1]["end"]
    broken["type"] = "Annotaton"
    errors = annotation_errors(w3c_registry(), broken)
    assert "specificResource.json#/definitions/textPositionSelectorDetected" in errors
    assert "annotations.json#/definitions/annotationTypeValueFound" in errors


# ----------------------------------------------------------------- round trip

COMPARED = [
    "document_content_hash",
    "document_title",
    "start",
    "end",
    "quote",
    "claim_type",
    "attribution",
    "stance",
    "modality",
    "speaker_name",
    "speaker_role",
    "topics",
    "note",
]


def test_an_export_reimports_into_an_empty_database_with_identical_claims(alice, rachel, zhang):
    doc = Document.from_raw(ASTRAL, title="星", language="zh-Hans", pdf=False)
    doc.save()
    ai = Topic.objects.create(name="AI")
    for quote in ["𠀀𠀁😀", "数据成为新生产要素", "芯片很重要", "。"]:
        claim = make_claim(
            doc,
            quote,
            alice,
            speaker=zhang,
            attribution="reported",
            speaker_role="国资委主任",
            stance="mixed",
            note=f"注 {quote}",
        )
        claim.topics.set([ai])
    make_claim(doc, "前言", alice, claim_type="challenge")
    api = api_as(rachel)
    before = [json.loads(line) for line in api.get("/api/v1/claims/export.jsonl").text.splitlines()]
    documents = [
        api.get(f"/api/v1/documents/{row['id']}/").json()
        for row in fetch_all(api, "/api/v1/documents/")
    ]

    Claim.objects.all().delete()
    Document.objects.all().delete()
    Speaker.objects.all().delete()
    Topic.objects.all().delete()

    document_ids = {}
    for document in documents:
        fields = ["text", "title", "outlet", "authors", "published_on", "url", "language"]
        created = api.post(
            "/api/v1/documents/", json={**{f: document[f] for f in fields}, "pdf": False}
        )
        assert created.status_code == 201, created.text
        document_ids[document["content_hash"]] = created.json()["id"]
    speakers = {
        name: api.post("/api/v1/speakers/", json={"name": name}).json()["id"]
        for name in {row["speaker_name"] for row in before if row["speaker_name"]}
    }
    topics = {
        name: api.post("/api/v1/topics/", json={"name": name}).json()["id"]
        for name in {name for row in before for name in row["topics"]}
    }
    rows = [
        {
            "document": document_ids[row["document_content_hash"]],
            **{
                f: row[f]
                for f in [
                    "start",
                    "end",
                    "quote",
                    "claim_type",
                    "attribution",
                    "stance",
                    "modality",
                    "speaker_role",
                    "note",
                ]
            },
            "speaker": speakers.get(row["speaker_name"]),
            "topics": [topics[name] for name in row["topics"]],
        }
        for row in before
    ]
    assert api.post("/api/v1/claims/bulk/", json=rows).status_code == 201

    after = [json.loads(line) for line in api.get("/api/v1/claims/export.jsonl").text.splitlines()]
    assert [{k: r[k] for k in COMPARED} for r in after] == [
        {k: r[k] for k in COMPARED} for r in before
    ]
    assert any(r["quote"] == "𠀀𠀁😀" and r["start"] == 2 for r in after)


# ------------------------------------------------------------ one snapshot


def test_an_export_reads_one_snapshot_while_others_write(
    live_server, reader, alice, seed_document, monkeypatch
):
    monkeypatch.setattr(exports, "COPY_CHUNK_BYTES", 2000)
    text = seed_document.text
    Claim.objects.bulk_create(
        Claim(
            document=seed_document,
            start=s,
            end=s + 5,
            quote=text[s : s + 5],
            annotator=alice,
            claim_type="assessment",
            attribution="authorial",
        )
        for s in range(0, 3000, 5)
    )
    before = set(Claim.objects.values_list("id", flat=True))
    response = api_for(live_server, reader).get("/api/v1/claims/export.jsonl", stream=True)
    lines = response.iter_lines()
    seen = [json.loads(next(lines))["id"]]
    # Meanwhile: a claim deleted, one moved, new ones written.
    Claim.objects.filter(pk=max(before)).delete()
    Claim.objects.filter(pk=max(before) - 1).update(note="changed")
    make_claim(seed_document, text[3:9], alice)
    make_claim(seed_document, text[7:12], alice)
    seen += [json.loads(line)["id"] for line in lines]
    assert len(seen) == len(set(seen))
    assert set(seen) == before


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json", "jsonld"])
def test_an_export_takes_the_same_queries_for_any_number_of_claims(
    client, alice, corpus, django_assert_num_queries, fmt
):
    client.force_login(alice)
    # 1 session, 2 user, 3 her own and her groups' permissions, 4 SAVEPOINT (the
    # export's transaction, nested in the test's), 5 SET LOCAL work_mem (for the
    # memoized sources), 6 COPY of one SELECT of every claim with its document,
    # speaker, users, figure and topics (every format: PostgreSQL renders JSON and
    # JSON-LD too), 7 RELEASE.
    with django_assert_num_queries(7):
        response = client.get(f"/api/v1/claims/export.{fmt}")
        body = b"".join(response.streaming_content).decode()
    if fmt == "jsonld":
        assert len(json.loads(body)["first"]["items"]) == 5
    else:
        assert body.count("数据成为新生产要素") == 1


# ------------------------------------------------------------- topics, once


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json", "jsonld"])
def test_an_export_runs_no_subquery_per_claim(corpus, fmt):
    """Topics come from one grouped subquery joined to the claims, not one per row."""
    statement = exports.copy_statement(Claim.objects.all(), fmt, "http://testserver")
    select = statement.removeprefix("COPY (").rsplit(") TO STDOUT", 1)[0]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {select}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "SubPlan" not in plan
    assert "GroupAggregate" in plan or "HashAggregate" in plan


def test_every_format_lists_each_topic_once_sorted(reader, corpus):
    first = Claim.objects.get(quote="数据成为新生产要素")
    first.topics.add(Topic.objects.create(name="数据"), Topic.objects.create(name="BI"))
    api = api_as(reader)
    rows = read_csv(api.get("/api/v1/claims/export.csv"))
    assert [row["topics"] for row in rows] == ["AI; BI; 数据", "", "", "", ""]
    records = api.get("/api/v1/claims/export.json").json()
    assert [record["topics"] for record in records] == [["AI", "BI", "数据"], [], [], [], []]
    annotations = api.get("/api/v1/claims/export.jsonld").json()["first"]["items"]
    tags = [body["value"] for body in annotations[0]["body"] if body["purpose"] == "tagging"]
    assert tags == ["AI", "BI", "数据"]
    assert [b for a in annotations[1:] for b in a["body"] if b["purpose"] == "tagging"] == []
