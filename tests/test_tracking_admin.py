"""Targets in the admin: created from a claim, restated, charted, filtered by status."""

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http.response import HttpResponseBase
from django.test import Client

from claims.models import ClaimRelation, ClaimType, RelationKind, Target
from claims.tracking import TargetStatus
from tests.test_tracking import (  # noqa: F401
    investment,
    observe,
    revenue,
    say,
    soe_target,
    state,
)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def save_target(client: Client, initial: dict[str, str], metric) -> Any:
    """The target form as opened from a claim (`initial`), saved with `metric`."""
    form = initial | {"metric": metric.pk, "subject": "中央企业"}
    empty_revisions = {"revisions-TOTAL_FORMS": 0, "revisions-INITIAL_FORMS": 0}
    return client.post("/admin/claims/target/add/", form | empty_revisions)


def run_action(client: Client, action: str, claim) -> HttpResponseBase:
    return client.post("/admin/claims/claim/", {"action": action, "_selected_action": [claim.pk]})


def test_it_opens_a_target_form_prefilled_from_a_claim_and_links_it_on_save(rachel, alice, revenue):
    claim = say("到2025年，中央企业战略性新兴产业收入的占比要达到35%", date(2024, 3, 5), alice)
    client = client_for(rachel)
    response = run_action(client, "create_target_from_claim", claim)
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert url.path == "/admin/claims/target/add/"
    initial = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert initial | {"metric": str(revenue.pk), "subject": "中央企业"} == {
        "title": claim.quote,
        "number_text": "35%",
        "comparator": "exact",
        "change": "level",
        "value": "35",
        "unit": "%",
        "deadline": "2025-12-31",
        "bound": "floor",  # proposed: a bare level to reach
        "from_claim": str(claim.pk),
        "metric": str(revenue.pk),
        "subject": "中央企业",
    }
    form = client.get(response["Location"])
    assert f'name="from_claim" value="{claim.pk}"' in form.content.decode()
    saved = save_target(client, initial, revenue)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    target = Target.objects.get()
    assert (target.value, target.deadline) == (Decimal(35), date(2025, 12, 31))
    stated = target.statements.get()
    assert (stated.claim, stated.metric, stated.value) == (claim, revenue, Decimal(35))


def test_a_target_from_a_claim_whose_evidence_measures_another_metric_is_refused(
    rachel, alice, revenue, investment
):
    """The claim has no statement yet: the one saving makes takes the target's metric,
    which an observation of another metric, evidence for the claim, does not measure."""
    claim = say("到2025年，中央企业战略性新兴产业收入的占比要达到35%", date(2024, 3, 5), alice)
    evidence = observe(investment, "2024年战新产业投资占比30%", "30", 2024, date(2025, 3, 1), alice)
    ClaimRelation.objects.create(
        source=evidence.claim, target=claim, kind=RelationKind.EVIDENCE_FOR, created_by=alice
    )
    client = client_for(rachel)
    url = urlsplit(run_action(client, "create_target_from_claim", claim)["Location"])
    initial = {key: values[0] for key, values in parse_qs(url.query).items()}
    refused = save_target(client, initial, revenue)
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert f"Claim #{evidence.claim_id}, an observation of another metric" in errors["metric"][0]
    assert not Target.objects.exists()


def test_it_denies_creating_a_target_to_an_annotator(alice):
    claim = say("到2025年，中央企业战略性新兴产业收入的占比要达到35%", date(2024, 3, 5), alice)
    response = run_action(client_for(alice), "create_target_from_claim", claim)
    assert response.status_code == 403
    assert not Target.objects.exists()


def test_it_opens_an_observation_form_prefilled_from_a_claim(rachel, alice, revenue):
    claim = say(
        "2023年央企战略性新兴产业收入占比超过33%", date(2024, 3, 20), alice, ClaimType.OBSERVATION
    )
    response = run_action(client_for(rachel), "make_observation_from_claim", claim)
    initial = {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}
    assert urlsplit(response["Location"]).path == "/admin/claims/observation/add/"
    assert initial == {
        "claim": str(claim.pk),
        "number_text": "33%",
        "comparator": "more_than",
        "change": "level",
        "value": "33",
        "unit": "%",
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "metric": str(revenue.pk),
    }


def test_it_links_a_restatement_from_the_target_page_recording_the_revision(
    soe_target, revenue, rachel, alice
):
    later = say("到2027年，中央企业战新产业收入占比要达到40%", date(2025, 3, 1), alice)
    state(later, revenue, "40%", "40", date(2027, 12, 31))
    client = client_for(rachel)
    response = client.post(
        f"/admin/claims/target/{soe_target.pk}/restate/", {"claim_id": later.pk}, follow=True
    )
    assert "revision recorded: value, deadline, number_text" in response.content.decode()
    revision = soe_target.revisions.get()
    assert revision.changes["deadline"] == ["2025-12-31", "2027-12-31"]


def test_it_refuses_to_link_a_claim_of_another_metric_saying_why(
    soe_target, investment, rachel, alice
):
    other = say("到2025年，战略性新兴产业投资占比要达到35.2%", date(2024, 6, 1), alice)
    state(other, investment, "35.2%", "35.2", date(2025, 12, 31))
    response = client_for(rachel).post(
        f"/admin/claims/target/{soe_target.pk}/restate/", {"claim_id": other.pk}, follow=True
    )
    assert "a different metric is a different target" in response.content.decode()
    assert soe_target.statements.count() == 1


def test_it_shows_the_timeline_chart_and_both_statuses_on_the_target_page(
    soe_target, revenue, rachel, alice
):
    observe(revenue, "2025年央企战新产业收入占比34.8%", "34.8", 2025, date(2026, 3, 5), alice)
    soe_target.status_override = TargetStatus.ACHIEVED
    soe_target.status_override_reason = "Counted <b>before</b> the merger"
    soe_target.save()
    page = client_for(rachel).get(f"/admin/claims/target/{soe_target.pk}/change/")
    html = page.content.decode()
    assert '<svg id="target-chart"' in html
    assert html.count('class="observed"') == 1
    assert 'class="deadline"' in html
    assert 'id="computed-status">missed<' in html
    assert 'id="effective-status">achieved<' in html
    assert "Counted &lt;b&gt;before&lt;/b&gt; the merger" in html  # escaped
    assert html.count('class="timeline-') == 2  # the statement and the observation
    # The status and chart come first on the page, above the form.
    assert html.index('id="computed-status"') < html.index('id="target_form"')
    assert html.index('<svg id="target-chart"') < html.index('id="target_form"')


@pytest.mark.parametrize(("status", "listed"), [("missed", True), ("on_track", False)])
def test_it_filters_the_target_list_by_status(soe_target, revenue, rachel, alice, status, listed):
    observe(revenue, "2025年央企战新产业收入占比34.8%", "34.8", 2025, date(2026, 3, 5), alice)
    client = client_for(rachel)
    response = client.get(f"/admin/claims/target/?status={status}")
    assert (soe_target.title in response.content.decode()) is listed


def test_it_shows_no_series_for_a_goal_set_once(soe_target, rachel):
    html = client_for(rachel).get(f"/admin/claims/target/{soe_target.pk}/change/").content.decode()
    assert 'id="target-timeline"' in html
    assert 'id="target-series"' not in html
