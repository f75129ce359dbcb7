"""Page timings (run by `make bench`, not by pytest): each page's script run with AppTest.

For the demo portfolio and for a large one (1,000 projects / 2,000 assessments by default),
every page in views/ is run through the whole app (router + sidebar) with a project and an
assessment selected: once cold and then warm (the median of a few reruns, as when a person
clicks a widget). « Cold » is the real case of a first visit after someone saved ONE answer:
before each page's cold run the bench writes one answer (in another assessment than the
selected one, through its own connection) and clears st.cache_data; the incremental portfolio
held in st.cache_resource (ui.portfolio_results) is kept, as on a running server, so it only
re-scores that assessment (the server's very first portfolio visit, which scores everything,
is printed apart). An empty page run in the same process gives the baseline; the
ratio says what a page costs beyond Streamlit itself.
Targets (issue 5): ≤ 0.3 s per page at demo size, ≤ 1 s at 1,000 projects.

    python bench/bench_pages.py [--projects 1000] [--assessments 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # AppTest's bare-mode warnings

from coopscore import demo  # noqa: E402
from coopscore.store import open_store  # noqa: E402

TARGETS = {"demo": 0.3, "large": 1.0}
# Pages outside the menu, reached another way: timed elsewhere or not worth it.
OUTSIDE_MENU = {
    "views/respond.py": "page d'un lien personnel (bench_answering la mesure)",
    "views/signin.py": "page de connexion (mode comptes seulement)",
}


def _apptest(script: str | None = None, source: str | None = None):
    import logging

    from streamlit.testing.v1 import AppTest

    from streamlit import logger as streamlit_logger

    streamlit_logger.set_log_level(logging.ERROR)  # AppTest's bare-mode warnings

    if source is not None:
        return AppTest.from_string(source, default_timeout=120)
    return AppTest.from_file(script, default_timeout=120)


def _timed_run(at) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise SystemExit(f"page raised: {at.exception[0].value}")
    return elapsed


def measure(db_path: Path, repeat: int) -> tuple[float, dict[str, tuple[float, float]]]:
    import streamlit as st

    st.cache_resource.clear()  # no portfolio of the previous size's database
    os.environ["COOPSCORE_DB"] = str(db_path)
    with open_store(db_path) as db:
        context = db.assessment_context()
        answered = set(db.answers()["assessment"].unique()) if len(context) < 5000 else None
    row = context[context["assessment"].isin(answered)].iloc[0] if answered else context.iloc[0]
    writer = _answer_writer(db_path, int(row["assessment"]))
    session = {"project_id": int(row["project"]), "assessment_id": int(row["assessment"]),
               "_selection_restored": True}

    empty = _apptest(source="import streamlit as st\nst.write('vide')")
    _timed_run(empty)
    baseline = statistics.median(_timed_run(empty) for _ in range(repeat))

    # the server's first portfolio visit scores everything once (not one of the timings)
    first = _apptest(str(ROOT / "app.py"))
    for key, value in session.items():
        first.session_state[key] = value
    first.run()
    first.switch_page("views/portfolio.py")
    print(f"first portfolio visit since the server started: {_timed_run(first):.2f} s")

    timings: dict[str, tuple[float, float]] = {}
    pages = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "views").glob("*.py"))
    pages = [page for page in pages if page not in OUTSIDE_MENU]
    for page in pages:
        at = _apptest(str(ROOT / "app.py"))
        for key, value in session.items():
            at.session_state[key] = value
        at.run()  # router + sidebar
        at.switch_page(page)
        # one answer written, Streamlit's data caches cleared: the next run is cold
        writer()
        st.cache_data.clear()
        cold = _timed_run(at)
        warm = statistics.median(_timed_run(at) for _ in range(repeat))
        timings[page] = (cold, warm)
    return baseline, timings


def _answer_writer(db_path: Path, selected: int):
    """A function that changes one answer of a draft assessment other than `selected`."""
    with open_store(db_path) as db:
        drafts = db.assessment_context().query("status == 'draft'")["assessment"]
        answers = db.answer_values(int(a) for a in drafts if a != selected)
    levels = answers[answers["value"].isin(["0", "1", "2", "3"])]
    if levels.empty:
        return lambda: None
    first = levels.iloc[0]
    target = (int(first["assessment"]), int(first["respondent"]), str(first["item"]))
    values = iter(["0", "1", "2", "3"] * 1000)

    def write() -> None:
        with open_store(db_path) as db:
            db.save_answer(*target, next(values))

    return write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--assessments", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        sizes = {"demo": (demo.DEFAULT_PROJECTS, None),
                 "large": (args.projects, args.assessments)}
        for size, (projects, assessments) in sizes.items():
            path = Path(folder) / f"{size}.db"
            start = time.perf_counter()
            with open_store(path) as db:
                summary = demo.generate_demo(db, projects, demo.DEFAULT_SEED, assessments)
            print(f"\n== {size}: {summary.projects} projects, {summary.assessments} assessments, "
                  f"{summary.answers} answers (generated in {time.perf_counter() - start:.1f} s)")
            baseline, timings = measure(path, args.repeat)
            target = TARGETS[size]
            print(f"empty page: {baseline * 1000:.0f} ms (baseline)")
            for page, why in OUTSIDE_MENU.items():
                print(f"{page:28} non mesurée ici : {why}")
            print(f"{'page':28} {'cold (s)':>9} {'warm (s)':>9} {'warm/empty':>11}  target {target} s")
            for page, (cold, warm) in timings.items():
                verdict = "ok" if warm <= target else "OVER"
                failed |= warm > target
                print(f"{page:28} {cold:9.3f} {warm:9.3f} {warm / baseline:11.1f}  {verdict}")
    if failed:
        print("\nsome pages are over their target (warm run)")


if __name__ == "__main__":
    main()
