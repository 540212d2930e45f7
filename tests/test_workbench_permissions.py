"""Role rules enforced on the server: forged requests around the workbench UI get 403.

Real HTTP through the whole stack (live_server + requests), logged in through
the admin login form.
"""

import pytest
import requests

from annotations.models import ReviewStatus
from claims.models import Claim
from tests.conftest import SOE_TARGET, make_claim, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def logged_in(live_server, user) -> requests.Session:
    session = requests.Session()
    login = live_server.url + "/admin/login/"
    session.get(login)
    response = session.post(
        login,
        data={
            "username": user.username,
            "password": f"{user.username}-password",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
    )
    assert response.url == live_server.url + "/admin/", "login failed"
    token = session.cookies.get("csrftoken")
    assert token, "no CSRF cookie"
    session.headers["X-CSRFToken"] = token
    return session


def claim_url(live_server, claim) -> str:
    return f"{live_server.url}/admin/claims/claim/workbench/claim/{claim.pk}/"


def stored(claim) -> tuple[object, ...]:
    claim = Claim.objects.get(pk=claim.pk)
    return claim.note, claim.stance, claim.status, claim.version, claim.history.count()


@pytest.fixture
def bobs_claim(seed_document, bob):
    return make_claim(seed_document, SOE_TARGET, bob, note="bob's reading")


def test_it_refuses_an_annotators_post_to_change_another_annotators_claim(
    live_server, alice, bobs_claim
):
    before = stored(bobs_claim)
    response = logged_in(live_server, alice).post(
        claim_url(live_server, bobs_claim),
        json={
            "action": "update",
            "version": bobs_claim.version,
            "claim_type": "target",
            "attribution": "authorial",
            "stance": "oppose",
            "modality": "none",
            "note": "alice was here",
        },
    )
    assert response.status_code == 403
    assert "may not update" in response.json()["error"]
    assert stored(bobs_claim) == before


def test_it_refuses_an_annotators_delete_of_another_annotators_claim(
    live_server, alice, bobs_claim
):
    response = logged_in(live_server, alice).post(
        claim_url(live_server, bobs_claim), json={"action": "delete", "version": 1}
    )
    assert response.status_code == 403
    assert Claim.objects.filter(pk=bobs_claim.pk).exists()


def test_it_refuses_an_annotator_submitting_another_annotators_draft(
    live_server, alice, bobs_claim
):
    before = stored(bobs_claim)
    response = logged_in(live_server, alice).post(
        claim_url(live_server, bobs_claim), json={"action": "submit", "version": 1}
    )
    assert response.status_code == 403
    assert stored(bobs_claim) == before


def test_it_refuses_an_annotator_changing_their_own_claim_once_submitted(
    live_server, bob, bobs_claim
):
    Claim.objects.filter(pk=bobs_claim.pk).update(status=ReviewStatus.SUBMITTED)
    before = stored(bobs_claim)
    response = logged_in(live_server, bob).post(
        claim_url(live_server, bobs_claim),
        json={
            "action": "update",
            "version": 1,
            "claim_type": "assessment",
            "attribution": "authorial",
            "stance": "neutral",
            "modality": "none",
            "note": "changed after submitting",
        },
    )
    assert response.status_code == 403
    assert stored(bobs_claim) == before


def test_it_refuses_an_annotator_accepting_their_own_submitted_claim(live_server, bob, bobs_claim):
    Claim.objects.filter(pk=bobs_claim.pk).update(status=ReviewStatus.SUBMITTED)
    response = logged_in(live_server, bob).post(
        claim_url(live_server, bobs_claim),
        json={"action": "review", "decision": "accept", "version": 1},
    )
    assert response.status_code == 403
    assert Claim.objects.get(pk=bobs_claim.pk).status == ReviewStatus.SUBMITTED


def test_it_lets_a_reviewer_change_any_claim(live_server, rachel, bobs_claim):
    response = logged_in(live_server, rachel).post(
        claim_url(live_server, bobs_claim),
        json={
            "action": "update",
            "version": 1,
            "claim_type": "target",
            "attribution": "authorial",
            "stance": "support",
            "modality": "mandate",
            "note": "corrected by the reviewer",
        },
    )
    assert response.status_code == 200, response.text
    claim = Claim.objects.get(pk=bobs_claim.pk)
    assert (claim.note, claim.claim_type, claim.version) == (
        "corrected by the reviewer",
        "target",
        2,
    )
    assert claim.history.first().history_user.username == "rachel"


def test_it_denies_a_staff_user_without_a_role_everything(live_server, seed_document, bobs_claim):
    mallory = make_user("mallory")
    session = logged_in(live_server, mallory)
    page = session.get(f"{live_server.url}/admin/claims/claim/workbench/{seed_document.pk}/")
    assert page.status_code == 403
    created = session.post(
        f"{live_server.url}/admin/claims/claim/workbench/{seed_document.pk}/claims/",
        json={"start": 0, "end": 2, "quote": seed_document.text[:2]},
    )
    assert created.status_code == 403
    assert session.get(claim_url(live_server, bobs_claim)).status_code == 403
    assert Claim.objects.count() == 1


def test_it_sends_an_anonymous_post_to_the_login_page_and_writes_nothing(
    live_server, seed_document
):
    response = requests.post(
        f"{live_server.url}/admin/claims/claim/workbench/{seed_document.pk}/claims/",
        json={"start": 0, "end": 2, "quote": seed_document.text[:2]},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code in (302, 403)
    assert Claim.objects.count() == 0


def test_it_refuses_a_post_without_the_csrf_token(live_server, bob, bobs_claim):
    session = logged_in(live_server, bob)
    del session.headers["X-CSRFToken"]
    response = session.post(
        claim_url(live_server, bobs_claim), json={"action": "delete", "version": 1}
    )
    assert response.status_code == 403
    assert Claim.objects.filter(pk=bobs_claim.pk).exists()


def test_it_refuses_an_annotators_admin_form_post_to_another_annotators_claim(
    live_server, alice, bobs_claim
):
    session = logged_in(live_server, alice)
    url = f"{live_server.url}/admin/claims/claim/{bobs_claim.pk}/change/"
    page = session.get(url)
    assert page.status_code == 200  # annotators may read every claim
    assert 'name="_save"' not in page.text
    before = stored(bobs_claim)
    response = session.post(
        url,
        data={
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "document": bobs_claim.document_id,
            "start": bobs_claim.start,
            "end": bobs_claim.end,
            "quote": bobs_claim.quote,
            "claim_type": "challenge",
            "attribution": "authorial",
            "stance": "oppose",
            "modality": "none",
            "expected_version": 1,
        },
    )
    assert response.status_code == 403
    assert stored(bobs_claim) == before


def test_it_refuses_an_annotators_bulk_delete_of_other_peoples_claims(
    live_server, alice, bobs_claim
):
    session = logged_in(live_server, alice)
    response = session.post(
        f"{live_server.url}/admin/claims/claim/",
        data={
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "action": "delete_selected",
            "_selected_action": [bobs_claim.pk],
            "post": "yes",
        },
    )
    assert response.status_code == 403
    assert Claim.objects.filter(pk=bobs_claim.pk).exists()


def test_it_refuses_restoring_another_annotators_deleted_claim(live_server, alice, bob, bobs_claim):
    bob_session = logged_in(live_server, bob)
    deleted = bob_session.post(
        claim_url(live_server, bobs_claim), json={"action": "delete", "version": 1}
    )
    assert deleted.status_code == 200
    alice_session = logged_in(live_server, alice)
    response = alice_session.post(
        f"{live_server.url}/admin/claims/claim/deleted/",
        data={"csrfmiddlewaretoken": alice_session.cookies["csrftoken"], "claim_id": bobs_claim.pk},
    )
    assert response.status_code == 403
    assert not Claim.objects.filter(pk=bobs_claim.pk).exists()
