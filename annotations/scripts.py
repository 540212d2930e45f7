"""Simplified and traditional Chinese: detection and search variants (OpenCC)."""

from functools import cache

import numpy as np
import numpy.typing as npt
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


# Every character OpenCC's s2t or t2s changes is in U+3000-U+FFFF or U+20000-U+2FFFF.
CJK_CODE_POINTS = (range(0x3000, 0xD800), range(0xE000, 0x10000), range(0x20000, 0x30000))
TABLE_SIZE = 0x30000


@cache
def changed_by(config: str) -> npt.NDArray[np.bool_]:
    """A table over code points: True where OpenCC's `config` turns the character into
    another (t2s: traditional-only characters; s2t: simplified-only ones).

    Built once a process, by converting every CJK character in one call (0.1 to 0.5 s).
    """
    chars = [chr(point) for points in CJK_CODE_POINTS for point in points]
    # A line break is never converted, so it keeps the characters apart (no phrases).
    converted: str = _converter(config).convert("\n".join(chars))
    table = np.zeros(TABLE_SIZE, dtype=np.bool_)
    changed = [ord(c) for c, new in zip(chars, converted.split("\n"), strict=True) if c != new]
    table[changed] = True
    return table


def is_traditional(text: str) -> bool:
    """True when more of its characters are traditional-only (t2s would change them)
    than simplified-only (s2t would change them), over its first 20,000 characters.

    Counted character by character through changed_by's tables: about 30 µs for 2,000
    characters, where converting the text both ways with OpenCC and comparing took 0.3
    to 0.5 ms, the largest cost of an import in Python (bench/README.md, "Import").
    The counts ignore OpenCC's phrases (制造 becomes 製造, while 制 alone stays), which
    move them by about 1%: only a text within a few percent of an even mix of the two
    scripts can be judged otherwise than by converting it whole (tests/test_import.py).
    """
    # surrogatepass: a lone surrogate is a code point like any other here, never an error.
    encoded = text[:20000].encode("utf-32-le", errors="surrogatepass")
    points = np.frombuffer(encoded, dtype=np.uint32)
    points = points[points < TABLE_SIZE]
    to_simplified = int(np.count_nonzero(changed_by("t2s")[points]))
    to_traditional = int(np.count_nonzero(changed_by("s2t")[points]))
    return to_simplified > to_traditional
