"""Files in and out of the « Données » page: imports checked before anything is written,
exports described before they are downloaded, copies of the database as bytes.

Everything here wraps `coopscore.exchange` and `Store.backup` for a person at a screen: a
dry run that also says, person by person, what an import will add or replace; what an
export holds; file names that say what and when.
"""

from __future__ import annotations

import functools

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path

import pandas as pd

from . import exchange
from .errors import AnswersError, CoopscoreError
from .i18n import t
from .scale import Scale, load_scale
from .store import Store

PREVIEW_COLUMNS = ["respondent", "role", "organisation", "files", "answers", "replaced", "new"]
EXPORT_TABLES = ("answers", "assessments", "agreed", "actions", *exchange.SCORE_TABLES)
EXPORT_SCOPES = ("assessment", "project", "portfolio")
MIME_TYPES = {
    "csv": "text/csv",
    "zip": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "db": "application/vnd.sqlite3",
}


# --- imports ------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportCheck:
    """The outcome of a dry run: what an import would write, or why it would write nothing.

    Attributes:
        message: the French summary (« Rien n'a été importé : 3 problème(s)… » on failure).
        problems: every problem, each naming its file and line (empty when ready).
        result: the dry run's counts (answers, respondents) when ready, else None.
        other_assessment_files: the files refused only because their `assessment` column
            names another assessment (a person may confirm them: allow_other_assessment).
        preview: one row per person: respondent, role (id), organisation, files (names,
            comma-separated), answers (rows to write), replaced (answers already stored
            for that person and item, which the import replaces), new (not yet a
            respondent of the assessment).
    """

    message: str
    problems: list[str] = field(default_factory=list)
    result: exchange.ImportResult | None = None
    other_assessment_files: list[str] = field(default_factory=list)
    preview: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PREVIEW_COLUMNS))

    @property
    def ready(self) -> bool:
        return self.result is not None


def _named(source: exchange.Source) -> tuple[str, bytes]:
    """A source as (display name, bytes), read once, so that it can be read again.

    Raises:
        AnswersError: a path that cannot be read.
    """
    if isinstance(source, tuple):
        return str(source[0]), bytes(source[1])
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            return path.name, path.read_bytes()
        except OSError:
            raise AnswersError(t("answers.file_not_found", file=str(path))) from None
    if isinstance(source, (bytes, bytearray)):
        return t("answers.unnamed_file"), bytes(source)
    getvalue = getattr(source, "getvalue", None)
    data = getvalue() if getvalue is not None else source.read()
    return Path(str(getattr(source, "name", "") or t("answers.unnamed_file"))).name, data


def check_import(store: Store, sources: Sequence[exchange.Source],
                 assessment_id: int | None = None, *, project_id: int | None = None,
                 grid_id: str | None = None, label: str | None = None,
                 date: str | Date | None = None, scale: Scale | None = None,
                 allow_other_assessment: bool = False) -> ImportCheck:
    """Check files of answers against their target exactly as the import would, writing nothing.

    Args:
        sources: (name, bytes) pairs, uploads, paths or bytes.
        assessment_id: the assessment that would receive the answers; or `project_id`,
            `grid_id`, `label` (and `date`) of a new assessment.
        allow_other_assessment: accept files whose `assessment` column names another
            assessment; by default such a file is a problem to confirm (« … évaluation n° … »).

    Returns:
        An ImportCheck: ready, with the counts and a preview per person; or the summary and
        every problem (bad files, conflicts between files or with the assessment, closed or
        unknown assessment). Never raises a CoopscoreError.
    """
    scale = scale or load_scale()
    try:
        named = [_named(source) for source in sources]
    except AnswersError as error:
        return ImportCheck(error.message, list(error.problems))
    names = [name for name, _ in named]
    if not named:
        return ImportCheck(t("data_page.no_file"))
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        problems = [t("data_page.same_file_twice", file=name) for name in twice]
        return ImportCheck(t("exchange.import_failed", count=len(problems)), problems)
    try:
        # a scoped store checks the target against the person's scope first
        run = store.import_answers if hasattr(type(store), "import_answers") else \
            functools.partial(exchange.import_answers, store)
        result = run(named, assessment_id, project_id=project_id, grid_id=grid_id, label=label,
                     date=date, dry_run=True, scale=scale,
                     allow_other_assessment=allow_other_assessment)
    except CoopscoreError as error:
        return ImportCheck(error.message, list(error.problems),
                           other_assessment_files=list(getattr(error, "other_assessment_files",
                                                               [])))
    return ImportCheck(t("exchange.checked", answers=result.answers,
                         respondents=result.respondents),
                       result=result, preview=_preview(store, result.rows, assessment_id))


def _preview(store: Store, rows: pd.DataFrame, assessment_id: int | None) -> pd.DataFrame:
    """One row per person of the files: what the import adds, and what it replaces."""
    if assessment_id is not None:
        existing = store.respondents(assessment_id)
        ids = dict(zip(existing["name"], existing["id"], strict=True))
        stored = store.answers(assessment_id)
        stored_keys = set(zip(stored["respondent"], stored["item"], strict=True))
    else:
        ids, stored_keys = {}, set()
    people = []
    for name, answers in rows.groupby("respondent", sort=False):
        respondent_id = ids.get(name)
        organisation = answers["organisation"].dropna()
        people.append({
            "respondent": name,
            "role": answers["role"].iloc[0],
            "organisation": organisation.iloc[0] if len(organisation) else None,
            "files": ", ".join(dict.fromkeys(answers["file"])),
            "answers": len(answers),
            "replaced": 0 if respondent_id is None else sum(
                (respondent_id, item) in stored_keys for item in answers["item"]),
            "new": respondent_id is None,
        })
    return pd.DataFrame(people, columns=PREVIEW_COLUMNS)


def group_problems(problems: Sequence[str], file_names: Sequence[str]
                   ) -> list[tuple[str | None, list[str]]]:
    """An import's problems by file, each without its « file, » prefix, in the files' order.

    Problems that name no single file (the same answer in two files, a role that differs
    from the one already recorded) come last, under None.
    """
    prefixes = {name: t("exchange.in_file", file=name) for name in file_names}
    by_file: dict[str | None, list[str]] = {name: [] for name in file_names}
    by_file[None] = []
    longest_first = sorted(prefixes.items(), key=lambda item: -len(item[1]))
    for problem in problems:
        for name, prefix in longest_first:
            if problem.startswith(prefix):
                by_file[name].append(problem[len(prefix):])
                break
        else:
            by_file[None].append(problem)
    return [(name, found) for name, found in by_file.items() if found]


# --- exports ------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportContents:
    """How much an export holds: projects, assessments, respondents, answers."""

    projects: int
    assessments: int
    respondents: int
    answers: int


def export_contents(store: Store, assessment_ids: Sequence[int] | None = None) -> ExportContents:
    """Count what an export of these assessments (None: the whole portfolio) holds."""
    assessments = store.assessments()
    if assessment_ids is not None:
        assessments = assessments[assessments["id"].isin([int(i) for i in assessment_ids])]
    return ExportContents(projects=int(assessments["project"].nunique()),
                          assessments=len(assessments),
                          respondents=int(assessments["n_respondents"].sum()),
                          answers=int(assessments["n_answers"].sum()))


def export_filename(scope: str, fmt: str, day: Date, scope_id: int | None = None) -> str:
    """« coopscore-evaluation-12-2026-03-02.xlsx »: what, which one, and when.

    Args:
        scope: assessment, project or portfolio.
        fmt: csv, zip, xlsx or json (the extension).
    """
    if scope not in EXPORT_SCOPES:
        raise CoopscoreError(t("data_page.unknown_scope", value=scope,
                               valid=", ".join(EXPORT_SCOPES)))
    stem = t(f"data_page.file_{scope}", id=scope_id)
    return f"{stem}-{day.isoformat()}.{fmt}"


# --- backups ------------------------------------------------------------------------


def backup_bytes(store: Store) -> bytes:
    """A consistent copy of the whole database, as the bytes of one SQLite file.

    Made with SQLite's online backup (Store.backup), so other people may keep answering.

    Raises:
        StoreError: the copy could not be written in the temporary folder.
    """
    with tempfile.TemporaryDirectory(prefix="coopscore-backup-") as folder:
        return store.backup(Path(folder) / "copy.db").read_bytes()


def backup_filename(day: Date) -> str:
    """« coopscore-sauvegarde-2026-03-02.db »."""
    return f"{t('data_page.file_backup')}-{day.isoformat()}.db"
