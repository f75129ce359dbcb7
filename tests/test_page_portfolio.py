"""Portefeuille: every project with its latest assessment, filtered, and one click to its results."""

from __future__ import annotations

import pandas as pd

from coopscore.store import open_store

from .conftest import app_test, rendered

PAGE = "views/portfolio.py"


def _table(at) -> pd.DataFrame:
    (table,) = at.dataframe
    return table.value


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _select_row(at, *, assessed: bool) -> pd.Series:
    """Click the first (assessed or not yet assessed) project of the table; return its row."""
    table = _table(at)
    position = int(table.index[table["score"].notna() == assessed][0])
    at.session_state["portfolio_table"] = {"selection": {"rows": [position], "columns": [],
                                                         "cells": []}}
    at.run()
    return table.iloc[position]


def test_an_empty_database_says_how_to_start():
    at = app_test(PAGE)
    assert not at.exception
    assert at.title[0].value == "Portefeuille"
    assert "python -m coopscore demo" in at.info[0].value
    assert not at.dataframe and not at.get("plotly_chart")


def test_every_project_is_listed_with_its_figures(demo_db):
    with open_store(demo_db) as db:
        projects = db.projects()
    at = app_test(PAGE)
    assert not at.exception
    table = _table(at)
    assert sorted(table["name"]) == sorted(projects["name"])
    metrics = _metrics(at)
    assert metrics["Projets"] == str(len(projects))
    assessed = table["score"].dropna()
    assert metrics["Indice médian (0–100)"] == f"{assessed.median():.0f}"
    assert metrics["Projets avec un point critique"] == str(int((table["n_flags"] > 0).sum()))
    at_risk = table[(table["n_flags"] > 0) | (table["mean_gap"].fillna(0).round() > 0)]
    assert [s.value for s in at.subheader] == [
        "Répartition des indices globaux", "Projets",
        f"Pourquoi ces {len(at_risk)} projets sont à risque"]
    reasons = rendered("\n".join(m.value for m in at.markdown))
    assert all(f"**{row.name}** — {row.risk}" in reasons for row in at_risk.itertuples())
    assert len(at.get("plotly_chart")) == 1
    unassessed = table[table["score"].isna()]
    assert not unassessed.empty, "the demo has projects without a cooperation assessment"
    assert set(unassessed["band_label"]) == {"pas encore évalué"}
    flagged = table[table["n_flags"] > 0].iloc[0]
    assert flagged["flags"] and flagged["programme_label"] and flagged["phase_label"]
    assert [b.label for b in at.get("download_button")] == [
        "Télécharger (CSV)", "Télécharger (Excel)", "Rapport de portefeuille (PDF)"]


def test_the_critical_filter_keeps_only_flagged_projects(demo_db):
    at = app_test(PAGE)
    before = _table(at)
    at.toggle(key="portfolio_critical").set_value(True).run()
    assert not at.exception
    after = _table(at)
    assert 0 < len(after) < len(before)
    assert (after["n_flags"] > 0).all()
    assert _metrics(at)["Projets"] == str(len(after))


def test_a_programme_filter_reduces_the_rows(demo_db):
    at = app_test(PAGE)
    before = _table(at)
    at.multiselect(key="portfolio_programmes").set_value(["leader"]).run()
    assert not at.exception
    after = _table(at)
    assert 0 < len(after) < len(before)
    assert set(after["programme"]) == {"leader"}


def test_filters_that_match_nothing_say_so(demo_db):
    at = app_test(PAGE)
    at.multiselect(key="portfolio_bands").set_value(["non_evalue"]).run()
    at.toggle(key="portfolio_critical").set_value(True).run()
    assert not at.exception
    assert "Aucun projet ne correspond" in at.info[0].value
    assert _metrics(at)["Projets"] == "0" and not at.dataframe


def test_selecting_an_assessed_project_opens_its_results(demo_db):
    at = app_test(PAGE)
    row = _select_row(at, assessed=True)
    assert not at.exception
    assert at.session_state["project_id"] == int(row["project"])
    assert at.session_state["assessment_id"] == int(row["assessment"])
    assert at.title[0].value != "Portefeuille"
    at.switch_page(PAGE).run()  # coming back does not reopen the project by itself
    assert not at.exception
    assert at.title[0].value == "Portefeuille"


def test_selecting_a_project_not_yet_assessed_opens_its_self_assessment(demo_db):
    at = app_test(PAGE)
    row = _select_row(at, assessed=False)
    assert not at.exception
    assert at.session_state["project_id"] == int(row["project"])
    assert at.title[0].value == "Auto-évaluation"
    assert any("pas encore de réponse" in i.value for i in at.info)


def test_projects_are_ranked_by_risk_and_say_why(demo_db):
    at = app_test(PAGE)
    table = _table(at)
    scored = table[table["score"].notna()]
    assert scored["n_flags"].tolist() == sorted(scored["n_flags"], reverse=True)
    assert table["score"].isna().tolist() == sorted(table["score"].isna())  # unassessed last
    first = table.iloc[0]
    assert first["risk"].startswith(f"{first['n_flags']} point")
    assert first["risk"].endswith(".")


def test_a_programme_profile_is_inherited_by_its_projects(demo_db):
    at = app_test(PAGE)
    at.selectbox(key="portfolio_profile_programme").set_value("leader").run()
    at.selectbox(key="portfolio_profile_leader").set_value("bilan_fin_de_projet").run()
    assert not at.exception
    assert any("applique désormais" in s.value for s in at.success)
    table = _table(at)
    leader = table[(table["programme"] == "leader") & table["score"].notna()]
    others = table[(table["programme"] != "leader") & table["score"].notna()]
    assert set(leader["profile_label"]) == {"Bilan de fin de projet"}
    assert "Bilan de fin de projet" not in set(others["profile_label"])
    with open_store(demo_db) as db:
        assert db.programme_profiles() == {"leader": "bilan_fin_de_projet"}


def test_the_portfolio_report_button_gives_the_projects_shown(demo_db, deferred_downloads):
    import io

    from pypdf import PdfReader

    at = app_test(PAGE)
    at.multiselect(key="portfolio_programmes").set_value(["leader"]).run()
    shown = _table(at)
    button = next(b for b in at.get("download_button")
                  if b.proto.label == "Rapport de portefeuille (PDF)")
    button.click()
    at.run()
    assert not at.exception
    data = deferred_downloads["rapport-portefeuille.pdf"]()
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    flat = " ".join(text.replace("\u202f", " ").split()).replace("- ", "-")
    assert "Rapport de portefeuille" in flat and "programmes : LEADER" in flat
    assert [n for n in shown["name"] if " ".join(n.replace("'", "’").split()) not in flat] == []
    with open_store(demo_db) as db:
        others = db.projects()
    left_out = others[others["programme"] != "leader"]["name"]
    assert [n for n in left_out if n.replace("'", "’") in flat] == []
