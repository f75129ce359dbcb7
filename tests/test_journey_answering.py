"""Answering as people really do, in a real browser: several people, stage after stage.

Each journey clicks (or types on) the page's own controls at a human pace, waits for the
app to be idle after each action, and checks the database as well as the screen. Nothing
here sets session state.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from coopscore.answering import answerable
from coopscore.grid import load_grid
from coopscore.store import open_store

from .test_browser import (  # noqa: F401  (pytest fixtures)
    browser,
    new_context,
    no_error_on,
    screenshots,
    server,
    server_db,
    wait_idle,
    wait_quiet,
)

pytestmark = pytest.mark.browser

LEVELS = ["0 · Pas pris en compte", "1 · Identifié", "2 · En partie traité", "3 · Maîtrisé"]
METHODS = [("En place", "in_place"), ("Prévue", "planned"), ("Non", "no")]


def settle(page) -> None:
    """Human pace: a short pause, then wait until the app has been idle for a moment."""
    page.wait_for_timeout(200)
    wait_quiet(page)


def new_person_page(browser, url: str):
    context = new_context(browser)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    wait_idle(page)
    return context, page


def stage_heading(page) -> str:
    return page.locator("[data-testid='stMain'] h3").first.inner_text()


def wait_stage(page, number: int) -> None:
    """The stage shown becomes `number` (fails after the default timeout otherwise)."""
    page.locator("[data-testid='stMain'] h3", has_text=f"Étape {number} — ").wait_for()
    wait_idle(page)
    assert stage_heading(page).startswith(f"Étape {number} — ")


def add_person(page, name: str, role: str = "technicien·ne") -> None:
    expander = page.locator("[data-testid='stExpander']").filter(has_text="Ajouter une personne")
    summary = expander.locator("summary")
    summary.wait_for()
    settle(page)
    textbox = expander.get_by_role("textbox", name="Nom ou pseudonyme")
    closed = expander.locator("[data-testid='stExpanderDetails'][inert]")
    if closed.count():  # a closed expander's content is inert: open it, as a person would
        summary.click()
    textbox.wait_for(state="visible")
    settle(page)
    textbox.fill(name)
    expander.get_by_role("combobox").first.click()
    page.get_by_role("option", name=role, exact=True).click()
    expander.get_by_role("button", name="Ajouter", exact=True).click()
    settle(page)
    page.get_by_text(f"Vous répondez en tant que {name}").wait_for()


def choose(page, combobox: str, option: str) -> None:
    """Open a list and pick an option; click the list again if it did not open (as a person
    does: Streamlit's list now and then ignores a first click that lands as it redraws)."""
    for _ in range(3):
        page.get_by_role("combobox", name=combobox, exact=True).click()
        try:
            page.get_by_role("option", name=option, exact=True).wait_for(timeout=3_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    page.get_by_role("option", name=option, exact=True).click()


def answer_current_stage(page, level: int, method: int) -> None:
    """Give every point of the stage shown the same level, every method the same answer."""
    criteria = page.locator("[class*='st-key-crit_'] [data-testid='stRadio']")
    for index in range(criteria.count()):
        criteria.nth(index).get_by_text(LEVELS[level], exact=True).click()
        settle(page)
    methods = page.locator("[class*='st-key-meth_'] [data-testid='stRadio']")
    for index in range(methods.count()):
        methods.nth(index).get_by_text(METHODS[method][0], exact=True).click()
        settle(page)


def expected_answers(grid, section_ids, level: int, method: int) -> dict[str, str]:
    answers = {}
    for section_id in section_ids:
        for item in answerable(grid.section(section_id), cte=False):
            answers[item.id] = str(level) if item.kind == "criterion" else METHODS[method][1]
    return answers


def stored(server_db, assessment_id: int) -> dict[int, dict[str, str]]:
    with open_store(server_db) as db:
        answers = db.answers(assessment_id)
    return {int(r): group.set_index("item")["value"].to_dict()
            for r, group in answers.groupby("respondent")}


@pytest.fixture(scope="module")
def campaign(server, server_db) -> dict[str, int]:
    """A project and an open assessment (the CLI or another facilitator made them)."""
    with open_store(server_db) as db:
        territory = db.create_territory("Pays des Trois Voix", kind="pays")
        project = db.create_project("Coopération à trois", territory, programme="leader",
                                    phase="mobilisation", cte=False)
        assessment = db.create_assessment(project, "cooperation", "Diagnostic à trois",
                                          date="2026-03-02")
    return {"project": project, "assessment": assessment}


@pytest.mark.timeout(900)  # 135 answers at a human pace, three browsers on a shared machine
def test_three_people_answer_three_stages_reload_and_resume(browser, server, server_db, campaign,
                                                            screenshots):
    grid = load_grid("cooperation")
    url = f"{server}/auto-evaluation?projet={campaign['project']}&evaluation={campaign['assessment']}"
    people = {"Alice": 1, "Bruno": 2, "Chloé": 3}
    pages = {}
    try:
        for name in people:
            context, page = new_person_page(browser, server)  # a first visit registers pages
            page.goto(url)
            wait_idle(page)
            add_person(page, name)
            pages[name] = (context, page)
        # the three answer side by side, one stage each in turn
        for stage in range(3):
            for name, level in people.items():
                page = pages[name][1]
                assert stage_heading(page).startswith(f"Étape {stage + 1} — "), name
                answer_current_stage(page, level, level - 1)
                page.get_by_text("Étape complète").wait_for()
                page.get_by_role("button", name="Étape suivante").click()
                settle(page)
                wait_stage(page, stage + 2)
                no_error_on(page)
        pages["Chloé"][1].screenshot(path=str(screenshots / "trois-voix-etape-4.png"))
        for name in people:
            page = pages[name][1]
            assert "repondant=" in page.url
            page.reload()
            wait_idle(page)
            page.get_by_text(f"Vous répondez en tant que {name}").wait_for()
            wait_stage(page, 4)
            page.get_by_text("31 réponses sur").wait_for()
            no_error_on(page)
    finally:
        for context, _ in pages.values():
            context.close()
    with open_store(server_db) as db:
        ids = db.respondents(campaign["assessment"]).set_index("name")["id"].to_dict()
    answers = stored(server_db, campaign["assessment"])
    assert set(answers) == {int(ids[name]) for name in people}
    for name, level in people.items():
        assert answers[int(ids[name])] == expected_answers(grid, ["S01", "S02", "S03"], level,
                                                           level - 1), name


def test_adding_a_person_while_another_is_selected_changes_only_the_new_persons_answers(
        browser, server, server_db, campaign, screenshots):
    with open_store(server_db) as db:
        first = db.add_respondent(campaign["assessment"], "Dominique", "elu")
        db.save_answer(campaign["assessment"], first, "S01.V01", "1", "déjà là")
        db.save_answer(campaign["assessment"], first, "S01.V02", "2")
    before = stored(server_db, campaign["assessment"])
    url = (f"{server}/auto-evaluation?projet={campaign['project']}"
           f"&evaluation={campaign['assessment']}&repondant={first}")
    context, page = new_person_page(browser, server)
    try:
        page.goto(url)
        wait_idle(page)
        page.get_by_text("Vous répondez en tant que Dominique").wait_for()
        add_person(page, "Eugénie", "partenaire")
        assert f"repondant={first}" not in page.url
        criteria = page.locator("[class*='st-key-crit_'] [data-testid='stRadio']")
        for index, level in enumerate([3, 0, 2]):
            criteria.nth(index).get_by_text(LEVELS[level], exact=True).click()
            settle(page)
            page.get_by_text("Vous répondez en tant que Eugénie").wait_for()
        no_error_on(page)
        page.screenshot(path=str(screenshots / "personne-ajoutee.png"))
        page.reload()
        wait_idle(page)
        page.get_by_text("Vous répondez en tant que Eugénie").wait_for()
    finally:
        context.close()
    with open_store(server_db) as db:
        added = int(db.respondents(campaign["assessment"]).set_index("name")["id"]["Eugénie"])
    after = stored(server_db, campaign["assessment"])
    assert after.pop(added) == {"S01.V01": "3", "S01.V02": "0", "S01.V03": "2"}
    assert after == before, "nobody else's answers changed"


def test_keyboard_only_answers_a_stage_and_moves_on(browser, server, server_db, campaign,
                                                    screenshots):
    grid = load_grid("cooperation")
    with open_store(server_db) as db:
        person = db.add_respondent(campaign["assessment"], "Fatou", "technicien")
    url = (f"{server}/auto-evaluation?projet={campaign['project']}"
           f"&evaluation={campaign['assessment']}&repondant={person}")
    context, page = new_person_page(browser, server)

    def focused() -> dict:
        return page.evaluate("""() => { const e = document.activeElement;
            const item = e.closest("[class*='st-key-crit_'], [class*='st-key-meth_']");
            return {tag: e.tagName, type: e.type || '', name: e.name || '',
                    text: (e.innerText || '').trim(), item: item ? item.className : ''}; }""")

    def tab_until(condition, limit: int = 400) -> dict:
        states = []
        for _ in range(limit):
            page.keyboard.press("Tab")
            states.append(focused())
            if condition(states[-1]):
                return states[-1]
        page.screenshot(path=str(screenshots / "clavier-echec.png"))
        raise AssertionError(f"never reached by Tab; last focused: {states[-5:]}")

    try:
        page.goto(url)
        wait_idle(page)
        page.get_by_text("Vous répondez en tant que Fatou").wait_for()
        page.get_by_role("button", name="Étape suivante").wait_for()  # the stage is all drawn
        groups = (page.locator("[class*='st-key-crit_'] [data-testid='stRadio']").count()
                  + page.locator("[class*='st-key-meth_'] [data-testid='stRadio']").count())
        seen: set[str] = set()
        for _ in range(groups):
            state = tab_until(lambda s: s["type"] == "radio" and s["item"]
                              and s["name"] not in seen)
            seen.add(state["name"])
            page.keyboard.press("Space")  # the first answer: 0, or « En place »
            settle(page)
            page.keyboard.press("ArrowRight")  # the next one: 1, or « Prévue »
            settle(page)
        tab_until(lambda s: s["tag"] == "BUTTON" and "Étape suivante" in s["text"])
        page.keyboard.press("Enter")
        settle(page)
        wait_stage(page, 2)
        no_error_on(page)
        page.screenshot(path=str(screenshots / "clavier-etape-2.png"))
    finally:
        context.close()
    assert stored(server_db, campaign["assessment"])[person] == expected_answers(
        grid, ["S01"], 1, 1)


def test_a_second_project_created_in_the_same_session_gets_the_next_assessment(
        browser, server, server_db, screenshots):
    context, page = new_person_page(browser, server)
    try:
        page.get_by_role("link", name="Auto-évaluation").first.click()
        page.wait_for_url("**/auto-evaluation**")
        wait_idle(page)
        for name in ("Projet des Monts", "Projet des Vallées"):
            box = page.get_by_role("textbox", name="Nom du projet")
            try:  # open while there is no project yet; the widgets may still be drawing
                box.wait_for(timeout=8_000)
            except PlaywrightTimeout:
                page.get_by_text("Nouveau projet", exact=True).click()
                box.wait_for()
            page.get_by_role("textbox", name="… ou nouveau territoire").fill(f"Pays {name}")
            box.fill(name)
            page.get_by_role("button", name="Créer le projet").click()
            page.get_by_text(f"Projet « {name} » créé.").wait_for()
            settle(page)
        sidebar = page.locator("[data-testid='stSidebar']")
        page.screenshot(path=str(screenshots / "second-projet.png"))
        assert sidebar.get_by_role("combobox", name="Projet").input_value() == "Projet des Vallées"
        page.get_by_role("button", name="Ouvrir l'évaluation").click()
        page.get_by_text("Évaluation « Diagnostic initial » ouverte.").wait_for()
        settle(page)
        no_error_on(page)
    finally:
        context.close()
    with open_store(server_db) as db:
        projects = db.projects().set_index("name")["id"]
        assert len(db.assessments(int(projects["Projet des Vallées"]))) == 1
        assert db.assessments(int(projects["Projet des Monts"])).empty


def test_compact_mode_answers_a_stage_as_a_table_moves_on_and_resumes(
        browser, server, server_db, campaign, screenshots):
    grid = load_grid("cooperation")
    with open_store(server_db) as db:
        person = db.add_respondent(campaign["assessment"], "Gaspard", "partenaire")
    before = stored(server_db, campaign["assessment"])
    url = (f"{server}/auto-evaluation?projet={campaign['project']}"
           f"&evaluation={campaign['assessment']}&repondant={person}")
    context, page = new_person_page(browser, server)
    try:
        page.goto(url)
        wait_idle(page)
        page.get_by_text("Vous répondez en tant que Gaspard").wait_for()
        page.get_by_text("Mode compact").click()
        settle(page)
        page.get_by_text("Votre réponse").first.wait_for()
        assert page.locator("[class*='st-key-crit_']").count() == 0, "no cards in compact mode"
        items = answerable(grid.section("S01"), cte=False)
        for item in items:
            label = LEVELS[2] if item.kind == "criterion" else METHODS[0][0]
            choose(page, f"Réponse pour {item.id}", label)
            settle(page)
        comment = page.get_by_role("textbox", name=f"Commentaire pour {items[0].id}")
        comment.fill("vu en atelier")
        comment.press("Enter")
        settle(page)
        page.get_by_text("Étape complète").wait_for()
        no_error_on(page)
        page.screenshot(path=str(screenshots / "mode-compact.png"))
        page.get_by_role("button", name="Étape suivante").click()
        settle(page)
        wait_stage(page, 2)
        first = answerable(grid.section("S02"), cte=False)[0]
        choose(page, f"Réponse pour {first.id}", LEVELS[3])
        settle(page)
        assert stage_heading(page).startswith("Étape 2 — ")
        page.reload()
        wait_idle(page)
        page.get_by_text("Vous répondez en tant que Gaspard").wait_for()
        wait_stage(page, 2)  # resumes at the first unfinished stage
        key = f"crit_{campaign['assessment']}_{person}_{first.id}".replace(".", "-")
        checked = page.locator(f".st-key-{key} label:has(input:checked)")  # keys' dots become -
        assert checked.inner_text().startswith(LEVELS[3])
    finally:
        context.close()
    with open_store(server_db) as db:
        comments = db.answers(campaign["assessment"]).query("respondent == @person")
    after = stored(server_db, campaign["assessment"])
    expected = expected_answers(grid, ["S01"], 2, 0) | {first.id: "3"}
    assert after.pop(person) == expected
    assert after == before, "nobody else's answers changed"
    assert comments.set_index("item").loc[items[0].id, "comment"] == "vu en atelier"
