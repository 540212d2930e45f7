"""The workbench in headless Chromium: select by mouse, record, edit, delete, restore, review.

The seed document gets astral characters (𠮷 before the first passage, 𠀀 and
😀 inside it): a browser counts them as two UTF-16 units each, Python as one
code point, and the stored offsets must be Python's.
"""

import pytest

from annotations.models import ReviewStatus
from claims.models import Claim, Metric, Speaker
from tests.browser.conftest import screenshot
from tests.conftest import ASTRAL_TARGET, make_claim

pytestmark = pytest.mark.django_db(transaction=True)

# Passage, claim type (its shortcut key is its position in ClaimType).
PASSAGES = [
    (ASTRAL_TARGET, "target"),
    ("2023年中央企业战略性新兴产业投资完成2.2万亿元", "observation"),
    ("当前尚在研究孕育阶段的产业", "challenge"),
    ("将完善推进机制、优化支持政策，集全系统之力", "recommendation"),
    # Overlaps the recommendation without nesting in it.
    ("优化支持政策，集全系统之力，持之以恒、全力以赴发展", "commitment"),
    # Nested inside the target, with both astral characters inside it.
    ("中央企业𠀀😀战略性新兴产业", "assessment"),
]
SHORTCUT = {
    "target": "1",
    "observation": "2",
    "challenge": "3",
    "recommendation": "4",
    "commitment": "5",
    "assessment": "6",
}

# Finds the quote in the rendered text by UTF-16 search (not by the app's
# code-point arithmetic) and returns the screen points just inside its first
# and last characters.
LOCATE = """(quote) => {
  const el = document.getElementById("wb-text");
  const nodes = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) nodes.push(walker.currentNode);
  const full = nodes.map((n) => n.data).join("");
  const at = full.indexOf(quote);
  if (at < 0 || full.indexOf(quote, at + 1) >= 0) throw new Error("quote not unique: " + quote);
  function rectOf(unit, length) {
    let offset = unit;
    for (const node of nodes) {
      if (offset < node.data.length) {
        const range = document.createRange();
        range.setStart(node, offset);
        range.setEnd(node, offset + length);
        return range.getBoundingClientRect();
      }
      offset -= node.data.length;
    }
    throw new Error("offset beyond the text");
  }
  // Bring the passage to the middle of the window before measuring.
  const y = window.scrollY + rectOf(at, 1).top - window.innerHeight / 3;
  window.scrollTo(0, y);
  const lastLength = quote.codePointAt(quote.length - 2) > 0xffff ? 2 : 1;
  const first = rectOf(at, quote.codePointAt(0) > 0xffff ? 2 : 1);
  const last = rectOf(at + quote.length - lastLength, lastLength);
  return {x1: first.left + 2, y1: first.top + first.height / 2,
          x2: last.right - 2, y2: last.top + last.height / 2};
}"""


def open_workbench(page, live_server, document):
    page.goto(f"{live_server.url}/admin/annotations/document/{document.pk}/change/")
    page.click("a.workbench-link")
    page.wait_for_selector("#workbench[data-ready='1']")


def select_by_mouse(page, quote: str) -> None:
    # Scrolled far, the chunks coming on screen are laid out at the next frame
    # (content-visibility) and may move the passage: scroll, let them settle, measure again.
    page.evaluate(LOCATE, quote)
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    points = page.evaluate(LOCATE, quote)
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.mouse.move(points["x1"], points["y1"])
    page.mouse.down()
    page.mouse.move(points["x2"], points["y2"], steps=8)
    page.mouse.up()
    page.wait_for_selector("#wb-form:not([hidden])")


def saved_claim_id(page) -> int:
    page.wait_for_selector("#wb-form[hidden]", state="attached")
    page.wait_for_selector("#wb-here:has-text('Saved claim #')")
    text = page.inner_text("#wb-here")
    return int(text.split("#")[1].rstrip("."))


def open_claim(page, claim_id: int) -> None:
    page.locator(f'.wb-hl[data-claims="{claim_id}"]').first.click()
    page.wait_for_selector(f"#wb-form-title:has-text('Claim #{claim_id}')")
    page.wait_for_selector("#wb-meta:has-text('version')")  # filled from the API


def test_it_records_reviews_and_keeps_claims_made_by_mouse(
    live_server, log_in, alice, rachel, zhang, astral_document
):
    metric = Metric.objects.create(name="央企战新产业投资", unit="CNY")
    text = astral_document.text
    page = log_in(alice)
    open_workbench(page, live_server, astral_document)
    screenshot(page, "empty")

    ids = {}
    for quote, claim_type in PASSAGES:
        select_by_mouse(page, quote)
        assert page.inner_text("#wb-quote") == quote
        page.keyboard.press(SHORTCUT[claim_type])
        assert page.input_value("#wb-claim_type") == claim_type
        if claim_type == "target":
            page.fill("#wb-speaker-input", "張玉")  # the traditional alias finds 张玉卓
            page.click("#wb-speaker-options button:has-text('张玉卓')")
            assert page.input_value("#wb-attribution") == "reported"
            page.fill("#wb-speaker_role", "国务院国资委党委书记、主任")
            page.select_option("#wb-modality", "mandate")
            page.fill("#wb-fig-number_text", "35%")
            page.fill("#wb-fig-value", "35")
            page.fill("#wb-fig-unit", "%")
            page.fill("#wb-fig-subject", "中央企业")
            page.fill("#wb-fig-deadline", "2025-12-31")
        if claim_type == "observation":
            page.select_option("#wb-fig-metric", str(metric.pk))
            page.fill("#wb-fig-number_text", "2.2万亿元")
            page.fill("#wb-fig-value", "2200000000000")
            page.fill("#wb-fig-unit", "CNY")
            page.fill("#wb-fig-period_start", "2023-01-01")
            page.fill("#wb-fig-period_end", "2023-12-31")
        if claim_type == "recommendation":
            page.fill("#wb-speaker-input", "袁野")
            page.click("#wb-speaker-options button.wb-create")
            page.wait_for_function(
                "document.getElementById('wb-speaker-input').value === '袁野'"
                " && document.getElementById('wb-speaker-options').hidden"
            )
        page.keyboard.press("Control+Enter")
        ids[claim_type] = saved_claim_id(page)
        # The highlight is there at once, without a reload.
        assert page.locator(f'.wb-hl[data-claims~="{ids[claim_type]}"]').count() > 0

    for quote, claim_type in PASSAGES:
        claim = Claim.objects.get(pk=ids[claim_type])
        start = text.index(quote)
        assert (claim.start, claim.end, claim.quote) == (start, start + len(quote), quote)
        assert claim.claim_type == claim_type
        assert claim.annotator == alice
    target = Claim.objects.get(pk=ids["target"])
    assert (target.speaker, target.attribution, target.modality) == (zhang, "reported", "mandate")
    assert target.target_statement.value == 35
    assert Claim.objects.get(pk=ids["observation"]).observation.metric == metric
    assert Claim.objects.get(pk=ids["recommendation"]).speaker == Speaker.objects.get(name="袁野")
    # Nested and overlapping claims are both drawn: segments carrying two claims.
    assert page.locator(".wb-hl.wb-nested").count() >= 2
    screenshot(page, "claims")

    # Edit one.
    open_claim(page, ids["challenge"])
    page.fill("#wb-note", "研发阶段的产业")
    page.click("#wb-save")
    page.wait_for_selector("#wb-here:has-text('Saved claim')")
    challenge = Claim.objects.get(pk=ids["challenge"])
    assert (challenge.note, challenge.version) == ("研发阶段的产业", 2)

    # Delete it, then restore it from the admin.
    open_claim(page, ids["challenge"])
    page.click("#wb-delete")
    page.click("#wb-delete")
    page.wait_for_selector("#wb-here:has-text('Deleted claim')")
    assert not Claim.objects.filter(pk=ids["challenge"]).exists()
    assert page.locator(f'.wb-hl[data-claims~="{ids["challenge"]}"]').count() == 0
    page.goto(f"{live_server.url}/admin/claims/claim/deleted/")
    page.click(f"form:has(input[value='{ids['challenge']}']) button")
    page.wait_for_url(f"**/admin/claims/claim/{ids['challenge']}/change/")
    assert Claim.objects.get(pk=ids["challenge"]).note == "研发阶段的产业"

    # Submit two claims for review.
    open_workbench(page, live_server, astral_document)
    for claim_type in ("target", "recommendation"):
        open_claim(page, ids[claim_type])
        page.click("#wb-submit")
        page.wait_for_selector("#wb-message:has-text('is now submitted for review')")
        assert Claim.objects.get(pk=ids[claim_type]).status == ReviewStatus.SUBMITTED

    # The reviewer accepts one and rejects the other.
    review_page = log_in(rachel)
    open_workbench(review_page, live_server, astral_document)
    review_page.select_option("#wb-filter-status", "submitted")
    assert review_page.locator(f'.wb-hl[data-claims~="{ids["challenge"]}"]').count() == 0
    open_claim(review_page, ids["target"])
    review_page.click("#wb-accept")
    review_page.wait_for_selector("#wb-message:has-text('is now accepted')")
    open_claim(review_page, ids["recommendation"])
    review_page.fill("#wb-review-comment", "太笼统，不是具体建议")
    screenshot(review_page, "review")
    review_page.click("#wb-reject")
    review_page.wait_for_selector("#wb-message:has-text('is now rejected')")
    accepted = Claim.objects.get(pk=ids["target"])
    rejected = Claim.objects.get(pk=ids["recommendation"])
    assert (accepted.status, accepted.reviewer) == (ReviewStatus.ACCEPTED, rachel)
    assert (rejected.status, rejected.review_comment) == (
        ReviewStatus.REJECTED,
        "太笼统，不是具体建议",
    )


def test_it_refuses_the_later_of_two_concurrent_edits_clearly(
    live_server, log_in, alice, rachel, astral_document
):
    quote = "当前尚在研究孕育阶段的产业"
    start = astral_document.text.index(quote)
    claim = Claim.objects.create(
        document=astral_document,
        start=start,
        end=start + len(quote),
        quote=quote,
        annotator=alice,
        claim_type="challenge",
        attribution="authorial",
    )
    first, second = log_in(alice), log_in(rachel)
    for page in (first, second):
        open_workbench(page, live_server, astral_document)
        open_claim(page, claim.pk)
    first.fill("#wb-note", "alice's reading")
    first.click("#wb-save")
    first.wait_for_selector("#wb-here:has-text('Saved claim')")
    second.select_option("#wb-stance", "oppose")
    second.fill("#wb-note", "rachel's reading")
    second.click("#wb-save")
    message = second.locator("#wb-message.wb-stale")
    message.wait_for()
    assert "alice saved this claim after you opened it" in message.inner_text()
    assert "note: — → alice's reading" in message.inner_text()
    screenshot(second, "stale-edit")
    claim.refresh_from_db()
    assert (claim.note, claim.stance, claim.version) == ("alice's reading", "neutral", 2)
    # Loading their version shows it; saving again from there succeeds.
    second.click("#wb-reload")
    second.wait_for_selector("#wb-meta:has-text('version 2')")
    assert second.input_value("#wb-note") == "alice's reading"
    second.select_option("#wb-stance", "oppose")
    second.click("#wb-save")
    second.wait_for_selector("#wb-here:has-text('Saved claim')")
    claim.refresh_from_db()
    assert (claim.note, claim.stance, claim.version) == ("alice's reading", "oppose", 3)


def test_it_moves_a_claims_span_to_a_passage_selected_by_mouse(
    live_server, log_in, alice, astral_document
):
    text = astral_document.text
    old, new = "当前尚在研究孕育阶段的产业", "中央企业𠀀😀战略性新兴产业"
    claim = make_claim(astral_document, old, alice, claim_type="challenge")
    page = log_in(alice)
    open_workbench(page, live_server, astral_document)

    # A selection made while the claim is open and used with the key, then discarded.
    open_claim(page, claim.pk)
    select_by_mouse(page, "2023年中央企业战略性新兴产业投资完成2.2万亿元")
    assert page.locator("#wb-new-from-selection").is_visible()  # or a new claim from it
    page.keyboard.press("s")
    page.wait_for_selector("#wb-meta:has-text('(was ')")
    assert page.inner_text("#wb-form-title") == f"Claim #{claim.pk}"
    assert page.inner_text("#wb-quote").startswith("2023年中央企业")
    page.keyboard.press("Escape")
    page.wait_for_selector("#wb-form[hidden]", state="attached")
    assert page.locator(".wb-pending").count() == 0
    assert Claim.objects.get(pk=claim.pk).version == 1

    # A selection used with the button and saved.
    open_claim(page, claim.pk)
    assert page.inner_text("#wb-quote") == old
    select_by_mouse(page, new)
    page.click("#wb-use-selection")
    assert page.inner_text("#wb-form-title") == f"Claim #{claim.pk}"
    assert page.inner_text("#wb-quote") == new
    screenshot(page, "move-span")
    page.click("#wb-save")
    assert saved_claim_id(page) == claim.pk

    claim.refresh_from_db()
    start = text.index(new)
    assert (claim.start, claim.end, claim.quote, claim.version) == (start, start + len(new), new, 2)
    # The highlight moved without a reload.
    moved = page.locator(f'.wb-hl[data-claims~="{claim.pk}"]').all_inner_texts()
    assert "".join(moved) == new
