"""The documents a funder files: the « fiche de maturité » of one assessment, the portfolio report.

Both are built from the library's own results (coopscore.results, gaps, portfolio, plan): the
same numbers, bands, gaps and critical points as the Résultats and Portefeuille pages, laid
out by Typst (coopscore.pdf) on A4. A document is first a JSON-ready dict of blocks
(`fiche_document`, `portfolio_document`) — what tests and other formats read — then a PDF.

What a reader may see is decided by coopscore.access: `consent` cuts a fiche to what a
project shares with its funders (« synthese », « etapes », « detail »), and `fiche_for` /
`portfolio_for` (behind `ScopedStore.fiche_pdf` / `portfolio_pdf`, what the pages call) apply
the actor's rights before anything is laid out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import charts
from . import format as fmt
from .errors import CoopscoreError
from .fsutil import write_atomic
from .gaps import (
    axis_label_width, band_rules, consensus_items, flag_level, flag_table, gap_ranking,
    has_critical_points, level_label, phase_table, recommendation_table, score_change,
    scores_by_section, stage_labels, stage_table, targets_in_force,
)
from .grid import Grid
from .i18n import t
from .pdf import compile_pdf
from .results import Results, assessment_results, previous_assessment
from .scale import Scale, load_profiles, load_scale
from .store import Store, action_statuses, programmes

CONSENT_LEVELS = ("synthese", "etapes", "detail")  # as coopscore.access.CONSENT_LEVELS
TOP_GAPS = 5  # stages whose methods the fiche lists, largest gap first
METHODS_PER_STAGE = 3
MAX_PLAN_ROWS = 25
MAX_CONSENSUS = 20


@dataclass(frozen=True)
class Document:
    """A document before layout: its blocks (JSON-ready) and its SVG figures by name."""

    template: str
    data: dict[str, Any]
    figures: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        """Every string of the document, in order: what a reader of the PDF reads."""
        found: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, str):
                found.append(value)
            elif isinstance(value, Mapping):
                for key, item in value.items():
                    if key not in ("kind", "name", "band", "align", "widths", "lang"):
                        walk(item)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    walk(item)

        walk(self.data)
        return "\n".join(found)

    def pdf(self) -> bytes:
        """The document laid out as PDF (A4, tagged)."""
        return compile_pdf(self.template, self.data, self.figures)



def _cell(text: str, *, band: str | None = None, note: str | None = None,
          strong: bool = False) -> dict[str, Any]:
    return {"text": text, "band": band, "note": note, "strong": strong}


def _edited_on(today: dt.date | None) -> str:
    return t("report.edited_on", date=fmt.date(today or dt.date.today()))


def _check_consent(consent: str | None) -> int:
    """How much of a fiche a reader sees: 0 synthese, 1 etapes, 2 detail (None: everything)."""
    if consent is None:
        return len(CONSENT_LEVELS) - 1
    if consent not in CONSENT_LEVELS:
        raise CoopscoreError(t("report.bad_consent", value=consent,
                               valid=", ".join(CONSENT_LEVELS)))
    return CONSENT_LEVELS.index(consent)


# --- the fiche de maturité ---------------------------------------------------------------------


def _respondents_by_role(store: Store, assessment_id: int, scale: Scale, *,
                         roles: bool = True) -> str:
    people = store.respondents(assessment_id)
    answered = people[people["n_answers"] > 0] if "n_answers" in people.columns else people
    if answered.empty:
        return t("report.no_respondent")
    if not roles:  # a funder: how many, never who (a role of one person names them)
        return fmt.plural(len(answered), "report.people")
    counts = answered["role"].value_counts()
    order = [role.id for role in scale.roles]
    roles = sorted(counts.index, key=lambda r: order.index(r) if r in order else len(order))
    parts = [t("report.role_count", role=scale.role_label(str(role)),
               n=fmt.integer(int(counts[role]))) for role in roles]
    return t("report.respondents_total", total=fmt.plural(len(answered), "report.people"),
             roles=" · ".join(parts))


def _agreed_label(grid: Grid, scale: Scale, item_id: str, value: object) -> str:
    kind = "method" if grid.has_item(item_id) and grid.item(item_id).kind == "method" \
        else "criterion"
    answer = scale.answer(kind, str(value))
    if answer is None:
        return str(value)
    if kind == "criterion" and answer.level is not None:
        return level_label(answer.level, scale)
    return answer.label


def _figures_block(overall: pd.Series, previous: tuple[str, float | None] | None,
                   grid: Grid, scale: Scale, level: int) -> dict[str, Any]:
    items = [{"label": t("team.metric_overall"), "value": fmt.score(overall["score"]),
              "band": None if fmt.missing(overall["band"]) else str(overall["band"]),
              "note": None if fmt.missing(overall["band_label"]) else str(overall["band_label"])},
             {"label": t("team.metric_completeness"), "value": fmt.percent(overall["completeness"]),
              "note": t("report.completeness_note", answered=fmt.integer(overall["n_answered"]),
                        applicable=fmt.integer(overall["n_applicable"]))},
             {"label": t("team.metric_respondents"),
              "value": fmt.integer(overall["n_respondents"])}]
    if has_critical_points(grid):
        items.append({"label": t("team.metric_flags"), "value": fmt.integer(overall["n_flags"]),
                      "note": t("report.flags_note", label=flag_level(scale).label)})
    if previous is not None and previous[1] is not None:
        items[0]["note"] = (items[0]["note"] or "") + " · " + t(
            "report.since_previous", delta=fmt.number(previous[1], 0, sign=True),
            label=previous[0])
    return {"kind": "figures", "items": items}


def fiche_document(store: Store, assessment_id: int, *, consent: str | None = None,
                   scale: Scale | None = None, today: dt.date | None = None) -> Document:
    """The « fiche de maturité » of one assessment, as blocks ready for layout.

    Args:
        store: the database (a Store, or the actor's ScopedStore with the same reads).
        consent: None for the whole fiche (the team, its facilitators); a consent level for
            a funder: « synthese » (identity, index, band, completeness, number of alerts),
            « etapes » (+ radar, stage table, critical points), « detail » (+ gaps and the
            grid's methods, consensus values, action plan). A funder never reads who
            answered (respondents are counted, not broken down by role), who owns an action,
            nor the words of a consensus decision (docs/access.md).
        today: the edition date printed (today by default).

    Raises:
        NotFoundError: unknown assessment. CoopscoreError: unknown consent level.
    """
    level = _check_consent(consent)
    whole = consent is None  # the team and its facilitators; otherwise a funder's share
    scale = scale or load_scale()
    assessment = store.assessment(assessment_id)
    project = store.project(assessment.project_id)
    results = assessment_results(store, assessment_id)
    grid = results.grid
    context = results.context[results.context["assessment"] == assessment_id].iloc[0]
    overall = results.one("overall", assessment_id).iloc[0]
    table = stage_table(results.one("stages", assessment_id), grid)
    section = grid.label("section").lower()

    previous_id = previous_assessment(store, assessment_id)
    previous = None
    previous_stages = None
    if previous_id is not None:
        before = assessment_results(store, previous_id)
        if not before.one("stages", previous_id)["score"].isna().all():
            campaign = store.assessment(previous_id)
            previous = (t("team.series_previous", label=campaign.label,
                          date=fmt.date(campaign.date)),
                        score_change(overall["score"],
                                     before.one("overall", previous_id)["score"].iloc[0]))
            previous_stages = scores_by_section(before.one("stages", previous_id),
                                                list(table["section_id"]))

    profiles = load_profiles()
    in_force = None if fmt.missing(context.get("profile")) else str(context["profile"])
    inherited = in_force is not None and fmt.missing(context.get("own_profile"))
    programme_label = programmes().get(project.programme, project.programme)
    from .portfolio import phase_titles as all_phase_titles

    phase_titles = {**all_phase_titles(), **{p.id: p.title for p in grid.phases}}
    status = t("report.status_closed" if assessment.is_closed else "report.status_open")
    identity = [
        [t("report.field_project"), project.name],
        [t("report.field_territory"), project.territory_name],
        [t("report.field_programme"), programme_label],
        [t("report.field_phase"), phase_titles.get(project.phase or "", project.phase or "")
         or t("report.no_phase")],
        [t("report.field_assessment"), t("report.assessment_value", label=assessment.label,
                                         date=fmt.date(assessment.date), status=status)],
        [t("report.field_grid"), t("report.grid_value", title=grid.title, version=grid.version)],
        [t("report.field_respondents"), _respondents_by_role(store, assessment_id, scale,
                                                             roles=whole)],
        [t("report.field_targets"), targets_in_force(
            grid, scale, phase=None if fmt.missing(context.get("phase")) else context["phase"],
            profile=in_force, profiles=profiles,
            programme_label=programme_label if inherited else None)],
    ]
    if project.cte:
        identity.insert(3, [t("report.field_cte"), t("report.cte_yes")])
    blocks: list[dict[str, Any]] = [
        {"kind": "facts", "items": identity},
        {"kind": "heading", "text": t("report.heading_summary")},
        _figures_block(overall, previous, grid, scale, level),
    ]
    figures: dict[str, str] = {}
    agreed_items = consensus_items(results.one("criteria", assessment_id),
                                   results.one("methods", assessment_id))
    if int(overall["n_answered"]) == 0:
        blocks.append({"kind": "note", "text": t("report.no_answer", label=assessment.label)})
    if level >= 1 and int(overall["n_answered"]) > 0:
        blocks += _radar_blocks(table, previous, previous_stages, grid, figures)
        blocks += _stage_blocks(table, grid, scale, results, assessment_id)
    if has_critical_points(grid) and int(overall["n_answered"]) > 0:
        blocks += _critical_blocks(results, assessment_id, grid, scale, agreed_items,
                                   detailed=level >= 1, n_flags=int(overall["n_flags"]))
    if level >= 2 and int(overall["n_answered"]) > 0:
        actions = store.actions(project_id=project.id)
        blocks += _gap_blocks(table, results, assessment_id, grid, scale, actions)
        blocks += _consensus_blocks(store, assessment_id, grid, scale, rationale=whole)
        blocks += _plan_blocks(actions, grid, owners=whole)
    blocks += _reading_blocks(grid, scale, section)
    data = {
        "kicker": t("report.fiche_kicker"),
        "title": t("report.fiche_title"),
        "subtitle": t("report.fiche_subtitle", project=project.name, label=assessment.label),
        "author": "coopscore",
        "footer": t("report.fiche_footer", project=project.name, edited=_edited_on(today)),
        "page_of": t("report.page_of"),
        "blocks": blocks,
    }
    return Document("document.typ", data, figures)


def _radar_blocks(table: pd.DataFrame, previous: tuple[str, float | None] | None,
                  previous_stages: list[float | None] | None, grid: Grid,
                  figures: dict[str, str]) -> list[dict[str, Any]]:
    section = grid.label("section").lower()
    series = [charts.Series(t("team.series_team"), list(table["score"]), kind="team")]
    caption = [t("team.radar_caption_team")]
    if table["target"].notna().any():
        series.append(charts.Series(t("team.series_target"), list(table["target"]),
                                    kind="target"))
        caption.append(t("team.radar_caption_target_no_phase"))
    if previous is not None and previous_stages is not None:
        series.append(charts.Series(previous[0], previous_stages, kind="previous"))
        caption.append(t("team.radar_caption_previous"))
    if table["score"].isna().any():
        caption.append(t("team.radar_caption_missing"))
    labels = list(stage_labels(grid, axis_label_width(grid)).values())
    figures["radar"] = charts.radar_svg(labels, series)
    alt = t("report.radar_alt", section=section, values=" ; ".join(
        t("report.radar_alt_value", stage=stage, score=fmt.score(score))
        for stage, score in zip(table["stage"], table["score"])))
    return [{"kind": "keep", "blocks": [
        {"kind": "heading", "text": t("team.radar_heading", section=section)},
        {"kind": "figure", "name": "radar", "alt": alt, "width": 88,
         "caption": " ".join(caption)}]}]


def _stage_blocks(table: pd.DataFrame, grid: Grid, scale: Scale, results: Results,
                  assessment_id: int) -> list[dict[str, Any]]:
    section = grid.label("section")
    rows = []
    for row in table.itertuples():
        stage = row.stage + (f" ({row.basis_label})" if row.basis == "methods" else "")
        rows.append([
            _cell(stage, note=None if fmt.missing(row.phase) else str(row.phase)),
            _cell(fmt.number(row.score), band=row.band),
            row.band_label or fmt.MISSING,
            fmt.number(row.target),
            fmt.number(row.gap),
            fmt.percent(row.completeness),
        ])
    blocks = [{"kind": "heading", "text": t("team.table_heading", section=section.lower())},
              {"kind": "table", "widths": [5.6, 0.9, 1.9, 0.8, 0.8, 1.3],
               "align": ["left", "right", "left", "right", "right", "right"],
               "header": [section, t("team.col_score"), t("team.col_band"),
                          t("team.col_target"), t("team.col_gap"), t("team.col_completeness")],
               "rows": rows},
              {"kind": "para", "muted": True, "text": t("report.stage_table_note")}]
    phases = phase_table(results.one("phases", assessment_id), grid)
    if not phases.empty and phases["score"].notna().any():
        blocks += [{"kind": "heading", "level": 2, "text": t("team.phases_heading")},
                   {"kind": "table", "widths": [4, 1, 1.9, 1, 1, 1.3],
                    "align": ["left", "right", "left", "right", "right", "right"],
                    "header": [t("report.col_phase"), t("team.col_score"), t("team.col_band"),
                               t("team.col_target"), t("team.col_gap"),
                               t("team.col_completeness")],
                    "rows": [[row.phase, _cell(fmt.number(row.score), band=row.band),
                              row.band_label or fmt.MISSING, fmt.number(row.target),
                              fmt.number(row.gap), fmt.percent(row.completeness)]
                             for row in phases.itertuples()]}]
    return blocks


def _critical_blocks(results: Results, assessment_id: int, grid: Grid, scale: Scale,
                     agreed_items: Sequence[str], *, detailed: bool,
                     n_flags: int) -> list[dict[str, Any]]:
    label = flag_level(scale).label
    blocks: list[dict[str, Any]] = [{"kind": "heading", "text": t("report.heading_critical")}]
    flags = flag_table(results.one("flags", assessment_id), grid, scale, agreed_items)
    if not detailed:  # a funder at « synthese »: how many, not which
        blocks.append({"kind": "para", "text": fmt.plural(n_flags, "report.flags_count",
                                                           label=label)})
        return blocks
    if flags.empty:
        blocks.append({"kind": "para", "text": t("team.no_flags", label=label)})
    else:
        blocks.append({"kind": "para", "text": fmt.plural(len(flags), "report.flags_intro",
                                                          label=label)})
        blocks.append({"kind": "entries", "items": [
            {"title": row.text, "band": "point_fragilite", "lines": [
                {"label": t("report.line_stage"), "text": row.stage},
                {"label": t("report.line_value"), "text": row.value_label},
                {"label": t("report.line_reason"), "text": row.reason or fmt.MISSING}]}
            for row in flags.itertuples()]})
    upcoming = flag_table(results.one("upcoming", assessment_id), grid, scale, agreed_items)
    if not upcoming.empty:
        blocks += [{"kind": "heading", "level": 2, "text": t("targets.upcoming_heading")},
                   {"kind": "para", "text": t("targets.upcoming_intro")},
                   {"kind": "entries", "items": [
                       {"title": row.text, "lines": [
                           {"label": t("report.line_stage"), "text": row.stage},
                           {"label": t("report.line_value"), "text": row.value_label},
                           {"label": t("report.line_reason"), "text": row.reason or fmt.MISSING}]}
                       for row in upcoming.itertuples()]}]
    return blocks


def _gap_blocks(table: pd.DataFrame, results: Results, assessment_id: int, grid: Grid,
                scale: Scale, actions: pd.DataFrame) -> list[dict[str, Any]]:
    section = grid.label("section").lower()
    blocks: list[dict[str, Any]] = [{"kind": "heading", "text": t("report.heading_gaps",
                                                                  section=section)}]
    ranking = gap_ranking(table)
    if ranking.empty:
        blocks.append({"kind": "para", "text": t("report.no_gap", section=section)})
        return blocks
    recommendations = recommendation_table(results.recommendations_for(assessment_id), grid,
                                           scale, actions)
    shown = ranking.head(TOP_GAPS)
    total = fmt.plural(len(ranking), "report.stages_below", section=section)
    blocks.append({"kind": "para", "text": t("report.gaps_intro", shown=fmt.integer(len(shown)),
                                             total=total) if len(shown) < len(ranking)
                   else t("report.gaps_intro_all", total=total)})
    items = []
    for row in shown.itertuples():
        mine = recommendations[recommendations["section_id"] == row.section_id]
        entries = []
        # a stage's methods share its « parce que » (the criteria below target): said once,
        # above them; a method's own note only when it differs (a stage scored on its methods)
        shared = mine["because_note"].iloc[0] if len(mine) and \
            mine["because_note"].nunique() == 1 else None
        for rec in mine.head(METHODS_PER_STAGE).itertuples():
            notes = [] if shared else [t("report.because", because=rec.because_note)]
            if rec.in_plan:
                notes.append(t("report.in_plan"))
            entries.append({"text": rec.text, "note": " · ".join(notes) or None})
        if len(mine) > METHODS_PER_STAGE:
            entries.append({"text": fmt.plural(len(mine) - METHODS_PER_STAGE,
                                               "report.more_methods")})
        items.append({
            "title": row.stage, "band": row.band,
            "lines": [t("report.gap_line", score=fmt.number(row.score),
                        target=fmt.number(row.target), gap=fmt.number(row.gap))]
            + ([{"label": t("report.because_label"), "text": shared}] if shared else []),
            "list": entries or [t("report.no_method_left")]})
    blocks.append({"kind": "entries", "items": items})
    return blocks


def _consensus_blocks(store: Store, assessment_id: int, grid: Grid, scale: Scale, *,
                      rationale: bool = True) -> list[dict[str, Any]]:
    agreed = store.agreed(assessment_id)
    if agreed.empty:
        return []
    rows = []
    for row in agreed.head(MAX_CONSENSUS).itertuples():
        item = str(row.item)
        text = grid.item(item).text if grid.has_item(item) else item
        rows.append([_cell(text, note=item), _agreed_label(grid, scale, item, row.value)]
                    + (["" if fmt.missing(row.rationale) else str(row.rationale)]
                       if rationale else []))
    header = [t("report.col_item"), t("report.col_agreed")]
    blocks = [{"kind": "heading", "text": t("report.heading_consensus")},
              {"kind": "para", "text": t("report.consensus_intro")},
              {"kind": "table", "widths": [4, 1.8, 3.2] if rationale else [6, 3],
               "header": header + ([t("report.col_rationale")] if rationale else []),
               "rows": rows}]
    if len(agreed) > MAX_CONSENSUS:
        blocks.append({"kind": "para", "muted": True, "text": fmt.plural(
            len(agreed) - MAX_CONSENSUS, "report.more_rows")})
    return blocks


def _plan_blocks(actions: pd.DataFrame, grid: Grid, *,
                 owners: bool = True) -> list[dict[str, Any]]:
    from .plan import plan_table

    blocks: list[dict[str, Any]] = [{"kind": "heading", "text": t("report.heading_plan")}]
    if actions.empty:
        blocks.append({"kind": "para", "text": t("report.no_action")})
        return blocks
    statuses = action_statuses()
    shown = plan_table(actions, grid, statuses)
    counts = actions["status"].value_counts()
    blocks.append({"kind": "para", "text": " · ".join(
        t("report.status_count", status=label, n=fmt.integer(int(counts.get(status, 0))))
        for status, label in statuses.items())})
    rows = [[_cell(row.action, note=row.section or None)]
            + ([row.owner or fmt.MISSING] if owners else [])
            + [fmt.date(row.due_date) if row.due_date else fmt.MISSING, row.status]
            for row in shown.head(MAX_PLAN_ROWS).itertuples()]
    blocks.append({"kind": "table",
                   "widths": [5.2, 1.6, 1.1, 1.1] if owners else [6.8, 1.1, 1.1],
                   "header": [t("app.plan_col_action")]
                   + ([t("app.plan_col_owner")] if owners else [])
                   + [t("app.plan_col_due"), t("app.plan_col_status")], "rows": rows})
    if len(shown) > MAX_PLAN_ROWS:
        blocks.append({"kind": "para", "muted": True, "text": fmt.plural(
            len(shown) - MAX_PLAN_ROWS, "report.more_rows")})
    return blocks


def _reading_blocks(grid: Grid, scale: Scale, section: str) -> list[dict[str, Any]]:
    levels = [[t("team.value_level", level=a.level, label=a.label), a.description]
              for a in scale.levels]
    levels += [[a.label, a.description] for a in scale.non_levels]
    paragraphs = [t("report.reading_score", section=section),
                  t("report.reading_bands", rules=" ; ".join(band_rules(scale))),
                  t("report.reading_targets", section=section)]
    if has_critical_points(grid):
        paragraphs.append(t("report.reading_critical", label=flag_level(scale).label))
    paragraphs.append(t("report.reading_consensus"))
    return [{"kind": "heading", "text": t("report.heading_reading")},
            *({"kind": "para", "text": text} for text in paragraphs),
            {"kind": "heading", "level": 2, "text": t("report.heading_scale",
                                                      question=scale.question)},
            {"kind": "facts", "items": levels},
            {"kind": "para", "muted": True, "text": t(
                "report.source", source=grid.source.organisation or grid.title,
                document=grid.source.document or grid.title)}]


def fiche_pdf(store: Store, assessment_id: int, *, consent: str | None = None,
              today: dt.date | None = None) -> bytes:
    """The fiche de maturité of one assessment as PDF bytes (see `fiche_document`)."""
    return fiche_document(store, assessment_id, consent=consent, today=today).pdf()


def fiche_filename(store: Store, assessment_id: int) -> str:
    """« fiche-maturite-projet-3-evaluation-7.pdf »: a file name without the project's words."""
    assessment = store.assessment(assessment_id)
    return t("report.fiche_file", project=assessment.project_id, assessment=assessment_id) + ".pdf"


# --- the portfolio report ---------------------------------------------------------------------


def portfolio_document(table: pd.DataFrame, grid: Grid, *, scale: Scale | None = None,
                       scope: str | None = None, today: dt.date | None = None) -> Document:
    """The portfolio report for a funder: figures, distribution, projects at risk and why,
    then one line per project with its full name.

    Args:
        table: rows of `portfolio.portfolio_table` in the order to print (risk order, after
            the page's filters: the report is what the page shows).
        grid: the grid the table was read on.
        scope: one sentence saying which projects these are (programme, filters), or None.
    """
    from .portfolio import at_risk, band_ranges, portfolio_figures

    scale = scale or load_scale()
    figures = portfolio_figures(table)
    section = grid.label("section").lower()
    blocks: list[dict[str, Any]] = [
        {"kind": "facts", "items": [
            [t("report.field_grid"), t("report.grid_value", title=grid.title,
                                       version=grid.version)],
            [t("report.field_scope"), scope or t("report.scope_all")],
            [t("report.field_edited"), fmt.date(today or dt.date.today())]]},
        {"kind": "heading", "text": t("report.heading_summary")},
        {"kind": "figures", "items": [
            {"label": t("portfolio.metric_projects"), "value": fmt.integer(figures.projects),
             "note": fmt.plural(figures.assessed, "report.assessed")},
            {"label": t("portfolio.metric_median"), "value": fmt.number(figures.median_score)},
            {"label": t("report.metric_with_flags"), "value": fmt.integer(figures.with_flags)}]},
    ]
    svg: dict[str, str] = {}
    scored = table[table["score"].notna()]
    if len(scored):
        labels = {band.id: band.label for band in scale.bands}
        svg["distribution"] = charts.distribution_svg(list(scored["score"]),
                                                      bands=list(scored["band"]),
                                                      band_labels=labels)
        counts = scored["band"].value_counts()
        alt = t("report.distribution_alt", counts=" ; ".join(
            t("report.band_count", band=band.label, n=fmt.integer(int(counts.get(band.id, 0))))
            for band in scale.bands))
        blocks.append({"kind": "keep", "blocks": [
            {"kind": "heading", "text": t("portfolio.distribution_heading")},
            {"kind": "figure", "name": "distribution", "alt": alt, "width": 80,
             "caption": t("report.distribution_caption", bands=band_ranges(scale))}]})
    risky = at_risk(table)
    blocks.append({"kind": "heading", "text": fmt.plural(len(risky), "report.heading_risk")})
    blocks.append({"kind": "para", "muted": True, "text": t("targets.risk_order_caption")})
    if risky.empty:
        blocks.append({"kind": "para", "text": t("report.no_risk")})
    else:
        blocks.append({"kind": "entries", "items": [
            {"title": row.name, "band": row.band if row.band in {b.id for b in scale.bands}
             else None,
             "lines": [t("report.risk_where", territory=row.territory,
                         programme=row.programme_label, phase=row.phase_label or fmt.MISSING,
                         score=fmt.score(row.score)), row.risk]}
            for row in risky.itertuples()]})
    rows = []
    for row in table.itertuples():
        rows.append([
            _cell(row.name, note=row.territory, strong=True),
            _cell(row.programme_label, note=row.phase_label or None),
            fmt.date(row.date) if not fmt.missing(row.date) else fmt.MISSING,
            _cell(fmt.number(row.score), band=row.band),
            row.band_label,
            fmt.percent(row.completeness),
            fmt.integer(row.n_flags),
            row.profile_label,
        ])
    blocks.append({"kind": "table", "size": 9, "landscape": True,
                   "title": t("portfolio.table_heading"),
                   "intro": t("report.table_intro", not_assessed=t("portfolio.not_assessed"),
                              section=section),
                   "widths": [5.2, 2.6, 1.1, 0.9, 1.7, 1.1, 0.9, 2.4],
                   "align": ["left", "left", "left", "right", "left", "right", "right", "left"],
                   "header": [t("portfolio.col_project"), t("portfolio.col_programme"),
                              t("portfolio.col_date"), t("report.col_index"),
                              t("portfolio.col_band"), t("portfolio.col_completeness"),
                              t("report.col_alerts"), t("targets.col_profile")],
                   "rows": rows})
    blocks += [{"kind": "heading", "text": t("report.heading_reading")},
               {"kind": "para", "text": t("report.reading_bands",
                                          rules=" ; ".join(band_rules(scale)))},
               {"kind": "para", "text": t("report.reading_portfolio_targets")},
               {"kind": "para", "text": t("report.reading_critical",
                                          label=flag_level(scale).label)}]
    data = {
        "kicker": t("report.portfolio_kicker"),
        "title": t("report.portfolio_title"),
        "subtitle": grid.short_title or grid.title,
        "author": "coopscore",
        "footer": t("report.portfolio_footer", edited=_edited_on(today)),
        "page_of": t("report.page_of"),
        "blocks": blocks,
    }
    return Document("document.typ", data, svg)


def portfolio_table_for(store: Store, grid_id: str = "cooperation", *,
                        programme: str | None = None,
                        projects: pd.DataFrame | None = None) -> tuple[pd.DataFrame, Grid]:
    """The portfolio of one grid in risk order, optionally one programme's projects only.

    Args:
        projects: the projects the reader may see (`ScopedStore.portfolio_projects()`); all
            the store's projects when None.

    Raises:
        CoopscoreError: unknown programme or grid.
    """
    from .grid import available_grids, load_grid
    from .portfolio import filter_portfolio, grid_results, phase_titles, portfolio_table, risk_order
    from .results import score_assessments

    if grid_id not in available_grids():
        raise CoopscoreError(t("report.unknown_grid", grid=grid_id,
                               valid=", ".join(available_grids())))
    known = programmes()
    if programme is not None and programme not in known:
        raise CoopscoreError(t("report.unknown_programme", programme=programme,
                               valid=", ".join(known)))
    projects = store.projects() if projects is None else projects
    if programme is not None:
        projects = projects[projects["programme"] == programme].reset_index(drop=True)
    ids = None
    if projects is not None and len(projects) < len(store.projects()):
        everything = store.assessments()
        ids = [int(i) for i in everything.loc[everything["project"].isin(projects["id"]), "id"]]
    portfolio = score_assessments(store, ids) if ids is None or ids else {}
    results = grid_results(portfolio, grid_id)
    grid = results.grid if results is not None else load_grid(grid_id)
    table = risk_order(portfolio_table(projects, results, phases=phase_titles()))
    if programme is not None:
        table = filter_portfolio(table, programmes=[programme])
    return table, grid


def portfolio_scope(programme: str | None = None, filters: Iterable[str] = ()) -> str | None:
    """The sentence naming which projects a portfolio report holds (None: all of them)."""
    parts = []
    if programme is not None:
        parts.append(t("report.scope_programme", programme=programmes().get(programme,
                                                                             programme)))
    parts += list(filters)
    return " · ".join(parts) or None


def portfolio_pdf(table: pd.DataFrame, grid: Grid, *, scope: str | None = None,
                  today: dt.date | None = None) -> bytes:
    """The portfolio report as PDF bytes (see `portfolio_document`)."""
    return portfolio_document(table, grid, scope=scope, today=today).pdf()


# --- the reader's rights and the file ---------------------------------------------------------


def fiche_for(actor: Any, store: Store, assessment_id: int, *,
              today: dt.date | None = None) -> Document:
    """The fiche as `actor` may read it: whole for those who work on the project, cut to the
    project's consent for a funder (the same rule as `access.report_for`).

    Raises:
        AccessDenied: the assessment's results are out of the actor's reach.
    """
    from . import access

    resource = access.resource_of(store, "assessment", assessment_id)
    access.require(actor, "results.view", resource)
    full = any(role.kind != "financeur" and "results.view" in access.ROLE_ACTIONS[role.kind]
               and access.in_scope(role, "results.view", resource) for role in actor.roles)
    consent = None if full else access.consent_of(store, resource.project)
    return fiche_document(store, assessment_id, consent=consent, today=today)


def portfolio_for(actor: Any, store: Store, table: pd.DataFrame, grid: Grid, *,
                  scope: str | None = None, today: dt.date | None = None) -> Document:
    """The portfolio report as `actor` may read it: only the rows of projects in their
    portfolio, each cut to what the project shares with them (`ScopedStore.shared_portfolio`:
    whole for the projects they work on, else the project's consent — at « synthese » no
    critical point's text, gap or risk reading).

    Args:
        table: rows of `portfolio.portfolio_table` in the order to print (the page's).

    Raises:
        AccessDenied: the actor may see no portfolio at all.
    """
    from . import access

    scoped = access.ScopedStore(store, actor)
    if not access.may_somewhere(actor, "portfolio.view"):
        raise access.denied("portfolio.view")
    mine = set(int(p) for p in scoped.portfolio_projects()["id"])
    rows = table[table["project"].astype("int64").isin(mine)].reset_index(drop=True)
    return portfolio_document(scoped.shared_portfolio(rows), grid, scope=scope, today=today)


def write_pdf(path: str | Path, data: bytes) -> Path:
    """Write a PDF all at once; a missing folder or a full disk is said in French, nothing written.

    Raises:
        CoopscoreError: the file cannot be written.
    """
    from .failures import file_problem

    target = Path(path)
    if target.is_dir():
        raise CoopscoreError(t("report.path_is_folder", path=target))
    if not target.parent.is_dir():
        raise CoopscoreError(t("report.no_folder", folder=target.parent))
    try:
        return write_atomic(target, data)
    except OSError as error:
        raise CoopscoreError(file_problem(error)) from None
