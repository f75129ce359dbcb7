"""What the accessibility statement says is measured, read from data/accessibility.yaml.

The same file lists the pages the browser tests check and the strings Streamlit keeps in
English (with their upstream issue), so the statement never claims more than the tests check.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

STATEMENT_FILE = Path(__file__).resolve().parent.parent / "data" / "accessibility.yaml"


@dataclass(frozen=True)
class StreamlitString:
    """A text Streamlit writes in English that the app cannot change, and its upstream issue."""

    id: str
    english: str
    issue: str  # « owner/repo#number »

    @property
    def url(self) -> str:
        repository, number = self.issue.split("#")
        return f"https://github.com/{repository}/issues/{number}"


@dataclass(frozen=True)
class Statement:
    checked_on: str
    standard: str
    tools: tuple[str, ...]
    pages: dict[str, str]  # url path -> catalogue key of the page's title
    streamlit_strings: tuple[StreamlitString, ...]


@functools.cache
def load_statement(path: Path = STATEMENT_FILE) -> Statement:
    """The facts of the statement (cached: the file ships with the app)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Statement(
        checked_on=str(data["checked_on"]), standard=str(data["standard"]),
        tools=tuple(str(tool) for tool in data["tools"]),
        pages={str(path or ""): str(key) for path, key in data["pages"].items()},
        streamlit_strings=tuple(StreamlitString(str(s["id"]), str(s["english"]), str(s["issue"]))
                                for s in data["streamlit_strings"]))
