"""Injected faults: read-only and full disks, a corrupt page, a newer schema, odd ids, kill -9.

Each fault must give a French message and exit code 2 on the command line (never a
traceback), and leave the database as it was: nothing half-done. The disks are small tmpfs
mounts when the tests run as root (as in CI); otherwise the same faults are made with file
permissions and a file-size limit.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coopscore import cli, failures
from coopscore.store import SCHEMA_VERSION, open_store

ROOT = Path(__file__).resolve().parent.parent
IS_ROOT = os.geteuid() == 0


def run(*args: str, db: Path | None = None, limit_bytes: int | None = None,
        env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python -m coopscore ARGS` as a person would, in a fresh process."""
    environment = {**os.environ, "COOPSCORE_DEBUG": "", **(env or {})}
    if db is not None:
        environment["COOPSCORE_DB"] = str(db)

    def limit() -> None:  # the non-root stand-in for a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run([sys.executable, "-m", "coopscore", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=limit if limit_bytes is not None else None)


def assert_french_refusal(done: subprocess.CompletedProcess, *fragments: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Error:" not in done.stderr, done.stderr
    for fragment in fragments:
        assert fragment in done.stderr, done.stderr


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dump(path: Path) -> str:
    with open_store(path) as store:
        return store.dump()


def make_demo(path: Path, projects: int = 2) -> None:
    done = run("demo", "--projects", str(projects), db=path)
    assert done.returncode == 0, done.stderr


@contextlib.contextmanager
def tmpfs(folder: Path, size_kb: int):
    """A small RAM disk at `folder` (root only): to fill it up or make it read-only."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)],
                   check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@contextlib.contextmanager
def read_only(folder: Path):
    """Make `folder` and what it holds unwritable: a read-only remount as root, chmod otherwise."""
    if IS_ROOT:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        try:
            yield
        finally:
            subprocess.run(["mount", "-o", "remount,rw", str(folder)], check=True)
    else:
        modes = {p: p.stat().st_mode for p in [folder, *folder.iterdir()]}
        for path in modes:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)


@pytest.fixture
def disk(tmp_path):
    """A folder on its own small disk when root, a plain folder otherwise."""
    folder = tmp_path / "disk"
    if IS_ROOT:
        with tmpfs(folder, 2048):
            yield folder
    else:
        folder.mkdir()
        yield folder


# --- read-only database ---------------------------------------------------------------------


def test_read_only_database_is_refused_in_french_even_for_a_dry_run(disk):
    db = disk / "c.db"
    make_demo(db)
    before = digest(db)
    answers = ROOT / "tests" / "files" / "broken_answers" / "tab.csv"
    with read_only(disk):
        for args in (["import", str(answers), "--assessment", "1", "--dry-run"],
                     ["demo", "--projects", "1"], ["export", str(disk / "x.csv")]):
            done = run(*args, db=db)
            assert_french_refusal(done, "lecture seule")
        assert sorted(p.name for p in disk.iterdir()) == ["c.db"]
    assert digest(db) == before


def test_read_only_connection_write_gives_the_read_only_message(tmp_path):
    path = tmp_path / "c.db"
    open_store(path).close()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as caught:
        conn.execute("INSERT INTO territories (name, created_at) VALUES ('x', 'y')")
    conn.close()
    assert "lecture seule" in failures.describe(caught.value, path)


# --- full disk ------------------------------------------------------------------------------


def _fill(folder: Path, leave_bytes: int) -> None:
    """Take all the free space of a tmpfs but `leave_bytes`."""
    free = shutil.disk_usage(folder).free
    with open(folder / "filler", "wb") as handle:
        handle.write(b"\0" * max(0, free - leave_bytes))


def test_full_disk_during_demo_leaves_the_database_as_it_was(disk):
    db = disk / "c.db"
    make_demo(db)
    before = dump(db)
    if IS_ROOT:
        _fill(disk, 40_000)
        done = run("demo", "--projects", "30", db=db)
    else:
        done = run("demo", "--projects", "30", db=db, limit_bytes=db.stat().st_size + 40_000)
    assert_french_refusal(done, "Le disque est plein")
    assert "savepoint" not in done.stderr
    (disk / "filler").unlink(missing_ok=True)
    assert dump(db) == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_full_disk_during_export_leaves_no_file(disk, tmp_path):
    db = tmp_path / "c.db"
    make_demo(db, projects=6)
    target = disk / "export.xlsx"
    if IS_ROOT:
        _fill(disk, 4_000)
        done = run("export", str(target), db=db)
    else:
        done = run("export", str(target), db=db, limit_bytes=4_000)
    assert_french_refusal(done, "Le disque est plein")
    assert not target.exists()
    assert [p.name for p in disk.iterdir() if p.name != "filler"] == []


# --- corrupt file, newer schema -------------------------------------------------------------


def test_corrupt_page_is_reported_in_french(tmp_path):
    db = tmp_path / "c.db"
    make_demo(db, projects=6)
    data = bytearray(db.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 4096] = os.urandom(4096)  # one page (or two halves) of noise
    data[4096 * 2:4096 * 2 + 200] = b"\xff" * 200  # and the start of the 3rd page
    db.write_bytes(bytes(data))
    before = digest(db)
    for args in (["export", str(tmp_path / "x.csv")], ["backup", str(tmp_path / "b.db")],
                 ["demo", "--projects", "1"]):
        done = run(*args, db=db)
        assert_french_refusal(done, "endommagée")
    assert digest(db) == before
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "b.db").exists()


def test_not_a_database_at_all_is_refused(tmp_path):
    db = tmp_path / "c.db"
    db.write_bytes(os.urandom(8192))
    assert_french_refusal(run("export", str(tmp_path / "x.csv"), db=db), "coopscore lisible")


def _newer(path: Path) -> Path:
    open_store(path).close()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        conn.commit()
    return path


def test_newer_schema_is_refused_on_the_command_line_untouched(tmp_path):
    db = _newer(tmp_path / "future.db")
    before = digest(db)
    assert_french_refusal(run("demo", "--projects", "1", db=db), "version plus récente")
    assert digest(db) == before


def test_newer_schema_shows_a_french_message_in_the_app(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("COOPSCORE_DB", str(_newer(tmp_path / "future.db")))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert any("version plus récente de coopscore" in e.value for e in at.error)


# --- odd ids, missing folders, unexpected errors --------------------------------------------


def test_thirty_digit_ids_and_missing_folders_are_refused_in_french(tmp_path):
    db = tmp_path / "c.db"
    make_demo(db)
    huge = "1" * 30
    assert_french_refusal(run("export", str(tmp_path / "x.csv"), "--assessment", huge, db=db),
                          f"numéro « {huge} » impossible")
    assert_french_refusal(run("import", "x.csv", "--assessment", huge, db=db), "impossible")
    missing = tmp_path / "nope" / "q.xlsx"
    assert_french_refusal(run("template", "-o", str(missing)), "n'existe pas")
    assert_french_refusal(run("grid", "export", "cooperation", "-o", str(missing)),
                          "n'existe pas")
    assert not (tmp_path / "nope").exists()


def test_an_unexpected_error_is_a_french_message_and_exit_2(monkeypatch, capsys):
    def boom(args):
        raise RuntimeError("internal detail")

    monkeypatch.setattr(cli, "_grid_list", boom)
    monkeypatch.delenv("COOPSCORE_DEBUG", raising=False)
    assert cli.main(["grid", "list"]) == 2
    err = capsys.readouterr().err
    assert "erreur inattendue (RuntimeError)" in err and "Traceback" not in err
    monkeypatch.setenv("COOPSCORE_DEBUG", "1")
    assert cli.main(["grid", "list"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_overflowing_numbers_and_errnos_read_in_french(tmp_path):
    import errno

    assert "trop grand" in failures.describe(OverflowError("Python int too large"))
    assert "Le disque est plein" in failures.describe(OSError(errno.ENOSPC, "No space", "f"))
    assert "Pas le droit" in failures.describe(OSError(errno.EACCES, "Permission denied", "f"))
    assert "occupée" in failures.describe(sqlite3.OperationalError("database is locked"))


def test_a_changed_copy_of_a_shipped_grid_is_refused_naming_the_item(tmp_path):
    db = tmp_path / "c.db"
    make_demo(db, projects=6)
    before = dump(db)
    text = (ROOT / "data" / "grids" / "cooperation.yaml").read_text(encoding="utf-8")
    copy = tmp_path / "copy.yaml"
    changed = text.replace("  - id: S01.V01\n", "  - id: S01.V01\n    weight: 50\n", 1)
    assert changed != text
    copy.write_text(changed, encoding="utf-8")
    answers = tmp_path / "answers.csv"
    answers.write_text("respondent,role,item,value\nAna,elu,S01.V01,3\n", encoding="utf-8")
    done = run("import", str(answers), "--project", "1", "--grid", str(copy),
               "--label", "Copie", db=db)
    assert_french_refusal(done, "« S01.V01 » : son poids n'est plus celui de la version")
    assert dump(db) == before


# --- kill -9 ---------------------------------------------------------------------------------


def _kill_after(args: list[str], db: Path, delay: float) -> int:
    environment = {**os.environ, "COOPSCORE_DB": str(db)}
    process = subprocess.Popen([sys.executable, "-m", "coopscore", *args], cwd=ROOT,
                               env=environment, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    return process.wait()


def test_kill_during_demo_leaves_all_or_nothing(tmp_path):
    db = tmp_path / "c.db"
    make_demo(db)
    before = dump(db)
    # Killed while 2,000 projects are being made and written (about 10 s of work on an idle
    # machine, far more on a busy one; 200 projects could end before the kill when idle).
    code = _kill_after(["demo", "--projects", "2000"], db, delay=3.0)
    assert code == -signal.SIGKILL
    assert dump(db) == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_kill_during_backup_leaves_no_partial_file(tmp_path):
    db = tmp_path / "c.db"
    make_demo(db, projects=300)
    with open_store(db) as store:
        counts = store.counts()
    out = tmp_path / "out"
    out.mkdir()
    killed = 0
    # From just after start-up to well into the copy: on an idle machine a backup of 60 projects
    # ended before the first kill (1.2 s); some delays must land inside the backup's work.
    for attempt, delay in enumerate((0.4, 0.6, 0.8, 1.0, 1.3, 1.6, 2.0, 2.4, 2.8)):
        target = out / f"b{attempt}.db"
        if _kill_after(["backup", str(target)], db, delay) == -signal.SIGKILL:
            killed += 1
        if target.exists():  # complete, or not there at all
            with open_store(target) as copy:
                assert copy.counts() == counts
    assert killed >= 1
    assert all(p.suffix == ".db" for p in out.iterdir()), sorted(out.iterdir())
