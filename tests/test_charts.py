"""Figures are pure functions: same numbers in, same traces out; gaps stay gaps."""

from __future__ import annotations

import math

import pandas as pd
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
    (bars,) = figure.data
    assert list(bars.y) == ["d", "a", "b"]  # plotly draws the last row on top
    assert list(bars.x) == [0, 10, 40]
    assert bars.marker.color[-1] == charts.BAND_COLOURS["point_fragilite"]


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
    assert bars.marker.color == ("#009E73", "#D55E00", "#BBBBBB")
    assert list(bars.text) == ["+12", "-5", ""]


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
