"""annotations.sentences: the same sentences whatever the line layout."""

import re

import pytest

from annotations.sentences import split
from tests.conftest import TEXTS

ONE_LINE = (
    "今年发展主要预期目标是：国内生产总值增长6.5％左右；居民消费价格涨幅3％左右；"
    "城镇新增就业1100万人以上，城镇调查失业率5.5％以内。上述主要预期目标，考虑了实际。"
)
# The 2018 report's layout: one clause of the list per line.
ONE_CLAUSE_PER_LINE = (
    "今年发展主要预期目标是：\n国内生产总值增长6.5％左右；\n居民消费价格涨幅3％左右；\n"
    "城镇新增就业1100万人以上，城镇调查失业率5.5％以内。\n上述主要预期目标，考虑了实际。"
)
# PDF extraction: hard breaks wherever the printed line ended, and a page break.
PDF_BREAKS = (
    "今年发展主要预期目标是：国内生产总\n值增长6.5％左右；居民消费价格涨\n幅3％左右；"
    "城镇新增就业1100万人以上，城\n\n镇调查失业率5.5％以内。上述主要预期目标，考\n虑了实际。"
)


def sentences_of(text: str) -> list[str]:
    """The sentences with the layout's whitespace taken out, to compare layouts."""
    return [re.sub(r"\s", "", text[start:end]) for start, end in split(text).spans]


@pytest.mark.parametrize("text", [ONE_CLAUSE_PER_LINE, PDF_BREAKS])
def test_every_layout_gives_the_sentences_of_the_text_on_one_line(text):
    assert sentences_of(text) == sentences_of(ONE_LINE)
    assert len(sentences_of(ONE_LINE)) == 2


def test_a_list_after_a_colon_and_semicolons_stays_in_its_lead_ins_sentence():
    first = sentences_of(ONE_CLAUSE_PER_LINE)[0]
    assert first.startswith("今年发展主要预期目标是：")
    assert first.endswith("5.5％以内。")


@pytest.mark.parametrize(
    "heading",
    [
        "一、2018年工作回顾",
        "（二）加快建设现代化产业体系",
        "3. 主要目标",
        "第四章 展望",
        "政府工作报告",
    ],
)
def test_a_heading_is_a_sentence_of_its_own_and_never_joins_the_next_line(heading):
    text = f"上一段结束了。\n{heading}\n过去一年是开局之年，任务很重。"
    title = re.sub(r"\s", "", heading)
    assert sentences_of(text) == ["上一段结束了。", title, "过去一年是开局之年，任务很重。"]


def test_a_dateline_is_a_sentence_of_its_own():
    text = (
        "政府工作报告\n——2019年3月5日在第十三届全国人民代表大会第二次会议上\n"
        "各位代表：\n现在，我代表国务院报告。"
    )
    assert sentences_of(text) == [
        "政府工作报告",
        "——2019年3月5日在第十三届全国人民代表大会第二次会议上",
        "各位代表：现在，我代表国务院报告。",
    ]


def test_a_long_line_without_final_punctuation_continues_on_the_next():
    line = "新质生产力代表着生产力跃迁的方向对推动现代化产业体系建设具有叠加聚合效应"
    assert sentences_of(f"开始。\n{line}\n和作用。") == ["开始。", f"{line}和作用。"]


def test_closing_quotes_and_brackets_stay_with_their_sentence():
    assert sentences_of("他说：“要继续努力。”然后离开了！（完）") == [
        "他说：“要继续努力。”",
        "然后离开了！",
        "（完）",
    ]


def test_spans_are_trimmed_offsets_into_the_text():
    text = "  第一句。\n\n 第二句！  "
    spans = split(text).spans
    assert [text[start:end] for start, end in spans] == ["第一句。", "第二句！"]


def test_around_finds_the_sentence_holding_an_offset():
    text = "第一句。第二句，很长。第三句。"
    found = split(text)
    assert text[slice(*found.around(text.index("很长")))] == "第二句，很长。"
    assert found.around(0) == found.spans[0]
    assert found.around(len(text)) == found.spans[-1]


@pytest.mark.parametrize("name", ["gwr_2018.txt", "gwr_2019.txt", "gwr_2020.txt"])
def test_the_development_reports_main_targets_are_one_sentence_with_their_lead_in(name):
    text = (TEXTS / name).read_text(encoding="utf-8")
    holding = [
        text[start:end]
        for start, end in split(text).spans
        if "城镇调查失业率" in text[start:end] and "城镇登记失业率" in text[start:end]
    ]
    assert len(holding) == 1
    assert "目标" in holding[0].split("城镇")[0]  # the lead-in is in the same sentence
