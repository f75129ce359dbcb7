"""A team's reading of one assessment: stages against targets, weak points, what to do next.

Joins the scoring tables (coopscore.scoring.Scores, recommend) with the words of the grid and
of the answer scale, so that the Résultats and Écarts pages only lay out ready-made rows:
stage labels « 1. Identifier un besoin… », team values as « 1 · Identifié », the criteria a
method answers, its sub-items, whether it is already in the action plan. Pure functions over
pandas tables; nothing here reads the database or scores anything.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from .format import missing
from .grid import Grid, Item, Phase, Section
from .i18n import t
from . import format as fmt
from . import labels
from .labels import shorten, stage_label
from .scale import Answer, Scale

SHORT_LABEL_WIDTH = 28  # characters of a stage label on a chart axis, number included
ROOMY_LABEL_WIDTH = 34  # ... when a grid has few sections, so each axis has room
FEW_SECTIONS = 6

STAGE_COLUMNS = ["section_id", "number", "stage", "short", "phase_id", "phase", "score", "band",
                 "band_label", "target", "gap", "completeness", "basis", "basis_label"]
WEAK_COLUMNS = ["section_id", "item", "text", "value", "value_label", "target_level",
                "target_label", "missing_level", "hotspot", "critical"]
RECOMMENDATION_COLUMNS = ["rank", "section_id", "method", "kind", "text", "because",
                          "because_texts", "because_note", "sub_items", "status", "status_label",
                          "in_plan"]



def _float(value: object) -> float | None:
    return None if missing(value) else float(value)  # type: ignore[arg-type]


# --- labels ------------------------------------------------------------------------------


def stage_title(section: Section) -> str:
    """« 1. Identifier un besoin, un problème… » in full: number and title."""
    return stage_label(section, None)


def axis_label_width(grid: Grid) -> int:
    """How long a stage label may be on a chart: sixteen stages need short ones, four axes not."""
    return ROOMY_LABEL_WIDTH if len(grid.sections) <= FEW_SECTIONS else SHORT_LABEL_WIDTH


def stage_labels(grid: Grid, width: int | None = SHORT_LABEL_WIDTH) -> dict[str, str]:
    """{section id: « 1. Identifier un besoin… »} in grid order; full titles when width is None."""
    return labels.stage_labels(grid, width)


def level_label(value: object, scale: Scale) -> str:
    """A team value on the criterion scale, in words.

    « 2 · En partie traité » for a level, « 2,5 · entre « En partie traité » et « Maîtrisé » »
    for a median between two levels, a neutral phrase when there is no level (only « Je ne
    sais pas », « Étape pas encore abordée » or no answer).
    """
    number = _float(value)
    if number is None:
        return t("team.value_none")
    labels = {answer.level: answer.label for answer in scale.levels}
    low, high = math.floor(number), math.ceil(number)
    if low == high and low in labels:
        return t("team.value_level", level=low, label=labels[low])
    if low in labels and high in labels:
        return t("team.value_between", value=fmt.number(number, 1), low=labels[low],
                 high=labels[high])
    return fmt.number(number, 1)


def flag_level(scale: Scale) -> Answer:
    """The level a critical point must reach not to raise a flag (scale.yaml `flag_below`)."""
    wanted = math.ceil(scale.flag_below)
    return next((a for a in scale.levels if a.level == wanted), scale.levels[-1])


def band_rules(scale: Scale) -> list[str]:
    """How a 0–100 score reads, one line per band, highest first: « Point d'appui : 75 à 100 »."""
    rules, ceiling = [], 100
    for band in scale.bands:  # highest `min` first (scale.yaml)
        rules.append(t("team.band_rule", label=band.label, low=fmt.number(band.min, 1),
                       high=fmt.number(ceiling, 1)))
        ceiling = band.min - 1
    return rules


# --- the stage table (Résultats) -------------------------------------------------------------


def stage_table(stages: pd.DataFrame, grid: Grid) -> pd.DataFrame:
    """One row per section of the grid, in grid order, with its words next to its numbers.

    Args:
        stages: the `stages` rows of ONE assessment (Results.one("stages", id)).
        grid: the grid the assessment was made with.

    Returns:
        Columns section_id, number, stage (full « 1. title »), short (axis label, see
        axis_label_width), phase_id,
        phase (title or None), score, band, band_label, target, gap, completeness (0–1),
        basis ("criteria" | "methods") and basis_label (« d'après les méthodes »...).
        A section without a stages row (a stale grid) has missing numbers.
    """
    by_section = stages.assign(section_id=stages["section_id"].astype(str)) \
        .set_index("section_id") if len(stages) else pd.DataFrame()
    full, short = stage_labels(grid, None), stage_labels(grid, axis_label_width(grid))
    basis_words = {"criteria": t("team.basis_criteria", criteria=grid.label("criteria").lower()),
                   "methods": t("team.basis_methods")}
    rows = []
    for section in grid.sections:
        phase = grid.phase_of(section.id)
        row = by_section.loc[section.id] if section.id in by_section.index else None

        def get(column: str, row=row) -> object:
            return None if row is None else row[column]

        basis = "criteria" if section.criteria or not section.methods else "methods"
        band = get("band")
        rows.append({
            "section_id": section.id, "number": section.number, "stage": full[section.id],
            "short": short[section.id], "phase_id": phase.id if phase else None,
            "phase": phase.title if phase else None,
            "score": _float(get("score")), "band": None if missing(band) else str(band),
            "band_label": None if missing(get("band_label")) else str(get("band_label")),
            "target": _float(get("target")), "gap": _float(get("gap")),
            "completeness": _float(get("completeness")),
            "basis": basis, "basis_label": basis_words[basis],
        })
    return pd.DataFrame(rows, columns=STAGE_COLUMNS)


def phase_table(phases: pd.DataFrame, grid: Grid) -> pd.DataFrame:
    """One row per phase of the grid (none for a grid without phases), in grid order.

    Columns: phase_id, phase (title), score, band, band_label, target, gap, completeness.
    """
    columns = ["phase_id", "phase", "score", "band", "band_label", "target", "gap",
               "completeness"]
    by_phase = phases.assign(phase_id=phases["phase_id"].astype(str)).set_index("phase_id") \
        if len(phases) else pd.DataFrame()
    rows = []
    for phase in grid.phases:
        row = by_phase.loc[phase.id] if phase.id in by_phase.index else None
        rows.append({
            "phase_id": phase.id, "phase": phase.title,
            **{c: (None if row is None or missing(row[c]) else
                   (str(row[c]) if c in ("band", "band_label") else float(row[c])))
               for c in columns[2:]},
        })
    return pd.DataFrame(rows, columns=columns)


def scores_by_section(stages: pd.DataFrame, section_ids: Sequence[str]) -> list[float | None]:
    """The stage scores of one assessment in the order of `section_ids` (None where absent).

    Lines up a previous campaign with the current one even when a grid version added or
    removed a section.
    """
    scores = dict(zip(stages["section_id"].astype(str), stages["score"], strict=True))
    return [_float(scores.get(section_id)) for section_id in section_ids]


def score_change(current: object, previous: object) -> float | None:
    """Points gained (+) or lost (−) since the previous campaign; None when one is missing."""
    now, before = _float(current), _float(previous)
    return None if now is None or before is None else now - before


def has_critical_points(grid: Grid) -> bool:
    """Does the grid name critical points at all? (The dialogue grid does not: no flag to read.)"""
    return any(item.is_critical for item in grid.criteria())


def flag_table(flags: pd.DataFrame, grid: Grid, scale: Scale,
               agreed_items: Iterable[str] = ()) -> pd.DataFrame:
    """The critical points in alert (or « à venir ») of one assessment, with their words.

    Args:
        flags: rows of Scores.flags (or Scores.upcoming) of one assessment.
        agreed_items: the items whose value was agreed in consensus (`consensus_items`).

    Columns: section_id, stage (« 10. Organiser… » in full), item, text (the criterion),
    value (team value), value_label (« 1 · Identifié », with « valeur retenue en consensus »
    when agreed), reason (why the grid says it is critical), agreed.
    """
    titles = stage_labels(grid, None)
    agreed = set(agreed_items)
    rows = []
    for _, row in flags.iterrows():
        item = str(row["item"])
        if not grid.has_item(item):
            continue
        label = level_label(row["value"], scale)
        if item in agreed:
            label = t("targets.agreed_value", value=label)
        rows.append({"section_id": str(row["section_id"]),
                     "stage": titles.get(str(row["section_id"]), ""), "item": item,
                     "text": grid.item(item).text, "value": _float(row["value"]),
                     "value_label": label,
                     "reason": None if missing(row["reason"]) else str(row["reason"]),
                     "agreed": item in agreed})
    return pd.DataFrame(rows, columns=["section_id", "stage", "item", "text", "value",
                                       "value_label", "reason", "agreed"])


def consensus_items(criteria: pd.DataFrame, methods: pd.DataFrame | None = None) -> list[str]:
    """The items of one assessment whose value was agreed in consensus, in grid order.

    A criterion agreed « non concerné » has no level but still counts as agreed.
    """
    items: list[str] = []
    for frame in (criteria, methods):
        if frame is None or frame.empty or "agreed" not in frame.columns:
            continue
        agreed = frame["agreed"]
        if agreed.dtype == bool:
            mask = agreed.to_numpy()
        else:
            mask = agreed.notna().to_numpy()
            if agreed.dtype == object:
                mask &= agreed.astype(object).map(lambda v: v not in (False, None)).to_numpy()
        items += [str(i) for i in frame.loc[mask, "item"]]
    return items


# --- gaps and weak points (Écarts et recommandations) -----------------------------------------


def gap_ranking(table: pd.DataFrame) -> pd.DataFrame:
    """The stages of a stage_table below their target, largest gap first (grid order on ties)."""
    below = table[table["gap"].fillna(0) > 0]
    return below.sort_values("gap", ascending=False, kind="stable").reset_index(drop=True)


def unassessed_stages(table: pd.DataFrame) -> pd.DataFrame:
    """Stages with a target but no score yet: their gap can be read once they are answered."""
    return table[table["target"].notna() & table["score"].isna()].reset_index(drop=True)


def weak_points(criteria: pd.DataFrame, grid: Grid, scale: Scale,
                section_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """The criteria still below their stage's target level, per stage, weakest first.

    Args:
        criteria: the `criteria` rows of ONE assessment (Results.one("criteria", id)).
        section_ids: keep only these stages (e.g. those with a gap); all when None.

    Returns:
        Columns section_id, item, text, value, value_label, target_level, target_label,
        missing_level (levels still missing, > 0), hotspot (the team disagrees), critical
        (the grid's reason, or None). Ordered by stage (grid order), then largest missing
        level, then grid order.
    """
    keep = None if section_ids is None else {str(s) for s in section_ids}
    weak = criteria[(criteria["missing_level"].fillna(0) > 0) & criteria["applicable"].astype(bool)]
    order = {s.id: k for k, s in enumerate(grid.sections)}
    rows = []
    for position, (_, row) in enumerate(weak.iterrows()):
        section_id, item_id = str(row["section_id"]), str(row["item"])
        if (keep is not None and section_id not in keep) or not grid.has_item(item_id):
            continue
        rows.append({
            "section_id": section_id, "item": item_id, "text": grid.item(item_id).text,
            "value": _float(row["value"]), "value_label": level_label(row["value"], scale),
            "target_level": _float(row["target_level"]),
            "target_label": level_label(row["target_level"], scale),
            "missing_level": float(row["missing_level"]), "hotspot": bool(row["hotspot"]),
            "critical": None if missing(row["critical"]) else str(row["critical"]),
            "_stage": order.get(section_id, len(order)), "_position": position,
        })
    frame = pd.DataFrame(rows, columns=[*WEAK_COLUMNS, "_stage", "_position"])
    frame = frame.sort_values(["_stage", "missing_level", "_position"],
                              ascending=[True, False, True], kind="stable")
    return frame[WEAK_COLUMNS].reset_index(drop=True)


@dataclass(frozen=True)
class SubItem:
    """A sub-item of a method or lever, with its depth (0 for a direct child)."""

    text: str
    depth: int


def sub_items(item: Item) -> list[SubItem]:
    """Every sub-item of an item, depth first, in grid order."""
    found: list[SubItem] = []

    def walk(node: Item, depth: int) -> None:
        for child in node.children:
            found.append(SubItem(child.text, depth))
            walk(child, depth + 1)

    walk(item, 0)
    return found


def _planned(actions: pd.DataFrame | None) -> tuple[set[str], set[str]]:
    """The method ids and the free titles (spaces normalised) of an action plan."""
    if actions is None or actions.empty:
        return set(), set()
    methods = {str(m) for m in actions["method"] if not missing(m)}
    titles = {" ".join(str(v).split()) for v in actions["title"] if not missing(v)}
    return methods, titles


def already_planned(actions: pd.DataFrame | None, kind: str, item: Item) -> bool:
    """Is this recommendation already an action? A method by its id, a lever by its text.

    A dialogue lever is not a method of the grid, so it enters the plan as a free title.
    """
    methods, titles = _planned(actions)
    return item.id in methods if kind == "method" else " ".join(item.text.split()) in titles


def recommendation_table(recommendations: pd.DataFrame, grid: Grid, scale: Scale,
                         actions: pd.DataFrame | None = None) -> pd.DataFrame:
    """The recommendations of one assessment, ready to read and to put in the action plan.

    Args:
        recommendations: Results.recommendations_for(id) (coopscore.scoring.recommend rows).
        actions: the assessment's action plan (Store.actions(assessment_id=...)), to mark what
            is already in it.

    Returns:
        In the engine's rank order, columns rank, section_id, method (item id), kind
        ("method" or "criterion" — a dialogue lever, recommended itself), text, because
        (criterion ids), because_texts (their texts), because_note (the « parce que » to
        store with the action), sub_items (list of SubItem), status (the team's answer about
        the method, or None), status_label, in_plan (a method whose id, or a lever whose text,
        is already an action).
    """
    rows = []
    for _, row in recommendations.iterrows():
        item_id = str(row["method"])
        if not grid.has_item(item_id):
            continue
        item = grid.item(item_id)
        section = grid.section(item.section_id)
        kind = str(row["kind"])
        because = [str(i) for i in (row["because"] if isinstance(row["because"], Iterable)
                                    and not isinstance(row["because"], str) else [])]
        because_texts = [grid.item(i).text for i in because if grid.has_item(i) and i != item_id]
        if kind == "criterion":
            note = t("team.because_lever", label=grid.label("section"), number=section.number,
                     title=section.title)
        elif because_texts:
            note = " ; ".join(because_texts)
        else:
            note = t("team.because_methods_note", label=grid.label("section"),
                     number=section.number, title=section.title)
        status = None if missing(row["status"]) else str(row["status"])
        answer = scale.answer("method", status) if status else None
        rows.append({
            "rank": int(row["rank"]), "section_id": item.section_id, "method": item_id,
            "kind": kind, "text": item.text, "because": because, "because_texts": because_texts,
            "because_note": note, "sub_items": sub_items(item), "status": status,
            "status_label": answer.label if answer else t("team.status_none"),
            "in_plan": already_planned(actions, kind, item),
        })
    return pd.DataFrame(rows, columns=RECOMMENDATION_COLUMNS)


def next_phase(grid: Grid, phase_id: str | None) -> Phase | None:
    """The phase after `phase_id` in the grid; None at the last phase, without phase or phases."""
    ids = [p.id for p in grid.phases]
    if phase_id is None or phase_id not in ids:
        return None
    position = ids.index(phase_id)
    return grid.phases[position + 1] if position + 1 < len(ids) else None


# --- targets in force -----------------------------------------------------------------------


def default_target_band(scale: Scale):
    """The band whose threshold is the target when neither phase nor profile is given."""
    threshold = scale.targets.unknown_phase
    return None if threshold is None else scale.band_of(threshold)


def targets_in_force(grid: Grid, scale: Scale, *, phase: str | None = None,
                     profile: str | None = None, profiles: dict | None = None,
                     programme_label: str | None = None) -> str:
    """One sentence saying which targets a reading compares to: a profile, a phase, or the default.

    Args:
        phase: the project's phase id (ignored when a profile is given).
        profile: the profile id in force, if any.
        profiles: {id: Profile} (data/profiles.yaml when None and a profile is given).
        programme_label: set when the profile is inherited from the project's programme.
    """
    section = grid.label("section").lower()
    if profile:
        from .scale import load_profiles

        profiles = load_profiles() if profiles is None else profiles
        title = profiles[profile].title if profile in profiles else profile
        if programme_label:
            return t("targets.profile_inherited", title=title, programme=programme_label)
        return t("targets.profile", title=title)
    goals = scale.targets
    if not grid.phases:
        return t("targets.without_phases", target=fmt.number(goals.without_phases or 0, 1),
                 section=section)
    phase_ids = {p.id: p.title for p in grid.phases}
    if phase in phase_ids:
        return t("targets.phase", phase=phase_ids[phase],
                 passed=fmt.number(goals.passed or 0, 1), current=fmt.number(goals.current or 0, 1))
    band = default_target_band(scale)
    return t("targets.default", section=section, band=band.label if band else "—",
             threshold=fmt.number(goals.unknown_phase or 0, 1))
