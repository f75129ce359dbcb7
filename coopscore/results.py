"""From the store to scores: the one path every page, export and report uses.

Loads answers, agreed values and context of assessments, scores them per grid version
with the scoring engine, and adds recommendations. Pure library: the UI caches it.

`refresh_portfolio` keeps a whole portfolio up to date incrementally: it re-reads and
re-scores only the assessments whose revision (`Store.assessment_revisions`) moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace

import numpy as np
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
        # the profile in force (the assessment's own, else its programme's): store.py
        "profile": context["profile"].astype(object).where(context["profile"].notna(), None)
        if "profile" in context.columns else None,
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
    return _score_context(store, context, ids)


def _score_context(store: Store, context: pd.DataFrame, ids: list[int] | None
                   ) -> dict[tuple[str, str], Results]:
    """Score the assessments of `context` (rows of store.assessment_context(ids))."""
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


# --- incremental portfolio ---------------------------------------------------------------

_SCORE_TABLES = tuple(f.name for f in fields(Scores) if f.name != "grid_id")
# What tells two states of an assessment apart: its revision (moved by triggers on every
# write that matters for scoring), created_at (SQLite may reuse a deleted assessment's id) and,
# as a safety net, the scoring context read from the assessment and its project.
_SIGNATURE = ("revision", "grid", "grid_version", "created_at")
_CONTEXT_SIGNATURE = ("project", "phase", "cte", "profile")


def _signatures(revisions: pd.DataFrame) -> dict[int, tuple]:
    columns = [revisions[c].tolist() for c in _SIGNATURE]
    return dict(zip(revisions["assessment"].astype("int64").tolist(), zip(*columns)))


def _context_signatures(context: pd.DataFrame) -> dict[int, tuple]:
    columns = [context[c].astype(object).where(context[c].notna(), None).tolist()
               for c in _CONTEXT_SIGNATURE]
    return dict(zip(context["assessment"].astype("int64").tolist(), zip(*columns)))


def _assessment_ints(column: pd.Series) -> np.ndarray:
    return column.astype("int64").to_numpy() if len(column) else np.empty(0, dtype="int64")


def _splice(old: pd.DataFrame, new: pd.DataFrame | None, dropped: set[int],
            order: list[int]) -> pd.DataFrame:
    """`old` without the rows of `dropped` assessments, plus `new`, grouped by assessment in
    `order`; categorical columns keep being categoricals (categories united, the assessment
    column's categories become `order`)."""
    kept = old[~np.isin(_assessment_ints(old["assessment"]), list(dropped))] if dropped else old
    parts = [kept] if new is None else [kept, new]
    categorical = {}
    for column in old.columns:
        dtypes = [part[column].dtype for part in parts if column in part.columns]
        if not any(isinstance(d, pd.CategoricalDtype) for d in dtypes):
            continue
        if column == "assessment":
            categories: list = list(order)
        else:
            categories, seen = [], set()
            for d in dtypes:
                if isinstance(d, pd.CategoricalDtype):
                    for value in d.categories:
                        if value not in seen:
                            seen.add(value)
                            categories.append(value)
        ordered = next(d.ordered for d in dtypes if isinstance(d, pd.CategoricalDtype))
        categorical[column] = pd.CategoricalDtype(categories, ordered=ordered)
    parts = [part.astype({c: t for c, t in categorical.items() if c in part.columns})
             for part in parts]
    non_empty = [part for part in parts if len(part)]
    if not non_empty:
        frame = parts[0].iloc[0:0]
    elif len(non_empty) == 1:
        frame = non_empty[0]
    else:
        frame = pd.concat(non_empty, ignore_index=True)
    keys = pd.Index(order).get_indexer(_assessment_ints(frame["assessment"]))
    frame = frame.iloc[np.argsort(keys, kind="stable")]
    return frame.reset_index(drop=True)


def refresh_portfolio(store: Store, previous: dict[tuple[str, str], Results] | None,
                      previous_revisions: pd.DataFrame | None
                      ) -> tuple[dict[tuple[str, str], Results], pd.DataFrame]:
    """Bring a scored portfolio up to date, re-reading and re-scoring only what changed.

    Args:
        previous: what `score_assessments(store)` (or this function) returned earlier, or None.
        previous_revisions: `store.assessment_revisions()` as returned with `previous`.

    Returns:
        (results, revisions): results equal to `score_assessments(store)` — assessments
        whose revision, grid or scoring context moved are re-scored, deleted ones dropped,
        the others reused — and the revisions to pass back next time. Contexts (label,
        status, project name...) are always read afresh.
    """
    revisions = store.assessment_revisions()  # first: a write after this is seen next time
    if previous is None or previous_revisions is None:
        return score_assessments(store), revisions
    context = store.assessment_context()
    signatures = _signatures(revisions)
    old_signatures = _signatures(previous_revisions)
    old_context = {}
    for results in previous.values():
        old_context.update(_context_signatures(results.context))
    new_context = _context_signatures(context)
    changed = {a for a, signature in new_context.items()
               if a not in old_context or signature != old_context[a]
               or signatures.get(a) is None or signatures[a] != old_signatures.get(a)}
    fresh = _score_context(store, context[context["assessment"].isin(changed)],
                           sorted(changed)) if changed else {}
    results: dict[tuple[str, str], Results] = {}
    for (grid_id, version), group in context.groupby(["grid", "grid_version"], sort=True):
        key = (grid_id, version)
        group = group.reset_index(drop=True)
        before, new = previous.get(key), fresh.get(key)
        if before is None:  # every assessment of a grid version new to this portfolio
            results[key] = replace(new, context=group)
            continue
        order = group["assessment"].astype("int64").tolist()
        members = set(order)
        dropped = {a for a in before.context["assessment"].astype("int64")
                   if a not in members or a in changed}
        if not dropped and new is None:  # untouched: the same tables, the fresh context
            results[key] = replace(before, context=group)
            continue
        tables = {name: _splice(getattr(before.scores, name),
                                None if new is None else getattr(new.scores, name),
                                dropped, order) for name in _SCORE_TABLES}
        recommendations = _splice(before.recommendations,
                                  None if new is None else new.recommendations, dropped, order)
        results[key] = Results(before.grid, replace(before.scores, **tables), recommendations,
                               group)
    return results, revisions


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


def respondent_results(store: Store, assessment_id: int, respondent_id: int) -> Results:
    """Scores and recommendations of ONE person's answers, as if they were the whole team.

    The questionnaire's feedback after each stage: the person's own weak points and the
    grid's methods for them, before any team reading or consensus.

    Raises:
        NotFoundError: unknown assessment.
    """
    store.assessment(assessment_id)  # raises NotFoundError with a French message
    context = store.assessment_context([assessment_id])
    answers = store.answer_values([assessment_id])
    mine = answers[answers["respondent"] == respondent_id]
    grid = store.grid_of(assessment_id)
    scoring_context = _scoring_context(context, grid)
    scores = score(mine[["assessment", "respondent", "role", "item", "value"]], grid,
                   assessments=scoring_context)
    recommendations = recommend(scores, grid, assessments=scoring_context)
    return Results(grid, scores, recommendations, context.reset_index(drop=True))


def restricted(results: Results, assessment_ids: Iterable[int]) -> Results:
    """The same results with only the rows of these assessments (what one person may see)."""
    wanted = sorted({int(i) for i in assessment_ids})

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        if "assessment" not in frame.columns:
            return frame
        return frame[np.isin(_assessment_ints(frame["assessment"]), wanted)].reset_index(drop=True)

    scores = replace(results.scores, **{field.name: keep(getattr(results.scores, field.name))
                                        for field in fields(results.scores)
                                        if isinstance(getattr(results.scores, field.name),
                                                      pd.DataFrame)})
    return replace(results, scores=scores, recommendations=keep(results.recommendations),
                   context=keep(results.context))
