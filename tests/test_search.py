"""`q`: words of one to four characters in either script, found through the quote
grams index (claims/search.py), not by reading every quote."""

import pytest
from django.db import connection, transaction

from annotations.models import Document
from claims.filters import ClaimFilter
from claims.models import Claim
from claims.search import index_grams
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


def many_quotes(alice, counts: dict[str, int]) -> None:
    """So many claims quoting each text, then ANALYZE: the statistics the planner (and
    index_grams) read."""
    quotes = [quote for quote, count in counts.items() for _ in range(count)]
    document = Document.from_raw("。".join(quotes), title="many", language="zh-Hans")
    document.save()
    position = 0
    for quote in quotes:
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


# 大数 in 60 quotes of 91, 数据 in 61, 据中 in one, 据鹅 in none.
CORPUS = {"大数据": 60, "产业发展新质生产力": 30, "数据中": 1}


def test_a_long_word_is_looked_up_by_its_rarest_pair(alice):
    many_quotes(alice, CORPUS)
    grams = index_grams(["数据中", "大数据", "数据鹅"])
    assert {form: gram for form, (gram, _) in grams.items()} == {
        "数据中": "据中",
        "大数据": "大数",
        "数据鹅": "据鹅",
    }
    claims = ClaimFilter({"q": "数据中"}, Claim.objects.all()).qs
    sql = str(claims.query)
    assert "['据中']" in sql
    assert "['数据']" not in sql
    assert [claim.quote for claim in claims] == ["数据中"]


def test_a_word_of_common_grams_is_left_to_the_planner(alice):
    many_quotes(alice, CORPUS)
    assert index_grams(["大数据"])["大数据"] == ("大数", False)  # not rare
    common = ClaimFilter({"q": "数据"}, Claim.objects.all()).qs.order_by("id")
    assert "ANY(ARRAY" not in str(common.query)
    assert len(common) == 61  # 大数据 and 数据中


def test_a_rare_word_is_listed_through_the_index_before_the_page_is_taken(alice):
    """No gram of it among the common ones: PostgreSQL would guess 0.5 % of the claims
    and read claims in page order to find them (every claim, for a word in none)."""
    many_quotes(alice, CORPUS)
    assert index_grams(["数据鹅"])["数据鹅"] == ("据鹅", True)  # rare
    rare = ClaimFilter({"q": "数据鹅"}, Claim.objects.all()).qs.order_by("id")
    assert "= ANY(ARRAY(SELECT" in str(rare.query)
    assert list(rare) == []


def test_a_word_written_since_the_statistics_is_found_through_the_index(alice):
    """Its grams are in no list ANALYZE made: rare, listed through the index first."""
    many_quotes(alice, CORPUS)
    document = Document.from_raw("一只白鹅在数据中心。", title="鹅", language="zh-Hans")
    document.save()
    goose = make_claim(document, "白鹅在数据中心", alice)
    claims = ClaimFilter({"q": "白鹅"}, Claim.objects.all()).qs
    assert "= ANY(ARRAY(SELECT" in str(claims.query)
    assert [claim.pk for claim in claims] == [goose.pk]
