"""Figures are pure functions: same numbers in, same traces out; gaps stay gaps."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopscore import charts

AXES = ["Étape 1", "Étape 2", "Étape 3"]
scores = st.one_of(st.none(), st.floats(min_value=0, max_value=100))


def test_radar_closes_each_polygon_and_keeps_missing_scores_blank():
    figure = charts.radar(AXES, [charts.Series("Équipe", [20, None, 80]),
                                 charts.Series("Cible", [50, 50, None], kind="target")])
    team, target = figure.data
    assert list(team.r) == [20.0, None, 80.0, 20.0]
    assert list(team.theta) == [*AXES, AXES[0]]
    assert target.line.dash == "dash"
    assert list(figure.layout.polar.radialaxis.range) == [0, 100]


@settings(max_examples=50, deadline=None)
@given(st.lists(scores, min_size=3, max_size=3))
def test_radar_never_turns_a_missing_score_into_zero(values):
    (trace,) = charts.radar(AXES, [charts.Series("x", values)]).data
    for given_value, drawn in zip(values, trace.r, strict=False):
        assert (given_value is None) == (drawn is None)


def test_gap_bars_put_the_largest_gap_on_top_and_drop_missing():
    figure = charts.gap_bars(["a", "b", "c", "d"], [10, 40, None, 0],
                             bands=["a_consolider", "point_fragilite", None, "point_appui"])
    bars, *keys = figure.data
    assert list(bars.y) == ["d", "a", "b"]  # plotly draws the last row on top
    assert list(bars.x) == [0, 10, 40]
    assert bars.marker.color[-1] == charts.BAND_COLOURS["point_fragilite"]
    # the band is told by a pattern too, and the legend says which is which
    assert bars.marker.pattern.shape[-1] == charts.BAND_PATTERNS["point_fragilite"]
    assert {k.name for k in keys} == {"a_consolider", "point_fragilite", "point_appui"}
    assert all(k.meta == charts.LEGEND_KEY for k in keys)


def test_heatmap_leaves_empty_cells_blank():
    matrix = pd.DataFrame([[10.0, math.nan], [55.4, 100.0]], index=["Ana", "Bruno"],
                          columns=["S01", "S02"])
    (trace,) = charts.heatmap(matrix).data
    assert trace.text.tolist() == [["10", ""], ["55", "100"]]
    assert (trace.zmin, trace.zmax) == (0, 100)
    assert list(trace.y) == ["Ana", "Bruno"]


def test_small_multiples_share_one_scale_per_project():
    figure = charts.small_multiple_radars(AXES, {"A": [1, 2, 3], "B": [4, 5, 6], "C": [7, 8, 9],
                                                 "D": [None, 1, 2]},
                                          reference=charts.Series("Médiane", [5, 5, 5], "target"))
    assert len(figure.data) == 8
    polars = [key for key in figure.layout if key.startswith("polar")]
    assert len(polars) == 6  # 2 rows × 3 columns
    assert all(list(figure.layout[p].radialaxis.range) == [0, 100] for p in polars)
    assert [a.text for a in figure.layout.annotations] == ["A", "B", "C", "D"]


def test_small_multiples_show_the_full_axis_label_on_hover():
    full = ["Étape 1 — Identifier", "Étape 2 — Lever", "Étape 3 — Recruter"]
    figure = charts.small_multiple_radars(AXES, {"A": [1, 2, 3]}, hover=full,
                                          reference=charts.Series("Médiane", [5, 5, 5], "target"))
    project, reference = figure.data
    assert list(project.text) == [*full, full[0]] and list(reference.text) == [*full, full[0]]
    assert list(project.theta) == [*AXES, AXES[0]]


def test_small_multiples_give_each_shortened_title_its_full_name_on_hover():
    names = {"Pastoralisme —<br>PETR…": [1, 2, 3], "B": [4, 5, 6]}
    figure = charts.small_multiple_radars(AXES, names,
                                          full_names=["Pastoralisme — PETR du Val", "B"])
    assert [(a.text, a.hovertext) for a in figure.layout.annotations] == [
        ("Pastoralisme —<br>PETR…", "Pastoralisme — PETR du Val"), ("B", "B")]


def test_small_multiples_keep_numeric_axis_labels_as_categories():
    figure = charts.small_multiple_radars(["1", "2", "3"], {"A": [10, 20, 30]})
    assert figure.layout.polar.angularaxis.type == "category"


def test_answer_spread_stacks_levels_in_scale_order():
    counts = pd.DataFrame({"0": [1, 0], "3": [2, 4], "unknown": [1, 0]}, index=["V01", "V02"])
    figure = charts.answer_spread(counts, levels=["0", "1", "2", "3", "unknown"],
                                  level_labels={"0": "Pas pris en compte", "3": "Maîtrisé"})
    assert [trace.name for trace in figure.data] == ["Pas pris en compte", "Maîtrisé", "unknown"]
    assert figure.layout.barmode == "stack"


def test_position_in_portfolio_draws_the_interquartile_range_from_q1():
    figure = charts.position_in_portfolio(["S1", "S2"], [60, None], [40, 20], [50, 30], [70, 35],
                                          project_name="Pays de Test")
    bars, median, project = figure.data
    assert list(bars.base) == [40.0, 20.0] and list(bars.y) == [30.0, 15.0]
    assert project.name == "Pays de Test" and list(project.y) == [60.0, None]


def test_change_bars_colour_progress_and_slips():
    (bars,) = charts.change_bars(["S1", "S2", "S3"], [12, -5, None]).data
    assert bars.marker.color == (charts.BAND_COLOURS["point_appui"],
                                 charts.BAND_COLOURS["point_fragilite"], charts.NEUTRAL_COLOUR)
    assert list(bars.text) == ["+12", "\u22125", ""]


def test_distribution_stacks_projects_by_band():
    figure = charts.distribution([80, 90, 55, None, 20],
                                 bands=["point_appui", "point_appui", "a_consolider", None, "point_fragilite"],
                                 band_labels={"point_appui": "Point d'appui"})
    names = [trace.name for trace in figure.data]
    assert names == ["Point d'appui", "a_consolider", "point_fragilite"]
    assert sum(len(trace.x) for trace in figure.data) == 4


def test_timeline_has_one_line_per_series():
    figure = charts.timeline(["Diagnostic", "Point d'étape"],
                             [charts.Series("Global", [40, 55]), charts.Series("S01", [None, 70], "other")])
    assert [trace.name for trace in figure.data] == ["Global", "S01"]
    assert list(figure.data[1].y) == [None, 70.0]


def test_heatmap_shows_full_column_titles_on_hover_and_keeps_number_labels_as_names():
    matrix = pd.DataFrame([[10.0, 20.0]], index=["Ana"], columns=["1", "2"])
    figure = charts.heatmap(matrix, column_hover=["1. Identifier un besoin", "2. Lever les freins"])
    (trace,) = figure.data
    assert [list(row) for row in trace.customdata] == [["1. Identifier un besoin",
                                                        "2. Lever les freins"]]
    assert "%{customdata}" in trace.hovertemplate
    assert figure.layout.xaxis.type == "category"  # « 1 », « 2 » are stage names, not numbers
    plain = charts.heatmap(matrix)
    assert [list(row) for row in plain.data[0].customdata] == [["1", "2"]]


def test_answer_spread_legend_reads_in_scale_order_above_the_bars():
    counts = pd.DataFrame({"0": [1, 0], "3": [2, 1]}, index=["Point A", "Point B"])
    figure = charts.answer_spread(counts, levels=["0", "1", "2", "3"], level_labels={})
    # plotly lists the legend of stacked bars bottom-up unless told otherwise
    assert figure.layout.legend.traceorder == "normal"
    assert figure.layout.legend.yanchor == "top" and figure.layout.legend.xref == "container"
    assert list(figure.data[1].x) == [2, 1]


def test_a_heatmap_row_shows_its_full_name_on_hover():
    import pandas as pd

    matrix = pd.DataFrame([[10.0, 20.0]], index=["Nom coupé…"], columns=["1", "2"])
    figure = charts.heatmap(matrix, row_hover=["Nom coupé mais complet au survol"],
                            column_hover=["Étape 1", "Étape 2"])
    assert list(figure.data[0].customdata[0][1]) == ["Nom coupé mais complet au survol",
                                                     "Étape 2"]
    assert "%{customdata[0]}" in figure.data[0].hovertemplate


# --- contrast: colours 3:1 on the background, text 4.5:1 on what it is written on -----------


def test_contrast_ratio_matches_wcag_reference_values():
    assert charts.contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21)
    assert charts.contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)
    assert charts.contrast_ratio("#E69F00", "#FFFFFF") == pytest.approx(2.25, abs=0.01)  # issue 11
    assert charts.contrast_ratio("#FFF", "#FFFFFF") == pytest.approx(1)


PALETTE = {
    **{f"series {i}": c for i, c in enumerate(charts.SERIES_COLOURS)},
    **{f"band {b}": c for b, c in charts.BAND_COLOURS.items()},
    **{f"level {i}": c for i, c in enumerate(charts.LEVEL_COLOURS)},
    "target": charts.TARGET_COLOUR, "previous": charts.PREVIOUS_COLOUR,
    "neutral": charts.NEUTRAL_COLOUR, "quartile outline": charts.QUARTILE_LINE,
}


@pytest.mark.parametrize("name", list(PALETTE))
def test_every_chart_colour_reaches_3_to_1_on_the_background(name):
    assert charts.contrast_ratio(PALETTE[name], charts.BACKGROUND) >= 3, PALETTE[name]


def test_chart_text_reaches_4_5_to_1():
    assert charts.contrast_ratio(charts.FONT["color"], charts.BACKGROUND) >= 4.5


@pytest.mark.parametrize("fraction", [i / 50 for i in range(51)])
def test_heatmap_numbers_read_on_every_cell_colour(fraction):
    cell = charts.scale_colour(charts.SCORE_SCALE, fraction)
    assert charts.contrast_ratio(charts.CELL_TEXT_COLOUR, cell) >= 4.5, cell
    assert charts.contrast_ratio(cell, charts.BACKGROUND) >= 3, cell


def test_heatmap_writes_its_numbers_in_the_cell_text_colour():
    (trace,) = charts.heatmap(pd.DataFrame([[10.0]], index=["A"], columns=["S01"])).data
    assert trace.textfont.color == charts.CELL_TEXT_COLOUR
    assert trace.colorscale[0][1] == charts.SCORE_SCALE[0][1]


def test_bands_and_levels_differ_by_pattern_not_only_by_colour():
    assert len(set(charts.BAND_PATTERNS.values())) == len(charts.BAND_PATTERNS)
    assert len(set(charts.LEVEL_PATTERNS)) == len(charts.LEVEL_PATTERNS)
    figure = charts.distribution([80, 55, 20], bands=["point_appui", "a_consolider",
                                                      "point_fragilite"])
    assert [trace.marker.pattern.shape for trace in figure.data] == ["", "/", "x"]


# --- every figure says what it shows, and gives its numbers --------------------------------


def test_radar_summary_names_the_highest_and_lowest_and_how_many_are_below_target():
    figure = charts.radar(AXES, [charts.Series("Équipe", [20, None, 80]),
                                 charts.Series("Cible", [50, 50, 50], kind="target")])
    assert charts.summary(figure) == ("Équipe : le plus haut « Étape 3 » (80), le plus bas "
                                      "« Étape 1 » (20) ; sous « Cible » : 1 sur 2.")
    table = charts.data_table(figure, "Étape")
    assert table.to_dict("list") == {"Étape": ["Étape 1", "Étape 2", "Étape 3"],
                                     "Équipe": ["20", "—", "80"], "Cible": ["50", "50", "50"]}


def test_summary_and_table_follow_the_session_language():
    from coopscore import i18n

    i18n.use_language("en")
    try:
        figure = charts.score_bars(["A", "B"], [40.5, 72], [50, 50])
        assert charts.summary(figure).startswith("highest: “B” (72), lowest: “A” (41)")
        assert list(charts.data_table(figure).columns) == ["Label", "Score", "Target"]
    finally:
        i18n.use_language(None)


def test_horizontal_bars_table_reads_from_the_top_bar_down():
    figure = charts.gap_bars(["a", "b", "c"], [10, 40, 20])
    assert list(charts.data_table(figure)["Libellé"]) == ["b", "c", "a"]
    assert charts.summary(figure) == "3 écarts à la cible, le plus grand : « b » (40 points)."


def test_heatmap_table_uses_the_full_labels_and_leaves_gaps_blank():
    matrix = pd.DataFrame([[10.0, math.nan], [55.4, 100.0]], index=["Ana", "Bruno"],
                          columns=["1", "2"])
    figure = charts.heatmap(matrix, column_hover=["1. Un", "2. Deux"])
    table = charts.data_table(figure, "Personne")
    assert table.values.tolist() == [["Ana", "10", "—"], ["Bruno", "55", "100"]]
    assert "Bruno · 2. Deux (100)" in charts.summary(figure)


def test_position_table_gives_both_ends_of_the_quartile_range():
    figure = charts.position_in_portfolio(["S1"], [60], [40], [50], [70], project_name="Pays")
    table = charts.data_table(figure)
    assert table.iloc[0].tolist() == ["S1", "40", "70", "50", "60"]
    assert "au-dessus 1 fois" in charts.summary(figure)


def test_change_and_distribution_summaries_count_what_they_show():
    changes = charts.change_bars(["S1", "S2", "S3"], [12, -5, None])
    assert charts.summary(changes).startswith("1 en hausse, 1 en baisse, 0 sans changement")
    assert "« S2 » (\u22125)" in charts.summary(changes)
    spread = charts.distribution([80, 90, 55], bands=["point_appui", "point_appui",
                                                     "a_consolider"],
                                 band_labels={"point_appui": "Point d'appui"})
    assert charts.summary(spread).startswith("3 projets, indice global médian : 80")
    assert "Point d'appui : 2" in charts.summary(spread)
    one = charts.distribution([40], bands=["point_appui"])
    assert charts.summary(one).startswith("1 projet, indice global médian : 40")
    assert charts.data_table(spread).shape == (10, 3)  # ten bins of ten points


@pytest.mark.parametrize("figure", [
    charts.small_multiple_radars(AXES, {"A": [1, 2, 3]}),
    charts.timeline(["D1", "D2"], [charts.Series("Global", [40, 55])]),
    charts.answer_spread(pd.DataFrame({"0": [1], "3": [2]}, index=["p"]), levels=["0", "3"],
                         level_labels={"0": "Rien", "3": "En place"}),
], ids=["small multiples", "timeline", "answer spread"])
def test_every_figure_has_a_sentence_and_a_table(figure):
    assert charts.summary(figure).endswith(".")
    assert not charts.data_table(figure).empty


def test_a_name_with_markdown_signs_reads_as_typed_in_the_table():
    figure = charts.radar(AXES, [charts.Series("Équipe *A*", [1, 2, 3])])
    assert "Équipe \\*A\\*" in charts.data_table(figure).columns


def test_radar_summary_and_table_name_each_axis_in_full_when_given():
    figure = charts.radar(["1. Ide…", "2. Lev…"], [charts.Series("Équipe", [10, 60])],
                          hover=["1. Identifier", "2. Lever"])
    assert "« 2. Lever » (60)" in charts.summary(figure)
    assert list(charts.data_table(figure)["Libellé"]) == ["1\\. Identifier", "2\\. Lever"]


def test_a_radar_labelled_with_numbers_keeps_them_as_names():
    figure = charts.radar(["1", "2", "3"], [charts.Series("Équipe", [10, 60, 30])])
    assert figure.layout.polar.angularaxis.type == "category"


def test_a_heatmap_grows_with_its_wrapped_row_labels():
    matrix = pd.DataFrame([[float(k)] for k in range(8)], columns=["S01"])
    short = charts.heatmap(matrix.set_axis([f"P{k}" for k in range(8)], axis=0))
    wrapped = charts.heatmap(matrix.set_axis([f"P{k}<br>suite" for k in range(8)], axis=0))
    assert wrapped.layout.height > short.layout.height
    assert wrapped.layout.height - 140 >= 8 * 2 * 16  # two lines of about 16 px per row
