"""The fiche de maturité and the portfolio report: real PDFs, read back with pypdf."""

from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd
import pytest
from pypdf import PdfReader

from coopscore import access, report
from coopscore.errors import AccessDenied, CoopscoreError, NotFoundError
from coopscore.gaps import flag_table, stage_table
from coopscore.results import assessment_results, previous_assessment, score_assessments
from coopscore.scale import load_scale
from coopscore.store import open_store

TODAY = dt.date(2026, 3, 2)


def pdf_text(data: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    # line breaks of the layout read as spaces; no-break spaces are kept (str.split drops them)
    return re.sub(r"[ \t\r\n]+", " ", text), reader


def loose(text: str) -> str:
    """Spaces of any kind as one space (French typography uses no-break ones), and a hyphen
    that ended a line joined again to the next word (« Montferrand-la-| Sèche »)."""
    return re.sub(r"- ", "-", " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split()))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from coopscore import demo as demo_module

    path = tmp_path_factory.mktemp("report") / "demo.db"
    with open_store(path) as db:
        demo_module.generate_demo(db)
    database = open_store(path)
    yield database
    database.close()


@pytest.fixture(scope="module")
def busy(demo):
    """The demo assessment with the most to say: alerts, a previous campaign, consensus, a plan."""
    results = score_assessments(demo)[("cooperation", "1.0")]
    best, most = None, -1
    for row in results.scores.overall.itertuples():
        aid = int(row.assessment)
        project = demo.assessment(aid).project_id
        if demo.agreed(aid).empty or demo.actions(project_id=project).empty:
            continue
        weight = int(row.n_flags) * 3 + (2 if previous_assessment(demo, aid) is not None else 0)
        if weight > most:
            best, most = aid, weight
    return best


@pytest.fixture(scope="module")
def alerted(demo):
    """The demo assessment with the most critical alerts."""
    overall = score_assessments(demo)[("cooperation", "1.0")].scores.overall
    return int(overall.sort_values("n_flags", ascending=False, kind="stable")["assessment"].iloc[0])


def test_every_fiche_of_the_demo_has_two_to_four_pages(demo):
    for row in demo.assessments().itertuples():
        _, reader = pdf_text(report.fiche_pdf(demo, int(row.id), today=TODAY))
        assert 2 <= len(reader.pages) <= 4, row.id


def test_the_fiche_is_a_french_a4_document_of_two_to_four_pages(demo, busy):
    data = report.fiche_pdf(demo, busy, today=TODAY)
    text, reader = pdf_text(data)
    assert data.startswith(b"%PDF")
    assert 2 <= len(reader.pages) <= 4
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    assessment = demo.assessment(busy)
    project = demo.project(assessment.project_id)
    assert "Fiche de maturité" in text
    assert loose(project.name.replace("'", "’")) in loose(text)
    assert loose(project.territory_name.replace("'", "’")) in loose(text)
    assert "02/03/2026" in text  # the edition date, written the French way
    assert f"page 1 sur {len(reader.pages)}" in text
    # French typography: typographic apostrophes, a narrow no-break space before « ; » and « % »
    assert "’" in text and "l'" not in text
    assert "\u202f;" in text and "\u202f%" in text
    assert reader.metadata.title == "Fiche de maturité"


def test_the_fiche_holds_the_numbers_of_the_results_page(demo, alerted):
    busy = alerted
    text, _ = pdf_text(report.fiche_pdf(demo, busy, today=TODAY))
    results = assessment_results(demo, busy)
    grid, scale = results.grid, load_scale()
    overall = results.one("overall", busy).iloc[0]
    assert f"{round(overall['score'])} / 100" in text
    assert overall["band_label"].replace("'", "’") in text
    table = stage_table(results.one("stages", busy), grid)
    assert "Le détail par étape" in text
    for row in table.itertuples():  # every stage, in full, with its score
        assert loose(row.stage.replace("'", "’")) in loose(text), row.stage
    flags = flag_table(results.one("flags", busy), grid, scale)
    assert len(flags), "the chosen assessment has critical alerts"
    for row in flags.itertuples():  # critical points in full, with the grid's reason
        assert loose(row.text.replace("'", "’")) in loose(text)
        assert loose(row.reason.replace("'", "’")) in loose(text)


def test_the_fiche_lists_consensus_plan_gaps_and_how_to_read(demo, busy):
    document = report.fiche_document(demo, busy, today=TODAY)
    words = document.text()
    for heading in ("Décisions de consensus", "Plan d'action", "Comment lire ces résultats",
                    "Les plus grands écarts et les méthodes de la grille", "Points critiques"):
        assert heading in words
    rationale = demo.agreed(busy)["rationale"].dropna().iloc[0]
    assert rationale in words
    assert "radar" in document.figures and "<svg" in document.figures["radar"]


def test_a_funder_at_synthese_gets_the_index_but_neither_stages_nor_critical_texts(demo, alerted):
    busy = alerted
    full = report.fiche_document(demo, busy, today=TODAY).text()
    short = report.fiche_document(demo, busy, consent="synthese", today=TODAY)
    words = short.text()
    results = assessment_results(demo, busy)
    flags = flag_table(results.one("flags", busy), results.grid, load_scale())
    assert "Le détail par étape" in full and "Le détail par étape" not in words
    assert all(text not in words for text in flags["text"])
    assert "Plan d'action" not in words and "Décisions de consensus" not in words
    assert "radar" not in short.figures
    assert re.search(r"\d+ points? critiques? en alerte", words)
    _, reader = pdf_text(short.pdf())
    assert len(reader.pages) >= 1


def test_fiche_for_cuts_to_the_projects_consent_for_a_funder_only(demo, busy):
    project = demo.assessment(busy).project_id
    programme = demo.project(project).programme
    funder = access.Actor((access.Role("financeur", programmes=frozenset({programme})),))
    cut = report.fiche_for(funder, demo, busy, today=TODAY).text()
    assert "Le détail par étape" not in cut  # the demo's projects share « synthese »
    whole = report.fiche_for(access.Actor.admin() if hasattr(access.Actor, "admin") else
                             access.Actor((access.Role("admin"),)), demo, busy, today=TODAY)
    assert "Le détail par étape" in whole.text()
    outsider = access.Actor((access.Role("financeur", programmes=frozenset({"zzz"})),))
    with pytest.raises(AccessDenied):
        report.fiche_for(outsider, demo, busy)


def test_an_unknown_assessment_or_consent_is_a_french_error(demo, busy):
    with pytest.raises(NotFoundError, match="introuvable"):
        report.fiche_document(demo, 99_999)
    with pytest.raises(CoopscoreError, match="Niveau de partage « tout » inconnu"):
        report.fiche_document(demo, busy, consent="tout")


def test_an_assessment_without_answers_still_gives_a_fiche(demo):
    territory = demo.create_territory("Pays vide")
    project = demo.create_project("Projet sans réponse", territory, phase="emergence")
    assessment = demo.create_assessment(project, "cooperation", "Premier tour")
    text, reader = pdf_text(report.fiche_pdf(demo, assessment, today=TODAY))
    assert "Personne n’a encore donné de niveau" in text and len(reader.pages) >= 1
    demo.delete_project(project)


def test_the_portfolio_report_names_every_project_in_full_and_why_it_is_at_risk(demo):
    table, grid = report.portfolio_table_for(demo)
    data = report.portfolio_pdf(table, grid, today=TODAY)
    text, reader = pdf_text(data)
    assert "Rapport de portefeuille" in text
    flat = loose(text)
    for name in table["name"]:
        assert loose(name.replace("'", "’")) in flat, name
    at_risk = table[table["n_flags"] > 0]
    assert f"{len(table[(table['n_flags'] > 0) | (table['mean_gap'].fillna(0) >= 0.5)])} " \
           "projets à risque, et pourquoi" in text
    for reason in at_risk["risk"]:
        assert loose(reason.replace("'", "’")) in flat
    assert "Répartition des indices globaux" in text
    assert any(abs(float(p.mediabox[2]) - 842) < 1 for p in reader.pages)  # the table, landscape


def test_the_portfolio_report_of_one_programme_holds_only_its_projects(demo):
    table, grid = report.portfolio_table_for(demo, programme="leader")
    everything, _ = report.portfolio_table_for(demo)
    assert 0 < len(table) < len(everything) and set(table["programme"]) == {"leader"}
    text, _ = pdf_text(report.portfolio_pdf(table, grid, scope=report.portfolio_scope("leader")))
    assert "programme « LEADER »" in loose(text)
    left_out = everything[everything["programme"] != "leader"]["name"]
    assert all(loose(name.replace("'", "’")) not in loose(text) for name in left_out)


def test_an_unknown_programme_or_grid_is_a_french_error(demo):
    with pytest.raises(CoopscoreError, match="Programme « zzz » inconnu"):
        report.portfolio_table_for(demo, programme="zzz")
    with pytest.raises(CoopscoreError, match="Grille « zzz » inconnue"):
        report.portfolio_table_for(demo, "zzz")


def test_write_pdf_to_a_missing_folder_writes_nothing(tmp_path):
    target = tmp_path / "absent" / "fiche.pdf"
    with pytest.raises(CoopscoreError, match="n'existe pas"):
        report.write_pdf(target, b"%PDF-1.7")
    assert not target.parent.exists()
    with pytest.raises(CoopscoreError, match="est un dossier"):
        report.write_pdf(tmp_path, b"%PDF-1.7")
    written = report.write_pdf(tmp_path / "fiche.pdf", b"%PDF-1.7")
    assert written.read_bytes() == b"%PDF-1.7"


def test_the_fonts_are_embedded(demo, busy):
    _, reader = pdf_text(report.fiche_pdf(demo, busy, today=TODAY))
    fonts = []
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font)["/FontDescriptor"]
            fonts.append(any(key in descriptor for key in ("/FontFile", "/FontFile2",
                                                           "/FontFile3")))
    assert fonts and all(fonts)


def test_a_partner_from_abroad_reads_the_fiche_in_english(demo, busy):
    """The session's language is the document's: headings, grid texts and numbers in English."""
    from coopscore import i18n
    from coopscore.grid import load_grid, translated

    i18n.use_language("en")
    try:
        text, reader = pdf_text(report.fiche_pdf(demo, busy, today=TODAY))
    finally:
        i18n.use_language(None)
    assert 2 <= len(reader.pages) <= 4
    for heading in ("Maturity sheet", "At a glance", "How to read these results",
                    "Consensus decisions", "Action plan"):
        assert heading in text
    for french in ("Fiche de maturité", "Comment lire ces résultats", "Décisions de consensus",
                   "Plan d'action", "Plan d’action"):
        assert french not in text
    english_stage = translated(load_grid("cooperation"), "en").sections[0].title
    assert loose(english_stage.replace("'", "’")) in loose(text) or loose(english_stage) in loose(text)


# --- what each reader may see (two actors, the same data) -----------------------------------


@pytest.fixture
def two_shares(demo):
    """Two LEADER projects with critical alerts: one shares its « etapes », the other only
    its « synthese » (the default); set back afterwards (the demo is shared by the module)."""
    table, _ = report.portfolio_table_for(demo, programme="leader")
    flagged = table[table["n_flags"] > 0]
    texts = {int(p): set(f.split(" ; ")) for p, f in zip(flagged["project"], flagged["flags"])}
    # a pair where the summary-only project has a critical point of its own
    stages, summary = next((a, b) for a in texts for b in texts if a != b and texts[b] - texts[a])
    admin = access.ScopedStore(demo, access.Actor.admin())
    admin.set_consent(stages, "etapes")
    yield table.set_index("project"), stages, summary
    admin.set_consent(stages, "synthese")


def _flag_words(text: str) -> str:
    return loose(text.replace("'", "’"))


def test_the_portfolio_report_holds_only_what_its_reader_may_see(demo, two_shares):
    table, stages, summary = two_shares
    grid = report.portfolio_table_for(demo, programme="leader")[1]
    funder = access.Actor.financeur(programmes=["leader"], email="fin@exemple.fr")
    rows = table.reset_index()
    cut, _ = pdf_text(access.ScopedStore(demo, funder).portfolio_pdf(rows, grid, today=TODAY))
    whole, _ = pdf_text(access.ScopedStore(demo, access.Actor.admin()).portfolio_pdf(
        rows, grid, today=TODAY))
    cut, whole = loose(cut), loose(whole)
    for project in (stages, summary):
        assert loose(table.loc[project, "name"].replace("'", "’")) in cut  # named, both
    shared_flags = table.loc[stages, "flags"].split(" ; ")  # full texts (FLAG_TEXT_WIDTH)
    own_flags = set(table.loc[summary, "flags"].split(" ; ")) - set(shared_flags)
    assert own_flags and all(_flag_words(text) in whole for text in own_flags)
    assert not any(_flag_words(text) in cut for text in own_flags)
    assert all(_flag_words(text) in cut for text in shared_flags)
    assert "détail non partagé" in cut and "détail non partagé" not in whole
    # a row of another programme handed in is dropped for this funder
    other, _ = report.portfolio_table_for(demo, programme="region")
    mixed = pd.concat([rows, other.head(1)], ignore_index=True)
    text, _ = pdf_text(access.ScopedStore(demo, funder).portfolio_pdf(mixed, grid, today=TODAY))
    assert loose(other["name"].iloc[0].replace("'", "’")) not in loose(text)


def test_a_funder_reads_the_fiche_at_the_projects_share_and_never_who_answered(demo, busy):
    project = demo.assessment(busy).project_id
    funder = access.Actor.financeur(projects=[project], email="fin@exemple.fr")
    scoped = access.ScopedStore(demo, funder)
    summary, _ = pdf_text(scoped.fiche_pdf(busy, today=TODAY))
    assert "Le détail par étape" not in summary and "Plan d’action" not in summary
    access.ScopedStore(demo, access.Actor.admin()).set_consent(project, "detail")
    try:
        detail = report.fiche_for(funder, demo, busy, today=TODAY)
        whole = report.fiche_for(access.Actor.admin(), demo, busy, today=TODAY)
    finally:
        access.ScopedStore(demo, access.Actor.admin()).set_consent(project, "synthese")
    words, everything = detail.text(), whole.text()
    assert "Le détail par étape" in words and "Plan d'action" in words
    rationale = demo.agreed(busy)["rationale"].dropna().iloc[0]
    owner = demo.actions(project_id=project)["owner"].dropna().iloc[0]
    assert rationale in everything and rationale not in words
    assert owner in everything and owner not in words

    def who_answered(document) -> str:
        (facts,) = [block for block in document.data["blocks"] if block["kind"] == "facts"][:1]
        return dict(facts["items"])["Répondant·es"]

    people = demo.respondents(busy)
    answered = people[people["n_answers"] > 0]
    role = load_scale().role_label(answered["role"].iloc[0])
    assert role in who_answered(whole)  # « 6 personnes : élu·e 2 · … »
    assert who_answered(detail) == f"{len(answered)} personnes"  # counted, not by role
