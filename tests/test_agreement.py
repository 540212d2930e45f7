"""Agreement figures against the reference implementations on the same claims.

The matching is written out by hand here (which claim meets which), and κ and α are
computed from it by scikit-learn and the krippendorff package; claims.agreement must
arrive at the same numbers. Four annotators: alice, bob and carol code document 1,
alice and bob document 2, carol and dave document 3 (where they never overlap); bob
and dave share no document.
"""

from typing import Any

import krippendorff
import numpy as np
import pytest
from django.utils import timezone
from sklearn.metrics import cohen_kappa_score

from annotations.models import Document, ReviewStatus
from claims import agreement
from claims.models import Attribution, Claim, ClaimType, Speaker, Stance
from claims.roles import ANNOTATOR
from projects.models import Assignment, Membership, Project, ProjectDocument, ProjectRole
from tests.api_support import api_as, reader  # noqa: F401 (a fixture)
from tests.conftest import SEED_000, make_user

T, C, A, OBS, M = (
    ClaimType.TARGET,
    ClaimType.CHALLENGE,
    ClaimType.ASSESSMENT,
    ClaimType.OBSERVATION,
    ClaimType.COMMITMENT,
)
# name: (document, annotator, start, end, type, stance, speaker?)
LAYOUT: dict[str, tuple[int, str, int, int, str, str, bool]] = {
    "A1": (0, "alice", 0, 20, T, Stance.NEUTRAL, False),
    "B1": (0, "bob", 0, 20, T, Stance.NEUTRAL, False),
    "C1": (0, "carol", 0, 20, C, Stance.NEUTRAL, False),
    "A2": (0, "alice", 30, 50, C, Stance.SUPPORT, False),
    "B2": (0, "bob", 35, 55, C, Stance.OPPOSE, False),
    "A3": (0, "alice", 60, 80, A, Stance.NEUTRAL, True),
    "B3": (0, "bob", 60, 80, M, Stance.NEUTRAL, False),
    "A4": (0, "alice", 100, 120, A, Stance.SUPPORT, False),
    "B4": (0, "bob", 90, 105, A, Stance.SUPPORT, False),  # overlaps A4 by 5: loses to B5
    "B5": (0, "bob", 110, 130, A, Stance.SUPPORT, True),  # overlaps A4 by 10
    "A5": (0, "alice", 200, 210, T, Stance.NEUTRAL, False),
    "C2": (0, "carol", 300, 320, A, Stance.NEUTRAL, False),
    "A6": (1, "alice", 10, 30, OBS, Stance.NEUTRAL, False),
    "B6": (1, "bob", 10, 30, OBS, Stance.NEUTRAL, False),
    "A7": (1, "alice", 40, 100, A, Stance.MIXED, False),
    "A8": (1, "alice", 50, 60, T, Stance.NEUTRAL, False),  # inside A7: on top of it
    "B7": (1, "bob", 45, 100, A, Stance.MIXED, False),
    "C3": (2, "carol", 0, 50, A, Stance.NEUTRAL, False),
    "D1": (2, "dave", 100, 150, A, Stance.NEUTRAL, False),
}
# The overlapping matching, by hand: groups of two or more claims.
MATCHED = [("A1", "B1", "C1"), ("A2", "B2"), ("A3", "B3"), ("A4", "B5"), ("A6", "B6"), ("A7", "B7")]
EXACT_PAIRS_ALICE_BOB = 3  # A1-B1, A3-B3, A6-B6
CODED = {0: ["alice", "bob", "carol"], 1: ["alice", "bob"], 2: ["carol", "dave"]}
PEOPLE = ["alice", "bob", "carol", "dave"]


@pytest.fixture
def study(db: None) -> dict[str, Any]:
    people = {name: make_user(name, ANNOTATOR) for name in PEOPLE}
    project = Project.objects.create(name="study", independent=True, annotators_per_document=2)
    for name in PEOPLE:
        Membership.objects.create(project=project, user=people[name], role=ProjectRole.ANNOTATOR)
    curator = make_user("cora")
    Membership.objects.create(project=project, user=curator, role=ProjectRole.CURATOR)
    text = SEED_000.read_text(encoding="utf-8")
    documents = []
    for number in range(3):
        document = Document.from_raw(
            text[number * 400 : number * 400 + 400], title=f"part {number}", language="zh-Hans"
        )
        document.save()
        ProjectDocument.objects.create(project=project, document=document)
        documents.append(document)
    for number, names in CODED.items():
        for name in names:
            Assignment.objects.create(
                project=project, document=documents[number], annotator=people[name]
            )
    speaker = Speaker.objects.create(name="张玉卓")
    claims = {}
    for name, (number, who, start, end, kind, stance, spoken) in LAYOUT.items():
        document = documents[number]
        claims[name] = Claim.objects.create(
            project=project,
            document=document,
            start=start,
            end=end,
            quote=document.text[start:end],
            annotator=people[who],
            claim_type=kind,
            stance=stance,
            speaker=speaker if spoken else None,
            attribution=Attribution.DIRECT if spoken else Attribution.AUTHORIAL,
        )
    return {
        "project": project,
        "people": people,
        "documents": documents,
        "claims": claims,
        "curator": curator,
    }


def value_of(claim: Claim, field: str) -> object:
    # A label scikit-learn can sort: no speaker is a value of its own.
    return str(claim.speaker_id) if field == "speaker" else getattr(claim, field)


def pair(figures: dict[str, Any], study: dict[str, Any], a: str, b: str) -> dict[str, Any]:
    ids = [study["people"][a].pk, study["people"][b].pk]
    return next(p for p in figures["pairs"] if sorted(p["annotators"]) == sorted(ids))


def test_span_agreement_of_a_pair(study):
    figures = agreement.for_project(study["project"])
    alice_bob = pair(figures, study, "alice", "bob")
    alice_first = alice_bob["annotators"][0] == study["people"]["alice"].pk
    of_alice, of_bob = 8, 7  # A1-A8; B1-B7, in the two documents they share
    assert alice_bob["claims"] == ([of_alice, of_bob] if alice_first else [of_bob, of_alice])
    matched = sum(1 for group in MATCHED if {"A", "B"} <= {n[0] for n in group})
    overlapping = alice_bob["overlapping"]
    assert overlapping["matched"] == matched == 6
    assert overlapping["f1"]["value"] == pytest.approx(2 * matched / (of_alice + of_bob))
    recall, precision = matched / of_alice, matched / of_bob
    if not alice_first:
        recall, precision = precision, recall
    assert overlapping["recall"]["value"] == pytest.approx(recall)
    assert overlapping["precision"]["value"] == pytest.approx(precision)
    exact = alice_bob["exact"]
    assert exact["matched"] == EXACT_PAIRS_ALICE_BOB
    assert exact["f1"]["value"] == pytest.approx(2 * 3 / (of_alice + of_bob))


def test_a_pair_that_never_met(study):
    figures = agreement.for_project(study["project"])
    bob_dave = pair(figures, study, "bob", "dave")
    assert bob_dave["documents"] == 0
    assert bob_dave["overlapping"]["f1"] == {
        "value": None,
        "units": 0,
        "reason": "the two annotators coded no document in common",
    }
    # Carol and dave share a document but none of their claims overlap.
    carol_dave = pair(figures, study, "carol", "dave")
    assert carol_dave["documents"] == 1
    assert carol_dave["overlapping"]["f1"]["value"] == 0
    assert carol_dave["kappa"]["claim_type"] == {
        "value": None,
        "units": 0,
        "reason": "no matched claims",
    }


@pytest.mark.parametrize("field", agreement.FIELDS)
def test_kappa_per_pair_equals_scikit_learn(study, field):
    claims = study["claims"]
    figures = agreement.for_project(study["project"])
    alice_bob = pair(figures, study, "alice", "bob")
    alice_first = alice_bob["annotators"][0] == study["people"]["alice"].pk
    units = [
        (
            claims[next(n for n in group if n[0] == "A")],
            claims[next(n for n in group if n[0] == "B")],
        )
        for group in MATCHED
    ]
    alice = [value_of(a, field) for a, _ in units]
    bob = [value_of(b, field) for _, b in units]
    kappa = alice_bob["kappa"][field]
    assert kappa["units"] == len(units)
    reference = cohen_kappa_score(*((alice, bob) if alice_first else (bob, alice)))
    if np.isnan(reference):  # one value only: sklearn says nan, we say why
        assert kappa["value"] is None
        assert kappa["reason"]
    else:
        assert kappa["value"] == pytest.approx(reference, abs=1e-6)
        assert "too few" in kappa["reason"]  # six units


@pytest.mark.parametrize("field", agreement.FIELDS)
def test_alpha_on_matched_claims_equals_krippendorff(study, field):
    claims = study["claims"]
    order = [study["people"][name].pk for name in PEOPLE]
    figures = agreement.for_project(study["project"])
    assert [a["id"] for a in figures["annotators"]] == order
    matrix = np.full((len(PEOPLE), len(MATCHED)), np.nan)
    values: dict[object, int] = {}
    for column, group in enumerate(MATCHED):
        for name in group:
            row = PEOPLE.index(LAYOUT[name][1])
            matrix[row, column] = values.setdefault(value_of(claims[name], field), len(values))
    alpha = figures["alpha"][field]
    assert alpha["units"] == len(MATCHED)
    if len(values) < 2:
        assert alpha["value"] is None
    else:
        reference = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
        assert alpha["value"] == pytest.approx(reference, abs=1e-6)


def test_positional_alpha_equals_krippendorff(study):
    """Every code point, coded code point by code point here (the shortest covering claim,
    then the earliest, then the lowest id), missing where an annotator did not code."""
    claims = study["claims"]
    columns = []
    for number, document in enumerate(study["documents"]):
        for position in range(len(document.text)):
            column = []
            for name in PEOPLE:
                if name not in CODED[number]:
                    column.append(np.nan)
                    continue
                covering = [
                    claims[n]
                    for n, (d, who, start, end, *_) in LAYOUT.items()
                    if d == number and who == name and start <= position < end
                ]
                top = min(covering, key=lambda c: (c.end - c.start, c.start, c.pk), default=None)
                column.append(0 if top is None else ClaimType.values.index(top.claim_type) + 1)
            columns.append(column)
    reference = krippendorff.alpha(
        reliability_data=np.array(columns).T, level_of_measurement="nominal"
    )
    positional = agreement.for_project(study["project"])["alpha"]["positional"]
    assert positional["value"] == pytest.approx(reference, abs=1e-6)
    assert positional["units"] == sum(len(d.text) for d in study["documents"])
    assert positional["reason"] is None


def test_filters_and_a_constant_number_of_queries(study, django_assert_num_queries):
    project, people = study["project"], study["people"]
    with django_assert_num_queries(4):
        everything = agreement.for_project(project)
    assert everything["claims"] == len(LAYOUT)
    with django_assert_num_queries(4):
        two = agreement.for_project(
            project,
            annotators=[people["alice"].pk, people["bob"].pk],
            documents=[study["documents"][0].pk],
            claim_types=[ClaimType.ASSESSMENT],
        )
    assert [a["username"] for a in two["annotators"]] == ["alice", "bob"]
    assert two["claims"] == 4  # A3, A4, B4, B5
    (alice_bob,) = two["pairs"]
    assert alice_bob["overlapping"]["matched"] == 1  # A4-B5 (B3 is a commitment)


def test_gold_claims_do_not_count(study):
    project, curator = study["project"], study["curator"]
    document = study["documents"][0]
    Claim.objects.create(
        project=project,
        document=document,
        start=0,
        end=20,
        quote=document.text[:20],
        annotator=curator,
        claim_type=T,
        attribution=Attribution.AUTHORIAL,
        gold=True,
        status=ReviewStatus.ACCEPTED,
        reviewer=curator,
        reviewed_at=timezone.now(),
    )
    figures = agreement.for_project(project)
    assert curator.username not in [a["username"] for a in figures["annotators"]]
    assert figures["claims"] == len(LAYOUT)


def test_the_api_answers_in_a_fixed_number_of_queries(study, django_assert_num_queries):
    url = f"/api/v1/projects/{study['project'].pk}/agreement/"
    api = api_as(study["curator"])
    with django_assert_num_queries(8):
        # 1 the token and user, 2 the project, 3 is she a reviewer, 4 her membership
        # (can_curate); 5-8 the claims, assignments, documents' lengths, annotators.
        reply = api.get(url)
    assert reply.json()["claims"] == len(LAYOUT)


def test_the_api_is_for_curators_only(study, rachel, reader):
    project, people = study["project"], study["people"]
    url = f"/api/v1/projects/{project.pk}/agreement/"
    assert api_as(people["alice"]).get(url).status_code == 403
    assert api_as(reader).get(url).status_code == 404  # no member: no such project for her
    assert api_as(None).get(url).status_code in (401, 403)
    assert api_as(rachel).get(url).status_code == 200
    reply = api_as(study["curator"]).get(
        f"{url}?annotators={people['alice'].pk},{people['bob'].pk}"
    )
    assert reply.status_code == 200, reply.text
    assert len(reply.json()["pairs"]) == 1
    assert api_as(rachel).get("/api/v1/projects/999999/agreement/").status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("claim_types=target,opinion", "claim_types"),
        ("documents=abc", "documents"),
        ("documents=99999999", "documents"),
        ("annotators=-1", "annotators"),
        ("annotator=1", "annotator"),
    ],
)
def test_bad_filters_are_named(study, rachel, query, field):
    reply = api_as(rachel).get(f"/api/v1/projects/{study['project'].pk}/agreement/?{query}")
    assert reply.status_code == 400
    assert field in reply.json()


def test_a_single_category_is_said(study):
    """All of one type: α is undefined, and the answer says why."""
    project = study["project"]
    only_targets = agreement.for_project(project, claim_types=[ClaimType.TARGET])
    kinds = only_targets["alpha"]["claim_type"]
    assert kinds["value"] is None
    assert "one category" in kinds["reason"]


def test_the_admin_shows_a_matrix_per_field_with_units(
    study, client, django_assert_max_num_queries
):
    client.force_login(study["curator"])
    url = f"/admin/claims/claim/team/{study['project'].pk}/agreement/"
    with django_assert_max_num_queries(12):  # session, user, can_curate, agreement's four
        page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="agreement agreement-matrix"') == 2 + len(agreement.FIELDS)
    assert "n=15" in html  # alice × bob, span F1: 8 + 7 claims
    assert "no document in common" in html  # bob × dave
    team = client.get("/admin/claims/claim/team/").content.decode()
    assert url in team
    client.force_login(study["people"]["alice"])
    assert client.get(url).status_code == 403
