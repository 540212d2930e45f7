"""Canonicalisation, checked on the seeds' real line breaks."""

import unicodedata

import pytest

from annotations.canonical import canonicalise, looks_like_pdf_extraction, soft_break
from tests.conftest import SEED_000, SEED_001, SEED_003, SEED_004, SOE_TARGET, TEXTS


def read(path):
    return path.read_text(encoding="utf-8")


def test_it_joins_a_sentence_broken_across_printed_lines():
    text = canonicalise(read(SEED_000)).text
    # In the file: "…加快发展新\n质生产力…"
    assert "加快发展新\n质生产力" in read(SEED_000)
    assert "如何理解其内涵、把握其本质，加快发展新质生产力，已成为" in text


def test_it_keeps_paragraph_breaks_and_headings():
    text = canonicalise(read(SEED_000)).text
    assert "\n\n担重任 国资央企发挥主力军作用\n\n" in text
    assert "本报两会报道组 杜雨萌\n\n" in text


def test_it_keeps_a_break_after_a_sentence_end():
    raw = (
        "第一句话很长很长很长很长很长很长很长很长。\n第二句话很长很长很长很长很长很长很长很长。\n"
        * 12
    )
    assert canonicalise(raw, pdf=True).text == raw


def test_it_joins_cjk_with_a_latin_word_across_the_break():
    text = canonicalise(read(SEED_000)).text
    assert "以AIGC（人工智能生成内容）为代表的数字技术快速发展" in text


def test_the_soe_target_reads_as_one_line():
    assert SOE_TARGET not in read(SEED_000)
    assert SOE_TARGET in canonicalise(read(SEED_000)).text


def test_double_spaced_extraction_uses_the_blank_line_as_the_soft_break():
    raw = read(SEED_004)
    assert soft_break(raw) == "\n\n"
    text = canonicalise(raw).text
    assert "必须继续做好创新这篇大文章" in text
    # Headings are short lines: their break stays.
    assert "\n\n一、新质生产力的内涵特征\n\n(一)新质生产力的内涵\n\n从本源看" in text


def test_a_newspaper_page_with_mixed_column_widths_is_reflowed():
    text = canonicalise(read(SEED_001)).text
    assert (
        "看大江南北，电动汽车、锂电池、光伏产品“新三样”去年出口突破万亿元，比上年增长 29.9%。"
        in text
    )


@pytest.mark.parametrize(
    "name", ["002_2f0711a77d4e9a2b.txt", "003_ac414d045fd1c466.txt", "gwr_2024.txt", "gwr_2025.txt"]
)
def test_web_text_with_a_line_per_paragraph_is_left_alone(name):
    raw = read(TEXTS / name)
    assert not looks_like_pdf_extraction(raw)
    assert canonicalise(raw).text == raw


def test_traditional_text_is_kept_in_its_script():
    raw = read(SEED_003)
    assert canonicalise(raw).text == raw
    assert "資料" in raw


def test_only_line_breaks_inside_sentences_are_removed():
    """Nothing but the documented steps: dropping newlines from both gives the same string."""
    for path in sorted(TEXTS.glob("*.txt")):
        raw = read(path)
        text = canonicalise(raw).text
        assert text.replace("\n", "") == unicodedata.normalize("NFC", raw).replace("\n", "")


def test_it_normalises_to_nfc_and_unix_line_ends():
    decomposed = "Cafe\u0301\r\n第二行\r第三行"
    assert canonicalise(decomposed, pdf=False).text == "Café\n第二行\n第三行"


def test_astral_characters_survive_untouched():
    raw = "𠮷野家的𠀀字很长很长很长很长很长很长很长很\n长😀很长很长很长很长很长很长很长。\n" * 12
    text = canonicalise(raw, pdf=True).text
    assert "很\n长" not in text
    assert text.count("𠮷") == 12
    assert text.count("😀") == 12


@pytest.mark.parametrize("name", ["gwr_2018.txt", "gwr_2019.txt", "gwr_2020.txt"])
def test_a_report_laid_out_one_sentence_or_clause_per_line_is_not_pdf_extraction(name):
    raw = read(TEXTS / name)
    assert not looks_like_pdf_extraction(raw)
    assert canonicalise(raw).text == raw


def test_the_typical_line_width_is_the_median_of_every_line_measured():
    """looks_like_pdf_extraction measures only the lines whose length leaves their width
    open; it must decide as the median of every line's display width does."""
    import random

    from annotations.canonical import PDF_MAX_TYPICAL_WIDTH, display_width

    def median_width(text: str) -> int:
        widths = sorted(display_width(line.strip()) for line in text.split("\n") if line.strip())
        return widths[len(widths) // 2]

    rng = random.Random(5)
    # CJK is two columns, Latin and digits one, “ and … set wide; no line ends with a
    # punctuation mark that would make it a sentence per line.
    pieces = ["中", "国", "a", "7", "“", "…"]
    decided = set()
    for _ in range(300):
        width = rng.randint(PDF_MAX_TYPICAL_WIDTH - 10, PDF_MAX_TYPICAL_WIDTH + 10)
        lines = []
        for _ in range(rng.randint(20, 31)):
            line = ""
            while display_width(line) < width + rng.randint(-12, 12):
                line += rng.choice(pieces)
            lines.append(line)
        text = "\n".join(lines)
        expected = median_width(text) <= PDF_MAX_TYPICAL_WIDTH  # no line ends a sentence
        assert looks_like_pdf_extraction(text) == expected
        decided.add(expected)
    assert decided == {True, False}
    # At the limit: 40 CJK characters are 80 columns, 41 are 82.
    assert looks_like_pdf_extraction("\n".join(["中国" * 20] * 25))
    assert not looks_like_pdf_extraction("\n".join(["中国" * 20 + "中"] * 25))


def test_numbered_section_titles_are_never_glued_to_the_next_paragraph():
    text = canonicalise(read(SEED_004)).text
    for title in [
        "(二)新质生产力的关键特征",
        "(一)新技术持续涌现和群体性突破带来新赛道",
        "(三)较为顺畅的“科技—产业—金融”循环",
        "(五)拥有良好产业基础和一批高素质劳动者",
        "(六)企业活力和企业家才能充分发挥作用",
        "三、推进新质生产力形成的思路与建议",
        "(一)推动前沿技术和颠覆性技术加速涌现",
    ]:
        assert f"\n{title}\n" in text, title


def test_a_page_or_column_break_inside_a_sentence_is_joined():
    text = canonicalise(read(SEED_000)).text
    # In the file the sentence runs over a blank line: "…成为名副其实的\n\n“主力军”。"
    assert "成为名副其实的\n\n“主力军”" in read(SEED_000)
    assert "成为名副其实的“主力军”。" in text


def test_a_sub_heading_ending_in_a_dash_and_a_page_header_stay_on_their_own():
    text = canonicalise(read(SEED_001)).text
    assert "培育壮大新兴产业——\n" in text
    assert "专 题2024年 3月 9日\n" in text


# A printed line of 20 characters then one of 25: the first is exactly 80% as wide as
# the second, where a width threshold would tip over with one character more.
RAGGED = ("长" * 18 + "接着\n" + "下一行" + "继" * 21 + "了。\n") * 12


def test_one_character_added_to_a_line_never_changes_the_decision_on_another_line():
    reference = canonicalise(RAGGED, pdf=True).text
    assert reference.count("接着下一行") == 12  # every break inside a sentence joined
    assert reference.count("了。\n") == 12  # every break after a sentence kept
    lines = RAGGED.split("\n")
    for i, line in enumerate(lines):
        if not line:
            continue
        # One more character in the middle of line i: its ends, and so every break
        # decision, are as before; only the line's width changed.
        changed = "\n".join([*lines[:i], line[:3] + "鑫" + line[3:], *lines[i + 1 :]])
        assert canonicalise(changed, pdf=True).text.replace("鑫", "", 1) == reference
