"""Derive the canonical text of a document from its raw text.

Every claim offset counts code points of the canonical text, so this function
must be deterministic and must only ever do the documented steps:

1. Unicode NFC.
2. CRLF and lone CR become LF.
3. For text extracted from PDF only, a line break inside a CJK sentence is
   removed: the line before it is about as wide as its neighbours (a short
   line ends a paragraph or is a heading), does not end with sentence-final
   punctuation, and the characters on both
   sides of the break are CJK (or one is CJK and the other a Latin letter or
   digit, as in "从今年\\nSora"). Paragraph breaks stay as they are.

PDF extraction comes in two shapes, and the seeds show both: one newline per
printed line with blank lines between paragraphs, and a blank line after every
printed line. In the second shape the blank line is the soft break.
"""

import re
import statistics
import unicodedata
from dataclasses import dataclass

CJK = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff"
    "\u2014\u2018\u2019\u201c\u201d\u2026\u00b7"
)
_CJK_CHAR = re.compile(f"[{CJK}]")
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9]")
# A line ending with one of these (optionally inside closing quotes or
# brackets) ends a sentence or a heading lead-in, so its break is kept.
_SENTENCE_END = re.compile(r"[。！？!?…；;：:][”’」』）)\]】》]*$")

# A printed line is "full" when it reaches this share of its widest neighbour.
# Newspaper pages mix column widths, so there is no single page width.
FULL_LINE_SHARE = 0.8
# PDF text has many lines, most of them short; web text has a line per paragraph.
PDF_MIN_LINES = 20
PDF_MAX_TYPICAL_WIDTH = 80


@dataclass(frozen=True)
class Canonical:
    text: str
    reflowed: bool


def display_width(line: str) -> int:
    # Ambiguous-width characters (“ ” …) are set wide in Chinese typography.
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in line)


def normalise(raw: str) -> str:
    """Steps 1 and 2: NFC and line endings."""
    return unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n")


def soft_break(text: str) -> str:
    """The separator between printed lines: '\\n\\n' when every line is double spaced."""
    separators = re.findall(r"(?<=\S)\n+(?=\S)", text)
    if separators and sum(s == "\n\n" for s in separators) >= 0.9 * len(separators):
        return "\n\n"
    return "\n"


def looks_like_pdf_extraction(text: str) -> bool:
    widths = [display_width(line) for line in text.split("\n") if line.strip()]
    return len(widths) >= PDF_MIN_LINES and statistics.median(widths) <= PDF_MAX_TYPICAL_WIDTH


def _joins(before: str, after: str) -> bool:
    left, right = before[-1:], after[:1]
    if not left or not right or _SENTENCE_END.search(before):
        return False
    left_cjk, right_cjk = bool(_CJK_CHAR.match(left)), bool(_CJK_CHAR.match(right))
    if left_cjk and right_cjk:
        return True
    return (left_cjk and bool(_LATIN_OR_DIGIT.match(right))) or (
        right_cjk and bool(_LATIN_OR_DIGIT.match(left))
    )


def reflow(text: str) -> str:
    """Step 3 on already normalised text."""
    separator = soft_break(text)
    lines = text.split(separator)
    widths = [display_width(line.rsplit("\n", 1)[-1]) for line in lines] + [0]
    out = [lines[0]]
    for i, line in enumerate(lines[1:], start=1):
        before = lines[i - 1].rsplit("\n", 1)[-1]
        widest_neighbour = max(widths[i - 2] if i >= 2 else 0, widths[i])
        is_full = widths[i - 1] >= FULL_LINE_SHARE * widest_neighbour
        if is_full and _joins(before, line):
            out[-1] += line
        else:
            out.append(line)
    return separator.join(out)


def canonicalise(raw: str, *, pdf: bool | None = None) -> Canonical:
    """Canonical text of `raw`. `pdf=None` detects PDF extraction from the line shape."""
    text = normalise(raw)
    if pdf is None:
        pdf = looks_like_pdf_extraction(text)
    if not pdf:
        return Canonical(text, reflowed=False)
    return Canonical(reflow(text), reflowed=True)
