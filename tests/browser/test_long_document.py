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
from tests.conftest import TIMING
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
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r)));
  const shown = performance.now() - t0;
  const meta = document.getElementById("wb-meta");
  while (!meta.textContent.includes("version")) await new Promise((r) => setTimeout(r, 1));
  return {shown, filled: performance.now() - t0};
}"""


def measure_page(page: Page, url: str) -> dict[str, Any]:
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
    return figures


def test_a_long_document_opens_and_answers_without_drawing_the_text_again(
    live_server, log_in: Callable[[User], Page], alice: User, record_property: Any
) -> None:
    document: Document = make_long_document(alice)
    ids = list(
        Claim.objects.filter(document=document).order_by("start").values_list("id", flat=True)
    )
    assert len(ids) == CLAIMS
    page = log_in(alice)
    url = f"{live_server.url}/admin/claims/claim/workbench/{document.pk}/"
    first = measure_page(page, url)
    again = measure_page(page, url)  # warm caches, as an annotator's second visit
    # The page carries the text and where each claim is, not the claims in full.
    assert again["bytes"] < len(document.text.encode()) + 200 * CLAIMS  # in full: 680 a claim
    assert page.locator(".wb-chunk").count() > 100

    # A chunk far from the claims opened and saved is the same DOM node throughout.
    page.evaluate("window.far = document.querySelector('.wb-chunk:last-child').firstChild")
    middle = ids[len(ids) // 2]
    cold = page.evaluate(CLICK, middle)
    claim = Claim.objects.get(pk=middle)
    assert page.text_content("#wb-quote") == claim.quote
    page.keyboard.press("Escape")
    page.hover(f'.wb-hl[data-starts~="{ids[len(ids) // 2 + 3]}"]')  # loaded while pointed at
    page.wait_for_load_state("networkidle")
    warm = page.evaluate(CLICK, ids[len(ids) // 2 + 3])
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

    line = (
        f"workbench, {len(text):,} characters and {CLAIMS:,} claims: page {first['bytes']:,} "
        f"bytes; interactive {first['ready']:.0f} ms (again {again['ready']:.0f} ms); "
        f"click to form shown {cold['shown']:.0f} ms, filled {cold['filled']:.0f} ms "
        f"(pointed at first: {warm['shown']:.0f} / {warm['filled']:.0f} ms); "
        f"{again['elements']:,} elements, JS heap {again['heap'] / 1e6:.0f} MB"
    )
    record_property(TIMING, line)  # printed at the end of the run (tests/conftest.py)
