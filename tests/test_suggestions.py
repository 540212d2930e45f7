"""The target/observation suggester, its accept and dismiss endpoints, and its report."""

from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from annotations.models import Document, ReviewStatus
from claims.figures import Change, Comparator
from claims.models import Claim, ClaimType, Metric, SuggestionDismissal, TargetStatement
from claims.suggestions import for_document, scan
from tests.api_support import _fresh_throttles, api_for, mallory, reader  # noqa: F401
from tests.conftest import TEXTS, make_claim

GOALS = (
    "今年发展主要预期目标是：国内生产总值增长5%左右；城镇新增就业1200万人以上，"
    "城镇调查失业率5.5%左右；粮食产量1.3万亿斤以上。"
)
REVIEW = "过去一年，国内生产总值超过126万亿元，增长5.2%。城镇新增就业1244万人。"
PLAN = "拟安排地方政府专项债券3.9万亿元、比上年增加1000亿元。"


def test_it_suggests_this_years_goals_as_targets_due_at_year_end():
    found = scan(GOALS, 2024)
    assert [(s.kind, s.figure.number_text, s.deadline) for s in found] == [
        (ClaimType.TARGET, "5%", date(2024, 12, 31)),
        (ClaimType.TARGET, "1200万人", date(2024, 12, 31)),
        (ClaimType.TARGET, "5.5%", date(2024, 12, 31)),
        (ClaimType.TARGET, "1.3万亿斤", date(2024, 12, 31)),
    ]
    growth = found[0]
    assert (growth.figure.comparator, growth.figure.change) == (Comparator.ABOUT, Change.INCREASE)
    assert growth.quote == "今年发展主要预期目标是：国内生产总值增长5%左右"
    assert GOALS[growth.start : growth.end] == growth.quote


def test_it_suggests_last_years_figures_as_observations_of_that_year():
    found = scan(REVIEW, 2024)
    assert [(s.kind, s.figure.number_text, s.period_end) for s in found] == [
        (ClaimType.OBSERVATION, "126万亿元", date(2023, 12, 31)),
        (ClaimType.OBSERVATION, "5.2%", date(2023, 12, 31)),
        (ClaimType.OBSERVATION, "1244万人", date(2023, 12, 31)),
    ]


def test_it_suggests_a_horizon_year_as_the_deadline_and_a_named_past_year_as_the_period():
    text = "到2025年，中央企业战略性新兴产业收入的占比要达到35%。2023年交易所的年交易额不到30亿元。"
    target, observation = scan(text, None)
    assert (target.kind, target.deadline, target.quote) == (
        ClaimType.TARGET,
        date(2025, 12, 31),
        "到2025年，中央企业战略性新兴产业收入的占比要达到35%",
    )
    assert (observation.kind, observation.period_start, observation.figure.comparator) == (
        ClaimType.OBSERVATION,
        date(2023, 1, 1),
        Comparator.LESS_THAN,
    )


def test_it_leaves_plans_and_forecasts_alone():
    assert scan(PLAN, 2024) == []


@pytest.fixture
def report(db) -> Document:
    document = Document.from_raw(
        GOALS + "\n" + REVIEW, title="report", language="zh-Hans", published_on=date(2024, 3, 5)
    )
    document.save()
    return document


@pytest.fixture
def output(db) -> Metric:
    return Metric.objects.create(name="国内生产总值", unit="CNY")


def open_suggestions(api, document) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/documents/{document.pk}/suggestions/")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["suggestions"]
    return found


def pick(suggestions: list[dict[str, Any]], number_text: str) -> dict[str, Any]:
    return next(s for s in suggestions if s["figure"]["number_text"] == number_text)


def choice(suggestion: dict[str, Any], **extra: Any) -> dict[str, Any]:
    keys = ("kind", "figure_start", "figure_end")
    return {key: suggestion[key] for key in keys} | extra


def test_it_accepts_a_target_suggestion_as_a_draft_claim_with_its_figure(
    live_server, report, alice
):
    api = api_for(live_server, alice)
    jobs = pick(open_suggestions(api, report), "1200万人")
    response = api.post(f"/api/v1/documents/{report.pk}/suggestions/accept/", json=choice(jobs))
    assert response.status_code == 201, response.text
    claim = Claim.objects.get(pk=response.json()["claim_id"])
    assert (claim.claim_type, claim.status, claim.annotator) == (
        ClaimType.TARGET,
        ReviewStatus.DRAFT,
        alice,
    )
    assert claim.quote == "城镇新增就业1200万人以上，城镇调查失业率5.5%左右"
    stated = TargetStatement.objects.get(claim=claim)
    assert (stated.value, stated.unit, stated.comparator, stated.deadline) == (
        Decimal(12000000),
        "people",
        Comparator.AT_LEAST,
        date(2024, 12, 31),
    )
    # Annotated now, so no longer suggested; the other figure in that passage neither.
    left = [s["figure"]["number_text"] for s in open_suggestions(api, report)]
    assert "1200万人" not in left
    assert "5.5%" not in left


def test_it_accepts_an_observation_only_with_a_metric_and_writes_nothing_without(
    live_server, report, alice, output
):
    api = api_for(live_server, alice)
    gdp = pick(open_suggestions(api, report), "126万亿元")
    assert gdp["metric"] == {"id": output.pk, "name": str(output)}  # guessed from the name
    url = f"/api/v1/documents/{report.pk}/suggestions/accept/"
    refused = api.post(url, json=choice(gdp, metric=None))
    assert refused.status_code == 400
    assert "metric" in refused.json()
    assert not Claim.objects.exists()
    accepted = api.post(url, json=choice(gdp, metric=output.pk))
    assert accepted.status_code == 201, accepted.text
    observed = Claim.objects.get().observation
    assert (observed.metric, observed.value, observed.comparator, observed.period_end) == (
        output,
        Decimal("126000000000000"),
        Comparator.MORE_THAN,
        date(2023, 12, 31),
    )


def test_it_dismisses_a_suggestion_for_good(live_server, report, alice, bob):
    api = api_for(live_server, alice)
    grain = pick(open_suggestions(api, report), "1.3万亿斤")
    url = f"/api/v1/documents/{report.pk}/suggestions/dismiss/"
    assert api.post(url, json=choice(grain)).status_code == 201
    dismissal = SuggestionDismissal.objects.get()
    assert (dismissal.number_text, dismissal.dismissed_by) == ("1.3万亿斤", alice)
    others = api_for(live_server, bob)
    assert "1.3万亿斤" not in [s["figure"]["number_text"] for s in open_suggestions(others, report)]
    again = others.post(url, json=choice(grain))
    assert again.status_code == 400
    assert "figure_start" in again.json()


def test_it_refuses_a_forged_suggestion_naming_the_field(live_server, report, alice):
    api = api_for(live_server, alice)
    url = f"/api/v1/documents/{report.pk}/suggestions/accept/"
    response = api.post(url, json={"kind": "target", "figure_start": 0, "figure_end": 4})
    assert response.status_code == 400
    assert "figure_start" in response.json()
    response = api.post(url, json={"kind": "opinion", "figure_start": 0, "figure_end": 4})
    assert response.status_code == 400
    assert "kind" in response.json()
    assert not Claim.objects.exists()


def test_it_denies_suggestions_to_anonymous_roleless_and_read_only_users(
    live_server, report, mallory, reader
):
    path = f"/api/v1/documents/{report.pk}/suggestions/"
    assert api_for(live_server).get(path).status_code in (401, 403)
    assert api_for(live_server, mallory).get(path).status_code == 403
    body: dict[str, Any] = {"kind": "target", "figure_start": 0, "figure_end": 4}
    assert api_for(live_server, reader).post(path + "dismiss/", json=body).status_code == 403
    assert api_for(live_server, mallory).post(path + "accept/", json=body).status_code == 403
    assert not SuggestionDismissal.objects.exists()


def test_it_leaves_out_figures_already_annotated(report, alice):
    make_claim(report, "国内生产总值增长5%左右", alice, claim_type=ClaimType.TARGET)
    assert "5%" not in [s.figure.number_text for s in for_document(report)]


def test_it_reports_precision_and_recall_against_annotated_claims(report, alice):
    make_claim(report, "国内生产总值增长5%左右", alice, claim_type=ClaimType.TARGET)
    make_claim(report, "城镇新增就业1244万人", alice, claim_type=ClaimType.OBSERVATION)
    make_claim(
        report, "粮食产量1.3万亿斤以上", alice, claim_type=ClaimType.OBSERVATION
    )  # wrong kind
    out = StringIO()
    call_command("suggest_report", str(report.pk), stdout=out)
    lines = out.getvalue().splitlines()
    assert "target       recall 1/1 = 100.0%   precision 1/4 = 25.0%" in lines
    assert "observation  recall 1/2 = 50.0%   precision 1/3 = 33.3%" in lines
    assert "all          recall 2/3 = 66.7%   precision 2/7 = 28.6%" in lines


def test_it_finds_most_targets_and_observations_of_the_2024_report():
    text = (TEXTS / "gwr_2024.txt").read_text(encoding="utf-8")
    kinds = {(s.kind, s.figure.number_text) for s in scan(text, 2024)}
    for goal in ["5%", "1200万人", "5.5%", "3%", "1.3万亿斤", "2.5%"]:
        assert (ClaimType.TARGET, goal) in kinds
    for outcome in ["126万亿元", "5.2%", "1244万人", "0.2%"]:
        assert (ClaimType.OBSERVATION, outcome) in kinds


def test_it_finds_nine_in_ten_of_the_demo_targets_and_observations(db):
    call_command("loaddata", "demo", verbosity=0)
    out = StringIO()
    call_command("suggest_report", stdout=out)
    total = next(line for line in out.getvalue().splitlines() if line.startswith("all "))
    found, annotated = map(int, total.split("recall ")[1].split(" =")[0].split("/"))
    assert annotated >= 60
    assert found / annotated >= 0.9, total
