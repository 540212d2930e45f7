"""Figures as annotators enter them through the API: prefilled by the figure parser
(POST /api/v1/figures/parse/), dates typed as YYYY, YYYY-MM or YYYY-MM-DD, an
observation's unit agreeing with its metric's, and metrics proposed by annotators
until a reviewer confirms them."""

from datetime import date
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from annotations.models import Document
from claims.models import Claim, Metric, MetricStatus, Observation, TargetStatement
from claims.roles import API_READER
from tests.api_support import api_as
from tests.conftest import SOE_TARGET, checked_now, make_claim, make_user

GDP = "2024年国内生产总值达到134.9万亿元，增长5%"
PARSE = "/api/v1/figures/parse/"


@pytest.fixture
def report(db: None) -> Document:
    document = Document.from_raw(f"{SOE_TARGET}。\n{GDP}。\n", title="report", language="zh-Hans")
    document.published_on = date(2025, 3, 5)
    document.save()
    return document


@pytest.fixture
def growth(db: None) -> Metric:
    return Metric.objects.create(name="国内生产总值（GDP）增长", unit="%")


@pytest.fixture
def gdp(db: None) -> Metric:
    return Metric.objects.create(name="国内生产总值（GDP）总量", unit="CNY")


def span(document: Document, quote: str) -> dict[str, Any]:
    start = document.text.index(quote)
    return {"document": document.pk, "start": start, "end": start + len(quote), "quote": quote}


def new_claim(document: Document, quote: str, kind: str, figure: dict[str, Any]) -> dict[str, Any]:
    return span(document, quote) | {
        "claim_type": kind,
        "attribution": "authorial",
        "figure": figure,
    }


def observed(claim: Claim, metric: Metric) -> Observation:
    """5% in 2024, written past every check but the database's."""
    return Observation.objects.create(
        claim=claim,
        metric=metric,
        number_text="5%",
        value=5,
        unit="%",
        period_start="2024-01-01",
        period_end="2024-12-31",
    )


# ------------------------------------------------------------------------- the parser


def test_it_prefills_a_target_from_the_passage(alice, report, django_assert_num_queries):
    api = api_as(alice)
    # token and user, her own and her groups' permissions (one), the document, the metrics
    with django_assert_num_queries(4):
        reply = api.post(PARSE, json={"text": SOE_TARGET, "document": report.pk})
    assert reply.status_code == 200, reply.text
    assert reply.json()["target"] == {
        "number_text": "35%",
        "value": "35",
        "unit": "%",
        "comparator": "exact",
        "change": "level",
        "deadline": "2025-12-31",
        "bound": "floor",
    }


def test_it_converts_yi_and_wan_and_dates_an_observation_by_the_document(
    alice, report, gdp, growth
):
    reply = api_as(alice).post(PARSE, json={"text": GDP, "document": report.pk})
    observation = reply.json()["observation"]
    assert observation["number_text"] == "134.9万亿元"
    assert observation["value"] == "134900000000000"
    assert observation["unit"] == "CNY"
    assert observation["period_start"] == "2024-01-01"
    assert observation["period_end"] == "2024-12-31"
    assert observation["metric"] == gdp.pk  # its name matches and it counts CNY
    assert "deadline" not in observation


def test_it_reads_a_change_and_a_comparator(alice):
    figure = api_as(alice).post(PARSE, json={"text": "增长5%左右"}).json()["target"]
    assert (figure["change"], figure["comparator"], figure["value"]) == ("increase", "about", "5")


def test_a_passage_without_a_figure_prefills_nothing(alice):
    assert api_as(alice).post(PARSE, json={"text": "加快发展新质生产力"}).json() == {
        "target": {},
        "observation": {},
    }


def test_a_proposed_metric_of_someone_else_is_never_prefilled(alice, bob, report):
    Metric.objects.create(
        name="国内生产总值（GDP）增长", unit="%", status="proposed", proposed_by=bob
    )
    text = "国内生产总值增长5%"
    assert "metric" not in api_as(alice).post(PARSE, json={"text": text}).json()["observation"]
    assert "metric" in api_as(bob).post(PARSE, json={"text": text}).json()["observation"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"text": "5%", "document": 999999}, "document"),
    ],
)
def test_bad_input_to_the_parser_is_a_400_naming_the_field(alice, body, field):
    reply = api_as(alice).post(PARSE, json=body)
    assert reply.status_code == 400
    assert field in reply.json()


def test_only_those_who_may_annotate_parse(db):
    assert (
        api_as(make_user("reader", API_READER)).post(PARSE, json={"text": "5%"}).status_code == 403
    )
    assert api_as(None).post(PARSE, json={"text": "5%"}).status_code == 401


# ------------------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("typed", "deadline"),
    [("2025", "2025-12-31"), ("2024-02", "2024-02-29"), ("2025-06-30", "2025-06-30")],
)
def test_a_deadline_typed_as_a_year_or_month_is_its_last_day(alice, report, typed, deadline):
    figure = {"number_text": "35%", "value": "35", "unit": "%", "deadline": typed}
    reply = api_as(alice).post(
        "/api/v1/claims/", json=new_claim(report, SOE_TARGET, "target", figure)
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["figure"]["deadline"] == deadline


def test_a_period_typed_as_a_year_spans_it(alice, report, growth):
    figure = {"number_text": "5%", "value": "5", "unit": "%", "metric": growth.pk}
    body = new_claim(
        report, GDP, "observation", figure | {"period_start": "2024", "period_end": None}
    )
    reply = api_as(alice).post("/api/v1/claims/", json=body)
    assert reply.status_code == 201, reply.text
    assert (reply.json()["figure"]["period_start"], reply.json()["figure"]["period_end"]) == (
        "2024-01-01",
        "2024-12-31",
    )


@pytest.mark.parametrize("typed", ["03/05/2025", "2025-13", "2025-02-30", "25", "2025年"])
def test_a_malformed_date_is_refused_by_name_and_nothing_is_saved(alice, report, typed):
    figure = {"number_text": "35%", "value": "35", "unit": "%", "deadline": typed}
    reply = api_as(alice).post(
        "/api/v1/claims/", json=new_claim(report, SOE_TARGET, "target", figure)
    )
    assert reply.status_code == 400
    assert "YYYY, YYYY-MM or YYYY-MM-DD" in reply.json()["figure.deadline"][0]
    assert not Claim.objects.exists()


# ------------------------------------------------------------------------------ units


def test_an_observation_in_another_unit_than_its_metric_is_refused(alice, report, gdp):
    figure = {"number_text": "5%", "value": "5", "unit": "%", "metric": gdp.pk}
    body = new_claim(report, GDP, "observation", figure | {"period_start": "2024"})
    reply = api_as(alice).post("/api/v1/claims/", json=body)
    assert reply.status_code == 400
    assert "counted in CNY" in reply.json()["figure.unit"][0]
    assert not Claim.objects.exists()


@pytest.mark.parametrize(("typed", "stored"), [("％", "%"), (" % ", "%")])
def test_spellings_of_the_metrics_unit_agree_and_are_stored_as_the_parser_names_it(
    alice, report, growth, typed, stored
):
    figure = {"number_text": "5%", "value": "5", "unit": typed, "metric": growth.pk}
    body = new_claim(report, GDP, "observation", figure | {"period_start": "2024"})
    reply = api_as(alice).post("/api/v1/claims/", json=body)
    assert reply.status_code == 201, reply.text
    assert reply.json()["figure"]["unit"] == stored


def test_yuan_is_cny_but_yi_yuan_is_not(alice, report, gdp):
    figure = {"number_text": "134.9万亿元", "value": "134900000000000", "metric": gdp.pk}
    ok = new_claim(report, GDP, "observation", figure | {"unit": "元", "period_start": "2024"})
    assert api_as(alice).post("/api/v1/claims/", json=ok).status_code == 201
    Claim.objects.all().delete()
    scaled = ok | {"figure": ok["figure"] | {"unit": "亿元"}}
    assert "figure.unit" in api_as(alice).post("/api/v1/claims/", json=scaled).json()


def test_the_database_refuses_an_observation_in_another_unit(alice, report, gdp, growth):
    observation = observed(make_claim(report, GDP, alice, claim_type="observation"), growth)
    with pytest.raises(IntegrityError), transaction.atomic():
        Observation.objects.filter(pk=observation.pk).update(metric=gdp)
    with pytest.raises(IntegrityError), transaction.atomic():
        Metric.objects.filter(pk=growth.pk).update(unit="pp")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE claims_observation SET unit = '％' WHERE id = %s", [observation.pk])


def test_the_database_refuses_a_figure_of_another_claim_type(alice, report, growth):
    """Only an observation-type claim reports an observation and only a target-type claim
    states a target, as clean() says; so a claim has at most one figure."""
    assessment = make_claim(report, GDP, alice)
    with pytest.raises(IntegrityError, match="is of type assessment"), transaction.atomic():
        observed(assessment, growth)
    with pytest.raises(IntegrityError, match="is of type assessment"), transaction.atomic():
        TargetStatement.objects.create(claim=assessment, number_text="35%", value=35)
    figure = observed(make_claim(report, GDP, alice, claim_type="observation"), growth)
    with pytest.raises(IntegrityError, match="is of type assessment"), transaction.atomic():
        Observation.objects.filter(pk=figure.pk).update(claim=assessment)
    # Written before its claim (foreign keys wait for the commit), a figure would escape
    # the check of its claim's type: it is refused.
    unborn = Claim.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1
    with pytest.raises(IntegrityError, match="of type none yet"), transaction.atomic():
        Observation.objects.filter(pk=figure.pk).update(claim_id=unborn)


def retyped(claim_id: int, claim_type: str) -> None:
    """Change a claim's type past every check but the database's, to its commit."""
    with transaction.atomic():
        Claim.objects.filter(pk=claim_id).update(claim_type=claim_type)
        checked_now()


def test_the_database_refuses_a_change_of_type_that_keeps_the_figure(alice, report, growth):
    figure = observed(make_claim(report, GDP, alice, claim_type="observation"), growth)
    for claim_type in ("target", "assessment"):
        with pytest.raises(IntegrityError, match="still has a figure"):
            retyped(figure.claim_id, claim_type)
    # Checked at commit: the type may change first and the figure go after it.
    with transaction.atomic():
        Claim.objects.filter(pk=figure.claim_id).update(claim_type="assessment")
        Observation.objects.filter(pk=figure.pk).delete()
        checked_now()
    assert Claim.objects.get(pk=figure.claim_id).claim_type == "assessment"


# ---------------------------------------------------------------------- proposed metrics


def test_an_annotator_proposes_a_metric_and_a_reviewer_confirms_it(alice, rachel):
    reply = api_as(alice).post("/api/v1/metrics/", json={"name": "算力总规模", "unit": "EFLOPS"})
    assert reply.status_code == 201, reply.text
    assert (reply.json()["status"], reply.json()["proposed_by"]) == ("proposed", "alice")
    pk = reply.json()["id"]
    assert api_as(alice).post(f"/api/v1/metrics/{pk}/confirm/").status_code == 403
    assert api_as(alice).patch(f"/api/v1/metrics/{pk}/", json={"unit": "%"}).status_code == 403
    confirmed = api_as(rachel).post(f"/api/v1/metrics/{pk}/confirm/")
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"
    history = api_as(rachel).get(f"/api/v1/metrics/{pk}/history/").json()
    assert [event["changes"].get("status") for event in history] == [
        [None, "proposed"],
        ["proposed", "confirmed"],
    ]


def test_a_reviewers_metric_is_confirmed_and_status_cannot_be_forged(alice, rachel):
    reply = api_as(rachel).post("/api/v1/metrics/", json={"name": "算力", "unit": "EFLOPS"})
    assert reply.json()["status"] == "confirmed"
    forged = api_as(alice).post(
        "/api/v1/metrics/", json={"name": "x", "unit": "%", "status": "confirmed"}
    )
    assert forged.status_code == 400
    assert "status" in forged.json()


def test_a_proposed_metric_is_usable_on_its_proposers_claims_only(alice, bob, rachel, report):
    proposed = Metric.objects.create(
        name="国内生产总值增速", unit="%", status=MetricStatus.PROPOSED, proposed_by=alice
    )
    figure = {"number_text": "5%", "value": "5", "unit": "%", "metric": proposed.pk}
    body = new_claim(report, GDP, "observation", figure | {"period_start": "2024"})
    refused = api_as(bob).post("/api/v1/claims/", json=body)
    assert refused.status_code == 400
    assert "proposed metric" in refused.json()["figure.metric"][0]
    made = api_as(alice).post("/api/v1/claims/", json=body)
    assert made.status_code == 201, made.text
    # A reviewer may edit her claim with it: the claim is still hers.
    version = made.json()["version"]
    edited = api_as(rachel).patch(
        f"/api/v1/claims/{made.json()['id']}/",
        json={"figure": {"subject": "全国"}},
        headers={"If-Match": f'"{version}"'},
    )
    assert edited.status_code == 200, edited.text


def test_the_database_refuses_a_proposed_metric_on_anothers_claim(alice, bob, report):
    proposed = Metric.objects.create(name="增速", unit="%", status="proposed", proposed_by=alice)
    claim = make_claim(report, GDP, bob, claim_type="observation")
    with pytest.raises(IntegrityError), transaction.atomic():
        observed(claim, proposed)
    # Nor may a figure be moved to it afterwards.
    figure = observed(claim, Metric.objects.create(name="已确认", unit="%"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Observation.objects.filter(pk=figure.pk).update(metric=proposed)
    with pytest.raises(IntegrityError), transaction.atomic():
        Metric.objects.create(name="无人提出", unit="%", status="proposed")


def test_in_the_admin_an_annotators_metric_is_proposed_and_a_reviewer_confirms_it(
    client, alice, rachel
):
    client.force_login(alice)
    added = client.post(
        "/admin/claims/metric/add/", {"name": "算力总规模", "unit": "EFLOPS", "description": ""}
    )
    assert added.status_code == 302
    metric = Metric.objects.get(name="算力总规模")
    assert (metric.status, metric.proposed_by) == (MetricStatus.PROPOSED, alice)
    action = {"action": "confirm_metrics", "_selected_action": [metric.pk]}
    client.post("/admin/claims/metric/", action)
    assert Metric.objects.get(pk=metric.pk).status == MetricStatus.PROPOSED  # not hers to do
    client.force_login(rachel)
    client.post("/admin/claims/metric/", action)
    assert Metric.objects.get(pk=metric.pk).status == MetricStatus.CONFIRMED


def test_accepting_a_suggestion_with_a_metric_in_another_unit_is_refused(alice, report, growth):
    suggested = api_as(alice).get(f"/api/v1/documents/{report.pk}/suggestions/").json()
    gdp_total = next(s for s in suggested["suggestions"] if s["figure"]["unit"] == "CNY")
    which = {key: gdp_total[key] for key in ("kind", "figure_start", "figure_end")}
    url = f"/api/v1/documents/{report.pk}/suggestions/accept/"
    reply = api_as(alice).post(url, json=which | {"metric": growth.pk})  # a metric in %
    assert reply.status_code == 400
    assert "counted in %" in reply.json()["figure.unit"][0]  # named as in the claim resource
    assert not Claim.objects.exists()


def test_the_metric_list_costs_the_same_queries_however_many_are_proposed(
    alice, bob, rachel, django_assert_num_queries
):
    for n in range(6):
        proposer = (alice, bob)[n % 2]
        Metric.objects.create(name=f"指标{n}", unit="%", status="proposed", proposed_by=proposer)
    api = api_as(rachel)
    # token and user, her own and her groups' permissions (one), the page (proposers joined)
    with django_assert_num_queries(3):
        rows = api.get("/api/v1/metrics/").json()["results"]
    assert sorted(row["proposed_by"] for row in rows) == ["alice"] * 3 + ["bob"] * 3
