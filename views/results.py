"""Résultats: where the team stands for cooperating, stage by stage, against its target.

Overall index and its reading, completeness, respondents and critical points in alert; a
radar of the stages (team, target, previous campaign); the stage table; scores by phase.
Every number comes from the cached results of the selected assessment (ui.results_for).
"""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from coopscore import charts
from coopscore import format as fmt
from coopscore.gaps import (
    band_rules, consensus_items, flag_level, flag_table, has_critical_points, phase_table,
    score_change, scores_by_section, stage_table,
)
from coopscore.grid import Grid
from coopscore.i18n import t
from coopscore.labels import table_row_height
from coopscore.results import Results, previous_assessment
from coopscore.scale import Scale
from coopscore.store import Assessment
from ui import (
    chart_ui, dataframe, load_scale, page_link, printable_table_ui, results_for,
    scored_assessment_ui, show_flashes, store, targets_in_force_ui,
)


def previous_campaign(assessment_id: int) -> Assessment | None:
    """The campaign before this one (same project, same grid), when it has scores."""
    previous_id = previous_assessment(store(), assessment_id)
    if previous_id is None:
        return None
    if results_for(previous_id).one("stages", previous_id)["score"].isna().all():
        return None
    return store().assessment(previous_id)


BAND_BADGE_COLOURS = ("green", "orange", "red")  # by the band's rank in scale.yaml, highest first


def band_badge_ui(band_label: object, scale: Scale) -> None:
    labels = [band.label for band in scale.bands]
    if not isinstance(band_label, str) or band_label not in labels:
        return
    rank = min(labels.index(band_label), len(BAND_BADGE_COLOURS) - 1)
    st.badge(band_label, color=BAND_BADGE_COLOURS[rank], icon=":material/insights:",
             help=t("team.metric_band_help", rules=" · ".join(band_rules(scale))))


def metrics_ui(overall: pd.Series, previous: Assessment | None, grid: Grid, scale: Scale) -> None:
    delta = description = None
    if previous is not None:
        before = results_for(previous.id).one("overall", previous.id)["score"].iloc[0]
        change = score_change(overall["score"], before)
        if change is not None:
            delta = t("team.metric_overall_delta", delta=fmt.number(change, sign=True, minus="-"))
            description = t("team.metric_overall_since", label=previous.label,
                            date=fmt.date(previous.date))
    level = flag_level(scale)
    columns = st.columns(4 if has_critical_points(grid) else 3)
    index, completeness, respondents = columns[:3]
    with index.container(border=True):
        st.metric(t("team.metric_overall"), fmt.score(overall["score"]), delta=delta,
                  help=t("team.metric_overall_help", sections=grid.label("sections").lower()))
        if description:
            st.caption(description)
        band_badge_ui(overall["band_label"], scale)
    completeness.metric(
        t("team.metric_completeness"), fmt.percent(overall["completeness"]),
        help=t("team.metric_completeness_help", answered=int(overall["n_answered"]),
               applicable=int(overall["n_applicable"])), border=True)
    respondents.metric(t("team.metric_respondents"), fmt.integer(overall["n_respondents"]),
                       help=t("team.metric_respondents_help"), border=True)
    if has_critical_points(grid):
        columns[3].metric(t("team.metric_flags"), fmt.integer(overall["n_flags"]),
                          help=t("team.metric_flags_help", level=level.level, label=level.label),
                          border=True)


def flags_ui(results: Results, assessment_id: int, grid: Grid, scale: Scale) -> None:
    if not has_critical_points(grid):
        return
    level = flag_level(scale)
    agreed = consensus_items(results.one("criteria", assessment_id))
    flags = flag_table(results.one("flags", assessment_id), grid, scale, agreed)
    upcoming = flag_table(results.one("upcoming", assessment_id), grid, scale, agreed)
    if flags.empty:
        st.success(t("team.no_flags", label=level.label), icon=":material/verified:")
    else:
        lines = [fmt.plural(len(flags), "team.flags_intro", label=level.label)]
        lines += [t("team.flag_line", text=row["text"], stage=row["stage"],
                    value=row["value_label"], reason=row["reason"] or "")
                  for _, row in flags.iterrows()]
        st.warning("\n".join(lines), icon=":material/warning:")
    if not upcoming.empty:
        with st.expander(f"{t('targets.upcoming_heading')} ({len(upcoming)})"):
            st.caption(t("targets.upcoming_intro"))
            st.markdown("\n".join(
                t("targets.upcoming_line", text=row["text"], stage=row["stage"],
                  value=row["value_label"]) for _, row in upcoming.iterrows()))


def consensus_ui(results: Results, assessment_id: int, grid: Grid) -> None:
    """Say which values agreed in consensus replace the team's median in these scores."""
    items = consensus_items(results.one("criteria", assessment_id),
                            results.one("methods", assessment_id))
    if not items:
        return
    key = "targets.consensus_count_one" if len(items) == 1 else "targets.consensus_count_many"
    st.caption(t(key, count=len(items), items=", ".join(items)))


def radar_ui(table: pd.DataFrame, previous: Assessment | None, grid: Grid) -> None:
    section = grid.label("section").lower()
    st.subheader(t("team.radar_heading", section=section))
    series = [charts.Series(t("team.series_team"), list(table["score"]), kind="team")]
    if table["target"].notna().any():
        series.append(charts.Series(t("team.series_target"), list(table["target"]), kind="target"))
    if previous is not None:
        stages = results_for(previous.id).one("stages", previous.id)
        series.append(charts.Series(
            t("team.series_previous", label=previous.label, date=fmt.date(previous.date)),
            scores_by_section(stages, list(table["section_id"])), kind="previous"))
    figure = charts.radar(list(table["short"]), series, hover=list(table["stage"]))
    # on a phone, the axes are numbered (their titles are in the table below the chart)
    narrow = charts.radar([str(n) for n in table["number"]], series, hover=list(table["stage"]),
                          height=400)
    chart_ui(figure, key="results_radar", category=grid.label("section"), narrow=narrow)
    caption = [t("team.radar_caption_team")]
    if len(series) > 1 and series[1].kind == "target":
        # which targets (phase, profile or default) is said above the metrics
        caption.append(t("team.radar_caption_target_no_phase"))
    if previous is not None:
        caption.append(t("team.radar_caption_previous"))
    if table["score"].isna().any():
        caption.append(t("team.radar_caption_missing"))
    st.caption(" ".join(caption))


STAGE_PX = 320  # width of the stage column, whose titles wrap whole


def stage_table_ui(table: pd.DataFrame, grid: Grid, scale: Scale) -> None:
    section = grid.label("section")
    st.subheader(t("team.table_heading", section=section.lower()))
    # the basis is said where it is the exception: a stage scored from its methods (S12)
    from_methods = table["basis"] == "methods"
    shown = table.assign(completeness=table["completeness"] * 100,
                         basis_label=table["basis_label"].where(from_methods, ""))
    columns = ["stage", "score", "band_label", "target", "gap", "completeness",
               *(["basis_label"] if from_methods.any() else [])]
    basis_help = t("team.col_basis_help", section=section.lower(),
                   criteria=grid.label("criteria").lower(), methods=grid.label("methods").lower())
    number = st.column_config.NumberColumn
    # stage titles wrap whole in their cells: the row is as tall as the longest one needs
    row = table_row_height([(shown["stage"], STAGE_PX)])
    dataframe(
        shown[columns], hide_index=True, width="stretch", placeholder="—", row_height=row,
        height=row * len(shown) + 38,  # every stage, no scrolling
        column_config={
            "stage": st.column_config.TextColumn(section, width=STAGE_PX),
            "score": number(t("team.col_score"), format=fmt.table_number(), help=t("team.col_score_help"),
                            width=50),
            "band_label": st.column_config.TextColumn(t("team.col_band"), width=120,
                                                      help=" · ".join(band_rules(scale))),
            "target": number(t("team.col_target"), format=fmt.table_number(), help=t("team.col_target_help"),
                             width=50),
            "gap": number(t("team.col_gap"), format=fmt.table_number(), help=t("team.col_gap_help"), width=50),
            "completeness": st.column_config.ProgressColumn(
                t("team.col_completeness"), format=fmt.table_percent(), min_value=0, max_value=100,
                help=t("team.col_completeness_help"), width=90, color=charts.SERIES_COLOURS[0]),
            "basis_label": st.column_config.TextColumn(t("team.col_basis"), width=150,
                                                       help=basis_help),
        },
    )
    st.caption(t("team.col_gap_help"))
    printable_table_ui(table.assign(
        score=table["score"].map(fmt.number), target=table["target"].map(fmt.number),
        gap=table["gap"].map(fmt.number), completeness=table["completeness"].map(fmt.percent),
        band_label=table["band_label"].fillna(fmt.MISSING)),
        {"stage": section, "score": t("team.col_score"), "band_label": t("team.col_band"),
         "target": t("team.col_target"), "gap": t("team.col_gap"),
         "completeness": t("team.col_completeness")})


def fiche_ui(project_id: int, assessment_id: int) -> None:
    """The « fiche de maturité » of this assessment as a PDF, made when the button is clicked."""
    st.download_button(
        # built by the scoped store: cut to what this reader may see of the project
        t("report.download_fiche"), data=functools.partial(store().fiche_pdf, assessment_id),
        file_name=t("report.fiche_file", project=project_id, assessment=assessment_id) + ".pdf",
        mime="application/pdf", on_click="ignore", icon=":material/picture_as_pdf:",
        help=t("report.download_fiche_help"), key="results_fiche_download")


def phases_ui(results: Results, assessment_id: int, grid: Grid) -> None:
    phases = phase_table(results.one("phases", assessment_id), grid)
    if phases.empty or phases["score"].isna().all():
        return
    st.subheader(t("team.phases_heading"))
    figure = charts.score_bars(list(phases["phase"]), list(phases["score"]),
                               list(phases["target"]), bands=list(phases["band"]),
                               band_labels=dict(zip(phases["band"], phases["band_label"])))
    chart_ui(figure, key="results_phases", category=t("portfolio.col_phase"))
    st.caption(t("team.phases_caption"))


# --- page -----------------------------------------------------------------------------------

st.title(t("team.results_title"))
project, assessment, results = scored_assessment_ui()
grid, scale = results.grid, load_scale()
st.caption(t("team.results_intro" if grid.phases else "team.results_intro_no_phase",
             section=grid.label("section").lower()))
show_flashes()
targets_in_force_ui(assessment.id, results, selector=True)
overall = results.one("overall", assessment.id).iloc[0]
table = stage_table(results.one("stages", assessment.id), grid)
previous = previous_campaign(assessment.id)

metrics_ui(overall, previous, grid, scale)
flags_ui(results, assessment.id, grid, scale)
consensus_ui(results, assessment.id, grid)
radar_ui(table, previous, grid)
stage_table_ui(table, grid, scale)
phases_ui(results, assessment.id, grid)
fiche_ui(project.id, assessment.id)
page_link("views/gaps.py", label=t("team.go_gaps"), icon=":material/trending_up:")
