"""Données: import answers (checked first, then all at once), the blank questionnaire for
workshops, exports, and a copy of the database.

Files are prepared when their download button is clicked (deferred downloads), so the page
stays fast and a backup is a copy of the database at that moment.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re

import streamlit as st

from coopscore import exchange, transfers
from coopscore import format as fmt
from coopscore.answers import MAX_FILE_BYTES
from coopscore.i18n import t
from coopscore.access import ScopedStore as Store
from coopscore.store import Assessment, Project
from ui import (
    available_grids, dataframe, flash, guarded, load_grid, load_scale, md, page_link, select,
    show_flashes, store,
)

ASSESS_PAGE = "views/assess.py"
RESULTS_PAGE = "views/results.py"
UPLOAD_ROUND = "data_upload_round"
CHECKED = "_data_import_check"
IMPORTED = "_data_imported"
TARGET = "data_import_target"
ALLOW_OTHER = "data_import_allow_other_"  # + the files' digest
EXPORT_FORMATS = ("xlsx", "zip", "json")
UPLOAD_LIMIT_MB = MAX_FILE_BYTES // 1024 // 1024  # the import's own limit, shown by the widget
_MARKDOWN_SIGNS = re.compile(r"([\\`*_\[\]<>$~|#])")


def read_date(assessment: Assessment) -> str:
    """The assessment's date as the reader writes it (export_ui's `fmt` is the file format)."""
    return fmt.date(assessment.date)


def counted(value: int, word: str) -> str:
    """« 0 réponse », « 42 réponses », « 13 007 réponses » in the reader's language."""
    return fmt.plural(value, f"data_page.count_{word}")


def plain(text: str) -> str:
    """Text from a file or a person, shown as is in markdown (no stray emphasis or link)."""
    return _MARKDOWN_SIGNS.sub(r"\\\1", text)


# --- 1. import ------------------------------------------------------------------------------


def import_target_ui(db: Store, project: Project, assessment: Assessment | None
                     ) -> tuple[dict, str] | None:
    """Where the answers go: the selected assessment, or a new one for the selected project.

    Returns the keyword arguments of the import and the target's label, or None while the
    new assessment has no label.
    """
    options = []
    if assessment is not None and not assessment.is_closed:
        options.append("selected")
    options.append("new")
    labels = {"new": md("data_page.target_new", project=project.name)}
    if assessment is not None:
        labels["selected"] = md("data_page.target_selected", label=assessment.label,
                               date=fmt.date(assessment.date))
    if assessment is not None and assessment.is_closed:
        st.caption(md("data_page.target_closed", label=assessment.label))
    choice = st.radio(t("data_page.target_label"), options, format_func=labels.get, key=TARGET)
    if choice == "selected":
        return {"assessment_id": assessment.id}, assessment.label
    grid_ids = available_grids()
    grid_id = st.radio(t("data_page.new_grid"), grid_ids, horizontal=True,
                       format_func=lambda g: load_grid(g).short_title, key="data_import_grid")
    label_column, date_column = st.columns([2, 1])
    first = db.assessments(project.id).empty
    label = label_column.text_input(
        t("data_page.new_label"), key=f"data_import_label_{project.id}",
        value=t("app.assess_label_first" if first else "app.assess_label_next"))
    day = date_column.date_input(t("data_page.new_date"), value=dt.date.today(),
                                 format=fmt.date_input_pattern(), key="data_import_date")
    if not label.strip():
        st.warning(t("data_page.label_missing"))
        return None
    return ({"project_id": project.id, "grid_id": grid_id, "label": label.strip(),
             "date": day.isoformat() if day else None}, label.strip())


def checked(db: Store, sources: list[tuple[str, bytes]], target: dict) -> transfers.ImportCheck:
    """The dry run of these files into this target, done once per files and target."""
    digest = hashlib.sha256()
    for name, data in sources:
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
    key = (digest.hexdigest(), tuple(sorted(target.items())))
    cached = st.session_state.get(CHECKED)
    if cached is not None and cached[0] == key:
        return cached[1]
    with st.spinner(t("data_page.checking")):
        check = transfers.check_import(db, sources, **target, scale=load_scale())
    st.session_state[CHECKED] = (key, check)
    return check


def problems_ui(check: transfers.ImportCheck, names: list[str]) -> None:
    """Every problem, file by file, each with its line; and that nothing was written."""
    st.error(check.message, icon=":material/error:")
    groups = transfers.group_problems(check.problems, names)
    if groups:
        with st.container(border=True):
            for name, problems in groups:
                heading = (t("data_page.problems_in_file", file=plain(name),
                             count=counted(len(problems), "problems"))
                           if name is not None else t("data_page.problems_between"))
                st.markdown(f"**{heading}**\n\n" + "\n".join(f"- {plain(p)}" for p in problems))
    st.caption(t("data_page.problems_fix"))


def preview_ui(check: transfers.ImportCheck, label: str) -> None:
    """What the import will write, person by person."""
    result, preview = check.result, check.preview
    st.success(t("data_page.ready", answers=counted(result.answers, "answers"),
                 people=counted(result.respondents, "people"), label=label),
               icon=":material/check_circle:")
    scale = load_scale()
    shown = preview.assign(
        role=preview["role"].map(scale.role_label),
        organisation=preview["organisation"].fillna(t("data_page.none")),
        new=preview["new"].map({True: t("data_page.status_new"),
                                False: t("data_page.status_existing")}))
    dataframe(shown, hide_index=True, width="stretch", column_config={
        "respondent": st.column_config.TextColumn(t("data_page.col_respondent")),
        "role": st.column_config.TextColumn(t("data_page.col_role")),
        "organisation": st.column_config.TextColumn(t("data_page.col_organisation")),
        "files": st.column_config.TextColumn(t("data_page.col_files")),
        "answers": st.column_config.NumberColumn(t("data_page.col_answers"),
                                                 help=t("data_page.col_answers_help")),
        "replaced": st.column_config.NumberColumn(t("data_page.col_replaced"),
                                                  help=t("data_page.col_replaced_help")),
        "new": st.column_config.TextColumn(t("data_page.col_status")),
    })
    notes = []
    if result.created_respondents:
        notes.append(t("data_page.preview_created",
                       people=counted(result.created_respondents, "people")))
    replaced = int(preview["replaced"].sum())
    if replaced:
        notes.append(t("data_page.preview_replaced", answers=counted(replaced, "answers")))
    notes.append(t("data_page.preview_caption"))
    st.caption(" ".join(notes))


def run_import(db: Store, sources: list[tuple[str, bytes]], target: dict, project: Project
               ) -> None:
    """Write everything in one transaction, say what was written, select the assessment."""
    result = guarded(db.import_answers, sources, **target, scale=load_scale())
    st.session_state.pop(CHECKED, None)
    if result is not None:
        assessments = db.assessments(project.id).set_index("id")
        now = assessments.loc[result.assessment_id]
        flash(t("data_page.imported", answers=counted(result.answers, "answers"),
                people=counted(result.respondents, "people"), label=result.label,
                created=t("data_page.imported_created",
                          added=counted(result.created_respondents, "added"))
                if result.created_respondents else "",
                total_answers=counted(now["n_answers"], "answers"),
                total_people=counted(now["n_respondents"], "people")))
        select(project.id, result.assessment_id)
        st.session_state[UPLOAD_ROUND] = st.session_state.get(UPLOAD_ROUND, 0) + 1
        st.session_state[IMPORTED] = result.assessment_id
        for key in (TARGET, f"data_import_label_{project.id}"):
            st.session_state.pop(key, None)
    st.rerun()


def import_ui(db: Store, project: Project | None, assessment: Assessment | None) -> None:
    st.subheader(t("data_page.import_heading"), anchor="importer")
    st.markdown(t("data_page.import_intro"))
    show_flashes()
    if st.session_state.pop(IMPORTED, None) is not None and assessment is not None:
        page_link(RESULTS_PAGE, label=t("data_page.go_results"), icon=":material/radar:")
    if db.projects().empty:
        st.info(t("data_page.import_empty_db"))
        page_link(ASSESS_PAGE, label=t("data_page.go_assess"), icon=":material/edit_note:")
        st.caption(t("data_page.demo_hint"))
        return
    if project is None:
        st.info(t("data_page.import_pick_project"))
        page_link(ASSESS_PAGE, label=t("data_page.go_assess"), icon=":material/edit_note:")
        return
    chosen = import_target_ui(db, project, assessment)
    files = st.file_uploader(t("data_page.upload_label"), accept_multiple_files=True,
                             key=f"data_files_{st.session_state.get(UPLOAD_ROUND, 0)}",
                             max_upload_size=UPLOAD_LIMIT_MB,
                             help=t("data_page.upload_help", limit=UPLOAD_LIMIT_MB))
    with st.expander(t("data_page.format_heading"), icon=":material/help:"):
        st.markdown(t("data_page.format_text"))
    if not files:
        st.caption(t("data_page.upload_waiting"))
        return
    if chosen is None:
        return
    target, label = chosen
    sources = [(upload.name, upload.getvalue()) for upload in files]
    # a confirmation holds for these very files only
    allow_key = ALLOW_OTHER + hashlib.sha256(b"".join(
        name.encode("utf-8") + hashlib.sha256(data).digest() for name, data in sources)).hexdigest()
    allowed = bool(st.session_state.get(allow_key))
    if allowed:
        target = {**target, "allow_other_assessment": True}
    check = checked(db, sources, target)
    if not check.ready:
        problems_ui(check, [name for name, _ in sources])
    if "assessment_id" in target and (allowed or check.other_assessment_files):
        st.checkbox(t("data_page.allow_other", label=plain(label),
                      files=", ".join(plain(n) for n in check.other_assessment_files)
                      or t("data_page.allow_other_these")),
                    key=allow_key, help=t("data_page.allow_other_help"))
    if not check.ready:
        return
    preview_ui(check, label)
    if st.button(t("data_page.import_button"), type="primary", icon=":material/upload:",
                 key="data_import_button"):
        run_import(db, sources, target, project)


# --- 2. blank questionnaire -------------------------------------------------------------------


def questionnaire_ui(db: Store, project: Project | None, assessment: Assessment | None) -> None:
    st.subheader(t("data_page.questionnaire_heading"), anchor="questionnaire")
    st.markdown(t("data_page.questionnaire_intro"))
    grid_ids = available_grids()
    default = assessment.grid if assessment is not None and assessment.grid in grid_ids \
        else grid_ids[0]
    grid_id = st.radio(
        t("data_page.questionnaire_grid"), grid_ids, index=grid_ids.index(default),
        horizontal=True, format_func=lambda g: load_grid(g).short_title,
        key=f"data_questionnaire_grid_{assessment.id if assessment else None}")
    project_column, assessment_column = st.columns(2)
    project_name = project_column.text_input(
        t("data_page.questionnaire_project"), value=project.name if project else "",
        placeholder=t("data_page.questionnaire_blank_name"),
        key=f"data_questionnaire_project_{project.id if project else None}")
    label = assessment_column.text_input(
        t("data_page.questionnaire_assessment"), value=assessment.label if assessment else "",
        placeholder=t("data_page.questionnaire_blank_name"),
        key=f"data_questionnaire_assessment_{assessment.id if assessment else None}")
    same_grid = assessment is not None and assessment.grid == grid_id
    grid = db.grid_of(assessment.id) if same_grid else load_grid(grid_id)
    caption = t("data_page.questionnaire_contents", title=grid.short_title or grid.title,
                version=grid.version, section=grid.label("section").lower(),
                sections=len(grid.sections), criteria=len(grid.criteria()),
                criteria_word=grid.label("criteria").lower(), methods=len(grid.methods()))
    if same_grid:
        caption += " " + md("data_page.questionnaire_version_of", label=assessment.label)
    st.caption(caption)
    # the selected project's CTE status decides whether CTE-only items are asked at all
    cte = project.cte if project is not None else None
    options = dict(project=project_name.strip() or None, assessment=label.strip() or None,
                   cte=cte)
    buttons = st.container(horizontal=True)  # each button as wide as its label, never cut
    buttons.download_button(
        t("data_page.questionnaire_download"),
        data=functools.partial(exchange.questionnaire_bytes, grid, load_scale(), **options),
        file_name=f"{t('data_page.file_questionnaire', grid=grid.id)}.xlsx",
        mime=transfers.MIME_TYPES["xlsx"], on_click="ignore", icon=":material/download:",
        type="primary", key="data_questionnaire_download")
    buttons.download_button(
        t("data_page.questionnaire_download_pdf"),
        data=functools.partial(exchange.questionnaire_pdf, grid, load_scale(), **options),
        file_name=f"{t('data_page.file_questionnaire', grid=grid.id)}.pdf",
        mime="application/pdf", on_click="ignore", icon=":material/picture_as_pdf:",
        key="data_questionnaire_pdf_download")


# --- 3. export ----------------------------------------------------------------------------------


def anonymity_ui(db: Store, ids: list[int] | None) -> bool:
    """Say how an export shows the people of anonymous assessments; True when whoever manages
    their respondents chose to keep the names (the rule is ScopedStore.export_bytes')."""
    anonymous = db.anonymous_assessments(ids)
    if not anonymous:
        return False
    st.info(t("data_page.export_pseudonymous", count=len(anonymous)),
            icon=":material/visibility_off:")
    if not all(db.may("respondent.manage", "assessment", a) for a in anonymous):
        return False
    keep = st.checkbox(t("data_page.export_with_names"), key="data_export_names",
                       help=t("data_page.export_with_names_help"))
    if keep:
        st.warning(t("data_page.export_with_names_on"), icon=":material/warning:")
    return keep


def export_ui(db: Store, project: Project | None, assessment: Assessment | None) -> None:
    st.subheader(t("data_page.export_heading"), anchor="exporter")
    st.markdown(t("data_page.export_intro"))
    everything = db.assessments()
    if everything.empty:
        st.info(t("data_page.export_nothing"))
        page_link(ASSESS_PAGE, label=t("data_page.export_go_assess"),
                     icon=":material/edit_note:")
        return
    scopes: dict[str, tuple[list[int] | None, int | None, str]] = {}
    if assessment is not None:
        scopes["assessment"] = ([assessment.id], assessment.id, t(
            "data_page.scope_assessment", label=assessment.label, date=read_date(assessment)))
    if project is not None:
        campaigns = [int(i) for i in everything.loc[everything["project"] == project.id, "id"]]
        if campaigns:
            scopes["project"] = (campaigns, project.id, t(
                "data_page.scope_project", project=project.name,
                assessments=counted(len(campaigns), "assessments")))
    scopes["portfolio"] = (None, None, t(
        "data_page.scope_portfolio",
        projects=counted(everything["project"].nunique(), "projects"),
        assessments=counted(len(everything), "assessments")))
    scope = st.radio(t("data_page.export_scope"), list(scopes),
                     format_func=lambda s: scopes[s][2], key="data_export_scope")
    fmt = st.radio(t("data_page.export_format"), EXPORT_FORMATS, horizontal=True,
                   format_func=lambda f: t(f"data_page.format_{f}"), key="data_export_format")
    ids, scope_id, _ = scopes[scope]
    contents = transfers.export_contents(db, ids)
    if fmt == "xlsx":
        tables = ", ".join(t(f"exchange.sheet_{name}") for name in transfers.EXPORT_TABLES)
    else:
        suffix = ".csv" if fmt == "zip" else ""
        tables = ", ".join(t("data_page.export_table", name=f"`{name}{suffix}`",
                             meaning=t(f"exchange.sheet_{name}").lower())
                           for name in transfers.EXPORT_TABLES)
    said = t(f"data_page.export_contains_{fmt}",
             answers=counted(contents.answers, "answers"),
             people=counted(contents.respondents, "people"),
             assessments=counted(contents.assessments, "assessments"), tables=tables,
             version=exchange.EXPORT_FORMAT_VERSION)
    if fmt != "json" and not db.anonymous_assessments(ids):  # pseudonyms do not re-import
        said += " " + t(f"data_page.export_reimport_{fmt}", answers_sheet=t("exchange.sheet_answers"))
    st.markdown(said)
    with_names = anonymity_ui(db, ids)
    st.download_button(
        t("data_page.export_download"),
        data=functools.partial(db.export_bytes, fmt, ids, with_names=with_names),
        file_name=transfers.export_filename(scope, fmt, dt.date.today(), scope_id),
        mime=transfers.MIME_TYPES[fmt], on_click="ignore", icon=":material/download:",
        type="primary", key="data_export_download")
    st.caption(t("data_page.export_prepared"))


# --- 4. backup ---------------------------------------------------------------------------------


def backup_ui(db: Store) -> None:
    st.subheader(t("data_page.backup_heading"), anchor="sauvegarde")
    st.markdown(t("data_page.backup_intro"))
    if db.is_empty():
        st.info(t("data_page.backup_empty"))
    else:
        counts = db.counts()
        st.download_button(
            t("data_page.backup_download"), data=functools.partial(transfers.backup_bytes, db),
            file_name=transfers.backup_filename(dt.date.today()),
            mime=transfers.MIME_TYPES["db"], on_click="ignore", icon=":material/save:",
            type="primary", key="data_backup_download")
        st.caption(t("data_page.backup_contains",
                     projects=counted(counts["projects"], "projects"),
                     assessments=counted(counts["assessments"], "assessments"),
                     answers=counted(counts["answers"], "answers")))
    st.markdown(t("data_page.backup_where", path=db.path))
    st.markdown(t("data_page.backup_restore", name=db.path.name))


# --- the page ----------------------------------------------------------------------------------

st.title(t("data_page.title"))
st.markdown(t("data_page.intro"))
database = store()
project_id = st.session_state.get("project_id")
assessment_id = st.session_state.get("assessment_id")
selected_project = database.project(project_id) if project_id is not None else None
selected_assessment = database.assessment(assessment_id) if assessment_id is not None else None

with st.container(border=True):
    import_ui(database, selected_project, selected_assessment)
with st.container(border=True):
    questionnaire_ui(database, selected_project, selected_assessment)
with st.container(border=True):
    export_ui(database, selected_project, selected_assessment)
if database.may("backup"):  # the database file and its path: admin and poste mode only
    with st.container(border=True):
        backup_ui(database)
