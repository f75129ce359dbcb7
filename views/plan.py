"""Plan d'action: the project's actions (from recommendations or free), edited and saved."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from coopscore import format as fmt
from coopscore.exchange import csv_bytes
from coopscore.i18n import t
from coopscore.plan import plan_changes, plan_table, with_changes
from coopscore.store import action_statuses
from ui import flash, guarded, md, notice_removed_characters, show_flashes, store

st.title(t("app.plan_title"))
show_flashes()
db = store()
project_id = st.session_state.get("project_id")
assessment_id = st.session_state.get("assessment_id")
if project_id is None:
    st.info(t("app.plan_pick_project"))
    st.stop()

SAVING, ADDING = "plan_saving", "plan_adding"  # where the table's and the form's messages show
DRAFT = f"_plan_draft_{project_id}"  # (updates, deletions) not saved yet, kept for the session
BASE = f"_plan_base_{project_id}"  # the draft this visit's table started from
GENERATION = f"_plan_generation_{project_id}"
# Dropping an editor's key does not reset the cells the browser shows (streamlit#5442): after
# a save or a cancel the table gets a new key, so the browser draws it afresh.
EDITOR = f"plan_editor_{project_id}_{st.session_state.get(GENERATION, 0)}"


def forget_edits() -> None:
    for key in (EDITOR, DRAFT, BASE):
        st.session_state.pop(key, None)
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1


project = db.project(project_id)
grid = db.grid_of(assessment_id) if assessment_id is not None else None
statuses = action_statuses()
actions = db.actions(project_id=project_id)
st.caption(md("app.plan_intro", project=project.name))

# The table and its buttons in one slot: with or without actions, the form below keeps its
# place in the page, so its panel stays open when the first action arrives.
with st.container():
    if actions.empty:
        st.info(t("app.plan_empty"))
    else:
        shown = plan_table(actions, grid, statuses)
        counts = actions["status"].value_counts()
        columns = st.columns(len(statuses))
        for column, (status_id, label) in zip(columns, statuses.items(), strict=True):
            column.metric(label, fmt.integer(counts.get(status_id, 0)))
        # Edits not saved are kept for the session (as changes to the stored plan): leaving the
        # page and coming back finds them again. The table's base stays the same during a visit
        # (the editor's deleted rows are positions in it).
        if EDITOR not in st.session_state:
            st.session_state[BASE] = st.session_state.get(DRAFT)
            if st.session_state[BASE]:
                st.warning(t("app.plan_draft_restored"), icon=":material/history:")
        kept = st.session_state.get(BASE) or ({}, [])
        base = with_changes(shown, kept[0], kept[1], statuses)
        edited = st.data_editor(
            base, key=EDITOR, hide_index=True, num_rows="delete", placeholder="—",
            disabled=["id", "action", "section", "because"], width="stretch",
            column_order=["action", "section", "because", "owner", "due_date", "status"],
            column_config={
                "action": st.column_config.TextColumn(t("app.plan_col_action"), width="medium"),
                "section": st.column_config.TextColumn(t("app.plan_col_section"), width="medium"),
                "because": st.column_config.TextColumn(t("app.plan_col_because"), width="small"),
                "owner": st.column_config.TextColumn(t("app.plan_col_owner")),
                "due_date": st.column_config.DateColumn(t("app.plan_col_due"),
                                                       format=fmt.date_pattern()),
                "status": st.column_config.SelectboxColumn(t("app.plan_col_status"),
                                                           options=list(statuses.values()),
                                                           required=True),
            },
        )
        updates, deletions = plan_changes(shown, edited, statuses)
        pending = len(updates) + len(deletions)
        if pending:
            st.session_state[DRAFT] = (updates, deletions)
            # closing or reloading the tab: the browser asks before these edits are lost
            st.html("<script>window.onbeforeunload = () => true;</script>",
                    unsafe_allow_javascript=True)
        else:
            st.session_state.pop(DRAFT, None)
            st.html("<script>window.onbeforeunload = null;</script>", unsafe_allow_javascript=True)
        save, cancel, info = st.columns([1, 1.6, 2.4], vertical_alignment="center")
        if pending:
            info.warning(fmt.plural(pending, "app.plan_pending"))
        if save.button(t("app.plan_save"), type="primary", disabled=not pending,
                       icon=":material/save:"):
            def write() -> bool:
                with db.transaction():
                    for action_id, fields in updates.items():
                        db.update_action(action_id, **fields)
                    for action_id in deletions:
                        db.delete_action(action_id)
                return True
            if guarded(write, success=fmt.plural(pending, "app.plan_saved"), slot=SAVING):
                forget_edits()  # on failure the edits stay, with the French message
                notice_removed_characters(*(value for fields in updates.values()
                                            for value in fields.values()), slot=SAVING)
            st.rerun()
        if cancel.button(t("app.plan_cancel"), disabled=not pending, icon=":material/undo:"):
            forget_edits()
            st.rerun()
        show_flashes(SAVING)  # under the buttons that saved the table
        st.download_button(t("app.plan_download"), csv_bytes(shown),
                           file_name=f"plan-action-projet-{project_id}.csv", mime="text/csv",
                           icon=":material/download:")

with st.expander(t("app.plan_add"), icon=":material/add:"):
    with st.form("plan_add", clear_on_submit=True, border=False):
        title = st.text_input(t("app.plan_col_action"))
        owner = st.text_input(t("app.plan_col_owner"))
        due = st.date_input(t("app.plan_col_due"), value=None, format=fmt.date_input_pattern(),
                            min_value=dt.date(2000, 1, 1))
        if st.form_submit_button(t("app.plan_add_button"), type="primary"):
            if not title.strip():
                flash(t("app.plan_title_missing"), "error", ADDING)
            else:
                guarded(db.add_action, project_id=project_id, assessment_id=assessment_id,
                        title=title, owner=owner or None, due_date=due,
                        success=t("app.plan_added", title=title.strip()), slot=ADDING)
            st.rerun()
    show_flashes(ADDING)  # under the form, in its panel
