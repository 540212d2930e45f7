"""Importing files through the admin: the same rules as the command, a report per file."""

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from annotations.models import Document, LineBreaks
from tests.conftest import SEED_000, SEED_003, TEXTS

URL = "/admin/annotations/document/import/"


def upload(path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/plain")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_reviewer_imports_seed_files_with_a_report_per_file(rachel):
    broken = SimpleUploadedFile("broken.jsonl", b'{"text": "\xe5\x90\x8e\xe6\x9d\xa5"}\n{"text": ')
    response = client_for(rachel).post(
        URL, {"files": [upload(SEED_000), upload(SEED_003), broken], "outlet": "测试来源"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="import-done"') == 2
    assert html.count('class="import-failed"') == 1
    assert "broken.jsonl" in html
    assert "line 2: not valid JSON" in html
    # The broken file's first, valid record was not kept: all or nothing per file.
    assert sorted(Document.objects.values_list("source_name", flat=True)) == sorted(
        [SEED_000.name, SEED_003.name]
    )
    seed = Document.objects.get(source_name=SEED_000.name)
    assert seed.raw_text == SEED_000.read_text(encoding="utf-8")
    assert seed.line_breaks == LineBreaks.REFLOWED
    assert (seed.outlet, seed.imported_by) == ("测试来源", rachel)
    assert Document.objects.get(source_name=SEED_003.name).language == "zh-Hant"


def test_reimporting_a_file_reports_the_duplicate_and_stores_nothing(rachel):
    client = client_for(rachel)
    client.post(URL, {"files": [upload(SEED_000)]})
    again = client.post(URL, {"files": [upload(TEXTS / SEED_000.name)]}).content.decode()
    assert "duplicate of" in again
    assert Document.objects.count() == 1


def test_an_unsupported_file_is_refused_by_name(rachel):
    response = client_for(rachel).post(
        URL, {"files": [SimpleUploadedFile("report.pdf", b"%PDF-1.7")]}
    )
    assert "unsupported file type &#x27;.pdf&#x27;" in response.content.decode()
    assert not Document.objects.exists()


def test_a_file_name_is_escaped_in_the_report(rachel):
    evil = SimpleUploadedFile("<img src=x onerror=alert(1)>.txt", "新质生产力".encode())
    html = client_for(rachel).post(URL, {"files": [evil]}).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in html


def test_an_annotator_may_not_import_and_sees_no_link(alice):
    client = client_for(alice)
    assert client.get(URL).status_code == 403
    response = client.post(URL, {"files": [upload(SEED_000)]})
    assert response.status_code == 403
    assert not Document.objects.exists()
    assert URL not in client.get("/admin/annotations/document/").content.decode()


def test_the_document_list_links_to_the_import_page_for_a_reviewer(rachel):
    client = client_for(rachel)
    assert URL in client.get("/admin/annotations/document/").content.decode()
    form = client.get(URL)
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.content.decode()


def test_submitting_no_file_names_the_field(rachel):
    response = client_for(rachel).post(URL, {"outlet": "x"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Document.objects.exists()


ADD_URL = "/admin/annotations/document/add/"


def add_form(**fields: str) -> dict[str, str]:
    return {"title": "种子", "language": "zh-Hans", "pdf": "", **fields}


def test_the_add_form_stores_the_canonical_text_like_the_import(rachel: User) -> None:
    raw = SEED_000.read_text(encoding="utf-8")
    response = client_for(rachel).post(ADD_URL, add_form(raw_text=raw))
    assert response.status_code == 302, response.content.decode()
    document = Document.objects.get()
    imported = Document.from_raw(raw)
    assert (document.text, document.line_breaks) == (imported.text, LineBreaks.REFLOWED)
    assert (document.raw_text, document.imported_by) == (raw, rachel)


def test_the_add_form_refuses_a_text_already_stored_naming_it(rachel: User) -> None:
    client = client_for(rachel)
    client.post(URL, {"files": [upload(SEED_000)]})
    stored = Document.objects.get()
    raw = SEED_000.read_text(encoding="utf-8")
    response = client.post(ADD_URL, add_form(raw_text=raw, title="again"))
    assert response.status_code == 200
    assert f"already stored as document #{stored.pk}" in response.content.decode()
    assert Document.objects.count() == 1


@pytest.mark.parametrize("raw_text", ["", "   \n  "])
def test_the_add_form_refuses_an_empty_text_naming_the_field(rachel: User, raw_text: str) -> None:
    response = client_for(rachel).post(ADD_URL, add_form(raw_text=raw_text))
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert not Document.objects.exists()
