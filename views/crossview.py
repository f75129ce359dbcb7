"""Regards croisés: where the team disagrees, and a consensus session to settle it.

For a facilitator: each person's stage scores side by side, the spread of answers per point
of vigilance, the points of disagreement, the view of each role, and a consensus mode that
records the value the group agrees on (the raw answers stay as they were).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coopscore import agreement, anonymity, charts
from coopscore import format as fmt
from coopscore.grid import Grid
from coopscore.i18n import t
from coopscore.labels import band_ranges, shorten, stage_labels
from coopscore.markup import escape_markdown
from coopscore.results import Results
from coopscore.scale import Scale
from coopscore.store import Assessment
from ui import (
    chart_ui,
    dataframe,
    flash,
    guarded,
    load_scale,
    md,
    page_link,
    results_for,
    show_flashes,
    store,
)

ASSESS_PAGE = "views/assess.py"
ITEM_WIDTH = 70  # characters of a point of vigilance's text in lists
CHART_ITEM_WIDTH = 48  # ... beside the bars of a chart, which need the room


def go_assess_link() -> None:
    page_link(ASSESS_PAGE, label=t("facilitation.go_assess"), icon=":material/edit_note:")


def selected_assessment_ui() -> Assessment | None:
    """The assessment chosen in the sidebar, or an explanation of what to do first."""
    project_id = st.session_state.get("project_id")
    assessment_id = st.session_state.get("assessment_id")
    if project_id is None:
        st.info(t("facilitation.pick_project"))
        go_assess_link()
        return None
    if assessment_id is None:
        st.info(t("facilitation.no_assessment"))
        go_assess_link()
        return None
    return store().assessment(assessment_id)


def item_label(grid: Grid, item_id: str, width: int = ITEM_WIDTH) -> str:
    text = grid.item(item_id).text if grid.has_item(item_id) else item_id
    return t("facilitation.spread_row", id=item_id, text=shorten(text, width))


def value_label(grid: Grid, scale: Scale, item_id: str, value: str) -> str:
    """« 2 · En partie traité » for a level, the label alone for any other answer."""
    kind = grid.item(item_id).kind if grid.has_item(item_id) else "criterion"
    answer = scale.answer(kind, value)
    if answer is None:
        return value
    if kind == "criterion" and answer.level is not None:
        return t("facilitation.spread_level", value=answer.value, label=answer.label)
    return answer.label


def band_legend(scale: Scale) -> str:
    """« Lecture des scores (0–100) : Point d'appui de 75 à 100, ... »"""
    return t("facilitation.band_legend", bands=", ".join(
        t("facilitation.band_item", label=label, low=fmt.number(low), high=fmt.number(high))
        for label, low, high in band_ranges(scale.bands)))


def metrics_ui(results: Results, assessment_id: int, hotspots: pd.DataFrame, scale: Scale,
               n_respondents: int) -> None:
    considered, disputed, share = agreement.agreement_summary(
        results.scores.criteria, assessment_id, scale.hotspot_min_answers)
    columns = st.columns(4)
    columns[0].metric(t("facilitation.metric_respondents"), fmt.integer(n_respondents),
                      help=t("facilitation.metric_respondents_help"))
    columns[1].metric(t("facilitation.metric_hotspots"), fmt.integer(len(hotspots)),
                      help=t("facilitation.metric_hotspots_help",
                             spread=fmt.number(scale.hotspot_spread, 2),
                             n=scale.hotspot_min_answers))
    columns[2].metric(t("facilitation.metric_resolved"), fmt.integer(hotspots["resolved"].sum()),
                      help=t("facilitation.metric_resolved_help"))
    columns[3].metric(t("readings.metric_agreed_points"),
                      t("facilitation.none") if share is None
                      else fmt.percent(agreement.agreement_percent(share) / 100),
                      help=t("readings.metric_agreed_points_help", n=scale.hotspot_min_answers,
                             agreed=considered - disputed, considered=considered,
                             spread=fmt.number(scale.hotspot_spread, 2),
                             within=fmt.number(scale.agreement_within, 2)))


def respondents_ui(results: Results, assessment_id: int, scale: Scale) -> None:
    grid = results.grid
    st.subheader(t("facilitation.heatmap_heading", section=grid.label("section").lower()))
    st.caption(t("facilitation.heatmap_caption") + " " + band_legend(scale))
    people = store().respondents(assessment_id)
    anonymous = store().assessment(assessment_id).anonymous
    names = anonymity.display_names(people, anonymous)
    shown_roles = set(anonymity.roles_shown(people, anonymous))
    rows = {row.id: (t("facilitation.heatmap_row", name=names[int(row.id)],
                       role=scale.role_label(row.role)) if row.role in shown_roles
                     else names[int(row.id)])
            for row in people.itertuples()}
    if anonymous:
        st.caption(t("facilitation.anonymous_caption"))
    # Sixteen stage titles do not fit above narrow columns: numbers there, titles on hover.
    numbers = {section.id: str(section.number) for section in grid.sections}
    matrix = agreement.respondent_matrix(results.scores.respondent_stages, assessment_id, rows,
                                         numbers)
    figure = charts.heatmap(matrix, x_title=t("facilitation.heatmap_x",
                                              sections=grid.label("sections")),
                            hover_label=t("facilitation.heatmap_hover"),
                            column_hover=list(stage_labels(grid, width=None).values()))
    chart_ui(figure, key="crossview_heatmap", category=t("facilitation.col_person"))


def roles_ui(results: Results, assessment_id: int, scale: Scale) -> None:
    st.subheader(t("facilitation.roles_heading"))
    scores = results.scores
    section_ids = [s.id for s in results.grid.sections]
    by_role = agreement.role_stage_scores(scores.criteria_by_role, scores.criteria, scale.max_level)
    profiles = agreement.role_profiles(by_role, assessment_id, section_ids, scale.role_ids())
    people = store().respondents(assessment_id)
    anonymous = store().assessment(assessment_id).anonymous
    allowed = set(anonymity.roles_shown(people, anonymous))
    hidden = [role for role in profiles if role not in allowed]
    profiles = {role: values for role, values in profiles.items() if role in allowed}
    if hidden:
        st.caption(t("facilitation.roles_hidden", minimum=anonymity.MIN_PEOPLE_PER_ROLE,
                     roles=", ".join(scale.role_label(role) for role in hidden)))
    if len(profiles) < 2:
        st.info(t("facilitation.roles_one_role"))
        return
    st.caption(t("facilitation.roles_caption"))
    counts = agreement.respondents_by_role(scores.respondent_stages, assessment_id)
    series = [charts.Series(t("facilitation.roles_series", role=scale.role_label(role),
                              count=counts.get(role, 0)), values, kind="other")
              for role, values in profiles.items()]
    team = results.one("stages", assessment_id).set_index("section_id")["score"]
    series.append(charts.Series(t("facilitation.team_series"),
                                [team.get(s) for s in section_ids], kind="target",
                                colour="#000000"))
    full = list(stage_labels(results.grid, width=None).values())
    figure = charts.radar(list(stage_labels(results.grid).values()), series, hover=full,
                          height=600)
    # on a narrow page, the axes are numbered (their titles are in the table below the chart)
    narrow = charts.radar([str(s.number) for s in results.grid.sections], series, hover=full,
                          height=420)
    chart_ui(figure, key="crossview_roles", category=results.grid.label("section"),
             narrow=narrow)


def spread_ui(results: Results, assessment_id: int, hotspots: pd.DataFrame, answers: pd.DataFrame,
              scale: Scale) -> None:
    st.subheader(t("facilitation.spread_heading"))
    grid = results.grid
    st.caption(t("facilitation.spread_caption", criteria=grid.label("criteria").lower()))
    full = stage_labels(grid, width=None)
    section_ids = [s.id for s in grid.sections]
    disputed = [s for s in section_ids if s in set(hotspots["section_id"])]
    default = section_ids.index(disputed[0]) if disputed else 0
    section_id = st.selectbox(grid.label("section"), section_ids, index=default,
                              format_func=full.get, key=f"spread_stage_{assessment_id}")
    context = results.context[results.context["assessment"] == assessment_id]
    is_cte = bool(context["cte"].iloc[0]) if len(context) else False
    criteria = [c.id for c in agreement.project_items(grid.section(section_id).criteria, is_cte)]
    if not criteria:
        st.info(t("facilitation.spread_no_criteria", criteria=grid.label("criteria").lower()))
        return
    values = list(scale.criterion_values())
    counts = agreement.answer_counts(answers, criteria, values)
    counts.index = [item_label(grid, item, CHART_ITEM_WIDTH) for item in counts.index]
    labels = {v: value_label(grid, scale, criteria[0], v) for v in values}
    figure = charts.answer_spread(counts, levels=values, level_labels=labels)
    chart_ui(figure, key="crossview_spread", category=grid.label("criteria"))


def hotspots_ui(results: Results, hotspots: pd.DataFrame, scale: Scale) -> None:
    st.subheader(t("facilitation.hotspots_heading"))
    st.caption(t("readings.hotspots_definition", spread=fmt.number(scale.hotspot_spread, 2),
                 n=scale.hotspot_min_answers, within=fmt.number(scale.agreement_within, 2)))
    if hotspots.empty:
        st.info(t("facilitation.hotspots_none"))
        return
    grid = results.grid
    table = pd.DataFrame({
        "item": [item_label(grid, i) for i in hotspots["item"]],
        "n": hotspots["n"].astype(int),
        "range": [t("facilitation.range_value", low=fmt.number(lo), high=fmt.number(hi))
                  for lo, hi in zip(hotspots["min"], hotspots["max"], strict=True)],
        "median": [fmt.number(v, 1) for v in hotspots["median"]],
        "agreement": [agreement.agreement_percent(a) for a in hotspots["agreement"]],
        "value": [fmt.number(v, 1) for v in hotspots["value"]],
        "status": [t("facilitation.status_resolved",
                     value=value_label(grid, scale, item, value)) if resolved
                   else t("facilitation.status_open")
                   for item, value, resolved in zip(hotspots["item"], hotspots["agreed_value"],
                                                    hotspots["resolved"], strict=True)],
    })
    dataframe(table, hide_index=True, width="stretch", key="crossview_hotspots", placeholder="—",
                 height=table_height(len(table)), column_config={
        "item": st.column_config.TextColumn(grid.label("criteria"), width=330),
        "n": st.column_config.NumberColumn(t("facilitation.col_n"), width=80),
        "range": st.column_config.TextColumn(t("facilitation.col_range"), width=110),
        "median": st.column_config.TextColumn(t("facilitation.col_median"), width=75),
        "agreement": st.column_config.NumberColumn(t("facilitation.col_agreement"), format=fmt.table_percent(),
                                                   width=70),
        "value": st.column_config.TextColumn(t("facilitation.col_value"), width=125),
        "status": st.column_config.TextColumn(t("facilitation.col_status"), width=150),
    })


def table_height(rows: int) -> int:
    """Pixels that show every row of a table up to about twenty, then it scrolls."""
    return 38 + 35 * min(max(rows, 1), 20)


CONSENSUS, AGREED = "consensus", "agreed"  # messages under the form, atop the agreed list


def _save_agreed(assessment_id: int, item_id: str, value: str | None, rationale: str,
                 grid: Grid, scale: Scale) -> None:
    if value is None:
        flash(t("facilitation.consensus_missing_value"), "error", CONSENSUS)
        return
    if not rationale.strip():
        flash(t("facilitation.consensus_missing_rationale"), "error", CONSENSUS)
        return
    guarded(store().set_agreed, assessment_id, item_id, value, rationale.strip(),
            success=t("facilitation.consensus_saved", id=item_id,
                      value=value_label(grid, scale, item_id, value)), slot=CONSENSUS)


def consensus_ui(results: Results, assessment: Assessment, hotspots: pd.DataFrame,
                 answers: pd.DataFrame, scale: Scale) -> None:
    """The consensus workshop's form; its messages right under it, whatever it shows."""
    _consensus(results, assessment, hotspots, answers, scale)
    show_flashes(CONSENSUS)


def _consensus(results: Results, assessment: Assessment, hotspots: pd.DataFrame,
               answers: pd.DataFrame, scale: Scale) -> None:
    st.subheader(t("facilitation.consensus_heading"))
    st.caption(t("facilitation.consensus_intro"))
    if assessment.is_closed:
        st.info(t("facilitation.consensus_closed"))
        return
    if hotspots.empty:
        st.info(t("facilitation.consensus_no_hotspot"))
        return
    grid, assessment_id = results.grid, assessment.id
    rows = hotspots.set_index("item")
    item_id = st.selectbox(
        t("facilitation.consensus_pick"), list(rows.index), key=f"consensus_item_{assessment_id}",
        format_func=lambda i: t("facilitation.consensus_option", id=i,
                                text=shorten(grid.item(i).text, ITEM_WIDTH),
                                status=t("facilitation.consensus_option_resolved"
                                         if rows.loc[i, "resolved"]
                                         else "facilitation.consensus_option_open")))
    row = rows.loc[item_id]
    st.markdown(f"**{escape_markdown(grid.item(item_id).text)}**")
    levels = [a.value for a in scale.levels]
    counts = agreement.answer_counts(answers, [item_id], levels).iloc[0]
    st.markdown(t("facilitation.consensus_answers", n=int(row["n"]), median=fmt.number(row["median"], 1),
                  counts=" ; ".join(t("facilitation.consensus_count",
                                      label=value_label(grid, scale, item_id, v), count=int(c))
                                    for v, c in counts.items())))
    comments_ui(answers, assessment_id, item_id, scale)
    current = row["agreed_value"] if row["resolved"] else None
    with st.form(f"consensus_{assessment_id}_{item_id}", border=True):
        value = st.radio(t("facilitation.consensus_value"), levels, horizontal=True,
                         index=levels.index(current) if current in levels else None,
                         format_func=lambda v: value_label(grid, scale, item_id, v),
                         key=f"consensus_value_{assessment_id}_{item_id}")
        rationale = st.text_area(t("facilitation.consensus_rationale"),
                                 value=row["rationale"] or "",
                                 help=t("facilitation.consensus_rationale_help"),
                                 key=f"consensus_rationale_{assessment_id}_{item_id}")
        if st.form_submit_button(t("facilitation.consensus_save"), type="primary",
                                 icon=":material/handshake:", key=f"consensus_save_{assessment_id}"):
            _save_agreed(assessment_id, item_id, value, rationale, grid, scale)
            st.rerun()


def comments_ui(answers: pd.DataFrame, assessment_id: int, item_id: str, scale: Scale) -> None:
    """What respondents wrote about this point: material for the discussion."""
    said = answers[(answers["item"] == item_id) & answers["comment"].notna()]
    if said.empty:
        return
    respondents = store().respondents(assessment_id)
    anonymous = store().assessment(assessment_id).anonymous
    names = anonymity.display_names(respondents, anonymous)
    shown_roles = set(anonymity.roles_shown(respondents, anonymous))
    roles = respondents.set_index("id")["role"]
    with st.expander(t("facilitation.consensus_comments", count=len(said)), icon=":material/forum:"):
        st.markdown("\n".join(
            t("facilitation.consensus_comment", comment=escape_markdown(row.comment),
              name=names[int(row.respondent)],
              role=scale.role_label(roles[row.respondent]) if roles[row.respondent] in shown_roles
              else t("facilitation.role_hidden"))
            for row in said.itertuples()))


def agreed_ui(results: Results, assessment: Assessment, scale: Scale) -> None:
    st.subheader(t("facilitation.agreed_heading"))
    show_flashes(AGREED)  # « … n'est plus retenu » where the point was
    grid, assessment_id = results.grid, assessment.id
    agreed = store().agreed(assessment_id)
    if agreed.empty:
        st.caption(t("facilitation.agreed_none"))
        return
    medians = results.one("criteria", assessment_id).astype({"item": object}) \
        .set_index("item")["median"]
    for row in agreed.itertuples():
        text = grid.item(row.item).text if grid.has_item(row.item) else row.item
        with st.container(border=True):
            info, action = st.columns([5, 1], vertical_alignment="center")
            info.markdown("  \n".join([
                t("facilitation.agreed_item", id=row.item, text=text),
                t("facilitation.agreed_value", value=value_label(grid, scale, row.item, row.value),
                  median=fmt.number(medians.get(row.item), 1)),
                md("facilitation.agreed_rationale", rationale=row.rationale) if row.rationale
                else t("facilitation.agreed_no_rationale"),
            ]))
            info.caption(t("facilitation.agreed_date",
                           date=fmt.date(row.updated_at)))
            if not assessment.is_closed and action.button(
                    t("facilitation.agreed_clear"), key=f"clear_agreed_{assessment_id}_{row.item}",
                    help=t("facilitation.agreed_clear_help"), icon=":material/undo:"):
                guarded(store().clear_agreed, assessment_id, row.item,
                        success=t("facilitation.agreed_cleared", id=row.item), slot=AGREED)
                st.rerun()


# --- the page ------------------------------------------------------------------------

st.title(t("facilitation.crossview_title"))
show_flashes()
assessment = selected_assessment_ui()
if assessment is None:
    st.stop()
project = store().project(assessment.project_id)
st.caption(md("facilitation.crossview_question", project=project.name, assessment=t(
    "facilitation.campaign_label", label=assessment.label,
    date=fmt.date(assessment.date))))
scale = load_scale()
results = results_for(assessment.id)
respondent_stages = results.scores.respondent_stages
n_respondents = agreement.respondent_count(respondent_stages, assessment.id)
if n_respondents == 0:
    st.info(t("facilitation.crossview_no_answer"))
    go_assess_link()
    st.stop()
if n_respondents < 2:
    st.info(t("facilitation.crossview_one_respondent"))
    go_assess_link()
    st.stop()

hotspots = agreement.hotspots(results.scores.criteria, store().agreed(assessment.id), assessment.id)
metrics_ui(results, assessment.id, hotspots, scale, n_respondents)
respondents_ui(results, assessment.id, scale)
roles_ui(results, assessment.id, scale)
hotspots_ui(results, hotspots, scale)
answers = store().answers(assessment.id)
spread_ui(results, assessment.id, hotspots, answers, scale)
consensus_ui(results, assessment, hotspots, answers, scale)
agreed_ui(results, assessment, scale)
