"""The answer scale, the reading bands, the roles and the target profiles, read from data/.

data/scale.yaml says what a respondent can answer about a criterion (levels 0–3 and three
answers that are not levels) and about a method, how scores read (bands), the default
targets by phase, the team thresholds (agreement, hotspot, flags) and the respondents'
roles; data/profiles.yaml holds named target profiles. Code never knows a label or a
threshold: it reads them here.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from . import format as fmt
from .errors import ScaleError
from .grid import Grid
from .i18n import current_language, t

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SCALE_PATH = DATA_DIR / "scale.yaml"
PROFILES_PATH = DATA_DIR / "profiles.yaml"
# Translations of the shipped scale's texts: data/i18n/<language>/scale.yaml, keyed by the
# answer values, band ids and role ids (the French texts stay in data/scale.yaml).
TRANSLATIONS_DIR = DATA_DIR / "i18n"


@functools.cache
def scale_translation(language: str) -> dict[str, Any]:
    """The raw translation of data/scale.yaml's texts in `language` ({} when there is none)."""
    path = TRANSLATIONS_DIR / language / "scale.yaml"
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _in_language(own: str, own_language: str, group: str, key: str, name: str) -> str:
    """A scale text in the session's language: the file's own text, or its translation."""
    language = current_language()
    if not group or language == own_language:
        return own
    entry = (scale_translation(language).get(group) or {}).get(key)
    if isinstance(entry, dict) and entry.get(name):
        return str(entry[name])
    if isinstance(entry, str) and name == "label":
        return entry
    return own

AnswerKind = Literal["criterion", "method"]
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Answer:
    """One possible answer: a level of the criterion scale, a non-level, or a method answer.

    `level` is the integer level the answer counts as in scores, None when it is excluded;
    `not_applicable` marks the answer meaning « does not apply to this project ».
    """

    value: str
    own_label: str
    own_description: str = ""
    level: int | None = None
    not_applicable: bool = False
    group: str = ""  # levels, non_levels or method_answers: where its translation is found
    language: str = "fr"  # the language of the scale file's own texts

    @property
    def label(self) -> str:
        """The answer's label in the session's language."""
        return _in_language(self.own_label, self.language, self.group, self.value, "label")

    @property
    def description(self) -> str:
        return _in_language(self.own_description, self.language, self.group, self.value,
                            "description")


@dataclass(frozen=True)
class Band:
    """A reading of a 0–100 score: every score ≥ `min` (and below the next band) falls here."""

    id: str
    own_label: str
    min: float
    own_description: str = ""
    language: str = "fr"

    @property
    def label(self) -> str:
        """The band's label in the session's language."""
        return _in_language(self.own_label, self.language, "bands", self.id, "label")

    @property
    def description(self) -> str:
        return _in_language(self.own_description, self.language, "bands", self.id, "description")


@dataclass(frozen=True)
class Role:
    """A respondent's role in the project (« élu·e », « technicien·ne »...)."""

    id: str
    own_label: str
    aliases: tuple[str, ...] = ()
    language: str = "fr"

    @property
    def label(self) -> str:
        """The role's label in the session's language."""
        return _in_language(self.own_label, self.language, "roles", self.id, "label")


@dataclass(frozen=True)
class Targets:
    """Default targets (0–100, None for no target) relative to the project's current phase."""

    passed: float | None = 75.0
    current: float | None = 50.0
    later: float | None = None
    unknown_phase: float | None = None
    without_phases: float | None = 50.0


@dataclass(frozen=True)
class Scale:
    """Everything that turns raw answers into scores, as read from data/scale.yaml."""

    own_question: str
    levels: tuple[Answer, ...]
    non_levels: tuple[Answer, ...]
    own_method_question: str
    method_answers: tuple[Answer, ...]
    bands: tuple[Band, ...]
    targets: Targets = field(default_factory=Targets)
    roles: tuple[Role, ...] = ()
    agreement_within: float = 1.0
    hotspot_spread: float = 2.0
    hotspot_min_answers: int = 3
    flag_below: float = 2.0
    critical_factor: float = 2.0
    path: str = ""
    language: str = "fr"

    @property
    def question(self) -> str:
        """The question asked about a criterion, in the session's language."""
        return _in_language(self.own_question, self.language, "questions", "criterion", "label")

    @property
    def method_question(self) -> str:
        return _in_language(self.own_method_question, self.language, "questions", "method", "label")

    @property
    def max_level(self) -> int:
        return self.levels[-1].level or 0

    def criterion_values(self) -> tuple[str, ...]:
        """Valid answers to a criterion, levels first: ('0', '1', '2', '3', 'na', ...)."""
        return tuple(a.value for a in (*self.levels, *self.non_levels))

    def method_values(self) -> tuple[str, ...]:
        """Valid answers about a method: ('in_place', 'planned', 'no', 'na')."""
        return tuple(a.value for a in self.method_answers)

    def values(self, kind: AnswerKind) -> tuple[str, ...]:
        return self.criterion_values() if kind == "criterion" else self.method_values()

    def not_applicable_values(self) -> tuple[str, ...]:
        """Answers meaning « does not apply » (criterion and method answers alike)."""
        return tuple(dict.fromkeys(a.value for a in (*self.non_levels, *self.method_answers)
                                   if a.not_applicable))

    def adopted_method_values(self) -> tuple[str, ...]:
        """Method answers at the highest level (« in_place »): such a method is not recommended."""
        return tuple(a.value for a in self.method_answers if a.level == self.max_level)

    def role_ids(self) -> tuple[str, ...]:
        return tuple(role.id for role in self.roles)

    def role_label(self, role_id: str) -> str:
        for role in self.roles:
            if role.id == role_id:
                return role.label
        return role_id

    def answer(self, kind: AnswerKind, value: str) -> Answer | None:
        """The Answer for a canonical value of that kind, None when off the scale."""
        answers = (*self.levels, *self.non_levels) if kind == "criterion" else self.method_answers
        for answer in answers:
            if answer.value == value:
                return answer
        return None

    def band_of(self, score: float | None) -> Band | None:
        """The band a 0–100 score falls in; None for a missing score."""
        if score is None or (isinstance(score, float) and math.isnan(score)):
            return None
        for band in self.bands:
            if score >= band.min:
                return band
        return self.bands[-1]

    def slots(self) -> tuple[str, ...]:
        """The counting slots used by the scoring engine, one per distinct meaning.

        Levels first (slot k is level k), then every answer that is not a level (criterion
        non-levels, then method answers without a level). A method answer with a level
        shares that level's slot.
        """
        extra = [a.value for a in self.non_levels]
        extra += [a.value for a in self.method_answers if a.level is None and a.value not in extra]
        return tuple(str(level.level) for level in self.levels) + tuple(extra)

    def slot_of(self, kind: AnswerKind) -> dict[str, int]:
        """Canonical value -> slot index, for one kind of item."""
        slots = self.slots()
        if kind == "criterion":
            return {value: slots.index(value) for value in self.criterion_values()}
        return {a.value: (a.level if a.level is not None else slots.index(a.value))
                for a in self.method_answers}

    def spellings(self, kind: AnswerKind) -> dict[str, str]:
        """Accepted spellings (folded, see `fold_key`) -> canonical value.

        A file may hold the value (« 2 », « na »), its label (« En partie traité »,
        « Non concerné »), or a number written by a spreadsheet (« 2.0 »).
        """
        answers = (*self.levels, *self.non_levels) if kind == "criterion" else self.method_answers
        accepted: dict[str, str] = {}
        for answer in answers:
            for spelling in (answer.own_label, answer.label, answer.value):
                accepted[fold_key(spelling)] = answer.value
        return accepted

    def role_spellings(self) -> dict[str, str]:
        """Accepted spellings (folded) of each role -> role id."""
        accepted: dict[str, str] = {}
        for role in self.roles:
            for spelling in (*role.aliases, role.own_label, role.label, role.id):
                accepted[fold_key(spelling)] = role.id
        return accepted


@dataclass(frozen=True)
class Profile:
    """A named target profile: targets per section, per phase, and a default."""

    id: str
    title: str
    grid: str
    description: str = ""
    sections: Mapping[str, float | None] = field(default_factory=dict)
    phases: Mapping[str, float | None] = field(default_factory=dict)
    default: float | None = None

    def section_targets(self, grid: Grid) -> dict[str, float | None]:
        """Target of every section of `grid`: section entry, else phase entry, else default.

        Raises:
            ScaleError: the profile is written for another grid or names unknown ids.
        """
        if self.grid != grid.id:
            raise ScaleError(t("scale.profile_other_grid", profile=self.id, grid=self.grid,
                               used=grid.id))
        section_ids = [s.id for s in grid.sections]
        phase_ids = [p.id for p in grid.phases]
        problems = [t("scale.profile_unknown_section", profile=self.id, id=s,
                      valid=", ".join(section_ids)) for s in self.sections if s not in section_ids]
        problems += [t("scale.profile_unknown_phase", profile=self.id, id=p,
                       valid=", ".join(phase_ids) or "—") for p in self.phases if p not in phase_ids]
        if problems:
            raise ScaleError(t("scale.profile_invalid", profile=self.id), problems)
        targets: dict[str, float | None] = {}
        for section_id in section_ids:
            phase = grid.phase_of(section_id)
            if section_id in self.sections:
                targets[section_id] = self.sections[section_id]
            elif phase is not None and phase.id in self.phases:
                targets[section_id] = self.phases[phase.id]
            else:
                targets[section_id] = self.default
        return targets


def fold_key(text: object) -> str:
    """Compare spellings loosely: lower case, no accents, letters and digits only.

    « Élu·e », « élue » and « ELUE » all fold to « elue »; « not_yet » to « notyet ».
    """
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


# --- loading ------------------------------------------------------------------------


class _Reader:
    """Collects every problem of one data file before anything is raised."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[str] = []

    def add(self, message: str, /, **values: object) -> None:
        self.problems.append(t("scale.in_file", file=self.filename) + t(f"scale.{message}", **values))

    def mapping(self, node: Any, where: str) -> dict:
        if not isinstance(node, dict):
            self.add("not_a_mapping", where=where)
            return {}
        return node

    def sequence(self, node: Any, where: str) -> list:
        if not isinstance(node, list) or not node:
            self.add("not_a_list", where=where)
            return []
        return node

    def text(self, node: dict, key: str, where: str, required: bool = True) -> str:
        value = node.get(key)
        if value is None or not str(value).strip():
            if required:
                self.add("missing_key", key=key, where=where)
            return ""
        return " ".join(str(value).split())

    def number(self, node: dict, key: str, where: str, default: float | None,
               low: float = 0.0, high: float = 100.0, nullable: bool = False) -> float | None:
        if key not in node:
            return default
        value = node[key]
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            self.add("bad_number", key=key, where=where, value=value, low=low, high=high)
            return default
        return float(value)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScaleError(t("scale.file_not_found", file=str(path))) from None
    except UnicodeDecodeError:
        raise ScaleError(t("scale.invalid", file=path.name), [t("scale.not_utf8", file=path.name)]) from None
    except yaml.YAMLError as exc:
        raise ScaleError(t("scale.invalid", file=path.name),
                         [t("scale.yaml_syntax", file=path.name, detail=str(exc))]) from None


def _answers(read: _Reader, nodes: list, where: str, *, levels: bool, group: str,
             language: str, level_key: bool = False) -> tuple[Answer, ...]:
    answers = []
    for position, node in enumerate(nodes):
        node = read.mapping(node, f"{where}[{position}]")
        here = f"{where}[{position}]"
        raw_value = node.get("value")
        if levels:
            if isinstance(raw_value, bool) or raw_value != position:
                read.add("levels_not_contiguous", where=here, value=raw_value, expected=position)
            value, level = str(position), position
        else:
            value = "" if raw_value is None else str(raw_value)
            if not _ID.match(value):
                read.add("bad_answer_id", where=here, value=value)
            level = None
            if level_key and node.get("level") is not None:
                level = node["level"]
                if isinstance(level, bool) or not isinstance(level, int):
                    read.add("bad_level", where=here, value=level)
                    level = None
        answers.append(Answer(value=value, own_label=read.text(node, "label", here),
                              own_description=read.text(node, "description", here, required=False),
                              level=level, not_applicable=node.get("not_applicable") is True,
                              group=group, language=language))
    return tuple(answers)


def parse_scale(raw: Any, filename: str = "scale.yaml") -> Scale:
    """Validate the content of a scale file and build the Scale.

    Raises:
        ScaleError: with one line per problem found.
    """
    read = _Reader(filename)
    raw = read.mapping(raw, "scale")
    criterion = read.mapping(raw.get("criterion"), "criterion")
    method = read.mapping(raw.get("method"), "method")
    language = str(raw.get("language") or "fr")
    levels = _answers(read, read.sequence(criterion.get("levels"), "criterion.levels"),
                      "criterion.levels", levels=True, group="levels", language=language)
    non_level_nodes = criterion.get("non_levels") or []
    if not isinstance(non_level_nodes, list):
        read.add("not_a_list", where="criterion.non_levels")
        non_level_nodes = []
    non_levels = _answers(read, non_level_nodes, "criterion.non_levels", levels=False,
                          group="non_levels", language=language)
    method_answers = _answers(read, read.sequence(method.get("answers"), "method.answers"),
                              "method.answers", levels=False, level_key=True,
                              group="method_answers", language=language)
    criterion_values = [a.value for a in (*levels, *non_levels)]
    for value in {v for v in criterion_values if criterion_values.count(v) > 1}:
        read.add("duplicate_answer", value=value, where="criterion")
    method_values = [a.value for a in method_answers]
    for value in {v for v in method_values if method_values.count(v) > 1}:
        read.add("duplicate_answer", value=value, where="method")
    max_level = len(levels) - 1
    method_levels = [a.level for a in method_answers if a.level is not None]
    for answer in method_answers:
        if answer.level is not None and not 0 <= answer.level <= max_level:
            read.add("method_level_off_scale", value=answer.value, level=answer.level, max=max_level)
    if len(method_levels) != len(set(method_levels)):
        read.add("method_levels_not_distinct")
    level_values = {a.value for a in levels}
    for answer in method_answers:
        if answer.level is None and answer.value in level_values:
            read.add("bad_answer_id", where="method.answers", value=answer.value)

    bands = []
    for position, node in enumerate(read.sequence(raw.get("bands"), "bands")):
        here = f"bands[{position}]"
        node = read.mapping(node, here)
        band_id = read.text(node, "id", here)
        bands.append(Band(id=band_id, own_label=read.text(node, "label", here),
                          min=read.number(node, "min", here, 0.0) or 0.0,
                          own_description=read.text(node, "description", here, required=False),
                          language=language))
    for key in ("id", "own_label"):
        seen = [getattr(b, key) for b in bands]
        for value in {v for v in seen if seen.count(v) > 1}:
            read.add("duplicate_answer", value=value, where="bands")
    mins = [b.min for b in bands]
    if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
        read.add("bands_not_descending", mins=", ".join(fmt.number(m, 2) for m in mins))
    if bands and bands[-1].min > 0:
        read.add("lowest_band_above_zero", min=bands[-1].min)

    targets_node = dict(read.mapping(raw.get("targets", {}), "targets"))
    # A target may name a band: its threshold (« point_appui » → 75).
    band_mins = {band.id: band.min for band in bands}
    for key, value in list(targets_node.items()):
        if isinstance(value, str) and value in band_mins:
            targets_node[key] = band_mins[value]
    defaults = Targets()
    targets = Targets(**{key: read.number(targets_node, key, "targets", getattr(defaults, key),
                                          nullable=True)
                         for key in ("passed", "current", "later", "unknown_phase", "without_phases")})

    team = read.mapping(raw.get("team", {}), "team")
    roles = []
    for position, node in enumerate(read.sequence(raw.get("roles"), "roles")):
        here = f"roles[{position}]"
        node = read.mapping(node, here)
        role_id = read.text(node, "id", here)
        if role_id and not _ID.match(role_id):
            read.add("bad_answer_id", where=here, value=role_id)
        aliases = node.get("aliases") or []
        roles.append(Role(id=role_id, own_label=read.text(node, "label", here),
                          aliases=tuple(str(a) for a in aliases), language=language))
    role_ids = [r.id for r in roles]
    for role_id in {r for r in role_ids if role_ids.count(r) > 1}:
        read.add("duplicate_answer", value=role_id, where="roles")

    scale = Scale(
        own_question=read.text(criterion, "question", "criterion"),
        levels=levels, non_levels=non_levels,
        own_method_question=read.text(method, "question", "method"), language=language,
        method_answers=method_answers, bands=tuple(bands), targets=targets, roles=tuple(roles),
        agreement_within=read.number(team, "agreement_within", "team", 1.0, high=max_level) or 0.0,
        hotspot_spread=read.number(team, "hotspot_spread", "team", 2.0, high=max_level) or 0.0,
        hotspot_min_answers=int(read.number(team, "hotspot_min_answers", "team", 3.0, high=1e6) or 0),
        flag_below=read.number(team, "flag_below", "team", 2.0, high=max_level) or 0.0,
        critical_factor=read.number(team, "critical_factor", "team", 2.0, low=1.0, high=1e6) or 1.0,
        path=filename,
    )
    if read.problems:
        raise ScaleError(t("scale.invalid", file=filename), read.problems)
    return scale


def load_scale(path: Path | str | None = None) -> Scale:
    """Load the answer scale (data/scale.yaml by default).

    Raises:
        ScaleError: unreadable file, or every problem of an invalid one.
    """
    path = Path(path) if path is not None else SCALE_PATH
    return parse_scale(_read_yaml(path), filename=path.name)


def roles(scale: Scale | None = None) -> tuple[Role, ...]:
    """The respondents' roles, in the order of the scale file."""
    return (scale or load_scale()).roles


def parse_profiles(raw: Any, filename: str = "profiles.yaml") -> dict[str, Profile]:
    """Validate the content of a profiles file; return the profiles by id, in file order.

    Raises:
        ScaleError: with one line per problem found.
    """
    read = _Reader(filename)
    raw = read.mapping(raw, "profiles")
    profiles: dict[str, Profile] = {}
    for position, node in enumerate(read.sequence(raw.get("profiles"), "profiles")):
        here = f"profiles[{position}]"
        node = read.mapping(node, here)
        profile_id = read.text(node, "id", here)
        if profile_id in profiles:
            read.add("duplicate_answer", value=profile_id, where="profiles")
        maps = {}
        for key in ("sections", "phases"):
            entries = read.mapping(node.get(key) or {}, f"{profile_id}.{key}")
            maps[key] = {str(k): read.number(entries, k, f"{profile_id}.{key}", None, nullable=True)
                         for k in entries}
        profiles[profile_id] = Profile(
            id=profile_id, title=read.text(node, "title", here), grid=read.text(node, "grid", here),
            description=read.text(node, "description", here, required=False),
            sections=maps["sections"], phases=maps["phases"],
            default=read.number(node, "default", profile_id, None, nullable=True),
        )
    if read.problems:
        raise ScaleError(t("scale.invalid", file=filename), read.problems)
    return profiles


def load_profiles(path: Path | str | None = None) -> dict[str, Profile]:
    """Load the named target profiles (data/profiles.yaml by default), by id in file order.

    Raises:
        ScaleError: unreadable file, or every problem of an invalid one.
    """
    path = Path(path) if path is not None else PROFILES_PATH
    return parse_profiles(_read_yaml(path), filename=path.name)


def get_profile(name: str, profiles: Mapping[str, Profile] | None = None) -> Profile:
    """One profile by id.

    Raises:
        ScaleError: unknown id, naming the available ones.
    """
    profiles = load_profiles() if profiles is None else profiles
    if name not in profiles:
        raise ScaleError(t("scale.unknown_profile", name=name, valid=", ".join(profiles) or "—"))
    return profiles[name]
