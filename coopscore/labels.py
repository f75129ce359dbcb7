"""Short labels for charts: stages (« 1. Identifier un besoin… », full title on hover), bands.

A chart with sixteen stages has no room for titles of a hundred characters; the number
says which stage it is, the first words what it is about.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .grid import Grid, Section
from .scale import Band

SHORT_WIDTH = 26  # characters of a short stage label, number included
LINK_WORD = 3  # a cut label does not end on a word this short (« à la… », « des… »)


def shorten(text: str, width: int) -> str:
    """Cut `text` to at most `width` characters at a word boundary, ending with « … ».

    Short trailing words (articles, prepositions: LINK_WORD letters or fewer) go too, so a
    label ends on a word that carries meaning; the first word always stays.
    """
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    room = width - 1  # one character for « … »
    words = text[:room].split(" ")
    if text[room] not in " ,;:." and len(words) > 1:
        words.pop()  # the last word was cut in the middle
    while len(words) > 2 and len(words[-1].strip(",;:–-/")) <= LINK_WORD:
        words.pop()
    return " ".join(words)[:room].rstrip(" ,;:–-/") + "…"


def wrapped_lines(text: str, width: int) -> int:
    """How many lines `text` takes wrapped between words at `width` characters a line (a word
    longer than a line takes lines of its own): the height a table row needs to show it whole."""
    lines, current = 0, 0
    for word in str(text).split():
        size = len(word)
        if current and current + 1 + size <= width:
            current += 1 + size
            continue
        lines += 1 if current else 0
        while size > width:  # a word cut across lines by the table itself
            lines += 1
            size -= width
        current = size
    return lines + (1 if current else 0) or 1


CHAR_PX = 7  # average width of a character of the app's 14 px font in a table cell
LINE_PX = 20
TABLE_ROW_PX = 35  # Streamlit's own row height (one line, no wrapping)
WRAPPING_ROW_PX = 65  # above 4 rem a Streamlit table wraps its cells' text


def table_row_height(columns: Iterable[tuple[Iterable[str], int]]) -> int:
    """The row height (px) at which every text of the given columns shows whole, wrapped.

    Args:
        columns: (texts, column width in px) for each column whose texts must not be cut.

    Returns:
        Streamlit's default height when every text fits on one line; otherwise a height
        above 4 rem (Streamlit wraps text only then) with room for the longest text.
    """
    lines = max((wrapped_lines(text, max(1, width // CHAR_PX)) for texts, width in columns
                 for text in texts), default=1)
    if lines <= 1:
        return TABLE_ROW_PX
    return max(WRAPPING_ROW_PX, LINE_PX * lines + 12)


def stage_label(section: Section, width: int | None = SHORT_WIDTH) -> str:
    """« 1. Identifier un besoin… »: the section's number and title, cut when `width` is given."""
    full = f"{section.number}. {section.title}"
    return full if width is None else shorten(full, width)


def stage_labels(grid: Grid, width: int | None = SHORT_WIDTH) -> dict[str, str]:
    """{section id: label} for every section of the grid, in grid order (see `stage_label`)."""
    return {section.id: stage_label(section, width) for section in grid.sections}


def band_ranges(bands: Sequence[Band], top: float = 100.0) -> list[tuple[str, float, float]]:
    """(label, from, to) of each reading band, highest first: a legend for score colours.

    A band runs from its `min` up to the next band's `min` (the top of the scale for the
    highest band).
    """
    ordered = sorted(bands, key=lambda band: band.min, reverse=True)
    ranges, upper = [], top
    for band in ordered:
        ranges.append((band.label, band.min, upper))
        upper = band.min
    return ranges
