"""PDF documents with Typst: a template of data/reports/, JSON data, SVG figures, French typography.

The templates hold the layout only; every word they print comes in the data (from the i18n
catalogues, already formatted by `coopscore.format`), so a document speaks the reader's
language and the templates never need escaping: Typst reads the data as JSON and prints its
strings as text, never as markup. The compiler (PyPI `typst`) runs offline with its bundled
fonts, which keeps documents identical from one machine to another. Documents are tagged
(PDF/UA-1: title, language, reading order, alternative text of each figure).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import CoopscoreError
from .i18n import current_language, t

TEMPLATES = Path(__file__).resolve().parent.parent / "data" / "reports"
PDF_STANDARDS = ("ua-1",)

# French spacing: a narrow no-break space before ; ! ? » and after «, a no-break space
# before :, and the typographic apostrophe. Only spaces already typed are replaced (« 12:30 »
# and « http://… » stay as they are).
_SPACE_BEFORE = re.compile(r"[ \u00a0\u202f]+([;!?»])")
_SPACE_BEFORE_COLON = re.compile(r"[ \u00a0\u202f]+:(?=\s|$)")
_SPACE_AFTER_GUILLEMET = re.compile(r"«[ \u00a0\u202f]+")
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")


class DocumentError(CoopscoreError):
    """A document could not be laid out (a template or data problem, said in French)."""


def typographic(text: str, language: str | None = None) -> str:
    """`text` with the typography of `language`: French spaces and apostrophes; others unchanged.

    « l'équipe : 3 points ; « oui » » → « l’équipe : 3 points ; « oui » » with no-break spaces
    that keep each sign on the line of its word.
    """
    if (language or current_language()) != "fr":
        return text
    text = _APOSTROPHE.sub("\u2019", text)
    text = _SPACE_BEFORE.sub("\u202f\\1", text)
    text = _SPACE_BEFORE_COLON.sub("\u00a0:", text)
    return _SPACE_AFTER_GUILLEMET.sub("«\u202f", text)


def typographic_data(value: Any, language: str | None = None) -> Any:
    """Every string of a JSON-ready structure through `typographic` (keys left alone); NaN and
    numpy scalars become plain JSON values."""
    language = language or current_language()
    if isinstance(value, str):
        return typographic(value, language)
    if isinstance(value, Mapping):
        return {key: typographic_data(item, language) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [typographic_data(item, language) for item in value]
    if hasattr(value, "item") and not isinstance(value, (bool, int, float)):
        value = value.item()  # a numpy scalar
    if isinstance(value, float) and math.isnan(value):
        return None  # pandas' missing value: JSON has only null
    return value


def compile_pdf(template: str, data: Mapping[str, Any],
                figures: Mapping[str, str] | None = None, *,
                language: str | None = None, today: dt.date | None = None) -> bytes:
    """Lay out `template` (a file of data/reports/) with `data` and SVG `figures`; the PDF bytes.

    Args:
        template: e.g. "fiche.typ".
        data: JSON-ready; the template reads it as `d`. Strings get the reader's typography.
        figures: {name: SVG text}; the template reads `sys.inputs.<name>`.
        language: the document's language (the run's by default), written in the PDF.
        today: the document's date (metadata); today by default.

    Raises:
        DocumentError: the template is missing or Typst refuses it (a programming error,
            said in French rather than as a traceback).
    """
    import typst

    language = language or current_language()
    path = TEMPLATES / template
    if not path.is_file():
        raise DocumentError(t("report.template_missing", template=template))
    document = typographic_data(dict(data), language)
    document["lang"] = language
    inputs = {"data": json.dumps(document, ensure_ascii=False, allow_nan=False)}
    inputs.update(figures or {})
    day = today or dt.date.today()
    stamp = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())
    try:
        return typst.compile(str(path), root=str(TEMPLATES), sys_inputs=inputs,
                             ignore_system_fonts=True, pdf_standards=list(PDF_STANDARDS),
                             timestamp=stamp)
    except Exception as error:  # typst raises its own TypstError with the template's line
        raise DocumentError(t("report.layout_failed", template=template,
                              detail=str(error).strip()[:300])) from None
