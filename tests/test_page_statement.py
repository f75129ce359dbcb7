"""Déclaration d'accessibilité: conformity, what is measured, Streamlit's exceptions, contact."""

from __future__ import annotations

from coopscore import i18n
from coopscore.accessibility import load_statement

from .conftest import app_test

PAGE = "views/statement.py"


def _text(at) -> str:
    return "\n".join(e.value for e in [*at.title, *at.header, *at.markdown])


def test_the_statement_says_conformity_what_is_measured_exceptions_and_how_to_report():
    at = app_test(PAGE)
    assert not at.exception
    assert at.title[0].value == "Déclaration d'accessibilité"
    assert [h.value for h in at.header] == [
        "État de conformité", "Ce qui est vérifié à chaque modification",
        "Contenus non accessibles", "Établissement de cette déclaration",
        "Retour d'information et contact", "Voies de recours"]
    text = _text(at)
    facts = load_statement()
    assert f"**{len(facts.pages)} pages**" in text
    assert "« Résultats »" in text and "« Déclaration d'accessibilité »" in text
    for exception in facts.streamlit_strings:  # each with its upstream issue, as a link
        assert f"[{exception.issue}]({exception.url})" in text
    assert "Défenseur des droits" in text
    assert "02/12/2026" in text  # the date of the checks, as a French reader writes it


def test_the_contact_comes_from_the_deployment(monkeypatch):
    monkeypatch.setenv("COOPSCORE_ACCESSIBILITY_CONTACT", "accessibilite@exemple.fr")
    at = app_test(PAGE)
    assert "Contact : accessibilite@exemple.fr" in _text(at)


def test_the_statement_is_in_the_menu_of_every_page():
    at = app_test("views/results.py")
    links = {link.proto.page: link.proto.label for link in at.get("page_link")}
    assert links.get("accessibilite") == "Déclaration d'accessibilité", links


def test_the_statement_reads_in_english():
    from streamlit.testing.v1 import AppTest

    from .conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"  # a partner's link
    at.run()
    at.switch_page(PAGE).run()
    try:
        assert not at.exception
        assert at.title[0].value == "Accessibility statement"
        assert "not compliant" in _text(at)
    finally:
        i18n.use_language(None)


def test_the_statement_lists_every_page_of_the_menu_and_each_exception_has_its_words():
    at = app_test()
    menu = {link.proto.page for link in at.get("page_link")}
    listed = {path for path in load_statement().pages if path}
    assert menu - {""} <= listed, menu - listed
    for exception in load_statement().streamlit_strings:
        assert i18n.t(f"statement.exception_{exception.id}")
        assert exception.url.startswith("https://github.com/streamlit/streamlit/issues/")
