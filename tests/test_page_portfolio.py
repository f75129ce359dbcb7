"""Portefeuille: every project with its latest assessment, filtered, and one click to its results."""

from __future__ import annotations

import json

import pandas as pd

from coopscore.store import open_store

from .conftest import app_test, rendered

PAGE = "views/portfolio.py"
PROFILE_EXPANDER = "Profil de cibles d'un programme (appel à projets)"


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
    at_risk = table[(table["n_flags"] > 0) | (table["mean_gap"].fillna(0) >= 0.5)]
    assert [s.value for s in at.subheader] == [
        "Répartition des indices globaux", "Projets",
        "Pourquoi ce projet est à risque" if len(at_risk) == 1
        else f"Pourquoi ces {len(at_risk)} projets sont à risque", "Fiche de maturité d'un projet"]
    reasons = rendered("\n".join(m.value for m in at.markdown))
    assert all(f"**{row.name}** — {row.risk}" in reasons for row in at_risk.itertuples())
    assert len(at.get("plotly_chart")) == 1
    unassessed = table[table["score"].isna()]
    assert not unassessed.empty, "the demo has projects without a cooperation assessment"
    assert set(unassessed["band_label"]) == {"pas encore évalué"}
    flagged = table[table["n_flags"] > 0].iloc[0]
    assert flagged["flags"] and flagged["programme_label"] and flagged["phase_label"]
    assert [b.label for b in at.get("download_button")] == [
        "Télécharger (CSV)", "Télécharger (Excel)", "Rapport de portefeuille (PDF)",
        "Fiche de maturité (PDF)"]


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


def test_the_printed_page_says_its_filters_in_words(demo_db):
    """On paper the filters' controls are not printed: a sentence says which are in force."""
    def printed(at) -> list[str]:
        return [h.proto.body for h in at.get("html")
                if "coopscore-print-only'><p>" in h.proto.body]

    at = app_test(PAGE)
    assert any("Filtres : aucun, tous les projets du portefeuille." in h for h in printed(at))
    at.multiselect(key="portfolio_phases").set_value(["emergence"]).run()
    at.toggle(key="portfolio_critical").set_value(True).run()
    assert not at.exception
    assert any("Filtres : phases : Émergence · seulement les projets avec une alerte critique."
               in h for h in printed(at)), printed(at)


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


def test_no_cell_is_cut_names_and_readings_wrap_and_the_critical_points_are_below(demo_db):
    from coopscore.labels import LINE_PX, wrapped_lines

    at = app_test(PAGE)
    (frame,) = at.dataframe
    table = frame.value
    shown = list(frame.proto.column_order)
    assert shown[:5] == ["name", "score", "band_label", "n_flags", "risk_short"]
    widths = {c.get("label"): c.get("width") for c in json.loads(frame.proto.columns).values()}
    name_px, risk_px = widths["Projet"], widths["Pourquoi"]
    # the row is tall enough for the longest name and reading at their columns' widths
    lines = max(wrapped_lines(text, width // 7) for column, width in (("name", name_px),
                                                                      ("risk_short", risk_px))
                for text in table[column])
    assert lines >= 3, "the demo's names are long: the check would prove nothing otherwise"
    assert frame.proto.row_height >= LINE_PX * lines > 64  # Streamlit wraps above 4 rem
    # a cell says how many critical points; the whole sentence naming them is below
    flagged = table[table["n_flags"] > 0]
    assert not flagged["risk_short"].str.contains("«").any()
    reasons = rendered("\n".join(m.value for m in at.markdown))
    for row in flagged.itertuples():
        assert row.risk_short.split(" sous le seuil")[0] in row.risk
        assert all(f"« {text} »" in reasons for text in row.flags.split(" ; ")), row.name


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


def test_a_funder_applies_its_calls_profile_to_its_programme_only(demo_db, monkeypatch):
    """A funder granted LEADER is offered LEADER alone (no list to choose from), sets its call's
    profile there, and the page then says which profile is in force; a funder of a list of
    projects is offered nothing to set."""
    from coopscore import access, audit

    from .test_page_signin import comptes, person

    with open_store(demo_db) as db:
        access.grant(db, "appel@region.fr", "financeur", "programme", "leader")
        access.grant(db, "liste@region.fr", "financeur", "project", int(db.projects()["id"][0]))
    at = comptes(monkeypatch, person("s-l", "liste@region.fr"))
    at.switch_page(PAGE).run()
    assert not at.exception and at.dataframe
    assert PROFILE_EXPANDER not in [e.label for e in at.expander]
    at = comptes(monkeypatch, person("s-a", "appel@region.fr"))
    at.switch_page(PAGE).run()
    assert not at.exception
    assert PROFILE_EXPANDER in [e.label for e in at.expander]
    assert "portfolio_profile_programme" not in [s.key for s in at.selectbox]
    assert not any("applique le profil" in c.value for c in at.caption)
    at.selectbox(key="portfolio_profile_leader").set_value("appel_cooperation").run()
    assert not at.exception
    assert any("applique désormais : Appel à projets de coopération" in s.value
               for s in at.success)
    assert any(c.value.startswith("Le programme « LEADER » applique le profil de cibles "
                                  "« Appel à projets de coopération") for c in at.caption)
    scored = _table(at)
    scored = scored[scored["score"].notna()]
    assert set(scored["profile_label"]) == {
        "Appel à projets de coopération — dépôt de candidature"}
    with open_store(demo_db) as db:
        assert db.programme_profiles() == {"leader": "appel_cooperation"}
        (row,) = audit.entries(db, action="programme.profile").itertuples()
    assert (row.actor, row.actor_kind, row.object) == ("appel@region.fr", "financeur",
                                                       "programme:leader")


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


# --- the reports hold only what their reader may see (two actors, pypdf) ---------------------


def _pdf_words(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split()).replace("- ", "-")


def _words(text: str) -> str:
    return " ".join(text.replace("'", "’").split())


def _download(at, deferred, label: str, name: str) -> str:
    button = next(b for b in at.get("download_button") if b.proto.label == label)
    button.click()
    at.run()
    assert not at.exception
    return _pdf_words(deferred[name]())


def _two_shares(demo_db) -> tuple[pd.Series, pd.Series]:
    """Two assessed LEADER projects with alerts of their own: the first set to share its
    « etapes », the second left at « synthese » (the default)."""
    from coopscore import access
    from coopscore.portfolio import grid_results, portfolio_table
    from coopscore.results import score_assessments

    with open_store(demo_db) as db:
        table = portfolio_table(db.projects(), grid_results(score_assessments(db), "cooperation"))
        flagged = table[(table["programme"] == "leader") & (table["n_flags"] > 0)]
        texts = {row.project: set(row.flags.split(" ; ")) for row in flagged.itertuples()}
        stages, summary = next((a, b) for a in texts for b in texts
                               if a != b and texts[b] - texts[a])
        access.ScopedStore(db, access.Actor.admin()).set_consent(int(stages), "etapes")
        access.grant(db, "compta@region.fr", "financeur", "programme", "leader")
    rows = table.set_index("project")
    return rows.loc[stages], rows.loc[summary]


def test_the_portfolio_report_holds_only_what_each_reader_may_see(demo_db, monkeypatch,
                                                                  deferred_downloads):
    from .test_page_signin import comptes, person

    stages, summary = _two_shares(demo_db)
    own = set(summary["flags"].split(" ; ")) - set(stages["flags"].split(" ; "))
    whole = _download(app_test(PAGE), deferred_downloads, "Rapport de portefeuille (PDF)",
                      "rapport-portefeuille.pdf")
    assert all(_words(text) in whole for text in own)
    at = comptes(monkeypatch, person("s-f", "compta@region.fr"))
    at.switch_page(PAGE).run()
    assert not at.exception
    cut = _download(at, deferred_downloads, "Rapport de portefeuille (PDF)",
                    "rapport-portefeuille.pdf")
    assert _words(summary["name"]) in cut and _words(stages["name"]) in cut
    assert not any(_words(text) in cut for text in own)
    assert all(_words(text) in cut for text in stages["flags"].split(" ; "))
    assert "détail non partagé" in cut and "détail non partagé" not in whole


def test_the_fiche_of_a_project_on_the_portfolio_is_cut_to_its_share(demo_db, monkeypatch,
                                                                     deferred_downloads):
    from .test_page_signin import comptes, person

    stages, summary = _two_shares(demo_db)
    at = comptes(monkeypatch, person("s-f", "compta@region.fr"))
    at.switch_page(PAGE).run()
    readings = {}
    for row in (summary, stages):
        at.selectbox(key="portfolio_fiche_project").set_value(int(row.name)).run()
        assert not at.exception
        assert any(f"partage avec ses financeurs : {level}" in c.value for c in at.caption
                   for level in ("synthèse", "étapes"))
        name = f"fiche-maturite-projet-{row.name}-evaluation-{int(row['assessment'])}.pdf"
        readings[row.name] = _download(at, deferred_downloads, "Fiche de maturité (PDF)", name)
    short, longer = readings[summary.name], readings[stages.name]
    assert _words(summary["name"]).split(" — ")[0] in short
    assert "Le détail par étape" not in short and "Le détail par étape" in longer
    assert not any(_words(text) in short for text in summary["flags"].split(" ; "))
    assert all(_words(text) in longer for text in stages["flags"].split(" ; "))
    # the same project's fiche for whoever works on it (here the poste mode): whole
    monkeypatch.delenv("COOPSCORE_MODE")
    whole = app_test(PAGE)
    whole.selectbox(key="portfolio_fiche_project").set_value(int(summary.name)).run()
    assert not any("partage avec ses financeurs" in c.value for c in whole.caption)
    name = f"fiche-maturite-projet-{summary.name}-evaluation-{int(summary['assessment'])}.pdf"
    full = _download(whole, deferred_downloads, "Fiche de maturité (PDF)", name)
    assert "Le détail par étape" in full
    assert all(_words(text) in full for text in summary["flags"].split(" ; "))


def test_the_spreadsheet_is_made_when_its_button_is_clicked_and_the_log_says_so(
        demo_db, deferred_downloads):
    from coopscore import audit

    at = app_test(PAGE)
    at.multiselect(key="portfolio_programmes").set_value(["leader"]).run()
    shown = _table(at)
    with open_store(demo_db) as db:  # drawing the buttons makes no file and logs nothing
        assert audit.entries(db, action="export").empty
        leader = db.projects()
        leader = leader[leader["programme"] == "leader"]
    next(b for b in at.get("download_button") if b.proto.label == "Télécharger (CSV)").click()
    at.run()
    assert not at.exception
    text = deferred_downloads["portefeuille.csv"]().decode("utf-8-sig")
    assert all(name in text for name in shown["name"])
    with open_store(demo_db) as db:
        (row,) = audit.entries(db, action="export").itertuples()
        others = db.projects()
    assert not any(name in text for name in others.loc[others["programme"] != "leader", "name"])
    assert (row.actor, row.object) == ("poste|poste", "portfolio")
    assert json.loads(row.new) == {"document": "portfolio", "format": "csv",
                                   "projects": sorted(int(p) for p in leader["id"])}
