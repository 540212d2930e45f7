"""Derive the canonical text of a document from its raw text.

Every claim offset counts code points of the canonical text, so this function
must be deterministic and must only ever do the documented steps:

1. Unicode NFC.
2. CRLF and lone CR become LF.
3. For text extracted from PDF only, a line break inside a CJK sentence is
   removed (see reflow()). Nothing else changes: no character is added or dropped.

PDF extraction comes in two shapes, and the seeds show both: one newline per
printed line with blank lines between paragraphs, and a blank line after every
printed line. In the second shape the blank line is the soft break.

A text laid out one sentence or clause per line (the 2018-2020 Government Work
Reports) is not PDF extraction, even with many short lines: nearly all its lines end
with punctuation, where a printed page breaks lines anywhere.
"""

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

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
# Any punctuation at a line's end: a segment-per-line text ends nearly every line so.
_ENDS_WITH_PUNCTUATION = re.compile(r"[，,、。！？!?…；;：:”’」』）)\]】》]$")
# Numbered titles (一、 (二) （三） 1. 2、 第四章) and datelines (——2019年3月5日…).
NUMBERED_TITLE = re.compile(
    r"[一二三四五六七八九十百]+、|[（(][一二三四五六七八九十0-9]+[）)]"
    r"|[0-9]+(?:\.[0-9]+)*[.．、](?![0-9])|第[一二三四五六七八九十百0-9]+[章节部篇]|——(?=[0-9])"
)
# A line ending with a dash leads in to what follows (培育壮大新兴产业——): a sub-heading.
_LEAD_IN = re.compile(r"——$")
# The rest of a numbered title broken over two printed lines ("…新质生产⏎力实现机制"):
# short and unpunctuated; the break after it is the title's end.
TITLE_REST_MAX_CHARS = 12
# A page number or running header line: "··35", "- 12 -", "3", "专 题2024年 3月 9日".
_PAGE_NUMBER = re.compile(
    r"[\W_]*[0-9]{1,4}[\W_]*|.*[0-9]{4}\s*年\s*[0-9]{1,2}\s*月\s*[0-9]{1,2}\s*日"
)
# A line repeated in the text is a running header when it holds a digit or a space
# ("社会主义经济理论与实践 2024.7"); a repeated sentence is just a repeated sentence.
_HEADER_LIKE = re.compile(r"[0-9]|\S\s+\S")
CLAUSE_PUNCTUATION = re.compile(r"[，,、；;：:]")

# PDF text has many lines, most of them short and most of them broken mid-sentence.
PDF_MIN_LINES = 20
PDF_MAX_TYPICAL_WIDTH = 80
SEGMENT_PER_LINE_SHARE = 0.9


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


def wider_than(line: str, width: int) -> bool:
    """display_width(line) > width, measured only when its length leaves it open: a
    character is one or two columns wide (measuring every line was a third of
    canonicalising a PDF extraction)."""
    if len(line) > width:
        return True
    return 2 * len(line) > width and display_width(line) > width


def looks_like_pdf_extraction(text: str) -> bool:
    """Many short lines, most of them broken mid-sentence (not ending with punctuation)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if len(lines) < PDF_MIN_LINES:
        return False
    # The median width is over the limit when the lines over it are the upper half.
    wide = sum(wider_than(line, PDF_MAX_TYPICAL_WIDTH) for line in lines)
    if wide >= len(lines) - len(lines) // 2:
        return False
    punctuated = sum(bool(_ENDS_WITH_PUNCTUATION.search(line)) for line in lines)
    return punctuated < SEGMENT_PER_LINE_SHARE * len(lines)


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


class _Line(NamedTuple):
    """A printed line; a tuple, since a PDF extraction has thousands (10 µs of
    canonicalising is spent on each): each fact about it is found once."""

    text: str  # the printed line, as written
    separator: str  # what follows it up to the next non-blank line: newlines, blank lines
    gap_after: int  # the newlines in the separator
    repeated: bool  # a running header or footer: repeated, with a digit or a space
    title: bool  # _is_title(text)


def _lines(text: str) -> tuple[str, list[_Line]]:
    """The text's leading blank part and its non-blank lines, each with what follows it."""
    parts = re.split(r"(\n(?:[ \t\u3000]*\n)*)", text)
    leading = ""
    if parts and not parts[0].strip() and len(parts) > 1:
        leading = parts[0] + parts[1]
        parts = parts[2:]
    texts, separators = parts[0::2], [*parts[1::2], ""]
    stripped = [line.strip() for line in texts]
    counts = Counter(stripped)
    lines = [
        _Line(
            line,
            sep,
            gap_after=sep.count("\n"),
            repeated=counts[bare] > 1 and _HEADER_LIKE.search(bare) is not None,
            title=_is_title(bare),
        )
        for line, sep, bare in zip(texts, separators, stripped, strict=True)
    ]
    return leading, lines


def _is_title(line: str) -> bool:
    """A title line, ending with no punctuation: a numbered section title or dateline, a
    subtitle (——从全国两会看…, no clause punctuation), a page number, or a line with no
    CJK at all (a running header in another language)."""
    stripped = line.strip()
    if _ENDS_WITH_PUNCTUATION.search(stripped):
        return False
    subtitle = stripped.startswith("——") and not CLAUSE_PUNCTUATION.search(stripped)
    foreign = _CJK_CHAR.search(stripped) is None
    return bool(
        NUMBERED_TITLE.match(stripped) or _PAGE_NUMBER.fullmatch(stripped) or subtitle or foreign
    )


def reflow(text: str) -> str:
    """Step 3 on already normalised text.

    A break between two printed lines is removed when all of these hold, each judged on
    the two lines themselves (never on other lines' widths):

    - the characters on both sides are CJK (or CJK and a Latin letter or digit) and the
      line before does not end with sentence-final punctuation (。！？；：…);
    - neither line is a title: a numbered section title (一、 (二) 3. 第四章), a
      dateline or subtitle (——), a page number, a line with no CJK, or a line repeated
      elsewhere with a digit or a space in it (a running header);
    - it is a soft break (one printed line to the next); or a paragraph, page or column
      break that falls inside a sentence: the lines on both sides belong to paragraphs
      of more than one printed line (a one-line paragraph is a heading or a byline);
    - the line before is not the rest of a numbered title broken over two lines (at
      most TITLE_REST_MAX_CHARS characters, no punctuation).

    A line's width never decides: one character added to a line changes no decision
    about a break that does not touch it.
    """
    soft = len(soft_break(text))  # newlines in a soft break: 1, or 2 when double spaced
    leading, lines = _lines(text)
    if not lines:
        return text
    out = [leading + lines[0].text]
    in_title = False  # the line before is a numbered title or the rest of one
    for i in range(1, len(lines)):
        before, line = lines[i - 1], lines[i]
        gap_before_previous = lines[i - 2].gap_after if i >= 2 else soft + 1
        joined = not in_title and _joins_lines(before, line, soft, gap_before_previous)
        # Appended, not added to the paragraph so far: a text with few paragraph breaks
        # would be copied again at every joined line.
        out.append(line.text if joined else before.separator + line.text)
        rest = line.text.strip()
        in_title = line.title or (
            before.title
            and len(rest) <= TITLE_REST_MAX_CHARS
            and not _ENDS_WITH_PUNCTUATION.search(rest)
            and not CLAUSE_PUNCTUATION.search(rest)
        )
    return "".join(out) + lines[-1].separator


def _joins_lines(
    before: _Line,
    after: _Line,
    soft: int,
    gap_before_previous: int,
) -> bool:
    if not _joins(before.text, after.text) or _LEAD_IN.search(before.text.rstrip()):
        return False
    if before.repeated or after.repeated or before.title or after.title:
        return False
    if before.gap_after != soft:  # a paragraph, page or column break
        standalone = gap_before_previous != soft or after.gap_after != soft
        if standalone:
            return False
    return True


def canonicalise(raw: str, *, pdf: bool | None = None) -> Canonical:
    """Canonical text of `raw`. `pdf=None` detects PDF extraction from the line shape."""
    text = normalise(raw)
    if pdf is None:
        pdf = looks_like_pdf_extraction(text)
    if not pdf:
        return Canonical(text, reflowed=False)
    return Canonical(reflow(text), reflowed=True)
