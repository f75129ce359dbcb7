"""Connexion and the router (app.py, views/signin.py): in `comptes` mode an anonymous visitor
gets the sign-in page and nothing else, each role the pages it may use; `poste` mode says that
everything is visible to whoever uses the computer."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from coopscore import access, audit
from coopscore.portfolio import grid_results, latest_assessments
from coopscore.results import score_assessments
from coopscore.store import open_store

from .conftest import ROOT

ISSUER = "http://localhost:9999"
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "c" * 48,
        "client_id": "coopscore", "client_secret": "secret",
        "server_metadata_url": f"{ISSUER}/.well-known/openid-configuration"}


def comptes(monkeypatch, user: dict | None = None, auth: dict | None = None,
            query: dict[str, str] | None = None) -> AppTest:
    """An AppTest of the app in `comptes` mode, as `user` (None: nobody signed in), opened at
    an address with these query parameters."""
    monkeypatch.setenv("COOPSCORE_MODE", "comptes")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = AUTH if auth is None else auth
    at.user = {"is_logged_in": False} if user is None else {
        "is_logged_in": True, "iss": ISSUER, **user}
    for name, value in (query or {}).items():
        at.query_params[name] = value
    return at.run()


def person(sub: str, email: str, name: str = "Anne Test") -> dict:
    return {"sub": sub, "email": email, "name": name}


def nav_labels(at: AppTest) -> list[str]:
    return [link.label for link in at.sidebar.get("page_link")]


def everything_written(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "title", "subheader", "info",
                                  "warning", "error", "success") for e in getattr(at, kind)]
    parts += [str(box.options) for box in at.selectbox]
    return "\n".join(parts)


def test_poste_mode_shows_the_discreet_notice_and_every_page(monkeypatch):
    monkeypatch.delenv("COOPSCORE_MODE", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert any("visible par qui utilise cet ordinateur" in c.value for c in at.sidebar.caption)
    assert {"Auto-évaluation", "Portefeuille", "Import, export, sauvegarde"} <= set(nav_labels(at))
    assert "Accès" not in nav_labels(at)  # no accounts without sign-in


def test_an_anonymous_visitor_sees_the_sign_in_page_and_nothing_else(demo_db, monkeypatch):
    with open_store(demo_db) as db:
        names = list(db.projects()["name"])
    at = comptes(monkeypatch)
    assert not at.exception
    assert at.title[0].value == "coopscore — connexion"
    assert [b.label for b in at.button] == ["Se connecter"]
    assert not at.sidebar.get("page_link") and not at.selectbox and not at.get("download_button")
    shown = everything_written(at)
    assert not any(name in shown for name in names)


@pytest.mark.parametrize("page", ["views/portfolio.py", "views/data.py", "views/results.py"])
def test_an_anonymous_visitor_cannot_switch_to_another_page(demo_db, monkeypatch, page):
    at = comptes(monkeypatch)
    with pytest.raises(Exception):  # the page does not exist in their navigation
        at.switch_page(page).run()
    at = comptes(monkeypatch)
    assert at.title[0].value == "coopscore — connexion"


def test_comptes_mode_without_cookie_secret_serves_only_the_french_error(monkeypatch):
    at = comptes(monkeypatch, auth={k: v for k, v in AUTH.items() if k != "cookie_secret"})
    assert not at.exception
    (error,) = at.error
    assert "Le mode « comptes » ne peut pas démarrer" in error.value
    assert "il manque cookie_secret" in error.value
    assert not at.title and not at.button and not at.sidebar.get("page_link")


def test_named_providers_get_one_button_each(monkeypatch):
    provider = {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    at = comptes(monkeypatch, auth={"redirect_uri": AUTH["redirect_uri"],
                                    "cookie_secret": AUTH["cookie_secret"],
                                    "keycloak": provider, "google": provider})
    assert [b.label for b in at.button] == ["Se connecter avec Keycloak",
                                            "Se connecter avec Google"]


def test_a_person_without_grant_is_told_so_and_sees_no_data(demo_db, monkeypatch):
    at = comptes(monkeypatch, person("s-1", "personne@exemple.fr"))
    assert not at.exception
    assert at.subheader[0].value == "Aucun accès"
    assert "personne@exemple.fr" in at.warning[0].value
    assert [b.label for b in at.button] == ["Se déconnecter"]
    assert not at.sidebar.get("page_link") and not at.selectbox
    with open_store(demo_db) as db:  # the sign-in is recorded even so
        (row,) = access.users(db)
        assert (row["issuer"], row["subject"], row["email"]) == (ISSUER, "s-1",
                                                                  "personne@exemple.fr")
        signed = audit.entries(db, action="sign_in")
        assert list(signed["actor"]) == ["personne@exemple.fr"]


def _first_project(db) -> dict:
    return db.projects().iloc[0].to_dict()


def test_a_team_member_gets_the_team_pages(demo_db, monkeypatch):
    with open_store(demo_db) as db:
        project = _first_project(db)
        access.grant(db, "alice@asso.fr", "equipe", "project", project["id"])
    at = comptes(monkeypatch, person("s-alice", "Alice@Asso.fr", "Alice"))
    assert not at.exception
    assert nav_labels(at) == ["Accueil", "Référentiel", "Déclaration d'accessibilité",
                              "Auto-évaluation", "Résultats",
                              "Écarts et recommandations", "Plan d'action",
                              "Comparer les territoires", "Suivi dans le temps",
                              "Accès et partage"]
    assert any("Alice (alice@asso.fr) · équipe projet" in c.value for c in at.sidebar.caption)
    with open_store(demo_db) as db:
        assert list(audit.entries(db, action="sign_in")["actor"]) == ["alice@asso.fr"]
    at.run()  # a second run of the same session records no second sign-in
    with open_store(demo_db) as db:
        assert len(audit.entries(db, action="sign_in")) == 1


def test_a_funder_gets_the_portfolio_and_no_team_page(demo_db, monkeypatch):
    with open_store(demo_db) as db:
        access.grant(db, "compta@region.fr", "financeur", "programme",
                     _first_project(db)["programme"])
    at = comptes(monkeypatch, person("s-f", "compta@region.fr", "Compta"))
    assert not at.exception
    assert nav_labels(at) == ["Accueil", "Référentiel", "Déclaration d'accessibilité",
                              "Comparer les territoires",
                              "Portefeuille"]


def test_an_admin_gets_every_page(demo_db, monkeypatch):
    with open_store(demo_db) as db:
        access.grant(db, "moi@exemple.fr", "admin")
    at = comptes(monkeypatch, person("s-a", "moi@exemple.fr"))
    labels = nav_labels(at)
    assert {"Auto-évaluation", "Portefeuille", "Import, export, sauvegarde",
            "Regards croisés", "Suivi des réponses"} <= set(labels)


def test_a_grant_revoked_mid_session_ends_at_the_next_run(demo_db, monkeypatch):
    with open_store(demo_db) as db:
        access.grant(db, "alice@asso.fr", "equipe", "project", _first_project(db)["id"])
    at = comptes(monkeypatch, person("s-alice", "alice@asso.fr"))
    assert "Résultats" in nav_labels(at)
    with open_store(demo_db) as db:
        access.revoke(db, "alice@asso.fr")
    at.run()
    assert at.subheader[0].value == "Aucun accès"
    assert not at.sidebar.get("page_link")


# --- what each role sees of the data --------------------------------------------------------


def _projects_in(db, **where) -> list[dict]:
    frame = db.projects()
    for column, value in where.items():
        frame = frame[frame[column] == value]
    return frame.to_dict("records")


def test_a_team_member_sees_only_their_project(demo_db, monkeypatch):
    with open_store(demo_db) as db:
        project = _first_project(db)
        access.grant(db, "alice@asso.fr", "equipe", "project", project["id"])
        others = set(db.projects()["name"]) - {project["name"]}
    at = comptes(monkeypatch, person("s-alice", "alice@asso.fr", "Alice"))
    (box,) = [b for b in at.sidebar.selectbox if b.key == "sidebar_project"]
    assert box.options == [project["name"]]
    box.set_value(project["id"]).run()
    at.switch_page("views/results.py").run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Résultats"
    shown = everything_written(at)
    assert not any(name in shown for name in others)


def test_a_team_member_adds_to_their_plan_and_the_log_says_who(demo_db, monkeypatch):
    with open_store(demo_db) as db:
        project = _first_project(db)
        access.grant(db, "alice@asso.fr", "equipe", "project", project["id"])
    at = comptes(monkeypatch, person("s-alice", "alice@asso.fr", "Alice"))
    next(b for b in at.sidebar.selectbox if b.key == "sidebar_project").set_value(
        project["id"]).run()
    at.switch_page("views/plan.py").run()
    at.text_input[0].input("Réunir les élus des deux territoires")
    next(b for b in at.button if b.label == "Ajouter au plan").click().run()
    assert not at.exception
    assert any("Réunir les élus" in s.value for s in at.success)
    with open_store(demo_db) as db:
        row = audit.entries(db, action="plan.edit").iloc[0]
        assert (row["actor"], row["actor_kind"]) == ("alice@asso.fr", "equipe")
        assert "Réunir les élus" in row["new"]


def test_a_tampered_project_in_the_address_is_refused_and_shows_nothing_of_it(
        demo_db, monkeypatch):
    with open_store(demo_db) as db:
        mine, other = _first_project(db), db.projects().iloc[1].to_dict()
        access.grant(db, "alice@asso.fr", "equipe", "project", mine["id"])
        other_assessment = int(db.assessments(other["id"])["id"].iloc[0])
    monkeypatch.setenv("COOPSCORE_MODE", "comptes")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "iss": ISSUER, **person("s-alice", "alice@asso.fr")}
    at.query_params["projet"] = str(other["id"])
    at.query_params["evaluation"] = str(other_assessment)
    at.run()
    assert not at.exception
    assert f"Accès refusé : vous ne pouvez pas voir ce projet (projet n° {other['id']})." in [
        e.value for e in at.error]
    assert other["name"] not in everything_written(at)
    at.switch_page("views/results.py").run()
    assert other["name"] not in everything_written(at)
    assert "projet" not in at.query_params or at.query_params["projet"] != [str(other["id"])]


def test_a_funder_sees_the_portfolio_of_their_programme_only(demo_db, monkeypatch):
    with open_store(demo_db) as db:
        programme = _first_project(db)["programme"]
        theirs = {p["name"] for p in _projects_in(db, programme=programme)}
        access.grant(db, "compta@region.fr", "financeur", "programme", programme)
    at = comptes(monkeypatch, person("s-f", "compta@region.fr", "Compta"))
    at.switch_page("views/portfolio.py").run()
    assert not at.exception
    (table,) = at.dataframe
    assert set(table.value["name"]) == theirs


def test_a_funder_reads_only_what_each_project_shares(demo_db, monkeypatch):
    with open_store(demo_db) as db:
        programme = _first_project(db)["programme"]
        projects = _projects_in(db, programme=programme)
        access.grant(db, "compta@region.fr", "financeur", "programme", programme)
        scoped = access.ScopedStore(db, access.Actor.admin("moi@exemple.fr"))
        shared = projects[0]
        scoped.set_consent(shared["id"], "etapes")
    at = comptes(monkeypatch, person("s-f", "compta@region.fr", "Compta"))
    at.switch_page("views/portfolio.py").run()
    table = at.dataframe[0].value.set_index("name")
    assessed = table[table["score"].notna()]
    kept = [name for name in assessed.index if name != shared["name"]]
    assert all(assessed.loc[name, "risk"].startswith("détail non partagé") for name in kept)
    if shared["name"] in assessed.index:
        assert not str(assessed.loc[shared["name"], "risk"]).startswith("détail non partagé")


def test_a_team_member_compares_against_anonymous_quartiles_only(demo_db, monkeypatch):
    with open_store(demo_db) as db:
        scored = db.assessments()
        project = db.project(int(scored["project"].iloc[0]))
        access.grant(db, "alice@asso.fr", "equipe", "project", project.id)
        others = set(db.projects()["name"]) - {project.name}
        latest = latest_assessments(grid_results(score_assessments(db), "cooperation"))
        peers = int(latest["score"].notna().sum())
    at = comptes(monkeypatch, person("s-alice", "alice@asso.fr", "Alice"))
    at.switch_page("views/compare.py").run()
    assert not at.exception
    (chooser,) = at.multiselect
    assert chooser.options == [project.name]
    if not chooser.value:
        chooser.select(project.id).run()
    shown = everything_written(at)
    assert not any(name in shown for name in others)
    # the peers are counted (every project's latest assessment), never named
    assert any(f"({peers} projets évalués)" in c.value for c in at.caption)
    assert peers > 1


def test_an_animateur_gets_the_animation_pages_and_their_territory_only(demo_db, monkeypatch):
    with open_store(demo_db) as db:
        project = _first_project(db)
        territory, territory_name = int(project["territory"]), project["territory_name"]
        theirs = {p["name"] for p in _projects_in(db, territory=territory)}
        access.grant(db, "anne@pays.fr", "animateur", "territory", territory)
        before = len(db.projects())
    at = comptes(monkeypatch, person("s-anne", "anne@pays.fr", "Anne"))
    assert not at.exception
    assert nav_labels(at) == ["Accueil", "Référentiel", "Déclaration d'accessibilité",
                              "Auto-évaluation", "Résultats", "Écarts et recommandations",
                              "Plan d'action", "Suivi des réponses", "Regards croisés",
                              "Comparer les territoires", "Suivi dans le temps",
                              "Portefeuille", "Import, export, sauvegarde", "Accès et partage"]
    (box,) = [b for b in at.sidebar.selectbox if b.key == "sidebar_project"]
    assert set(box.options) == theirs
    at.switch_page("views/assess.py").run()
    # a project can be created in her territory only, and no territory can be added
    (where,) = [b for b in at.selectbox if b.label == "Territoire"]
    assert where.options == [territory_name]
    assert not [i for i in at.text_input if i.key == "new_territory"]
    where.set_value(territory)
    at.text_input(key="new_project_name").input("Coopération forêt")
    with open_store(demo_db) as db:  # her grant ends before she submits: the write is refused
        access.revoke(db, "anne@pays.fr")
    next(b for b in at.button if b.label == "Créer le projet").click().run()
    assert not at.exception
    assert at.subheader[0].value == "Aucun accès"
    with open_store(demo_db) as db:
        assert len(db.projects()) == before
        assert audit.entries(db, action="project.create").empty
