"""The workbench from the keyboard alone, find in document, and its layout at 1280 px
(issue 13, items 5, 6 and 8). Headless Chromium."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page

from annotations.models import Document
from claims.models import Claim
from tests.browser.test_workbench import open_claim, open_workbench, saved_claim_id
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db(transaction=True)

CHALLENGE = "当前尚在研究孕育阶段的产业"
RECOMMENDATION = "将完善推进机制、优化支持政策，集全系统之力"

# WCAG contrast of each claim type's highlighted text against its background
# (laid over the text's own background).
CONTRAST = """() => {
  const rgb = (s) => s.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const page = rgb(getComputedStyle(document.getElementById("wb-text")).backgroundColor);
  return [...document.querySelectorAll(".wb-hl")].map((el) => {
    const style = getComputedStyle(el);
    const [r, g, b, a = 1] = rgb(style.backgroundColor);
    const bg = [r, g, b].map((c, i) => c * a + page[i] * (1 - a));
    const fg = rgb(style.color);
    const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  });
}"""


def active(page: Page, attribute: str) -> str | None:
    value: str | None = page.evaluate(f"document.activeElement.getAttribute('{attribute}')")
    return value


def tab_to_the_text(page: Page) -> None:
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.getElementById('wb-text').contains(document.activeElement)"):
            return
    raise AssertionError("Tab never reached the text")


def test_a_claim_is_made_across_an_astral_character_with_the_keyboard_alone(
    live_server, log_in, alice: User, astral_document: Document
) -> None:
    text = astral_document.text
    page = log_in(alice)
    open_workbench(page, live_server, astral_document)
    page.keyboard.press("?")
    assert page.is_visible("#wb-keys")
    assert "start a caret" in page.inner_text("#wb-keys")
    page.keyboard.press("Escape")
    assert not page.is_visible("#wb-keys")

    # Find the passage, go back to the text, select it and one character more (𠮷) and
    # the next: Shift+→ moves a code point, so 𠮷 (two UTF-16 units) is one step.
    page.keyboard.press("/")
    page.keyboard.type("国资央企")
    page.keyboard.press("Enter")
    assert page.inner_text("#wb-find-count").startswith("1 of ")
    page.keyboard.press("Escape")
    page.keyboard.press("c")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    start = text.index("国资央企𠮷")
    quote = text[start : start + 6]
    assert quote[4] == "𠮷"
    assert page.inner_text("#wb-status").endswith(quote)
    page.keyboard.press("Enter")
    page.wait_for_selector("#wb-form:not([hidden])")
    assert page.text_content("#wb-quote") == quote
    page.keyboard.press("3")
    page.keyboard.press("Control+Enter")
    claim = Claim.objects.get(pk=saved_claim_id(page))
    assert (claim.start, claim.end, claim.quote, claim.claim_type) == (
        start,
        start + 6,
        quote,
        "challenge",
    )
    # The focus is back on the text, on the claim just made.
    assert active(page, "data-starts") == str(claim.pk)


def test_highlights_are_reached_opened_and_moved_with_the_keyboard(
    live_server, log_in, alice: User, astral_document: Document
) -> None:
    text = astral_document.text
    first = make_claim(astral_document, CHALLENGE, alice, claim_type="challenge")
    second = make_claim(astral_document, RECOMMENDATION, alice, claim_type="recommendation")
    page = log_in(alice)
    open_workbench(page, live_server, astral_document)
    tab_to_the_text(page)
    assert active(page, "data-starts") == str(first.pk)
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # a visible focus, not the browser's faint default
    assert min(page.evaluate(CONTRAST)) >= 7  # WCAG AAA for text on every highlight

    page.keyboard.press("ArrowRight")
    assert active(page, "data-starts") == str(second.pk)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")  # stays on the first
    assert active(page, "data-starts") == str(first.pk)
    page.keyboard.press("]")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#wb-form-title:has-text('Claim #{second.pk}')")
    page.wait_for_selector("#wb-meta:has-text('version')")

    # Move its span: a caret at its start, three characters selected, S, save.
    page.keyboard.press("c")
    for _ in range(3):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Enter")
    page.wait_for_selector("#wb-new-from-selection")
    page.keyboard.press("s")
    page.wait_for_selector("#wb-meta:has-text('(was ')")
    page.keyboard.press("Control+Enter")
    assert saved_claim_id(page) == second.pk
    second.refresh_from_db()
    start = text.index(RECOMMENDATION)
    assert (second.start, second.end, second.quote) == (start, start + 3, RECOMMENDATION[:3])


def test_find_jumps_between_matches_and_keys_between_claims(
    live_server, log_in, alice: User, astral_document: Document
) -> None:
    text = astral_document.text
    first = make_claim(astral_document, CHALLENGE, alice, claim_type="challenge")
    make_claim(astral_document, RECOMMENDATION, alice, claim_type="recommendation")
    page = log_in(alice)
    open_workbench(page, live_server, astral_document)
    page.fill("#wb-find", "产业")
    count = text.count("产业")
    page.press("#wb-find", "Enter")
    assert page.inner_text("#wb-find-count") == f"1 of {count}"
    assert page.locator(".wb-match, .wb-match-current").count() >= count
    page.press("#wb-find", "Enter")
    assert page.inner_text("#wb-find-count") == f"2 of {count}"
    page.press("#wb-find", "Shift+Enter")
    page.press("#wb-find", "Shift+Enter")
    assert page.inner_text("#wb-find-count") == f"{count} of {count}"  # wraps around
    current = page.locator(".wb-match-current")
    assert "".join(current.all_inner_texts()) == "产业"
    assert current.first.is_visible()
    page.keyboard.press("F3")
    assert page.inner_text("#wb-find-count") == f"1 of {count}"
    page.fill("#wb-find", "不在文中的话")
    page.press("#wb-find", "Enter")
    assert page.inner_text("#wb-find-count") == "no match"
    assert page.locator(".wb-match, .wb-match-current").count() == 0

    page.press("#wb-find", "Escape")  # back to the text
    page.keyboard.press("]")
    assert active(page, "data-starts") is not None
    page.keyboard.press("[")
    assert active(page, "data-starts") == str(first.pk)


def test_at_1280_pixels_the_text_is_wide_and_save_stays_in_view(
    live_server, log_in, alice: User, astral_document: Document
) -> None:
    claim = make_claim(astral_document, CHALLENGE, alice, claim_type="target")
    page = log_in(alice)
    page.set_viewport_size({"width": 1280, "height": 720})
    open_workbench(page, live_server, astral_document)
    open_claim(page, claim.pk)  # a target: the longest form, with its figure
    assert page.evaluate("document.getElementById('wb-text').clientWidth") >= 600
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    for scroll in (0, 3000):
        page.evaluate(f"window.scrollTo(0, {scroll})")
        # The panel is refitted on the next animation frame after a scroll: wait for it.
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        box = page.locator("#wb-save").bounding_box()
        assert box is not None
        assert box["y"] >= 0
        assert box["y"] + box["height"] <= 720
        hit = page.evaluate(
            f"document.elementFromPoint({box['x'] + box['width'] / 2}, "
            f"{box['y'] + box['height'] / 2}).id"
        )
        assert hit == "wb-save"
