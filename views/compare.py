"""Comparer les territoires: the territories (their projects grouped: median and mean index,
median stage scores), then several projects' latest assessments side by side, and each one
against the whole portfolio (median and quartiles per stage)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coopscore import charts
from coopscore import format as fmt
from coopscore.grid import Grid
from coopscore.i18n import t
from coopscore.markup import escape_markdown
from coopscore.portfolio import (
    band_ranges, comparison_table, default_comparison, grid_results, left_out, phase_titles,
    portfolio_table, stage_labels, stage_matrix, stage_quartiles, territory_matrix,
    territory_table, unique_labels,
)
from coopscore.results import Results
from ui import (
    chart_ui, dataframe, grid_choice_ui, load_scale, md, page_link, peer_quartiles,
    portfolio_results, store,
)

ASSESS_PAGE = "views/assess.py"
NAME_ROW_HEIGHT = 72  # px: above 4 rem a table wraps its text (a long name is read whole)


def go_assess_link() -> None:
    page_link(ASSESS_PAGE, label=t("portfolio.go_assess"), icon=":material/edit_note:")


def projects_choice_ui(candidates: pd.DataFrame, grid: Grid) -> list[int]:
    """The projects to compare (ids, in the order chosen)."""
    names = dict(zip(candidates["project"], candidates["name"], strict=True))
    return st.multiselect(
        t("portfolio.compare_projects"), list(names), format_func=names.get,
        default=default_comparison(candidates, first=st.session_state.get("project_id")),
        placeholder=t("portfolio.compare_projects_placeholder"),
        help=t("portfolio.compare_projects_help"), key=f"compare_projects_{grid.id}",
    )


def radars_ui(results: Results, scored: pd.DataFrame, matrix: pd.DataFrame,
              quartiles: pd.DataFrame, portfolio_size: int) -> None:
    grid = results.grid
    _, full = stage_labels(grid)
    # small radars: the stage number on the axis, its title on hover
    numbers = [str(section.number) for section in grid.sections]
    labels = unique_labels(list(scored["name"]), width=44, lines=2)
    st.subheader(t("portfolio.compare_radars_heading"))
    st.caption(t("portfolio.compare_radars_caption", section=grid.label("section").lower(),
                 count=portfolio_size))
    profiles = {label: matrix[assessment].tolist()
                for label, assessment in zip(labels, scored["assessment"], strict=True)}
    median = charts.Series(t("portfolio.compare_median"), quartiles["median"].tolist(), "target")
    figure = charts.small_multiple_radars(numbers, profiles, reference=median,
                                          hover=list(full.values()),
                                          full_names=list(scored["name"]),
                                          columns=min(3, len(profiles)))
    # on a narrow page, one radar a row: three titles side by side would run into each other
    narrow_labels = unique_labels(list(scored["name"]), width=30, lines=3)
    narrow = charts.small_multiple_radars(
        numbers, dict(zip(narrow_labels, profiles.values(), strict=True)), reference=median,
        hover=list(full.values()), full_names=list(scored["name"]), columns=1)
    chart_ui(figure, key="compare_radars", category=grid.label("section"), narrow=narrow)
    if any(label.replace("<br>", " ") != name for label, name in zip(labels, scored["name"])):
        st.caption(t("readings.radar_names", names=" ; ".join(
            f"{k}\\. {escape_markdown(name)}" for k, name in enumerate(scored["name"], start=1))))


def left_out_ui(projects: pd.DataFrame, grid: Grid) -> None:
    """Say which projects this comparison leaves out, and why (a funder's projects sharing
    only their summary among them)."""
    missing = left_out(projects, portfolio_results(projects), grid.id)
    withheld = store().compare_withheld()
    if not withheld.empty:
        missing = pd.concat([missing, pd.DataFrame({
            "project": withheld["id"], "name": withheld["name"],
            "reason": t("readings.left_out_consent")})], ignore_index=True)
    if missing.empty:
        return
    with st.expander(t("readings.left_out_heading", count=len(missing))):
        st.markdown("\n".join(md("readings.left_out_line", name=row.name, reason=row.reason)
                               for row in missing.itertuples()))


def territories_ui(results: Results, candidates: pd.DataFrame) -> None:
    """The projects grouped by territory: a table of figures, each territory's projects by
    name, and the median stage scores of each territory."""
    grid = results.grid
    grouped = territory_table(candidates)
    st.header(t("portfolio.compare_territories_heading"))
    st.caption(t("portfolio.compare_territories_caption"))
    score = dict(format=fmt.table_number(), min_value=0, max_value=100,
                 color=charts.SERIES_COLOURS[0])
    dataframe(
        grouped.drop(columns=["projects", "scores"]), hide_index=True, width="stretch",
        key="compare_territories", placeholder="—",
        row_height=NAME_ROW_HEIGHT, height=NAME_ROW_HEIGHT * len(grouped) + 40,
        column_order=["territory", "n_projects", "n_scored", "median", "mean", "low", "high",
                      "n_with_flags"],
        column_config={
            "territory": st.column_config.TextColumn(t("portfolio.compare_territory_col"),
                                                     pinned=True, width=210),
            "n_projects": st.column_config.NumberColumn(
                t("portfolio.compare_territory_projects"),
                help=t("portfolio.compare_territory_projects_help"), width=75),
            "n_scored": st.column_config.NumberColumn(
                t("portfolio.compare_territory_scored"),
                help=t("portfolio.compare_territory_scored_help"), width=105),
            "median": st.column_config.ProgressColumn(
                t("portfolio.compare_territory_median"),
                help=t("portfolio.compare_territory_median_help"), width=135, **score),
            "mean": st.column_config.NumberColumn(t("portfolio.compare_territory_mean"),
                                                  format=fmt.table_number(), width=100),
            "low": st.column_config.NumberColumn(t("portfolio.compare_territory_low"),
                                                 format=fmt.table_number(), width=75),
            "high": st.column_config.NumberColumn(t("portfolio.compare_territory_high"),
                                                  format=fmt.table_number(), width=80),
            "n_with_flags": st.column_config.NumberColumn(
                t("portfolio.compare_territory_flags"),
                help=t("portfolio.compare_territory_flags_help"), width=160),
        },
    )
    st.subheader(t("portfolio.compare_territory_list_heading"))
    st.markdown("\n".join(md(
        "portfolio.compare_territory_line", territory=row.territory,
        count=fmt.plural(row.n_projects, "portfolio.compare_territory_count"),
        projects=" ; ".join(
            t("portfolio.compare_territory_project_unscored", name=name) if fmt.missing(value)
            else t("portfolio.compare_territory_project", name=name, score=fmt.number(value))
            for name, value in zip(row.projects, row.scores)))
        for row in grouped.itertuples()))
    scored = candidates[candidates["score"].notna()]
    matrix = territory_matrix(stage_matrix(results, scored["assessment"].astype(int)), scored)
    counts = dict(zip(grouped["territory"], grouped["n_scored"]))
    matrix = matrix[[name for name in matrix.columns if counts.get(name)]]
    if matrix.empty or matrix.isna().all().all():
        return
    _, full = stage_labels(grid)
    section = grid.label("section").lower()
    rows = [t("portfolio.compare_territory_row", territory=name, count=fmt.integer(counts[name]))
            for name in matrix.columns]
    st.subheader(t("portfolio.compare_territory_heatmap_heading",
                   sections=grid.label("sections")))
    st.caption(t("portfolio.compare_territory_heatmap_caption", section=section))
    heat = matrix.T.set_axis(unique_labels(rows, width=48, lines=2), axis=0)
    heat = heat.set_axis([str(s.number) for s in grid.sections], axis=1)
    chart_ui(charts.heatmap(heat, hover_label=t("charts.score"), x_title=grid.label("section"),
                            column_hover=list(full.values()), row_hover=rows),
             key="compare_territory_heatmap", category=t("portfolio.compare_territory_col"))


def heatmap_ui(results: Results, scored: pd.DataFrame, matrix: pd.DataFrame) -> None:
    grid = results.grid
    _, full = stage_labels(grid)
    section = grid.label("section").lower()
    st.subheader(t("portfolio.compare_heatmap_heading", sections=grid.label("sections")))
    st.caption(t("portfolio.compare_heatmap_caption", section=section))
    # one row per project (names need the width), one column per stage number, title on hover
    heat = matrix.T.set_axis(unique_labels(list(scored["name"]), width=48, lines=2), axis=0)
    heat = heat.set_axis([str(s.number) for s in grid.sections], axis=1)
    chart_ui(charts.heatmap(heat, hover_label=t("charts.score"), x_title=grid.label("section"),
                            column_hover=list(full.values()), row_hover=list(scored["name"])),
             key="compare_heatmap", category=t("portfolio.col_project"))


def table_ui(results: Results, rows: pd.DataFrame) -> None:
    grid = results.grid
    short, full = stage_labels(grid, width=16)
    st.subheader(t("portfolio.compare_table_heading"))
    st.caption(t("portfolio.compare_table_caption"))
    compared = comparison_table(rows, stage_matrix(results, rows["assessment"].astype(int)))
    compared["completeness"] = compared["completeness"] * 100
    # progress bars leave a missing score blank (a number column prints « None »)
    score = dict(format=fmt.table_number(), min_value=0, max_value=100,
                 color=charts.SERIES_COLOURS[0])
    dataframe(
        compared, hide_index=True, width="stretch", key="compare_table", placeholder="—",
        row_height=NAME_ROW_HEIGHT, height=NAME_ROW_HEIGHT * len(compared) + 40,
        column_order=["name", "territory", "programme_label", "phase_label", "score",
                      "band_label", "completeness", *short],
        column_config={
            "name": st.column_config.TextColumn(t("portfolio.col_project"), pinned=True,
                                                width="large"),
            "territory": st.column_config.TextColumn(t("portfolio.col_territory"),
                                                     width="medium"),
            "programme_label": st.column_config.TextColumn(t("portfolio.col_programme")),
            "phase_label": st.column_config.TextColumn(t("portfolio.col_phase")),
            "score": st.column_config.ProgressColumn(t("portfolio.col_score"), width=150,
                                                     help=t("portfolio.col_score_help"), **score),
            "band_label": st.column_config.TextColumn(
                t("portfolio.col_band"), help=t("portfolio.col_band_help",
                                                bands=band_ranges(load_scale()))),
            "completeness": st.column_config.ProgressColumn(
                t("portfolio.col_completeness"), help=t("portfolio.col_completeness_help"),
                format=fmt.table_percent(), min_value=0, max_value=100, color=charts.TARGET_COLOUR),
            **{section_id: st.column_config.ProgressColumn(
                label, help=t("portfolio.stage_help", title=full[section_id]), **score)
               for section_id, label in short.items()},
        },
    )


def position_ui(results: Results, scored: pd.DataFrame, quartiles: pd.DataFrame,
                portfolio_size: int) -> None:
    short, _ = stage_labels(results.grid, width=18)
    st.subheader(t("portfolio.compare_position_heading"))
    names = dict(zip(scored["assessment"].astype(int), scored["name"], strict=True))
    legends = dict(zip(names, unique_labels(list(names.values()), width=60), strict=True))
    assessment = st.selectbox(t("portfolio.compare_position_project"), list(names),
                              format_func=names.get, key=f"compare_position_{results.grid.id}")
    project = stage_matrix(results, [assessment])[assessment]
    st.caption(t("portfolio.compare_position_caption", count=portfolio_size))
    chart_ui(charts.position_in_portfolio(
        list(short.values()), project.tolist(), quartiles["q1"].tolist(),
        quartiles["median"].tolist(), quartiles["q3"].tolist(), project_name=legends[assessment],
    ), key="compare_position", category=results.grid.label("section"))


# --- page -------------------------------------------------------------------------------

st.title(t("portfolio.compare_title"))
st.caption(t("portfolio.compare_intro"))
projects = store().compare_projects()
if projects.empty:
    st.info(t("portfolio.empty_database"))
    go_assess_link()
    st.stop()

grid = grid_choice_ui(key="compare_grid")
results = grid_results(portfolio_results(projects), grid.id)
if results is None:
    st.info(t("portfolio.none_on_grid", grid=grid.short_title))
    go_assess_link()
    st.stop()

left_out_ui(projects, grid)
table = portfolio_table(projects, results, phases=phase_titles())
candidates = table[table["assessment"].notna()].reset_index(drop=True)
territories_ui(results, candidates)
st.header(t("portfolio.compare_projects_heading"))
chosen = projects_choice_ui(candidates, grid)
if not chosen:
    st.info(t("portfolio.compare_pick"))
    st.stop()

rows = candidates.set_index("project").loc[chosen].reset_index()
scored = rows[rows["score"].notna()].reset_index(drop=True)
if len(scored) < len(rows):
    st.caption(t("portfolio.compare_unscored",
                 names=", ".join(rows.loc[rows["score"].isna(), "name"])))
if scored.empty:
    st.info(t("portfolio.compare_none_scored"))
    go_assess_link()
    st.stop()

# Every project on the grid is a peer, but only as anonymous quartiles (ui.peer_quartiles);
# too few peers for anonymity: the projects the person may name.
peers = peer_quartiles(grid.id)
if peers is None:
    portfolio = table.loc[table["score"].notna(), "assessment"].astype(int)
    peers = stage_quartiles(results, portfolio), len(portfolio)
quartiles, portfolio_size = peers
matrix = stage_matrix(results, scored["assessment"].astype(int))
radars_ui(results, scored, matrix, quartiles, portfolio_size)
heatmap_ui(results, scored, matrix)
table_ui(results, rows)
position_ui(results, scored, quartiles, portfolio_size)
