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

import bisect
import itertools
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User

from annotations import sentences
from annotations.models import Document
from claims.figures import Change, Comparator, Figure, find_figures
from claims.models import (
    FIGURE_FIELDS,
    Claim,
    ClaimType,
    Metric,
    StoredSuggestions,
    SuggestionDismissal,
)
from claims.tracking import Bound, year_end
from projects.models import Project

CLAUSE_END = re.compile(r"[；;。！？!?\n]")
COMMA = re.compile(r"[，,：:]")
LONG_CLAUSE = 60
# Words before a figure are read back this far within its sentence: enough for a list's
# lead-in ("主要预期目标是：" and a dozen clauses), and it keeps the scan linear.
CONTEXT_CHARS = 400

YEAR = re.compile(r"(?<![0-9])(20[0-9]{2})\s*年(?!代)")
# 到2025年 is a horizon; 2012年至2023年 a span of past years, not one.
BY_YEAR = re.compile(r"(?<![截年])(?:到|至)\s*(20[0-9]{2})\s*年|(20[0-9]{2})\s*年(?:前|以前)")
GOAL = re.compile(r"力争|目标|确保|目標|確保|力爭")
# A goal reported as met ("完成全年主要目标任务", "实现了…目标") is not a goal being set,
# unless a modal word sets it ("努力完成…目标任务").
GOAL_MET = re.compile(
    r"(?<!要)(?<![将將])(?<!力争)(?<!力爭)(?<!努力)(?<!确保)(?<!確保)(?<!争取)(?<!爭取)"
    r"(?:完成|实现|實現|达到|達到)了?[^，。；0-9]{0,24}?(?:目标|目標)"
)
AIM = re.compile(
    r"(?:要|将|將|力争|力爭|争取|爭取)(?:打造|达到|達到|实现|實現|突破|培育|建成|形成|超过|超過)"
)
# The deficit ratio the report plans, in the figure's own clause (赤字率拟按3%安排); other
# budget lines (拟安排…专项债券) are plans the reader judges, as 要/将 are.
PLANNED = re.compile(r"赤字率(?:拟按|擬按)[^，,；;：:]*$")
# This year's work, said in this year's report, in the figure's own clause:
# 今年再减少农村贫困人口1000万以上 (not 今年以来, a report; nor 预计今年, a forecast).
THIS_YEAR_PLAN = re.compile(r"(?<!预计)(?<!預計)今年(?:再|还要|還要|要|将|將)[^，,；;：:]*$")
PAST = re.compile(r"去年|过去一年|過去一年|上年|同比|比重|占比|佔比|已经|已經|累计|累計")
DONE = re.compile(
    r"(?:完成|实现|實現|达到|達到|达|達|增长|增長|下降|降低|提高|提升|突破|超过|超過|上涨|上漲"
    r"|为|為|占|佔|有|新增|减少|減少|跃上|躍上|上升至|提高到|稳定在|穩定在|保持在|降至|率在)"
    r"了?[^，。；0-9]{0,6}$"
)
# 比去年预算低0.4个百分点: the gap to another figure, not a figure to reach or report.
COMPARED = re.compile(r"比[^，。；0-9]{1,10}[高低]了?$|相差了?$")
# 要 but not 主要/重要/需要/要素, 将 but not 将近; 预期 but not 好于预期/超出预期.
MODAL = re.compile(
    r"(?<![主重需只])要(?![素求])|[将將](?!近)|力争|力爭|计划|計劃|预计|預計"
    r"|(?<!于|於|出|合|超)(?:预期|預期)|拟|擬|争取|爭取"
)
DURATIONS = {"年", "周年", "週年", "个月", "個月", "天"}
THIS_YEAR = re.compile(r"今年|本年")
# Metrics whose "about" figure is a ceiling in these reports (the convention of
# 控制目标): prices, unemployment, the deficit.
CEILING_METRIC = re.compile(r"价格|價格|物价|物價|涨幅|漲幅|CPI|失业率|失業率|赤字率")
CLAUSE_START = re.compile(r"[，,；;：:。\n]")


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
    bound: str = ""  # a target's Bound, proposed from its wording

    def key(self) -> tuple[int, int, str]:
        """What a dismissal remembers: the figure's span and the suggested kind."""
        return (self.figure_start, self.figure_end, self.kind)

    def dismissal(
        self, project: Project, document: Document, by: User, *, annotator: User | None = None
    ) -> SuggestionDismissal:
        """Her dismissal of this suggestion in `project` (not saved): its key and figure;
        `annotator` in a project of independent annotation (SuggestionDismissal)."""
        start, end, kind = self.key()
        return SuggestionDismissal(
            project=project,
            document=document,
            start=start,
            end=end,
            kind=kind,
            number_text=self.figure.number_text,
            dismissed_by=by,
            annotator=annotator,
        )


def _passage(
    text: str, sentence: tuple[int, int], fig_start: int, fig_end: int, marker_at: int | None
) -> tuple[int, int]:
    """The clause holding the figure, within its sentence; trimmed when long."""
    s_start, s_end = sentence
    lead = max(s_start, fig_start - CONTEXT_CHARS)
    start = max((m.end() for m in CLAUSE_END.finditer(text, lead, fig_start)), default=lead)
    end_match = CLAUSE_END.search(text, fig_end, s_end)
    end = end_match.start() if end_match else s_end
    if end - start > LONG_CLAUSE:
        part_start = max((m.end() for m in COMMA.finditer(text, start, fig_start)), default=start)
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
    goal_before = GOAL.search(GOAL_MET.sub("", sentence_before))
    if by_year and (year is None or int(by_year[1] or by_year[2]) >= year):
        return ClaimType.TARGET
    if COMPARED.search(sentence_before):
        return None
    if goal_before or AIM.search(sentence_before) or PLANNED.search(sentence_before):
        return ClaimType.TARGET
    if named and (year is None or named[-1] < year):
        return ClaimType.OBSERVATION
    if year is not None and THIS_YEAR_PLAN.search(sentence_before):
        return ClaimType.TARGET
    if GOAL.search(GOAL_MET.sub("", sentence)):  # 以“…1万家…”作为中长期目标
        return ClaimType.TARGET
    if MODAL.search(sentence):  # 拟安排, 预计: plans and forecasts, not reports
        return None
    if PAST.search(sentence_before) or DONE.search(sentence_before):
        return ClaimType.OBSERVATION
    return None


def propose_bound(figure: Figure, clause_before: str) -> str:
    """Floor, ceiling, point or range, from the figure's wording and its metric's convention.

    A range is a range; 以上/超过 are floors and 以内/不超过/不到 ceilings; a price, an
    unemployment rate or the deficit ratio stated as about or exactly a value is a ceiling
    (控制目标); any other "about" is a point, and any other bare figure a floor (reach it).
    """
    match figure.comparator:
        case Comparator.RANGE:
            return Bound.RANGE
        case Comparator.AT_LEAST | Comparator.MORE_THAN:
            return Bound.FLOOR
        case Comparator.AT_MOST | Comparator.LESS_THAN:
            return Bound.CEILING
    if CEILING_METRIC.search(clause_before):
        return Bound.CEILING
    if figure.comparator in (Comparator.ABOUT, Comparator.NEARLY):
        return Bound.POINT
    return Bound.FLOOR


def scan(text: str, year: int | None = None) -> list[Suggestion]:
    """Every suggestion in `text`, for a document published in `year` (None if unknown).

    Linear in the text: one sentence split, one figure scan, and a bounded look back
    from each figure.
    """
    split = sentences.split(text)
    suggestions = []
    for fig_start, fig_end, figure in find_figures(text):
        if figure.unit in DURATIONS:  # 3年, 75周年: spans of time, not measured figures
            continue
        s_start, s_end = split.around(fig_start)
        lead = max(s_start, fig_start - CONTEXT_CHARS)
        before = text[lead:fig_start]
        sentence = text[lead : min(s_end, fig_end + CONTEXT_CHARS)]
        kind = classify(before, sentence, year)
        if kind is None:
            continue
        marker = BY_YEAR.search(sentence) or GOAL.search(sentence) or YEAR.search(sentence)
        marker_at = lead + marker.start() if marker and lead + marker.start() < fig_start else None
        start, end = _passage(text, (s_start, s_end), fig_start, fig_end, marker_at)
        named = [int(y) for y in YEAR.findall(before)]
        extra: dict[str, date | str | None] = {}
        if kind == ClaimType.TARGET:
            by = BY_YEAR.search(sentence)
            deadline_year = int(by[1] or by[2]) if by else (named[-1] if named else None)
            if (
                deadline_year is None
                and year is not None
                and (THIS_YEAR.search(sentence) or GOAL.search(sentence) or PLANNED.search(before))
            ):
                deadline_year = year
            extra["deadline"] = year_end(deadline_year) if deadline_year else None
            clause_start = max(
                (m.end() for m in CLAUSE_START.finditer(text, lead, fig_start)), default=lead
            )
            extra["bound"] = propose_bound(figure, text[clause_start:fig_start])
        else:
            period_year = named[-1] if named else (year - 1 if year else None)
            if period_year is not None:
                extra["period_start"] = date(period_year, 1, 1)
                extra["period_end"] = year_end(period_year)
        suggestions.append(
            Suggestion(kind, start, end, text[start:end], fig_start, fig_end, figure, **extra)  # type: ignore[arg-type]
        )
    return suggestions


# Bump when scan() reads differently: stored suggestions of an older version are recomputed.
SCANNER_VERSION = 3


def as_json(suggestion: Suggestion) -> dict[str, object]:
    figure = suggestion.figure
    return {
        "kind": suggestion.kind,
        "span": [suggestion.start, suggestion.end, suggestion.figure_start, suggestion.figure_end],
        "figure": [
            figure.number_text,
            str(figure.value),
            None if figure.value_high is None else str(figure.value_high),
            figure.unit,
            figure.comparator.value,
            figure.change.value,
        ],
        "deadline": suggestion.deadline and suggestion.deadline.isoformat(),
        "period": [
            suggestion.period_start and suggestion.period_start.isoformat(),
            suggestion.period_end and suggestion.period_end.isoformat(),
        ],
        "bound": suggestion.bound,
    }


def from_json(item: dict[str, Any], text: str) -> Suggestion:
    start, end, figure_start, figure_end = item["span"]
    number_text, value, value_high, unit, comparator, change = item["figure"]
    figure = Figure(
        number_text,
        Decimal(value),
        None if value_high is None else Decimal(value_high),
        unit,
        Comparator(comparator),
        Change(change),
    )
    period_start, period_end = (day and date.fromisoformat(day) for day in item["period"])
    return Suggestion(
        item["kind"],
        start,
        end,
        text[start:end],
        figure_start,
        figure_end,
        figure,
        deadline=item["deadline"] and date.fromisoformat(item["deadline"]),
        period_start=period_start,
        period_end=period_end,
        bound=item["bound"],
    )


def stored_for(document: Document) -> list[Suggestion]:
    """Every suggestion in the document, scanned once and then read back. One query when
    stored and current; else the scan and one more query to store it."""
    year = document.published_on.year if document.published_on else None
    stored = StoredSuggestions.objects.filter(document=document).first()
    if (
        stored is None
        or stored.content_hash != document.content_hash
        or stored.year != year
        or stored.scanner_version != SCANNER_VERSION
    ):
        found = scan(document.text, year)
        StoredSuggestions.objects.update_or_create(
            document=document,
            defaults={
                "content_hash": document.content_hash,
                "year": year,
                "scanner_version": SCANNER_VERSION,
                "items": [as_json(s) for s in found],
            },
        )
        return found
    return [from_json(item, document.text) for item in stored.items]


def for_document(
    document: Document, user: User | AnonymousUser, project: Project
) -> list[Suggestion]:
    """Suggestions in `project` not yet annotated nor dismissed there: the stored ones, then
    two queries (claims, dismissals). A suggestion is annotated when a claim of the project
    that `user` may read has a span holding its figure, so what is left out reveals no one
    else's span; which dismissals count is SuggestionDismissalQuerySet.hiding_from's rule.
    Another project's claims and dismissals change nothing here."""
    claims = Claim.objects.visible_to(user).filter(document=document, project=project)
    spans = sorted(claims.values_list("start", "end"))
    dismissed = set(
        SuggestionDismissal.objects.hiding_from(user, project, document).values_list(
            "start", "end", "kind"
        )
    )
    starts = [start for start, _ in spans]
    furthest_end = list(itertools.accumulate((end for _, end in spans), max))

    def annotated(s: Suggestion) -> bool:
        # Claims starting at or before the figure; the furthest-reaching one must cover it.
        index = bisect.bisect_right(starts, s.figure_start) - 1
        return index >= 0 and furthest_end[index] >= s.figure_end

    return [s for s in stored_for(document) if s.key() not in dismissed and not annotated(s)]


def guess_metric(suggestion: Suggestion, metrics: list[Metric]) -> Metric | None:
    """The metric of a suggestion's figure, from its passage (metric_for)."""
    return metric_for(suggestion.quote, suggestion.figure.unit, metrics)


def metric_for(passage: str, unit: str, metrics: list[Metric]) -> Metric | None:
    """The metric whose name shares most two-character words with the passage, if any do.

    Only metrics in the figure's unit are candidates; two shared pairs are the least.
    """
    best, best_score = None, 1
    for metric in metrics:
        if metric.unit.split(",")[0].strip() != unit:
            continue
        pairs = {metric.name[i : i + 2] for i in range(len(metric.name) - 1)}
        score = sum(1 for pair in pairs if pair in passage)
        if score > best_score:
            best, best_score = metric, score
    return best


def read_passage(
    passage: str, year: int | None, kind: str, metrics: list[Metric]
) -> dict[str, Any]:
    """A figure of `kind` as the passage states it, for a form to start from.

    The figure the suggester would offer, of that kind, else the first figure in the
    passage: number as written, value (亿/万 applied), unit, comparator, change, the
    deadline (a target) or period (an observation) it names, its bound, and the metric
    whose name matches. Empty when the passage holds no figure; None values left out.
    """
    found = [s for s in scan(passage, year) if s.kind == kind]
    figures = find_figures(passage)
    values: dict[str, Any] = {}
    if found:
        values = {"deadline": found[0].deadline, "period_start": found[0].period_start}
        values["bound"] = found[0].bound
        values["period_end"] = found[0].period_end
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
        metric = metric_for(passage, figure.unit, metrics)
        values["metric"] = metric.pk if metric else None
    if kind == ClaimType.OBSERVATION:
        values.pop("bound", None)
    else:
        values.pop("period_start", None)
        values.pop("period_end", None)
    return {key: value for key, value in values.items() if value not in (None, "")}


def prefill(claim: Claim, kind: str, metrics: list[Metric]) -> dict[str, Any]:
    """Initial values for a target or observation form from a claim's passage.

    The claim's own statement wins when it has one; else the passage is read as the
    suggester reads it (read_passage). Empty when the passage holds no figure.
    """
    stated = getattr(claim, "target_statement", None) if kind == ClaimType.TARGET else None
    year = claim.document.published_on.year if claim.document.published_on else None
    values = read_passage(claim.quote, year, kind, metrics)
    if stated is not None:
        values |= {field: getattr(stated, field) for field in FIGURE_FIELDS}
        values |= {"metric": stated.metric_id, "subject": stated.subject, "scope": stated.scope}
        values["bound"] = stated.bound or values.get("bound")
        values["deadline"] = stated.deadline or values.get("deadline")
    return {key: value for key, value in values.items() if value not in (None, "")}
