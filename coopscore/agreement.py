"""Team agreement: who sees the project differently, where answers spread, what was agreed.

Pure functions over the scoring tables (`coopscore.scoring.Scores`) and the store's tables
(answers, agreed values, respondents). The « Regards croisés » page draws them; a report
can reuse them. Nothing is re-scored here: the statistics come from the scoring engine,
these functions only select, aggregate and order them.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

HOTSPOT_COLUMNS = ["item", "section_id", "n", "min", "max", "median", "agreement", "value",
                   "agreed_value", "rationale", "resolved"]
ROLE_SCORE_COLUMNS = ["assessment", "role", "section_id", "score", "n_criteria"]


def _of(frame: pd.DataFrame, assessment_id: Hashable) -> pd.DataFrame:
    """The rows of one assessment, with plain (not categorical) id columns."""
    rows = frame[frame["assessment"] == assessment_id].reset_index(drop=True)
    for column in ("assessment", "item", "section_id", "role", "respondent"):
        if column in rows.columns and isinstance(rows[column].dtype, pd.CategoricalDtype):
            rows[column] = rows[column].astype(object)
    return rows


def respondent_count(respondent_stages: pd.DataFrame, assessment_id: Hashable) -> int:
    """How many respondents gave at least one scored answer (a level) in the assessment."""
    rows = _of(respondent_stages, assessment_id)
    return int(rows.loc[rows["n_answered"] > 0, "respondent"].nunique())


def respondent_matrix(respondent_stages: pd.DataFrame, assessment_id: Hashable,
                      row_labels: Mapping[Hashable, str],
                      columns: Mapping[str, str]) -> pd.DataFrame:
    """Each respondent's own stage scores (0–100), respondents × stages, for a heatmap.

    Args:
        respondent_stages: `Scores.respondent_stages` (respondent = the store's respondent id).
        row_labels: {respondent id: label}, in the order rows should appear (e.g. the order
            people were added); respondents without any scored answer are left out.
        columns: {section id: column label}, in grid order.

    Returns:
        DataFrame indexed by the row labels, one column per stage label; NaN where a
        respondent gave no level answer in a stage.
    """
    rows = _of(respondent_stages, assessment_id)
    answered = set(rows.loc[rows["n_answered"] > 0, "respondent"])
    people = [p for p in row_labels if p in answered]
    table = rows.set_index(["respondent", "section_id"])["score"].unstack()
    table = table.reindex(index=people, columns=list(columns))
    table.index = [row_labels[p] for p in people]
    table.columns = [columns[s] for s in columns]
    return table.astype(float)


def role_stage_scores(criteria_by_role: pd.DataFrame, criteria: pd.DataFrame,
                      max_level: int) -> pd.DataFrame:
    """Stage scores (0–100) as each role sees them, from the per-role criterion medians.

    The same formula as the team's stage score, with a role's median answer in place of the
    team value: Σ weight × median / Σ weight over the stage's applicable criteria that role
    answered with a level, divided by the highest level, × 100.

    Args:
        criteria_by_role: `Scores.criteria_by_role`.
        criteria: `Scores.criteria` (for each criterion's weight and applicability).
        max_level: the highest level of the answer scale (`Scale.max_level`).

    Returns:
        DataFrame with columns assessment, role, section_id, score, n_criteria (how many
        criteria that role's score rests on); only (role, stage) pairs with an answer.
    """
    keys = ["assessment", "item"]
    by_role = criteria_by_role[[*keys, "section_id", "role", "median"]].astype(
        {"assessment": object, "item": object, "section_id": object, "role": object})
    info = criteria[[*keys, "weight", "applicable"]].astype({"assessment": object, "item": object})
    merged = by_role.merge(info, on=keys, how="inner")
    merged = merged[merged["applicable"].astype(bool) & merged["median"].notna()]
    if merged.empty or max_level <= 0:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in ROLE_SCORE_COLUMNS})
    merged = merged.assign(weighted=merged["median"] * merged["weight"])
    grouped = merged.groupby(["assessment", "role", "section_id"], sort=False).agg(
        weighted=("weighted", "sum"), weight=("weight", "sum"), n_criteria=("item", "size"))
    grouped = grouped.reset_index()
    grouped["score"] = np.where(grouped["weight"] > 0,
                                grouped["weighted"] / grouped["weight"].where(grouped["weight"] > 0)
                                / max_level * 100.0, np.nan)
    return grouped[ROLE_SCORE_COLUMNS].reset_index(drop=True)


def role_profiles(role_scores: pd.DataFrame, assessment_id: Hashable, section_ids: Sequence[str],
                  role_ids: Sequence[str]) -> dict[str, list[float | None]]:
    """{role: one score per stage (None where that role gave no answer)} for a radar.

    Roles come in the order of `role_ids` (the scale's order); roles without any score in
    the assessment are left out.
    """
    rows = _of(role_scores, assessment_id)
    profiles: dict[str, list[float | None]] = {}
    for role in role_ids:
        mine = rows[rows["role"] == role]
        if mine.empty:
            continue
        by_stage = dict(zip(mine["section_id"], mine["score"], strict=True))
        profiles[role] = [None if pd.isna(by_stage.get(s, np.nan)) else float(by_stage[s])
                          for s in section_ids]
    return profiles


def respondents_by_role(respondent_stages: pd.DataFrame, assessment_id: Hashable) -> dict[str, int]:
    """How many respondents of each role gave at least one scored answer."""
    rows = _of(respondent_stages, assessment_id)
    rows = rows[rows["n_answered"] > 0]
    counts = rows.drop_duplicates("respondent")["role"].value_counts()
    return {str(role): int(n) for role, n in counts.items()}


def answer_counts(answers: pd.DataFrame, items: Sequence[str], values: Sequence[str]) -> pd.DataFrame:
    """How many answers each item received at each value, for a stacked « spread » chart.

    Args:
        answers: the store's long answer table of ONE assessment (columns item, value).
        items: the items to count, in the order of the rows.
        values: the answer values to count, in the order of the columns (e.g. the levels
            then the non-levels of the scale); other values are ignored.

    Returns:
        DataFrame indexed by item, one int column per value, zeros where nobody answered so.
    """
    mine = answers[answers["item"].isin(list(items)) & answers["value"].isin(list(values))]
    if mine.empty:
        return pd.DataFrame(0, index=pd.Index(list(items), name="item"), columns=list(values))
    table = mine.groupby(["item", "value"]).size().unstack(fill_value=0)
    table = table.reindex(index=list(items), columns=list(values), fill_value=0).fillna(0)
    table.index.name = "item"
    table.columns.name = None
    return table.astype(int)


def hotspots(criteria: pd.DataFrame, agreed: pd.DataFrame, assessment_id: Hashable) -> pd.DataFrame:
    """The criteria the team disagrees on, with the value a consensus settled, if any.

    A hotspot is the scoring engine's: answers spread over at least `hotspot_spread` levels
    among at least `hotspot_min_answers` level answers (data/scale.yaml). It stays a hotspot
    after a consensus (the raw answers are unchanged); it is then `resolved`.

    Args:
        criteria: `Scores.criteria` (its `value` already uses the agreed value).
        agreed: the store's agreed values (assessment, item, value, rationale, updated_at).

    Returns:
        DataFrame with columns item, section_id, n, min, max, median, agreement (0–1), value
        (the team value: the agreed level, else the median), agreed_value (as stored, or
        None), rationale, resolved; unresolved first, then least agreement, then grid order.
    """
    rows = _of(criteria, assessment_id)
    rows = rows[rows["hotspot"].astype(bool)].copy()
    rows["grid_order"] = range(len(rows))
    settled = _of(agreed, assessment_id)[["item", "value", "rationale"]].rename(
        columns={"value": "agreed_value"})
    rows = rows.merge(settled, on="item", how="left")
    rows["resolved"] = rows["agreed_value"].notna()
    rows["agreed_value"] = rows["agreed_value"].astype(object).where(rows["resolved"], None)
    rows["rationale"] = rows["rationale"].astype(object).where(rows["rationale"].notna(), None)
    rows = rows.sort_values(["resolved", "agreement", "grid_order"], kind="stable")
    return rows[HOTSPOT_COLUMNS].reset_index(drop=True)


def mean_agreement(criteria: pd.DataFrame, assessment_id: Hashable) -> float | None:
    """The average agreement (0–1) over the criteria at least two people answered with a level.

    A criterion's agreement is the scoring engine's: the share of answers within
    `agreement_within` levels of the median. None when no criterion has two answers.
    """
    rows = _of(criteria, assessment_id)
    values = rows.loc[rows["n"] >= 2, "agreement"].dropna()
    return None if values.empty else float(values.mean())


def agreement_summary(criteria: pd.DataFrame, assessment_id: Hashable,
                      min_answers: int) -> tuple[int, int, float | None]:
    """The summary that goes with the list of disagreements, on the same definition.

    Over the criteria with at least `min_answers` level answers (where a disagreement can be
    seen): how many there are, how many are disagreements (the engine's `hotspot`, exactly
    what `hotspots` lists), and the share that is not (None when there is none).
    """
    rows = _of(criteria, assessment_id)
    considered = rows[rows["n"] >= min_answers]
    disagreements = int(considered["hotspot"].astype(bool).sum())
    share = None if considered.empty else 1.0 - disagreements / len(considered)
    return len(considered), disagreements, share


def agreement_percent(agreement: float) -> int:
    """An agreement (0–1) as a whole percentage, rounded down: 199 of 200 never shows 100 %."""
    return int(np.floor(agreement * 100 + 1e-9))
