"""Simplified and traditional Chinese: detection and search variants (OpenCC)."""

import operator
from functools import cache

import opencc


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


CONFIGS = ("s2t", "s2twp", "t2s", "tw2sp")
# Phrases up to this length are also converted in two parts at every split point.
PHRASE_SPLIT_MAX_CHARS = 16


def search_variants(term: str) -> list[str]:
    """`term` as written plus its forms in the other script, with regional
    vocabulary (数据 → 資料, 芯片 → 晶片), so one search finds both scripts.

    OpenCC converts a phrase it knows as a whole: 大数据 is 大數據 in its Taiwan
    dictionary, so 大資料 would never be found. Each split of the term into two parts
    is therefore converted part by part too (大 + 数据 → 大資料), with the same
    conversion on both sides.
    """
    forms = [term] + [_converter(c).convert(term) for c in CONFIGS]
    if len(term) <= PHRASE_SPLIT_MAX_CHARS:
        for config in CONFIGS:
            convert = _converter(config).convert
            forms += [convert(term[:i]) + convert(term[i:]) for i in range(1, len(term))]
    return list(dict.fromkeys(forms))


def is_traditional(text: str) -> bool:
    """True when converting to simplified changes more characters than the
    other way round: a traditional text has many characters t2s rewrites."""
    sample = text[:20000]
    # OpenCC's convert() is unannotated; it returns a str.
    simplified: str = _converter("t2s").convert(sample)
    traditional: str = _converter("s2t").convert(sample)
    # map(operator.ne) compares in C: a generator here cost 2 ms a document on import.
    to_simplified: int = sum(map(operator.ne, sample, simplified))
    to_traditional: int = sum(map(operator.ne, sample, traditional))
    return to_simplified > to_traditional
