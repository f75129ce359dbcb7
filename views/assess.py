"""Auto-évaluation: choose or create project, assessment, respondent; answer stage by stage.

Every answer is written to the store the moment it is given (widget callbacks), so a
closed tab or a reload loses nothing; coming back opens the first stage left unfinished.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from coopscore import format as fmt
from coopscore.access import may_somewhere
from coopscore.errors import CoopscoreError
from coopscore.i18n import t
from coopscore.scale import Scale
from coopscore.store import programmes
from questionnaire import questionnaire_ui
from ui import (
    flash, guarded, load_grid, load_scale, md, notice_removed_characters, select, show_flashes,
    store,
)


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
            new_territory = st.text_input(t("app.assess_new_territory"), key="new_territory") \
                if db.may("territory.create") else ""
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
                                     success=md("app.assess_project_created", name=name.strip()))
                if project_id is not None:
                    select(project_id)
                st.rerun()


def edit_project_ui(project) -> None:
    """Rename the project or move it to another phase (the targets follow the phase)."""
    cooperation = load_grid("cooperation")
    form = f"edit_project_{project.id}"
    with st.expander(t("app.assess_edit_project"), icon=":material/edit:"):
        with st.form(form, border=False):
            name = st.text_input(t("app.assess_project_name"), value=project.name)
            phases = {p.id: p.title for p in cooperation.phases}
            options = [None, *phases]
            phase = st.selectbox(
                t("app.assess_phase"), options,
                index=options.index(project.phase) if project.phase in options else 0,
                format_func=lambda p: phases[p] if p else t("app.assess_phase_unknown"),
                help=t("app.assess_phase_help"))
            submitted = st.form_submit_button(t("app.assess_save_project"), type="primary")
        if submitted:
            if name.strip() == project.name and phase == project.phase:
                st.info(t("app.assess_project_unchanged"))
            else:
                try:
                    store().update_project(project.id, name=name, phase=phase)
                except CoopscoreError as error:
                    st.error(str(error))  # under the form; nothing changed
                else:
                    flash(md("app.assess_project_saved", name=name.strip(),
                            phase=phases.get(phase) or t("app.assess_phase_unknown")),
                          slot=form)
                    notice_removed_characters(name, slot=form)
                    st.rerun()
        show_flashes(form)


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
            day = st.date_input(t("app.assess_date"), value=dt.date.today(),
                                format=fmt.date_input_pattern())
            anonymous = st.checkbox(t("app.assess_anonymous"), help=t("app.assess_anonymous_help"))
            own_profile = st.checkbox(t("app.assess_own_profile"),
                                      help=t("app.assess_own_profile_help"))
            if st.form_submit_button(t("app.assess_create_assessment"), type="primary"):
                assessment_id = guarded(db.create_assessment, project_id, grid_id, label, day,
                                        anonymous=anonymous, show_own_profile=own_profile,
                                        success=md("app.assess_assessment_created", label=label)
                                        + (" " + t("app.assess_anonymous_created")
                                           if anonymous else ""))
                if assessment_id is not None:
                    select(project_id, assessment_id)
                st.rerun()


def _respondent_key(assessment_id: int) -> str:
    return f"respondent_select_{assessment_id}"


def _choose_respondent(assessment_id: int) -> None:
    """Selectbox callback: the person picked becomes the one answering (and the URL follows)."""
    st.session_state["respondent_id"] = st.session_state.get(_respondent_key(assessment_id))


def _add_respondent(assessment_id: int) -> None:
    """Form callback: add the person, and make them the one answering, before anything draws."""
    form = f"new_respondent_{assessment_id}"
    name = st.session_state.get(f"{form}_name", "")
    try:
        respondent_id = store().add_respondent(
            assessment_id, name, st.session_state.get(f"{form}_role"),
            st.session_state.get(f"{form}_organisation", ""))
    except CoopscoreError as error:  # shown under the form that caused it, nothing added
        st.session_state[f"{form}_message"] = ("error", str(error))
        return
    st.session_state[f"{form}_message"] = (
        "success", md("app.assess_respondent_added", name=str(name).strip()))
    st.session_state["respondent_id"] = respondent_id
    st.session_state[_respondent_key(assessment_id)] = respondent_id  # widget not drawn yet
    notice_removed_characters(name, st.session_state.get(f"{form}_organisation", ""), slot=form)


def respondent_ui(assessment_id: int, scale: Scale) -> int | None:
    """Say who is answering, let them change or add a person; return the respondent id."""
    db = store()
    respondents = db.respondents(assessment_id)
    roles = {r.id: r.label for r in scale.roles}
    # only the people the actor may answer as (a team member: their own row)
    people = {int(row["id"]): (row["name"], roles.get(row["role"], row["role"]))
              for _, row in respondents.iterrows()
              if db.may("answers.write", "respondent", int(row["id"]))}
    key = _respondent_key(assessment_id)
    current = st.session_state.get("respondent_id")
    # a team member (comptes mode) adds nobody and answers as their own row only: that row
    # answers, with no list to pick from; without one, they are told how to get it
    own_only = not db.may("respondent.create", "assessment", assessment_id)
    if own_only and not people:
        st.info(md("app.assess_not_linked", email=db.actor.email or "—"),
                icon=":material/link_off:")
        st.stop()
    if own_only and len(people) == 1 and current not in people:
        current = next(iter(people))
        st.session_state["respondent_id"] = current
    # the selection (from the URL, the sidebar or a callback) is the truth: the widget follows
    if current in people and st.session_state.get(key) != current:
        st.session_state[key] = current
    elif current not in people and st.session_state.get(key) is not None:
        st.session_state[key] = None
    if current in people:
        name, role = people[current]
        st.info(md("questionnaire.answering_as", name=name, role=role), icon=":material/person:")
    if people and not (own_only and len(people) == 1):
        st.selectbox(t("questionnaire.change_person") if current in people
                     else t("app.assess_respondent"), list(people), index=None,
                     format_func=lambda r: f"{people[r][0]} — {people[r][1]}",
                     placeholder=t("app.assess_respondent_placeholder"), key=key,
                     on_change=_choose_respondent, args=(assessment_id,))
    form = f"new_respondent_{assessment_id}"
    if own_only:
        return current if current in people else None
    with st.expander(t("app.assess_new_respondent"), expanded=not people,
                     icon=":material/person_add:"):
        with st.form(form, clear_on_submit=True, border=False):
            st.text_input(t("app.assess_respondent_name"), key=f"{form}_name",
                          help=t("app.assess_respondent_name_help"))
            st.selectbox(t("app.assess_role"), list(roles), format_func=roles.get,
                         key=f"{form}_role")
            st.text_input(t("app.assess_organisation"), key=f"{form}_organisation")
            st.form_submit_button(t("app.assess_add_respondent"), type="primary",
                                  on_click=_add_respondent, args=(assessment_id,))
    with st.container():  # the form's message, shown or not: the questionnaire keeps its place
        message = st.session_state.pop(f"{form}_message", None)
        if message is not None:
            kind, text = message
            (st.success if kind == "success" else st.error)(text)
        show_flashes(form)
    return current if current in people else None


# --- page -------------------------------------------------------------------------------

st.title(t("app.assess_title"))
st.caption(t("app.assess_intro"))
show_flashes()
db = store()
scale = load_scale()
project_id = st.session_state.get("project_id")
assessment_id = st.session_state.get("assessment_id")

if may_somewhere(db.actor, "project.create"):
    new_project_ui(expanded=db.projects().empty)
if project_id is None:
    st.info(t("app.assess_pick_project"))
    st.stop()

project = db.project(project_id)
if db.may("project.edit", "project", project_id):
    edit_project_ui(project)
if db.may("assessment.create", "project", project_id):
    new_assessment_ui(project_id, expanded=assessment_id is None)
if assessment_id is None:
    st.info(md("app.assess_pick_assessment", project=project.name))
    st.stop()

respondent_id = respondent_ui(assessment_id, scale)
if respondent_id is None:
    st.info(t("app.assess_pick_respondent"))
    st.stop()
questionnaire_ui(assessment_id, respondent_id)
