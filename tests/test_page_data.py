"""Données: imports checked before anything is written, then all at once; questionnaire,
export and backup downloads; empty states."""

from __future__ import annotations

import pytest

from coopscore.store import open_store

from .conftest import FILES, app_test, rendered

PAGE = "views/data.py"
SECTIONS = ["1. Importer des réponses", "2. Questionnaire vierge pour un atelier", "3. Exporter",
            "4. Sauvegarde"]
DOWNLOADS = ["Télécharger le questionnaire (.xlsx)", "Questionnaire à imprimer (PDF)",
             "Télécharger l'export",
             "Télécharger une sauvegarde de la base (.db)"]
WORKSHOP = ("respondent,role,item,value,comment\n"
            "Zoé,élu·e,S01.V01,2,à creuser\n"
            "Zoé,elu,S01.V02,3,\n"
            "Yann,technicien,S01.V01,1,\n").encode("utf-8")


def _open_assessment(db) -> tuple[int, int]:
    """A draft cooperation assessment of the demo: (project, assessment)."""
    assessments = db.assessments()
    row = assessments[(assessments["status"] == "draft")
                      & (assessments["grid"] == "cooperation")].iloc[0]
    return int(row["project"]), int(row["id"])


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def _upload(at, *files: tuple[str, bytes]):
    at.file_uploader[0].set_value([(name, data, "application/octet-stream")
                                   for name, data in files]).run()
    assert not at.exception
    return at


def test_an_empty_database_says_to_create_a_project_first():
    at = app_test(PAGE)
    assert not at.exception
    assert at.title[0].value == "Données"
    assert [s.value for s in at.subheader] == SECTIONS
    infos = [i.value for i in at.info]
    assert any("il faut d'abord un projet" in i for i in infos)
    assert any("Rien à exporter" in i for i in infos)
    assert any("rien à sauvegarder" in i for i in infos)
    assert [link.proto.page for link in at.main.get("page_link")][:1] == ["auto-evaluation"]
    assert any("python -m coopscore demo" in c.value for c in at.caption)
    assert not at.file_uploader
    # the blank questionnaire needs no database
    assert [b.proto.label for b in at.get("download_button")] == DOWNLOADS[:2]


def test_with_demo_data_the_four_sections_and_their_downloads_are_there(demo_db):
    with open_store(demo_db) as db:
        project_id, assessment_id = _open_assessment(db)
        assessment = db.assessment(assessment_id)
        counts = db.assessments(project_id).set_index("id").loc[assessment_id]
    at = app_test(PAGE, project_id=project_id, assessment_id=assessment_id)
    assert not at.exception
    assert [s.value for s in at.subheader] == SECTIONS
    assert [b.proto.label for b in at.get("download_button")] == DOWNLOADS
    target = at.radio(key="data_import_target")
    assert target.value == "selected"
    assert f"« {assessment.label} »" in target.options[0]
    assert len(at.file_uploader) == 1
    text = _markdown(at)
    assert f"**{counts['n_answers']} réponses de {counts['n_respondents']} personnes**" in text
    assert "un onglet par table : Réponses, Évaluations" in text
    assert f"`{demo_db}`" in text and "arrêtez l'appli" in text


def test_another_format_or_scope_changes_what_the_export_says(demo_db):
    with open_store(demo_db) as db:
        project_id, assessment_id = _open_assessment(db)
        total = db.counts()["answers"]
    at = app_test(PAGE, project_id=project_id, assessment_id=assessment_id)
    at.radio(key="data_export_format").set_value("zip").run()
    assert "`answers.csv` (réponses)" in _markdown(at)
    at.radio(key="data_export_scope").set_value("portfolio").run()
    assert not at.exception
    assert f"**{total:,} réponses".replace(",", "\u202f") in _markdown(at)


def test_without_a_project_the_import_asks_for_one_and_export_offers_the_portfolio(demo_db):
    at = app_test(PAGE)
    assert not at.exception
    assert "Choisissez dans le menu latéral le projet" in at.info[0].value
    assert not at.file_uploader
    assert at.radio(key="data_export_scope").options[0].startswith("Tout le portefeuille")


def test_a_valid_csv_is_previewed_then_imported_in_one_go(demo_db):
    with open_store(demo_db) as db:
        project_id, assessment_id = _open_assessment(db)
        before = db.dump()
        people_before = len(db.respondents(assessment_id))
    at = app_test(PAGE, project_id=project_id, assessment_id=assessment_id)
    _upload(at, ("atelier.csv", WORKSHOP))
    assert "3 réponses de 2 personnes prêtes à importer" in at.success[0].value
    preview = at.dataframe[0].value
    assert list(preview["respondent"]) == ["Zoé", "Yann"]
    assert list(preview["role"]) == ["élu·e", "technicien·ne"]
    with open_store(demo_db) as db:
        assert db.dump() == before  # the check wrote nothing

    at.button(key="data_import_button").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Import réussi : 3 réponses de 2 personnes")
    with open_store(demo_db) as db:
        answers = db.answers(assessment_id)
        respondents = db.respondents(assessment_id).set_index("name")
    assert len(respondents) == people_before + 2
    zoe = answers[answers["respondent"] == respondents.loc["Zoé", "id"]]
    assert dict(zip(zoe["item"], zoe["value"])) == {"S01.V01": "2", "S01.V02": "3"}
    assert f"{len(answers)} réponses de {len(respondents)} personnes" in at.success[0].value
    assert at.file_uploader[0].value == []  # a fresh uploader for the next files
    assert "resultats" in [link.proto.page for link in at.main.get("page_link")]


def test_broken_files_list_every_problem_and_leave_the_database_unchanged(demo_db):
    with open_store(demo_db) as db:
        project_id, assessment_id = _open_assessment(db)
        before = db.dump()
    broken = FILES / "broken_imports"
    at = app_test(PAGE, project_id=project_id, assessment_id=assessment_id)
    _upload(at, ("atelier.csv", WORKSHOP),
            *[(name, (broken / name).read_bytes())
              for name in ("tab.csv", "latin1.csv", "image.png", "empty.csv")])
    assert at.error[0].value == "Rien n'a été importé : 4 problèmes à corriger."
    text = _markdown(at)
    for expected in ("**tab.csv — 1 problème**", "séparées par des tabulations",
                     "**latin1.csv — 1 problème**", "ligne 2 : le texte n'est pas en UTF-8",
                     "**image.png — 1 problème**", "ni un CSV ni un classeur",
                     "**empty.csv — 1 problème**", "le fichier est vide"):
        assert expected in text, expected
    assert "atelier.csv" not in text  # the valid file has nothing to say
    assert all(button.key != "data_import_button" for button in at.button)
    with open_store(demo_db) as db:
        assert db.dump() == before


def test_answers_go_to_a_new_assessment_which_becomes_the_selection(demo_db):
    with open_store(demo_db) as db:
        project_id, assessment_id = _open_assessment(db)
        campaigns = len(db.assessments(project_id))
    at = app_test(PAGE, project_id=project_id, assessment_id=assessment_id)
    at.radio(key="data_import_target").set_value("new").run()
    at.text_input(key=f"data_import_label_{project_id}").input("Atelier du 12 mars").run()
    _upload(at, ("atelier.csv", WORKSHOP))
    assert "prêtes à importer dans « Atelier du 12 mars »" in at.success[0].value
    with open_store(demo_db) as db:
        assert len(db.assessments(project_id)) == campaigns  # not created by the check
    at.button(key="data_import_button").click().run()
    assert not at.exception
    with open_store(demo_db) as db:
        assessments = db.assessments(project_id).set_index("label")
    assert len(assessments) == campaigns + 1
    new = assessments.loc["Atelier du 12 mars"]
    assert (new["n_respondents"], new["n_answers"]) == (2, 3)
    assert at.session_state["assessment_id"] == int(new["id"])


def test_a_new_assessment_without_label_is_not_checked(demo_db):
    with open_store(demo_db) as db:
        project_id, assessment_id = _open_assessment(db)
    at = app_test(PAGE, project_id=project_id, assessment_id=assessment_id)
    at.radio(key="data_import_target").set_value("new").run()
    at.text_input(key=f"data_import_label_{project_id}").input("  ").run()
    _upload(at, ("atelier.csv", WORKSHOP))
    assert "Donnez un intitulé" in at.warning[0].value
    assert not at.success and not at.error


def test_a_closed_assessment_is_not_offered_as_the_target(demo_db):
    with open_store(demo_db) as db:
        closed = db.assessments().query("status == 'closed'").iloc[0]
    at = app_test(PAGE, project_id=int(closed["project"]), assessment_id=int(closed["id"]))
    assert not at.exception
    assert [rendered(o) for o in at.radio(key="data_import_target").options] == [
        f"Dans une nouvelle évaluation du projet « {closed['project_name']} »"]
    assert any("est clôturée" in c.value for c in at.caption)


def test_a_file_of_another_assessment_is_imported_only_once_confirmed(demo_db):
    from coopscore.exchange import export_bytes

    with open_store(demo_db) as db:
        project_id, source = _open_assessment(db)
        data = export_bytes(db, "csv", [source])
        expected = len(db.answers(source))
        assessment_id = db.create_assessment(project_id, "cooperation", "Reprise")
        before = db.dump()
    at = app_test(PAGE, project_id=project_id, assessment_id=assessment_id)
    _upload(at, ("ancienne.csv", data))
    assert not at.exception
    assert any(f"celui de l'évaluation n° {source}" in m for m in _markdown(at).split("\n"))
    assert not [b for b in at.button if b.key == "data_import_button"]
    (confirm,) = [c for c in at.checkbox if c.label.startswith("Je confirme")]
    assert "ancienne.csv" in confirm.label and "« Reprise »" in confirm.label
    with open_store(demo_db) as db:
        assert db.dump() == before
    confirm.check().run()
    assert not at.exception
    assert "prêtes à importer" in at.success[0].value
    with open_store(demo_db) as db:
        assert db.dump() == before, "the check wrote nothing"
    at.button(key="data_import_button").click().run()
    assert not at.exception
    with open_store(demo_db) as db:
        assert len(db.answers(assessment_id)) == expected


def test_an_anonymous_assessment_is_exported_with_pseudonyms_unless_names_are_kept(
        demo_db, deferred_downloads):
    with open_store(demo_db) as db:
        project_id, assessment_id = _open_assessment(db)
        db.conn.execute("UPDATE assessments SET anonymous = 1 WHERE id = ?", [assessment_id])
        names = list(db.respondents(assessment_id)["name"])
        assessment = db.assessment(assessment_id)
    at = app_test(PAGE, project_id=project_id, assessment_id=assessment_id)
    at.radio(key="data_export_format").set_value("xlsx").run()
    # the pseudonyms would not find the people again: no « se réimporte tel quel » promised
    assert "se réimporte tel quel" not in _markdown(at) and "Le classeur contiendra" in _markdown(at)
    at.radio(key="data_export_format").set_value("json").run()
    assert not at.exception
    assert any("1 évaluation anonyme dans cet export" in i.value for i in at.info)
    next(b for b in at.get("download_button") if b.proto.label == "Télécharger l'export").click()
    at.run()
    (file_name,) = [name for name in deferred_downloads if name.endswith(".json")]
    data = deferred_downloads[file_name]().decode("utf-8")
    assert names and not [name for name in names if name in data]
    assert "Répondant·e 1" in data
    at.checkbox(key="data_export_names").check().run()
    assert not at.exception
    assert any("gardez-le pour vous" in w.value for w in at.warning)
    next(b for b in at.get("download_button") if b.proto.label == "Télécharger l'export").click()
    at.run()
    data = deferred_downloads[file_name]().decode("utf-8")
    assert all(name in data for name in names), assessment.label


@pytest.mark.parametrize(("fmt", "promise"), [
    ("xlsx", "L'onglet « Réponses » se réimporte tel quel."),
    ("zip", "colonnes séparées par « ; » et décimales à virgule")])
def test_the_export_says_what_the_file_holds_and_that_it_re_imports(demo_db, fmt, promise):
    with open_store(demo_db) as db:
        project_id, assessment_id = _open_assessment(db)
        assert not db.assessment(assessment_id).anonymous
    at = app_test(PAGE, project_id=project_id, assessment_id=assessment_id)
    at.radio(key="data_export_format").set_value(fmt).run()
    assert not at.exception
    assert promise in _markdown(at)
    assert "se réimporte tel quel" in _markdown(at)
