"""The demo portfolio: believable, varied, valid, deterministic, and only when asked."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from coopscore.demo import generate_demo, generate_demo_if_empty
from coopscore.errors import CoopscoreError
from coopscore.grid import load_grid
from coopscore.store import answer_vocabulary, open_store

from .conftest import ROOT

LEVELS = {"0", "1", "2", "3"}


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    """The default demo portfolio in a real database file (built once for this module)."""
    database = open_store(tmp_path_factory.mktemp("demo") / "demo.db")
    generate_demo(database)
    yield database
    database.close()


def _table_contents(database) -> dict[str, list[tuple]]:
    tables = ("territories", "projects", "assessments", "respondents", "answers", "agreed",
              "actions")
    return {table: database.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3").fetchall()
            for table in tables}


def test_demo_portfolio_has_varied_projects_in_believable_territories(demo_store):
    projects = demo_store.projects()
    assert len(projects) == 30
    assert projects["programme"].nunique() >= 3
    assert projects["phase"].nunique() >= 4
    assert projects["cte"].any() and not projects["cte"].all()
    territories = demo_store.territories()["name"]
    pattern = re.compile(
        r"^(Pays|PNR|Communauté de communes|Communauté d'agglomération|PETR|GAL) ")
    assert territories.map(lambda name: bool(pattern.match(name))).all()
    assert territories.is_unique and projects["name"].is_unique


def test_both_grids_are_used_mostly_cooperation(demo_store):
    grids = demo_store.assessments()["grid"].value_counts()
    assert set(grids.index) == {"cooperation", "dialogue"}
    assert grids["cooperation"] > grids["dialogue"]


def test_some_projects_have_two_campaigns_that_show_progress(demo_store):
    assessments = demo_store.assessments()
    per_project = assessments.groupby("project")
    twice = per_project.filter(lambda group: len(group) == 2)
    assert twice["project"].nunique() >= 5
    levels = demo_store.answers()
    levels = levels[levels["value"].isin(LEVELS)]
    mean_level = levels.assign(level=levels["value"].astype(int)).groupby("assessment")["level"] \
        .mean()
    better = 0
    for _, group in twice.sort_values(["project", "date"]).groupby("project"):
        first, second = group.to_dict("records")
        assert (first["label"], second["label"]) == ("Diagnostic initial", "Point d'étape")
        assert first["date"] < second["date"]
        assert first["status"] == "closed"
        better += mean_level[second["id"]] > mean_level[first["id"]]
    assert better >= 0.7 * twice["project"].nunique()


def test_teams_of_three_to_nine_with_mixed_roles_and_real_disagreement(demo_store):
    answers = demo_store.answers()
    sizes = answers.groupby("assessment")["respondent"].nunique()
    assert sizes.between(3, 9).all() and sizes.nunique() >= 4
    assert (answers.groupby("assessment")["role"].nunique() >= 2).all()
    levels = answers[answers["value"].isin(LEVELS)].assign(
        level=lambda frame: frame["value"].astype(int))
    spread = levels.groupby(["assessment", "item"])["level"].agg(["min", "max", "count"])
    hotspots = spread[(spread["max"] - spread["min"] >= 2) & (spread["count"] >= 3)]
    assert hotspots.index.get_level_values("assessment").nunique() >= 0.8 * len(sizes)
    # ...and elected officials read the project more kindly than staff, as the grid warns.
    by_role = levels.groupby("role")["level"].mean()
    assert by_role["elu"] > by_role["technicien"]


def test_answers_include_comments_non_levels_and_methods(demo_store):
    answers = demo_store.answers()
    values = answers["value"].value_counts()
    for value in ("na", "not_yet", "unknown", "in_place", "planned", "no"):
        assert values.get(value, 0) > 0, value
    assert values[["na", "unknown"]].sum() < 0.1 * values[list(LEVELS)].sum()
    commented = answers["comment"].notna().mean()
    assert 0.02 < commented < 0.15
    assert len(demo_store.agreed()) > 0
    actions = demo_store.actions()
    assert len(actions) > 0 and actions["status"].nunique() >= 2


def test_not_yet_answers_sit_on_stages_the_project_has_not_reached(demo_store, cooperation):
    phase_rank = {phase.id: rank for rank, phase in enumerate(cooperation.phases)}
    item_rank = {item.id: phase_rank[cooperation.phase_of(item.section_id).id]
                 for item in cooperation.criteria()}
    context = demo_store.assessment_context()
    context = context[context["grid"] == "cooperation"]
    answers = demo_store.answers(context["assessment"]).merge(
        context[["assessment", "phase"]], on="assessment")
    not_yet = answers[answers["value"] == "not_yet"]
    ahead = not_yet["item"].map(item_rank) > not_yet["phase"].map(phase_rank)
    assert len(not_yet) > 0 and ahead.all()
    reached = answers[answers["item"].map(item_rank) <= answers["phase"].map(phase_rank)]
    assert reached["value"].isin(LEVELS).mean() > 0.85


def test_every_demo_answer_is_valid_for_its_grid_version(demo_store):
    vocabulary = answer_vocabulary()
    answers = demo_store.answers().merge(
        demo_store.assessment_context()[["assessment", "grid"]], on="assessment")
    for grid_id, group in answers.groupby("grid"):
        grid = load_grid(grid_id)
        kinds = {item.id: item.kind for item in (*grid.criteria(), *grid.methods())}
        kind = group["item"].map(kinds)
        assert kind.notna().all()
        valid = np.where(kind == "method",
                         group["value"].isin(vocabulary.method_values),
                         group["value"].isin(vocabulary.criterion_values))
        assert valid.all()
    assert set(answers["role"]) <= set(vocabulary.roles)
    assert demo_store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    agreed = demo_store.agreed()
    assert agreed["value"].isin(LEVELS).all()


def test_only_projects_in_european_cooperation_answer_the_cte_points(demo_store, cooperation):
    only_cte = {item.id for item in (*cooperation.criteria(), *cooperation.methods())
                if item.cte}
    answers = demo_store.answers().merge(
        demo_store.assessment_context()[["assessment", "cte"]], on="assessment")
    on_cte = answers["item"].isin(only_cte)
    assert on_cte[answers["cte"]].any(), "the demo's CTE projects answer their CTE points"
    assert not on_cte[~answers["cte"]].any()
    agreed = demo_store.agreed().merge(
        demo_store.assessment_context()[["assessment", "cte"]], on="assessment")
    assert not agreed.loc[~agreed["cte"], "item"].isin(only_cte).any()


def test_same_seed_gives_the_same_portfolio_and_another_seed_another(tmp_path):
    contents = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        with open_store(tmp_path / f"{name}.db") as database:
            generate_demo(database, projects=6, seed=seed)
            contents.append(_table_contents(database))
    assert contents[0] == contents[1]
    assert contents[0]["answers"] != contents[2]["answers"]


def test_assessment_count_can_be_set_for_the_benchmark(tmp_path):
    with open_store(tmp_path / "bench.db") as database:
        summary = generate_demo(database, projects=10, assessments=20)
        assert summary.assessments == 20
        assert (database.assessments().groupby("project").size() == 2).all()
        with pytest.raises(CoopscoreError, match="entre 10 et 20"):
            generate_demo(database, projects=10, assessments=25)


def test_if_empty_fills_a_new_database_once(store):
    first = generate_demo_if_empty(store, projects=4)
    assert first is not None and first.projects == 4
    before = store.counts()
    assert generate_demo_if_empty(store, projects=4) is None
    assert store.counts() == before


def test_demo_command_fills_the_database_and_then_leaves_it_alone(tmp_path):
    path = tmp_path / "cli.db"
    command = [sys.executable, "-m", "coopscore", "demo", "--projects", "5", "--if-empty",
               "--db", str(path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.startswith(f"Données de démonstration créées dans {path} : ")
    assert "5 projets" in done.stdout
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    assert "contient déjà des données : rien n'a été ajouté" in again.stdout
    with open_store(path) as database:
        assert database.counts()["projects"] == 5
    refused = subprocess.run([*command[:4], "--projects", "0", "--db", str(path)], cwd=ROOT,
                             capture_output=True, text=True)
    assert refused.returncode == 2
    assert "Le nombre de projets doit être un entier positif" in refused.stderr


def test_demo_dates_are_iso_and_plausible(demo_store):
    dates = pd.to_datetime(demo_store.assessments()["date"], format="%Y-%m-%d")
    assert dates.min() >= pd.Timestamp("2024-09-01")
    assert dates.max() <= pd.Timestamp("2026-10-31")
