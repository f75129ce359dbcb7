"""Grids as data: load, validate and query the reference grids in data/grids/*.yaml.

A grid is a list of sections (the stages of a cooperation project, the axes of the
dialogue levers), each holding criteria (points de vigilance, levers) and methods, with
sub-items as children. Nothing here knows what a stage is about: every word comes from
the file, and a user's own grid file goes through the same checks.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml

from .errors import GridError
from .i18n import t

GRIDS_DIR = Path(__file__).resolve().parent.parent / "data" / "grids"
# Translations of the shipped grids: data/grids/i18n/<language>/<grid id>.yaml, keyed by item id.
TRANSLATIONS_DIR = GRIDS_DIR / "i18n"

ItemKind = Literal["criterion", "method"]

ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")

GRID_KEYS = {
    "id", "title", "short_title", "version", "language", "source", "labels", "footnotes",
    "phases", "sections", "situations", "situations_intro", "scale",
}
REQUIRED_GRID_KEYS = ("id", "title", "version", "sections")
SECTION_KEYS = {"id", "title", "headings", "criteria", "methods", "links", "note"}
ITEM_KEYS = {"id", "text", "children", "cte", "critical", "weight", "footnotes", "note"}
SOURCE_KEYS = {"document", "organisation", "authors", "file", "url", "year"}
PHASE_KEYS = {"id", "title", "sections"}
LINK_KEYS = {"to", "text"}
NAMED_TEXT_KEYS = {"id", "text"}
BOOLEAN_ITEM_KEYS = ("cte",)

# Bounds on a grid file, checked before or while it is read: a grid is a few hundred items
# a few levels deep; anything far beyond is a mistake or an attack (YAML bombs, deep nesting).
MAX_GRID_BYTES = 2_000_000
MAX_ITEMS = 5_000
MAX_ITEM_DEPTH = 6
# YAML nesting: root > sections > section > criteria > item, then 2 levels per sub-item.
MAX_YAML_DEPTH = 5 + 2 * MAX_ITEM_DEPTH


@dataclass(frozen=True)
class Item:
    """A criterion (point of vigilance, lever) or a method, with its sub-items."""

    id: str
    text: str
    kind: ItemKind
    section_id: str
    parent_id: str | None = None
    children: tuple[Item, ...] = ()
    cte: bool = False
    critical: str | None = None
    weight: float = 1.0
    footnotes: tuple[str, ...] = ()
    note: str | None = None

    @property
    def is_critical(self) -> bool:
        return self.critical is not None


@dataclass(frozen=True)
class Link:
    """A cross-reference from one section to another (« cf. étape ... »)."""

    to: str
    text: str


@dataclass(frozen=True)
class Section:
    """A stage (cooperation grid) or an axis (dialogue grid)."""

    id: str
    title: str
    headings: tuple[str, ...] = ()
    criteria: tuple[Item, ...] = ()
    methods: tuple[Item, ...] = ()
    links: tuple[Link, ...] = ()
    note: str | None = None
    number: int = 0


@dataclass(frozen=True)
class Phase:
    """A group of consecutive sections that a project goes through together."""

    id: str
    title: str
    sections: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    document: str = ""
    organisation: str = ""
    authors: str = ""
    file: str = ""


@dataclass(frozen=True)
class NamedText:
    id: str
    text: str


@dataclass(frozen=True)
class Grid:
    """A whole reference grid, as read from its YAML file."""

    id: str
    title: str
    version: str
    sections: tuple[Section, ...]
    short_title: str = ""
    language: str = "fr"
    source: Source = field(default_factory=Source)
    labels: dict[str, str] = field(default_factory=dict)
    footnotes: tuple[NamedText, ...] = ()
    phases: tuple[Phase, ...] = ()
    situations: tuple[NamedText, ...] = ()
    situations_intro: str = ""
    scale: str | None = None
    path: str = ""

    def section(self, section_id: str) -> Section:
        """Return one section by id; raise GridError naming the valid ids otherwise."""
        for section in self.sections:
            if section.id == section_id:
                return section
        raise GridError(
            t("grid.unknown_section", id=section_id, grid=self.id,
              valid=", ".join(s.id for s in self.sections))
        )

    def items(self, kind: ItemKind | None = None, *, top_level: bool = False) -> Iterator[Item]:
        """Yield items in grid order (each followed by its children unless top_level)."""
        for section in self.sections:
            for group in (section.criteria, section.methods):
                for item in group:
                    if kind is None or item.kind == kind:
                        yield item
                        if not top_level:
                            yield from _descendants(item)

    def criteria(self) -> list[Item]:
        """The assessed criteria: top-level points of vigilance / levers, in grid order."""
        return list(self.items("criterion", top_level=True))

    def methods(self) -> list[Item]:
        """The top-level methods, in grid order."""
        return list(self.items("method", top_level=True))

    def item(self, item_id: str) -> Item:
        """Return any item (criterion, method or sub-item) by id."""
        found = self._index().get(item_id)
        if found is None:
            raise GridError(t("grid.unknown_item", id=item_id, grid=self.id))
        return found

    def has_item(self, item_id: str) -> bool:
        return item_id in self._index()

    def _index(self) -> dict[str, Item]:
        cached = self.__dict__.get("_item_index")
        if cached is None:
            cached = {item.id: item for item in self.items()}
            object.__setattr__(self, "_item_index", cached)
        return cached

    def phase_of(self, section_id: str) -> Phase | None:
        for phase in self.phases:
            if section_id in phase.sections:
                return phase
        return None

    def label(self, key: str) -> str:
        """A grid's own word for 'section', 'criteria', 'methods' (« Étape », « Axe »...)."""
        return self.labels.get(key) or t(f"grid.label_{key}")

    def items_table(self) -> pd.DataFrame:
        """One row per item (sub-items included) in grid order, with its place in the grid.

        Columns: id, kind, section_id, section_title, phase_id, parent_id, level, position,
        text, cte, critical, weight.
        """
        titles = {s.id: s.title for s in self.sections}
        rows = []
        for position, item in enumerate(self.items()):
            phase = self.phase_of(item.section_id)
            rows.append({
                "id": item.id,
                "kind": item.kind,
                "section_id": item.section_id,
                "section_title": titles[item.section_id],
                "phase_id": phase.id if phase else None,
                "parent_id": item.parent_id,
                "level": item.id.count(".") - 1,
                "position": position,
                "text": item.text,
                "cte": item.cte,
                "critical": item.critical,
                "weight": item.weight,
            })
        columns = ["id", "kind", "section_id", "section_title", "phase_id", "parent_id",
                   "level", "position", "text", "cte", "critical", "weight"]
        return pd.DataFrame(rows, columns=columns)

    def rows(self) -> list[dict[str, object]]:
        """One flat row per item (the CSV export): section and parent ids, kind, level, text, flags."""
        columns = ["id", "section_id", "section_title", "phase_id", "parent_id", "kind", "level",
                   "text", "cte", "critical", "weight"]
        return self.items_table()[columns].fillna("").to_dict("records")

    def to_dict(self) -> dict[str, Any]:
        """The documented export shape (README, « Format JSON d'une grille »)."""
        return {
            "id": self.id,
            "title": self.title,
            "short_title": self.short_title,
            "version": self.version,
            "language": self.language,
            "source": {
                "document": self.source.document,
                "organisation": self.source.organisation,
                "authors": self.source.authors,
                "file": self.source.file,
            },
            "labels": dict(self.labels),
            "footnotes": [{"id": f.id, "text": f.text} for f in self.footnotes],
            "situations": [{"id": s.id, "text": s.text} for s in self.situations],
            "phases": [{"id": p.id, "title": p.title, "sections": list(p.sections)}
                       for p in self.phases],
            "sections": [
                {
                    "id": s.id,
                    "number": s.number,
                    "title": s.title,
                    "headings": list(s.headings),
                    "phase": (self.phase_of(s.id).id if self.phase_of(s.id) else None),
                    "links": [{"to": link.to, "text": link.text} for link in s.links],
                    "criteria": [_item_dict(i) for i in s.criteria],
                    "methods": [_item_dict(i) for i in s.methods],
                }
                for s in self.sections
            ],
        }


def _descendants(item: Item) -> Iterator[Item]:
    for child in item.children:
        yield child
        yield from _descendants(child)


def _item_dict(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "text": item.text,
        "cte": item.cte,
        "critical": item.critical,
        "weight": item.weight,
        "footnotes": list(item.footnotes),
        "children": [_item_dict(child) for child in item.children],
    }


# --- reading YAML with line numbers -------------------------------------------------


class _LineDict(dict):
    line: int = 0
    key_lines: dict = {}

    def line_of(self, key: object) -> int:
        return self.key_lines.get(key, self.line)


class _LineList(list):
    line: int = 0


class _Refused(Exception):
    """A grid file construct refused while reading (alias, excessive nesting), with its line."""

    def __init__(self, line: int, key: str, **values: object) -> None:
        super().__init__(key)
        self.line, self.key, self.values = line, key, values


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader whose mappings and sequences remember their line (1-based).

    It also refuses what a grid never needs and an attacker uses: aliases (`*x`, the
    « billion laughs » expansion) and nesting deeper than MAX_YAML_DEPTH; and it records
    duplicate mapping keys (plain YAML keeps the last one silently).
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.duplicate_keys: list[tuple[int, object, int]] = []

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(event.start_mark.line + 1, "alias", name=event.anchor)
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                event = self.peek_event()
                raise _Refused(event.start_mark.line + 1, "too_deep", limit=MAX_ITEM_DEPTH)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    mapping = _LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in mapping.key_lines:
            loader.duplicate_keys.append((line, key, mapping.key_lines[key]))
        else:
            mapping.key_lines[key] = line
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _LineList:
    sequence = _LineList(loader.construct_sequence(node, deep=True))
    sequence.line = node.start_mark.line + 1
    return sequence


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class _Checker:
    """Collects every problem of one grid file before anything is raised."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[str] = []
        self.seen_ids: dict[str, int] = {}
        self.item_count = 0

    def add(self, line: int, message: str, /, **values: object) -> None:
        self.problems.append(t("grid.at_line", file=self.filename, line=line)
                             + t(f"grid.{message}", **values))

    def keys(self, node: Any, allowed: set[str], where: str) -> bool:
        if not isinstance(node, dict):
            self.add(getattr(node, "line", 0), "not_a_mapping", where=where)
            return False
        for key in node:
            if key not in allowed:
                self.add(node.line_of(key), "unknown_key", key=key, where=where,
                         valid=", ".join(sorted(allowed)))
        return True

    def text(self, node: dict, key: str, where: str, required: bool = True) -> str:
        value = node.get(key)
        if value is None:
            if required:
                self.add(node.line, "missing_key", key=key, where=where)
            return ""
        if not isinstance(value, (str, int, float)) or not str(value).strip():
            self.add(node.line_of(key), "empty_text", key=key, where=where)
            return ""
        return " ".join(str(value).split())

    def identifier(self, node: dict, where: str, prefix: str | None = None) -> str:
        if "id" not in node:
            self.add(node.line, "missing_key", key="id", where=where)
            return ""
        value = node.get("id")
        if not _is_identifier_value(value):
            self.add(node.line_of("id"), "bad_id_type", where=where, value=_shown(value))
            return ""
        value = str(value)
        if not ID_PATTERN.match(value):
            self.add(node.line, "malformed_id", id=value)
        elif prefix is not None and not value.startswith(prefix + "."):
            self.add(node.line, "id_outside_parent", id=value, parent=prefix)
        if value in self.seen_ids:
            self.add(node.line, "duplicate_id", id=value, first=self.seen_ids[value])
        else:
            self.seen_ids[value] = node.line
        return value

    def sequence(self, node: dict, key: str, where: str) -> list:
        value = node.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(node.line, "not_a_list", key=key, where=where)
            return []
        return value


def _shown(value: object) -> str:
    """A YAML value as the file's author wrote it (null, true), for a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _is_identifier_value(value: object) -> bool:
    """An id is written as text (or a whole number); null, true/false, lists are mistakes."""
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _read_items(check: _Checker, nodes: list, kind: ItemKind, section_id: str,
                parent: str, parent_id: str | None, footnote_refs: list,
                depth: int = 1) -> tuple[Item, ...]:
    items = []
    if depth > MAX_ITEM_DEPTH and nodes:
        check.add(getattr(nodes, "line", 0), "too_deep", limit=MAX_ITEM_DEPTH)
        return ()
    for node in nodes:
        where = t("grid.where_item", parent=parent)
        check.item_count += 1
        if check.item_count == MAX_ITEMS + 1:
            check.add(getattr(node, "line", 0), "too_many_items", limit=MAX_ITEMS)
        if not check.keys(node, ITEM_KEYS, where):
            continue
        item_id = check.identifier(node, where, prefix=parent)
        where = t("grid.where_named", id=item_id or "?")
        text = check.text(node, "text", where)
        weight = node.get("weight", 1)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) \
                or not math.isfinite(weight) or weight <= 0:
            check.add(node.line_of("weight"), "bad_weight", id=item_id, value=weight)
            weight = 1
        for flag in BOOLEAN_ITEM_KEYS:
            if flag in node and not isinstance(node[flag], bool):
                check.add(node.line_of(flag), "bad_flag", key=flag, id=item_id,
                          value=_shown(node[flag]))
        critical = node.get("critical")
        if critical is not None and (not isinstance(critical, str) or not critical.strip()):
            check.add(node.line, "empty_text", key="critical", where=where)
            critical = None
        notes = [str(n) for n in check.sequence(node, "footnotes", where)]
        footnote_refs.extend((node.line, item_id, n) for n in notes)
        children = _read_items(check, check.sequence(node, "children", where), kind,
                               section_id, item_id, item_id, footnote_refs, depth + 1)
        items.append(Item(
            id=item_id, text=text, kind=kind, section_id=section_id, parent_id=parent_id,
            children=children, cte=node.get("cte") is True,
            critical=" ".join(critical.split()) if critical else None, weight=float(weight),
            footnotes=tuple(notes), note=node.get("note"),
        ))
    return tuple(items)


def parse_grid(text: str, filename: str = "<grille>") -> Grid:
    """Validate the YAML text of a grid and build it.

    Raises:
        GridError: with one line per problem found (file, line, id, what to do).
    """
    check = _Checker(filename)

    def refuse(line: int, key: str, **values: object) -> GridError:
        return GridError(t("grid.invalid", file=filename),
                         [t("grid.at_line", file=filename, line=line) + t(f"grid.{key}", **values)])

    if len(text) > MAX_GRID_BYTES:
        raise GridError(t("grid.invalid", file=filename),
                        [t("grid.too_big", file=filename, limit=MAX_GRID_BYTES // 1_000_000)])
    loader = _LineLoader(text)
    try:
        raw = loader.get_single_data()
    except _Refused as refused:
        raise refuse(refused.line, refused.key, **refused.values) from None
    except RecursionError:
        raise refuse(0, "too_deep", limit=MAX_ITEM_DEPTH) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise refuse(line, "yaml_syntax", detail=getattr(exc, "problem", str(exc))) from None
    finally:
        loader.dispose()
    if not isinstance(raw, dict):
        raise GridError(t("grid.invalid", file=filename), [t("grid.not_a_grid", file=filename)])
    for line, key, first in loader.duplicate_keys:
        check.add(line, "duplicate_key", key=key, first=first)
    where_grid = t("grid.where_grid")
    check.keys(raw, GRID_KEYS, where_grid)
    for key in REQUIRED_GRID_KEYS:
        if key not in raw:
            check.add(raw.line, "missing_key", key=key, where=where_grid)
    grid_id = ""
    if "id" in raw and not _is_identifier_value(raw["id"]):
        check.add(raw.line_of("id"), "bad_id_type", where=where_grid, value=_shown(raw["id"]))
    elif "id" in raw:
        grid_id = str(raw["id"])
        if not ID_PATTERN.match(grid_id):
            check.add(raw.line_of("id"), "malformed_id", id=grid_id)
    labels = raw.get("labels")
    if labels is None:
        labels = {}
    elif not isinstance(labels, dict):
        check.add(raw.line_of("labels"), "not_a_mapping", where="« labels »")
        labels = {}
    else:
        for key, value in labels.items():
            if not isinstance(value, str):
                check.add(labels.line_of(key), "empty_text", key=key, where="« labels »")
    title = check.text(raw, "title", where_grid) if "title" in raw else ""
    version = check.text(raw, "version", where_grid) if "version" in raw else ""

    source = Source()
    if raw.get("source") is not None and check.keys(raw["source"], SOURCE_KEYS, "source"):
        source = Source(**{k: str(raw["source"].get(k, "")) for k in
                           ("document", "organisation", "authors", "file")})

    footnotes = []
    for node in check.sequence(raw, "footnotes", where_grid):
        if check.keys(node, NAMED_TEXT_KEYS, "footnotes"):
            footnotes.append(NamedText(str(node.get("id", "")), check.text(node, "text", "footnotes")))
    situations = []
    for node in check.sequence(raw, "situations", where_grid):
        if check.keys(node, NAMED_TEXT_KEYS, "situations"):
            situations.append(NamedText(check.identifier(node, "situations"),
                                        check.text(node, "text", "situations")))

    sections: list[Section] = []
    links_to_check: list[tuple[int, str, str]] = []
    footnote_refs: list[tuple[int, str, str]] = []
    section_nodes = check.sequence(raw, "sections", where_grid)
    if "sections" in raw and not section_nodes:
        check.add(raw.line, "no_sections")
    for number, node in enumerate(section_nodes, 1):
        where = t("grid.where_section", number=number)
        if not check.keys(node, SECTION_KEYS, where):
            continue
        section_id = check.identifier(node, where)
        where = t("grid.where_named", id=section_id or "?")
        section_title = check.text(node, "title", where)
        headings = tuple(" ".join(str(h).split()) for h in check.sequence(node, "headings", where))
        links = []
        for link in check.sequence(node, "links", where):
            if check.keys(link, LINK_KEYS, where):
                target = str(link.get("to", ""))
                links_to_check.append((link.line, section_id, target))
                links.append(Link(target, check.text(link, "text", where)))
        sections.append(Section(
            id=section_id, title=section_title, headings=headings,
            criteria=_read_items(check, check.sequence(node, "criteria", where), "criterion",
                                 section_id, section_id, None, footnote_refs),
            methods=_read_items(check, check.sequence(node, "methods", where), "method",
                                section_id, section_id, None, footnote_refs),
            links=tuple(links), note=node.get("note"), number=number,
        ))

    section_ids = [s.id for s in sections]
    for line, origin, target in links_to_check:
        if target not in section_ids:
            check.add(line, "unknown_link", origin=origin, target=target,
                      valid=", ".join(section_ids))
    footnote_ids = {f.id for f in footnotes}
    for line, item_id, ref in footnote_refs:
        if ref not in footnote_ids:
            check.add(line, "unknown_footnote", id=item_id, ref=ref)

    phases = []
    phase_of: dict[str, str] = {}
    for node in check.sequence(raw, "phases", where_grid):
        if not check.keys(node, PHASE_KEYS, "phases"):
            continue
        phase_id = check.identifier(node, "phases")
        members = tuple(str(s) for s in check.sequence(node, "sections", phase_id))
        for member in members:
            if member not in section_ids:
                check.add(node.line, "unknown_phase_section", phase=phase_id, target=member,
                          valid=", ".join(section_ids))
            elif member in phase_of:
                check.add(node.line, "section_in_two_phases", target=member,
                          first=phase_of[member], second=phase_id)
            else:
                phase_of[member] = phase_id
        phases.append(Phase(phase_id, check.text(node, "title", phase_id), members))

    if check.problems:
        raise GridError(t("grid.invalid", file=filename), check.problems)
    return Grid(
        id=grid_id, title=title, version=version, sections=tuple(sections),
        short_title=str(raw.get("short_title") or title), language=str(raw.get("language", "fr")),
        source=source, labels={str(k): str(v) for k, v in labels.items()},
        footnotes=tuple(footnotes), phases=tuple(phases), situations=tuple(situations),
        situations_intro=str(raw.get("situations_intro", "")), scale=raw.get("scale"),
        path=filename,
    )


def available_grids(folder: Path | str = GRIDS_DIR) -> list[str]:
    """Ids of the grids shipped in `folder` (file stems), sorted."""
    return sorted(path.stem for path in Path(folder).glob("*.yaml"))


def grid_path(id_or_path: str | Path, folder: Path | str = GRIDS_DIR) -> Path:
    """Resolve a grid id ('cooperation') or a file path to an existing file."""
    candidate = Path(id_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        if not candidate.is_file():
            raise GridError(t("grid.file_not_found", file=str(candidate)))
        return candidate
    path = Path(folder) / f"{id_or_path}.yaml"
    if not path.is_file():
        raise GridError(t("grid.unknown_grid", id=str(id_or_path),
                          valid=", ".join(available_grids(folder)) or "—"))
    return path


def read_grid_text(id_or_path: str | Path, folder: Path | str = GRIDS_DIR) -> tuple[Path, str]:
    """The file of a grid (by id or path) and its text, refused when too big or not UTF-8.

    Raises:
        GridError: unknown id, missing file, file over MAX_GRID_BYTES, or not UTF-8.
    """
    path = grid_path(id_or_path, folder)
    try:
        if path.stat().st_size > MAX_GRID_BYTES:
            raise GridError(t("grid.invalid", file=path.name),
                            [t("grid.too_big", file=path.name, limit=MAX_GRID_BYTES // 1_000_000)])
        return path, path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise GridError(t("grid.invalid", file=path.name), [t("grid.not_utf8", file=path.name)]) from None
    except OSError as error:
        raise GridError(t("grid.file_not_found", file=f"{path} ({error.strerror})")) from None


def load_grid(id_or_path: str | Path, folder: Path | str = GRIDS_DIR, *,
              language: str | None = None) -> Grid:
    """Load and validate a grid by id (a file of data/grids/) or by path.

    Args:
        language: read the grid's texts in this language (see `translated`); None keeps
            the grid's own language.

    Raises:
        GridError: unknown id, unreadable file, or every problem of an invalid file.
    """
    path, text = read_grid_text(id_or_path, folder)
    grid = parse_grid(text, filename=path.name)
    return translated(grid, language) if language else grid


# --- translations of a grid ----------------------------------------------------------


def translation_languages(grid_id: str, folder: Path | str = TRANSLATIONS_DIR) -> list[str]:
    """The languages a shipped grid is translated into (its own language not included)."""
    root = Path(folder)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / f"{grid_id}.yaml").is_file())


def grid_translation(grid_id: str, language: str,
                     folder: Path | str = TRANSLATIONS_DIR) -> dict[str, Any] | None:
    """The raw translation file of a grid in a language (None when there is none)."""
    return _read_translation(str(Path(folder) / language / f"{grid_id}.yaml"))


@functools.cache
def _read_translation(path: str) -> dict[str, Any] | None:
    # Shipped files, read once per process like the message catalogues.
    if not Path(path).is_file():
        return None
    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}


def translation_ids(translation: dict[str, Any]) -> dict[str, set[str]]:
    """The ids a translation file gives a text for, by kind (to compare with a grid's)."""
    return {kind: {str(key) for key in (translation.get(kind) or {})}
            for kind in ("sections", "items", "critical", "phases", "situations", "footnotes")}


def translated(grid: Grid, language: str | None, folder: Path | str = TRANSLATIONS_DIR) -> Grid:
    """A copy of `grid` whose texts are in `language`, for reading only.

    Ids, kinds, weights, phases' sections, CTE and critical flags are the grid's own, so a
    score never depends on the language it is read in; only texts change (the critical
    reason too, which is an annotation). The grid itself comes back when `language` is its
    own, or when no translation of this grid id and version exists; an id the translation
    lacks keeps its original text.
    """
    if not language or language == grid.language:
        return grid
    data = grid_translation(grid.id, language, folder)
    if data is None or str(data.get("version", "")) != grid.version:
        return grid
    items = {str(k): str(v) for k, v in (data.get("items") or {}).items()}
    reasons = {str(k): str(v) for k, v in (data.get("critical") or {}).items()}
    sections = {str(k): v or {} for k, v in (data.get("sections") or {}).items()}
    phases = {str(k): str(v) for k, v in (data.get("phases") or {}).items()}
    situations = {str(k): str(v) for k, v in (data.get("situations") or {}).items()}
    footnotes = {str(k): str(v) for k, v in (data.get("footnotes") or {}).items()}

    def item_in(item: Item) -> Item:
        critical = item.critical
        if critical is not None:
            critical = reasons.get(item.id, critical)
        return replace(item, text=items.get(item.id, item.text), critical=critical,
                       children=tuple(item_in(child) for child in item.children))

    def section_in(section: Section) -> Section:
        texts = sections.get(section.id, {})
        headings = tuple(texts.get("headings") or section.headings)
        if len(headings) != len(section.headings):
            headings = section.headings
        link_texts = texts.get("links") or {}
        return replace(
            section, title=str(texts.get("title") or section.title), headings=headings,
            criteria=tuple(item_in(i) for i in section.criteria),
            methods=tuple(item_in(i) for i in section.methods),
            links=tuple(Link(link.to, str(link_texts.get(link.to, link.text)))
                        for link in section.links),
        )

    return replace(
        grid,
        title=str(data.get("title") or grid.title),
        short_title=str(data.get("short_title") or grid.short_title),
        language=language,
        labels={**grid.labels, **{str(k): str(v) for k, v in (data.get("labels") or {}).items()}},
        footnotes=tuple(NamedText(f.id, footnotes.get(f.id, f.text)) for f in grid.footnotes),
        phases=tuple(Phase(p.id, phases.get(p.id, p.title), p.sections) for p in grid.phases),
        situations=tuple(NamedText(s.id, situations.get(s.id, s.text)) for s in grid.situations),
        situations_intro=str(data.get("situations_intro") or grid.situations_intro),
        sections=tuple(section_in(s) for s in grid.sections),
    )


def changed_items(old: Grid, new: Grid) -> list[tuple[str, str]]:
    """(item id, what) for each item both grids hold whose meaning differs.

    `what` is one of text, weight, critical, cte: what a score or a reading depends on.
    A grid id and version must always mean the same items (answers are kept against them).
    """
    changes = []
    for item in new.items():
        if not old.has_item(item.id):
            continue
        before = old.item(item.id)
        for what in ("text", "weight", "critical", "cte"):
            if getattr(before, what) != getattr(item, what):
                changes.append((item.id, what))
    return changes


def _fold(text: str) -> str:
    """Lower-case and strip accents so « elus » finds « élus »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def filter_items(grid: Grid, query: str = "", *, include_cte: bool = True) -> set[str]:
    """Ids of the items to show for a search: matches, their ancestors and descendants.

    The search ignores case and accents and looks at each item's text; an item whose
    sub-item matches is kept (with that sub-item), and a matching item keeps its
    sub-items. With include_cte False, European-cooperation-only items (and their
    sub-items) are left out. An empty query keeps everything.
    """
    words = _fold(query).split()
    keep: set[str] = set()

    def visit(item: Item, ancestors: list[Item]) -> None:
        if item.cte and not include_cte:
            return
        folded = _fold(item.text)
        if all(word in folded for word in words):
            keep.update(a.id for a in ancestors)
            keep.add(item.id)
            keep.update(d.id for d in _descendants(item)
                        if include_cte or not d.cte)
        for child in item.children:
            visit(child, [*ancestors, item])

    for section in grid.sections:
        for item in (*section.criteria, *section.methods):
            visit(item, [])
    return keep
