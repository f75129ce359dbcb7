"""Exports, the blank questionnaire and imports: exact round trips, all-or-nothing imports."""

from __future__ import annotations

import csv
import io
import json
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile

import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from coopscore.answers import Limits
from coopscore.cli import main
from coopscore.demo import generate_demo
from coopscore.errors import AnswersError, CoopscoreError, StoreError
from coopscore.exchange import (ANSWER_EXPORT_COLUMNS, FORMULA_TRIGGERS, export_bytes,
                                export_tables, import_answers, neutralise, questionnaire_bytes,
                                restore)
from coopscore.grid import load_grid
from coopscore.store import AnswerRow, open_store
from coopscore.text import clean_text, control_characters
from coopscore.transfers import check_import

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
    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]
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
        agreed = pd.read_csv(archive.open("agreed.csv"), encoding="utf-8-sig", dtype=str, sep=";")
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
    assert len(pd.read_csv(out, encoding="utf-8-sig", sep=";")) == expected
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
    assert caught.value.message == "Rien n'a été importé : 2 problèmes à corriger."
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
    assert caught.value.problems[0].startswith("big.csv, le fichier fait 0 Mo, au-delà de la "
                                               "limite de 0 Mo")
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
    assert err.startswith("Rien n'a été importé : 3 problèmes à corriger.\n"
                          "- value_off_scale.csv")
    good = tmp_path / "ok.csv"
    good.write_text("respondent,role,item,value\nAlice,elu,S01.V01,2\nPaul,autre,S01.V02,na\n",
                    encoding="utf-8")
    assert main([*args[:1], str(good), *args[2:]]) == 0
    assert capsys.readouterr().out == (
        "2 réponses de 2 répondant·es importées dans l'évaluation n° 1 "
        "« Diagnostic initial » (1 personne ajoutée).\n")
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
    # every point the (non-CTE) project is asked
    items = [item.id for item in (*grid.criteria(), *grid.methods()) if not item.cte]
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


# --- the hostile corpus -------------------------------------------------------------

HOSTILE = FILES / "hostile"
HOSTILE_EXPECTED = yaml.safe_load((HOSTILE / "expected.yaml").read_text(encoding="utf-8"))
HOSTILE_VALID = {
    "declared_dimension.xlsx": [("Alice", "S01.V01", "2", "ok"), ("Alice", "S01.V02", "3", None)],
    "spellings.csv": [("Alice", "S01.M01", "in_place", None), ("Alice", "S01.V01", "3", None),
                      ("Alice", "S01.V02", "3", None), ("Alice", "S01.V03", "2", None),
                      ("Alice", "S01.V04", "2", None), ("Alice", "S01.V05", "na", None),
                      ("Alice", "S01.V06", "unknown", None),
                      ("Alice", "S01.V07", "not_yet", None)],
    "multi_line_comment.csv": [("Alice", "S01.V01", "2",
                                'deux lignes,\navec « "guillemets" », virgules'),
                               ("Alice", "S01.V02", "1", None)],
    # the file's hidden list maps « 2 – En partie traité » to 3: the dropdown text still reads 2
    "remapped_meta.xlsx": [("Nina", "S01.V01", "2", None)],
}


def _make_corpus():
    sys.path.insert(0, str(HOSTILE))
    try:
        import make_corpus
    finally:
        sys.path.remove(str(HOSTILE))
    return make_corpus


def _database_hash(path) -> str:
    """sha256 of the database file and of its write-ahead log, if any."""
    import hashlib

    digest = hashlib.sha256(path.read_bytes())
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        digest.update(wal.read_bytes())
    return digest.hexdigest()


def test_hostile_corpus_is_what_its_script_makes_and_every_file_has_an_expectation():
    made = set(_make_corpus().corpus())
    on_disk = {p.name for p in HOSTILE.iterdir() if p.suffix in (".csv", ".xlsx")}
    assert made == on_disk
    assert on_disk == set(HOSTILE_EXPECTED) | set(HOSTILE_VALID)
    assert not set(HOSTILE_EXPECTED) & set(HOSTILE_VALID)


@pytest.mark.parametrize("name", sorted(HOSTILE_EXPECTED))
def test_hostile_file_is_refused_in_french_and_the_database_file_is_unchanged(
        store_case, store_path, name):
    case = store_case
    case.store.save_answer(case.assessment, case.respondents["Alice"], "S01.V01", "1")
    before = _database_hash(store_path)
    for dry_run in (True, False):
        with pytest.raises(AnswersError) as caught:
            import_answers(case.store, [HOSTILE / name], case.assessment, dry_run=dry_run)
        error = caught.value
        assert error.message.startswith("Rien n'a été importé : ")
        for fragment in HOSTILE_EXPECTED[name]:
            assert any(fragment in problem for problem in error.problems), (fragment,
                                                                             error.problems)
        assert len(error.problems) == len(HOSTILE_EXPECTED[name]), error.problems
        assert _database_hash(store_path) == before
    check = check_import(case.store, [HOSTILE / name], case.assessment)
    assert not check.ready and check.problems == error.problems
    assert _database_hash(store_path) == before


@pytest.mark.parametrize("name", sorted(HOSTILE_VALID))
def test_valid_hostile_file_writes_exactly_its_rows(store_case, store_path, name):
    case = store_case
    target = case.store.create_assessment(case.project, "cooperation", "Atelier")
    before = _database_hash(store_path)
    checked = import_answers(case.store, [HOSTILE / name], target, dry_run=True)
    assert _database_hash(store_path) == before
    result = import_answers(case.store, [HOSTILE / name], target)
    assert result.answers == checked.answers == len(HOSTILE_VALID[name])
    written = _named_answers(case.store, target)
    assert sorted(written[["respondent", "item", "value", "comment"]].itertuples(
        index=False, name=None)) == sorted(HOSTILE_VALID[name])


CTE_FILES = {"cte_items.csv": [("Alice", "S02.V06", "2"), ("Alice", "S02.V07", "3"),
                               ("Alice", "S08.M04", "in_place"), ("Bruno", "S02.V07", "1")],
             "cte_questionnaire.xlsx": [("Nina", "S02.V06", "2"), ("Nina", "S02.V07", "3")]}


@pytest.mark.parametrize("name", sorted(CTE_FILES))
def test_answers_to_cte_points_import_into_a_cte_project_only(store_case, store_path, name):
    case = store_case
    european = case.store.create_project("Interreg — essai", case.territory, cte=True)
    target = case.store.create_assessment(european, "cooperation", "Atelier")
    result = import_answers(case.store, [HOSTILE / name], target)
    assert result.answers == len(CTE_FILES[name])
    written = _named_answers(case.store, target)
    assert sorted(written[["respondent", "item", "value"]].itertuples(index=False, name=None)) \
        == sorted(CTE_FILES[name])
    # into a new assessment of the non-CTE project: refused the same, nothing created
    before = _database_hash(store_path)
    with pytest.raises(AnswersError) as caught:
        import_answers(case.store, [HOSTILE / name], project_id=case.project,
                       grid_id="cooperation", label="Atelier")
    assert all("ne concerne que les projets de coopération territoriale européenne" in p
               for p in caught.value.problems)
    assert _database_hash(store_path) == before
    assert len(case.store.assessments(case.project)) == 1


def test_a_zip_bomb_is_refused_from_its_directory_within_a_second(store_case):
    bomb = _make_corpus().zip_bomb(320 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024
    started = time.monotonic()
    with pytest.raises(AnswersError) as caught:
        import_answers(store_case.store, [("bombe.xlsx", bomb)], store_case.assessment)
    assert time.monotonic() - started < 1
    assert caught.value.problems == [
        "bombe.xlsx, le classeur occuperait 320 Mo une fois décompressé, au-delà de la limite "
        "de 200 Mo ; découpez-le en plusieurs fichiers ou enregistrez-le en « CSV UTF-8 »."]


def test_each_limit_refuses_a_file_past_it_and_only_then(store_case):
    case = store_case
    padded = _make_corpus().zip_bomb(2 * 1024 * 1024)
    strict = Limits(uncompressed_bytes=1024 * 1024, compression_ratio=10**6)
    with pytest.raises(AnswersError, match="occuperait 2 Mo une fois décompressé, au-delà "
                                           "de la limite de 1 Mo"):
        import_answers(case.store, [("petit.xlsx", padded)], case.assessment, limits=strict)
    with pytest.raises(AnswersError, match="le fichier a plus de 1 lignes de réponses"):
        import_answers(case.store, [HOSTILE / "spellings.csv"], case.assessment,
                       limits=Limits(rows=1))
    with pytest.raises(AnswersError, match="ligne 1 : 5 colonnes, au-delà de la limite de 4"):
        import_answers(case.store, [HOSTILE / "spellings.csv"], case.assessment,
                       limits=Limits(columns=4))
    with pytest.raises(AnswersError, match="la feuille a plus de 6 cellules à lire"):
        import_answers(case.store, [HOSTILE / "declared_dimension.xlsx"], case.assessment,
                       limits=Limits(cells=6))
    lenient = Limits(compression_ratio=10**6)
    assert import_answers(case.store, [("petit.xlsx", padded)], case.assessment,
                          limits=lenient).answers == 2


def test_a_file_on_disk_past_the_limit_is_not_read_whole(store_case, tmp_path):
    from coopscore import answers, exchange

    big = tmp_path / "gros.csv"
    big.write_bytes(b"respondent,role,item,value\n" + b"Alice,elu,S01.V01,2\n" * 5000)
    assert len(exchange._source_bytes(big, 10_000)[0]) == 10_001
    assert len(answers._source_bytes(big, None, 10_000)[0]) == 10_001
    with pytest.raises(AnswersError, match="au-delà de la limite"):
        import_answers(store_case.store, [big], store_case.assessment, max_bytes=10_000)


def test_a_file_naming_another_assessment_is_a_problem_to_confirm_in_the_data_page(tricky_case):
    case = tricky_case
    data = export_bytes(case.store, "csv", [case.assessment])
    copy = case.store.create_assessment(case.project, "cooperation", "Copie")
    refused = check_import(case.store, [("export.csv", data)], copy)
    assert not refused.ready
    assert refused.problems == [
        f"export.csv, le fichier est celui de l'évaluation n° {case.assessment} (colonne "
        f"assessment), or vous importez dans l'évaluation n° {copy} ; vérifiez que c'est le bon "
        "fichier. Si c'est voulu, confirmez-le (case à cocher sous la liste, ou "
        "--allow-other-assessment en ligne de commande) ou videz la colonne assessment."]
    assert refused.other_assessment_files == ["export.csv"]
    confirmed = check_import(case.store, [("export.csv", data)], copy, allow_other_assessment=True)
    assert confirmed.ready and confirmed.result.answers == 12


def test_xlsx_export_drops_control_characters_already_stored(store_case):
    case = store_case
    ghost = case.store.add_respondent(case.assessment, "Zo\x01é", "elu")
    case.store.save_answers([{"assessment_id": case.assessment, "respondent_id": ghost,
                              "item": "S01.V01", "value": "2",
                              "comment": "avant\x0baprès\x00fin"}])
    data = export_bytes(case.store, "xlsx", [case.assessment])
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = [dict(zip([c.value for c in sheet[1]], [c.value for c in row]))
            for row in sheet.iter_rows(min_row=2)]
    assert {"respondent": "Zoé", "comment": "avantaprèsfin"}.items() <= next(
        row for row in rows if row["respondent"] == "Zoé").items()
    assert export_bytes(case.store, "csv", [case.assessment])  # CSV keeps text as stored


@given(st.text())
def test_clean_text_leaves_only_what_a_workbook_can_hold(text):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cleaned = clean_text(text)
    assert not ILLEGAL_CHARACTERS_RE.search(cleaned)
    assert not control_characters(cleaned)
    cleaned.encode("utf-8")  # no lone surrogate left
    assert clean_text(cleaned) == cleaned
    if not control_characters(text):
        assert cleaned == text


# --- CSV for French Excel ----------------------------------------------------------------


def test_csv_is_semicolon_separated_with_decimal_commas_and_reads_back_the_same():
    from coopscore.exchange import csv_bytes

    frame = pd.DataFrame({"projet": ["Pays d'Arles, Camargue", "Écoles ; cantines"],
                          "score": [57.5, None], "n": [3.0, 4.0]})
    data = csv_bytes(frame)
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "projet;score;n"
    assert "57,5" in text and "57.5" not in text and ";3\n" in text  # whole numbers stay whole
    back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")
    assert back["projet"].tolist() == frame["projet"].tolist()  # nothing cut, quotes kept
    assert back["score"].iloc[0] == 57.5 and pd.isna(back["score"].iloc[1])
    comma = csv_bytes(frame, "comma").decode("utf-8-sig")
    assert comma.splitlines()[0] == "projet,score,n" and "57.5" in comma
    with pytest.raises(CoopscoreError, match="Forme de CSV « tsv » inconnue"):
        csv_bytes(frame, "tsv")


def test_a_semicolon_csv_saved_by_french_excel_imports(store_case):
    data = (FILES / "answers_semicolon.csv").read_bytes()
    result = import_answers(store_case.store, [("excel.csv", data)], store_case.assessment)
    assert result.answers == 1
    answers = store_case.store.answers(store_case.assessment)
    assert answers[["item", "value"]].values.tolist() == [["S01.V01", "2"]]


def test_the_comma_export_still_round_trips(tricky_case):
    case = tricky_case
    data = export_bytes(case.store, "csv", [case.assessment], dialect="comma")
    assert data.decode("utf-8-sig").splitlines()[0].startswith("assessment,respondent,")
    copy = case.store.create_assessment(case.project, "cooperation", "Copie")
    result = import_answers(case.store, [("export.csv", data)], copy, allow_other_assessment=True)
    assert result.answers == 12


# --- print-ready questionnaire, CTE items, the PDF version ---------------------------------


def test_the_questionnaire_workbook_is_print_ready(cooperation):
    book = load_workbook(io.BytesIO(questionnaire_bytes(cooperation)))
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        setup = sheet.page_setup
        assert int(setup.paperSize) == int(sheet.PAPERSIZE_A4)  # A4
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert "&P" in sheet.oddFooter.right.text
    stage = [sheet for sheet in book.worksheets if sheet.sheet_state == "visible"][1]
    assert stage.page_setup.orientation == "landscape"
    assert stage.print_title_rows == "$1:$3"  # title and column headers on every page
    assert stage["B5"].alignment.wrap_text


def _questionnaire_items(data: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(data))
    return [row[0].value for sheet in book.worksheets[1:] if sheet.title != "_coopscore"
            for row in sheet.iter_rows(min_row=4) if row[0].value]


def test_a_non_cte_project_gets_no_cte_item_in_its_questionnaire(cooperation):
    cte_items = {item.id for item in cooperation.items(top_level=True) if item.cte}
    assert cte_items
    assert cte_items <= set(_questionnaire_items(questionnaire_bytes(cooperation)))
    without = _questionnaire_items(questionnaire_bytes(cooperation, cte=False))
    assert not cte_items & set(without)
    assert len(without) == len(list(cooperation.items(top_level=True))) - len(cte_items)
    cover = load_workbook(io.BytesIO(questionnaire_bytes(cooperation, cte=False))).worksheets[0]
    assert "ne figurent pas" in cover["A4"].value


def test_the_template_command_follows_the_projects_cte(tmp_path, capsys):
    from pypdf import PdfReader

    path = tmp_path / "c.db"
    with open_store(path) as db:
        territory = db.create_territory("Pays")
        project = db.create_project("Sans CTE", territory, cte=False)
        assessment = db.create_assessment(project, "cooperation", "Tour 1")
    grid = load_grid("cooperation")
    cte_items = {item.id for item in grid.items(top_level=True) if item.cte}
    out = tmp_path / "q.xlsx"
    assert main(["template", "-o", str(out), "--assessment", str(assessment), "--db", str(path)]) == 0
    assert not cte_items & set(_questionnaire_items(out.read_bytes()))
    pdf = tmp_path / "q.pdf"
    assert main(["template", "-o", str(pdf), "--assessment", str(assessment), "--db", str(path)]) == 0
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "S01.V01" in text and not any(item in text for item in cte_items)


def test_the_paper_questionnaire_has_every_item_and_a_box_per_answer(cooperation):
    from pypdf import PdfReader

    from coopscore.exchange import questionnaire_pdf

    reader = PdfReader(io.BytesIO(questionnaire_pdf(cooperation, project="Essai",
                                                    assessment="Tour 1")))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Questionnaire d’auto-évaluation" in text and "Essai" in text
    assert all(item.id in text for item in cooperation.items(top_level=True))
    assert "Je ne sais pas" in text and "Commentaire" in text
    assert len(reader.pages) >= 1 + len(cooperation.sections)  # a cover, then each stage anew
    assert abs(float(reader.pages[0].mediabox[2]) - 842) < 1  # landscape A4


# --- anonymous exports ----------------------------------------------------------------------


def test_a_pseudonymised_export_with_hidden_roles_is_refused_line_by_line_and_changes_nothing(
        tricky_case):
    case = tricky_case  # every role has fewer than 3 people: all are hidden in the export
    data = export_bytes(case.store, "csv", [case.assessment], pseudonymous=[case.assessment])
    before = case.store.dump()
    with pytest.raises(AnswersError) as caught:
        import_answers(case.store, [("anonyme.csv", data)], case.assessment)
    assert len(caught.value.problems) == 12  # one per line, each saying where the file is from
    assert all("rôle « rôle non affiché (moins de 3 personnes) » : cette ligne vient d'un "
               "export anonyme" in problem for problem in caught.value.problems)
    assert case.store.dump() == before


def test_a_pseudonymised_export_is_never_taken_for_new_people_but_a_named_one_re_imports(
        store_case):
    case = store_case
    db = case.store
    people = [db.add_respondent(case.assessment, name, "technicien")
              for name in ("Denis", "Estelle", "Fanny")]  # a role of 3: shown in the export
    db.save_answers([AnswerRow(case.assessment, person, "S01.V01", str(n))
                     for n, person in enumerate(people)])
    data = export_bytes(db, "csv", [case.assessment], pseudonymous=[case.assessment])
    text = data.decode("utf-8-sig")
    assert "Denis" not in text and "Répondant·e 4" in text and "technicien" in text
    before = db.dump()
    with pytest.raises(AnswersError) as caught:
        import_answers(db, [("anonyme.csv", data)], case.assessment)
    assert [p.split(" est ")[0] for p in caught.value.problems] == [
        "« Répondant·e 4 »", "« Répondant·e 5 »", "« Répondant·e 6 »"]
    assert "seraient comptées deux fois" in caught.value.problems[0]
    assert db.dump() == before
    named = export_bytes(db, "csv", [case.assessment])  # « Garder les noms »
    result = import_answers(db, [("noms.csv", named)], case.assessment)
    assert (result.answers, result.created_respondents) == (3, 0)
    # a facilitator who named people « Répondant·e 4 » in the app gets their file back
    db.update_respondent(people[0], name="Répondant·e 9")
    again = export_bytes(db, "csv", [case.assessment])
    assert import_answers(db, [("noms.csv", again)], case.assessment).created_respondents == 0
