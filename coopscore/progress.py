"""Progress over time: a project's successive campaigns, and what moved between two of them.

Pure functions over the store's assessment list and the scoring tables; the « Suivi dans
le temps » page draws them. A stage « progressed » when its score rose by at least
IMPROVEMENT_POINTS between two campaigns, « slipped » when it fell by at least
DECLINE_POINTS; smaller moves read as stable (a respondent more or less changes a score by a
few points, so a small move is not yet a trend).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

IMPROVEMENT_POINTS = 10.0  # a rise of at least this many points (out of 100) is progress
DECLINE_POINTS = 10.0      # a fall of at least this many points is a decline

TRENDS = ("progressed", "slipped", "stable", "missing")
CHANGE_COLUMNS = ["section_id", "before", "after", "change", "trend"]


def campaigns(assessments: pd.DataFrame, grid: str | None = None) -> pd.DataFrame:
    """A project's campaigns made with one grid, oldest first (by date, then id).

    Args:
        assessments: `Store.assessments(project_id)` rows (columns id, grid, date, ...).
        grid: the grid id to keep; by default the grid of the latest campaign (campaigns
            on two grids cannot be compared stage by stage).

    Returns:
        The rows of that grid, sorted; empty when there is none.
    """
    if assessments.empty:
        return assessments.reset_index(drop=True)
    ordered = assessments.sort_values(["date", "id"], kind="stable")
    grid = grid if grid is not None else ordered["grid"].iloc[-1]
    return ordered[ordered["grid"] == grid].reset_index(drop=True)


def default_pair(campaign_ids: Sequence[Hashable],
                 overall_scores: Sequence[float | None] | None = None
                 ) -> tuple[Hashable, Hashable] | None:
    """The pair compared by default: the last two campaigns that have scores.

    Args:
        campaign_ids: oldest first.
        overall_scores: optional, each campaign's overall index (None/NaN when nobody has
            answered yet): a campaign just opened is skipped.

    Returns:
        (earlier, later), or None with fewer than two such campaigns.
    """
    ids = list(campaign_ids)
    if overall_scores is not None:
        ids = [i for i, score in zip(ids, overall_scores, strict=True)
               if score is not None and not pd.isna(score)]
    return (ids[-2], ids[-1]) if len(ids) >= 2 else None


def _plain(frame: pd.DataFrame, key: str | None) -> pd.DataFrame:
    columns = ["assessment", "score"] + ([key] if key else [])
    rows = frame[columns].copy()
    for column in ("assessment", key):
        if column and isinstance(rows[column].dtype, pd.CategoricalDtype):
            rows[column] = rows[column].astype(object)
    return rows


def score_history(table: pd.DataFrame, campaign_ids: Sequence[Hashable],
                  key: str = "section_id") -> pd.DataFrame:
    """Scores over campaigns, e.g. each stage's score at each campaign.

    Args:
        table: a long scoring table with columns assessment, score and `key`
            (`Scores.stages` with key="section_id", `Scores.phases` with key="phase_id");
            rows of several Results may be concatenated.
        campaign_ids: the campaigns, in the order of the columns.

    Returns:
        DataFrame indexed by `key` (first-seen order), one float column per campaign id;
        NaN where a campaign has no score.
    """
    rows = _plain(table, key)
    rows = rows[rows["assessment"].isin(list(campaign_ids))]
    order = list(dict.fromkeys(rows[key]))
    wide = rows.set_index([key, "assessment"])["score"].unstack()
    return wide.reindex(index=order, columns=list(campaign_ids)).astype(float)


def overall_history(overall: pd.DataFrame, campaign_ids: Sequence[Hashable]) -> list[float | None]:
    """The overall index (0–100) of each campaign, in the given order; None when missing."""
    rows = _plain(overall, None).drop_duplicates("assessment").set_index("assessment")["score"]
    values = rows.reindex(list(campaign_ids))
    return [None if pd.isna(v) else float(v) for v in values]


def whole_points(value: float | None) -> float | None:
    """A score as people read it, in whole points, halves away from zero (62.5 → 63).

    The one rounding rule of progress: the page draws, lists and tables these values, and a
    change is the difference of two of them, so what is drawn as « −10 » is listed as a decline.
    """
    if value is None or pd.isna(value):
        return None
    return float(np.sign(value) * np.floor(abs(float(value)) + 0.5 + 1e-9))


def trend(change: float | None) -> str:
    """« progressed », « slipped », « stable » or « missing » for a change in points."""
    if change is None or pd.isna(change):
        return "missing"
    if change >= IMPROVEMENT_POINTS:
        return "progressed"
    if change <= -DECLINE_POINTS:
        return "slipped"
    return "stable"


def stage_changes(stages: pd.DataFrame, before: Hashable, after: Hashable) -> pd.DataFrame:
    """Each stage's score at two campaigns and the change between them (after − before).

    Scores are in whole points (`whole_points`) and the change is their difference, so the
    chart, the lists and the table all read the same numbers: 60 → 51 is −9, « stable ».

    Returns:
        DataFrame with columns section_id (grid order), before, after (whole points),
        change (points, NaN when a score is missing), trend (see `trend`).
    """
    history = score_history(stages, [before, after])
    history.columns = ["before", "after"]
    frame = history.reset_index().rename(columns={history.index.name or "index": "section_id"})
    for column in ("before", "after"):
        frame[column] = [np.nan if v is None else v for v in map(whole_points, frame[column])]
        frame[column] = frame[column].astype(float)
    frame["change"] = frame["after"] - frame["before"]
    frame["trend"] = [trend(c) for c in frame["change"]]
    return frame[CHANGE_COLUMNS]


def progressed(changes: pd.DataFrame) -> pd.DataFrame:
    """The stages that progressed (change ≥ IMPROVEMENT_POINTS), largest rise first."""
    rows = changes[changes["trend"] == "progressed"]
    return rows.sort_values("change", ascending=False, kind="stable").reset_index(drop=True)


def slipped(changes: pd.DataFrame) -> pd.DataFrame:
    """The stages that slipped (change ≤ −DECLINE_POINTS), largest fall first."""
    rows = changes[changes["trend"] == "slipped"]
    return rows.sort_values("change", ascending=True, kind="stable").reset_index(drop=True)


def overall_change(overall: pd.DataFrame, before: Hashable, after: Hashable) -> float | None:
    """after − before of the overall index (points), None when either is missing."""
    start, end = overall_history(overall, [before, after])
    if start is None or end is None:
        return None
    return float(np.round(end - start, 9))
