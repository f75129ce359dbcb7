"""What went wrong, in French: the one translation of system faults (disk, database, numbers).

The CLI's top-level handler and the pages' guards both call `describe`, so a full disk or a
read-only database reads the same everywhere, and no traceback reaches a person.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from .errors import CoopscoreError
from .i18n import t

DEBUG_VARIABLE = "COOPSCORE_DEBUG"


def debug_enabled() -> bool:
    """True when COOPSCORE_DEBUG asks for technical detail (tracebacks) besides the message."""
    return os.environ.get(DEBUG_VARIABLE, "").strip() not in ("", "0")


def _not_writable(path: str | Path | None) -> bool:
    if not path or str(path) == ":memory:":
        return False
    target = Path(path)
    folder = target.parent
    return (target.exists() and not os.access(target, os.W_OK)) or not os.access(folder, os.W_OK)


def database_problem(error: sqlite3.Error, path: str | Path | None = None) -> str:
    """The French reading of an SQLite error on the database at `path`."""
    detail = str(error)
    lowered = detail.lower()
    where = str(path) if path else t("failures.the_database")
    if "readonly" in lowered or "read-only" in lowered or (
            "unable to open" in lowered and _not_writable(path)):
        return t("failures.db_read_only", path=where)
    if "full" in lowered:
        return t("failures.disk_full", path=where)
    if "locked" in lowered or "busy" in lowered:
        return t("failures.db_locked", path=where)
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return t("failures.db_corrupt", path=where)
    if "unable to open" in lowered:
        return t("failures.db_cannot_open", path=where)
    if "disk i/o" in lowered:
        return t("failures.disk_io", path=where)
    return t("failures.db_other", path=where, detail=detail)


def file_problem(error: OSError) -> str:
    """The French reading of a file-system error (full disk, missing folder, no permission)."""
    where = error.filename or t("failures.the_file")
    if error.errno == errno.ENOSPC or error.errno == getattr(errno, "EDQUOT", -1):
        return t("failures.disk_full", path=where)
    if error.errno == errno.ENOENT:
        return t("failures.no_such_path", path=where)
    if error.errno in (errno.EACCES, errno.EPERM):
        return t("failures.no_permission", path=where)
    if error.errno == errno.EROFS:
        return t("failures.read_only_fs", path=where)
    if error.errno == errno.EISDIR:
        return t("failures.is_a_folder", path=where)
    if error.errno == errno.ENOTDIR:
        return t("failures.not_a_folder", path=where)
    return t("failures.file_other", path=where, detail=error.strerror or str(error))


def describe(error: BaseException, database: str | Path | None = None) -> str:
    """A French message for any exception a command or page may meet; never a traceback.

    Args:
        error: the exception caught.
        database: the database path, named in database messages.
    """
    if isinstance(error, CoopscoreError):
        return str(error)
    if isinstance(error, sqlite3.Error):
        return database_problem(error, database)
    if isinstance(error, OSError):
        return file_problem(error)
    if isinstance(error, OverflowError):
        return t("failures.number_out_of_range")
    if isinstance(error, MemoryError):
        return t("failures.out_of_memory")
    return t("failures.unexpected", kind=type(error).__name__)
