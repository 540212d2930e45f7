"""Parse quantified figures ("2.2万亿元", "增长5%左右", "不到30億元") out of Chinese policy text.

Two entry points:

* ``parse_figure(text)`` reads one figure from a short span such as "同比增长 32.1%". Words
  around the figure are used only to find qualifiers and change verbs; any other digit in the
  span is an error, because a span holding two numbers is ambiguous.
* ``find_figures(text)`` returns every figure in a passage as ``(start, end, Figure)`` with
  ``text[start:end] == figure.number_text``.

``number_text`` is the figure itself exactly as written: the number, an embedded 多/余 ("3800多
亿元"), multipliers, unit and, for ranges, both ends and the separator. Qualifiers and verbs
around it (约, 以上, 增长...) are read but are not part of ``number_text``.

Numbers
    Arabic digits (full-width ones too: text is NFKC-normalised per character for matching, so
    offsets and ``number_text`` stay verbatim), "1,000" thousands groups, decimals; Chinese
    numerals 零〇一二两兩三四五六七八九十百千万萬亿億 ("一百二十", "两千亿", "万亿"); fractions
    "三分之一" and "1/3" (value rounded to 6 decimal places, unit ""); "百分之三十" is 30 "%",
    "千分之三" is 3 "‰", Chinese decimals too ("百分之零点五" is 0.5 "%"). A minus sign
    (-, −, －) that cannot be a range's dash makes the value negative ("增长-6.8%").
    Multipliers are applied to the value: 万/萬 = 1e4, 亿/億 = 1e8, 万亿/萬億 = 1e12 (百, 千
    also after digits, "3千亿"); a 多 between two multipliers keeps both ("1万多亿元" is more
    than 1e12). In a range a bare low end takes the high end's multiplier ("3-5万元" is 30000
    to 50000). Two neighbouring numerals are a rough range ("五六个百分点" is 5 to 6 pp,
    "七八万人" 70000 to 80000). 翻一番/倍增 is 2 "倍", 翻两番 4 "倍"; 九成 is 90 "%", 一半 50 "%".

Units (after the multiplier is taken off)
    ===========================  ===========
    written                      ``unit``
    ===========================  ===========
    %  ％  百分之…                "%"
    元  人民币                     "CNY"
    美元                           "USD"
    港元 港幣 / 欧元 歐元 / 日元    "HKD" / "EUR" / "JPY"
    人  (not 人次)                 "people"
    吨  噸                         "t"
    斤                             "jin"
    个百分点 個百分點 百分点       "pp"
    other known counters           as written: 家 项 個 次 PB 千瓦 台 倍 年 人次 ‰ 套 岁 剂 ...
    none                           ""
    ===========================  ===========

Comparators
    =============  ==============================================================
    ``RANGE``      两端: 5家-10家, 10%-30%, 2.5%～4%, 万亿到10万亿 (- – — ~ ～ 〜 至 到)
    ``ABOUT``      约 約 大约 before; 左右 上下 after (not 上下游)
    ``NEARLY``     近 接近 将近 before (not 最近, nor 近 with 年: 近两年 is "the past two years")
    ``MORE_THAN``  超过 超 逾 突破 高于 多于 before; 多 余 餘 inside ("80多个")
    ``AT_LEAST``   以上 after; 不低于 不少于 至少 跃上 迈上 站上 before ("跃上1.4万亿斤新台阶");
                   上 before 百/千/万/亿 ("上百家")
    ``AT_MOST``    以内 以下 after; 不超过 不高于 最多 至多 before
    ``LESS_THAN``  不到 不足 低于 少于 before
    ``EXACT``      anything else
    =============  ==============================================================
    When several apply: range, then a qualifier after the figure, then one before it, then an
    embedded 多/余.

Changes
    ``INCREASE`` after 增长 增加 提升 提高 上涨 上升 上调 扩大 延长 增幅 涨幅 (optionally with 了,
    幅度, 为, 达), ``DECREASE`` after 下降 降低 减少 下跌 下调 缩小 缩短 降幅 减幅 (traditional
    forms too). A verb followed by 到/至 ("提高到66.2%", "上升至87.2%") gives the new level, so
    it is ``LEVEL``, as is everything else. A verb covers a list: in "分别增长8.9%、7.7%" both
    figures are increases (figures joined by 、和与及).

Not figures in ``find_figures`` (``parse_figure`` accepts the first two on their own): numbers
without unit or multiplier ("前20", "一万"); a lone 一/零/〇 unless a verb or qualifier precedes
it ("一个", "零部件"); parts of codes ("C919", "5G", "PM2.5"); years ("2023年", "二〇三五年");
ordinals ("第12位", "二次会议"); vague 数十/几十; set phrases (千家万户, 百年未有, 亿万人民,
一成不变, 倍增效应); slogans named by a count (四个意识, 八项规定, “两个毫不动摇”: a count
with 个/项/条 inside quotes); numbers split by a line break
("增长3⏎2.1%" in PDF text), which are dropped rather than misread. Line breaks are ignored when
reading the words around a figure, but not inside one.
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Context, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from annotations import sentences


class Comparator(models.TextChoices):
    EXACT = "exact", _("exactly")
    ABOUT = "about", _("about (左右, 约)")
    NEARLY = "nearly", _("nearly (近, 接近)")
    AT_LEAST = "at_least", _("at least (以上, 不低于, 至少)")
    MORE_THAN = "more_than", _("more than (超过, 超, 多)")
    AT_MOST = "at_most", _("at most (以内, 不超过, 以下)")
    LESS_THAN = "less_than", _("less than (不到, 低于, 不足)")
    RANGE = "range", _("range (5%-10%)")


class Change(models.TextChoices):
    LEVEL = "level", _("level")
    INCREASE = "increase", _("increase")
    DECREASE = "decrease", _("decrease")


class FigureError(ValueError):
    """Raised by parse_figure; the message quotes what could not be parsed."""


@dataclass(frozen=True)
class Figure:
    number_text: str
    value: Decimal
    value_high: Decimal | None
    unit: str
    comparator: Comparator
    change: Change


FRACTION_PLACES = Decimal("0.000001")

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5}
_DIGITS.update({"六": 6, "七": 7, "八": 8, "九": 9})
_SMALL = {"十": 10, "百": 100, "千": 1000}
_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}

_UNIT_NAMES = {
    "%": "%",
    "元": "CNY",
    "人民币": "CNY",
    "人民幣": "CNY",
    "美元": "USD",
    "人": "people",
    "吨": "t",
    "噸": "t",
    "斤": "jin",
    "港元": "HKD",
    "港幣": "HKD",
    "欧元": "EUR",
    "歐元": "EUR",
    "日元": "JPY",
    "个百分点": "pp",
    "個百分點": "pp",
    "百分点": "pp",
    "百分點": "pp",
}
# Counters kept as written. The list is closed on purpose: after a number almost any character
# can follow, and only these make it a quantity rather than a date, name or list marker.
_COUNTERS = [
    *("‰", "人次", "名", "位", "户", "戶", "家", "个", "個", "项", "項", "件", "次", "倍", "起"),
    *("台", "臺", "辆", "輛", "部", "所", "座", "只", "隻", "款", "批", "条", "條", "种", "種"),
    *("类", "類", "笔", "筆", "篇", "场", "場", "架", "艘", "颗", "顆"),
    *("亩", "畝", "公顷", "公頃", "平方公里", "平方米", "公里", "千米", "米", "立方米"),
    *("千瓦时", "千瓦時", "千瓦", "公斤", "千克", "克", "PB", "EB", "ZB", "TB", "GB"),
    *("小时", "小時", "个小时", "個小時", "分钟", "分鐘", "天", "年", "周年", "週年"),
    *("个月", "個月", "套", "岁", "歲", "剂次", "劑次", "剂", "劑"),
]
_UNITS = sorted([*_UNIT_NAMES, *_COUNTERS], key=len, reverse=True)
# 年代 is a decade ("70年代") and 家庭 a household, not years or firms.
_NOT_AFTER = {"年": "(?!代)", "家": "(?!庭|族)"}
_UNIT = "|".join(re.escape(u) + _NOT_AFTER.get(u, "") for u in _UNITS)

_SP = r"[ \t]*"
_AR = r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?"
# Units spelt with numeral characters must not be eaten as numbers ("3.7亿千瓦", "两个百分点").
_NOT_UNIT = r"(?!千瓦|千克|千米|百分)"
_CN = rf"(?:{_NOT_UNIT}[{''.join(_DIGITS)}{''.join(_SMALL)}{''.join(_BIG)}])+"
# A Chinese decimal: 零点五, 三点二.
_CN_DEC = rf"{_CN}(?:[点點][{''.join(_DIGITS)}]+)?"
_MULT = rf"(?:{_NOT_UNIT}[百千万萬亿億])+"
_SEP = r"——|[-–—~〜至到]"


def _block(tag: str) -> str:
    # A minus sign only where it cannot be a range's dash (after a digit, letter or %).
    sign = rf"(?P<{tag}_neg>(?<![0-9A-Za-z%.])[-−])?" if tag == "lo" else ""
    return (
        rf"(?P<{tag}>{sign}(?P<{tag}_num>{_AR}|{_CN_DEC})"
        rf"(?:{_SP}(?P<{tag}_a1>[多余餘]))?"
        rf"(?:{_SP}(?P<{tag}_mult>{_MULT}))?"
        rf"(?:{_SP}(?P<{tag}_a2>[多余餘]))?"
        rf"(?:{_SP}(?P<{tag}_mult2>{_MULT}))?"  # 1万多亿元: the 多 between two multipliers
        rf"(?:{_SP}(?P<{tag}_unit>{_UNIT}))?)"
    )


_FIGURE = re.compile(
    r"(?P<double>翻(?P<times>[一两兩二三四]|[0-9]+)番|倍增(?!效))"
    r"|(?P<tenths>[一二两兩三四五六七八九]|[1-9])成(?!本|为|為|功|立|员|員|果|效|就|长|長|绩|績|熟|型|不变|不變)"
    r"|(?P<half>一半)"
    rf"|(?P<pct>百分之|千分之)(?P<pct_num>{_AR}|{_CN_DEC})"
    rf"|(?P<den>{_AR}|{_CN})分之(?P<numer>{_AR}|{_CN})"
    rf"|(?P<fn>[0-9]+)/(?P<fd>[0-9]+)"
    rf"|{_block('lo')}(?:{_SP}(?P<sep>{_SEP}){_SP}{_block('hi')})?"
)

_INCREASE = "增长|增長|增加|提升|提高|上涨|上漲|上升|上调|上調|扩大|擴大|延长|延長|增幅|涨幅|漲幅"
_DECREASE = "下降|降低|减少|減少|下跌|下调|下調|缩小|縮小|缩短|縮短|降幅|减幅|減幅"
_BEFORE = {
    Comparator.ABOUT: "大约|大約|约|約",
    Comparator.NEARLY: "接近|将近|將近|(?<!最)近",
    # 跃上1.4万亿斤新台阶: a new level reached, at least that.
    Comparator.AT_LEAST: "不低于|不低於|不少于|不少於|至少|跃上|躍上|迈上|邁上|站上|登上",
    Comparator.AT_MOST: "不超过|不超過|不高于|不高於|最多|至多",
    Comparator.MORE_THAN: "超过|超過|超|逾|突破|高于|高於|多于|多於",
    Comparator.LESS_THAN: "不到|不足|低于|低於|少于|少於",
}
_AFTER = {"左右": Comparator.ABOUT, "上下": Comparator.ABOUT, "以上": Comparator.AT_LEAST}
_AFTER |= {"以下": Comparator.AT_MOST, "以内": Comparator.AT_MOST, "以內": Comparator.AT_MOST}

_CONTEXT_BEFORE = re.compile(
    rf"(?:(?P<inc>{_INCREASE})|(?P<dec>{_DECREASE}))?"
    r"(?P<tail>到了|到|至|了|幅度为|幅度為|幅度|为|為|达到|達到|达|達)?"
    + "(?:"
    + "|".join(f"(?P<{c.value}>{pattern})" for c, pattern in _BEFORE.items())
    + ")?$"
)
# A change verb, then what changes, then the figure: 再减少农村贫困人口1000万 (not 增加值,
# a noun; nor 提高…到, a new level).
_VERB_AND_OBJECT = re.compile(
    rf"(?:(?P<inc>{_INCREASE})|(?P<dec>{_DECREASE}))(?!值)[^\W0-9到至为為是的在了]{{1,8}}$"
)
# Numerals inside set phrases, not figures.
_IDIOMS = (
    *("千家万户", "千家萬戶", "百年未有", "百年变局", "百年變局", "万里", "萬里", "亿万", "億萬"),
    *("一成不变", "一成不變", "十全十美", "九牛一毛"),
    # Political slogans named by a count, not quantities.
    *("四个意识", "四個意識", "四个自信", "四個自信", "两个维护", "兩個維護", "两个确立"),
    *("兩個確立", "两个毫不动摇", "兩個毫不動搖", "八项规定", "八項規定", "四个全面", "四個全面"),
    *("五位一体", "五位一體", "三个代表", "三個代表", "两个一百年", "兩個一百年", "三严三实"),
    *("三嚴三實", "三去一降一补", "三去一降一補"),
)
# A count of a slogan's parts in quotes (“两个毫不动摇”, ‘六稳’): not a quantity.
_SLOGAN_COUNTERS = ("个", "個", "项", "項", "条", "條", "大")
_QUOTED_SLOGAN = re.compile(r"[^0-9“”‘’「」『』\n]{1,8}[”’」』]")
_WS = re.compile(r"\s+")


def _normalise(text: str) -> str:
    """NFKC per character, so that offsets into the result are offsets into ``text``."""
    out = []
    for ch in text:
        norm = unicodedata.normalize("NFKC", ch)
        # A full-width comma is clause punctuation, never a thousands separator.
        out.append(norm if len(norm) == 1 and ch != "，" else ch)
    return "".join(out)


def _cn_int(s: str) -> int:
    if not any(ch in _SMALL or ch in _BIG for ch in s):
        return int("".join(str(_DIGITS[ch]) for ch in s))  # positional: 二〇二四
    total = section = digit = 0
    for ch in s:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _SMALL:
            section += (digit or 1) * _SMALL[ch]
            digit = 0
        elif ch in "万萬":
            section = ((section + digit) or 1) * _BIG[ch]
            digit = 0
        else:  # 亿 closes everything before it: 一亿二千万 = 1e8 + 2000e4
            total = ((total + section + digit) or 1) * _BIG[ch]
            section = digit = 0
    return total + section + digit


def _number(s: str) -> Decimal:
    if s[0].isdigit():
        return Decimal(s.replace(",", ""))
    whole, point, fraction = s.replace("點", "点").partition("点")
    if point:  # 零点五: the digits after 点 are read one by one
        return Decimal(f"{_cn_int(whole)}.{''.join(str(_DIGITS[ch]) for ch in fraction)}")
    return Decimal(_cn_int(s))


def _neighbour_digits(s: str) -> tuple[int, int, int] | None:
    """五六 (five or six), 七八万 (70 or 80 thousand): two numerals one apart said together,
    a rough range. Returns (low, high, multiplier)."""
    core = s.rstrip("百千万萬亿億")
    if len(core) != 2 or core[0] not in _DIGITS or core[1] not in _DIGITS:
        return None
    low, high = _DIGITS[core[0]], _DIGITS[core[1]]
    fits = low >= 1 and high == low + 1
    return (low, high, _scale(s[len(core) :])) if fits else None


def _scale(mult: str | None) -> int:
    factor = 1
    for ch in mult or "":
        factor *= _SMALL.get(ch) or _BIG[ch]
    return factor


# The longest run of numerals a figure is read from (3000万至5000万吨 is 11). A longer one
# ("一" 4,400 times, "亿" 130,000 times) is no figure a claim could store (at most 22
# digits), and reading it cost time growing with the square of its length.
FIGURE_CHARS = 64
# Room for any figure of FIGURE_CHARS characters (亿 64 times is 10^512): quantize()
# refuses (InvalidOperation) a result of more digits than the context's precision, 28 by
# default ("10000000000000000000000000000元"). A figure too large to store is refused by
# name where it is written, not here.
WIDE = Context(prec=1000)
# 翻十番 is 1,024 times; more doublings than this is no figure either.
MOST_DOUBLINGS = 30


def _tidy(value: Decimal) -> Decimal:
    # normalize() alone would print 2.2万亿 as 2.2E+12; equality is unaffected either way.
    value = value.normalize()
    exponent = value.as_tuple().exponent  # a letter only for NaN and infinities
    return value.quantize(1, context=WIDE) if isinstance(exponent, int) and exponent > 0 else value


def _unit(written: str | None) -> str:
    return _UNIT_NAMES.get(written or "", written or "")


def canonical_unit(unit: str) -> str:
    """A unit as the parser names it: "％" is "%", "元" is "CNY", "个百分点" is "pp".

    Spellings of one unit are one unit, so a figure and its metric agree however the
    unit was typed. A multiplier is never part of a unit: values are stored in base
    units (the parser reads 2.2万亿元 as 2200000000000 CNY), so "亿元" stays "亿元" and
    disagrees with a metric counted in CNY.
    """
    return _unit(_normalise(unit.strip()))


def _is_year(m: re.Match[str], tag: str, unit: str) -> bool:
    """2023年, and 二〇三五年 (four numerals read one by one)."""
    number = m[f"{tag}_num"]
    positional = len(number) == 4 and all(ch in _DIGITS for ch in number)
    return unit == "年" and (re.fullmatch(r"[0-9]{4}", number) is not None or positional)


# Where a figure ends, its value, upper value, unit and the comparator it spells itself.
Reading = tuple[int, Decimal, Decimal | None, str, Comparator | None]


def _read(m: re.Match[str]) -> Reading | None:
    """Return (end, value, value_high, unit, built-in comparator), or None if not a figure."""
    if m["double"]:  # 翻一番 doubles, 翻两番 quadruples, 倍增 doubles
        times = _number(m["times"]) if m["times"] else Decimal(1)
        if times > MOST_DOUBLINGS:
            return None
        return m.end(), Decimal(2) ** int(times), None, "倍", None
    if m["tenths"]:  # 九成 is nine tenths
        return m.end(), _number(m["tenths"]) * 10, None, "%", None
    if m["half"]:
        return m.end(), Decimal(50), None, "%", None
    if m["pct"]:
        return m.end(), _number(m["pct_num"]), None, "%" if m["pct"][0] == "百" else "‰", None
    if m["den"] or m["fd"]:
        den, numer = (m["den"], m["numer"]) if m["den"] else (m["fd"], m["fn"])
        if _number(den) == 0:
            return None
        value = (_number(numer) / _number(den)).quantize(FRACTION_PLACES, context=WIDE)
        return m.end(), value, None, "", None

    lo_unit = _unit(m["lo_unit"])
    scale = _scale(m["lo_mult"]) * _scale(m["lo_mult2"])
    lo = _number(m["lo_num"]) * scale * (-1 if m["lo_neg"] else 1)
    if m["sep"]:
        hi_unit = _unit(m["hi_unit"])
        hi = _number(m["hi_num"]) * _scale(m["hi_mult"])
        if not (m["lo_mult"] or m["lo_unit"] or re.search("[万萬亿億]", m["lo_num"])):
            lo *= _scale(m["hi_mult"])
        unit = hi_unit or lo_unit
        same_unit = not (lo_unit and hi_unit) or lo_unit == hi_unit
        if same_unit and lo < hi and not (_is_year(m, "lo", unit) or _is_year(m, "hi", unit)):
            return m.end(), lo, hi, unit, Comparator.RANGE
    if _is_year(m, "lo", lo_unit):
        return None
    neighbours = _neighbour_digits(m["lo_num"])
    if neighbours and (m["lo_mult"] or m["lo_unit"] or neighbours[2] > 1):
        low, high = (Decimal(n) * neighbours[2] * scale for n in neighbours[:2])
        return m.end("lo"), low, high, lo_unit, Comparator.RANGE
    approx = Comparator.MORE_THAN if m["lo_a1"] or m["lo_a2"] else None
    return m.end("lo"), lo, None, lo_unit, approx


def _context(norm: str, start: int, end: int, unit: str) -> tuple[Change, Comparator | None, bool]:
    """Return (change, qualifier, whether a verb or qualifier precedes) for norm[start:end].

    Words are read within the figure's sentence only (annotations.sentences: its
    punctuation, never a line break): "…增长。5%的企业" has no verb.
    """
    # PDF text breaks lines anywhere ("增\n長52.2%"), so whitespace is ignored here.
    before = sentences.SENTENCE_FINAL.split(_WS.sub("", norm[max(0, start - 12) : start]))[-1]
    after = sentences.SENTENCE_FINAL.split(_WS.sub("", norm[end : end + 8]))[0]
    ctx = _CONTEXT_BEFORE.search(before)
    assert ctx is not None  # every part of the pattern is optional: it matches any text
    change = Change.LEVEL
    if ctx["tail"] not in ("到", "至", "到了"):  # 提高到66.2% states the new level
        change = Change.INCREASE if ctx["inc"] else Change.DECREASE if ctx["dec"] else change
    if not (ctx["inc"] or ctx["dec"]) and (verb := _VERB_AND_OBJECT.search(before)):
        change = Change.INCREASE if verb["inc"] else Change.DECREASE  # 减少贫困人口1000万
    qualifier = next((_AFTER[w] for w in _AFTER if after.startswith(w)), None)
    if after.startswith("上下") and after[2:3] in ("游", "级", "級"):
        qualifier = None  # 5家上下游企业: upstream and downstream, not "about"
    before_q = next((c for c in _BEFORE if ctx[c.value]), None)
    if before_q == Comparator.NEARLY and ctx["nearly"] == "近" and unit == "年":
        before_q = None  # 近两年 is "the past two years"
    if before.endswith("上") and norm[start] in "百千万萬亿億":
        before_q = Comparator.AT_LEAST  # 上百家, 上萬億美元: "upwards of"
    verb_or_qualifier = bool(ctx["inc"] or ctx["dec"] or before_q)
    return change, qualifier or before_q, verb_or_qualifier


def _not_a_figure(norm: str, start: int, end: int) -> bool:
    """True for numbers that only look like figures: C919, 5G, PM2.5, 第12, 3\n2.1%, 数十..."""
    # Bounded windows keep the scan linear; whitespace in them is PDF layout.
    before = _WS.sub("", norm[max(0, start - 16) : start])[-1:]
    after = _WS.sub("", norm[end : end + 16])
    prev, nxt = norm[start - 1 : start], norm[end : end + 1]
    chinese = not norm[start].isdigit()
    return bool(
        re.match(r"[0-9A-Za-z./]", prev)
        or re.match(r"[0-9.第]", before)
        or (chinese and before in ("数", "數", "几", "幾"))  # 数十个: vague, not ten
        or (chinese and after.startswith(("会议", "會議")))  # 二次会议 is a session's ordinal
        or (re.match(r"[0-9A-Za-z]", norm[end - 1]) and re.match(r"[0-9A-Za-z/]", nxt))
        or (norm[end - 1].isdigit() and after[:1].isdigit())
        or (
            prev in "“‘「『"
            and norm[end - 1] in _SLOGAN_COUNTERS
            and _QUOTED_SLOGAN.match(norm, end) is not None
        )
        or any(
            i <= start < i + len(idiom)
            for idiom in _IDIOMS
            if (i := norm.find(idiom, max(0, start - len(idiom)), start + len(idiom))) != -1
        )
    )


def _scan(text: str, bare: bool) -> list[tuple[int, int, Figure]]:
    """Figures in text; with bare=True also numbers with no unit or multiplier."""
    norm = _normalise(text)
    found: list[tuple[int, int, Figure]] = []
    pos = 0
    while m := _FIGURE.search(norm, pos):
        start = m.start()
        if m.end() - start > FIGURE_CHARS:
            pos = m.end()
            continue
        read = _read(m)
        pos = read[0] if read else m.end("lo") if m["lo"] else m.end()
        if read is None or _not_a_figure(norm, start, read[0]):
            continue
        end, value, value_high, unit, built_in = read
        change, qualifier, verb_or_qualifier = _context(norm, start, end, unit)
        # 分别增长8.9%、7.7%: the verb covers every figure in the list.
        if found and _WS.sub("", norm[found[-1][1] : start]) in ("、", "和", "与", "與", "及"):
            change = change if change != Change.LEVEL else found[-1][2].change
        # A bare number ("前20", "二是") is rarely a figure, and a lone 一 is usually the
        # article "a" ("一个", "一批") unless a verb or qualifier says otherwise.
        is_range = built_in == Comparator.RANGE
        measured = unit or m["pct"] or m["den"] or m["fd"] or m["lo_mult"]
        measured = measured or (is_range and m["hi_mult"])
        lone = not is_range and m["lo_num"] in ("一", "零", "〇") and not m["lo_mult"]
        if not bare and (not measured or (lone and not verb_or_qualifier)):
            continue
        if not is_range:
            built_in = qualifier or built_in
        figure = Figure(
            number_text=text[start:end],
            value=_tidy(value),
            value_high=None if value_high is None else _tidy(value_high),
            unit=unit,
            comparator=built_in or Comparator.EXACT,
            change=change,
        )
        found.append((start, end, figure))
    return found


def find_figures(text: str) -> list[tuple[int, int, Figure]]:
    """All figures in ``text`` as (start, end, Figure); see the module docstring for the rules."""
    return _scan(text, bare=False)


def parse_figure(text: str) -> Figure:
    """Parse the one figure in a short span, reading qualifiers and change verbs around it."""
    if not text.strip():
        raise FigureError("cannot parse a figure from empty text")
    found = _scan(text, bare=False) or _scan(text, bare=True)
    if not found:
        raise FigureError(f"no figure found in {text!r}")
    if len(found) > 1:
        figures = ", ".join(repr(f.number_text) for _, _, f in found)
        raise FigureError(f"expected one figure in {text!r}, found {len(found)}: {figures}")
    start, end, figure = found[0]
    stray = re.search(r"[0-9]+", _normalise(text[:start] + " " + text[end:]))
    if stray:
        raise FigureError(
            f"unexpected number {stray[0]!r} outside the figure {figure.number_text!r} in {text!r}"
        )
    return figure
