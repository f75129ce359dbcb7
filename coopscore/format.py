"""The one place numbers, percentages, scores, dates and plurals are written for a person to read.

Every function takes the reader's language (default: the current run's, see `i18n`); French
writes « 2,5 », « 57 % », « 13 007 », « 01/03/2026 »; English « 2.5 », « 57% », « 13,007 »,
« 1 March 2026 ». Missing values read as « — » in every language.
"""

from __future__ import annotations

import datetime as dt
import math

from coopscore import i18n
from coopscore.i18n import current_language, t

MISSING = "—"
NARROW_NBSP = "\u202f"


def _language(language: str | None) -> str:
    return language or current_language()


def missing(value: object) -> bool:
    """Whether a value is absent: None, NaN, pandas' NA or NaT (what reads « — »)."""
    if value is None or str(value) in ("<NA>", "NaT"):
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _round_half_away(value: float, digits: int) -> float:
    """Round 2.5 → 3 and −9.5 → −10, as people do (Python's round() goes to even)."""
    factor = 10 ** digits
    return math.copysign(math.floor(abs(value) * factor + 0.5), value) / factor


def rounded(value: float, digits: int = 0) -> float:
    """The value a person reads once it is written with `digits` decimals (one rounding rule)."""
    result = _round_half_away(float(value), digits)
    return 0.0 if result == 0 else result


def number(value: object, digits: int = 0, *, trim: bool = True, sign: bool = False,
           minus: str = "\u2212", language: str | None = None) -> str:
    """« 2,5 », « 13 007 », « +3 »: a number with the reader's decimal and thousands marks.

    Args:
        value: any real number; None or NaN reads « — ».
        digits: decimals kept (rounded half away from zero).
        trim: drop trailing zeros of the decimals (« 2 » rather than « 2,0 »).
        sign: always write the sign (« +3 », « −2 », « 0 »).
        minus: the minus sign; Streamlit's st.metric reads a delta as a fall only when it
            starts with an ASCII « - » (give minus="-" there).
    """
    if missing(value):
        return MISSING
    shown = rounded(float(value), digits)  # type: ignore[arg-type]
    text = f"{abs(shown):,.{digits}f}"
    if trim and digits:
        text = text.rstrip("0").rstrip(".")
    if _language(language) == "fr":
        text = text.replace(",", NARROW_NBSP).replace(".", ",")
    if shown < 0:
        text = minus + text
    elif sign and shown > 0:
        text = "+" + text
    return text


def integer(value: object, language: str | None = None) -> str:
    """« 13 007 » (French narrow space), « 13,007 » (English)."""
    return number(value, 0, language=language)


def percent(fraction: object, digits: int = 0, language: str | None = None) -> str:
    """A fraction (0.57) as « 57 % » (French, narrow no-break space) or « 57% » (English)."""
    if missing(fraction):
        return MISSING
    figure = number(float(fraction) * 100, digits, language=language)  # type: ignore[arg-type]
    return f"{figure}{NARROW_NBSP}%" if _language(language) == "fr" else f"{figure}%"


def score(value: object, language: str | None = None) -> str:
    """A 0–100 score as « 57 / 100 »."""
    if missing(value):
        return MISSING
    return f"{number(value, 0, language=language)} / 100"


def date(value: object, language: str | None = None) -> str:
    """« 2026-03-01 » (or a date) → « 01/03/2026 » in French, « 1 March 2026 » in English.

    Text that is not an ISO date is returned unchanged; no date (None, NaN, NaT: a project
    not yet assessed) reads « — ».
    """
    if missing(value) or value == "":
        return MISSING
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
    if _language(language) == "fr":
        return day.strftime("%d/%m/%Y")
    return t("format.date_long", language=language, day=day.day,
             month=t(f"format.month_{day.month}", language=language), year=day.year)


def plural(count: int, key: str, language: str | None = None, **values: object) -> str:
    """`key`'s `_one` or `_other` form for `count`, with {n} filled in.

    French takes the singular for 0 and 1; English for 1 only.
    """
    count = int(count)
    one = i18n.singular(count, _language(language))
    return t(f"{key}_{'one' if one else 'other'}", language=language,
             n=integer(count, language=language), **values)


def timestamp(value: object, language: str | None = None) -> str:
    """« 2026-12-02T05:13:41+00:00 » → « 02/12/2026 05:13 » (the date as `date`, then HH:MM)."""
    if value is None or value == "":
        return MISSING
    text = str(value)
    clock = text[11:16] if len(text) >= 16 and text[10] in "T " else ""
    return f"{date(text, language)} {clock}".strip()


def plotly_separators(language: str | None = None) -> str:
    """Plotly's `layout.separators` (decimal mark, then thousands mark) for the reader."""
    return f",{NARROW_NBSP}" if _language(language) == "fr" else ".,"


def date_pattern(language: str | None = None) -> str:
    """The (moment.js) pattern of a table's date column: « 01/03/2026 », « 1 Mar 2026 »."""
    return "DD/MM/YYYY" if _language(language) == "fr" else "D MMM YYYY"


def date_input_pattern(language: str | None = None) -> str:
    """The pattern of a date field a person types in (Streamlit's date_input accepts only
    day, month and year in digits): « 01/03/2026 », or « 2026-03-01 » in English, which no
    reader takes for the 3rd of January."""
    return "DD/MM/YYYY" if _language(language) == "fr" else "YYYY-MM-DD"


def table_number(language: str | None = None) -> str:
    """The (printf) pattern of a table's column of whole numbers: « 57 », « −3 ».

    A table's cells are written by the browser, which knows no decimal comma: a column shows
    whole numbers only; a number with decimals goes to the table as text from `number`.
    """
    return "%.0f"


def table_percent(language: str | None = None) -> str:
    """The (printf) pattern of a table's percentage column holding 0–100: « 57 % », « 57% »."""
    return f"%.0f{NARROW_NBSP}%%" if _language(language) == "fr" else "%.0f%%"


def megabytes(size: int, language: str | None = None) -> str:
    """A size in bytes as MB with one decimal (« 2,5 »), the unit left to the sentence."""
    return number(size / 2**20, 1, language=language)
