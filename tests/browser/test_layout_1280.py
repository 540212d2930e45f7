"""At 1280 px every admin list shows its key columns without scrolling sideways, and a
target's page opens on its status and chart (issue 13, item 8). Headless Chromium."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from claims.models import Target
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)

LISTS = [
    "claims/claim",
    "claims/target",
    "annotations/document",
    "claims/speaker",
    "claims/metric",
    "claims/topic",
    "claims/targetstatement",
    "claims/observation",
    "claims/claimrelation",
]

# How far the list's table reaches past its box, and the right edge of its last header.
OVERFLOW = """() => {
  const box = document.querySelector("#changelist .results");
  const headers = [...document.querySelectorAll("#result_list thead th")];
  return {
    over: box.scrollWidth - box.clientWidth,
    rows: document.querySelectorAll("#result_list tbody tr").length,
    last: headers[headers.length - 1].getBoundingClientRect().right,
  };
}"""


def test_admin_lists_and_the_target_page_fit_1280_pixels(live_server, log_in, ada: User) -> None:
    call_command("loaddata", "demo", verbosity=0)
    ada.save()  # the fixture's users have fixed ids: run alone, she was id 1 and overwritten
    page = log_in(ada)
    page.set_viewport_size({"width": 1280, "height": 800})
    for path in LISTS:
        page.goto(f"{live_server.url}/admin/{path}/")
        fit = page.evaluate(OVERFLOW)
        assert fit["rows"] > 0, path  # measured with the demo's rows in it
        assert fit["over"] <= 0, path
        assert fit["last"] <= 1280, path

    target = Target.objects.filter(deadline__isnull=False).order_by("pk").first()
    assert target is not None
    page.goto(f"{live_server.url}/admin/claims/target/{target.pk}/change/")
    chart = page.locator("#target-chart").bounding_box()
    assert chart is not None
    assert chart["y"] + chart["height"] <= 800  # status and chart in view on arrival
    status = page.locator("#computed-status").bounding_box()
    assert status is not None
    assert status["y"] < chart["y"]
    label = page.locator("#target-chart text:has-text('deadline')").bounding_box()
    assert label is not None
    assert chart["x"] <= label["x"]
    assert label["x"] + label["width"] <= chart["x"] + chart["width"]  # not cut off
    page.screenshot(path=str(ARTIFACTS / "target-page.png"))  # the README's
