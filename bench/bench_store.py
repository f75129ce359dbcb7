"""Store benchmark (make bench): demo generation, portfolio reads, concurrent writers.

Prints: the default demo's generation time; 1,000 projects / 2,000 assessments (the
dashboard benchmark's portfolio); reading every answer back as the scoring engine's long
table; and four processes writing 500 answers each, one transaction per answer.
"""

from __future__ import annotations

import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coopscore.demo import generate_demo  # noqa: E402
from coopscore.store import open_store  # noqa: E402


def _writer(path: str, assessment: int, worker: int, barrier, results) -> None:
    database = open_store(path)
    grid = database.grid_of(assessment)
    items = [item.id for item in (*grid.criteria(), *grid.methods()) if not item.cte][:100]
    people = [database.add_respondent(assessment, f"W{worker}-{n}", "technicien")
              for n in range(5)]
    errors = 0
    barrier.wait()
    started = time.perf_counter()
    for person in people:
        for item in items:
            try:
                database.save_answer(assessment, person, item,
                                     "planned" if ".M" in item else "2")
            except Exception:
                errors += 1
    results.put((time.perf_counter() - started, errors))
    database.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        with open_store(Path(folder) / "default.db") as database:
            summary = generate_demo(database)
        print(f"demo (default, {summary.projects} projects, {summary.assessments} assessments, "
              f"{summary.answers} answers): {summary.seconds:.2f} s")

        with open_store(Path(folder) / "big.db") as database:
            summary = generate_demo(database, projects=1000, assessments=2000)
            print(f"demo (1,000 projects, 2,000 assessments, {summary.answers} answers): "
                  f"{summary.seconds:.2f} s")
            started = time.perf_counter()
            answers = database.answers()
            print(f"store.answers() of the whole portfolio ({len(answers)} rows): "
                  f"{time.perf_counter() - started:.2f} s")
            started = time.perf_counter()
            database.projects(), database.assessments(), database.assessment_context()
            print(f"projects() + assessments() + assessment_context(): "
                  f"{time.perf_counter() - started:.3f} s")
            assessment = int(database.assessments()["id"].iloc[-1])
            database.reopen_assessment(assessment)

        context = multiprocessing.get_context("spawn")
        barrier, results = context.Barrier(4), context.Queue()
        workers = [context.Process(target=_writer, args=(str(Path(folder) / "big.db"),
                                                         assessment, n, barrier, results))
                   for n in range(4)]
        for worker in workers:
            worker.start()
        reports = [results.get(timeout=300) for _ in workers]
        for worker in workers:
            worker.join()
        slowest = max(seconds for seconds, _ in reports)
        print(f"4 processes x 500 answers (one transaction each): {slowest:.2f} s, "
              f"{sum(errors for _, errors in reports)} errors")


if __name__ == "__main__":
    main()
