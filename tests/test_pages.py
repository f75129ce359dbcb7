"""Every page renders with AppTest, shows what a person looks for, and reacts to its widgets."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from .conftest import ROOT

TIMEOUT = 60


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_home_says_what_coopscore_is_and_for_whom():
    at = app().run()
    assert not at.exception
    assert at.title[0].value.startswith("coopscore")
    subheaders = [s.value for s in at.subheader]
    assert {"Équipes projet", "Animateurs et animatrices", "Financeurs"} <= set(subheaders)
    assert "16 sections, 54 critères, 68 méthodes" in _markdown(at)


def test_reference_shows_every_stage_with_methods_and_vigilance():
    at = app().run().switch_page("views/reference.py").run()
    assert not at.exception
    assert at.title[0].value == "Référentiel"
    headings = [s.value for s in at.subheader]
    assert len(headings) == 16
    assert headings[0] == "Étape 1 — Identifier un besoin, un problème, une attente, l'expliciter"
    text = _markdown(at)
    assert "**Méthodes et outils associés**" in text and "**Points de vigilance**" in text
    assert "**197** éléments dans **16** étapes." in text


def test_reference_search_filters_items():
    at = app().run().switch_page("views/reference.py").run()
    at.text_input(key="reference_search").input("trésorerie").run()
    assert not at.exception
    headings = [s.value for s in at.subheader]
    assert [h.split(" — ")[0] for h in headings] == ["Étape 3", "Étape 7"]
    text = _markdown(at)
    assert "capacité à avoir avance de trésorerie" in text
    assert "faire un inventaire des partenaires concernés" not in text


def test_reference_search_without_result_says_so():
    at = app().run().switch_page("views/reference.py").run()
    at.text_input(key="reference_search").input("zzzz").run()
    assert not at.exception
    assert "Aucun élément ne contient « zzzz »" in at.info[0].value
    assert not at.subheader


def test_reference_toggle_hides_european_cooperation_items():
    at = app().run().switch_page("views/reference.py").run()
    assert "mobiliser les relais d'information à Bruxelles" in _markdown(at)
    at.toggle(key="reference_cte").set_value(False).run()
    assert not at.exception
    assert "Bruxelles" not in _markdown(at)
    assert "**188** éléments" in _markdown(at)


def test_reference_switches_to_the_dialogue_grid():
    at = app().run().switch_page("views/reference.py").run()
    at.button_group(key="reference_grid").set_value("dialogue").run()
    assert not at.exception
    headings = [s.value for s in at.subheader]
    assert headings[2] == "Axe 3 — Agir auprès des élus"
    assert "**Leviers**" in _markdown(at)


HOSTILE = "**Gras** :red[rouge] $x^2$ [lien](http://exemple.org) <b>b</b>"


def test_names_people_typed_read_as_typed_on_every_page(tmp_path, monkeypatch):
    """A project, an assessment and a person named with markup: no page reads it as markup."""
    from coopscore.store import open_store

    from .conftest import app_test

    path = tmp_path / "hostile.db"
    monkeypatch.setenv("COOPSCORE_DB", str(path))
    with open_store(path) as db:
        territory = db.create_territory("Pays " + HOSTILE)
        project = db.create_project("Projet " + HOSTILE, territory, phase="emergence")
        assessment = db.create_assessment(project, "cooperation", "Campagne " + HOSTILE)
        people = [db.add_respondent(assessment, f"{n} {HOSTILE}", "elu") for n in (1, 2, 3)]
        for person in people:
            db.save_answer(assessment, person, "S01.V01", "2", "Avis " + HOSTILE)
            db.save_answer(assessment, person, "S01.V02", str(person % 4))
    seen = 0
    for page in ["views/assess.py", "views/results.py", "views/gaps.py", "views/plan.py",
                 "views/followup.py", "views/crossview.py", "views/timeline.py",
                 "views/compare.py", "views/portfolio.py", "views/data.py"]:
        at = app_test(page, project_id=project, assessment_id=assessment,
                      respondent_id=people[0])
        assert not at.exception, page
        shown = [e.value for kind in ("markdown", "caption", "info", "success", "warning",
                                      "error", "title", "subheader", "header")
                 for e in at.get(kind) if isinstance(getattr(e, "value", None), str)]
        shown += [b.label for b in at.button]
        for text in shown:
            assert "**Gras**" not in text and ":red[rouge]" not in text, (page, text)
            assert "[lien](http" not in text and "$x^2$" not in text, (page, text)
        seen += sum(r"\*\*Gras\*\*" in text for text in shown)
    assert seen >= 8, "the names are shown, escaped"
