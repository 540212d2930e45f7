"""Substring search in claim quotes served by an index, for words of any length.

pg_trgm cannot serve `LIKE '%数据%'`: a pattern under three characters yields no
trigram, and whether it counts CJK characters as word characters depends on the
database's locale. So each quote's characters and character pairs, lower-cased,
are indexed instead (GIN over claimtrack_grams(lower(quote)), migration 0011): a
word of one character must be among the quote's characters, a longer word's pairs
among its pairs, and `lower(quote) LIKE` then confirms the word itself on the few
rows the index returns. Nothing depends on the locale but lower().
"""

from typing import TYPE_CHECKING

from django.contrib.postgres.fields import ArrayField
from django.db.models import Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Lower

from annotations.scripts import search_variants

if TYPE_CHECKING:  # claims.models imports this module for its index
    from claims.models import Claim


class Grams(Func):
    """Every character and pair of adjacent characters of a text (SQL claimtrack_grams)."""

    function = "claimtrack_grams"
    output_field = ArrayField(TextField())


class SearchGrams(Func):
    """What Grams of a text holding the word must hold: its pairs, or the one
    character of a one-character word (SQL claimtrack_search_grams)."""

    function = "claimtrack_search_grams"
    output_field = ArrayField(TextField())


QUOTE_GRAMS = Grams(Lower("quote"))

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
    ignoring case.

    Written as (grams of a form) AND (LIKE a form), each over all forms: the index
    answers the first part alone, and where PostgreSQL reads claims in page order
    instead (a frequent word), it tries the cheap LIKE before computing any grams.
    A quote that holds a form holds its grams, so this is the same as asking each
    form for both.
    """
    in_index, holds = Q(), Q()
    for variant in search_variants(term):
        word = Lower(Value(variant))
        in_index |= Q(quote_grams__contains=SearchGrams(word))
        holds |= Q(quote_lower__contains=word)
    return claims.alias(quote_grams=QUOTE_GRAMS, quote_lower=Lower("quote")).filter(in_index, holds)
