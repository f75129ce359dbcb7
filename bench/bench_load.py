"""Load benchmark (make bench): many people at once, and a big file checked meanwhile.

Prints:
- 20 writer processes (each its own respondent, single answers and batches) and 20 reader
  threads scoring the whole portfolio, for COOPSCORE_LOAD_SECONDS (default 15 s): writes
  acknowledged per second, writes lost, « database is locked » and other errors, and the
  readers' scoring time (median, p95);
- one session dry-running a large answers file (about 19 MB of CSV) while another reads its
  project list over and over: the list's read time alone, then during the check, and their
  ratio (the check must not hold the store's lock while it parses; it holds it while it
  writes the answers in a transaction it then rolls back, as an import would).

The writer is tests/test_load.py's, so that the benchmark measures what the test checks.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coopscore import exchange, results  # noqa: E402
from coopscore.demo import generate_demo  # noqa: E402
from coopscore.store import open_store  # noqa: E402

WRITERS = 20
READERS = 20
SECONDS = float(os.environ.get("COOPSCORE_LOAD_SECONDS", "15"))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def writers_and_readers(folder: Path) -> None:
    path = folder / "load.db"
    with open_store(path) as store:
        generate_demo(store, projects=6)
    logs = [folder / f"writer{n}.jsonl" for n in range(WRITERS)]
    processes = [subprocess.Popen(
        [sys.executable, "-m", "tests.test_load", str(path), str(SECONDS), str(log), str(n)],
        cwd=ROOT, stderr=subprocess.PIPE, text=True) for n, log in enumerate(logs)]
    shared = open_store(path)
    scored: list[float] = []
    reader_errors: list[str] = []
    deadline = time.monotonic() + SECONDS

    def reader() -> None:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                results.score_assessments(shared)
            except Exception as error:  # noqa: BLE001 - counted and printed
                reader_errors.append(f"{type(error).__name__}: {error}")
            scored.append(time.perf_counter() - started)

    threads = [threading.Thread(target=reader) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for process in processes:
        process.communicate()

    expected: dict[tuple[int, int, str], str] = {}
    writes, errors = 0, []
    for log in logs:
        lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        head, tail = lines[0], lines[-1]
        errors += tail["errors"]
        for item, value, _comment in lines[1:-1]:
            expected[(head["assessment"], head["respondent"], item)] = value
            writes += 1
    stored = {(int(r.assessment), int(r.respondent), r.item): r.value
              for r in shared.answers().itertuples()}
    lost = sum(1 for key, value in expected.items() if stored.get(key) != value)
    locked = sum("locked" in error for error in errors)
    shared.close()
    print(f"{WRITERS} writers + {READERS} readers for {SECONDS:.0f} s: "
          f"{writes} answers acknowledged ({writes / SECONDS:.0f}/s), {lost} lost, "
          f"{locked} « database is locked », {len(errors) - locked} other writer errors, "
          f"{len(reader_errors)} reader errors")
    print(f"  scoring the portfolio under load: {len(scored)} runs, median "
          f"{statistics.median(scored):.2f} s, p95 {percentile(scored, 0.95):.2f} s")


def big_file(rows: int, items: list[str]) -> bytes:
    """Valid answers, one line each: people × points, a long comment on each line."""
    lines = ["respondent,role,item,value,comment"]
    comment = "x" * 180
    for n in range(rows):
        person, item = divmod(n, len(items))
        lines.append(f"Personne {person},technicien,{items[item]},{n % 4},{comment}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def listing_during_a_check(folder: Path) -> None:
    path = folder / "check.db"
    with open_store(path) as store:
        generate_demo(store, projects=30)
    store = open_store(path)
    drafts = store.assessments()
    assessment = int(drafts[drafts["status"] == "draft"]["id"].iloc[0])
    items = [item.id for item in store.grid_of(assessment).criteria() if not item.cte]
    data = big_file(95_000, items)

    def list_times(seconds: float) -> list[float]:
        times, end = [], time.monotonic() + seconds
        while time.monotonic() < end:
            started = time.perf_counter()
            store.projects()
            times.append(time.perf_counter() - started)
            time.sleep(0.01)
        return times

    alone = list_times(2.0)
    checking = {"done": False, "seconds": 0.0, "error": ""}

    def check() -> None:
        started = time.perf_counter()
        try:
            exchange.import_answers(store, [("gros.csv", data)], assessment, dry_run=True,
                                    max_bytes=len(data) + 1)
        except Exception as error:  # noqa: BLE001 - a refusal is a result too
            checking["error"] = f"{type(error).__name__}: {str(error)[:120]}"
        checking["seconds"] = time.perf_counter() - started
        checking["done"] = True

    worker = threading.Thread(target=check)
    worker.start()
    during: list[float] = []
    while not checking["done"]:
        during.extend(list_times(0.2))
    worker.join()
    store.close()
    outcome = f", refused: {checking['error']}" if checking["error"] else ""
    print(f"dry run of a {len(data) / 2**20:.1f} MB CSV: {checking['seconds']:.1f} s{outcome}")
    print(f"  another session's project list: alone p95 {percentile(alone, 0.95) * 1000:.1f} ms, "
          f"during the check p95 {percentile(during, 0.95) * 1000:.1f} ms, max "
          f"{max(during) * 1000:.0f} ms (ratio p95 {percentile(during, 0.95) / percentile(alone, 0.95):.1f}×)")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        writers_and_readers(Path(folder))
        listing_during_a_check(Path(folder))
