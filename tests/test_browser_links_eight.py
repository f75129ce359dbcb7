"""Eight people answer at once, each through their own personal link in their own browser:
no answer lost, none filed under another person (checked in the database), each finds their
own answers after a reload, and the facilitator's follow-up shows all eight still to remind."""

from __future__ import annotations

import pytest

from coopscore import links
from coopscore.store import open_store

from .test_browser import browser, screenshots, server, server_db, wait_idle  # noqa: F401
from .test_journey_campaign import followup_page

pytestmark = pytest.mark.browser

LEVELS = ["0 · Pas pris en compte", "1 · Identifié", "2 · En partie traité", "3 · Maîtrisé"]
METHODS = [("En place", "in_place"), ("Prévue", "planned"), ("Non", "no")]
PEOPLE = 8
CRITERIA, METHOD_COUNT = 3, 2


def test_eight_people_by_personal_link_at_once_lose_nothing(server, server_db, browser,
                                                            screenshots):  # noqa: F811
    with open_store(server_db) as db:
        territory = db.create_territory("Pays des Huit")
        project = db.create_project("Projet des huit", territory, phase="emergence")
        assessment = db.create_assessment(project, "cooperation", "Huit liens")
        text = "\n".join(f"Personne {n} ; {'elu' if n % 2 else 'partenaire'}"
                         for n in range(PEOPLE))
        issued = links.add_respondent_list(db, assessment, text, base=server)
    contexts, pages = [], []
    for link in issued:
        context = browser.new_context(viewport={"width": 1400, "height": 2000}, locale="fr-FR")
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(link.url)
        contexts.append(context)
        pages.append(page)
    for page, link in zip(pages, issued):
        wait_idle(page)
        page.get_by_text(f"Vous répondez en tant que {link.name}").wait_for()
        assert page.locator("[data-testid='stSidebarNav']").count() == 0
    # Round after round, all eight click before anyone waits: their reruns overlap.
    for index in range(CRITERIA):
        for n, page in enumerate(pages):
            radios = page.locator("[class*='st-key-crit_'] [data-testid='stRadio']")
            radios.nth(index).get_by_text(LEVELS[(n + index) % 4], exact=True).click()
        for page in pages:
            page.wait_for_timeout(150)
            wait_idle(page)
    for index in range(METHOD_COUNT):
        for n, page in enumerate(pages):
            radios = page.locator("[class*='st-key-meth_'] [data-testid='stRadio']")
            radios.nth(index).get_by_text(METHODS[(n + index) % 3][0], exact=True).click()
        for page in pages:
            page.wait_for_timeout(150)
            wait_idle(page)
    pages[0].screenshot(path=str(screenshots / "lien-personnel-questionnaire.png"))
    for page in pages:
        assert page.locator("[data-testid='stException']").count() == 0
    # each one comes back through the link: their own answers are there, as they gave them
    for n, (page, link) in enumerate(zip(pages, issued)):
        page.reload()
        wait_idle(page)
        page.get_by_text(f"Vous répondez en tant que {link.name}").wait_for()
        criteria_shown = page.locator("[class*='st-key-crit_'] [data-testid='stRadio']")
        for index in range(CRITERIA):
            checked = criteria_shown.nth(index).locator("label:has(input:checked)")
            assert checked.inner_text().startswith(LEVELS[(n + index) % 4]), (link.name, index)
    for context in contexts:
        context.close()

    # the facilitator, from the menu: eight people, none complete, all eight to remind
    context, page = followup_page(browser, server, {"project": project, "assessment": assessment})
    try:
        metrics = {m.locator("[data-testid='stMetricLabel']").inner_text().strip():
                   m.locator("[data-testid='stMetricValue']").inner_text().strip()
                   for m in page.locator("[data-testid='stMetric']").all()}
        assert metrics == {"Personnes": "8", "Questionnaires complets": "0",
                           "À relancer": "8"}, metrics
        page.get_by_role("button",
                         name="Nouveaux liens pour les personnes à relancer (8)").wait_for()
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(screenshots / "lien-personnel-suivi-huit.png"))
    finally:
        context.close()

    with open_store(server_db) as db:
        grid = db.grid_of(assessment)
        stage = grid.sections[0]
        criteria = [i.id for i in stage.criteria if not i.cte][:CRITERIA]
        methods = [i.id for i in stage.methods if not i.cte][:METHOD_COUNT]
        answers = db.answers(assessment)
    expected = set()
    for n, link in enumerate(issued):
        for index, item in enumerate(criteria):
            expected.add((link.respondent_id, item, str((n + index) % 4)))
        for index, item in enumerate(methods):
            expected.add((link.respondent_id, item, METHODS[(n + index) % 3][1]))
    got = set(zip(answers["respondent"].astype(int), answers["item"], answers["value"]))
    assert got == expected
    assert len(answers) == PEOPLE * (CRITERIA + METHOD_COUNT)
