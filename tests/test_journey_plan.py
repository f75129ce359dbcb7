"""Plan d'action in a real browser: an edit made in the table survives a trip to another page,
stays unsaved until « Enregistrer », and « Annuler les modifications » brings back what is stored.

The table is Streamlit's data editor, drawn on a canvas: a cell is found from the grid's
bounding box and checked through the grid's accessible table (which cell is selected, what it
holds), then edited as a person does (double-click, select all, type, Enter). The database is
checked as well as the screen. Nothing here sets session state.
"""

from __future__ import annotations

import pytest

from coopscore.store import open_store

from .test_browser import (  # noqa: F401  (pytest fixtures)
    browser,
    no_error_on,
    screenshots,
    server,
    server_db,
    wait_idle,
    wait_quiet,
)
from .test_journey_answering import new_person_page, settle

pytestmark = pytest.mark.browser

GRID = "[data-testid='stDataFrame']"
HEADER_HEIGHT = ROW_HEIGHT = 35  # Streamlit's data editor, default row height


def column_index(page, name: str) -> int:
    """The grid's own (1-based) index of the column headed `name`."""
    headers = page.locator(f"{GRID} th[role='columnheader']")
    headers.first.wait_for(state="attached")  # the grid draws after the page's run ends
    for index in range(headers.count()):
        if headers.nth(index).inner_text().strip() == name:
            return int(headers.nth(index).get_attribute("aria-colindex"))
    raise AssertionError(f"no column {name!r} in {headers.all_inner_texts()}")


def cell(page, row: int, column: int):
    """The accessible twin of a cell of the canvas (row from 0, column from `column_index`)."""
    return page.locator(f"{GRID} td#glide-cell-{column}-{row}")


def cell_point(page, row: int, column: int) -> tuple[float, float]:
    """Where the cell is on the screen: along the row, from the grid's left edge, the first
    point whose click selects that cell (the columns' widths are the browser's business)."""
    box = page.locator(GRID).first.bounding_box()
    y = box["y"] + HEADER_HEIGHT + ROW_HEIGHT * row + ROW_HEIGHT / 2
    x = box["x"] + 10
    while x < box["x"] + box["width"] - 5:
        page.mouse.click(x, y)
        page.wait_for_timeout(100)
        if cell(page, row, column).get_attribute("aria-selected") == "true":
            return x + 10, y
        x += 25
    raise AssertionError(f"no point of row {row} selects column {column}")


def edit_cell(page, row: int, column_name: str, text: str) -> None:
    """Type `text` into a cell; as a person does, look whether it took, and retry if the grid
    redrew under the keys (Streamlit now and then swallows them while it reruns)."""
    column = column_index(page, column_name)
    for attempt in range(3):
        wait_quiet(page)
        x, y = cell_point(page, row, column)
        page.mouse.dblclick(x, y)
        page.wait_for_timeout(800)  # the cell's editor opens over the canvas
        page.keyboard.press("Control+A")
        page.keyboard.type(text, delay=30)
        page.keyboard.press("Enter")
        settle(page)
        if cell(page, row, column).inner_text() == text:
            return
    raise AssertionError(f"the cell kept {cell(page, row, column).inner_text()!r}")


def sidebar_to(page, name: str, slug: str) -> None:
    page.locator("[data-testid='stSidebar']").get_by_role("link", name=name).click()
    page.wait_for_url(f"**/{slug}**")
    page.get_by_role("heading", name=name, level=1).wait_for()
    settle(page)
    no_error_on(page)


def owners(server_db, project: int) -> dict[int, str | None]:
    with open_store(server_db) as db:
        actions = db.actions(project_id=project)
    return {int(row["id"]): row["owner"] for _, row in actions.iterrows()}


def leave_guard_is_set(page) -> bool:
    return page.evaluate("typeof window.onbeforeunload === 'function'")


def test_an_unsaved_plan_edit_survives_a_page_change_then_is_saved_or_cancelled(
        browser, server, server_db, screenshots):
    with open_store(server_db) as db:
        territory = db.create_territory("Pays du Plan Tenace", kind="pays")
        project = db.create_project("Coopération au long cours", territory, programme="leader",
                                    phase="mobilisation", cte=False)
        assessment = db.create_assessment(project, "cooperation", "Diagnostic du plan",
                                          date="2026-03-02")
        first = db.add_action(project_id=project, assessment_id=assessment,
                              title="Organiser une visite croisée", owner="Léa",
                              due_date="2026-05-01")
        second = db.add_action(project_id=project, assessment_id=assessment,
                               title="Écrire la convention", owner="Marc",
                               due_date="2026-06-01")
    stored = owners(server_db, project)
    assert stored == {first: "Léa", second: "Marc"}
    owner = "Responsable"
    context, page = new_person_page(browser, server)  # a first visit registers the pages
    try:
        page.goto(f"{server}/plan-action?projet={project}&evaluation={assessment}")
        wait_idle(page)
        page.get_by_role("heading", name="Plan d'action", level=1).wait_for()
        settle(page)
        column = column_index(page, owner)
        assert [cell(page, row, column).inner_text() for row in (0, 1)] == ["Léa", "Marc"]
        save = page.get_by_role("button", name="Enregistrer")
        assert save.is_disabled()
        assert not leave_guard_is_set(page)

        edit_cell(page, 0, owner, "Zoé Martin")
        page.get_by_text("1 modification non enregistrée.").wait_for()
        assert save.is_enabled()
        assert leave_guard_is_set(page), "closing the tab would ask first"
        assert owners(server_db, project) == stored, "nothing saved yet"
        no_error_on(page)
        page.screenshot(path=str(screenshots / "plan-modification.png"))

        # another page, then back: the edit is still there, still unsaved
        sidebar_to(page, "Résultats", "resultats")
        assert owners(server_db, project) == stored
        sidebar_to(page, "Plan d'action", "plan-action")
        page.get_by_text("Vos modifications non enregistrées sont revenues avec vous").wait_for()
        page.get_by_text("1 modification non enregistrée.").wait_for()
        assert cell(page, 0, column).inner_text() == "Zoé Martin"
        assert cell(page, 1, column).inner_text() == "Marc"
        assert owners(server_db, project) == stored
        page.screenshot(path=str(screenshots / "plan-modification-revenue.png"))

        save.click()
        page.get_by_text("1 modification enregistrée.").wait_for()
        settle(page)
        no_error_on(page)
        assert owners(server_db, project) == {first: "Zoé Martin", second: "Marc"}
        assert page.get_by_text("non enregistrée").count() == 0
        assert save.is_disabled()
        assert not leave_guard_is_set(page)

        # another edit, cancelled: the stored value comes back, on screen and in the base
        edit_cell(page, 1, owner, "Personne d'autre")
        page.get_by_text("1 modification non enregistrée.").wait_for()
        page.get_by_role("button", name="Annuler les modifications").click()
        settle(page)
        page.get_by_text("non enregistrée").wait_for(state="detached")
        assert cell(page, 1, column).inner_text() == "Marc"
        assert cell(page, 0, column).inner_text() == "Zoé Martin"
        assert save.is_disabled()
        assert not leave_guard_is_set(page)
        no_error_on(page)
        page.screenshot(path=str(screenshots / "plan-annule.png"))
        # and a trip away and back brings no draft back
        sidebar_to(page, "Résultats", "resultats")
        sidebar_to(page, "Plan d'action", "plan-action")
        assert page.get_by_text("revenues avec vous").count() == 0
        assert cell(page, 1, column).inner_text() == "Marc"
    finally:
        context.close()
    assert owners(server_db, project) == {first: "Zoé Martin", second: "Marc"}
