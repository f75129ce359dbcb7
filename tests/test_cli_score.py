"""`python -m coopscore score`: the documented JSON, the table, and French errors by line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from coopscore.cli import main

from .conftest import FILES, ROOT
from .test_scoring import CASES, case_names

BROKEN = FILES / "broken_answers"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["score", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def case_args(name: str) -> list[str]:
    case = yaml.safe_load((CASES / name / "case.yaml").read_text(encoding="utf-8"))
    grid = case["grid"]
    args = [str(CASES / name / "answers.csv"),
            "--grid", str(CASES / grid) if grid.endswith(".yaml") else grid]
    if case.get("phase"):
        args += ["--phase", case["phase"]]
    if case.get("cte"):
        args.append("--cte")
    return args


@pytest.mark.parametrize("name", case_names())
def test_json_output_is_the_hand_computed_report(capsys, name):
    code, out, err = run(capsys, *case_args(name))
    assert (code, err) == (0, "")
    expected = json.loads((CASES / name / "expected.json").read_text(encoding="utf-8"))
    assert json.loads(out) == expected


def test_a_bad_file_exits_2_and_lists_every_problem_by_line(capsys):
    code, out, err = run(capsys, str(BROKEN / "several_problems.csv"))
    expected = yaml.safe_load((BROKEN / "expected.yaml").read_text(encoding="utf-8"))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "Le fichier de réponses « several_problems.csv » n'est pas valide :",
        *[f"- {problem}" for problem in expected["several_problems.csv"]]]


@pytest.mark.parametrize("name", ["tab.csv", "latin1.csv", "empty.csv", "missing_column.csv"])
def test_file_level_problems_exit_2_in_french(capsys, name):
    code, _, err = run(capsys, str(BROKEN / name))
    assert code == 2
    assert "n'est pas valide" in err and "Traceback" not in err


def test_table_output_reads_in_french(capsys):
    code, out, _ = run(capsys, *case_args("team_phase_suite"), "--format", "table")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Évaluation « evaluation » — grille « golden »"
    assert lines[1] == "Indice global : 66,7 (À consolider) — complétude 100\u202f%"
    assert any(line.startswith("S02") and "Point de fragilité" in line and "16,7" in line
               for line in lines)
    assert "  S01.V01 (S01) : niveau 1,0 — parce que c'est critique" in lines
    assert ("  1. [S01] S01.M03 — une troisième méthode (priorité 5,00 ; "
            "répond à : S01.V01, S01.V02)") in lines


def test_without_phase_the_table_says_the_point_appui_threshold_is_the_target(capsys):
    code, out, _ = run(capsys, str(CASES / "cooperation_cte" / "answers.csv"), "--format", "table")
    assert code == 0
    assert ("Ni phase ni profil : la cible de chaque étape est le seuil « Point d'appui » (75)"
            in out)
    recommendations = out.split("Méthodes recommandées :")[1].splitlines()
    assert any(line.strip().startswith("1. [") for line in recommendations)


def test_a_profile_sets_targets(capsys):
    code, out, _ = run(capsys, str(CASES / "cooperation_cte" / "answers.csv"),
                       "--profile", "bilan_fin_de_projet")
    assert code == 0
    assert {stage["target"] for stage in json.loads(out)["stages"]} == {75.0}


def test_phase_and_profile_are_exclusive(capsys):
    code = None
    with pytest.raises(SystemExit) as exited:
        code = main(["score", "x.csv", "--phase", "emergence", "--profile", "appel_cooperation"])
    assert code is None and exited.value.code == 2
    assert "Erreur" in capsys.readouterr().err


def test_an_unknown_phase_or_profile_is_named(capsys):
    answers = str(CASES / "cooperation_cte" / "answers.csv")
    code, _, err = run(capsys, answers, "--phase", "fin")
    assert code == 2
    assert err.strip() == ("Phase « fin » inconnue dans la grille « cooperation » (phases : emergence, "
                           "mobilisation, partenaires, projet_commun, mise_en_oeuvre).")
    code, _, err = run(capsys, answers, "--profile", "nope")
    assert code == 2 and "Profil de cibles « nope » inconnu" in err


def test_several_assessments_give_one_report_each(capsys, tmp_path):
    path = tmp_path / "portefeuille.csv"
    path.write_text("assessment,respondent,role,item,value\n"
                    "P2,Alice,elu,S01.V01,3\nP1,Bruno,elu,S01.V01,0\n", encoding="utf-8")
    code, out, _ = run(capsys, str(path), "--phase", "emergence")
    reports = json.loads(out)
    assert code == 0 and list(reports) == ["P1", "P2"]
    assert [reports[p]["stages"][0]["score"] for p in ("P1", "P2")] == [0.0, 100.0]


def test_output_file(capsys, tmp_path):
    out = tmp_path / "rapport.json"
    code, printed, _ = run(capsys, *case_args("dialogue_levers"), "-o", str(out))
    assert (code, printed) == (0, "")
    assert json.loads(out.read_text(encoding="utf-8"))["grid"] == "dialogue"


def test_python_dash_m_score_runs_end_to_end():
    done = subprocess.run([sys.executable, "-m", "coopscore", "score",
                           str(BROKEN / "value_off_scale.csv")],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    assert ("ligne 12 : valeur « 5 » hors échelle (0 (Pas pris en compte), 1 (Identifié), "
            "2 (En partie traité), 3 (Maîtrisé), « Non concerné »") in done.stderr
