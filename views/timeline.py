"""Suivi dans le temps: a project's campaigns over time, and what moved between two of them.

For a facilitator (and the team): the overall index at each campaign, each stage's score
at each campaign, then the change per stage between two chosen campaigns with what
progressed and what slipped (thresholds in coopscore.progress).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coopscore import charts, progress
from coopscore import format as fmt
from coopscore.grid import Grid
from coopscore.i18n import t
from coopscore.labels import band_ranges, stage_labels
from ui import campaign_results, chart_ui, dataframe, load_scale, md, page_link, show_flashes, store

ASSESS_PAGE = "views/assess.py"


def go_assess_link() -> None:
    page_link(ASSESS_PAGE, label=t("facilitation.go_assess"), icon=":material/edit_note:")


def band_legend() -> str:
    """« Lecture des scores (0–100) : Point d'appui de 75 à 100, ... »"""
    return t("facilitation.band_legend", bands=", ".join(
        t("facilitation.band_item", label=label, low=fmt.number(low), high=fmt.number(high))
        for label, low, high in band_ranges(load_scale().bands)))


def campaigns_ui() -> pd.DataFrame | None:
    """The selected project's campaigns on one grid, oldest first; None after an empty state."""
    project_id = st.session_state.get("project_id")
    if project_id is None:
        st.info(t("facilitation.pick_project"))
        go_assess_link()
        return None
    db = store()
    every = db.assessments(project_id)
    if every.empty:
        st.info(t("facilitation.no_assessment"))
        go_assess_link()
        return None
    assessment_id = st.session_state.get("assessment_id")
    grid_id = db.assessment(assessment_id).grid if assessment_id is not None else None
    campaigns = progress.campaigns(every, grid_id)
    project = db.project(project_id)
    grid = db.grid_of(int(campaigns["id"].iloc[-1]))
    st.caption(md("facilitation.timeline_question", project=project.name, grid=grid.short_title))
    others = len(every) - len(campaigns)
    if others:
        st.caption(t("facilitation.timeline_other_grid", count=others))
    if len(campaigns) < 2:
        st.info(t("facilitation.timeline_single"))
        go_assess_link()
        return None
    return campaigns


def scores_of(campaign_ids: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stage and overall tables of the campaigns (grid versions may differ), from one scoring."""
    results = campaign_results(campaign_ids).values()
    stages = pd.concat([r.scores.stages.astype({"assessment": object, "section_id": object})
                        for r in results], ignore_index=True)
    overall = pd.concat([r.scores.overall.astype({"assessment": object}) for r in results],
                        ignore_index=True)
    return stages, overall


def overall_ui(labels: dict[int, str], overall: pd.DataFrame) -> None:
    ids = list(labels)
    values = progress.overall_history(overall, ids)
    scored = [v for v in values if v is not None]
    columns = st.columns(3)
    columns[0].metric(t("facilitation.metric_campaigns"), fmt.integer(len(ids)))
    if scored:
        scale = load_scale()
        for column, label, value, delta in (
                (columns[1], "facilitation.metric_first", scored[0], None),
                (columns[2], "facilitation.metric_last", scored[-1], scored[-1] - scored[0])):
            column.metric(t(label), fmt.number(value),
                          delta=None if delta is None else fmt.number(delta, sign=True, minus="-"),
                          help=t("facilitation.metric_index_help"))
            column.caption(scale.band_of(value).label)
    st.subheader(t("facilitation.overall_heading"))
    st.caption(t("facilitation.overall_caption"))
    st.caption(band_legend())
    figure = charts.timeline(list(labels.values()),
                             [charts.Series(t("facilitation.overall_series"), values)])
    chart_ui(figure, key="timeline_overall", category=t("facilitation.col_campaign"))


def stages_ui(grid: Grid, labels: dict[int, str], stages: pd.DataFrame) -> None:
    st.subheader(t("facilitation.stages_heading", section=grid.label("section").lower()))
    st.caption(t("facilitation.stages_caption", section=grid.label("section").lower()))
    # Campaigns in rows, stages in numbered columns with their titles on hover, as on
    # « Regards croisés ».
    numbers = {section.id: str(section.number) for section in grid.sections}
    history = progress.score_history(stages, list(labels)).reindex(list(numbers)).T
    history.index = [labels[c] for c in history.index]
    history.columns = [numbers[s] for s in history.columns]
    figure = charts.heatmap(history, x_title=t("facilitation.stages_x",
                                               sections=grid.label("sections")),
                            column_hover=list(stage_labels(grid, width=None).values()))
    chart_ui(figure, key="timeline_stages", category=t("facilitation.col_campaign"))


def pair_ui(labels: dict[int, str], overall: pd.DataFrame) -> tuple[int, int] | None:
    """Two campaigns to compare (default: the last two with answers); None if the same."""
    ids = list(labels)
    project_id = st.session_state["project_id"]
    before_default, after_default = progress.default_pair(
        ids, progress.overall_history(overall, ids))
    left, right = st.columns(2)
    before = left.selectbox(t("facilitation.compare_before"), ids, index=ids.index(before_default),
                            format_func=labels.get, key=f"timeline_before_{project_id}")
    after = right.selectbox(t("facilitation.compare_after"), ids, index=ids.index(after_default),
                            format_func=labels.get, key=f"timeline_after_{project_id}")
    if before == after:
        st.info(t("facilitation.compare_same"))
        return None
    if ids.index(before) > ids.index(after):
        st.warning(t("facilitation.compare_reversed"))
    return before, after


def changes_ui(grid: Grid, stages: pd.DataFrame, overall: pd.DataFrame, before: int,
               after: int) -> None:
    changes = progress.stage_changes(stages, before, after)
    changes = changes.set_index("section_id").reindex([s.id for s in grid.sections]).reset_index()
    changes["trend"] = changes["trend"].fillna("missing")
    short, full = stage_labels(grid), stage_labels(grid, width=None)
    overall_change = progress.overall_change(overall, before, after)
    if overall_change is not None:
        st.metric(t("facilitation.compare_overall"),
                  t("facilitation.compare_points", value=fmt.number(overall_change, sign=True)),
                  help=t("facilitation.metric_index_help"))
    st.markdown(t("facilitation.thresholds", up=fmt.number(progress.IMPROVEMENT_POINTS),
                  down=fmt.number(progress.DECLINE_POINTS)))
    figure = charts.change_bars([short[s] for s in changes["section_id"]], changes["change"],
                                title=t("facilitation.change_chart_title",
                                        sections=grid.label("sections").lower()))
    chart_ui(figure, key="timeline_changes", category=grid.label("section"))

    up, down = st.columns(2)
    for column, heading, rows, empty in (
            (up, "facilitation.progressed_heading", progress.progressed(changes),
             "facilitation.progressed_none"),
            (down, "facilitation.slipped_heading", progress.slipped(changes),
             "facilitation.slipped_none")):
        with column.container(border=True):
            st.markdown(f"**{t(heading)}**")
            if rows.empty:
                st.caption(t(empty, up=fmt.number(progress.IMPROVEMENT_POINTS),
                             down=fmt.number(progress.DECLINE_POINTS)))
            else:
                st.markdown("\n".join(
                    t("facilitation.change_line", stage=full[r.section_id],
                      before=fmt.number(r.before), after=fmt.number(r.after),
                      change=fmt.number(r.change, sign=True)) for r in rows.itertuples()))

    table = pd.DataFrame({
        "stage": [full[s] for s in changes["section_id"]],
        "before": [fmt.number(v) for v in changes["before"]],
        "after": [fmt.number(v) for v in changes["after"]],
        "change": [fmt.number(v, sign=True) for v in changes["change"]],
        "trend": [t(f"facilitation.trend_{trend}") for trend in changes["trend"]],
    })
    dataframe(table, hide_index=True, width="stretch", key="timeline_table", placeholder="—",
                 height=38 + 35 * len(table), column_config={
        "stage": st.column_config.TextColumn(grid.label("section"), width="large"),
        "before": st.column_config.TextColumn(t("facilitation.table_before")),
        "after": st.column_config.TextColumn(t("facilitation.table_after")),
        "change": st.column_config.TextColumn(t("facilitation.table_change")),
        "trend": st.column_config.TextColumn(t("facilitation.table_trend")),
    })


# --- the page ------------------------------------------------------------------------

st.title(t("facilitation.timeline_title"))
show_flashes()
campaigns = campaigns_ui()
if campaigns is None:
    st.stop()
labels = {int(row.id): t("facilitation.campaign_label", label=row.label, date=fmt.date(row.date))
          for row in campaigns.itertuples()}
grid = store().grid_of(list(labels)[-1])
stages, overall = scores_of(list(labels))
if progress.default_pair(list(labels), progress.overall_history(overall, list(labels))) is None:
    st.info(t("facilitation.timeline_not_enough_scores"))
    go_assess_link()
    st.stop()
overall_ui(labels, overall)
stages_ui(grid, labels, stages)
st.subheader(t("facilitation.compare_heading"))
pair = pair_ui(labels, overall)
if pair is not None:
    changes_ui(grid, stages, overall, *pair)
