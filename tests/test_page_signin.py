"""Connexion and the router (app.py, pages/signin.py): in `comptes` mode an anonymous visitor
gets the sign-in page and nothing else, each role the pages it may use; `poste` mode says that
everything is visible to whoever uses the computer."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from coopscore import access, audit
from coopscore.store import open_store

from .conftest import ROOT

ISSUER = "http://localhost:9999"
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "c" * 48,
        "client_id": "coopscore", "client_secret": "secret",
        "server_metadata_url": f"{ISSUER}/.well-known/openid-configuration"}


def comptes(monkeypatch, user: dict | None = None, auth: dict | None = None) -> AppTest:
    """An AppTest of the app in `comptes` mode, as `user` (None: nobody signed in)."""
    monkeypatch.setenv("COOPSCORE_MODE", "comptes")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = AUTH if auth is None else auth
    at.user = {"is_logged_in": False} if user is None else {
        "is_logged_in": True, "iss": ISSUER, **user}
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


@pytest.mark.parametrize("page", ["pages/portfolio.py", "pages/data.py", "pages/results.py"])
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
    assert nav_labels(at) == ["Accueil", "Référentiel", "Auto-évaluation", "Résultats",
                              "Écarts et recommandations", "Plan d'action",
                              "Comparer les territoires", "Suivi dans le temps"]
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
    assert nav_labels(at) == ["Accueil", "Référentiel", "Comparer les territoires",
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
