"""Écarts et recommandations: where the team is below its target, and what the grid proposes.

The gaps ranked, then for each stage with a gap its weak points of vigilance and the grid's
methods that answer them (for the dialogue grid, the weak levers themselves), each with a
button that puts it in the action plan — once.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coopscore import charts
from coopscore import format as fmt
from coopscore.gaps import (
    already_planned, band_rules, gap_ranking, next_phase, recommendation_table, stage_table,
    unassessed_stages, weak_points,
)
from coopscore.grid import Grid
from coopscore.i18n import t
from coopscore.markup import escape_markdown
from coopscore.store import Assessment
from ui import (
    chart_ui, flash, guarded, load_scale, page_link, scored_assessment_ui, show_flashes, store,
    targets_in_force_ui,
)


def add_to_plan(assessment_id: int, kind: str, item_id: str, because: str, slot: str) -> None:
    """Button callback: put a recommended method (or lever) in the plan, unless it is there.
    What happened is said under the button (`slot`), far down the page where the eye is."""
    def add() -> None:
        db = store()
        item = db.grid_of(assessment_id).item(item_id)
        if already_planned(db.actions(assessment_id=assessment_id), kind, item):
            flash(t("team.already", text=item.text), "info", slot)
            return
        fields = {"method": item.id} if kind == "method" else {"title": item.text}
        db.add_action(assessment_id=assessment_id, because=because, **fields)
        flash(t("team.added", text=item.text), slot=slot)

    guarded(add, slot=slot)


def plan_button_ui(assessment: Assessment, recommendation: pd.Series) -> None:
    slot = f"plan_{assessment.id}_{recommendation['method']}"
    if recommendation["in_plan"]:
        st.button(t("team.in_plan"), key=f"in_plan_{assessment.id}_{recommendation['method']}",
                  icon=":material/check:", disabled=True)
    else:
        st.button(t("team.add_button"), key=f"add_{assessment.id}_{recommendation['method']}",
                  icon=":material/add_task:", on_click=add_to_plan,
                  args=(assessment.id, recommendation["kind"], recommendation["method"],
                        recommendation["because_note"], slot))
    show_flashes(slot)


def _badges(weak: pd.Series) -> str:
    badges = ""
    if weak["critical"]:
        badges += " :orange-badge[" + t("app.badge_critical") + "]"
    if weak["hotspot"]:
        badges += " :red-badge[" + t("team.hotspot_badge") + "]"
    return badges


def _sub_items_markdown(recommendation: pd.Series) -> str:
    return "\n".join("  " * s.depth + f"- {escape_markdown(s.text)}"
                     for s in recommendation["sub_items"])


def method_card_ui(assessment: Assessment, recommendation: pd.Series) -> None:
    with st.container(border=True):
        st.markdown(f"**{escape_markdown(recommendation['text'])}** :gray-badge["
                    + t("team.method_status", status=recommendation["status_label"]) + "]")
        if recommendation["because_texts"]:
            st.markdown(t("team.because_label") + "\n"
                        + "\n".join(f"- {b}" for b in recommendation["because_texts"]))
        if recommendation["sub_items"]:
            st.markdown(t("team.sub_items_label") + "\n" + _sub_items_markdown(recommendation))
        plan_button_ui(assessment, recommendation)


def lever_card_ui(assessment: Assessment, recommendation: pd.Series, weak: pd.DataFrame) -> None:
    found = weak[weak["item"] == recommendation["method"]]
    with st.container(border=True):
        badges = _badges(found.iloc[0]) if not found.empty else ""
        st.markdown(f"**{escape_markdown(recommendation['text'])}**{badges}")
        if not found.empty:
            st.caption(t("team.lever_value", value=found.iloc[0]["value_label"],
                         target=found.iloc[0]["target_label"]))
        if recommendation["sub_items"]:
            st.markdown(_sub_items_markdown(recommendation))
        plan_button_ui(assessment, recommendation)


def stage_ui(assessment: Assessment, stage: pd.Series, weak: pd.DataFrame,
             recommendations: pd.DataFrame, grid: Grid, expanded: bool) -> None:
    section = grid.section(stage["section_id"])
    label = t("team.stage_expander", label=grid.label("section"), number=section.number,
              title=section.title, gap=fmt.number(stage["gap"]))
    with st.expander(label, expanded=expanded):
        st.caption(t("team.stage_summary", score=fmt.number(stage["score"]),
                     target=fmt.number(stage["target"]), band=stage["band_label"],
                     completeness=fmt.percent(stage["completeness"])))
        if not section.methods and not recommendations.empty:
            # a section without methods (dialogue axes): its weak levers are the recommendation
            st.markdown(f"##### {t('team.levers_heading', criteria=grid.label('criteria'))}")
            for _, lever in recommendations.iterrows():
                lever_card_ui(assessment, lever, weak)
            return
        st.markdown(f"##### {t('team.weak_heading', criteria=grid.label('criteria'))}")
        if weak.empty:
            st.caption(t("team.weak_none_methods", section=grid.label("section").lower())
                       if stage["basis"] == "methods" else t("team.weak_none"))
        else:
            st.markdown("\n".join(
                t("team.weak_line", text=w["text"], value=w["value_label"],
                  target=w["target_label"], badges=_badges(w)) for _, w in weak.iterrows()))
        if not section.methods:
            return
        st.markdown(f"##### {t('team.methods_heading', methods=grid.label('methods'))}")
        if recommendations.empty:
            st.caption(t("team.no_recommendation"))
        for _, method in recommendations.iterrows():
            method_card_ui(assessment, method)


def no_gap_ui(table: pd.DataFrame, assessment: Assessment, grid: Grid) -> None:
    if not unassessed_stages(table).empty:  # said below: some expected stages are not answered
        st.success(t("team.no_gap_so_far", sections=grid.label("sections").lower()),
                   icon=":material/check_circle:")
        return
    st.success(t("team.no_gap" if grid.phases else "team.no_gap_no_phase",
                 section=grid.label("section").lower()), icon=":material/celebration:")
    if not grid.phases:
        return
    following = next_phase(grid, assessment.phase)
    if following is None:
        if assessment.phase in {p.id for p in grid.phases}:
            st.markdown(t("team.last_phase"))
        return
    rows = table[table["section_id"].isin(following.sections)]
    st.markdown(t("team.next_phase", phase=following.title) + "\n" + "\n".join(
        t("team.next_phase_line", stage=row["stage"],
          score=(t("team.next_phase_no_score") if pd.isna(row["score"])
                 else fmt.score(row["score"])))
        for _, row in rows.iterrows()))
    page_link("views/reference.py", label=t("team.go_reference"), icon=":material/menu_book:")


# --- page -----------------------------------------------------------------------------------

st.title(t("team.gaps_title"))
show_flashes()
project, assessment, results = scored_assessment_ui()
grid, scale = results.grid, load_scale()
st.caption(t("team.gaps_intro" if grid.phases else "team.gaps_intro_no_phase",
             sections=grid.label("sections").lower(),
             criteria=grid.label("criteria").lower()))
targets_in_force_ui(assessment.id, results)
table = stage_table(results.one("stages", assessment.id), grid)

if table["target"].isna().all():
    st.info(t("team.no_target"))
    st.stop()

ranking = gap_ranking(table)
if ranking.empty:
    no_gap_ui(table, assessment, grid)
else:
    st.subheader(t("team.ranking_heading"))
    chart_ui(charts.gap_bars(list(ranking["short"]), list(ranking["gap"]),
                             bands=list(ranking["band"]),
                             band_labels=dict(zip(ranking["band"], ranking["band_label"]))),
             key="gaps_ranking", category=grid.label("section"))
    st.caption(t("team.ranking_caption", rules=" · ".join(band_rules(scale))))

    st.subheader(t("team.stages_heading", sections=grid.label("sections")))
    weak = weak_points(results.one("criteria", assessment.id), grid, scale, ranking["section_id"])
    recommendations = recommendation_table(results.recommendations_for(assessment.id), grid, scale,
                                           store().actions(assessment_id=assessment.id))
    for position, (_, stage) in enumerate(ranking.iterrows()):
        stage_ui(assessment, stage, weak[weak["section_id"] == stage["section_id"]],
                 recommendations[recommendations["section_id"] == stage["section_id"]], grid,
                 expanded=position == 0)
    page_link("views/plan.py", label=t("team.go_plan"), icon=":material/checklist:")

unassessed = unassessed_stages(table)
if not unassessed.empty:
    st.info(t("team.unassessed", stages=", ".join(unassessed["short"])))
    page_link("views/assess.py", label=t("team.go_assess"), icon=":material/edit_note:")
