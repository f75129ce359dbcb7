"""Import checks with a preview per person, export contents and names, database copies."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from coopscore.errors import CoopscoreError
from coopscore.exchange import import_answers
from coopscore.store import open_store
from coopscore.transfers import (
    EXPORT_TABLES, backup_bytes, backup_filename, check_import, export_contents,
    export_filename, group_problems,
)

from .conftest import FILES

WORKSHOP = ("respondent,role,item,value,comment,organisation\n"
            "Alice,elu,S01.V01,3,,Mairie de Test\n"
            "Alice,elu,S01.V02,2,,Mairie de Test\n"
            "Zoé,partenaire,S01.V01,1,à revoir,\n"
            "Zoé,partenaire,S01.M01,En place,,\n"
            "Zoé,partenaire,S01.V03,,,\n").encode("utf-8")


def test_a_valid_file_is_ready_with_one_preview_row_per_person_and_nothing_written(store_case):
    db = store_case.store
    db.save_answer(store_case.assessment, store_case.respondents["Alice"], "S01.V01", "1")
    before = db.dump()
    check = check_import(db, [("atelier.csv", WORKSHOP)], store_case.assessment)
    assert check.ready and not check.problems
    assert (check.result.answers, check.result.respondents) == (4, 2)
    assert check.result.created_respondents == 1
    preview = check.preview.set_index("respondent")
    assert list(preview.index) == ["Alice", "Zoé"]
    assert preview.loc["Alice", ["role", "organisation", "files", "answers", "replaced", "new"]
                       ].tolist() == ["elu", "Mairie de Test", "atelier.csv", 2, 1, False]
    assert preview.loc["Zoé", ["role", "answers", "replaced", "new"]].tolist() == [
        "partenaire", 2, 0, True]
    assert int(check.preview["answers"].sum()) == check.result.answers
    assert db.dump() == before


def test_the_preview_names_every_file_a_person_answers_in(store_case):
    other = "respondent,role,item,value\nAlice,elu,S02.V01,2\n".encode("utf-8")
    check = check_import(store_case.store, [("atelier.csv", WORKSHOP), ("suite.csv", other)],
                         store_case.assessment)
    assert check.ready
    alice = check.preview.set_index("respondent").loc["Alice"]
    assert (alice["files"], alice["answers"]) == ("atelier.csv, suite.csv", 3)


def test_a_check_for_a_new_assessment_creates_nothing(store_case):
    db = store_case.store
    before = db.dump()
    check = check_import(db, [("atelier.csv", WORKSHOP)], project_id=store_case.project,
                         grid_id="cooperation", label="Atelier du 12 mars", date="2026-03-12")
    assert check.ready and check.result.assessment_id is None
    assert check.preview["new"].all() and check.preview["replaced"].eq(0).all()
    assert db.dump() == before


@pytest.mark.parametrize("name", ["tab.csv", "latin1.csv", "empty.csv", "image.png",
                                  "several_problems.csv"])
def test_a_broken_file_lists_its_problems_and_writes_nothing(store_case, name):
    db = store_case.store
    before = db.dump()
    check = check_import(db, [(name, (FILES / "broken_imports" / name).read_bytes())],
                         store_case.assessment)
    assert not check.ready and check.result is None and check.preview.empty
    assert check.message.startswith("Rien n'a été importé")
    assert check.problems and all(p.startswith(f"{name}, ") for p in check.problems)
    assert db.dump() == before


def test_the_same_file_name_twice_is_refused(store_case):
    check = check_import(store_case.store, [("atelier.csv", WORKSHOP), ("atelier.csv", WORKSHOP)],
                         store_case.assessment)
    assert not check.ready
    assert check.problems == ["« atelier.csv » est déposé deux fois : retirez l'un des deux "
                              "(deux fichiers différents doivent porter des noms différents)."]


def test_a_closed_assessment_gives_the_stores_message(store_case):
    store_case.store.close_assessment(store_case.assessment)
    check = check_import(store_case.store, [("atelier.csv", WORKSHOP)], store_case.assessment)
    assert not check.ready and check.problems == []
    assert "est clôturée" in check.message


def test_no_file_is_not_ready():
    from coopscore.store import Store

    check = check_import(Store(":memory:"), [], 1)
    assert not check.ready and check.message == "Aucun fichier à importer."


def test_a_role_that_differs_from_the_recorded_one_is_a_problem(store_case):
    data = "respondent,role,item,value\nBruno,elu,S01.V01,2\n".encode("utf-8")
    check = check_import(store_case.store, [("bruno.csv", data)], store_case.assessment)
    assert not check.ready
    assert check.problems == ["« Bruno » est déjà dans l'évaluation avec le rôle "
                              "« technicien·ne », pas « élu·e »."]


def test_problems_are_grouped_by_file_in_the_files_order_with_the_others_last():
    problems = ["b.csv, ligne 2 : x.", "a.csv, ligne 3 : y.", "« Alice » répond à « S01.V01 » "
                "dans a.csv et dans b.csv.", "a.csv.bak, ligne 1 : z.", "a.csv, le fichier est vide."]
    assert group_problems(problems, ["a.csv", "b.csv", "a.csv.bak"]) == [
        ("a.csv", ["ligne 3 : y.", "le fichier est vide."]),
        ("b.csv", ["ligne 2 : x."]),
        ("a.csv.bak", ["ligne 1 : z."]),
        (None, ["« Alice » répond à « S01.V01 » dans a.csv et dans b.csv."]),
    ]


def test_export_contents_count_what_each_scope_holds(demo_db):
    with open_store(demo_db) as db:
        assessments = db.assessments()
        project = int(assessments["project"].iloc[0])
        campaigns = assessments[assessments["project"] == project]
        one = campaigns.iloc[0]
        single = export_contents(db, [int(one["id"])])
        whole_project = export_contents(db, [int(i) for i in campaigns["id"]])
        portfolio = export_contents(db)
        counts = db.counts()
    assert (single.projects, single.assessments, single.respondents, single.answers) == (
        1, 1, one["n_respondents"], one["n_answers"])
    assert whole_project.assessments == len(campaigns)
    assert whole_project.answers == campaigns["n_answers"].sum()
    assert (portfolio.projects, portfolio.assessments, portfolio.respondents,
            portfolio.answers) == (counts["projects"], counts["assessments"],
                                   counts["respondents"], counts["answers"])


def test_export_tables_are_the_exports_own_tables(store_case):
    from coopscore.exchange import export_tables

    assert tuple(export_tables(store_case.store, [store_case.assessment])) == EXPORT_TABLES


def test_file_names_say_what_and_when():
    day = dt.date(2026, 3, 2)
    assert export_filename("assessment", "xlsx", day, 12) == "coopscore-evaluation-12-2026-03-02.xlsx"
    assert export_filename("project", "zip", day, 3) == "coopscore-projet-3-2026-03-02.zip"
    assert export_filename("portfolio", "json", day) == "coopscore-portefeuille-2026-03-02.json"
    assert backup_filename(day) == "coopscore-sauvegarde-2026-03-02.db"
    with pytest.raises(CoopscoreError, match="« tout » inconnue"):
        export_filename("tout", "xlsx", day)


def test_a_backup_is_a_whole_sqlite_database(store_case, tmp_path):
    db = store_case.store
    db.save_answer(store_case.assessment, store_case.respondents["Alice"], "S01.V01", "2")
    data = backup_bytes(db)
    assert data[:16] == b"SQLite format 3\x00"
    copy = tmp_path / "copie.db"
    copy.write_bytes(data)
    with sqlite3.connect(copy) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with open_store(copy) as restored:
        assert restored.dump() == db.dump()


def test_an_import_after_a_check_writes_what_the_check_announced(store_case):
    db = store_case.store
    check = check_import(db, [("atelier.csv", WORKSHOP)], store_case.assessment)
    result = import_answers(db, [("atelier.csv", WORKSHOP)], store_case.assessment)
    assert (result.answers, result.respondents, result.created_respondents) == (
        check.result.answers, check.result.respondents, check.result.created_respondents)
    assert len(db.answers(store_case.assessment)) == check.result.answers
