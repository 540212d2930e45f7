"""The development set: the suggester measured on Government Work Reports read by hand.

fixtures/devset/gwr_2018_2020.json lists, for the 2018-2020 reports, each year's main
targets and the outcomes the next report gives for them, with the other figures of the
same sentences (see its "about"). Each text is canonicalised as an import would do it,
then scanned for a report of its year, with no help: the measure is of the text as
imported.

- **Recall** of main targets and of outcomes: a row is found when a suggestion of its
  kind holds its figure with the right value, upper value, unit and comparator, for the
  right year (a target's deadline, an outcome's period), and for a target the right
  bound.
- **Precision**: of the suggestions made in the sentences the table covers, the share
  whose figure is a row of the suggested kind (and, for a main row, read right).
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from annotations import sentences
from annotations.canonical import canonicalise
from claims.suggestions import Suggestion, scan

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DEVSET = FIXTURES / "devset" / "gwr_2018_2020.json"
REPORT_YEARS = {"gwr_2018.txt": 2018, "gwr_2019.txt": 2019, "gwr_2020.txt": 2020}


@dataclass
class Row:
    text: str
    kind: str
    main: bool
    for_year: int
    start: int  # the figure's offsets in the canonical text
    end: int
    fields: dict[str, Any]

    def read_right(self, suggestion: Suggestion) -> bool:
        """Kind, span, and for a main row value, unit, comparator, year and bound."""
        if suggestion.kind != self.kind or (suggestion.figure_start, suggestion.figure_end) != (
            self.start,
            self.end,
        ):
            return False
        if not self.main:
            return True
        figure = suggestion.figure
        high = self.fields["value_high"]
        day = suggestion.deadline if self.kind == "target" else suggestion.period_end
        return (
            figure.value == Decimal(self.fields["value"])
            and figure.value_high == (None if high is None else Decimal(high))
            and figure.unit == self.fields["unit"]
            and figure.comparator == self.fields["comparator"]
            and figure.change == self.fields["change"]
            and day is not None
            and day.year == self.for_year
            and (self.kind != "target" or suggestion.bound == self.fields["bound"])
        )


@dataclass
class Score:
    """Counts for one report: [found, total] for recall, [right, made] for precision."""

    targets: list[int] = field(default_factory=lambda: [0, 0])
    outcomes: list[int] = field(default_factory=lambda: [0, 0])
    precision: list[int] = field(default_factory=lambda: [0, 0])
    missed: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)


def canonical_text(name: str) -> str:
    raw = (FIXTURES / "texts" / name).read_text(encoding="utf-8")
    return canonicalise(raw).text


def rows(name: str, text: str) -> list[Row]:
    """The table's rows for one text, located in its canonical text."""
    table = json.loads(DEVSET.read_text(encoding="utf-8"))["rows"]
    found = []
    for row in (r for r in table if r["text"] == name):
        passage = row["passage"]
        at = text.find(passage)
        if at < 0:  # a reflowed text lost the line break the passage holds
            passage = passage.replace("\n", "")
            at = text.find(passage)
        if at < 0 or text.count(passage) != 1:
            raise ValueError(f"{name}: the passage {row['passage']!r} is not once in the text")
        start = at + passage.index(row["number_text"])
        found.append(
            Row(
                name,
                row["kind"],
                row["main"],
                row["for_year"],
                start,
                start + len(row["number_text"]),
                row,
            )
        )
    return found


def score(name: str) -> Score:
    text = canonical_text(name)
    table = rows(name, text)
    made = scan(text, REPORT_YEARS[name])
    split = sentences.split(text)
    covered = {split.around(row.start) for row in table}
    result = Score()
    for row in (r for r in table if r.main):
        counts = result.targets if row.kind == "target" else result.outcomes
        counts[1] += 1
        if any(row.read_right(s) for s in made):
            counts[0] += 1
        else:
            result.missed.append(f"{row.kind} {row.fields['number_text']} ({row.fields['metric']})")
    for suggestion in made:
        if split.around(suggestion.figure_start) not in covered:
            continue
        result.precision[1] += 1
        if any(row.read_right(suggestion) for row in table):
            result.precision[0] += 1
        else:
            result.wrong.append(f"{suggestion.kind} {suggestion.figure.number_text}")
    return result


def scores() -> dict[str, Score]:
    return {name: score(name) for name in REPORT_YEARS}
