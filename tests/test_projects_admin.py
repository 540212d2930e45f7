"""Projects in the admin: the project page for its manager, progress, the queue."""

import pytest
from django.test import Client

from claims.roles import ANNOTATOR, REVIEWER
from projects.models import Membership, Project, ProjectDocument
from tests.conftest import make_user
from tests.test_claim_permissions import admin_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(seed_document):
    mia, ann1, ann2 = (
        make_user("mia", REVIEWER),
        make_user("ann1", ANNOTATOR),
        make_user("ann2", ANNOTATOR),
    )
    project = Project.objects.create(name="Study", annotators_per_document=2, independent=True)
    Membership.objects.create(project=project, user=mia, role="manager")
    for user in (ann1, ann2):
        Membership.objects.create(project=project, user=user, role="annotator")
    ProjectDocument.objects.create(project=project, document=seed_document)
    project.assign_automatically(seed=0, by=mia)
    return project


def as_user(username: str) -> Client:
    client = Client()
    client.force_login(Membership.objects.get(user__username=username).user)
    return client


def test_the_manager_sees_progress_of_everyone_and_an_annotator_her_own(study):
    page = f"/admin/projects/project/{study.pk}/progress/"
    everyone = as_user("mia").get(page).content.decode()
    assert "<td>ann1</td>" in everyone
    assert "<td>ann2</td>" in everyone
    own = as_user("ann1").get(page).content.decode()
    assert "<td>ann1</td>" in own
    assert "ann2" not in own
    assert as_user("mia").get(f"/admin/projects/project/{study.pk}/change/").status_code == 200


def test_the_queue_opens_the_next_document_in_the_project(study, seed_document):
    queue = as_user("ann1").get("/admin/projects/project/queue/").content.decode()
    assert f"/admin/claims/claim/workbench/{seed_document.pk}/?project={study.pk}" in queue
    assert 'id="queue-next"' in queue


def test_a_non_member_finds_no_project_page(study):
    olga = Client()
    olga.force_login(make_user("olga", ANNOTATOR))
    assert olga.get(f"/admin/projects/project/{study.pk}/progress/").status_code == 404
    workbench = (
        f"/admin/claims/claim/workbench/{study.entries.get().document_id}/?project={study.pk}"
    )
    assert olga.get(workbench).status_code == 404


def test_removing_a_member_with_assignments_on_the_project_page_is_refused_not_a_500(study):
    """The API answers 409; the page's form cannot see the assignments, the database's
    key (checked at commit) refuses, and the page says so with nothing saved."""
    admin = Client()
    admin.force_login(make_user("admin", is_superuser=True))  # who sees the members inline
    change = f"/admin/projects/project/{study.pk}/change/"
    form = admin_form_data(admin.get(change))
    ann1 = str(Membership.objects.get(project=study, user__username="ann1").user_id)
    (row,) = [
        k.removesuffix("-user") for k, v in form.items() if k.endswith("-user") and str(v) == ann1
    ]
    refused = admin.post(change, form | {f"{row}-DELETE": "on"}, follow=True)
    assert refused.status_code == 200
    shown = [str(message) for message in refused.context["messages"]]
    assert len(shown) == 1, shown
    assert "assignment_to_member" in shown[0]
    assert Membership.objects.filter(project=study, user__username="ann1").exists()
