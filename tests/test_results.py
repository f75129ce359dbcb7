"""From the store to scores: grouping by grid version, phases, previous campaign."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from coopscore.errors import NotFoundError
from coopscore.results import (_SCORE_TABLES, assessment_results, previous_assessment,
                               refresh_portfolio, score_assessments)
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


# --- incremental portfolio ---------------------------------------------------------------


def _sorted_values(frame: pd.DataFrame) -> list[tuple]:
    """The rows as tuples of plain values, NaN/None as one marker, in a canonical order."""
    def plain(value):
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            return "<missing>"
        if isinstance(value, float):
            return round(value, 9)
        return value.item() if hasattr(value, "item") else value
    rows = [tuple(plain(v) for v in row) for row in frame.astype(object).itertuples(index=False)]
    return sorted(rows, key=repr)


def _assert_same_portfolio(refreshed, scratch):
    assert set(refreshed) == set(scratch)
    for key, expected in scratch.items():
        got = refreshed[key]
        assert got.grid.version == expected.grid.version
        for table in (*_SCORE_TABLES, "recommendations", "context"):
            if table == "recommendations":
                left, right = got.recommendations, expected.recommendations
            elif table == "context":
                left, right = got.context, expected.context
            else:
                left, right = getattr(got.scores, table), getattr(expected.scores, table)
            assert list(left.columns) == list(right.columns), (key, table)
            assert _sorted_values(left) == _sorted_values(right), (key, table)
            # rows stay grouped by assessment, in the order of the context
            order = list(dict.fromkeys(left["assessment"].astype("int64")))
            assert order == sorted(order), (key, table)
            for column in left.columns:
                if isinstance(right[column].dtype, pd.CategoricalDtype):
                    assert isinstance(left[column].dtype, pd.CategoricalDtype), (key, table, column)
                    assert set(right[column].cat.categories) <= set(left[column].cat.categories)


@pytest.fixture
def refreshed(db):
    state, revisions = refresh_portfolio(db, None, None)
    _assert_same_portfolio(state, score_assessments(db))
    return state, revisions


def _answered(db):
    """An answer with a level (0-3) in a draft assessment."""
    answers = db.answer_values()
    drafts = db.assessment_context().query("status == 'draft'")["assessment"]
    first = answers[answers["assessment"].isin(drafts)
                    & answers["value"].isin(["0", "1", "2", "3"])].iloc[0]
    return int(first["assessment"]), int(first["respondent"]), str(first["item"]), answers


def test_refreshed_portfolio_follows_one_changed_answer(db, refreshed):
    assessment, respondent, item, answers = _answered(db)
    old = answers[(answers["assessment"] == assessment) & (answers["item"] == item)
                  & (answers["respondent"] == respondent)]["value"].item()
    db.save_answer(assessment, respondent, item, "0" if old != "0" else "3")
    read = []
    original = db.answer_values
    db.answer_values = lambda ids=None: read.append(ids) or original(ids)
    state, revisions = refresh_portfolio(db, *refreshed)
    db.answer_values = original
    assert read == [[assessment]], "only the changed assessment is read again"
    _assert_same_portfolio(state, score_assessments(db))
    key = next(k for k, r in state.items() if assessment in set(r.context["assessment"]))
    before = refreshed[0][key].one("criteria", assessment)
    after = state[key].one("criteria", assessment)
    assert not before["mean"].equals(after["mean"])
    # nothing changed since: the same tables come back
    again, _ = refresh_portfolio(db, state, revisions)
    assert again[key].scores.criteria is state[key].scores.criteria or \
        again[key].scores.criteria.equals(state[key].scores.criteria)


def test_refreshed_portfolio_follows_an_agreed_value(db, refreshed):
    assessment, _respondent, item, _answers = _answered(db)
    db.set_agreed(assessment, item, "1")
    state, _revisions = refresh_portfolio(db, *refreshed)
    _assert_same_portfolio(state, score_assessments(db))


def test_refreshed_portfolio_follows_a_deleted_and_a_new_assessment(db, refreshed):
    assessment, _respondent, _item, _answers = _answered(db)
    db.delete_assessment(assessment)
    project = int(db.projects().iloc[-1]["id"])
    created = db.create_assessment(project, "dialogue", "Nouvelle")
    respondent = db.add_respondent(created, "Test", "elu")
    item = next(iter(db.grid_of(created).criteria())).id
    db.save_answer(created, respondent, item, "2")
    state, revisions = refresh_portfolio(db, *refreshed)
    _assert_same_portfolio(state, score_assessments(db))
    # the last assessment deleted then created again under the same id
    last = int(db.assessments()["id"].max())
    project = db.assessment(last).project_id
    db.delete_assessment(last)
    again = db.create_assessment(project, "cooperation", "Remplacée")
    state, _ = refresh_portfolio(db, state, revisions)
    _assert_same_portfolio(state, score_assessments(db))


def test_refreshed_portfolio_follows_a_project_change(db, refreshed):
    project = db.assessment(_answered(db)[0]).project_id
    db.update_project(project, cte=not db.project(project).cte, name="Renommé")
    state, _ = refresh_portfolio(db, *refreshed)
    _assert_same_portfolio(state, score_assessments(db))


def test_refreshed_portfolio_of_an_emptied_grid_drops_it(db, refreshed):
    for assessment in db.assessment_context().query("grid == 'dialogue'")["assessment"]:
        db.delete_assessment(int(assessment))
    state, _ = refresh_portfolio(db, *refreshed)
    _assert_same_portfolio(state, score_assessments(db))
    assert ("dialogue", "1.0") not in state


def test_respondent_results_read_one_persons_answers_only(store_case):
    db, assessment = store_case.store, store_case.assessment
    alice, bruno = store_case.respondents["Alice"], store_case.respondents["Bruno"]
    db.save_answer(assessment, alice, "S01.V01", "0")
    db.save_answer(assessment, bruno, "S01.V01", "3")
    from coopscore.results import respondent_results

    mine = respondent_results(db, assessment, alice).one("criteria", assessment)
    theirs = respondent_results(db, assessment, bruno).one("criteria", assessment)
    row = lambda frame: frame[frame["item"] == "S01.V01"].iloc[0]  # noqa: E731
    assert float(row(mine)["value"]) == 0.0
    assert float(row(theirs)["value"]) == 3.0
    assert int(row(mine)["n"]) == 1


def test_the_profile_in_force_sets_the_targets_of_the_results(store_case):
    case = store_case
    case.store.set_programme_profile("leader", "bilan_fin_de_projet")
    results = assessment_results(case.store, case.assessment)
    assert set(results.scores.stages["target"]) == {75.0}
    assert results.scores.context["profile"].astype(str).tolist() == ["bilan_fin_de_projet"]


def test_restricted_results_hold_only_the_assessments_asked(db):
    from coopscore.results import restricted, score_assessments

    (results, *_) = score_assessments(db).values()
    ids = sorted(int(i) for i in results.context["assessment"])
    kept = restricted(results, ids[:1])
    assert set(kept.context["assessment"].astype(int)) == {ids[0]}
    assert set(kept.scores.stages["assessment"].astype(int)) == {ids[0]}
    assert set(kept.scores.criteria["assessment"].astype(int)) <= {ids[0]}
    assert kept.one("stages", ids[0]).equals(results.one("stages", ids[0]))
