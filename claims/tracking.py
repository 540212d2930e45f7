"""The rules for following a target: does a figure meet it, what is its status, what changed.

Pure functions over values, so the rules can be tested without a database; the models
(Target.status, Target.restate) feed them. README.md, "Tracking targets", states the
same rules in prose; keep the two in step.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from claims.figures import Change, Comparator


class TargetStatus(models.TextChoices):
    NO_DATA = "no_data", _("no data yet")
    ON_TRACK = "on_track", _("on track")
    OFF_TRACK = "off_track", _("off track")
    ACHIEVED = "achieved", _("achieved")
    MISSED = "missed", _("missed")
    REVISED = "revised", _("revised")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Bound(models.TextChoices):
    """Which side of its figure a target holds: what "meeting" it means.

    Empty on a target means "as its comparator says" (以上 a floor, 以内 a ceiling, a range a
    range, 左右 a point, a bare figure a floor).
    """

    FLOOR = "floor", _("floor (at least: jobs, growth to reach)")
    CEILING = "ceiling", _("ceiling (at most: prices, unemployment, deficit)")
    POINT = "point", _("point (about the value, either side)")
    RANGE = "range", _("range (between two values)")


# "About" (左右, 约) is met within this distance of the stated value: half a percentage point
# for percentages ("5%左右" is met by 4.5% to 5.5%), a tenth of the value otherwise
# ("1.4万亿斤左右" by 1.26 to 1.54万亿斤).
ABOUT_PERCENT_POINTS = Decimal("0.5")
ABOUT_RELATIVE = Decimal("0.1")
PERCENT_UNITS = {"%", "pp", "‰"}

# The figure fields a restatement may change. Metric and subject are not among them: a
# statement about another quantity, or about someone else's duty, is another target.
REVISED_FIELDS = [
    *("comparator", "bound", "change", "value", "value_high", "unit", "deadline", "scope")
]


@dataclass(frozen=True)
class Goal:
    """A target's figure in force: what must be reached, by when."""

    comparator: str
    change: str
    value: Decimal
    value_high: Decimal | None
    unit: str
    deadline: date | None  # None: open-ended, no horizon stated
    bound: str = ""  # a Bound, or "" for what the comparator says


@dataclass(frozen=True)
class Reading:
    """One observed figure, as the status rules need it."""

    value: Decimal
    comparator: str
    unit: str
    period_end: date


def about_tolerance(value: Decimal, unit: str) -> Decimal:
    if unit in PERCENT_UNITS:
        return ABOUT_PERCENT_POINTS
    return abs(value) * ABOUT_RELATIVE


def meets(goal: Goal, value: Decimal, qualifier: str = Comparator.EXACT) -> bool:
    """Does an observed `value`, qualified as written (超过, 近, 不到...), meet the goal?

    The qualifier matters only at the boundary: "超过35%" meets "35%以上", "近35%" and
    "不到35%" do not. A bare target figure ("达到35%", "降低2.5%") means "reach at least"
    unless the goal's bound says otherwise: a ceiling is met from below (CPI 3%左右 by
    0.2%), a point only near its value.
    """
    below = qualifier in (Comparator.NEARLY, Comparator.LESS_THAN)  # just under the value
    above = qualifier == Comparator.MORE_THAN  # just over it
    target = goal.value
    about = goal.comparator in (Comparator.ABOUT, Comparator.NEARLY)
    slack = about_tolerance(target, goal.unit) if about else Decimal(0)
    # The bound decides for a figure stated as about or exactly a value; a stated
    # direction (以上, 以内, a range) decides by itself.
    if about or goal.comparator == Comparator.EXACT:
        match goal.bound:
            case Bound.CEILING:  # CPI 3%左右: 0.2% and 3.5% meet it, 3.6% does not
                return value < target + slack or (value == target + slack and not above)
            case Bound.FLOOR:  # 增长6%左右 held as a floor: 5.5% still meets it
                return value > target - slack or (value == target - slack and not below)
            case Bound.POINT:
                return abs(value - target) <= slack
    match goal.comparator:
        case Comparator.ABOUT | Comparator.NEARLY:
            return abs(value - target) <= about_tolerance(target, goal.unit)
        case Comparator.RANGE:
            # A range always has its upper value (a CHECK holds it).
            return goal.value_high is not None and target <= value <= goal.value_high
        case Comparator.AT_MOST:
            return value < target or (value == target and not above)
        case Comparator.LESS_THAN:
            return value < target or (value == target and below)
        case Comparator.MORE_THAN:
            return value > target or (value == target and above)
        case _:  # EXACT and AT_LEAST: reach the value
            return value > target or (value == target and not below)


def is_reach_goal(goal: Goal) -> bool:
    """A level to reach by the deadline (达到35%): reaching it early achieves it."""
    reach = (Comparator.EXACT, Comparator.AT_LEAST, Comparator.MORE_THAN)
    floor = goal.bound in ("", Bound.FLOOR)
    return goal.change == Change.LEVEL and goal.comparator in reach and floor


def projected(goal: Goal, readings: list[Reading], baseline: Reading | None) -> Decimal:
    """The latest value carried to the deadline along the line from the one before it.

    Only levels are projected; a growth rate (增长5%) is a yearly figure, not a path.
    """
    latest = readings[-1]
    earlier = readings[-2] if len(readings) > 1 else baseline
    if goal.change != Change.LEVEL or earlier is None or earlier.period_end >= latest.period_end:
        return latest.value
    if goal.deadline is None:
        return latest.value
    slope = (latest.value - earlier.value) / months(earlier.period_end, latest.period_end)
    return latest.value + slope * months(latest.period_end, goal.deadline)


def months(start: date, end: date) -> int:
    """Whole months between two period ends: year-end to year-end is 12, leap or not."""
    return (end.year - start.year) * 12 + end.month - start.month


def compute_status(
    goal: Goal,
    readings: list[Reading],
    as_of: date,
    *,
    stated_on: date | None = None,
    baseline: Reading | None = None,
    withdrawn_on: date | None = None,
) -> str:
    """The status of `goal` as of a date, from the readings known by then.

    `readings` are the comparable observations known on `as_of`, any order. Rules:
    withdrawn from its withdrawal date; a reading for a period that ended before the
    target was stated is a baseline, not progress (2024's new jobs do not meet a 2025
    jobs target); no data yet without progress for a period ending by the deadline; a
    reading for the period that ends at the deadline decides achieved or missed; before
    that, a level reached early is achieved, and otherwise the latest reading (projected
    to the deadline for levels, from the one before it or the baseline) says on track or
    off track. An open-ended goal (no deadline) is achieved once reached and otherwise
    on or off track by its latest reading; it is never missed.
    """
    if withdrawn_on is not None and withdrawn_on <= as_of:
        return TargetStatus.WITHDRAWN
    horizon = goal.deadline or date.max
    comparable = sorted(
        (r for r in readings if r.unit == goal.unit and r.period_end <= horizon),
        key=lambda r: r.period_end,
    )
    before = [r for r in comparable if stated_on is not None and r.period_end < stated_on]
    relevant = comparable[len(before) :]
    baseline = baseline or (before[-1] if before else None)
    if not relevant:
        return TargetStatus.NO_DATA
    latest = relevant[-1]
    met = meets(goal, latest.value, latest.comparator)
    if latest.period_end == goal.deadline:
        return TargetStatus.ACHIEVED if met else TargetStatus.MISSED
    if met and is_reach_goal(goal):
        return TargetStatus.ACHIEVED
    on_track = meets(goal, projected(goal, relevant, baseline))
    return TargetStatus.ON_TRACK if on_track else TargetStatus.OFF_TRACK


def figure_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field-by-field difference of two figures, as JSON: {field: [before, after]}.

    A field the later statement leaves empty (no deadline, no scope) is not a change:
    saying less is not revising.
    """
    changes: dict[str, list[Any]] = {}
    for field in REVISED_FIELDS:
        old, new = before.get(field), after.get(field)
        if new in (None, "") and field in ("deadline", "scope", "bound"):
            continue
        if old != new:
            changes[field] = [as_json(old), as_json(new)]
    if changes.keys() & {"value", "value_high", "unit"}:
        changes["number_text"] = [before.get("number_text"), after.get("number_text")]
    return changes


def as_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def from_json(field: str, value: Any) -> Any:
    """The inverse of as_json for a REVISED_FIELDS entry."""
    if value is None:
        return None
    if field in ("value", "value_high"):
        return Decimal(value)
    if field == "deadline":
        return date.fromisoformat(value)
    return value


def year_end(year: int) -> date:
    """到2025年 means by the end of 2025."""
    return date(year, 12, 31)


@dataclass(frozen=True)
class Chart:
    """Where to draw a target's chart, in SVG user units (the admin template draws it)."""

    width: int
    height: int
    left: int
    bottom: int
    points: list[tuple[float, float, str]]  # x, y, label
    goal_low: float  # y of the target line, or of a band's edges for about and ranges
    goal_high: float
    deadline_x: float | None
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]


def short_number(value: Decimal) -> str:
    for size, suffix in (
        (Decimal(10) ** 12, "万亿"),
        (Decimal(10) ** 8, "亿"),
        (Decimal(10) ** 4, "万"),
    ):
        if abs(value) >= size:
            return f"{(value / size).normalize():f}{suffix}"
    return f"{value.normalize():f}"


def nice_step(rough: Decimal) -> Decimal:
    """The round step (1, 2, 2.5 or 5 times a power of ten) at or above `rough`."""
    if rough <= 0:
        return Decimal(1)
    power = Decimal(10) ** rough.adjusted()
    return next(
        power * m
        for m in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
        if power * m >= rough
    )


def chart(goal: Goal, readings: list[Reading], width: int = 640, height: int = 240) -> Chart:
    """Observed values against the target line and the deadline, on a time axis in years."""
    left, right, top, bottom = 70, 20, 16, height - 28
    readings = sorted((r for r in readings if r.unit == goal.unit), key=lambda r: r.period_end)
    if goal.comparator in (Comparator.ABOUT, Comparator.NEARLY):
        tolerance = about_tolerance(goal.value, goal.unit)
        low, high = goal.value - tolerance, goal.value + tolerance
    else:
        low, high = goal.value, goal.value_high or goal.value
    values = [r.value for r in readings] + [low, high]
    step = nice_step((max(values) * Decimal("1.1") - min(Decimal(0), *values)) / 4)
    y_min = (min(Decimal(0), *values) / step).to_integral_value(ROUND_FLOOR) * step
    y_max = (max(values) * Decimal("1.1") / step).to_integral_value(ROUND_CEILING) * step
    y_max = max(y_max, y_min + step)
    steps = [y_min + step * i for i in range(int((y_max - y_min) / step) + 1)]
    horizon = [goal.deadline.year] if goal.deadline else []
    first = min([r.period_end.year for r in readings] + [y - 2 for y in horizon] or [2000])
    last = max([r.period_end.year for r in readings] + horizon or [first]) + 1
    span_days = (date(last, 1, 1) - date(first, 1, 1)).days

    def x(day: date) -> float:
        return round(left + (width - left - right) * (day - date(first, 1, 1)).days / span_days, 1)

    def y(value: Decimal) -> float:
        return round(bottom - (bottom - top) * float((value - y_min) / (y_max - y_min)), 1)

    return Chart(
        width=width,
        height=height,
        left=left,
        bottom=bottom,
        points=[(x(r.period_end), y(r.value), short_number(r.value)) for r in readings],
        goal_low=y(low),
        goal_high=y(high),
        deadline_x=x(goal.deadline) if goal.deadline else None,
        # A year's tick at its end, where a figure for that year and a deadline
        # "到2025年" (31 December) are drawn: a tick at 1 January read a year late.
        x_ticks=[(x(year_end(year)), str(year)) for year in range(first, last)],
        y_ticks=[(y(value), short_number(value)) for value in steps],
    )
