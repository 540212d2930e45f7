"""The admin's network page in Chromium: draw, colour, click an edge, step through windows."""

import os

from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS
from tests.network_corpus import build_corpus

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

RED, GREEN = "#c0392b", "#2e8b57"


def edge(page: Page, source: str, target: str):
    return page.locator(f'line.nw-edge[data-source="{source}"][data-target="{target}"]')


def test_an_analyst_draws_a_network_and_reads_the_claims_behind_an_edge(live_server, log_in, alice):
    corpus = build_corpus(alice)
    page = log_in(alice)
    page.goto(f"{live_server.url}/admin/claims/claim/")
    page.click("text=Network")

    # Organisations × topics (rDNA's defaults): four nodes in each mode, four edges.
    expect(page.locator("line.nw-edge")).to_have_count(4)
    expect(page.locator(".nw-node")).to_have_count(4)
    expect(page.locator("#nw-summary")).to_have_text("8 statements, 4 edges")
    # Node size follows activity: 国资委 has 5 statements, 发改委 3.
    big = float(page.locator('.nw-node[data-label="国资委"] circle').get_attribute("r") or 0)
    small = float(page.locator('.nw-node[data-label="发改委"] circle').get_attribute("r") or 0)
    assert big > small > 0
    # Colour by stance: 发改委 opposes 能源 (and is neutral once), 国资委 supports it.
    expect(edge(page, "发改委", "能源")).to_have_attribute("stroke", RED)
    expect(edge(page, "国资委", "能源")).to_have_attribute("stroke", GREEN)

    edge(page, "发改委", "能源").dispatch_event("click")
    expect(page.locator("#nw-edge-title")).to_have_text("发改委 – 能源: 2 claims")
    expect(page.locator("#nw-claims li")).to_have_count(2)
    expect(page.locator("#nw-claims")).to_contain_text(corpus.claims["c3"].quote)
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(1500)  # let the layout settle for the picture
    page.screenshot(path=str(ARTIFACTS / "network.png"))

    download = page.locator("#nw-download-graphml").get_attribute("href") or ""
    assert "format=graphml" in download
    graphml = page.request.get(live_server.url + download)
    assert graphml.status == 200
    assert "<graphml" in graphml.text()

    # One-mode, conflict: 国资委 opposes 就业 which 发改委 supports; 发改委 opposes 能源.
    page.select_option("select[name=network_type]", "onemode")
    page.select_option("select[name=qualifier_aggregation]", "conflict")
    page.click("#nw-draw")
    expect(page.locator(".nw-node")).to_have_count(2)
    expect(edge(page, "发改委", "国资委")).to_have_attribute("stroke", RED)

    # Time windows: two three-month windows between January and April.
    page.select_option("select[name=network_type]", "twomode")
    page.select_option("select[name=time_window]", "months")
    page.fill("input[name=window_size]", "3")
    page.fill("input[name=start]", "2024-01-01")
    page.fill("input[name=stop]", "2024-04-30")
    page.click("#nw-draw")
    label = page.locator("#nw-window-label")
    expect(label).to_have_text("window 1 of 2: 2024-01-01 – 2024-03-01")
    expect(page.locator("line.nw-edge")).to_have_count(4)
    page.click("#nw-next")
    expect(label).to_have_text("window 2 of 2: 2024-02-01 – 2024-04-01")
    expect(page.locator("line.nw-edge")).to_have_count(2)


def test_bad_options_show_the_servers_message(live_server, log_in, alice):
    page = log_in(alice)
    page.goto(f"{live_server.url}/admin/claims/claim/network/")
    page.fill("input[name=start]", "2024-03-01")
    page.fill("input[name=stop]", "2024-01-01")
    page.click("#nw-draw")
    expect(page.locator("#nw-error")).to_contain_text("stop")


def test_a_login_without_a_role_cannot_open_the_page(live_server, log_in, db):
    from tests.conftest import make_user

    page = log_in(make_user("mallory"))
    response = page.goto(f"{live_server.url}/admin/claims/claim/network/")
    assert response is not None
    assert response.status == 403
