"""Printing Résultats from a wide window, in a real Chromium: the PDF the browser makes holds
every chart whole within the page (issue 10 §7).

A chart is drawn by plotly at the window's width and the browser does not redraw it for the
paper; ui.py's print script redraws it to fit just before printing. The check reads the
printed PDF back (poppler's word boxes): every word lies within its page, and every label of
the radar is there (a chart cut at the page's edge loses its right-hand labels).
"""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest

from coopscore import links
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
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>')
PAGE = re.compile(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', re.S)


def printed_words(pdf: Path) -> list[tuple[float, float, float, str]]:
    """(page width, word's left, word's right, word) for every word of the PDF, in points."""
    layout = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                            capture_output=True, text=True).stdout
    return [(float(width), float(left), float(right), html.unescape(text))
            for width, body in PAGE.findall(layout)
            for left, right, text in WORD.findall(body)]


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
