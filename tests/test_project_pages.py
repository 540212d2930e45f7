"""What a study's members read on its pages (issue 10's review): states by their labels,
guidelines as Markdown that runs nothing, and a suggestion accepted in the workbench's
project."""

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from annotations.models import Document
from claims.models import Claim
from projects.models import Assignment, CurationState, Membership, Project
from tests.api_support import api_as
from tests.conftest import SOE_TARGET, make_user
from tests.test_projects_admin import as_user, study  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

GUIDELINES = """# Targets

Mark **the whole clause** of a target.

<script>window.pwned = 1</script> [a link](javascript:alert(1)) <img src=x onerror="alert(1)">
"""


def workbench(project: Project) -> str:
    document_id = project.entries.get().document_id
    return f"/admin/claims/claim/workbench/{document_id}/?project={project.pk}"


def test_states_are_shown_by_their_labels_in_either_language(study):
    assignment = Assignment.objects.filter(project=study).order_by("annotator__username")[0]
    assignment.state = "in_progress"
    assignment.save()
    progress = as_user("mia").get(f"/admin/projects/project/{study.pk}/progress/")
    assert '<td data-state="open">open</td>' in progress.content.decode()
    mine = as_user(assignment.annotator.username).get(workbench(study)).content.decode()
    assert ">in progress</span>" in mine
    assert "in_progress</span>" not in mine
    with translation.override("zh-hans"):
        chinese = as_user("mia").get(
            f"/admin/projects/project/{study.pk}/progress/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        label = str(CurationState.OPEN.label)
    assert label != "open"
    assert f'<td data-state="open">{label}</td>' in chinese.content.decode()


def test_guidelines_are_markdown_and_nothing_in_them_runs(study):
    study.add_guidelines(GUIDELINES, by=Membership.objects.get(role="manager").user)
    page = as_user("ann1").get(workbench(study)).content.decode()
    shown = page[page.index('<div class="wb-guidelines-text">') :].split("</details>")[0]
    assert "<h1>Targets</h1>" in shown
    assert "<strong>the whole clause</strong>" in shown
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in shown
    assert "<script" not in shown
    assert "<img" not in shown
    assert "javascript:" not in shown.replace("[a link](javascript:alert(1))", "")
    admin = Client()
    admin.force_login(make_user("ada", is_superuser=True))
    versions = admin.get(f"/admin/projects/project/{study.pk}/change/").content.decode()
    assert "<strong>the whole clause</strong>" in versions  # as members read it
    assert "<script>window.pwned" not in versions


def target_suggestion(user: Any, document: Document, project: Project) -> dict[str, Any]:
    path = f"/api/v1/documents/{document.pk}/suggestions/?project={project.pk}"
    listed = api_as(user).get(path).json()
    found = next(s for s in listed["suggestions"] if s["figure"]["number_text"] == "35%")
    assert SOE_TARGET in found["quote"]
    return {key: found[key] for key in ("kind", "figure_start", "figure_end")}


def test_a_suggestion_accepted_in_a_project_is_a_claim_of_that_project(study, seed_document):
    ann1 = Membership.objects.get(user__username="ann1").user
    url = f"/api/v1/documents/{seed_document.pk}/suggestions/accept/"
    choice = target_suggestion(ann1, seed_document, study)
    outsider = make_user("olga", "annotator")
    refused = api_as(outsider).post(url, json={**choice, "project": study.pk})
    assert refused.status_code == 403  # not a project she annotates in
    assert "project" in refused.json()
    left_out = api_as(ann1).post(url, json=choice)  # hers: the study and the default project
    assert left_out.status_code == 400
    assert "project" in left_out.json()
    malformed = api_as(ann1).post(url, json={**choice, "project": "study"})
    assert malformed.status_code == 400
    assert "project" in malformed.json()
    assert not Claim.objects.exists()

    accepted = api_as(ann1).post(url, json={**choice, "project": study.pk})
    assert accepted.status_code == 201, accepted.text
    claim = Claim.objects.get(pk=accepted.json()["claim_id"])
    assert (claim.project, claim.annotator) == (study, ann1)
    assert Assignment.objects.get(project=study, annotator=ann1).state == "in_progress"


def test_the_workbench_offers_suggestions_in_a_project_and_says_which(study):
    page = as_user("ann1").get(workbench(study)).content.decode()
    assert f'id="wb-suggestions" class="wb-suggestions" hidden data-project="{study.pk}"' in page
