"""The timeline and due-targets endpoints, over real HTTP; query counts in process."""

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from annotations.models import ReviewStatus
from claims.models import Claim, Target
from claims.tracking import TargetStatus
from tests.api_support import _fresh_throttles, api_as, mallory, reader  # noqa: F401
from tests.test_tracking import (  # noqa: F401
    investment,
    observe,
    revenue,
    say,
    soe_target,
    state,
)


@pytest.fixture
def tracked(soe_target, revenue, investment, alice):
    """The SOE target restated higher, with one figure of its metric and one of another."""
    raised = say("到2025年战新产业收入占比力争达到36%", date(2024, 9, 1), alice)
    state(raised, revenue, "36%", "36", date(2025, 12, 31))
    soe_target.restate(raised, by=alice)
    observe(revenue, "2024年央企战新产业收入占比35.5%", "35.5", 2024, date(2025, 3, 1), alice)
    observe(investment, "占全部投资比重的35.2%", "35.2", 2023, date(2024, 3, 9), alice)
    return soe_target


def test_it_refuses_the_timeline_to_anonymous_and_roleless_users(tracked, mallory):
    url = f"/api/v1/targets/{tracked.pk}/timeline/"
    assert api_as().get(url).status_code in (401, 403)
    assert api_as(mallory).get(url).status_code == 403


def test_it_gives_the_timeline_in_time_order_with_each_passage(tracked, alice):
    response = api_as(alice).get(f"/api/v1/targets/{tracked.pk}/timeline/?as_of=2025-04-01")
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(e["date"], e["kind"]) for e in body["events"]] == [
        ("2024-03-05", "statement"),
        ("2024-09-01", "statement"),
        ("2024-09-01", "revision"),
        ("2025-03-01", "observation"),
    ]
    first, raised, revision, observed = body["events"]
    assert first["status"] == TargetStatus.REVISED  # its 35% is no longer in force
    assert raised["status"] == "in_force"
    assert revision["changes"] == {"value": ["35", "36"], "number_text": ["35%", "36%"]}
    assert first["passage"]["quote"] == "到2025年，中央企业战略性新兴产业收入的占比要达到35%"
    assert first["passage"]["url"] == f"/admin/claims/claim/{first['passage']['claim_id']}/change/"
    assert observed["figure"]["value"] == "35.5"  # the investment share is not there
    target = body["target"]
    assert (target["value"], target["computed_status"]) == ("36", TargetStatus.OFF_TRACK)


def test_it_refuses_a_malformed_as_of_date_naming_the_parameter(tracked, alice):
    response = api_as(alice).get(f"/api/v1/targets/{tracked.pk}/timeline/?as_of=2025-13-01")
    assert response.status_code == 400
    assert "as_of" in response.json()


def test_it_reads_the_timeline_in_a_fixed_number_of_queries(
    tracked, rachel, django_assert_num_queries
):
    client = Client()
    client.force_login(rachel)
    with django_assert_num_queries(11):
        # 1 the session, 2 the user, 3 the user's own permissions and those of her
        # groups (RolePermission), 4 the target with its metric, 5 its statements,
        # 6 its revisions, 7 its metric's observations (each with claim and document),
        # 8–11 the same four for its series.
        response = client.get(f"/api/v1/targets/{tracked.pk}/timeline/")
    assert response.status_code == 200
    assert len(response.json()["events"]) == 4


def test_it_keeps_other_subjects_and_scopes_out_of_a_series(soe_target):
    def like_it(**changes) -> Target:
        fields = ["metric", "subject", "scope", "number_text", "value", "unit", "deadline"]
        return Target.objects.create(**{f: getattr(soe_target, f) for f in fields} | changes)

    other_scope = like_it(title="某省央企战新产业收入占比35%", scope="某省")
    other_subject = like_it(title="地方国企战新产业收入占比35%", subject="地方国有企业")
    later = like_it(title="央企战新产业收入占比40%（2027）", value=40, deadline=date(2027, 12, 31))
    assert list(soe_target.series()) == [soe_target, later]
    assert list(other_scope.series()) == [other_scope]
    assert list(other_subject.series()) == [other_subject]


def test_it_lists_the_targets_due_with_their_status(tracked, revenue, alice):
    api = api_as(alice)
    response = api.get("/api/v1/targets/due/?as_of=2025-04-01")
    assert response.status_code == 200, response.text
    assert [(r["id"], r["status"]) for r in response.json()["results"]] == [
        (tracked.pk, TargetStatus.OFF_TRACK)
    ]
    assert api.get("/api/v1/targets/due/?as_of=2024-04-01").json()["results"] == []


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("subject=中央企业", True),
        ("subject=北京市", False),
        ("status=off_track", True),
        ("status=achieved", False),
        ("deadline_after=2025-01-01&deadline_before=2025-12-31", True),
        ("deadline_before=2024-12-31", False),
    ],
)
def test_it_filters_targets_by_subject_status_and_deadline(tracked, alice, query, found):
    response = api_as(alice).get(f"/api/v1/targets/tracking/?as_of=2025-04-01&{query}")
    assert response.status_code == 200, response.text
    assert [r["id"] for r in response.json()["results"]] == ([tracked.pk] if found else [])


def test_it_filters_targets_by_metric(tracked, revenue, investment, alice):
    api = api_as(alice)
    assert api.get(f"/api/v1/targets/tracking/?metric={revenue.pk}").json()["count"] == 1
    assert api.get(f"/api/v1/targets/tracking/?metric={investment.pk}").json()["count"] == 0


def test_it_refuses_an_unknown_status_naming_the_filter(tracked, alice):
    response = api_as(alice).get("/api/v1/targets/tracking/?status=great")
    assert response.status_code == 400
    assert "status" in response.json()


def test_it_keeps_to_the_gold_layer_when_asked(tracked, alice, rachel):
    """Only what curated claims state, revise and observe; the annotators' layer is the rest."""
    raised = tracked.statements.get(claim__document__published_on=date(2024, 9, 1)).claim
    observed = Claim.objects.get(quote="2024年央企战新产业收入占比35.5%")
    accepted = {"status": ReviewStatus.ACCEPTED, "reviewer": rachel, "reviewed_at": timezone.now()}
    Claim.objects.filter(pk__in=[raised.pk, observed.pk]).update(gold=True, **accepted)
    api = api_as(alice)
    url = f"/api/v1/targets/{tracked.pk}/timeline/?as_of=2025-04-01"
    gold = api.get(f"{url}&layer=gold").json()["events"]
    assert [(e["date"], e["kind"]) for e in gold] == [
        ("2024-09-01", "statement"),
        ("2024-09-01", "revision"),
        ("2025-03-01", "observation"),
    ]
    annotations = api.get(f"{url}&layer=annotations").json()["events"]
    assert [(e["date"], e["kind"]) for e in annotations] == [("2024-03-05", "statement")]
    listed = api.get("/api/v1/targets/tracking/?layer=gold").json()
    assert [t["id"] for t in listed["results"]] == [tracked.pk]
    Claim.objects.filter(pk=raised.pk).update(gold=False)
    assert api.get("/api/v1/targets/tracking/?layer=gold").json()["count"] == 0
    assert api.get(f"{url}&layer=gold").status_code == 404  # no gold claim states it
    bad = api.get("/api/v1/targets/due/?layer=silver")
    assert bad.status_code == 400
    assert "layer" in bad.json()
