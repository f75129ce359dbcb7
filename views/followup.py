"""Suivi des réponses: who has answered how much and when (never what), their personal links,
and adding people one by one or as a list."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd
import streamlit as st

from coopscore import format as fmt
from coopscore import links
from coopscore.errors import CoopscoreError
from coopscore.i18n import t
from coopscore.markup import escape_markdown
from ui import (
    dataframe,
    flash,
    load_scale,
    md,
    mode,
    notice_removed_characters,
    setting,
    show_flashes,
    store,
)

st.title(t("followup.title"))
db = store()
assessment_id = st.session_state.get("assessment_id")
if assessment_id is None:
    st.info(t("followup.pick_assessment"))
    st.stop()

assessment = db.assessment(assessment_id)
scale = load_scale()
roles = {role.id: role.label for role in scale.roles}
URL_PATH = "suivi-reponses"  # this page's url_path in app.py


def app_base() -> str | None:
    """The address people reach the app at: $COOPSCORE_BASE_URL, else this browser's one."""
    if os.environ.get(links.BASE_URL_VARIABLE) or not st.context.url:
        return None
    return st.context.url.rstrip("/").removesuffix("/" + URL_PATH)


BASE = app_base()
ISSUED_KEY = f"_issued_links_{assessment_id}"
# where each message shows: next to the buttons, the form or the list that caused it
LINKS, ADDING, EMAIL = "links", "adding", "email"
CONFIRM_KEY = f"_confirm_new_links_{assessment_id}"


def keep_issued(issued: list[links.IssuedLink]) -> None:
    """Links are shown once (only their hash is stored): keep this session's for display."""
    kept = {link.respondent_id: link for link in st.session_state.get(ISSUED_KEY, [])}
    kept.update({link.respondent_id: link for link in issued})
    st.session_state[ISSUED_KEY] = list(kept.values())


def run(action, *args, success: str | None = None) -> object:
    try:
        result = action(*args)
    except CoopscoreError as error:
        flash(str(error), "error", LINKS)
        return None
    if success:
        flash(success, slot=LINKS)
    return result


def new_links(respondent_ids: list[int]) -> None:
    issued = run(lambda: [db.issue_link(rid, BASE) for rid in respondent_ids])
    if issued is not None:
        keep_issued(issued)
        flash(t("followup.links_issued", count=len(issued)), slot=LINKS)
    st.session_state.pop(CONFIRM_KEY, None)


def revoke(respondent_id: int, name: str) -> None:
    if run(db.revoke_link, respondent_id) is not None:
        st.session_state[ISSUED_KEY] = [link for link in st.session_state.get(ISSUED_KEY, [])
                                        if link.respondent_id != respondent_id]
        flash(md("followup.revoked", name=name), slot=LINKS)
    st.session_state.pop(CONFIRM_KEY, None)


frame = db.followup(assessment_id)
st.caption(md("followup.intro", label=assessment.label))
if assessment.is_closed:
    st.warning(t("followup.closed"), icon=":material/lock:")
elif assessment.closes_on:
    st.info(t("followup.closes_on", date=fmt.date(assessment.closes_on)))

if frame.empty:
    st.info(t("followup.empty"))
else:
    remind = frame[frame["to_remind"]]
    left, middle, right = st.columns(3)
    left.metric(t("followup.metric_people"), fmt.integer(len(frame)))
    middle.metric(t("followup.metric_complete"), fmt.integer(frame["complete"].sum()))
    right.metric(t("followup.metric_remind"), fmt.integer(len(remind)))
    shown = pd.DataFrame({
        "name": frame["name"],
        "role": frame["role"].map(roles).fillna(frame["role"]),
        "organisation": frame["organisation"].fillna(""),
        "progress": 100 * frame["answered"] / frame["total"].where(frame["total"] > 0, 1),
        "answered": [t("followup.answered", answered=a, total=n)
                     for a, n in zip(frame["answered"], frame["total"])],
        "last_answer": [fmt.date(v) if v else t("followup.never")
                        for v in frame["last_answer_at"]],
        # a closed assessment's links open nothing until it is reopened (said above the table)
        "link": [t("followup.link_none") if not v else t("followup.link_suspended")
                 if assessment.is_closed else t("followup.link_active")
                 for v in frame["has_link"]],
        "state": [t("followup.to_remind") if v else t("followup.complete")
                  for v in frame["to_remind"]],
    })
    dataframe(shown, hide_index=True, width="stretch", column_config={
        "name": t("followup.col_name"), "role": t("followup.col_role"),
        "organisation": t("followup.col_organisation"),
        "progress": st.column_config.ProgressColumn(t("followup.col_progress"),
                                                    min_value=0, max_value=100,
                                                    format=fmt.table_percent()),
        "answered": t("followup.col_answered"), "last_answer": t("followup.col_last"),
        "link": t("followup.col_link"), "state": t("followup.col_state")})

show_flashes()

# --- links: shown once, so « show » means « issue a new one » ---------------------------
if not frame.empty and not assessment.is_closed:
    st.subheader(t("followup.links_heading"))
    st.caption(t("followup.links_explained"))
    names = dict(zip(frame["respondent"], frame["name"]))
    without = [int(r) for r in frame.loc[~frame["has_link"], "respondent"]]
    remind_ids = [int(r) for r in frame.loc[frame["to_remind"], "respondent"]]
    # a row that wraps: each button keeps its whole label, whatever the window's width
    buttons = st.container(horizontal=True, key="followup_link_buttons")
    buttons.button(t("followup.issue_missing", count=len(without)), disabled=not without,
                      key="followup_issue_missing", icon=":material/add_link:",
                      on_click=new_links, args=(without,))
    buttons.button(t("followup.issue_remind", count=len(remind_ids)),
                      disabled=not remind_ids, key="followup_issue_remind",
                      icon=":material/autorenew:",
                      on_click=lambda: st.session_state.update({CONFIRM_KEY: "remind"}))
    chosen = st.selectbox(t("followup.person"), list(names), format_func=names.get,
                                  index=None, placeholder=t("followup.person_placeholder"),
                                  key=f"followup_person_{assessment_id}")
    if chosen is not None:
        one, two = st.columns(2)
        one.button(md("followup.new_link_for", name=names[chosen]), key="followup_new_one",
                   icon=":material/autorenew:",
                   on_click=lambda: st.session_state.update({CONFIRM_KEY: int(chosen)}))
        two.button(md("followup.revoke_for", name=names[chosen]), key="followup_revoke_one",
                   icon=":material/link_off:", on_click=revoke, args=(int(chosen), names[chosen]))
    pending = st.session_state.get(CONFIRM_KEY)
    if pending is not None:
        targets = remind_ids if pending == "remind" else [pending]
        with_link = [names[r] for r in targets if r in names and r not in without]
        st.warning(md("followup.confirm_new_links", count=len(targets),
                      names=", ".join(with_link) or "—"), icon=":material/warning:")
        yes, no = st.columns(2)
        yes.button(t("followup.confirm"), type="primary", key="followup_confirm",
                   on_click=new_links, args=(targets,))
        no.button(t("followup.cancel"), key="followup_cancel",
                  on_click=lambda: st.session_state.pop(CONFIRM_KEY, None))
    show_flashes(LINKS)  # under the buttons, above the links they created

    issued = [link for link in st.session_state.get(ISSUED_KEY, []) if link.respondent_id in names]
    if issued:
        st.markdown(f"**{t('followup.issued_heading', count=len(issued))}**")
        for link in issued:
            st.markdown(md("followup.issued_line", name=link.name, role=roles.get(link.role, link.role)))
            st.code(link.url, language=None)
        csv_col, xlsx_col = st.columns(2)
        csv_col.download_button(t("followup.download_csv"), links.links_csv(issued),
                                file_name="liens-personnels.csv", mime="text/csv",
                                icon=":material/download:", on_click="ignore")
        xlsx_col.download_button(
            t("followup.download_xlsx"), links.links_xlsx(issued),
            file_name="liens-personnels.xlsx", icon=":material/download:", on_click="ignore",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

# --- the life of the campaign: close, plan a closing date, reopen, remove a person --------
# each message shows next to what it answers: the switch, the closing, the removal
CAMPAIGN, PROFILE, REMOVAL = "campaign", "campaign_profile", "campaign_removal"


def _close(on: dt.date | None) -> None:
    try:
        db.close_assessment(assessment_id, on)
    except CoopscoreError as error:
        flash(str(error), "error", CAMPAIGN)
    else:
        flash(t("followup.closes_planned", date=fmt.date(on)) if on
              else t("followup.closed_now"), slot=CAMPAIGN)
    st.session_state.pop(CLOSE_KEY, None)


def _reopen() -> None:
    try:
        db.reopen_assessment(assessment_id)
    except CoopscoreError as error:
        flash(str(error), "error", CAMPAIGN)
    else:
        flash(t("followup.reopened"), slot=CAMPAIGN)


def _remove(respondent_id: int, name: str) -> None:
    try:
        db.delete_respondent(respondent_id)
    except CoopscoreError as error:
        flash(str(error), "error", REMOVAL)
    else:
        st.session_state[ISSUED_KEY] = [link for link in st.session_state.get(ISSUED_KEY, [])
                                        if link.respondent_id != respondent_id]
        flash(md("followup.removed", name=name), slot=REMOVAL)
    st.session_state.pop(REMOVE_KEY, None)


CLOSE_KEY = f"_confirm_close_{assessment_id}"
REMOVE_KEY = f"_confirm_remove_{assessment_id}"
OWN_PROFILE_KEY = f"followup_own_profile_{assessment_id}"
st.subheader(t("followup.campaign_heading"))
setting("own_profile", OWN_PROFILE_KEY, assessment.show_own_profile, assessment_id, slot=PROFILE)
st.toggle(t("app.assess_own_profile"), value=assessment.show_own_profile, key=OWN_PROFILE_KEY,
          help=t("followup.own_profile_help"))
show_flashes(PROFILE)
if assessment.is_closed:
    st.button(t("followup.reopen"), key="followup_reopen", icon=":material/lock_open:",
              on_click=_reopen)
else:
    with st.form(f"followup_close_{assessment_id}", border=False):
        day = st.date_input(t("followup.close_on"), value=None, min_value=dt.date.today(),
                            format=fmt.date_input_pattern(), help=t("followup.close_on_help"))
        if st.form_submit_button(t("followup.close_submit"), icon=":material/lock:"):
            if day is not None and day > dt.date.today():
                _close(day)
                st.rerun()
            st.session_state[CLOSE_KEY] = True
    if st.session_state.get(CLOSE_KEY):
        with_link = int(frame["has_link"].sum()) if not frame.empty else 0
        st.warning(t("followup.confirm_close", people=len(frame), links=with_link),
                   icon=":material/warning:")
        yes, no = st.columns(2)
        yes.button(t("followup.confirm_close_yes"), type="primary", key="followup_close_yes",
                   on_click=_close, args=(None,))
        no.button(t("followup.cancel"), key="followup_close_no",
                  on_click=lambda: st.session_state.pop(CLOSE_KEY, None))
show_flashes(CAMPAIGN)  # the closing's (or reopening's) message, under it
if not assessment.is_closed:
    if not frame.empty:
        people = dict(zip(frame["respondent"], frame["name"]))
        answered = dict(zip(frame["respondent"], frame["answered"]))
        chosen = st.selectbox(t("followup.remove_person"), list(people), index=None,
                              format_func=people.get, key=f"followup_remove_{assessment_id}",
                              placeholder=t("followup.person_placeholder"))
        if chosen is not None:
            st.button(md("followup.remove_for", name=people[chosen]), key="followup_remove",
                      icon=":material/person_remove:",
                      on_click=lambda: st.session_state.update({REMOVE_KEY: int(chosen)}))
        pending = st.session_state.get(REMOVE_KEY)
        if pending in people:
            count, name = int(answered[pending]), escape_markdown(people[pending])
            st.warning(fmt.plural(count, "followup.confirm_remove", name=name) if count
                       else t("followup.confirm_remove_none", name=name), icon=":material/warning:")
            yes, no = st.columns(2)
            yes.button(md("followup.confirm_remove_yes", name=people[pending]), type="primary",
                       key="followup_remove_yes", on_click=_remove,
                       args=(int(pending), people[pending]))
            no.button(t("followup.cancel"), key="followup_remove_no",
                      on_click=lambda: st.session_state.pop(REMOVE_KEY, None))
show_flashes(REMOVAL)

# --- adding people ----------------------------------------------------------------------
if not assessment.is_closed:
    st.subheader(t("followup.add_heading"))
    one_tab, list_tab = st.tabs([t("followup.add_one"), t("followup.add_list")])
    with one_tab, st.form(f"followup_add_one_{assessment_id}", clear_on_submit=True):
        name = st.text_input(t("followup.col_name"))
        role = st.selectbox(t("followup.col_role"), list(roles), format_func=roles.get)
        organisation = st.text_input(t("followup.col_organisation"))
        if st.form_submit_button(t("followup.add_submit"), type="primary"):
            try:
                link = db.add_respondent_with_link(assessment_id, name, role,
                                                      organisation, BASE)
            except CoopscoreError as error:
                st.error(str(error))  # next to the form that caused it; nothing written
            else:
                keep_issued([link])
                flash(md("followup.added", name=link.name), slot=ADDING)
                notice_removed_characters(name, organisation, slot=ADDING)
                st.rerun()
    with list_tab, st.form(f"followup_add_list_{assessment_id}"):
        st.caption(t("followup.list_help"))
        text = st.text_area(t("followup.list_label"), placeholder=t("followup.list_placeholder"))
        upload = st.file_uploader(t("followup.list_file"), type=["csv", "txt"])
        if st.form_submit_button(t("followup.add_list_submit"), type="primary"):
            try:
                source = links.decode_list(upload.getvalue()) if upload is not None else text
                added = db.add_respondent_list(assessment_id, source, BASE)
            except CoopscoreError as error:
                st.error(str(error))  # every bad line, next to the list; nobody added
            else:
                keep_issued(added)
                flash(t("followup.added_list", count=len(added)), slot=ADDING)
                notice_removed_characters(source, slot=ADDING)
                st.rerun()
    show_flashes(ADDING)  # under the form or the list that added them

# --- comptes mode: a team member answers in their own name once signed in ---------------------
if mode() == "comptes" and not frame.empty and not assessment.is_closed:
    st.subheader(t("followup.email_heading"))
    st.caption(t("followup.email_help"))
    people = dict(zip(frame["respondent"].astype(int), frame["name"], strict=True))
    with st.form(f"followup_email_{assessment_id}", border=False):
        who = st.selectbox(t("followup.col_name"), list(people), format_func=people.get,
                           key=f"followup_email_person_{assessment_id}")
        address = st.text_input(t("followup.email_label"),
                                placeholder=t("access_page.email_placeholder"),
                                key=f"followup_email_address_{assessment_id}")
        if st.form_submit_button(t("followup.email_submit"), icon=":material/alternate_email:"):
            try:
                db.set_respondent_email(who, address)
            except CoopscoreError as error:
                st.error(str(error))
            else:
                flash(t("followup.email_saved", name=people[who],
                        email=(address or "").strip().lower() or "—"), slot=EMAIL)
                st.rerun()
    show_flashes(EMAIL)
