"""Scores: from a long table of answers to maturity per stage, gaps to targets, team agreement.

One code path for one respondent, one team or a funder's portfolio of thousands of
assessments: answers are mapped once to integer codes, then every statistic comes from
counting (answer slot) per (assessment, item) with numpy; no Python loop runs over rows.
The formulas are documented in docs/scoring.md; the scale, bands, targets and thresholds
come from data/scale.yaml and data/profiles.yaml.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .answers import DEFAULT_ASSESSMENT, value_reader
from .errors import AnswersError, ScaleError
from .grid import Grid
from .i18n import t
from .scale import Profile, Scale, fold_key, load_profiles, load_scale

ANSWER_COLUMNS = ("assessment", "respondent", "role", "item", "value")
_EXAMPLES = 20  # distinct faulty values named in an error; the rest are counted
_TRUE = {"true", "1", "yes", "oui", "vrai", "cte"}


@dataclass(frozen=True)
class Scores:
    """Every table the dashboard, the store and the CLI read; each has an `assessment` column.

    Id columns (assessment, item, section_id, phase_id, role, respondent, band, status...)
    are pandas Categoricals: cheap for a portfolio, compared and exported like strings;
    their categories follow the grid's order. Missing numbers are NaN, never None.

    criteria: one row per assessment and top-level criterion, in grid order — n, median,
        mean, min, max, std, agreement, hotspot, agreed, value, n_<non-level> (n_na,
        n_not_yet, n_unknown), applicable, target_level, missing_level, critical, weight.
    criteria_by_role: the same statistics per (assessment, criterion, role) that answered.
    stages: one row per assessment and section — score, band, band_label, completeness,
        n_answered, n_applicable, target, gap, basis, phase_id, n_<non-level>.
    phases: one row per assessment and phase — score, band, band_label, completeness,
        target, gap.
    overall: one row per assessment — score, band, band_label, completeness, n_answered,
        n_applicable, n_respondents, n_flags, n_<non-level>.
    respondent_stages: one row per assessment, respondent and section — role, score,
        n_answered (each respondent's own stage score).
    flags: critical criteria whose team value is below the scale's `flag_below`, in stages
        that have a target (the project's phase reached them, or its profile sets one).
    upcoming: critical criteria not yet met (below `flag_below` or unanswered) in stages
        without a target: « à venir », the phases the project has not reached yet.
    methods: one row per assessment and top-level method — status, agreed, counts per
        answer, and the level-based value used where a stage is scored from its methods.
    context: one row per assessment — phase, profile, cte.
    """

    grid_id: str
    criteria: pd.DataFrame
    criteria_by_role: pd.DataFrame
    stages: pd.DataFrame
    phases: pd.DataFrame
    overall: pd.DataFrame
    respondent_stages: pd.DataFrame
    flags: pd.DataFrame
    methods: pd.DataFrame
    context: pd.DataFrame
    upcoming: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["assessment", "item", "section_id", "value", "reason"]))

    def assessments(self) -> list[Any]:
        """The assessment ids, in the order of every table."""
        return list(self.context["assessment"])


@dataclass(frozen=True)
class _Catalogue:
    """The assessed items of a grid (top-level criteria and methods) as numpy arrays."""

    ids: np.ndarray          # object, grid order (section by section, criteria then methods)
    texts: np.ndarray        # object
    is_criterion: np.ndarray  # bool
    section: np.ndarray      # int, index into section_ids
    weight: np.ndarray       # float
    critical: np.ndarray     # object: reason or None
    cte: np.ndarray          # bool
    scored: np.ndarray       # bool: counts in its section's score
    section_ids: np.ndarray  # object
    basis: np.ndarray        # object per section: "criteria" | "methods"
    has_methods: np.ndarray  # bool per section
    section_phase: np.ndarray  # int per section, -1 when the section has no phase
    phase_ids: np.ndarray    # object

    @classmethod
    def of(cls, grid: Grid) -> _Catalogue:
        items = list(grid.items(top_level=True))
        section_ids = [s.id for s in grid.sections]
        position = {s: k for k, s in enumerate(section_ids)}
        phase_ids = [p.id for p in grid.phases]
        basis = ["criteria" if s.criteria or not s.methods else "methods" for s in grid.sections]
        is_criterion = np.array([i.kind == "criterion" for i in items], dtype=bool)
        section = np.array([position[i.section_id] for i in items], dtype=np.int64)
        basis_array = np.array(basis, dtype=object)
        scored = np.where(is_criterion, basis_array[section] == "criteria",
                          basis_array[section] == "methods") if items else np.zeros(0, bool)
        section_phase = []
        for s in grid.sections:
            phase = grid.phase_of(s.id)
            section_phase.append(phase_ids.index(phase.id) if phase else -1)
        return cls(
            ids=_objects([i.id for i in items]),
            texts=_objects([i.text for i in items]),
            is_criterion=is_criterion,
            section=section,
            weight=np.array([i.weight for i in items], dtype=float),
            critical=_objects([i.critical for i in items]),
            cte=np.array([i.cte for i in items], dtype=bool),
            scored=np.asarray(scored, dtype=bool),
            section_ids=_objects(section_ids),
            basis=basis_array,
            has_methods=np.array([bool(s.methods) for s in grid.sections], dtype=bool),
            section_phase=np.array(section_phase, dtype=np.int64),
            phase_ids=_objects(phase_ids),
        )


def score(answers: pd.DataFrame, grid: Grid, *, assessments: pd.DataFrame | None = None,
          agreed: pd.DataFrame | None = None, scale: Scale | None = None,
          profiles: Mapping[str, Profile] | None = None) -> Scores:
    """Score every assessment found in `answers` (and in `assessments`), in one vectorised pass.

    Args:
        answers: long table, one row per respondent and item: columns respondent, role, item,
            value, and assessment (optional: without it, every row belongs to the assessment
            « evaluation »). `value` is '0'..'3', 'na', 'not_yet', 'unknown' for a criterion,
            'in_place', 'planned', 'no', 'na' for a method (labels and spreadsheet numbers
            are accepted too); an empty value is an unanswered item and is ignored. Plain
            strings or categoricals.
        grid: the grid the items belong to.
        assessments: optional, one row per assessment: assessment, phase (phase id or None),
            profile (profile id or None), cte (bool). Missing: no phase, no profile, cte False.
            Assessments listed here without answers get rows with None scores.
        agreed: optional consensus values (assessment, item, value) that replace the median
            of the team's answers; raw answers stay in the statistics.
        scale: the answer scale (data/scale.yaml when None).
        profiles: the target profiles by id (data/profiles.yaml when None and one is used).

    Returns:
        Scores (see its docstring for every column). Missing scores are NaN in the
        DataFrames and None in `to_report`.

    Raises:
        AnswersError: missing columns, unknown items, values off the scale, unknown roles or
            duplicate (assessment, respondent, item) rows, each named with its row count.
        ScaleError: unknown phase or profile, or a profile written for another grid.
    """
    scale = scale or load_scale()
    catalogue = _Catalogue.of(grid)
    encoded = _encode_answers(answers, grid, catalogue, scale, assessments, agreed)
    context = _context(encoded.assessment_ids, assessments, grid, catalogue, scale, profiles)
    return _compute(encoded, context, grid, catalogue, scale)


# --- encoding -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Encoded:
    """Answers as integer codes; one entry per answered row."""

    assessment_ids: pd.Index
    assessment: np.ndarray   # int64 index into assessment_ids
    item: np.ndarray         # int64 index into the catalogue
    slot: np.ndarray         # int64 index into scale.slots()
    role: np.ndarray         # int64 index into scale.roles
    respondent: np.ndarray   # int64: the row's respondent, an (assessment, name) pair
    respondent_names: pd.Index  # distinct respondent names, sorted
    respondent_name: np.ndarray  # int64 per respondent: index into respondent_names
    respondent_assessment: np.ndarray  # int64 per respondent: index into assessment_ids
    respondent_role: np.ndarray  # int64: role of each pair
    agreed_slot: np.ndarray  # int64 (n_assessments, n_items), -1 where nothing was agreed


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and their distinct values; -1 for a missing cell."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype(np.int64), pd.Index(column.cat.categories)
    codes, uniques = pd.factorize(column.to_numpy(), sort=False)
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


def _lookup(codes: np.ndarray, table: list[int] | np.ndarray) -> np.ndarray:
    """Map codes through a per-distinct-value table; code -1 gives -1."""
    return np.append(np.asarray(table, dtype=np.int64), -1)[codes]


def _ordered(values: list[Any]) -> pd.Index:
    """Distinct ids, sorted when they can be (so row order never changes the output)."""
    index = pd.Index(values, dtype=object).unique()
    try:
        return pd.Index(sorted(index), dtype=object)
    except TypeError:
        return pd.Index(sorted(index, key=str), dtype=object)


def _objects(values: list[Any]) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _is_blank(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) \
        or (isinstance(value, str) and not value.strip())


def _encode_answers(answers: pd.DataFrame, grid: Grid, catalogue: _Catalogue, scale: Scale,
                    assessments: pd.DataFrame | None, agreed: pd.DataFrame | None) -> _Encoded:
    problems: list[str] = []
    if answers is None or (len(answers) == 0 and len(answers.columns) == 0):
        answers = pd.DataFrame({c: pd.Series([], dtype=object) for c in ANSWER_COLUMNS})
    missing = [c for c in ANSWER_COLUMNS[1:] if c not in answers.columns]
    if missing:
        raise AnswersError(t("scoring.invalid_answers"), [t(
            "scoring.missing_columns", missing=", ".join(missing), count=len(missing),
            required=", ".join(ANSWER_COLUMNS))])
    rows = len(answers)
    if "assessment" in answers.columns:
        a_codes, a_values = _codes(answers["assessment"])
    else:
        a_codes, a_values = np.zeros(rows, np.int64), pd.Index([DEFAULT_ASSESSMENT], dtype=object)

    # Value first: a row without a value is an unanswered item, not an answer.
    v_codes, v_values = _codes(answers["value"])
    canonical = value_reader(scale)
    slot_of = {kind: scale.slot_of(kind) for kind in ("criterion", "method")}
    criterion_slot = [slot_of["criterion"].get(canonical(v, "criterion"), -1) for v in v_values]
    method_slot = [slot_of["method"].get(canonical(v, "method"), -1) for v in v_values]
    blank = np.append(np.array([_is_blank(v) for v in v_values], dtype=bool), True)[v_codes]
    keep = ~blank

    i_codes, i_values = _codes(answers["item"])
    position = {item_id: k for k, item_id in enumerate(catalogue.ids)}
    item = _lookup(i_codes, [position.get(v, -1) for v in i_values])
    r_codes, r_values = _codes(answers["role"])
    role_of = scale.role_spellings()
    role_ids = list(scale.role_ids())
    role = _lookup(r_codes, [role_ids.index(role_of[fold_key(v)]) if fold_key(v) in role_of else -1
                             for v in r_values])
    p_codes, p_values = _codes(answers["respondent"])
    p_blank = np.append(np.array([_is_blank(v) for v in p_values], dtype=bool), True)[p_codes]

    _count_problems(problems, keep & (a_codes < 0), "scoring.missing_cell", column="assessment")
    _count_problems(problems, keep & p_blank, "scoring.missing_cell", column="respondent")
    _count_problems(problems, keep & (role < 0) & (r_codes < 0), "scoring.missing_cell", column="role")
    _name_problems(problems, keep & (item < 0) & (i_codes >= 0), i_codes, i_values,
                   "scoring.unknown_item", grid=grid.id)
    _count_problems(problems, keep & (i_codes < 0), "scoring.missing_cell", column="item")
    _name_problems(problems, keep & (role < 0) & (r_codes >= 0), r_codes, r_values,
                   "scoring.unknown_role", valid=", ".join(role_ids))
    known = item >= 0
    safe_item = np.where(known, item, 0)
    criterion_row = catalogue.is_criterion[safe_item] if len(catalogue.ids) else np.zeros(rows, bool)
    slot = np.where(criterion_row, _lookup(v_codes, criterion_slot), _lookup(v_codes, method_slot))
    for is_criterion, kind in ((True, "criterion"), (False, "method")):
        _name_problems(problems, keep & known & (criterion_row == is_criterion) & (slot < 0),
                       v_codes, v_values, "scoring.value_off_scale",
                       kind=t(f"scoring.kind_{kind}"), valid=", ".join(scale.values(kind)))
    if problems:
        raise AnswersError(t("scoring.invalid_answers"), problems)

    seen = np.bincount(a_codes[keep & (a_codes >= 0)], minlength=len(a_values)) > 0
    ids = list(a_values[seen])
    if assessments is not None and "assessment" in assessments.columns:
        ids += list(assessments["assessment"].dropna())
    if agreed is not None and "assessment" in agreed.columns:
        ids += list(agreed["assessment"].dropna())
    elif agreed is not None and len(agreed):
        ids.append(DEFAULT_ASSESSMENT)
    assessment_ids = _ordered(ids)
    assessment = _lookup(a_codes, assessment_ids.get_indexer(a_values))

    assessment, item, slot, role = assessment[keep], item[keep], slot[keep], role[keep]
    # A respondent is an (assessment, name) pair: the same name in two assessments is two
    # people. Respondents are numbered in (assessment, sorted name) order.
    names = _ordered(list(p_values))
    n_names = max(len(names), 1)
    name_rank = _lookup(p_codes[keep], names.get_indexer(p_values))
    pair = assessment * n_names + name_rank
    space = len(assessment_ids) * n_names
    if space <= max(8 * pair.size, 1 << 20):
        present = np.zeros(space, dtype=bool)
        present[pair] = True
        pair_keys = np.flatnonzero(present)
        respondent = (np.cumsum(present) - 1)[pair]
    else:  # ids unique across a huge portfolio: sort rather than fill a dense table
        pair_keys, respondent = np.unique(pair, return_inverse=True)
    respondent = respondent.astype(np.int64)
    respondent_role = np.zeros(len(pair_keys), dtype=np.int64)
    respondent_role[respondent] = role

    n_items = max(len(catalogue.ids), 1)
    duplicate_key = np.sort(respondent * n_items + item)
    twice = np.flatnonzero(duplicate_key[1:] == duplicate_key[:-1])
    if twice.size:
        first = duplicate_key[twice[0]]
        raise AnswersError(t("scoring.invalid_answers"), [t(
            "scoring.duplicates", count=twice.size,
            respondent=names[pair_keys[first // n_items] % n_names],
            item=catalogue.ids[first % n_items])])

    agreed_slot = _encode_agreed(agreed, assessment_ids, catalogue, scale, grid)
    return _Encoded(assessment_ids=assessment_ids, assessment=assessment, item=item, slot=slot,
                    role=role, respondent=respondent, respondent_names=names,
                    respondent_name=pair_keys % n_names,
                    respondent_assessment=pair_keys // n_names, respondent_role=respondent_role,
                    agreed_slot=agreed_slot)


def _count_problems(problems: list[str], mask: np.ndarray, key: str, **values: object) -> None:
    if mask.any():
        problems.append(t(key, count=int(mask.sum()), **values))


def _name_problems(problems: list[str], mask: np.ndarray, codes: np.ndarray, uniques: pd.Index,
                   key: str, **values: object) -> None:
    """One problem per distinct faulty value (the first few), with its number of rows."""
    if not mask.any():
        return
    counts = np.bincount(codes[mask], minlength=len(uniques))
    faulty = np.flatnonzero(counts)
    for code in faulty[:_EXAMPLES]:
        problems.append(t(key, value=uniques[code], count=int(counts[code]), **values))
    if faulty.size > _EXAMPLES:
        problems.append(t("scoring.more_values", count=int(faulty.size - _EXAMPLES)))


def _encode_agreed(agreed: pd.DataFrame | None, assessment_ids: pd.Index, catalogue: _Catalogue,
                   scale: Scale, grid: Grid) -> np.ndarray:
    """Consensus values as slots, (n_assessments, n_items), -1 where nothing was agreed."""
    agreed_slot = np.full((len(assessment_ids), len(catalogue.ids)), -1, dtype=np.int64)
    if agreed is None or len(agreed) == 0:
        return agreed_slot
    missing = [c for c in ("item", "value") if c not in agreed.columns]
    if missing:
        raise AnswersError(t("scoring.invalid_agreed"), [t(
            "scoring.missing_columns", missing=", ".join(missing), count=len(missing),
            required="assessment, item, value")])
    canonical = value_reader(scale)
    slot_of = {kind: scale.slot_of(kind) for kind in ("criterion", "method")}
    position = {item_id: k for k, item_id in enumerate(catalogue.ids)}
    i_codes, i_values = _codes(agreed["item"])
    item = _lookup(i_codes, [position.get(v, -1) for v in i_values])
    v_codes, v_values = _codes(agreed["value"])
    blank = np.append(np.array([_is_blank(v) for v in v_values], dtype=bool), True)[v_codes]
    criterion_row = catalogue.is_criterion[np.where(item >= 0, item, 0)] if len(catalogue.ids) \
        else np.zeros(len(item), bool)
    slot = np.where(criterion_row,
                    _lookup(v_codes, [slot_of["criterion"].get(canonical(v, "criterion"), -1)
                                      for v in v_values]),
                    _lookup(v_codes, [slot_of["method"].get(canonical(v, "method"), -1)
                                      for v in v_values]))
    problems: list[str] = []
    _name_problems(problems, ~blank & (item < 0), i_codes, i_values, "scoring.unknown_item",
                   grid=grid.id)
    for is_criterion, kind in ((True, "criterion"), (False, "method")):
        _name_problems(problems, ~blank & (item >= 0) & (criterion_row == is_criterion) & (slot < 0),
                       v_codes, v_values, "scoring.value_off_scale",
                       kind=t(f"scoring.kind_{kind}"), valid=", ".join(scale.values(kind)))
    if problems:
        raise AnswersError(t("scoring.invalid_agreed"), problems)
    if "assessment" in agreed.columns:
        a_codes, a_values = _codes(agreed["assessment"])
        assessment = _lookup(a_codes, assessment_ids.get_indexer(a_values))
    else:
        assessment = np.full(len(agreed), assessment_ids.get_loc(DEFAULT_ASSESSMENT))
    keep = ~blank & (assessment >= 0)
    agreed_slot[assessment[keep], item[keep]] = slot[keep]
    return agreed_slot


# --- context: phase, profile, CTE, targets --------------------------------------------


@dataclass(frozen=True)
class _Context:
    table: pd.DataFrame      # assessment, phase, profile, cte
    cte: np.ndarray          # bool per assessment
    phase: np.ndarray        # int per assessment, -1 unknown
    targets: np.ndarray      # float (n_assessments, n_sections), NaN for no target


def _context(assessment_ids: pd.Index, assessments: pd.DataFrame | None, grid: Grid,
             catalogue: _Catalogue, scale: Scale,
             profiles: Mapping[str, Profile] | None) -> _Context:
    n = len(assessment_ids)
    phase_ids = list(catalogue.phase_ids)
    phase = np.full(n, -1, dtype=np.int64)
    profile = np.full(n, -1, dtype=np.int64)
    cte = np.zeros(n, dtype=bool)
    used: list[str] = []
    if assessments is not None and len(assessments):
        assessments = assessments[assessments["assessment"].notna()]
        rows = assessment_ids.get_indexer(assessments["assessment"])
        if "phase" in assessments.columns:
            codes, values = _codes(assessments["phase"])
            table = [-1 if _is_blank(v) else phase_ids.index(str(v)) if str(v) in phase_ids else -2
                     for v in values]
            found = _lookup(codes, table)
            problems = [t("scoring.unknown_phase", phase=v,
                          assessment=assessments["assessment"].iloc[int(np.argmax(codes == k))],
                          valid=", ".join(phase_ids) or "—")
                        for k, v in enumerate(values) if table[k] == -2]
            if problems:
                raise ScaleError(t("scoring.invalid_context"), problems)
            phase[rows] = found
        if "profile" in assessments.columns:
            codes, values = _codes(assessments["profile"])
            used = sorted({str(v) for v in values if not _is_blank(v)})
            table = [-1 if _is_blank(v) else used.index(str(v)) for v in values]
            profile[rows] = _lookup(codes, table)
        if "cte" in assessments.columns:
            codes, values = _codes(assessments["cte"])
            table = [int(v is True or (not _is_blank(v) and fold_key(v) in _TRUE)) for v in values]
            cte[rows] = _lookup(codes, table) > 0

    targets = _default_targets(phase, catalogue, scale)
    if used:
        profiles = load_profiles() if profiles is None else profiles
        unknown = [p for p in used if p not in profiles]
        if unknown:
            raise ScaleError(t("scale.unknown_profile", name=", ".join(unknown),
                               valid=", ".join(profiles) or "—"))
        for k, name in enumerate(used):
            section_targets = profiles[name].section_targets(grid)
            targets[profile == k] = [np.nan if section_targets[s] is None else section_targets[s]
                                     for s in catalogue.section_ids]
    table = pd.DataFrame({"assessment": _category(np.arange(n), assessment_ids),
                          "phase": _category(phase, phase_ids), "profile": _category(profile, used),
                          "cte": cte})
    return _Context(table=table, cte=cte, phase=phase, targets=targets)


def _default_targets(phase_index: np.ndarray, catalogue: _Catalogue, scale: Scale) -> np.ndarray:
    """Targets from each project's current phase: passed phases, current phase, later ones."""
    def value(target: float | None) -> float:
        return np.nan if target is None else float(target)

    n_sections = len(catalogue.section_ids)
    goals = scale.targets
    if len(catalogue.phase_ids) == 0:
        return np.full((len(phase_index), n_sections), value(goals.without_phases))
    current = phase_index[:, None]
    section_phase = catalogue.section_phase[None, :]
    targets = np.where(section_phase < current, value(goals.passed),
                       np.where(section_phase == current, value(goals.current), value(goals.later)))
    unknown = (current < 0) | (section_phase < 0)
    return np.where(unknown, value(goals.unknown_phase), targets).astype(float)


# --- the computation ------------------------------------------------------------------


def _runs(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of an int64 array, sorted, with how many times each occurs."""
    if packed.size == 0:
        return packed, packed
    ordered = np.sort(packed)
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    counts = np.diff(np.append(starts, ordered.size))
    return ordered[starts], counts


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is 0 (and no warning)."""
    numerator = np.asarray(numerator, dtype=float)
    out = np.full(np.broadcast(numerator, denominator).shape, np.nan)
    return np.divide(numerator, denominator, out=out, where=np.asarray(denominator) > 0)


def _level_stats(counts: np.ndarray, scale: Scale) -> dict[str, np.ndarray]:
    """Statistics of the level answers of each group, from its counts per answer slot.

    `counts` is slot-major: row k holds, for every group, how many answers fell in slot k
    of `scale.slots()` (levels first), so each pass below reads one contiguous row. Median,
    min and max are read off running counts: no answer is ever sorted.
    """
    top = scale.max_level
    levels = counts[:top + 1]
    n_groups = counts.shape[1]
    n = levels.sum(axis=0, dtype=np.int64)
    total = np.zeros(n_groups, dtype=np.int64)
    squares = np.zeros(n_groups, dtype=np.int64)
    lowest = np.full(n_groups, np.nan)
    highest = np.full(n_groups, np.nan)
    for level in range(top + 1):
        row = levels[level]
        total += level * row
        squares += level * level * row
        answered = row > 0
        highest[answered] = level
        lowest[answered & np.isnan(lowest)] = level
    mean = _divide(total, n)
    has = n > 0
    std = np.sqrt(np.maximum(_divide(squares, n) - mean * mean, 0.0))
    # The two middle answers (the same one when n is odd) sit at the first level where the
    # running count exceeds their rank.
    low_rank, high_rank = (n - 1) // 2, n // 2
    running = np.zeros(n_groups, dtype=np.int64)
    middle = np.zeros(n_groups, dtype=np.int64)
    for level in range(top):
        running += levels[level]
        middle += (running <= low_rank).astype(np.int64) + (running <= high_rank)
    median = np.where(has, middle / 2.0, np.nan)
    close = np.zeros(n_groups, dtype=np.int64)
    for level in range(top + 1):
        close += levels[level] * (np.abs(level - median) <= scale.agreement_within + 1e-9)
    stats = {
        "n": n, "median": median, "mean": mean, "min": lowest, "max": highest,
        "std": np.where(has, std, np.nan), "agreement": _divide(close, n),
        # One definition of a disagreement (the list, its percentages and the summary use
        # it): enough answers, spread wide enough, and someone away from the median, so a
        # listed point never reads « Accord 100 % ».
        "hotspot": has & (n >= scale.hotspot_min_answers)
        & (np.nan_to_num(highest - lowest) >= scale.hotspot_spread) & (close < n),
    }
    for slot, value in enumerate(scale.slots()[top + 1:], start=top + 1):
        stats[f"n_{value}"] = counts[slot].astype(np.int64)
    return stats


def _category(codes: np.ndarray, categories: Any) -> pd.Categorical:
    """An id column: integer codes into a small set of ids (-1 for missing), no string copies."""
    return pd.Categorical.from_codes(np.asarray(codes), categories=pd.Index(list(categories)))


def _codes_of(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """(codes, distinct values) of an array of ids or texts, None as -1: for `_category`."""
    distinct = list(dict.fromkeys(v for v in values if v is not None))
    return np.array([-1 if v is None else distinct.index(v) for v in values], dtype=np.int64), distinct


def _bands(scores: np.ndarray, scale: Scale) -> tuple[pd.Categorical, pd.Categorical]:
    """Band id and label of each score; missing where the score is missing."""
    ordered = sorted(scale.bands, key=lambda b: b.min)
    mins = np.array([b.min for b in ordered])
    index = np.clip(np.searchsorted(mins, np.nan_to_num(scores, nan=0.0), side="right") - 1,
                    0, len(ordered) - 1)
    index = np.where(np.isnan(scores), -1, index)
    return (_category(index, [b.id for b in ordered]),
            _category(index, [b.label for b in ordered]))


def _frame(columns: dict[str, Any]) -> pd.DataFrame:
    """A DataFrame over freshly computed arrays, without copying them into blocks."""
    return pd.DataFrame(columns, copy=False)


def _compute(encoded: _Encoded, context: _Context, grid: Grid, catalogue: _Catalogue,
             scale: Scale) -> Scores:
    n_a, n_i, n_s = len(encoded.assessment_ids), len(catalogue.ids), len(catalogue.section_ids)
    top = float(scale.max_level)
    slots = scale.slots()
    n_slots = len(slots)
    non_levels = [v.value for v in scale.non_levels]
    grid_shape = (n_a, n_i)

    # Per (assessment, item): how many answers fell in each slot, then the team statistics.
    n_groups = n_a * n_i
    group = encoded.assessment * n_i + encoded.item
    counts = np.bincount(encoded.slot * n_groups + group, minlength=n_slots * n_groups)
    counts = counts.reshape(n_slots, n_groups)
    per_item = {name: values.reshape(grid_shape)
                for name, values in _level_stats(counts, scale).items()}
    slot_counts = counts.reshape(n_slots, n_a, n_i)

    agreed_slot = encoded.agreed_slot
    agreed_level = np.where((agreed_slot >= 0) & (agreed_slot <= top), agreed_slot, np.nan)
    value = np.where(agreed_slot > top, np.nan,
                     np.where(np.isnan(agreed_level), per_item["median"], agreed_level))
    na_slots = [slots.index(v) for v in scale.not_applicable_values()]
    other_slots = [k for k in range(int(top) + 1, n_slots) if k not in na_slots]
    said_na = slot_counts[na_slots].sum(axis=0)
    said_other = slot_counts[other_slots].sum(axis=0)
    team_na = np.isin(agreed_slot, na_slots) | (
        (agreed_slot < 0) & (per_item["n"] == 0) & (said_na > 0) & (said_other == 0))
    in_context = ~(catalogue.cte[None, :] & ~context.cte[:, None])
    applicable = in_context & ~team_na

    # Stage scores: weighted mean of the team values of the scored items, over the top level.
    scored = applicable & catalogue.scored[None, :]
    answered = scored & ~np.isnan(value)
    stage_key = (np.arange(n_a)[:, None] * n_s + catalogue.section[None, :]).ravel()

    def per_stage(values: np.ndarray) -> np.ndarray:
        return np.bincount(stage_key, np.asarray(values, float).ravel(), n_a * n_s).reshape(n_a, n_s)

    weighted = per_stage(np.where(answered, value, 0.0) * catalogue.weight)
    weights = per_stage(answered * catalogue.weight)
    stage_score = _divide(weighted, weights) / top * 100.0
    n_answered = per_stage(answered).astype(np.int64)
    n_applicable = per_stage(scored).astype(np.int64)
    stage_counts = {v: per_stage(per_item[f"n_{v}"] * catalogue.scored).astype(np.int64)
                    for v in non_levels}
    target = context.targets
    gap = _gap(target, stage_score)

    # Per item: the level still missing to reach its stage's target.
    target_level = np.where(applicable, np.ceil(target[:, catalogue.section] / 100.0 * top - 1e-9),
                            np.nan)
    reached = applicable & ~np.isnan(value) & ~np.isnan(target_level)
    missing_level = np.full(grid_shape, np.nan)
    missing_level[reached] = np.maximum(0.0, target_level[reached] - value[reached])
    # A critical point flags only where its stage has a target: a stage of a phase the project
    # has not reached yet (no target) holds critical points « à venir », not alerts.
    has_target = ~np.isnan(target[:, catalogue.section])
    critical_criterion = ((catalogue.critical != None)[None, :]  # noqa: E711
                          & catalogue.is_criterion[None, :] & applicable)
    below = np.nan_to_num(value, nan=np.inf) < scale.flag_below
    flagged = critical_criterion & below & has_target
    upcoming = critical_criterion & ~has_target & ~(np.nan_to_num(value, nan=-np.inf)
                                                    >= scale.flag_below)

    criteria_idx = np.flatnonzero(catalogue.is_criterion)
    method_idx = np.flatnonzero(~catalogue.is_criterion)

    def items_frame(idx: np.ndarray, columns: dict[str, Any]) -> pd.DataFrame:
        """One row per (assessment, item of idx), assessment-major, items in grid order."""
        data: dict[str, Any] = {
            "assessment": _category(np.repeat(np.arange(n_a), len(idx)), encoded.assessment_ids),
            "item": _category(np.tile(np.arange(len(idx)), n_a), catalogue.ids[idx]),
            "section_id": _category(np.tile(catalogue.section[idx], n_a), catalogue.section_ids),
        }
        for name, values in columns.items():
            categories = None
            if isinstance(values, tuple):  # (codes, ids): an id column
                values, categories = values
            if isinstance(values, np.ndarray) and values.ndim == 2 and values.shape == grid_shape:
                values = values[:, idx].ravel()
            elif isinstance(values, np.ndarray) and values.ndim == 1 and len(values) == n_i:
                values = np.tile(values[idx], n_a)
            data[name] = values if categories is None else _category(values, categories)
        return _frame(data)

    stat_columns = ("n", "median", "mean", "min", "max", "std", "agreement", "hotspot")
    criteria = items_frame(criteria_idx, {
        **{name: per_item[name] for name in stat_columns},
        "agreed": agreed_level, "value": value,
        **{f"n_{v}": per_item[f"n_{v}"] for v in non_levels},
        "applicable": applicable, "target_level": target_level, "missing_level": missing_level,
        "critical": _codes_of(catalogue.critical), "weight": catalogue.weight,
    })
    flag_rows = np.flatnonzero(flagged[:, criteria_idx].ravel())
    flags = criteria.iloc[flag_rows][["assessment", "item", "section_id", "value", "critical"]] \
        .rename(columns={"critical": "reason"}).reset_index(drop=True)
    upcoming_rows = np.flatnonzero(upcoming[:, criteria_idx].ravel())
    upcoming_points = criteria.iloc[upcoming_rows][
        ["assessment", "item", "section_id", "value", "critical"]] \
        .rename(columns={"critical": "reason"}).reset_index(drop=True)

    methods = items_frame(method_idx, {
        **_method_status(slot_counts, agreed_slot, scale),
        "n": per_item["n"], "median": per_item["median"], "value": value,
        "applicable": applicable, "scored": catalogue.scored, "target_level": target_level,
        "missing_level": missing_level, "cte": catalogue.cte, "weight": catalogue.weight,
    })

    assessments = _category(np.repeat(np.arange(n_a), n_s), encoded.assessment_ids)
    band, band_label = _bands(stage_score.ravel(), scale)
    stages = _frame({
        "assessment": assessments,
        "section_id": _category(np.tile(np.arange(n_s), n_a), catalogue.section_ids),
        "score": stage_score.ravel(), "band": band, "band_label": band_label,
        "completeness": _divide(n_answered, n_applicable).ravel(),
        "n_answered": n_answered.ravel(), "n_applicable": n_applicable.ravel(),
        "target": target.ravel(), "gap": gap.ravel(),
        "basis": _category(np.tile(catalogue.basis == "methods", n_a).astype(np.int64),
                           ["criteria", "methods"]),
        "phase_id": _category(np.tile(catalogue.section_phase, n_a), catalogue.phase_ids),
        **{f"n_{v}": stage_counts[v].ravel() for v in non_levels},
    })

    phase_score, phase_completeness, phase_target, overall_score = _phase_and_overall(
        stage_score, n_answered, n_applicable, target, catalogue)
    n_p = len(catalogue.phase_ids)
    band, band_label = _bands(phase_score.ravel(), scale)
    phases = _frame({
        "assessment": _category(np.repeat(np.arange(n_a), n_p), encoded.assessment_ids),
        "phase_id": _category(np.tile(np.arange(n_p), n_a), catalogue.phase_ids),
        "score": phase_score.ravel(), "band": band, "band_label": band_label,
        "completeness": phase_completeness.ravel(), "target": phase_target.ravel(),
        "gap": _gap(phase_target, phase_score).ravel(),
    })

    band, band_label = _bands(overall_score, scale)
    overall = _frame({
        "assessment": _category(np.arange(n_a), encoded.assessment_ids),
        "score": overall_score, "band": band, "band_label": band_label,
        "completeness": _divide(n_answered.sum(axis=1), n_applicable.sum(axis=1)),
        "n_answered": n_answered.sum(axis=1), "n_applicable": n_applicable.sum(axis=1),
        "n_respondents": np.bincount(encoded.respondent_assessment, minlength=n_a),
        "n_flags": flagged.sum(axis=1),
        **{f"n_{v}": stage_counts[v].sum(axis=1) for v in non_levels},
    })

    return Scores(
        grid_id=grid.id, criteria=criteria,
        criteria_by_role=_by_role(encoded, catalogue, scale),
        stages=stages, phases=phases, overall=overall,
        respondent_stages=_respondent_stages(encoded, catalogue, context, scale),
        flags=flags, methods=methods, context=context.table, upcoming=upcoming_points,
    )


def _gap(target: np.ndarray, score: np.ndarray) -> np.ndarray:
    """max(0, target − score); NaN when either is missing."""
    gap = np.full(np.shape(score), np.nan)
    both = ~np.isnan(target) & ~np.isnan(score)
    gap[both] = np.maximum(0.0, target[both] - score[both])
    return gap


def _phase_and_overall(stage_score: np.ndarray, n_answered: np.ndarray, n_applicable: np.ndarray,
                       target: np.ndarray, catalogue: _Catalogue
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Phase score = mean of its stages' scores (stages with data); overall = mean of all.

    Phase completeness pools its stages' counts; a phase's target is the mean of its
    stages' targets.
    """
    has_score = ~np.isnan(stage_score)
    filled = np.where(has_score, stage_score, 0.0)
    membership = np.zeros((len(catalogue.section_ids), len(catalogue.phase_ids)))
    in_phase = catalogue.section_phase >= 0
    membership[np.flatnonzero(in_phase), catalogue.section_phase[in_phase]] = 1.0
    has_target = ~np.isnan(target)
    return (_divide(filled @ membership, has_score @ membership),
            _divide(n_answered @ membership, n_applicable @ membership),
            _divide(np.where(has_target, target, 0.0) @ membership, has_target @ membership),
            _divide(filled.sum(axis=1), has_score.sum(axis=1)))


def _method_status(slot_counts: np.ndarray, agreed_slot: np.ndarray, scale: Scale
                   ) -> dict[str, Any]:
    """The team's status on each item as a method: the agreed answer, else the most frequent.

    Ties go to the answer with the lowest level (a split team keeps seeing the method among
    its recommendations); « does not apply » loses ties to any level. Returns the columns
    status, agreed and n_<answer> as (assessments, items) arrays.
    """
    by_slot = sorted(scale.slot_of("method").items(), key=lambda pair: pair[1])
    answers = [answer for answer, _ in by_slot]
    slot_numbers = np.array([slot for _, slot in by_slot])
    per_answer = slot_counts[slot_numbers]
    status = np.where(per_answer.sum(axis=0) > 0, np.argmax(per_answer, axis=0), -1)
    agreed = np.full(agreed_slot.shape, -1)
    for k, slot in enumerate(slot_numbers):
        agreed[agreed_slot == slot] = k
    status = np.where(agreed >= 0, agreed, status)
    columns: dict[str, Any] = {"status": (status, answers), "agreed": (agreed, answers)}
    columns.update({f"n_{answer}": per_answer[k].astype(np.int64)
                    for k, answer in enumerate(answers)})
    return columns


def _by_role(encoded: _Encoded, catalogue: _Catalogue, scale: Scale) -> pd.DataFrame:
    """Team statistics per (assessment, criterion, role), for the roles that answered."""
    n_i, n_r, n_slots = len(catalogue.ids), max(len(scale.roles), 1), len(scale.slots())
    rows = catalogue.is_criterion[encoded.item] if n_i else np.zeros(0, bool)
    combo = (encoded.assessment[rows] * n_i + encoded.item[rows]) * n_r + encoded.role[rows]
    # Few (criterion, role) pairs are answered out of all possible ones: count the distinct
    # (pair, slot) keys after a sort rather than in a dense table.
    keys, key_counts = _runs(combo * n_slots + encoded.slot[rows])
    combos = keys // n_slots
    new = np.concatenate(([True], combos[1:] != combos[:-1])) if combos.size else np.zeros(0, bool)
    combo_keys = combos[new]
    counts = np.zeros((n_slots, len(combo_keys)), dtype=np.int64)
    counts[keys % n_slots, np.cumsum(new) - 1] = key_counts
    stats = _level_stats(counts, scale)
    item = (combo_keys // n_r) % max(n_i, 1)
    data: dict[str, Any] = {
        "assessment": _category(combo_keys // n_r // max(n_i, 1), encoded.assessment_ids),
        "item": _category(item, catalogue.ids),
        "section_id": _category(catalogue.section[item], catalogue.section_ids),
        "role": _category(combo_keys % n_r, scale.role_ids()),
    }
    data.update(stats)
    return _frame(data)


def _respondent_stages(encoded: _Encoded, catalogue: _Catalogue, context: _Context,
                       scale: Scale) -> pd.DataFrame:
    """Each respondent's own stage scores (their answers, no median): respondents × sections."""
    n_p, n_s = len(encoded.respondent_name), len(catalogue.section_ids)
    top = scale.max_level
    item = encoded.item
    if len(catalogue.ids):
        in_context = ~(catalogue.cte[item] & ~context.cte[encoded.assessment])
        counted = catalogue.scored[item] & in_context & (encoded.slot <= top)
    else:
        counted = np.zeros(0, bool)
    key = encoded.respondent[counted] * n_s + catalogue.section[item[counted]]
    weight = catalogue.weight[item[counted]]
    total = np.bincount(key, weight * encoded.slot[counted], n_p * n_s)
    weights = np.bincount(key, weight, n_p * n_s)
    return _frame({
        "assessment": _category(np.repeat(encoded.respondent_assessment, n_s),
                                encoded.assessment_ids),
        "respondent": _category(np.repeat(encoded.respondent_name, n_s), encoded.respondent_names),
        "role": _category(np.repeat(encoded.respondent_role, n_s), scale.role_ids()),
        "section_id": _category(np.tile(np.arange(n_s), n_p), catalogue.section_ids),
        "score": _divide(total, weights) / top * 100.0,
        "n_answered": np.bincount(key, minlength=n_p * n_s).astype(np.int64),
    })


# --- recommendations ------------------------------------------------------------------

RECOMMENDATION_COLUMNS = ["assessment", "rank", "section_id", "phase_id", "method", "kind", "text",
                          "because", "priority", "cte", "status"]


def recommend(scores: Scores, grid: Grid, *, assessments: pd.DataFrame | None = None,
              scale: Scale | None = None) -> pd.DataFrame:
    """The grid's own methods that close each stage's gap, ranked by a documented priority.

    For every stage with a gap (score below target): its methods that the team has not put
    in place (status neither adopted nor « does not apply »), CTE-only methods only for CTE
    projects. Priority (docs/scoring.md):

        need(stage)    = Σ over its applicable criteria below their target level of
                         missing_level × weight × (critical_factor if critical else 1)
        priority(m)    = need(stage) × weight(m)

    A stage scored from its methods (S12): priority(m) = level m still misses (its whole
    target level when unanswered) × weight(m) × criticality. A section without methods
    (dialogue axes) recommends its weak criteria themselves: priority = that criterion's
    term of need. Order: earlier phases first (sections without a phase last), then higher
    priority, then grid order; `rank` counts from 1 within each assessment.

    Args:
        scores: the result of `score`.
        grid: the grid that was scored.
        assessments: optional (assessment, cte) to decide again which CTE-only methods may
            be recommended; scores keep the context they were computed with.
        scale: the answer scale (data/scale.yaml when None).

    Returns:
        DataFrame with columns assessment, rank, section_id, phase_id, method, kind
        ("method" or "criterion"), text, because (list of criterion ids), priority, cte
        (the method is CTE-only), status (the team's current answer, or None).
    """
    scale = scale or load_scale()
    catalogue = _Catalogue.of(grid)
    position = {item_id: k for k, item_id in enumerate(catalogue.ids)}
    cte = scores.context.set_index("assessment")["cte"]
    if assessments is not None and "cte" in assessments.columns:
        override = assessments.set_index("assessment")["cte"].map(
            lambda v: (not _is_blank(v)) and (v is True or fold_key(v) in _TRUE))
        cte = override.reindex(cte.index).fillna(cte).astype(bool)

    stages = scores.stages
    gaps = stages.loc[stages["gap"] > 0, ["assessment", "section_id", "phase_id"]]
    section_has_methods = dict(zip(catalogue.section_ids, catalogue.has_methods))
    section_basis = dict(zip(catalogue.section_ids, catalogue.basis))
    factor = scale.critical_factor

    criteria = scores.criteria
    weak = criteria.loc[(criteria["missing_level"] > 0) & criteria["applicable"]].copy()
    weak["need"] = weak["missing_level"] * weak["weight"] * np.where(
        weak["critical"].notna(), factor, 1.0)
    keys = ["assessment", "section_id"]
    need = _stage_needs(weak)

    methods = scores.methods
    skip = set(scale.adopted_method_values()) | set(scale.not_applicable_values())
    # A CTE-only method is « not applicable » outside CTE: decide on the (possibly overridden)
    # context here; one the team says does not apply has status « na » and is skipped anyway.
    european = methods["assessment"].map(cte).fillna(False).astype(bool)
    open_methods = methods.loc[(methods["applicable"] | methods["cte"]) & (~methods["cte"] | european)
                               & ~methods["status"].isin(skip)]
    open_methods = open_methods.merge(gaps, on=keys)

    with_methods = gaps["section_id"].map(section_has_methods).fillna(False).astype(bool)
    criteria_basis = gaps["section_id"].map(section_basis) == "criteria"

    # Stages scored from their criteria: every open method shares the stage's need.
    from_criteria = open_methods.loc[open_methods["section_id"].map(section_basis) == "criteria"] \
        .merge(need, on=keys)
    from_criteria["priority"] = from_criteria["need"] * from_criteria["weight"]

    # Stages scored from their methods: each method's own missing level.
    from_methods = open_methods.loc[open_methods["section_id"].map(section_basis) == "methods"].copy()
    own_gap = from_methods["missing_level"].fillna(from_methods["target_level"])
    critical = from_methods["item"].map(lambda i: catalogue.critical[position[i]] is not None)
    from_methods["priority"] = own_gap * from_methods["weight"] * np.where(critical, factor, 1.0)
    from_methods["because"] = [[] for _ in range(len(from_methods))]
    from_methods = from_methods.loc[from_methods["priority"] > 0]

    # Sections without methods (dialogue axes): their weak criteria are the recommendation.
    levers = weak.merge(gaps.loc[~with_methods & criteria_basis], on=keys)
    levers = levers.assign(priority=levers["need"], because=[[i] for i in levers["item"]],
                           status=None, cte=levers["item"].map(
                               lambda i: bool(catalogue.cte[position[i]])))

    parts = []
    for frame, kind in ((from_criteria, "method"), (from_methods, "method"), (levers, "criterion")):
        if len(frame):
            parts.append(pd.DataFrame({
                "assessment": frame["assessment"].to_numpy(), "section_id": frame["section_id"].to_numpy(),
                "phase_id": frame["phase_id"].to_numpy(), "method": frame["item"].to_numpy(),
                "kind": kind, "because": frame["because"].to_numpy(),
                "priority": frame["priority"].to_numpy(dtype=float),
                "cte": frame["cte"].to_numpy(dtype=bool),
                "status": frame["status"].to_numpy() if "status" in frame else None}))
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in RECOMMENDATION_COLUMNS})
    table = pd.concat(parts, ignore_index=True)
    order_of_assessment = {a: k for k, a in enumerate(scores.context["assessment"])}
    section_phase = dict(zip(catalogue.section_ids, catalogue.section_phase))
    table["text"] = table["method"].map(lambda i: catalogue.texts[position[i]])
    phase_rank = table["section_id"].map(section_phase)
    table = table.assign(
        _assessment=table["assessment"].map(order_of_assessment),
        _phase=np.where(phase_rank >= 0, phase_rank, len(catalogue.phase_ids)),
        _priority=-table["priority"].round(9),
        _position=table["method"].map(position),
    ).sort_values(["_assessment", "_phase", "_priority", "_position"], kind="stable")
    table["rank"] = table.groupby("_assessment").cumcount() + 1
    return table[RECOMMENDATION_COLUMNS].reset_index(drop=True)


def _stage_needs(weak: pd.DataFrame) -> pd.DataFrame:
    """Per (assessment, stage): the sum of its criteria's weighted gaps and their ids, in grid order.

    Summed with numpy over runs of rows rather than a groupby building Python lists per group.
    """
    columns = ["assessment", "section_id", "need", "because"]
    if weak.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    key = (_as_codes(weak["assessment"]) * (int(_as_codes(weak["section_id"]).max()) + 1)
           + _as_codes(weak["section_id"]))
    order = np.argsort(key, kind="stable")  # keeps grid order within a stage
    weak = weak.iloc[order]
    key = key[order]
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    needs = weak.iloc[starts][["assessment", "section_id"]].reset_index(drop=True)
    needs["need"] = np.add.reduceat(weak["need"].to_numpy(dtype=float), starts)
    needs["because"] = [list(ids) for ids in np.split(weak["item"].to_numpy(dtype=object), starts[1:])]
    return needs


def _as_codes(column: pd.Series) -> np.ndarray:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype(np.int64)
    return pd.factorize(column, sort=True)[0].astype(np.int64)


# --- JSON report ----------------------------------------------------------------------


def _number(value: Any, digits: int) -> float | None:
    """A rounded float for JSON; None (never NaN) for a missing value."""
    if value is None or value is pd.NA:
        return None
    value = float(value)
    return None if math.isnan(value) else round(value, digits)


def _text(value: Any) -> str | None:
    """A string for JSON; None for a missing one (pandas may hold it as NaN)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def _level(value: Any) -> int | None:
    number = _number(value, 0)
    return None if number is None else int(number)


def to_report(scores: Scores, recommendations: pd.DataFrame | None, assessment_id: Any,
              grid: Grid) -> dict[str, Any]:
    """The documented JSON report of one assessment (docs/scoring.md), None for missing scores.

    Scores and gaps are rounded to 0.1, completeness and agreement to 0.001, means and
    priorities to 0.01. `criteria` lists the criteria that received at least one answer;
    `upcoming` the critical points « à venir » (stages the project's phase has not reached).

    Raises:
        AnswersError: the assessment is not in `scores`.
    """
    if assessment_id not in set(scores.context["assessment"]):
        raise AnswersError(t("scoring.unknown_assessment", assessment=assessment_id,
                             valid=", ".join(map(str, scores.assessments())) or "—"))

    def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
        return frame.loc[frame["assessment"] == assessment_id].to_dict("records")

    overall = rows(scores.overall)[0]
    non_level_columns = [c for c in scores.criteria.columns
                         if c.startswith("n_") and c != "n"]
    answered_criteria = [
        c for c in rows(scores.criteria)
        if c["n"] > 0 or any(c[k] > 0 for k in non_level_columns) or not pd.isna(c["agreed"])]
    recommendations = (recommendations.loc[recommendations["assessment"] == assessment_id]
                       if recommendations is not None and len(recommendations)
                       else pd.DataFrame(columns=RECOMMENDATION_COLUMNS))
    return {
        "grid": grid.id,
        "overall": {"score": _number(overall["score"], 1), "band": _text(overall["band"])},
        "completeness": _number(overall["completeness"], 3),
        "stages": [{"id": s["section_id"], "score": _number(s["score"], 1), "band": _text(s["band"]),
                    "completeness": _number(s["completeness"], 3),
                    "target": _number(s["target"], 1), "gap": _number(s["gap"], 1),
                    "basis": s["basis"]} for s in rows(scores.stages)],
        "phases": [{"id": p["phase_id"], "score": _number(p["score"], 1), "band": _text(p["band"]),
                    "completeness": _number(p["completeness"], 3),
                    "target": _number(p["target"], 1), "gap": _number(p["gap"], 1)}
                   for p in rows(scores.phases)],
        "criteria": [{"id": c["item"], "median": _number(c["median"], 2),
                      "mean": _number(c["mean"], 2), "min": _level(c["min"]),
                      "max": _level(c["max"]), "n": int(c["n"]),
                      "agreement": _number(c["agreement"], 3), "hotspot": bool(c["hotspot"])}
                     for c in answered_criteria],
        "recommendations": [{"rank": int(r["rank"]), "stage": r["section_id"],
                             "method": r["method"], "because": list(r["because"]),
                             "priority": _number(r["priority"], 2)}
                            for r in recommendations.to_dict("records")],
        "flags": [{"item": f["item"], "stage": f["section_id"], "value": _number(f["value"], 2),
                   "reason": _text(f["reason"])} for f in rows(scores.flags)],
        "upcoming": [{"item": u["item"], "stage": u["section_id"], "value": _number(u["value"], 2),
                      "reason": _text(u["reason"])} for u in rows(scores.upcoming)],
    }
