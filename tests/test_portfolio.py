"""The portfolio side by side: latest assessment per project, quartiles, matrix, filters, exports."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopscore import portfolio
from coopscore.portfolio import (
    NOT_ASSESSED, band_ranges, comparison_table, default_comparison, filter_portfolio,
    flag_threshold, grid_results, latest_assessments, neutralise_formulas, portfolio_figures,
    export_table, portfolio_table, risk_order, short_text, stage_labels, stage_matrix,
    stage_quartiles, to_csv, to_xlsx,
    unique_labels, wrapped_text,
)
from coopscore.results import Results, score_assessments
from coopscore.scale import load_scale
from coopscore.scoring import Scores
from coopscore.store import open_store

NAN = math.nan


# --- a hand-made portfolio on the tiny grid (S01, S02, S03) ------------------------------


def _results(grid, stages: list[tuple[int, str, float]], overall: list[tuple[int, float, str]],
             context: list[tuple[int, int, str]], flags: list[tuple[int, str]] = ()) -> Results:
    """Results with only the tables the portfolio reads, in the engine's dtypes."""
    ids = sorted({a for a, *_ in context})
    categories = pd.CategoricalDtype(ids)
    stage_frame = pd.DataFrame(stages, columns=["assessment", "section_id", "score"])
    stage_frame["assessment"] = stage_frame["assessment"].astype(categories)
    labels = {"point_appui": "Point d'appui", "a_consolider": "À consolider",
              "point_fragilite": "Point de fragilité", None: None}
    overall_frame = pd.DataFrame({
        "assessment": pd.Series([a for a, _, _ in overall], dtype=categories),
        "score": [s for _, s, _ in overall],
        "band": pd.Categorical([b for _, _, b in overall]),
        "band_label": pd.Categorical([labels[b] for _, _, b in overall]),
        "completeness": [0.0 if math.isnan(s) else 0.8 for _, s, _ in overall],
        "n_respondents": [0 if math.isnan(s) else 3 for _, s, _ in overall],
        "n_flags": [sum(1 for f, _ in flags if f == a) for a, _, _ in overall],
    })
    flag_frame = pd.DataFrame({"assessment": pd.Series([a for a, _ in flags], dtype=categories),
                               "item": pd.Categorical([i for _, i in flags]),
                               "section_id": "S01", "value": 0.0, "reason": "parce que"})
    context_frame = pd.DataFrame([
        {"assessment": a, "project": p, "phase": None, "cte": False, "grid": "tiny",
         "grid_version": "0.1", "date": d, "label": f"Évaluation {a}", "status": "draft",
         "project_name": f"Projet {p}", "programme": "leader", "territory_name": "Pays"}
        for a, p, d in context])
    empty = pd.DataFrame()
    scores = Scores(grid_id="tiny", criteria=empty, criteria_by_role=empty, stages=stage_frame,
                    phases=empty, overall=overall_frame, respondent_stages=empty,
                    flags=flag_frame, methods=empty, context=context_frame[["assessment"]])
    return Results(grid, scores, pd.DataFrame(), context_frame)


def _projects(rows: list[tuple[int, str, str, str]]) -> pd.DataFrame:
    """Store.projects()-like rows: (id, name, programme, phase)."""
    return pd.DataFrame([
        {"id": i, "name": n, "territory_name": f"Territoire de {n}", "programme": prog,
         "programme_label": prog.upper(), "phase": phase}
        for i, n, prog, phase in rows])


@pytest.fixture
def tiny_portfolio(tiny_grid) -> Results:
    # project 1: two scored campaigns (11 older, 12 newer); project 2: a scored campaign (21)
    # and a newer one without answers (22); project 3: one campaign without answers (31).
    return _results(
        tiny_grid,
        stages=[(11, "S01", 10.0), (11, "S02", 20.0), (11, "S03", NAN),
                (12, "S01", 0.0), (12, "S02", 40.0), (12, "S03", NAN),
                (21, "S01", 50.0), (21, "S02", 60.0), (21, "S03", NAN),
                (22, "S01", NAN), (22, "S02", NAN), (22, "S03", NAN),
                (31, "S01", NAN), (31, "S02", NAN), (31, "S03", NAN)],
        overall=[(11, 15.0, "point_fragilite"), (12, 20.0, "point_fragilite"),
                 (21, 80.0, "point_appui"), (22, NAN, None), (31, NAN, None)],
        context=[(11, 1, "2025-01-10"), (12, 1, "2025-06-01"), (21, 2, "2025-03-01"),
                 (22, 2, "2026-01-01"), (31, 3, "2025-05-05")],
        flags=[(12, "S02.V01"), (12, "S01.V01")],
    )


@pytest.fixture
def tiny_projects() -> pd.DataFrame:
    return _projects([(1, "Alpha", "leader", "debut"), (2, "Bravo", "region", "suite"),
                      (3, "Charlie", "leader", "suite"), (4, "Delta", "autre", "debut")])


def test_latest_assessment_is_the_newest_scored_campaign(tiny_portfolio):
    latest = latest_assessments(tiny_portfolio).set_index("project")
    assert latest.loc[1, "assessment"] == 12  # the newer of two scored campaigns
    assert latest.loc[2, "assessment"] == 21  # the newer campaign has no answer yet
    assert latest.loc[3, "assessment"] == 31 and math.isnan(latest.loc[3, "score"])
    assert str(latest.loc[1, "date"]) == "2025-06-01"


def test_portfolio_table_keeps_unassessed_projects_and_says_so(tiny_portfolio, tiny_projects):
    table = portfolio_table(tiny_projects, tiny_portfolio, phases={"debut": "Début"})
    assert list(table["name"]) == ["Alpha", "Bravo", "Charlie", "Delta"]
    by_name = table.set_index("name")
    for name in ("Charlie", "Delta"):
        assert by_name.loc[name, "band"] == NOT_ASSESSED
        assert by_name.loc[name, "band_label"] == "pas encore évalué"
        assert by_name.loc[name, "n_flags"] == 0 and by_name.loc[name, "flags"] == ""
    assert pd.isna(by_name.loc["Delta", "assessment"])
    assert by_name.loc["Alpha", "band_label"] == "Point de fragilité"
    assert by_name.loc["Alpha", "phase_label"] == "Début"
    assert by_name.loc["Bravo", "phase_label"] == "suite"  # unknown phase: its id, not a blank


def test_flags_name_the_critical_points_by_their_text(tiny_portfolio, tiny_projects):
    table = portfolio_table(tiny_projects, tiny_portfolio, phases={}).set_index("name")
    assert table.loc["Alpha", "n_flags"] == 2
    assert table.loc["Alpha", "flags"] == "un point avec sous-points ; premier point"


def test_a_portfolio_without_any_assessment_lists_every_project(tiny_projects):
    table = portfolio_table(tiny_projects, None, phases={})
    assert len(table) == 4
    assert set(table["band"]) == {NOT_ASSESSED}
    assert portfolio_figures(table) == portfolio.PortfolioFigures(4, 0, None, 0)


def test_stage_quartiles_are_computed_over_scored_values_only(tiny_portfolio):
    quartiles = stage_quartiles(tiny_portfolio, [11, 12, 21, 22, 31])
    assert list(quartiles.index) == ["S01", "S02", "S03"]
    # S01: 0, 10, 50 → q1 5, median 10, q3 30 (linear interpolation)
    assert quartiles.loc["S01", ["q1", "median", "q3"]].tolist() == [5.0, 10.0, 30.0]
    assert quartiles.loc["S01", "n"] == 3
    assert quartiles.loc["S03"].drop("n").isna().all() and quartiles.loc["S03", "n"] == 0


def test_stage_quartiles_of_nothing_are_blank(tiny_portfolio):
    quartiles = stage_quartiles(tiny_portfolio, [])
    assert len(quartiles) == 3 and quartiles["median"].isna().all()
    assert (quartiles["n"] == 0).all()


def test_stage_matrix_has_stages_in_grid_order_and_assessments_in_the_order_asked(tiny_portfolio):
    matrix = stage_matrix(tiny_portfolio, [21, 12])
    assert list(matrix.index) == ["S01", "S02", "S03"]
    assert list(matrix.columns) == [21, 12]
    assert matrix[21].tolist()[:2] == [50.0, 60.0] and matrix[12].tolist()[:2] == [0.0, 40.0]
    assert matrix.loc["S03"].isna().all()


def test_comparison_table_has_one_row_per_project_and_a_column_per_stage(tiny_portfolio,
                                                                          tiny_projects):
    table = portfolio_table(tiny_projects, tiny_portfolio, phases={})
    rows = table.set_index("name").loc[["Bravo", "Alpha"]].reset_index()
    compared = comparison_table(rows, stage_matrix(tiny_portfolio, rows["assessment"]))
    assert list(compared["name"]) == ["Bravo", "Alpha"]
    assert compared["S01"].tolist() == [50.0, 0.0]
    assert {"territory", "programme_label", "phase_label", "score", "band_label",
            "completeness", "S01", "S02", "S03"} <= set(compared.columns)


def test_default_comparison_takes_scored_projects_and_the_selected_one_first(tiny_portfolio,
                                                                             tiny_projects):
    table = portfolio_table(tiny_projects, tiny_portfolio, phases={})
    assert default_comparison(table) == [1, 2]
    assert default_comparison(table, first=2) == [2, 1]
    assert default_comparison(table, first=3) == [1, 2]  # not scored: not forced in
    assert default_comparison(table, count=1) == [1]


def test_filters_combine_and_an_empty_choice_means_all(tiny_portfolio, tiny_projects):
    table = portfolio_table(tiny_projects, tiny_portfolio, phases={})
    assert len(filter_portfolio(table)) == 4
    assert list(filter_portfolio(table, programmes=["leader"])["name"]) == ["Alpha", "Charlie"]
    assert list(filter_portfolio(table, programmes=["leader"], phases=["suite"])["name"]) == \
        ["Charlie"]
    assert list(filter_portfolio(table, bands=[NOT_ASSESSED])["name"]) == ["Charlie", "Delta"]
    assert list(filter_portfolio(table, critical_only=True)["name"]) == ["Alpha"]
    assert filter_portfolio(table, programmes=["interreg_cte"]).empty


def test_figures_count_projects_and_take_the_median_of_scored_ones(tiny_portfolio,
                                                                   tiny_projects):
    table = portfolio_table(tiny_projects, tiny_portfolio, phases={})
    figures = portfolio_figures(table)
    assert (figures.projects, figures.assessed, figures.with_flags) == (4, 2, 1)
    assert figures.median_score == 50.0  # median of 20 and 80


def test_grid_results_takes_the_newest_version_of_the_grid(tiny_portfolio):
    results = {("cooperation", "1.9"): "old", ("cooperation", "1.10"): "new",
               ("dialogue", "2.0"): "other"}
    assert grid_results(results, "cooperation") == "new"
    assert grid_results(results, "tiny") is None


# --- on the demo portfolio, scored by the real engine ------------------------------------


@pytest.fixture
def demo(demo_db):
    with open_store(demo_db) as db:
        yield db, score_assessments(db)


def test_every_project_is_listed_once_with_its_latest_campaign(demo):
    db, results = demo
    cooperation = grid_results(results, "cooperation")
    table = portfolio_table(db.projects(), cooperation)
    assert sorted(table["project"]) == sorted(db.projects()["id"])
    campaigns = db.assessments()
    scored = table[table["score"].notna()]
    for _, row in scored.head(10).iterrows():
        mine = campaigns[(campaigns["project"] == row["project"])
                         & (campaigns["grid"] == "cooperation") & (campaigns["n_answers"] > 0)]
        newest = mine.sort_values(["date", "id"]).iloc[-1]
        assert row["assessment"] == newest["id"]
        overall = cooperation.one("overall", int(row["assessment"]))
        assert row["score"] == pytest.approx(overall["score"].item())
        assert row["n_flags"] == overall["n_flags"].item()
        assert row["flags"].count(";") == max(0, row["n_flags"] - 1)


def test_the_stage_matrix_matches_each_assessments_stage_scores(demo):
    _, results = demo
    cooperation = grid_results(results, "cooperation")
    ids = [int(a) for a in cooperation.context["assessment"].head(3)]
    matrix = stage_matrix(cooperation, ids)
    for assessment in ids:
        stages = cooperation.one("stages", assessment)
        np.testing.assert_allclose(matrix[assessment].to_numpy(), stages["score"].to_numpy())


# --- labels -----------------------------------------------------------------------------


def test_stage_labels_are_short_with_their_number_and_full_on_hover(cooperation):
    short, full = stage_labels(cooperation, width=24)
    assert short["S01"] == "1. Identifier un besoin…"
    assert full["S01"] == "Étape 1 — Identifier un besoin, un problème, une attente, l'expliciter"
    assert all(len(label) <= 24 for label in short.values())


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abc déf,—-", max_size=80), st.integers(min_value=2, max_value=40))
def test_short_text_fits_its_width_and_keeps_the_start(text, width):
    out = short_text(text, width)
    clean = " ".join(text.split())
    assert len(out) <= width
    if len(clean) <= width:
        assert out == clean
    else:
        assert out.endswith("…") and clean.startswith(out[:-1].rstrip())


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab cdé—-", max_size=120), st.integers(min_value=2, max_value=30),
       st.integers(min_value=1, max_value=4))
def test_wrapped_text_never_exceeds_its_lines_or_width(text, width, lines):
    out = wrapped_text(text, width, lines).split("<br>")
    assert len(out) <= lines
    assert all(len(line) <= width for line in out)


def test_wrapped_labels_break_between_words_and_stay_unique():
    name = "Coopération urbain-rural sur les déchets — PETR des Causses de la Vézère-Haute"
    wrapped = wrapped_text(name, 24, lines=3)
    lines = wrapped.split("<br>")
    assert len(lines) == 3 and all(len(line) <= 24 for line in lines)
    assert lines[0] == "Coopération urbain-rural" and lines[-1].endswith("…")
    assert wrapped_text("Circuits courts", 40, lines=2) == "Circuits courts"
    assert wrapped_text("Intercommunalité voisine", 10, lines=2) == "Intercomm…<br>voisine"
    assert unique_labels(["Même nom long ici", "Même nom long là"], width=8) == \
        ["Même…", "Même… (2)"]


def test_band_ranges_and_flag_threshold_read_the_scale():
    scale = load_scale()
    assert band_ranges(scale) == ("Point d'appui : 75 et plus ; À consolider : de 50 à moins "
                                  "de 75 ; Point de fragilité : moins de 50")
    assert flag_threshold(scale) == {"level": "2", "label": "En partie traité"}


# --- exports ----------------------------------------------------------------------------


def test_formula_like_text_gets_a_leading_apostrophe_and_nothing_else_changes():
    frame = pd.DataFrame({"text": ["=SUM(A1:A3)", "+33 6", "-2", "@cmd", "\tx", "Pays", None],
                          "number": [-2.0, 1.0, 0.5, NAN, 3.0, 4.0, 5.0]})
    safe = neutralise_formulas(frame)
    assert safe["text"].tolist()[:6] == ["'=SUM(A1:A3)", "'+33 6", "'-2", "'@cmd", "'\tx", "Pays"]
    assert pd.isna(safe["text"].iloc[6])
    pd.testing.assert_series_equal(safe["number"], frame["number"])
    assert frame["text"].iloc[0] == "=SUM(A1:A3)", "the input is not modified"


def test_xlsx_export_holds_text_not_formulas():
    frame = pd.DataFrame({"Projet": ["=HYPERLINK(\"http://x\")", "Pays de Test"],
                          "Indice": [55.5, NAN]})
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(frame, "Portefeuille")))
    sheet = book["Portefeuille"]
    assert [c.value for c in sheet[1]] == ["Projet", "Indice"]
    assert sheet["A2"].value == "'=HYPERLINK(\"http://x\")" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 55.5


def test_csv_export_is_utf8_with_bom_and_neutralised():
    data = to_csv(pd.DataFrame({"Projet": ["=1+1", "Écoles"]}))
    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8-sig").splitlines() == ["Projet", "'=1+1", "Écoles"]


# --- risk: phase-aware, with profiles (golden case tests/cases/portfolio_risk) -------------

RISK_CASE = Path(__file__).resolve().parent / "cases" / "portfolio_risk"


def save_case_answers(db, path, assessments: dict[str, int]) -> None:
    """A golden case's answers.csv into the store: one respondent per assessment (by name)."""
    import csv

    respondents = {}
    with open(path, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            assessment = assessments[row["assessment"]]
            if assessment not in respondents:
                respondents[assessment] = db.add_respondent(assessment, row["respondent"],
                                                            row["role"])
            db.save_answer(assessment, respondents[assessment], row["item"], row["value"])


def test_golden_portfolio_risk_order(tmp_path, cooperation):
    import csv
    import json

    import yaml

    case = yaml.safe_load((RISK_CASE / "case.yaml").read_text(encoding="utf-8"))
    expected = json.loads((RISK_CASE / "risk.json").read_text(encoding="utf-8"))
    db = open_store(tmp_path / "risk.db")
    territory = db.create_territory("Pays du cas")
    assessments = {}
    for project in case["projects"]:
        pid = db.create_project(project["name"], territory,
                                programme=project.get("programme", "leader"),
                                phase=project["phase"])
        if project.get("programme_profile"):
            db.set_programme_profile(project["programme"], project["programme_profile"])
        if project.get("assessed", True):
            assessments[project["name"]] = db.create_assessment(pid, "cooperation", "Campagne")
    save_case_answers(db, RISK_CASE / "answers.csv", assessments)
    table = risk_order(portfolio_table(
        db.projects(), grid_results(score_assessments(db), "cooperation")))
    assert table["name"].tolist() == expected["order"]
    by_name = table.set_index("name")
    texts = {item.id: item.text for item in cooperation.criteria()}
    for name in expected["order"]:
        row = by_name.loc[name]
        assert row["n_flags"] == expected["n_flags"][name], name
        assert row["n_upcoming"] == expected["n_upcoming"][name], name
        gap, score = expected["mean_gap"][name], expected["score"][name]
        assert (math.isnan(row["mean_gap"]) if gap is None else round(row["mean_gap"], 1) == gap)
        assert (math.isnan(row["score"]) if score is None else round(row["score"], 1) == score)
        wanted = re.sub(r"\{([^}]+)\}", lambda m: texts[m.group(1)], expected["risk"][name])
        assert row["risk"] == wanted, name
    assert by_name.loc["Charlie", "profile"] == "appel_cooperation"
    db.close()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.floats(0, 75), st.floats(0, 100)),
                min_size=1, max_size=12))
def test_risk_order_never_puts_a_project_with_fewer_alerts_first(rows):
    table = pd.DataFrame({"n_flags": [r[0] for r in rows], "mean_gap": [r[1] for r in rows],
                          "score": [r[2] for r in rows]})
    ordered = risk_order(table)
    flags = ordered["n_flags"].tolist()
    assert flags == sorted(flags, reverse=True)
    for (f1, g1), (f2, g2) in zip(zip(flags, ordered["mean_gap"]),
                                  zip(flags[1:], ordered["mean_gap"][1:])):
        if f1 == f2:
            assert round(g1, 1) >= round(g2, 1)


def test_a_risk_sentence_uses_its_own_numbers():
    sentence = portfolio.risk_reason(scored=True, n_flags=2, flag_texts=["a", "b"],
                                     mean_gap=11.6, phase="Émergence", profile=None)
    assert sentence == ("2 points critiques attendus à sa phase (Émergence) sous le seuil : "
                        "« a » ; « b » ; écart moyen de 12 points à la cible.")
    assert portfolio.risk_reason(scored=True, n_flags=0, flag_texts=[], mean_gap=12.4,
                                 phase="Émergence", profile=None) == \
        "Écart moyen de 12 points à la cible de sa phase (Émergence)."


def test_a_gap_of_one_point_reads_in_the_singular_in_french_and_english():
    from coopscore import i18n

    def reason(gap, phase="Émergence", n_flags=0, language=None):
        i18n.use_language(language)
        try:
            return portfolio.risk_reason(scored=True, n_flags=n_flags,
                                         flag_texts=["a"] * n_flags, mean_gap=gap, phase=phase,
                                         profile=None)
        finally:
            i18n.use_language(None)

    assert reason(1.2) == "Écart moyen de 1 point à la cible de sa phase (Émergence)."
    assert reason(0.6, phase=None) == "Écart moyen de 1 point à la cible."
    assert reason(1.5, phase=None) == "Écart moyen de 2 points à la cible."
    # half away from zero, as the table's « %.0f » and the exports write it (Python: 2)
    assert reason(2.5, phase=None) == "Écart moyen de 3 points à la cible."
    assert reason(0.5, phase=None) == "Écart moyen de 1 point à la cible."
    assert reason(0.4) == "Atteint ses cibles : aucun point critique en alerte, aucun écart."
    assert reason(1, n_flags=1).endswith("« a » ; écart moyen de 1 point à la cible.")
    assert reason(1.0, phase=None, language="en") == "Average gap of 1 point to the target."
    assert reason(2.0, phase=None, language="en") == "Average gap of 2 points to the target."


def test_a_project_is_at_risk_when_its_sentence_names_a_risk():
    table = pd.DataFrame({"name": list("abcde"), "n_flags": [0, 1, 0, 0, 0],
                          "mean_gap": [0.4, 0.0, 0.5, float("nan"), 2.5]})
    assert portfolio.at_risk(table)["name"].tolist() == ["b", "c", "e"]
    for row in table.itertuples():  # the same rule as the sentence
        sentence = portfolio.risk_reason(scored=True, n_flags=row.n_flags,
                                         flag_texts=["x"] * row.n_flags, mean_gap=row.mean_gap,
                                         phase=None, profile=None)
        calm = sentence.startswith(("Atteint ses cibles", "Aucune cible"))
        assert (row.name in set(portfolio.at_risk(table)["name"])) is not calm, sentence


def test_left_out_projects_say_why(tmp_path):
    db = open_store(tmp_path / "left.db")
    territory = db.create_territory("Pays")
    compared = db.create_project("Comparé", territory, phase="emergence")
    dialogue = db.create_project("Dialogue seulement", territory)
    silent = db.create_project("Sans réponse", territory)
    db.create_project("Jamais évalué", territory)
    for project, grid in ((compared, "cooperation"), (dialogue, "dialogue"),
                          (silent, "cooperation")):
        assessment = db.create_assessment(project, grid, "Campagne")
        if project != silent:
            respondent = db.add_respondent(assessment, "Ana", "elu")
            db.save_answer(assessment, respondent, "S01.V01" if grid == "cooperation"
                           else "A1.L01", "2")
    missing = portfolio.left_out(db.projects(), score_assessments(db), "cooperation")
    reasons = dict(zip(missing["name"], missing["reason"]))
    assert "Comparé" not in reasons
    assert reasons["Dialogue seulement"].startswith("évalué sur une autre grille : « ")
    assert reasons["Sans réponse"] == "évaluation sans réponse chiffrée encore"
    assert reasons["Jamais évalué"] == "aucune évaluation encore"
    db.close()


def test_xlsx_export_is_print_ready_and_wraps_long_texts():
    frame = pd.DataFrame({"Projet": ["Un nom de projet très long " * 4], "Indice": [55.5]})
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(frame, "Portefeuille")))["Portefeuille"]
    assert sheet.page_setup.orientation == "landscape"
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$1:$1"  # the header row on every page
    assert sheet["A2"].alignment.wrap_text and sheet["A2"].value == frame["Projet"].iloc[0]


def test_csv_export_is_for_french_excel_and_keeps_critical_points_whole(demo_db):
    from coopscore.results import score_assessments

    with open_store(demo_db) as db:
        table = portfolio_table(db.projects(), grid_results(score_assessments(db), "cooperation"))
    data = to_csv(export_table(table))
    back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")
    assert list(back.columns)[:2] == ["Projet", "Territoire"] and len(back) == len(table)
    assert back["Projet"].tolist() == table["name"].tolist()  # names whole
    flagged = table[table["n_flags"] > 0].iloc[0]
    cell = back.loc[back["Projet"] == flagged["name"], "Lesquels"].iloc[0]
    assert "…" not in cell and cell == flagged["flags"]
    assert back["Indice (0–100)"].dropna().map(lambda v: isinstance(v, float)).all()
    # the gap and the targets it is read against, as on the page and in the report
    assert list(back.columns)[-3:] == ["Écart moyen", "Cibles", "Pourquoi"]
    gaps = table["mean_gap"].round(1)
    assert back["Écart moyen"].round(1).equals(gaps.rename("Écart moyen"))
    assert back["Cibles"].tolist() == table["profile_label"].tolist()


# --- territories: the comparison grouped (golden case tests/cases/territory_groups) ------

TERRITORY_CASE = Path(__file__).resolve().parent / "cases" / "territory_groups"


def _rounded(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) \
        else round(float(value), 1)


def test_golden_territory_groups(tmp_path):
    import csv
    import json

    import yaml

    case = yaml.safe_load((TERRITORY_CASE / "case.yaml").read_text(encoding="utf-8"))
    expected = json.loads((TERRITORY_CASE / "territories.json").read_text(encoding="utf-8"))
    db = open_store(tmp_path / "territories.db")
    territories: dict[str, int] = {}
    assessments = {}
    for project in case["projects"]:
        name = project["territory"]
        if name not in territories:
            territories[name] = db.create_territory(name)
        pid = db.create_project(project["name"], territories[name])
        if project.get("assessed", True):
            assessments[project["name"]] = db.create_assessment(pid, "cooperation", "Campagne")
    save_case_answers(db, TERRITORY_CASE / "answers.csv", assessments)
    results = grid_results(score_assessments(db), "cooperation")
    table = portfolio_table(db.projects(), results)
    grouped = portfolio.territory_table(table)
    assert list(grouped.columns) == portfolio.TERRITORY_COLUMNS
    found = [{**row, **{key: _rounded(row[key]) for key in ("median", "mean", "low", "high")},
              "scores": [_rounded(s) for s in row["scores"]]}
             for row in grouped.to_dict("records")]
    assert found == expected["territories"]
    scored = table[table["assessment"].notna()]
    matrix = stage_matrix(results, scored["assessment"].astype(int))
    stages = portfolio.territory_matrix(matrix, scored)
    assert list(stages.columns) == [t["territory"] for t in expected["territories"]]
    assert list(stages.index) == [s.id for s in results.grid.sections]
    for territory, wanted in expected["stages"].items():
        column = stages[territory]
        assert {stage: _rounded(column[stage]) for stage in wanted} == wanted, territory
        others = column.drop(list(wanted))
        assert others.isna().all(), territory


def test_territory_groups_of_an_empty_table_are_empty():
    empty = pd.DataFrame(columns=portfolio.TABLE_COLUMNS)
    assert portfolio.territory_table(empty).empty
    assert list(portfolio.territory_table(empty).columns) == portfolio.TERRITORY_COLUMNS


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Aval", "Amont", "Été"]),
                          st.one_of(st.none(), st.floats(0, 100)),
                          st.integers(0, 3)), min_size=1, max_size=12))
def test_every_project_is_in_exactly_one_territory_whose_figures_bound_it(rows):
    table = pd.DataFrame({"name": [f"P{k}" for k in range(len(rows))],
                          "territory": [r[0] for r in rows],
                          "score": [np.nan if r[1] is None else r[1] for r in rows],
                          "n_flags": [r[2] for r in rows]})
    grouped = portfolio.territory_table(table)
    listed = [name for names in grouped["projects"] for name in names]
    assert sorted(listed) == sorted(table["name"])
    assert grouped["n_projects"].sum() == len(table)
    for row in grouped.itertuples():
        if row.n_scored:
            slack = 1e-9 * max(1.0, abs(row.high))  # a mean of equal floats may round below them
            assert row.low <= row.median <= row.high
            assert row.low - slack <= row.mean <= row.high + slack
        else:
            assert math.isnan(row.median)
        known = [s for s in row.scores if not math.isnan(s)]
        assert known == sorted(known, reverse=True)
