"""A curator curates a disagreement in the admin: opens the document from the team page,
takes one annotator's version, finishes. Headless Chromium."""

from typing import Any

import pytest

from claims.models import Claim
from projects.models import CurationState
from tests.browser.conftest import ARTIFACTS
from tests.test_curation import finish_annotation, state_of, team  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_curator_takes_one_version_of_a_disagreement_and_finishes(
    live_server, log_in, team: dict[str, Any]
) -> None:
    finish_annotation(team)
    page = log_in(team["cora"])
    page.goto(live_server.url + "/admin/claims/claim/team/")
    page.click(f"a[href$='/curation/{team['document'].pk}/']")
    page.wait_for_selector(".curation-group")
    chosen = team["claims"]["bob_disputed"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "curation.png"))
    with page.expect_navigation():
        page.click(f".version[data-claim='{chosen.pk}'] .take-version")
    gold = Claim.objects.get(gold=True)
    assert (gold.start, gold.end, gold.claim_type) == (chosen.start, chosen.end, chosen.claim_type)
    assert set(gold.curated_from.all()) == {chosen, team["claims"]["alice_disputed"]}
    assert page.is_visible(f"a[href$='/claims/claim/{gold.pk}/change/']")
    with page.expect_navigation():
        page.click("button[value=finish]")
    assert state_of(team).curation_state == CurationState.CURATED
    assert "cora" in page.inner_text("#curation-state")
    assert not page.is_visible(".take-version")  # the gold layer is final


def test_the_agreement_matrix_shows_in_the_admin(live_server, log_in, team: dict[str, Any]) -> None:
    page = log_in(team["cora"])
    page.goto(f"{live_server.url}/admin/claims/claim/team/{team['project'].pk}/agreement/")
    page.wait_for_selector(".agreement-matrix")
    assert page.locator(".agreement-matrix").count() == 6
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "agreement.png"), full_page=True)
    first = page.locator(".agreement-matrix").first
    assert [t.lower() for t in first.locator("thead th").all_inner_texts()] == ["", "alice", "bob"]
    assert "n=" in first.locator("tbody td").nth(1).inner_text()  # alice × bob
