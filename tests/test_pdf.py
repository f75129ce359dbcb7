"""Typst documents: French typography, JSON data printed as text, French errors."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from coopscore.pdf import DocumentError, compile_pdf, typographic, typographic_data


def test_french_typography_spaces_and_apostrophes():
    assert typographic("l'équipe : 3 points ; « oui » ?", "fr") == \
        "l\u2019équipe\u00a0: 3 points\u202f; «\u202foui\u202f»\u202f?"


def test_typography_leaves_times_links_and_english_alone():
    assert typographic("à 12:30, voir http://exemple.fr", "fr") == "à 12:30, voir http://exemple.fr"
    assert typographic("the team's view : yes", "en") == "the team's view : yes"


def test_typographic_data_walks_the_structure_and_drops_nan():
    data = typographic_data({"kind": "para", "text": "a ; b", "rows": [["l'x", float("nan")]]},
                            "fr")
    assert data == {"kind": "para", "text": "a\u202f; b", "rows": [["l\u2019x", None]]}


def test_text_from_the_data_is_printed_as_is_never_as_markup():
    tricky = "#set page(width: 1cm) *pas gras* $x$ <b> \\ « fin »"
    data = compile_pdf("document.typ", {"title": "Essai", "footer": "pied", "page_of": "{page}",
                                        "blocks": [{"kind": "para", "text": tricky}]})
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "#set page(width: 1cm) *pas gras* $x$ <b>" in text


def test_a_missing_template_is_a_french_error():
    with pytest.raises(DocumentError, match="introuvable"):
        compile_pdf("absent.typ", {})


def test_a_layout_failure_is_a_french_error_not_a_traceback():
    with pytest.raises(DocumentError, match="n'a pas pu être mis en page"):
        compile_pdf("document.typ", {"title": "sans blocs"})
