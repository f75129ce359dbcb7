"""Pages never reach the raw store: only `ui.store()`, a ScopedStore limited to the actor.

Read from the source of every page (views/*.py and questionnaire.py, which pages share): no
import of what opens or holds the whole database, no private attribute of a store, no
library call handed something other than the scoped view.
"""

from __future__ import annotations

import ast

import pytest

from .conftest import ROOT

PAGE_FILES = sorted((ROOT / "views").glob("*.py")) + [ROOT / "questionnaire.py"]

# What gives the whole database: the store module's openers, SQLite itself, ui's own handle.
FORBIDDEN_NAMES = {
    "coopscore.store": {"open_store", "Store", "default_db_path"},
    "ui": {"_raw_store", "_open_store", "_store_or_stop", "_all_results", "_scored",
           "_own_results", "_portfolio_holder"},
}
FORBIDDEN_MODULES = {"sqlite3", "sqlite_utils", "coopscore.store.Store"}
# Private plumbing of Store / ScopedStore a page must not touch.
FORBIDDEN_ATTRIBUTES = {"_store", "conn", "_one", "_rows", "_frame", "db_path"}


def _problems(path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    problems = []
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in FORBIDDEN_MODULES or alias.name in ("coopscore.store", "ui"):
                    problems.append(f"{where} imports {alias.name} whole")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module in FORBIDDEN_MODULES:
                problems.append(f"{where} imports from {module}")
            for alias in node.names:
                if alias.name in FORBIDDEN_NAMES.get(module, ()):
                    problems.append(f"{where} imports {module}.{alias.name}")
                if module == "coopscore" and alias.name == "store":
                    problems.append(f"{where} imports the store module")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            problems.append(f"{where} reads .{node.attr}")
    return problems


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: p.name)
def test_a_page_reaches_data_only_through_the_scoped_store(path):
    assert _problems(path) == []


def test_the_check_finds_a_page_that_opens_the_database(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import sqlite3\nfrom coopscore.store import open_store\n"
                   "from ui import _raw_store, store\nx = store()._store.conn\n",
                   encoding="utf-8")
    found = _problems(bad)
    assert any("sqlite3" in p for p in found)
    assert any("open_store" in p for p in found)
    assert any("_raw_store" in p for p in found)
    assert any("._store" in p for p in found) and any(".conn" in p for p in found)


def test_ui_store_is_the_scoped_view(demo_db):
    from streamlit.testing.v1 import AppTest

    script = (
        "import streamlit as st\n"
        "from coopscore.access import ScopedStore\n"
        "from ui import store\n"
        "db = store()\n"
        "st.write(type(db).__name__, db.actor.kind)\n"
        "try:\n"
        "    db.conn\n"
        "except AttributeError as error:\n"
        "    st.write(str(error))\n"
    )
    at = AppTest.from_string(script, default_timeout=60).run()
    assert not at.exception
    texts = [m.value for m in at.markdown]
    assert texts[0] == "ScopedStore local"
    assert "n'est pas disponible dans la vue limitée" in texts[1]
