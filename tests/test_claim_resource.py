"""The claim resource with its figure and relations: one write path, under one version.

Every client (the workbench included) writes claims through /api/v1/claims/; a
claim's figure and the relations it makes are read and written with it.
"""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from rest_framework.test import APIClient

from claims.models import Claim, ClaimRelation, Metric, Observation, TargetStatement, Topic
from tests.conftest import ASTRAL_TARGET, checked_now, make_claim
from tests.test_claim_permissions import admin_form_data
from tests.test_figure_entry import observed

TARGET_FIGURE = {
    "number_text": "35%",
    "comparator": "at_least",
    "value": "35",
    "unit": "%",
    "subject": "中央企业",
    "deadline": "2025-12-31",
}
# An observation's figure, less its metric.
OBSERVED_FIGURE = {
    "number_text": "35%",
    "value": "35",
    "unit": "%",
    "period_start": "2025-01-01",
    "period_end": "2025-12-31",
}
OTHER = "当前尚在研究孕育阶段的产业"
MOVED_TO = "将完善推进机制、优化支持政策，集全系统之力"


@pytest.fixture
def api(alice) -> APIClient:
    client = APIClient()
    client.force_login(alice)
    return client


@pytest.fixture
def other_claim(astral_document, bob) -> Claim:
    return make_claim(astral_document, OTHER, bob, claim_type="challenge")


@pytest.fixture
def target(api, astral_document, other_claim) -> dict[str, Any]:
    """Alice's target-type claim with its figure and one relation, made in one request."""
    body = span(astral_document, ASTRAL_TARGET) | {
        "claim_type": "target",
        "attribution": "authorial",
        "figure": TARGET_FIGURE,
        "relations": [{"target": other_claim.pk, "kind": "responds_to", "note": "回应"}],
    }
    response = api.post("/api/v1/claims/", body, format="json")
    assert response.status_code == 201, response.json()
    made: dict[str, Any] = response.json()
    return made


def span(document, quote: str) -> dict[str, Any]:
    start = document.text.index(quote)
    return {"document": document.pk, "start": start, "end": start + len(quote), "quote": quote}


def patch(api: APIClient, claim_id: int, body: object, version: int):
    return api.patch(
        f"/api/v1/claims/{claim_id}/",
        json.dumps(body),
        content_type="application/json",
        HTTP_IF_MATCH=f'"{version}"',
    )


def stored_figure(claim_id: int) -> dict[str, Any]:
    statement = TargetStatement.objects.get(claim_id=claim_id)
    return {
        "value": format(statement.value.normalize(), "f"),
        "unit": statement.unit,
        "subject": statement.subject,
    }


def test_it_creates_a_claim_with_its_figure_and_relations_in_one_version(target, other_claim):
    assert target["version"] == 1
    assert target["figure"]["value"] == "35.000000"
    assert target["figure"]["deadline"] == "2025-12-31"
    assert target["figure"]["target"] is None
    [relation] = target["relations"]
    assert (relation["target"], relation["kind"], relation["note"]) == (
        other_claim.pk,
        "responds_to",
        "回应",
    )
    assert relation["created_by"] == "alice"
    assert target["can"] == {"change": True, "delete": True, "submit": True, "review": False}


def test_a_patch_without_figure_leaves_it_and_null_removes_it(api, target):
    response = patch(api, target["id"], {"note": "只改备注"}, 1)
    assert response.status_code == 200
    assert response.json()["figure"]["value"] == "35.000000"
    assert response.json()["relations"] == target["relations"]
    response = patch(api, target["id"], {"figure": None}, 2)
    assert (response.status_code, response.json()["figure"]) == (200, None)
    assert not TargetStatement.objects.filter(claim_id=target["id"]).exists()


def test_a_patch_with_part_of_the_figure_keeps_the_rest(api, target):
    response = patch(api, target["id"], {"figure": {"value": "36"}}, 1)
    assert response.status_code == 200, response.json()
    assert stored_figure(target["id"]) == {"value": "36", "unit": "%", "subject": "中央企业"}
    assert response.json()["version"] == 2


def test_a_put_replaces_the_whole_figure(api, target, astral_document):
    body = span(astral_document, ASTRAL_TARGET) | {
        "claim_type": "target",
        "attribution": "authorial",
        "figure": {"number_text": "40%", "value": "40"},
    }
    row = TargetStatement.objects.get(claim_id=target["id"]).pk
    response = api.put(f"/api/v1/claims/{target['id']}/", body, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.json()
    assert stored_figure(target["id"]) == {"value": "40", "unit": "", "subject": ""}
    # The same row, so the figure's history goes on.
    assert TargetStatement.objects.get(claim_id=target["id"]).pk == row


def test_it_replaces_the_relations_with_the_list_sent(
    api, target, other_claim, astral_document, alice
):
    third = make_claim(astral_document, MOVED_TO, alice, claim_type="recommendation")
    relations = [
        {"target": other_claim.pk, "kind": "responds_to", "note": "改过的说明"},
        {"target": third.pk, "kind": "supports"},
    ]
    response = patch(api, target["id"], {"relations": relations}, 1)
    assert response.status_code == 200, response.json()
    stored = ClaimRelation.objects.filter(source_id=target["id"]).order_by("kind")
    assert [(r.target_id, r.kind, r.note) for r in stored] == [
        (other_claim.pk, "responds_to", "改过的说明"),
        (third.pk, "supports", ""),
    ]
    assert patch(api, target["id"], {"relations": []}, 2).status_code == 200
    assert not ClaimRelation.objects.filter(source_id=target["id"]).exists()


# Committed requests, as in use: history dates each write by its transaction.
@pytest.mark.django_db(transaction=True)
def test_a_stale_save_after_a_figure_change_is_refused_with_412_and_the_figure_kept(api, target):
    assert patch(api, target["id"], {"figure": {"value": "36"}}, 1).status_code == 200
    # A page still holding version 1 saves its whole form, figure included.
    stale = patch(api, target["id"], {"note": "旧页面", "figure": TARGET_FIGURE}, 1)
    assert stale.status_code == 412
    assert stale.json()["current"]["figure"]["value"] == "36.000000"
    assert "alice saved this claim after you opened it" in stale.json()["detail"]
    assert stale.json()["changes"] == [{"field": "figure.value", "before": "35", "after": "36"}]
    assert stored_figure(target["id"])["value"] == "36"
    assert Claim.objects.get(pk=target["id"]).note == ""


BAD_FIGURES = [
    ("35", "figure"),
    ([{"value": "35"}], "figure"),
    ({"number_text": "35%", "value": "很多"}, "figure.value"),
    ({"number_text": "35%", "value": [35]}, "figure.value"),
    ({"number_text": "35%", "value": {"v": 35}}, "figure.value"),
    ({"number_text": ["35%"], "value": "35"}, "figure.number_text"),
    ({"number_text": "35%", "value": "35", "deadline": "2025-13-01"}, "figure.deadline"),
    ({"number_text": "35%", "value": "35", "comparator": "range"}, "figure.value_high"),
    ({"number_text": "35%", "value": "35", "comparator": "roughly"}, "figure.comparator"),
    ({"number_text": "35%", "value": "35", "metric": 999999}, "figure.metric"),
    ({"number_text": "35%", "value": "35", "target": 1}, "figure.target"),
    ({"number_text": "35%", "value": "35", "colour": "red"}, "figure.colour"),
    ({"number_text": "35%", "value": None}, "figure.value"),
]


@pytest.mark.parametrize(("figure", "field"), BAD_FIGURES)
def test_a_bad_figure_is_a_400_naming_the_field_and_writes_nothing(api, target, figure, field):
    response = patch(api, target["id"], {"note": "不该保存", "figure": figure}, 1)
    assert response.status_code == 400, response.json()
    assert field in response.json(), response.json()
    claim = Claim.objects.get(pk=target["id"])
    assert (claim.version, claim.note) == (1, "")
    assert stored_figure(target["id"])["value"] == "35"


def test_a_figure_on_a_claim_type_without_one_is_refused(api, other_claim, bob):
    api.force_login(bob)
    response = patch(api, other_claim.pk, {"figure": TARGET_FIGURE}, 1)
    assert (response.status_code, list(response.json())) == (400, ["figure"])


def test_a_change_of_type_must_say_what_becomes_of_the_figure(api, target):
    response = patch(api, target["id"], {"claim_type": "observation"}, 1)
    assert (response.status_code, list(response.json())) == (400, ["figure"])
    metric = Metric.objects.create(name="央企战新产业收入占比", unit="%")
    figure = OBSERVED_FIGURE | {"metric": metric.pk}
    response = patch(api, target["id"], {"claim_type": "observation", "figure": figure}, 1)
    assert response.status_code == 200, response.json()
    assert response.json()["figure"]["period_end"] == "2025-12-31"
    assert Observation.objects.get(claim_id=target["id"]).metric == metric
    assert not TargetStatement.objects.filter(claim_id=target["id"]).exists()
    checked_now()  # the database's check at commit passes too


@pytest.mark.parametrize(
    ("relations", "field"),
    [
        ("none", "relations"),
        ({"target": 1, "kind": "supports"}, "relations"),
        ([{"kind": "supports"}], "relations.0.target"),
        ([{"target": 999999, "kind": "supports"}], "relations.0.target"),
        ([{"target": "self", "kind": "supports"}], "relations.0.target"),
        ([{"target": "other", "kind": "likes"}], "relations.0.kind"),
        ([{"target": "other", "kind": "evidence_for"}], "relations.0.kind"),
        ([{"target": "other", "kind": "supports"}] * 2, "relations.1"),
        ([{"target": "other", "kind": "supports", "created_by": 1}], "relations.0.created_by"),
    ],
)
def test_bad_relations_are_a_400_naming_the_field_and_write_nothing(
    api, target, other_claim, relations, field
):
    if isinstance(relations, list):
        ids = {"self": target["id"], "other": other_claim.pk}
        relations = [
            r | {"target": ids.get(r["target"], r["target"])} if "target" in r else r
            for r in relations
        ]
    response = patch(api, target["id"], {"relations": relations}, 1)
    assert response.status_code == 400, response.json()
    assert field in response.json(), response.json()
    assert Claim.objects.get(pk=target["id"]).version == 1
    assert ClaimRelation.objects.filter(source_id=target["id"]).count() == 1


HOSTILE_BODIES = [
    ("[" * 100_000 + "]" * 100_000, "detail"),
    ('{"note": ' + "[" * 100_000 + "]" * 100_000 + "}", "detail"),
    ('{"note": "\\ud800"}', "note"),
    ('{"figure": {"unit": "\\udfff%"}}', "figure.unit"),
    ('{"\\ud800": 1}', "body"),
    ('{"speaker_role": "\\uDBFF"}', "speaker_role"),  # escapes are case-blind
    ('{"note": "a\\u0000b"}', "note"),
    ('{"speaker_role": "\\u0000"}', "speaker_role"),
    ('[{"note": "a list where an object belongs"}]', "non_field_errors"),
    ('"just a string"', "non_field_errors"),
    ('{"start": "一"}', "start"),
    ('{"topics": {"1": true}}', "topics"),
    ('{"figure": {"value": "1e999999"}}', "figure.value"),
    ("{not json", "detail"),
]


@pytest.mark.parametrize(("body", "field"), HOSTILE_BODIES)
def test_hostile_bodies_are_a_400_naming_the_field_never_a_500(api, target, body, field):
    response = api.patch(
        f"/api/v1/claims/{target['id']}/",
        body,
        content_type="application/json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 400, response.content[:300]
    assert field in response.json(), response.json()
    assert Claim.objects.get(pk=target["id"]).version == 1


@pytest.mark.parametrize(("body", "field"), HOSTILE_BODIES[:8])
def test_hostile_bodies_are_refused_on_create_and_bulk_too(api, body, field):
    for url in ("/api/v1/claims/", "/api/v1/claims/bulk/"):
        response = api.post(url, body, content_type="application/json")
        assert response.status_code == 400, response.content[:300]
    assert not Claim.objects.exists()


def test_deleting_a_claim_takes_its_figure_and_relations_with_it(api, target):
    response = api.delete(f"/api/v1/claims/{target['id']}/", HTTP_IF_MATCH='"1"')
    assert response.status_code == 204
    assert not TargetStatement.objects.filter(claim_id=target["id"]).exists()
    assert not ClaimRelation.objects.filter(source_id=target["id"]).exists()


def test_a_claim_others_relate_to_is_not_deleted(api, target, other_claim, bob):
    api.force_login(bob)
    response = api.delete(f"/api/v1/claims/{other_claim.pk}/", HTTP_IF_MATCH='"1"')
    assert response.status_code == 409
    assert "claim relation" in response.json()["detail"]
    assert Claim.objects.filter(pk=other_claim.pk).exists()


@pytest.fixture
def evidence(api, astral_document, target) -> dict[str, Any]:
    """Alice's observation of the target's metric, made evidence for her target."""
    metric = Metric.objects.create(name="央企战新产业收入占比", unit="%")
    made = patch(api, target["id"], {"figure": TARGET_FIGURE | {"metric": metric.pk}}, 1)
    assert made.status_code == 200, made.json()
    figure = OBSERVED_FIGURE | {"metric": metric.pk}
    body = span(astral_document, OTHER) | {
        "claim_type": "observation",
        "attribution": "authorial",
        "figure": figure,
        "relations": [{"target": target["id"], "kind": "evidence_for"}],
    }
    response = api.post("/api/v1/claims/", body, format="json")
    assert response.status_code == 201, response.json()
    return {"metric": metric, "observed": figure, "target": made.json(), **response.json()}


def test_a_claims_evidence_stays_evidence_when_its_type_or_metric_changes(api, evidence):
    """Evidence runs from an observation to a target of its metric (evidence_errors): an
    edit of either end that would break that is refused, naming the field, until the
    relation goes in the same write."""
    other = Metric.objects.create(name="央企战新产业投资占比", unit="%")
    observation, target = evidence["id"], evidence["target"]
    for body in (
        {"claim_type": "assessment", "figure": None},
        {"figure": evidence["observed"] | {"metric": other.pk}},
    ):
        refused = patch(api, observation, body, 1)
        assert refused.status_code == 400, refused.json()
        assert refused.json()["relations"] == [
            f"This claim is evidence for claim #{target['id']}: "
            + (
                "Evidence runs from an observation-type claim to a target-type claim."
                if "claim_type" in body
                else "The observation measures 央企战新产业投资占比 (%), the target "
                "央企战新产业收入占比 (%): a figure of another metric is not evidence for it."
            )
        ]
    for body, field in (
        ({"claim_type": "challenge", "figure": None}, "claim_type"),
        ({"figure": TARGET_FIGURE | {"metric": other.pk}}, "figure"),
    ):
        refused = patch(api, target["id"], body, target["version"])
        assert refused.status_code == 400, refused.json()
        assert list(refused.json()) == [field]
        assert "linked as evidence for this claim" in refused.json()[field][0]
    # With the relation dropped in the same write, the change is hers to make.
    dropped = patch(
        api, observation, {"claim_type": "assessment", "figure": None, "relations": []}, 1
    )
    assert dropped.status_code == 200, dropped.json()
    checked_now()


def committed(*changes: Callable[[], object]) -> None:
    """Make `changes` in one transaction, checked as at its commit."""
    with transaction.atomic():
        for change in changes:
            change()
        checked_now()


def test_the_database_keeps_evidence_from_an_observation_of_the_targets_metric(
    api, evidence, alice
):
    other = Metric.objects.create(name="央企战新产业投资占比", unit="%")
    observation, target = evidence["id"], evidence["target"]["id"]

    def broken() -> Any:
        return pytest.raises(IntegrityError, match=f"claim {observation} is no evidence for")

    with broken():  # the target is no longer a target
        committed(
            TargetStatement.objects.filter(claim_id=target).delete,
            lambda: Claim.objects.filter(pk=target).update(claim_type="challenge"),
        )
    with broken():  # the observation measures another metric
        committed(lambda: Observation.objects.filter(claim_id=observation).update(metric=other))
    with broken():  # a figure written for a claim in evidence already, of another metric
        committed(
            Observation.objects.filter(claim_id=observation).delete,
            lambda: observed(Claim.objects.get(pk=observation), other),
        )
    with broken():  # evidence made from what is no observation
        committed(
            ClaimRelation.objects.filter(source_id=observation).delete,
            Observation.objects.filter(claim_id=observation).delete,
            lambda: Claim.objects.filter(pk=observation).update(claim_type="assessment"),
            lambda: ClaimRelation.objects.create(
                source_id=observation, target_id=target, kind="evidence_for", created_by=alice
            ),
        )


def test_on_the_claim_page_a_rule_checked_at_commit_is_an_error_and_saves_nothing(
    api, evidence, alice
):
    """Retyping a target that an observation is evidence for: the form cannot see the
    relation made to the claim; the database's check, deferred to commit, is run before
    the page would say it was saved, and the page says it was not."""
    target = evidence["target"]
    unstated = patch(api, target["id"], {"figure": None}, target["version"])
    assert unstated.status_code == 200, unstated.json()
    page = Client()
    page.force_login(alice)
    change = f"/admin/claims/claim/{target['id']}/change/"
    form = admin_form_data(page.get(change)) | {"claim_type": "challenge"}
    refused = page.post(change, form, follow=True)
    assert refused.status_code == 200
    shown = [str(message) for message in refused.context["messages"]]
    assert len(shown) == 1, shown  # and not "changed successfully" beside it
    assert "is no evidence for claim" in shown[0]
    assert Claim.objects.get(pk=target["id"]).claim_type == "target"


def test_a_patch_or_delete_of_a_claim_deleted_meanwhile_is_a_404(api, target):
    Claim.objects.get(pk=target["id"]).delete()
    assert patch(api, target["id"], {"note": "迟了"}, 1).status_code == 404
    response = api.delete(f"/api/v1/claims/{target['id']}/", HTTP_IF_MATCH='"1"')
    assert response.status_code == 404


def test_bulk_creates_claims_with_figures_or_reports_the_bad_figures_row(api, astral_document):
    good = span(astral_document, ASTRAL_TARGET) | {
        "claim_type": "target",
        "attribution": "authorial",
        "figure": TARGET_FIGURE,
    }
    bad = good | {"figure": TARGET_FIGURE | {"value": "很多"}}
    response = api.post("/api/v1/claims/bulk/", [good, bad], format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"row": 1, "errors": {"figure.value": ["A valid number is required."]}}
    ]
    assert not Claim.objects.exists()
    response = api.post("/api/v1/claims/bulk/", [good, good], format="json")
    assert response.status_code == 201
    assert [c["figure"]["value"] for c in response.json()] == ["35.000000", "35.000000"]
    assert TargetStatement.objects.count() == 2


def test_the_claim_list_costs_the_same_queries_with_many_relations_and_topics(
    api, astral_document, alice, bob, django_assert_num_queries
):
    topics = [Topic.objects.create(name=f"话题{n}") for n in range(3)]
    others = [make_claim(astral_document, OTHER, bob) for _ in range(3)]
    for _ in range(4):
        claim = make_claim(astral_document, ASTRAL_TARGET, alice, claim_type="target")
        claim.topics.set(topics)
        TargetStatement.objects.create(claim=claim, number_text="35%", value=35)
        for other in others:
            ClaimRelation.objects.create(
                source=claim, target=other, kind="supports", created_by=alice
            )
    # 1 session, 2 user, 3 permissions, 4 the page's claim ids, 5 those claims with
    # speaker, annotator, reviewer and figure joined, their topics and their relations
    # with who made them, 6 whether alice reviews (for `can`, asked once).
    with django_assert_num_queries(6):
        response = api.get("/api/v1/claims/?page_size=50")
    rows = response.json()["results"]
    assert len(rows) == 7
    assert sum(len(row["relations"]) for row in rows) == 12


def test_speakers_are_found_by_part_of_a_name_or_alias_in_either_script(api, zhang):
    response = api.get("/api/v1/speakers/", {"q": "張玉"})
    assert [s["name"] for s in response.json()["results"]] == ["张玉卓"]
    response = api.post("/api/v1/speakers/", {"name": "張玉卓"}, format="json")
    assert response.status_code == 400
    assert "alias of 张玉卓" in response.json()["name"][0]
    response = api.post("/api/v1/speakers/", {"name": "袁野"}, format="json")
    assert (response.status_code, response.json()["kind"]) == (201, "person")


def test_a_claims_relations_come_by_kind_then_in_their_targets_order(seed_document, alice):
    """Within a kind, a claim's relations follow their targets' own order (document,
    start), whatever order they were made in: alike in the list (claims_as_read) and
    in the claim's own resource (ClaimSerializer)."""
    text = seed_document.text
    late, early, middle, source = (
        make_claim(seed_document, text[start : start + 12], alice) for start in (240, 12, 120, 360)
    )
    for target, kind in [(late, "supports"), (middle, "contradicts"), (early, "supports")]:
        ClaimRelation.objects.create(source=source, target=target, kind=kind, created_by=alice)
    api = APIClient()
    api.force_authenticate(alice)

    listed = api.get(f"/api/v1/claims/?document={seed_document.pk}").json()["results"]
    alone = api.get(f"/api/v1/claims/{source.pk}/").json()

    relations = next(claim for claim in listed if claim["id"] == source.pk)["relations"]
    assert [(r["kind"], r["target"]) for r in relations] == [
        ("contradicts", middle.pk),
        ("supports", early.pk),
        ("supports", late.pk),
    ]
    assert relations == alone["relations"]
