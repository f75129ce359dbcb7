"""Report benchmark (make bench): the documents a funder files, as PDF.

Prints how long one « fiche de maturité » takes (the busiest assessment of the default
demo: scoring, figures, layout), and the portfolio report of the default demo's 30 projects
and of a 1,000-project portfolio (reading and scoring the portfolio, then the layout).
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader  # noqa: E402

from coopscore import report  # noqa: E402
from coopscore.demo import generate_demo  # noqa: E402
from coopscore.store import open_store  # noqa: E402


def _pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def _best_of(runs: int, action):
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.db"
        with open_store(path) as db:
            generate_demo(db)
            fiches = []
            for row in db.assessments().itertuples():
                seconds, data = _best_of(1, lambda: report.fiche_pdf(db, int(row.id)))
                fiches.append((seconds, int(row.id), _pages(data)))
            slowest = max(fiches)
            seconds, data = _best_of(3, lambda: report.fiche_pdf(db, slowest[1]))
            print(f"fiche de maturité: {seconds:.2f} s (slowest of the demo's {len(fiches)} "
                  f"assessments, best of 3; {_pages(data)} pages); all {len(fiches)}: "
                  f"{sum(s for s, _, _ in fiches):.1f} s, {min(p for *_, p in fiches)}–"
                  f"{max(p for *_, p in fiches)} pages")

            def portfolio() -> bytes:
                table, grid = report.portfolio_table_for(db)
                return report.portfolio_pdf(table, grid)

            seconds, data = _best_of(3, portfolio)
            print(f"portfolio report, 30 projects: {seconds:.2f} s (best of 3; {_pages(data)} pages)")
        big = Path(folder) / "big.db"
        with open_store(big) as db:
            generate_demo(db, projects=1000, assessments=2000)
            started = time.perf_counter()
            table, grid = report.portfolio_table_for(db)
            scored = time.perf_counter() - started
            started = time.perf_counter()
            data = report.portfolio_pdf(table, grid)
            laid = time.perf_counter() - started
            print(f"portfolio report, 1,000 projects: {scored + laid:.1f} s (scoring "
                  f"{scored:.1f} s, layout {laid:.1f} s; {_pages(data)} pages)")


if __name__ == "__main__":
    main()
