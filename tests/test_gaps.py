"""A team's reading of one assessment: stage rows, weak points, recommendations with their words."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from coopscore.gaps import (
    axis_label_width, band_rules, flag_level, flag_table, gap_ranking,
    has_critical_points, level_label, next_phase, phase_table, recommendation_table, score_change,
    scores_by_section, shorten, stage_labels, stage_table, sub_items, unassessed_stages,
    weak_points,
)
from coopscore.scale import load_scale
from coopscore.scoring import recommend, score

SCALE = load_scale()


def answers(*rows: tuple) -> pd.DataFrame:
    """(respondent, item, value) rows of one assessment « a »; roles do not matter here."""
    return pd.DataFrame([("a", r, "elu", i, v) for r, i, v in rows],
                        columns=["assessment", "respondent", "role", "item", "value"])


def scored(grid, table: pd.DataFrame, phase: str | None):
    context = pd.DataFrame({"assessment": ["a"], "phase": [phase], "cte": [False]})
    scores = score(table, grid, assessments=context, scale=SCALE)
    return scores, recommend(scores, grid, scale=SCALE)


@pytest.fixture
def tiny_case(tiny_grid):
    """Tiny grid, project in its second phase « suite »: S01 targets 75, S02 and S03 target 50.

    S01: the critical point at 1 (a flag, 2 levels missing), the weight-2 point at 2 → 55.6.
    S02: answers 0, 1, 3 → median 1 (a hotspot) → 33.3. S03 (scored from its methods): one
    method « planned » (level 1), the other unanswered → 33.3.
    """
    table = answers(
        *[(r, "S01.V01", "1") for r in ("p1", "p2", "p3")],
        *[(r, "S01.V02", "2") for r in ("p1", "p2", "p3")],
        ("p1", "S02.V01", "0"), ("p2", "S02.V01", "1"), ("p3", "S02.V01", "3"),
        *[(r, "S01.M01", "no") for r in ("p1", "p2", "p3")],
        *[(r, "S02.M01", "in_place") for r in ("p1", "p2", "p3")],
        *[(r, "S03.M01", "planned") for r in ("p1", "p2", "p3")],
    )
    return scored(tiny_grid, table, "suite")


def test_long_titles_are_cut_at_a_word_boundary():
    assert shorten("Identifier un besoin, un problème, une attente", 22) == "Identifier un besoin…"
    assert shorten("Court", 22) == "Court"


def test_stage_labels_carry_the_number_and_a_short_title(cooperation):
    short, full = stage_labels(cooperation), stage_labels(cooperation, None)
    assert list(short) == [s.id for s in cooperation.sections]
    assert short["S01"] == "1. Identifier un besoin…"
    assert len(short["S01"]) <= 28
    assert full["S01"] == "1. Identifier un besoin, un problème, une attente, l'expliciter"


def test_few_axes_get_longer_chart_labels_than_sixteen_stages(cooperation, dialogue):
    assert axis_label_width(cooperation) < axis_label_width(dialogue)
    short = stage_table(pd.DataFrame(columns=["section_id"]), dialogue)["short"]
    assert list(short)[1] == "2. Animer les liens, les relations"


def test_team_values_are_said_in_words():
    assert level_label(2, SCALE) == "2 · En partie traité"
    assert level_label(2.5, SCALE) == "2,5 · entre « En partie traité » et « Maîtrisé »"
    assert level_label(float("nan"), SCALE) == "pas de niveau donné"
    assert level_label(None, SCALE) == "pas de niveau donné"


def test_band_rules_cover_zero_to_hundred_highest_first():
    assert band_rules(SCALE) == ["Point d'appui : de 75 à 100", "À consolider : de 50 à 74",
                                 "Point de fragilité : de 0 à 49"]


def test_stage_table_has_every_stage_in_grid_order_with_its_words(tiny_grid, tiny_case):
    scores, _ = tiny_case
    table = stage_table(scores.stages, tiny_grid)
    assert list(table["section_id"]) == ["S01", "S02", "S03"]
    first = table.iloc[0]
    assert first["stage"] == "1. Première étape"
    assert first["phase"] == "Début"
    assert first["score"] == pytest.approx(500 / 9)
    assert first["target"] == 75.0
    assert first["gap"] == pytest.approx(75 - 500 / 9)
    assert first["band_label"] == "À consolider"
    assert first["completeness"] == 1.0
    assert list(table["basis_label"]) == ["d'après les critères", "d'après les critères",
                                          "d'après les méthodes"]


def test_stage_table_of_an_assessment_without_answers_has_no_score(tiny_grid):
    scores, _ = scored(tiny_grid, answers(), "suite")
    table = stage_table(scores.stages, tiny_grid)
    assert table["score"].isna().all()
    assert table["band_label"].isna().all()
    assert list(unassessed_stages(table)["section_id"]) == ["S01", "S02", "S03"]


def test_phase_table_follows_the_grid_and_is_empty_without_phases(tiny_grid, tiny_case, dialogue):
    scores, _ = tiny_case
    phases = phase_table(scores.phases, tiny_grid)
    assert list(phases["phase"]) == ["Début", "Suite"]
    assert phases.iloc[0]["score"] == pytest.approx(500 / 9)
    assert phases.iloc[1]["target"] == 50.0
    empty, _ = scored(dialogue, answers(("p1", "A1.L01", "2")), None)
    assert phase_table(empty.phases, dialogue).empty


def test_gaps_are_ranked_largest_first_then_in_grid_order(tiny_grid, tiny_case):
    scores, _ = tiny_case
    ranking = gap_ranking(stage_table(scores.stages, tiny_grid))
    assert list(ranking["section_id"]) == ["S01", "S02", "S03"]
    assert ranking.iloc[0]["gap"] == pytest.approx(75 - 500 / 9)
    assert ranking.iloc[1]["gap"] == pytest.approx(50 - 100 / 3)


def test_a_stage_at_its_target_has_no_gap_to_rank(tiny_grid):
    scores, _ = scored(tiny_grid, answers(("p1", "S01.V01", "3"), ("p1", "S01.V02", "3")), "debut")
    ranking = gap_ranking(stage_table(scores.stages, tiny_grid))
    assert ranking.empty


def test_weak_points_are_the_criteria_below_their_target_level(tiny_grid, tiny_case):
    scores, _ = tiny_case
    weak = weak_points(scores.criteria, tiny_grid, SCALE)
    assert list(weak["item"]) == ["S01.V01", "S01.V02", "S02.V01"]
    critical = weak.iloc[0]
    assert critical["text"] == "premier point"
    assert critical["value_label"] == "1 · Identifié"
    assert critical["target_label"] == "3 · Maîtrisé"
    assert critical["missing_level"] == 2.0
    assert critical["critical"] == "parce que c'est critique"
    assert not critical["hotspot"]
    split = weak.iloc[2]
    assert split["hotspot"], "answers 0, 1 and 3: the team disagrees"
    assert split["target_label"] == "2 · En partie traité"


def test_weak_points_can_be_limited_to_some_stages(tiny_grid, tiny_case):
    scores, _ = tiny_case
    assert list(weak_points(scores.criteria, tiny_grid, SCALE, ["S02"])["item"]) == ["S02.V01"]
    assert weak_points(scores.criteria, tiny_grid, SCALE, []).empty


def test_critical_flags_have_their_text_value_and_reason(tiny_grid, tiny_case):
    scores, _ = tiny_case
    flags = flag_table(scores.flags, tiny_grid, SCALE)
    assert flags.to_dict("records") == [{
        "section_id": "S01", "stage": "1. Première étape", "item": "S01.V01",
        "text": "premier point", "value": 1.0, "value_label": "1 · Identifié",
        "reason": "parce que c'est critique", "agreed": False}]


def test_recommended_methods_say_why_and_what_the_team_does_now(tiny_grid, tiny_case):
    scores, recommendations = tiny_case
    table = recommendation_table(recommendations, tiny_grid, SCALE)
    assert list(table["method"]) == ["S01.M01", "S03.M02", "S03.M01"]
    first = table.iloc[0]
    assert first["kind"] == "method"
    assert first["because_texts"] == ["premier point", "second point"]
    assert first["because_note"] == "premier point ; second point"
    assert first["status_label"] == "Non"
    assert not first["in_plan"]
    unanswered = table.iloc[1]
    assert unanswered["status_label"] == "aucune"
    assert unanswered["because_texts"] == []
    assert "évaluée d'après ses méthodes" in unanswered["because_note"]


def test_a_method_already_in_the_plan_is_marked(tiny_grid, tiny_case):
    _, recommendations = tiny_case
    actions = pd.DataFrame({"method": ["S01.M01", None], "title": [None, "autre chose"]})
    table = recommendation_table(recommendations, tiny_grid, SCALE, actions)
    assert dict(zip(table["method"], table["in_plan"])) == {
        "S01.M01": True, "S03.M02": False, "S03.M01": False}


def test_sub_items_are_listed_depth_first(tiny_grid):
    found = sub_items(tiny_grid.item("S02.V01"))
    assert [(s.text, s.depth) for s in found] == [("un sous-point", 0)]
    assert sub_items(tiny_grid.item("S01.M01")) == []


def test_dialogue_levers_are_recommended_themselves(dialogue):
    weak_axis = dialogue.section("A3").criteria
    others = [item for s in dialogue.sections if s.id != "A3" for item in s.criteria]
    table = answers(*[(r, item.id, "0") for r in ("p1", "p2") for item in weak_axis],
                    *[(r, item.id, "3") for r in ("p1", "p2") for item in others])
    scores, recommendations = scored(dialogue, table, None)
    levers = recommendation_table(recommendations, dialogue, SCALE)
    assert set(levers["kind"]) == {"criterion"}
    assert set(levers["section_id"]) == {"A3"}
    lever = levers.iloc[0]
    assert lever["because_texts"] == [], "a lever is not its own « parce que »"
    assert lever["because_note"] == "Levier à renforcer — Axe 3 : Agir auprès des élus"
    in_plan = recommendation_table(recommendations, dialogue, SCALE, pd.DataFrame(
        {"method": [None], "title": [lever["text"]]}))
    assert in_plan.iloc[0]["in_plan"] and not in_plan.iloc[1]["in_plan"]
    stages = stage_table(scores.stages, dialogue)
    assert list(stages["stage"])[2] == "3. Agir auprès des élus"
    assert stages["phase"].isna().all()
    assert set(stages["basis_label"]) == {"d'après les leviers"}


def test_next_phase_follows_the_grid(tiny_grid, dialogue):
    assert next_phase(tiny_grid, "debut").id == "suite"
    assert next_phase(tiny_grid, "suite") is None
    assert next_phase(tiny_grid, None) is None
    assert next_phase(tiny_grid, "inconnue") is None
    assert next_phase(dialogue, None) is None


def test_previous_scores_line_up_by_stage_id():
    previous = pd.DataFrame({"section_id": ["S01", "S02"], "score": [40.0, float("nan")]})
    assert scores_by_section(previous, ["S01", "S02", "S03"]) == [40.0, None, None]


def test_score_change_needs_both_scores():
    assert score_change(60.0, 45.0) == 15.0
    assert score_change(40.0, 45.0) == -5.0
    assert score_change(float("nan"), 45.0) is None
    assert score_change(60.0, None) is None
    assert not math.isnan(score_change(50, 50))


def test_the_flag_level_is_the_scale_level_critical_points_must_reach():
    level = flag_level(SCALE)
    assert (level.level, level.label) == (2, "En partie traité")


def test_only_grids_with_critical_points_can_raise_flags(cooperation, dialogue, tiny_grid):
    assert has_critical_points(cooperation)
    assert has_critical_points(tiny_grid)
    assert not has_critical_points(dialogue)



def test_a_flag_agreed_in_consensus_says_so(tiny_grid):
    from coopscore.gaps import consensus_items

    answers = pd.DataFrame({"respondent": ["A"], "role": ["elu"], "item": ["S01.V01"],
                            "value": ["0"]})
    agreed = pd.DataFrame({"assessment": ["evaluation"], "item": ["S01.V01"], "value": ["1"]})
    scores = score(answers, tiny_grid, agreed=agreed)
    items = consensus_items(scores.criteria, scores.methods)
    assert items == ["S01.V01"]
    (row,) = flag_table(scores.flags, tiny_grid, SCALE, items).to_dict("records")
    assert row["agreed"] and row["value_label"] == "1 · Identifié — valeur retenue en consensus"


@pytest.mark.parametrize("phase, profile, expected", [
    ("emergence", None, "Cibles de la phase « Émergence » : 75 pour les étapes des phases passées"),
    (None, "appel_cooperation", "Cibles du profil « Appel à projets de coopération"),
    (None, None, "Ni phase ni profil de cibles : la cible de chaque étape est le seuil "
                 "« Point d'appui » (75)."),
])
def test_the_targets_in_force_are_said_in_one_sentence(cooperation, phase, profile, expected):
    from coopscore.gaps import targets_in_force

    assert targets_in_force(cooperation, SCALE, phase=phase, profile=profile).startswith(expected)
