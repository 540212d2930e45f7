"""The workbench on a 300,000-character document with 3,000 claims (issue 13, item 4).

Times are measured in the browser and printed in the timing report, never asserted
(no timed tests). What is asserted is how the page does it: a small page, chunks of
text not drawn again by an action elsewhere, and offsets exact after thousands of
astral characters.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page

from annotations.models import Document
from claims.models import Claim
from tests.browser.test_workbench import saved_claim_id, select_by_mouse
from tests.conftest import TIMING, make_claim
from tests.long_document import ASTRAL, CLAIMS, make_long_document

pytestmark = pytest.mark.django_db(transaction=True)

# Clicks a highlight as the mouse does (mouseup), then times until the next frame is
# painted with the form shown, and until the form is filled from the API.
CLICK = """async (id) => {
  const seg = document.querySelector(`.wb-hl[data-starts~="${id}"]`);
  seg.scrollIntoView({block: "center"});
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r)));
  const t0 = performance.now();
  seg.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
  const handled = performance.now() - t0;
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r)));
  const shown = performance.now() - t0;
  const meta = document.getElementById("wb-meta");
  while (!meta.textContent.includes("version")) await new Promise((r) => setTimeout(r, 1));
  return {handled, shown, filled: performance.now() - t0};
}"""


def measure(page: Page, url: str, claim_id: int) -> dict[str, Any]:
    """The page's size, when it was ready, and a click on a claim the pointer rested on
    first (as a mouse does), to the form filled. The short document is measured first,
    so both find the scripts and styles in the browser's cache."""
    response = page.goto(url)
    assert response is not None
    page.wait_for_selector("#workbench[data-ready='1']")
    figures: dict[str, Any] = page.evaluate(
        """() => ({
          ready: performance.getEntriesByName("wb-ready")[0].startTime,
          elements: document.getElementsByTagName("*").length,
          heap: performance.memory ? performance.memory.usedJSHeapSize : 0,
        })"""
    )
    figures["bytes"] = len(response.body())
    page.hover(f'.wb-hl[data-starts~="{claim_id}"]')
    page.wait_for_load_state("networkidle")
    figures.update(page.evaluate(CLICK, claim_id))
    page.keyboard.press("Escape")
    return figures


def said(figures: dict[str, Any]) -> str:
    return (
        f"page {figures['bytes']:,} bytes, interactive {figures['ready']:.0f} ms, click to form "
        f"{figures['handled']:.0f} ms in the handler, {figures['shown']:.0f} ms painted, "
        f"{figures['filled']:.0f} ms filled; {figures['elements']:,} elements, "
        f"JS heap {figures['heap'] / 1e6:.0f} MB"
    )


def test_a_long_document_opens_and_answers_without_drawing_the_text_again(
    live_server,
    log_in: Callable[[User], Page],
    alice: User,
    astral_document: Document,
    record_property: Any,
) -> None:
    document = make_long_document(alice)
    ids = list(
        Claim.objects.filter(document=document).order_by("start").values_list("id", flat=True)
    )
    assert len(ids) == CLAIMS
    short = make_claim(astral_document, "当前尚在研究孕育阶段的产业", alice)
    page = log_in(alice)
    workbench = f"{live_server.url}/admin/claims/claim/workbench/"
    floor = measure(page, f"{workbench}{astral_document.pk}/", short.pk)
    long = measure(page, f"{workbench}{document.pk}/", ids[len(ids) // 2])
    # The page carries the text and where each claim is, not the claims in full.
    assert long["bytes"] < len(document.text.encode()) + 200 * CLAIMS  # in full: 680 a claim
    assert page.locator(".wb-chunk").count() > 100

    # A chunk far from the claims opened and saved stays the same DOM node throughout.
    page.evaluate("window.far = document.querySelector('.wb-chunk:last-child').firstChild")
    cold = ids[len(ids) // 2 + 3]  # never pointed at: loaded after the click
    page.evaluate(CLICK, cold)
    assert page.text_content("#wb-quote") == Claim.objects.get(pk=cold).quote
    page.keyboard.press("Escape")

    # A new claim far down, after thousands of astral characters, by mouse.
    text = document.text
    quote = f"第20篇{ASTRAL}"
    select_by_mouse(page, quote)
    page.keyboard.press("3")
    page.keyboard.press("Control+Enter")
    made = Claim.objects.get(pk=saved_claim_id(page))
    start = text.index(quote)
    assert (made.start, made.end, made.quote) == (start, start + len(quote), quote)
    assert page.evaluate("window.far.isConnected")
    assert page.locator(f'.wb-hl[data-claims~="{made.pk}"]').count() > 0

    ratio = ", ".join(
        f"{name} {long[name] / max(floor[name], 1):.1f}x" for name in ("ready", "shown")
    )
    # Printed at the end of the run (tests/conftest.py: pytest_terminal_summary).
    record_property(
        TIMING, f"workbench, {len(astral_document.text):,} characters, 1 claim: {said(floor)}"
    )
    record_property(TIMING, f"workbench, {len(text):,} characters, {CLAIMS:,} claims: {said(long)}")
    record_property(TIMING, f"workbench, long against short (same run): {ratio}")
