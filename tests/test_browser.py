"""A real browser journey: Debian's Chromium, driven by Playwright, against `streamlit run`.

Never skipped: if Chromium or Playwright is missing the test fails and says how to get
them (`make test` installs both). Screenshots of every page visited are written to
$COOPSCORE_SCREENSHOTS (default: a temp folder printed in the test output).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("COOPSCORE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server_db(tmp_path_factory) -> Path:
    """The SQLite file of the test server (tests may write to it beside the app)."""
    return tmp_path_factory.mktemp("server") / "coopscore.db"


@pytest.fixture(scope="module")
def server(server_db) -> Iterator[str]:
    """A real `streamlit run app.py` on a free port, with its own SQLite file."""
    port = _free_port()
    workdir = server_db.parent
    env = {**os.environ, "COOPSCORE_DB": str(server_db)}
    log = open(workdir / "streamlit.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("streamlit did not start:\n" + (workdir / "streamlit.log").read_text())
        time.sleep(0.3)
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` as root (it installs "
                    "Debian's chromium package) or `sudo apt-get install chromium`, or set "
                    "COOPSCORE_CHROMIUM to a Chromium binary.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Notes the time of every change of the app's run state (running / notRunning), so that a
# test can wait until the app has been idle for a moment, as a person does, rather than
# catch the idle state that precedes a rerun still on its way (a loaded machine is slow to
# start the rerun a click asked for).
WATCH_RERUNS = """
window.__coopscoreLastChange = Date.now();
new MutationObserver(() => { window.__coopscoreLastChange = Date.now(); }).observe(
    document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']});
"""


def new_context(browser, **options):
    """A browser context at the tests' size and locale, watching the app's reruns."""
    context = browser.new_context(**({"viewport": {"width": 1400, "height": 2000},
                                       "locale": "fr-FR"} | options))
    context.add_init_script(WATCH_RERUNS)
    return context


@pytest.fixture
def page(browser):
    context = new_context(browser)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("COOPSCORE_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {folder}")
    return folder


def wait_idle(page) -> None:
    page.wait_for_selector(IDLE)


def wait_quiet(page, quiet_ms: int = 400) -> None:
    """Idle, and no change of run state for `quiet_ms` (contexts from `new_context`)."""
    page.wait_for_function(
        """quiet => { const app = document.querySelector("[data-testid='stApp']");
            return app && app.dataset.testScriptState === 'notRunning'
                && Date.now() - (window.__coopscoreLastChange || 0) > quiet; }""",
        arg=quiet_ms, polling=100)


def download(page, button: str, timeout: float = 15_000):
    """Click a download button and return the download, as a person gets it.

    Streamlit's button now and then swallows a click that lands while the page redraws
    (seen under load): with nothing downloaded after a while, click again, as a person does.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(3):
        wait_quiet(page)
        try:
            with page.expect_download(timeout=timeout) as caught:
                page.get_by_role("button", name=button).click()
            return caught.value
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def no_error_on(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stAlertContentError']").count() == 0
    assert page.get_by_text("Page not found").count() == 0


def answer_radios(page):
    """The questionnaire's radio groups (not the grid choice hidden in a closed expander)."""
    return page.locator("[data-testid='stRadio']").filter(has_text="Pas pris en compte")


def checked_label(page, radio_index: int) -> str:
    radio = answer_radios(page).nth(radio_index)
    return radio.locator("label:has(input:checked)").inner_text().split("\n")[0]


def test_reference_search_in_a_real_browser(server, page, screenshots):
    page.goto(server)
    wait_idle(page)
    assert "coopscore" in page.locator("h1").first.inner_text()
    page.screenshot(path=str(screenshots / "accueil.png"))

    page.get_by_role("link", name="Référentiel").first.click()
    page.wait_for_url("**/referentiel")
    wait_idle(page)
    assert page.locator("h3", has_text="Étape 16").count() == 1
    no_error_on(page)

    search = page.get_by_label("Rechercher dans la grille")
    search.fill("trésorerie")
    search.press("Enter")
    page.wait_for_function(
        "() => document.querySelectorAll('h3').length === 2", timeout=30_000)
    wait_idle(page)
    headings = page.locator("h3").all_inner_texts()
    assert [h.split(" — ")[0] for h in headings] == ["Étape 3", "Étape 7"]
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "capacité à avoir avance de trésorerie" in body
    assert "faire un inventaire des partenaires concernés" not in body
    no_error_on(page)
    page.screenshot(path=str(screenshots / "referentiel-recherche.png"))


def test_a_new_user_creates_a_project_answers_reloads_and_finds_the_answers(server, page,
                                                                           screenshots):
    page.goto(server)
    wait_idle(page)
    page.get_by_role("link", name="Auto-évaluation").first.click()
    page.wait_for_url("**/auto-evaluation")
    wait_idle(page)
    no_error_on(page)

    page.get_by_role("textbox", name="… ou nouveau territoire").fill("Pays de Test")
    page.get_by_role("textbox", name="Nom du projet").fill("Coopération forêt")
    page.get_by_role("button", name="Créer le projet").click()
    page.get_by_text("Projet « Coopération forêt » créé.").wait_for()
    wait_idle(page)

    page.get_by_role("button", name="Ouvrir l'évaluation").click()
    page.get_by_text("Évaluation « Diagnostic initial » ouverte.").wait_for()
    wait_idle(page)

    page.get_by_role("textbox", name="Nom ou pseudonyme").fill("Camille")
    page.get_by_role("button", name="Ajouter", exact=True).click()
    page.get_by_text("Camille est ajouté·e à l'évaluation.").wait_for()
    wait_idle(page)
    page.screenshot(path=str(screenshots / "auto-evaluation-debut.png"))

    radios = answer_radios(page)
    radios.nth(0).get_by_text("2 · En partie traité").click()
    wait_idle(page)
    radios.nth(1).get_by_text("3 · Maîtrisé").click()
    wait_idle(page)
    page.get_by_text("2 réponses sur").wait_for()
    no_error_on(page)

    assert "projet=" in page.url and "evaluation=" in page.url and "repondant=" in page.url
    page.reload()
    wait_idle(page)
    page.get_by_text("2 réponses sur").wait_for()
    assert checked_label(page, 0) == "2 · En partie traité"
    assert checked_label(page, 1) == "3 · Maîtrisé"
    no_error_on(page)
    page.screenshot(path=str(screenshots / "auto-evaluation-apres-rechargement.png"))

    page.get_by_role("link", name="Résultats").first.click()
    page.wait_for_url("**/resultats**")
    wait_idle(page)
    radar = page.locator("[data-testid='stPlotlyChart']").first
    radar.wait_for()
    assert radar.locator(".polarlayer, g.polar").count() >= 1, "the radar is a polar plot"
    no_error_on(page)
    page.screenshot(path=str(screenshots / "resultats-nouveau-projet.png"))

    menu = "[data-testid='stSidebar'] [data-testid='stPageLink-NavLink']"
    links = page.locator(menu)
    names = [text.split("\n")[-1] for text in links.all_inner_texts()]  # drop the icon name
    assert "Plan d'action" in names
    for index, name in enumerate(names):
        page.locator(menu).nth(index).click()
        wait_idle(page)
        page.wait_for_timeout(300)
        wait_idle(page)
        no_error_on(page)
        slug = page.url.split("/")[-1].split("?")[0] or "accueil"
        page.screenshot(path=str(screenshots / f"journey-{index:02d}-{slug}.png"))
        # the selection survives a page switch
        if name != "Accueil":
            assert "projet=" in page.url, name


def test_data_page_imports_checked_files_refuses_broken_ones_and_downloads(server, server_db, page,
                                                                         screenshots):
    """Données: download the blank questionnaire, fill it, upload it with a CSV, see the
    preview, import; then broken files list their problems and change nothing; backup."""
    from coopscore.store import open_store

    from .questionnaires import fill_questionnaire

    with open_store(server_db) as db:
        territory = db.create_territory("Pays des Essais d'import", kind="pays")
        project = db.create_project("Atelier d'import", territory, programme="leader",
                                    phase="mobilisation")
        assessment = db.create_assessment(project, "cooperation", "Atelier du 12 mars",
                                          date="2026-03-12")
    page.goto(server)  # a first visit registers the pages; then the page's own address
    wait_idle(page)
    page.goto(f"{server}/donnees?projet={project}&evaluation={assessment}")
    wait_idle(page)
    no_error_on(page)
    for heading in ("1. Importer des réponses", "2. Questionnaire vierge pour un atelier",
                    "3. Exporter", "4. Sauvegarde"):
        assert page.locator("h3", has_text=heading).count() == 1, heading
    page.screenshot(path=str(screenshots / "donnees.png"))

    blank_file = download(page, "Télécharger le questionnaire (.xlsx)")
    assert blank_file.suggested_filename == "questionnaire-cooperation.xlsx"
    blank = Path(blank_file.path()).read_bytes()
    filled = fill_questionnaire(blank, name="Camille", role="élu·e", organisation="Mairie",
                                answers={"S01.V01": "2 – En partie traité",
                                         "S01.M01": "En place"})
    answers_csv = ("respondent,role,item,value,comment\n"
                   "Dominique,technicien,S01.V01,3,très clair\n"
                   "Dominique,technicien,S01.V02,1,\n").encode("utf-8")
    uploader = page.locator("[data-testid='stFileUploaderDropzoneInput']")
    uploader.set_input_files([
        {"name": "camille.xlsx", "buffer": filled,
         "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        {"name": "atelier.csv", "buffer": answers_csv, "mimeType": "text/csv"},
    ])
    page.get_by_text("4 réponses de 2 personnes prêtes à importer dans « Atelier du 12 mars »"
                     ).wait_for()
    wait_idle(page)
    no_error_on(page)
    page.locator("[data-testid='stDataFrame']").wait_for()  # the preview table
    with open_store(server_db) as db:
        assert db.answers(assessment).empty  # the check wrote nothing
    page.screenshot(path=str(screenshots / "donnees-apercu.png"))

    page.get_by_role("button", name="Importer").click()
    page.get_by_text("Import réussi : 4 réponses de 2 personnes").wait_for()
    wait_idle(page)
    no_error_on(page)
    with open_store(server_db) as db:
        answers = db.answers(assessment)
        names = set(db.respondents(assessment)["name"])
        before = db.dump()
    assert len(answers) == 4 and names == {"Camille", "Dominique"}
    page.screenshot(path=str(screenshots / "donnees-importe.png"))

    uploader = page.locator("[data-testid='stFileUploaderDropzoneInput']")
    uploader.set_input_files([
        {"name": "tableur.csv", "mimeType": "text/csv",
         "buffer": b"respondent\trole\titem\tvalue\nZoe\telu\tS01.V03\t2\n"},
        {"name": "accents.csv", "mimeType": "text/csv",
         "buffer": "respondent,role,item,value\nZoé,élu,S01.V03,2\n".encode("latin-1")},
        {"name": "photo.png", "mimeType": "image/png",
         "buffer": (ROOT / "tests/files/broken_imports/image.png").read_bytes()},
        {"name": "notes.csv", "mimeType": "text/csv",
         "buffer": b"respondent,role,item,value\nZoe,maire,S01.V03,5\n"},
        {"name": "guillemet.csv", "mimeType": "text/csv",
         "buffer": b'respondent,role,item,value,comment\nZoe,elu,S01.V03,2,"oui\n'
                   b'Zoe,elu,S01.V04,1,\n'},
        {"name": "bombe.xlsx", "mimeType": "application/octet-stream",
         "buffer": _zip_bomb(320 * 1024 * 1024)},
    ])
    page.get_by_text("Rien n'a été importé : 7 problèmes à corriger.").wait_for()
    wait_idle(page)
    main = page.locator("[data-testid='stMain']").inner_text()
    for expected in ("tableur.csv — 1 problème", "séparées par des tabulations",
                     "accents.csv — 1 problème", "n'est pas en UTF-8",
                     "photo.png — 1 problème", "ni un CSV ni un classeur .xlsx",
                     "notes.csv — 2 problèmes", "ligne 2 : rôle « maire » inconnu",
                     "ligne 2 : valeur « 5 » hors échelle",
                     "guillemet.csv — 1 problème", "ligne 2 : un guillemet",
                     "bombe.xlsx — 1 problème", "320 Mo une fois décompressé"):
        assert expected in main, expected
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_role("button", name="Importer").count() == 0
    with open_store(server_db) as db:
        assert db.dump() == before
    page.screenshot(path=str(screenshots / "donnees-problemes.png"))

    backup = download(page, "Télécharger une sauvegarde de la base (.db)")
    assert backup.suggested_filename.startswith("coopscore-sauvegarde-")
    copy = Path(backup.path())
    assert copy.read_bytes()[:16] == b"SQLite format 3\x00"
    with open_store(copy) as db:
        assert len(db.answers(assessment)) == 4

    export = download(page, "Télécharger l'export")
    assert export.suggested_filename.startswith(f"coopscore-evaluation-{assessment}-")
    assert Path(export.path()).read_bytes()[:2] == b"PK"


def _zip_bomb(size: int) -> bytes:
    """The hostile corpus's zip bomb (tests/files/hostile/make_corpus.py)."""
    import sys

    folder = str(ROOT / "tests/files/hostile")
    sys.path.insert(0, folder)
    try:
        import make_corpus
    finally:
        sys.path.remove(folder)
    return make_corpus.zip_bomb(size)


def test_choosing_english_in_the_sidebar_reloads_the_page_in_english_with_the_same_selection(
        server, server_db, page, screenshots):
    from coopscore.store import open_store

    with open_store(server_db) as db:
        territory = db.create_territory("Pays des Deux Langues", kind="pays")
        project = db.create_project("Coopération bilingue", territory, programme="leader",
                                    phase="emergence", cte=False)
        assessment = db.create_assessment(project, "cooperation", "Diagnostic bilingue",
                                          date="2026-03-02")
    page.goto(server)  # a first visit registers the pages; then the page's own address
    wait_idle(page)
    page.goto(f"{server}/resultats?projet={project}&evaluation={assessment}")
    wait_idle(page)
    sidebar = page.locator("[data-testid='stSidebar']")
    page.get_by_role("heading", name="Résultats", level=1).wait_for()
    sidebar.get_by_role("combobox", name="Langue · Language").click()
    page.get_by_role("option", name="English").click()
    # the page comes back in English: headings, menu, and the selection's own labels
    page.get_by_role("heading", name="Results", level=1).wait_for()
    wait_idle(page)
    assert "lang=en" in page.url and f"projet={project}" in page.url
    assert sidebar.get_by_role("link", name="Self-assessment").count() == 1
    assert sidebar.get_by_role("combobox", name="Project").input_value() == "Coopération bilingue"
    assert "2 March 2026" in sidebar.get_by_role("combobox", name="Assessment").input_value()
    page.wait_for_function("document.documentElement.lang === 'en'")
    no_error_on(page)
    page.screenshot(path=str(screenshots / "langue-anglais.png"))
    sidebar.get_by_role("combobox", name="Language · Langue").click()
    page.get_by_role("option", name="Français").click()
    page.get_by_role("heading", name="Résultats", level=1).wait_for()
    wait_idle(page)
    assert "lang=" not in page.url
    assert "02/03/2026" in sidebar.get_by_role("combobox", name="Évaluation").input_value()
