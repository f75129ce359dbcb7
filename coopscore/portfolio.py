"""The portfolio of projects side by side: latest assessment per project, quartiles, exports.

What a facilitator comparing territories and a funder reading a portfolio need, computed
from the scored tables of `results.score_assessments` with vectorised pandas: one row per
project (assessed or not), a stage × project matrix of scores, the portfolio's quartiles per
stage, filters, headline figures, and exports whose cells a spreadsheet cannot execute.
Pure library: the pages cache and draw it.
"""

from __future__ import annotations

import functools
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .exchange import neutralise
from .grid import Grid, available_grids, load_grid
from . import format as fmt
from .i18n import t
from . import labels as labels_module
from .labels import shorten
from .markup import escape_plotly
from .results import Results
from .scale import Scale

NOT_ASSESSED = "non_evalue"  # band id of a project with no scored assessment on the grid
DEFAULT_COMPARED = 4
FLAG_TEXT_WIDTH: int | None = None  # critical points in full (exports are filed)

TABLE_COLUMNS = [
    "project", "name", "territory", "programme", "programme_label", "phase", "phase_label",
    "assessment", "assessment_label", "date", "status", "score", "band", "band_label",
    "completeness", "n_respondents", "n_flags", "flags", "mean_gap", "n_upcoming", "profile",
    "profile_label", "risk", "risk_short",
]


# --- labels -----------------------------------------------------------------------------


def short_text(text: str, width: int) -> str:
    """`text` cut at a word boundary to at most `width` characters, ending with « … » if cut."""
    return shorten(str(text), width)


def stage_labels(grid: Grid, width: int = 24) -> tuple[dict[str, str], dict[str, str]]:
    """Short and full label of every stage (section), in grid order.

    Returns:
        ({section id: « 1. Identifier un besoin… »}, {section id: « Étape 1 — full title »}).
    """
    short = labels_module.stage_labels(grid, width)
    full = {s.id: f"{grid.label('section')} {s.number} — {s.title}" for s in grid.sections}
    return short, full


def wrapped_text(text: str, width: int, lines: int = 1, separator: str = "<br>") -> str:
    """`text` on at most `lines` lines of about `width` characters (plotly breaks: « <br> »).

    With the « <br> » separator the lines are plotly labels: `<`, `>`, `&` are escaped.

    Lines break between words; what does not fit ends the last line with « … ».
    """
    words = " ".join(str(text).split()).split(" ")
    out: list[str] = []
    current = ""
    for position, word in enumerate(words):
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width or not current:
            current = candidate
            continue
        out.append(short_text(current, width))  # a single word may be longer than a line
        current = word
        if len(out) == lines:
            rest = " ".join([out.pop(), *words[position:]])
            out.append(short_text(rest, width))
            current = ""
            break
    if current:
        out.append(current if len(current) <= width else short_text(current, width))
    if separator == "<br>":  # a plotly label: what was typed is shown, never rendered
        out = [escape_plotly(line) for line in out]
    return separator.join(out)


def unique_labels(names: Sequence[str], width: int = 40, lines: int = 1) -> list[str]:
    """Names shortened for a chart, made unique (a repeated label gets « (2) », « (3) »...)."""
    labels: list[str] = []
    seen: dict[str, int] = {}
    for name in names:
        label = wrapped_text(name, width, lines)
        seen[label] = seen.get(label, 0) + 1
        labels.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return labels


def band_ranges(scale: Scale) -> str:
    """The bands as a person reads them: « Point d'appui : 75 et plus ; À consolider : ... »."""
    bands = sorted(scale.bands, key=lambda band: band.min, reverse=True)
    parts = []
    for position, band in enumerate(bands):
        upper = bands[position - 1].min if position else None
        number = fmt.number(band.min, 2)
        if upper is None:
            parts.append(t("portfolio.band_top", label=band.label, min=number))
        elif band.min <= 0:
            parts.append(t("portfolio.band_bottom", label=band.label, max=fmt.number(upper, 2)))
        else:
            parts.append(t("portfolio.band_middle", label=band.label, min=number, max=fmt.number(upper, 2)))
    return " ; ".join(parts)


def flag_threshold(scale: Scale) -> dict[str, str]:
    """The level under which a critical point raises a flag, and its label (for help texts)."""
    level = next((a for a in scale.levels if a.level == scale.flag_below), None)
    return {"level": fmt.number(scale.flag_below, 2), "label": level.label if level else ""}


def phase_titles() -> dict[str, str]:
    """{phase id: title} over every shipped grid: the values a project's phase may take."""
    return dict(_phase_titles())


@functools.cache
def _phase_titles() -> tuple[tuple[str, str], ...]:
    titles: dict[str, str] = {}
    for grid_id in available_grids():
        for phase in load_grid(grid_id).phases:
            titles.setdefault(phase.id, phase.title)
    return tuple(titles.items())


# --- which results --------------------------------------------------------------------


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\-]", str(version)))


def grid_results(portfolio: Mapping[tuple[str, str], Results], grid_id: str) -> Results | None:
    """The results of the newest version of `grid_id` that has assessments, or None.

    Stages can change between grid versions, so a comparison stays within one version.
    """
    versions = [version for (gid, version) in portfolio if gid == grid_id]
    if not versions:
        return None
    return portfolio[(grid_id, max(versions, key=_version_key))]


def left_out(projects: pd.DataFrame, portfolio: Mapping[tuple[str, str], Results],
             grid_id: str) -> pd.DataFrame:
    """The projects a comparison on `grid_id` leaves out, each with why, in French.

    A project is compared when it has a scored assessment on the newest version of the grid
    (`grid_results`). Otherwise: it was assessed on other grids only (named), on an older
    version of this grid, has assessments without any level answer yet, or none at all.

    Returns:
        Columns project, name, reason; in the order of `projects`.
    """
    current = grid_results(portfolio, grid_id)
    version = current.grid.version if current is not None else None
    titles: dict[str, str] = {}
    seen: dict[int, set[tuple[str, str]]] = {}
    scored: set[int] = set()
    for (gid, gversion), results in portfolio.items():
        titles[gid] = results.grid.short_title or results.grid.title
        overall = results.scores.overall
        has_score = dict(zip(overall["assessment"].astype("int64"), overall["score"].notna()))
        for assessment, project in zip(results.context["assessment"].astype("int64"),
                                       results.context["project"].astype("int64")):
            seen.setdefault(int(project), set()).add((gid, gversion))
            if gid == grid_id and gversion == version and has_score.get(int(assessment)):
                scored.add(int(project))
    rows = []
    for project, name in zip(projects["id"].astype("int64"), projects["name"]):
        project = int(project)
        if project in scored:
            continue
        grids = seen.get(project, set())
        if not grids:
            reason = t("readings.left_out_never")
        elif (grid_id, version) in grids:
            reason = t("readings.left_out_no_answer")
        elif any(g == grid_id for g, _ in grids):
            reason = t("readings.left_out_old_version")
        else:
            others = sorted({titles[g] for g, _ in grids})
            reason = t("readings.left_out_other_grid", grids=" ; ".join(f"« {g} »" for g in others))
        rows.append({"project": project, "name": name, "reason": reason})
    return pd.DataFrame(rows, columns=["project", "name", "reason"])


def latest_assessments(results: Results) -> pd.DataFrame:
    """One row per project: its latest assessment that has a score, else its latest one.

    « Latest » is by date, then by id. A project whose newest campaign has no answer yet
    keeps showing its last scored campaign rather than a blank.

    Returns:
        Columns project, assessment, date (datetime.date), assessment_label, status, score, band,
        band_label, completeness, n_respondents, n_flags; sorted by project.
    """
    context = results.context
    overall = results.scores.overall
    scored = pd.DataFrame({
        "assessment": overall["assessment"].astype("int64").to_numpy(),
        "score": overall["score"].to_numpy(dtype=float),
        "band": overall["band"].astype(object).to_numpy(),
        "band_label": overall["band_label"].astype(object).to_numpy(),
        "completeness": overall["completeness"].to_numpy(dtype=float),
        "n_respondents": overall["n_respondents"].to_numpy(),
        "n_flags": overall["n_flags"].to_numpy(),
    })
    frame = pd.DataFrame({
        "project": context["project"].astype("int64").to_numpy(),
        "assessment": context["assessment"].astype("int64").to_numpy(),
        "date": context["date"].astype(str).to_numpy(),
        "assessment_label": context["label"].to_numpy(),
        "status": context["status"].to_numpy(),
    }).merge(scored, on="assessment", how="left")
    frame["_scored"] = frame["score"].notna()
    frame = frame.sort_values(["project", "_scored", "date", "assessment"], kind="stable")
    latest = frame.drop_duplicates("project", keep="last").drop(columns="_scored")
    latest["date"] = pd.to_datetime(latest["date"], errors="coerce").dt.date
    return latest.reset_index(drop=True)


def _flag_texts(results: Results, assessments: pd.Series, width: int | None) -> pd.Series:
    """{assessment: « text ; text »} of the critical flags, in grid order (cut to `width`
    characters when given)."""
    flags = results.scores.flags
    if flags.empty:
        return pd.Series(dtype=object)
    texts = {item.id: item.text if width is None else short_text(item.text, width)
             for item in results.grid.criteria()}
    mine = pd.DataFrame({"assessment": flags["assessment"].astype("int64").to_numpy(),
                         "item": flags["item"].astype(str).to_numpy()})
    mine = mine[mine["assessment"].isin(assessments)]
    mine["text"] = mine["item"].map(texts).fillna(mine["item"])
    return mine.groupby("assessment", sort=False)["text"].agg(" ; ".join)


def _risk_readings(results: Results, assessments: pd.Series) -> pd.DataFrame:
    """Per assessment: the mean gap to its targets, its upcoming critical points, the phase
    and profile its targets come from, and its flags' full texts.

    The mean gap is taken over the stages that have both a target and a score: the stages
    the project's phase (or its profile) expects now.
    """
    ids = pd.Index(assessments.dropna().astype("int64").unique())
    out = pd.DataFrame(index=ids)
    stages = results.scores.stages
    if {"target", "gap"} <= set(stages.columns) and len(stages):
        frame = pd.DataFrame({"assessment": stages["assessment"].astype("int64").to_numpy(),
                              "gap": stages["gap"].to_numpy(dtype=float),
                              "target": stages["target"].to_numpy(dtype=float)})
        frame = frame[frame["target"].notna() & frame["gap"].notna()]
        out["mean_gap"] = frame.groupby("assessment")["gap"].mean().reindex(ids)
    else:
        out["mean_gap"] = np.nan
    upcoming = results.scores.upcoming
    if len(upcoming):
        counts = upcoming["assessment"].astype("int64").value_counts()
        out["n_upcoming"] = counts.reindex(ids).fillna(0).astype("int64")
    else:
        out["n_upcoming"] = 0
    context = results.scores.context
    for column in ("phase", "profile"):
        if column in context.columns:
            values = pd.Series(context[column].astype(object).to_numpy(),
                               index=context["assessment"].astype("int64").to_numpy())
            values = values.where(values.notna(), None)
            out[column] = values.reindex(ids).astype(object)
        else:
            out[column] = None
    flags = results.scores.flags
    texts = {item.id: item.text for item in results.grid.criteria()}
    if len(flags):
        mine = pd.DataFrame({"assessment": flags["assessment"].astype("int64").to_numpy(),
                             "item": flags["item"].astype(str).to_numpy()})
        mine["text"] = mine["item"].map(texts).fillna(mine["item"])
        out["flag_texts"] = mine.groupby("assessment", sort=False)["text"].agg(list) \
            .reindex(ids)
    else:
        out["flag_texts"] = None
    out.index.name = "assessment"
    return out


def _quoted(texts: Sequence[str]) -> str:
    return " ; ".join(f"« {text} »" for text in texts)


def risk_reason(*, scored: bool, n_flags: int, flag_texts: Sequence[str], mean_gap: float | None,
                phase: str | None, profile: str | None, n_upcoming: int = 0,
                items: bool = True) -> str:
    """Why a project is (or is not) at risk, in one French sentence that uses its own numbers.

    Args:
        phase: title of the phase its targets come from (None without phase).
        profile: title of the target profile in force (None without one); wins over phase.
        flag_texts: full texts of its critical points below the flag threshold.
        items: False for the same sentence without the critical points' texts (a table
            cell; the whole sentence is read elsewhere).
    """
    if not scored:
        return t("targets.risk_not_assessed")
    parts = []
    suffix = "" if items else "_count"
    if n_flags:
        quoted = _quoted(flag_texts)
        if profile:
            key = "targets.risk_flags_profile_one" if n_flags == 1 else \
                "targets.risk_flags_profile_many"
            parts.append(t(key + suffix, count=n_flags, items=quoted))
        else:
            key = "targets.risk_flags_one" if n_flags == 1 else "targets.risk_flags_many"
            parts.append(t(key + suffix, count=n_flags, items=quoted,
                           phase=phase or t("targets.no_phase")))
    # the gap as the table and the exports write it (half away from zero: 2.5 reads 3)
    gap = None if mean_gap is None or (isinstance(mean_gap, float) and math.isnan(mean_gap)) \
        else int(fmt.rounded(float(mean_gap)))
    if gap:
        parts.append(fmt.plural(gap, "targets.risk_gap_phase", phase=phase)
                     if phase and not profile and not n_flags
                     else fmt.plural(gap, "targets.risk_gap"))
    if not parts:
        if mean_gap is None or (isinstance(mean_gap, float) and math.isnan(mean_gap)):
            sentence = t("targets.risk_no_target")
        else:
            sentence = t("targets.risk_none")
    else:
        text = " ; ".join(parts)
        sentence = text[0].upper() + text[1:] + "."
    if n_upcoming:
        upcoming = t("targets.risk_upcoming_one" if n_upcoming == 1 else
                     "targets.risk_upcoming_many", count=n_upcoming)
        sentence = f"{sentence[:-1]} ({upcoming})."
    return sentence


def at_risk(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a portfolio table whose reading names a risk: a critical point in alert, or
    a mean gap that reads at least 1 point once rounded as it is written (`risk_reason`)."""
    gaps = pd.to_numeric(table["mean_gap"], errors="coerce").fillna(0.0)
    return table[(table["n_flags"] > 0) | (gaps.map(fmt.rounded) > 0)]


def risk_order(table: pd.DataFrame) -> pd.DataFrame:
    """The portfolio table from the most to the least at risk.

    Most critical points below the threshold first (in the stages the project's phase or
    profile expects), then the largest mean gap to those targets, then the lowest index;
    unassessed projects last; ties keep the table's order.
    """
    order = table.assign(
        _unscored=table["score"].isna(),
        _flags=-table["n_flags"],
        _gap=-table["mean_gap"].fillna(0.0).round(1),
        _score=table["score"].fillna(np.inf),
    ).sort_values(["_unscored", "_flags", "_gap", "_score"], kind="stable")
    return order.drop(columns=["_unscored", "_flags", "_gap", "_score"]).reset_index(drop=True)


def portfolio_table(projects: pd.DataFrame, results: Results | None, *,
                    phases: Mapping[str, str] | None = None,
                    flag_width: int | None = FLAG_TEXT_WIDTH) -> pd.DataFrame:
    """Every project with its latest assessment on one grid; unassessed ones say so.

    Args:
        projects: `Store.projects()`.
        results: the scored assessments of one grid version (`grid_results`), or None.
        phases: {phase id: title} for the phase label (`phase_titles()` when None).
        flag_width: length of each critical point's short text in `flags` (None: in full).

    Returns:
        One row per project, in the order of `projects`, columns TABLE_COLUMNS: a project
        without a scored assessment has band NOT_ASSESSED, band_label « pas encore évalué »,
        NaN score and completeness, 0 flags.
    """
    phases = phase_titles() if phases is None else phases
    table = pd.DataFrame({
        "project": projects["id"].astype("int64").to_numpy(),
        "name": projects["name"].to_numpy(),
        "territory": projects["territory_name"].to_numpy(),
        "programme": projects["programme"].to_numpy(),
        "programme_label": projects["programme_label"].to_numpy(),
        "phase": projects["phase"].to_numpy(),
    })
    titles = table["phase"].map(dict(phases)).astype(object)
    table["phase_label"] = titles.where(titles.notna(), table["phase"]).fillna("")
    if results is not None and not results.context.empty:
        latest = latest_assessments(results)
        table = table.merge(latest, on="project", how="left")
        flags = _flag_texts(results, latest["assessment"], flag_width)
        table["flags"] = table["assessment"].map(flags).astype(object)
        readings = _risk_readings(results, latest["assessment"])
        for column in ("mean_gap", "n_upcoming", "phase_used", "profile", "flag_texts"):
            source = {"phase_used": "phase"}.get(column, column)
            table[column] = table["assessment"].map(readings[source]).astype(object) \
                if len(readings) else None
        table["mean_gap"] = pd.to_numeric(table["mean_gap"], errors="coerce").astype(float)
    else:
        for column in ("assessment", "date", "assessment_label", "status", "band", "band_label",
                       "flags", "phase_used", "profile", "flag_texts", "n_upcoming"):
            table[column] = None
        for column in ("score", "completeness", "n_respondents", "n_flags", "mean_gap"):
            table[column] = np.nan
    table["assessment"] = table["assessment"].astype("Int64")
    unscored = table["score"].isna()
    table["band"] = table["band"].where(~unscored, NOT_ASSESSED)
    table["band_label"] = table["band_label"].where(~unscored, t("portfolio.not_assessed"))
    table["n_flags"] = table["n_flags"].fillna(0).astype("int64")
    table["n_respondents"] = table["n_respondents"].fillna(0).astype("int64")
    table["flags"] = table["flags"].fillna("")
    table["n_upcoming"] = pd.to_numeric(table["n_upcoming"], errors="coerce").fillna(0) \
        .astype("int64")
    profile_titles = {pid: p.title for pid, p in _profiles().items()}
    table["profile"] = table["profile"].astype(object).where(table["profile"].notna(), None)
    table["profile_label"] = [profile_titles.get(p, p) if p else
                              t("targets.phase_targets") for p in table["profile"]]
    grid_phases = dict(phases)
    readings = [dict(
        scored=not math.isnan(score) if isinstance(score, float) else score is not None,
        n_flags=int(n_flags), flag_texts=texts if isinstance(texts, list) else [],
        mean_gap=gap, phase=grid_phases.get(phase_used) if phase_used else None,
        profile=profile_titles.get(profile, profile) if profile else None,
        n_upcoming=int(upcoming))
        for score, n_flags, texts, gap, phase_used, profile, upcoming in zip(
            table["score"], table["n_flags"], table["flag_texts"], table["mean_gap"],
            table["phase_used"], table["profile"], table["n_upcoming"])]
    table["risk"] = [risk_reason(**reading) for reading in readings]
    # the same without the critical points' texts: what a table cell holds whole
    table["risk_short"] = [risk_reason(**reading, items=False) for reading in readings]
    return table[TABLE_COLUMNS].reset_index(drop=True)


@functools.cache
def _profile_cache() -> tuple:
    from .scale import load_profiles

    return tuple(load_profiles().items())


def _profiles() -> dict:
    return dict(_profile_cache())


# --- a funder's view ------------------------------------------------------------------


def filter_portfolio(table: pd.DataFrame, *, programmes: Iterable[str] = (),
                     phases: Iterable[str] = (), bands: Iterable[str] = (),
                     critical_only: bool = False) -> pd.DataFrame:
    """The rows matching every filter given; an empty choice means « all »."""
    keep = pd.Series(True, index=table.index)
    for column, chosen in (("programme", programmes), ("phase", phases), ("band", bands)):
        chosen = list(chosen)
        if chosen:
            keep &= table[column].isin(chosen)
    if critical_only:
        keep &= table["n_flags"] > 0
    return table[keep].reset_index(drop=True)


@dataclass(frozen=True)
class PortfolioFigures:
    """The headline numbers of a (filtered) portfolio table."""

    projects: int
    assessed: int
    median_score: float | None
    with_flags: int


def portfolio_figures(table: pd.DataFrame) -> PortfolioFigures:
    """How many projects, how many with a score, their median index, how many with a flag."""
    scores = table["score"].dropna()
    return PortfolioFigures(
        projects=len(table), assessed=len(scores),
        median_score=float(scores.median()) if len(scores) else None,
        with_flags=int((table["n_flags"] > 0).sum()),
    )


# --- a facilitator's comparison ------------------------------------------------------


def default_comparison(table: pd.DataFrame, count: int = DEFAULT_COMPARED,
                       first: int | None = None) -> list[int]:
    """Up to `count` projects that have a score, to start a comparison from.

    `first` (e.g. the project selected elsewhere in the app) leads when it has a score;
    the others follow in table order.
    """
    scored = [int(p) for p in table.loc[table["score"].notna(), "project"]]
    if first is not None and int(first) in scored:
        scored.remove(int(first))
        scored.insert(0, int(first))
    return scored[:count]


def _stage_scores(results: Results, assessments: Iterable[int]) -> pd.DataFrame:
    stages = results.scores.stages
    frame = pd.DataFrame({"assessment": stages["assessment"].astype("int64").to_numpy(),
                          "section_id": stages["section_id"].astype(str).to_numpy(),
                          "score": stages["score"].to_numpy(dtype=float)})
    return frame[frame["assessment"].isin(list(assessments))]


def stage_matrix(results: Results, assessments: Sequence[int]) -> pd.DataFrame:
    """Stage scores (0–100, NaN when missing) of some assessments.

    Returns:
        index = section ids in grid order, columns = `assessments` in the order given.
    """
    sections = [s.id for s in results.grid.sections]
    ids = [int(a) for a in assessments]
    frame = _stage_scores(results, ids)
    matrix = frame.pivot(index="section_id", columns="assessment", values="score")
    matrix = matrix.reindex(index=sections, columns=ids)
    matrix.index.name, matrix.columns.name = "section_id", "assessment"
    return matrix.astype(float)


def stage_quartiles(results: Results, assessments: Iterable[int]) -> pd.DataFrame:
    """First quartile, median and third quartile of each stage's score over some assessments.

    Missing scores are left out; a stage nobody scored has NaN quartiles and n = 0.

    Returns:
        index = section ids in grid order; columns q1, median, q3, n.
    """
    sections = [s.id for s in results.grid.sections]
    frame = _stage_scores(results, assessments).dropna(subset=["score"])
    grouped = frame.groupby("section_id")["score"]
    quartiles = grouped.quantile([0.25, 0.5, 0.75]).unstack() if not frame.empty else \
        pd.DataFrame(columns=[0.25, 0.5, 0.75], dtype=float)
    quartiles.columns = ["q1", "median", "q3"]
    quartiles = quartiles.reindex(sections)
    quartiles["n"] = grouped.size().reindex(sections).fillna(0).astype("int64")
    quartiles.index.name = "section_id"
    return quartiles


TERRITORY_COLUMNS = ["territory", "n_projects", "n_scored", "median", "mean", "low", "high",
                     "n_with_flags", "projects", "scores"]


def _territory_key(name: str) -> str:
    """A territory's sort key: French order, accents and case aside (« Été » next to « Ete »)."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", str(name).casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


def territory_table(table: pd.DataFrame) -> pd.DataFrame:
    """The projects of a portfolio table grouped by their territory: one row per territory.

    A project counts in its own (lead) territory. The figures are over the projects that
    have an index: their median (the mean of the two middle ones for an even count), their
    mean, the lowest and highest; a territory whose projects have no index yet has NaN.

    Args:
        table: rows of `portfolio_table` (the projects compared).

    Returns:
        Columns TERRITORY_COLUMNS, territories in French alphabetical order: n_projects
        (rows of the table), n_scored (with an index), n_with_flags (with a critical point
        in alert), projects (their full names, highest index first, those without one
        last, ties in table order) and scores (their indices, NaN when none, same order).
    """
    rows = []
    frame = table.assign(_position=range(len(table)))
    for territory, group in frame.groupby("territory", sort=False):
        scores = group["score"].astype(float)
        scored = scores.dropna()
        ordered = group.assign(_unscored=scores.isna(), _score=-scores.fillna(0.0)) \
            .sort_values(["_unscored", "_score", "_position"], kind="stable")
        rows.append({
            "territory": territory,
            "n_projects": len(group),
            "n_scored": len(scored),
            "median": float(scored.median()) if len(scored) else np.nan,
            "mean": float(scored.mean()) if len(scored) else np.nan,
            "low": float(scored.min()) if len(scored) else np.nan,
            "high": float(scored.max()) if len(scored) else np.nan,
            "n_with_flags": int((group["n_flags"] > 0).sum()),
            "projects": list(ordered["name"]),
            "scores": [float(s) for s in ordered["score"].astype(float)],
        })
    out = pd.DataFrame(rows, columns=TERRITORY_COLUMNS)
    if out.empty:
        return out
    order = sorted(range(len(out)), key=lambda i: (_territory_key(out.at[i, "territory"]),
                                                   str(out.at[i, "territory"])))
    return out.iloc[order].reset_index(drop=True)


def territory_matrix(matrix: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The median score of each stage over each territory's projects.

    Args:
        matrix: `stage_matrix` of the projects' assessments (stages × assessments).
        table: their rows of `portfolio_table` (assessment, territory).

    Returns:
        index = the matrix's stages, columns = territories in `territory_table` order; NaN
        where none of a territory's projects has a score for that stage.
    """
    territories = territory_table(table)["territory"].tolist()
    if not territories:
        return pd.DataFrame(index=matrix.index, dtype=float)
    scored = table[table["assessment"].notna()]
    where = dict(zip(scored["assessment"].astype("int64"), scored["territory"]))
    columns = [a for a in matrix.columns if int(a) in where]
    by_stage = matrix[columns].T.groupby([where[int(a)] for a in columns]).median()
    result = by_stage.T.reindex(columns=territories).astype(float)
    result.index.name, result.columns.name = matrix.index.name, "territory"
    return result


def comparison_table(table: pd.DataFrame, matrix: pd.DataFrame) -> pd.DataFrame:
    """The compared projects' rows with one column per stage (named by section id).

    Args:
        table: rows of `portfolio_table` (the projects compared, in the order to show).
        matrix: `stage_matrix` of their assessments.
    """
    by_assessment = matrix.T.reindex(table["assessment"].astype("float").to_numpy())
    stages = pd.DataFrame(by_assessment.to_numpy(), columns=list(matrix.index),
                          index=table.index)
    columns = ["project", "name", "territory", "programme_label", "phase_label", "score",
               "band_label", "completeness"]
    return pd.concat([table[columns], stages], axis=1).reset_index(drop=True)


# --- exports --------------------------------------------------------------------------


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where every text cell a spreadsheet would run as a formula starts with « ' ».

    Text starting with = + - @ (or a tab / carriage return) gets a leading apostrophe;
    numbers, dates and other text are unchanged.
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise, na_action="ignore")
    return out


def export_table(table: pd.DataFrame) -> pd.DataFrame:
    """The portfolio table as a person reads it: French headers, rounded numbers."""
    return pd.DataFrame({
        t("portfolio.col_project"): table["name"],
        t("portfolio.col_territory"): table["territory"],
        t("portfolio.col_programme"): table["programme_label"],
        t("portfolio.col_phase"): table["phase_label"],
        t("portfolio.col_assessment"): table["assessment_label"],
        t("portfolio.col_date"): table["date"],
        t("portfolio.col_score"): table["score"].round(1),
        t("portfolio.col_band"): table["band_label"],
        t("portfolio.col_completeness_percent"): (table["completeness"] * 100).round(0),
        t("portfolio.col_respondents"): table["n_respondents"],
        t("portfolio.col_n_flags"): table["n_flags"],
        # in full: a funder files this, a cut critical point says nothing
        t("portfolio.col_flags"): table["flags"],
        # the gap and the targets it is read against, as the page and the report show them
        t("targets.col_mean_gap"): pd.to_numeric(table["mean_gap"], errors="coerce").round(1),
        t("targets.col_profile"): table["profile_label"],
        t("targets.col_risk"): table["risk"],
    })


def to_csv(frame: pd.DataFrame, dialect: str = "fr") -> bytes:
    """CSV for French Excel (`;`, decimal comma, UTF-8 with a BOM), formulas neutralised."""
    from .exchange import csv_bytes

    return csv_bytes(frame, dialect)


def to_xlsx(frame: pd.DataFrame, sheet_name: str) -> bytes:
    """An XLSX workbook of one sheet (openpyxl), formulas neutralised, ready to print: long
    texts wrapped in wide columns (never cut), A4 landscape fit to width, header on each page."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    from .exchange import _print_ready

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise_formulas(frame).to_excel(writer, sheet_name=sheet_name[:31], index=False)
        sheet = writer.sheets[sheet_name[:31]]
        for index, column in enumerate(frame.columns, start=1):
            texts = frame[column].astype(str)
            longest = max([len(str(column)), *texts.str.len().tolist()]) if len(frame) else 10
            sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, longest + 2))
        wrap = Alignment(wrap_text=True, vertical="top")
        for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row):
            for cell in row:
                cell.alignment = wrap
        sheet.freeze_panes = "B2"
        _print_ready(sheet, landscape=True, title_rows="1:1", footer=sheet_name)
    return buffer.getvalue()
