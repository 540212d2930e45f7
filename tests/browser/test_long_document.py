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

# Prepares to time the next mouseup: from the event's own timestamp (when the input
# arrived, so waiting for the page's main thread counts) to the end of the first frame
# rendered after it with the form visible (a task queued by that frame's
# requestAnimationFrame runs once its style, layout and paint are done), and to the form
# filled from the API. Event Timing's duration of the same mouseup (the browser's own
# measure, to the next frame presented, in 8 ms steps; only from 16 ms up) is kept beside.
ARM_CLICK = """async () => {
  const settled = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r)));
  const form = document.getElementById("wb-form");
  const meta = document.getElementById("wb-meta");
  const times = (window.clickTimes = {});
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.name === "mouseup") times.eventTiming = e.duration;
  });
  observer.observe({type: "event", durationThreshold: 16});
  window.addEventListener("mouseup", async (event) => {
    const t0 = event.timeStamp;
    times.handled = performance.now() - t0;  // the page's own mouseup handlers have run
    await settled();
    times.shown = performance.now() - t0;
    times.visible = !form.hidden;
    while (!meta.textContent.includes("version")) await new Promise((r) => setTimeout(r, 1));
    times.filled = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 300));  // Event Timing reports after presenting
    observer.disconnect();
    times.done = true;
  }, {once: true});
}"""
# Scrolls a claim's highlight into view, lets the chunks coming on screen be laid out
# (content-visibility), and says where to click: on the highlight's first line.
LOCATE_CLAIM = """async (id) => {
  const seg = () => document.querySelector(`.wb-hl[data-starts~="${id}"]`);
  seg().scrollIntoView({block: "center"});
  for (let i = 0; i < 2; i++) await new Promise((r) => requestAnimationFrame(() => setTimeout(r)));
  const box = seg().getClientRects()[0];
  return {x: box.left + Math.min(box.width / 2, 9), y: box.top + box.height / 2};
}"""


def click_claim(page: Page, claim_id: int, *, point_first: bool) -> dict[str, Any]:
    """A mouse click on a claim's highlight, timed as ARM_CLICK says. `point_first`: the
    pointer rests on it until its claim is loaded, as a mouse on its way does."""
    point = page.evaluate(LOCATE_CLAIM, claim_id)
    if point_first:
        with page.expect_response(lambda response: f"/claims/{claim_id}/" in response.url):
            page.mouse.move(point["x"], point["y"])
    page.evaluate(ARM_CLICK)
    page.mouse.click(point["x"], point["y"])
    page.wait_for_function("window.clickTimes.done")
    times: dict[str, Any] = page.evaluate("window.clickTimes")
    assert times["visible"]
    assert page.text_content("#wb-form-title") == f"Claim #{claim_id}"
    return times


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
    figures.update(click_claim(page, claim_id, point_first=True))
    page.keyboard.press("Escape")
    return figures


def event_timing(figures: dict[str, Any]) -> str:
    duration = figures.get("eventTiming")
    return "under 16 ms" if duration is None else f"{duration:.0f} ms"


def said(figures: dict[str, Any]) -> str:
    return (
        f"page {figures['bytes']:,} bytes, interactive {figures['ready']:.0f} ms, mouse click to "
        f"form: handled {figures['handled']:.0f} ms, painted {figures['shown']:.0f} ms "
        f"(Event Timing {event_timing(figures)}), filled {figures['filled']:.0f} ms; "
        f"{figures['elements']:,} elements, JS heap {figures['heap'] / 1e6:.0f} MB"
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
    cold_click = click_claim(page, cold, point_first=False)
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
    record_property(
        TIMING,
        f"workbench, {CLAIMS:,} claims, a claim never pointed at: painted "
        f"{cold_click['shown']:.0f} ms, filled from the API {cold_click['filled']:.0f} ms",
    )
    record_property(TIMING, f"workbench, long against short (same run): {ratio}")
