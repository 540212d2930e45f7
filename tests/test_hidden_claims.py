"""Another annotator's claim in a project of independent annotation is hidden from her
everywhere, not only on its own page: its figure and relations in the admin, and as the
target of a relation she makes (over the API, one claim or in bulk, and in the admin),
where its existence, type and metric would show in the answer."""

from typing import Any

import pytest
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from annotations.models import Document, ReviewStatus
from claims.models import (
    Claim,
    ClaimRelation,
    ClaimType,
    Metric,
    Observation,
    Target,
    TargetRevision,
    TargetStatement,
    visible_claims,
)
from claims.roles import ANNOTATOR, REVIEWER
from claims.workbench import claim_events
from projects.models import CurationState, Membership, Project, ProjectDocument, ProjectRole
from tests.api_support import _fresh_throttles, api_as  # noqa: F401
from tests.conftest import claim_form, make_claim, make_user

QUOTE = "新质生产力"
SECRET_METRIC = "秘密指标"


@pytest.fixture
def hidden(seed_document: Document, alice, bob) -> dict[str, Any]:
    """Bob's target (with its statement), his observation of the same metric, and a
    relation between them, in a study where alice annotates too."""
    study = Project.objects.create(name="study", independent=True, annotators_per_document=2)
    for person in (alice, bob):
        Membership.objects.create(project=study, user=person, role=ProjectRole.ANNOTATOR)
    ProjectDocument.objects.create(project=study, document=seed_document)
    metric = Metric.objects.create(name=SECRET_METRIC, unit="%")
    target, observation = (
        make_claim(seed_document, QUOTE, bob, project=study, claim_type=kind)
        for kind in (ClaimType.TARGET, ClaimType.OBSERVATION)
    )
    statement = TargetStatement.objects.create(
        claim=target, number_text="35%", value=35, unit="%", metric=metric
    )
    seen = Observation.objects.create(
        claim=observation,
        number_text="30%",
        value=30,
        unit="%",
        metric=metric,
        period_start="2024-01-01",
        period_end="2024-12-31",
    )
    relation = ClaimRelation.objects.create(
        source=observation, target=target, kind="supports", created_by=bob
    )
    return {"target": target, "statement": statement, "observation": seen, "relation": relation}


def test_who_reads_a_claim_follows_the_rule_role_by_role(seed_document, alice, bob, rachel, ada):
    """Claim.objects.visible_to's rule (claims.models.ReadableBy), case by case, for
    claims, for relations by their target and for history events alike: in a study,
    bob's claim on a document not yet curated is read by bob, reviewers, admins and
    the study's curators and managers only; once curated, by everyone; a claim of a
    project that is not independent, by everyone. An inactive user reads nothing."""
    study = Project.objects.create(name="study", independent=True, annotators_per_document=2)
    shared = Project.objects.create(name="shared")
    carl, mona, otto = (make_user(name, ANNOTATOR) for name in ("carl", "mona", "otto"))
    ivy = make_user("ivy", REVIEWER, is_active=False)
    for project in (study, shared):
        ProjectDocument.objects.create(project=project, document=seed_document)
        for person, role in [
            (alice, ProjectRole.ANNOTATOR),
            (bob, ProjectRole.ANNOTATOR),
            (carl, ProjectRole.CURATOR),
            (mona, ProjectRole.MANAGER),
        ]:
            Membership.objects.create(project=project, user=person, role=role)
    # otto curates and manages only the shared project: no say in the study.
    Membership.objects.create(project=shared, user=otto, role=ProjectRole.MANAGER)
    studied = make_claim(seed_document, QUOTE, bob, project=study)
    plain = make_claim(seed_document, QUOTE, bob, project=shared)
    relation = ClaimRelation.objects.create(
        source=plain, target=studied, kind="supports", created_by=bob
    )
    everyone = [alice, bob, carl, mona, otto, rachel, ada, ivy]

    def readers(claim: Claim) -> set[str]:
        names = set()
        for user in everyone:
            claims = Claim.objects.visible_to(user).filter(pk=claim.pk)
            relations = ClaimRelation.objects.filter(pk=relation.pk).with_readable_target(user)
            events = claim_events().filter(pk__in=claim.events.values("pk"))
            events = events.filter(visible_claims(user) or Q())
            found = [claims.exists(), events.exists()]
            if claim == studied:
                found.append(relations.exists())
            assert len(set(found)) == 1, (user.username, found)
            if found[0]:
                names.add(user.username)
        return names

    active = {"alice", "bob", "carl", "mona", "otto", "rachel", "ada"}
    assert readers(studied) == {"bob", "carl", "mona", "rachel", "ada"}
    assert readers(plain) == active
    ProjectDocument.objects.filter(project=study).update(curation_state=CurationState.CURATED)
    assert readers(studied) == active


def admin_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("model", "part"),
    [
        ("targetstatement", "statement"),
        ("observation", "observation"),
        ("claimrelation", "relation"),
    ],
)
def test_her_admin_lists_no_part_of_a_claim_hidden_from_her(hidden, alice, bob, model, part):
    url = f"/admin/claims/{model}/"
    pk = hidden[part].pk
    listed = admin_client(alice).get(url)
    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list) == []
    page = admin_client(alice).get(f"{url}{pk}/change/")
    assert (page.status_code, page.headers["Location"]) == (302, "/admin/")  # no such row
    assert [row.pk for row in admin_client(bob).get(url).context["cl"].result_list] == [pk]


def own_claim(alice: Any, seed_document: Document) -> Claim:
    return make_claim(seed_document, QUOTE, alice, project=Project.objects.get(is_default=True))


def claim_relating_to(target: Claim, seed_document: Document, kind: str) -> dict[str, Any]:
    """A new claim in the default project that relates to `target` (as evidence, an
    observation with a figure of the target's metric)."""
    start = seed_document.text.index(QUOTE)
    claim: dict[str, Any] = {
        "document": seed_document.pk,
        "start": start,
        "end": start + len(QUOTE),
        "quote": QUOTE,
        "claim_type": "observation",
        "attribution": "authorial",
        "figure": {
            "number_text": "30%",
            "value": "30",
            "unit": "%",
            "metric": target.target_statement.metric_id,
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
        },
        "relations": [{"target": target.pk, "kind": kind}],
    }
    return claim


@pytest.mark.parametrize("kind", ["supports", "evidence_for"])
def test_she_cannot_relate_to_a_claim_hidden_from_her(hidden, alice, bob, seed_document, kind):
    api = api_as(alice)
    target = hidden["target"]
    claim = claim_relating_to(target, seed_document, kind)
    missing = dict(claim, relations=[{"target": 10**9, "kind": kind}])
    one, bulk = (
        api.post("/api/v1/claims/", json=claim),
        api.post("/api/v1/claims/bulk/", json=[claim]),
    )
    nonexistent = api.post("/api/v1/claims/", json=missing)
    assert (one.status_code, bulk.status_code, nonexistent.status_code) == (400, 400, 400)
    # As of an id that does not exist: nothing of the hidden claim is told.
    assert str(target.pk) in one.text
    assert one.json() == {
        key: [message.replace(str(10**9), str(target.pk)) for message in messages]
        for key, messages in nonexistent.json().items()
    }
    assert SECRET_METRIC not in one.text + bulk.text
    assert not ClaimRelation.objects.filter(target=target).exclude(pk=hidden["relation"].pk)
    # Bob may still delete his claim: nothing of hers points at it.
    hidden["relation"].delete()
    deleted = api_as(bob).delete(
        f"/api/v1/claims/{target.pk}/", headers={"If-Match": f'"{target.version}"'}
    )
    assert deleted.status_code == 204, deleted.text


def test_her_admin_offers_no_hidden_claim_to_relate_to(hidden, alice, seed_document):
    """The admin's add page of a relation refuses a hidden target as not a choice."""
    own = own_claim(alice, seed_document)
    reply = admin_client(alice).post(
        "/admin/claims/claimrelation/add/",
        {"source": own.pk, "target": hidden["target"].pk, "kind": "supports", "note": ""},
    )
    assert reply.status_code == 200  # the form again, with its error
    assert "target" in reply.context["adminform"].form.errors
    assert not ClaimRelation.objects.filter(source=own).exists()


def claim_page(claim: Claim, relations: list[dict[str, Any]]) -> dict[str, Any]:
    """Her claim's admin page as posted (claim_form), its relations inline as `relations`."""
    rows = {
        f"relations_out-{number}-{key}": value
        for number, relation in enumerate(relations)
        for key, value in relation.items()
    }
    return claim_form(
        claim,
        note="edited",
        expected_version=claim.version,
        **{"relations_out-TOTAL_FORMS": len(relations)},
        **rows,
    )


def test_her_claim_page_takes_no_hidden_claim_as_a_relation_target(hidden, alice, seed_document):
    own = own_claim(alice, seed_document)
    url = f"/admin/claims/claim/{own.pk}/change/"
    target = {"kind": "supports", "target": hidden["target"].pk, "note": ""}
    reply = admin_client(alice).post(url, claim_page(own, [target]))
    assert reply.status_code == 200  # the page again, with the inline's error
    assert reply.context["inline_admin_formsets"][-1].formset.errors[0].keys() == {"target"}
    assert not ClaimRelation.objects.filter(source=own).exists()


def test_a_relation_of_hers_to_a_claim_since_hidden_is_kept_unseen(
    hidden, alice, rachel, seed_document
):
    """A reviewer related her claim to bob's: neither her claim's page nor the API shows
    it to her, and it is kept when she saves the page or sends her claim's relations."""
    own = own_claim(alice, seed_document)
    kept = ClaimRelation.objects.create(
        source=own, target=hidden["target"], kind="supports", created_by=rachel
    )
    url = f"/admin/claims/claim/{own.pk}/change/"
    page = admin_client(alice).get(url)
    assert page.context["inline_admin_formsets"][-1].formset.queryset.count() == 0
    saved = admin_client(alice).post(url, claim_page(own, []))
    assert saved.status_code == 302, saved.context and saved.context["errors"]
    own.refresh_from_db()
    assert own.note == "edited"
    assert ClaimRelation.objects.filter(pk=kept.pk).exists()
    # Over the API: not in her claim (the list's or its own), not dropped by a PATCH of
    # its relations, and not hers to send back.
    api, url = api_as(alice), f"/api/v1/claims/{own.pk}/"
    read = api.get(url)
    assert read.json()["relations"] == []
    assert [c["relations"] for c in api.get("/api/v1/claims/").json()["results"]] == [[]]
    patched = api.patch(
        url, json={"relations": [], "note": "again"}, headers={"If-Match": read.headers["ETag"]}
    )
    assert patched.status_code == 200, patched.text
    assert ClaimRelation.objects.filter(pk=kept.pk).exists()
    resent = [{"target": hidden["target"].pk, "kind": "supports"}]
    refused = api.patch(
        url, json={"relations": resent}, headers={"If-Match": patched.headers["ETag"]}
    )
    assert refused.status_code == 400
    assert "does not exist" in refused.text
    # The reviewer who made it reads it.
    assert [r["target"] for r in api_as(rachel).get(url).json()["relations"]] == [
        hidden["target"].pk
    ]


def test_a_targets_page_shows_her_no_revision_citing_a_hidden_claim(hidden, alice, rachel):
    statement = hidden["statement"]
    target = Target.objects.create(
        title="战略性新兴产业占比", metric=statement.metric, value=35, unit="%"
    )
    TargetRevision.objects.create(
        target=target,
        claim=hidden["target"],
        revised_on="2025-01-01",
        changes={},
        recorded_by=rachel,
    )
    page = admin_client(alice).get(f"/admin/claims/target/{target.pk}/change/")
    assert page.status_code == 200
    revisions = [
        inline.formset
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model is TargetRevision
    ]
    assert [formset.queryset.count() for formset in revisions] == [0]
    assert admin_client(rachel).get("/admin/claims/targetrevision/").context["cl"].result_count == 1
    assert admin_client(alice).get("/admin/claims/targetrevision/").context["cl"].result_count == 0


def test_her_claims_history_names_no_hidden_claim_nor_its_relations_note(
    hidden, alice, bob, rachel, seed_document
):
    """Bob related his hidden claim to her claim: the relation is written into her
    claim's history (it refers to it), but she is not shown it; a reviewer is."""
    own = own_claim(alice, seed_document)
    relation = ClaimRelation.objects.create(
        source=hidden["target"], target=own, kind="supports", created_by=bob
    )
    relation.note = "bob's secret reasoning"
    relation.save()
    url = f"/api/v1/claims/{own.pk}/history/"
    hers = api_as(alice).get(url)
    assert hers.status_code == 200
    assert [e["model"] for e in hers.json()] == ["claims.Claim"]
    assert "secret" not in hers.text
    theirs = api_as(rachel).get(url).json()
    assert [e["event"] for e in theirs if e["model"] == "claims.ClaimRelation"] == [
        "insert",
        "update",
    ]
    # Her claim's admin page, whose history table reads the same entries.
    page = f"/admin/claims/claim/{own.pk}/change/"
    assert "claims.ClaimRelation" not in admin_client(alice).get(page).content.decode()
    assert "secret reasoning" in admin_client(rachel).get(page).content.decode()


def test_a_targets_history_names_no_hidden_claim_nor_its_revision_note(hidden, alice, rachel):
    """Bob's hidden claim states the target and revised it: both writes are in the
    target's history (they refer to it), but she is not shown them; a reviewer is."""
    statement = hidden["statement"]
    target = Target.objects.create(
        title="战略性新兴产业占比", metric=statement.metric, value=35, unit="%"
    )
    statement.target = target
    statement.save()
    TargetRevision.objects.create(
        target=target,
        claim=hidden["target"],
        revised_on="2025-01-01",
        changes={"note": ["bob's secret figure", None]},
        recorded_by=rachel,
    )
    url = f"/api/v1/targets/{target.pk}/history/"
    hers = api_as(alice).get(url)
    assert hers.status_code == 200
    assert [e["model"] for e in hers.json()] == ["claims.Target"]
    assert "secret" not in hers.text
    theirs = [e["model"] for e in api_as(rachel).get(url).json()]
    assert theirs.count("claims.TargetRevision") == 1
    assert "claims.TargetStatement" in theirs
    # The target's admin page, whose history table reads the same entries.
    page = f"/admin/claims/target/{target.pk}/change/"
    assert "claims.TargetRevision" not in admin_client(alice).get(page).content.decode()
    assert "secret figure" in admin_client(rachel).get(page).content.decode()


def gold_made_from_hers(seed_document: Document, alice: Any) -> tuple[Claim, Claim]:
    """Her claim in a study whose document is being curated, and the gold claim cora
    made from it, hidden from her until the document is curated."""
    study = Project.objects.create(name="study", independent=True, annotators_per_document=2)
    cora = make_user("cora", ANNOTATOR)
    Membership.objects.create(project=study, user=cora, role=ProjectRole.CURATOR)
    Membership.objects.create(project=study, user=alice, role=ProjectRole.ANNOTATOR)
    ProjectDocument.objects.create(project=study, document=seed_document)
    mine = make_claim(seed_document, QUOTE, alice, project=study)
    gold = make_claim(
        seed_document,
        QUOTE,
        cora,
        project=study,
        gold=True,
        status=ReviewStatus.ACCEPTED,
        reviewer=cora,
        reviewed_at=timezone.now(),
    )
    gold.curated_from.set([mine])
    assert not Claim.objects.visible_to(alice).filter(pk=gold.pk).exists()
    return mine, gold


def test_her_claims_history_names_no_gold_claim_curated_from_it(seed_document, alice):
    """While the document is being curated, curation's link between her claim and the
    gold claim made from it is left out of her claim's history."""
    mine, gold = gold_made_from_hers(seed_document, alice)
    url = f"/api/v1/claims/{mine.pk}/history/"
    assert [e["model"] for e in api_as(alice).get(url).json()] == ["claims.Claim"]
    curator = api_as(gold.annotator).get(url).json()
    assert "claims.Claim_curated_from" in [e["model"] for e in curator]


def test_deleting_her_claim_shows_nothing_of_the_gold_claim_made_from_it(
    seed_document, alice, rachel
):
    mine, _ = gold_made_from_hers(seed_document, alice)
    link = "From_claim-to_claim relationship"
    page = f"/admin/claims/claim/{mine.pk}/delete/"
    hers = admin_client(alice).get(page)
    assert hers.status_code == 200
    assert link not in hers.content.decode()
    assert dict(hers.context["model_count"]) == {"claims": 1}
    assert link in admin_client(rachel).get(page).content.decode()


@pytest.mark.parametrize(
    ("url", "part"),
    [
        ("/api/v1/observations/?claim=", "observation"),
        ("/api/v1/relations/?source=", "observation"),
        ("/api/v1/relations/?target=", "target"),
    ],
)
def test_filtering_parts_by_a_hidden_claim_answers_as_for_a_missing_one(hidden, alice, url, part):
    hidden_id = hidden[part].claim_id if part == "observation" else hidden[part].pk
    api = api_as(alice)
    shown, missing = api.get(f"{url}{hidden_id}"), api.get(f"{url}{10**9}")
    assert (shown.status_code, shown.json()["results"]) == (200, [])
    assert (missing.status_code, missing.json()["results"]) == (200, [])
    assert api.get(f"{url}x").status_code == 400


def test_a_target_stated_only_by_a_hidden_claim_is_not_in_her_layers_tracking(
    hidden, alice, rachel
):
    statement = hidden["statement"]
    stated, unstated = (
        Target.objects.create(
            title=title, metric=statement.metric, subject="s", value=35, unit="%", number_text="35%"
        )
        for title in ("stated", "unstated")
    )
    statement.target = stated
    statement.save()
    tracking = "/api/v1/targets/tracking/?layer=annotations"
    listed = api_as(alice).get(tracking)
    assert (listed.status_code, listed.json()["results"]) == (200, [])
    assert [t["title"] for t in api_as(rachel).get(tracking).json()["results"]] == ["stated"]
    one, other = (
        api_as(alice).get(f"/api/v1/targets/{t.pk}/timeline/?layer=annotations")
        for t in (stated, unstated)
    )
    assert one.status_code == other.status_code == 404


def test_deleting_her_claim_names_no_link_to_a_hidden_claim(
    hidden, alice, bob, rachel, seed_document
):
    """Her claim relates to bob's hidden claim (the relation would go with hers), then his
    to hers (it keeps hers from being deleted): the delete page lists each link without
    naming it or the hidden claim; a reviewer's names them."""
    own = own_claim(alice, seed_document)
    page = f"/admin/claims/claim/{own.pk}/delete/"

    def hers_shows(relation: ClaimRelation) -> str:
        shown = admin_client(alice).get(page).content.decode()
        assert str(relation) not in shown
        assert f"/admin/claims/claimrelation/{relation.pk}/" not in shown
        assert str(relation) in admin_client(rachel).get(page).content.decode()
        return shown

    out = ClaimRelation.objects.create(
        source=own, target=hidden["observation"].claim, kind="contradicts", created_by=rachel
    )
    going = hers_shows(out)  # the page of what goes with her claim
    assert "Are you sure" in going
    assert going.count("with a claim you cannot see") == 1
    into = ClaimRelation.objects.create(
        source=hidden["target"], target=own, kind="supports", created_by=bob
    )
    kept = hers_shows(into)  # the page of what keeps it: Django lists only that
    assert "Cannot delete" in kept
    assert kept.count("with a claim you cannot see") == 1


def test_a_project_she_is_no_member_of_answers_as_a_missing_one(alice, seed_document):
    other = Project.objects.create(name="secret study", independent=True)
    own = own_claim(alice, seed_document)
    api = api_as(alice)
    etag = api.get(f"/api/v1/claims/{own.pk}/").headers["ETag"]
    answers = []
    for project in (other.pk, 10**9):
        for language in ("en", "zh-hans"):
            headers = {"If-Match": etag, "Accept-Language": language}
            for body in ({"project": project}, {"project": project, "stance": "bogus"}):
                moved = api.patch(f"/api/v1/claims/{own.pk}/", json=body, headers=headers)
                assert moved.status_code == 400
                answers.append(moved.text.replace(str(project), "N"))
            made = api.post(
                "/api/v1/claims/",
                json={
                    "document": seed_document.pk,
                    "start": own.start,
                    "end": own.end,
                    "quote": own.quote,
                    "claim_type": "assessment",
                    "attribution": "authorial",
                    "project": project,
                },
                headers={"Accept-Language": language},
            )
            answers.append(made.text.replace(str(project), "N"))
        for page in ("agreement", "documents/1/curation"):
            reply = api.get(f"/api/v1/projects/{project}/{page}/")
            assert reply.status_code == 404
            answers.append(reply.text)
        admin = admin_client(alice).get(f"/admin/claims/claim/team/{project}/agreement/")
        assert admin.status_code == 404
    half = len(answers) // 2
    assert answers[:half] == answers[half:]
    assert 'Invalid pk \\"N\\" - object does not exist.' in answers[0]


def test_her_claims_history_names_no_hidden_claim_a_relation_was_moved_off(
    hidden, alice, rachel, seed_document
):
    own, other = own_claim(alice, seed_document), own_claim(alice, seed_document)
    relation = ClaimRelation.objects.create(
        source=own, target=hidden["target"], kind="supports", created_by=rachel
    )
    relation.target = other
    relation.save()  # now between two claims she reads; its change names the hidden one
    url = f"/api/v1/claims/{own.pk}/history/"
    assert [e["model"] for e in api_as(alice).get(url).json()] == ["claims.Claim"]
    theirs = [e["event"] for e in api_as(rachel).get(url).json() if e["model"] != "claims.Claim"]
    assert theirs == ["insert", "update"]
