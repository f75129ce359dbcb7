"""Printing Résultats from a wide window, in a real Chromium: the PDF the browser makes holds
every chart whole within the page (issue 10 §7). Printing Portefeuille gives its table whole,
one readable line of cells per project, in a few landscape pages.

A chart is drawn by plotly at the window's width and the browser does not redraw it for the
paper; ui.py's print script redraws it to fit just before printing. The check reads the
printed PDF back (poppler's word boxes): every word lies within its page, and every label of
the radar is there (a chart cut at the page's edge loses its right-hand labels).
"""

from __future__ import annotations

import html
import math
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from coopscore import demo, links
from coopscore.gaps import axis_label_width
from coopscore.grid import load_grid
from coopscore.labels import stage_labels
from coopscore.store import open_store

from .test_browser import (  # noqa: F401  (pytest fixtures)
    browser,
    new_context,
    no_error_on,
    screenshots,
    server,
    server_db,
    wait_idle,
    wait_quiet,
)

pytestmark = pytest.mark.browser

WIDE = 1600  # px: a wide desktop window, where the charts are far wider than A4
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                  r'(.*?)</word>')
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)


@dataclass(frozen=True)
class Word:
    """One printed word and its box, in points from the top left of its page."""

    page: int
    page_width: float
    page_height: float
    left: float
    top: float
    right: float
    bottom: float
    text: str


def word_boxes(pdf: Path) -> list[Word]:
    """Every word of the PDF with its box (poppler's `pdftotext -bbox`), page by page."""
    layout = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                            capture_output=True, text=True).stdout
    return [Word(number, float(width), float(height), float(left), float(top), float(right),
                 float(bottom), html.unescape(text))
            for number, (width, height, body) in enumerate(PAGE.findall(layout), start=1)
            for left, top, right, bottom, text in WORD.findall(body)]


def printed_words(pdf: Path) -> list[tuple[float, float, float, str]]:
    """(page width, word's left, word's right, word) for every word of the PDF, in points."""
    return [(w.page_width, w.left, w.right, w.text) for w in word_boxes(pdf)]


@pytest.fixture(scope="module")
def scored(server_db) -> dict[str, int]:
    """An assessment with every point answered by two people: each stage and phase scored."""
    with open_store(server_db) as db:
        territory = db.create_territory("Pays de l'Impression", kind="pays")
        project = db.create_project("Coopération à imprimer", territory, programme="leader",
                                    phase="mobilisation", cte=False)
        assessment = db.create_assessment(project, "cooperation", "Diagnostic imprimé",
                                          date="2026-03-02")
        asked = sorted(links._asked_items(db, assessment))
        for name, role, shift in (("Inès", "elu", 0), ("Jules", "technicien", 1)):
            person = db.add_respondent(assessment, name, role)
            db.save_answers([{"assessment_id": assessment, "respondent_id": person, "item": item,
                              "value": str((index + shift) % 4) if ".V" in item
                              else ("in_place", "planned", "no")[(index + shift) % 3]}
                             for index, item in enumerate(asked)])
    return {"project": project, "assessment": assessment}


def test_printing_results_from_a_wide_window_keeps_every_chart_within_the_page(
        browser, server, scored, screenshots, tmp_path):
    context = new_context(browser, viewport={"width": WIDE, "height": 1200})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(server)  # a first visit registers the pages; then the page's own address
        wait_idle(page)
        page.goto(f"{server}/resultats?projet={scored['project']}"
                  f"&evaluation={scored['assessment']}")
        page.get_by_role("heading", name="Scores par phase").wait_for()
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot svg.main-svg')"
                               ".length >= 3")  # radar, its narrow twin, phases
        wait_quiet(page)
        no_error_on(page)
        drawn = page.evaluate("""[...document.querySelectorAll('.js-plotly-plot')]
            .filter(p => p.getBoundingClientRect().width > 0)
            .map(p => p.querySelector('svg.main-svg').width.baseVal.value)""")
        assert len(drawn) == 2 and min(drawn) > 900, \
            f"charts drawn far wider than A4 ({drawn}): otherwise the check proves nothing"

        pdf = tmp_path / "resultats.pdf"
        pdf.write_bytes(page.pdf(format="A4"))
        # once printed, the charts are back at the window's width
        page.wait_for_function(
            """widths => [...document.querySelectorAll('.js-plotly-plot')]
                .filter(p => p.getBoundingClientRect().width > 0)
                .map(p => p.querySelector('svg.main-svg').width.baseVal.value)
                .every((w, i) => w === widths[i])""", arg=drawn)
        # on paper, the wide radar (with its stage names), not the numbered one for phones
        page.emulate_media(media="print")
        shown = page.evaluate("""['results_radar_wide', 'results_radar_narrow'].map(key =>
            getComputedStyle(document.querySelector('.st-key-' + key)).display)""")
        assert shown[0] != "none" and shown[1] == "none", shown
        page.emulate_media(media="screen")
    finally:
        context.close()

    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(screenshots / "impression")],
                   check=True)
    words = printed_words(pdf)
    outside = [(text, left, right, width) for width, left, right, text in words
               if left < 0 or right > width + 0.5]
    assert outside == [], f"words beyond the page's edge: {outside[:10]}"
    # every cut stage name of the radar is printed (whole, within the page, as checked above)
    grid = load_grid("cooperation")
    cut = [label for label in stage_labels(grid, axis_label_width(grid)).values()
           if label.endswith("…")]
    assert len(cut) >= 10
    printed = {text for _, _, _, text in words}
    missing = [label for label in cut if label.split()[-1] not in printed]
    assert missing == [], f"radar labels missing from the printed page: {missing}"
    assert "Cible" in printed and "Équipe" in printed  # the radar's legend


# --- Portefeuille: the table whole, in a few landscape pages ----------------------------------

ROWS_PER_PAGE = 6  # at least, on A4 landscape: a name and a reading take four lines or so


@pytest.fixture(scope="module")
def portfolio(server_db) -> None:
    """The demo's portfolio (about thirty projects) beside the other tests' projects."""
    with open_store(server_db) as db:
        demo.generate_demo(db)


def _column_text(words: list[Word], heading: str, next_heading: str | None) -> tuple[str, set]:
    """The words printed in one column of the table, below its heading, on every page that
    has the table's heading row, top to bottom (up to the heading that follows the table);
    return them without spaces (a name broken at its hyphen reads whole) and as a set."""
    found = []
    pages = sorted({w.page for w in words})
    for number in pages:
        on_page = [w for w in words if w.page == number]
        head = [w for w in on_page if w.text == heading]
        rows_top = [w for w in on_page if w.text == "Territoire"]
        if not head or not rows_top:
            continue  # a page without the table
        (head,) = [w for w in head if abs(w.top - rows_top[0].top) < 1]
        others = [w for w in on_page if next_heading and w.text == next_heading
                  and abs(w.top - head.top) < 1]
        right = others[0].left if others else on_page[0].page_width
        # the heading of the list that follows the table (« Pourquoi ces N projets… »)
        after = [w.top for w in on_page if w.text == "Pourquoi" and w.left < head.left - 1
                 and w.top > head.bottom] if heading != "Pourquoi" else \
            [w.top for w in on_page if w.text == "Pourquoi" and w.top > head.bottom]
        bottom = min(after, default=math.inf)
        found += sorted((w for w in on_page if head.left - 1 <= w.left < right - 1
                         and head.bottom < w.top < bottom), key=lambda w: (w.top, w.left))
    return "".join(w.text for w in found), {w.text for w in found}


def _pieces(texts) -> set[str]:
    """Each word of `texts`, and its two parts at each of its hyphens (a line may break there)."""
    pieces = set()
    for text in texts:
        for word in text.split():
            pieces.add(word)
            pieces |= {part for i, char in enumerate(word) if char == "-"
                       for part in (word[:i + 1], word[i + 1:])}
    return pieces


def test_printing_the_portfolio_gives_its_table_whole_in_a_few_landscape_pages(
        browser, server, server_db, portfolio, screenshots, tmp_path):
    from coopscore.portfolio import at_risk, grid_results, portfolio_table, risk_order
    from coopscore.results import score_assessments

    with open_store(server_db) as db:
        table = risk_order(portfolio_table(
            db.projects(), grid_results(score_assessments(db), "cooperation")))
    assert len(table) >= 30
    context = new_context(browser)  # a desktop window: 1400 px wide
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(server)
        wait_idle(page)
        page.goto(f"{server}/portefeuille")
        page.locator("[data-testid='stDataFrame']").first.wait_for()
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot svg.main-svg')"
                               ".length >= 1")
        wait_quiet(page)
        no_error_on(page)
        pdf = tmp_path / "portefeuille.pdf"
        # as the browser's print dialog does: the page's own paper (A4 landscape)
        pdf.write_bytes(page.pdf(format="A4", prefer_css_page_size=True))
    finally:
        context.close()

    (screenshots / "impression-portefeuille.pdf").write_bytes(pdf.read_bytes())
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf),
                    str(screenshots / "impression-portefeuille")], check=True)
    words = word_boxes(pdf)
    pages = max(w.page for w in words)
    width, height = words[0].page_width, words[0].page_height
    assert width > height, "printed in landscape"
    outside = [(w.text, w.page, w.left, w.right) for w in words
               if w.left < 0 or w.right > w.page_width + 0.5]
    assert outside == [], f"words beyond the page's edge: {outside[:10]}"

    # a few pages: the table at several rows a page, then why each project at risk is
    risky = at_risk(table)
    table_pages = {w.page for w in words if w.text == "Territoire"}
    assert len(table_pages) <= math.ceil(len(table) / ROWS_PER_PAGE), table_pages
    assert pages <= 2 + math.ceil(len(table) / ROWS_PER_PAGE) + math.ceil(len(risky) / 8), pages

    # every project whole, in risk order, in its column; its reading too; no word cut in two
    names, name_words = _column_text(words, "Projet", "Territoire")
    assert names == "".join("".join(name.split()) for name in table["name"])
    assert name_words <= _pieces(table["name"]), name_words - _pieces(table["name"])
    readings, reading_words = _column_text(words, "Pourquoi", None)
    assert readings == "".join("".join(text.split()) for text in table["risk_short"])
    assert reading_words <= _pieces(table["risk_short"])
    printed = {w.text for w in words}
    assert not printed & {"nan", "NaN", "NaT", "None", "<NA>"}, "a missing value reads « — »"
    for heading in ("Projet", "Territoire", "Programme", "Phase", "Date", "Indice", "(0–100)",
                    "Lecture", "Complétude", "Points", "critiques", "Écart", "moyen", "Cibles",
                    "Pourquoi"):
        assert heading in printed, f"heading « {heading} » cut or missing"
    # on paper, the filters said in words (their controls are not printed), and no control
    assert "Filtres : aucun, tous les projets du portefeuille." in " ".join(
        w.text for w in words if w.page == 1)
    assert "Fiche" not in printed and "Télécharger" not in printed
