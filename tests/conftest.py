"""Shared fixtures: the shipped grids, a tiny grid, paths."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from coopscore.grid import Grid, load_grid, parse_grid

ROOT = Path(__file__).resolve().parent.parent
FILES = Path(__file__).resolve().parent / "files"

TINY_GRID_YAML = """
id: tiny
title: Petite grille de test
version: "0.1"
phases:
  - {id: debut, title: Début, sections: [S01]}
  - {id: suite, title: Suite, sections: [S02, S03]}
sections:
  - id: S01
    title: Première étape
    criteria:
      - {id: S01.V01, text: premier point, critical: "parce que c'est critique"}
      - {id: S01.V02, text: second point, weight: 2}
    methods:
      - {id: S01.M01, text: une méthode}
      - {id: S01.M02, text: une méthode européenne, cte: true}
  - id: S02
    title: Deuxième étape
    criteria:
      - id: S02.V01
        text: un point avec sous-points
        children:
          - {id: S02.V01.1, text: un sous-point}
    methods:
      - {id: S02.M01, text: une autre méthode}
  - id: S03
    title: Étape sans point de vigilance
    methods:
      - {id: S03.M01, text: outil partagé}
      - {id: S03.M02, text: autre outil partagé}
"""


@pytest.fixture(scope="session")
def cooperation() -> Grid:
    return load_grid("cooperation")


@pytest.fixture(scope="session")
def dialogue() -> Grid:
    return load_grid("dialogue")


@pytest.fixture(scope="session")
def tiny_grid() -> Grid:
    return parse_grid(TINY_GRID_YAML, filename="tiny.yaml")


# --- store fixtures (test_store.py, test_exchange.py, test_demo.py) -------------------

from dataclasses import dataclass  # noqa: E402

from coopscore.store import Store, open_store  # noqa: E402


@pytest.fixture
def store_path(tmp_path) -> Path:
    """A database file that does not exist yet, in the test's own folder."""
    return tmp_path / "coopscore.db"


@pytest.fixture
def store(store_path) -> Store:
    """A real, empty SQLite database file, closed after the test."""
    database = open_store(store_path)
    yield database
    database.close()


@dataclass
class StoreCase:
    """A project with one draft cooperation assessment and three respondents."""

    store: Store
    territory: int
    project: int
    assessment: int
    respondents: dict[str, int]


@pytest.fixture
def store_case(store) -> StoreCase:
    territory = store.create_territory("Pays du Val de Test", kind="pays")
    project = store.create_project("Circuits courts — essai", territory, programme="leader",
                                   phase="mobilisation", cte=False)
    assessment = store.create_assessment(project, "cooperation", "Diagnostic initial",
                                         date="2026-03-02")
    respondents = {
        "Alice": store.add_respondent(assessment, "Alice", "elu", "Mairie de Test"),
        "Bruno": store.add_respondent(assessment, "Bruno", "technicien"),
        "Chloé": store.add_respondent(assessment, "Chloé", "partenaire", "PNR des Essais"),
    }
    return StoreCase(store, territory, project, assessment, respondents)


# --- app fixtures (test_results.py, test_page_*.py, test_browser.py) --------------------


@pytest.fixture(autouse=True)
def _isolated_database(tmp_path_factory, monkeypatch):
    """No test ever touches data/coopscore.db: COOPSCORE_DB points at a fresh temp file."""
    if "COOPSCORE_DB" not in os.environ or not os.environ["COOPSCORE_DB"].startswith(
            str(tmp_path_factory.getbasetemp())):
        folder = tmp_path_factory.mktemp("db")
        monkeypatch.setenv("COOPSCORE_DB", str(folder / "coopscore.db"))


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A database filled once per session with the default demo portfolio."""
    from coopscore import demo
    from coopscore.store import open_store

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with open_store(path) as database:
        demo.generate_demo(database)
        database.backup(path.with_name("template.db"))
    return path.with_name("template.db")


@pytest.fixture
def demo_db(demo_template, tmp_path, monkeypatch) -> Path:
    """A private copy of the demo database, set as COOPSCORE_DB: tests may write to it."""
    path = tmp_path / "coopscore.db"
    shutil.copyfile(demo_template, path)
    monkeypatch.setenv("COOPSCORE_DB", str(path))
    return path


def app_test(page: str | None = None, **session: object):
    """An AppTest of the whole app (router and sidebar), optionally switched to a page.

    `session` pre-sets st.session_state (e.g. project_id=1, assessment_id=2), as a selection
    restored from the URL would.
    """
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in session.items():
        at.session_state[key] = value
    if session:
        at.session_state["_selection_restored"] = True
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


@pytest.fixture
def deferred_downloads(monkeypatch) -> dict:
    """{file name: the callable a deferred download button runs when clicked}, recorded as the
    page registers them: calling it gives the bytes the browser would receive."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    recorded: dict = {}
    original = MediaFileManager.add_deferred

    def record(self, data, mimetype, coordinates, file_name=None, element_id=""):
        recorded[file_name] = data
        return original(self, data, mimetype, coordinates, file_name=file_name,
                        element_id=element_id)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return recorded


def rendered(text: str) -> str:
    """What CommonMark shows of markdown source with backslash escapes (user text escaped by
    coopscore.markup reads as typed)."""
    import re

    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text).replace("  \n", "\n").replace("\u00a0", " ")


def place_of(node, key: str, path: tuple[int, ...] = ()) -> tuple[int, ...] | None:
    """Where the widget `key` sits in the page drawn (its indices from the page's root)."""
    for index, child in getattr(node, "children", {}).items():
        if getattr(child, "key", None) == key:
            return (*path, index)
        found = place_of(child, key, (*path, index))
        if found:
            return found
    return None


def page_order(node, path: tuple[int, ...] = ()):
    """The elements drawn, in the order a person reads them (blocks opened, depth first)."""
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for index in sorted(children):
        yield from page_order(children[index], (*path, index))


def shown_after(at, key: str):
    """The element a person sees right after the widget `key` (a message next to it)."""
    order = list(page_order(at._tree))
    index = next(i for i, node in enumerate(order) if getattr(node, "key", None) == key)
    return order[index + 1]
