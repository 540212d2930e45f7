"""An annotator's day in a study, in headless Chromium: her queue, the next document in
one click, a claim made under the project's guidelines, the document marked finished."""

import pytest

from claims.models import Claim
from projects.models import Assignment, Membership, Project, ProjectDocument
from tests.browser.test_workbench import saved_claim_id, select_by_mouse
from tests.conftest import SOE_TARGET

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_annotator_opens_her_next_document_annotates_it_and_finishes_it(
    live_server, log_in, alice, bob, seed_document
):
    study = Project.objects.create(name="Study", annotators_per_document=1, independent=True)
    Membership.objects.create(project=study, user=alice, role="annotator")
    Membership.objects.create(project=study, user=bob, role="manager")
    guidelines = study.add_guidelines(
        "Mark **the whole clause** of a target.\n\n<script>window.pwned = 1</script>", by=bob
    )
    ProjectDocument.objects.create(project=study, document=seed_document)
    study.assign_automatically(seed=0, by=bob)

    page = log_in(alice)
    page.goto(f"{live_server.url}/admin/projects/project/queue/")
    page.click("#queue-next")
    page.wait_for_selector("#workbench[data-ready='1']")
    assert f"?project={study.pk}" in page.url
    # Markdown, and nothing in it runs: the script is text.
    assert page.inner_text("#wb-guidelines strong") == "the whole clause"
    assert "<script>window.pwned = 1</script>" in page.inner_text("#wb-guidelines")
    assert page.evaluate("window.pwned") is None
    assert page.inner_text("#wb-assignment-state") == "assigned"

    select_by_mouse(page, SOE_TARGET)
    page.keyboard.press("1")  # target
    page.keyboard.press("Control+Enter")
    claim = Claim.objects.get(pk=saved_claim_id(page))
    assert (claim.project, claim.guidelines, claim.quote) == (study, guidelines, SOE_TARGET)
    assert page.inner_text("#wb-assignment-state") == "in progress"  # the label
    assignment = Assignment.objects.get(project=study, annotator=alice)
    assert assignment.state == "in_progress"

    page.click("#wb-finish")
    page.wait_for_selector("#wb-finish[disabled]")
    assert page.inner_text("#wb-assignment-state") == "finished"
    assignment.refresh_from_db()
    assert assignment.state == "finished"
    assert assignment.finished_at is not None

    page.goto(f"{live_server.url}/admin/projects/project/queue/")
    assert page.locator("#queue-done").count() == 1
    assert page.locator("#queue tr[data-state='finished']").count() == 1
