"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, against live_server."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from playwright.sync_api import Browser, Page, sync_playwright

# Playwright's sync API runs an event loop in the main thread; Django's ORM
# calls from the test (in that same thread) must still be allowed.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()
        # While Playwright's loop runs in this thread, Django keeps the thread's
        # connections apart from those it had before (asgiref's Local: a running event
        # loop means context-local storage). Every test after the first browser test
        # used that other connection; once the loop stops, it can no longer be reached,
        # and was left open to the end of the run. Closed here, while it still can be.
        connections.close_all()


@pytest.fixture
def log_in(browser: Browser, live_server):
    """Log a user in through the admin login form, in a browser context of their own.

    The browser is Chinese (it sends Accept-Language: zh-CN) but the pages are English, as
    if the user had chosen English with the switch, so that tests can name what they see
    in the source language. `language=None`: the browser's language decides.
    """
    contexts = []

    def log_in(user, language: str | None = "en") -> Page:
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        if language is not None:
            name, url = settings.LANGUAGE_COOKIE_NAME, live_server.url
            context.add_cookies([{"name": name, "value": language, "url": url}])
        contexts.append(context)
        page = context.new_page()
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", f"{user.username}-password")
        page.click("input[type=submit]")
        page.wait_for_url(live_server.url + "/admin/")
        return page

    yield log_in
    for context in contexts:
        context.close()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"workbench-{name}.png"), full_page=False)
