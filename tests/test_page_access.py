"""Accès et partage (views/access.py): grants by e-mail within the actor's scope, consent per
project; every change leaves its audit row."""

from __future__ import annotations

from coopscore import access, audit
from coopscore.store import open_store

from .conftest import shown_after
from .test_page_signin import comptes, nav_labels, person

PAGE = "views/access.py"


def _admin(demo_db, monkeypatch):
    with open_store(demo_db) as db:
        access.grant(db, "moi@exemple.fr", "admin")
    at = comptes(monkeypatch, person("s-a", "moi@exemple.fr", "Admin"))
    return at.switch_page(PAGE).run()


def test_an_admin_grants_an_access_by_email_and_the_log_says_so(demo_db, monkeypatch):
    at = _admin(demo_db, monkeypatch)
    assert not at.exception
    assert at.title[0].value == "Accès et partage"
    at.radio(key="access_role").set_value("equipe").run()
    with open_store(demo_db) as db:
        project = db.projects().iloc[2].to_dict()
    at.selectbox(key="access_scope_project").set_value(str(project["id"]))
    at.text_input(key="access_email").input("Nina@Asso.fr")
    at.button(key="access_grant").click().run()
    assert not at.exception
    assert f"Accès accordé à nina@asso.fr : équipe projet, projet « {project['name']} »." in [
        s.value for s in at.success]
    assert shown_after(at, "access_grant").value.startswith("Accès accordé à nina@asso.fr"), \
        "under the button"
    with open_store(demo_db) as db:
        (row,) = [g for g in access.grants(db) if g["email"] == "nina@asso.fr"]
        assert (row["role"], row["scope_kind"], row["scope_id"]) == ("equipe", "project",
                                                                     str(project["id"]))
        logged = audit.entries(db, action="accounts.manage").iloc[0]
        assert logged["actor"] == "moi@exemple.fr" and "nina@asso.fr" in logged["new"]
    table = at.dataframe[0].value
    assert "nina@asso.fr" in set(table["email"])


def test_a_bad_address_is_refused_in_french_and_nothing_is_granted(demo_db, monkeypatch):
    at = _admin(demo_db, monkeypatch)
    at.radio(key="access_role").set_value("financeur").run()
    at.text_input(key="access_email").input("pas-une-adresse")
    at.button(key="access_grant").click().run()
    assert any("Adresse électronique « pas-une-adresse » invalide" in e.value for e in at.error)
    assert shown_after(at, "access_grant").value == at.error[0].value, "under the button"
    with open_store(demo_db) as db:
        assert [g["email"] for g in access.grants(db)] == ["moi@exemple.fr"]


def test_an_access_is_revoked_from_the_list(demo_db, monkeypatch):
    with open_store(demo_db) as db:
        grant_id = access.grant(db, "nina@asso.fr", "financeur", "programme",
                                db.projects().iloc[0]["programme"])
    at = _admin(demo_db, monkeypatch)
    at.selectbox(key="access_revoke").set_value(grant_id)
    at.button(key="access_revoke_button").click().run()
    assert any(s.value.startswith("Accès retiré : nina@asso.fr, financeur") for s in at.success)
    assert shown_after(at, "access_revoke_button").value.startswith("Accès retiré : nina")
    with open_store(demo_db) as db:
        assert "nina@asso.fr" not in {g["email"] for g in access.grants(db)}


def test_an_animateur_grants_only_within_their_territory(demo_db, monkeypatch):
    with open_store(demo_db) as db:
        projects = db.projects()
        territory = int(projects["territory"].iloc[0])
        access.grant(db, "anne@pays.fr", "animateur", "territory", territory)
        theirs = set(projects.loc[projects["territory"] == territory, "name"])
    at = comptes(monkeypatch, person("s-anne", "anne@pays.fr", "Anne"))
    assert "Accès et partage" in nav_labels(at) and "Journal des modifications" not in \
        nav_labels(at)
    at.switch_page(PAGE).run()
    assert "admin" not in at.radio(key="access_role").options
    at.radio(key="access_role").set_value("equipe").run()
    assert set(at.selectbox(key="access_scope_project").options) == theirs


def test_a_team_sets_what_its_funders_see(demo_db, monkeypatch):
    with open_store(demo_db) as db:
        project = db.projects().iloc[0].to_dict()
        access.grant(db, "alice@asso.fr", "equipe", "project", project["id"])
    at = comptes(monkeypatch, person("s-alice", "alice@asso.fr", "Alice"))
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.selectbox(key="consent_project").options == [project["name"]]
    assert not [w for w in at.radio if w.key == "access_role"]  # no account management
    at.radio(key=f"consent_{project['id']}").set_value("etapes")
    at.button(key="consent_save").click().run()
    assert f"« {project['name']} » partage désormais : étapes." in [s.value for s in at.success]
    assert shown_after(at, "consent_save").value == at.success[0].value, "under the button"
    with open_store(demo_db) as db:
        assert access.consent_of(db, project["id"]) == "etapes"
        row = audit.entries(db, action="project.consent").iloc[0]
        assert (row["actor"], row["old"], row["new"]) == ("alice@asso.fr", '"synthese"',
                                                          '"etapes"')


def test_a_funder_has_no_access_page(demo_db, monkeypatch):
    with open_store(demo_db) as db:
        access.grant(db, "compta@region.fr", "financeur", "programme",
                     db.projects().iloc[0]["programme"])
    at = comptes(monkeypatch, person("s-f", "compta@region.fr"))
    assert "Accès et partage" not in nav_labels(at)
