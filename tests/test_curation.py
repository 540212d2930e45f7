"""Curation over the API: two annotators' claims side by side, made into gold, finished.

Alice and Bob annotate a seed document independently; Cora curates it. Their claims
agree on one passage (notes aside), disagree on another, and Bob alone marked a third.
"""

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from annotations.models import Document, ReviewStatus
from claims import curation
from claims.models import Attribution, Claim, ClaimType, Stance, Topic
from claims.roles import ANNOTATOR
from projects.models import (
    Assignment,
    AssignmentState,
    CurationState,
    Membership,
    Project,
    ProjectDocument,
    ProjectRole,
)
from tests.api_support import api_as, reader  # noqa: F401 (a fixture)
from tests.conftest import SOE_TARGET, make_user

AGREED = SOE_TARGET
DISPUTED = "国资央企"  # the first occurrence
ALONE = "新质生产力"


@pytest.fixture
def team(seed_document: Document, alice, bob, rachel) -> dict[str, Any]:
    project = Project.objects.create(name="study", independent=True, annotators_per_document=2)
    cora = make_user("cora", ANNOTATOR)
    Membership.objects.create(project=project, user=cora, role=ProjectRole.CURATOR)
    for person in (alice, bob):
        Membership.objects.create(project=project, user=person, role=ProjectRole.ANNOTATOR)
    ProjectDocument.objects.create(project=project, document=seed_document)
    assignments = [
        Assignment.objects.create(project=project, document=seed_document, annotator=person)
        for person in (alice, bob)
    ]
    topic = Topic.objects.create(name="国企改革")
    text = seed_document.text

    def claim(who: Any, quote: str, **fields: Any) -> Claim:
        start = text.index(quote)
        fields.setdefault("claim_type", ClaimType.TARGET)
        made = Claim.objects.create(
            project=project,
            document=seed_document,
            start=start,
            end=start + len(quote),
            quote=quote,
            annotator=who,
            attribution=Attribution.AUTHORIAL,
            **fields,
        )
        return made

    claims = {
        "alice_agreed": claim(alice, AGREED, note="clear"),
        "bob_agreed": claim(bob, AGREED, note="obvious"),
        "alice_disputed": claim(alice, DISPUTED, claim_type=ClaimType.CHALLENGE),
        "bob_disputed": claim(
            bob, DISPUTED + "作为", claim_type=ClaimType.ASSESSMENT, stance=Stance.SUPPORT
        ),
        "bob_alone": claim(bob, ALONE, claim_type=ClaimType.ASSESSMENT),
    }
    for name in ("alice_agreed", "bob_agreed"):
        claims[name].topics.add(topic)
    return {
        "project": project,
        "document": seed_document,
        "cora": cora,
        "assignments": assignments,
        "claims": claims,
        "topic": topic,
        "url": f"/api/v1/projects/{project.pk}/documents/{seed_document.pk}/curation/",
    }


def finish_annotation(team: dict[str, Any]) -> None:
    for assignment in team["assignments"]:
        assignment.state = AssignmentState.FINISHED
        assignment.finished_at = timezone.now()
        assignment.save()


def state_of(team: dict[str, Any]) -> ProjectDocument:
    return ProjectDocument.objects.get(project=team["project"], document=team["document"])


def test_not_before_the_annotators_finish(team):
    api = api_as(team["cora"])
    shown = api.get(team["url"]).json()
    assert shown["ready"] is False
    reply = api.post(team["url"], json={"action": "merge-agreed"})
    assert reply.status_code == 409
    assert "alice (assigned)" in reply.json()["detail"]
    assert state_of(team).curation_state == CurationState.OPEN


def test_side_by_side_grouped_by_matching_spans(team, django_assert_num_queries):
    finish_annotation(team)
    claims = team["claims"]
    with django_assert_num_queries(6):
        loaded = curation.load(team["project"], team["document"].pk)
    groups = [({c.pk for c in g.claims}, g.agreed) for g in loaded.groups]
    assert ({claims["alice_agreed"].pk, claims["bob_agreed"].pk}, True) in groups
    assert ({claims["alice_disputed"].pk, claims["bob_disputed"].pk}, False) in groups
    assert ({claims["bob_alone"].pk}, False) in groups  # alice did not mark it
    shown = api_as(team["cora"]).get(team["url"])
    assert shown.status_code == 200
    assert shown.json()["ready"] is True
    assert len(shown.json()["groups"]) == 3


def test_it_reads_a_curation_in_a_fixed_number_of_queries(team, django_assert_num_queries):
    finish_annotation(team)
    api = api_as(team["cora"])
    api.post(team["url"], json={"action": "merge-agreed"})
    api.post(team["url"], json={"action": "finish"})
    with django_assert_num_queries(11):
        # 1 the token and user, 2 the project, 3 is she a reviewer, 4 her membership
        # (can_curate); 5 the project document with who curated it, 6 the assignments,
        # 7 the claims, 8 their topics, 9 their relations, 10 the gold claims' sources;
        # 11 her own and her groups' permissions (what she may do with each claim).
        reply = api.get(team["url"])
    assert len(reply.json()["groups"]) == 3
    assert reply.json()["curated_by"] == "cora"


def test_merge_agreed_makes_gold_with_its_sources(team):
    finish_annotation(team)
    claims, cora = team["claims"], team["cora"]
    reply = api_as(cora).post(team["url"], json={"action": "merge-agreed"})
    assert reply.status_code == 201, reply.text
    (gold_id,) = reply.json()["created"]
    gold = Claim.objects.get(pk=gold_id)
    assert gold.gold
    assert gold.project == team["project"]
    assert gold.annotator == cora
    assert gold.status == ReviewStatus.ACCEPTED
    assert gold.reviewer == cora
    assert (gold.start, gold.end, gold.claim_type) == (
        claims["alice_agreed"].start,
        claims["alice_agreed"].end,
        ClaimType.TARGET,
    )
    assert list(gold.topics.all()) == [team["topic"]]
    assert set(gold.curated_from.all()) == {claims["alice_agreed"], claims["bob_agreed"]}
    assert gold.events.filter(pgh_label="insert").count() == 1  # in history
    assert state_of(team).curation_state == CurationState.CURATING
    again = api_as(cora).post(team["url"], json={"action": "merge-agreed"})
    assert again.json()["created"] == []  # nothing merged twice


def test_take_one_version_with_a_field_of_the_other(team):
    finish_annotation(team)
    claims, api = team["claims"], api_as(team["cora"])
    source = claims["alice_disputed"]
    reply = api.post(
        team["url"],
        json={"action": "take", "sources": [source.pk], "changes": {"stance": Stance.SUPPORT}},
    )
    assert reply.status_code == 201, reply.text
    gold = Claim.objects.get(pk=reply.json()["created"][0])
    assert (gold.start, gold.end, gold.claim_type) == (source.start, source.end, source.claim_type)
    assert gold.stance == Stance.SUPPORT  # bob's
    assert list(gold.curated_from.all()) == [source]
    twice = api.post(team["url"], json={"action": "take", "sources": [source.pk]})
    assert twice.status_code == 409
    assert f"gold claim {gold.pk}" in twice.json()["detail"]
    discarded = api.post(team["url"], json={"action": "discard", "gold": gold.pk})
    assert discarded.status_code == 200
    assert not Claim.objects.filter(pk=gold.pk).exists()
    assert api.post(team["url"], json={"action": "take", "sources": [source.pk]}).status_code == 201


def test_add_what_everyone_missed(team):
    finish_annotation(team)
    text = team["document"].text
    quote = "加快发展新"
    start = text.index(quote)
    missed = {
        "start": start,
        "end": start + len(quote),
        "quote": quote,
        "claim_type": ClaimType.RECOMMENDATION,
        "attribution": Attribution.AUTHORIAL,
    }
    reply = api_as(team["cora"]).post(team["url"], json={"action": "take", "changes": missed})
    assert reply.status_code == 201, reply.text
    assert reply.json()["added"] == reply.json()["created"]
    assert not Claim.objects.get(pk=reply.json()["created"][0]).curated_from.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "take", "sources": [1], "changes": {"status": "draft"}}, "changes.status"),
        ({"action": "take", "changes": {"stance": "angry"}}, "changes.stance"),
        ({"action": "take", "sources": ["x"]}, "sources"),
        ({"action": "take", "sources": [99999999]}, "sources.0"),
        ({"action": "take", "sources": [99999999], "changes": {"sources": [1]}}, "sources.0"),
        ({"action": "publish"}, "action"),
        ({"action": "discard"}, "gold"),
        ({"action": "discard", "gold": 99999999}, "gold"),
    ],
)
def test_bad_actions_are_named_and_write_nothing(team, body, field):
    finish_annotation(team)
    if body.get("changes") == {"stance": "angry"}:
        body["sources"] = [team["claims"]["alice_disputed"].pk]
    before = Claim.objects.count()
    reply = api_as(team["cora"]).post(team["url"], json=body)
    assert reply.status_code == 400, reply.text
    assert field in reply.json()
    assert Claim.objects.count() == before


def test_finish_makes_it_curated_and_final(team):
    finish_annotation(team)
    api = api_as(team["cora"])
    assert api.post(team["url"], json={"action": "merge-agreed"}).status_code == 201
    reply = api.post(team["url"], json={"action": "finish"})
    assert reply.status_code == 200
    assert reply.json()["curation_state"] == CurationState.CURATED
    assert reply.json()["curated_by"] == "cora"
    entry = state_of(team)
    assert (entry.curation_state, entry.curated_by) == (CurationState.CURATED, team["cora"])
    assert entry.curated_at is not None
    late = api.post(team["url"], json={"action": "take", "sources": []})
    assert late.status_code == 409


def test_only_curators_curate(team, alice, rachel, reader):
    finish_annotation(team)
    # An annotator is refused; to one who is no member the project does not exist.
    for person, status in ((alice, 403), (reader, 404)):
        assert api_as(person).get(team["url"]).status_code == status
        assert api_as(person).post(team["url"], json={"action": "finish"}).status_code == status
    assert state_of(team).curation_state == CurationState.OPEN
    assert api_as(rachel).get(team["url"]).status_code == 200  # reviewers curate too
    other = f"/api/v1/projects/{team['project'].pk}/documents/99999999/curation/"
    assert api_as(rachel).get(other).status_code == 404


def test_the_gold_layer_is_a_filter_of_lists_and_exports(team, rachel):
    finish_annotation(team)
    api_as(team["cora"]).post(team["url"], json={"action": "merge-agreed"})
    api = api_as(rachel)
    gold = api.get("/api/v1/claims/?layer=gold").json()["results"]
    assert [c["annotator"] for c in gold] == ["cora"]
    annotations = api.get("/api/v1/claims/?layer=annotations").json()["results"]
    assert len(annotations) == len(team["claims"])
    exported = api.get("/api/v1/claims/export.jsonl?layer=gold").text.splitlines()
    assert len(exported) == 1
    bad = api.get("/api/v1/claims/?layer=silver")
    assert bad.status_code == 400
    assert "layer" in bad.json()


def test_the_admin_page_takes_a_version_and_finishes(team, client):
    finish_annotation(team)
    client.force_login(team["cora"])
    url = f"/admin/claims/claim/team/{team['project'].pk}/curation/{team['document'].pk}/"
    page = client.get(url).content.decode()
    assert page.count("Take this version") == 5  # every version of every group
    assert "All agree" in page
    bob_disputed = team["claims"]["bob_disputed"]
    alice_disputed = team["claims"]["alice_disputed"]
    sources = [bob_disputed.pk, alice_disputed.pk]
    client.post(url, {"action": "take", "sources": sources})
    gold = Claim.objects.get(gold=True)
    assert (gold.start, gold.end, gold.claim_type) == (
        bob_disputed.start,
        bob_disputed.end,
        bob_disputed.claim_type,
    )
    assert set(gold.curated_from.all()) == {bob_disputed, alice_disputed}
    refused = client.post(url, {"action": "take", "sources": sources}, follow=True)
    assert "already curated" in refused.content.decode()
    client.post(url, {"action": "finish"})
    assert state_of(team).curation_state == CurationState.CURATED
    client.force_login(team["claims"]["alice_agreed"].annotator)
    assert client.get(url).status_code == 403


def test_the_database_holds_gold_to_its_rules(team):
    """Gold is accepted, and curated only from annotators' claims of its document."""
    finish_annotation(team)
    claims = team["claims"]
    reply = api_as(team["cora"]).post(team["url"], json={"action": "merge-agreed"})
    gold = Claim.objects.get(pk=reply.json()["created"][0])
    links = Claim.curated_from.through.objects
    for bad in (
        lambda: Claim.objects.filter(pk=gold.pk).update(status=ReviewStatus.DRAFT),
        lambda: links.create(from_claim=claims["alice_disputed"], to_claim=claims["bob_disputed"]),
        lambda: links.create(from_claim=gold, to_claim=gold),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            bad()
    other = Document.from_raw("另一篇文章：国资央企。", title="other", language="zh-Hans")
    other.save()
    ProjectDocument.objects.create(project=team["project"], document=other)
    elsewhere = Claim.objects.create(
        project=team["project"],
        document=other,
        start=0,
        end=2,
        quote="另一",
        annotator=claims["bob_alone"].annotator,
        claim_type=ClaimType.ASSESSMENT,
        attribution=Attribution.AUTHORIAL,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        links.create(from_claim=gold, to_claim=elsewhere)


def test_where_gold_came_from_is_in_both_histories(team):
    finish_annotation(team)
    reply = api_as(team["cora"]).post(team["url"], json={"action": "merge-agreed"})
    gold_id = reply.json()["created"][0]
    history = api_as(team["cora"]).get(f"/api/v1/claims/{gold_id}/history/")
    assert history.status_code == 200, history.text
    links = [e for e in history.json() if e["model"] == "claims.Claim_curated_from"]
    assert {e["changes"]["to_claim_id"][1] for e in links} == {
        team["claims"]["alice_agreed"].pk,
        team["claims"]["bob_agreed"].pk,
    }
    assert {e["username"] for e in links} == {"cora"}
    source = team["claims"]["alice_agreed"].pk
    of_source = api_as(team["cora"]).get(f"/api/v1/claims/{source}/history/").json()
    assert [e["changes"]["from_claim_id"][1] for e in of_source if e in links] == [gold_id]


def test_the_admin_claim_list_filters_the_gold_layer(team, client, rachel):
    finish_annotation(team)
    api_as(team["cora"]).post(team["url"], json={"action": "merge-agreed"})
    client.force_login(rachel)
    gold = client.get("/admin/claims/claim/?gold__exact=1").context["cl"].result_list
    assert [claim.annotator.username for claim in gold] == ["cora"]
    others = client.get("/admin/claims/claim/?gold__exact=0").context["cl"].result_list
    assert len(others) == len(team["claims"])


def test_a_reviewer_or_admin_who_is_no_member_curates_and_joins_as_curator(team, rachel, ada):
    finish_annotation(team)
    project = team["project"]
    for curator in (rachel, ada):
        assert not project.memberships.filter(user=curator).exists()
    made = api_as(rachel).post(team["url"], json={"action": "merge-agreed"})
    assert made.status_code == 201, made.text
    (gold_id,) = made.json()["created"]
    assert Claim.objects.get(pk=gold_id).annotator == rachel
    assert project.memberships.get(user=rachel).role == ProjectRole.CURATOR
    page = f"/admin/claims/claim/team/{project.pk}/curation/{team['document'].pk}/"
    client = Client()
    client.force_login(ada)
    alone = team["claims"]["bob_alone"]
    taken = client.post(page, {"action": "take", "sources": [str(alone.pk)]})
    assert taken.status_code == 302
    assert project.memberships.get(user=ada).role == ProjectRole.CURATOR
    assert alone.curated_into.get().annotator == ada
