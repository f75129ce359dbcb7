"""Suivi dans le temps: a project's campaigns, the change between two, what moved."""

from __future__ import annotations

import os

import pytest

from coopscore.store import open_store

from .conftest import app_test

PAGE = "views/timeline.py"


@pytest.fixture
def db(demo_db):
    with open_store(demo_db) as database:
        yield database


def _project(db, campaigns: int) -> dict:
    """A demo project with that many campaigns on one grid (the cooperation grid if possible)."""
    every = db.assessments()
    counts = every.groupby(["project", "grid"]).size().reset_index(name="n")
    counts = counts[counts["n"] == campaigns].sort_values("grid")  # cooperation first
    project = int(counts["project"].iloc[0])
    latest = every[every["project"] == project].sort_values(["date", "id"])["id"].iloc[-1]
    return {"project_id": project, "assessment_id": int(latest)}


def _third_campaign(db, project_id: int) -> int:
    """A later campaign in which two people say every point is handled and every method in place."""
    campaigns = db.assessments(project_id).sort_values(["date", "id"])
    last = campaigns.iloc[-1]
    grid = db.grid_of(int(last["id"]))
    assessment = db.create_assessment(project_id, last["grid"], "Point d'étape 2",
                                      date="2026-12-01")
    rows = []
    for name, role in (("Alice", "elu"), ("Bruno", "technicien")):
        person = db.add_respondent(assessment, name, role)
        rows += [{"assessment_id": assessment, "respondent_id": person, "item": item.id,
                  "value": "3" if item.kind == "criterion" else "in_place"}
                 for item in (*grid.criteria(), *grid.methods()) if not item.cte]
    db.save_answers(rows)
    return assessment


def _pair(at, project_id: int):
    """The « Depuis » and « Jusqu'à » selectboxes."""
    return (at.selectbox(key=f"timeline_before_{project_id}"),
            at.selectbox(key=f"timeline_after_{project_id}"))


def _infos(at) -> str:
    return "\n".join(i.value for i in at.info)


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_timeline_shows_the_index_the_stages_and_the_change_between_campaigns(db):
    selection = _project(db, campaigns=2)
    at = app_test(PAGE, **selection)
    assert not at.exception
    assert at.title[0].value == "Suivi dans le temps"
    assert [s.value for s in at.subheader] == [
        "Indice global au fil des évaluations", "Scores au fil des évaluations, étape par étape",
        "Évolution entre deux évaluations"]
    assert _metric(at, "Évaluations suivies") == "2"
    bands = ("Point d'appui", "À consolider", "Point de fragilité")
    assert 0 <= int(_metric(at, "Indice global aujourd'hui")) <= 100
    assert sum(c.value in bands for c in at.caption) == 2  # how the first and last index read
    assert _metric(at, "Évolution de l'indice global").endswith(" points")
    assert len(at.get("plotly_chart")) == 3  # index over time, stages × campaigns, change bars
    table = at.dataframe[0].value
    assert len(table) == 16
    assert table["stage"].iloc[0].startswith("1. Identifier un besoin")
    assert set(table["trend"]) <= {"a progressé", "a reculé", "stable", "pas de score à comparer"}
    text = "\n".join(m.value for m in at.markdown)
    assert "**Ce qui a progressé**" in text and "**Ce qui a reculé**" in text
    assert "au moins 10 points sur 100" in text
    # the default pair: the last two campaigns
    campaigns = db.assessments(selection["project_id"]).sort_values(["date", "id"])
    before, after = _pair(at, selection["project_id"])
    assert (before.value, after.value) == tuple(int(i) for i in campaigns["id"])


def test_choosing_another_pair_of_campaigns_changes_the_changes(db):
    selection = _project(db, campaigns=2)
    first, second = db.assessments(selection["project_id"]).sort_values(["date", "id"])["id"]
    third = _third_campaign(db, selection["project_id"])
    at = app_test(PAGE, project_id=selection["project_id"], assessment_id=third)
    assert not at.exception
    assert _metric(at, "Évaluations suivies") == "3"
    before, after = _pair(at, selection["project_id"])
    assert (before.value, after.value) == (second, third)
    last_two = at.dataframe[0].value
    chart_before = at.get("plotly_chart")[2].proto.spec

    before.set_value(int(first)).run()

    assert not at.exception
    from_start = at.dataframe[0].value
    assert (from_start["after"] == last_two["after"]).all()  # same arrival: everything at 100
    assert set(from_start["after"]) <= {"100", "—"}
    assert not from_start["before"].equals(last_two["before"])
    assert not from_start["change"].equals(last_two["change"])
    assert at.get("plotly_chart")[2].proto.spec != chart_before


def test_the_same_campaign_twice_asks_for_two(db):
    selection = _project(db, campaigns=2)
    at = app_test(PAGE, **selection)
    before, after = _pair(at, selection["project_id"])
    before.set_value(after.value).run()
    assert not at.exception
    assert "Choisissez deux évaluations différentes" in _infos(at)
    assert len(at.get("plotly_chart")) == 2 and not at.dataframe


def test_a_reversed_pair_is_said_to_read_backwards(db):
    selection = _project(db, campaigns=2)
    at = app_test(PAGE, **selection)
    before, after = _pair(at, selection["project_id"])
    first, last = before.value, after.value
    forward = at.dataframe[0].value["change"].tolist()
    before.set_value(last)
    after.set_value(first).run()
    assert not at.exception
    assert "lue à rebours" in at.warning[0].value
    backward = at.dataframe[0].value["change"].tolist()

    def points(shown: str) -> int | None:
        return None if shown == "—" else int(shown.replace("\u2212", "-"))  # « −34 »

    assert [points(b) for b in backward] == [None if points(f) is None else -points(f)
                                             for f in forward]
    assert any(points(f) for f in forward)


def test_a_single_campaign_invites_a_progress_review(db):
    selection = _project(db, campaigns=1)
    at = app_test(PAGE, **selection)
    assert not at.exception
    assert "une seule évaluation : ouvrez un point d'étape pour suivre l'évolution" \
        in _infos(at).lower()
    assert at.main.get("page_link")[0].proto.page == "auto-evaluation"
    assert not at.get("plotly_chart")


def test_a_new_campaign_without_answers_is_not_yet_compared(db):
    selection = _project(db, campaigns=1)
    new = db.create_assessment(selection["project_id"],
                               db.assessment(selection["assessment_id"]).grid, "Point d'étape",
                               date="2026-12-01")
    at = app_test(PAGE, project_id=selection["project_id"], assessment_id=new)
    assert not at.exception
    assert "au moins deux évaluations avec des réponses" in _infos(at)
    assert not at.get("plotly_chart")


def test_a_project_without_assessment_and_an_empty_database():
    at = app_test(PAGE)
    assert not at.exception
    assert "Choisissez un projet" in _infos(at)
    with open_store(os.environ["COOPSCORE_DB"]) as database:
        territory = database.create_territory("Pays du Val de Test")
        project = database.create_project("Projet sans évaluation", territory)
    at = app_test(PAGE, project_id=project)
    assert not at.exception
    assert "pas encore d'évaluation" in _infos(at)
    assert at.main.get("page_link")[0].proto.page == "auto-evaluation"
    assert not at.get("plotly_chart")
