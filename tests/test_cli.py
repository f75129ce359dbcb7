"""Command line: grid list/export/check, French errors, exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from coopscore.cli import main

from .conftest import FILES, ROOT


def test_grid_list_names_both_grids(capsys):
    assert main(["grid", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["cooperation", "dialogue"]
    assert "16 sections, 54 critères, 68 méthodes" in lines[0]


def test_json_export_has_the_documented_shape(capsys, cooperation):
    assert main(["grid", "export", "cooperation", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"id", "title", "version", "source", "sections"} <= set(data)
    assert data["source"]["organisation"].startswith("Cap Rural")
    section = data["sections"][2]
    assert {"id", "title", "criteria", "methods"} <= set(section)
    item = section["criteria"][0]
    assert {"id", "text", "children"} <= set(item)
    assert data == cooperation.to_dict()


def test_json_export_round_trips_to_the_same_grid(tmp_path, cooperation, dialogue):
    for grid in (cooperation, dialogue):
        out = tmp_path / f"{grid.id}.json"
        assert main(["grid", "export", grid.id, "--format", "json", "-o", str(out)]) == 0
        data = json.loads(out.read_text(encoding="utf-8"))
        assert [s["id"] for s in data["sections"]] == [s.id for s in grid.sections]

        def walk(items):
            for item in items:
                yield item["id"], item["text"], item["cte"]
                yield from walk(item["children"])

        exported = [x for s in data["sections"] for group in ("criteria", "methods")
                    for x in walk(s[group])]
        assert exported == [(i.id, i.text, i.cte) for i in grid.items()]


def test_csv_export_has_one_row_per_item_with_section_and_parent(capsys, cooperation):
    assert main(["grid", "export", "cooperation", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["id"] for r in rows] == [i.id for i in cooperation.items()]
    child = next(r for r in rows if r["id"] == "S10.M02.4")
    assert (child["section_id"], child["parent_id"], child["kind"]) == ("S10", "S10.M02", "method")
    assert next(r for r in rows if r["id"] == "S10.M02")["parent_id"] == ""


def test_csv_export_neutralises_formula_like_texts(capsys, tmp_path):
    grid = tmp_path / "formula.yaml"
    grid.write_text('id: g\ntitle: G\nversion: "1"\nsections:\n  - id: S01\n    title: "=1+1"\n'
                    '    criteria:\n      - {id: S01.V01, text: "=HYPERLINK(\'http://x\')"}\n',
                    encoding="utf-8")
    assert main(["grid", "export", str(grid), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["text"] == "'=HYPERLINK('http://x')"
    assert rows[0]["section_title"] == "'=1+1"


def test_unknown_grid_exits_2_with_a_french_message(capsys):
    assert main(["grid", "export", "nope"]) == 2
    assert "Grille « nope » inconnue" in capsys.readouterr().err


def test_grid_check_reports_every_problem(capsys):
    assert main(["grid", "check", str(FILES / "broken_grids" / "several_problems.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n- ") == 4


def test_grid_check_accepts_a_valid_file(capsys):
    assert main(["grid", "check", str(ROOT / "data" / "grids" / "dialogue.yaml")]) == 0
    assert "valide" in capsys.readouterr().out


def test_python_dash_m_runs_without_traceback():
    done = subprocess.run([sys.executable, "-m", "coopscore", "grid", "export", "nope"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "inconnue" in done.stderr


def test_usage_errors_are_in_french():
    done = subprocess.run([sys.executable, "-m", "coopscore", "grid", "export", "cooperation",
                           "--format", "pdf"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    assert "Erreur :" in done.stderr


def test_every_command_prints_its_help_without_error():
    from coopscore.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # noqa: SLF001 - walk the tree
    paths = [[]]
    for name, sub in commands.items():
        paths.append([name])
        if sub._subparsers is not None:  # noqa: SLF001
            paths.extend([name, child] for child in sub._subparsers._group_actions[0].choices)
    for path in paths:
        done = subprocess.run([sys.executable, "-m", "coopscore", *path, "--help"], cwd=ROOT,
                              capture_output=True, text=True)
        assert done.returncode == 0, (path, done.stderr)
        assert "Traceback" not in done.stderr


# --- report ------------------------------------------------------------------------------


def test_report_writes_a_fiche_and_a_portfolio_report(demo_db, tmp_path, capsys):
    from pypdf import PdfReader

    fiche = tmp_path / "fiche.pdf"
    assert main(["report", "--assessment", "1", "-o", str(fiche), "--db", str(demo_db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Fiche de maturité de « ") and str(fiche) in out
    assert 2 <= len(PdfReader(fiche).pages) <= 4
    portfolio = tmp_path / "portefeuille.pdf"
    assert main(["report", "--portfolio", "--programme", "leader", "-o", str(portfolio),
                 "--db", str(demo_db)]) == 0
    assert "Rapport de portefeuille (" in capsys.readouterr().out
    assert "LEADER" in PdfReader(portfolio).pages[0].extract_text()


def test_report_to_a_missing_folder_or_an_unknown_assessment_writes_nothing(demo_db, tmp_path,
                                                                            capsys):
    missing = tmp_path / "absent" / "fiche.pdf"
    assert main(["report", "--assessment", "1", "-o", str(missing), "--db", str(demo_db)]) == 2
    assert "n'existe pas" in capsys.readouterr().err and not missing.parent.exists()
    target = tmp_path / "fiche.pdf"
    assert main(["report", "--assessment", "99999", "-o", str(target), "--db", str(demo_db)]) == 2
    assert "introuvable" in capsys.readouterr().err and not target.exists()
    assert main(["report", "--portfolio", "--programme", "zzz", "-o", str(target),
                 "--db", str(demo_db)]) == 2
    assert "Programme « zzz » inconnu" in capsys.readouterr().err and not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == [demo_db.name]  # the database only


def test_report_needs_an_assessment_or_the_portfolio(capsys, tmp_path):
    try:
        main(["report", "-o", str(tmp_path / "x.pdf")])
    except SystemExit as stop:
        assert stop.code == 2
    assert "--assessment" in capsys.readouterr().err
