"""Personal links in a real browser: a facilitator adds people on « Suivi des réponses »,
revokes a link, closes the campaign; each dead link shows a French message and nothing else."""

from __future__ import annotations

import subprocess
import sys

import pytest

from coopscore.store import open_store

from .conftest import ROOT
from .test_browser import (browser, no_error_on, page, screenshots, server,  # noqa: F401
                           server_db, wait_idle)

pytestmark = pytest.mark.browser


def _campaign(path) -> tuple[int, int]:
    with open_store(path) as db:
        territory = db.create_territory("Pays des Liens")
        project = db.create_project("Projet des liens", territory, phase="emergence")
        assessment = db.create_assessment(project, "cooperation", "Campagne par liens")
        other = db.create_project("Projet d'à côté", territory)
        db.create_assessment(other, "cooperation", "Autre campagne")
    return project, assessment


def _dead_link_shows_only_a_message(browser, url: str, expected: str, shot) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 2000}, locale="fr-FR")
    visitor = context.new_page()
    visitor.set_default_timeout(30_000)
    visitor.goto(url)
    wait_idle(visitor)
    visitor.get_by_text(expected).wait_for()
    body = visitor.locator("[data-testid='stApp']").inner_text()
    assert "Projet des liens" not in body and "Projet d'à côté" not in body
    assert "Campagne par liens" not in body and "Alex" not in body
    assert visitor.locator("[data-testid='stSidebar']").count() == 0
    assert visitor.locator("[data-testid='stSidebarNav']").count() == 0
    main = visitor.locator("[data-testid='stMain']")
    assert main.locator("[data-testid='stRadio'], button, select, input").count() == 0
    assert visitor.locator("[data-testid='stException']").count() == 0
    visitor.screenshot(path=str(shot))
    context.close()


def test_revoked_and_closed_links_show_a_french_message_and_nothing_else(
        server, server_db, page, browser, screenshots):  # noqa: F811
    project, assessment = _campaign(server_db)
    page.goto(f"{server}/?projet={project}&evaluation={assessment}")
    wait_idle(page)
    page.get_by_role("link", name="Suivi des réponses").first.click()
    page.wait_for_url("**/suivi-reponses**")
    wait_idle(page)
    no_error_on(page)
    page.get_by_text("Personne ne répond encore").wait_for()

    page.get_by_role("tab", name="Une liste").click()
    page.get_by_role("textbox", name="Liste à coller").fill(
        "Alex Morel ; élu·e ; Mairie\nSam Petit ; partenaire")
    page.wait_for_timeout(300)
    page.get_by_role("button", name="Ajouter la liste et créer les liens").click()
    page.get_by_text("2 personnes ajoutées").wait_for()
    codes = page.locator("[data-testid='stCode'] code")
    codes.nth(1).wait_for()  # as a person would: wait until both links are on the page
    wait_idle(page)
    no_error_on(page)
    urls = [text.strip() for text in page.locator("[data-testid='stCode'] code").all_inner_texts()]
    assert len(urls) == 2 and all("/?lien=" in url for url in urls), urls
    page.screenshot(path=str(screenshots / "suivi-reponses-liens.png"))
    assert all(url.startswith(f"{server}/?lien=") for url in urls), urls  # this app's address
    alex_url, sam_url = urls

    page.get_by_role("combobox", name="Une personne", exact=True).click()
    page.get_by_role("option", name="Alex Morel").click()
    wait_idle(page)
    page.get_by_role("button", name="Révoquer le lien de Alex Morel").click()
    page.get_by_text("Le lien de Alex Morel est révoqué").wait_for()
    wait_idle(page)
    with open_store(server_db) as db:
        revoked = db.conn.execute(
            "SELECT r.name, l.revoked_at IS NOT NULL FROM respondent_links l "
            "JOIN respondents r ON r.id = l.respondent_id ORDER BY r.id").fetchall()
    assert revoked == [("Alex Morel", 1), ("Sam Petit", 0)]

    _dead_link_shows_only_a_message(browser, alex_url, "Ce lien n'est plus valable",
                                    screenshots / "lien-revoque.png")

    closed = subprocess.run([sys.executable, "-m", "coopscore", "assessment", "close",
                             str(assessment), "--db", str(server_db)], cwd=ROOT,
                            capture_output=True, text=True)
    assert closed.returncode == 0, closed.stderr
    _dead_link_shows_only_a_message(browser, sam_url, "Cette évaluation est close",
                                    screenshots / "lien-evaluation-close.png")
    _dead_link_shows_only_a_message(browser, f"{server}/?lien=n-importe-quoi",
                                    "ne correspond à aucun questionnaire",
                                    screenshots / "lien-inconnu.png")
