"""From the store to scores: the one path every page, export and report uses.

Loads answers, agreed values and context of assessments, scores them per grid version
with the scoring engine, and adds recommendations. Pure library: the UI caches it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from .grid import Grid
from .scoring import Scores, recommend, score
from .store import Store


@dataclass(frozen=True)
class Results:
    """Scores and recommendations of some assessments made with one grid version."""

    grid: Grid
    scores: Scores
    recommendations: pd.DataFrame
    context: pd.DataFrame  # store.assessment_context() rows of these assessments

    def one(self, table: str, assessment_id: int) -> pd.DataFrame:
        """Rows of one Scores table (stages, criteria...) for one assessment."""
        frame = getattr(self.scores, table)
        return frame[frame["assessment"] == assessment_id].reset_index(drop=True)

    def recommendations_for(self, assessment_id: int) -> pd.DataFrame:
        frame = self.recommendations
        return frame[frame["assessment"] == assessment_id].reset_index(drop=True)


def _scoring_context(context: pd.DataFrame, grid: Grid) -> pd.DataFrame:
    # a project's phase only means something for a grid that has phases (not dialogue)
    phases = {phase.id for phase in grid.phases}
    frame = pd.DataFrame({
        "assessment": context["assessment"].astype("int64"),
        "phase": [p if p in phases else None for p in context["phase"]],
        "profile": None,
        "cte": context["cte"].astype(bool),
    })
    return frame


def score_assessments(store: Store, assessment_ids: Iterable[int] | None = None
                      ) -> dict[tuple[str, str], Results]:
    """Score the given assessments (all when None), grouped by (grid id, grid version).

    Returns:
        {(grid id, version): Results}; an assessment without answers is there with None
        scores. Empty dict when there is no assessment.
    """
    ids = None if assessment_ids is None else [int(i) for i in assessment_ids]
    context = store.assessment_context(ids)
    if context.empty:
        return {}
    answers = store.answer_values(ids)
    agreed = store.agreed(ids)
    results: dict[tuple[str, str], Results] = {}
    for (grid_id, version), group in context.groupby(["grid", "grid_version"], sort=True):
        members = set(group["assessment"])
        grid = store.grid_of(int(group["assessment"].iloc[0]))
        mine = answers[answers["assessment"].isin(members)]
        agreed_mine = agreed[agreed["assessment"].isin(members)][["assessment", "item", "value"]]
        scoring_context = _scoring_context(group, grid)
        scores = score(mine[["assessment", "respondent", "role", "item", "value"]], grid,
                       assessments=scoring_context, agreed=agreed_mine)
        recommendations = recommend(scores, grid, assessments=scoring_context)
        results[(grid_id, version)] = Results(grid, scores, recommendations,
                                              group.reset_index(drop=True))
    return results


def assessment_results(store: Store, assessment_id: int) -> Results:
    """Scores and recommendations of one assessment.

    Raises:
        NotFoundError: unknown assessment.
    """
    store.assessment(assessment_id)  # raises NotFoundError with a French message
    (results,) = score_assessments(store, [assessment_id]).values()
    return results


def previous_assessment(store: Store, assessment_id: int) -> int | None:
    """The campaign of the same project and grid just before this one, if any."""
    current = store.assessment(assessment_id)
    campaigns = store.assessments(current.project_id)
    campaigns = campaigns[campaigns["grid"] == current.grid].sort_values(["date", "id"])
    ids = list(campaigns["id"])
    position = ids.index(assessment_id)
    return int(ids[position - 1]) if position > 0 else None
