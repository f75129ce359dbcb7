"""Accès et partage: grants by e-mail within the actor's scope (admins, animation), and what
each project's funders see (its team, its animation, admins)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coopscore import format as fmt
from coopscore.access import CONSENT_LEVELS, GRANT_SCOPES, may_somewhere
from coopscore.errors import CoopscoreError
from coopscore.i18n import t
from coopscore.store import programmes
from ui import dataframe, flash, show_flashes, store


def role_label(role: str) -> str:
    return t(f"signin.role_{role}")


def scope_label(kind: str, scope_id: object, names: dict[str, dict]) -> str:
    if kind == "all":
        return t("access_page.scope_everything")
    name = names[kind].get(str(scope_id), str(scope_id))
    return t(f"access_page.scope_{kind}", name=name)


def scope_names(db) -> dict[str, dict]:
    """{kind: {id as text: name}} of what the actor sees (territories, projects, programmes)."""
    territories, projects = db.territories(), db.projects()
    return {"territory": {str(i): n for i, n in zip(territories["id"], territories["name"],
                                                     strict=True)},
            "project": {str(i): n for i, n in zip(projects["id"], projects["name"], strict=True)},
            "programme": dict(programmes())}


# each message shows under the button that caused it
GRANTING, REVOKING, CONSENT = "access_granting", "access_revoking", "access_consent"


def _grant(names: dict[str, dict]) -> None:
    """Button callback: give the access the form describes (a French message either way)."""
    role = st.session_state.get("access_role")
    kind = st.session_state.get(f"access_scope_kind_{role}") or GRANT_SCOPES[role][0]
    scope_id = None if kind == "all" else st.session_state.get(f"access_scope_{kind}")
    email = (st.session_state.get("access_email") or "").strip()
    try:
        store().grant(email, role, kind, scope_id)
    except CoopscoreError as error:
        flash(str(error), "error", GRANTING)
        return
    flash(t("access_page.granted", email=email.lower(), role=role_label(role),
            scope=scope_label(kind, scope_id, names)), slot=GRANTING)
    st.session_state["access_email"] = ""


def grant_ui(db, names: dict[str, dict]) -> None:
    st.subheader(t("access_page.grant_heading"))
    roles = [role for role in GRANT_SCOPES if role != "admin" or db.actor.kind == "admin"]
    role = st.radio(t("access_page.role"), roles, format_func=role_label, horizontal=True,
                    key="access_role", help=t("access_page.role_help"))
    kinds = GRANT_SCOPES[role]
    kind = kinds[0]
    if len(kinds) > 1:
        kind = st.radio(t("access_page.scope_kind"), kinds, horizontal=True,
                        format_func=lambda k: t(f"access_page.scope_kind_{k}"),
                        key=f"access_scope_kind_{role}")
    if kind == "all":
        st.caption(t("access_page.scope_all"))
    else:
        options = names[kind]
        if not options:
            st.info(t("access_page.nothing_in_scope", what=t(f"access_page.{kind}").lower()))
            show_flashes(GRANTING)
            return
        st.selectbox(t(f"access_page.{kind}"), list(options), format_func=options.get,
                     key=f"access_scope_{kind}")
    st.text_input(t("access_page.email"), key="access_email",
                  placeholder=t("access_page.email_placeholder"))
    st.button(t("access_page.grant_button"), type="primary", icon=":material/person_add:",
              key="access_grant", on_click=_grant, args=(names,))
    show_flashes(GRANTING)


def _revoke(options: dict[int, dict]) -> None:
    grant_id = st.session_state.get("access_revoke")
    if grant_id is None:
        return
    try:
        store().revoke_grant(grant_id)
    except CoopscoreError as error:
        flash(str(error), "error", REVOKING)
        return
    flash(t("access_page.revoked", **options[grant_id]), slot=REVOKING)
    st.session_state["access_revoke"] = None


def grants_ui(db, names: dict[str, dict]) -> None:
    st.subheader(t("access_page.grants_heading"))
    rows = db.grants()
    if not rows:
        st.info(t("access_page.grants_empty"))
        show_flashes(REVOKING)  # the last access just revoked
        return
    described = {row["id"]: {"email": row["email"], "role": role_label(row["role"]),
                             "scope": scope_label(row["scope_kind"], row["scope_id"], names)}
                 for row in rows}
    table = pd.DataFrame([{**described[row["id"]],
                           "granted_at": fmt.timestamp(row["granted_at"]),
                           "granted_by": row["granted_by"]} for row in rows])
    dataframe(table, hide_index=True, width="stretch", key="access_grants",
                 column_config={name: st.column_config.TextColumn(t(f"access_page.col_{col}"))
                                for name, col in (("email", "email"), ("role", "role"),
                                                  ("scope", "scope"),
                                                  ("granted_at", "granted_at"),
                                                  ("granted_by", "granted_by"))})
    st.selectbox(t("access_page.revoke_choice"), list(described), index=None,
                 format_func=lambda i: t("access_page.grant_option", **described[i]),
                 placeholder=t("access_page.revoke_placeholder"), key="access_revoke")
    st.button(t("access_page.revoke_button"), icon=":material/person_remove:",
              key="access_revoke_button", on_click=_revoke, args=(described,))
    show_flashes(REVOKING)


def _save_consent(project_id: int, name: str) -> None:
    level = st.session_state.get(f"consent_{project_id}")
    try:
        store().set_consent(project_id, level)
    except CoopscoreError as error:
        flash(str(error), "error", CONSENT)
        return
    flash(t("access_page.consent_saved", project=name,
            level=t(f"access_page.consent_short_{level}")), slot=CONSENT)


def consent_ui(db) -> None:
    st.subheader(t("access_page.consent_heading"))
    st.caption(t("access_page.consent_intro"))
    projects = db.projects()
    mine = {int(i): n for i, n in zip(projects["id"], projects["name"], strict=True)
            if db.may("project.consent", "project", int(i))}
    if not mine:
        st.info(t("access_page.consent_none"))
        return
    selected = st.session_state.get("project_id")
    project_id = st.selectbox(t("access_page.consent_project"), list(mine),
                              index=list(mine).index(selected) if selected in mine else 0,
                              format_func=mine.get, key="consent_project")
    current = db.consent(project_id)
    st.radio(t("access_page.consent_level"), CONSENT_LEVELS,
             index=CONSENT_LEVELS.index(current), key=f"consent_{project_id}",
             format_func=lambda level: t(f"access_page.consent_{level}"))
    st.button(t("access_page.consent_save"), type="primary", icon=":material/save:",
              key="consent_save", on_click=_save_consent,
              args=(project_id, mine[project_id]))
    show_flashes(CONSENT)


st.title(t("access_page.title"))
db = store()
show_flashes()
if may_somewhere(db.actor, "accounts.manage"):
    st.caption(t("access_page.intro"))
    names = scope_names(db)
    with st.container(border=True):
        grant_ui(db, names)
    with st.container(border=True):
        grants_ui(db, names)
with st.container(border=True):
    consent_ui(db)
