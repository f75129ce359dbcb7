"""Persistence: projects, assessments and every answer kept in one SQLite file (sqlite-utils).

Location: `$COOPSCORE_DB` if set, else `data/coopscore.db`; created on first use.

Guarantees, and why:
- Foreign keys are enforced on every connection (SQLite leaves them off by default).
- WAL journal, `synchronous=FULL`, a busy timeout: readers never block the writer, a commit
  survives a crash, and concurrent writers wait for each other instead of failing.
- Every logical write is one `BEGIN IMMEDIATE` transaction: it takes the write lock at once,
  so two processes never both hold a read snapshot they then fail to upgrade
  (`db.atomic()`'s deferred BEGIN loses writes under concurrency). Validation happens inside
  that transaction, so nothing is written unless everything is valid.
- Thread-safety: a Store holds ONE connection opened with `check_same_thread=False`, and
  every use of it (read or write) is serialised by a re-entrant lock. Streamlit runs each
  script rerun on a new thread, so per-thread connections would leak; one shared handle
  behind a lock is safe, and SQLite serialises writers anyway.
- The schema is versioned by `PRAGMA user_version` and the ordered list `MIGRATIONS`;
  opening a database applies the missing ones in one transaction.
- An assessment records the grid id AND version it was made with; the grid file's text is
  kept in `grid_versions`, so an old assessment is always read against its own grid.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import sqlite3
import threading
from numbers import Integral
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from sqlite_utils import Database

from . import failures, fsutil
from . import grid as grid_module
from .errors import NotFoundError, StoreError
from .grid import Grid
from .i18n import current_language, t
from .answers import CTE_TEXT_WIDTH
from .labels import shorten
from .text import clean_text

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_DB_PATH = DATA_DIR / "coopscore.db"
ENV_VARIABLE = "COOPSCORE_DB"
BUSY_TIMEOUT_SECONDS = 30.0

ASSESSMENT_STATUSES = ("draft", "closed")

Progress = Callable[[int, int], None]


# --- schema -------------------------------------------------------------------------


@dataclass(frozen=True)
class Migration:
    """One step of the schema: SQL statements run in order inside the upgrade transaction."""

    name: str
    statements: tuple[str, ...]


# Never edit a migration that has shipped: append a new one. `PRAGMA user_version` holds the
# number of migrations applied. A migration that must rebuild a table cannot switch foreign
# keys off inside the transaction: copy, drop and rename in an order that keeps them valid.
MIGRATIONS: tuple[Migration, ...] = (
    Migration("initial schema: grids, territories, projects, assessments, respondents, answers", (
        """CREATE TABLE grid_versions (
            grid TEXT NOT NULL,
            version TEXT NOT NULL,
            items TEXT NOT NULL,
            source TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (grid, version)
        )""",
        """CREATE TABLE territories (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            kind TEXT,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE projects (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            territory_id INTEGER NOT NULL REFERENCES territories(id),
            programme TEXT NOT NULL,
            phase TEXT,
            cte INTEGER NOT NULL DEFAULT 0 CHECK (cte IN (0, 1)),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX projects_territory ON projects(territory_id)",
        """CREATE TABLE assessments (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            grid TEXT NOT NULL,
            grid_version TEXT NOT NULL,
            date TEXT NOT NULL,
            label TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'closed')),
            created_at TEXT NOT NULL,
            closed_at TEXT,
            FOREIGN KEY (grid, grid_version) REFERENCES grid_versions(grid, version)
        )""",
        "CREATE INDEX assessments_project ON assessments(project_id, date)",
        "CREATE INDEX assessments_grid ON assessments(grid, grid_version)",
        """CREATE TABLE respondents (
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            organisation TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (assessment_id, id),
            UNIQUE (assessment_id, name)
        )""",
        # The composite key makes it impossible to file an answer under a respondent of
        # another assessment.
        """CREATE TABLE answers (
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            respondent_id INTEGER NOT NULL,
            item TEXT NOT NULL,
            value TEXT NOT NULL,
            comment TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (assessment_id, respondent_id, item),
            FOREIGN KEY (assessment_id, respondent_id)
                REFERENCES respondents(assessment_id, id) ON DELETE CASCADE
        ) WITHOUT ROWID""",
    )),
    Migration("consensus values and action plans", (
        """CREATE TABLE agreed (
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            item TEXT NOT NULL,
            value TEXT NOT NULL,
            rationale TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (assessment_id, item)
        ) WITHOUT ROWID""",
        """CREATE TABLE actions (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            assessment_id INTEGER REFERENCES assessments(id) ON DELETE SET NULL,
            method TEXT,
            title TEXT,
            because TEXT,
            owner TEXT,
            due_date TEXT,
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (method IS NOT NULL OR title IS NOT NULL)
        )""",
        "CREATE INDEX actions_project ON actions(project_id)",
        "CREATE INDEX actions_assessment ON actions(assessment_id)",
    )),
    # Targets depend on the project's phase at the time of the campaign, not today's.
    Migration("phase of the project recorded with each assessment", (
        "ALTER TABLE assessments ADD COLUMN phase TEXT",
        "UPDATE assessments SET phase = "
        "(SELECT phase FROM projects WHERE projects.id = assessments.project_id)",
    )),
    # A counter per assessment that moves whenever something its scores depend on changes,
    # so a portfolio can re-score only the assessments that changed (results.refresh_portfolio).
    # Kept by triggers, so every writer (this Store, the CLI, another process) keeps it right.
    Migration("revision counter of each assessment, kept by triggers", (
        "ALTER TABLE assessments ADD COLUMN revision INTEGER NOT NULL DEFAULT 0",
        *(f"""CREATE TRIGGER {table}_{event.lower()}_revision AFTER {event} ON {table}
            BEGIN
                UPDATE assessments SET revision = revision + 1
                WHERE id IN ({", ".join(f"{row}.assessment_id" for row in rows)});
            END"""
          for table in ("answers", "agreed", "respondents")
          for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")),
                              ("DELETE", ("OLD",)))),
        # What scoring reads from the assessment row itself (status and label do not count).
        """CREATE TRIGGER assessments_scoring_revision
            AFTER UPDATE OF phase, grid, grid_version, project_id ON assessments
            WHEN OLD.phase IS NOT NEW.phase OR OLD.grid IS NOT NEW.grid
                 OR OLD.grid_version IS NOT NEW.grid_version
                 OR OLD.project_id IS NOT NEW.project_id
            BEGIN
                UPDATE assessments SET revision = revision + 1 WHERE id = NEW.id;
            END""",
        # ... and from its project (cte; phase for good measure).
        """CREATE TRIGGER projects_scoring_revision AFTER UPDATE OF cte, phase ON projects
            WHEN OLD.cte IS NOT NEW.cte OR OLD.phase IS NOT NEW.phase
            BEGIN
                UPDATE assessments SET revision = revision + 1 WHERE project_id = NEW.id;
            END""",
    )),
    # Personal links (coopscore/links.py): only a SHA-256 of each token is kept, so a stolen
    # database file opens no questionnaire. `closes_on` is a planned closing date (links stop
    # working after it); `anonymous` hides names in team views (coopscore/anonymity.py).
    Migration("personal respondent links, planned closing date, anonymity", (
        """CREATE TABLE respondent_links (
            id INTEGER PRIMARY KEY,
            respondent_id INTEGER NOT NULL REFERENCES respondents(id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT,
            last_seen_at TEXT
        )""",
        "CREATE INDEX respondent_links_respondent ON respondent_links(respondent_id)",
        "ALTER TABLE assessments ADD COLUMN closes_on TEXT",
        "ALTER TABLE assessments ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0 "
        "CHECK (anonymous IN (0, 1))",
    )),
    # A named target profile (data/profiles.yaml) per assessment, or per funding programme for
    # every project of that programme (a funder's call); the assessment's own one wins.
    Migration("target profile of an assessment, and of a programme", (
        "ALTER TABLE assessments ADD COLUMN profile TEXT",
        """CREATE TABLE programme_profiles (
            programme TEXT PRIMARY KEY,
            profile TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) WITHOUT ROWID""",
        """CREATE TRIGGER assessments_profile_revision AFTER UPDATE OF profile ON assessments
            WHEN OLD.profile IS NOT NEW.profile
            BEGIN
                UPDATE assessments SET revision = revision + 1 WHERE id = NEW.id;
            END""",
        *(f"""CREATE TRIGGER programme_profiles_{event.lower()}_revision
            AFTER {event} ON programme_profiles
            BEGIN
                UPDATE assessments SET revision = revision + 1 WHERE project_id IN
                    (SELECT id FROM projects WHERE programme IN ({", ".join(
                        f"{row}.programme" for row in rows)}));
            END"""
          for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")),
                              ("DELETE", ("OLD",)))),
        """CREATE TRIGGER projects_programme_revision AFTER UPDATE OF programme ON projects
            WHEN OLD.programme IS NOT NEW.programme
            BEGIN
                UPDATE assessments SET revision = revision + 1 WHERE project_id = NEW.id;
            END""",
    )),
    # Access (coopscore/access.py, docs/access.md): what each project lets its funders see,
    # people and their grants (by e-mail, before a first sign-in), and the append-only audit log.
    Migration("consent to share, users, grants and the audit log", (
        "ALTER TABLE projects ADD COLUMN consent TEXT NOT NULL DEFAULT 'synthese' "
        "CHECK (consent IN ('synthese', 'etapes', 'detail'))",
        """CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            issuer TEXT NOT NULL,
            subject TEXT NOT NULL,
            email TEXT,
            name TEXT,
            first_sign_in TEXT NOT NULL,
            last_sign_in TEXT NOT NULL,
            UNIQUE (issuer, subject)
        )""",
        """CREATE TABLE grants (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL COLLATE NOCASE,
            role TEXT NOT NULL,
            scope_kind TEXT NOT NULL,
            scope_id TEXT,
            granted_by TEXT NOT NULL,
            granted_at TEXT NOT NULL,
            revoked_at TEXT
        )""",
        "CREATE INDEX grants_email ON grants(email)",
        # A team member answers as themselves: the respondent row that carries their e-mail.
        "ALTER TABLE respondents ADD COLUMN email TEXT COLLATE NOCASE",
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor_kind TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            object TEXT NOT NULL,
            old TEXT,
            new TEXT
        )""",
        """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END""",
        """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END""",
    )),
    # A link whose respondent is removed (or whose assessment is deleted) disappears with them;
    # its hash is kept here, by a trigger every deleting path goes through, so that the person
    # holding it reads « no longer valid » rather than « copied wrong » (links.resolve).
    Migration("hashes of the links of removed respondents", (
        """CREATE TABLE retired_links (
            token_hash TEXT PRIMARY KEY,
            retired_at TEXT NOT NULL
        ) WITHOUT ROWID""",
        """CREATE TRIGGER respondent_links_retire BEFORE DELETE ON respondent_links
            BEGIN
                INSERT OR IGNORE INTO retired_links (token_hash, retired_at)
                VALUES (OLD.token_hash, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'));
            END""",
    )),
    # Whether the thank-you page of a questionnaire shows the person their own stage scores
    # (from their answers only); off unless whoever manages the assessment turns it on.
    Migration("respondents may see their own profile", (
        "ALTER TABLE assessments ADD COLUMN show_own_profile INTEGER NOT NULL DEFAULT 0 "
        "CHECK (show_own_profile IN (0, 1))",
    )),
)

SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """The number of migrations applied to a database (0 for a new file)."""
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS,
            path: str = "") -> int:
    """Apply the migrations a database lacks, all in one BEGIN IMMEDIATE transaction.

    Args:
        conn: a connection in autocommit mode (isolation_level=None), outside a transaction.
        migrations: the ordered list to apply; tests pass a prefix to build an older schema.
        path: shown in the error message.

    Returns:
        The schema version after the upgrade.

    Raises:
        StoreError: the database was made by a newer coopscore (more migrations than known).
    """
    found = schema_version(conn)
    if found == len(migrations):
        return len(migrations)
    if found > len(migrations):  # refused before any write: a read-only copy says so too
        raise StoreError(t("store.newer_schema", path=path, found=found,
                           expected=len(migrations)))
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the write lock: another process may have migrated meanwhile.
        current = schema_version(conn)
        if current > len(migrations):
            raise StoreError(t("store.newer_schema", path=path, found=current,
                               expected=len(migrations)))
        for number, migration in enumerate(migrations[current:], start=current + 1):
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number:d}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return len(migrations)


# --- vocabularies read from data/ ---------------------------------------------------


@dataclass(frozen=True)
class AnswerVocabulary:
    """What an answer may hold: values per item kind, and respondent roles."""

    criterion_values: tuple[str, ...]
    method_values: tuple[str, ...]
    roles: tuple[str, ...]

    def values_for(self, kind: str) -> tuple[str, ...]:
        return self.method_values if kind == "method" else self.criterion_values


@functools.cache
def answer_vocabulary() -> AnswerVocabulary:
    """The answer values and roles of the scale (data/scale.yaml), that every write checks."""
    from .scale import load_scale

    scale = load_scale()
    return AnswerVocabulary(criterion_values=scale.criterion_values(),
                            method_values=scale.method_values(), roles=scale.role_ids())


@functools.cache
def _read_ids(filename: str, key: str) -> tuple[str, ...]:
    data = yaml.safe_load((DATA_DIR / filename).read_text(encoding="utf-8"))
    return tuple(str(entry["id"]) for entry in data[key])


@functools.cache
def _profiles() -> dict:
    """The named target profiles of data/profiles.yaml, by id."""
    from .scale import load_profiles

    return load_profiles()


def programmes() -> dict[str, str]:
    """Funding programmes {id: label in the session's language}, ids from data/programmes.yaml.

    Labels are the catalogue's `labels.programme_<id>` (data/locales/<lang>/labels.yaml).
    """
    return {pid: t(f"labels.programme_{pid}") for pid in _read_ids("programmes.yaml", "programmes")}


def action_statuses() -> dict[str, str]:
    """Action plan statuses {id: label in the session's language}, first one for a new action.

    Ids from data/action_statuses.yaml; labels are the catalogue's `labels.action_status_<id>`.
    """
    return {sid: t(f"labels.action_status_{sid}")
            for sid in _read_ids("action_statuses.yaml", "statuses")}


@functools.cache
def known_phases() -> tuple[str, ...]:
    """Every phase id of the shipped grids: the values a project's current phase may take."""
    phases: list[str] = []
    for grid_id in grid_module.available_grids():
        for phase in grid_module.load_grid(grid_id).phases:
            if phase.id not in phases:
                phases.append(phase.id)
    return tuple(phases)


# --- records ------------------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    """One cooperation project, as stored."""

    id: int
    name: str
    territory_id: int
    territory_name: str
    programme: str
    phase: str | None
    cte: bool
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class Assessment:
    """One campaign of self-assessment of a project against one grid version."""

    id: int
    project_id: int
    grid: str
    grid_version: str
    phase: str | None
    date: str
    label: str
    status: str
    created_at: str
    closed_at: str | None
    closes_on: str | None = None
    anonymous: bool = False
    show_own_profile: bool = False  # the thank-you page shows each person their own scores

    @property
    def is_closed(self) -> bool:
        """Closed by hand, or past its planned closing date (open through that day)."""
        return self.status == "closed" or _past(self.closes_on)


@dataclass(frozen=True)
class Respondent:
    """A person (or pseudonym) answering one assessment."""

    id: int
    assessment_id: int
    name: str
    role: str
    organisation: str | None


@dataclass(frozen=True)
class AnswerRow:
    """One answer to write: the value a respondent gives to an item of an assessment."""

    assessment_id: int
    respondent_id: int
    item: str
    value: str
    comment: str | None = None


ANSWER_COLUMNS = ["assessment", "respondent", "role", "item", "value", "comment",
                  "organisation", "updated_at"]
AGREED_COLUMNS = ["assessment", "item", "value", "rationale", "updated_at"]
ACTION_COLUMNS = ["id", "project", "assessment", "method", "title", "because", "owner",
                  "due_date", "status", "created_at", "updated_at"]
RESPONDENT_COLUMNS = ["id", "assessment", "name", "role", "organisation", "n_answers",
                      "last_answer_at", "created_at"]
PROJECT_COLUMNS = ["id", "name", "territory", "territory_name", "programme", "programme_label",
                   "phase", "cte", "n_assessments", "last_assessment", "last_assessment_date",
                   "created_at", "updated_at"]
ASSESSMENT_COLUMNS = ["id", "project", "project_name", "grid", "grid_version", "phase", "date",
                      "label", "status", "n_respondents", "n_answers", "created_at", "closed_at"]
CONTEXT_COLUMNS = ["assessment", "project", "phase", "cte", "grid", "grid_version", "date",
                   "label", "status", "project_name", "programme", "territory_name",
                   "project_phase", "own_profile", "programme_profile"]
TERRITORY_COLUMNS = ["id", "name", "kind", "n_projects", "created_at"]


def now() -> str:
    """The current UTC time as stored in `*_at` columns (ISO 8601, milliseconds)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def default_db_path() -> Path:
    """`$COOPSCORE_DB` if set, else data/coopscore.db."""
    configured = os.environ.get(ENV_VARIABLE)
    return Path(configured) if configured else DEFAULT_DB_PATH


def open_store(path: str | Path | None = None, *, timeout: float = BUSY_TIMEOUT_SECONDS) -> Store:
    """Open (and create or upgrade if needed) the database at `path` or the default location.

    Raises:
        StoreError: the file is not a coopscore database, or was made by a newer version.
    """
    return Store(path if path is not None else default_db_path(), timeout=timeout)


def _json_list(ids: Iterable[int]) -> str:
    return json.dumps([int(i) for i in ids])


def _text_or_none(value: object) -> str | None:
    """Text as stored: stripped, without control characters (no export can carry them)."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from a DataFrame cell
        return None
    text = (clean_text(str(value)) or "").strip()
    return text or None


def _past(day: str | None) -> bool:
    """True when an ISO date is set and before today: a planned closing date has passed."""
    return day is not None and day < Date.today().isoformat()


def _iso_date(value: str | Date | None, default_today: bool = False) -> str | None:
    if value is None or value == "":
        return Date.today().isoformat() if default_today else None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, Date):
        return value.isoformat()
    try:
        return Date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise StoreError(t("store.bad_date", value=value)) from None


class Store:
    """The coopscore database: create, read and update everything a dashboard needs.

    Reads return pandas DataFrames (or a record dataclass for one row), creates return the
    new id. Safe to share between threads (one connection behind a lock, see module doc).
    """

    def __init__(self, path: str | Path, *, timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._grids: dict[tuple[str, str], Grid] = {}
        conn = None
        try:
            conn = sqlite3.connect(str(path), timeout=timeout, check_same_thread=False,
                                   isolation_level=None)
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000):d}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            migrate(conn, path=str(path))
        except BaseException as error:
            if conn is not None:
                conn.close()
            if isinstance(error, sqlite3.DatabaseError):
                if "not a database" in str(error).lower():
                    raise StoreError(t("store.unreadable", path=str(path),
                                       detail=str(error))) from None
                raise StoreError(failures.database_problem(error, path)) from None
            raise
        self.conn = conn
        self.db = Database(conn)

    # --- plumbing ---------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection; the Store cannot be used afterwards."""
        with self._lock:
            self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """One write transaction (BEGIN IMMEDIATE) around several Store calls.

        Calls made inside join it (each as a savepoint): either all of them are committed, or
        none is. Holds the Store's lock, so other threads wait until it ends.

        Raises:
            StoreError: the database stayed locked by another process past the busy timeout.
        """
        with self._lock:
            if self.conn.in_transaction:
                savepoint = f"sp_{secrets.token_hex(8)}"
                self.conn.execute(f"SAVEPOINT {savepoint}")
                try:
                    yield self
                except BaseException:
                    self._rollback(savepoint)
                    raise
                self.conn.execute(f"RELEASE {savepoint}")
                return
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if "locked" in str(error).lower() or "busy" in str(error).lower():
                    raise StoreError(t("store.locked", detail=str(error))) from None
                raise StoreError(failures.database_problem(error, self.path)) from None
            try:
                yield self
            except BaseException as error:
                self._rollback()
                if isinstance(error, sqlite3.Error):  # full disk, I/O error, corrupt page...
                    raise StoreError(failures.database_problem(error, self.path)) from None
                raise
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as error:
                self._rollback()
                raise StoreError(failures.database_problem(error, self.path)) from None

    def _rollback(self, savepoint: str | None = None) -> None:
        """Undo the current transaction (or savepoint) without hiding the error that caused it.

        SQLite may already have rolled the whole transaction back itself (a full disk, an
        I/O error): then the savepoint is gone, and « no such savepoint » must not replace
        the real error being raised.
        """
        if not self.conn.in_transaction:
            return
        with contextlib.suppress(sqlite3.Error):
            if savepoint is None:
                self.conn.execute("ROLLBACK")
            else:
                self.conn.execute(f"ROLLBACK TO {savepoint}")
                self.conn.execute(f"RELEASE {savepoint}")

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            cursor = self.conn.execute(sql, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    def _frame(self, sql: str, params: Sequence[Any], columns: list[str],
               bools: Sequence[str] = ()) -> pd.DataFrame:
        with self._lock:
            rows = self.conn.execute(sql, params).fetchall()
        frame = pd.DataFrame.from_records(rows, columns=columns)
        for column in bools:
            frame[column] = frame[column].astype(bool)
        return frame

    def _one(self, sql: str, params: Sequence[Any]) -> dict[str, Any] | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    # --- territories and projects -----------------------------------------------------

    def create_territory(self, name: str, kind: str | None = None) -> int:
        """Record a territory (« Pays de ... », « PNR des ... »); return its id.

        Raises:
            StoreError: empty name, or a territory of that name already exists.
        """
        name = _text_or_none(name)
        if not name:
            raise StoreError(t("store.empty_name", what=t("store.what_territory")))
        with self.transaction():
            if self._one("SELECT id FROM territories WHERE name = ?", [name]):
                raise StoreError(t("store.duplicate_territory", name=name))
            cursor = self.conn.execute(
                "INSERT INTO territories (name, kind, created_at) VALUES (?, ?, ?)",
                [name, _text_or_none(kind), now()])
            return cursor.lastrowid

    def territories(self) -> pd.DataFrame:
        """Every territory. Columns: id, name, kind, n_projects, created_at."""
        return self._frame(
            """SELECT t.id, t.name, t.kind,
                      (SELECT COUNT(*) FROM projects p WHERE p.territory_id = t.id),
                      t.created_at
               FROM territories t ORDER BY t.name, t.id""", [], TERRITORY_COLUMNS)

    def _check_project_fields(self, programme: str | None, phase: str | None) -> None:
        if programme is not None and programme not in programmes():
            raise StoreError(t("store.bad_programme", value=programme,
                               valid=", ".join(programmes())))
        if phase is not None and phase not in known_phases():
            raise StoreError(t("store.bad_phase", value=phase, valid=", ".join(known_phases())))

    def _require(self, table: str, row_id: int, what: str) -> dict[str, Any]:
        row = self._one(f"SELECT * FROM {table} WHERE id = ?", [int(row_id)])
        if row is None:
            raise NotFoundError(t(f"store.not_found_{what}", id=row_id))
        return row

    def create_project(self, name: str, territory_id: int, programme: str = "autre",
                       phase: str | None = None, cte: bool = False) -> int:
        """Record a project of a territory; return its id.

        Args:
            programme: an id of data/programmes.yaml (leader, interreg_cte, region, autre).
            phase: the project's current phase, a phase id of the grids (emergence...), or None.
            cte: whether the project runs in a European territorial cooperation context.

        Raises:
            NotFoundError: unknown territory. StoreError: empty name, unknown programme or phase.
        """
        name = _text_or_none(name)
        if not name:
            raise StoreError(t("store.empty_name", what=t("store.what_project")))
        self._check_project_fields(programme, phase)
        with self.transaction():
            self._require("territories", territory_id, "territory")
            stamp = now()
            cursor = self.conn.execute(
                """INSERT INTO projects (name, territory_id, programme, phase, cte, created_at,
                                         updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                [name, int(territory_id), programme, phase, int(bool(cte)), stamp, stamp])
            return cursor.lastrowid

    _UNCHANGED: Any = object()

    def update_project(self, project_id: int, *, name: str | None = None,
                       territory_id: int | None = None, programme: str | None = None,
                       phase: str | None = _UNCHANGED, cte: bool | None = None) -> None:
        """Change some fields of a project (the others stay); `phase=None` clears the phase.

        Raises:
            NotFoundError: unknown project or territory. StoreError: invalid value.
        """
        changes: dict[str, Any] = {}
        if name is not None:
            name = _text_or_none(name)
            if not name:
                raise StoreError(t("store.empty_name", what=t("store.what_project")))
            changes["name"] = name
        if programme is not None:
            self._check_project_fields(programme, None)
            changes["programme"] = programme
        if phase is not self._UNCHANGED:
            self._check_project_fields(None, phase)
            changes["phase"] = phase
        if cte is not None:
            changes["cte"] = int(bool(cte))
        with self.transaction():
            self._require("projects", project_id, "project")
            if territory_id is not None:
                self._require("territories", territory_id, "territory")
                changes["territory_id"] = int(territory_id)
            if not changes:
                return
            changes["updated_at"] = now()
            assignments = ", ".join(f"{column} = ?" for column in changes)
            self.conn.execute(f"UPDATE projects SET {assignments} WHERE id = ?",
                              [*changes.values(), int(project_id)])

    def project(self, project_id: int) -> Project:
        """One project with its territory's name.

        Raises:
            NotFoundError: unknown project.
        """
        row = self._one(
            """SELECT p.*, t.name AS territory_name FROM projects p
               JOIN territories t ON t.id = p.territory_id WHERE p.id = ?""", [int(project_id)])
        if row is None:
            raise NotFoundError(t("store.not_found_project", id=project_id))
        return Project(id=row["id"], name=row["name"], territory_id=row["territory_id"],
                       territory_name=row["territory_name"], programme=row["programme"],
                       phase=row["phase"], cte=bool(row["cte"]), created_at=row["created_at"],
                       updated_at=row["updated_at"])

    def projects(self) -> pd.DataFrame:
        """Every project with its territory and latest campaign, sorted by name.

        Columns: id, name, territory, territory_name, programme, programme_label, phase, cte,
        n_assessments, last_assessment (id or None), last_assessment_date (ISO date or None),
        created_at, updated_at.
        """
        frame = self._frame(
            """SELECT p.id, p.name, p.territory_id, t.name, p.programme, NULL, p.phase, p.cte,
                      COALESCE(s.n, 0),
                      (SELECT a.id FROM assessments a WHERE a.project_id = p.id
                       ORDER BY a.date DESC, a.id DESC LIMIT 1),
                      s.last_date, p.created_at, p.updated_at
               FROM projects p
               JOIN territories t ON t.id = p.territory_id
               LEFT JOIN (SELECT project_id, COUNT(*) AS n, MAX(date) AS last_date
                          FROM assessments GROUP BY project_id) s ON s.project_id = p.id
               ORDER BY p.name, p.id""", [], PROJECT_COLUMNS, bools=["cte"])
        frame["programme_label"] = frame["programme"].map(programmes()).fillna(frame["programme"])
        frame["last_assessment"] = frame["last_assessment"].astype("Int64")
        return frame

    def delete_project(self, project_id: int) -> None:
        """Delete a project with its assessments, answers and actions.

        Raises:
            NotFoundError: unknown project.
        """
        with self.transaction():
            self._require("projects", project_id, "project")
            self.conn.execute("DELETE FROM projects WHERE id = ?", [int(project_id)])

    # --- grids ------------------------------------------------------------------------

    def register_grid(self, grid_ref: str | Path) -> Grid:
        """Load a grid file and keep its text under (id, version); return the parsed grid.

        Called by create_assessment; idempotent. A wording change outside the items (titles,
        notes) under the same version replaces the stored text; a change of items, or of an
        item's text, weight, critical reason or cte flag, under the same version is refused.
        The file is read and parsed before the write lock is taken.

        Raises:
            GridError: unknown grid or invalid file. StoreError: items changed, same version.
        """
        prepared = self._prepare_grid(grid_ref)
        with self.transaction():
            return self._record_grid(prepared)

    def _prepare_grid(self, grid_ref: str | Path) -> _PreparedGrid:
        """Read and parse a grid file and the stored text of its version, outside any lock."""
        path, source = grid_module.read_grid_text(grid_ref)
        grid = grid_module.parse_grid(source, filename=path.name)
        row = self._one("SELECT source FROM grid_versions WHERE grid = ? AND version = ?",
                        [grid.id, grid.version])
        stored = None
        if row is not None:
            stored = (row["source"], self._parsed_grid(grid.id, grid.version, row["source"]))
        return _PreparedGrid(path, source, grid, stored)

    def _record_grid(self, prepared: _PreparedGrid) -> Grid:
        """Insert a prepared grid's version, or check it against the stored one (in a transaction)."""
        grid, source, path = prepared.grid, prepared.source, prepared.path
        items = json.dumps(_answerable_items(grid), sort_keys=True)
        stored = self._one("SELECT items, source FROM grid_versions WHERE grid = ? AND version = ?",
                           [grid.id, grid.version])
        if stored is None:
            self.conn.execute(
                """INSERT INTO grid_versions (grid, version, items, source, recorded_at)
                   VALUES (?, ?, ?, ?, ?)""", [grid.id, grid.version, items, source, now()])
            return grid
        if stored["items"] != items:
            # Same version number, different items: old assessments would silently change
            # meaning. The grid's author must raise the version.
            raise StoreError(t("store.grid_changed_same_version", grid=grid.id,
                               version=grid.version, file=path.name))
        if stored["source"] == source:
            return grid
        if prepared.stored is not None and prepared.stored[0] == stored["source"]:
            old = prepared.stored[1]
        else:  # another writer changed it since _prepare_grid (rare): parse it here
            old = grid_module.parse_grid(stored["source"], filename=f"{grid.id}.yaml")
        changes = grid_module.changed_items(old, grid)
        if changes:
            raise StoreError(
                t("store.grid_items_changed_same_version", grid=grid.id, version=grid.version,
                  file=path.name, count=len(changes)),
                [t("store.grid_item_changed", item=item, what=t(f"store.grid_what_{what}"))
                 for item, what in changes])
        # Wording fixes outside the items (titles, notes): the newer text is the better reading.
        self.conn.execute("UPDATE grid_versions SET source = ? WHERE grid = ? AND version = ?",
                          [source, grid.id, grid.version])
        self._grids.pop((grid.id, grid.version), None)
        return grid

    def grid_of(self, assessment_id: int) -> Grid:
        """The grid an assessment was made with, as it was then (from the stored file text).

        Raises:
            NotFoundError: unknown assessment.
        """
        assessment = self.assessment(assessment_id)
        # Texts in the session's language; ids, weights and flags, hence scores, unchanged.
        return grid_module.translated(self._stored_grid(assessment.grid, assessment.grid_version),
                                      current_language())

    def _stored_grid(self, grid_id: str, version: str) -> Grid:
        cached = self._grids.get((grid_id, version))
        if cached is not None:
            return cached
        row = self._one("SELECT source FROM grid_versions WHERE grid = ? AND version = ?",
                        [grid_id, version])
        if row is None:
            raise NotFoundError(t("store.not_found_grid", grid=grid_id, version=version))
        return self._parsed_grid(grid_id, version, row["source"])

    def _warm_grids(self, assessment_ids: Iterable[int]) -> None:
        """Parse the grids of these assessments now, before a write transaction needs them.

        Unknown ids are left for the transaction to report; inside a caller's transaction
        this only reads the cache.
        """
        for assessment_id in assessment_ids:
            row = self._one("SELECT grid, grid_version FROM assessments WHERE id = ?",
                            [int(assessment_id)])
            if row is not None:
                with contextlib.suppress(NotFoundError):
                    self._stored_grid(row["grid"], row["grid_version"])

    def _parsed_grid(self, grid_id: str, version: str, source: str) -> Grid:
        # Parsed without the Store's lock (unless a caller's transaction holds it): other
        # threads keep reading meanwhile. Two threads may parse the same text once each.
        grid = grid_module.parse_grid(source, filename=f"{grid_id}.yaml")
        return self._grids.setdefault((grid_id, version), grid)

    def grid_versions(self) -> pd.DataFrame:
        """The grid versions assessments were made with. Columns: grid, version, recorded_at."""
        return self._frame("SELECT grid, version, recorded_at FROM grid_versions ORDER BY grid, "
                           "version", [], ["grid", "version", "recorded_at"])

    def stale_items(self, assessment_id: int, grid: Grid) -> list[str]:
        """Items with answers, agreed values or actions in an assessment that `grid` lacks.

        Use it when reading an old assessment against today's grid file: those items are
        reported, never dropped silently.

        Raises:
            NotFoundError: unknown assessment.
        """
        self.assessment(assessment_id)
        used = self._rows(
            """SELECT item FROM answers WHERE assessment_id = ?1
               UNION SELECT item FROM agreed WHERE assessment_id = ?1
               UNION SELECT method FROM actions WHERE assessment_id = ?1 AND method IS NOT NULL
               ORDER BY 1""", [int(assessment_id)])
        return [row["item"] for row in used if not grid.has_item(row["item"])]

    # --- assessments ------------------------------------------------------------------

    def create_assessment(self, project_id: int, grid_id: str | Path, label: str,
                          date: str | Date | None = None, phase: str | None = _UNCHANGED,
                          anonymous: bool = False, show_own_profile: bool = False) -> int:
        """Open a campaign for a project against the current file of a grid; return its id.

        Args:
            grid_id: a shipped grid id (cooperation, dialogue) or a grid file path; its
                version is recorded with the assessment.
            label: e.g. « Diagnostic initial », « Point d'étape ».
            date: ISO date or date, today by default.
            phase: the project's phase for this campaign; by default its current phase.
            anonymous: hide respondents' names in team views (locked once answers exist).
            show_own_profile: end each person's questionnaire with their own stage scores.

        Raises:
            NotFoundError: unknown project. GridError: unknown grid. StoreError: empty label,
            bad date, or a grid file changed without a new version number.
        """
        label = _text_or_none(label)
        if not label:
            raise StoreError(t("store.empty_name", what=t("store.what_assessment")))
        day = _iso_date(date, default_today=True)
        if phase is not self._UNCHANGED:
            self._check_project_fields(None, phase)
        prepared = self._prepare_grid(grid_id)
        with self.transaction():
            project = self._require("projects", project_id, "project")
            grid = self._record_grid(prepared)
            cursor = self.conn.execute(
                """INSERT INTO assessments (project_id, grid, grid_version, phase, date, label,
                                            status, created_at, anonymous, show_own_profile)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [int(project_id), grid.id, grid.version,
                 project["phase"] if phase is self._UNCHANGED else phase, day, label, "draft",
                 now(), int(bool(anonymous)), int(bool(show_own_profile))])
            return cursor.lastrowid

    def assessment(self, assessment_id: int) -> Assessment:
        """One assessment.

        Raises:
            NotFoundError: unknown assessment.
        """
        row = self._require("assessments", assessment_id, "assessment")
        return Assessment(id=row["id"], project_id=row["project_id"], grid=row["grid"],
                          grid_version=row["grid_version"], phase=row["phase"], date=row["date"],
                          label=row["label"], status=row["status"], created_at=row["created_at"],
                          closed_at=row["closed_at"], closes_on=row["closes_on"],
                          anonymous=bool(row["anonymous"]),
                          show_own_profile=bool(row["show_own_profile"]))

    def assessments(self, project_id: int | None = None) -> pd.DataFrame:
        """The assessments of one project (or all), oldest first.

        Columns: id, project, project_name, grid, grid_version, phase, date, label, status,
        n_respondents, n_answers, created_at, closed_at.
        """
        where, params = ("WHERE a.project_id = ?", [int(project_id)]) if project_id is not None \
            else ("", [])
        return self._frame(
            f"""SELECT a.id, a.project_id, p.name, a.grid, a.grid_version, a.phase, a.date, a.label,
                       a.status, COALESCE(r.n, 0), COALESCE(n.n, 0), a.created_at, a.closed_at
                FROM assessments a JOIN projects p ON p.id = a.project_id
                LEFT JOIN (SELECT assessment_id, COUNT(*) AS n FROM respondents
                           GROUP BY assessment_id) r ON r.assessment_id = a.id
                LEFT JOIN (SELECT assessment_id, COUNT(*) AS n FROM answers
                           GROUP BY assessment_id) n ON n.assessment_id = a.id
                {where} ORDER BY a.project_id, a.date, a.id""", params, ASSESSMENT_COLUMNS)

    def assessment_context(self, assessment_ids: Iterable[int] | None = None) -> pd.DataFrame:
        """What scoring needs to know about each assessment besides its answers.

        Columns: assessment, project, phase, cte, grid, grid_version, date, label, status,
        project_name, programme, territory_name, project_phase. `project_phase` is the
        project's phase recorded for that campaign; `phase` is the same when the
        assessment's grid has that phase, else None (the dialogue grid has no phases), so
        the table can be given as is to the scoring engine.
        """
        where, params = self._id_filter("a.id", assessment_ids)
        frame = self._frame(
            f"""SELECT a.id, a.project_id, a.phase, p.cte, a.grid, a.grid_version, a.date, a.label,
                       a.status, p.name, p.programme, t.name, a.phase, a.profile, pp.profile
                FROM assessments a JOIN projects p ON p.id = a.project_id
                JOIN territories t ON t.id = p.territory_id
                LEFT JOIN programme_profiles pp ON pp.programme = p.programme
                {where} ORDER BY a.id""", params, CONTEXT_COLUMNS, bools=["cte"])
        # The profile in force: the assessment's own, else its programme's when written for
        # the assessment's grid (a programme's cooperation profile says nothing of dialogue).
        grids = {pid: profile.grid for pid, profile in _profiles().items()}
        inherited = [p if p is not None and grids.get(p) == g else None
                     for p, g in zip(frame["programme_profile"], frame["grid"])]
        frame["profile"] = frame["own_profile"].astype(object).where(
            frame["own_profile"].notna(), pd.Series(inherited, index=frame.index, dtype=object))
        if len(frame):
            phases = {key: {phase.id for phase in self._stored_grid(*key).phases}
                      for key in set(zip(frame["grid"], frame["grid_version"]))}
            known = [phase in phases[(grid, version)] for phase, grid, version
                     in zip(frame["phase"], frame["grid"], frame["grid_version"])]
            frame["phase"] = frame["phase"].astype(object).where(known, None)
        return frame

    # --- target profiles --------------------------------------------------------------

    def _check_profile(self, profile: str, grid_id: str | None) -> None:
        profiles = _profiles()
        if profile not in profiles:
            raise StoreError(t("targets.unknown_profile", profile=profile,
                               valid=", ".join(profiles) or "—"))
        if grid_id is not None and profiles[profile].grid != grid_id:
            raise StoreError(t("targets.profile_other_grid", profile=profiles[profile].title,
                               grid=grid_id))

    def set_assessment_profile(self, assessment_id: int, profile: str | None) -> None:
        """Apply a named target profile to one assessment (None: back to its phase's targets).

        Raises:
            NotFoundError: unknown assessment. StoreError: unknown profile, or one written
            for another grid.
        """
        with self.transaction():
            row = self._require("assessments", assessment_id, "assessment")
            if profile is not None:
                self._check_profile(profile, row["grid"])
            self.conn.execute("UPDATE assessments SET profile = ? WHERE id = ?",
                              [profile, int(assessment_id)])

    def set_show_own_profile(self, assessment_id: int, shown: bool) -> None:
        """Whether each person's questionnaire ends with their own stage scores.

        Not locked by answers (unlike anonymity): it shows a person only what they answered.

        Raises:
            NotFoundError: unknown assessment.
        """
        with self.transaction():
            self._require("assessments", assessment_id, "assessment")
            self.conn.execute("UPDATE assessments SET show_own_profile = ? WHERE id = ?",
                              [int(bool(shown)), int(assessment_id)])

    def set_programme_profile(self, programme: str, profile: str | None) -> None:
        """Apply a named target profile to every project of a funding programme (None: remove).

        Raises:
            StoreError: unknown programme or profile.
        """
        self._check_project_fields(programme, None)
        if profile is not None:
            self._check_profile(profile, None)
        with self.transaction():
            if profile is None:
                self.conn.execute("DELETE FROM programme_profiles WHERE programme = ?",
                                  [programme])
            else:
                self.conn.execute(
                    """INSERT INTO programme_profiles (programme, profile, updated_at)
                       VALUES (?, ?, ?) ON CONFLICT (programme)
                       DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at""",
                    [programme, profile, now()])

    def programme_profiles(self) -> dict[str, str]:
        """{programme id: profile id} of the programmes that apply a profile."""
        return {row["programme"]: row["profile"]
                for row in self._rows("SELECT programme, profile FROM programme_profiles "
                                      "ORDER BY programme")}

    def assessment_revisions(self) -> pd.DataFrame:
        """Every assessment's revision: a counter that moves when its scores may change.

        Triggers bump it on any write to its answers, agreed values or respondents, and on a
        change of its phase, grid or project's cte/phase (not of its status or label).

        Columns: assessment, revision, grid, grid_version, created_at; sorted by assessment.
        `created_at` tells a new assessment from a deleted one whose id SQLite reused.
        """
        return self._frame(
            "SELECT id, revision, grid, grid_version, created_at FROM assessments ORDER BY id",
            [], ["assessment", "revision", "grid", "grid_version", "created_at"])

    def _set_status(self, assessment_id: int, status: str, closes_on: str | None = None) -> None:
        with self.transaction():
            self._require("assessments", assessment_id, "assessment")
            self.conn.execute(
                "UPDATE assessments SET status = ?, closed_at = ?, closes_on = ? WHERE id = ?",
                [status, now() if status == "closed" else None, closes_on, int(assessment_id)])

    def close_assessment(self, assessment_id: int, on: str | Date | None = None) -> None:
        """Freeze an assessment: its answers, respondents and agreed values become read-only.

        Args:
            on: a planned closing date, today or later: the assessment stays open through
                that day, then refuses answers and its personal links stop working. None or
                a past date closes it now.

        Raises:
            NotFoundError: unknown assessment. StoreError: unreadable date.
        """
        day = _iso_date(on)
        if day is not None and day >= Date.today().isoformat():
            self._set_status(assessment_id, "draft", closes_on=day)
        else:
            self._set_status(assessment_id, "closed")

    def reopen_assessment(self, assessment_id: int) -> None:
        """Make a closed assessment editable again (and drop any planned closing date).

        Raises:
            NotFoundError: unknown assessment.
        """
        self._set_status(assessment_id, "draft")

    def delete_assessment(self, assessment_id: int) -> None:
        """Delete an assessment with its respondents, answers and agreed values.

        Its actions stay in the project's plan, detached from it.

        Raises:
            NotFoundError: unknown assessment.
        """
        with self.transaction():
            self._require("assessments", assessment_id, "assessment")
            self.conn.execute("DELETE FROM assessments WHERE id = ?", [int(assessment_id)])

    def require_open(self, assessment_id: int) -> Assessment:
        """The assessment, if it still accepts answers (to check before a long operation).

        Raises:
            NotFoundError: unknown assessment. StoreError: the assessment is closed.
        """
        self._open_assessment(assessment_id)
        return self.assessment(assessment_id)

    def _open_assessment(self, assessment_id: int) -> dict[str, Any]:
        """The assessment row, if it exists and still accepts answers (call in a transaction)."""
        row = self._require("assessments", assessment_id, "assessment")
        if row["status"] == "closed" or _past(row["closes_on"]):
            raise StoreError(t("store.closed", id=row["id"], label=row["label"]))
        return row

    # --- respondents ------------------------------------------------------------------

    def _check_role(self, role: str) -> None:
        roles = answer_vocabulary().roles
        if role not in roles:
            raise StoreError(t("store.bad_role", value=role, valid=", ".join(roles)))

    def add_respondent(self, assessment_id: int, name: str, role: str,
                       organisation: str | None = None) -> int:
        """Add a person (or a pseudonym) to an assessment; return the respondent's id.

        Raises:
            NotFoundError: unknown assessment. StoreError: closed assessment, empty name,
            unknown role, or a respondent of that name already in the assessment.
        """
        name = _text_or_none(name)
        if not name:
            raise StoreError(t("store.empty_name", what=t("store.what_respondent")))
        self._check_role(role)
        with self.transaction():
            self._open_assessment(assessment_id)
            if self._one("SELECT id FROM respondents WHERE assessment_id = ? AND name = ?",
                         [int(assessment_id), name]):
                raise StoreError(t("store.duplicate_respondent", name=name, id=assessment_id))
            cursor = self.conn.execute(
                """INSERT INTO respondents (assessment_id, name, role, organisation, created_at)
                   VALUES (?, ?, ?, ?, ?)""",
                [int(assessment_id), name, role, _text_or_none(organisation), now()])
            return cursor.lastrowid

    def update_respondent(self, respondent_id: int, *, name: str | None = None,
                          role: str | None = None, organisation: str | None = _UNCHANGED) -> None:
        """Change a respondent's name, role or organisation.

        Raises:
            NotFoundError: unknown respondent. StoreError: closed assessment or invalid value.
        """
        changes: dict[str, Any] = {}
        if name is not None:
            name = _text_or_none(name)
            if not name:
                raise StoreError(t("store.empty_name", what=t("store.what_respondent")))
            changes["name"] = name
        if role is not None:
            self._check_role(role)
            changes["role"] = role
        if organisation is not self._UNCHANGED:
            changes["organisation"] = _text_or_none(organisation)
        with self.transaction():
            row = self._require("respondents", respondent_id, "respondent")
            self._open_assessment(row["assessment_id"])
            if "name" in changes and self._one(
                    "SELECT id FROM respondents WHERE assessment_id = ? AND name = ? AND id != ?",
                    [row["assessment_id"], changes["name"], int(respondent_id)]):
                raise StoreError(t("store.duplicate_respondent", name=changes["name"],
                                   id=row["assessment_id"]))
            if changes:
                assignments = ", ".join(f"{column} = ?" for column in changes)
                self.conn.execute(f"UPDATE respondents SET {assignments} WHERE id = ?",
                                  [*changes.values(), int(respondent_id)])

    def respondent(self, respondent_id: int) -> Respondent:
        """One respondent.

        Raises:
            NotFoundError: unknown respondent.
        """
        row = self._require("respondents", respondent_id, "respondent")
        return Respondent(id=row["id"], assessment_id=row["assessment_id"], name=row["name"],
                          role=row["role"], organisation=row["organisation"])

    def respondents(self, assessment_ids: Iterable[int] | int | None) -> pd.DataFrame:
        """The respondents of an assessment (or of several, or of all: None), in the order
        they were added.

        Columns: id, assessment, name, role, organisation, n_answers, last_answer_at,
        created_at.

        Raises:
            NotFoundError: one assessment id (an int) that does not exist.
        """
        if isinstance(assessment_ids, Integral):
            self._require("assessments", assessment_ids, "assessment")
        where, params = self._id_filter("r.assessment_id", assessment_ids)
        return self._frame(
            f"""SELECT r.id, r.assessment_id, r.name, r.role, r.organisation,
                       COUNT(a.item), MAX(a.updated_at), r.created_at
                FROM respondents r LEFT JOIN answers a
                  ON a.assessment_id = r.assessment_id AND a.respondent_id = r.id
                {where} GROUP BY r.id ORDER BY r.assessment_id, r.id""",
            params, RESPONDENT_COLUMNS)

    def delete_respondent(self, respondent_id: int) -> None:
        """Remove a respondent and their answers from a draft assessment.

        Raises:
            NotFoundError: unknown respondent. StoreError: closed assessment.
        """
        with self.transaction():
            row = self._require("respondents", respondent_id, "respondent")
            self._open_assessment(row["assessment_id"])
            self.conn.execute("DELETE FROM respondents WHERE id = ?", [int(respondent_id)])

    # --- answers ----------------------------------------------------------------------

    def _item_kinds(self, assessment: Mapping[str, Any]) -> dict[str, str]:
        grid = self._stored_grid(assessment["grid"], assessment["grid_version"])
        return _answerable_items(grid)

    def _cte_only_items(self, assessment: Mapping[str, Any]) -> frozenset[str]:
        """The CTE-only items of the assessment's grid if its project is not in European
        territorial cooperation (it is never asked them), else none."""
        project = self._one("SELECT cte FROM projects WHERE id = ?", [assessment["project_id"]])
        if project is None or project["cte"]:
            return frozenset()
        grid = self._stored_grid(assessment["grid"], assessment["grid_version"])
        return frozenset(item.id for item in (*grid.criteria(), *grid.methods()) if item.cte)

    def _answer_problem(self, kinds: Mapping[str, str], assessment: Mapping[str, Any],
                        item: str, value: str) -> str | None:
        kind = kinds.get(item)
        if kind is None:
            return t("store.unknown_item", item=item, grid=assessment["grid"],
                     version=assessment["grid_version"])
        valid = answer_vocabulary().values_for(kind)
        if value not in valid:
            return t("store.bad_value", value=value, item=item, valid=", ".join(valid))
        return None

    def save_answer(self, assessment_id: int, respondent_id: int, item: str, value: str,
                    comment: str | None = None) -> None:
        """Record (or replace) one respondent's answer to one item, at once.

        Args:
            item: a criterion or method id of the assessment's grid version.
            value: a value of the item's answer set (criteria: 0-3, na, not_yet, unknown;
                methods: in_place, planned, no, na).
            comment: None keeps the comment already stored; "" removes it.

        Raises:
            NotFoundError: unknown assessment or respondent. StoreError: closed assessment,
            item not in the grid, or value off its answer set (nothing is written).
        """
        self.save_answers([AnswerRow(assessment_id, respondent_id, item, value, comment)])

    def save_answers(self, rows: Iterable[AnswerRow | Mapping[str, Any]], *,
                     batch_size: int = 2000, progress: Progress | None = None) -> int:
        """Record many answers in ONE transaction: all are written, or none.

        Args:
            rows: AnswerRow objects or mappings with keys assessment_id, respondent_id, item,
                value and optionally comment (None keeps the stored comment, "" removes it).
            batch_size: rows per executemany call between two progress reports.
            progress: called as progress(written, total) inside the transaction.

        Returns:
            The number of answers written.

        Raises:
            NotFoundError: a row names an unknown assessment. StoreError: every other
            problem of every row, listed together with the row's position (from 1).
        """
        answers = [row if isinstance(row, AnswerRow) else AnswerRow(
            int(row["assessment_id"]), int(row["respondent_id"]), str(row["item"]),
            str(row["value"]), row.get("comment")) for row in rows]
        self._warm_grids({answer.assessment_id for answer in answers})
        with self.transaction():
            problems: list[str] = []
            assessments: dict[int, dict[str, Any]] = {}
            kinds: dict[int, dict[str, str]] = {}
            outside: dict[int, frozenset[str]] = {}  # CTE-only items a project is never asked
            respondents: dict[int, int] = {}
            for number, answer in enumerate(answers, start=1):
                if answer.assessment_id not in assessments:
                    assessment = self._open_assessment(answer.assessment_id)
                    assessments[answer.assessment_id] = assessment
                    kinds[answer.assessment_id] = self._item_kinds(assessment)
                    outside[answer.assessment_id] = self._cte_only_items(assessment)
                    respondents.update({row["id"]: answer.assessment_id for row in self._rows(
                        "SELECT id FROM respondents WHERE assessment_id = ?",
                        [answer.assessment_id])})
                assessment = assessments[answer.assessment_id]
                prefix = t("store.row", number=number) if len(answers) > 1 else ""
                if respondents.get(answer.respondent_id) != answer.assessment_id:
                    message = t("store.respondent_not_in_assessment",
                                respondent=answer.respondent_id, assessment=answer.assessment_id)
                    if len(answers) == 1:
                        raise NotFoundError(message)
                    problems.append(prefix + message)
                problem = self._answer_problem(kinds[answer.assessment_id], assessment,
                                               answer.item, answer.value)
                if problem is None and answer.item in outside[answer.assessment_id]:
                    item = self._stored_grid(assessment["grid"], assessment["grid_version"]
                                             ).item(answer.item)
                    problem = t("store.cte_item_outside_cte", item=answer.item,
                                text=shorten(item.text, CTE_TEXT_WIDTH))
                if problem:
                    problems.append(prefix + problem)
            if problems:
                if len(problems) == 1 and len(answers) == 1:
                    raise StoreError(problems[0])
                raise StoreError(t("store.answers_invalid", count=len(problems)), problems)
            stamp = now()
            total = len(answers)
            for start in range(0, total, batch_size):
                batch = answers[start:start + batch_size]
                self.conn.executemany(_UPSERT_ANSWER, [
                    (a.assessment_id, a.respondent_id, a.item, a.value,
                     _text_or_none(a.comment), stamp, int(a.comment is None)) for a in batch])
                if progress is not None:
                    progress(start + len(batch), total)
            return total

    def delete_answer(self, assessment_id: int, respondent_id: int, item: str) -> None:
        """Withdraw one answer (the item goes back to unanswered).

        Raises:
            NotFoundError: unknown assessment. StoreError: closed assessment.
        """
        with self.transaction():
            self._open_assessment(assessment_id)
            self.conn.execute(
                "DELETE FROM answers WHERE assessment_id = ? AND respondent_id = ? AND item = ?",
                [int(assessment_id), int(respondent_id), item])

    def _id_filter(self, column: str, ids: Iterable[int] | int | None) -> tuple[str, list[Any]]:
        if ids is None:
            return "", []
        if isinstance(ids, Integral):  # numpy integers too
            ids = [ids]
        # One JSON parameter instead of thousands of `?`: no SQLite variable limit.
        return f"WHERE {column} IN (SELECT value FROM json_each(?))", [_json_list(ids)]

    def answers(self, assessment_ids: Iterable[int] | int | None = None) -> pd.DataFrame:
        """The long table of answers, the scoring engine's input format.

        Columns: assessment, respondent (respondent id), role, item, value, comment,
        organisation, updated_at; sorted by assessment, respondent, item.
        """
        where, params = self._id_filter("a.assessment_id", assessment_ids)
        return self._frame(
            f"""SELECT a.assessment_id, a.respondent_id, r.role, a.item, a.value, a.comment,
                       r.organisation, a.updated_at
                FROM answers a JOIN respondents r ON r.id = a.respondent_id
                {where} ORDER BY a.assessment_id, a.respondent_id, a.item""",
            params, ANSWER_COLUMNS)

    def answer_values(self, assessment_ids: Iterable[int] | int | None = None) -> pd.DataFrame:
        """The scoring engine's input only: assessment, respondent, role, item, value.

        Lighter than `answers()` (no comment, organisation or date) for scoring a portfolio.
        """
        where, params = self._id_filter("a.assessment_id", assessment_ids)
        return self._frame(
            f"""SELECT a.assessment_id, a.respondent_id, r.role, a.item, a.value
                FROM answers a JOIN respondents r ON r.id = a.respondent_id
                {where}""", params, ["assessment", "respondent", "role", "item", "value"])

    # --- agreed values ----------------------------------------------------------------

    def set_agreed(self, assessment_id: int, item: str, value: str,
                   rationale: str | None = None) -> None:
        """Record the value a consensus session agreed on for an item (raw answers untouched).

        Raises:
            NotFoundError: unknown assessment. StoreError: closed assessment, unknown item or
            value off its answer set.
        """
        self._warm_grids([assessment_id])
        with self.transaction():
            assessment = self._open_assessment(assessment_id)
            problem = self._answer_problem(self._item_kinds(assessment), assessment, item, value)
            if problem:
                raise StoreError(problem)
            self.conn.execute(
                """INSERT INTO agreed (assessment_id, item, value, rationale, updated_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (assessment_id, item) DO UPDATE SET value = excluded.value,
                       rationale = excluded.rationale, updated_at = excluded.updated_at""",
                [int(assessment_id), item, value, _text_or_none(rationale), now()])

    def clear_agreed(self, assessment_id: int, item: str) -> None:
        """Remove an agreed value: the team's median counts again.

        Raises:
            NotFoundError: unknown assessment. StoreError: closed assessment.
        """
        with self.transaction():
            self._open_assessment(assessment_id)
            self.conn.execute("DELETE FROM agreed WHERE assessment_id = ? AND item = ?",
                              [int(assessment_id), item])

    def agreed(self, assessment_ids: Iterable[int] | int | None = None) -> pd.DataFrame:
        """Agreed values. Columns: assessment, item, value, rationale, updated_at."""
        where, params = self._id_filter("assessment_id", assessment_ids)
        return self._frame(
            f"""SELECT assessment_id, item, value, rationale, updated_at FROM agreed {where}
                ORDER BY assessment_id, item""", params, AGREED_COLUMNS)

    # --- action plan ------------------------------------------------------------------

    def _check_action_fields(self, fields: dict[str, Any], grid: Grid | None) -> None:
        if "status" in fields and fields["status"] not in action_statuses():
            raise StoreError(t("store.bad_status", value=fields["status"],
                               valid=", ".join(action_statuses())))
        if "due_date" in fields:
            fields["due_date"] = _iso_date(fields["due_date"])
        for key in ("title", "because", "owner", "method"):
            if key in fields:
                fields[key] = _text_or_none(fields[key])
        method = fields.get("method")
        if method is not None and grid is not None and \
                _answerable_items(grid).get(method) != "method":
            raise StoreError(t("store.unknown_method", method=method, grid=grid.id,
                               version=grid.version))

    def add_action(self, *, project_id: int | None = None, assessment_id: int | None = None,
                   method: str | None = None, title: str | None = None,
                   because: str | None = None, owner: str | None = None,
                   due_date: str | Date | None = None, status: str | None = None) -> int:
        """Add an action to a project's plan (from a recommended method or free text).

        Args:
            project_id / assessment_id: at least one; the assessment gives the project and
                the grid the method is checked against.
            method: a method id of that grid; title: free text (one of the two is needed).
            because: why (e.g. the criteria the method answers).
            status: an id of data/action_statuses.yaml; the first one by default.

        Returns:
            The action's id.

        Raises:
            NotFoundError: unknown project or assessment. StoreError: invalid field.
        """
        fields: dict[str, Any] = {"method": method, "title": title, "because": because,
                                  "owner": owner, "due_date": due_date,
                                  "status": status or next(iter(action_statuses()))}
        if assessment_id is not None:
            self._warm_grids([assessment_id])
        with self.transaction():
            grid = None
            if assessment_id is not None:
                assessment = self.assessment(assessment_id)
                if project_id is not None and int(project_id) != assessment.project_id:
                    raise StoreError(t("store.action_project_mismatch", assessment=assessment_id,
                                       project=project_id))
                project_id = assessment.project_id
                grid = self._stored_grid(assessment.grid, assessment.grid_version)
            elif project_id is not None:
                self._require("projects", project_id, "project")
            else:
                raise StoreError(t("store.action_needs_project"))
            self._check_action_fields(fields, grid)
            if fields["method"] is None and fields["title"] is None:
                raise StoreError(t("store.action_needs_title"))
            stamp = now()
            cursor = self.conn.execute(
                """INSERT INTO actions (project_id, assessment_id, method, title, because, owner,
                                        due_date, status, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [int(project_id), assessment_id, fields["method"], fields["title"],
                 fields["because"], fields["owner"], fields["due_date"], fields["status"],
                 stamp, stamp])
            return cursor.lastrowid

    ACTION_FIELDS = ("method", "title", "because", "owner", "due_date", "status")

    def update_action(self, action_id: int, **fields: Any) -> None:
        """Change fields of an action: any of method, title, because, owner, due_date, status.

        Raises:
            NotFoundError: unknown action. StoreError: unknown field or invalid value.
        """
        unknown = sorted(set(fields) - set(self.ACTION_FIELDS))
        if unknown:
            raise StoreError(t("store.bad_action_field", fields=", ".join(unknown), count=len(unknown),
                               valid=", ".join(self.ACTION_FIELDS)))
        action = self._one("SELECT assessment_id FROM actions WHERE id = ?", [int(action_id)])
        if action is not None and action["assessment_id"] is not None:
            self._warm_grids([action["assessment_id"]])
        with self.transaction():
            row = self._require("actions", action_id, "action")
            grid = None
            if row["assessment_id"] is not None:
                assessment = self.assessment(row["assessment_id"])
                grid = self._stored_grid(assessment.grid, assessment.grid_version)
            self._check_action_fields(fields, grid)
            merged = {**{k: row[k] for k in ("method", "title")}, **fields}
            if merged["method"] is None and merged["title"] is None:
                raise StoreError(t("store.action_needs_title"))
            if not fields:
                return
            fields["updated_at"] = now()
            assignments = ", ".join(f"{column} = ?" for column in fields)
            self.conn.execute(f"UPDATE actions SET {assignments} WHERE id = ?",
                              [*fields.values(), int(action_id)])

    def delete_action(self, action_id: int) -> None:
        """Remove an action from its plan.

        Raises:
            NotFoundError: unknown action.
        """
        with self.transaction():
            self._require("actions", action_id, "action")
            self.conn.execute("DELETE FROM actions WHERE id = ?", [int(action_id)])

    def actions(self, *, assessment_id: int | None = None,
                project_id: int | None = None) -> pd.DataFrame:
        """The action plan of an assessment, of a project, or of the whole portfolio.

        Columns: id, project, assessment (id or None), method, title, because, owner,
        due_date, status, created_at, updated_at; sorted by due date (none last), then id.
        """
        clauses, params = [], []
        if assessment_id is not None:
            clauses.append("assessment_id = ?")
            params.append(int(assessment_id))
        if project_id is not None:
            clauses.append("project_id = ?")
            params.append(int(project_id))
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        frame = self._frame(
            f"""SELECT id, project_id, assessment_id, method, title, because, owner, due_date,
                       status, created_at, updated_at FROM actions {where}
                ORDER BY due_date IS NULL, due_date, id""", params, ACTION_COLUMNS)
        frame["assessment"] = frame["assessment"].astype("Int64")
        return frame

    # --- whole database ---------------------------------------------------------------

    def is_empty(self) -> bool:
        """True when the database holds no territory and no project (a fresh install)."""
        row = self._one("SELECT (SELECT COUNT(*) FROM territories) + "
                        "(SELECT COUNT(*) FROM projects) AS n", [])
        return row["n"] == 0

    def revision(self) -> tuple[int, int]:
        """A cheap token that changes whenever the data may have changed.

        (rows changed through this connection, SQLite's data_version — which moves when
        another connection or process commits). Caches of computed results key on it.
        """
        with self._lock:
            version = self.conn.execute("PRAGMA data_version").fetchone()[0]
            return (self.conn.total_changes, int(version))

    def counts(self) -> dict[str, int]:
        """Number of rows per table (for a status line and the tests)."""
        tables = ("territories", "projects", "assessments", "respondents", "answers", "agreed",
                  "actions")
        return {table: self._one(f"SELECT COUNT(*) AS n FROM {table}", [])["n"]
                for table in tables}

    def backup(self, path: str | Path) -> Path:
        """Copy the whole database to `path` with SQLite's online backup API.

        Consistent even while others write; the copy is written beside the target then
        renamed, so an interrupted backup never leaves a half file at `path`.

        Raises:
            StoreError: `path` is the database itself, or cannot be written.
        """
        target = Path(path)
        if target.exists() and self.path.exists() and target.resolve() == self.path.resolve():
            raise StoreError(t("store.backup_same_file", path=str(target)))
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # Copied into memory first (short hold of the lock), then written as one file:
            # an unnamed temporary file beside the target, renamed over it once complete,
            # so a killed backup leaves no half file and no `.partial` behind.
            copy = sqlite3.connect(":memory:")
            try:
                with self._lock:
                    self.conn.backup(copy)
                # A copy of a damaged database would be a damaged backup: say so instead.
                if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise sqlite3.DatabaseError("database disk image is malformed")
                data = bytearray(copy.serialize())
            finally:
                copy.close()
            # A single self-contained file, no -wal beside it: the header's read/write
            # versions 1 mean a rollback journal (what `PRAGMA journal_mode = DELETE` sets).
            data[18:20] = b"\x01\x01"
            fsutil.write_atomic(target, bytes(data))
        except (OSError, sqlite3.Error) as error:
            detail = failures.describe(error, self.path)
            raise StoreError(t("store.backup_failed", path=str(target), detail=detail)) from None
        return target

    def dump(self) -> str:
        """The whole database as SQL text (to compare two states in tests and checks)."""
        with self._lock:
            return "\n".join(self.conn.iterdump())


# ON CONFLICT keeps the stored comment when the caller passes none (flag ?7 = 1).
_UPSERT_ANSWER = """
INSERT INTO answers (assessment_id, respondent_id, item, value, comment, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (assessment_id, respondent_id, item) DO UPDATE SET
    value = excluded.value,
    comment = CASE WHEN ?7 THEN answers.comment ELSE excluded.comment END,
    updated_at = excluded.updated_at
"""


@dataclass(frozen=True)
class _PreparedGrid:
    """A grid file read and parsed before a transaction, with its version's stored text."""

    path: Path
    source: str
    grid: Grid
    stored: tuple[str, Grid] | None


def _answerable_items(grid: Grid) -> dict[str, str]:
    """{item id: kind} of the items a respondent answers: top-level criteria and methods."""
    return {item.id: item.kind for item in (*grid.criteria(), *grid.methods())}
