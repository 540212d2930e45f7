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
