"""The workbench's JSON endpoints and admin views, over real HTTP (live_server + requests)."""

import re

import pytest
from django.test import Client

from annotations.models import ReviewStatus
from claims.models import Claim, Metric, Observation, StaleVersion, TargetStatement, Topic
from claims.workbench import (
    claim_json,
    claims_for_document,
    progress_by_annotator,
    progress_by_document,
)
from tests.conftest import ASTRAL_TARGET, SOE_TARGET, make_claim
from tests.test_workbench_permissions import claim_url, logged_in

pytestmark = pytest.mark.django_db(transaction=True)


def create_url(live_server, document) -> str:
    return f"{live_server.url}/admin/claims/claim/workbench/{document.pk}/claims/"


def meaning(**fields) -> dict:
    return {
        "claim_type": "assessment",
        "speaker": None,
        "speaker_role": "",
        "attribution": "authorial",
        "stance": "neutral",
        "modality": "none",
        "topics": [],
        "note": "",
        **fields,
    }


def test_it_stores_code_point_offsets_after_and_inside_astral_characters(
    live_server, alice, astral_document
):
    start = astral_document.text.index(ASTRAL_TARGET)
    end = start + len(ASTRAL_TARGET)
    response = logged_in(live_server, alice).post(
        create_url(live_server, astral_document),
        json={"start": start, "end": end, "quote": ASTRAL_TARGET, **meaning(claim_type="target")},
    )
    assert response.status_code == 201, response.text
    claim = Claim.objects.get(pk=response.json()["claim"]["id"])
    assert (claim.start, claim.end, claim.quote) == (start, end, ASTRAL_TARGET)
    assert astral_document.text[claim.start : claim.end] == claim.quote
    assert claim.annotator == alice
    assert claim.history.get().history_user == alice


def test_it_refuses_utf16_offsets_naming_the_quote_and_saves_nothing(
    live_server, alice, astral_document
):
    start = astral_document.text.index(ASTRAL_TARGET)
    utf16_start = len(astral_document.text[:start].encode("utf-16-le")) // 2
    response = logged_in(live_server, alice).post(
        create_url(live_server, astral_document),
        json={
            "start": utf16_start,
            "end": utf16_start + len(ASTRAL_TARGET),
            "quote": ASTRAL_TARGET,
            **meaning(),
        },
    )
    assert response.status_code == 400
    assert "quote does not match" in response.json()["errors"]["quote"][0]
    assert Claim.objects.count() == 0


def test_it_answers_malformed_json_with_400(live_server, alice, seed_document):
    response = logged_in(live_server, alice).post(
        create_url(live_server, seed_document),
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "body" in response.json()["errors"]


def test_it_saves_a_target_with_its_figure(live_server, alice, seed_document):
    metric = Metric.objects.create(name="央企战新产业收入占比", unit="%")
    topic = Topic.objects.create(name="SOEs")
    start = seed_document.text.index(SOE_TARGET)
    figure = {
        "number_text": "35%",
        "comparator": "exact",
        "change": "level",
        "value": "35",
        "unit": "%",
        "metric": metric.pk,
        "subject": "中央企业",
        "deadline": "2025-12-31",
    }
    response = logged_in(live_server, alice).post(
        create_url(live_server, seed_document),
        json={
            "start": start,
            "end": start + len(SOE_TARGET),
            "quote": SOE_TARGET,
            **meaning(claim_type="target", modality="mandate", topics=[topic.pk]),
            "figure": figure,
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()["claim"]
    assert body["figure"]["number_text"] == "35%"
    assert body["topics"] == [topic.pk]
    statement = TargetStatement.objects.get(claim_id=body["id"])
    assert (statement.value, statement.metric, str(statement.deadline)) == (
        35,
        metric,
        "2025-12-31",
    )


def test_it_refuses_a_bad_figure_naming_the_field_and_saves_no_claim(
    live_server, alice, seed_document
):
    start = seed_document.text.index(SOE_TARGET)
    response = logged_in(live_server, alice).post(
        create_url(live_server, seed_document),
        json={
            "start": start,
            "end": start + len(SOE_TARGET),
            "quote": SOE_TARGET,
            **meaning(claim_type="target"),
            "figure": {"number_text": "35%", "comparator": "range", "value": "35"},
        },
    )
    assert response.status_code == 400
    assert "figure.value_high" in response.json()["errors"]
    assert Claim.objects.count() == 0


def test_it_refuses_the_later_of_two_edits_from_the_same_version_showing_what_changed(
    live_server, alice, rachel, seed_document
):
    claim = make_claim(seed_document, SOE_TARGET, alice, note="first reading")
    first = logged_in(live_server, rachel).post(
        claim_url(live_server, claim),
        json={"action": "update", "version": 1, **meaning(stance="support", note="rachel's")},
    )
    assert first.status_code == 200
    second = logged_in(live_server, alice).post(
        claim_url(live_server, claim),
        json={"action": "update", "version": 1, **meaning(note="alice's")},
    )
    assert second.status_code == 409
    body = second.json()
    assert "rachel saved this claim after you opened it" in body["error"]
    assert {"field": "note", "before": "first reading", "after": "rachel's"} in body["changes"]
    assert {"field": "stance", "before": "neutral", "after": "support"} in body["changes"]
    claim.refresh_from_db()
    assert (claim.note, claim.version) == ("rachel's", 2)


def test_it_raises_stale_version_from_the_model_with_the_changed_fields(alice, seed_document):
    claim = make_claim(seed_document, SOE_TARGET, alice)
    mine = Claim.objects.get(pk=claim.pk)
    claim.note = "theirs"
    claim.save_if_version(1)
    mine.note = "mine"
    with pytest.raises(StaleVersion) as stale:
        mine.save_if_version(1)
    assert [(c.field, c.before, c.after) for c in stale.value.changes] == [("note", "—", "theirs")]
    assert Claim.objects.get(pk=claim.pk).note == "theirs"


def test_it_walks_a_claim_through_submit_accept_and_reject(
    live_server, alice, rachel, seed_document
):
    accepted = make_claim(seed_document, SOE_TARGET, alice)
    rejected = make_claim(seed_document, seed_document.text[:10].strip(), alice)
    annotator, reviewer = logged_in(live_server, alice), logged_in(live_server, rachel)
    for claim in (accepted, rejected):
        submitted = annotator.post(
            claim_url(live_server, claim), json={"action": "submit", "version": 1}
        )
        assert submitted.json()["claim"]["status"] == "submitted"
    ok = reviewer.post(
        claim_url(live_server, accepted),
        json={"action": "review", "decision": "accept", "version": 2},
    )
    assert ok.status_code == 200
    no_comment = reviewer.post(
        claim_url(live_server, rejected),
        json={"action": "review", "decision": "reject", "version": 2, "comment": " "},
    )
    assert no_comment.status_code == 400
    assert "comment" in no_comment.json()["errors"]
    no = reviewer.post(
        claim_url(live_server, rejected),
        json={"action": "review", "decision": "reject", "version": 2, "comment": "不是目标"},
    )
    assert no.status_code == 200
    accepted.refresh_from_db()
    rejected.refresh_from_db()
    assert (accepted.status, accepted.reviewer, accepted.reviewed_at is not None) == (
        ReviewStatus.ACCEPTED,
        rachel,
        True,
    )
    assert (rejected.status, rejected.review_comment) == (ReviewStatus.REJECTED, "不是目标")
    again = reviewer.post(
        claim_url(live_server, accepted),
        json={"action": "review", "decision": "reject", "version": 3, "comment": "x"},
    )
    assert again.status_code == 403  # only a submitted claim is reviewed


def test_it_restores_a_deleted_claim_with_its_topics_and_figure(live_server, alice, seed_document):
    metric = Metric.objects.create(name="研发投入", unit="CNY")
    topic = Topic.objects.create(name="R&D")
    claim = make_claim(seed_document, SOE_TARGET, alice, claim_type="observation")
    claim.topics.add(topic)
    Observation.objects.create(
        claim=claim,
        metric=metric,
        number_text="35%",
        value=35,
        period_start="2023-01-01",
        period_end="2023-12-31",
    )
    session = logged_in(live_server, alice)
    deleted = session.post(claim_url(live_server, claim), json={"action": "delete", "version": 1})
    assert deleted.json() == {"deleted": claim.pk}
    assert not Claim.objects.filter(pk=claim.pk).exists()
    listing = session.get(f"{live_server.url}/admin/claims/claim/deleted/")
    assert f"#{claim.pk}" in listing.text
    restored = session.post(
        f"{live_server.url}/admin/claims/claim/deleted/",
        data={"csrfmiddlewaretoken": session.cookies["csrftoken"], "claim_id": claim.pk},
    )
    assert restored.url.endswith(f"/admin/claims/claim/{claim.pk}/change/")
    claim = Claim.objects.get(pk=claim.pk)
    assert list(claim.topics.all()) == [topic]
    assert claim.observation.metric == metric
    assert claim.version == 2
    # deleted, created again, its topics linked again
    assert [r.history_type for r in claim.history.order_by("history_date")][-3:] == ["-", "+", "~"]


def test_it_finds_speakers_by_alias_in_either_script_and_creates_one_in_place(
    live_server, alice, zhang
):
    session = logged_in(live_server, alice)
    url = f"{live_server.url}/admin/claims/claim/workbench/speakers/"
    # 张玉卓 is the name; 張玉卓 the alias. A traditional search finds both.
    found = session.get(url, params={"q": "張玉"}).json()["speakers"]
    assert [s["name"] for s in found] == ["张玉卓"]
    created = session.post(url, json={"name": "原磊"})
    assert created.status_code == 201
    duplicate = session.post(url, json={"name": "張玉卓"})
    assert duplicate.status_code == 400
    assert "alias of 张玉卓" in duplicate.json()["errors"]["name"][0]


def test_it_refuses_a_stale_admin_form_save_with_a_form_error_showing_the_change(
    live_server, alice, rachel, seed_document
):
    claim = make_claim(seed_document, SOE_TARGET, alice, note="first")
    session = logged_in(live_server, alice)
    url = f"{live_server.url}/admin/claims/claim/{claim.pk}/change/"
    page = session.get(url)
    assert 'name="expected_version" value="1"' in page.text
    logged_in(live_server, rachel).post(
        claim_url(live_server, claim),
        json={"action": "update", "version": 1, **meaning(note="rachel's note")},
    )
    form = {
        "csrfmiddlewaretoken": session.cookies["csrftoken"],
        "document": seed_document.pk,
        "start": claim.start,
        "end": claim.end,
        "quote": claim.quote,
        "claim_type": "assessment",
        "attribution": "authorial",
        "stance": "neutral",
        "modality": "none",
        "note": "alice's note",
        "expected_version": 1,
        **{
            f"{prefix}-{key}": value
            for prefix in ("target_statement", "observation")
            for key, value in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()
        },
    }
    response = session.post(url, data=form)
    assert response.status_code == 200
    assert "rachel saved this claim after you opened it" in response.text
    assert "note: first → rachel&#x27;s note" in response.text
    assert Claim.objects.get(pk=claim.pk).note == "rachel's note"


def test_it_shows_every_change_with_who_and_before_after_on_the_claim_page(
    live_server, alice, rachel, seed_document
):
    claim = make_claim(seed_document, SOE_TARGET, alice, note="first")
    logged_in(live_server, rachel).post(
        claim_url(live_server, claim),
        json={"action": "update", "version": 1, **meaning(note="<b>second</b>")},
    )
    page = logged_in(live_server, alice).get(
        f"{live_server.url}/admin/claims/claim/{claim.pk}/change/"
    )
    history = re.search(r'<table class="claim-history">.*?</table>', page.text, re.S).group(0)
    assert "rachel" in history
    assert "note: first → &lt;b&gt;second&lt;/b&gt;" in history  # escaped


def test_it_lists_a_documents_claims_in_a_constant_number_of_queries(
    alice, bob, seed_document, zhang, django_assert_num_queries
):
    topic = Topic.objects.create(name="AI")
    for i, annotator in enumerate([alice, bob, alice]):
        claim = make_claim(
            seed_document, seed_document.text[i * 20 : i * 20 + 10].strip(), annotator
        )
        claim.topics.add(topic)
    alice.has_perm("claims.view_claim")  # fill the permission cache, as a request would
    # 1 claims with speaker, annotator, reviewer, figures; 2 their topics; 3 is alice a reviewer
    with django_assert_num_queries(3):
        rows = [claim_json(c, alice) for c in claims_for_document(seed_document)]
    assert len(rows) == 3
    assert [r["can"]["change"] for r in rows] == [True, False, True]


def test_it_counts_progress_per_document_and_per_annotator_in_three_queries(
    alice, bob, seed_document, django_assert_num_queries
):
    make_claim(seed_document, SOE_TARGET, alice, claim_type="target")
    make_claim(seed_document, seed_document.text[:8].strip(), bob, status="submitted")
    # 1 documents; 2 counts by document, type and status; 3 counts by annotator and status
    with django_assert_num_queries(3):
        documents = progress_by_document()
        annotators = progress_by_annotator()
    assert documents[0]["total"] == 2
    assert documents[0]["types"][:1] == [1]  # one target
    assert documents[0]["statuses"][:2] == [1, 1]  # one draft, one submitted
    assert [(a["annotator"], a["total"]) for a in annotators] == [("alice", 1), ("bob", 1)]


def test_it_renders_the_workbench_page_in_a_constant_number_of_queries(
    alice, seed_document, django_assert_max_num_queries
):
    for i in range(5):
        make_claim(seed_document, seed_document.text[i * 30 : i * 30 + 10].strip(), alice)
    client = Client()
    client.force_login(alice)
    # session, user, permissions (2), document, claims, topics, reviewer group, topics list,
    # metrics, and the admin sidebar's app list
    with django_assert_max_num_queries(12):
        response = client.get(f"/admin/claims/claim/workbench/{seed_document.pk}/")
    assert response.status_code == 200
    assert 'id="wb-data"' in response.content.decode()
