"""A project's curator edits gold claims in place (issue 10: "takes one version, merges
fields, or edits"), on the curation page and over the API alike, until the document is
curated; the gold layer is then final for her (reviewers still change any claim)."""

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from annotations.models import Document, ReviewStatus
from claims.models import Claim, ClaimRelation, Stance
from projects.models import CurationState, ProjectDocument
from tests.api_support import api_as
from tests.test_claim_permissions import admin_form_data
from tests.test_curation import finish_annotation, team  # noqa: F401 (a fixture)

T = TypeVar("T")


def merged_gold(team: dict[str, Any]) -> Claim:
    finish_annotation(team)
    reply = api_as(team["cora"]).post(team["url"], json={"action": "merge-agreed"})
    (gold_id,) = reply.json()["created"]
    return Claim.objects.get(pk=gold_id)


def missed_gold(team: dict[str, Any]) -> Claim:
    """A gold claim the curator writes herself, from no annotator's claim (one they all
    missed): unlike merged gold, it is linked to no claim of its document."""
    finish_annotation(team)
    source = team["claims"]["bob_alone"]
    span = {"start": source.start, "end": source.end, "quote": source.quote}
    changes = span | {"claim_type": "assessment", "attribution": "authorial"}
    reply = api_as(team["cora"]).post(
        team["url"], json={"action": "take", "sources": [], "changes": changes}
    )
    assert reply.status_code == 201, reply.text
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


def other_document(
    team: dict[str, Any], state: CurationState | None, tag: str = ""
) -> tuple[Document, dict[str, Any]]:
    """Another document, in the project in `state` (None: not in the project), and the
    span of a quote in it."""
    text = f"另一份文件（{state or '不在项目'}{tag}）。国有企业改革深化提升行动。"
    other = Document.objects.create_from_raw(text, title="other")
    if state is not None:
        ProjectDocument.objects.create(
            project=team["project"], document=other, curation_state=state
        )
    quote = "国有企业改革"
    start = other.text.index(quote)
    return other, {"document": other.pk, "start": start, "end": start + len(quote), "quote": quote}


def test_gold_is_not_moved_into_a_document_curated_already(team):
    gold = merged_gold(team)
    _, span = other_document(team, CurationState.CURATED)
    refused = patch(team["cora"], gold, **span)
    assert refused.status_code == 400, refused.text
    assert "document" in refused.json()
    gold.refresh_from_db()
    assert gold.document == team["document"]
    # Into an open document of the project she curates, she may move gold she wrote
    # herself; gold made from annotators' claims stays with them (the next test).
    missed = missed_gold(team)
    other, span = other_document(team, CurationState.OPEN)
    assert patch(team["cora"], missed, **span).status_code == 200
    missed.refresh_from_db()
    assert missed.document == other


def test_gold_and_the_claims_it_was_made_from_stay_in_their_document(team, rachel):
    """Else its sources would look untaken in their document's curation, and be curated
    again; the database holds it for both ends of the link."""
    gold = merged_gold(team)
    _, span = other_document(team, CurationState.OPEN)
    for user in (team["cora"], rachel):
        refused = patch(user, gold, **span)
        assert refused.status_code == 400, refused.text
        assert "linked by curation" in refused.json()["document"][0]
    (source, *_) = gold.curated_from.all()
    for claim in (gold, source):
        with pytest.raises(IntegrityError, match="linked by curation"), transaction.atomic():
            Claim.objects.filter(pk=claim.pk).update(**span)
    gold.refresh_from_db()
    assert gold.document == team["document"]


def test_a_claim_is_not_moved_out_of_its_projects_documents(team, rachel):
    gold = merged_gold(team)
    _, span = other_document(team, None)
    # The database refuses it only at commit (a deferred foreign key), naming no field.
    refused = patch(rachel, gold, **span)
    assert refused.status_code == 400, refused.text
    assert refused.json()["document"] == [
        f"Document {span['document']} is not in project {team['project']}."
    ]


def test_nor_on_the_claim_page(team):
    gold = merged_gold(team)
    cora = Client()
    cora.force_login(team["cora"])
    change = f"/admin/claims/claim/{gold.pk}/change/"
    _, span = other_document(team, CurationState.CURATED)
    form = admin_form_data(cora.get(change)) | span
    refused = cora.post(change, form)
    assert refused.status_code == 200  # the form again, with the error
    assert "This document is curated already" in refused.content.decode()
    gold.refresh_from_db()
    assert gold.document == team["document"]
    _, span = other_document(team, None)
    refused = cora.post(change, form | span)
    assert f"Document {span['document']} is not in project" in refused.content.decode()


def test_a_page_of_gold_over_many_documents_asks_her_curation_once(team):
    """`can` of gold claims: one query for the page's project documents, not one each."""
    gold = merged_gold(team)
    cora = api_as(team["cora"])
    page = f"/api/v1/claims/?layer=gold&project={team['project'].pk}"
    with CaptureQueriesContext(connection) as one_document:
        assert len(cora.get(page).json()["results"]) == 1
    for number in range(3):
        _, span = other_document(team, CurationState.OPEN, f"{number}")
        span["document_id"] = span.pop("document")
        Claim.objects.create(
            **span,
            project=team["project"],
            annotator=team["cora"],
            attribution=gold.attribution,
            claim_type=gold.claim_type,
            status=ReviewStatus.ACCEPTED,
            reviewer=team["cora"],
            reviewed_at=gold.reviewed_at,
            gold=True,
        )
    with CaptureQueriesContext(connection) as four_documents:
        listed = cora.get(page).json()["results"]
    assert [claim["can"]["change"] for claim in listed] == [True] * 4
    assert len(four_documents) == len(one_document)


def while_finishing(entry: ProjectDocument, request: Callable[[], T]) -> T:
    """`request`'s answer, sent while a finish of `entry` is under way, as curation's
    finish runs it (its row locked FOR UPDATE and set curated), taking a second to
    commit."""
    started = threading.Event()

    def finish() -> None:
        try:
            with transaction.atomic():
                ProjectDocument.objects.select_for_update().get(pk=entry.pk)
                ProjectDocument.objects.filter(pk=entry.pk).update(
                    curation_state=CurationState.CURATED
                )
                started.set()
                time.sleep(1)  # the curator's request arrives meanwhile
        finally:
            connection.close()

    finishing = threading.Thread(target=finish)
    finishing.start()
    assert started.wait(10)
    reply = request()
    finishing.join()
    return reply


def test_a_curators_edit_waits_for_a_finish_under_way_and_is_refused(team, transactional_db):
    gold = merged_gold(team)
    entry = ProjectDocument.objects.get(project=team["project"], document=team["document"])
    # She read it open, before the finish commits.
    reply = while_finishing(entry, lambda: patch(team["cora"], gold, stance=Stance.SUPPORT))
    assert reply.status_code == 403, reply.text
    gold.refresh_from_db()
    assert gold.stance != Stance.SUPPORT


def test_nor_on_the_claim_page_while_a_finish_is_under_way(team, transactional_db):
    gold = merged_gold(team)
    entry = ProjectDocument.objects.get(project=team["project"], document=team["document"])
    cora = Client()
    cora.force_login(team["cora"])
    change = f"/admin/claims/claim/{gold.pk}/change/"
    data = admin_form_data(cora.get(change)) | {"note": "改了"}
    reply = while_finishing(entry, lambda: cora.post(change, data))
    assert reply.status_code == 403
    gold.refresh_from_db()
    assert gold.note != "改了"


def test_gold_waits_for_a_finish_of_the_document_it_moves_into_and_is_refused(
    team, transactional_db
):
    gold = missed_gold(team)
    other, span = other_document(team, CurationState.OPEN)
    target = ProjectDocument.objects.get(project=team["project"], document=other)
    # She read the target open, before the finish commits.
    reply = while_finishing(target, lambda: patch(team["cora"], gold, **span))
    assert reply.status_code == 403, reply.text
    gold.refresh_from_db()
    assert gold.document == team["document"]


def test_nor_on_the_claim_page_while_the_target_is_being_finished(team, transactional_db):
    gold = missed_gold(team)
    other, span = other_document(team, CurationState.OPEN)
    target = ProjectDocument.objects.get(project=team["project"], document=other)
    cora = Client()
    cora.force_login(team["cora"])
    change = f"/admin/claims/claim/{gold.pk}/change/"
    data = admin_form_data(cora.get(change)) | span
    reply = while_finishing(target, lambda: cora.post(change, data))
    assert reply.status_code == 403
    gold.refresh_from_db()
    assert gold.document == team["document"]


def test_the_claim_page_asks_her_curation_once(team):
    """The page, each inline and each button ask whether she may change the claim: the
    curation state is read once for them all."""
    gold = merged_gold(team)
    cora = Client()
    cora.force_login(team["cora"])
    change = f"/admin/claims/claim/{gold.pk}/change/"
    with CaptureQueriesContext(connection) as page:
        shown = cora.get(change)
    assert shown.context["has_change_permission"] is True
    curation = 'SELECT "projects_projectdocument"."project_id"'  # open_documents_curated
    asked = [query for query in page.captured_queries if query["sql"].startswith(curation)]
    assert len(asked) == 1  # 43 before it was cached for the request


def test_nor_is_a_relation_added_to_gold_while_a_finish_is_under_way(team, transactional_db):
    """Adding a part (here a relation, as *Make observation from this claim* adds a
    figure) changes the claim: it waits for the finish too, then is refused."""
    gold = merged_gold(team)
    entry = ProjectDocument.objects.get(project=team["project"], document=team["document"])
    other = Claim.objects.exclude(pk=gold.pk).first()
    assert other is not None
    cora = Client()
    cora.force_login(team["cora"])
    relation = {"source": gold.pk, "target": other.pk, "kind": "supports", "note": ""}
    reply = while_finishing(entry, lambda: cora.post("/admin/claims/claimrelation/add/", relation))
    assert reply.status_code == 403
    assert not ClaimRelation.objects.filter(source=gold).exists()
