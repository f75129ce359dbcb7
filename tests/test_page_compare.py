"""Comparer les territoires: the chosen projects, and only them, side by side and in the portfolio."""

from __future__ import annotations

import html
import json

from coopscore import format as fmt
from coopscore.store import open_store

from .conftest import app_test, rendered

PAGE = "views/compare.py"


def _figures(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _heatmaps(at) -> list[dict]:
    return [trace for figure in _figures(at) for trace in figure["data"]
            if trace["type"] == "heatmap"]


def _heatmap(at) -> dict:
    """The projects × stages heatmap (the territories' one comes first)."""
    return _heatmaps(at)[-1]


def _table(at, column: str):
    (table,) = [t.value for t in at.dataframe if column in t.value.columns]
    return table


def _compared_names(at) -> list[str]:
    return list(_table(at, "name")["name"])


def test_an_empty_database_says_how_to_start():
    at = app_test(PAGE)
    assert not at.exception
    assert at.title[0].value == "Comparer les territoires"
    assert "python -m coopscore demo" in at.info[0].value
    assert not at.get("plotly_chart")


def test_the_default_comparison_shows_four_projects_in_every_view(demo_db):
    at = app_test(PAGE)
    assert not at.exception
    assert [h.value for h in at.header] == ["Par territoire", "Par projet"]
    headings = [s.value for s in at.subheader]
    assert headings == ["Les projets de chaque territoire", "Territoires × Étapes",
                        "Profils de maturité", "Projets × Étapes", "Tableau comparatif",
                        "Chaque projet dans le portefeuille"]
    chosen = at.multiselect(key="compare_projects_cooperation").value
    assert len(chosen) == 4
    assert len(_compared_names(at)) == 4
    heatmap = _heatmap(at)
    assert len(heatmap["y"]) == 4 and heatmap["x"] == [str(n) for n in range(1, 17)]
    # each cell's hover: the project's full name, then the stage's full title
    assert heatmap["customdata"][0][0] == [
        _compared_names(at)[0], "Étape 1 — Identifier un besoin, un problème, une attente, "
        "l'expliciter"]
    _, radars, narrow, _, position = _figures(at)  # the radars wide, then one a row
    assert sum(1 for trace in radars["data"] if trace["type"] == "scatterpolar") == 8
    # the same profiles, laid out for a narrow page
    assert [trace["r"] for trace in narrow["data"]] == [trace["r"] for trace in radars["data"]]
    assert len(narrow["layout"]["annotations"]) == 4
    assert [trace["name"] for trace in position["data"]][:2] == [
        "Portefeuille : 1er–3e quartile", "Médiane du portefeuille"]
    table = _table(at, "name")
    assert {"score", "band_label", "completeness", "S01", "S16"} <= set(table.columns)


def test_choosing_projects_compares_exactly_them(demo_db):
    at = app_test(PAGE)
    options = at.multiselect(key="compare_projects_cooperation").options
    assert len(options) > 5
    with open_store(demo_db) as db:
        projects = db.projects().set_index("name")
    wanted = [options[5], options[2]]
    at.multiselect(key="compare_projects_cooperation").set_value(
        [int(projects.loc[name, "id"]) for name in wanted]).run()
    assert not at.exception
    assert _compared_names(at) == wanted
    # plotly labels: typed text is escaped (« & » is « &amp; »), shown as typed
    rows = [html.unescape(label.replace("<br>", " ")).rstrip("…") for label in _heatmap(at)["y"]]
    assert len(rows) == 2
    assert all(name.startswith(row) for row, name in zip(rows, wanted, strict=True))
    assert at.selectbox(key="compare_position_cooperation").options == wanted


def test_the_dialogue_grid_compares_axes(demo_db):
    at = app_test(PAGE)
    at.button_group(key="compare_grid").set_value("dialogue").run()
    assert not at.exception
    heatmap = _heatmap(at)
    assert heatmap["x"] == ["1", "2", "3", "4"]
    assert heatmap["customdata"][0][0][1] == "Axe 1 — Quelques préalables"
    assert {"Territoires × Axes", "Projets × Axes"} <= {h.value for h in at.subheader}


def test_no_project_chosen_asks_for_one(demo_db):
    at = app_test(PAGE)
    at.multiselect(key="compare_projects_cooperation").set_value([]).run()
    assert not at.exception
    assert "Choisissez au moins un projet" in at.info[0].value
    assert len(at.get("plotly_chart")) == 1 and len(at.dataframe) == 1  # the territories


def test_a_project_without_answers_is_named_but_not_drawn(demo_db):
    with open_store(demo_db) as db:
        territory = int(db.territories()["id"].iloc[0])
        project = db.create_project("Projet tout neuf", territory, "leader", "emergence")
        db.create_assessment(project, "cooperation", "Diagnostic initial", date="2026-01-05")
    at = app_test(PAGE)
    select = at.multiselect(key="compare_projects_cooperation")
    scored = select.value[0]
    select.set_value([project]).run()
    assert not at.exception
    assert "n'a encore de réponse" in at.info[0].value
    assert len(at.get("plotly_chart")) == 1  # the territories' heatmap only
    at.multiselect(key="compare_projects_cooperation").set_value([scored, project]).run()
    assert not at.exception
    assert any("Sans réponse encore" in c.value and "Projet tout neuf" in c.value
               for c in at.caption)
    assert len(_heatmap(at)["y"]) == 1
    assert _compared_names(at)[1] == "Projet tout neuf"


def test_projects_not_yet_assessed_on_the_grid_say_what_to_do(tmp_path):
    with open_store() as db:
        territory = db.create_territory("Pays de Test")
        db.create_project("Coopération forêt", territory, "leader", "emergence")
    at = app_test(PAGE)
    assert not at.exception
    assert "Aucun projet n'a encore été évalué avec la grille" in at.info[0].value
    assert not at.get("plotly_chart")


def test_projects_left_out_are_named_with_why_and_switching_grid_updates_them(demo_db):
    at = app_test(PAGE)
    assert not at.exception
    (expander,) = [e for e in at.expander if e.label.startswith("Projets hors comparaison")]
    text = rendered("\n".join(m.value for m in expander.markdown))
    assert "évalué sur une autre grille : « " in text
    grid_control = next(w for w in at.get("button_group") if w.key == "compare_grid")
    grid_control.set_value("dialogue").run()
    assert not at.exception
    after = [e for e in at.expander if e.label.startswith("Projets hors comparaison")]
    assert after and "\n".join(m.value for m in after[0].markdown) != text


def _expected_territories(demo_db, grid_id: str):
    from coopscore.portfolio import grid_results, portfolio_table, territory_table
    from coopscore.results import score_assessments

    with open_store(demo_db) as db:
        table = portfolio_table(db.projects(), grid_results(score_assessments(db), grid_id))
    return territory_table(table[table["assessment"].notna()].reset_index(drop=True))


def test_territories_group_every_compared_project_under_its_own_name(demo_db):
    at = app_test(PAGE)
    assert not at.exception
    expected = _expected_territories(demo_db, "cooperation")
    shown = _table(at, "n_projects")
    assert list(shown["territory"]) == list(expected["territory"])
    assert list(shown["n_projects"]) == list(expected["n_projects"])
    # the table holds what its cells show: whole numbers, rounded as everywhere (format.rounded)
    assert shown["median"].tolist() == [fmt.rounded(v) for v in expected["median"]]
    assert sum(shown["n_projects"]) == len(at.multiselect(key="compare_projects_cooperation")
                                           .options)
    # every project named in full under its territory, with its index
    listing = rendered("\n".join(m.value for m in at.markdown))
    for row in expected.itertuples():
        (line,) = [text for text in listing.split("\n") if text.startswith(f"- **{row.territory}**")]
        assert all(name in line for name in row.projects), row.territory
    territories = _heatmaps(at)[0]
    assert [name for name, _ in (cell[0] for cell in territories["customdata"])] == [
        f"{row.territory} ({row.n_scored})" for row in expected.itertuples() if row.n_scored]


def test_switching_grid_regroups_the_territories(demo_db):
    at = app_test(PAGE)
    before = list(_table(at, "n_projects")["territory"])
    at.button_group(key="compare_grid").set_value("dialogue").run()
    assert not at.exception
    after = _table(at, "n_projects")
    expected = _expected_territories(demo_db, "dialogue")
    assert list(after["territory"]) == list(expected["territory"]) != before
    assert sum(after["n_projects"]) == len(at.multiselect(key="compare_projects_dialogue").options)


def test_a_funder_is_told_which_projects_share_only_their_summary(demo_db, monkeypatch):
    from coopscore import access

    from .test_page_signin import comptes, person

    from coopscore.portfolio import grid_results, portfolio_table
    from coopscore.results import score_assessments

    with open_store(demo_db) as db:
        table = portfolio_table(db.projects(), grid_results(score_assessments(db),
                                                            "cooperation"))
        leader = table[(table["programme"] == "leader") & table["score"].notna()]
        shared, summary = leader.iloc[0], leader.iloc[1]  # both scored on this grid
        access.ScopedStore(db, access.Actor.admin()).set_consent(int(shared["project"]),
                                                                 "etapes")
        access.grant(db, "compta@region.fr", "financeur", "programme", "leader")
    at = comptes(monkeypatch, person("s-f", "compta@region.fr"))
    at.switch_page(PAGE).run()
    assert not at.exception
    (expander,) = [e for e in at.expander if e.label.startswith("Projets hors comparaison")]
    text = rendered("\n".join(m.value for m in expander.markdown))
    assert f"**{summary['name']}** : ne partage avec ses financeurs que sa synthèse" in text
    assert shared["name"] not in text
    options = at.multiselect(key="compare_projects_cooperation").options
    assert summary["name"] not in options
    inside = {m.value for m in expander.markdown}
    elsewhere = rendered("\n".join(m.value for m in at.main.markdown if m.value not in inside))
    assert summary["name"] not in elsewhere  # never in the territories' listing
    assert sum(_table(at, "n_projects")["n_projects"]) == len(options)
