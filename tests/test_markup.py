"""User text shown as typed: markdown and plotly escaping."""

from __future__ import annotations

import re

import pytest

from coopscore import charts
from coopscore.markup import escape_markdown, escape_plotly
from coopscore.portfolio import unique_labels, wrapped_text

HOSTILE = [
    "**gras** et _italique_",
    "[lien](https://exemple.org)",
    "$x^2$ et $$y$$",
    ":red[alerte] :material/home:",
    "<b>gras</b> <script>alert(1)</script>",
    "# titre",
    "- puce",
    "1. liste",
    "`code`",
    "> citation",
    "a | b",
    "~~barré~~",
]


def _unescape(text: str) -> str:
    """What CommonMark shows for backslash escapes (the rendered text)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text).replace("  \n", "\n").replace("\u00a0", " ")


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_escaping_leaves_no_unescaped_markup_and_reads_as_typed(text):
    escaped = escape_markdown(text)
    assert _unescape(escaped) == text
    # every punctuation character is preceded by a backslash
    for match in re.finditer(r"[*_\[\]$:<>#`|~]", escaped):
        assert escaped[match.start() - 1] == "\\", (text, escaped)


def test_markdown_escaping_keeps_letters_accents_and_line_breaks():
    assert escape_markdown("Élodie répond\nà l'atelier, 3.") == "Élodie répond  \nà l'atelier, 3."
    assert escape_markdown(None) == ""
    assert escape_markdown("    code?") == "\u00a0" * 4 + "code?"
    assert escape_markdown("1. liste\n- puce\n+ plus") == "1\\. liste  \n\\- puce  \n\\+ plus"


def test_plotly_escaping():
    assert escape_plotly("<b>A</b> & <a href='x'>") == "&lt;b&gt;A&lt;/b&gt; &amp; &lt;a href='x'&gt;"


def test_chart_labels_show_typed_html_literally():
    labels = unique_labels(["<b>Projet</b> & <a href='x'>lien</a> très long nom de projet"],
                           width=20, lines=2)
    assert "<b>" not in labels[0] and "<a" not in labels[0]
    assert "&lt;b&gt;" in labels[0] and "<br>" in labels[0]
    assert wrapped_text("a < b", 40, separator=" ") == "a < b"  # plain text: untouched


def test_radar_series_names_are_escaped_and_not_pasted_into_the_template():
    figure = charts.radar(["S1", "S2"], [charts.Series("<b>%{r}</b>", [10, 20])])
    trace = figure.data[0]
    assert trace.name == "&lt;b&gt;%{r}&lt;/b&gt;"
    assert "%{r}</b>" not in trace.hovertemplate and "fullData.name" in trace.hovertemplate
