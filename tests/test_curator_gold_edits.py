"""A project's curator edits gold claims in place (issue 10: "takes one version, merges
fields, or edits"), on the curation page and over the API alike, until the document is
curated; the gold layer is then final for her (reviewers still change any claim)."""

from typing import Any

from django.test import Client

from annotations.models import ReviewStatus
from claims.models import Claim, Stance
from tests.api_support import api_as
from tests.test_curation import finish_annotation, team  # noqa: F401 (a fixture)


def merged_gold(team: dict[str, Any]) -> Claim:
    finish_annotation(team)
    reply = api_as(team["cora"]).post(team["url"], json={"action": "merge-agreed"})
    (gold_id,) = reply.json()["created"]
    return Claim.objects.get(pk=gold_id)


def patch(user: Any, claim: Claim, **changes: Any) -> Any:
    return api_as(user).patch(
        f"/api/v1/claims/{claim.pk}/", json=changes, headers={"If-Match": f'"{claim.version}"'}
    )


def test_the_curator_changes_gold_over_the_api_and_it_stays_accepted_gold(team, alice):
    gold = merged_gold(team)
    # An annotator of the independent project cannot even see it before curation.
    assert patch(alice, gold, stance=Stance.SUPPORT).status_code == 404
    reply = patch(team["cora"], gold, stance=Stance.SUPPORT)
    assert reply.status_code == 200, reply.text
    assert reply.json()["can"]["change"] is True
    gold.refresh_from_db()
    assert (gold.stance, gold.status, gold.gold, gold.reviewer) == (
        Stance.SUPPORT,
        ReviewStatus.ACCEPTED,
        True,
        team["cora"],
    )
    assert gold.events.filter(pgh_label="update").exists()  # in history
    # Her edit is no review: status stays the reviewers' to change.
    refused = patch(team["cora"], gold, status=ReviewStatus.DRAFT)
    assert refused.status_code == 403


def test_once_curated_the_gold_layer_is_final_for_the_curator(team, rachel):
    gold = merged_gold(team)
    api_as(team["cora"]).post(team["url"], json={"action": "finish"})
    assert patch(team["cora"], gold, stance=Stance.SUPPORT).status_code == 403
    assert patch(rachel, gold, stance=Stance.SUPPORT).status_code == 200  # a reviewer


def test_the_curation_page_offers_the_edit_the_claim_page_allows(team, alice):
    gold = merged_gold(team)
    cora = Client()
    cora.force_login(team["cora"])
    curation = f"/admin/claims/claim/team/{team['project'].pk}/curation/{team['document'].pk}/"
    page = cora.get(curation).content.decode()
    assert f"edit gold claim {gold.pk}" in page
    change = f"/admin/claims/claim/{gold.pk}/change/"
    form = cora.get(change)
    assert form.context["has_change_permission"] is True
    other = Client()
    other.force_login(alice)
    refused = other.get(change)  # independent: not hers to see yet ("does not exist")
    assert (refused.status_code, refused.headers["Location"]) == (302, "/admin/")

    api_as(team["cora"]).post(team["url"], json={"action": "finish"})
    page = cora.get(curation).content.decode()
    assert f"edit gold claim {gold.pk}" not in page
    assert f"gold claim {gold.pk}" in page
    assert cora.get(change).context["has_change_permission"] is False


def test_the_claim_list_offers_her_the_edit_the_claim_page_does(team):
    gold = merged_gold(team)
    cora = api_as(team["cora"])
    read = cora.get(f"/api/v1/claims/{gold.pk}/").json()
    listed = cora.get(f"/api/v1/claims/?layer=gold&document={gold.document_id}").json()
    assert [claim["can"] for claim in listed["results"]] == [read["can"]]
    assert read["can"]["change"] is True
