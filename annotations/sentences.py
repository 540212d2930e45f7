"""Sentences of a text, by punctuation and structure, whatever its line layout.

The same report comes one paragraph per line, one sentence or list clause per line (the
2018-2020 Government Work Reports), or broken wherever the printed line ended (PDF
extraction, with blank lines at page and column breaks). All of these must give the same
sentences, so a line break is never a sentence end by itself:

- A sentence ends after 。！？!? or …… (with any closing quotes or brackets after them).
- ；and ：do not end it: a list introduced by "主要预期目标是：" and laid out one clause per
  line (each ending in ；or ，) is one sentence with its lead-in, as it is when printed
  on one line.
- A line break (one or more, blank lines included) ends a sentence only where the line
  before it is a heading: it ends with no punctuation and is a numbered title (一、
  （二） 3. 第四章), a dateline or byline (——2019年3月5日…), or short (at most
  HEADING_MAX_CHARS characters, with no clause punctuation) and standing alone after a
  sentence end. Any other break
  after a line with no final punctuation falls inside a sentence (a PDF line, page or
  column break) and is passed over.

Each sentence is a (start, end) span of code points with no leading or trailing
whitespace. The scan is one pass over the text: linear in its length.
"""

import bisect
import re
from dataclasses import dataclass, field

from annotations.canonical import CLAUSE_PUNCTUATION, NUMBERED_TITLE

# Sentence-final punctuation, with the closing quotes and brackets that belong to it.
_FINAL = re.compile(r"(?:[。！？!?]+|…{1,2}(?=\s*$|\s*[\n“「]))[”’」』）)\]】》]*", re.MULTILINE)
# One sentence-final mark, for readers of a few characters around a position.
SENTENCE_FINAL = re.compile(r"[。！？!?]")
_LINE_BREAKS = re.compile(r"[ \t\u3000]*\n\s*")
_ENDS_WITH_PUNCTUATION = re.compile(r"[\W_]$")
HEADING_MAX_CHARS = 30


@dataclass(frozen=True)
class Sentences:
    """The sentence spans of one text, in order, with lookup by offset."""

    spans: list[tuple[int, int]]
    starts: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts", [start for start, _ in self.spans])

    def around(self, position: int) -> tuple[int, int]:
        """The sentence holding `position`; between sentences, the next one (or the last)."""
        index = bisect.bisect_right(self.starts, position) - 1
        if index < 0:
            return self.spans[0] if self.spans else (0, 0)
        start, end = self.spans[index]
        if position >= end and index + 1 < len(self.spans):
            return self.spans[index + 1]
        return start, end


def _is_heading(line: str, after_sentence_end: bool) -> bool:
    """A line that ends with no punctuation and is a title, not a broken sentence."""
    line = line.strip()
    if not line or _ENDS_WITH_PUNCTUATION.search(line):
        return False
    if NUMBERED_TITLE.match(line):
        return True
    # A title carries no clause punctuation; a short first line of a broken paragraph
    # usually does ("从去年ChatGPT的现象级爆火，到今年").
    short_title = len(line) <= HEADING_MAX_CHARS and not CLAUSE_PUNCTUATION.search(line)
    return after_sentence_end and short_title


def _line_ends(text: str) -> list[int]:
    """Offsets where a line break ends a sentence (the end of the heading before it)."""
    ends = []
    line_start = 0
    after_sentence_end = True  # the text starts with a new sentence
    for match in _LINE_BREAKS.finditer(text):
        line = text[line_start : match.start()]
        if _is_heading(line, after_sentence_end):
            ends.append(match.start())
            after_sentence_end = True
        elif line.strip():
            after_sentence_end = bool(_FINAL.search(line.rstrip()[-3:]))
        line_start = match.end()
    return ends


def split(text: str) -> Sentences:
    """The sentences of `text`: punctuation ends them, line breaks only after headings."""
    cuts = sorted({m.end() for m in _FINAL.finditer(text)} | set(_line_ends(text)))
    spans = []
    start = 0
    for cut in [*cuts, len(text)]:
        span = _trimmed(text, start, cut)
        if span is not None:
            spans.append(span)
        start = cut
    return Sentences(spans)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
