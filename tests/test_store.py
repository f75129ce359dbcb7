"""The SQLite store: nothing typed is lost, nothing invalid is written, old grids still read."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from coopscore import store as store_module
from coopscore.errors import NotFoundError, StoreError
from coopscore.store import (ANSWER_COLUMNS, MIGRATIONS, SCHEMA_VERSION, AnswerRow, migrate,
                             open_store, schema_version)

from .conftest import ROOT, TINY_GRID_YAML

# --- location, pragmas, reopening ------------------------------------------------------


def test_database_is_created_on_first_use_where_coopscore_db_points(tmp_path, monkeypatch):
    target = tmp_path / "sub" / "mine.db"
    monkeypatch.setenv("COOPSCORE_DB", str(target))
    assert not target.exists()
    with open_store() as database:
        assert database.path == target
        assert database.is_empty()
    assert target.is_file()


def test_default_location_is_data_coopscore_db(monkeypatch):
    monkeypatch.delenv("COOPSCORE_DB", raising=False)
    assert store_module.default_db_path() == ROOT / "data" / "coopscore.db"


def test_connection_enforces_foreign_keys_with_wal_and_a_busy_timeout(store):
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert schema_version(store.conn) == SCHEMA_VERSION == len(MIGRATIONS)


def test_answers_are_all_there_after_closing_and_reopening(store_path, store_case):
    case = store_case
    case.store.save_answer(case.assessment, case.respondents["Alice"], "S03.V01", "2", "en cours")
    case.store.save_answer(case.assessment, case.respondents["Bruno"], "S03.M01", "planned")
    before = case.store.answers()
    case.store.close()
    with open_store(store_path) as reopened:
        after = reopened.answers()
    assert len(before) == 2
    assert after.equals(before)


# --- answers -----------------------------------------------------------------------------


def test_answers_table_has_the_scoring_engine_columns(store_case):
    case = store_case
    case.store.save_answer(case.assessment, case.respondents["Chloé"], "S01.V04", "1")
    frame = case.store.answers()
    assert list(frame.columns) == ANSWER_COLUMNS
    row = frame.iloc[0]
    assert (row["assessment"], row["respondent"], row["role"], row["item"], row["value"],
            row["organisation"]) == (case.assessment, case.respondents["Chloé"], "partenaire",
                                     "S01.V04", "1", "PNR des Essais")


def test_saving_again_replaces_the_answer_and_keeps_one_row(store_case):
    case = store_case
    alice = case.respondents["Alice"]
    case.store.save_answer(case.assessment, alice, "S02.V01", "1", "premier avis")
    first = case.store.answers().iloc[0]["updated_at"]
    case.store.save_answer(case.assessment, alice, "S02.V01", "3")
    frame = case.store.answers()
    assert len(frame) == 1
    assert frame.iloc[0]["value"] == "3"
    assert frame.iloc[0]["comment"] == "premier avis"  # comment=None keeps the comment
    assert frame.iloc[0]["updated_at"] >= first
    case.store.save_answer(case.assessment, alice, "S02.V01", "3", comment="")
    assert case.store.answers().iloc[0]["comment"] is None or \
        case.store.answers()["comment"].isna().all()


def test_value_off_the_scale_is_refused_naming_the_valid_values_and_nothing_is_written(
        store_case):
    case = store_case
    before = case.store.dump()
    with pytest.raises(StoreError) as caught:
        case.store.save_answer(case.assessment, case.respondents["Alice"], "S03.V02", "5")
    assert str(caught.value) == ("valeur « 5 » impossible pour S03.V02 (valeurs possibles : "
                                 "0, 1, 2, 3, na, not_yet, unknown).")
    with pytest.raises(StoreError, match="in_place, planned, no, na"):
        case.store.save_answer(case.assessment, case.respondents["Alice"], "S03.M01", "2")
    with pytest.raises(StoreError, match="0, 1, 2, 3, na"):
        case.store.save_answer(case.assessment, case.respondents["Alice"], "S03.V02", "in_place")
    assert case.store.dump() == before


def test_item_outside_the_assessment_grid_is_refused(store_case):
    case = store_case
    with pytest.raises(StoreError, match="« A1.L01 » n'est ni un point évalué ni une méthode "
                                         "de la grille « cooperation » \\(version 1.0\\)"):
        case.store.save_answer(case.assessment, case.respondents["Alice"], "A1.L01", "2")
    # A sub-point is read, not answered.
    with pytest.raises(StoreError, match="S01.V01.1"):
        case.store.save_answer(case.assessment, case.respondents["Alice"], "S01.V01.1", "2")


def test_answers_to_cte_points_are_refused_for_a_project_outside_cte_and_nothing_is_written(
        store_case):
    case = store_case  # its project is not in European territorial cooperation
    alice = case.respondents["Alice"]
    before = case.store.dump()
    with pytest.raises(StoreError) as caught:
        case.store.save_answer(case.assessment, alice, "S02.V07", "2")
    assert str(caught.value).startswith("« S02.V07 » (« ")
    assert "ne concerne que les projets de coopération territoriale européenne (CTE), or ce " \
           "projet n'est pas en CTE" in str(caught.value)
    with pytest.raises(StoreError) as caught:  # in a batch: every such row is named, none written
        case.store.save_answers([AnswerRow(case.assessment, alice, "S01.V01", "2"),
                                 AnswerRow(case.assessment, alice, "S08.M03", "in_place")])
    assert [line.split(" : ")[0] for line in caught.value.problems] == ["réponse 2"]
    assert "« S08.M03 »" in caught.value.problems[0]
    assert case.store.dump() == before
    case.store.update_project(case.project, cte=True)  # once in CTE, the same points are asked
    case.store.save_answer(case.assessment, alice, "S02.V07", "2")
    case.store.save_answer(case.assessment, alice, "S08.M03", "in_place")
    assert set(case.store.answers()["item"]) == {"S02.V07", "S08.M03"}


def test_bulk_save_writes_all_or_nothing_and_lists_every_problem(store_case):
    case = store_case
    alice, bruno = case.respondents["Alice"], case.respondents["Bruno"]
    rows = [AnswerRow(case.assessment, alice, "S01.V01", "2"),
            AnswerRow(case.assessment, alice, "S01.V02", "9"),
            {"assessment_id": case.assessment, "respondent_id": bruno, "item": "S01.M01",
             "value": "in_place", "comment": "oui"},
            AnswerRow(case.assessment, bruno, "S99.V01", "1")]
    before = case.store.dump()
    with pytest.raises(StoreError) as caught:
        case.store.save_answers(rows)
    assert caught.value.problems == [
        "réponse 2 : valeur « 9 » impossible pour S01.V02 (valeurs possibles : 0, 1, 2, 3, na, "
        "not_yet, unknown).",
        "réponse 4 : « S99.V01 » n'est ni un point évalué ni une méthode de la grille "
        "« cooperation » (version 1.0).",
    ]
    assert case.store.dump() == before
    written = case.store.save_answers([rows[0], rows[2]])
    assert written == 2
    assert sorted(case.store.answers()["item"]) == ["S01.M01", "S01.V01"]


def test_answers_can_be_read_for_some_assessments_only(store_case):
    case = store_case
    second = case.store.create_assessment(case.project, "dialogue", "Point d'étape")
    someone = case.store.add_respondent(second, "Dora", "financeur")
    case.store.save_answer(second, someone, "A2.L01", "na")
    case.store.save_answer(case.assessment, case.respondents["Alice"], "S01.V01", "0")
    assert list(case.store.answers(second)["item"]) == ["A2.L01"]
    assert list(case.store.answers([case.assessment])["item"]) == ["S01.V01"]
    assert len(case.store.answers([case.assessment, second])) == 2
    assert case.store.answers([]).empty
    # Ids straight out of a DataFrame (numpy integers) work as well.
    numpy_id = case.store.assessments()["id"].iloc[-1]
    assert list(case.store.answers(numpy_id)["item"]) == ["A2.L01"]
    assert list(case.store.respondents(numpy_id)["name"]) == ["Dora"]


def test_withdrawn_answer_goes_back_to_unanswered(store_case):
    case = store_case
    case.store.save_answer(case.assessment, case.respondents["Alice"], "S01.V01", "0")
    case.store.delete_answer(case.assessment, case.respondents["Alice"], "S01.V01")
    assert case.store.answers().empty


# --- ids and foreign keys --------------------------------------------------------------


def test_unknown_ids_raise_not_found_in_french(store_case):
    case = store_case
    checks = [
        (lambda: case.store.project(999), "Projet n° 999 introuvable."),
        (lambda: case.store.assessment(999), "Évaluation n° 999 introuvable."),
        (lambda: case.store.respondents(999), "Évaluation n° 999 introuvable."),
        (lambda: case.store.add_respondent(999, "X", "elu"), "Évaluation n° 999 introuvable."),
        (lambda: case.store.save_answer(999, 1, "S01.V01", "1"),
         "Évaluation n° 999 introuvable."),
        (lambda: case.store.create_project("P", 999), "Territoire n° 999 introuvable."),
        (lambda: case.store.create_assessment(999, "cooperation", "X"),
         "Projet n° 999 introuvable."),
        (lambda: case.store.update_action(999, owner="X"), "Action n° 999 introuvable."),
        (lambda: case.store.respondent(999), "Répondant·e n° 999 introuvable."),
    ]
    for call, message in checks:
        with pytest.raises(NotFoundError) as caught:
            call()
        assert str(caught.value) == message


def test_answer_to_an_unknown_assessment_or_foreign_respondent_is_refused(store_case):
    case = store_case
    other = case.store.create_assessment(case.project, "cooperation", "Point d'étape")
    stranger = case.store.add_respondent(other, "Ernest", "autre")
    with pytest.raises(NotFoundError, match="La personne n° .* ne répond pas à l'évaluation"):
        case.store.save_answer(case.assessment, stranger, "S01.V01", "1")
    # The schema itself refuses, whatever code writes.
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        case.store.conn.execute(
            "INSERT INTO answers (assessment_id, respondent_id, item, value, updated_at) "
            "VALUES (4242, ?, 'S01.V01', '1', 'x')", [case.respondents["Alice"]])
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        case.store.conn.execute(
            "INSERT INTO answers (assessment_id, respondent_id, item, value, updated_at) "
            "VALUES (?, ?, 'S01.V01', '1', 'x')", [case.assessment, stranger])
    assert case.store.answers().empty


def test_deleting_a_project_removes_its_assessments_and_answers(store_case):
    case = store_case
    case.store.save_answer(case.assessment, case.respondents["Alice"], "S01.V01", "1")
    case.store.add_action(assessment_id=case.assessment, method="S01.M01")
    case.store.delete_project(case.project)
    assert case.store.counts() == {"territories": 1, "projects": 0, "assessments": 0,
                                   "respondents": 0, "answers": 0, "agreed": 0, "actions": 0}


# --- closed assessments, respondents, projects --------------------------------------


def test_closed_assessment_refuses_every_write_until_reopened(store_case):
    case = store_case
    alice = case.respondents["Alice"]
    case.store.close_assessment(case.assessment)
    assert case.store.assessment(case.assessment).is_closed
    before = case.store.dump()
    writes = [lambda: case.store.save_answer(case.assessment, alice, "S01.V01", "1"),
              lambda: case.store.add_respondent(case.assessment, "Zoé", "elu"),
              lambda: case.store.set_agreed(case.assessment, "S01.V01", "2", "accord"),
              lambda: case.store.delete_respondent(alice)]
    for write in writes:
        with pytest.raises(StoreError,
                           match="« Diagnostic initial » est clôturée : rouvrez-la"):
            write()
    assert case.store.dump() == before
    case.store.reopen_assessment(case.assessment)
    case.store.save_answer(case.assessment, alice, "S01.V01", "1")
    assert len(case.store.answers()) == 1


def test_respondent_names_are_unique_in_an_assessment_and_roles_are_checked(store_case):
    case = store_case
    with pytest.raises(StoreError, match="« Alice » répond déjà"):
        case.store.add_respondent(case.assessment, "Alice", "technicien")
    with pytest.raises(StoreError, match="Rôle « maire » inconnu \\(rôles possibles : elu, "
                                         "technicien, partenaire"):
        case.store.add_respondent(case.assessment, "Zoé", "maire")
    with pytest.raises(StoreError, match="Le nom du ou de la répondant·e est vide"):
        case.store.add_respondent(case.assessment, "  ", "elu")
    case.store.update_respondent(case.respondents["Bruno"], role="financeur", organisation=None)
    frame = case.store.respondents(case.assessment)
    assert list(frame["name"]) == ["Alice", "Bruno", "Chloé"]
    assert frame.set_index("name").loc["Bruno", "role"] == "financeur"


def test_projects_list_their_territory_programme_and_last_campaign(store_case):
    case = store_case
    later = case.store.create_assessment(case.project, "cooperation", "Point d'étape",
                                         date="2026-09-15")
    other_territory = case.store.create_territory("PNR des Hautes Combes", kind="pnr")
    case.store.create_project("Tiers-lieux", other_territory, programme="interreg_cte",
                              phase=None, cte=True)
    frame = case.store.projects().set_index("name")
    assert list(frame.columns) == [c for c in store_module.PROJECT_COLUMNS if c != "name"]
    first = frame.loc["Circuits courts — essai"]
    assert (first["territory_name"], first["programme_label"], first["phase"], first["cte"],
            first["n_assessments"], first["last_assessment"], first["last_assessment_date"]) == \
        ("Pays du Val de Test", "LEADER", "mobilisation", False, 2, later, "2026-09-15")
    second = frame.loc["Tiers-lieux"]
    assert second["n_assessments"] == 0 and second["cte"]
    assert second["programme_label"] == "Interreg / Coopération territoriale européenne"


def test_project_fields_are_checked_and_updates_change_only_what_is_given(store_case):
    case = store_case
    with pytest.raises(StoreError, match="Programme « feder » inconnu \\(programmes possibles : "
                                         "leader, interreg_cte, region, autre\\)"):
        case.store.create_project("X", case.territory, programme="feder")
    with pytest.raises(StoreError, match="Phase « lancement » inconnue"):
        case.store.update_project(case.project, phase="lancement")
    case.store.update_project(case.project, phase="partenaires", cte=True)
    project = case.store.project(case.project)
    assert (project.name, project.programme, project.phase, project.cte) == \
        ("Circuits courts — essai", "leader", "partenaires", True)
    # The first campaign keeps the phase the project was in at the time.
    context = case.store.assessment_context([case.assessment]).iloc[0]
    assert context["phase"] == "mobilisation"


def test_assessment_context_gives_scoring_what_it_needs(store_case):
    case = store_case
    frame = case.store.assessment_context()
    assert list(frame.columns[:8]) == ["assessment", "project", "phase", "cte", "grid",
                                       "grid_version", "date", "label"]
    row = frame.iloc[0]
    assert (row["assessment"], row["project"], row["phase"], row["cte"], row["grid"],
            row["grid_version"], row["date"], row["label"]) == \
        (case.assessment, case.project, "mobilisation", False, "cooperation", "1.0",
         "2026-03-02", "Diagnostic initial")
    assert case.store.assessment_context([]).empty
    # The dialogue grid has no phases: its assessments get none, the project's is kept apart.
    dialogue = case.store.create_assessment(case.project, "dialogue", "Leviers")
    row = case.store.assessment_context([dialogue]).iloc[0]
    assert (row["phase"], row["project_phase"]) == (None, "mobilisation")


def test_bad_dates_are_refused_in_french(store_case):
    with pytest.raises(StoreError,
                       match="Date « 31/02/2026 » illisible : écrivez-la AAAA-MM-JJ"):
        store_case.store.create_assessment(store_case.project, "cooperation", "X",
                                           date="31/02/2026")


# --- agreed values and actions ----------------------------------------------------------


def test_agreed_value_is_kept_beside_untouched_raw_answers(store_case):
    case = store_case
    case.store.save_answer(case.assessment, case.respondents["Alice"], "S04.V01", "3")
    case.store.save_answer(case.assessment, case.respondents["Bruno"], "S04.V01", "0")
    case.store.set_agreed(case.assessment, "S04.V01", "1", "Les élus découvrent le sujet.")
    case.store.set_agreed(case.assessment, "S04.V01", "2", "Après discussion.")
    agreed = case.store.agreed(case.assessment)
    assert list(agreed.columns) == ["assessment", "item", "value", "rationale", "updated_at"]
    assert agreed[["item", "value", "rationale"]].values.tolist() == \
        [["S04.V01", "2", "Après discussion."]]
    assert sorted(case.store.answers()["value"]) == ["0", "3"]
    with pytest.raises(StoreError, match="valeur « 4 » impossible"):
        case.store.set_agreed(case.assessment, "S04.V01", "4")
    case.store.clear_agreed(case.assessment, "S04.V01")
    assert case.store.agreed().empty


def test_action_plan_rows_can_be_added_changed_and_removed(store_case):
    case = store_case
    from_method = case.store.add_action(assessment_id=case.assessment, method="S03.M02",
                                        because="S03.V01, S03.V02", owner="Bruno",
                                        due_date="2026-06-30")
    free = case.store.add_action(project_id=case.project, title="Réunir les élus",
                                 status="in_progress")
    frame = case.store.actions(project_id=case.project)
    assert list(frame.columns) == store_module.ACTION_COLUMNS
    assert list(frame["id"]) == [from_method, free]  # dated first
    first = frame.iloc[0]
    assert (first["project"], first["assessment"], first["method"], first["status"]) == \
        (case.project, case.assessment, "S03.M02", "todo")
    assert frame.iloc[1]["assessment"] is pd_na()
    case.store.update_action(from_method, status="done", owner="Alice", due_date="2026-07-01")
    changed = case.store.actions(assessment_id=case.assessment).iloc[0]
    assert (changed["status"], changed["owner"], changed["due_date"]) == \
        ("done", "Alice", "2026-07-01")
    assert changed["updated_at"] >= changed["created_at"]
    for bad, message in [({"status": "fini"}, "Statut d'action « fini » inconnu"),
                         ({"due_date": "demain"}, "Date « demain » illisible"),
                         ({"colour": "red"}, "Champ d'action inconnu : colour"),
                         ({"method": "S99.M01"}, "« S99.M01 » n'est pas une méthode")]:
        with pytest.raises(StoreError, match=message):
            case.store.update_action(from_method, **bad)
    with pytest.raises(StoreError, match="besoin d'une méthode de la grille ou d'un intitulé"):
        case.store.add_action(project_id=case.project)
    case.store.delete_action(free)
    assert list(case.store.actions()["id"]) == [from_method]


def pd_na():
    import pandas as pd

    return pd.NA


# --- grid versions ---------------------------------------------------------------------


def test_old_assessment_keeps_its_grid_version_and_reports_items_the_new_file_lacks(
        store_case, tmp_path):
    case = store_case
    grid_file = tmp_path / "tiny.yaml"
    grid_file.write_text(TINY_GRID_YAML, encoding="utf-8")
    old = case.store.create_assessment(case.project, grid_file, "Diagnostic initial")
    someone = case.store.add_respondent(old, "Fanny", "technicien")
    case.store.save_answer(old, someone, "S01.V02", "2")
    case.store.save_answer(old, someone, "S01.V01", "3")

    # The grid's author drops S01.V02 and raises the version.
    grid_file.write_text(TINY_GRID_YAML.replace('version: "0.1"', 'version: "0.2"').replace(
        "      - {id: S01.V02, text: second point, weight: 2}\n", ""), encoding="utf-8")
    new = case.store.create_assessment(case.project, grid_file, "Point d'étape")
    versions = case.store.assessments(case.project).set_index("id")["grid_version"]
    assert (versions[old], versions[new]) == ("0.1", "0.2")

    from coopscore.grid import load_grid
    current = load_grid(grid_file)
    assert not current.has_item("S01.V02")
    assert case.store.grid_of(old).has_item("S01.V02")
    assert case.store.stale_items(old, current) == ["S01.V02"]
    assert case.store.stale_items(old, case.store.grid_of(old)) == []
    # Nothing is dropped: the old answer is still read and still editable.
    assert sorted(case.store.answers(old)["item"]) == ["S01.V01", "S01.V02"]
    case.store.save_answer(old, someone, "S01.V02", "3")
    other = case.store.add_respondent(new, "Gaël", "elu")
    with pytest.raises(StoreError,
                       match="« S01.V02 » n'est ni un point évalué .* \\(version 0.2\\)"):
        case.store.save_answer(new, other, "S01.V02", "3")


def test_grid_items_changed_under_the_same_version_are_refused(store_case, tmp_path):
    case = store_case
    grid_file = tmp_path / "tiny.yaml"
    grid_file.write_text(TINY_GRID_YAML, encoding="utf-8")
    case.store.create_assessment(case.project, grid_file, "Diagnostic initial")
    # A wording fix outside the items (a title) under the same version is fine...
    retitled = TINY_GRID_YAML.replace("title: Première étape", "title: Première étape reformulée")
    assert retitled != TINY_GRID_YAML
    grid_file.write_text(retitled, encoding="utf-8")
    case.store.create_assessment(case.project, grid_file, "Atelier")
    # ...an item's text or weight is not: other projects' answers would change meaning.
    before = case.store.dump()
    grid_file.write_text(retitled.replace("premier point", "premier point reformulé")
                         .replace("weight: 2", "weight: 50"), encoding="utf-8")
    with pytest.raises(StoreError, match="modifie 2 élément") as caught:
        case.store.create_assessment(case.project, grid_file, "Point d'étape")
    assert caught.value.problems == [
        "« S01.V01 » : son texte n'est plus celui de la version enregistrée.",
        "« S01.V02 » : son poids n'est plus celui de la version enregistrée."]
    assert case.store.dump() == before
    # ...a new item is not: old answers would silently change meaning.
    grid_file.write_text(TINY_GRID_YAML.replace(
        "      - {id: S01.V02, text: second point, weight: 2}\n",
        "      - {id: S01.V02, text: second point, weight: 2}\n"
        "      - {id: S01.V03, text: troisième point}\n"), encoding="utf-8")
    with pytest.raises(StoreError, match="changez son numéro de version"):
        case.store.create_assessment(case.project, grid_file, "Point d'étape")


# --- migrations --------------------------------------------------------------------------


def _fresh_schema(path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                            "ORDER BY name").fetchall()
    finally:
        conn.close()


OLD_STAMP = "2025-01-01T00:00:00.000+00:00"


def _old_database(path, version: int) -> sqlite3.Connection:
    """A database made by an older coopscore (its first `version` migrations), with a grid
    version, a territory and a project already in it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    assert migrate(conn, MIGRATIONS[:version]) == version
    conn.execute("INSERT INTO grid_versions VALUES ('cooperation', '1.0', '{}', ?, ?)",
                 [(ROOT / "data/grids/cooperation.yaml").read_text(encoding="utf-8"), OLD_STAMP])
    conn.execute("INSERT INTO territories VALUES (1, 'Pays Ancien', 'pays', ?)", [OLD_STAMP])
    conn.execute("INSERT INTO projects VALUES (1, 'Projet ancien', 1, 'leader', 'partenaires', 0,"
                 " ?, ?)", [OLD_STAMP, OLD_STAMP])
    return conn


def test_database_without_recorded_phases_is_upgraded_with_its_data(tmp_path):
    path = tmp_path / "old.db"
    conn = _old_database(path, 2)  # before « phase ... recorded with each assessment »
    conn.execute("INSERT INTO assessments (id, project_id, grid, grid_version, date, label, "
                 "status, created_at) VALUES (1, 1, 'cooperation', '1.0', '2025-01-01', "
                 "'Diagnostic initial', 'draft', ?)", [OLD_STAMP])
    conn.execute("INSERT INTO respondents VALUES (1, 1, 'Hélène', 'elu', NULL, ?)", [OLD_STAMP])
    conn.execute("INSERT INTO answers VALUES (1, 1, 'S01.V01', '2', 'ancien', ?)", [OLD_STAMP])
    conn.close()

    with open_store(path) as upgraded:
        assert schema_version(upgraded.conn) == SCHEMA_VERSION
        assert upgraded.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert upgraded.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # The new column is filled from the data already there.
        assert upgraded.assessment(1).phase == "partenaires"
        assert upgraded.answers()[["item", "value", "comment"]].values.tolist() == \
            [["S01.V01", "2", "ancien"]]
        upgraded.save_answer(1, 1, "S01.V02", "1")
        assert len(upgraded.answers()) == 2
    assert _fresh_schema(path) == _fresh_schema(_fresh_database(tmp_path))


def test_upgrade_adds_revisions_and_their_triggers_to_existing_assessments(tmp_path):
    path = tmp_path / "before-revisions.db"
    conn = _old_database(path, 3)  # before « revision counter of each assessment »
    conn.execute("INSERT INTO assessments (id, project_id, grid, grid_version, phase, date, label,"
                 " status, created_at) VALUES (1, 1, 'cooperation', '1.0', 'partenaires', "
                 "'2025-01-01', 'Diagnostic initial', 'draft', ?)", [OLD_STAMP])
    conn.execute("INSERT INTO respondents VALUES (1, 1, 'Hélène', 'elu', NULL, ?)", [OLD_STAMP])
    conn.close()

    with open_store(path) as upgraded:
        assert schema_version(upgraded.conn) == SCHEMA_VERSION
        before = upgraded.assessment_revisions()
        assert before[["assessment", "revision"]].values.tolist() == [[1, 0]]
        upgraded.save_answer(1, 1, "S01.V01", "2")
        assert upgraded.assessment_revisions()["revision"].item() > 0


def _revision(store, assessment_id: int) -> int:
    frame = store.assessment_revisions()
    return int(frame.loc[frame["assessment"] == assessment_id, "revision"].item())


def test_revision_moves_with_answers_agreed_values_and_respondents(store_case):
    case = store_case
    db, assessment = case.store, case.assessment
    alice = case.respondents["Alice"]
    steps = [
        lambda: db.save_answer(assessment, alice, "S01.V01", "2"),      # insert
        lambda: db.save_answer(assessment, alice, "S01.V01", "3"),      # update
        lambda: db.delete_answer(assessment, alice, "S01.V01"),        # delete
        lambda: db.set_agreed(assessment, "S01.V01", "2"),             # insert
        lambda: db.set_agreed(assessment, "S01.V01", "1"),             # update
        lambda: db.clear_agreed(assessment, "S01.V01"),                # delete
        lambda: db.add_respondent(assessment, "Zoé", "technicien"),
    ]
    for step in steps:
        before = _revision(db, assessment)
        step()
        assert _revision(db, assessment) > before


def test_revision_ignores_status_but_follows_phase_and_project_cte(store_case):
    case = store_case
    db, assessment = case.store, case.assessment
    others = {a: _revision(db, a) for a in db.assessment_revisions()["assessment"]
              if a != assessment}
    before = _revision(db, assessment)
    db.close_assessment(assessment)
    db.reopen_assessment(assessment)
    assert _revision(db, assessment) == before
    db.conn.execute("UPDATE assessments SET phase = 'realisation' WHERE id = ?", [assessment])
    assert _revision(db, assessment) == before + 1
    project = db.assessment(assessment).project_id
    db.update_project(project, cte=not db.project(project).cte)
    assert _revision(db, assessment) == before + 2
    db.update_project(project, name="Nouveau nom")
    assert _revision(db, assessment) == before + 2
    for other, revision in others.items():
        if db.assessment(other).project_id != project:
            assert _revision(db, other) == revision


def test_revisions_lists_every_assessment_with_its_grid(store_case):
    frame = store_case.store.assessment_revisions()
    assert list(frame.columns) == ["assessment", "revision", "grid", "grid_version", "created_at"]
    assert sorted(frame["assessment"]) == sorted(store_case.store.assessments()["id"])


def _fresh_database(tmp_path: Path) -> Path:
    path = tmp_path / "fresh.db"
    open_store(path).close()
    return path


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
def test_every_older_schema_version_upgrades_to_the_current_schema(tmp_path, version):
    path = tmp_path / f"v{version}.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, MIGRATIONS[:version])
    assert schema_version(conn) == version
    conn.close()
    open_store(path).close()
    assert _fresh_schema(path) == _fresh_schema(_fresh_database(tmp_path))


def test_database_from_a_newer_coopscore_is_refused_untouched(tmp_path):
    path = tmp_path / "future.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="créée par une version plus récente de coopscore"):
        open_store(path)


def test_a_file_that_is_not_a_database_is_reported(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("ceci n'est pas une base\n" * 200, encoding="utf-8")
    with pytest.raises(StoreError, match="n'est pas une base coopscore lisible"):
        open_store(path)


# --- backup ------------------------------------------------------------------------------


def test_backup_is_a_complete_standalone_copy(store_case, tmp_path):
    case = store_case
    case.store.save_answer(case.assessment, case.respondents["Alice"], "S01.V01", "2")
    target = case.store.backup(tmp_path / "copies" / "sauvegarde.db")
    assert not Path(str(target) + "-wal").exists()
    with open_store(target) as copy:
        assert copy.dump() == case.store.dump()
    with pytest.raises(StoreError, match="ne peut pas écraser la base elle-même"):
        case.store.backup(case.store.path)


# --- threads and processes -------------------------------------------------------------


def test_one_store_is_used_safely_from_several_threads(store_case):
    case = store_case
    items = [item.id for item in case.store.grid_of(case.assessment).criteria()
             if not item.cte][:40]  # its project is not in CTE
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def answer_all(name: str) -> None:
        try:
            start.wait()
            for item in items:
                case.store.save_answer(case.assessment, case.respondents[name], item, "2")
                case.store.answers(case.assessment)
        except BaseException as error:  # reported below, with the thread's name
            errors.append(error)

    threads = [threading.Thread(target=answer_all, args=(name,)) for name in case.respondents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    counts = case.store.answers().groupby("respondent").size()
    assert counts.to_dict() == {rid: len(items) for rid in case.respondents.values()}


def _write_500_answers(path: str, assessment: int, worker: int, barrier, results) -> None:
    """Child process: five respondents × 100 items, one transaction per answer."""
    errors: list[str] = []
    started = time.perf_counter()
    try:
        database = open_store(path)
        grid = database.grid_of(assessment)
        items = [item.id for item in (*grid.criteria(), *grid.methods())
                 if not item.cte][:100]  # the project is not in CTE
        people = [database.add_respondent(assessment, f"P{worker}-{n}", "technicien")
                  for n in range(5)]
        barrier.wait()
        for person in people:
            for item in items:
                value = "in_place" if ".M" in item else str((worker + len(item)) % 4)
                try:
                    database.save_answer(assessment, person, item, value)
                except Exception as error:  # counted, not raised: every loss must show
                    errors.append(f"{type(error).__name__}: {error}")
        database.close()
    except Exception as error:
        errors.append(f"{type(error).__name__}: {error}")
    results.put((worker, errors, time.perf_counter() - started))


def test_four_processes_writing_500_answers_each_lose_nothing(store_case):
    case = store_case
    case.store.close()  # children open their own connections
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(4)
    results = context.Queue()
    workers = [context.Process(target=_write_500_answers,
                               args=(str(case.store.path), case.assessment, n, barrier, results))
               for n in range(4)]
    for worker in workers:
        worker.start()
    reports = sorted(results.get(timeout=240) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    assert [errors for _, errors, _ in reports] == [[], [], [], []]
    with open_store(case.store.path) as database:
        answers = database.answers(case.assessment)
        respondents = database.respondents(case.assessment)
    assert len(answers) == 2000
    mine = respondents[respondents["name"].str.startswith("P")]
    assert sorted(mine["n_answers"]) == [100] * 20


# --- target profiles ---------------------------------------------------------------------


def test_an_assessment_profile_wins_over_its_programme_profile(store_case):
    case = store_case
    db = case.store
    assert db.assessment_context([case.assessment]).iloc[0]["profile"] is None
    db.set_programme_profile("leader", "bilan_fin_de_projet")
    row = db.assessment_context([case.assessment]).iloc[0]
    assert (row["profile"], row["own_profile"], row["programme_profile"]) == \
        ("bilan_fin_de_projet", None, "bilan_fin_de_projet")
    db.set_assessment_profile(case.assessment, "appel_cooperation")
    assert db.assessment_context([case.assessment]).iloc[0]["profile"] == "appel_cooperation"
    db.set_assessment_profile(case.assessment, None)
    db.set_programme_profile("leader", None)
    assert db.assessment_context([case.assessment]).iloc[0]["profile"] is None
    assert db.programme_profiles() == {}


def test_a_programme_profile_of_another_grid_is_not_inherited(store_case):
    case = store_case
    dialogue = case.store.create_assessment(case.project, "dialogue", "Leviers")
    case.store.set_programme_profile("leader", "appel_cooperation")
    assert case.store.assessment_context([dialogue]).iloc[0]["profile"] is None


def test_profiles_move_the_revision_so_portfolios_rescore(store_case):
    case = store_case
    db = case.store

    def revision() -> int:
        revisions = db.assessment_revisions().set_index("assessment")["revision"]
        return int(revisions[case.assessment])

    start = revision()
    db.set_programme_profile("leader", "bilan_fin_de_projet")
    assert revision() == start + 1
    db.set_assessment_profile(case.assessment, "appel_cooperation")
    assert revision() == start + 2


def test_a_bad_profile_is_refused_in_french_and_changes_nothing(store_case):
    case = store_case
    with pytest.raises(StoreError, match="Profil de cibles « nope » inconnu"):
        case.store.set_assessment_profile(case.assessment, "nope")
    with pytest.raises(StoreError, match="écrit pour une autre grille"):
        case.store.set_assessment_profile(case.assessment, "dialogue_socle")
    with pytest.raises(StoreError):
        case.store.set_programme_profile("inconnu", "bilan_fin_de_projet")
    assert case.store.assessment_context([case.assessment]).iloc[0]["profile"] is None
    assert case.store.programme_profiles() == {}


def test_control_characters_are_never_stored_so_every_export_carries_the_text(tmp_path):
    from coopscore.exchange import export_bytes
    from coopscore.store import open_store

    with open_store(tmp_path / "c.db") as db:
        territory = db.create_territory("Pays\x0b Net")
        project = db.create_project("Projet\x00 propre", territory)
        assessment = db.create_assessment(project, "cooperation", "Campagne\x1f")
        person = db.add_respondent(assessment, "Zo\x07é", "elu", "Mairie\x0c")
        db.save_answer(assessment, person, "S01.V01", "2", "vu\x0b en\x00 comité")
        assert db.project(project).name == "Projet propre"
        assert db.assessment(assessment).label == "Campagne"
        assert list(db.respondents(assessment)["name"]) == ["Zoé"]
        assert db.answers(assessment)["comment"].iloc[0] == "vu en comité"
        assert export_bytes(db, "xlsx", [assessment])[:2] == b"PK"  # openpyxl accepts it
