"""Suggest candidate targets and observations in a document, for an annotator to accept or dismiss.

Built on claims.figures.find_figures: every figure in a sentence is a candidate, and the
words of its sentence decide what it is.

- a **target** when its sentence sets a goal before the figure: 到2025年 / 2025年前 for a
  year not yet past, 力争, 目标 (预期目标, 目标是), 确保, 要/将 with 打造/达到/实现...; or
  names it a goal after the figure (…作为中长期目标) without naming a past year before it;
- an **observation** when it reports: a past year before the figure (2023年; any year
  when the document's date is unknown); or, with no modal word (要, 将, 力争, 计划, 预计,
  拟) in the sentence, 去年, 过去一年, 同比, 比重, 占比 before the figure, or a completion
  verb (完成, 实现, 达到, 增长, 突破...) right before it;
- nothing otherwise: commitments and recommendations (要…, 将…) are left to the reader.

The suggested passage is the clause holding the figure (between ；。！？ or a line break),
trimmed to the comma-separated parts from the one carrying the goal or year marker to the
one holding the figure when the clause is long. Values come from the figure parser; the
deadline of a target is the end of the year it names (今年 and 预期目标 without a year mean
the document's year); the period of an observation is the year it names, else the year
before the document's (reports look back on the previous year).
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from annotations.models import Document
from claims.figures import Figure, find_figures
from claims.models import FIGURE_FIELDS, Claim, ClaimType, Metric, SuggestionDismissal
from claims.tracking import year_end

SENTENCE_END = re.compile(r"[。！？!?\n]")
CLAUSE_END = re.compile(r"[；;。！？!?\n]")
COMMA = re.compile(r"[，,：:]")
LONG_CLAUSE = 60

YEAR = re.compile(r"(?<![0-9])(20[0-9]{2})\s*年(?!代)")
BY_YEAR = re.compile(r"(?<!截)(?:到|至)\s*(20[0-9]{2})\s*年|(20[0-9]{2})\s*年(?:前|以前)")
GOAL = re.compile(r"力争|目标|确保|目標|確保|力爭")
AIM = re.compile(
    r"(?:要|将|將|力争|力爭|争取|爭取)(?:打造|达到|達到|实现|實現|突破|培育|建成|形成|超过|超過)"
)
PAST = re.compile(r"去年|过去一年|過去一年|上年|同比|比重|占比|佔比|已经|已經|累计|累計")
DONE = re.compile(
    r"(?:完成|实现|實現|达到|達到|达|達|增长|增長|下降|降低|提高|提升|突破|超过|超過|上涨|上漲"
    r"|为|為|占|佔|有|新增|减少|減少|跃上|躍上|上升至|提高到)了?[^，。；0-9]{0,6}$"
)
# 要 but not 主要/重要/需要/要素, 将 but not 将近.
MODAL = re.compile(
    r"(?<![主重需只])要(?![素求])|[将將](?!近)|力争|力爭|计划|計劃|预计|預計|预期|預期|拟|擬|争取|爭取"
)
DURATIONS = {"年", "周年", "週年", "个月", "個月", "天"}
THIS_YEAR = re.compile(r"今年|本年")


@dataclass(frozen=True)
class Suggestion:
    kind: str  # ClaimType.TARGET or ClaimType.OBSERVATION
    start: int  # the passage to become the claim
    end: int
    quote: str
    figure_start: int  # the figure inside it
    figure_end: int
    figure: Figure
    deadline: date | None = None
    period_start: date | None = None
    period_end: date | None = None

    def key(self) -> tuple[int, int, str]:
        """What a dismissal remembers: the figure's span and the suggested kind."""
        return (self.figure_start, self.figure_end, self.kind)


def _bounds(text: str, pattern: re.Pattern[str], position: int) -> tuple[int, int]:
    start = max((m.end() for m in pattern.finditer(text, 0, position)), default=0)
    end_match = pattern.search(text, position)
    return start, end_match.start() if end_match else len(text)


def _passage(text: str, fig_start: int, fig_end: int, marker_at: int | None) -> tuple[int, int]:
    start, end = _bounds(text, CLAUSE_END, fig_start)
    if end - start > LONG_CLAUSE:
        part_start, _ = _bounds(text[:end], COMMA, fig_start)
        start = part_start if marker_at is None or marker_at < start else min(part_start, marker_at)
        end = next((m.start() for m in COMMA.finditer(text, fig_end, end)), end)
    while start < end and text[start].isspace():
        start += 1
    return start, max(end, fig_end)


def classify(sentence_before: str, sentence: str, year: int | None) -> str | None:
    """What a figure is, from its sentence and the words before it in that sentence.

    Without the document's year, a year named before the figure counts as past unless
    it is a horizon (到2030年).
    """
    by_year = BY_YEAR.search(sentence_before)
    named = [int(y) for y in YEAR.findall(sentence_before)]
    if by_year and (year is None or int(by_year[1] or by_year[2]) >= year):
        return ClaimType.TARGET
    if GOAL.search(sentence_before) or AIM.search(sentence_before):
        return ClaimType.TARGET
    if named and (year is None or named[-1] < year):
        return ClaimType.OBSERVATION
    if GOAL.search(sentence):  # 以“…1万家…”作为中长期目标
        return ClaimType.TARGET
    if MODAL.search(sentence):  # 拟安排, 预计: plans and forecasts, not reports
        return None
    if PAST.search(sentence_before) or DONE.search(sentence_before):
        return ClaimType.OBSERVATION
    return None


def scan(text: str, year: int | None = None) -> list[Suggestion]:
    """Every suggestion in `text`, for a document published in `year` (None if unknown)."""
    suggestions = []
    for fig_start, fig_end, figure in find_figures(text):
        if figure.unit in DURATIONS:  # 3年, 75周年: spans of time, not measured figures
            continue
        s_start, s_end = _bounds(text, SENTENCE_END, fig_start)
        sentence, before = text[s_start:s_end], text[s_start:fig_start]
        kind = classify(before, sentence, year)
        if kind is None:
            continue
        marker = BY_YEAR.search(sentence) or GOAL.search(sentence) or YEAR.search(sentence)
        marker_at = (
            s_start + marker.start() if marker and s_start + marker.start() < fig_start else None
        )
        start, end = _passage(text, fig_start, fig_end, marker_at)
        named = [int(y) for y in YEAR.findall(before)]
        extra = {}
        if kind == ClaimType.TARGET:
            by = BY_YEAR.search(sentence)
            deadline_year = int(by[1] or by[2]) if by else (named[-1] if named else None)
            if (
                deadline_year is None
                and year is not None
                and (THIS_YEAR.search(sentence) or GOAL.search(sentence))
            ):
                deadline_year = year
            extra["deadline"] = year_end(deadline_year) if deadline_year else None
        else:
            period_year = named[-1] if named else (year - 1 if year else None)
            if period_year is not None:
                extra["period_start"] = date(period_year, 1, 1)
                extra["period_end"] = year_end(period_year)
        suggestions.append(
            Suggestion(kind, start, end, text[start:end], fig_start, fig_end, figure, **extra)
        )
    return suggestions


def for_document(document: Document) -> list[Suggestion]:
    """Suggestions not yet annotated nor dismissed. Two queries: claims, dismissals."""
    year = document.published_on.year if document.published_on else None
    spans = list(Claim.objects.filter(document=document).values_list("start", "end"))
    dismissed = set(
        SuggestionDismissal.objects.filter(document=document).values_list("start", "end", "kind")
    )
    return [
        s
        for s in scan(document.text, year)
        if s.key() not in dismissed
        and not any(start <= s.figure_start and s.figure_end <= end for start, end in spans)
    ]


def guess_metric(suggestion: Suggestion, metrics: list[Metric]) -> Metric | None:
    """The metric whose name shares most two-character words with the passage, if any do.

    Only metrics in the figure's unit are candidates; two shared pairs are the least.
    """
    best, best_score = None, 1
    for metric in metrics:
        if metric.unit.split(",")[0].strip() != suggestion.figure.unit:
            continue
        pairs = {metric.name[i : i + 2] for i in range(len(metric.name) - 1)}
        score = sum(1 for pair in pairs if pair in suggestion.quote)
        if score > best_score:
            best, best_score = metric, score
    return best


def prefill(claim: Claim, kind: str, metrics: list[Metric]) -> dict[str, Any]:
    """Initial values for a target or observation form from a claim's passage.

    The claim's own statement wins when it has one; else the passage is read as the
    suggester reads it (the figure the suggester would offer, of that kind, else the
    first figure in the passage). Empty when the passage holds no figure.
    """
    stated = getattr(claim, "target_statement", None) if kind == ClaimType.TARGET else None
    year = claim.document.published_on.year if claim.document.published_on else None
    found = [s for s in scan(claim.quote, year) if s.kind == kind]
    figures = find_figures(claim.quote)
    if stated is None and not found and not figures:
        return {}
    values: dict[str, Any] = {}
    if found:
        values = {"deadline": found[0].deadline, "period_start": found[0].period_start}
        values["period_end"] = found[0].period_end
        metric = guess_metric(found[0], metrics)
        values["metric"] = metric.pk if metric else None
    figure = found[0].figure if found else figures[0][2] if figures else None
    if figure is not None:
        values |= {
            "number_text": figure.number_text,
            "comparator": figure.comparator.value,
            "change": figure.change.value,
            "value": figure.value,
            "value_high": figure.value_high,
            "unit": figure.unit,
        }
    if stated is not None:
        values |= {field: getattr(stated, field) for field in FIGURE_FIELDS}
        values |= {"metric": stated.metric_id, "subject": stated.subject, "scope": stated.scope}
        values["deadline"] = stated.deadline or values.get("deadline")
    return {key: value for key, value in values.items() if value not in (None, "")}
