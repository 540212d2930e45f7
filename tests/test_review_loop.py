"""The review loop closes: a rejected claim goes back to its annotator, who reads the
reviewer's comment, edits it (it becomes her draft again), resubmits it or deletes it;
its history shows the whole round trip. Through the API with a session, as the
workbench writes."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from annotations.models import Document
from claims.models import Claim
from tests.conftest import SOE_TARGET, make_claim

pytestmark = pytest.mark.django_db


def client(user: User) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


def patch(user: User, claim: Claim, body: dict[str, Any], version: int | None = None) -> Any:
    version = Claim.objects.get(pk=claim.pk).version if version is None else version
    return client(user).patch(
        f"/api/v1/claims/{claim.pk}/", body, format="json", HTTP_IF_MATCH=f'"{version}"'
    )


def rejected(document: Document, alice: User, rachel: User) -> Claim:
    claim = make_claim(document, SOE_TARGET, alice, status="submitted")
    response = patch(rachel, claim, {"status": "rejected", "review_comment": "不是评估，是目标"})
    assert response.status_code == 200, response.content
    return claim


def test_the_annotator_sees_the_reviewers_comment_and_may_act_on_her_rejected_claim(
    alice: User, rachel: User, seed_document: Document
) -> None:
    claim = rejected(seed_document, alice, rachel)
    shown = client(alice).get(f"/api/v1/claims/{claim.pk}/").json()
    assert (shown["status"], shown["review_comment"]) == ("rejected", "不是评估，是目标")
    assert shown["can"] == {"change": True, "delete": True, "submit": True, "review": False}


def test_her_edit_of_a_rejected_claim_makes_it_her_draft_keeping_the_comment(
    alice: User, rachel: User, seed_document: Document
) -> None:
    claim = rejected(seed_document, alice, rachel)
    response = patch(alice, claim, {"claim_type": "target"})
    assert response.status_code == 200, response.content
    stored = Claim.objects.get(pk=claim.pk)
    assert (stored.status, stored.claim_type) == ("draft", "target")
    assert stored.review_comment == "不是评估，是目标"


def test_she_resubmits_a_rejected_claim_directly(
    alice: User, rachel: User, seed_document: Document
) -> None:
    claim = rejected(seed_document, alice, rachel)
    response = patch(alice, claim, {"status": "submitted", "note": "改为目标"})
    assert response.status_code == 200, response.content
    assert Claim.objects.get(pk=claim.pk).status == "submitted"


def test_she_deletes_her_rejected_claim(alice: User, rachel: User, seed_document: Document) -> None:
    claim = rejected(seed_document, alice, rachel)
    version = Claim.objects.get(pk=claim.pk).version
    response = client(alice).delete(f"/api/v1/claims/{claim.pk}/", HTTP_IF_MATCH=f'"{version}"')
    assert response.status_code == 204, response.content
    assert not Claim.objects.filter(pk=claim.pk).exists()


def test_another_annotator_may_not_touch_her_rejected_claim(
    alice: User, bob: User, rachel: User, seed_document: Document
) -> None:
    claim = rejected(seed_document, alice, rachel)
    assert patch(bob, claim, {"status": "submitted"}).status_code == 403
    assert patch(bob, claim, {"note": "我的"}).status_code == 403
    assert Claim.objects.get(pk=claim.pk).status == "rejected"


def test_she_may_not_accept_or_rewrite_the_comment_of_her_rejected_claim(
    alice: User, rachel: User, seed_document: Document
) -> None:
    claim = rejected(seed_document, alice, rachel)
    assert patch(alice, claim, {"status": "accepted"}).status_code == 403
    assert patch(alice, claim, {"review_comment": ""}).status_code == 403
    stored = Claim.objects.get(pk=claim.pk)
    assert (stored.status, stored.review_comment) == ("rejected", "不是评估，是目标")


def test_the_history_shows_the_round_trip(
    alice: User, rachel: User, seed_document: Document
) -> None:
    created = client(alice).post(
        "/api/v1/claims/",
        {
            "document": seed_document.pk,
            "start": seed_document.text.index(SOE_TARGET),
            "end": seed_document.text.index(SOE_TARGET) + len(SOE_TARGET),
            "quote": SOE_TARGET,
            "claim_type": "assessment",
            "attribution": "authorial",
            "status": "submitted",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    claim = Claim.objects.get(pk=created.json()["id"])
    steps = [
        (rachel, {"status": "rejected", "review_comment": "这是目标"}),
        (alice, {"claim_type": "target"}),
        (alice, {"status": "submitted"}),
        (rachel, {"status": "accepted"}),
    ]
    for user, body in steps:
        response = patch(user, claim, body)
        assert response.status_code == 200, (body, response.content)

    response = client(alice).get(f"/api/v1/claims/{claim.pk}/history/")
    assert response.status_code == 200, response.content
    updates = [
        (entry["username"], entry["changes"])
        for entry in response.json()
        if entry["model"] == "claims.Claim" and entry["event"] == "update"
    ]
    trail = [
        (username, changes.get("status"), changes.get("review_comment"), changes.get("claim_type"))
        for username, changes in updates
    ]
    assert trail == [
        ("rachel", ["submitted", "rejected"], ["", "这是目标"], None),
        ("alice", ["rejected", "draft"], None, ["assessment", "target"]),
        ("alice", ["draft", "submitted"], None, None),
        ("rachel", ["submitted", "accepted"], None, None),
    ]


def test_her_change_to_a_rejected_claims_relations_in_the_admin_makes_it_her_draft(
    alice: User, rachel: User, seed_document: Document
) -> None:
    claim = rejected(seed_document, alice, rachel)
    other = make_claim(seed_document, "国资央企", alice)
    admin = Client()
    admin.force_login(alice)
    response = admin.post(
        "/admin/claims/claimrelation/add/",
        {"source": claim.pk, "target": other.pk, "kind": "supports"},
    )
    assert response.status_code == 302, response.content[:500]
    stored = Claim.objects.get(pk=claim.pk)
    assert (stored.status, stored.review_comment) == ("draft", "不是评估，是目标")
