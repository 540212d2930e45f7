"""Figures filled from the text, dates typed as YYYY[-MM[-DD]], metrics proposed in the
workbench, and relations linked by picking a claim in the text or from a list (issue 13,
items 3 and 6). Headless Chromium against the live server."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page

from annotations.models import Document
from claims.models import Claim, ClaimRelation, Metric, MetricStatus
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_workbench import open_claim, open_workbench, saved_claim_id, select_by_mouse
from tests.conftest import ASTRAL_TARGET, make_claim

pytestmark = pytest.mark.django_db(transaction=True)

INVESTMENT = "2023年中央企业战略性新兴产业投资完成2.2万亿元"
CHALLENGE = "当前尚在研究孕育阶段的产业"


def prefilled(page: Page) -> None:
    page.wait_for_selector("#wb-figure-prefilled:not([hidden])")


def test_selecting_a_target_fills_its_figure_from_the_text_and_a_year_is_a_deadline(
    live_server, log_in, alice: User, astral_document: Document
) -> None:
    page = log_in(alice)
    open_workbench(page, live_server, astral_document)
    select_by_mouse(page, ASTRAL_TARGET)
    page.keyboard.press("1")  # target
    prefilled(page)
    fields = ["number_text", "value", "unit", "comparator", "change", "deadline"]
    assert {name: page.input_value(f"#wb-fig-{name}") for name in fields} == {
        "number_text": "35%",
        "value": "35",
        "unit": "%",
        "comparator": "exact",
        "change": "level",
        "deadline": "2025-12-31",
    }
    page.screenshot(path=str(ARTIFACTS / "target-prefilled.png"))  # the README's
    # All editable: a malformed date is an error beside the field, and nothing is saved.
    page.fill("#wb-fig-deadline", "12/31/2025")
    page.click("#wb-save")
    error = page.locator("#wb-fig-deadline + .wb-field-error")
    error.wait_for()
    assert "YYYY, YYYY-MM or YYYY-MM-DD" in error.inner_text()
    assert Claim.objects.count() == 0
    page.fill("#wb-fig-deadline", "2026")  # a year: its last day
    page.fill("#wb-fig-value", "36")
    page.click("#wb-save")
    statement = Claim.objects.get(pk=saved_claim_id(page)).target_statement
    assert (statement.value, statement.unit, statement.deadline) == (
        Decimal(36),
        "%",
        date(2026, 12, 31),
    )


def test_an_observation_gets_its_value_in_base_units_its_period_and_its_metric(
    live_server, log_in, alice: User, astral_document: Document
) -> None:
    metric = Metric.objects.create(name="中央企业战略性新兴产业投资完成额", unit="CNY")
    Metric.objects.create(name="中央企业战略性新兴产业投资占比", unit="%")  # not its unit
    page = log_in(alice)
    open_workbench(page, live_server, astral_document)
    select_by_mouse(page, INVESTMENT)
    page.keyboard.press("2")  # observation
    prefilled(page)
    assert page.input_value("#wb-fig-value") == "2200000000000"  # 2.2万亿 converted
    assert page.input_value("#wb-fig-unit") == "CNY"
    assert page.input_value("#wb-fig-metric") == str(metric.pk)
    assert page.input_value("#wb-fig-period_start") == "2023-01-01"
    page.keyboard.press("Control+Enter")
    observation = Claim.objects.get(pk=saved_claim_id(page)).observation
    assert (observation.value, observation.metric, observation.period_end) == (
        Decimal(2200000000000),
        metric,
        date(2023, 12, 31),
    )


def test_an_annotator_proposes_a_metric_and_uses_it_on_her_observation(
    live_server, log_in, alice: User, astral_document: Document
) -> None:
    page = log_in(alice)
    open_workbench(page, live_server, astral_document)
    select_by_mouse(page, INVESTMENT)
    page.keyboard.press("2")
    prefilled(page)
    page.click("#wb-propose-metric")
    assert page.input_value("#wb-proposal-unit") == "CNY"  # the figure's unit
    page.fill("#wb-proposal-name", "央企战新产业年投资额")
    page.click("#wb-proposal-send")
    page.wait_for_selector("#wb-proposal[hidden]", state="attached")
    metric = Metric.objects.get(name="央企战新产业年投资额")
    assert (metric.status, metric.proposed_by, metric.unit) == (MetricStatus.PROPOSED, alice, "CNY")
    assert page.input_value("#wb-fig-metric") == str(metric.pk)
    assert "[proposed]" in page.inner_text("#wb-fig-metric option:checked")
    page.keyboard.press("Control+Enter")
    assert Claim.objects.get(pk=saved_claim_id(page)).observation.metric == metric

    # A name already taken is said beside the proposal, which stays open.
    select_by_mouse(page, INVESTMENT)
    page.keyboard.press("2")
    page.click("#wb-propose-metric")
    page.fill("#wb-proposal-name", "央企战新产业年投资额")
    page.click("#wb-proposal-send")
    page.wait_for_selector("#wb-proposal-error:not([hidden])")
    assert "Name:" in page.inner_text("#wb-proposal-error")
    assert Metric.objects.filter(name="央企战新产业年投资额").count() == 1


def test_relations_are_picked_in_the_text_or_a_list_and_saved_with_the_claim(
    live_server, log_in, alice: User, astral_document: Document
) -> None:
    target = make_claim(astral_document, ASTRAL_TARGET, alice, claim_type="target")
    challenge = make_claim(astral_document, CHALLENGE, alice, claim_type="challenge")
    observation = make_claim(astral_document, INVESTMENT, alice, claim_type="assessment")
    page = log_in(alice)
    open_workbench(page, live_server, astral_document)
    open_claim(page, observation.pk)

    # Picked in the text: the click chooses the claim and opens nothing.
    page.click("#wb-relation-pick")
    page.locator(f'.wb-hl[data-claims="{challenge.pk}"]').first.click()
    assert page.input_value("#wb-relation-target").startswith(f"#{challenge.pk} ")
    assert page.inner_text("#wb-form-title") == f"Claim #{observation.pk}"
    page.select_option("#wb-relations", "responds_to")
    page.click("#wb-relation-add")
    # From the list: the document's other claims in text order, the open one left out.
    page.focus("#wb-relation-target")
    listed = page.locator("#wb-relation-targets option").evaluate_all("os => os.map(o => o.value)")
    in_order = sorted([target, challenge], key=lambda claim: claim.start)
    assert [value.split(" ")[0] for value in listed] == [f"#{c.pk}" for c in in_order]
    page.fill("#wb-relation-target", "no such claim")
    page.click("#wb-relation-add")
    assert "Choose the other claim first" in page.inner_text("#wb-relation-status")
    page.fill("#wb-relation-target", next(v for v in listed if v.startswith(f"#{target.pk} ")))
    page.select_option("#wb-relations", "supports")
    page.click("#wb-relation-add")
    assert page.locator("#wb-relation-list li").count() == 2
    page.keyboard.press("Control+Enter")
    saved_claim_id(page)
    made = ClaimRelation.objects.filter(source=observation).order_by("kind")
    assert [(r.kind, r.target_id, r.created_by) for r in made] == [
        ("responds_to", challenge.pk, alice),
        ("supports", target.pk, alice),
    ]

    # Removed in the panel, gone with the next save; the claim's version rose each time.
    open_claim(page, observation.pk)
    assert page.locator("#wb-relation-list li").count() == 2
    page.locator("#wb-relation-list li[data-kind='supports'] .wb-relation-remove").click()
    page.click("#wb-save")
    saved_claim_id(page)
    kept = ClaimRelation.objects.filter(source=observation).values_list("kind", flat=True)
    assert list(kept) == ["responds_to"]
    assert Claim.objects.get(pk=observation.pk).version == 3

    # A relation the server refuses is said beside the relation's fields; nothing is saved.
    open_claim(page, observation.pk)
    page.fill("#wb-relation-target", str(target.pk))  # a bare number names the claim too
    page.select_option("#wb-relations", "evidence_for")  # only an observation-type claim's
    page.click("#wb-relation-add")
    page.click("#wb-save")
    page.locator("#wb-relations + .wb-field-error").wait_for()
    assert ClaimRelation.objects.filter(source=observation).count() == 1
