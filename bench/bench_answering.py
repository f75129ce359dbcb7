"""Answering in a real browser (run by `make bench`, not by pytest).

Starts the app on a fresh SQLite file and drives Debian's Chromium with Playwright:

1. one person answers the whole cooperation grid (every stage, « Étape suivante » between
   them) in each layout — one card per point, then the compact table — and the bench prints
   the time per mode, per answer, and their ratio;
2. twenty people open their personal links at once and answer the first stage side by side;
   the bench prints the median and 95th percentile of the save latency (from the click to
   the page showing the answer counted in its progress line, idle again), and checks in the database that every answer
   is there, under the right person;
3. eight people (`--whole-people`) answer the whole grid at once, each by their personal link
   in their own browser; the bench prints how long the slowest took and checks that every one
   of them has every point answered, under their own name, and nothing more.

No pause is added: the figures are the app's, not a human's pace. The driver does what a
quick person does when a click does not take (a list that closes by itself is opened again,
a radio that does not show checked is clicked again) and prints how many times: a page
that redraws under the person shows there.

    python bench/bench_answering.py [--stages 16] [--people 20] [--whole-people 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coopscore import links  # noqa: E402
from coopscore.answering import answerable  # noqa: E402
from coopscore.grid import load_grid  # noqa: E402
from coopscore.store import open_store  # noqa: E402

CHROMIUM = os.environ.get("COOPSCORE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
RUNNING = "[data-testid='stApp'][data-test-script-state='running']"
LEVEL = "2 · En partie traité"
METHOD = "En place"
THANKS = "vous avez répondu à tous les points"
PROGRESS = "[data-testid='stProgress']"
ATTEMPTS = 5  # a person tries a few times; more would hide a page that keeps redrawing
NEXT_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server(db: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "COOPSCORE_DB": str(db), "STREAMLIT_LOGGER_LEVEL": "error"}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
         str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the app did not start")


async def _settled(page) -> None:
    """After a click: the rerun starts (if not already over), then the page is idle."""
    try:
        await page.wait_for_selector(RUNNING, timeout=1500)
    except Exception:  # noqa: BLE001 - a fast rerun may be over before we look
        pass
    await page.wait_for_selector(IDLE, timeout=120_000)


async def _progress(page) -> str:
    """The progress line the person reads (« 12 réponses sur 116 · … »)."""
    bar = page.locator(PROGRESS).first
    return await bar.inner_text() if await bar.count() else ""


async def _counted(page, before: str, item) -> None:
    """After an answer shows on the page: wait until the page says it counted it, as a person
    sees it (the progress line moves on, or a link's last answer brings « Merci »), then idle.

    Waiting only for the page to go idle is not enough on a busy server: the rerun can start
    seconds after the click, and a person (or a driver) who moves on or closes the page
    then has not seen the answer saved. When the page never counts it, say what it shows.
    """
    try:
        await page.wait_for_function(
            """([selector, before, thanks]) => {
                const bar = document.querySelector(selector);
                return (bar !== null && bar.innerText !== before)
                    || document.body.innerText.includes(thanks);
            }""", arg=[PROGRESS, before, THANKS], timeout=180_000)
    except Exception as error:  # noqa: BLE001 - report what the person sees, then stop
        state = await page.locator("[data-testid='stApp']").get_attribute("data-test-script-state")
        raise SystemExit(f"{page.url}: {item.id} shown answered but never counted in 180 s; "
                         f"progress before « {before} », now « {await _progress(page)} », "
                         f"script {state}") from error
    await page.wait_for_selector(IDLE, timeout=120_000)


async def _shows(page, group, label: str) -> bool:
    """Whether the point shows the answer checked, or the page already thanks the person (a
    link's last answer replaces the questionnaire with « Merci » at any moment)."""
    if await page.get_by_text(THANKS).count():
        return True
    checked = group.locator("label:has(input:checked)")
    try:
        return bool(await checked.count()) and (
            await checked.inner_text(timeout=2_000)).startswith(label)
    except Exception:  # noqa: BLE001 - the radio was redrawn or replaced as we read it
        return False


async def _answer_cards(page, item) -> int:
    """Click the answer's radio, as a person does, until it shows checked and counted; return
    the retries.

    The progress line is read once, before the first click: a click that took while the
    page still showed it unchecked is counted by then, and a later look must not wait for a
    second change that will never come.
    """
    label = LEVEL if item.kind == "criterion" else METHOD
    group = page.locator(f"[class*='st-key-{'crit' if item.kind == 'criterion' else 'meth'}_']"
                         f"[class*='_{item.id.replace('.', '-')}'] [data-testid='stRadio']")
    before = await _progress(page)
    for retries in range(ATTEMPTS):
        await group.get_by_text(label, exact=True).click()
        if await _shows(page, group, label):
            await _counted(page, before, item)
            return retries
        await _settled(page)
        if await _shows(page, group, label):  # it took, the page only showed it late
            await _counted(page, before, item)
            return retries
    raise SystemExit(f"{item.id}: « {label} » still not checked after {ATTEMPTS} clicks")


async def _answer_compact(page, item) -> int:
    """Open the point's list and pick the answer until the list shows it; return the retries.

    As a person does: the list is scrolled into view before the click (Playwright scrolling
    and clicking in one frame lets the late scroll event close the list it just opened), and
    a list that closes by itself, or a pick that does not show, is opened and picked again.
    """
    label = LEVEL if item.kind == "criterion" else METHOD
    box = page.get_by_role("combobox", name=f"Réponse pour {item.id}", exact=True)
    option = page.get_by_role("option", name=label, exact=True)
    before = await _progress(page)  # once: see _answer_cards
    for retries in range(ATTEMPTS):
        if await box.input_value() == label:  # the last pick took, the page showed it late
            await _counted(page, before, item)
            return retries
        await box.scroll_into_view_if_needed()
        await page.evaluate(NEXT_FRAMES)
        await box.click()
        try:
            await option.wait_for(timeout=3_000)
            await option.click(timeout=5_000)
        except Exception:  # noqa: BLE001 - the list closed (or never opened): again
            await page.keyboard.press("Escape")
            continue
        if await box.input_value() == label:
            await _counted(page, before, item)
            return retries
        await _settled(page)
    raise SystemExit(f"{item.id}: « {label} » still not chosen after {ATTEMPTS} tries")


async def _whole_grid(browser, url: str, grid, stages: int,
                      compact: bool) -> tuple[float, int, int]:
    context = await browser.new_context(viewport={"width": 1400, "height": 2000}, locale="fr-FR")
    page = await context.new_page()
    page.set_default_timeout(120_000)
    await page.goto(url)
    await page.wait_for_selector(IDLE)
    await page.get_by_role("button", name="Étape suivante").wait_for()
    if compact:
        await page.get_by_text("Mode compact").click()
        await _settled(page)
        await page.get_by_text("Votre réponse").first.wait_for()
    count = retries = 0
    start = time.perf_counter()
    for number, section in enumerate(grid.sections[:stages], start=1):
        await page.locator("[data-testid='stMain'] h3",
                           has_text=f"Étape {number} — ").wait_for()
        for item in answerable(section, cte=False):
            retries += await (_answer_compact if compact else _answer_cards)(page, item)
            count += 1
        if number < min(stages, len(grid.sections)):
            await page.get_by_role("button", name="Étape suivante").click()
            await _settled(page)
    elapsed = time.perf_counter() - start
    await context.close()
    return elapsed, count, retries


async def _one_by_link(browser, url: str, items, latencies: list[float]) -> int:
    context = await browser.new_context(viewport={"width": 1400, "height": 2000}, locale="fr-FR")
    page = await context.new_page()
    page.set_default_timeout(180_000)
    await page.goto(url)
    await page.wait_for_selector(IDLE)
    await page.get_by_role("button", name="Étape suivante").wait_for()
    retries = 0
    for item in items:
        start = time.perf_counter()
        retries += await _answer_cards(page, item)
        latencies.append(time.perf_counter() - start)
    await context.close()
    return retries


async def main(stages: int, people: int, whole_people: int) -> None:
    from playwright.async_api import async_playwright

    grid = load_grid("cooperation")
    folder = Path(tempfile.mkdtemp(prefix="coopscore-bench-"))
    db_path = folder / "bench.db"
    with open_store(db_path) as db:
        territory = db.create_territory("Pays du Banc d'essai")
        project = db.create_project("Projet mesuré", territory, phase="mobilisation", cte=False)
        assessment = db.create_assessment(project, "cooperation", "Mesure")
        cards_person = db.add_respondent(assessment, "Carte", "technicien")
        compact_person = db.add_respondent(assessment, "Tableau", "technicien")
        campaign = db.create_assessment(project, "cooperation", "Vingt personnes")
        whole = db.create_assessment(project, "cooperation", "Huit grilles entières")
    process, base = _server(db_path)
    try:
        with open_store(db_path) as db:
            issued = [links.add_respondent_with_link(db, campaign, f"Personne {n + 1}",
                                                     "partenaire", None, base)
                      for n in range(people)]
            whole_links = [links.add_respondent_with_link(db, whole, f"Grille {n + 1}",
                                                          "elu", None, base)
                           for n in range(whole_people)]
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            warm = await browser.new_page()
            await warm.goto(base)  # the first visit compiles the pages
            await warm.wait_for_selector(IDLE)
            await warm.close()
            figures = {}
            for mode, person in (("cartes", cards_person), ("compact", compact_person)):
                url = (f"{base}/auto-evaluation?projet={project}&evaluation={assessment}"
                       f"&repondant={person}")
                figures[mode] = await _whole_grid(browser, url, grid, stages, mode == "compact")
                seconds, count, retries = figures[mode]
                print(f"{mode:8} {count} réponses en {seconds:6.1f} s "
                      f"({seconds / count:.2f} s par réponse), relances : {retries}")
            print(f"ratio compact / cartes : {figures['compact'][0] / figures['cartes'][0]:.2f}")

            items = answerable(grid.sections[0], cte=False)
            latencies: list[float] = []
            start = time.perf_counter()
            try:
                retries = sum(await asyncio.gather(*(_one_by_link(browser, link.url, items,
                                                                  latencies)
                                                     for link in issued)))
            except SystemExit:
                with open_store(db_path) as db:  # what the base holds, to tell lost from slow
                    print(db.answers(campaign).groupby("respondent").size().to_dict(),
                          file=sys.stderr)
                raise
            wall = time.perf_counter() - start

            start = time.perf_counter()
            runs = await asyncio.gather(*(_whole_grid(browser, link.url, grid, stages, False)
                                          for link in whole_links))
            whole_wall = time.perf_counter() - start
            await browser.close()
    finally:
        process.terminate()
        process.wait(timeout=20)
    latencies.sort()
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    print(f"{people} personnes en même temps, {len(latencies)} réponses en {wall:.1f} s : "
          f"latence médiane {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, "
          f"relances : {retries}")
    with open_store(db_path) as db:
        answers = db.answers(campaign)
        names = db.respondents(campaign).set_index("id")["name"]
        for mode, person in (("cartes", cards_person), ("compact", compact_person)):
            mine = db.answers(assessment).query("respondent == @person")
            if len(mine) != figures[mode][1]:
                raise SystemExit(f"{mode}: {len(mine)} réponses enregistrées, "
                                 f"{figures[mode][1]} données")
    expected = {link.respondent_id: len(items) for link in issued}
    saved = answers.groupby("respondent").size().to_dict()
    if saved != expected or set(answers["value"]) - {"2", "in_place"}:
        raise SystemExit(f"answers lost or misattributed: {saved} for {expected}")
    print(f"base : {len(answers)} réponses, chacune sous la bonne personne "
          f"({len(names)} personnes), aucune perdue")
    if not whole_links:
        return
    slowest = max(seconds for seconds, _, _ in runs)
    print(f"{len(whole_links)} personnes, chacune la grille entière par son lien, en même "
          f"temps : {whole_wall:.1f} s en tout, la plus lente {slowest:.1f} s "
          f"({slowest / runs[0][1]:.2f} s par réponse), relances : "
          f"{sum(r for _, _, r in runs)}")
    asked = {item.id for section in grid.sections[:stages]
             for item in answerable(section, cte=False)}
    with open_store(db_path) as db:
        given = db.answers(whole)
    for link in whole_links:
        mine = set(given.loc[given["respondent"] == link.respondent_id, "item"])
        if mine != asked:
            raise SystemExit(f"{link.name}: {len(mine & asked)} of {len(asked)} points saved, "
                             f"{len(mine - asked)} unexpected")
    if len(given) != len(asked) * len(whole_links):
        raise SystemExit(f"{len(given)} answers for {len(asked) * len(whole_links)} given")
    print(f"base : {len(given)} réponses, {len(asked)} par personne, chacune sous son nom")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stages", type=int, default=16)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--whole-people", type=int, default=8)
    options = parser.parse_args()
    asyncio.run(main(options.stages, options.people, options.whole_people))
