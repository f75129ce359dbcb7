"""The scoring engine: golden cases computed by hand, team statistics, targets, recommendations,
the JSON report, and invariants checked with hypothesis."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopscore.answers import read_answers_file
from coopscore.errors import AnswersError, ScaleError
from coopscore.grid import load_grid, parse_grid
from coopscore.scale import load_scale
from coopscore.scoring import recommend, score, to_report

from .conftest import TINY_GRID_YAML

CASES = Path(__file__).resolve().parent / "cases"
SCALE = load_scale()
TINY = parse_grid(TINY_GRID_YAML, filename="tiny.yaml")
ROLES = list(SCALE.role_ids())
PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def team(*rows: tuple, assessment: str | None = None) -> pd.DataFrame:
    """Answers as (respondent, role, item, value) tuples."""
    table = pd.DataFrame(rows, columns=["respondent", "role", "item", "value"])
    if assessment is not None:
        table.insert(0, "assessment", assessment)
    return table


def row(frame: pd.DataFrame, **keys) -> dict:
    selected = frame
    for column, value in keys.items():
        selected = selected[selected[column] == value]
    assert len(selected) == 1, keys
    return selected.iloc[0].to_dict()


# --- golden cases, computed by hand ---------------------------------------------------


def case_names() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if (p / "expected.json").exists())


def load_case(name: str):
    folder = CASES / name
    case = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    grid_ref = case["grid"]
    grid = load_grid(CASES / grid_ref if grid_ref.endswith(".yaml") else grid_ref)
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return folder, case, grid, expected


@pytest.mark.parametrize("name", case_names())
def test_golden_case_report_matches_the_hand_computation(name):
    folder, case, grid, expected = load_case(name)
    answers = read_answers_file(folder / "answers.csv", grid, SCALE)
    context = pd.DataFrame({"assessment": ["evaluation"], "phase": [case.get("phase")],
                            "cte": [bool(case.get("cte"))]})
    scores = score(answers, grid, assessments=context, scale=SCALE)
    report = to_report(scores, recommend(scores, grid, scale=SCALE), "evaluation", grid)
    assert report == expected


def test_there_are_golden_cases_for_both_grids_and_the_fixture_grid():
    grids = {yaml.safe_load((CASES / n / "case.yaml").read_text())["grid"] for n in case_names()}
    assert {"cooperation", "dialogue", "golden_grid.yaml"} <= grids


# --- team statistics --------------------------------------------------------------------


def test_median_of_an_even_team_is_the_mean_of_the_two_middle_answers():
    scores = score(team(("A", "elu", "S01.V01", "0"), ("B", "elu", "S01.V01", "1"),
                        ("C", "elu", "S01.V01", "3"), ("D", "elu", "S01.V01", "3")), TINY)
    stats = row(scores.criteria, item="S01.V01")
    assert (stats["n"], stats["median"], stats["mean"], stats["min"], stats["max"]) == (4, 2.0, 1.75, 0, 3)
    assert stats["std"] == pytest.approx(math.sqrt(((0 - 1.75) ** 2 + 0.75 ** 2 + 2 * 1.25 ** 2) / 4))
    assert stats["agreement"] == 0.75  # 0 is two levels from the median
    assert stats["hotspot"]


@pytest.mark.parametrize("values, hotspot", [
    (("1", "3", "3"), True),    # spread of 2 among 3 answers
    (("1", "2", "3"), False),   # spread of 2 but all within 1 level of the median: agreement 1
    (("0", "2", "3", "3"), True),  # 0 is 2.5 away from the median 2.5
    (("1", "2", "2"), False),   # spread of 1
    (("0", "3"), False),        # only 2 answers
    (("0", "3", "na"), False),  # « na » is not an answer on the scale
])
def test_a_hotspot_needs_a_spread_of_two_levels_among_three_answers(values, hotspot):
    answers = team(*[(f"R{k}", "elu", "S01.V01", v) for k, v in enumerate(values)])
    assert row(score(answers, TINY).criteria, item="S01.V01")["hotspot"] is hotspot


def test_non_level_answers_are_counted_apart():
    answers = team(("A", "elu", "S01.V01", "na"), ("B", "elu", "S01.V01", "not_yet"),
                   ("C", "elu", "S01.V01", "unknown"), ("D", "elu", "S01.V01", "unknown"),
                   ("E", "elu", "S01.V01", "2"))
    stats = row(score(answers, TINY).criteria, item="S01.V01")
    assert (stats["n"], stats["n_na"], stats["n_not_yet"], stats["n_unknown"]) == (1, 1, 1, 2)
    assert stats["median"] == 2.0


def test_statistics_by_role_show_the_distance_between_elected_officials_and_staff():
    answers = team(("A", "elu", "S01.V01", "3"), ("B", "elu", "S01.V01", "3"),
                   ("C", "technicien", "S01.V01", "0"), ("D", "technicien", "S01.V01", "1"))
    by_role = score(answers, TINY).criteria_by_role
    assert by_role["role"].tolist() == ["elu", "technicien"]
    assert by_role["median"].tolist() == [3.0, 0.5]
    assert by_role["n"].tolist() == [2, 2]


def test_each_respondent_gets_an_own_stage_score():
    answers = team(("A", "elu", "S01.V01", "3"), ("A", "elu", "S01.V02", "0"),
                   ("B", "partenaire", "S01.V02", "3"), ("B", "partenaire", "S03.M01", "planned"))
    table = score(answers, TINY).respondent_stages
    assert len(table) == 2 * 3  # respondents × stages
    a = row(table, respondent="A", section_id="S01")
    assert (a["role"], a["score"], a["n_answered"]) == ("elu", pytest.approx(100 / 3), 2)  # (3 + 0×2) / 3 / 3
    assert row(table, respondent="B", section_id="S01")["score"] == 100.0
    assert row(table, respondent="B", section_id="S03")["score"] == pytest.approx(100 / 3)
    assert math.isnan(row(table, respondent="A", section_id="S02")["score"])


def test_the_same_name_in_two_assessments_is_two_respondents():
    answers = pd.concat([team(("A", "elu", "S01.V01", "3"), assessment="P1"),
                         team(("A", "technicien", "S01.V01", "0"), assessment="P2")])
    scores = score(answers, TINY)
    assert scores.overall["n_respondents"].tolist() == [1, 1]
    s01 = scores.respondent_stages[scores.respondent_stages["section_id"] == "S01"]
    assert s01[["assessment", "role", "score"]].values.tolist() == [
        ["P1", "elu", 100.0], ["P2", "technicien", 0.0]]


def test_respondent_ids_unique_across_a_large_portfolio_are_handled():
    # 1,200 assessments × 1,200 distinct respondent ids: too many pairs for a dense table.
    n = 1200
    answers = pd.DataFrame({"assessment": [f"P{k:04d}" for k in range(n)],
                            "respondent": [10_000 + k for k in range(n)], "role": "elu",
                            "item": "S01.V01", "value": [str(k % 4) for k in range(n)]})
    scores = score(answers, TINY)
    s01 = scores.respondent_stages[scores.respondent_stages["section_id"] == "S01"]
    assert s01["respondent"].tolist() == list(range(10_000, 10_000 + n))
    assert s01["score"].tolist() == [(k % 4) / 3 * 100 for k in range(n)]
    assert scores.overall["n_respondents"].eq(1).all()


# --- agreed values, applicability -----------------------------------------------------


def test_an_agreed_value_replaces_the_median_but_keeps_raw_statistics():
    answers = team(("A", "elu", "S01.V01", "0"), ("B", "elu", "S01.V01", "1"),
                   ("C", "elu", "S01.V01", "1"))
    agreed = pd.DataFrame({"assessment": ["evaluation"], "item": ["S01.V01"], "value": ["3"]})
    scores = score(answers, TINY, agreed=agreed)
    stats = row(scores.criteria, item="S01.V01")
    assert (stats["median"], stats["agreed"], stats["value"], stats["n"]) == (1.0, 3.0, 3.0, 3)
    assert row(scores.stages, section_id="S01")["score"] == 100.0
    assert len(scores.flags) == 0  # the critical point is agreed at 3


def test_an_agreed_na_takes_the_criterion_out_of_the_stage():
    answers = team(("A", "elu", "S01.V01", "0"), ("A", "elu", "S01.V02", "3"))
    agreed = pd.DataFrame({"assessment": ["evaluation"], "item": ["S01.V01"], "value": ["na"]})
    stage = row(score(answers, TINY, agreed=agreed).stages, section_id="S01")
    assert (stage["score"], stage["n_applicable"], stage["completeness"]) == (100.0, 1, 1.0)


def test_an_agreed_method_status_overrides_the_most_frequent_answer():
    answers = team(("A", "elu", "S01.M01", "no"), ("B", "elu", "S01.M01", "no"))
    agreed = pd.DataFrame({"item": ["S01.M01"], "value": ["in_place"]})
    method = row(score(answers, TINY, agreed=agreed).methods, item="S01.M01")
    assert (method["status"], method["agreed"], method["n_no"]) == ("in_place", "in_place", 2)


@pytest.mark.parametrize("answers, status", [
    (("in_place", "in_place", "no"), "in_place"),
    (("in_place", "no"), "no"),            # a split team: the lower answer wins
    (("in_place", "planned"), "planned"),
    (("na", "no"), "no"),                  # « does not apply » loses ties
    (("na", "na", "planned"), "na"),
])
def test_a_method_status_is_the_most_frequent_answer_ties_going_down(answers, status):
    table = team(*[(f"R{k}", "elu", "S01.M01", v) for k, v in enumerate(answers)])
    assert row(score(table, TINY).methods, item="S01.M01")["status"] == status


def test_a_split_team_keeps_seeing_the_method_recommended():
    answers = team(("A", "elu", "S01.V01", "0"), ("A", "elu", "S01.M01", "in_place"),
                   ("B", "elu", "S01.M01", "no"))
    recommendations = recommend(score(answers, TINY, assessments=context(phase="suite")), TINY)
    assert recommendations[["method", "status"]].values.tolist() == [["S01.M01", "no"]]


def test_bad_agreed_values_are_refused():
    with pytest.raises(AnswersError) as caught:
        score(team(), TINY, agreed=pd.DataFrame({"item": ["S01.V01", "S09"], "value": ["7", "1"]}))
    assert caught.value.problems == [
        "élément « S09 » inconnu dans la grille « tiny » (1 ligne).",
        "valeur « 7 » hors échelle pour un point de vigilance (0, 1, 2, 3, na, not_yet, unknown) (1 ligne).",
    ]


def test_a_criterion_everyone_says_does_not_apply_leaves_the_count():
    answers = team(("A", "elu", "S01.V01", "na"), ("B", "elu", "S01.V01", "na"),
                   ("A", "elu", "S01.V02", "2"))
    stage = row(score(answers, TINY).stages, section_id="S01")
    assert (stage["n_applicable"], stage["n_answered"], stage["completeness"]) == (1, 1, 1.0)


def test_an_unknown_answer_keeps_the_criterion_applicable_and_unanswered():
    answers = team(("A", "elu", "S01.V01", "na"), ("B", "elu", "S01.V01", "unknown"),
                   ("A", "elu", "S01.V02", "2"))
    stage = row(score(answers, TINY).stages, section_id="S01")
    assert (stage["n_applicable"], stage["n_answered"], stage["n_unknown"]) == (2, 1, 1)


def test_cte_only_criteria_count_only_for_european_cooperation_projects(cooperation):
    answers = team(("A", "elu", "S02.V07", "0"), ("A", "elu", "S02.V01", "3"))
    plain = score(answers, cooperation)
    cte = score(answers, cooperation,
                assessments=pd.DataFrame({"assessment": ["evaluation"], "cte": [True]}))
    assert row(plain.stages, section_id="S02")["score"] == 100.0
    assert row(plain.stages, section_id="S02")["n_applicable"] == 6
    assert row(cte.stages, section_id="S02")["score"] == 50.0
    assert row(cte.stages, section_id="S02")["n_applicable"] == 7
    assert not row(plain.criteria, item="S02.V07")["applicable"]


def test_a_stage_without_criteria_is_scored_from_its_methods():
    answers = team(("A", "elu", "S03.M01", "in_place"), ("A", "elu", "S03.M02", "planned"),
                   ("A", "elu", "S01.M01", "no"))
    stages = score(answers, TINY).stages.set_index("section_id")
    assert stages.loc["S03", "basis"] == "methods"
    assert stages.loc["S03", "score"] == pytest.approx((3 + 1) / 2 / 3 * 100)
    assert stages.loc["S01", "basis"] == "criteria"
    assert math.isnan(stages.loc["S01", "score"])  # methods do not score a stage that has criteria


# --- targets, gaps, flags ---------------------------------------------------------------


def context(**columns) -> pd.DataFrame:
    return pd.DataFrame({"assessment": ["evaluation"], **{k: [v] for k, v in columns.items()}})


def test_targets_follow_the_current_phase(cooperation):
    scores = score(team(), cooperation, assessments=context(phase="partenaires"))
    targets = scores.stages.set_index("section_id")["target"]
    assert targets[[f"S{k:02d}" for k in range(1, 7)]].tolist() == [75.0] * 6
    assert targets[["S07", "S08", "S09"]].tolist() == [50.0] * 3
    assert targets[[f"S{k}" for k in range(10, 17)]].isna().all()
    assert scores.phases["target"].tolist()[:3] == [75.0, 75.0, 50.0]


def test_without_phase_or_profile_every_target_is_the_point_appui_threshold(cooperation):
    scores = score(team(("A", "elu", "S01.V01", "0")), cooperation)
    threshold = next(band.min for band in SCALE.bands if band.id == "point_appui")
    assert scores.stages["target"].tolist() == [threshold] * len(cooperation.sections)
    assert row(scores.stages, section_id="S01")["gap"] == threshold
    assert set(recommend(scores, cooperation)["section_id"]) == {"S01"}


def test_a_critical_point_of_a_later_phase_is_upcoming_not_an_alert(cooperation):
    answers = team(("A", "elu", "S01.V04", "0"), ("A", "elu", "S05.V01", "0"),
                   ("A", "elu", "S13.V04", "1"), ("A", "elu", "S08.V02", "3"))
    scores = score(answers, cooperation, assessments=context(phase="emergence"))
    assert scores.flags["item"].tolist() == ["S01.V04"]
    # S02.V05 (current phase, unanswered) is neither; S08.V02 is met (3), so not upcoming
    assert scores.upcoming["item"].astype(str).tolist() == ["S05.V01", "S10.V06", "S13.V04"]
    assert scores.overall["n_flags"].tolist() == [1]


def test_a_profile_target_turns_a_later_critical_point_into_an_alert(cooperation):
    answers = team(("A", "elu", "S16.V01", "0"), ("A", "elu", "S13.V04", "0"),
                   ("A", "elu", "S10.V06", "1"))
    scores = score(answers, cooperation, assessments=context(profile="appel_cooperation"))
    # appel_cooperation sets targets up to projet_commun (S10) and S16, none on S13.
    assert scores.flags["item"].tolist() == ["S10.V06"]
    assert "S13.V04" in scores.upcoming["item"].astype(str).tolist()


def test_a_named_profile_sets_the_targets(cooperation):
    scores = score(team(("A", "elu", "S16.V01", "1")), cooperation,
                   assessments=context(profile="appel_cooperation"))
    stage = row(scores.stages, section_id="S16")
    assert (stage["target"], stage["score"], stage["gap"]) == (50.0, pytest.approx(100 / 3),
                                                               pytest.approx(50 - 100 / 3))
    assert scores.context["profile"].tolist() == ["appel_cooperation"]


def test_an_unknown_phase_or_profile_is_refused(cooperation):
    with pytest.raises(ScaleError, match="phase « fin » inconnue"):
        score(team(), cooperation, assessments=context(phase="fin"))
    with pytest.raises(ScaleError, match="Profil de cibles « nope » inconnu"):
        score(team(), cooperation, assessments=context(profile="nope"))


@pytest.mark.parametrize("phase, value, target_level, missing", [
    ("suite", "1", 3, 2), ("suite", "3", 3, 0), ("debut", "1", 2, 1), ("debut", "2", 2, 0)])
def test_each_criterion_says_the_level_still_missing(phase, value, target_level, missing):
    scores = score(team(("A", "elu", "S01.V02", value)), TINY, assessments=context(phase=phase))
    criterion = row(scores.criteria, item="S01.V02")
    assert (criterion["target_level"], criterion["missing_level"]) == (target_level, missing)


@pytest.mark.parametrize("value, flagged", [("0", True), ("1", True), ("2", False), ("na", False)])
def test_a_critical_point_below_level_two_raises_a_flag(value, flagged):
    scores = score(team(("A", "elu", "S01.V01", value), ("A", "elu", "S01.V02", "0")), TINY)
    assert scores.flags["item"].tolist() == (["S01.V01"] if flagged else [])
    if flagged:
        assert scores.flags["reason"].tolist() == ["parce que c'est critique"]
        assert scores.overall["n_flags"].tolist() == [1]


# --- recommendations --------------------------------------------------------------------


def test_recommendations_skip_adopted_and_european_only_methods():
    answers = team(("A", "elu", "S01.V01", "0"), ("A", "elu", "S01.M01", "in_place"))
    plain = recommend(score(answers, TINY, assessments=context(phase="suite")), TINY)
    assert plain["method"].tolist() == []  # S01.M01 in place, S01.M02 CTE-only
    cte = recommend(score(answers, TINY, assessments=context(phase="suite", cte=True)), TINY)
    assert cte[["method", "cte", "because"]].values.tolist() == [["S01.M02", True, ["S01.V01"]]]


def test_recommend_can_be_told_the_project_is_european():
    answers = team(("A", "elu", "S01.V01", "0"), ("A", "elu", "S01.M01", "in_place"))
    scores = score(answers, TINY, assessments=context(phase="suite"))
    told = recommend(scores, TINY, assessments=context(cte=True))
    assert told["method"].tolist() == ["S01.M02"]
    assert recommend(scores, TINY, assessments=context(cte=False))["method"].tolist() == []


def test_recommendation_priority_follows_the_documented_formula():
    answers = team(("A", "elu", "S01.V01", "1"), ("A", "elu", "S01.V02", "2"),
                   ("A", "elu", "S02.V01", "0"))
    recommendations = recommend(score(answers, TINY, assessments=context(phase="suite")), TINY)
    # S01 (passed, target level 3): V01 (3−1) × 1 × critical 2 + V02 (3−2) × weight 2 = 6.
    # S02 (current, target level 2): V01 (2−0) × 1 = 2.
    assert recommendations[["rank", "section_id", "method", "priority"]].values.tolist() == [
        [1, "S01", "S01.M01", 6.0], [2, "S02", "S02.M01", 2.0]]


def test_earlier_phases_come_first_even_with_a_lower_priority(cooperation):
    answers = team(("A", "elu", "S01.V01", "2"),                     # emergence: small gap
                   *[("A", "elu", f"S07.V0{k}", "0") for k in (1, 2, 3)])  # partenaires: big gap
    recommendations = recommend(score(answers, cooperation,
                                      assessments=context(phase="projet_commun")), cooperation)
    stages = recommendations["section_id"].tolist()
    assert stages == sorted(stages) and stages[0] == "S01"
    assert recommendations["rank"].tolist() == list(range(1, len(stages) + 1))
    s01 = recommendations[recommendations["section_id"] == "S01"]
    assert s01["method"].tolist() == [m.id for m in cooperation.section("S01").methods]


def test_the_dialogue_grid_recommends_its_weak_levers(dialogue):
    answers = team(("A", "elu", "A2.L03", "0"), ("A", "elu", "A2.L01", "1"),
                   ("A", "elu", "A2.L02", "3"))
    recommendations = recommend(score(answers, dialogue), dialogue)
    assert recommendations[["method", "kind", "priority", "because"]].values.tolist() == [
        ["A2.L03", "criterion", 2.0, ["A2.L03"]], ["A2.L01", "criterion", 1.0, ["A2.L01"]]]


def test_recommendations_are_deterministic_over_a_portfolio(cooperation):
    rng = np.random.default_rng(7)
    criteria = [c.id for c in cooperation.criteria()]
    rows = [(f"P{p}", f"R{r}", "elu", c, str(rng.integers(0, 4)))
            for p in range(4) for r in range(3) for c in criteria]
    answers = pd.DataFrame(rows, columns=["assessment", "respondent", "role", "item", "value"])
    phases = pd.DataFrame({"assessment": [f"P{p}" for p in range(4)],
                           "phase": ["partenaires", "mise_en_oeuvre", "emergence", None]})
    first = recommend(score(answers, cooperation, assessments=phases), cooperation)
    shuffled = answers.sample(frac=1.0, random_state=3)
    second = recommend(score(shuffled, cooperation, assessments=phases), cooperation)
    pd.testing.assert_frame_equal(first, second)
    assert first.groupby("assessment")["rank"].apply(list).map(
        lambda ranks: ranks == list(range(1, len(ranks) + 1))).all()
    assert set(first["assessment"]) == {"P0", "P1", "P2", "P3"}  # P3: the default target


# --- input errors -----------------------------------------------------------------------


def test_score_names_unknown_items_values_and_roles():
    answers = team(("A", "elu", "S01.V01", "5"), ("B", "elu", "S01.V01", "5"),
                   ("C", "maire", "S01.V02", "1"), ("D", "elu", "S09.V01", "1"),
                   ("E", "elu", "S01.M01", "3"))
    with pytest.raises(AnswersError) as caught:
        score(answers, TINY)
    assert caught.value.message == "Les réponses à évaluer ne sont pas valides :"
    assert caught.value.problems == [
        "élément « S09.V01 » inconnu dans la grille « tiny » (1 ligne).",
        "rôle « maire » inconnu (rôles possibles : elu, technicien, partenaire, "
        "acteur_socio_economique, financeur, autre) (1 ligne).",
        "valeur « 5 » hors échelle pour un point de vigilance (0, 1, 2, 3, na, not_yet, unknown) (2 lignes).",
        "valeur « 3 » hors échelle pour une méthode (in_place, planned, no, na) (1 ligne).",
    ]


def test_score_refuses_duplicate_answers():
    with pytest.raises(AnswersError, match="1 réponse.* en double .* « A » sur « S01.V01 »"):
        score(team(("A", "elu", "S01.V01", "1"), ("A", "elu", "S01.V01", "2")), TINY)


def test_score_names_missing_columns():
    with pytest.raises(AnswersError) as caught:
        score(pd.DataFrame({"respondent": ["A"], "item": ["S01.V01"]}), TINY)
    assert caught.value.problems == [
        "colonnes manquantes : role, value (colonnes attendues : assessment, respondent, role, item, value)."]


def test_empty_values_are_unanswered_items_not_errors():
    answers = team(("A", "elu", "S01.V01", "2"), ("A", "elu", "S01.V02", None),
                   ("A", "elu", "S09.V09", ""))
    assert row(score(answers, TINY).stages, section_id="S01")["n_answered"] == 1


def test_categorical_and_text_columns_give_the_same_scores():
    answers = team(("A", "elu", "S01.V01", "2"), ("B", "technicien", "S01.V01", "0"),
                   ("B", "technicien", "S03.M01", "in_place"))
    as_text = score(answers, TINY)
    as_categories = score(answers.astype("category"), TINY)
    for name in ("criteria", "stages", "overall", "respondent_stages", "methods"):
        pd.testing.assert_frame_equal(getattr(as_text, name), getattr(as_categories, name))


# --- the report -------------------------------------------------------------------------


def test_the_report_has_exactly_the_documented_keys_and_no_nan(cooperation):
    answers = team(("A", "elu", "S01.V04", "0"), ("B", "technicien", "S01.V04", "unknown"))
    scores = score(answers, cooperation, assessments=context(phase="mobilisation"))
    report = to_report(scores, recommend(scores, cooperation), "evaluation", cooperation)
    assert list(report) == ["grid", "overall", "completeness", "stages", "phases", "criteria",
                            "recommendations", "flags", "upcoming"]
    assert list(report["overall"]) == ["score", "band"]
    assert list(report["stages"][0]) == ["id", "score", "band", "completeness", "target", "gap", "basis"]
    assert list(report["phases"][0]) == ["id", "score", "band", "completeness", "target", "gap"]
    assert list(report["criteria"][0]) == ["id", "median", "mean", "min", "max", "n", "agreement",
                                           "hotspot"]
    assert list(report["recommendations"][0]) == ["rank", "stage", "method", "because", "priority"]
    assert report["flags"] == [{"item": "S01.V04", "stage": "S01", "value": 0.0,
                                "reason": cooperation.item("S01.V04").critical}]
    # phase « mobilisation »: the critical points of the three later phases are « à venir »
    assert report["upcoming"] == [
        {"item": item, "stage": item[:3], "value": None,
         "reason": cooperation.item(item).critical} for item in ("S08.V02", "S10.V06", "S13.V04")]
    json.dumps(report, allow_nan=False)


def test_the_report_refuses_an_unknown_assessment():
    scores = score(team(("A", "elu", "S01.V01", "1")), TINY)
    with pytest.raises(AnswersError, match="Évaluation « P9 » absente des scores"):
        to_report(scores, None, "P9", TINY)


def test_empty_input_gives_none_scores_without_error_or_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        empty = score(pd.DataFrame(), TINY)
        assert all(len(getattr(empty, name)) == 0 for name in ("criteria", "stages", "overall"))
        listed = score(team(), TINY, assessments=pd.DataFrame({"assessment": ["P1", "P2"]}))
        recommendations = recommend(listed, TINY)
    assert listed.overall["assessment"].tolist() == ["P1", "P2"]
    assert listed.overall["score"].isna().all()
    report = to_report(listed, recommendations, "P2", TINY)
    assert report["overall"] == {"score": None, "band": None}
    assert {s["score"] for s in report["stages"]} == {None}
    assert report["criteria"] == report["recommendations"] == report["flags"] == []
    json.dumps(report, allow_nan=False)


# --- properties -------------------------------------------------------------------------

ITEMS = [(item.id, item.kind) for item in (*TINY.criteria(), *TINY.methods())]
SCORED = {"S01.V01", "S01.V02", "S02.V01", "S03.M01", "S03.M02"}
STAGE_OF = {item.id: item.section_id for item in (*TINY.criteria(), *TINY.methods())}
RAISE = {"criterion": {"0": "1", "1": "2", "2": "3"}, "method": {"no": "planned", "planned": "in_place"}}


@st.composite
def portfolios(draw, max_assessments: int = 3, max_respondents: int = 4) -> pd.DataFrame:
    """Answers of a few teams to a random subset of the tiny grid, any value of the scale."""
    rows = []
    for assessment in range(draw(st.integers(1, max_assessments))):
        for respondent in range(draw(st.integers(0, max_respondents))):
            role = draw(st.sampled_from(ROLES))
            for item, kind in ITEMS:
                if draw(st.booleans()):
                    value = draw(st.sampled_from(SCALE.values(kind)))
                    rows.append((f"P{assessment}", f"R{respondent}", role, item, value))
    return pd.DataFrame(rows, columns=["assessment", "respondent", "role", "item", "value"])


CONTEXT = pd.DataFrame({"assessment": ["P0", "P1", "P2"], "phase": ["debut", "suite", None],
                        "cte": [False, True, False]})


def scored(answers: pd.DataFrame, **options):
    return score(answers, TINY, assessments=CONTEXT, scale=SCALE, **options)


def score_columns(scores) -> dict[str, list]:
    return {"stages": scores.stages["score"].tolist(), "phases": scores.phases["score"].tolist(),
            "overall": scores.overall["score"].tolist()}


@PROPERTY
@given(portfolios())
def test_scores_stay_between_0_and_100(answers):
    scores = scored(answers)
    for frame in (scores.stages, scores.phases, scores.overall, scores.respondent_stages):
        values = frame["score"].dropna()
        assert ((values >= 0) & (values <= 100)).all()
    for frame in (scores.stages, scores.phases, scores.overall):
        completeness = frame["completeness"].dropna()
        assert ((completeness >= 0) & (completeness <= 1)).all()
    assert (scores.stages["gap"].dropna() >= 0).all()
    assert scores.criteria["agreement"].dropna().between(0, 1).all()


@PROPERTY
@given(portfolios(), st.data())
def test_raising_one_answer_never_lowers_its_stage_score(answers, data):
    raisable = [k for k, (item, value) in enumerate(zip(answers["item"], answers["value"]))
                if item in SCORED and value in {**RAISE["criterion"], **RAISE["method"]}]
    if not raisable:
        return
    k = data.draw(st.sampled_from(raisable))
    kind = "criterion" if ".V" in answers["item"].iloc[k] else "method"
    raised = answers.copy()
    raised.loc[raised.index[k], "value"] = RAISE[kind][answers["value"].iloc[k]]
    before, after = scored(answers), scored(raised)
    where = ((before.stages["assessment"] == answers["assessment"].iloc[k])
             & (before.stages["section_id"] == STAGE_OF[answers["item"].iloc[k]]))
    old, new = before.stages.loc[where, "score"].item(), after.stages.loc[where, "score"].item()
    if not math.isnan(old):  # a CTE-only item outside CTE does not count
        assert new >= old - 1e-9
        assert (after.overall["score"].fillna(0) >= before.overall["score"].fillna(0) - 1e-9).all()


@PROPERTY
@given(portfolios(), st.data())
def test_adding_na_answers_changes_no_score(answers, data):
    extra = data.draw(st.lists(st.tuples(st.sampled_from(["P0", "P1", "P2"]),
                                         st.sampled_from([i for i, _ in ITEMS])),
                               min_size=1, max_size=6, unique=True))
    na_rows = pd.DataFrame([(a, "Z-non-concerné", "autre", item, "na") for a, item in extra],
                           columns=answers.columns)
    before = scored(answers)
    after = scored(pd.concat([answers, na_rows], ignore_index=True))
    for name, values in score_columns(before).items():
        assert score_columns(after)[name] == pytest.approx(values, nan_ok=True)
    statistics = ["n", "median", "mean", "min", "max", "std", "agreement", "hotspot", "value"]
    pd.testing.assert_frame_equal(before.criteria[statistics], after.criteria[statistics])


@PROPERTY
@given(portfolios(), st.randoms(use_true_random=False))
def test_row_order_changes_nothing(answers, random):
    order = list(range(len(answers)))
    random.shuffle(order)
    before, after = scored(answers), scored(answers.iloc[order])
    for name in ("criteria", "criteria_by_role", "stages", "phases", "overall",
                 "respondent_stages", "flags", "methods"):
        pd.testing.assert_frame_equal(getattr(before, name), getattr(after, name))
    pd.testing.assert_frame_equal(recommend(before, TINY), recommend(after, TINY))


@PROPERTY
@given(st.integers(1, 5), st.sampled_from([("3", "in_place", 100.0), ("0", "no", 0.0)]))
def test_all_top_answers_give_100_and_all_bottom_answers_give_0(respondents, answer):
    criterion_value, method_value, expected = answer
    rows = [("P0", f"R{r}", "elu", item, criterion_value if kind == "criterion" else method_value)
            for r in range(respondents) for item, kind in ITEMS]
    scores = scored(pd.DataFrame(rows, columns=["assessment", "respondent", "role", "item", "value"]))
    stages = scores.stages[scores.stages["assessment"] == "P0"]
    assert stages["score"].tolist() == [expected] * 3
    assert scores.overall["score"].tolist()[0] == expected
    assert scores.overall["score"].tolist()[1:] == [pytest.approx(np.nan, nan_ok=True)] * 2
    assert scores.respondent_stages["score"].dropna().eq(expected).all()


@PROPERTY
@given(portfolios(max_assessments=3))
def test_a_portfolio_scores_like_its_assessments_one_by_one(answers):
    together = scored(answers)
    for assessment in sorted(set(answers["assessment"])):
        alone = scored(answers[answers["assessment"] == assessment])
        for name in ("criteria", "stages", "overall"):
            mine = getattr(together, name)
            mine = mine[mine["assessment"] == assessment].reset_index(drop=True)
            theirs = getattr(alone, name)
            theirs = theirs[theirs["assessment"] == assessment].reset_index(drop=True)
            pd.testing.assert_frame_equal(mine.astype({"assessment": str}),
                                          theirs.astype({"assessment": str}),
                                          check_dtype=False, check_categorical=False)


@PROPERTY
@given(st.lists(st.sampled_from(["0", "1", "2", "3"]), min_size=1, max_size=12))
def test_a_listed_disagreement_always_has_agreement_below_one(values):
    answers = team(*[(f"R{k}", "elu", "S01.V01", v) for k, v in enumerate(values)])
    criterion = row(score(answers, TINY).criteria, item="S01.V01")
    if criterion["hotspot"]:
        assert criterion["agreement"] < 1
        assert criterion["max"] - criterion["min"] >= SCALE.hotspot_spread
        assert criterion["n"] >= SCALE.hotspot_min_answers
    levels = sorted(int(v) for v in values)
    median = (levels[(len(levels) - 1) // 2] + levels[len(levels) // 2]) / 2
    away = any(abs(level - median) > SCALE.agreement_within for level in levels)
    assert bool(criterion["hotspot"]) == (away and len(levels) >= SCALE.hotspot_min_answers
                                          and levels[-1] - levels[0] >= SCALE.hotspot_spread)
