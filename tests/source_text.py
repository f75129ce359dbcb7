"""Independent reading of the two Cap Rural source documents in data/sources/.

Used by tests/test_grid_sources.py to check that data/grids/*.yaml holds every item of
the sources, verbatim and in its place; `python tests/source_text.py` prints the
structure it reads (it was used once to draft the YAML files, then annotated by hand).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

SOURCES = Path(__file__).resolve().parent.parent / "data" / "sources"
COOPERATION_SOURCE = SOURCES / "001_eebdb0052eac5e4b.txt"
DIALOGUE_SOURCE = SOURCES / "000_25d5f7ef7a82fcfa.txt"

CTE_MARKER = " *"


def normalise(text: str) -> str:
    """Collapse whitespace, as the grid files do."""
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


@dataclass
class SourceItem:
    text: str
    italic: bool = False
    children: list["SourceItem"] = field(default_factory=list)


class _CellParser(HTMLParser):
    """Turns one table cell (nested <ul><li>) into a tree of SourceItem."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.roots: list[SourceItem] = []
        self.stack: list[SourceItem] = []
        self.buffers: list[list[str]] = []
        self.paragraphs: list[str] = []
        self._in_p = False
        self._italic_depth = 0
        self._italic_seen: list[bool] = []
        self._sup = False

    def handle_starttag(self, tag, attrs):
        if tag == "li":
            item = SourceItem("")
            (self.stack[-1].children if self.stack else self.roots).append(item)
            self.stack.append(item)
            self.buffers.append([])
            self._italic_seen.append(False)
        elif tag == "ul" and self.stack and self.buffers:
            # text before a nested list belongs to the parent item: freeze it now
            self._flush(self.stack[-1], self.buffers[-1])
        elif tag == "i":
            self._italic_depth += 1
        elif tag == "sup":
            self._sup = True
        elif tag == "p":
            self._in_p = True
            self.paragraphs.append("")

    def handle_endtag(self, tag):
        if tag == "li" and self.stack:
            item = self.stack.pop()
            self._flush(item, self.buffers.pop())
            item.italic = item.italic or self._italic_seen.pop()
        elif tag == "i":
            self._italic_depth -= 1
        elif tag == "sup":
            self._sup = False
        elif tag == "p":
            self._in_p = False

    def handle_data(self, data):
        if self._sup:
            data = "".join("⁰¹²³⁴⁵⁶⁷⁸⁹"[int(c)] if c.isdigit() else c for c in data)
        if self._in_p and not self.stack:
            self.paragraphs[-1] += data
            return
        if self.buffers:
            self.buffers[-1].append(data)
            if self._italic_depth and data.strip():
                self._italic_seen[-1] = True

    @staticmethod
    def _flush(item: SourceItem, buffer: list[str]) -> None:
        text = normalise("".join(buffer))
        if text:
            item.text = (item.text + " " + text).strip() if item.text else text
        buffer.clear()


def _clean(items: list[SourceItem]) -> list[SourceItem]:
    """Drop empty bullets ('✓' alone) and strip the bullet glyphs."""
    out = []
    for item in items:
        text = re.sub(r"^[✓▪]\s*", "", item.text).strip()
        if not text and not item.children:
            continue
        out.append(SourceItem(text, item.italic, _clean(item.children)))
    return out


@dataclass
class SourceStage:
    headings: list[str]
    methods: list[SourceItem]
    vigilance: list[SourceItem]
    notes: list[str]


def read_cooperation(path: Path = COOPERATION_SOURCE) -> tuple[list[SourceStage], list[str]]:
    """Return the 16 stages of the cooperation table and its footnotes."""
    stages: list[SourceStage] = []
    footnotes: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("<sup>"):
            footnotes.append(normalise(re.sub(r"<sup>(\d+)</sup>", r"\1 ", line)))
            continue
        cells = line.split("\t")
        if len(cells) < 2 or cells[0].startswith("Etapas"):
            continue
        heading_parser = _CellParser()
        heading_parser.feed(cells[0])
        headings = [normalise(p) for p in heading_parser.paragraphs if normalise(p)]
        if not headings:
            headings = [normalise(cells[0])]
        methods = _CellParser()
        methods.feed(cells[1])
        vigilance = _CellParser()
        vigilance.feed(cells[2] if len(cells) > 2 else "")
        stages.append(
            SourceStage(
                headings=headings,
                methods=_clean(methods.roots),
                vigilance=_clean(vigilance.roots),
                notes=[normalise(p) for p in methods.paragraphs if normalise(p)],
            )
        )
    return stages, footnotes


@dataclass
class SourceAxis:
    number: int
    title: str
    levers: list[SourceItem]


def read_dialogue(path: Path = DIALOGUE_SOURCE) -> tuple[list[str], list[SourceAxis]]:
    """Return the situations of application and the four axes with their levers.

    Bullets were lost in extraction: a line starting with a space opens a paragraph,
    one starting with a letter continues it. An axis heading may run on the same line
    as the end of the previous lever ("... ambitieux    3. Agir auprès des élus").
    """
    text = path.read_text(encoding="utf-8")
    text = text.split("Pour toute question")[0]
    paragraphs: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith(" ") or re.match(r"^\d\. ", line):
            paragraphs.append(line)
        else:
            paragraphs[-1] += " " + line
    situations: list[str] = []
    axes: list[SourceAxis] = []
    for raw in paragraphs:
        pieces = re.split(r"\s{2,}(?=\d\. )", raw.strip())
        for piece in pieces:
            piece = normalise(piece)
            heading = re.match(r"^(\d)\. (.+)$", piece)
            if heading and len(piece) < 80:
                axes.append(SourceAxis(int(heading.group(1)), heading.group(2), []))
            elif piece in ("…", "..."):
                continue
            elif not axes:
                if not piece.startswith("A noter"):
                    situations.append(piece)
            else:
                levers = axes[-1].levers
                if levers and levers[-1].text.endswith(":") and not piece[0].isupper():
                    levers[-1].children.append(SourceItem(piece))
                else:
                    levers.append(SourceItem(piece))
    return situations, axes


if __name__ == "__main__":
    stages, notes = read_cooperation()
    for number, stage in enumerate(stages, 1):
        print(f"S{number:02d}", " | ".join(stage.headings), stage.notes)
        for label, items in (("M", stage.methods), ("V", stage.vigilance)):
            for i, item in enumerate(items, 1):
                print(f"  {label}{i:02d}", "[CTE]" if item.italic else "", item.text)
                for j, child in enumerate(item.children, 1):
                    print(f"     .{j}", "[CTE]" if child.italic else "", child.text)
    print(notes)
    situations, axes = read_dialogue()
    print(situations)
    for axis in axes:
        print(axis.number, axis.title)
        for lever in axis.levers:
            print("   -", lever.text, [c.text for c in lever.children])
