"""Auto-évaluation: choose or create project, assessment, respondent; answer stage by stage.

Every answer is written to the store the moment it is given (widget callbacks), so a
closed tab or a reload loses nothing; coming back opens the first stage left unfinished.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from coopscore.grid import Grid, Item, Section
from coopscore.i18n import t
from coopscore.scale import Scale
from coopscore.store import programmes
from ui import flash, guarded, load_grid, load_scale, select, show_flashes, store


# --- creation forms -------------------------------------------------------------------


def new_project_ui(expanded: bool) -> None:
    db = store()
    cooperation = load_grid("cooperation")
    with st.expander(t("app.assess_new_project"), expanded=expanded, icon=":material/add:"):
        with st.form("new_project", clear_on_submit=True, border=False):
            territories = db.territories()
            names = dict(zip(territories["id"], territories["name"], strict=True))
            territory_id = st.selectbox(t("app.assess_territory"), list(names), index=None,
                                        format_func=names.get,
                                        placeholder=t("app.assess_territory_placeholder"))
            new_territory = st.text_input(t("app.assess_new_territory"), key="new_territory")
            name = st.text_input(t("app.assess_project_name"), key="new_project_name")
            programme_labels = programmes()
            programme = st.selectbox(t("app.assess_programme"), list(programme_labels),
                                     format_func=programme_labels.get)
            phases = {p.id: p.title for p in cooperation.phases}
            phase = st.selectbox(t("app.assess_phase"), list(phases), format_func=phases.get,
                                 help=t("app.assess_phase_help"))
            cte = st.checkbox(t("app.assess_cte"), help=t("app.assess_cte_help"))
            if st.form_submit_button(t("app.assess_create_project"), type="primary"):
                if new_territory.strip():
                    territory_id = guarded(db.create_territory, new_territory)
                    if territory_id is None:
                        st.rerun()
                if territory_id is None:
                    flash(t("app.assess_territory_missing"), "error")
                    st.rerun()
                project_id = guarded(db.create_project, name, territory_id, programme, phase, cte,
                                     success=t("app.assess_project_created", name=name.strip()))
                if project_id is not None:
                    select(project_id)
                st.rerun()


def new_assessment_ui(project_id: int, expanded: bool) -> None:
    db = store()
    with st.expander(t("app.assess_new_assessment"), expanded=expanded, icon=":material/add:"):
        with st.form("new_assessment", clear_on_submit=True, border=False):
            grid_ids = ["cooperation", "dialogue"]
            grid_id = st.radio(t("app.grid_choice"), grid_ids, horizontal=True,
                               format_func=lambda g: load_grid(g).short_title)
            has_any = not db.assessments(project_id).empty
            label = st.text_input(t("app.assess_label"),
                                  value=t("app.assess_label_next" if has_any else "app.assess_label_first"))
            day = st.date_input(t("app.assess_date"), value=dt.date.today(), format="DD/MM/YYYY")
            if st.form_submit_button(t("app.assess_create_assessment"), type="primary"):
                assessment_id = guarded(db.create_assessment, project_id, grid_id, label, day,
                                        success=t("app.assess_assessment_created", label=label))
                if assessment_id is not None:
                    select(project_id, assessment_id)
                st.rerun()


def respondent_ui(assessment_id: int, scale: Scale) -> int | None:
    """Pick who is answering, or add a person; return the respondent id."""
    db = store()
    respondents = db.respondents(assessment_id)
    roles = {r.id: r.label for r in scale.roles}
    names = {row["id"]: f"{row['name']} — {roles.get(row['role'], row['role'])}"
             for _, row in respondents.iterrows()}
    current = st.session_state.get("respondent_id")
    chosen = None
    if names:
        ids = list(names)
        chosen = st.selectbox(t("app.assess_respondent"), ids, format_func=names.get,
                              index=ids.index(current) if current in names else None,
                              placeholder=t("app.assess_respondent_placeholder"),
                              key=f"respondent_select_{assessment_id}")
    with st.expander(t("app.assess_new_respondent"), expanded=not names, icon=":material/person_add:"):
        with st.form(f"new_respondent_{assessment_id}", clear_on_submit=True, border=False):
            name = st.text_input(t("app.assess_respondent_name"),
                                 help=t("app.assess_respondent_name_help"))
            role = st.selectbox(t("app.assess_role"), list(roles), format_func=roles.get)
            organisation = st.text_input(t("app.assess_organisation"))
            if st.form_submit_button(t("app.assess_add_respondent"), type="primary"):
                respondent_id = guarded(db.add_respondent, assessment_id, name, role, organisation,
                                        success=t("app.assess_respondent_added", name=name.strip()))
                if respondent_id is not None:
                    st.session_state["respondent_id"] = respondent_id
                    st.session_state.pop(f"respondent_select_{assessment_id}", None)
                st.rerun()
    if chosen is not None:
        st.session_state["respondent_id"] = chosen
    return chosen


# --- the questionnaire ---------------------------------------------------------------


def answerable(section: Section, cte: bool) -> list[Item]:
    """The items a respondent answers in a section: criteria then methods (CTE ones if relevant)."""
    return [i for i in (*section.criteria, *section.methods) if cte or not i.cte]


def _save(assessment_id: int, respondent_id: int, item_id: str) -> None:
    value = st.session_state.get(f"value_{assessment_id}_{respondent_id}_{item_id}")
    comment = st.session_state.get(f"comment_{assessment_id}_{respondent_id}_{item_id}")
    if value is None:
        if comment:
            flash(t("app.assess_comment_needs_answer"), "warning")
        return
    guarded(store().save_answer, assessment_id, respondent_id, item_id, value,
            comment if comment is not None else None)


def item_ui(item: Item, scale: Scale, assessment_id: int, respondent_id: int,
            answers: dict[str, tuple[str, str | None]], read_only: bool) -> None:
    key = f"{assessment_id}_{respondent_id}_{item.id}"
    stored_value, stored_comment = answers.get(item.id, (None, None))
    if item.kind == "criterion":
        options = [a for a in (*scale.levels, *scale.non_levels)]
    else:
        options = list(scale.method_answers)
    values = [a.value for a in options]
    labels = {a.value: (f"{a.value} · {a.label}" if a.level is not None and item.kind == "criterion"
                        else a.label) for a in options}
    with st.container(border=True):
        badges = ""
        if item.critical:
            badges += " :orange-badge[" + t("app.badge_critical") + "]"
        if item.cte:
            badges += " :blue-badge[" + t("app.badge_cte") + "]"
        st.markdown(f"**{item.text}**{badges}")
        if item.children:
            st.markdown("\n".join(f"- {child.text}" for child in item.children))
        st.radio(
            t("app.assess_answer_label", id=item.id), values, format_func=labels.get,
            captions=[a.description for a in options], horizontal=True,
            index=values.index(stored_value) if stored_value in values else None,
            key=f"value_{key}", on_change=_save, args=(assessment_id, respondent_id, item.id),
            disabled=read_only, label_visibility="collapsed",
        )
        st.text_input(t("app.assess_comment"), value=stored_comment or "", key=f"comment_{key}",
                      on_change=_save, args=(assessment_id, respondent_id, item.id),
                      disabled=read_only, placeholder=t("app.assess_comment_placeholder"))


def stage_progress(grid: Grid, cte: bool, answered: set[str]) -> pd.DataFrame:
    rows = []
    for section in grid.sections:
        items = answerable(section, cte)
        done = sum(1 for i in items if i.id in answered)
        rows.append({"section": section.id, "done": done, "total": len(items)})
    return pd.DataFrame(rows)


def questionnaire_ui(grid: Grid, scale: Scale, assessment, project, respondent_id: int) -> None:
    db = store()
    mine = db.answers(assessment.id)
    mine = mine[mine["respondent"] == respondent_id]
    answers = {row["item"]: (row["value"], row["comment"] if isinstance(row["comment"], str) else None)
               for _, row in mine.iterrows()}
    progress = stage_progress(grid, project.cte, set(answers))
    done, total = int(progress["done"].sum()), int(progress["total"].sum())
    st.progress(done / total if total else 0.0,
                text=t("app.assess_progress", done=done, total=total))

    sections = {s.id: s for s in grid.sections}
    counts = progress.set_index("section")
    label = grid.label("section")

    def stage_label(section_id: str) -> str:
        section = sections[section_id]
        mark = "✓ " if counts.loc[section_id, "done"] == counts.loc[section_id, "total"] else ""
        return t("app.assess_stage_option", mark=mark, label=label, number=section.number,
                 title=section.title, done=counts.loc[section_id, "done"],
                 total=counts.loc[section_id, "total"])

    stage_key = f"stage_{assessment.id}_{respondent_id}"
    if stage_key not in st.session_state:
        unfinished = progress[progress["done"] < progress["total"]]
        st.session_state[stage_key] = (unfinished["section"].iloc[0] if not unfinished.empty
                                       else grid.sections[0].id)
    section_id = st.selectbox(label, list(sections), format_func=stage_label, key=stage_key)
    section = sections[section_id]
    read_only = assessment.status == "closed"
    if read_only:
        st.info(t("app.assess_closed"))

    st.subheader(f"{label} {section.number} — {section.title}")
    phase = grid.phase_of(section.id)
    if phase:
        st.caption(t("app.reference_phase", phase=phase.title))
    st.markdown(f"*{scale.question}*")
    if not section.criteria:
        st.info(t("app.assess_no_criteria"))
    for item in section.criteria:
        if project.cte or not item.cte:
            item_ui(item, scale, assessment.id, respondent_id, answers, read_only)
    methods = [m for m in section.methods if project.cte or not m.cte]
    if methods:
        st.markdown(f"#### {grid.label('methods')}")
        st.markdown(f"*{scale.method_question}*")
        for item in methods:
            item_ui(item, scale, assessment.id, respondent_id, answers, read_only)

    position = list(sections).index(section_id)
    previous, _, following = st.columns([1, 2, 1])
    if position > 0 and previous.button(t("app.assess_previous"), icon=":material/arrow_back:"):
        st.session_state[stage_key] = list(sections)[position - 1]
        st.rerun()
    if position < len(sections) - 1 and following.button(
            t("app.assess_next"), icon=":material/arrow_forward:", type="primary"):
        st.session_state[stage_key] = list(sections)[position + 1]
        st.rerun()


# --- page -------------------------------------------------------------------------------

st.title(t("app.assess_title"))
st.caption(t("app.assess_intro"))
show_flashes()
db = store()
scale = load_scale()
project_id = st.session_state.get("project_id")
assessment_id = st.session_state.get("assessment_id")

new_project_ui(expanded=db.projects().empty)
if project_id is None:
    st.info(t("app.assess_pick_project"))
    st.stop()

project = db.project(project_id)
new_assessment_ui(project_id, expanded=assessment_id is None)
if assessment_id is None:
    st.info(t("app.assess_pick_assessment", project=project.name))
    st.stop()

assessment = db.assessment(assessment_id)
grid = db.grid_of(assessment_id)
respondent_id = respondent_ui(assessment_id, scale)
if respondent_id is None:
    st.info(t("app.assess_pick_respondent"))
    st.stop()
questionnaire_ui(grid, scale, assessment, project, respondent_id)
