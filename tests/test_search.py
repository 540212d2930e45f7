"""`q`: words of one to four characters in either script, found through the quote
grams index (claims/search.py), not by reading every quote."""

import pytest
from django.db import connection, transaction

from annotations.models import Document
from claims.filters import ClaimFilter
from claims.models import Claim
from claims.search import rarest_pairs
from tests.api_support import _fresh_throttles, api_as, fetch_all, reader  # noqa: F401
from tests.conftest import make_claim

TEXT = "数据成为新生产要素。資料是關鍵。GDP增长5%左右。芯片很重要。𠀀😀是星。a_b"


@pytest.fixture
def quotes(alice):
    document = Document.from_raw(TEXT, title="T", language="zh-Hans")
    document.save()
    return {
        quote: make_claim(document, quote, alice).pk
        for quote in (
            "数据成为新生产要素",
            "資料是關鍵",
            "GDP增长5%左右",
            "芯片很重要",
            "𠀀😀是星",
            "a_b",
        )
    }


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("数", ["数据成为新生产要素"]),
        ("資", ["資料是關鍵"]),
        ("数据", ["数据成为新生产要素", "資料是關鍵"]),  # 数据 is 資料 in Taiwan
        ("資料", ["数据成为新生产要素", "資料是關鍵"]),
        ("新生产", ["数据成为新生产要素"]),
        ("生產要素", ["数据成为新生产要素"]),
        ("芯片很重", ["芯片很重要"]),
        ("😀", ["𠀀😀是星"]),
        ("𠀀😀", ["𠀀😀是星"]),
        ("gdp", ["GDP增长5%左右"]),  # case ignored
        ("5%", ["GDP增长5%左右"]),  # % and _ are characters, not wildcards
        ("%", ["GDP增长5%左右"]),
        ("_", ["a_b"]),
        ("重要要", []),  # both pairs are in 芯片很重要, the word is not
        ("鹅", []),
    ],
)
def test_q_finds_the_word_in_either_script_and_nothing_else(reader, quotes, term, found):
    rows = fetch_all(api_as(reader), f"/api/v1/claims/?q={term.replace('%', '%25')}")
    assert sorted(row["id"] for row in rows) == sorted(quotes[quote] for quote in found)


@pytest.mark.parametrize("term", ["数", "数据", "新生产", "生產要素", "g", "gdp"])
def test_q_is_served_by_the_quote_grams_index(quotes, term):
    claims = ClaimFilter({"q": term, "claim_type": "assessment"}, Claim.objects.all()).qs
    with transaction.atomic(), connection.cursor() as cursor:
        # Six claims: only forbidding the scans of the table and of its primary key
        # shows whether the index can serve q.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = claims.order_by().explain()
    assert "claim_quote_grams" in plan


def test_grams_are_the_characters_and_pairs_of_code_points(db):
    text = "Ab𠀀😀数据"
    with connection.cursor() as cursor:
        cursor.execute("SELECT claimtrack_grams(%s), claimtrack_search_grams(%s)", [text, text])
        grams, search = cursor.fetchone()
    pairs = {text[i : i + 2] for i in range(len(text) - 1)}
    assert set(grams) == set(text) | pairs
    assert set(search) == pairs


def many_quotes(alice, common: str, rare: str, count: int) -> None:
    """`count` claims quoting `common`, one quoting `rare`, then ANALYZE: the statistics
    the planner (and rarest_pairs) read."""
    text = "。".join([common] * count + [rare])
    document = Document.from_raw(text, title="many", language="zh-Hans")
    document.save()
    position = 0
    for quote in [common] * count + [rare]:
        start = document.text.index(quote, position)
        Claim.objects.create(
            document=document,
            start=start,
            end=start + len(quote),
            quote=quote,
            claim_type="assessment",
            attribution="authorial",
            annotator=alice,
        )
        position = start + len(quote)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")


def test_a_long_word_is_looked_up_by_its_rarest_pair(alice):
    # 数据 is in every quote, 据中 in one only.
    many_quotes(alice, "大数据产业", "数据中", 60)
    assert rarest_pairs(["数据中"]) == {"数据中": "据中"}
    claims = ClaimFilter({"q": "数据中"}, Claim.objects.all()).qs
    sql = str(claims.query)
    assert "['据中']" in sql
    assert "['数据']" not in sql
    assert [claim.quote for claim in claims] == ["数据中"]
