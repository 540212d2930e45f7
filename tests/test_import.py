"""The import command on real files."""

import json
import threading
from io import StringIO
from unittest.mock import patch

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from annotations.models import Document, LineBreaks
from tests.conftest import SEED_000, SEED_003, SEED_004, SOE_TARGET, TEXTS


def run_import(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_documents", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_it_imports_every_seed_and_report_with_raw_text_kept():
    output = run_import(TEXTS)
    assert Document.objects.count() == 10  # five seeds, five Government Work Reports
    assert output.count("imported #") == 10
    for document in Document.objects.all():
        raw = (TEXTS / document.source_name).read_text(encoding="utf-8")
        assert document.raw_text == raw


@pytest.mark.django_db
def test_pdf_extractions_are_reflowed_and_web_texts_kept():
    run_import(TEXTS)
    reflowed = set(
        Document.objects.filter(line_breaks=LineBreaks.REFLOWED).values_list(
            "source_name", flat=True
        )
    )
    assert reflowed == {SEED_000.name, "001_8464c429a3efe973.txt", SEED_004.name}
    assert SOE_TARGET in Document.objects.get(source_name=SEED_000.name).text


@pytest.mark.django_db
def test_it_detects_the_traditional_script():
    run_import(SEED_000, SEED_003)
    assert Document.objects.get(source_name=SEED_003.name).language == "zh-Hant"
    assert Document.objects.get(source_name=SEED_000.name).language == "zh-Hans"


def test_script_detection_by_character_agrees_with_converting_the_whole_text():
    """is_traditional counts characters; OpenCC converting the whole text both ways (with
    its phrases, as detection did before) comes to the same answer on every seed and
    report in both scripts, and on texts mixing the two scripts in any proportion but a
    near-even one: phrases move either count by about 1% (制造 becomes 製造, while 制
    alone stays), so within 5% of an even mix the answers may differ, and either is
    as right as the other."""
    import operator

    from annotations.canonical import canonicalise
    from annotations.scripts import _converter, is_traditional

    def changed(text: str, config: str) -> int:
        return sum(map(operator.ne, text, _converter(config).convert(text)))

    seeds = [canonicalise(path.read_text(encoding="utf-8")).text for path in TEXTS.iterdir()]
    texts = [
        *seeds,
        *(_converter("s2t").convert(seed) for seed in seeds),
        *(_converter("t2s").convert(seed) for seed in seeds),
        "資料😀𠀀數據" * 3,
    ]
    for seed in seeds:
        for percent in range(1, 100, 2):  # traditional from this point of the text on
            cut = len(seed[:20000]) * percent // 100
            texts.append(seed[:cut] + _converter("s2t").convert(seed[cut:]))
    compared = 0
    for text in texts:
        sample = text[:20000]
        to_simplified, to_traditional = changed(sample, "t2s"), changed(sample, "s2t")
        if abs(to_simplified - to_traditional) > 0.05 * (to_simplified + to_traditional):
            assert is_traditional(text) == (to_simplified > to_traditional), text[:40]
            compared += 1
    assert compared > 400  # most mixes are clearly one or the other
    assert {is_traditional(t) for t in texts} == {True, False}


@pytest.mark.django_db
def test_reimporting_the_same_text_is_a_duplicate_not_a_second_copy(tmp_path):
    run_import(SEED_000)
    # Same text with Windows line ends and a new name canonicalises to the same text.
    copy = tmp_path / "copy.txt"
    copy.write_bytes(SEED_000.read_bytes().replace(b"\n", b"\r\n"))
    output = run_import(SEED_000, copy)
    assert Document.objects.count() == 1
    assert output.count("duplicate of #") == 2


@pytest.mark.django_db
def test_jsonl_records_carry_metadata(tmp_path):
    path = tmp_path / "records.jsonl"
    records = [
        {
            "text": "第一篇文章。",
            "title": "一",
            "outlet": "证券日报",
            "author": "杜雨萌",
            "date": "2024-03-06",
            "url": "https://example.org/1",
            "language": "zh-Hans",
        },
        {"text": "第二篇文章。", "title": "二", "authors": ["甲", "乙"]},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records))
    run_import(path)
    one = Document.objects.get(title="一")
    assert (one.outlet, one.authors, str(one.published_on), one.url) == (
        "证券日报",
        "杜雨萌",
        "2024-03-06",
        "https://example.org/1",
    )
    assert Document.objects.get(title="二").authors == "甲、乙"


@pytest.mark.django_db
def test_a_json_file_with_one_bad_record_saves_nothing_and_names_the_problem(tmp_path):
    path = tmp_path / "batch.json"
    path.write_text(
        json.dumps(
            [
                {"text": "好的记录。", "title": "好"},
                {"text": "日期错误的记录。", "title": "坏", "date": "2024-13-45"},
            ],
            ensure_ascii=False,
        )
    )
    good = tmp_path / "good.md"
    good.write_text("# 标题\n\n正文。")
    with pytest.raises(CommandError, match="1 of 2 file"):
        call_command("import_documents", str(path), str(good), stdout=StringIO())
    assert list(Document.objects.values_list("title", flat=True)) == ["标题"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "x", "colour": "red"}', "unknown field(s) colour"),
        ('{"title": "no text"}', "text: missing or empty"),
        ('{"text": "a\\u0000b"}', "NUL"),
        ('{"text": "x", "url": "not a url"}', "url: Enter a valid URL"),
        ('{"text": "x", "language": "klingon"}', "language: Value 'klingon' is not a valid choice"),
        ('[{"text": "x",}]', "not valid JSON"),
        ('{"text": "x", "title": "a\\u0000b"}', "title: contains a NUL character"),
        ('{"text": "a\\ud800b"}', "text: contains a lone surrogate"),
        ('{"text": "x", "authors": ["\\udfff"]}', "authors: contains a lone surrogate"),
        ("[" * 100_000 + "]" * 100_000, "the file: JSON nested too deeply"),
    ],
)
@pytest.mark.django_db
def test_bad_records_are_refused_with_a_message_naming_the_field(tmp_path, content, message):
    from annotations.importing import import_file

    path = tmp_path / "bad.json"
    path.write_text(content)
    report = import_file(path)
    assert message in report.error
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_fails_cleanly(tmp_path):
    from annotations.importing import import_file

    path = tmp_path / "gbk.txt"
    path.write_bytes("中文文本".encode("gbk"))
    assert "utf-8" in import_file(path).error
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_many_files_show_a_progress_bar(tmp_path):
    from io import StringIO

    for i in range(12):
        (tmp_path / f"{i:02}.txt").write_text(f"第{i}篇。")
    err = StringIO()
    call_command("import_documents", str(tmp_path), stdout=StringIO(), stderr=err)
    assert "12/12" in err.getvalue()
    assert Document.objects.count() == 12


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_text_at_once_store_it_once(tmp_path):
    """The second waits on the unique hash for the first's commit, then reports a duplicate."""
    from annotations.importing import import_file

    paths = []
    for name in ("first.txt", "second.txt"):
        paths.append(tmp_path / name)
        paths[-1].write_text("# 同一篇\n\n到2025年，占比要达到35%。")
    barrier = threading.Barrier(2)
    reports = []

    def run(path):
        try:
            barrier.wait()
            reports.append(import_file(path))
        finally:
            connection.close()

    # Each import's first look finds nothing, as when both look before either commits.
    real_by_hashes = Document.objects.by_hashes
    looked = threading.local()

    def by_hashes(hashes):
        if getattr(looked, "once", False):
            return real_by_hashes(hashes)
        looked.once = True
        return Document.objects.none()

    with patch.object(Document.objects, "by_hashes", side_effect=by_hashes):
        threads = [threading.Thread(target=run, args=(path,)) for path in paths]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert sorted(len(r.imported) for r in reports) == [0, 1]
    assert all(not r.error for r in reports), [r.error for r in reports]
    assert Document.objects.count() == 1


@pytest.mark.django_db
def test_a_file_of_new_documents_costs_three_statements(tmp_path, django_assert_num_queries):
    from annotations.importing import import_file

    for count in (2, 20):
        path = tmp_path / f"{count}.jsonl"
        path.write_text(
            "\n".join(json.dumps({"text": f"第{count}批第{n}篇。"}) for n in range(count))
        )
        # 1 the texts already stored; 2 savepoint; 3 the new ids; 4 one COPY of the
        # documents; 5 release the savepoint.
        with django_assert_num_queries(5):
            report = import_file(path)
        assert (len(report.imported), report.error) == (count, "")
    assert Document.objects.count() == 22


@pytest.mark.django_db
def test_document_texts_are_compressed_with_lz4_where_the_server_has_it():
    from django.db import DataError, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL default_toast_compression = lz4")
        expected = "l"
    except DataError:  # a server built without lz4 (the embedded one) knows only pglz
        expected = ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute "
            "WHERE attrelid = 'annotations_document'::regclass AND attname = ANY(%s)",
            [["text", "raw_text"]],
        )
        assert dict(cursor.fetchall()) == {"text": expected, "raw_text": expected}
    document = Document.objects.create_from_raw("新质生产力。" * 1000, pdf=False)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(text) FROM annotations_document WHERE id = %s",
            [document.pk],
        )
        assert cursor.fetchone()[0] == ("lz4" if expected else "pglz")


@pytest.mark.django_db
def test_a_value_the_database_refuses_is_named_by_its_field():
    """Validation leaves the CHECKs to the database; its refusal still names the field."""
    from django.core.exceptions import ValidationError

    document = Document.objects.checked_from_raw("正文。", title="标题")
    document.language = "xx"  # as if validation had missed it
    with pytest.raises(ValidationError) as refused:
        document.save_new()
    assert list(refused.value.message_dict) == ["language"]
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_posting_a_document_leaves_the_checks_to_the_database(django_assert_num_queries):
    """No query per CHECK constraint: the database holds them (and names the field)."""
    from tests.api_support import api_as
    from tests.conftest import make_user

    reviewer = make_user("rachel", "reviewer")
    api = api_as(reviewer)
    api.get("/api/v1/documents/")  # the token, made once
    # 1 the token with its user; 2 the user's permissions (own and groups'); 3 savepoint
    # (the test's transaction; a request's own otherwise); 4 insert, whose unique hash is
    # the check for a text already stored; 5 release.
    with django_assert_num_queries(5):
        response = api.post("/api/v1/documents/", json={"text": "新质生产力。"})
    assert response.status_code == 201, response.text
