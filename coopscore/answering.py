"""What a respondent answers, stage by stage: the items asked, progress, the time left.

Pure functions over a grid and the set of items already answered; the questionnaire UI
(questionnaire.py) draws them. The pace of answering lives in data/answering.yaml.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import pandas as pd
import yaml

from .grid import Grid, Item, Section

PACE_FILE = Path(__file__).resolve().parent.parent / "data" / "answering.yaml"


def answerable(section: Section, cte: bool) -> list[Item]:
    """The items a respondent answers in a section: criteria then methods (CTE ones if relevant)."""
    return [i for i in (*section.criteria, *section.methods) if cte or not i.cte]


def stage_progress(grid: Grid, cte: bool, answered: set[str]) -> pd.DataFrame:
    """One row per section in grid order: section, done (items answered), total, complete."""
    rows = []
    for section in grid.sections:
        items = answerable(section, cte)
        done = sum(1 for i in items if i.id in answered)
        rows.append({"section": section.id, "done": done, "total": len(items),
                     "complete": done == len(items)})
    return pd.DataFrame(rows, columns=["section", "done", "total", "complete"])


def first_unfinished(progress: pd.DataFrame) -> str:
    """The first section not yet complete (where a returning respondent resumes), else the first."""
    unfinished = progress[~progress["complete"]]
    return str((unfinished if not unfinished.empty else progress)["section"].iloc[0])


@functools.cache
def seconds_per_item(path: Path = PACE_FILE) -> float:
    """The time one item takes to answer, in seconds (data/answering.yaml)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return float(data["seconds_per_item"])


def minutes_left(remaining_items: int, per_item: float | None = None) -> int:
    """Whole minutes (rounded up) to answer `remaining_items`; 0 when nothing is left."""
    if remaining_items <= 0:
        return 0
    per_item = seconds_per_item() if per_item is None else per_item
    return max(1, math.ceil(remaining_items * per_item / 60))
