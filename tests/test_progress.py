"""Progress over time: campaigns in order, changes between two, what progressed or slipped."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopscore import progress


def _campaigns():
    return pd.DataFrame({
        "id": [7, 3, 5, 9],
        "grid": ["cooperation", "cooperation", "dialogue", "cooperation"],
        "date": ["2025-06-01", "2025-01-10", "2025-03-01", "2025-06-01"],
    })


def _stages():
    rows = [(3, "S01", 20.0), (3, "S02", 50.0), (3, "S03", 80.0), (3, "S04", math.nan),
            (7, "S01", 30.0), (7, "S02", 60.0), (7, "S03", 70.0), (7, "S04", 40.0),
            (9, "S01", 45.0), (9, "S02", 40.0), (9, "S03", 79.0), (9, "S04", 40.0)]
    frame = pd.DataFrame(rows, columns=["assessment", "section_id", "score"])
    # as the scoring engine gives them: categorical id columns
    return frame.astype({"assessment": "category", "section_id": "category"})


def test_campaigns_keep_one_grid_oldest_first_ties_by_id():
    campaigns = progress.campaigns(_campaigns())
    assert list(campaigns["id"]) == [3, 7, 9]  # the latest campaign's grid: cooperation
    assert list(progress.campaigns(_campaigns(), "dialogue")["id"]) == [5]
    assert progress.campaigns(_campaigns().iloc[:0]).empty


def test_default_pair_is_the_last_two_campaigns_with_scores():
    assert progress.default_pair([3, 7, 9]) == (7, 9)
    assert progress.default_pair([3, 7, 9], [50.0, 60.0, None]) == (3, 7)
    assert progress.default_pair([3, 7, 9], [50.0, math.nan, None]) is None
    assert progress.default_pair([3]) is None


def test_score_history_has_one_column_per_campaign_in_the_given_order():
    history = progress.score_history(_stages(), [9, 3])
    assert list(history.columns) == [9, 3]
    assert list(history.index) == ["S01", "S02", "S03", "S04"]
    assert history.loc["S01"].tolist() == [45.0, 20.0]
    assert math.isnan(history.loc["S04", 3])
    assert progress.score_history(_stages(), [3, 42])[42].isna().all()


@pytest.mark.parametrize(("change", "expected"), [
    (10.0, "progressed"), (9.99, "stable"), (0.0, "stable"), (-9.99, "stable"),
    (-10.0, "slipped"), (None, "missing"), (math.nan, "missing"),
])
def test_trend_thresholds_are_inclusive(change, expected):
    assert progress.IMPROVEMENT_POINTS == 10 and progress.DECLINE_POINTS == 10
    assert progress.trend(change) == expected


def test_stage_changes_between_two_campaigns():
    changes = progress.stage_changes(_stages(), 3, 9)
    assert list(changes.columns) == progress.CHANGE_COLUMNS
    assert changes["section_id"].tolist() == ["S01", "S02", "S03", "S04"]
    assert changes["change"].tolist()[:3] == pytest.approx([25.0, -10.0, -1.0])
    assert math.isnan(changes["change"].iloc[3])
    assert changes["trend"].tolist() == ["progressed", "slipped", "stable", "missing"]


def test_another_pair_gives_other_changes():
    last_two = progress.stage_changes(_stages(), 7, 9)
    from_start = progress.stage_changes(_stages(), 3, 9)
    assert last_two["change"].tolist() == pytest.approx([15.0, -20.0, 9.0, 0.0])
    assert last_two["trend"].tolist() == ["progressed", "slipped", "stable", "stable"]
    assert not last_two["change"].equals(from_start["change"])


def test_progressed_and_slipped_put_the_largest_moves_first():
    changes = pd.DataFrame({"section_id": ["S01", "S02", "S03", "S04", "S05"],
                            "change": [12.0, 40.0, -15.0, -30.0, 3.0]})
    changes["trend"] = [progress.trend(c) for c in changes["change"]]
    assert progress.progressed(changes)["section_id"].tolist() == ["S02", "S01"]
    assert progress.slipped(changes)["section_id"].tolist() == ["S04", "S03"]


def test_overall_history_and_change():
    overall = pd.DataFrame({"assessment": pd.Categorical([3, 7, 9]),
                            "score": [50.0, math.nan, 62.5]})
    assert progress.overall_history(overall, [9, 7, 3]) == [62.5, None, 50.0]
    assert progress.overall_change(overall, 3, 9) == 12.5
    assert progress.overall_change(overall, 3, 7) is None


scores = st.one_of(st.none(), st.floats(min_value=0, max_value=100))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(scores, scores), min_size=1, max_size=6))
def test_swapping_the_campaigns_negates_every_change(pairs):
    rows = [(campaign, f"S{k:02d}", value) for k, pair in enumerate(pairs)
            for campaign, value in zip((1, 2), pair, strict=True)]
    stages = pd.DataFrame(rows, columns=["assessment", "section_id", "score"]).fillna(math.nan)
    forward = progress.stage_changes(stages, 1, 2)
    backward = progress.stage_changes(stages, 2, 1)
    for one, other in zip(forward["change"], backward["change"], strict=True):
        assert (math.isnan(one) and math.isnan(other)) or one == pytest.approx(-other)
    swapped = {"progressed": "slipped", "slipped": "progressed"}
    assert [swapped.get(x, x) for x in forward["trend"]] == backward["trend"].tolist()


def test_what_is_drawn_as_a_decline_of_ten_is_listed_as_one():
    # 60.2 → 50.7 is −9.5 in raw points; read as whole points it is 60 → 51, −9: stable,
    # and the bar says −9 too (never a « −10 » bar left out of « Ce qui a reculé »).
    stages = pd.DataFrame({"assessment": [1, 1, 2, 2], "section_id": ["S01", "S02"] * 2,
                           "score": [60.2, 60.5, 50.7, 50.4]})
    changes = progress.stage_changes(stages, 1, 2)
    assert changes["change"].tolist() == [-9.0, -11.0]
    assert changes["trend"].tolist() == ["stable", "slipped"]
    assert progress.slipped(changes)["section_id"].tolist() == ["S02"]


@given(st.floats(0, 100), st.floats(0, 100))
def test_a_listed_decline_is_exactly_a_bar_of_minus_ten_or_less(before, after):
    stages = pd.DataFrame({"assessment": [1, 2], "section_id": ["S01", "S01"],
                           "score": [before, after]})
    changes = progress.stage_changes(stages, 1, 2)
    drawn = f"{changes['change'].iloc[0]:+.0f}"  # how charts.change_bars writes the bar
    listed = not progress.slipped(changes).empty
    assert listed == (int(drawn) <= -progress.DECLINE_POINTS)
    assert progress.whole_points(62.5) == 63 and progress.whole_points(-9.5) == -10
