"""answering: items asked per stage, progress, where to resume, the time left."""

from __future__ import annotations

from coopscore.answering import (answerable, first_unfinished, minutes_left, seconds_per_item,
                                 stage_progress)


def test_cte_methods_are_asked_only_of_cte_projects(tiny_grid):
    section = tiny_grid.section("S01")
    assert [i.id for i in answerable(section, cte=False)] == ["S01.V01", "S01.V02", "S01.M01"]
    assert [i.id for i in answerable(section, cte=True)][-1] == "S01.M02"


def test_progress_counts_answered_items_per_stage(tiny_grid):
    progress = stage_progress(tiny_grid, False, {"S01.V01", "S01.V02", "S01.M01", "S02.V01"})
    assert progress["done"].tolist() == [3, 1, 0]
    assert progress["total"].tolist() == [3, 2, 2]
    assert progress["complete"].tolist() == [True, False, False]


def test_a_returning_respondent_resumes_at_the_first_unfinished_stage(tiny_grid):
    assert first_unfinished(stage_progress(tiny_grid, False, {"S01.V01", "S01.V02",
                                                              "S01.M01"})) == "S02"
    everything = {i.id for s in tiny_grid.sections for i in answerable(s, False)}
    assert first_unfinished(stage_progress(tiny_grid, False, everything)) == "S01"


def test_time_left_rounds_up_to_whole_minutes():
    assert minutes_left(0, 20) == 0
    assert minutes_left(1, 20) == 1
    assert minutes_left(36, 20) == 12
    assert minutes_left(37, 20) == 13
    assert seconds_per_item() > 0
