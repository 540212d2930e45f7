"""The workbench in Chinese for a Chinese browser, and back to English with the switch in
the header (issue 13, item 7). Headless Chromium on the demo corpus."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from annotations.models import Document
from claims.models import Claim
from claims.roles import ANNOTATOR
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_workbench import open_workbench, select_by_mouse
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)

REPORTED_JOBS = "城镇新增就业1256万人"


def type_error(page: Page):
    return page.locator("#wb-claim_type + .wb-field-error")


def test_the_workbench_speaks_chinese_to_a_chinese_browser_and_english_after_the_switch(
    live_server, log_in
) -> None:
    call_command("loaddata", "demo", verbosity=0)
    alice = make_user("alice", ANNOTATOR)
    document = Document.objects.get(title__contains="2025年3月5日")
    claims_before = Claim.objects.count()
    page = log_in(alice, language=None)  # only the browser's Accept-Language: zh-CN
    open_workbench(page, live_server, document)
    assert page.get_attribute("html", "lang") == "zh-hans"
    # Labels from the template, the legend from the server's choices, buttons from the JS.
    expect(page.locator("label[for=wb-claim_type]")).to_have_text("类型")
    expect(page.locator(".wb-legend")).to_contain_text("目标")
    expect(page.locator(".wb-legend")).to_contain_text("承诺")
    expect(page.locator("#wb-save")).to_have_text("保存")

    select_by_mouse(page, REPORTED_JOBS)
    expect(page.locator("#wb-form-title")).to_have_text("新论断")
    page.click("#wb-save")  # no type chosen: refused beside the field, in Chinese
    expect(type_error(page)).to_have_text("类型：请选择类型（快捷键 1–6）")

    page.keyboard.press("2")  # observation
    expect(type_error(page)).to_have_count(0)
    page.fill("#wb-fig-number_text", "1256万人")
    page.fill("#wb-fig-value", "12560000")
    page.fill("#wb-fig-unit", "人")
    # The README's picture: the whole form in view, from the top of the page.
    page.set_viewport_size({"width": 1440, "height": 1560})
    page.evaluate("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "workbench-zh-hans.png"))

    page.fill("#wb-fig-value", "一千二百多万")
    page.click("#wb-save")  # the server's own error, in the language the page asked for
    expect(page.locator("#wb-fig-value + .wb-field-error")).to_have_text("数值：请填写合法的数字。")
    assert Claim.objects.count() == claims_before  # nothing saved

    # The switch in the header: English from now on, whatever the browser asks for.
    page.select_option("#language-switch select", "en")
    page.wait_for_selector("#workbench[data-ready='1']")
    assert page.get_attribute("html", "lang") == "en"
    expect(page.locator("label[for=wb-claim_type]")).to_have_text("Type")
    expect(page.locator("#wb-save")).to_have_text("Save")
    select_by_mouse(page, REPORTED_JOBS)
    expect(page.locator("#wb-form-title")).to_have_text("New claim")
    page.click("#wb-save")
    expect(type_error(page)).to_have_text("Type: choose a type (keys 1–6)")
