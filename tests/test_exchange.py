"""Exports, the blank questionnaire and imports: exact round trips, all-or-nothing imports."""

from __future__ import annotations

import csv
import io
import json
import signal
import sqlite3
import subprocess
import sys
import zipfile

import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from coopscore.cli import main
from coopscore.demo import generate_demo
from coopscore.errors import AnswersError, CoopscoreError, StoreError
from coopscore.exchange import (ANSWER_EXPORT_COLUMNS, FORMULA_TRIGGERS, export_bytes,
                                export_tables, import_answers, neutralise, questionnaire_bytes,
                                restore)
from coopscore.grid import load_grid
from coopscore.store import open_store

from .conftest import FILES, ROOT
from .questionnaires import fill_questionnaire

BROKEN = FILES / "broken_imports"
EXPECTED_PROBLEMS = yaml.safe_load((BROKEN / "expected.yaml").read_text(encoding="utf-8"))
COMPARED = ["respondent", "role", "organisation", "item", "value", "comment"]

TRICKY_COMMENTS = {
    "S01.V01": "=SUM(A1:A3)",
    "S01.V02": "+33 6 12 34 56 78",
    "S01.V03": "-- à revoir en comité",
    "S01.V04": "@équipe technique",
    "S01.V05": "'=déjà échappé",
    "S01.V06": 'virgule, point-virgule ; guillemets "x" et apostrophe l\'élu',
    "S01.M01": "accents éèàçœ € « chevrons »",
}


def _named_answers(database, assessment_id: int) -> pd.DataFrame:
    """An assessment's answers with respondent names, sorted, in a comparable form."""
    frame = export_tables(database, [assessment_id])["answers"][COMPARED]
    return frame.astype(object).where(frame.notna(), None).sort_values(
        ["respondent", "item"]).reset_index(drop=True)


@pytest.fixture
def tricky_case(store_case):
    """The store case with answers whose names and comments a spreadsheet would mangle."""
    case = store_case
    database = case.store
    zoe = database.add_respondent(case.assessment, "Zoé « la présidente »", "elu",
                                  "Syndicat mixte, Val de Test")
    oneil = database.add_respondent(case.assessment, "O'Neil, Jr.", "financeur", "=Région")
    rows = [(zoe, item, value) for item, value in
            [("S01.V01", "3"), ("S01.V02", "2"), ("S01.V03", "na"), ("S01.V04", "not_yet"),
             ("S01.V05", "unknown"), ("S01.V06", "0"), ("S01.M01", "in_place")]]
    rows += [(oneil, "S01.V01", "1"), (oneil, "S02.M01", "planned"), (oneil, "S16.V01", "2")]
    rows += [(case.respondents["Alice"], "S03.V01", "2"),
             (case.respondents["Chloé"], "S03.M02", "no")]
    database.save_answers([{"assessment_id": case.assessment, "respondent_id": person,
                            "item": item, "value": value, "comment": TRICKY_COMMENTS.get(item)}
                           for person, item, value in rows])
    return case


# --- formula neutralisation ---------------------------------------------------------


@given(st.text())
def test_neutralised_text_never_starts_a_formula_and_is_restored_exactly(text):
    safe = neutralise(text)
    assert safe[:1] not in FORMULA_TRIGGERS
    assert restore(safe) == text


def test_formula_like_cells_get_one_apostrophe_in_csv_and_xlsx(tricky_case):
    case = tricky_case
    text = export_bytes(case.store, "csv", [case.assessment]).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'=SUM(A1:A3)" in cells and "'+33 6 12 34 56 78" in cells and "'@équipe technique" in \
        cells and "''=déjà échappé" in cells and "'=Région" in cells
    assert not [cell for cell in cells if cell[:1] in FORMULA_TRIGGERS]
    workbook = load_workbook(io.BytesIO(export_bytes(case.store, "xlsx", [case.assessment])))
    values = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell for cell in values if cell.data_type == "f"]
    assert not [cell.value for cell in values
                if isinstance(cell.value, str) and cell.value[:1] in FORMULA_TRIGGERS]
    assert "'=SUM(A1:A3)" in [cell.value for cell in values]


# --- exports ------------------------------------------------------------------------


def test_export_of_one_assessment_names_respondents_and_keeps_every_answer(tricky_case):
    case = tricky_case
    tables = export_tables(case.store, [case.assessment])
    assert list(tables) == ["answers", "assessments", "agreed", "actions", "overall", "scores",
                            "gaps", "recommendations"]
    answers = tables["answers"]
    assert list(answers.columns) == ANSWER_EXPORT_COLUMNS
    assert len(answers) == len(case.store.answers(case.assessment)) == 12
    assert "Zoé « la présidente »" in set(answers["respondent"])
    assert list(tables["assessments"]["assessment"]) == [case.assessment]


def test_every_format_carries_the_same_tables(store):
    generate_demo(store, projects=4, seed=3)
    tables = export_tables(store)
    assert len(tables["answers"]) == store.counts()["answers"]
    assert len(tables["actions"]) == store.counts()["actions"]

    document = json.loads(export_bytes(store, "json"))
    assert (document["format"], document["version"]) == ("coopscore-export", 1)
    assert {name: len(rows) for name, rows in document["tables"].items()} == \
        {name: len(frame) for name, frame in tables.items()}
    assert document["tables"]["answers"][0] == {
        key: (None if pd.isna(value) else value)
        for key, value in tables["answers"].iloc[0].to_dict().items()}

    with zipfile.ZipFile(io.BytesIO(export_bytes(store, "zip"))) as archive:
        assert archive.namelist() == [f"{name}.csv" for name in tables]
        agreed = pd.read_csv(archive.open("agreed.csv"), encoding="utf-8-sig", dtype=str)
    assert len(agreed) == len(tables["agreed"])

    workbook = load_workbook(io.BytesIO(export_bytes(store, "xlsx")), read_only=True)
    assert workbook.sheetnames == ["Réponses", "Évaluations", "Valeurs retenues",
                                   "Plan d'action", "Synthèse", "Scores", "Écarts",
                                   "Recommandations"]
    assert sum(1 for _ in workbook["Réponses"].iter_rows()) == len(tables["answers"]) + 1


def test_exported_scores_are_the_scoring_engine_reading_of_each_campaign(store):
    from coopscore.scoring import recommend, score

    generate_demo(store, projects=6, seed=1)
    context = store.assessment_context()
    assert set(context["grid"]) == {"cooperation", "dialogue"}
    tables = export_tables(store)
    assert sorted(tables["overall"]["assessment"]) == sorted(context["assessment"])
    for _, campaign in context.iterrows():
        one = context[context["assessment"] == campaign["assessment"]]
        grid = store.grid_of(campaign["assessment"])
        direct = score(store.answers([campaign["assessment"]]), grid,
                       assessments=one[["assessment", "phase", "cte"]],
                       agreed=store.agreed([campaign["assessment"]]))
        exported = tables["scores"][tables["scores"]["assessment"] == campaign["assessment"]]
        assert exported["score"].tolist() == pytest.approx(direct.stages["score"].tolist(),
                                                           nan_ok=True)
        methods = recommend(direct, grid)["method"].tolist()
        recommendations = tables["recommendations"]
        assert recommendations.loc[recommendations["assessment"] == campaign["assessment"],
                                   "method"].tolist() == methods
    gaps = tables["gaps"]
    assert (gaps["missing_level"] > 0).all() and len(gaps) > 0
    assert tables["recommendations"]["because"].map(lambda v: isinstance(v, str)).all()
    only = export_tables(store, [int(context["assessment"].iloc[0])])
    assert set(only["overall"]["assessment"]) == {int(context["assessment"].iloc[0])}


def test_export_of_a_project_through_the_command_line(tmp_path, capsys):
    path = tmp_path / "cli.db"
    with open_store(path) as database:
        generate_demo(database, projects=3, seed=5)
        project = int(database.projects()["id"].iloc[0])
        expected = len(database.answers(database.assessments(project)["id"]))
    out = tmp_path / "projet.csv"
    assert main(["export", str(out), "--project", str(project), "--db", str(path)]) == 0
    assert capsys.readouterr().out == f"Export écrit dans {out}.\n"
    assert len(pd.read_csv(out, encoding="utf-8-sig")) == expected
    assert main(["export", str(tmp_path / "x.txt"), "--db", str(path)]) == 2
    assert "Format d'export « txt » inconnu (formats possibles : csv, zip, xlsx, json)." in \
        capsys.readouterr().err


# --- round trips --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_round_trips_exactly(tricky_case, fmt):
    case = tricky_case
    data = export_bytes(case.store, fmt, [case.assessment])
    copy = case.store.create_assessment(case.project, "cooperation", "Copie")
    result = import_answers(case.store, [(f"export.{fmt}", data)], copy,
                            allow_other_assessment=True)
    assert (result.answers, result.respondents, result.created_respondents) == (12, 4, 4)
    assert _named_answers(case.store, copy).equals(_named_answers(case.store, case.assessment))


def test_reimporting_the_same_file_changes_nothing(tricky_case):
    case = tricky_case
    data = export_bytes(case.store, "csv", [case.assessment])
    before = _named_answers(case.store, case.assessment)
    result = import_answers(case.store, [("export.csv", data)], case.assessment)
    assert (result.answers, result.created_respondents) == (12, 0)
    assert _named_answers(case.store, case.assessment).equals(before)
    assert len(case.store.respondents(case.assessment)) == 5


def test_import_can_create_its_assessment_in_the_same_transaction(tricky_case):
    case = tricky_case
    data = export_bytes(case.store, "xlsx", [case.assessment])
    result = import_answers(case.store, [("export.xlsx", data)], project_id=case.project,
                            grid_id="cooperation", label="Atelier du 12 mars",
                            date="2026-03-12")
    created = case.store.assessment(result.assessment_id)
    assert (created.label, created.date, created.grid) == ("Atelier du 12 mars", "2026-03-12",
                                                           "cooperation")
    broken = ("broken.csv", b"respondent,role,item,value\nAlice,elu,S01.V01,9\n")
    assessments_before = len(case.store.assessments())
    with pytest.raises(AnswersError):
        import_answers(case.store, [broken], project_id=case.project, grid_id="cooperation",
                       label="Raté")
    assert len(case.store.assessments()) == assessments_before


# --- the blank questionnaire ---------------------------------------------------------


@pytest.mark.parametrize("grid_id", ["cooperation", "dialogue"])
def test_questionnaire_has_a_sheet_per_stage_hidden_ids_and_dropdowns(grid_id):
    grid = load_grid(grid_id)
    workbook = load_workbook(io.BytesIO(questionnaire_bytes(grid)))
    sections = [f"{grid.label('section')} {s.number}" for s in grid.sections]
    assert workbook.sheetnames == ["Consignes", "_coopscore", *sections]
    assert workbook["_coopscore"].sheet_state == "veryHidden"
    cover = workbook["Consignes"]
    assert "Votre nom ou pseudonyme" in [c.value for c in cover["A"]]
    assert cover["B13"].coordinate in {str(r) for dv in cover.data_validations.dataValidation
                                       for r in dv.sqref.ranges}
    seen = []
    for section, title in zip(grid.sections, sections):
        sheet = workbook[title]
        assert sheet.column_dimensions["A"].hidden and sheet.protection.sheet
        dropdown = {str(cell): dv.formula1 for dv in sheet.data_validations.dataValidation
                    for cell in dv.sqref.ranges}
        rows = [(row[0].value, row[3].coordinate) for row in sheet.iter_rows(min_row=4)
                if row[0].value]
        for item_id, answer_cell in rows:
            kind = grid.item(item_id).kind
            assert dropdown[answer_cell] == ("'_coopscore'!$D$1:$D$7" if kind == "criterion"
                                             else "'_coopscore'!$F$1:$F$4")
            assert not sheet[answer_cell].protection.locked
        seen += [item_id for item_id, _ in rows]
        if section.criteria:
            first = section.criteria[0]
            row = next(r for r in sheet.iter_rows(min_row=4) if r[0].value == first.id)
            assert row[1].value.startswith(first.text)
            assert (row[2].value or "") == "\n".join(f"• {c.text}" for c in first.children)
    assert seen == [item.id for section in grid.sections
                    for item in (*section.criteria, *section.methods)]
    levels = [row[0] for row in workbook["_coopscore"].iter_rows(min_col=4, max_col=4,
                                                                  values_only=True) if row[0]]
    assert levels == ["0 – Pas pris en compte", "1 – Identifié", "2 – En partie traité",
                      "3 – Maîtrisé", "Non concerné", "Étape pas encore abordée",
                      "Je ne sais pas"]


def test_filled_questionnaire_imports_with_dropdown_texts_and_role_label(store_case):
    case = store_case
    blank = questionnaire_bytes(case.store.grid_of(case.assessment), project="P",
                                assessment="Diagnostic initial")
    filled = fill_questionnaire(
        blank, name="Margaux", role="technicien·ne", organisation="GAL du Val",
        answers={"S01.V01": "2 – En partie traité", "S02.V03": "Je ne sais pas",
                 "S05.V02": 3, "S07.V01": "1", "S03.M01": "En place", "S12.M01": "Prévue"},
        comments={"S01.V01": "à discuter, voir le comité", "S07.V01": "vu en comité"})
    result = import_answers(case.store, [("margaux.xlsx", filled)], case.assessment)
    assert (result.answers, result.created_respondents) == (6, 1)
    answers = _named_answers(case.store, case.assessment)
    mine = answers[answers["respondent"] == "Margaux"].set_index("item")
    assert mine["value"].to_dict() == {"S01.V01": "2", "S02.V03": "unknown", "S03.M01": "in_place",
                                       "S05.V02": "3", "S07.V01": "1", "S12.M01": "planned"}
    assert set(mine["role"]) == {"technicien"} and set(mine["organisation"]) == {"GAL du Val"}
    assert mine.loc["S01.V01", "comment"] == "à discuter, voir le comité"


def test_several_questionnaires_import_together_or_not_at_all(store_case):
    case = store_case
    blank = questionnaire_bytes(case.store.grid_of(case.assessment))
    good = fill_questionnaire(blank, name="Nina", role="élu·e", answers={"S01.V01": "3"})
    other = fill_questionnaire(blank, name="Nina", role="élu·e", answers={"S01.V01": "1"})
    bad = fill_questionnaire(blank, name="Oscar", role="partenaire", answers={"S01.V02": "12"})
    before = case.store.dump()
    with pytest.raises(AnswersError) as caught:
        import_answers(case.store, [("nina.xlsx", good), ("nina-bis.xlsx", other),
                                    ("oscar.xlsx", bad)], case.assessment)
    assert caught.value.message == "Rien n'a été importé : 2 problème(s) à corriger."
    assert caught.value.problems == [
        "oscar.xlsx, feuille « Étape 1 », ligne 6 : valeur « 12 » hors échelle "
        "(0 (Pas pris en compte), 1 (Identifié), 2 (En partie traité), 3 (Maîtrisé), « Non concerné », « Étape pas encore abordée », « Je ne sais pas »).",
        "« Nina » répond à « S01.V01 » dans nina.xlsx et dans nina-bis.xlsx.",
    ]
    assert case.store.dump() == before
    fixed = fill_questionnaire(blank, name="Oscar", role="partenaire", answers={"S01.V02": "2"})
    result = import_answers(case.store, [("nina.xlsx", good), ("oscar.xlsx", fixed)],
                            case.assessment)
    assert (result.answers, result.respondents) == (2, 2)


# --- refused imports ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED_PROBLEMS))
def test_broken_file_lists_each_problem_and_leaves_the_database_unchanged(store_case, name):
    case = store_case
    case.store.save_answer(case.assessment, case.respondents["Alice"], "S01.V01", "1")
    before = case.store.dump()
    with pytest.raises(AnswersError) as caught:
        import_answers(case.store, [BROKEN / name], case.assessment)
    error = caught.value
    assert error.message.startswith("Rien n'a été importé : ")
    for fragment in EXPECTED_PROBLEMS[name]:
        assert any(fragment in problem for problem in error.problems), (fragment, error.problems)
    assert len(error.problems) == len(EXPECTED_PROBLEMS[name])
    assert case.store.dump() == before


def test_every_broken_file_has_an_expectation():
    files = sorted(p.name for p in BROKEN.iterdir() if p.suffix in (".csv", ".xlsx", ".xls", ".png"))
    assert files == sorted(EXPECTED_PROBLEMS)


def test_oversized_file_is_refused_before_reading(store_case):
    case = store_case
    big = b"respondent,role,item,value\n" + b"Alice,elu,S01.V01,2\n" * 2000
    with pytest.raises(AnswersError) as caught:
        import_answers(case.store, [("big.csv", big)], case.assessment, max_bytes=10_000)
    assert caught.value.problems[0].startswith("big.csv, le fichier fait 0,0 Mo, au-delà de la "
                                               "limite de 0,0 Mo")
    assert case.store.answers().empty


def test_respondent_already_there_with_another_role_is_refused(store_case):
    case = store_case
    before = case.store.dump()
    data = b"respondent,role,item,value\nAlice,technicien,S01.V01,2\nZo\xc3\xa9,elu,S01.V02,1\n"
    with pytest.raises(AnswersError) as caught:
        import_answers(case.store, [("alice.csv", data)], case.assessment)
    assert caught.value.problems == [
        "« Alice » est déjà dans l'évaluation avec le rôle « élu·e », "
        "pas « technicien·ne »."]
    assert case.store.dump() == before


def test_closed_assessment_refuses_imports(store_case):
    case = store_case
    case.store.close_assessment(case.assessment)
    with pytest.raises(StoreError, match="est clôturée"):
        import_answers(case.store, [("a.csv", b"respondent,role,item,value\nA,elu,S01.V01,2\n")],
                       case.assessment)


def test_dry_run_checks_everything_and_writes_nothing(tricky_case):
    case = tricky_case
    data = export_bytes(case.store, "csv", [case.assessment])
    copy = case.store.create_assessment(case.project, "cooperation", "Copie")
    before = case.store.dump()
    result = import_answers(case.store, [("export.csv", data)], copy, dry_run=True,
                            allow_other_assessment=True)
    assert (result.dry_run, result.answers, result.created_respondents) == (True, 12, 4)
    assert case.store.dump() == before


def test_import_command_lists_problems_in_french_and_exits_2(tmp_path, capsys, store_case):
    case = store_case
    path = str(case.store.path)
    case.store.close()
    args = ["import", str(BROKEN / "value_off_scale.csv"), "--assessment",
            str(case.assessment), "--db", path]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("Rien n'a été importé : 3 problème(s) à corriger.\n"
                          "- value_off_scale.csv")
    good = tmp_path / "ok.csv"
    good.write_text("respondent,role,item,value\nAlice,elu,S01.V01,2\nPaul,autre,S01.V02,na\n",
                    encoding="utf-8")
    assert main([*args[:1], str(good), *args[2:]]) == 0
    assert capsys.readouterr().out == (
        "2 réponse(s) de 2 répondant·e(s) importée(s) dans l'évaluation n° 1 "
        "« Diagnostic initial » (1 personne(s) ajoutée(s)).\n")
    with pytest.raises(CoopscoreError, match="Indiquez l'évaluation"):
        import_answers(open_store(path), [good])


def test_template_command_writes_a_questionnaire_for_an_assessment(tmp_path, capsys, store_case):
    case = store_case
    out = tmp_path / "questionnaire.xlsx"
    assert main(["template", "-o", str(out), "--assessment", str(case.assessment),
                 "--db", str(case.store.path)]) == 0
    assert "Questionnaire vierge de la grille « cooperation » (version 1.0)" in \
        capsys.readouterr().out
    cover = load_workbook(out)["Consignes"]
    assert cover["A3"].value == \
        "Projet : Circuits courts — essai — évaluation : Diagnostic initial"


# --- a process killed in the middle of an import -------------------------------------

_KILLED_IMPORT = """
import sys
from coopscore.exchange import import_answers
from coopscore.store import open_store

def wait_to_be_killed(done, total):
    if done < total:
        print("writing", done, total, flush=True)
        sys.stdin.readline()  # the transaction stays open until the parent kills us

database = open_store(sys.argv[1])
import_answers(database, [sys.argv[2]], int(sys.argv[3]), progress=wait_to_be_killed,
               batch_size=100)
print("committed", flush=True)
"""


def test_process_killed_during_an_import_leaves_the_database_as_it_was(store_case, tmp_path):
    case = store_case
    grid = case.store.grid_of(case.assessment)
    items = [item.id for item in (*grid.criteria(), *grid.methods())]
    rows = ["respondent,role,item,value"] + [
        f"Personne {n},partenaire,{item},{'no' if '.M' in item else n % 4}"
        for n in range(6) for item in items]
    big = tmp_path / "atelier.csv"
    big.write_text("\n".join(rows) + "\n", encoding="utf-8")
    case.store.save_answer(case.assessment, case.respondents["Alice"], "S01.V01", "2")
    before = case.store.dump()
    path = str(case.store.path)
    case.store.close()

    child = subprocess.Popen([sys.executable, "-c", _KILLED_IMPORT, path, str(big),
                              str(case.assessment)], cwd=ROOT, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.split()[:2] == ["writing", "100"], child.stderr.read()
        # The import holds the write lock: its transaction is open, rows written.
        probe = sqlite3.connect(path, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            probe.execute("BEGIN IMMEDIATE")
        probe.close()
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    with open_store(path) as database:
        assert database.dump() == before
        assert database.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        result = import_answers(database, [big], case.assessment)
        assert result.answers == len(rows) - 1
