"""A fictional, believable portfolio of cooperation projects, so a new database is never empty.

Deterministic: the same seed and size give the same database content (dates and timestamps
included). Words come from data/locales/<lang>/demo.yaml; the answers follow a simple model
of a project's maturity: stages of phases already passed are better handled than the current
ones, later stages are mostly « pas encore abordé », elected officials rate a little higher
than staff, and a few points split the team (a spread over two levels or more).

Fast enough for the dashboard's benchmark (1,000 projects, 2,000 assessments): rows are
generated with numpy per assessment and written with executemany, one transaction per batch
of projects.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

import numpy as np
import yaml

from .errors import CoopscoreError
from .grid import Grid
from .i18n import DEFAULT_LANGUAGE, LOCALES_DIR, current_language, t
from .store import Store, action_statuses, answer_vocabulary, programmes

DEFAULT_PROJECTS = 30
DEFAULT_SEED = 2026
FIRST_DAY = date(2024, 9, 2)
LAST_DAY = date(2026, 10, 30)

PROGRAMME_WEIGHTS = {"leader": 0.42, "interreg_cte": 0.2, "region": 0.25, "autre": 0.13}
ROLE_WEIGHTS = {"elu": 0.26, "technicien": 0.26, "partenaire": 0.2,
                "acteur_socio_economique": 0.12, "financeur": 0.08, "autre": 0.08}
# Optimism by role, in levels: the grid warns of the distance between officials and staff.
ROLE_BIAS = {"elu": 0.4, "technicien": -0.3, "partenaire": 0.0, "acteur_socio_economique": -0.1,
             "financeur": -0.2, "autre": 0.0}
# Roles less likely to know how things stand: more « je ne sais pas ».
UNKNOWN_RATE = {"elu": 0.03, "technicien": 0.01, "partenaire": 0.07,
                "acteur_socio_economique": 0.08, "financeur": 0.09, "autre": 0.1}
DIALOGUE_SHARE = 0.2
SECOND_CAMPAIGN_SHARE = 0.45
HOTSPOT_SHARE = 0.12
COMMENT_RATE = 0.06
NA_RATE = 0.015


@dataclass
class DemoSummary:
    """What a demo run created, and how long it took."""

    territories: int = 0
    projects: int = 0
    assessments: int = 0
    respondents: int = 0
    answers: int = 0
    agreed: int = 0
    actions: int = 0
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


@cache
def demo_words(language: str | None = None) -> dict[str, Any]:
    """The word lists of demo.yaml (names, topics, comments) for a language, French by default."""
    for lang in (language or current_language(), DEFAULT_LANGUAGE):
        path = LOCALES_DIR / lang / "demo.yaml"
        if path.is_file():
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if "words" in data:
                return data["words"]
    raise FileNotFoundError(LOCALES_DIR / DEFAULT_LANGUAGE / "demo.yaml")


@dataclass(frozen=True)
class _GridPlan:
    """What the generator needs from a grid, computed once."""

    grid: Grid
    criteria: list[str]
    criterion_section: np.ndarray   # index of each criterion's section
    methods: list[str]
    method_section: np.ndarray
    section_phase: np.ndarray       # phase index of each section, -1 without phases
    section_ids: list[str]
    cte_items: frozenset[str]       # asked only of projects in European cooperation


def _plan(grid: Grid) -> _GridPlan:
    section_index = {s.id: i for i, s in enumerate(grid.sections)}
    phase_index = {p.id: i for i, p in enumerate(grid.phases)}
    section_phase = np.array([
        phase_index[grid.phase_of(s.id).id] if grid.phase_of(s.id) else -1
        for s in grid.sections])
    criteria = grid.criteria()
    methods = grid.methods()
    return _GridPlan(
        grid=grid, criteria=[c.id for c in criteria],
        criterion_section=np.array([section_index[c.section_id] for c in criteria], dtype=int),
        methods=[m.id for m in methods],
        method_section=np.array([section_index[m.section_id] for m in methods], dtype=int),
        section_phase=section_phase, section_ids=[s.id for s in grid.sections],
        cte_items=frozenset(i.id for i in (*criteria, *methods) if i.cte))


def _stamp(day: date, minutes: int) -> str:
    """A deterministic timestamp: the campaign's day at 09:00 plus some minutes (< 15 h)."""
    minutes = int(minutes) % 900
    return f"{day.isoformat()}T{9 + minutes // 60:02d}:{minutes % 60:02d}:00.000+00:00"


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class _Generator:
    """Draws territories, projects, campaigns and answers, and writes them in batches."""

    def __init__(self, store: Store, seed: int) -> None:
        self.store = store
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.words = demo_words()
        self.vocabulary = answer_vocabulary()
        cooperation = store.register_grid("cooperation")
        dialogue = store.register_grid("dialogue")
        self.plans = {"cooperation": _plan(cooperation), "dialogue": _plan(dialogue)}
        self.phases = [p.id for p in cooperation.phases]
        self.summary = DemoSummary()
        self.used_names: set[str] = set(store.territories()["name"])
        self.used_projects: set[str] = set(store.projects()["name"])
        self.statuses = list(action_statuses())
        self.programme_weights = {k: v for k, v in PROGRAMME_WEIGHTS.items() if k in programmes()}

    # --- names ----------------------------------------------------------------------

    def territory_name(self) -> tuple[str, str, str]:
        words = self.words
        for _ in range(200):
            kind = self.rng.choice(words["territory_kinds"])
            place_name = self.rng.choice(words["place_names"])
            place = self.rng.choice(words["place_forms"]).format(name=place_name)
            name = kind["pattern"].format(place=place)
            if name not in self.used_names:
                self.used_names.add(name)
                return name, kind["kind"], place_name
        number = len(self.used_names) + 1
        name = f"{name} {number}"
        self.used_names.add(name)
        return name, kind["kind"], place_name

    def project_name(self, topic: str, lead: str, partner: str) -> str:
        name = self.words["project_pattern"].format(topic=topic, lead=lead, partner=partner)
        number = 2
        while name in self.used_projects:
            name = self.words["project_pattern_unique"].format(topic=topic, lead=lead,
                                                              partner=partner, number=number)
            number += 1
        self.used_projects.add(name)
        return name

    def person(self, used: set[str]) -> str:
        while True:
            name = f"{self.rng.choice(self.words['first_names'])} " \
                   f"{self.rng.choice(self.words['last_initials'])}"
            if name not in used:
                used.add(name)
                return name

    # --- campaigns ------------------------------------------------------------------

    def campaign_days(self, two: bool) -> list[date]:
        span = (LAST_DAY - FIRST_DAY).days
        if not two:
            return [FIRST_DAY + timedelta(days=self.rng.randrange(span))]
        gap = self.rng.randint(150, 330)
        first = FIRST_DAY + timedelta(days=self.rng.randrange(span - gap))
        return [first, first + timedelta(days=gap)]

    def write_project(self, territory_ids: list[tuple[int, str, str]], two: bool) -> None:
        store, rng = self.store, self.rng
        lead_id, lead_name, lead_place = rng.choice(territory_ids)
        partner_name = rng.choice([t for t in territory_ids if t[0] != lead_id]
                                  or territory_ids)[1]
        programme = _pick(rng, self.programme_weights)
        cte = programme == "interreg_cte" or rng.random() < 0.08
        grid_id = "dialogue" if rng.random() < DIALOGUE_SHARE else "cooperation"
        phase_index = rng.randrange(1 if two else 0, len(self.phases))
        days = self.campaign_days(two)
        topic = rng.choice(self.words["topics"])
        name = self.project_name(topic, lead_name, partner_name)
        created = _stamp(days[0] - timedelta(days=rng.randint(20, 120)), 0)
        project_id = store.conn.execute(
            """INSERT INTO projects (name, territory_id, programme, phase, cte, created_at,
                                     updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [name, lead_id, programme, self.phases[phase_index], int(cte), created,
             _stamp(days[-1], 0)]).lastrowid
        self.summary.projects += 1
        quality = self.np.normal(0.0, 0.35)
        labels = [self.words["labels"]["first"], self.words["labels"]["second"]]
        for campaign, day in enumerate(days):
            campaign_phase = phase_index - (len(days) - 1 - campaign)
            last = campaign == len(days) - 1
            closed = not last or rng.random() < 0.35
            self.write_assessment(project_id, grid_id, labels[campaign], day, campaign_phase,
                                  quality + 0.45 * campaign, closed, last, lead_place,
                                  lead_name, partner_name, cte)

    def write_assessment(self, project_id: int, grid_id: str, label: str, day: date,
                         phase_index: int, quality: float, closed: bool, last: bool,
                         place: str, territory: str, partner: str, cte: bool = False) -> None:
        store, rng, plan = self.store, self.rng, self.plans[grid_id]
        assessment_id = store.conn.execute(
            """INSERT INTO assessments (project_id, grid, grid_version, phase, date, label,
                                        status, created_at, closed_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [project_id, grid_id, plan.grid.version, self.phases[phase_index], day.isoformat(),
             label, "closed" if closed else "draft", _stamp(day, 0),
             _stamp(day + timedelta(days=21), 0) if closed else None]).lastrowid
        self.summary.assessments += 1

        # Respondents: mixed roles, at least one official and one member of staff.
        count = rng.randint(3, 9)
        roles = ["elu", "technicien"] + [_pick(rng, ROLE_WEIGHTS) for _ in range(count - 2)]
        rng.shuffle(roles)
        used: set[str] = set()
        respondents = []
        for number, role in enumerate(roles):
            organisation = rng.choice(self.words["organisations"][role]).format(
                place=place, territory=territory, partner=partner)
            name = self.person(used)
            respondent_id = store.conn.execute(
                """INSERT INTO respondents (assessment_id, name, role, organisation, created_at)
                   VALUES (?, ?, ?, ?, ?)""",
                [assessment_id, name, role, organisation, _stamp(day, number)]).lastrowid
            respondents.append((respondent_id, role, name))
        self.summary.respondents += len(respondents)

        rows, medians = self.criterion_answers(assessment_id, plan, day, phase_index, quality,
                                               respondents)
        rows += self.method_answers(assessment_id, plan, day, phase_index, quality, respondents)
        if not cte:  # a project outside European cooperation is never asked its CTE points
            rows = [row for row in rows if row[2] not in plan.cte_items]
            medians = {item: m for item, m in medians.items() if item not in plan.cte_items}
        store.conn.executemany(
            """INSERT INTO answers (assessment_id, respondent_id, item, value, comment,
                                    updated_at) VALUES (?, ?, ?, ?, ?, ?)""", rows)
        self.summary.answers += len(rows)
        self.agreed_values(assessment_id, plan, day, medians)
        if last:
            self.action_plan(project_id, assessment_id, plan, day, label, rows, respondents,
                             medians)

    def section_maturity(self, plan: _GridPlan, phase_index: int, quality: float) -> np.ndarray:
        """Latent level (0-3 scale) of each section for a project at a phase."""
        if (plan.section_phase < 0).all():
            return np.clip(1.5 + quality + self.np.normal(0, 0.45, len(plan.section_ids)), 0, 3)
        relation = plan.section_phase - phase_index
        base = np.where(relation < 0, 2.2, np.where(relation == 0, 1.5, 0.7))
        return np.clip(base + quality + self.np.normal(0, 0.35, len(plan.section_ids)), 0, 3)

    def criterion_answers(self, assessment_id: int, plan: _GridPlan, day: date,
                          phase_index: int, quality: float,
                          respondents: list[tuple[int, str, str]]) -> tuple[list[tuple], dict]:
        gen = self.np
        n_items, n_people = len(plan.criteria), len(respondents)
        maturity = self.section_maturity(plan, phase_index, quality)
        team = maturity[plan.criterion_section] + gen.normal(0, 0.5, n_items)
        hotspot = gen.random(n_items) < HOTSPOT_SHARE
        spread = np.where(hotspot, 1.3, 0.4)
        bias = np.array([ROLE_BIAS[role] for _, role, _ in respondents])
        levels = np.clip(np.rint(team[None, :] + bias[:, None]
                                 + gen.normal(0, 1, (n_people, n_items)) * spread[None, :]), 0, 3)
        values = levels.astype(int).astype(str).astype(object)

        ahead = (plan.section_phase[plan.criterion_section] - phase_index) \
            if (plan.section_phase >= 0).any() else np.full(n_items, -1)
        not_yet_rate = np.where(ahead >= 2, 0.8, np.where(ahead == 1, 0.45, 0.0))
        draw = gen.random((n_people, n_items))
        unknown_rate = np.array([UNKNOWN_RATE[role] for _, role, _ in respondents])[:, None]
        values[draw < not_yet_rate[None, :]] = "not_yet"
        other = gen.random((n_people, n_items))
        values[other < unknown_rate] = "unknown"
        values[(other >= unknown_rate) & (other < unknown_rate + NA_RATE)] = "na"
        # Not everyone answers everything: each person skips a share of the points.
        answered = gen.random((n_people, n_items)) < gen.uniform(0.72, 1.0, n_people)[:, None]
        commented = gen.random((n_people, n_items)) < COMMENT_RATE

        rows = []
        comments = self.words["comments"]
        # Each person answers a few points a minute, from 09:10 on, one after the other.
        for p, (respondent_id, _, _) in enumerate(respondents):
            for i in np.flatnonzero(answered[p]):
                value = values[p, i]
                comment = None
                if commented[p, i]:
                    group = value if value in ("unknown", "not_yet", "na") else \
                        ("low" if value in ("0", "1") else "high")
                    comment = self.rng.choice(comments[group])
                rows.append((assessment_id, respondent_id, plan.criteria[i], value, comment,
                             _stamp(day, 10 + p * 37 + int(i) // 4)))
        level_mask = answered & np.isin(values, ("0", "1", "2", "3"))
        counted = np.where(level_mask, levels, np.nan)
        enough = level_mask.sum(axis=0) >= 3
        with np.errstate(all="ignore"):
            median = np.nanmedian(counted[:, enough], axis=0)
            spread = np.nanmax(counted[:, enough], axis=0) - np.nanmin(counted[:, enough], axis=0)
        medians = {plan.criteria[i]: (float(m), float(r))
                   for i, m, r in zip(np.flatnonzero(enough), median, spread)}
        return rows, medians

    def method_answers(self, assessment_id: int, plan: _GridPlan, day: date, phase_index: int,
                       quality: float, respondents: list[tuple[int, str, str]]) -> list[tuple]:
        if not plan.methods:
            return []
        gen = self.np
        # Method adoption is a matter of fact: one or two members of staff answer it.
        staff = [r for r in respondents if r[1] == "technicien"][:2]
        maturity = self.section_maturity(plan, phase_index, quality)[plan.method_section] / 3
        rows = []
        for order, (respondent_id, _, _) in enumerate(staff):
            draw = gen.random(len(plan.methods))
            values = np.where(draw < maturity * 0.85, "in_place",
                              np.where(draw < maturity * 0.85 + 0.2, "planned",
                                       np.where(draw < 0.97, "no", "na")))
            answered = gen.random(len(plan.methods)) < 0.9
            stamps = [_stamp(day, 400 + order * 60 + m) for m in range(len(plan.methods) // 4 + 1)]
            for i in np.flatnonzero(answered):
                rows.append((assessment_id, respondent_id, plan.methods[i], str(values[i]), None,
                             stamps[int(i) // 4]))
        return rows

    def agreed_values(self, assessment_id: int, plan: _GridPlan, day: date,
                      medians: dict[str, tuple[float, float]]) -> None:
        if self.rng.random() > 0.3:
            return
        split = sorted((item for item, (_, spread) in medians.items() if spread >= 2),
                       key=plan.criteria.index)[:3]
        rows = [(assessment_id, item, str(int(np.floor(medians[item][0]))),
                 self.rng.choice(self.words["rationales"]), _stamp(day + timedelta(days=14), n))
                for n, item in enumerate(split)]
        self.store.conn.executemany(
            "INSERT INTO agreed (assessment_id, item, value, rationale, updated_at) "
            "VALUES (?, ?, ?, ?, ?)", rows)
        self.summary.agreed += len(rows)

    def action_plan(self, project_id: int, assessment_id: int, plan: _GridPlan, day: date,
                    label: str, rows: list[tuple], respondents: list[tuple[int, str, str]],
                    medians: dict[str, tuple[float, float]]) -> None:
        if not plan.methods or self.rng.random() > 0.5:
            return
        not_in_place = sorted({row[2] for row in rows if row[3] in ("no", "planned")},
                              key=plan.methods.index)
        chosen = self.rng.sample(not_in_place, min(len(not_in_place), self.rng.randint(2, 5)))
        owners = [name for _, role, name in respondents if role in ("technicien", "elu")]
        weak = [item for item, (median, _) in medians.items() if median < 2]
        actions = []
        for number, method in enumerate(sorted(chosen, key=plan.methods.index)):
            section = method.split(".")[0]
            because_items = [item for item in weak if item.startswith(section + ".")][:3]
            because = self.words["because"].format(label=label, items=", ".join(because_items)) \
                if because_items else None
            due = day + timedelta(days=self.rng.randint(45, 300))
            status = self.rng.choices(self.statuses, weights=[5, 3, 2, 1][:len(self.statuses)])[0]
            actions.append((project_id, assessment_id, method, because, self.rng.choice(owners),
                            due.isoformat(), status, _stamp(day + timedelta(days=20), number),
                            _stamp(day + timedelta(days=20), number)))
        self.store.conn.executemany(
            """INSERT INTO actions (project_id, assessment_id, method, because, owner, due_date,
                                    status, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""", actions)
        self.summary.actions += len(actions)


def generate_demo(store: Store, projects: int = DEFAULT_PROJECTS, seed: int = DEFAULT_SEED,
                  assessments: int | None = None) -> DemoSummary:
    """Add a fictional portfolio of `projects` projects to the database.

    Territories come first (about one for every two projects, at least six), then each
    project with one or two campaigns. Written in ONE BEGIN IMMEDIATE transaction: all of
    it or nothing, even if the process is killed.

    Args:
        projects: how many projects (≥ 1).
        seed: the same seed (and sizes) gives the same content.
        assessments: total number of assessments, between `projects` and twice as many
            (that many projects get a second campaign); by default about 45 % get one.

    Returns:
        What was created and how long it took.

    Raises:
        CoopscoreError: a count out of range.
    """
    if projects < 1:
        raise CoopscoreError(t("demo.bad_count", value=projects))
    if assessments is not None and not projects <= assessments <= 2 * projects:
        raise CoopscoreError(t("demo.bad_assessments", value=assessments, low=projects,
                           high=2 * projects))
    started = time.perf_counter()
    # One transaction for everything: a killed or failing run leaves the database as it was.
    with store.transaction():
        generator = _Generator(store, seed)
        if assessments is None:
            twice = {n for n in range(projects) if generator.rng.random() < SECOND_CAMPAIGN_SHARE}
        else:
            twice = set(generator.rng.sample(range(projects), assessments - projects))
        territories = []
        for number in range(max(6, (projects + 1) // 2)):
            name, kind, place = generator.territory_name()
            created = _stamp(FIRST_DAY - timedelta(days=400 - number % 300), 0)
            territory_id = store.conn.execute(
                "INSERT INTO territories (name, kind, created_at) VALUES (?, ?, ?)",
                [name, kind, created]).lastrowid
            territories.append((territory_id, name, place))
        generator.summary.territories = len(territories)
        for number in range(projects):
            generator.write_project(territories, number in twice)
    summary = generator.summary
    summary.seconds = time.perf_counter() - started
    summary.counts = store.counts()
    return summary


def generate_demo_if_empty(store: Store, projects: int = DEFAULT_PROJECTS,
                           seed: int = DEFAULT_SEED,
                           assessments: int | None = None) -> DemoSummary | None:
    """Fill the database with the demo portfolio only if it holds nothing yet (`make run`).

    Returns:
        The summary, or None when the database already had data.
    """
    with store.transaction():
        if not store.is_empty():
            return None
        return generate_demo(store, projects, seed, assessments)


