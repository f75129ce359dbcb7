"""The life of a campaign in a real browser: a facilitator removes a person, closes and reopens
the assessment on « Suivi des réponses », while the people holding personal links reload their
own page in their own browser contexts; a respondent clears one answer through its confirmation.

Every state is reached through the page's own controls; the database is checked as well as the
screen. Nothing here sets session state.
"""

from __future__ import annotations

import itertools

import pytest

from coopscore import links
from coopscore.store import open_store

from .test_browser import (  # noqa: F401  (pytest fixtures)
    answer_radios,
    browser,
    no_error_on,
    screenshots,
    server,
    server_db,
    wait_idle,
)
from .test_journey_answering import choose, new_person_page, settle

pytestmark = pytest.mark.browser

PROJECT = "Coopération des Deux Rives"
_numbers = itertools.count(1)


def _table(server_db, assessment: int) -> dict[tuple[int, str], tuple[str, str | None]]:
    """Every stored answer of an assessment: (respondent, item) → (value, comment)."""
    with open_store(server_db) as db:
        answers = db.answers(assessment)
    return {(int(row["respondent"]), row["item"]):
            (row["value"], row["comment"] if isinstance(row["comment"], str) else None)
            for _, row in answers.iterrows()}


@pytest.fixture
def campaign(server, server_db) -> dict:
    """A fresh project and open assessment, three people with answers and personal links."""
    number = next(_numbers)
    with open_store(server_db) as db:
        territory = db.create_territory(f"Pays des Deux Rives {number}")
        project = db.create_project(f"{PROJECT} {number}", territory, phase="mobilisation")
        label = f"Campagne des rives {number}"
        assessment = db.create_assessment(project, "cooperation", label, date="2026-03-02")
        people, urls = {}, {}
        for name, role, values in (("Ana Lebrun", "elu", ("1", "2", "3")),
                                   ("Basile Roy", "technicien", ("0", "1")),
                                   ("Camille Vo", "partenaire", ("3", "2", "1"))):
            rid = db.add_respondent(assessment, name, role)
            for index, value in enumerate(values, start=1):
                db.save_answer(assessment, rid, f"S01.V0{index}", value,
                               f"note de {name.split()[0]}" if index == 2 else None)
            people[name] = rid
            urls[name] = links.issue_link(db, rid, server).url
    return {"project": project, "assessment": assessment, "label": label,
            "project_name": f"{PROJECT} {number}", "people": people, "urls": urls}


def followup_page(browser, server, campaign):
    """The facilitator's browser, on « Suivi des réponses » reached from the menu."""
    context, page = new_person_page(browser, server)  # a first visit registers pages
    page.goto(f"{server}/?projet={campaign['project']}&evaluation={campaign['assessment']}")
    wait_idle(page)
    page.get_by_role("link", name="Suivi des réponses").first.click()
    page.wait_for_url("**/suivi-reponses**")
    page.get_by_role("heading", name="La campagne").wait_for()
    settle(page)
    no_error_on(page)
    return context, page


def _only_a_message(page, expected: str, campaign: dict) -> None:
    """A dead link's page: the French message, and nothing of the project or its people."""
    page.get_by_text(expected).wait_for()
    wait_idle(page)
    body = page.locator("[data-testid='stApp']").inner_text()
    assert campaign["project_name"] not in body and campaign["label"] not in body
    assert not [name for name in campaign["people"] if name in body]
    assert page.locator("[data-testid='stSidebar']").count() == 0
    assert page.locator("[data-testid='stSidebarNav']").count() == 0
    main = page.locator("[data-testid='stMain']")
    assert main.locator("[data-testid='stRadio'], button, select, input, textarea").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0


# The labels of the main area's buttons that do not fit their button (Streamlit cuts them
# with « … »): the text's natural width, in the button's own font, against the room it has.
CUT_LABELS = """() => { const ctx = document.createElement('canvas').getContext('2d');
  return [...document.querySelectorAll(
      "[data-testid='stMain'] button [data-testid='stMarkdownContainer']")]
    .filter(box => box.getBoundingClientRect().width > 0)  // not in a hidden tab
    .filter(box => { const style = getComputedStyle(box.querySelector('p') || box);
      ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      return ctx.measureText(box.innerText).width > box.getBoundingClientRect().width + 1; })
    .map(box => box.innerText); }"""


def _link_column(page) -> list[str]:
    """The « Lien personnel » column of the follow-up table (its accessible twin)."""
    table = page.locator("[data-testid='stDataFrame']").first
    table.locator("th[role='columnheader']").first.wait_for(state="attached")
    headers = [h.strip() for h in table.locator("th[role='columnheader']").all_inner_texts()]
    column = headers.index("Lien personnel") + 1
    return [cell.inner_text() for cell in
            table.locator(f"td[aria-colindex='{column}']").all()]


def _questionnaire_of(page, name: str) -> None:
    page.get_by_text(f"Vous répondez en tant que {name}").wait_for()
    page.get_by_role("button", name="Étape suivante").wait_for()
    wait_idle(page)
    no_error_on(page)


def test_a_removed_persons_link_shows_only_that_it_is_no_longer_valid(
        browser, server, server_db, campaign, screenshots):
    before = _table(server_db, campaign["assessment"])
    ana = campaign["people"]["Ana Lebrun"]
    visitor_context, visitor = new_person_page(browser, campaign["urls"]["Ana Lebrun"])
    context, page = followup_page(browser, server, campaign)
    try:
        _questionnaire_of(visitor, "Ana Lebrun")
        choose(page, "Retirer une personne de cette évaluation", "Ana Lebrun")
        settle(page)
        page.get_by_role("button", name="Retirer Ana Lebrun…").click()
        settle(page)
        warning = page.get_by_text("Retirer Ana Lebrun ? Ses 3 réponses, ses commentaires et "
                                   "son lien personnel seront supprimés définitivement.")
        warning.wait_for()
        with open_store(server_db) as db:
            assert ana in set(db.respondents(campaign["assessment"])["id"]), \
                "nothing removed before the yes"
        page.screenshot(path=str(screenshots / "campagne-retirer-confirmation.png"))
        page.get_by_role("button", name="Oui, retirer Ana Lebrun").click()
        page.get_by_text("Ana Lebrun a été retiré·e de l'évaluation, avec ses réponses.").wait_for()
        settle(page)
        no_error_on(page)
        page.screenshot(path=str(screenshots / "campagne-retiree.png"))

        visitor.reload()
        wait_idle(visitor)
        _only_a_message(visitor, "Ce lien n'est plus valable", campaign)
        visitor.screenshot(path=str(screenshots / "campagne-lien-personne-retiree.png"))
    finally:
        visitor_context.close()
        context.close()
    with open_store(server_db) as db:
        left = db.respondents(campaign["assessment"]).set_index("name")["id"].to_dict()
    assert left == {name: rid for name, rid in campaign["people"].items() if rid != ana}
    after = _table(server_db, campaign["assessment"])
    assert after == {key: value for key, value in before.items() if key[0] != ana}
    assert len(after) == 5, "the two others' answers are all there"


def test_closing_from_the_page_stops_a_link_and_reopening_brings_it_back(
        browser, server, server_db, campaign, screenshots):
    before = _table(server_db, campaign["assessment"])
    visitor_context, visitor = new_person_page(browser, campaign["urls"]["Basile Roy"])
    context, page = followup_page(browser, server, campaign)
    try:
        _questionnaire_of(visitor, "Basile Roy")
        assert _link_column(page) == ["actif"] * 3
        for width in (1400, 1000, 700):  # every button's whole label, wide or narrow
            page.set_viewport_size({"width": width, "height": 2000})
            page.get_by_role("button", name="Nouveaux liens pour les personnes à relancer (3)"
                             ).wait_for()
            wait_idle(page)
            assert page.evaluate(CUT_LABELS) == [], width
        page.get_by_role("button", name="Clore l'évaluation").click()
        page.get_by_text("Clore maintenant ? Les réponses de 3 personnes").wait_for()
        settle(page)
        with open_store(server_db) as db:
            assert not db.assessment(campaign["assessment"]).is_closed, "not before the yes"
        page.get_by_role("button", name="Oui, clore maintenant").click()
        page.get_by_text("L'évaluation est close : les réponses sont en lecture seule").wait_for()
        settle(page)
        no_error_on(page)
        page.screenshot(path=str(screenshots / "campagne-close.png"))
        with open_store(server_db) as db:
            assert db.assessment(campaign["assessment"]).is_closed
        assert _link_column(page) == ["suspendu"] * 3

        visitor.reload()
        wait_idle(visitor)
        _only_a_message(visitor, "Cette évaluation est close", campaign)
        visitor.screenshot(path=str(screenshots / "campagne-lien-evaluation-close.png"))

        page.get_by_role("button", name="Rouvrir l'évaluation").click()
        page.get_by_text("L'évaluation est rouverte").wait_for()
        settle(page)
        no_error_on(page)
        with open_store(server_db) as db:
            assert not db.assessment(campaign["assessment"]).is_closed
        assert _link_column(page) == ["actif"] * 3

        visitor.reload()
        wait_idle(visitor)
        _questionnaire_of(visitor, "Basile Roy")
        assert campaign["project_name"] in visitor.locator("h1").first.inner_text()
        visitor.screenshot(path=str(screenshots / "campagne-lien-rouvert.png"))
    finally:
        visitor_context.close()
        context.close()
    assert _table(server_db, campaign["assessment"]) == before, "closing keeps every answer"


def test_clearing_one_answer_through_its_confirmation_removes_exactly_that_answer(
        browser, server, server_db, campaign, screenshots):
    before = _table(server_db, campaign["assessment"])
    camille = campaign["people"]["Camille Vo"]
    context, page = new_person_page(browser, campaign["urls"]["Camille Vo"])
    try:
        _questionnaire_of(page, "Camille Vo")
        card = page.locator(f".st-key-crit_{campaign['assessment']}_{camille}_S01-V02")
        card.get_by_role("button", name="Effacer ma réponse").click()
        settle(page)
        card.get_by_text("Effacer votre réponse « 2 · En partie traité » ?").wait_for()
        card.get_by_text("Votre commentaire « note de Camille » sera effacé aussi.").wait_for()
        assert _table(server_db, campaign["assessment"]) == before, "nothing before the yes"
        page.screenshot(path=str(screenshots / "campagne-effacer-confirmation.png"))
        card.get_by_role("button", name="Oui, effacer").click()
        page.get_by_text("Réponse au point S01.V02 effacée.").wait_for()
        settle(page)
        no_error_on(page)
        assert card.locator("input:checked").count() == 0
        assert card.get_by_role("textbox").input_value() == ""
        page.screenshot(path=str(screenshots / "campagne-reponse-effacee.png"))
    finally:
        context.close()
    expected = dict(before)
    del expected[(camille, "S01.V02")]
    assert _table(server_db, campaign["assessment"]) == expected


def test_the_last_answer_opens_a_thank_you_page_with_the_persons_own_profile(
        browser, server, server_db, campaign, screenshots):
    """The assessment shows people their own profile. With one point left, « J'ai terminé »
    ends early on « Merci », what is left and the person's profile; back to the questionnaire,
    the last answer given through the link ends on « Merci » and a radar and table of that
    person's scores, nobody else's."""
    from coopscore.results import respondent_results

    assessment, dora = campaign["assessment"], campaign["people"]["Camille Vo"]
    last = "S03.V01"
    with open_store(server_db) as db:
        db.set_show_own_profile(assessment, True)
        asked = sorted(links._asked_items(db, assessment) - {last})
        db.save_answers([{"assessment_id": assessment, "respondent_id": dora, "item": item,
                          "value": "2" if ".V" in item else "planned"} for item in asked])
    context, page = new_person_page(browser, campaign["urls"]["Camille Vo"])
    try:
        _questionnaire_of(page, "Camille Vo")
        assert page.locator("[data-testid='stMain'] h3").first.inner_text().startswith("Étape 3")
        finish = page.locator(".st-key-questionnaire_finish")
        finish.get_by_text("Il reste 1 point sans réponse.").wait_for()
        before = _table(server_db, assessment)
        page.screenshot(path=str(screenshots / "termine-bouton.png"))
        finish.get_by_role("button", name="J'ai terminé").click()
        page.get_by_text("Merci, Camille Vo : vos réponses sont enregistrées.").wait_for()
        page.get_by_text("Il reste 1 point sans réponse. Vous pouvez fermer cette page").wait_for()
        page.get_by_role("heading", name="Votre profil").wait_for()
        settle(page)
        no_error_on(page)
        assert answer_radios(page).count() == 0, "the thank-you page, not the questionnaire"
        assert _table(server_db, assessment) == before, "finishing writes no answer"
        page.screenshot(path=str(screenshots / "termine-avant-la-fin.png"))
        page.get_by_role("button", name="Revenir au questionnaire").click()
        _questionnaire_of(page, "Camille Vo")
        assert page.locator("[data-testid='stMain'] h3").first.inner_text().startswith("Étape 3")
        card = page.locator(f".st-key-crit_{assessment}_{dora}_{last.replace('.', '-')}")
        card.get_by_text("3 · Maîtrisé", exact=True).click()
        page.get_by_text("Merci, Camille Vo : vous avez répondu à tous les points").wait_for()
        page.get_by_role("heading", name="Votre profil").wait_for()
        page.locator("[data-testid='stPlotlyChart']").first.wait_for()
        settle(page)
        no_error_on(page)
        page.screenshot(path=str(screenshots / "merci-avec-profil.png"))
        rows = page.locator("[data-testid='stTable']").last.locator("tbody tr")
        cells = [row.locator("th, td").all_inner_texts() for row in rows.all()]
        shown = {stage.strip(): score.strip() for stage, score, *_ in cells}
        page.get_by_text("Voir les données").first.click()
        settle(page)
        page.screenshot(path=str(screenshots / "merci-avec-profil-donnees.png"))
    finally:
        context.close()
    with open_store(server_db) as db:
        assert db.answers(assessment).query("respondent == @dora and item == @last")[
            "value"].tolist() == ["3"]
        own = respondent_results(db, assessment, dora).one("stages", assessment)
        others = respondent_results(db, assessment, campaign["people"]["Ana Lebrun"]).one(
            "stages", assessment)
    stage_three = own.set_index("section_id").loc["S03", "score"]
    assert stage_three != others.set_index("section_id").loc["S03", "score"]
    assert shown["3. Identifier les acteurs concernés ou à associer sur le territoire"] == \
        f"{round(stage_three)} / 100"
    assert len(shown) == 16


def test_the_own_profile_switch_turned_in_one_browser_holds_and_an_old_screen_never_undoes_it(
        browser, server, server_db, campaign, screenshots):
    """Two facilitators on « Suivi des réponses », each in their own browser. One turns the
    own-profile switch on: the message comes, the base has it, a reload keeps it. The other,
    whose screen still shows it off, goes on using the page: the base keeps it on. Turned
    off again, it is off in the base."""
    assessment = campaign["assessment"]
    switch_label = "Montrer à chaque personne son propre profil à la fin du questionnaire"

    def shown_in_base() -> bool:
        with open_store(server_db) as db:
            return db.assessment(assessment).show_own_profile

    other_context, other = followup_page(browser, server, campaign)
    context, page = followup_page(browser, server, campaign)
    try:
        switch = page.get_by_role("switch", name=switch_label)
        assert not switch.is_checked() and not shown_in_base()
        page.get_by_text(switch_label, exact=True).click()
        page.get_by_text("Chaque personne verra son propre profil").wait_for()
        settle(page)
        no_error_on(page)
        assert switch.is_checked() and shown_in_base()
        page.screenshot(path=str(screenshots / "suivi-profil-propre.png"), full_page=True)

        # the old screen: the switch still drawn off, the person picks someone in the list
        assert not other.get_by_role("switch", name=switch_label).is_checked()
        choose(other, "Une personne", "Basile Roy")
        other.get_by_role("button", name="Nouveau lien pour Basile Roy").wait_for()
        settle(other)
        no_error_on(other)
        assert shown_in_base(), "an old screen undid the other browser's switch"
        other.reload()
        wait_idle(other)
        assert other.get_by_role("switch", name=switch_label).is_checked()

        page.reload()
        wait_idle(page)
        switch = page.get_by_role("switch", name=switch_label)
        assert switch.is_checked()
        page.get_by_text(switch_label, exact=True).click()
        page.get_by_text("ne verront plus leur profil").wait_for()
        settle(page)
        assert not switch.is_checked() and not shown_in_base()
    finally:
        context.close()
        other_context.close()
    with open_store(server_db) as db:
        turned = db.conn.execute(
            "SELECT COUNT(*) FROM audit WHERE object = ? AND new LIKE '%show_own_profile%'",
            [f"assessment:{assessment}"]).fetchone()[0]
    assert turned == 2  # on, then off: nothing written by the old screen
