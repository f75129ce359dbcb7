"""Benchmark of the scoring engine on a funder's portfolio (run by `make bench`, not by pytest).

10,000 assessments × 8 respondents × 70 criteria = 5.6 M answers: the 54 criteria of the
cooperation grid plus one synthetic criterion per stage. Prints the time of `score` (best and
median of a few runs, with categorical and with plain text columns), its ratio to one bare
`np.bincount` over the same rows, and the time of `recommend`. Target: score ≤ 2 s.

    python bench/bench_scoring.py [--assessments N] [--repeat R]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coopscore.grid import GRIDS_DIR, parse_grid  # noqa: E402
from coopscore.scale import load_scale  # noqa: E402
from coopscore.scoring import recommend, score  # noqa: E402

RESPONDENTS = 8
TARGET_SECONDS = 2.0


def portfolio_grid():
    """The cooperation grid with one synthetic criterion added to each of its 16 stages: 70."""
    raw = yaml.safe_load((GRIDS_DIR / "cooperation.yaml").read_text(encoding="utf-8"))
    for section in raw["sections"]:
        section.setdefault("criteria", []).append(
            {"id": f"{section['id']}.V90", "text": "critère synthétique du banc d'essai"})
    return parse_grid(yaml.safe_dump(raw, allow_unicode=True), filename="bench.yaml")


def portfolio(grid, n_assessments: int, seed: int = 0) -> pd.DataFrame:
    """Answers of every respondent to every criterion, as categorical columns."""
    rng = np.random.default_rng(seed)
    criteria = [c.id for c in grid.criteria()]
    scale = load_scale()
    values = list(scale.criterion_values())
    weights = np.array([0.15, 0.25, 0.3, 0.2, 0.04, 0.03, 0.03])[:len(values)]
    rows = n_assessments * RESPONDENTS * len(criteria)
    per_assessment = RESPONDENTS * len(criteria)
    assessment = np.repeat(np.arange(n_assessments), per_assessment)
    respondent = np.tile(np.repeat(np.arange(RESPONDENTS), len(criteria)), n_assessments)
    role_of_respondent = rng.integers(0, len(scale.roles), size=n_assessments * RESPONDENTS)
    role = np.repeat(role_of_respondent, len(criteria))
    item = np.tile(np.arange(len(criteria)), n_assessments * RESPONDENTS)
    value = rng.choice(len(values), size=rows, p=weights / weights.sum())
    return pd.DataFrame({
        "assessment": pd.Categorical.from_codes(assessment, [f"P{k:05d}" for k in range(n_assessments)]),
        "respondent": pd.Categorical.from_codes(respondent, [f"R{k}" for k in range(RESPONDENTS)]),
        "role": pd.Categorical.from_codes(role, list(scale.role_ids())),
        "item": pd.Categorical.from_codes(item, criteria),
        "value": pd.Categorical.from_codes(value, values),
    })


def timed(function, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return times, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessments", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    grid = portfolio_grid()
    scale = load_scale()
    answers = portfolio(grid, args.assessments)
    context = pd.DataFrame({"assessment": answers["assessment"].cat.categories,
                            "phase": "partenaires", "cte": False})
    rows = len(answers)
    print(f"portfolio: {args.assessments:,} assessments × {RESPONDENTS} respondents × "
          f"{len(grid.criteria())} criteria = {rows:,} answers")

    key = (answers["assessment"].cat.codes.to_numpy().astype(np.int64) * len(grid.criteria())
           + answers["item"].cat.codes.to_numpy())
    bare, _ = timed(lambda: np.bincount(key), max(args.repeat, 5))
    baseline = min(bare)

    times, scores = timed(lambda: score(answers, grid, assessments=context, scale=scale), args.repeat)
    best, median = min(times), statistics.median(times)
    print(f"np.bincount over the (assessment, item) key of the same rows: {baseline * 1000:.1f} ms")
    print(f"score, categorical columns: best {best:.2f} s, median {median:.2f} s "
          f"(× {best / baseline:.0f} one bare bincount) — target ≤ {TARGET_SECONDS:.0f} s: "
          f"{'met' if best <= TARGET_SECONDS else 'NOT MET'}")

    as_text = answers.astype({c: object for c in answers.columns})
    text_times, _ = timed(lambda: score(as_text, grid, assessments=context, scale=scale), 1)
    print(f"score, plain text columns (factorised first): {text_times[0]:.2f} s")

    rec_times, recommendations = timed(lambda: recommend(scores, grid, scale=scale), 1)
    print(f"recommend: {rec_times[0]:.2f} s for {len(recommendations):,} recommendations")
    print("tables: " + ", ".join(f"{name} {len(getattr(scores, name)):,}" for name in (
        "criteria", "criteria_by_role", "stages", "respondent_stages", "flags", "methods")))
    return 0 if best <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
