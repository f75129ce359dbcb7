"""From the store to scores: grouping by grid version, phases, previous campaign."""

from __future__ import annotations

import math

import pytest

from coopscore.errors import NotFoundError
from coopscore.results import assessment_results, previous_assessment, score_assessments
from coopscore.store import open_store


@pytest.fixture
def db(demo_db):
    with open_store(demo_db) as database:
        yield database


def test_every_assessment_is_scored_once_under_its_grid(db):
    results = score_assessments(db)
    assert set(results) == {("cooperation", "1.0"), ("dialogue", "1.0")}
    scored = [a for r in results.values() for a in r.scores.overall["assessment"]]
    assert sorted(scored) == sorted(db.assessments()["id"])


def test_dialogue_assessments_have_no_phase_target_from_the_project(db):
    results = score_assessments(db)[("dialogue", "1.0")]
    assert results.scores.context["phase"].isna().all()


def test_one_assessment_matches_the_portfolio_computation(db):
    every = score_assessments(db)[("cooperation", "1.0")]
    assessment_id = int(every.context["assessment"].iloc[0])
    alone = assessment_results(db, assessment_id)
    left = alone.one("stages", assessment_id)["score"].tolist()
    right = every.one("stages", assessment_id)["score"].tolist()
    assert all((math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)
               for a, b in zip(left, right, strict=True))


def test_a_new_answer_moves_the_stage_score(db):
    project = db.projects().iloc[0]
    assessment_id = db.create_assessment(int(project["id"]), "cooperation", "Essai")
    respondent = db.add_respondent(assessment_id, "Test", "elu")
    before = assessment_results(db, assessment_id).one("stages", assessment_id)
    assert before["score"].isna().all()
    db.save_answer(assessment_id, respondent, "S01.V01", "3")
    after = assessment_results(db, assessment_id).one("stages", assessment_id)
    assert after.loc[after["section_id"] == "S01", "score"].item() == 100.0


def test_previous_campaign_is_the_one_before_for_the_same_grid(db):
    campaigns = db.assessments()
    twice = campaigns.groupby(["project", "grid"]).filter(lambda g: len(g) > 1)
    assert not twice.empty, "the demo has projects with two campaigns"
    ordered = twice.sort_values(["project", "date", "id"])
    first, second = ordered.iloc[0], ordered.iloc[1]
    assert previous_assessment(db, int(second["id"])) == int(first["id"])
    assert previous_assessment(db, int(first["id"])) is None


def test_unknown_assessment_is_a_french_not_found(db):
    with pytest.raises(NotFoundError):
        assessment_results(db, 999_999)


def test_revision_changes_after_a_write(db):
    before = db.revision()
    db.create_territory("Pays de Test-Révision")
    assert db.revision() != before


def test_scoring_input_is_the_answers_table_without_free_text(db):
    full = db.answers().sort_values(["assessment", "respondent", "item"]).reset_index(drop=True)
    lean = db.answer_values().sort_values(["assessment", "respondent", "item"]).reset_index(drop=True)
    assert list(lean.columns) == ["assessment", "respondent", "role", "item", "value"]
    assert lean.equals(full[list(lean.columns)])
