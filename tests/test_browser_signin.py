"""Sign-in in a real browser (`comptes` mode): Debian's Chromium against `streamlit run`,
signing in at a real OpenID Connect provider on localhost (oidc-provider-mock).

An anonymous visitor gets the sign-in page at every address; a team member signs in, sees
their project only, is refused a tampered ?projet=, signs out; a funder sees the portfolio of
their programme only; the funder of a call filters its portfolio, applies its call's target
profile to its programme, reads why each project is at risk in words that match the row's
numbers, and files the CSV (read back as French Excel reads it), the report and a fiche; an
animateur creates a project and an assessment in their territory,
adds a person and gets her personal link, ties a team member's row to his address and grants
him the project (he then answers as himself), and is refused another territory's project. The
database is checked too: users, sign-in and write audit rows.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from coopscore import access, audit, demo, links
from coopscore.store import open_store, programmes

from .conftest import ROOT
from .test_browser import (  # noqa: F401
    _free_port, browser, download, new_context, screenshots, wait_quiet,
)

pytestmark = pytest.mark.browser

SECRET = "une-longue-chaine-aleatoire-pour-signer-le-cookie-de-connexion"
PEOPLE = {"alice": ("alice@asso.fr", "Alice Martin"),
          "compta": ("compta@region.fr", "Service financeur"),
          "appel": ("appel@region.fr", "Chargée de mission de l'appel"),
          "anne": ("anne@pays-test.fr", "Anne Lefèvre"),
          "bruno": ("bruno@mairie-tremouille.fr", "Bruno Caillaux")}


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """A real OpenID Connect provider on localhost, knowing the test's people."""
    from oidc_provider_mock import User, run_server_in_thread

    users = [User(sub=sub, claims={"email": email, "email_verified": True, "name": name})
             for sub, (email, name) in PEOPLE.items()]
    with run_server_in_thread(port=_free_port(), user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict:
    """A small demo portfolio; Alice works on one project, the funder on one programme."""
    path = tmp_path_factory.mktemp("signin") / "coopscore.db"
    with open_store(path) as db:
        demo.generate_demo(db, projects=12)
        projects = db.projects()
        mine = projects.iloc[0].to_dict()
        programme = mine["programme"]
        access.grant(db, "alice@asso.fr", "equipe", "project", mine["id"])
        access.grant(db, "compta@region.fr", "financeur", "programme", programme)
        funded = set(projects.loc[projects["programme"] == programme, "name"])
        open_ones = db.assessments()
        open_ones = open_ones[open_ones["status"] == "draft"]
        assessment = int(open_ones["id"].iloc[0])
        respondent = int(db.respondents(assessment)["id"].iloc[0])
        link = links.issue_link(db, respondent, "http://127.0.0.1")
        project_name = db.project(db.assessment(assessment).project_id).name
        # Anne runs the animation of one territory (the one of Alice's project)
        territory = int(mine["territory"])
        access.grant(db, "anne@pays-test.fr", "animateur", "territory", territory)
        hers = projects[projects["territory"] == territory]
        elsewhere = projects[projects["territory"] != territory].iloc[0].to_dict()
        # another funder runs a call: the largest programme but the first funder's; its projects
        # share their stages with it, but the last one, which keeps to its summary (the default)
        call = projects.loc[projects["programme"] != programme, "programme"].value_counts() \
            .index[0]
        access.grant(db, "appel@region.fr", "financeur", "programme", call)
        called = sorted(int(p) for p in projects.loc[projects["programme"] == call, "id"])
        for project in called[:-1]:
            access.ScopedStore(db, access.Actor.admin()).set_consent(project, "etapes")
    return {"db": path, "mine": mine, "names": set(projects["name"]), "funded": funded,
            "other": projects.iloc[1].to_dict(), "token": link.token,
            "link_project": project_name, "territory": territory,
            "territory_name": mine["territory_name"], "hers": list(hers["name"]),
            "elsewhere": elsewhere,
            "call": {"programme": call, "projects": called, "summary_only": called[-1]}}


@pytest.fixture(scope="module")
def app(world, provider) -> Iterator[str]:
    """`streamlit run app.py` in comptes mode, its secrets pointing at the local provider."""
    port = _free_port()
    folder = world["db"].parent
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{SECRET}"\n'
        'client_id = "coopscore"\nclient_secret = "secret-de-test"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8")
    env = {**os.environ, "COOPSCORE_DB": str(world["db"]), "COOPSCORE_MODE": "comptes"}
    log = open(folder / "streamlit.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--secrets.files", str(secrets)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
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
            pytest.fail("streamlit did not start:\n" + (folder / "streamlit.log").read_text())
        time.sleep(0.3)
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def _context(browser):  # noqa: F811
    context = new_context(browser)  # watches the app's reruns: wait_quiet
    context.set_default_timeout(30_000)
    return context


def _body(page) -> str:
    return page.locator("[data-testid='stApp']").inner_text()


def _sign_in(page, app: str, sub: str) -> None:
    """Through the app's own button and the provider's own form, as a person would."""
    page.goto(app)
    wait_quiet(page)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/oauth2/authorize**")
    page.locator(f"button[name='sub'][value='{sub}']").click()
    page.wait_for_url(f"{app}/**")
    wait_quiet(page)
    page.get_by_text("Connecté·e :").wait_for()


def _sign_out(page, app: str) -> None:
    """« Se déconnecter »: the provider ends its session too (RP-initiated logout), then the
    app's sign-in page."""
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/oauth2/end_session**")
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{app}/**")
    page.get_by_role("button", name="Se connecter").wait_for()
    wait_quiet(page)


def _pick(page, combobox, option: str) -> list[str]:
    """Open a list (a Locator), pick `option`; return every option it offered. The list is
    opened again if it did not open (a click that lands as the page redraws is ignored)."""
    for _ in range(3):
        combobox.click()
        try:
            page.get_by_role("option", name=option, exact=True).wait_for(timeout=3_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    offered = page.locator("[role='option']").all_inner_texts()
    page.get_by_role("option", name=option, exact=True).click()
    wait_quiet(page)
    return offered


def _submit(page, button: str, done: str) -> None:
    """Submit a form and wait for its message; submit again if the click was swallowed as the
    page redrew (seen under load): the form still holds what was typed then."""
    for attempt in range(3):
        wait_quiet(page)
        page.get_by_role("button", name=button, exact=True).click()
        try:
            page.get_by_text(done).first.wait_for(timeout=15_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    wait_quiet(page)


def test_an_anonymous_visitor_sees_only_the_sign_in_page_everywhere(
        app, world, browser, screenshots):  # noqa: F811
    context = _context(browser)
    page = context.new_page()
    for path in ("", "/accueil", "/referentiel", "/auto-evaluation", "/resultats", "/ecarts",
                 "/plan-action", "/suivi-reponses", "/regards-croises", "/comparer", "/suivi",
                 "/portefeuille", "/donnees", "/acces", "/journal", "/data", "/portfolio",
                 f"/?projet={world['mine']['id']}"):
        page.goto(app + path)
        wait_quiet(page)
        assert page.locator("h1").first.inner_text() == "coopscore — connexion", path
        body = _body(page)
        assert not any(name in body for name in world["names"]), path
        assert page.locator("[data-testid='stSidebarNav'], [data-testid='stPageLink']").count() \
            == 0, path
        assert page.locator("[data-testid='stDownloadButton']").count() == 0, path
    page.goto(app)
    wait_quiet(page)
    page.screenshot(path=str(screenshots / "connexion.png"))
    context.close()


def test_a_team_member_signs_in_sees_their_project_is_refused_another_and_signs_out(
        app, world, browser, screenshots):  # noqa: F811
    context = _context(browser)
    page = context.new_page()
    _sign_in(page, app, "alice")
    with open_store(world["db"]) as db:
        users = {row["email"]: row for row in access.users(db)}
        assert users["alice@asso.fr"]["name"] == "Alice Martin"
        assert users["alice@asso.fr"]["issuer"].startswith("http://localhost:")
        assert "alice@asso.fr" in set(audit.entries(db, action="sign_in")["actor"])
    sidebar = page.locator("[data-testid='stSidebar']")
    assert "Alice Martin (alice@asso.fr) · équipe projet" in sidebar.inner_text()
    assert sidebar.get_by_role("link", name="Portefeuille").count() == 0
    assert sidebar.get_by_role("link", name="Import, export, sauvegarde").count() == 0

    # the sidebar offers her project and no other
    page.get_by_label("Projet", exact=True).click()
    options = page.locator("[role='option']").all_inner_texts()
    assert options == [world["mine"]["name"]]
    page.locator("[role='option']").first.click()
    wait_quiet(page)
    sidebar.get_by_role("link", name="Résultats").click()
    page.wait_for_url("**/resultats**")
    wait_quiet(page)
    assert page.locator("h1").first.inner_text() == "Résultats"
    page.screenshot(path=str(screenshots / "equipe-resultats.png"))

    # a write of hers, and its audit row
    sidebar.get_by_role("link", name="Plan d'action").click()
    page.wait_for_url("**/plan-action**")
    wait_quiet(page)
    page.get_by_text("Ajouter une action").click()
    wait_quiet(page)
    page.get_by_label("Action", exact=True).fill("Réunir les élus des deux territoires")
    _submit(page, "Ajouter au plan", "Action « Réunir les élus des deux territoires » ajoutée")
    with open_store(world["db"]) as db:
        row = audit.entries(db, action="plan.edit").iloc[0]
        assert (row["actor"], row["actor_kind"]) == ("alice@asso.fr", "equipe")
        assert "Réunir les élus" in row["new"]

    # a tampered address: another project's id
    other = world["other"]
    page.goto(f"{app}/resultats?projet={other['id']}")
    wait_quiet(page)
    page.get_by_text("Accès refusé : vous ne pouvez pas voir ce projet").wait_for()
    assert other["name"] not in _body(page)
    page.screenshot(path=str(screenshots / "acces-refuse.png"))

    # sign out: then back to the sign-in page, nothing of the project
    _sign_out(page, app)
    assert world["mine"]["name"] not in _body(page)
    page.goto(f"{app}/resultats")  # the identity cookie is gone: still signed out
    wait_quiet(page)
    assert page.locator("h1").first.inner_text() == "coopscore — connexion"
    context.close()


def test_a_funder_sees_the_portfolio_of_their_programme_only(
        app, world, browser, screenshots):  # noqa: F811
    context = _context(browser)
    page = context.new_page()
    _sign_in(page, app, "compta")
    sidebar = page.locator("[data-testid='stSidebar']")
    assert sidebar.get_by_role("link", name="Résultats").count() == 0
    sidebar.get_by_role("link", name="Portefeuille").click()
    page.wait_for_url("**/portefeuille**")
    wait_quiet(page)
    page.locator("[data-testid='stDataFrame']").first.wait_for()
    body = _body(page)
    # the metric « Projets » counts their projects only (its label and value are blocks apart)
    assert re.search(rf"\nProjets\s+{len(world['funded'])}\s+Indice médian", body), body
    page.screenshot(path=str(screenshots / "financeur-portefeuille.png"))
    # what the table holds, read as the page's own CSV export
    text = Path(download(page, "Télécharger (CSV)").path()).read_text(encoding="utf-8-sig")
    assert all(name in text for name in world["funded"])
    assert not any(name in text for name in world["names"] - world["funded"])
    # the two PDFs, as they download: only this funder's projects, at their share
    import io

    from pypdf import PdfReader

    def pdf_words(path) -> str:
        reader = PdfReader(io.BytesIO(Path(path).read_bytes()))
        text = " ".join(page.extract_text() for page in reader.pages)
        return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())

    report = pdf_words(download(page, "Rapport de portefeuille (PDF)", 30_000).path())
    report = report.replace("- ", "-")
    assert "Rapport de portefeuille" in report
    assert not any(name.replace("'", "’") in report
                   for name in world["names"] - world["funded"])
    fiche = pdf_words(download(page, "Fiche de maturité (PDF)", 30_000).path())
    assert "Fiche de maturité" in fiche
    assert "Le détail par étape" not in fiche  # the projects share their summary only
    with open_store(world["db"]) as db:  # each file downloaded has its line in the log
        rows = audit.entries(db, action="export", actor="compta@region.fr").iloc[::-1]
        made = [json.loads(value) for value in rows["new"]]
    assert [(m["document"], m["format"]) for m in made] == [
        ("portfolio", "csv"), ("portfolio_report", "pdf"), ("fiche", "pdf")]
    assert set(rows["actor_kind"]) == {"financeur"}
    context.close()


# --- the funder of a call: filters, its call's profile, why, and the files it keeps ------------

CALL_PROFILE = "appel_cooperation"  # data/profiles.yaml: the call's « dépôt de candidature »
GRID_ROWS = """() => {
    const table = document.querySelector(
        "[data-testid='stMain'] [data-testid='stDataFrame'] table");
    if (!table) return null;
    const rows = [...table.querySelectorAll('tr')];
    const head = [...rows[0].children].map(cell => cell.textContent.trim());
    return rows.slice(1).map(row => Object.fromEntries(
        [...row.children].map((cell, i) => [head[i], cell.textContent.trim()])));
}"""


def _rows_shown(page, count: int) -> list[dict[str, str]]:
    """The table's rows as the data grid gives them to a screen reader (its canvas draws the
    same cells), once it holds `count` rows (it redraws a moment after the rerun)."""
    page.wait_for_function(f"() => {{ const rows = ({GRID_ROWS})(); "
                           f"return rows !== null && rows.length === {count}; }}")
    wait_quiet(page)
    return page.evaluate(GRID_ROWS)


def _projects_metric(page) -> int:
    found = re.search(r"\nProjets\s+(\d+)\s+Indice médian", _body(page))
    assert found, _body(page)
    return int(found.group(1))


def _funder_view(world, email: str) -> pd.DataFrame:
    """The portfolio as the page builds it for the call's funder, from the database: risk
    order, each row cut to its project's share."""
    from coopscore.portfolio import grid_results, phase_titles, portfolio_table, risk_order
    from coopscore.results import score_assessments

    funder = access.Actor.financeur(programmes=[world["call"]["programme"]], email=email)
    with open_store(world["db"]) as db:
        scoped = access.ScopedStore(db, funder)
        return risk_order(scoped.shared_portfolio(portfolio_table(
            scoped.portfolio_projects(), grid_results(score_assessments(db), "cooperation"),
            phases=phase_titles())))


def _choose(page, label: str, option: str) -> list[str]:
    """Add `option` to the multiselect `label`, then close its list, as a person does; return
    the list's lines."""
    combobox = page.locator("[data-testid='stMain']").get_by_role("combobox", name=label,
                                                                  exact=True)
    offered = _pick(page, combobox, option)
    if combobox.get_attribute("aria-expanded") == "true":
        page.keyboard.press("Escape")
    wait_quiet(page)
    return offered


def _unchoose(page, label: str, option: str) -> None:
    """Take `option` out of the multiselect `label` with its tag's own cross."""
    field = page.locator("[data-testid='stMultiSelect']").filter(
        has=page.get_by_role("combobox", name=label, exact=True))
    field.get_by_role("button", name=f"Retirer {option}").click()  # Streamlit's, in French
    wait_quiet(page)


def _pdf_words(path) -> str:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(Path(path).read_bytes()))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split()) \
        .replace("- ", "-").replace("’", "'")


def _said_as_in_pdf(text: str) -> str:
    return " ".join(text.replace("’", "'").split())


def _reading_matches_its_row(row: dict[str, str]) -> None:
    """The « Pourquoi » cell says the row's own numbers: its critical points in alert and its
    mean gap, rounded as the table writes it."""
    from coopscore import format as fmt

    sentence, flags, gap = row["Pourquoi"], int(row["Points critiques"]), row["Écart moyen"]
    if sentence.startswith("détail non partagé"):  # a project at « synthèse »: no gap shown
        assert gap == "", row
        return
    said = re.match(r"(\d+) points? critiques? (?:attendus?|visés?)", sentence)
    assert (int(said.group(1)) if said else 0) == flags, row
    written = int(fmt.rounded(float(gap))) if gap else 0
    said_gap = re.search(r"[ée]cart moyen de (\d+) points?", sentence)
    assert (int(said_gap.group(1)) if said_gap else 0) == written, row


def test_a_funder_filters_applies_its_calls_profile_reads_why_and_files_what_it_read(
        app, world, browser, screenshots):  # noqa: F811
    from coopscore.scale import load_profiles

    call = world["call"]
    email = PEOPLE["appel"][0]
    profile_title = load_profiles()[CALL_PROFILE].title
    with open_store(world["db"]) as db:
        programme_label = programmes()[call["programme"]]
        assert db.programme_profiles() == {}
    context = _context(browser)
    page = context.new_page()
    _sign_in(page, app, "appel")
    page.locator("[data-testid='stSidebar']").get_by_role("link", name="Portefeuille").click()
    page.wait_for_url("**/portefeuille**")
    wait_quiet(page)
    main = page.locator("[data-testid='stMain']")

    # the whole portfolio of the call, most at risk first, as the database has it
    whole = _funder_view(world, email)
    assert sorted(whole["project"]) == call["projects"]
    first = _rows_shown(page, len(whole))
    assert [row["Projet"] for row in first] == list(whole["name"])
    assert _projects_metric(page) == len(whole)
    assert not main.get_by_text("applique le profil de cibles").count()  # none yet

    # filtered by the most common phase, then by the most common reading among those
    scored = whole[whole["score"].notna()]
    phase = scored["phase_label"].value_counts().index[0]
    in_phase = whole[whole["phase_label"] == phase]
    band = in_phase["band_label"].value_counts().index[0]
    expected = in_phase[in_phase["band_label"] == band]
    assert 0 < len(expected) < len(in_phase) < len(whole), "each filter must leave some out"
    offered = _choose(page, "Phase", phase)
    assert offered[0] == "Tout sélectionner", offered  # Streamlit's own line, in French
    assert [row["Projet"] for row in _rows_shown(page, len(in_phase))] == list(in_phase["name"])
    _choose(page, "Lecture de l'indice", band)
    rows = _rows_shown(page, len(expected))
    assert [row["Projet"] for row in rows] == list(expected["name"])
    assert {row["Lecture"] for row in rows} == {band}
    assert _projects_metric(page) == len(expected)
    page.screenshot(path=str(screenshots / "financeur-appel-filtre.png"))

    # what it downloads holds exactly the projects shown, and the report says which filters
    text = Path(download(page, "Télécharger (CSV)").path()).read_text(encoding="utf-8-sig")
    left_out = whole[~whole["project"].isin(expected["project"])]
    assert all(name in text for name in expected["name"])
    assert not any(name in text for name in left_out["name"])
    report = _pdf_words(download(page, "Rapport de portefeuille (PDF)", 30_000).path())
    assert f"phases : {phase}" in report and f"lectures : {band}" in report
    assert all(_said_as_in_pdf(name) in report for name in expected["name"])
    assert not any(_said_as_in_pdf(name) in report for name in left_out["name"])

    # its call's profile, applied to its programme in the page's own expander
    expander = _open_expander(page, "Profil de cibles d'un programme (appel à projets)")
    assert expander.get_by_role("combobox", name="Programme", exact=True).count() == 0
    _pick(page, expander.get_by_role(
        "combobox", name=f"Profil de cibles du programme « {programme_label} »", exact=True),
        profile_title)
    main.get_by_text(f"Le programme « {programme_label} » applique désormais : "
                     f"{profile_title}.").wait_for()
    in_force = (f"Le programme « {programme_label} » applique le profil de cibles "
                f"« {profile_title} »")
    main.get_by_text(in_force).wait_for()
    with open_store(world["db"]) as db:
        assert db.programme_profiles() == {call["programme"]: CALL_PROFILE}
        (logged,) = audit.entries(db, action="programme.profile").itertuples()
    assert (logged.actor, logged.actor_kind, logged.object) == (
        email, "financeur", f"programme:{call['programme']}")
    assert pd.isna(logged.old) and json.loads(logged.new) == CALL_PROFILE

    # the readings follow the call's targets: new sentences, and the order follows them
    profiled = _funder_view(world, email)
    assert set(profiled.loc[profiled["score"].notna(), "profile"]) == {CALL_PROFILE}
    rows = _rows_shown(page, len(expected))
    now = profiled[profiled["project"].isin(expected["project"])]
    assert [row["Projet"] for row in rows] == list(now["name"])
    assert [row["Pourquoi"] for row in rows] == list(now["risk_short"])
    before = {row["Projet"]: row["Pourquoi"] for row in first}
    assert any(before[row["Projet"]] != row["Pourquoi"] for row in rows)
    assert any("visé" in row["Pourquoi"] for row in rows)

    # the filters taken off, « critical only » on: the call's alerts decide who stays
    _unchoose(page, "Lecture de l'indice", band)
    _unchoose(page, "Phase", phase)
    _rows_shown(page, len(whole))
    switch = main.get_by_role("switch", name="Seulement les projets avec un point critique")
    main.get_by_text("Seulement les projets avec un point critique", exact=True).click()
    wait_quiet(page)
    assert switch.is_checked()
    critical = profiled[profiled["n_flags"] > 0]
    assert 0 < len(critical) < len(whole), "the call's targets must leave some out"
    rows = _rows_shown(page, len(critical))
    assert [row["Projet"] for row in rows] == list(critical["name"])
    assert _projects_metric(page) == len(critical)
    old_order = [row["Projet"] for row in first if row["Projet"] in set(critical["name"])]
    assert [row["Projet"] for row in rows] != old_order, "the risk order follows the profile"
    page.screenshot(path=str(screenshots / "financeur-appel-profil.png"))

    # why, in words that match the numbers of each row, and in full below the table
    for row in rows:
        _reading_matches_its_row(row)
    main.get_by_role("heading",
                     name=f"Pourquoi ces {len(critical)} projets sont à risque").wait_for()
    reasons = main.locator("li").all_inner_texts()
    for row in critical.itertuples():
        line = next(line for line in reasons if line.startswith(f"{row.name} — "))
        assert line == f"{row.name} — {row.risk}"
        if row.project != call["summary_only"]:
            assert all(f"« {text} »" in line for text in row.flags.split(" ; ")), line

    # the CSV, as French Excel reads it: one column per heading, no text cut
    path = download(page, "Télécharger (CSV)").path()
    back = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")
    assert list(back.columns) == [
        "Projet", "Territoire", "Programme", "Phase", "Dernière évaluation", "Date",
        "Indice (0–100)", "Lecture", "Complétude (%)", "Répondant·es", "Points critiques",
        "Lesquels", "Écart moyen", "Cibles", "Pourquoi"]
    assert back["Projet"].tolist() == list(critical["name"])
    assert back["Pourquoi"].tolist() == list(critical["risk"])
    # in full; a project that keeps to its summary names none (« non partagé »)
    assert back["Lesquels"].fillna("").tolist() == list(critical["flags"].fillna(""))
    assert back["Points critiques"].tolist() == list(critical["n_flags"])
    assert back["Indice (0–100)"].round(1).tolist() == list(critical["score"].round(1))
    assert set(back["Cibles"]) == {profile_title}
    shared = critical["project"] != call["summary_only"]
    assert back.loc[shared.to_numpy(), "Écart moyen"].round(1).tolist() == \
        list(critical.loc[shared, "mean_gap"].round(1))
    report = _pdf_words(download(page, "Rapport de portefeuille (PDF)", 30_000).path())
    assert "seulement les projets avec une alerte critique" in report
    assert _said_as_in_pdf(profile_title) in report
    dropped = whole[~whole["project"].isin(critical["project"])]
    assert not any(_said_as_in_pdf(name) in report for name in dropped["name"])

    # the fiche of one project that shares its stages, read against the call's targets
    chosen = critical[critical["project"] != call["summary_only"]].iloc[-1]
    assert chosen["project"] != critical["project"].iloc[0], "not the list's first: a choice"
    # as a person does, look at the list: a pick that lands as the page redraws is picked again
    chosen_box = main.get_by_role("combobox", name="Projet", exact=True)
    for _ in range(3):
        _pick(page, chosen_box, chosen["name"])
        if chosen_box.input_value() == chosen["name"]:
            break
    assert chosen_box.input_value() == chosen["name"]
    main.get_by_text("Ce projet partage avec ses financeurs : étapes").wait_for()
    fiche = _pdf_words(download(page, "Fiche de maturité (PDF)", 30_000).path())
    assert "Fiche de maturité" in fiche and "Le détail par étape" in fiche
    assert _said_as_in_pdf(chosen["name"].split(" — ")[0]) in fiche
    assert _said_as_in_pdf(profile_title) in fiche
    page.screenshot(path=str(screenshots / "financeur-appel-fiche.png"))

    # each file has its line in the log, naming the projects it holds
    with open_store(world["db"]) as db:
        rows = audit.entries(db, action="export", actor=email).iloc[::-1]
    made = [(obj, json.loads(new)) for obj, new in zip(rows["object"], rows["new"])]
    filtered, flagged = sorted(expected["project"]), sorted(critical["project"])
    assert made == [
        ("portfolio", {"document": "portfolio", "format": "csv", "projects": filtered}),
        ("portfolio", {"document": "portfolio_report", "format": "pdf", "projects": filtered}),
        ("portfolio", {"document": "portfolio", "format": "csv", "projects": flagged}),
        ("portfolio", {"document": "portfolio_report", "format": "pdf", "projects": flagged}),
        (f"assessment:{int(chosen['assessment'])}", {"document": "fiche", "format": "pdf"})]
    context.close()


def _links_but_the_statement(page) -> list[str]:
    """The page links shown, but the accessibility statement's (RGAA: on every page)."""
    return [text for text in page.locator("[data-testid='stPageLink']").all_inner_texts()
            if "Déclaration d'accessibilité" not in text]


def test_a_personal_link_opens_its_questionnaire_without_sign_in_and_nothing_else(
        app, world, browser, screenshots):  # noqa: F811
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{app}/?lien={world['token']}")
    wait_quiet(page)
    assert world["link_project"] in page.locator("h1").first.inner_text()
    assert page.locator("[data-testid='stSidebar']").count() == 0
    assert _links_but_the_statement(page) == [], "no way to another page"
    page.screenshot(path=str(screenshots / "lien-en-mode-comptes.png"))
    for path in ("/portefeuille", "/donnees", "/resultats"):  # the same session elsewhere
        page.goto(f"{app}{path}?lien={world['token']}")
        wait_quiet(page)
        assert world["link_project"] in page.locator("h1").first.inner_text(), path
        assert _links_but_the_statement(page) == [], path
        others = world["names"] - {world["link_project"]}
        assert not any(name in _body(page) for name in others), path
    context.close()


def _form(page, button: str):
    """The form whose submit button reads `button`."""
    return page.locator("[data-testid='stForm']").filter(
        has=page.get_by_role("button", name=button, exact=True))


def _open_expander(page, title: str):
    """Open a closed expander by its summary, as a person would; return the expander."""
    expander = page.locator("[data-testid='stExpander']").filter(
        has=page.locator("summary", has_text=title))
    expander.locator("summary").wait_for()
    wait_quiet(page)
    if expander.locator("[data-testid='stExpanderDetails'][inert]").count():
        expander.locator("summary").click()
        wait_quiet(page)
    return expander


def _sidebar_options(page, pick: str) -> list[str]:
    """The projects the sidebar's list offers, once `pick` is picked in it (a person picks
    once the list is open; Escape would clear the choice)."""
    sidebar = page.locator("[data-testid='stSidebar']")
    return _pick(page, sidebar.get_by_role("combobox", name="Projet", exact=True), pick)


def _audited(db, email: str) -> dict[str, list]:
    """{action: [(object, actor_kind), ...]} of this person's audit rows, oldest first."""
    rows = audit.entries(db, actor=email).iloc[::-1]
    found: dict[str, list] = {}
    for row in rows.itertuples():
        found.setdefault(row.action, []).append((row.object, row.actor_kind))
    return found


def test_an_animateur_creates_a_project_an_assessment_and_a_link_is_refused_elsewhere_signs_out(
        app, world, browser, screenshots):  # noqa: F811
    context = _context(browser)
    page = context.new_page()
    _sign_in(page, app, "anne")
    sidebar = page.locator("[data-testid='stSidebar']")
    assert "Anne Lefèvre (anne@pays-test.fr) · animation" in sidebar.inner_text()
    assert sidebar.get_by_role("link", name="Journal des modifications").count() == 0
    # the sidebar offers her territory's projects, and no other
    assert sorted(_sidebar_options(page, world["hers"][0])) == sorted(world["hers"])
    assert world["elsewhere"]["name"] not in world["hers"]

    # a project of her territory, through the Auto-évaluation page's form
    sidebar.get_by_role("link", name="Auto-évaluation").click()
    page.wait_for_url("**/auto-evaluation**")
    wait_quiet(page)
    expander = _open_expander(page, "Nouveau projet")
    form = _form(page, "Créer le projet")
    offered = _pick(page, form.get_by_role("combobox", name="Territoire", exact=True),
                    world["territory_name"])
    assert offered == [world["territory_name"]], "only her own territory to create in"
    assert expander.get_by_role("textbox", name="Nouveau territoire").count() == 0
    name = "Tiers-lieux en réseau"
    form.get_by_role("textbox", name="Nom du projet").fill(name)
    _submit(page, "Créer le projet", f"Projet « {name} » créé.")
    with open_store(world["db"]) as db:
        created = db.projects()
        created = created[created["name"] == name]
        assert len(created) == 1
        project = created.iloc[0].to_dict()
        assert int(project["territory"]) == world["territory"]
        logged = _audited(db, "anne@pays-test.fr")
        assert logged["project.create"] == [(f"project:{project['id']}", "animateur")]
        assert logged["sign_in"][0][1] == "animateur"
    page.screenshot(path=str(screenshots / "animateur-projet-cree.png"))

    # its first assessment, from the form the page opens next
    label = "Diagnostic de la rentrée"
    form = _form(page, "Ouvrir l'évaluation")
    form.get_by_role("textbox", name="Intitulé").fill(label)
    _submit(page, "Ouvrir l'évaluation", f"Évaluation « {label} » ouverte.")
    with open_store(world["db"]) as db:
        assessments = db.assessments(int(project["id"]))
        assert list(assessments["label"]) == [label]
        assessment_id = int(assessments["id"].iloc[0])
        assert _audited(db, "anne@pays-test.fr")["assessment.create"] == [
            (f"assessment:{assessment_id}", "animateur")]
    assert sorted(_sidebar_options(page, name)) == sorted([*world["hers"], name])

    # a person to answer, with her personal link, on Suivi des réponses
    sidebar.get_by_role("link", name="Suivi des réponses").click()
    page.wait_for_url("**/suivi-reponses**")
    wait_quiet(page)
    page.locator("[data-testid='stMain']").get_by_text(label).first.wait_for()
    form = _form(page, "Ajouter et créer son lien")
    form.get_by_role("textbox", name="Nom", exact=True).fill("Bruno Caillaux")
    form.get_by_role("textbox", name="Organisation").fill("Mairie de Trémouille")
    _submit(page, "Ajouter et créer son lien", "Bruno Caillaux a été ajouté·e")
    shown = page.locator("[data-testid='stCode']").first.inner_text().strip()
    assert "?lien=" in shown
    page.screenshot(path=str(screenshots / "animateur-lien-personnel.png"))
    token = shown.split("lien=", 1)[1].split("&")[0]
    with open_store(world["db"]) as db:
        people = db.respondents(assessment_id)
        assert list(people["name"]) == ["Bruno Caillaux"]
        respondent_id = int(people["id"].iloc[0])
        target = links.resolve(db, token)  # the link shown is the person's own
        assert (target.respondent.id, target.assessment.id) == (respondent_id, assessment_id)
        assert _audited(db, "anne@pays-test.fr")["respondent.create"] == [
            (f"respondent:{respondent_id}", "animateur")]
    # the link opens Bruno's questionnaire, in another browser, without signing in
    other_context = _context(browser)
    other = other_context.new_page()
    other.goto(shown)
    wait_quiet(other)
    assert name in other.locator("h1").first.inner_text()
    other_context.close()

    # Bruno is also on the team: his row is tied to his address, and he gets the project
    bruno = PEOPLE["bruno"][0]
    form = _form(page, "Rattacher l'adresse")
    form.get_by_role("textbox", name="Adresse électronique de la personne").fill(bruno)
    _submit(page, "Rattacher l'adresse",
            f"Bruno Caillaux répondra en son nom avec l'adresse {bruno}")
    sidebar.get_by_role("link", name="Accès et partage").click()
    page.wait_for_url("**/acces**")
    wait_quiet(page)
    main = page.locator("[data-testid='stMain']")
    main.get_by_role("radiogroup", name="Rôle").get_by_text("équipe projet", exact=True).click()
    wait_quiet(page)
    _pick(page, main.locator(".st-key-access_scope_project").get_by_role("combobox"), name)
    main.get_by_role("textbox", name="Adresse électronique").fill(bruno)
    main.get_by_role("textbox", name="Adresse électronique").press("Tab")
    wait_quiet(page)
    _submit(page, "Accorder l'accès", f"Accès accordé à {bruno}")
    with open_store(world["db"]) as db:
        assert db._one("SELECT email FROM respondents WHERE id = ?",
                       [respondent_id])["email"] == bruno
        (granted,) = access.grants(db, email=bruno)
        assert (granted["role"], granted["scope_kind"], granted["scope_id"],
                granted["granted_by"]) == ("equipe", "project", str(project["id"]),
                                           "anne@pays-test.fr")
        logged = _audited(db, "anne@pays-test.fr")
        assert (f"respondent:{respondent_id}", "animateur") in logged["respondent.manage"]
        assert logged["accounts.manage"] == [(f"grant:{granted['id']}", "animateur")]

    # he signs in, in his own browser, and answers as himself
    team_context = _context(browser)
    team = team_context.new_page()
    _sign_in(team, app, "bruno")
    assert _sidebar_options(team, name) == [name]
    team.locator("[data-testid='stSidebar']").get_by_role("link", name="Auto-évaluation").click()
    team.wait_for_url("**/auto-evaluation**")
    wait_quiet(team)
    team.get_by_text("Vous répondez en tant que Bruno Caillaux").wait_for()
    first = team.locator("[class*='st-key-crit_'] [data-testid='stRadio']").first
    first.get_by_text("2 · En partie traité", exact=True).click()
    wait_quiet(team)
    team.screenshot(path=str(screenshots / "equipe-repond-en-son-nom.png"))
    with open_store(world["db"]) as db:
        answers = db.answers(assessment_id)
        assert set(answers["respondent"]) == {respondent_id}
        assert list(answers["value"]) == ["2"]
        row = audit.entries(db, action="answers.write").iloc[0]
        assert (row["actor"], row["actor_kind"]) == (bruno, "equipe")
        assert row["object"].startswith(f"answer:{assessment_id}/{respondent_id}/")
    team_context.close()

    # a tampered address: a project of another territory
    elsewhere = world["elsewhere"]
    for path in ("/auto-evaluation", "/suivi-reponses"):
        page.goto(f"{app}{path}?projet={elsewhere['id']}")
        wait_quiet(page)
        page.get_by_text("Accès refusé : vous ne pouvez pas voir ce projet").wait_for()
        assert elsewhere["name"] not in _body(page), path
    page.screenshot(path=str(screenshots / "animateur-acces-refuse.png"))
    with open_store(world["db"]) as db:  # refused, nothing written in her name there
        objects = [obj for rows in _audited(db, "anne@pays-test.fr").values() for obj, _ in rows]
        assert f"project:{elsewhere['id']}" not in objects
        assert db.project(int(elsewhere["id"])).name == elsewhere["name"]

    # sign out: nothing of her territory is left
    _sign_out(page, app)
    for path in ("", "/auto-evaluation", f"/suivi-reponses?projet={project['id']}"):
        page.goto(f"{app}{path}")
        wait_quiet(page)
        assert page.locator("h1").first.inner_text() == "coopscore — connexion", path
        assert not any(shown in _body(page) for shown in [name, *world["hers"]]), path
    context.close()
