"""Team agreement: each person's and each role's view, spread of answers, hotspots settled."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopscore import agreement
from coopscore.scoring import score

A = "evaluation"  # the assessment id scoring gives answers without an assessment column


def _answers(rows):
    return pd.DataFrame(rows, columns=["respondent", "role", "item", "value"])


@pytest.fixture
def team(tiny_grid):
    """Three people: two officials who split, one member of staff who sees nothing done."""
    answers = _answers([
        ("Ana", "elu", "S01.V01", "3"), ("Ana", "elu", "S01.V02", "1"), ("Ana", "elu", "S02.V01", "2"),
        ("Bob", "elu", "S01.V01", "1"), ("Bob", "elu", "S01.V02", "3"),
        ("Cyd", "technicien", "S01.V01", "0"), ("Cyd", "technicien", "S01.V02", "0"),
        ("Cyd", "technicien", "S02.V01", "unknown"),
    ])
    agreed = pd.DataFrame({"assessment": [A], "item": ["S01.V02"], "value": ["2"],
                           "rationale": ["décidé en réunion"], "updated_at": ["2026-03-02T10:00"]})
    scores = score(answers, tiny_grid, agreed=agreed[["assessment", "item", "value"]])
    return answers, agreed, scores


def test_respondent_matrix_holds_each_persons_own_stage_scores(team):
    _, _, scores = team
    matrix = agreement.respondent_matrix(
        scores.respondent_stages, A, {"Ana": "Ana · élu·e", "Bob": "Bob · élu·e", "Cyd": "Cyd"},
        {"S01": "1", "S02": "2", "S03": "3"})
    assert list(matrix.index) == ["Ana · élu·e", "Bob · élu·e", "Cyd"]
    assert list(matrix.columns) == ["1", "2", "3"]
    # Ana: (3 × 1 + 1 × 2) / 3 levels / 3 × 100; S02: 2 / 3
    assert matrix.loc["Ana · élu·e", "1"] == pytest.approx(500 / 9)
    assert matrix.loc["Ana · élu·e", "2"] == pytest.approx(200 / 3)
    assert matrix.loc["Bob · élu·e", "1"] == pytest.approx(700 / 9)
    assert math.isnan(matrix.loc["Bob · élu·e", "2"])
    assert matrix.loc["Cyd", "1"] == 0.0
    assert math.isnan(matrix.loc["Cyd", "2"])  # « je ne sais pas » is not a score


def test_respondent_matrix_leaves_out_people_without_a_level_answer(tiny_grid):
    answers = _answers([("Ana", "elu", "S01.V01", "2"), ("Zoé", "partenaire", "S01.V01", "unknown")])
    scores = score(answers, tiny_grid)
    matrix = agreement.respondent_matrix(scores.respondent_stages, A,
                                         {"Zoé": "Zoé", "Ana": "Ana"}, {"S01": "1"})
    assert list(matrix.index) == ["Ana"]
    assert agreement.respondent_count(scores.respondent_stages, A) == 1


def test_role_stage_scores_use_each_roles_median_with_the_criteria_weights(team):
    _, _, scores = team
    by_role = agreement.role_stage_scores(scores.criteria_by_role, scores.criteria, 3)
    table = by_role.set_index(["role", "section_id"])
    # officials: medians 2 (1, 3) and 2 (3, 1), weights 1 and 2 → 2 / 3 × 100
    assert table.loc[("elu", "S01"), "score"] == pytest.approx(200 / 3)
    assert table.loc[("elu", "S01"), "n_criteria"] == 2
    assert table.loc[("technicien", "S01"), "score"] == 0.0
    assert table.loc[("elu", "S02"), "score"] == pytest.approx(200 / 3)
    assert ("technicien", "S02") not in table.index  # only « je ne sais pas » there


def test_role_profiles_follow_the_scale_order_and_keep_gaps(team):
    _, _, scores = team
    by_role = agreement.role_stage_scores(scores.criteria_by_role, scores.criteria, 3)
    profiles = agreement.role_profiles(by_role, A, ["S01", "S02", "S03"],
                                       ["technicien", "partenaire", "elu"])
    assert list(profiles) == ["technicien", "elu"]
    assert profiles["technicien"] == [0.0, None, None]
    assert profiles["elu"][2] is None
    assert agreement.respondents_by_role(scores.respondent_stages, A) == {"elu": 2, "technicien": 1}


def test_role_scores_of_an_assessment_without_answers_are_empty(tiny_grid):
    scores = score(_answers([]), tiny_grid, assessments=pd.DataFrame({"assessment": [7]}))
    by_role = agreement.role_stage_scores(scores.criteria_by_role, scores.criteria, 3)
    assert by_role.empty and list(by_role.columns) == agreement.ROLE_SCORE_COLUMNS
    assert agreement.role_profiles(by_role, 7, ["S01"], ["elu"]) == {}


def test_answer_counts_fill_every_value_in_the_given_order(team):
    answers, _, _ = team
    counts = agreement.answer_counts(answers, ["S01.V02", "S01.V01", "S02.V01"],
                                     ["0", "1", "2", "3", "unknown"])
    assert counts.loc["S01.V01"].tolist() == [1, 1, 0, 1, 0]
    assert counts.loc["S01.V02"].tolist() == [1, 1, 0, 1, 0]
    assert counts.loc["S02.V01"].tolist() == [0, 0, 1, 0, 1]
    assert list(counts.index) == ["S01.V02", "S01.V01", "S02.V01"]
    empty = agreement.answer_counts(answers.iloc[:0], ["S01.V01"], ["0", "1"])
    assert empty.loc["S01.V01"].tolist() == [0, 0]


def test_hotspots_list_the_split_criteria_and_mark_the_settled_ones(team):
    _, agreed, scores = team
    spots = agreement.hotspots(scores.criteria, agreed, A)
    assert list(spots["item"]) == ["S01.V01", "S01.V02"]  # unresolved first
    first, second = spots.to_dict("records")
    assert (first["n"], first["min"], first["max"], first["median"]) == (3, 0, 3, 1)
    assert first["agreement"] == pytest.approx(2 / 3)
    assert not first["resolved"] and first["agreed_value"] is None and first["rationale"] is None
    assert first["value"] == 1  # the median counts while nothing is agreed
    assert second["resolved"] and second["agreed_value"] == "2"
    assert second["rationale"] == "décidé en réunion"
    assert second["value"] == 2  # the agreed level, not the median (1)


def test_hotspots_without_agreed_values_sort_least_agreement_first(tiny_grid):
    answers = _answers([
        ("Ana", "elu", "S01.V01", "1"), ("Bob", "elu", "S01.V01", "3"), ("Cyd", "elu", "S01.V01", "3"),
        ("Dan", "elu", "S01.V01", "3"),
        ("Ana", "elu", "S01.V02", "0"), ("Bob", "elu", "S01.V02", "3"), ("Cyd", "elu", "S01.V02", "3"),
    ])
    scores = score(answers, tiny_grid)
    no_agreed = pd.DataFrame(columns=["assessment", "item", "value", "rationale", "updated_at"])
    spots = agreement.hotspots(scores.criteria, no_agreed, A)
    # V01: median 3, three answers of four within one level (3/4); V02: median 3, two of three
    assert list(spots["item"]) == ["S01.V02", "S01.V01"]
    assert spots["agreement"].tolist() == pytest.approx([2 / 3, 3 / 4])
    assert not spots["resolved"].any()


def test_mean_agreement_averages_the_criteria_with_two_answers(team):
    _, _, scores = team
    assert agreement.mean_agreement(scores.criteria, A) == pytest.approx(2 / 3)


def test_mean_agreement_is_none_without_two_answers_anywhere(tiny_grid):
    scores = score(_answers([("Ana", "elu", "S01.V01", "2")]), tiny_grid)
    assert agreement.mean_agreement(scores.criteria, A) is None



def test_the_summary_counts_exactly_the_listed_disagreements():
    criteria = pd.DataFrame({
        "assessment": [1] * 4, "item": ["a", "b", "c", "d"], "section_id": ["S01"] * 4,
        "n": [3, 4, 2, 5], "hotspot": [True, False, False, True],
    })
    considered, disagreements, share = agreement.agreement_summary(criteria, 1, min_answers=3)
    assert (considered, disagreements, share) == (3, 2, pytest.approx(1 / 3))
    assert agreement.agreement_summary(criteria.iloc[0:0], 1, 3) == (0, 0, None)


@given(st.integers(1, 500), st.data())
def test_an_agreement_below_one_never_rounds_to_100_percent(n, data):
    close = data.draw(st.integers(0, n))
    percent = agreement.agreement_percent(close / n)
    assert 0 <= percent <= 100
    assert (percent == 100) == (close == n)
