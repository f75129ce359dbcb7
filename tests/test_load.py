"""Under load: 20 writer processes and 20 reader threads scoring the portfolio at once.

Every write a writer saw acknowledged must be in the database at the end, and nobody may
meet « database is locked » or any other error. The run lasts COOPSCORE_LOAD_SECONDS
(default 10 s, at most 40 s). The Store's lock and SQLite's write lock must never be held
while a grid is parsed or the portfolio scored: that is what keeps readers fast.

The writer is this module run as a script: `python -m tests.test_load DB SECONDS OUT N`.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from coopscore import grid as grid_module
from coopscore import results, scoring
from coopscore.demo import generate_demo
from coopscore.store import open_store

ROOT = Path(__file__).resolve().parent.parent
WRITERS = 20
READERS = 20
SECONDS = min(40.0, float(os.environ.get("COOPSCORE_LOAD_SECONDS", "10")))


def writer(db: str, seconds: float, out: str, number: int) -> None:
    """Write answers (single and batches) for this writer's own respondent until time is up.

    Each acknowledged write is logged (item, value, comment) only after the call returned.
    """
    rng = random.Random(number)
    log = open(out, "w", encoding="utf-8")
    errors = []
    with open_store(db) as store:
        drafts = store.assessments()
        drafts = drafts[drafts["status"] == "draft"]
        assessment = int(drafts["id"].iloc[number % len(drafts)])
        items = [item.id for item in store.grid_of(assessment).criteria() if not item.cte]
        respondent = store.add_respondent(assessment, f"Charge {number}", "technicien")
        log.write(json.dumps({"assessment": assessment, "respondent": respondent}) + "\n")
        deadline = time.monotonic() + seconds
        sequence = 0
        while time.monotonic() < deadline:
            sequence += 1
            batch = rng.sample(items, rng.choice((1, 1, 1, 5, 20)))
            rows = [{"assessment_id": assessment, "respondent_id": respondent, "item": item,
                     "value": str(rng.randrange(4)), "comment": f"w{number}-{sequence}"}
                    for item in batch]
            try:
                if len(rows) == 1:
                    row = rows[0]
                    store.save_answer(assessment, respondent, row["item"], row["value"],
                                      row["comment"])
                else:
                    store.save_answers(rows)
            except Exception as error:  # noqa: BLE001 - reported to the test, which fails
                errors.append(f"{type(error).__name__}: {error}")
                continue
            for row in rows:
                log.write(json.dumps([row["item"], row["value"], row["comment"]]) + "\n")
            log.flush()
            time.sleep(rng.random() * 0.02)
    log.write(json.dumps({"errors": errors, "writes": sequence}) + "\n")
    log.close()


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory):
    path = tmp_path_factory.mktemp("load") / "c.db"
    with open_store(path) as store:
        generate_demo(store, projects=6)
    return path


def test_writers_and_readers_lose_nothing_and_raise_nothing(portfolio, tmp_path):
    logs = [tmp_path / f"writer{n}.jsonl" for n in range(WRITERS)]
    processes = [subprocess.Popen(
        [sys.executable, "-m", "tests.test_load", str(portfolio), str(SECONDS), str(log), str(n)],
        cwd=ROOT, stderr=subprocess.PIPE, text=True) for n, log in enumerate(logs)]

    shared = open_store(portfolio)  # one Store shared by threads, as the app does
    reader_errors: list[str] = []
    scored: list[float] = []
    deadline = time.monotonic() + SECONDS

    def reader() -> None:
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                portfolio_results = results.score_assessments(shared)
                assert portfolio_results
            except Exception as error:  # noqa: BLE001 - collected, the test fails below
                reader_errors.append(f"{type(error).__name__}: {error}")
            scored.append(time.monotonic() - started)

    threads = [threading.Thread(target=reader) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)
    stderr = [process.communicate(timeout=SECONDS + 60)[1] for process in processes]
    assert [process.returncode for process in processes] == [0] * WRITERS, stderr
    assert reader_errors == []
    assert scored, "no reader finished scoring the portfolio"

    expected: dict[tuple[int, int, str], tuple[str, str]] = {}
    for log in logs:
        lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        head, tail = lines[0], lines[-1]
        assert tail["errors"] == [], tail["errors"]  # no « database is locked », nothing
        assert tail["writes"] > 0
        for item, value, comment in lines[1:-1]:  # the last acknowledged write wins
            expected[(head["assessment"], head["respondent"], item)] = (value, comment)
    answers = shared.answers()
    stored = {(int(r.assessment), int(r.respondent), r.item): (r.value, r.comment)
              for r in answers.itertuples()}
    assert expected, "no write was acknowledged"
    assert {key: stored.get(key) for key in expected} == expected
    shared.close()


def test_no_lock_is_held_while_a_grid_is_parsed_or_scores_computed(portfolio, monkeypatch):
    store = open_store(portfolio)
    held: list[tuple[str, bool, bool]] = []

    def watch(name, function):
        def watched(*args, **kwargs):
            held.append((name, store._lock._is_owned(), store.conn.in_transaction))
            return function(*args, **kwargs)
        return watched

    monkeypatch.setattr(grid_module, "parse_grid", watch("parse_grid", grid_module.parse_grid))
    monkeypatch.setattr(results, "score", watch("score", scoring.score))
    drafts = store.assessments()
    assessment = int(drafts[drafts["status"] == "draft"]["id"].iloc[0])
    respondent = store.add_respondent(assessment, "Nouvelle personne", "elu")  # cold cache
    with open_store(portfolio) as other:  # this Store's grid cache stays cold
        item = other.grid_of(assessment).criteria()[0].id
    store.save_answer(assessment, respondent, item, "2")
    results.score_assessments(store)
    project = int(store.projects()["id"].iloc[0])
    store.create_assessment(project, "dialogue", "Point d'étape")
    store.register_grid("cooperation")
    store.close()
    assert {name for name, _, _ in held} == {"parse_grid", "score"}
    assert [entry for entry in held if entry[1] or entry[2]] == []


if __name__ == "__main__":
    writer(sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
