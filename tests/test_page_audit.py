"""Journal des modifications (views/audit.py): the audit log, filtered and exported, for
admins (and the poste mode) only."""

from __future__ import annotations

from coopscore import access, audit
from coopscore.store import open_store

from .conftest import app_test
from .test_page_signin import comptes, nav_labels, person

PAGE = "views/audit.py"


def test_the_log_shows_who_did_what_and_filters_by_action(demo_db, monkeypatch):
    with open_store(demo_db) as db:
        access.grant(db, "moi@exemple.fr", "admin")
        access.grant(db, "nina@asso.fr", "financeur", "programme",
                     db.projects().iloc[0]["programme"])
    at = comptes(monkeypatch, person("s-a", "moi@exemple.fr", "Admin"))
    assert "Journal des modifications" in nav_labels(at)
    at.switch_page(PAGE).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert "se connecter" in set(table["action"]) and "gérer les accès" in set(table["action"])
    at.selectbox(key="audit_action").set_value("sign_in").run()
    table = at.dataframe[0].value
    assert set(table["action"]) == {"se connecter"} and list(table["actor"]) == [
        "moi@exemple.fr"]
    assert at.get("download_button")


def test_poste_mode_reads_the_log_too(demo_db, monkeypatch):
    monkeypatch.delenv("COOPSCORE_MODE", raising=False)
    at = app_test(PAGE)
    assert not at.exception
    assert at.title[0].value == "Journal des modifications"
    assert "Le journal est vide" in at.info[0].value


def test_team_members_have_no_log(demo_db, monkeypatch):
    with open_store(demo_db) as db:
        access.grant(db, "alice@asso.fr", "equipe", "project", int(db.projects()["id"][0]))
    at = comptes(monkeypatch, person("s-alice", "alice@asso.fr"))
    assert "Journal des modifications" not in nav_labels(at)
    with open_store(demo_db) as db:
        assert len(audit.entries(db)) == 2  # the grant and the sign-in


def test_poste_mode_changes_read_as_this_computer_not_a_machine_identity(demo_db, monkeypatch):
    monkeypatch.delenv("COOPSCORE_MODE", raising=False)
    at = app_test("views/assess.py")
    at.text_input(key="new_territory").input("Pays de Test")
    at.text_input(key="new_project_name").input("Coopération forêt")
    next(b for b in at.button if b.label == "Créer le projet").click().run()
    assert not at.exception
    at.switch_page(PAGE).run()
    assert not at.exception
    shown = "Ce poste (sans connexion)"
    table = at.dataframe[0].value
    assert set(table["actor"]) == {shown}
    assert "poste|poste" not in at.dataframe[0].value.to_string()
    person_filter = at.selectbox(key="audit_actor")
    assert shown in person_filter.options
    person_filter.select_index(person_filter.options.index(shown)).run()
    assert set(at.dataframe[0].value["actor"]) == {shown}
    assert len(at.dataframe[0].value) == 2  # the territory and the project
    with open_store(demo_db) as db:  # what is stored stays the same identity
        assert set(audit.entries(db)["actor"]) == {"poste|poste"}
