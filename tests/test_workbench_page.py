"""The workbench page and the admin views around it (progress, history, restore, stale forms).

The workbench's reads and writes go through the API (tests/test_claim_resource.py,
tests/test_claim_permissions.py); here is what stays in the admin.
"""

import json
import re
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from claims.models import Claim, ClaimRelation, Metric, Observation, StaleVersion, Topic
from claims.workbench import claim_index, progress_by_annotator, progress_by_document
from projects.models import Project
from tests.conftest import SOE_TARGET, claim_form, make_claim

pytestmark = pytest.mark.django_db


def logged_in(user, client_class=Client):
    client = client_class()
    client.force_login(user)
    return client


def api_patch(user, claim: Claim, body: dict[str, Any], version: int):
    return logged_in(user, APIClient).patch(
        f"/api/v1/claims/{claim.pk}/",
        json.dumps(body),
        content_type="application/json",
        HTTP_IF_MATCH=f'"{version}"',
    )


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


# Committed writes, as in use: history dates each write by its transaction.
@pytest.mark.django_db(transaction=True)
def test_it_restores_a_claim_deleted_over_the_api_with_its_topics_and_figure(alice, seed_document):
    metric = Metric.objects.create(name="研发投入强度", unit="%")
    topic = Topic.objects.create(name="R&D")
    claim = make_claim(seed_document, SOE_TARGET, alice, claim_type="observation")
    claim.topics.add(topic)
    Observation.objects.create(
        claim=claim,
        metric=metric,
        number_text="35%",
        value=35,
        unit="%",
        period_start="2023-01-01",
        period_end="2023-12-31",
    )
    deleted = logged_in(alice, APIClient).delete(f"/api/v1/claims/{claim.pk}/", HTTP_IF_MATCH='"1"')
    assert deleted.status_code == 204
    assert not Observation.objects.filter(claim_id=claim.pk).exists()
    admin = logged_in(alice)
    assert f"#{claim.pk}" in admin.get("/admin/claims/claim/deleted/").content.decode()
    restored = admin.post("/admin/claims/claim/deleted/", {"claim_id": claim.pk})
    assert restored["Location"].endswith(f"/admin/claims/claim/{claim.pk}/change/")
    claim = Claim.objects.get(pk=claim.pk)
    assert list(claim.topics.all()) == [topic]
    assert claim.observation.metric == metric
    assert claim.version == 2


def test_it_refuses_a_stale_admin_form_save_with_a_form_error_showing_the_change(
    alice, rachel, seed_document
):
    claim = make_claim(seed_document, SOE_TARGET, alice, note="first")
    session = logged_in(alice)
    url = f"/admin/claims/claim/{claim.pk}/change/"
    assert 'name="expected_version" value="1"' in session.get(url).content.decode()
    assert api_patch(rachel, claim, {"note": "rachel's note"}, 1).status_code == 200
    form = claim_form(claim, note="alice's note")
    response = session.post(url, data=form)
    assert response.status_code == 200
    assert "rachel saved this claim after you opened it" in response.content.decode()
    assert "note: first → rachel&#x27;s note" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).note == "rachel's note"


def test_it_adds_a_relation_on_the_claims_page_crediting_who_made_it(alice, bob, seed_document):
    claim = make_claim(seed_document, SOE_TARGET, alice)
    other = make_claim(seed_document, seed_document.text[:8].strip(), bob)
    form = claim_form(claim) | {
        "relations_out-TOTAL_FORMS": 1,
        "relations_out-0-kind": "supports",
        "relations_out-0-target": other.pk,
        "relations_out-0-note": "同意",
    }
    response = logged_in(alice).post(f"/admin/claims/claim/{claim.pk}/change/", data=form)
    assert response.status_code == 302, response.content.decode()[:2000]
    relation = ClaimRelation.objects.get(source=claim)
    assert (relation.target, relation.created_by, relation.note) == (other, alice, "同意")
    assert Claim.objects.get(pk=claim.pk).version == 2


def test_it_shows_every_change_with_who_and_before_after_on_the_claim_page(
    alice, rachel, seed_document
):
    claim = make_claim(seed_document, SOE_TARGET, alice, note="first")
    assert api_patch(rachel, claim, {"note": "<b>second</b>"}, 1).status_code == 200
    page = logged_in(alice).get(f"/admin/claims/claim/{claim.pk}/change/").content.decode()
    table = re.search(r'<table class="claim-history">.*?</table>', page, re.S)
    assert table is not None
    history = table.group(0)
    assert "rachel" in history
    assert "note: first → &lt;b&gt;second&lt;/b&gt;" in history  # escaped


def test_it_indexes_a_documents_claims_in_text_order_in_one_query(
    alice, bob, seed_document, django_assert_num_queries
):
    later = make_claim(seed_document, seed_document.text[40:50].strip(), bob)
    outer = make_claim(seed_document, seed_document.text[0:30].strip(), alice)
    inner = make_claim(seed_document, seed_document.text[5:10].strip(), alice)
    project = Project.objects.default()
    with django_assert_num_queries(1):
        index = claim_index(seed_document, alice, project)
    assert [row["id"] for row in index] == [outer.pk, inner.pk, later.pk]
    assert index[2] == {
        "id": later.pk,
        "start": later.start,
        "end": later.end,
        "claim_type": "assessment",
        "status": "draft",
        "annotator_name": "bob",
    }


def test_it_counts_progress_per_document_and_per_annotator_in_three_queries(
    alice, bob, seed_document, django_assert_num_queries
):
    make_claim(seed_document, SOE_TARGET, alice, claim_type="target")
    make_claim(seed_document, seed_document.text[:8].strip(), bob, status="submitted")
    # 1 documents; 2 counts by document, type and status; 3 counts by annotator and status
    with django_assert_num_queries(3):
        documents = progress_by_document(alice)
        annotators = progress_by_annotator(alice)
    assert documents[0]["total"] == 2
    assert documents[0]["types"][:1] == [1]  # one target
    assert documents[0]["statuses"][:2] == [1, 1]  # one draft, one submitted
    assert [(a["annotator"], a["total"]) for a in annotators] == [("alice", 1), ("bob", 1)]


def test_it_renders_the_workbench_page_with_its_claims_index_in_a_constant_number_of_queries(
    alice, bob, seed_document, django_assert_max_num_queries
):
    claims = [
        make_claim(seed_document, seed_document.text[i * 30 : i * 30 + 10].strip(), alice)
        for i in range(5)
    ]
    for claim in claims[1:]:
        ClaimRelation.objects.create(
            source=claims[0], target=claim, kind="supports", created_by=bob
        )
    client = logged_in(alice)
    # session, user, permissions (2), document, claims index, reviewer group,
    # topics list, metrics, the admin sidebar's app list, and the project (with its
    # guidelines in force and her assignment)
    with django_assert_max_num_queries(12):
        response = client.get(f"/admin/claims/claim/workbench/{seed_document.pk}/")
    assert response.status_code == 200
    script = re.search(
        r'<script id="wb-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert script is not None
    data = json.loads(script.group(1))
    # Where each claim is; the form reads it in full from the API.
    assert data["claims"] == claim_index(seed_document, alice, Project.objects.default())
    assert len(data["claims"]) == 5
    assert "用" in script.group(1)  # characters as they are, not \\u7528: half the bytes
    assert data["urls"] == {
        "claims": "/api/v1/claims/",
        "speakers": "/api/v1/speakers/",
        "claim_admin": "/admin/claims/claim/0/change/",
    }


def test_the_private_json_views_are_gone(alice, seed_document):
    client = logged_in(alice)
    for path in (
        f"/admin/claims/claim/workbench/{seed_document.pk}/claims/",
        "/admin/claims/claim/workbench/claim/1/",
        "/admin/claims/claim/workbench/speakers/",
    ):
        assert client.post(path, "{}", content_type="application/json").status_code in (302, 404)
