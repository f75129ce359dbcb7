"""Journal des modifications: the append-only audit log, read and exported (admin, poste)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from coopscore import format as fmt
from coopscore.access import ACTIONS
from coopscore.audit import actor_label
from coopscore.i18n import t
from ui import dataframe, store

SHOWN = 500  # the newest lines on screen; the export holds them all


def action_label(action: str) -> str:
    if action in ACTIONS:
        return t(f"access.action_{action.replace('.', '_')}")
    return t(f"access_page.action_{action}") if action == "sign_in" else action


st.title(t("access_page.audit_title"))
st.caption(t("access_page.audit_intro"))
db = store()
log = db.audit_entries()
if log.empty:
    st.info(t("access_page.audit_empty"))
    st.stop()

left, right = st.columns(2)
actions = sorted(log["action"].unique(), key=action_label)
action = left.selectbox(t("access_page.audit_filter_action"), [None, *actions],
                        format_func=lambda a: t("access_page.audit_all") if a is None
                        else action_label(a), key="audit_action")
people = sorted(log["actor"].unique(), key=actor_label)
person = right.selectbox(t("access_page.audit_filter_actor"), [None, *people],
                         format_func=lambda p: t("access_page.audit_everyone") if p is None
                         else actor_label(p), key="audit_actor")
shown = log
if action is not None:
    shown = shown[shown["action"] == action]
if person is not None:
    shown = shown[shown["actor"] == person]
st.caption(t("access_page.audit_count", shown=min(len(shown), SHOWN), total=len(log)))
table = pd.DataFrame({
    "at": [fmt.timestamp(value) for value in shown["at"].head(SHOWN)],
    "actor": [actor_label(actor) for actor in shown["actor"].head(SHOWN)],
    "actor_kind": [t(f"signin.role_{kind}") if kind in ("admin", "animateur", "equipe",
                                                         "financeur", "local", "respondent")
                   else kind for kind in shown["actor_kind"].head(SHOWN)],
    "action": [action_label(a) for a in shown["action"].head(SHOWN)],
    "object": shown["object"].head(SHOWN).to_numpy(),
    "old": shown["old"].head(SHOWN).to_numpy(),
    "new": shown["new"].head(SHOWN).to_numpy(),
})
dataframe(table, hide_index=True, width="stretch", key="audit_table", placeholder="—",
             column_config={column: st.column_config.TextColumn(t(f"access_page.col_{column}"))
                            for column in table.columns})
st.download_button(t("access_page.audit_download"), data=db.audit_csv,
                   file_name=f"{t('access_page.audit_file')}-{dt.date.today().isoformat()}.csv",
                   mime="text/csv", on_click="ignore", icon=":material/download:",
                   key="audit_download")
