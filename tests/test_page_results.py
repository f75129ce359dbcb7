"""Résultats: overall index and its reading, the radar, the stage table, phases and flags."""

from __future__ import annotations

import json
import math
import os

import pytest

from coopscore.scale import load_scale
from coopscore.results import assessment_results, previous_assessment, score_assessments
from coopscore.store import open_store

from .conftest import app_test, rendered

PAGE = "views/results.py"


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _trace_names(chart) -> list[str]:
    return [trace.get("name") for trace in json.loads(chart.proto.spec)["data"]]


def _page_links(at) -> list[str]:
    return [link.proto.label for link in at.main.get("page_link")]


def new_assessment(phase: str | None = "emergence", answers: dict[str, str] | None = None,
                   project: str = "Essai") -> tuple[int, int]:
    """A project with one cooperation assessment answered by Alice, in the test's own database.

    Returns (project id, assessment id).
    """
    with open_store(os.environ["COOPSCORE_DB"]) as db:
        territory = db.create_territory("Pays du Val de Test")
        project_id = db.create_project(project, territory, phase=phase)
        assessment_id = db.create_assessment(project_id, "cooperation", "Diagnostic initial")
        alice = db.add_respondent(assessment_id, "Alice", "elu")
        for item, value in (answers or {}).items():
            db.save_answer(assessment_id, alice, item, value)
    return project_id, assessment_id


@pytest.fixture
def campaign(demo_db):
    """A cooperation assessment of the demo with a previous campaign and critical flags."""
    with open_store(demo_db) as db:
        results = score_assessments(db)[("cooperation", "1.0")]
        overall = results.scores.overall
        for _, row in overall.sort_values("assessment").iterrows():
            assessment_id = int(row["assessment"])
            previous = previous_assessment(db, assessment_id)
            if previous is not None and row["n_flags"] > 0:
                assessment = db.assessment(assessment_id)
                flags = results.one("flags", assessment_id)["item"]
                return {"project_id": assessment.project_id, "assessment_id": assessment_id,
                        "previous": db.assessment(previous), "overall": row,
                        "flag_texts": [results.grid.item(str(i)).text for i in flags]}
    raise AssertionError("the demo has a campaign with a previous one and critical flags")


def test_without_a_project_the_page_says_what_to_do():
    at = app_test(PAGE)
    assert not at.exception
    assert at.title[0].value == "Résultats"
    assert "Choisissez un projet" in at.info[0].value
    assert _page_links(at) == ["Répondre dans « Auto-évaluation »"]
    assert not at.get("plotly_chart")


def test_a_project_without_assessment_says_to_open_one():
    with open_store(os.environ["COOPSCORE_DB"]) as db:
        territory = db.create_territory("Pays du Val de Test")
        project_id = db.create_project("Essai sans évaluation", territory)
    at = app_test(PAGE, project_id=project_id)
    assert not at.exception
    assert "« Essai sans évaluation » n'a pas encore d'évaluation" in at.info[0].value
    assert not at.get("plotly_chart")


def test_an_assessment_without_answers_says_to_answer_first():
    project_id, assessment_id = new_assessment(answers={})
    at = app_test(PAGE, project_id=project_id, assessment_id=assessment_id)
    assert not at.exception
    assert "aucune réponse chiffrée" in at.info[0].value
    assert _page_links(at) == ["Répondre dans « Auto-évaluation »"]
    assert not at.get("plotly_chart") and not at.metric


def test_one_respondent_only_is_said_and_the_results_still_show():
    project_id, assessment_id = new_assessment(answers={"S01.V01": "2"})
    at = app_test(PAGE, project_id=project_id, assessment_id=assessment_id)
    assert not at.exception
    assert any("Une seule personne a répondu" in i.value for i in at.info)
    assert _metrics(at)["Indice global (0–100)"] == "67 / 100"
    assert _metrics(at)["Répondant·es"] == "1"
    assert len(at.get("plotly_chart")) == 3  # radar (wide, and numbered for phones), phases


def test_results_show_the_index_radar_table_phases_and_flags(campaign):
    at = app_test(PAGE, project_id=campaign["project_id"], assessment_id=campaign["assessment_id"])
    assert not at.exception
    assert at.title[0].value == "Résultats"
    assert [s.value for s in at.subheader] == [
        "Le profil de l'équipe, étape par étape", "Le détail par étape", "Scores par phase"]
    overall = campaign["overall"]
    metrics = _metrics(at)
    assert metrics["Indice global (0–100)"] == f"{overall['score']:.0f} / 100"
    assert metrics["Complétude"] == f"{round(overall['completeness'] * 100)}\u202f%"
    assert metrics["Répondant·es"] == str(overall["n_respondents"])
    assert metrics["Alertes critiques"] == str(overall["n_flags"])
    index = next(m for m in at.metric if m.label == "Indice global (0–100)")
    assert index.delta.endswith(" points")
    assert any(f"depuis « {campaign['previous'].label} »" in c.value for c in at.caption)
    assert any(overall["band_label"] in m.value and "badge" in m.value for m in at.markdown)

    radar, narrow, phases = at.get("plotly_chart")
    assert _trace_names(narrow) == _trace_names(radar)
    previous = campaign["previous"]
    day, month, year = previous.date[8:10], previous.date[5:7], previous.date[:4]
    assert _trace_names(radar) == ["Équipe", "Cible",
                                   f"{previous.label} ({day}/{month}/{year})"]
    assert _trace_names(phases)[:2] == ["Score", "Cible"]
    # the legend says which band each bar's colour and pattern tell
    assert set(_trace_names(phases)[2:]) <= {band.label for band in load_scale().bands}
    # each chart says what it shows and gives its numbers
    assert [e.label for e in at.expander].count("Voir les données") == 2
    assert any(rendered(c.value).startswith("Équipe : le plus haut « ") for c in at.caption)
    assert len(at.table) == 2 and len(at.table[0].value) == 16

    (table,) = at.dataframe
    rows = table.value
    assert len(rows) == 16
    first = "1. Identifier un besoin, un problème, une attente, l'expliciter"
    assert rows["stage"].iloc[0] == first
    basis = dict(zip(rows["stage"].str.split(".").str[0], rows["basis_label"], strict=True))
    assert basis["12"] == "d'après les méthodes" and basis["1"] == ""

    (warning,) = at.warning
    count = len(campaign["flag_texts"])
    assert (f"{count} point critique sous" if count == 1 else f"{count} points critiques sous") \
        in warning.value
    assert all(text in warning.value for text in campaign["flag_texts"])
    assert "Voir les écarts et les recommandations" in _page_links(at)


def test_the_dialogue_grid_shows_axes_without_phases_or_flags(demo_db):
    with open_store(demo_db) as db:
        dialogue = db.assessments()
        row = dialogue[dialogue["grid"] == "dialogue"].iloc[0]
    at = app_test(PAGE, project_id=int(row["project"]), assessment_id=int(row["id"]))
    assert not at.exception
    assert [s.value for s in at.subheader] == ["Le profil de l'équipe, axe par axe",
                                               "Le détail par axe"]
    assert len(at.get("plotly_chart")) == 2  # the radar, wide and numbered for phones
    assert set(_metrics(at)) == {"Indice global (0–100)", "Complétude", "Répondant·es"}
    assert not at.warning
    (table,) = at.dataframe
    assert list(table.value["stage"]) == [
        "1. Quelques préalables", "2. Animer les liens, les relations", "3. Agir auprès des élus",
        "4. (re)penser les outils, les méthodes, les organisations"]
    assert "basis_label" not in table.value.columns


def test_answering_a_question_moves_the_overall_score(demo_db):
    with open_store(demo_db) as db:
        results = score_assessments(db)[("cooperation", "1.0")]
        stages = results.scores.stages
        drafts = set(db.assessments().query("status == 'draft' and grid == 'cooperation'")["id"])
        empty = stages[stages["score"].isna() & stages["assessment"].isin(drafts)].iloc[0]
        assessment_id, section_id = int(empty["assessment"]), str(empty["section_id"])
        assessment = db.assessment(assessment_id)
        criterion = db.grid_of(assessment_id).section(section_id).criteria[0].id
    at = app_test(PAGE, project_id=assessment.project_id, assessment_id=assessment_id)
    before = _metrics(at)
    with open_store(demo_db) as db:
        respondent = db.add_respondent(assessment_id, "Nouvelle personne", "partenaire")
        db.save_answer(assessment_id, respondent, criterion, "3")
        expected = assessment_results(db, assessment_id).one("overall", assessment_id)
    at.run()
    assert not at.exception
    after = _metrics(at)
    assert after["Indice global (0–100)"] != before["Indice global (0–100)"]
    assert after["Indice global (0–100)"] == f"{expected['score'].iloc[0]:.0f} / 100"
    assert int(after["Répondant·es"]) == int(before["Répondant·es"]) + 1
    assert not math.isnan(expected["score"].iloc[0])


def test_unknown_ids_from_the_url_fall_back_to_choosing_a_project(demo_db):
    at = app_test(PAGE, project_id=999_999, assessment_id=999_999)
    assert not at.exception
    assert "Choisissez un projet" in at.info[0].value


def test_choosing_a_profile_changes_the_targets_and_is_stored(demo_db):
    project_id, assessment_id = new_assessment(
        phase="emergence", answers={"S13.V04": "0", "S01.V04": "3"})
    at = app_test(PAGE, project_id=project_id, assessment_id=assessment_id)
    assert not at.exception
    assert any("Cibles de la phase « Émergence »" in i.value for i in at.info)
    assert _metrics(at)["Alertes critiques"] == "0"  # S13.V04 is « à venir » in Émergence
    assert any(e.label.startswith("À venir (") for e in at.expander)
    targets = at.dataframe[0].value["target"]
    assert targets.isna().sum() == 14  # only S01, S02 aim at something in Émergence
    at.selectbox(key=f"profile_of_{assessment_id}").set_value("bilan_fin_de_projet").run()
    assert not at.exception
    assert any("Cibles du profil « Bilan de fin de projet »" in i.value for i in at.info)
    assert set(at.dataframe[0].value["target"]) == {75.0}
    assert _metrics(at)["Alertes critiques"] == "1"  # S13 now has a target: S13.V04 alerts
    with open_store(demo_db) as db:
        assert db.assessment_context([assessment_id]).iloc[0]["own_profile"] == \
            "bilan_fin_de_projet"


def test_without_phase_the_page_says_the_point_appui_threshold_is_the_target(demo_db):
    project_id, assessment_id = new_assessment(phase=None, answers={"S01.V01": "1"})
    at = app_test(PAGE, project_id=project_id, assessment_id=assessment_id)
    assert not at.exception
    assert any("Ni phase ni profil" in i.value and "« Point d'appui » (75)" in i.value
               for i in at.info)
    assert set(at.dataframe[0].value["target"]) == {75.0}


def test_a_value_agreed_in_consensus_is_marked(demo_db):
    project_id, assessment_id = new_assessment(phase="emergence", answers={"S01.V04": "0"})
    with open_store(demo_db) as db:
        db.set_agreed(assessment_id, "S01.V04", "1", rationale="décidé en séance")
    at = app_test(PAGE, project_id=project_id, assessment_id=assessment_id)
    assert not at.exception
    (warning,) = at.warning
    assert "valeur retenue en consensus" in warning.value
    assert any("1 valeur retenue en consensus" in c.value and "S01.V04" in c.value
               for c in at.caption)


def test_the_fiche_button_gives_the_pdf_of_this_assessment(campaign, deferred_downloads):
    import io

    from pypdf import PdfReader

    at = app_test(PAGE, project_id=campaign["project_id"], assessment_id=campaign["assessment_id"])
    button = next(b for b in at.get("download_button")
                  if b.proto.label == "Fiche de maturité (PDF)")
    button.click()
    at.run()
    assert not at.exception
    name = f"fiche-maturite-projet-{campaign['project_id']}-evaluation-{campaign['assessment_id']}.pdf"
    reader = PdfReader(io.BytesIO(deferred_downloads[name]()))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert 2 <= len(reader.pages) <= 4
    assert f"{round(campaign['overall']['score'])} / 100" in text
    with open_store(os.environ["COOPSCORE_DB"]) as db:
        project = db.project(campaign["project_id"]).name
    assert project.split(" — ")[0].replace("'", "’") in text


def test_the_printable_stage_table_holds_every_stage_in_full(campaign):
    at = app_test(PAGE, project_id=campaign["project_id"], assessment_id=campaign["assessment_id"])
    printable = [h.proto.body for h in at.get("html") if h.proto.body.startswith("<div class='coopscore-print-only'>")]
    assert len(printable) == 1
    with open_store(os.environ["COOPSCORE_DB"]) as db:
        grid = db.grid_of(campaign["assessment_id"])
    from html import escape
    assert all(escape(f"{s.number}. {s.title}") in printable[0] for s in grid.sections)
    assert any("@media print" in h.proto.body for h in at.get("html"))


def test_the_stage_table_wraps_every_stage_title_whole(campaign):
    from coopscore.labels import CHAR_PX, LINE_PX, wrapped_lines

    at = app_test(PAGE, project_id=campaign["project_id"], assessment_id=campaign["assessment_id"])
    assert not at.exception
    (frame,) = at.dataframe
    stages = frame.value["stage"]
    widths = {name: c.get("width") for name, c in json.loads(frame.proto.columns).items()}
    stage_px = next(width for name, width in widths.items() if "stage" in name)
    lines = max(wrapped_lines(text, stage_px // CHAR_PX) for text in stages)
    assert lines >= 2, "the grid's longest titles need two lines: the check would prove nothing"
    assert frame.proto.row_height >= LINE_PX * lines
    assert frame.proto.row_height > 64, "Streamlit wraps a cell's text only above 4 rem"
