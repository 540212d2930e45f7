"""Projects over the API: who sees and changes a project, claims written in one,
assignment by hand and automatic, the queue, finishing, progress; and the invariants
the database keeps itself."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction

from annotations.models import Document
from claims.models import Claim
from claims.roles import ANNOTATOR, REVIEWER
from claims.suggestions import for_document
from projects.models import Assignment, Guidelines, Membership, Project, ProjectDocument
from tests.api_support import _fresh_throttles, api_as  # noqa: F401
from tests.conftest import SEED_000, SOE_TARGET, make_user


def document(title: str) -> Document:
    raw = SEED_000.read_text(encoding="utf-8") + f"\n{title}\n"  # distinct texts
    made = Document.from_raw(raw, title=title, language="zh-Hans")
    made.save()
    return made


@pytest.fixture
def team(db: None) -> dict[str, Any]:
    """A project of four documents: manager mia, annotators ann1-ann3, curator cora."""
    people = {
        "mia": make_user("mia", REVIEWER),
        **{name: make_user(name, ANNOTATOR) for name in ("ann1", "ann2", "ann3", "cora", "olga")},
    }
    project = Project.objects.create(name="Study", annotators_per_document=2, independent=True)
    roles = {"mia": "manager", "ann1": "annotator", "ann2": "annotator", "ann3": "annotator"}
    for name, role in {**roles, "cora": "curator"}.items():
        Membership.objects.create(project=project, user=people[name], role=role)
    documents = [document(f"doc {n}") for n in range(4)]
    ProjectDocument.objects.bulk_create(
        ProjectDocument(project=project, document=d) for d in documents
    )
    return {**people, "project": project, "documents": documents}


def claim_body(doc: Document, project: Project | None, **extra: Any) -> dict[str, Any]:
    start = doc.text.index(SOE_TARGET)
    body = {
        "document": doc.pk,
        "start": start,
        "end": start + len(SOE_TARGET),
        "quote": SOE_TARGET,
        "claim_type": "target",
        "attribution": "authorial",
        **extra,
    }
    if project is not None:
        body["project"] = project.pk
    return body


def test_a_non_member_sees_no_project_and_a_member_hers(team):
    base = f"/api/v1/projects/{team['project'].pk}/"
    assert api_as(make_user("mallory")).get("/api/v1/projects/").status_code == 403  # no role
    assert api_as(team["olga"]).get(base).status_code == 404
    listed = api_as(team["olga"]).get("/api/v1/projects/").json()["results"]
    assert [p["is_default"] for p in listed] == [True]
    mine = api_as(team["ann1"]).get(base).json()
    assert mine["my_role"] == "annotator"


def test_only_managers_change_a_project_and_annotators_cannot_create_one(team):
    base = f"/api/v1/projects/{team['project'].pk}/"
    assert api_as(team["ann1"]).patch(base, json={"independent": False}).status_code == 403
    assert api_as(team["cora"]).patch(base, json={"independent": False}).status_code == 403
    changed = api_as(team["mia"]).patch(base, json={"annotators_per_document": 3})
    assert changed.status_code == 200
    assert changed.json()["annotators_per_document"] == 3
    refused = api_as(team["ann1"]).post("/api/v1/projects/", json={"name": "Mine"})
    assert refused.status_code == 403
    bad = api_as(team["mia"]).patch(base, json={"annotators_per_document": 0})
    assert bad.status_code == 400
    assert "annotators_per_document" in bad.json()


def test_the_default_project_stays_and_admins_alone_change_it(team):
    default = Project.objects.default()
    base = f"/api/v1/projects/{default.pk}/"
    assert api_as(team["mia"]).patch(base, json={"independent": True}).status_code == 403
    ada = make_user("ada", is_superuser=True)
    assert api_as(ada).delete(base).status_code == 400
    member = api_as(ada).post(f"{base}members/", json={"user": "ann1", "role": "annotator"})
    assert member.status_code == 400
    assert "user" in member.json()


def test_a_claim_in_a_project_is_by_a_member_on_one_of_its_documents(team):
    project, doc = team["project"], team["documents"][0]
    outsider = api_as(team["olga"]).post("/api/v1/claims/", json=claim_body(doc, project))
    assert outsider.status_code == 400
    assert "project" in outsider.json()
    elsewhere = document("not in the project")
    wrong = api_as(team["ann1"]).post("/api/v1/claims/", json=claim_body(elsewhere, project))
    assert wrong.status_code == 400
    assert "document" in wrong.json()
    assert not Claim.objects.filter(project=project).exists()


def test_a_claim_records_the_guidelines_in_force_and_stays_in_its_project(team):
    project, doc = team["project"], team["documents"][0]
    api_as(team["mia"]).post(f"/api/v1/projects/{project.pk}/guidelines/", json={"text": "v1"})
    second = api_as(team["mia"]).post(
        f"/api/v1/projects/{project.pk}/guidelines/", json={"text": "v2"}
    )
    assert second.json()["version"] == 2
    made = api_as(team["ann1"]).post("/api/v1/claims/", json=claim_body(doc, project))
    assert made.status_code == 201, made.text
    assert made.json()["guidelines"] == Guidelines.objects.get(project=project, version=2).pk
    moved = api_as(team["ann1"]).patch(
        f"/api/v1/claims/{made.json()['id']}/",
        json={"project": Project.objects.default().pk},
        headers={"If-Match": '"1"'},
    )
    assert moved.status_code == 400
    assert "project" in moved.json()


def test_a_claim_that_names_no_project_is_in_the_default_project(team):
    made = api_as(team["ann1"]).post("/api/v1/claims/", json=claim_body(team["documents"][0], None))
    assert made.status_code == 201
    assert made.json()["project"] == Project.objects.default().pk
    assert made.json()["guidelines"] is None


def test_guidelines_versions_are_never_rewritten(team):
    version = team["project"].add_guidelines("first", by=team["mia"])
    with pytest.raises(Exception, match="Cannot update or delete"), transaction.atomic():
        Guidelines.objects.filter(pk=version.pk).update(text="rewritten")


def test_the_database_refuses_a_claim_or_an_assignment_of_a_non_member(team):
    project, doc = team["project"], team["documents"][0]
    start = doc.text.index(SOE_TARGET)
    with pytest.raises(IntegrityError, match="not a member"), transaction.atomic():
        Claim.objects.create(
            project=project,
            document=doc,
            start=start,
            end=start + len(SOE_TARGET),
            quote=SOE_TARGET,
            claim_type="target",
            attribution="authorial",
            annotator=team["olga"],
        )
    # Nor may a member's claim be handed to a non-member afterwards.
    made = api_as(team["ann1"]).post("/api/v1/claims/", json=claim_body(doc, project))
    assert made.status_code == 201, made.text
    with pytest.raises(IntegrityError, match="not a member"), transaction.atomic():
        Claim.objects.filter(pk=made.json()["id"]).update(annotator=team["olga"])
    with connection.cursor() as cursor:  # checked now, not at the test's final commit
        cursor.execute("SET CONSTRAINTS assignment_to_member IMMEDIATE")
    with pytest.raises(IntegrityError, match="assignment_to_member"), transaction.atomic():
        Assignment.objects.create(project=project, document=doc, annotator=team["olga"])


def test_a_member_who_leaves_keeps_her_claims_and_they_are_still_reviewed(team):
    """Her claims stay hers (her work, and its history); the rule that a claim is made
    by a member holds when a claim is made or given to someone, not at every save."""
    project, doc = team["project"], team["documents"][0]
    body = claim_body(doc, project, status="submitted")
    made = api_as(team["ann1"]).post("/api/v1/claims/", json=body)
    assert made.status_code == 201, made.text
    left = api_as(team["mia"]).delete(f"/api/v1/projects/{project.pk}/members/?user=ann1")
    assert left.status_code == 204, left.text
    accepted = api_as(team["mia"]).patch(
        f"/api/v1/claims/{made.json()['id']}/",
        json={"status": "accepted"},
        headers={"If-Match": '"1"'},
    )
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["annotator"], accepted.json()["status"]) == ("ann1", "accepted")
    # Given to someone, though, a claim is still given to a member only.
    with pytest.raises(IntegrityError, match="not a member"), transaction.atomic():
        Claim.objects.filter(pk=made.json()["id"]).update(annotator=team["olga"])


def test_a_manager_assigns_by_hand_with_errors_named_by_field(team):
    project, doc = team["project"], team["documents"][0]
    url = f"/api/v1/projects/{project.pk}/assignments/"
    manage = api_as(team["mia"])
    made = manage.post(url, json={"document": doc.pk, "annotator": "ann1"})
    assert made.status_code == 201, made.text
    assert made.json()["state"] == "assigned"
    again = manage.post(url, json={"document": doc.pk, "annotator": "ann1"})
    assert again.status_code == 400
    assert "annotator" in again.json()
    curator = manage.post(url, json={"document": doc.pk, "annotator": "cora"})
    assert curator.status_code == 400
    assert "annotator" in curator.json()
    outside = manage.post(url, json={"document": document("x").pk, "annotator": "ann2"})
    assert outside.status_code == 400
    assert "document" in outside.json()
    by_annotator = api_as(team["ann2"]).post(url, json={"document": doc.pk, "annotator": "ann2"})
    assert by_annotator.status_code == 403


def assignment_map(project: Project) -> set[tuple[str, str]]:
    return set(project.assignments.values_list("document__title", "annotator__username"))


def test_automatic_assignment_is_balanced_reproducible_and_never_doubles(team):
    project = team["project"]
    url = f"/api/v1/projects/{project.pk}/assign/"
    made = api_as(team["mia"]).post(url, json={"seed": 3})
    assert made.status_code == 201
    first = assignment_map(project)
    assert len(first) == 8  # four documents, two annotators each
    per_document: dict[str, int] = {}
    loads: dict[str, int] = {}
    for title, name in first:
        per_document[title] = per_document.get(title, 0) + 1
        loads[name] = loads.get(name, 0) + 1
    assert set(per_document.values()) == {2}
    assert sorted(loads.values()) == [2, 3, 3]
    assert api_as(team["mia"]).post(url, json={"seed": 3}).json() == []  # nothing to add
    # The same members, documents and seed give the same assignment.
    project.assignments.all().delete()
    api_as(team["mia"]).post(url, json={"seed": 3})
    assert assignment_map(project) == first
    too_many = api_as(team["mia"]).patch(
        f"/api/v1/projects/{project.pk}/", json={"annotators_per_document": 4}
    )
    assert too_many.status_code == 200
    refused = api_as(team["mia"]).post(url, json={"seed": 3})
    assert refused.status_code == 400
    assert "annotators_per_document" in refused.json()


def test_the_queue_starts_with_a_claim_and_ends_with_finish(team):
    project, doc = team["project"], team["documents"][1]
    Assignment.objects.create(project=project, document=doc, annotator=team["ann1"])
    base = f"/api/v1/projects/{project.pk}"
    me = api_as(team["ann1"])
    queue = me.get(f"{base}/queue/").json()
    assert queue["next"]["document"] == doc.pk
    assert queue["next"]["workbench"].endswith(f"/workbench/{doc.pk}/?project={project.pk}")
    me.post("/api/v1/claims/", json=claim_body(doc, project))
    assert me.get(f"{base}/queue/").json()["next"]["state"] == "in_progress"
    finished = me.post(f"{base}/finish/", json={"document": doc.pk})
    assert finished.status_code == 200
    assert finished.json()["state"] == "finished"
    assert me.get(f"{base}/queue/").json()["next"] is None
    not_mine = me.post(f"{base}/finish/", json={"document": team["documents"][0].pk})
    assert not_mine.status_code == 400
    assert "document" in not_mine.json()


def test_progress_shows_an_annotator_only_her_own_numbers(team, django_assert_num_queries):
    project = team["project"]
    project.assign_automatically(seed=1, by=team["mia"])
    Assignment.objects.filter(project=project, annotator=team["ann2"]).update(state="in_progress")
    own = project.progress(team["ann1"])
    assert [row["annotator"] for row in own["annotators"]] == ["ann1"]
    assert own["annotators"][0]["assigned"] == len(own["documents"])
    # 1 her role; 2 the assignments with names; 3 the documents with titles
    with django_assert_num_queries(3):
        everyone = project.progress(team["mia"])
    assert [row["annotator"] for row in everyone["annotators"]] == ["ann1", "ann2", "ann3"]
    assert sum(row["in_progress"] for row in everyone["documents"]) == sum(
        1 for title, name in assignment_map(project) if name == "ann2"
    )
    assert sum(row["assigned"] + row["in_progress"] for row in everyone["documents"]) == 8


def test_the_project_list_costs_the_same_queries_however_many_projects(
    team, django_assert_num_queries
):
    for n in range(3):
        other = Project.objects.create(name=f"P{n}")
        Membership.objects.create(project=other, user=team["ann1"], role="annotator")
        Membership.objects.create(project=other, user=team["ann2"], role="annotator")
    api = api_as(team["ann1"])
    # 1 token with user; 2 her permissions (her own and her groups'); 3 her project
    # roles; 4 the page of projects
    with django_assert_num_queries(4):
        listed = api.get("/api/v1/projects/").json()["results"]
    assert len(listed) == 5
    assert {p["my_role"] for p in listed if not p["is_default"]} == {"annotator"}


def test_suggestions_leave_out_only_the_spans_she_may_read(team):
    project, doc = team["project"], team["documents"][0]
    api_as(team["ann2"]).post("/api/v1/claims/", json=claim_body(doc, project))
    figure = "35%"
    seen_by: dict[str, list[str]] = {}
    for name in ("ann1", "ann2", "cora"):
        user: User = team[name]
        seen_by[name] = [s.figure.number_text for s in for_document(doc, user, project)]
    assert figure in seen_by["ann1"]  # ann2's claim covers it: ann1 must not learn that
    assert figure not in seen_by["ann2"]
    assert figure not in seen_by["cora"]
