"""History of every edit: each write path leaves an event, readable at <resource>/<id>/history/.

Writes go through the whole Django stack (the API with a token, the admin and
the workbench with a logged-in client), a management command, and plain ORM
bulk writes; each is then found in the history endpoint with who made it and
what changed, field by field.
"""

import json
from datetime import date
from pathlib import Path
from typing import Any

import pghistory
import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations.models import Document
from claims.models import (
    ClaimRelation,
    ClaimType,
    Metric,
    RelationKind,
    Target,
    TargetStatement,
    Topic,
)
from tests.api_support import _fresh_throttles, claim_body, mallory, reader  # noqa: F401
from tests.conftest import SOE_TARGET, make_claim

# A passage with a target the suggester proposes and an observation it reports.
REPORT = "到2025年，城镇新增就业1200万人以上。去年粮食产量1.3万亿斤。"


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


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


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def history(user, resource: str, pk: int) -> list[dict[str, Any]]:
    response = api(user).get(f"/api/v1/{resource}/{pk}/history/")
    assert response.status_code == 200, response.content
    entries: list[dict[str, Any]] = response.json()
    return entries


def find(entries: list[dict[str, Any]], **wanted: Any) -> dict[str, Any]:
    """The one entry with these values; fails naming what there was."""
    found = [e for e in entries if all(e[key] == value for key, value in wanted.items())]
    assert len(found) == 1, (wanted, entries)
    return found[0]


# ---------------------------------------------------------------- every write path


def test_api_writes_single_and_bulk_are_in_the_claims_history(alice, rachel, seed_document):
    created = api(alice).post("/api/v1/claims/", claim_body(seed_document, SOE_TARGET), "json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    changed = api(rachel).patch(
        f"/api/v1/claims/{pk}/", {"note": "checked"}, "json", HTTP_IF_MATCH=created["ETag"]
    )
    assert changed.status_code == 200, changed.content
    other = "国资央企"
    bulk = api(alice).post(
        "/api/v1/claims/bulk/",
        [claim_body(seed_document, other), claim_body(seed_document, SOE_TARGET[:8])],
        "json",
    )
    assert bulk.status_code == 201, bulk.content

    entries = history(alice, "claims", pk)
    insert = find(entries, event="insert", model="claims.Claim")
    assert (insert["username"], insert["url"]) == ("alice", "/api/v1/claims/")
    assert insert["changes"]["quote"] == [None, SOE_TARGET]
    update = find(entries, event="update", model="claims.Claim")
    assert update["username"] == "rachel"
    assert update["changes"]["note"] == ["", "checked"]
    assert update["changes"]["version"] == [1, 2]
    for row in bulk.json():
        (insert,) = history(rachel, "claims", row["id"])
        assert (insert["username"], insert["url"]) == ("alice", "/api/v1/claims/bulk/")


def test_workbench_writes_are_in_the_claims_history(alice, rachel, seed_document):
    start = seed_document.text.index(SOE_TARGET)
    # The workbench writes through the public API with its session login.
    created = logged_in(alice).post(
        "/api/v1/claims/",
        {
            "document": seed_document.pk,
            "start": start,
            "end": start + len(SOE_TARGET),
            "quote": SOE_TARGET,
            **meaning(),
        },
        "application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    updated = logged_in(rachel).patch(
        f"/api/v1/claims/{pk}/",
        {"note": "from the workbench"},
        "application/json",
        headers={"If-Match": '"1"'},
    )
    assert updated.status_code == 200, updated.content

    entries = history(alice, "claims", pk)
    assert find(entries, event="insert", model="claims.Claim")["username"] == "alice"
    update = find(entries, event="update", model="claims.Claim")
    assert (update["username"], update["changes"]["note"]) == (
        "rachel",
        ["", "from the workbench"],
    )


def test_a_figure_topic_and_relation_changed_outside_the_claim_are_in_its_history(
    alice, rachel, seed_document
):
    claim = make_claim(seed_document, SOE_TARGET, alice, claim_type=ClaimType.TARGET)
    other = make_claim(seed_document, "国资央企", alice)
    statement = TargetStatement.objects.create(claim=claim, number_text="35%", value=35, unit="%")
    # Plain ORM writes, a queryset update and a bulk insert: the triggers record them all.
    TargetStatement.objects.filter(pk=statement.pk).update(value=36, number_text="36%")
    claim.topics.add(Topic.objects.create(name="国企改革"))
    ClaimRelation.objects.bulk_create(
        [ClaimRelation(source=other, target=claim, kind=RelationKind.SUPPORTS, created_by=rachel)]
    )

    entries = history(alice, "claims", claim.pk)
    figure = find(entries, event="update", model="claims.TargetStatement")
    assert figure["changes"] == {"number_text": ["35%", "36%"], "value": [35.0, 36.0]}
    link = find(entries, event="insert", model="claims.Claim_topics")
    assert link["changes"]["topic_id"][1] == Topic.objects.get().pk
    relation = find(entries, event="insert", model="claims.ClaimRelation")
    assert relation["changes"]["source_id"] == [None, other.pk]


def test_admin_edits_of_speakers_and_documents_are_in_their_history(
    rachel, ada, zhang, seed_document
):
    alias = zhang.aliases.get()
    form = {
        "name": "张玉卓 (国资委)",
        "kind": "person",
        "description": "",
        "aliases-TOTAL_FORMS": "2",
        "aliases-INITIAL_FORMS": "1",
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
        "aliases-0-id": str(alias.pk),
        "aliases-0-speaker": str(zhang.pk),
        "aliases-0-name": alias.name,
        "aliases-1-speaker": str(zhang.pk),
        "aliases-1-name": "张主任",
    }
    response = logged_in(rachel).post(f"/admin/claims/speaker/{zhang.pk}/change/", form)
    assert response.status_code == 302, response.content

    entries = history(rachel, "speakers", zhang.pk)
    renamed = find(entries, event="update", model="claims.Speaker")
    assert (renamed["username"], renamed["changes"]["name"]) == (
        "rachel",
        ["张玉卓", "张玉卓 (国资委)"],
    )
    new_alias = zhang.aliases.get(name="张主任")
    added = find(entries, event="insert", model="claims.SpeakerAlias", object_id=str(new_alias.pk))
    assert (added["username"], added["changes"]["name"]) == ("rachel", [None, "张主任"])

    page = logged_in(ada).get(f"/admin/annotations/document/{seed_document.pk}/change/")
    response = logged_in(ada).post(
        f"/admin/annotations/document/{seed_document.pk}/change/",
        {**document_form(page), "title": "国资委：新质生产力"},
    )
    assert response.status_code == 302, response.content
    retitled = find(history(rachel, "documents", seed_document.pk), event="update")
    assert (retitled["username"], retitled["changes"]["title"]) == (
        "ada",
        ["seed 000", "国资委：新质生产力"],
    )


def test_vocabulary_edits_over_the_api_are_in_their_history(rachel):
    topic = api(rachel).post("/api/v1/topics/", {"name": "数据"}, "json").json()
    metric = api(rachel).post("/api/v1/metrics/", {"name": "研发", "unit": "%"}, "json").json()
    api(rachel).patch(f"/api/v1/topics/{topic['id']}/", {"description": "数据要素"}, "json")
    api(rachel).patch(f"/api/v1/metrics/{metric['id']}/", {"unit": "CNY"}, "json")

    topic_history = history(rachel, "topics", topic["id"])
    assert [(e["event"], e["username"]) for e in topic_history] == [
        ("insert", "rachel"),
        ("update", "rachel"),
    ]
    assert topic_history[1]["changes"] == {"description": ["", "数据要素"]}
    assert history(rachel, "metrics", metric["id"])[1]["changes"] == {"unit": ["%", "CNY"]}


def test_accepting_and_dismissing_suggestions_are_in_the_history(alice):
    report = Document.from_raw(REPORT, title="report", language="zh-Hans")
    report.published_on = date(2024, 3, 5)
    report.save()
    found = api(alice).get(f"/api/v1/documents/{report.pk}/suggestions/").json()["suggestions"]
    jobs = next(s for s in found if s["figure"]["number_text"] == "1200万人")
    grain = next(s for s in found if s["figure"]["number_text"] == "1.3万亿斤")
    choice = lambda s: {k: s[k] for k in ("kind", "figure_start", "figure_end")}  # noqa: E731
    url = f"/api/v1/documents/{report.pk}/suggestions"
    accepted = api(alice).post(f"{url}/accept/", choice(jobs), "json")
    assert accepted.status_code == 201, accepted.content
    assert api(alice).post(f"{url}/dismiss/", choice(grain), "json").status_code == 201

    claim_history = history(alice, "claims", accepted.json()["claim_id"])
    assert find(claim_history, model="claims.Claim")["username"] == "alice"
    figure = find(claim_history, model="claims.TargetStatement")
    assert (figure["username"], figure["changes"]["number_text"]) == ("alice", [None, "1200万人"])
    # A dismissal is recorded, credited to her, but not in the document's history, which
    # every reader of the document may read (in a project of independent annotation it
    # is part of her own layer).
    events = apps.get_model("claims", "SuggestionDismissalEvent").objects
    recorded = events.select_related("pgh_context").get(document=report, pgh_label="insert")
    assert (recorded.number_text, recorded.pgh_context.metadata["user"]) == ("1.3万亿斤", alice.pk)
    document_history = history(alice, "documents", report.pk)
    assert document_history
    assert all(entry["model"] != "claims.SuggestionDismissal" for entry in document_history)


def test_deleting_and_restoring_a_claim_are_in_its_history(alice, seed_document):
    claim = make_claim(seed_document, SOE_TARGET, alice)
    workbench = logged_in(alice)
    deleted = workbench.delete(f"/api/v1/claims/{claim.pk}/", headers={"If-Match": '"1"'})
    assert deleted.status_code == 204, deleted.content
    restored = workbench.post("/admin/claims/claim/deleted/", {"claim_id": claim.pk})
    assert restored.status_code == 302

    entries = [e for e in history(alice, "claims", claim.pk) if e["model"] == "claims.Claim"]
    assert [(e["event"], e["username"]) for e in entries] == [
        ("insert", None),  # made in the test, outside any request
        ("delete", "alice"),
        ("insert", "alice"),
    ]
    assert entries[-1]["url"] == "/admin/claims/claim/deleted/"


def test_a_restatement_in_the_admin_is_in_the_targets_history(alice, rachel, seed_document):
    metric = Metric.objects.create(name="战略性新兴产业收入占比", unit="%")
    target = Target.objects.create(
        title="35%", metric=metric, subject="中央企业", number_text="35%", value=35, unit="%"
    )
    claim = make_claim(seed_document, SOE_TARGET, alice, claim_type=ClaimType.TARGET)
    TargetStatement.objects.create(
        claim=claim, number_text="36%", value=36, unit="%", subject="中央企业"
    )
    response = logged_in(rachel).post(
        f"/admin/claims/target/{target.pk}/restate/", {"claim_id": claim.pk}
    )
    assert response.status_code == 302

    entries = history(alice, "targets", target.pk)
    revision = find(entries, model="claims.TargetRevision")
    assert (revision["event"], revision["username"]) == ("insert", "rachel")
    assert revision["changes"]["recorded_by_id"] == [None, rachel.pk]
    figure = find(entries, model="claims.Target", event="update")
    assert figure["changes"]["value"] == [35.0, 36.0]
    assert figure["username"] == "rachel"


def test_a_management_command_is_credited_in_the_history(alice, tmp_path: Path):
    (tmp_path / "note.txt").write_text("一份通知\n到2030年，完成目标。\n", encoding="utf-8")
    call_command("import_documents", str(tmp_path / "note.txt"), stdout=None)
    document = Document.objects.get(title="一份通知")
    (insert,) = history(alice, "documents", document.pk)
    assert (insert["event"], insert["command"], insert["username"]) == (
        "insert",
        "import_documents",
        None,
    )
    assert insert["changes"]["title"] == [None, "一份通知"]
    assert "text" not in insert["changes"]  # the text is kept once, in the document


def test_a_document_posted_over_the_api_is_in_its_history_and_a_duplicate_leaves_none(
    alice, rachel
):
    body = {"text": "一份通知\n到2030年，完成目标。\n", "pdf": False}
    created = api(rachel).post("/api/v1/documents/", body, format="json")
    assert created.status_code == 201, created.content
    (insert,) = history(alice, "documents", created.json()["id"])
    assert (insert["event"], insert["username"]) == ("insert", "rachel")
    # The unique hash refuses the second one inside the insert: no row, no event.
    assert api(rachel).post("/api/v1/documents/", body, format="json").status_code == 409
    assert Document.objects.count() == 1
    assert apps.get_model("annotations", "DocumentEvent").objects.count() == 1


# ---------------------------------------------------------------- reading it


def test_history_is_read_by_whoever_may_read_the_object(alice, reader, mallory, seed_document):
    claim = make_claim(seed_document, SOE_TARGET, alice)
    assert api(reader).get(f"/api/v1/claims/{claim.pk}/history/").status_code == 200
    assert api(mallory).get(f"/api/v1/claims/{claim.pk}/history/").status_code == 403
    assert APIClient().get(f"/api/v1/claims/{claim.pk}/history/").status_code == 401
    assert api(alice).get("/api/v1/claims/999999/history/").status_code == 404
    assert api(alice).get("/api/v1/claims/x/history/").status_code == 404


@pytest.mark.parametrize("events_per_part", [1, 4])
def test_a_claims_history_costs_the_same_queries_however_many_events(
    alice, rachel, seed_document, django_assert_num_queries, events_per_part
):
    claim = make_claim(seed_document, SOE_TARGET, alice, claim_type=ClaimType.TARGET)
    other = make_claim(seed_document, "国资央企", alice)
    statement = TargetStatement.objects.create(claim=claim, number_text="1", value=1)
    topics = [Topic.objects.create(name=f"topic {n}") for n in range(events_per_part)]
    for n in range(events_per_part):
        with pghistory.context(user=[alice, rachel][n % 2].pk):
            claim.note = f"note {n}"
            claim.save()
            statement.value = n + 2
            statement.save()
            claim.topics.add(topics[n])
            ClaimRelation.objects.create(
                source=other, target=claim, kind=RelationKind.values[n], created_by=rachel
            )
    client = api(rachel)
    with django_assert_num_queries(6):
        # the token with its user; the user's own and its groups' model permissions;
        # the claim; the events of the claim and its parts, with their context; the
        # names of the users in them; which of the claims its relations name she may read.
        response = client.get(f"/api/v1/claims/{claim.pk}/history/")
    assert response.status_code == 200
    entries = response.json()
    # the claim and its figure made; then each round: the claim, its figure, a topic, a relation
    assert len(entries) == 2 + 4 * events_per_part
    credited = {e["username"] for e in entries} - {None}
    assert credited == ({"alice", "rachel"} if events_per_part > 1 else {"alice"})


def test_the_admin_shows_the_history_of_speakers_topics_metrics_targets_documents(
    ada, zhang, seed_document
):
    topic = Topic.objects.create(name="数据")
    topic.description = "<b>数据</b>要素"
    topic.save()
    pages = {
        f"/admin/claims/speaker/{zhang.pk}/change/": "张玉卓",
        f"/admin/claims/topic/{topic.pk}/change/": "description: — → &lt;b&gt;数据&lt;/b&gt;要素",
        f"/admin/annotations/document/{seed_document.pk}/change/": "title: — → seed 000",
    }
    for url, expected in pages.items():
        page = logged_in(ada).get(url).content.decode()
        assert '<table class="claim-history">' in page, url
        assert expected in page, url


def document_form(page) -> dict[str, Any]:
    """The metadata fields of a document's admin form, as a browser would send them back."""
    form = page.context["adminform"].form
    return {name: "" if form[name].value() is None else form[name].value() for name in form.fields}


def test_json_of_changes_is_what_the_schema_says(alice, seed_document):
    claim = make_claim(seed_document, SOE_TARGET, alice)
    (entry,) = history(alice, "claims", claim.pk)
    assert set(entry) == {
        "at",
        "model",
        "object_id",
        "event",
        "user_id",
        "username",
        "command",
        "url",
        "changes",
    }
    assert json.loads(json.dumps(entry["changes"]))["quote"] == [None, SOE_TARGET]
    assert entry["object_id"] == str(claim.pk)


@pytest.mark.parametrize("resource", ["speakers", "topics", "metrics", "targets", "documents"])
def test_every_history_endpoint_costs_five_queries_on_long_histories(
    alice, rachel, zhang, seed_document, django_assert_num_queries, resource
):
    metric = Metric.objects.create(name="收入占比", unit="%")
    target = Target.objects.create(
        title="35%", metric=metric, subject="中央企业", number_text="35%", value=35, unit="%"
    )
    objects = {
        "speakers": (zhang, "description"),
        "topics": (Topic.objects.create(name="数据"), "description"),
        "metrics": (metric, "description"),
        "targets": (target, "title"),
        "documents": (seed_document, "outlet"),
    }
    obj, field = objects[resource]
    for n in range(5):
        with pghistory.context(user=[alice, rachel][n % 2].pk):
            setattr(obj, field, f"edit {n}")
            obj.save()
    client = api(rachel)
    with django_assert_num_queries(5):
        # token and user; model permissions; the object; its events; their users
        response = client.get(f"/api/v1/{resource}/{obj.pk}/history/")
    updates = [e for e in response.json() if e["event"] == "update"]
    assert [e["changes"][field][1] for e in updates] == [f"edit {n}" for n in range(5)]
    assert {e["username"] for e in updates} == {"alice", "rachel"}
