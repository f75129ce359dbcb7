"""Short labels for charts: stages (« 1. Identifier un besoin… », full title on hover), bands.

A chart with sixteen stages has no room for titles of a hundred characters; the number
says which stage it is, the first words what it is about.
"""

from __future__ import annotations

from collections.abc import Sequence

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
