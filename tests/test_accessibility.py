"""Accessibility in a real Chromium: axe-core (WCAG 2.1 A/AA) on every page, lang and titles.

axe-core comes from npm (`make test` installs it into node_modules/); a missing copy fails the
test with the command to run, it never skips. Pages are visited with the demo portfolio and a
project and assessment selected, the way a person arrives from a shared link.
"""

from __future__ import annotations

import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from coopscore.accessibility import load_statement
from coopscore.i18n import replacement_rules, t
from coopscore.store import open_store

from .conftest import ROOT
from .test_browser import browser, page, server, wait_idle  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Streamlit-owned markup that cannot be changed from the app, each with its upstream issue.
# Reviewed: empty today. Add a rule id here only with the issue that tracks it.
KNOWN_EXCEPTIONS: dict[str, str] = {}
# The pages the statement says are checked (data/accessibility.yaml): url path -> title key.
PAGES = load_statement().pages
LANGUAGES = ("fr", "en")


@pytest.fixture(scope="module")
def server_db(tmp_path_factory, demo_template) -> Path:
    path = tmp_path_factory.mktemp("a11y") / "coopscore.db"
    shutil.copyfile(demo_template, path)
    return path


def _selected(server_db: Path) -> str:
    """?projet=&evaluation= of the first demo assessment (a page with data, not an empty state)."""
    with open_store(server_db) as database:
        project_id = int(database.projects()["id"].iloc[0])
        assessment_id = int(database.assessments(project_id)["id"].iloc[0])
    return f"projet={project_id}&evaluation={assessment_id}"


def _axe(page) -> list[dict]:
    if not AXE.exists():
        pytest.fail(f"axe-core not found at {AXE}: run `make test` (it runs `npm install`).")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("runOnly => axe.run(document, {runOnly})", WCAG)
    return result["violations"]


@pytest.fixture(scope="module")
def warm_server(server, browser):
    """One visit of the home page: the first request after a start may show « Page not found »."""
    context = browser.new_context()
    first = context.new_page()
    first.goto(server)
    wait_idle(first)
    context.close()
    return server


# What Streamlit writes in English and the app puts in French (data/locales/*/streamlit.yaml):
# none may be left on a French page, in Streamlit's own parts or in an attribute read aloud.
STREAMLIT_ENGLISH = [re.compile(pattern) for pattern, _ in replacement_rules("streamlit", "fr")]
LEFT_IN_ENGLISH = """() => {
  const own = "[data-testid=stSkipToContent], [data-testid=stFileUploader], [data-testid=stException]";
  const texts = [];
  for (const e of document.querySelectorAll("[aria-label], [title], [placeholder]"))
    for (const name of ["aria-label", "title", "placeholder"])
      if (e.getAttribute(name)) texts.push(e.getAttribute(name));
  for (const e of document.querySelectorAll(own)) texts.push(...e.innerText.split("\\n"));
  return texts; }"""


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("path", list(PAGES))
def test_no_serious_accessibility_violation_and_own_title_and_lang(warm_server, server_db, page,
                                                                     path, language):
    server = warm_server
    arrival = "lang=en&" if language == "en" else ""
    page.goto(f"{server}/{path}?{arrival}{_selected(server_db)}")
    wait_idle(page)
    page.wait_for_timeout(800)  # charts and fonts settle
    serious = [v for v in _axe(page) if v["impact"] in ("serious", "critical")
               and v["id"] not in KNOWN_EXCEPTIONS]
    assert serious == [], [(v["id"], v["nodes"][0]["target"], v["nodes"][0]["failureSummary"])
                           for v in serious]
    # The app sets lang from a script element; give it a moment to run after the page drew.
    page.wait_for_function(f"document.documentElement.lang === '{language}'", timeout=10_000)
    title = t("app.page_title", language=language, page=t(PAGES[path], language=language))
    try:  # set by st.set_page_config once the page's script has run
        page.wait_for_function("title => document.title === title", arg=title, timeout=10_000)
    except PlaywrightTimeout:
        pass
    assert page.title() == title
    # a table's copy for screen readers says what its cells show (« 57 »), not « 57.2470… »
    cells = page.locator("[data-testid='stDataFrame'] [role='gridcell']").all_inner_texts()
    assert not [cell for cell in cells if re.fullmatch(r"-?\d+\.\d+", cell.strip())], cells
    if language == "fr":
        shown = page.evaluate(LEFT_IN_ENGLISH)
        left = [text for text in shown if any(p.match(text.strip()) for p in STREAMLIT_ENGLISH)]
        assert left == [], left


# Every label of every chart shown, against the chart's own box: plotly cuts what goes beyond.
CUT_LABELS = """() => {
  const cut = [];
  for (const chart of document.querySelectorAll("[data-testid=stPlotlyChart]")) {
    const box = chart.getBoundingClientRect();
    if (!chart.offsetParent || box.width === 0) continue;  // the variant for the other width
    for (const text of chart.querySelectorAll("svg text")) {
      const r = text.getBoundingClientRect();
      if (!text.textContent.trim() || r.width === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1)
        cut.push(text.textContent.trim());
    }
  }
  return {cut, overflow: document.documentElement.scrollWidth - window.innerWidth}; }"""


@contextmanager
def _page_at(browser, url: str, width: int, height: int):
    """A French page at `url` in a fresh context of that viewport, its heading drawn."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(url)
        wait_idle(page)
        page.get_by_role("heading", level=1).wait_for()
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("path", ["resultats", "auto-evaluation"])
def test_reflow_at_320_px_cuts_no_chart_label_and_scrolls_no_page_sideways(
        warm_server, server_db, browser, path, tmp_path_factory):
    with _page_at(browser, f"{warm_server}/{path}?{_selected(server_db)}", 320, 4000) as page:
        if path == "resultats":  # the radar, drawn for this width, and the phase chart
            page.locator("[data-testid=stPlotlyChart] svg text >> visible=true").first.wait_for()
        page.wait_for_timeout(800)  # plotly lays its labels out after drawing
        found = page.evaluate(CUT_LABELS)
        shots = tmp_path_factory.getbasetemp() / "reflow"
        shots.mkdir(exist_ok=True)
        page.screenshot(path=str(shots / f"{path or 'accueil'}-320.png"))
    assert found["cut"] == [], found["cut"]
    assert found["overflow"] <= 0, f"the page scrolls {found['overflow']} px sideways"


# A word cut with « … » by Streamlit's styles (a metric's label or value, a widget's label, a
# button, a page link), or a chart label beyond its chart: what a person cannot read in full.
# A cut text with its whole self on hover (a multiselect's chosen names) is not counted.
CUT_TEXTS = """() => [...document.querySelectorAll("[data-testid=stMain] *")]
  .filter(e => e.offsetParent && e.textContent.trim() && e.scrollWidth > e.clientWidth + 1
          && e.getAttribute("title") !== e.textContent
          && (getComputedStyle(e).textOverflow === "ellipsis"
              || (e.children.length === 0 && getComputedStyle(e).overflowX !== "visible")))
  .map(e => e.textContent.trim())"""


@pytest.mark.parametrize("path", list(PAGES))
def test_a_small_laptop_with_the_sidebar_open_reads_every_label_whole(
        warm_server, server_db, browser, path):
    # 1024 px wide: the main column keeps 564 px; four metrics side by side, a radar's side
    # labels or a button in a narrow column would be cut there
    with _page_at(browser, f"{warm_server}/{path}?{_selected(server_db)}", 1024, 1400) as page:
        page.wait_for_timeout(1000)  # plotly lays its labels out after drawing
        texts = page.evaluate(CUT_TEXTS)
        charts = page.evaluate(CUT_LABELS)["cut"]
    assert texts == [], texts
    assert charts == [], charts
