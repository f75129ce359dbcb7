"""Opening a project from the portfolio, as a facilitator does: a click on its row.

AppTest cannot click a row of a table (tests/test_page_portfolio.py sets the selection
instead): here a real Chromium clicks the row's own box in the table drawn by the page, and
the test checks the page reached and the project it opened against the database.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from coopscore.store import open_store

from .test_browser import (  # noqa: F401  (pytest fixtures)
    browser,
    new_context,
    no_error_on,
    screenshots,
    server,
    wait_quiet,
)

pytestmark = pytest.mark.browser
HEADER_PX = 35  # the table's header row, above its first row


@pytest.fixture(scope="module")
def server_db(tmp_path_factory, demo_template) -> Path:
    """The demo portfolio (the server fixture starts the app on it)."""
    path = tmp_path_factory.mktemp("portfolio") / "coopscore.db"
    shutil.copyfile(demo_template, path)
    return path


def _rows(page):
    """The table's rows as the page's copy for screen readers writes them (header first)."""
    table = page.locator("[data-testid='stDataFrame']").first
    table.wait_for()
    return table, table.locator("[role='row']")


def _click_row(page, index: int) -> str:
    """Click row `index` (0: the first project) where a person sees it; return its name."""
    table, rows = _rows(page)
    name = rows.nth(index + 1).locator("[role='gridcell']").first.inner_text()
    wait_quiet(page)
    middle = page.viewport_size["height"] / 2
    for _ in range(5):  # scroll the page (as a person does) until the row is in sight
        box = table.bounding_box()
        height = (box["height"] - HEADER_PX) / (rows.count() - 1)  # every row shown, no scroll
        y = box["y"] + HEADER_PX + height * (index + 0.5)
        if abs(y - middle) < middle - height:
            break
        page.mouse.move(box["x"] + box["width"] + 10, middle)  # beside the table, in the page
        page.mouse.wheel(0, y - middle)
        page.wait_for_timeout(300)
    page.mouse.click(box["x"] + 14, y)  # the row's selection box, left of its name
    return name


def _selection(page) -> tuple[int, int | None]:
    query = parse_qs(urlparse(page.url).query)
    return int(query["projet"][0]), (int(query["evaluation"][0]) if "evaluation" in query
                                     else None)


def test_a_click_on_a_project_row_opens_its_results_and_an_unassessed_one_its_questionnaire(
        browser, server, server_db, screenshots):  # noqa: F811
    with open_store(server_db) as db:
        projects = db.projects().set_index("name")
        before = db.dump()
    context = new_context(browser)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{server}/portefeuille")
        wait_quiet(page)
        name = _click_row(page, 1)
        page.wait_for_url("**/resultats**")
        wait_quiet(page)
        no_error_on(page)
        project_id, assessment_id = _selection(page)
        assert project_id == int(projects.loc[name, "id"]), name
        with open_store(server_db) as db:  # the project's latest campaign is the one opened
            assessments = db.assessments(project_id)
        assert assessment_id == int(assessments.sort_values(["date", "id"])["id"].iloc[-1])
        sidebar = page.locator("[data-testid='stSidebar']")
        chosen = sidebar.locator("[data-testid='stSelectbox']").filter(has_text="Projet").first
        assert name in chosen.inner_text() or name in page.locator(
            "[data-testid='stMain']").inner_text(), "the page names the project opened"
        page.screenshot(path=str(screenshots / "portefeuille-ouvre-resultats.png"))
        sidebar.get_by_role("link", name="Portefeuille").click()
        page.wait_for_url("**/portefeuille**")
        wait_quiet(page)
        assert page.locator("h1").first.inner_text() == "Portefeuille", \
            "coming back does not reopen the project by itself"
        _, rows = _rows(page)
        texts = [rows.nth(i).inner_text() for i in range(1, rows.count())]
        unassessed = next(i for i, text in enumerate(texts) if "pas encore évalué" in text)
        name = _click_row(page, unassessed)
        page.wait_for_url("**/auto-evaluation**")
        wait_quiet(page)
        no_error_on(page)
        assert _selection(page)[0] == int(projects.loc[name, "id"]), name
        page.get_by_text(f"« {name} » n'a pas encore de réponse sur cette grille").wait_for()
    finally:
        context.close()
    with open_store(server_db) as db:  # opening reads: nothing was written
        assert db.dump() == before
