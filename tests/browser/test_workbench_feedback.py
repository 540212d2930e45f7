"""The workbench never saves silently, has no default type, shows each error beside its
field, and closes the review loop (issue 13, items 1 and 2). Headless Chromium."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page

from annotations.models import Document, ReviewStatus
from claims.models import Claim, Speaker
from tests.browser.test_workbench import open_claim, open_workbench, saved_claim_id, select_by_mouse
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db(transaction=True)

CHALLENGE = "当前尚在研究孕育阶段的产业"
RECOMMENDATION = "将完善推进机制、优化支持政策，集全系统之力"


def settle(page: Page) -> None:
    """Let any request the last key started reach the server and come back."""
    page.wait_for_load_state("networkidle")


def test_enter_in_the_speaker_box_picks_the_suggestion_and_never_saves(
    live_server, log_in, alice: User, zhang: Speaker, astral_document: Document
) -> None:
    page = log_in(alice)
    open_workbench(page, live_server, astral_document)
    select_by_mouse(page, CHALLENGE)
    page.keyboard.press("3")
    page.fill("#wb-speaker-input", "張玉")  # the traditional alias finds 张玉卓
    page.press("#wb-speaker-input", "Enter")
    page.wait_for_function("document.getElementById('wb-speaker-input').value === '张玉卓'")
    assert page.input_value("#wb-attribution") == "reported"
    page.press("#wb-speaker_role", "Enter")  # Enter in any other field saves nothing either
    settle(page)
    assert page.is_visible("#wb-form")
    assert Claim.objects.count() == 0

    page.keyboard.press("Control+Enter")
    claim = Claim.objects.get(pk=saved_claim_id(page))
    assert (claim.speaker, claim.claim_type, claim.quote) == (zhang, "challenge", CHALLENGE)


def test_a_claim_without_a_type_is_refused_beside_the_type_field_and_stays_open(
    live_server, log_in, alice: User, astral_document: Document
) -> None:
    page = log_in(alice)
    open_workbench(page, live_server, astral_document)
    select_by_mouse(page, CHALLENGE)
    assert page.input_value("#wb-claim_type") == ""  # no default type
    page.click("#wb-save")
    error = page.locator("#wb-claim_type + .wb-field-error")
    error.wait_for()
    assert error.inner_text() == "Type: choose a type (keys 1–6)"
    assert "wb-invalid" in (page.get_attribute("#wb-claim_type", "class") or "")
    page.keyboard.press("Control+Enter")
    settle(page)
    assert page.is_visible("#wb-form")
    assert page.inner_text("#wb-quote") == CHALLENGE
    assert Claim.objects.count() == 0

    # The server's errors too appear beside their field, in plain words.
    page.keyboard.press("1")  # target
    assert page.locator(".wb-field-error").count() == 0
    page.fill("#wb-fig-number_text", "三成")
    page.fill("#wb-fig-value", "三十")
    page.click("#wb-save")
    value_error = page.locator("#wb-fig-value + .wb-field-error")
    value_error.wait_for()
    assert value_error.inner_text() == "Value: enter a number"
    assert page.is_visible("#wb-form")
    assert Claim.objects.count() == 0

    page.fill("#wb-fig-value", "30")
    page.fill("#wb-fig-unit", "%")
    page.click("#wb-save")
    claim = Claim.objects.get(pk=saved_claim_id(page))
    assert (claim.claim_type, claim.target_statement.value) == ("target", Decimal(30))


def test_a_reject_without_a_comment_highlights_the_comment_box(
    live_server, log_in, alice: User, rachel: User, astral_document: Document
) -> None:
    claim = make_claim(
        astral_document, CHALLENGE, alice, claim_type="challenge", status="submitted"
    )
    page = log_in(rachel)
    open_workbench(page, live_server, astral_document)
    open_claim(page, claim.pk)
    page.click("#wb-reject")
    error = page.locator("#wb-review-comment + .wb-field-error")
    error.wait_for()
    assert error.inner_text() == "Review comment: a rejection needs a comment saying why"
    assert "wb-invalid" in (page.get_attribute("#wb-review-comment", "class") or "")
    assert page.evaluate("document.activeElement.id") == "wb-review-comment"
    assert Claim.objects.get(pk=claim.pk).status == ReviewStatus.SUBMITTED

    page.fill("#wb-review-comment", "这是建议，不是挑战")
    page.click("#wb-reject")
    page.wait_for_selector("#wb-message:has-text('is now rejected')")
    assert page.locator(".wb-field-error").count() == 0
    assert Claim.objects.get(pk=claim.pk).status == ReviewStatus.REJECTED


def test_the_annotator_edits_and_resubmits_her_rejected_claim(
    live_server, log_in, alice: User, rachel: User, astral_document: Document
) -> None:
    claim = make_claim(
        astral_document,
        RECOMMENDATION,
        alice,
        claim_type="challenge",
        status="rejected",
        reviewer=rachel,
        reviewed_at=timezone.now(),
        review_comment="这是建议，不是挑战",
    )
    page = log_in(alice)
    open_workbench(page, live_server, astral_document)
    open_claim(page, claim.pk)
    note = page.inner_text("#wb-review-note")
    assert "Rejected by rachel: “这是建议，不是挑战”" in note
    page.keyboard.press("4")  # recommendation
    page.click("#wb-save")
    saved_claim_id(page)
    edited = Claim.objects.get(pk=claim.pk)
    assert (edited.status, edited.claim_type) == (ReviewStatus.DRAFT, "recommendation")

    open_claim(page, claim.pk)
    page.click("#wb-submit")
    page.wait_for_selector("#wb-message:has-text('is now submitted')")
    resubmitted = Claim.objects.get(pk=claim.pk)
    assert (resubmitted.status, resubmitted.version) == (ReviewStatus.SUBMITTED, 3)


def test_an_error_tied_to_no_field_shows_at_the_top_of_the_form_in_view(
    live_server, log_in, alice: User, astral_document: Document
) -> None:
    claim = make_claim(astral_document, CHALLENGE, alice, claim_type="challenge")
    page = log_in(alice)
    page.set_viewport_size({"width": 1280, "height": 600})
    open_workbench(page, live_server, astral_document)
    open_claim(page, claim.pk)
    Claim.objects.filter(pk=claim.pk).delete()  # by someone else, meanwhile
    page.fill("#wb-note", "还在吗")
    page.click("#wb-save")
    message = page.locator("#wb-message.wb-error")
    message.wait_for()
    assert (
        f"Claim #{claim.pk} no longer exists: someone deleted it meanwhile." in message.inner_text()
    )
    in_view = page.evaluate(
        "(() => { const r = document.getElementById('wb-message').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; })()"
    )
    assert in_view, "the message is out of sight"
    assert page.is_visible("#wb-form")
    assert page.input_value("#wb-note") == "还在吗"
