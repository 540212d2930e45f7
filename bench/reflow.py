"""Measure the reflow (annotations.canonical) on the PDF seeds.

For every line break between two printed lines of a seed's raw text it asks whether the
canonical text removed it (a join) or kept it, and judges it against
fixtures/devset/seed_titles.json (the seeds' titles, headings, bylines, page numbers and
running headers, read by hand):

- a **wrong join** removed a break next to a title line (other than between two lines
  of one title): the title is glued to the text;
- a **break left inside a sentence** was kept although the line before does not end a
  sentence (。！？；：… or a lead-in dash, with closing quotes or a note mark) and
  neither line is a title.

Run from the repository root (no database):

    DEBUG=1 .venv/bin/python bench/reflow.py
"""

import json
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotations.canonical import canonicalise  # noqa: E402

LABELS = ROOT / "fixtures" / "devset" / "seed_titles.json"
BREAK = re.compile(r"\n(?:[ \t\u3000]*\n)*")
SENTENCE_END = re.compile(
    r"(?:[。！？!?…；;：:]|——)[”’」』）)\]】》]*(?:\[[0-9]+\])?$"  # "。[10]": a note mark
)


def breaks(raw: str, canonical: str) -> list[tuple[str, str, bool]]:
    """(line before, line after, joined) for each break between two non-blank lines."""
    raw = unicodedata.normalize("NFC", raw)
    found = []
    i = j = 0
    while i < len(raw):
        run = BREAK.match(raw, i)
        if run is None:
            i, j = i + 1, j + 1
            continue
        kept = canonical.startswith(run[0], j)
        before = raw[:i].rsplit("\n", 1)[-1].strip()
        after = raw[run.end() :].split("\n", 1)[0].strip()
        if before and after:
            found.append((before, after, not kept))
        j += len(run[0]) if kept else 0
        i = run.end()
    return found


def measure(name: str, titles: list[list[str]]) -> dict[str, int]:
    raw = (ROOT / "fixtures" / "texts" / name).read_text(encoding="utf-8")
    group = {line: index for index, lines in enumerate(titles) for line in lines}
    counts = {"breaks": 0, "joins": 0, "wrong joins": 0, "left inside sentences": 0}
    for before, after, joined in breaks(raw, canonicalise(raw).text):
        counts["breaks"] += 1
        same_title = before in group and group[before] == group.get(after)
        next_to_title = (before in group or after in group) and not same_title
        if joined:
            counts["joins"] += 1
            counts["wrong joins"] += next_to_title
        elif not same_title and not next_to_title and not SENTENCE_END.search(before):
            counts["left inside sentences"] += 1
    return counts


def main() -> None:
    labels = json.loads(LABELS.read_text(encoding="utf-8"))["titles"]
    total: dict[str, int] = {}
    for name, titles in labels.items():
        counts = measure(name, titles)
        print(name, "  ".join(f"{key} {value}" for key, value in counts.items()))
        for key, value in counts.items():
            total[key] = total.get(key, 0) + value
    print("all", "  ".join(f"{key} {value}" for key, value in total.items()))


if __name__ == "__main__":
    main()
