"""The workbench's JSON endpoints and admin views, over real HTTP (live_server + requests)."""

import re
from decimal import Decimal
from typing import Any

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


def meaning(**fields: Any) -> dict[str, Any]:
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
    figure: dict[str, Any] = {
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
        Decimal(35),
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


# --- moving a claim's span ---------------------------------------------------------

CHALLENGE = "当前尚在研究孕育阶段的产业"
# Inside ASTRAL_TARGET: 𠮷 comes before it, 𠀀 and 😀 are inside it.
ASTRAL_PASSAGE = "中央企业𠀀😀战略性新兴产业"
ELSEWHERE = "2023年中央企业战略性新兴产业投资完成2.2万亿元"


def span_at(document, quote: str) -> dict[str, Any]:
    start = document.text.index(quote)
    return {"start": start, "end": start + len(quote), "quote": quote}


def move(live_server, user, claim, **fields):
    """The workbench's save of `claim` as opened at version 1, with a new note."""
    return logged_in(live_server, user).post(
        claim_url(live_server, claim),
        json={"action": "update", "version": 1, **meaning(note="moved"), **fields},
    )


def as_stored(claim) -> tuple[object, ...]:
    """Everything a refused move must leave as it was."""
    claim = Claim.objects.get(pk=claim.pk)
    return claim.start, claim.end, claim.quote, claim.note, claim.version, claim.history.count()


def test_it_moves_a_claims_span_across_astral_characters_keeping_its_id_and_history(
    live_server, alice, astral_document
):
    text = astral_document.text
    claim = make_claim(astral_document, CHALLENGE, alice)
    new = span_at(astral_document, ASTRAL_PASSAGE)
    # Meaningful only if code points and UTF-16 units disagree at the new span.
    assert text.index("𠮷") < new["start"]
    assert len(text[: new["start"]].encode("utf-16-le")) // 2 != new["start"]

    response = move(live_server, alice, claim, **new)

    assert response.status_code == 200, response.text
    body = response.json()["claim"]
    assert body["id"] == claim.pk
    assert {key: body[key] for key in new} == new
    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.start, claim.end, claim.quote, claim.note, claim.version) == (
        new["start"],
        new["end"],
        ASTRAL_PASSAGE,
        "moved",
        2,
    )
    assert text[claim.start : claim.end] == ASTRAL_PASSAGE
    latest, first = claim.history.order_by("-history_date", "-history_id")
    assert (latest.history_type, latest.history_user, latest.start, latest.quote) == (
        "~",
        alice,
        new["start"],
        ASTRAL_PASSAGE,
    )
    assert (first.start, first.quote) == (text.index(CHALLENGE), CHALLENGE)


def test_it_refuses_a_move_whose_quote_is_not_the_text_there_and_changes_nothing(
    live_server, alice, astral_document
):
    claim = make_claim(astral_document, CHALLENGE, alice)
    before = as_stored(claim)
    new = span_at(astral_document, ASTRAL_PASSAGE)
    # The browser's UTF-16 offsets, not code points: the quote is not the text there.
    utf16_start = len(astral_document.text[: new["start"]].encode("utf-16-le")) // 2
    response = move(
        live_server,
        alice,
        claim,
        start=utf16_start,
        end=utf16_start + len(ASTRAL_PASSAGE),
        quote=ASTRAL_PASSAGE,
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["quote"]
    assert "quote does not match" in errors["quote"][0]
    assert as_stored(claim) == before


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        pytest.param({"start": -1}, "start", id="negative-start"),
        pytest.param({"start": "first"}, "start", id="start-not-a-number"),
        pytest.param({"end": 0}, "end", id="end-before-start"),
        pytest.param({"end": 10**12}, "end", id="end-beyond-the-text"),
        pytest.param({"quote": ""}, "quote", id="empty-quote"),
    ],
)
def test_it_refuses_a_bad_span_naming_the_field_and_changes_nothing(
    live_server, alice, seed_document, bad, field
):
    claim = make_claim(seed_document, SOE_TARGET, alice)
    before = as_stored(claim)
    span = {**span_at(seed_document, CHALLENGE), **bad}
    response = move(live_server, alice, claim, **span)
    assert response.status_code == 400, response.text
    assert field in response.json()["errors"]
    assert as_stored(claim) == before


def test_it_refuses_a_move_with_a_bad_figure_and_leaves_the_span_where_it_was(
    live_server, alice, seed_document
):
    claim = make_claim(seed_document, SOE_TARGET, alice, claim_type="target")
    before = as_stored(claim)
    response = move(
        live_server,
        alice,
        claim,
        **span_at(seed_document, CHALLENGE),
        claim_type="target",
        figure={"number_text": "35%", "comparator": "range", "value": "35"},
    )
    assert response.status_code == 400
    assert "figure.value_high" in response.json()["errors"]
    assert as_stored(claim) == before


def test_it_refuses_a_start_without_end_and_quote_naming_them(live_server, alice, seed_document):
    claim = make_claim(seed_document, SOE_TARGET, alice)
    before = as_stored(claim)
    response = move(live_server, alice, claim, start=0)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert sorted(errors) == ["end", "quote"]
    assert "end is missing" in errors["end"][0]
    assert as_stored(claim) == before


def test_it_refuses_an_annotator_moving_another_annotators_claim(
    live_server, alice, bob, astral_document
):
    claim = make_claim(astral_document, CHALLENGE, bob)
    before = as_stored(claim)
    response = move(
        live_server,
        alice,
        claim,
        **span_at(astral_document, ASTRAL_PASSAGE),
    )
    assert response.status_code == 403
    assert as_stored(claim) == before


def test_it_refuses_a_move_from_before_another_users_move_saying_where_they_moved_it(
    live_server, alice, rachel, astral_document
):
    claim = make_claim(astral_document, CHALLENGE, alice)
    old, new = span_at(astral_document, CHALLENGE), span_at(astral_document, ASTRAL_PASSAGE)
    theirs = move(live_server, rachel, claim, **new)
    assert theirs.status_code == 200, theirs.text
    after_theirs = as_stored(claim)

    mine = move(
        live_server,
        alice,
        claim,
        **span_at(astral_document, ELSEWHERE),
    )

    assert mine.status_code == 409
    body = mine.json()
    assert "rachel saved this claim after you opened it" in body["error"]
    assert f"start: {old['start']} → {new['start']}" in body["error"]
    assert f"end: {old['end']} → {new['end']}" in body["error"]
    assert f"quote: {CHALLENGE} → {ASTRAL_PASSAGE}" in body["error"]
    assert {"field": "quote", "before": CHALLENGE, "after": ASTRAL_PASSAGE} in body["changes"]
    assert as_stored(claim) == after_theirs


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
    found = re.search(r'<table class="claim-history">.*?</table>', page.text, re.S)
    assert found is not None
    history = found.group(0)
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
