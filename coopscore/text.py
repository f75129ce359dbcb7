"""User text as typed: the one place that finds and removes characters no file can carry.

Control characters (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F) and lone surrogates
cannot be written to an XLSX file (openpyxl refuses them) and show as nothing on screen.
Imports refuse them with their line (`control_characters`); text typed in the app is
cleaned with `clean_text` before it is stored; exports pass stored text through
`spreadsheet_text`, so that text stored before these rules never breaks a download.
Tab, line feed and carriage return are kept: a comment may have several lines.
"""

from __future__ import annotations

import re

# The characters XML 1.0 (hence XLSX) cannot hold, plus lone UTF-16 surrogates.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def control_characters(text: str) -> list[str]:
    """The distinct forbidden characters of `text`, as « U+000B », in order of appearance."""
    found = dict.fromkeys(f"U+{ord(c):04X}" for c in CONTROL_CHARACTERS.findall(text))
    return list(found)


def clean_text(text: str | None) -> str | None:
    """`text` without control characters and lone surrogates; None stays None.

    Pure: the app's pages call it on names, comments and rationales before storing them.
    """
    if text is None:
        return None
    return CONTROL_CHARACTERS.sub("", str(text))


def spreadsheet_text(value: object) -> object:
    """A cell value an XLSX writer accepts: strings cleaned, anything else unchanged."""
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        return CONTROL_CHARACTERS.sub("", value)
    return value
