"""Substring search in claim quotes served by an index, for words of any length.

pg_trgm cannot serve `LIKE '%数据%'`: a pattern under three characters yields no
trigram, and whether it counts CJK characters as word characters depends on the
database's locale. So each quote's characters and character pairs, lower-cased,
are indexed instead (GIN over claimtrack_grams(lower(quote)), migration 0011).
Nothing depends on the locale but lower().

How a search is written decides whether PostgreSQL plans it well. A page of a
common word is found fastest by reading claims in page order until the page is full;
a rare word's through the index, then sorted. PostgreSQL chooses by its estimate of
how many quotes match, so the query gives it one clause it estimates well:

- the index clause names one gram per form of the word: the word itself when it
  has one or two characters (its gram), else its rarest pair by the planner's own
  statistics of the index (pg_stats). Asked for all of a long word's pairs,
  PostgreSQL multiplies their frequencies as if unrelated, and 人工智能 (18 % of
  the claims in the benchmark) looked like 0.7 %: fetched whole through the index
  and sorted (bench/README.md). A word has at most its rarest pair's frequency;
  for a word, nearly that;
- `strpos(...) <> 0` then confirms the word itself. PostgreSQL cannot estimate it,
  so it takes it as true of nearly every row, which leaves the estimate to the index
  clause; it is cheap, so it is tried before any grams are computed.
"""

from typing import TYPE_CHECKING

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import BooleanField, Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Lower

from annotations.scripts import search_variants

if TYPE_CHECKING:  # claims.models imports this module for its index
    from claims.models import Claim


GRAMS = ArrayField(TextField())


class Grams(Func):
    """Every character and pair of adjacent characters of a text (SQL claimtrack_grams)."""

    function = "claimtrack_grams"
    output_field = GRAMS


class SearchGrams(Func):
    """What Grams of a text holding the word must hold: its pairs, or the one
    character of a one-character word (SQL claimtrack_search_grams)."""

    function = "claimtrack_search_grams"
    output_field = GRAMS


class Holds(Func):
    """The text holds the word (strpos, not LIKE: `%` and `_` are characters here)."""

    template = "strpos(%(expressions)s) <> 0"
    output_field = BooleanField()


QUOTE_GRAMS = Grams(Lower("quote"))
QUOTE_GRAMS_INDEX = "claim_quote_grams"
# Every pair of every form, with its frequency among the index's most common elements
# (NULL for a pair ANALYZE found no more often than the rarest it lists).
RAREST_PAIRS = """
SELECT form, pair, common.frequency
FROM unnest(%s::text[]) AS form
CROSS JOIN LATERAL unnest(claimtrack_search_grams(lower(form))) AS pair
LEFT JOIN (
    SELECT element, frequency
    FROM "pg_stats",
    unnest(most_common_elems::text::text[], most_common_elem_freqs) AS e(element, frequency)
    WHERE schemaname = current_schema() AND tablename = %s
) AS common ON common.element = pair
"""

# IMMUTABLE, so that the planner computes a constant word's grams once, and the index
# can hold them. PARALLEL SAFE, so that parallel workers may build and use it.
# PL/pgSQL over string_to_array: 12 µs a quote where a set-returning SQL function
# took 90, so the index builds and rechecks fast; GIN drops the repeated keys.
CREATE_FUNCTIONS = """
CREATE OR REPLACE FUNCTION claimtrack_grams(value text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    chars text[] := string_to_array(value, NULL);
    grams text[] := chars;
BEGIN
    FOR i IN 1 .. cardinality(chars) - 1 LOOP
        grams := grams || (chars[i] || chars[i + 1]);
    END LOOP;
    RETURN grams;
END $$;
CREATE OR REPLACE FUNCTION claimtrack_search_grams(value text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    chars text[] := string_to_array(value, NULL);
    grams text[] := '{}';
BEGIN
    IF cardinality(chars) = 1 THEN
        RETURN chars;
    END IF;
    FOR i IN 1 .. cardinality(chars) - 1 LOOP
        grams := grams || (chars[i] || chars[i + 1]);
    END LOOP;
    RETURN grams;
END $$;
"""
DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS claimtrack_grams(text);
DROP FUNCTION IF EXISTS claimtrack_search_grams(text);
"""


def quotes_containing(claims: "QuerySet[Claim]", term: str) -> "QuerySet[Claim]":
    """The claims whose quote holds `term` in either script (数据 also finds 資料),
    ignoring case. Costs one query (the statistics) for a word of three or more
    characters, none for a shorter one."""
    forms = search_variants(term)
    rarest = rarest_pairs([form for form in forms if len(form) > 2])
    in_index, holds = Q(), Q()
    for form in forms:
        word = Lower(Value(form))
        gram = SearchGrams(word) if len(form) <= 2 else Value([rarest[form]], GRAMS)
        in_index |= Q(quote_grams__contains=gram)
        holds |= Q(Holds(Lower("quote"), word))
    return claims.alias(quote_grams=QUOTE_GRAMS).filter(in_index, holds)


def rarest_pairs(forms: list[str]) -> dict[str, str]:
    """Each form's rarest character pair (lower-cased by PostgreSQL, as indexed), by
    the frequencies ANALYZE found in the index; a pair it did not list as common is
    rarer than any it did."""
    if not forms:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(RAREST_PAIRS, [forms, QUOTE_GRAMS_INDEX])
        pairs: dict[str, list[tuple[float, str]]] = {}
        for form, pair, frequency in cursor.fetchall():
            pairs.setdefault(form, []).append((frequency or 0.0, pair))
    return {form: min(candidates)[1] for form, candidates in pairs.items()}
