"""Importing files from the document list, in a real browser."""

import os

from playwright.sync_api import expect

from annotations.models import Document, LineBreaks
from tests.conftest import SEED_000, SEED_003

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def test_a_reviewer_uploads_seed_files_and_reads_the_report(live_server, log_in, rachel):
    page = log_in(rachel)
    page.goto(f"{live_server.url}/admin/annotations/document/")
    page.click("a.import-link")
    page.set_input_files("#id_files", [str(SEED_000), str(SEED_003)])
    page.select_option("#id_pdf", "1")
    page.click("#import-form input[type=submit]")
    expect(page.locator("#import-report tr.import-done")).to_have_count(2)
    expect(page.locator("#import-report")).to_contain_text(SEED_003.name)
    assert Document.objects.count() == 2
    assert set(Document.objects.values_list("line_breaks", flat=True)) == {LineBreaks.REFLOWED}
    # The report links each new document.
    page.locator("#import-report a").first.click()
    expect(page.locator("#content h2").first).to_be_visible()
    assert "/admin/annotations/document/" in page.url
