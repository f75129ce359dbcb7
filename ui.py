"""Shared helpers of the Streamlit pages: cached library calls, the shared selection, messages.

The library stays free of streamlit; caching lives here, in the UI layer. The selected
project, assessment and respondent live in st.session_state and are mirrored in the URL's
query parameters (?projet=3&evaluation=7&repondant=12) so that a reload, or a link sent to a
colleague, opens the same view.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from coopscore import access, failures, links, signin
from coopscore import format as fmt
from coopscore import grid as grid_module
from coopscore import i18n
from coopscore import results as results_module
from coopscore import scale as scale_module
from coopscore import text as text_module
from coopscore import store as store_module
from coopscore.access import Actor
from coopscore.errors import CoopscoreError, LinkError
from coopscore.i18n import t
from coopscore.markup import escape_markdown

_load_grid = st.cache_data(show_spinner=False)(grid_module.load_grid)


def load_grid(id_or_path: str) -> grid_module.Grid:
    """A shipped grid, its texts in the session's language (scores never depend on it)."""
    return _load_grid(id_or_path, language=i18n.current_language())
available_grids = st.cache_data(show_spinner=False)(grid_module.available_grids)
load_scale = st.cache_resource(show_spinner=False)(scale_module.load_scale)

# session key -> query parameter
SELECTION_PARAMS = {"project_id": "projet", "assessment_id": "evaluation",
                    "respondent_id": "repondant"}


@st.cache_resource(show_spinner=False)
def _open_store(path: str) -> store_module.Store:
    return store_module.open_store(path)


def _raw_store() -> store_module.Store:
    """The whole database: only this module touches it (pages get `store()`, scoped)."""
    return _store_or_stop()


def store() -> access.ScopedStore:
    """The database as the session's actor may see it: every list filtered to their scope,
    every write out of it refused in French (access.ScopedStore). Pages use nothing else.

    Nobody (comptes mode, not signed in) gets nothing: the page stops here.
    """
    who = actor()
    if who is None:
        st.info(t("signin.sign_in_first"), icon=":material/login:")
        st.stop()
    return access.ScopedStore(_store_or_stop(), who)


def _store_or_stop() -> store_module.Store:
    """The shared, thread-safe Store of this server (COOPSCORE_DB or data/coopscore.db).

    A database that cannot be opened (newer version, corrupt, read-only, missing folder)
    stops the page with a French message; the navigation stays usable.
    """
    path = str(store_module.default_db_path())
    try:
        return _open_store(path)
    except Exception as error:  # noqa: BLE001 - a French message, never Streamlit's box
        st.error(failures.describe(error, path))
        st.stop()


@st.cache_data(show_spinner=False, max_entries=256)
def _scored(db_path: str, revision: tuple[int, int], assessment_ids: tuple[int, ...] | None,
            language: str = i18n.DEFAULT_LANGUAGE):
    # `language` is part of the cache key: results carry texts (band labels, item texts).
    return results_module.score_assessments(_raw_store(), assessment_ids)


def results_for(assessment_id: int) -> results_module.Results:
    """Scores and recommendations of one assessment, cached until the data changes.

    Only for those who read its results whole (its team, animation, admin): anyone else
    gets « accès refusé » and the page stops.
    """
    require_full_results(int(assessment_id))
    db = _raw_store()
    (results,) = _scored(str(db.path), db.revision(), (int(assessment_id),),
                         i18n.current_language()).values()
    return results


class _Portfolio:
    """The last scored portfolio of one database, brought up to date incrementally."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.store: store_module.Store | None = None  # the Store last read, and
        self.token: tuple[int, int] | None = None  # its revision() then
        self.results: dict[tuple[str, str], results_module.Results] | None = None
        self.revisions: pd.DataFrame | None = None


@st.cache_resource(show_spinner=False)
def _portfolio_holder(db_path: str) -> _Portfolio:
    return _Portfolio()


def portfolio_results(projects: pd.DataFrame | None = None
                      ) -> dict[tuple[str, str], results_module.Results]:
    """Scores of the assessments of `projects` (default: every project the actor sees), per
    (grid, version): only what the actor may see of the shared, kept-up-to-date portfolio.
    """
    everything = _all_results()
    projects = store().projects() if projects is None else projects
    if access.sees_everything(actor()) and len(projects) == len(_raw_store().projects()):
        return everything
    wanted = set(int(i) for i in projects["id"])
    return {key: results_module.restricted(results, results.context.loc[
                results.context["project"].astype(int).isin(wanted), "assessment"])
            for key, results in everything.items()}


def peer_assessments(grid_id: str) -> list[int]:
    """The latest scored assessment of every project on this grid: the peers a comparison
    sets a project against, as anonymous quartiles only (never named, never one by one)."""
    from coopscore.portfolio import grid_results, latest_assessments

    results = grid_results(_all_results(), grid_id)
    if results is None or results.context.empty:
        return []
    latest = latest_assessments(results)
    return [int(i) for i in latest.loc[latest["score"].notna(), "assessment"]]


# Fewer peers than this and their quartiles would nearly show each one's scores.
MIN_PEERS = 5


def peer_quartiles(grid_id: str) -> tuple[pd.DataFrame, int] | None:
    """Quartiles per stage of every project's latest assessment on this grid (the peers,
    anonymous: never named, never one by one) and their number; None when there are too
    few peers for the actor to be shown them (those who see everything always are)."""
    from coopscore.portfolio import grid_results, stage_quartiles

    results = grid_results(_all_results(), grid_id)
    peers = peer_assessments(grid_id)
    if results is None or not peers:
        return None
    if len(peers) < MIN_PEERS and not access.sees_everything(actor()):
        return None
    return stage_quartiles(results, peers), len(peers)


def _all_results() -> dict[tuple[str, str], results_module.Results]:
    """Scores of every assessment, per (grid, version), kept up to date.

    Nothing is read while the database is unchanged; after a write, only the assessments
    whose revision moved are read and scored again (results.refresh_portfolio). The result
    is shared by every session: do not modify it.
    """
    db = _raw_store()
    holder = _portfolio_holder(str(db.path))
    with holder.lock:
        token = db.revision()
        if holder.results is None or holder.store is not db or token != holder.token:
            same_store = holder.store is db  # else the held state may be another file's
            holder.results, holder.revisions = results_module.refresh_portfolio(
                db, holder.results if same_store else None,
                holder.revisions if same_store else None)
            holder.store, holder.token = db, token
        return holder.results


def grid_choice_ui(key: str = "grid") -> grid_module.Grid:
    """Let the user pick one of the shipped grids; return it loaded."""
    grid_ids = available_grids()
    titles = {grid_id: load_grid(grid_id).short_title for grid_id in grid_ids}
    chosen = st.segmented_control(
        t("app.grid_choice"), grid_ids, format_func=titles.get, key=key,
        default=grid_ids[0], selection_mode="single",
    )
    return load_grid(chosen or grid_ids[0])


# --- shared selection ------------------------------------------------------------------


DENIED_KEY = "_denied"  # refusals of this run's selection, shown at the top of the page


def _deny(error: Exception) -> None:
    st.session_state.setdefault(DENIED_KEY, []).append(str(error))


def denied_ui() -> None:
    """« Accès refusé » for an id of the address out of the actor's scope (once)."""
    for message in st.session_state.pop(DENIED_KEY, []):
        st.error(message, icon=":material/block:")


@dataclass(frozen=True)
class Selection:
    project_id: int | None
    assessment_id: int | None
    respondent_id: int | None


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


OPEN_PAGES_KEY = "_open_pages"


def open_pages(paths: list[str]) -> None:
    """Remember which page files this run's navigation holds (for `page_link`, `can_open`)."""
    st.session_state[OPEN_PAGES_KEY] = frozenset(paths)


def can_open(path: str) -> bool:
    """Whether the actor's navigation holds this page (« views/results.py »)."""
    held = st.session_state.get(OPEN_PAGES_KEY)
    return held is None or path in held


def page_link(path: str, **options) -> None:
    """A link to another page, drawn only when the actor's navigation holds that page."""
    if can_open(path):
        st.page_link(path, **options)


def navigation_ui(pages: dict[str, list]) -> None:
    """The sidebar menu: one heading and its page links per group (plain, valid list markup)."""
    with st.sidebar:
        for group, group_pages in pages.items():
            st.markdown(f"<p class='coopscore-nav-group'>{group}</p>", unsafe_allow_html=True)
            for page in group_pages:
                st.page_link(page)
        st.divider()


LANGUAGE_CHOICE_KEY = "_language_choice"
_RELOAD_KEY = "_language_reload"


def language_ui(selector: bool = True) -> str:
    """The session's language: from ``?lang=`` on arrival, or the sidebar's choice; set for this run.

    A choice in the sidebar reloads the page with ``?lang=`` in its address: a new session
    draws every widget afresh in the new language. (Changing the language within a session
    leaves selectboxes whose options are translated showing the old language's label, since
    Streamlit ties a selectbox's value to its formatted label; what a person has chosen lives
    in the address — project, assessment, respondent — and every answer is already saved.)

    Args:
        selector: draw the choice in the sidebar (a personal link has no sidebar: its language
            comes with the link, ``&lang=en``).
    """
    choices = i18n.languages()
    if st.session_state.get("language") not in choices:
        asked = st.query_params.get("lang")
        st.session_state["language"] = asked if asked in choices else i18n.use_language(None)
    language = i18n.use_language(st.session_state["language"])
    reload_to = st.session_state.pop(_RELOAD_KEY, None)
    if reload_to in choices and reload_to != language:
        import json

        st.html(f"""<script>const address = new URL(window.location.href);
          address.searchParams.set("lang", {json.dumps(reload_to)});
          window.location.replace(address.toString());</script>""",
                unsafe_allow_javascript=True)
        st.stop()
    if language == i18n.DEFAULT_LANGUAGE:
        st.query_params.pop("lang", None)
    elif st.query_params.get("lang") != language:
        st.query_params["lang"] = language
    if selector and len(choices) > 1:
        # each language named in itself: the options read the same in every language
        with st.sidebar:
            st.selectbox(t("app.language"), choices, index=choices.index(language),
                         format_func=lambda code: t(f"app.language_{code}", language=code),
                         key=LANGUAGE_CHOICE_KEY, on_change=_language_chosen,
                         help=t("app.language_help"))
    return language


def _language_chosen() -> None:
    st.session_state[_RELOAD_KEY] = st.session_state.get(LANGUAGE_CHOICE_KEY)


def restore_selection_from_url() -> None:
    """On a fresh session, take the selection from the URL (once)."""
    if st.session_state.get("_selection_restored"):
        return
    st.session_state["_selection_restored"] = True
    for key, param in SELECTION_PARAMS.items():
        value = _int_or_none(st.query_params.get(param))
        if value is not None:
            st.session_state[key] = value


def sync_selection_to_url() -> None:
    """Mirror the selection in the query parameters (page switches drop them otherwise)."""
    for key, param in SELECTION_PARAMS.items():
        value = st.session_state.get(key)
        if value is None:
            if param in st.query_params:
                del st.query_params[param]
        elif st.query_params.get(param) != str(value):
            st.query_params[param] = str(value)


def select(project_id: int | None = None, assessment_id: int | None = None,
           respondent_id: int | None = None) -> None:
    """Change the shared selection (e.g. after creating a project)."""
    st.session_state["project_id"] = project_id
    st.session_state["assessment_id"] = assessment_id
    st.session_state["respondent_id"] = respondent_id
    # the sidebar's selectboxes follow on the next run, before they are drawn (a popped key
    # would leave the browser showing the old project: streamlit#5442)


def current_selection(projects: pd.DataFrame,
                      campaigns: Callable[[int], pd.DataFrame]) -> Selection:
    """The selection, checked against the database: unknown ids are dropped, not trusted.

    Args:
        projects: `Store.projects()`, read once per run by the caller.
        campaigns: project id -> its assessments (memoised by the caller for this run).
    """
    db = store()
    project_id = st.session_state.get("project_id")
    assessment_id = st.session_state.get("assessment_id")
    respondent_id = st.session_state.get("respondent_id")
    # an id out of the actor's scope (a tampered or forwarded address) is refused out loud,
    # whether it exists or not; those who see everything just lose an unknown id
    everything = access.sees_everything(db.actor)
    if project_id is not None and project_id not in set(projects["id"]):
        if not everything:
            _deny(access.denied("project.view", access.Resource("project", project_id)))
        project_id = assessment_id = respondent_id = None
    if assessment_id is not None:
        assessments = campaigns(project_id) if project_id is not None else pd.DataFrame()
        if assessments.empty or assessment_id not in set(assessments["id"]):
            if not everything:
                _deny(access.denied("assessment.view",
                                    access.Resource("assessment", assessment_id)))
            assessment_id = respondent_id = None
    if respondent_id is not None and assessment_id is not None:
        if respondent_id not in set(db.respondents(assessment_id)["id"]):
            respondent_id = None
    elif assessment_id is None:
        respondent_id = None
    st.session_state.update(project_id=project_id, assessment_id=assessment_id,
                            respondent_id=respondent_id)
    return Selection(project_id, assessment_id, respondent_id)


# The personal-link token of a session opened by ?lien=TOKEN (app.py, views/respond.py).
LINK_TOKEN_KEY = "_link_token"


def assessment_label(row: pd.Series) -> str:
    return t("app.assessment_option", label=row["label"], date=fmt.date(row["date"]),
             status=t(f"app.status_{row['status']}"))


def _sidebar_project_changed() -> None:
    select(st.session_state.get("sidebar_project"))


def _sidebar_assessment_changed() -> None:
    select(st.session_state.get("project_id"), st.session_state.get("sidebar_assessment"))


def sidebar_selection_ui() -> Selection:
    """Project and assessment choice shared by every page, in the sidebar."""
    restore_selection_from_url()
    db = store()
    projects = db.projects()
    read: dict[int, pd.DataFrame] = {}

    def campaigns(project_id: int) -> pd.DataFrame:
        if project_id not in read:
            read[project_id] = db.assessments(project_id)
        return read[project_id]

    selection = current_selection(projects, campaigns)
    with st.sidebar:
        st.markdown(f"**{t('app.sidebar_heading')}**")
        if projects.empty:
            st.caption(t("app.sidebar_no_project"))
            sync_selection_to_url()
            return selection
        names = dict(zip(projects["id"], projects["name"], strict=True))
        project_id = selection.project_id
        # the selection is the truth; the widgets are set to it before they are drawn, and
        # a choice made in them changes the selection in their callbacks
        if st.session_state.get("sidebar_project") != project_id:
            st.session_state["sidebar_project"] = project_id
        st.selectbox(
            t("app.sidebar_project"), list(names), format_func=names.get, index=None,
            placeholder=t("app.sidebar_project_placeholder"), key="sidebar_project",
            on_change=_sidebar_project_changed,
        )
        assessment_id = None
        if project_id is not None:
            assessments = campaigns(project_id).sort_values(["date", "id"], ascending=False)
            labels = {row["id"]: assessment_label(row) for _, row in assessments.iterrows()}
            ids = list(labels)
            if ids:
                assessment_id = (selection.assessment_id if selection.assessment_id in labels
                                 else ids[0])
                if st.session_state.get("sidebar_assessment") != assessment_id:
                    st.session_state["sidebar_assessment"] = assessment_id
                st.selectbox(t("app.sidebar_assessment"), ids, format_func=labels.get,
                             key="sidebar_assessment", on_change=_sidebar_assessment_changed)
            else:
                st.caption(t("app.sidebar_no_assessment"))
        respondent_id = selection.respondent_id if assessment_id == selection.assessment_id else None
        st.session_state.update(project_id=project_id, assessment_id=assessment_id,
                                respondent_id=respondent_id)
    sync_selection_to_url()
    return Selection(project_id, assessment_id, respondent_id)


# --- messages --------------------------------------------------------------------------


def md(key: str, **values: object) -> str:
    """`t()` for text shown as markdown: the values people typed (names of projects and
    people, labels, comments, rationales) escaped, so that they read exactly as typed."""
    return t(key, **{name: escape_markdown(value) if isinstance(value, str) else value
                     for name, value in values.items()})


def flash(message: str, kind: str = "success", slot: str = "") -> None:
    """Keep a message for the next run (callbacks run before the page draws).

    `slot` names the place it is shown (`show_flashes(slot)` next to the form or button
    that caused it); the default slot is the top of the page.
    """
    st.session_state.setdefault(f"_flash{slot}", []).append((kind, message))


def show_flashes(slot: str = "") -> None:
    """The messages left for this run, in a slot of their own whether there are any or not.

    Streamlit replaces an element only at its own place in the page, and shows the last run's
    elements until the run ends: a message that moved everything after it down left the page
    below drawn twice meanwhile (buttons included). An empty slot shows nothing.
    """
    with st.container():
        for kind, message in st.session_state.pop(f"_flash{slot}", []):
            {"success": st.success, "error": st.error, "warning": st.warning,
             "info": st.info}[kind](message)


def stop_page() -> None:
    """Stop the page here (st.stop), first showing the messages left for places it will not
    draw: a button's message whose card is gone (its project removed meanwhile) is said here
    rather than kept for a later visit."""
    for key in [key for key in st.session_state if str(key).startswith("_flash")]:
        show_flashes(str(key).removeprefix("_flash"))
    st.stop()


# What a library call may fail with, said in French: a refusal (CoopscoreError, its own
# message) or the base or the disk failing (coopscore.failures says what happened).
FAILURES = (CoopscoreError, sqlite3.Error, OSError, OverflowError, MemoryError)


def said(error: Exception) -> str:
    """The French message for one of FAILURES."""
    if isinstance(error, CoopscoreError):
        return str(error)
    return failures.describe(error, store_module.default_db_path())


# --- a setting changed with one widget (a switch, a list) ------------------------------------
# Saved by `save_settings` at the start of the next run (app.py), never by on_change:
# Streamlit can stop a callback before it writes, when a click arrives while the callbacks
# run, and still take the change as seen (questionnaire.py tells how answers were lost that
# way). A run stopped before the write here leaves the change to the next run.

SETTINGS_KEY = "_settings_drawn"  # widget key -> (setting, args, slot, value drawn or saved)


def _save_own_profile(value, assessment_id: int) -> str:
    store().set_show_own_profile(assessment_id, bool(value))
    return t("followup.own_profile_on" if value else "followup.own_profile_off")


def _save_programme_profile(value, programme: str, programme_label: str,
                            titles: dict[str, str]) -> str:
    store().set_programme_profile(programme, value)
    return t("targets.programme_profile_saved", programme=programme_label,
             title=t("targets.profile_none") if value is None else titles[value])


def _save_assessment_profile(value, assessment_id: int, none_label: str) -> str:
    store().set_assessment_profile(assessment_id, value)
    return t("targets.profile_saved", title=none_label if value is None
             else scale_module.load_profiles()[value].title)


SETTINGS: dict[str, Callable[..., str]] = {
    "own_profile": _save_own_profile,
    "programme_profile": _save_programme_profile,
    "assessment_profile": _save_assessment_profile,
}


def setting(name: str, key: str, shown, *args, slot: str = "") -> None:
    """Just before the widget `key` of setting `name` is drawn: note the value it starts
    from (`shown`: the stored value as the widget shows it) when it does not exist yet in
    this session, for `save_settings`; `args` and `slot` go to the saver and its message."""
    drawn = st.session_state.setdefault(SETTINGS_KEY, {})
    was = drawn[key][3] if key in drawn and key in st.session_state else shown
    drawn[key] = (name, args, slot, was)


def save_settings() -> None:
    """Save each setting whose widget the person changed since this session drew or last
    saved it, and say so next to it (`slot`).

    Compared with what this session drew, not with the base: an old screen never overwrites
    what another browser saved meanwhile. A refusal is said in French and the widget shows
    the stored value again.
    """
    drawn = st.session_state.get(SETTINGS_KEY, {})
    for key, (name, args, slot, was) in list(drawn.items()):
        if key not in st.session_state or st.session_state[key] == was:
            continue
        value = st.session_state[key]
        try:
            message = SETTINGS[name](value, *args)
        except FAILURES as error:
            st.session_state[key] = was  # allowed: no widget is drawn yet in this run
            flash(said(error), "error", slot)
            continue
        drawn[key] = (name, args, slot, value)  # only once written: see above
        flash(message, slot=slot)


def notice_removed_characters(*values: object, slot: str = "") -> None:
    """Say, next to what caused it, that invisible characters were taken out of what was
    typed (the store removes them: no export could carry them, coopscore.text)."""
    hidden = list(dict.fromkeys(code for value in values if isinstance(value, str)
                                for code in text_module.control_characters(value)))
    if hidden:
        flash(t("app.control_removed", characters=", ".join(hidden)), "warning", slot)


def guarded(action, *args, success: str | None = None, slot: str = "", **kwargs):
    """Run a library call; a CoopscoreError becomes a French message, never a traceback.

    Text given to it that held invisible characters gets a notice once it is stored. Every
    message goes to `slot`, shown by `show_flashes(slot)` next to what caused it."""
    try:
        result = action(*args, **kwargs)
    except FAILURES as error:
        flash(said(error), "error", slot)
        return None
    if success:
        flash(success, slot=slot)
    notice_removed_characters(*args, *kwargs.values(), slot=slot)
    return result


# --- a scored assessment, or what to do first (Résultats, Écarts et recommandations) ---------


def scored_assessment_ui() -> tuple[store_module.Project, store_module.Assessment,
                                    results_module.Results]:
    """The selected project, assessment and its (cached) results, with a line saying which.

    Stops the page with a French st.info and a link to « Auto-évaluation » when there is
    nothing to show yet: no project chosen, a project without assessment, an assessment with
    no level given. Says so when one person only has answered.
    """
    db = store()
    project_id = st.session_state.get("project_id")
    assessment_id = st.session_state.get("assessment_id")
    if project_id is None:
        st.info(t("team.pick_project"))
        page_link("views/assess.py", label=t("team.go_assess"), icon=":material/edit_note:")
        stop_page()
    project = db.project(project_id)
    if assessment_id is None:
        st.info(md("team.pick_assessment", project=project.name))
        page_link("views/assess.py", label=t("team.go_assess"), icon=":material/edit_note:")
        stop_page()
    assessment = db.assessment(assessment_id)
    results = results_for(assessment_id)
    grid = results.grid
    status = f" · {t('team.closed')}" if assessment.is_closed else ""
    st.caption(md("team.context", project=project.name, label=assessment.label,
                 date=fmt.date(assessment.date), grid=grid.short_title or grid.title) + status)
    overall = results.one("overall", assessment_id)
    if overall.empty or int(overall["n_answered"].iloc[0]) == 0:
        st.info(md("team.no_answer", label=assessment.label))
        page_link("views/assess.py", label=t("team.go_assess"), icon=":material/edit_note:")
        stop_page()
    if int(overall["n_respondents"].iloc[0]) == 1:
        st.info(t("team.one_respondent"), icon=":material/person:")
    return project, assessment, results


def campaign_results(assessment_ids: list[int] | tuple[int, ...]
                     ) -> dict[tuple[str, str], results_module.Results]:
    """Scores of a few assessments (a project's campaigns) in one pass, cached until the data
    changes: {(grid, version): Results}, empty when there is none."""
    ids = tuple(sorted(int(i) for i in assessment_ids))
    if not ids:
        return {}
    for assessment_id in ids:
        require_full_results(assessment_id)
    db = _raw_store()
    return _scored(str(db.path), db.revision(), ids, i18n.current_language())


def require_full_results(assessment_id: int) -> None:
    """Stop the page with « accès refusé » unless the actor reads these results whole."""
    try:
        store().require_full_results(assessment_id)
    except CoopscoreError as error:
        st.error(str(error), icon=":material/block:")
        st.stop()


@st.cache_data(show_spinner=False, max_entries=64)
def _own_results(db_path: str, revision: tuple[int, int], assessment_id: int,
                 respondent_id: int) -> results_module.Results:
    return results_module.respondent_results(_raw_store(), assessment_id, respondent_id)


def own_results(assessment_id: int, respondent_id: int) -> results_module.Results:
    """One person's own scores (the questionnaire's feedback), for who may read their answers.

    Raises:
        AccessDenied: the actor may not read this person's answers.
    """
    db = store()
    resource = access.resource_of(_raw_store(), "respondent", respondent_id)
    access.require(db.actor, "answers.view", resource)
    raw = _raw_store()
    return _own_results(str(raw.path), raw.revision(), int(assessment_id), int(respondent_id))


# --- the targets in force (Résultats, Écarts et recommandations) ---------------------------


def targets_in_force_ui(assessment_id: int, results: results_module.Results, *,
                        selector: bool = False) -> None:
    """Say which targets the reading compares to; with `selector`, let the team pick a profile.

    The profile is stored with the assessment (the programme's one applies when it has none).
    """
    from coopscore.gaps import targets_in_force
    from coopscore.store import programmes

    grid = results.grid
    context = results.context[results.context["assessment"] == assessment_id].iloc[0]
    own, inherited = context.get("own_profile"), context.get("programme_profile")
    profiles = {pid: p for pid, p in scale_module.load_profiles().items() if p.grid == grid.id}
    in_force = context.get("profile") if pd.notna(context.get("profile")) else None
    programme_label = programmes().get(context["programme"], context["programme"]) \
        if in_force and pd.isna(own) else None
    sentence = targets_in_force(grid, load_scale(), phase=context.get("phase"),
                                profile=in_force, profiles=scale_module.load_profiles(),
                                programme_label=programme_label)
    st.info(sentence, icon=":material/flag:")
    if not selector or not profiles or not store().may("assessment.edit", "assessment",
                                                        assessment_id):
        return
    inherited = inherited if inherited in profiles else None
    none_label = (t("targets.profile_inherit", title=profiles[inherited].title) if inherited
                  else t("targets.profile_none"))
    options = [None, *profiles]
    key = f"profile_of_{assessment_id}"
    own = own if own in options else None
    setting("assessment_profile", key, own, assessment_id, none_label)
    st.selectbox(t("targets.choose_profile"), options, index=options.index(own),
                 format_func=lambda p: none_label if p is None else profiles[p].title,
                 help=t("targets.choose_profile_help"), key=key)


# --- who uses this session (docs/access.md) -------------------------------------------------

ACTOR_KEY = "_actor"
SIGNED_IN_KEY = "_signed_in"  # (issuer, subject) whose sign-in this session recorded
ACTOR_REVISION_KEY = "_actor_revision"  # the database revision the actor was read at


def mode() -> str:
    """`poste` (one computer, no sign-in) or `comptes` (sign-in), from $COOPSCORE_MODE."""
    return signin.current_mode()


def auth_settings() -> dict:
    """The `[auth]` section of .streamlit/secrets.toml (empty when there is none)."""
    try:
        return dict(st.secrets.to_dict().get("auth") or {})
    except Exception:  # noqa: BLE001 - no secrets file at all: nothing configured
        return {}


def signed_in_identity() -> signin.Identity | None:
    """The identity of the signed-in person (st.user), or None when nobody is signed in."""
    if not st.user.is_logged_in:
        return None
    return signin.identity(st.user.to_dict())


def link_target() -> links.LinkTarget:
    """The respondent and assessment of this session's personal link (its token is the
    credential: it is resolved against the whole database, here only).

    Raises:
        LinkError: unknown, revoked or closed link (its French message says which).
    """
    return links.resolve(_raw_store(), st.session_state.get(LINK_TOKEN_KEY))


def resolve_actor() -> Actor | None:
    """Who uses this session, read afresh on every run (a revoked grant ends at once).

    A personal link: its respondent only. `poste` mode: the local user. `comptes` mode: the
    signed-in person with today's grants; their first run records the sign-in (users table,
    audit row). None: nobody (not signed in, no grant, or a dead link).
    """
    db = _raw_store()
    actor: Actor | None = None
    if st.session_state.get(LINK_TOKEN_KEY):
        try:
            target = link_target()
            actor = Actor.respondent(target.respondent.id, target.assessment.id)
        except LinkError:
            actor = None
    elif mode() == "poste":
        actor = Actor.local()
    else:
        who = signed_in_identity()
        if who is not None:
            key = (who.issuer, who.subject)
            if st.session_state.get(SIGNED_IN_KEY) != key:
                actor = access.actor_for(db, who.issuer, who.subject, who.email, who.name)
                st.session_state[SIGNED_IN_KEY] = key
            else:
                roles = access.roles_for(db, who.email)
                actor = Actor(roles, issuer=who.issuer, subject=who.subject, email=who.email,
                              name=who.name) if roles else None
    st.session_state[ACTOR_KEY] = actor
    st.session_state[ACTOR_REVISION_KEY] = db.revision()
    return actor


def actor() -> Actor | None:
    """This run's actor, read again whenever the database has changed since (a grant revoked
    between two clicks is gone even for a widget callback, which runs before the router)."""
    if (ACTOR_KEY not in st.session_state
            or st.session_state.get(ACTOR_REVISION_KEY) != _raw_store().revision()):
        return resolve_actor()
    return st.session_state[ACTOR_KEY]


def role_labels(who: Actor) -> str:
    """« animation, financeur »: the actor's roles as people read them."""
    return ", ".join(t(f"signin.role_{role.kind}") for role in who.roles)


def account_ui(who: Actor | None) -> None:
    """The sidebar's first lines: the poste-mode notice, or who is signed in and « Se déconnecter »."""
    with st.sidebar:
        if mode() == "poste":
            st.caption(f":material/computer: {t('signin.poste_banner')}")
            return
        person = signed_in_identity()
        if person is None:
            return
        name = person.name or person.email or person.subject
        shown = f"{name} ({person.email})" if person.email and person.email != name else name
        if who is not None:
            shown = f"{shown} · {role_labels(who)}"
        st.caption(t("signin.signed_in_as", who=shown))
        if st.button(t("signin.sign_out"), key="sign_out", icon=":material/logout:"):
            st.logout()


# --- figures ---------------------------------------------------------------------------------


# px of the page's main column: below, a chart's `narrow` variant is shown (a radar's side
# labels need about 800 px; the main column has 564 on a 1024 px laptop with the sidebar open)
NARROW_SCREEN = 800
_CHART_CONFIG = {"displaylogo": False, "displayModeBar": False}


def chart_ui(figure, *, key: str, category: str | None = None, narrow=None) -> None:
    """A figure, then what it shows in one sentence and its numbers as a table.

    The sentence and the table are the figure's text alternative (RGAA 1.3 and 1.4: a chart is
    read out, or read, without seeing it). Plotly's toolbar, in English, is not shown.

    Args:
        narrow: the same figure drawn for a narrow page (e.g. a radar labelled with stage
            numbers), shown instead of `figure` when the page's main column is narrower than
            NARROW_SCREEN pixels (a phone, or a small laptop with the sidebar open): plotly
            cannot make room for a radar's side labels there.
    """
    from coopscore import charts

    if narrow is None:
        st.plotly_chart(figure, width="stretch", key=key, config=_CHART_CONFIG)
    else:
        # on paper, the wide figure (scaled to the page): the print stylesheet shows every
        # block, so the narrow one is hidden there with a more specific rule
        st.html(f"""<style>
          @container coopscore-main (max-width: {NARROW_SCREEN}px) {{
            .st-key-{key}_wide {{ display: none; }} }}
          @container coopscore-main (min-width: {NARROW_SCREEN + 1}px) {{
            .st-key-{key}_narrow {{ display: none; }} }}
          @media print {{
            [data-testid="stVerticalBlock"].st-key-{key}_narrow {{ display: none !important; }}
            [data-testid="stVerticalBlock"].st-key-{key}_wide {{ display: block !important; }} }}
        </style>""")
        with st.container(key=f"{key}_wide"):
            st.plotly_chart(figure, width="stretch", key=key, config=_CHART_CONFIG)
        with st.container(key=f"{key}_narrow"):
            st.plotly_chart(narrow, width="stretch", key=f"{key}_narrow_chart",
                            config=_CHART_CONFIG)
    st.caption(escape_markdown(charts.summary(figure)))  # names in it read as typed
    with st.expander(t("charts.data_heading"), icon=":material/table:"):
        st.table(charts.data_table(figure, category), hide_index=True)


# --- the page's language, Streamlit's own words included ------------------------------------

# Rewrites Streamlit's English words (skip link, upload box, help buttons' labels, placeholders,
# table toolbar) as they appear: text only inside Streamlit's own parts, attributes anywhere,
# and only texts that match a whole rule, so nobody's project name is ever rewritten. The
# text node is changed in place (React keeps its node); a re-render in English is fixed again.
_STRINGS_SCRIPT = """
(() => {
  const rules = %s.map(([pattern, replacement]) => [new RegExp(pattern), replacement]);
  const swap = (text) => {
    for (const [pattern, replacement] of rules) {
      if (pattern.test(text)) return text.replace(pattern, replacement);
    }
    return null;
  };
  const ATTRIBUTES = ["aria-label", "title", "placeholder"];
  const OWN_TEXT = "[data-testid=stSkipToContent], [data-testid=stFileUploader], " +
    "[data-testid=stException], [role=listbox] [role=option]";
  const fixElement = (element) => {
    for (const name of ATTRIBUTES) {
      const value = element.getAttribute(name);
      const swapped = value && swap(value);
      if (swapped && swapped !== value) element.setAttribute(name, swapped);
    }
  };
  const fix = (root) => {
    if (!root || root.nodeType !== 1) return;
    fixElement(root);
    root.querySelectorAll("[aria-label], [title], [placeholder]").forEach(fixElement);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (!node.parentElement || !node.parentElement.closest(OWN_TEXT)) continue;
      const swapped = swap(node.nodeValue.trim());
      if (swapped) node.nodeValue = swapped;
    }
  };
  if (window.__coopscoreStrings) window.__coopscoreStrings.disconnect();
  const observer = new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === "childList") change.addedNodes.forEach(
        (node) => fix(node.nodeType === 3 ? node.parentElement : node));
      else fix(change.type === "characterData" ? change.target.parentElement : change.target);
    }
  });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true,
                                   attributes: true, attributeFilter: ATTRIBUTES});
  window.__coopscoreStrings = observer;
  fix(document.body);
})();
"""


# A focus ring of the theme's primary colour (#000091: 12:1 on white, 11:1 on the sidebar) on
# whatever the keyboard reaches; Streamlit's own marks it with a pale band or a half-transparent
# shadow (1.1:1 to 2.9:1). A radio button's input is hidden: its label carries the ring.
FOCUS_COLOUR = "#000091"
_SCREEN_STYLE = f"""
:focus-visible {{ outline: 3px solid {FOCUS_COLOUR} !important; outline-offset: 1px; }}
label:has(input[type=radio]:focus-visible), label:has(input[type=checkbox]:focus-visible) {{
  outline: 3px solid {FOCUS_COLOUR}; outline-offset: 1px; border-radius: 4px; }}
/* a label or a figure in a narrow column wraps between words: Streamlit would cut it with
   « … »; a row of figures goes onto two lines rather than squeeze them */
[data-testid="stMain"] :is([data-testid="stMetricLabel"], [data-testid="stMetricValue"],
  [data-testid="stWidgetLabel"], [data-testid="stPageLink-NavLink"], .stMarkdownBadge)
  :is(div, p, span), [data-testid="stMain"] .stMarkdownBadge {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  word-break: normal !important; overflow-wrap: break-word !important; }}
[data-testid="stMain"] [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"]
  [data-testid="stMetric"]) {{ flex-wrap: wrap; }}
[data-testid="stMain"] [data-testid="stColumn"]:has([data-testid="stMetric"]) {{
  min-width: 10.5rem; }}
/* charts with a narrow variant follow the main column's width, not the window's (chart_ui) */
[data-testid="stMainBlockContainer"] {{ container: coopscore-main / inline-size; }}
"""


def page_setup_ui(language: str) -> None:
    """The page's language on <html lang>, Streamlit's own words in it, a visible focus ring.

    Streamlit writes lang="en" whatever the page says (streamlit/streamlit#15726) and has no
    setting for its own words (streamlit/streamlit#1353); the words it keeps in English are
    listed in the accessibility statement (data/accessibility.yaml).
    """
    import json

    script = f"document.documentElement.lang = {json.dumps(language)};"
    rules = i18n.replacement_rules("streamlit", language)
    if rules:
        script += _STRINGS_SCRIPT % json.dumps(rules)
    st.html(f"<style>{_SCREEN_STYLE}</style><script>{script}</script>",
            unsafe_allow_javascript=True)


# --- printing a page (Résultats, Portefeuille) ------------------------------------------------

# The browser's print of a page: no sidebar, header or buttons; tables printed whole from
# their printable copy (a data grid is drawn on a canvas that prints only what is scrolled
# into view); charts, metrics and bordered groups never split across two pages.
# A plotly chart is drawn at the window's width and the browser does not redraw it for the
# paper: just before printing, each chart wider than the page is redrawn and scaled to fit.
PRINT_WIDTH = 700  # CSS px inside the @page margins of A4 (703) or US Letter (725)
PRINT_SMALLEST = 0.8  # a chart is printed at no less than 80 % of the size it is drawn at
PRINT_CSS = """
<style>
.coopscore-print-only { display: none; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stStatusWidget"], [data-testid="stDownloadButton"], [data-testid="stButton"],
  [data-testid="stPageLink"], [data-testid="stElementToolbar"], [data-testid="stDataFrame"],
  [data-testid="stSelectbox"], [data-testid="stMultiSelect"], [data-testid="stCheckbox"],
  [data-testid="stSegmentedControl"], [data-testid="stToggle"], [data-testid="stToast"],
  [data-testid="stToastContainer"], [data-testid="stDialog"] { display: none !important; }
  /* a closed expander prints as its title alone; a container keyed « screen_only_… » holds
     controls that mean nothing on paper */
  [data-testid="stExpander"]:has(> details:not([open])), div[class*="st-key-screen_only_"],
  [data-testid="stLayoutWrapper"]:has(> div[class*="st-key-screen_only_"]) {
    display: none !important; }
  /* a container keyed « print_together_… » (a heading, its caption, its chart) is not split */
  [class*="st-key-print_together_"] { break-inside: avoid; page-break-inside: avoid; }
  /* flex columns ignore break-inside: the page's blocks print as plain blocks */
  [data-testid="stVerticalBlock"], [data-testid="stMain"], [data-testid="stAppViewContainer"] {
    display: block !important; }
  [data-testid="stVerticalBlock"] > * { margin-bottom: 0.6rem; }
  [data-testid="stElementContainer"], [data-testid="stHtml"], .coopscore-print-only {
    width: 100% !important; max-width: 100% !important; }
  [data-testid="stElementContainer"]:has([data-testid="stPlotlyChart"]) {
    break-inside: avoid; page-break-inside: avoid; }
  /* a data grid keeps its on-screen height in its container: it would print as a blank page */
  [data-testid="stElementContainer"]:has([data-testid="stDataFrame"]) { display: none !important; }
  [data-testid="stElementContainer"]:has(.js-plotly-plot) { zoom: var(--coopscore-print-zoom, 1); }
  /* a heading stays with what follows it */
  [data-testid="stElementContainer"]:has([data-testid="stHeadingWithActionElements"]) {
    break-after: avoid; page-break-after: avoid; }
  .coopscore-print-only { display: block !important; }
  html, body, [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"],
  [data-testid="stMainBlockContainer"] {
    height: auto !important; overflow: visible !important; position: static !important; }
  [data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 0 !important; }
  [data-testid="stPlotlyChart"], [data-testid="stMetric"], [data-testid="stAlert"],
  [data-testid="stVerticalBlockBorderWrapper"], .coopscore-print-only tr {
    break-inside: avoid; page-break-inside: avoid; }
  .coopscore-print-only table { width: 100%; border-collapse: collapse; font-size: 9pt; }
  .coopscore-print-only th { text-align: left; border-bottom: 1.5px solid #000091; }
  .coopscore-print-only td, .coopscore-print-only th { padding: 2px 4px; vertical-align: top;
    border-bottom: 0.5px solid #ccc; white-space: normal; word-break: normal;
    overflow-wrap: break-word; }
  /* a table with set column widths keeps them (the browser would give the long texts less) */
  .coopscore-print-only table.coopscore-print-fixed { table-layout: fixed; font-size: 8pt; }
  .coopscore-print-only thead { display: table-header-group; }
}
</style>
"""
PRINT_SCRIPT = """<script>(() => {
  if (window.__coopscorePrintFit) return;  // once per browser tab, whatever the reruns
  window.__coopscorePrintFit = true;
  const PAGE = %d, SMALLEST = %s;
  const drawnWidth = (plot) => {  // the width plotly drew at (never the zoomed box)
    const svg = plot.querySelector('svg.main-svg');
    return svg ? svg.width.baseVal.value : 0;
  };
  // A wide chart is redrawn a little wider than the page (plotly draws synchronously, before
  // the browser lays the page out for paper), then scaled down to it: labels drawn outside
  // the plot area (a radar's) keep the room they have on screen, and text stays legible.
  const fit = () => {
    for (const plot of document.querySelectorAll('.js-plotly-plot')) {
      const width = drawnWidth(plot);
      const chart = plot.closest('[data-testid="stElementContainer"]') || plot;
      chart.style.removeProperty('--coopscore-print-zoom');
      if (width <= PAGE) continue;
      let drawn = width;
      if (window.Plotly && plot._fullLayout && width > PAGE / SMALLEST) {
        drawn = Math.round(PAGE / SMALLEST);
        plot.dataset.coopscoreScreenWidth = width;
        window.Plotly.relayout(plot, {width: drawn});
      }
      chart.style.setProperty('--coopscore-print-zoom', PAGE / drawn);
    }
  };
  const unfit = () => {
    for (const plot of document.querySelectorAll('.js-plotly-plot[data-coopscore-screen-width]')) {
      const width = Number(plot.dataset.coopscoreScreenWidth);
      delete plot.dataset.coopscoreScreenWidth;
      if (drawnWidth(plot) === Math.round(PAGE / SMALLEST)) window.Plotly.relayout(plot, {width});
    }
  };
  window.addEventListener('beforeprint', fit);
  window.addEventListener('afterprint', unfit);
})();</script>""" % (PRINT_WIDTH, PRINT_SMALLEST)


def print_styles_ui() -> None:
    """The print stylesheet of the app, and the script that fits charts to the page."""
    st.html(PRINT_CSS + PRINT_SCRIPT, unsafe_allow_javascript=True)


def dataframe(frame: pd.DataFrame, **options):
    """`st.dataframe` of the app: decimal columns rounded to the whole numbers its cells show.

    Every number column is written with `format.table_number()` / `table_percent()` (whole
    numbers). The table also keeps a copy of its cells for screen readers, written from the
    values, not from the cells: unrounded, it read « 57.24702380952381 » where the cell
    shows « 57 ».
    """
    decimals = frame.select_dtypes("floating").columns
    whole = {c: frame[c].map(lambda v: v if fmt.missing(v) else fmt.rounded(v)) for c in decimals}
    return st.dataframe(frame.assign(**whole), **options)


def printable_table_ui(frame: pd.DataFrame, columns: dict[str, str],
                       widths: dict[str, float] | None = None) -> None:
    """A plain copy of a table that shows only when the page is printed: every row, every
    column, long texts wrapped (never cut).

    Args:
        frame: the rows, already formatted as text for a person (coopscore.format).
        columns: {column of frame: its heading}, in the order to print.
        widths: {column: its share of the page's width} for a table of long texts, whose
            columns the browser would otherwise size by their longest word; None: as it fits.
    """
    from html import escape

    head = "".join(f"<th>{escape(str(label))}</th>" for label in columns.values())
    body = "".join(
        "<tr>" + "".join(f"<td>{escape('' if pd.isna(value) else str(value))}</td>"
                         for value in row) + "</tr>"
        for row in frame[list(columns)].itertuples(index=False, name=None))
    layout = ""
    if widths:
        total = sum(widths[column] for column in columns)
        layout = "<colgroup>" + "".join(
            f"<col style='width: {round(100 * widths[column] / total, 2)}%'>"  # CSS, not a reading
            for column in columns
        ) + "</colgroup>"
    table_class = " class='coopscore-print-fixed'" if widths else ""
    st.html(f"<div class='coopscore-print-only'><table{table_class}>{layout}"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def print_only_ui(text: str) -> None:
    """A paragraph for paper only (e.g. the filters a printed table was made with, in place
    of the controls that are not printed). `text` is plain text."""
    from html import escape

    st.html(f"<div class='coopscore-print-only'><p>{escape(text)}</p></div>")


def print_landscape_ui() -> None:
    """Print the page on A4 landscape (a page whose table has many columns of long texts)."""
    st.html("<style>@media print { @page { size: A4 landscape; margin: 12mm 12mm; } }</style>")
