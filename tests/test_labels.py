"""Stage labels for chart axes: the number, the first words, never longer than asked."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopscore import labels
from coopscore.labels import SHORT_WIDTH, band_ranges, shorten, stage_label, stage_labels


def test_short_labels_keep_the_number_and_first_words(cooperation):
    labels = stage_labels(cooperation)
    assert labels["S01"] == "1. Identifier un besoin…"
    assert labels["S07"] == "7. Rechercher…"  # not « 7. Rechercher des… »
    assert list(labels) == [s.id for s in cooperation.sections]


def test_full_labels_are_number_and_title(cooperation):
    section = cooperation.section("S07")
    assert stage_label(section, width=None) == f"7. {section.title}"


def test_a_short_title_is_left_whole(dialogue):
    assert stage_labels(dialogue)["A3"] == "3. Agir auprès des élus"


def test_a_single_long_word_is_cut_inside():
    assert shorten("Anticonstitutionnellement", 10) == "Anticonst…"


@given(st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")),
               max_size=120), st.integers(min_value=2, max_value=60))
def test_shortened_text_never_exceeds_the_width(text, width):
    short = shorten(text, width)
    assert len(short) <= width
    if len(" ".join(text.split())) <= width:
        assert short == " ".join(text.split())
    else:
        assert short.endswith("…")


def test_default_width_fits_the_cooperation_grid(cooperation):
    assert all(len(label) <= SHORT_WIDTH for label in stage_labels(cooperation).values())


def test_band_ranges_run_from_each_minimum_to_the_next():
    from coopscore.scale import load_scale

    assert band_ranges(load_scale().bands) == [("Point d'appui", 75, 100), ("À consolider", 50, 75),
                                               ("Point de fragilité", 0, 50)]


@pytest.mark.parametrize(("text", "width", "lines"), [
    ("", 10, 1),
    ("court", 10, 1),
    ("un deux trois quatre", 9, 3),      # « un deux » · « trois » · « quatre »
    ("un deux trois", 13, 1),            # exactly one line
    ("abcdefghij", 4, 3),                # a word longer than a line: cut by the table
    ("a abcdefghij b", 4, 4),            # « a » · « abcd » · « efgh » · « ij b »
])
def test_wrapped_lines_counts_the_lines_of_a_text_wrapped_between_words(text, width, lines):
    assert labels.wrapped_lines(text, width) == lines


def test_a_table_row_is_as_tall_as_its_longest_text_and_wraps_only_when_it_must():
    assert labels.table_row_height([(["Projet court"], 280)]) == labels.TABLE_ROW_PX
    # 280 px hold 40 characters a line: 100 characters of ten-letter words take 3 lines
    name = " ".join(["abcdefghi"] * 10)
    assert labels.wrapped_lines(name, 40) == 3
    height = labels.table_row_height([(["court"], 280), ([name], 280)])
    assert height == labels.LINE_PX * 3 + 12 > labels.WRAPPING_ROW_PX
    assert labels.table_row_height([(["deux mots"], 35)]) == labels.WRAPPING_ROW_PX
