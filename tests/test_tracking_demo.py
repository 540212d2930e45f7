"""The demo corpus's targets followed over the 2024 and 2025 Government Work Reports:
their status, the annual GDP goal as one series in the API and on the target's page.

Every test here reads the demo corpus, loaded once for the module (tests/conftest.py).
"""

from datetime import date

import pytest
from django.test import Client

from annotations.models import Document
from claims.models import Target
from claims.tracking import TargetStatus
from tests.api_support import _fresh_throttles, api_as, reader  # noqa: F401

pytestmark = pytest.mark.usefixtures("demo")


@pytest.mark.parametrize(
    ("title", "as_of", "status"),
    [
        ("2024年国内生产总值增长5%左右", date(2024, 6, 1), TargetStatus.NO_DATA),
        # The 2025 report (published 2025-03-12) gives 5%: within 5%左右.
        ("2024年国内生产总值增长5%左右", date(2025, 3, 12), TargetStatus.ACHIEVED),
        ("2024年城镇调查失业率5.5%左右", date(2025, 3, 12), TargetStatus.ACHIEVED),  # 5.1%
        # A ceiling by the reports' convention (控制目标): 0.2% is within 3%左右.
        ("2024年居民消费价格涨幅3%左右", date(2025, 3, 12), TargetStatus.ACHIEVED),
        ("2024年粮食产量1.3万亿斤以上", date(2025, 3, 12), TargetStatus.ACHIEVED),
        # Its 2024 figure predates the 2025 target: a baseline, not progress.
        ("2025年国内生产总值增长5%左右", date(2025, 6, 1), TargetStatus.NO_DATA),
        ("贵阳大数据交易所大数据交易年总额3万亿元（中长期）", date(2025, 6, 1), "off_track"),
    ],
)
def test_it_tracks_the_demo_targets(title, as_of, status, reader):
    assert Target.objects.with_evidence(reader).get(title=title).status(as_of) == status


def test_it_follows_an_annual_target_across_years_in_its_series(reader):
    """GDP growth 5%左右 is set in 2024 and again in 2025: two targets, one series."""
    gdp_2024 = Target.objects.get(title="2024年国内生产总值增长5%左右")
    api = api_as(reader)
    response = api.get(f"/api/v1/targets/{gdp_2024.pk}/timeline/?as_of=2025-04-01")
    assert response.status_code == 200, response.text
    series = response.json()["series"]
    assert [(m["title"], m["deadline"], m["status"]) for m in series] == [
        ("2024年国内生产总值增长5%左右", "2024-12-31", TargetStatus.ACHIEVED),
        # The 2024 figure, published before the 2025 target, is its baseline, not progress.
        ("2025年国内生产总值增长5%左右", "2025-12-31", TargetStatus.NO_DATA),
    ]
    decided, pending = series
    assert decided["outcome"]["value"] == "5"
    passage = decided["outcome"]["passage"]
    document = Document.objects.get(pk=passage["document_id"])
    assert document.published_on is not None
    assert document.published_on.year == 2025  # the 2025 report gives the 2024 outcome
    assert document.text[passage["start"] : passage["end"]] == passage["quote"]
    assert pending["outcome"] is None
    # Each member links to its own timeline, whose series is the same.
    again = api.get(pending["timeline"] + "?as_of=2025-04-01").json()["series"]
    assert [m["id"] for m in again] == [m["id"] for m in series]
    # Before the 2025 report, the 2024 target had no outcome yet.
    early = api.get(f"/api/v1/targets/{gdp_2024.pk}/timeline/?as_of=2024-06-01").json()
    assert [m["outcome"] for m in early["series"]] == [None, None]


def test_it_shows_the_same_goal_in_other_years_on_the_target_page(rachel):
    gdp_2025 = Target.objects.get(title="2025年国内生产总值增长5%左右")
    gdp_2024 = Target.objects.get(title="2024年国内生产总值增长5%左右")
    html = logged_in(rachel).get(f"/admin/claims/target/{gdp_2025.pk}/change/").content.decode()
    table = html[html.index('<table id="target-series">') :]
    table = table[: table.index("</table>")]
    rows = table.split("<tr")[2:]  # after the header row
    assert len(rows) == 2
    assert "2024-12-31" in rows[0]
    assert f"/admin/claims/target/{gdp_2024.pk}/change/" in rows[0]
    assert ">achieved<" in rows[0]  # 5% reported for 2024, within 5%左右
    assert 'class="series-current"' in rows[1]
    assert "(this target)" in rows[1]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
