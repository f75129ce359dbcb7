"""coopscore.format: every number, percentage, score, date and plural a person reads."""

import datetime as dt
import math
import re

import pytest
from hypothesis import given, strategies as st

from coopscore import format as fmt
from coopscore import i18n

from .conftest import ROOT


@pytest.mark.parametrize(("value", "digits", "french", "english"), [
    (2.5, 1, "2,5", "2.5"),
    (2.0, 1, "2", "2"),
    (13007, 0, "13\u202f007", "13,007"),
    (-9.5, 0, "\u221210", "\u221210"),
    (9.5, 0, "10", "10"),
    (0.25, 1, "0,3", "0.3"),
    (-0.4, 0, "0", "0"),
    (None, 0, "—", "—"),
    (math.nan, 1, "—", "—"),
])
def test_number_golden(value, digits, french, english):
    assert fmt.number(value, digits, language="fr") == french
    assert fmt.number(value, digits, language="en") == english


def test_signed_numbers_show_plus_and_true_minus():
    assert fmt.number(3, sign=True, language="fr") == "+3"
    assert fmt.number(-2.6, sign=True, language="fr") == "\u22123"
    assert fmt.number(0.2, sign=True, language="fr") == "0"


def test_percent_and_score():
    assert fmt.percent(0.57, language="fr") == "57\u202f%"
    assert fmt.percent(0.57, language="en") == "57%"
    assert fmt.percent(None, language="fr") == "—"
    assert fmt.score(56.5, language="fr") == "57 / 100"
    assert fmt.score(float("nan")) == "—"


def test_dates_in_both_languages():
    assert fmt.date("2026-03-01", language="fr") == "01/03/2026"
    assert fmt.date(dt.date(2026, 3, 1), language="en") == "1 March 2026"
    assert fmt.date("2026-03-01T10:00:00", language="fr") == "01/03/2026"
    assert fmt.date("pas une date", language="fr") == "pas une date"
    assert fmt.date(None) == "—"
    # a column of dates where some project has none (pandas gives NaN or NaT)
    import pandas as pd

    assert [fmt.date(v) for v in (float("nan"), pd.NaT, pd.NA)] == ["—", "—", "—"]


@pytest.fixture
def two_languages(tmp_path, monkeypatch):
    """A complete French and English catalogue of a few keys."""
    for language, texts in {"fr": ("{n} réponse", "{n} réponses", "{day} {month} {year}", "mars"),
                            "en": ("{n} answer", "{n} answers", "{day} {month} {year}", "March")
                            }.items():
        folder = tmp_path / language
        folder.mkdir()
        (folder / "x.yaml").write_text(f"answers_one: '{texts[0]}'\nanswers_other: '{texts[1]}'\n")
        (folder / "format.yaml").write_text(f"date_long: '{texts[2]}'\nmonth_3: '{texts[3]}'\n")
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    i18n.catalogue.cache_clear()
    i18n.languages.cache_clear()
    yield
    i18n.catalogue.cache_clear()
    i18n.languages.cache_clear()


def test_plural_follows_each_language(two_languages):
    assert fmt.plural(0, "x.answers", language="fr") == "0 réponse"
    assert fmt.plural(0, "x.answers", language="en") == "0 answers"
    assert fmt.plural(1, "x.answers", language="en") == "1 answer"
    assert fmt.plural(1200, "x.answers", language="fr") == "1\u202f200 réponses"


def test_a_partial_catalogue_is_not_offered(two_languages):
    assert i18n.languages() == ("fr", "en")
    (i18n.LOCALES_DIR / "fr" / "more.yaml").write_text("new_key: nouveau\n")
    i18n.catalogue.cache_clear()
    i18n.languages.cache_clear()
    assert i18n.missing_keys("en") == ["more.new_key"]
    assert i18n.languages() == ("fr",)


def test_the_session_language_overrides_the_process_default(two_languages, monkeypatch):
    monkeypatch.setenv("COOPSCORE_LANG", "fr")
    try:
        assert i18n.use_language("en") == "en"
        assert fmt.number(2.5, 1) == "2.5"
        assert i18n.use_language("xx") == "fr"  # unknown: back to the default
        assert fmt.number(2.5, 1) == "2,5"
    finally:
        i18n.use_language(None)


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_the_written_number_reads_back_as_the_rounded_value(value):
    text = fmt.number(value, 1, trim=False, language="fr")
    parsed = float(text.replace("\u202f", "").replace(",", ".").replace("\u2212", "-"))
    assert parsed == pytest.approx(fmt.rounded(value, 1), abs=1e-9)
    assert abs(parsed - value) <= 0.05 + 1e-9


@given(st.floats(min_value=-1000, max_value=1000, allow_nan=False))
def test_rounding_is_symmetric(value):
    assert fmt.rounded(-value) == -fmt.rounded(value) or fmt.rounded(value) == 0


def test_a_timestamp_reads_as_date_then_hour():
    from coopscore import format as fmt

    assert fmt.timestamp("2026-12-02T05:13:41.048+00:00", "fr") == "02/12/2026 05:13"
    assert fmt.timestamp("2026-12-02", "fr") == "02/12/2026"
    assert fmt.timestamp(None, "fr") == fmt.MISSING


def test_minus_may_be_ascii_for_streamlit_metric_deltas():
    assert fmt.number(-3, sign=True, minus="-", language="fr") == "-3"
    assert fmt.number(3, sign=True, minus="-", language="fr") == "+3"


def test_plotly_separators_and_table_date_pattern_follow_the_language():
    assert fmt.plotly_separators("fr") == ",\u202f"
    assert fmt.plotly_separators("en") == ".,"
    assert fmt.date_pattern("fr") == "DD/MM/YYYY"
    assert fmt.date_pattern("en") != "DD/MM/YYYY"
    assert fmt.megabytes(int(2.5 * 2**20), language="fr") == "2,5"


# --- nobody else writes numbers: the one place is coopscore/format.py --------------------------

# A number or date written by hand: an f-string/format spec with decimals, a thousands mark or a
# percent (« {x:.0f} », « {n:,} », « {v:g} », « {s:+.1f} »), a decimal comma pasted in, a strftime.
# Plotly's own templates (« %{r:.0f} ») are left alone: the figure's `separators` localise them.
HAND_FORMATTING = re.compile(
    r"(?<![%$])\{[^{}\n]*:[<>^=]?[+\- ]?#?0?\d*[,_]?(\.\d+)?[fFgGeE%]\}"
    r"|(?<![%$])\{[^{}\n]*:[+\- ]?\d*,\}"
    r"|\.replace\(\s*['\"]\.['\"]\s*,\s*['\"],['\"]\s*\)"
    r"|\.strftime\("
    r"|format\s*=\s*[\"'](%|percent|localized|plain|compact|accounting|dollar|euro"
    r"|DD/|MM/|YYYY)")
WRITTEN_FOR_PEOPLE = [ROOT / "app.py", ROOT / "ui.py", ROOT / "questionnaire.py",
                      *sorted((ROOT / "views").glob("*.py")),
                      *(p for p in sorted((ROOT / "coopscore").glob("*.py")) if p.name != "format.py"),
                      *sorted((ROOT / "data" / "locales").glob("*/*.yaml"))]


# Sections that write SVG geometry (x="12.5", points="…"): coordinates are read by a renderer,
# not by a person; there only a number written as an element's text (« >{v:.0f}< ») counts.
GEOMETRY_FROM = {"charts.py": "# --- static SVG for printed documents"}


def _hand_formatting(text: str, name: str = "") -> list[str]:
    geometry = text.find(GEOMETRY_FROM[name]) if name in GEOMETRY_FROM else -1
    return [f"line {text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
            for m in HAND_FORMATTING.finditer(text)
            if geometry < 0 or m.start() < geometry or text[m.start() - 1:m.start()] == ">"]


@pytest.mark.parametrize("sample", ['f"{value:.0f} %"', 'f"{n:,}"', 'f"{x:+.0f}"', 'f"{m:g}"',
                                    'text.replace(".", ",")', 'day.strftime("%d/%m/%Y")',
                                    '"{value:.1f} s"', 'NumberColumn("n", format="%.0f %%")',
                                    'ProgressColumn("p", format="percent")',
                                    'st.date_input("Le", format="DD/MM/YYYY")'])
def test_the_hand_formatting_check_sees_hand_written_numbers(sample):
    assert _hand_formatting(sample)


@pytest.mark.parametrize("sample", ['"%{r:.0f} / 100"', 'f"{name}: {count}"', '"{id:<6}"',
                                    'f"PRAGMA user_version = {number:d}"'])
def test_the_hand_formatting_check_leaves_plotly_templates_and_alignment_alone(sample):
    assert not _hand_formatting(sample)


def test_svg_geometry_is_not_reading_but_a_number_written_as_svg_text_is():
    section = GEOMETRY_FROM["charts.py"]
    code = f'{section}\nparts.append(f\'<text x="{{x:.1f}}">{{value:.0f}}</text>\')'
    assert _hand_formatting(code, "charts.py") == ["line 2: {value:.0f}"]


@pytest.mark.parametrize("path", WRITTEN_FOR_PEOPLE, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_library_module_or_catalogue_formats_numbers_by_hand(path):
    found = _hand_formatting(path.read_text(encoding="utf-8"), path.name)
    assert found == [], f"{path.relative_to(ROOT)} formats by hand (use coopscore.format): {found}"


def test_a_typed_date_reads_day_first_in_french_and_unambiguously_in_english():
    assert fmt.date_input_pattern(language="fr") == "DD/MM/YYYY"
    assert fmt.date_input_pattern(language="en") == "YYYY-MM-DD"


def test_every_page_table_goes_through_ui_dataframe_which_rounds_what_screen_readers_read():
    pages = [ROOT / "app.py", ROOT / "questionnaire.py", *sorted((ROOT / "views").glob("*.py"))]
    direct = [path.name for path in pages if "st.dataframe(" in path.read_text(encoding="utf-8")]
    assert direct == [], f"use ui.dataframe: {direct}"
