"""Substring search in claim quotes served by an index, for words of any length.

pg_trgm cannot serve `LIKE '%数据%'`: a pattern under three characters yields no
trigram, and whether it counts CJK characters as word characters depends on the
database's locale. So each quote's characters and character pairs, lower-cased,
are indexed instead (GIN over claimtrack_grams(lower(quote)), migration 0011).
Nothing depends on the locale but lower().

How a search is written decides how PostgreSQL plans it. A page of a common word is
found fastest by reading claims in page order until the page is full; a rare word's
through the index, then sorted. PostgreSQL chooses by its estimate of how many
quotes match, and the query is written so that the estimate is right:

- The index clause names one gram per form of the word (数据, 數據, 資料): the word's
  own for one or two characters, else its rarest pair. Asked for all the pairs of
  人工智能 (18 % of the claims in the benchmark), PostgreSQL multiplied their
  frequencies as if unrelated, estimated 0.7 %, and fetched every match through
  the index to sort it (bench/README.md). Which pair is rarest, and whether any gram
  is common at all, the planner's own statistics of the index say (pg_stats: one
  query per search).
- `strpos(...) <> 0` confirms the word itself (a long word's other pairs, and its
  order). PostgreSQL cannot estimate it and takes it as true of nearly every row,
  which leaves the estimate to the index clause; it is cheap, so it is tried before
  any grams are computed.
- A gram that ANALYZE did not find among the common ones is rare, but PostgreSQL
  then guesses up to 0.5 % of the claims (5,000 of a million), reads claims in page
  order to find them, and reads every claim when the word is in none (鹅: 8 s). So
  when no form's gram is common, the matches are listed through the index first,
  and the page is taken from that list (`id = ANY(ARRAY(...))`).
"""

from typing import TYPE_CHECKING

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import BooleanField, Func, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Lower

from annotations.scripts import search_variants

if TYPE_CHECKING:  # claims.models imports this module for its index
    from claims.models import Claim


GRAMS = ArrayField(TextField())


class Grams(Func):
    """Every character and pair of adjacent characters of a text (SQL claimtrack_grams)."""

    function = "claimtrack_grams"
    output_field = GRAMS


class Holds(Func):
    """The text holds the word (strpos, not LIKE: `%` and `_` are characters here)."""

    template = "strpos(%(expressions)s) <> 0"
    output_field = BooleanField()


class IsAmong(Func):
    """`id = ANY(ARRAY(subquery))`: the subquery runs first, once (an InitPlan), and
    PostgreSQL takes its result for a handful of ids; `id IN (subquery)` it would plan
    as a join, by the same estimate that misled it."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY(ARRAY"
    output_field = BooleanField()


QUOTE_GRAMS = Grams(Lower("quote"))
QUOTE_GRAMS_INDEX = "claim_quote_grams"
# The grams a quote holding each form must hold (its pairs, or its one character),
# lower-cased as indexed, each with its frequency among the index's most common
# elements (NULL for a gram ANALYZE did not find that often), and whether there are
# statistics at all (none before the first ANALYZE, nor for a role that does not own
# the table: pg_stats shows only what it may read).
SEARCH_GRAMS = """
WITH common AS (
    SELECT element, frequency
    FROM "pg_stats",
    unnest(most_common_elems::text::text[], most_common_elem_freqs) AS e(element, frequency)
    WHERE schemaname = current_schema() AND tablename = %s
)
SELECT form, gram, common.frequency, EXISTS (SELECT FROM common)
FROM unnest(%s::text[]) AS form
CROSS JOIN LATERAL unnest(claimtrack_search_grams(lower(form))) AS gram
LEFT JOIN common ON common.element = gram
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
    ignoring case. One query (the statistics); when they say every form is rare, the
    matches are listed through the index before the rest of the query."""
    forms = search_variants(term)
    grams = index_grams(forms)
    in_index, holds = Q(), Q()
    for form in forms:
        gram, _ = grams[form]
        in_index |= Q(quote_grams__contains=Value([gram], GRAMS))
        holds |= Q(Holds(Lower("quote"), Lower(Value(form))))
    if not all(rare for _, rare in grams.values()):
        return claims.alias(quote_grams=QUOTE_GRAMS).filter(in_index, holds)
    matches = claims.model.objects.alias(quote_grams=QUOTE_GRAMS).filter(in_index, holds)
    return claims.filter(IsAmong("pk", Subquery(matches.order_by().values("pk"))))


def index_grams(forms: list[str]) -> dict[str, tuple[str, bool]]:
    """For each form, the gram to look it up by, its rarest (one ANALYZE did not list
    as common is rarer than any it did), and whether the statistics say it is rare.
    Without statistics nothing is known to be rare, and PostgreSQL plans as it can."""
    with connection.cursor() as cursor:
        cursor.execute(SEARCH_GRAMS, [QUOTE_GRAMS_INDEX, forms])
        rows = cursor.fetchall()
    analyzed = any(row[3] for row in rows)
    grams: dict[str, list[tuple[float, str]]] = {}
    for form, gram, frequency, _ in rows:
        grams.setdefault(form, []).append((frequency or 0.0, gram))
    rarest = {form: min(found) for form, found in grams.items()}
    return {form: (gram, analyzed and not frequency) for form, (frequency, gram) in rarest.items()}
