"""Suggested figures in the workbench, in a real browser: accept one, dismiss another."""

import os
from datetime import date

from playwright.sync_api import expect

from annotations.models import Document
from claims.models import Claim, ClaimType, SuggestionDismissal, TargetStatement
from projects.models import Membership, Project, ProjectDocument

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

GOALS = (
    "今年发展主要预期目标是：国内生产总值增长5%左右；城镇新增就业1200万人以上；"
    "粮食产量1.3万亿斤以上。"
)


def test_it_accepts_and_dismisses_suggestions_in_the_workbench(live_server, log_in, alice):
    document = Document.from_raw(
        GOALS, title="2024 report", language="zh-Hans", published_on=date(2024, 3, 5)
    )
    document.save()
    page = log_in(alice)
    page.goto(f"{live_server.url}/admin/claims/claim/workbench/{document.pk}/")
    items = page.locator("#wb-suggestion-list li")
    expect(items).to_have_count(3)
    expect(page.locator("#wb-suggestion-count")).to_have_text("3")

    grain = items.filter(has_text="1.3万亿斤")
    grain.locator(".wb-suggestion-dismiss").click()
    expect(items).to_have_count(2)
    assert SuggestionDismissal.objects.get().number_text == "1.3万亿斤"

    jobs = items.filter(has_text="1200万人")
    expect(jobs.locator("mark")).to_have_text("1200万人")
    jobs.locator(".wb-suggestion-accept").click()
    # Accepting reloads the workbench: the claim is drawn, the suggestion gone.
    expect(page.locator("#wb-suggestion-list li")).to_have_count(1)
    claim = Claim.objects.get()
    assert (claim.claim_type, claim.annotator, claim.quote) == (
        ClaimType.TARGET,
        alice,
        "城镇新增就业1200万人以上",
    )
    assert TargetStatement.objects.get(claim=claim).number_text == "1200万人"

    page.reload()
    expect(page.locator("#wb-suggestion-list li")).to_have_count(1)  # dismissed stays away
    expect(page.locator("#wb-suggestion-list li")).to_contain_text("5%")


def test_suggestions_are_listed_accepted_and_dismissed_in_the_workbench_s_project(
    live_server, log_in, alice
):
    document = Document.from_raw(
        GOALS, title="2024 report", language="zh-Hans", published_on=date(2024, 3, 5)
    )
    document.save()
    study = Project.objects.create(name="Study", annotators_per_document=1, independent=True)
    Membership.objects.create(project=study, user=alice, role="annotator")
    ProjectDocument.objects.create(project=study, document=document)
    page = log_in(alice)
    page.goto(f"{live_server.url}/admin/claims/claim/workbench/{document.pk}/?project={study.pk}")
    items = page.locator("#wb-suggestion-list li")
    expect(items).to_have_count(3)  # listed in the study (the document is in two projects)
    items.filter(has_text="1.3万亿斤").locator(".wb-suggestion-dismiss").click()
    expect(items).to_have_count(2)
    dismissal = SuggestionDismissal.objects.get()
    assert (dismissal.project, dismissal.annotator) == (study, alice)
    items.filter(has_text="1200万人").locator(".wb-suggestion-accept").click()
    expect(page.locator("#wb-suggestion-list li")).to_have_count(1)  # reloaded, in the project
    assert f"?project={study.pk}" in page.url
    claim = Claim.objects.get()
    assert (claim.project, claim.quote) == (study, "城镇新增就业1200万人以上")
    expect(page.locator(f'.wb-hl[data-claims~="{claim.pk}"]').first).to_be_visible()
    # In the default project, neither the study's claim nor its dismissal hides anything.
    page.goto(f"{live_server.url}/admin/claims/claim/workbench/{document.pk}/")
    expect(page.locator("#wb-suggestion-list li")).to_have_count(3)
