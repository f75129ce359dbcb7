"""Spreadsheets in and out: exports, the blank questionnaire, and all-or-nothing imports.

- Exports (one assessment, a project or the whole portfolio) as one CSV table, a ZIP of CSV
  tables, an XLSX workbook (one sheet per table, answers first) or JSON. In CSV and XLSX a
  text cell that a spreadsheet would run as a formula (first character `=`, `+`, `-`, `@`,
  tab or carriage return, after any leading apostrophes) gets one more apostrophe in front;
  imports remove it again, so an export re-imports exactly.
- The blank questionnaire of a grid (XLSX): a cover sheet with instructions and the
  respondent's name, role and organisation, one sheet per stage with a dropdown per row,
  item ids in a hidden column, and a hidden `_coopscore` sheet that lets the import
  recognise it.
- Imports of the answers format (`respondent, role, item, value[, comment, organisation]`)
  from CSV or XLSX, and of filled questionnaires: rows are checked by the scoring engine's
  validator (coopscore.answers), files against each other and against the assessment's
  respondents; every problem is listed with its file and line, and nothing is written
  unless everything is valid (one transaction).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path
from typing import IO, Any

import pandas as pd

from .answers import (DEFAULT_ASSESSMENT, LIMITS, Limits, read_answers_file, validate_answers,
                      zip_problem)
from . import anonymity
from . import format as fmt
from .errors import AnswersError, CoopscoreError
from .fsutil import write_atomic
from .grid import Grid, Item
from .i18n import t
from .scale import Scale, fold_key, load_scale
from .store import Store
from .text import spreadsheet_text

EXPORT_FORMATS = ("csv", "zip", "xlsx", "json")
EXPORT_FORMAT_VERSION = 1
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_576
ANSWER_EXPORT_COLUMNS = ["assessment", "respondent", "role", "organisation", "item", "value",
                         "comment", "updated_at"]
QUESTIONNAIRE_FORMAT = "coopscore-questionnaire"
META_SHEET = "_coopscore"

Source = str | Path | bytes | IO[bytes] | tuple[str, bytes]
Progress = Callable[[int, int], None]


# --- formula neutralisation ---------------------------------------------------------


def _formula_like(text: str) -> bool:
    return text.lstrip("'")[:1] in FORMULA_TRIGGERS and text.lstrip("'") != ""


def neutralise(value: Any) -> Any:
    """Make a text cell inert in a spreadsheet: one apostrophe in front of formula-like text.

    Reversible (see `restore`): text already starting with apostrophes before a trigger
    gets one more, so `restore(neutralise(x)) == x` for every string.
    """
    if isinstance(value, str) and _formula_like(value):
        return "'" + value
    return value


def restore(value: Any) -> Any:
    """Undo `neutralise` on a cell read back from a CSV or XLSX export."""
    if isinstance(value, str) and value.startswith("'") and _formula_like(value):
        return value[1:]
    return value


# --- exports ------------------------------------------------------------------------


def export_tables(store: Store, assessment_ids: Iterable[int] | None = None, *,
                  with_scores: bool = True,
                  pseudonymous: Iterable[int] = ()) -> dict[str, pd.DataFrame]:
    """The tables of an export, answers first (the importable one).

    Args:
        assessment_ids: the assessments to export; None for the whole portfolio.
        with_scores: add the scoring engine's tables (overall, scores, gaps,
            recommendations).
        pseudonymous: assessments whose people are exported as Regards croisés shows an
            anonymous assessment (anonymity.pseudonymised_answers); only the answers table
            names people.

    Returns:
        {"answers": assessment, respondent (name), role, organisation, item, value, comment,
        updated_at; "assessments": the store's assessment context; "agreed": assessment,
        item, value, rationale, updated_at; "actions": the action plans of the exported
        assessments and the project-level actions of their projects} and, with scores, the
        tables of `score_tables`.
    """
    ids = None if assessment_ids is None else [int(i) for i in assessment_ids]
    context = store.assessment_context(ids)
    if ids is not None:
        ids = list(context["assessment"])
    answers = anonymity.pseudonymised_answers(store.answers(ids), store.respondents(ids),
                                              pseudonymous)[ANSWER_EXPORT_COLUMNS]
    actions = store.actions()
    if ids is not None:
        projects = set(context["project"])
        keep = actions["assessment"].isin(ids).fillna(False) | (
            actions["assessment"].isna() & actions["project"].isin(projects))
        actions = actions[keep.astype(bool)].reset_index(drop=True)
    tables = {
        "answers": answers,
        "assessments": context,
        "agreed": store.agreed(ids),
        "actions": actions,
    }
    if with_scores:
        tables.update(score_tables(store, context))
    return tables


SCORE_TABLES = ("overall", "scores", "gaps", "recommendations")
GAP_COLUMNS = ["assessment", "section_id", "item", "value", "target_level", "missing_level",
               "critical", "n", "median", "agreement", "hotspot", "agreed"]


def score_tables(store: Store, context: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The scoring engine's reading of the assessments of `context` (from assessment_context).

    Through coopscore.results, the path every page uses: each group of assessments made
    with the same grid version is scored against that version, with the phase and CTE
    context of its campaign and its agreed values.

    Returns:
        {"overall": one row per assessment (grid, score, band...), "scores": one row per
        assessment and stage (score, band, completeness, target, gap, basis...), "gaps":
        the criteria below their target level (value, target_level, missing_level...),
        "recommendations": the ranked methods (because: criterion ids, comma-separated)}.
    """
    from .results import score_assessments

    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in SCORE_TABLES}
    ids = [int(i) for i in context["assessment"]]
    for (grid_id, _version), results in score_assessments(store, ids).items():
        scores, criteria = results.scores, results.scores.criteria
        recommendations = results.recommendations.copy()
        recommendations["because"] = recommendations["because"].map(
            lambda items: ", ".join(items) if isinstance(items, (list, tuple)) else items)
        overall = scores.overall.copy()
        overall.insert(1, "grid", grid_id)
        parts["overall"].append(overall)
        parts["scores"].append(scores.stages)
        parts["gaps"].append(criteria.loc[criteria["missing_level"] > 0, GAP_COLUMNS])
        parts["recommendations"].append(recommendations)
    tables = {}
    for name, frames in parts.items():
        frames = [_plain(frame) for frame in frames if len(frame)]
        tables[name] = pd.concat(frames, ignore_index=True).sort_values(
            "assessment", kind="stable", ignore_index=True) if frames else pd.DataFrame(
            {"assessment": pd.Series([], dtype="int64")})
    return tables


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as plain values and assessment ids as integers, ready to write."""
    frame = frame.copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object)
    frame["assessment"] = frame["assessment"].astype("int64")
    return frame.reset_index(drop=True)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready records: missing values become null, numpy scalars plain Python."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [{key: (value.item() if hasattr(value, "item") else value)
             for key, value in row.items()} for row in clean.to_dict("records")]


def _neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    clean = frame.astype(object).where(frame.notna(), None)
    return clean.map(neutralise)


def _sheet_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Neutralised, and without the control characters an XLSX file cannot hold.

    Imports refuse them and the app cleans what is typed (coopscore.text), but a database
    written before may hold some: the workbook drops them rather than fail.
    """
    return _neutralised(frame).map(spreadsheet_text)


CSV_DIALECTS = {"fr": (";", ","), "comma": (",", ".")}  # (separator, decimal mark)


def csv_bytes(frame: pd.DataFrame, dialect: str = "fr") -> bytes:
    """One table as CSV, UTF-8 with BOM (spreadsheets then read accents), formulas neutralised.

    Args:
        dialect: « fr » (default) — `;` between columns and a decimal comma, what French
            Excel opens as columns; « comma » — `,` and a decimal point, for other tools.
            Both re-import (coopscore.answers reads either separator).

    Raises:
        CoopscoreError: unknown dialect.
    """
    if dialect not in CSV_DIALECTS:
        raise CoopscoreError(t("exchange.unknown_csv_dialect", value=dialect,
                               valid=", ".join(CSV_DIALECTS)))
    separator, decimal = CSV_DIALECTS[dialect]
    plain = frame.copy()
    for column in plain.columns:  # whole numbers held as floats (NaN) print without « ,0 »
        values = plain[column]
        if pd.api.types.is_float_dtype(values) and values.dropna().mod(1).eq(0).all() \
                and values.notna().any():
            plain[column] = values.astype("Int64")
    text = _neutralised(plain).to_csv(index=False, sep=separator, decimal=decimal,
                                      lineterminator="\n")
    return text.encode("utf-8-sig")


def zip_bytes(tables: dict[str, pd.DataFrame], dialect: str = "fr") -> bytes:
    """Every table as `<name>.csv` (see `csv_bytes`) in one ZIP archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, frame in tables.items():
            archive.writestr(f"{name}.csv", csv_bytes(frame, dialect))
    return buffer.getvalue()


def json_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """Every table as a list of records under `tables`, with the format's name and version."""
    document = {"format": "coopscore-export", "version": EXPORT_FORMAT_VERSION,
                "tables": {name: _records(frame) for name, frame in tables.items()}}
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def xlsx_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """Every table as one sheet (French sheet names, machine column names), answers first.

    Raises:
        CoopscoreError: a table longer than a sheet can hold (export it as CSV instead).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    for name, frame in tables.items():
        if len(frame) + 1 > XLSX_MAX_ROWS:
            raise CoopscoreError(t("exchange.too_many_rows", table=name, rows=len(frame)))
        sheet = workbook.create_sheet(t(f"exchange.sheet_{name}"))
        sheet.freeze_panes = "A2"
        header = []
        for column in frame.columns:
            cell = WriteOnlyCell(sheet, value=str(column))
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in _sheet_ready(frame).itertuples(index=False, name=None):
            sheet.append([value.item() if hasattr(value, "item") else value for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_bytes(store: Store, fmt: str, assessment_ids: Iterable[int] | None = None,
                 table: str = "answers", dialect: str = "fr",
                 pseudonymous: Iterable[int] = ()) -> bytes:
    """An export as bytes, for a download button or a file.

    Args:
        fmt: csv (one table, `table`), zip, xlsx or json.
        assessment_ids: None for the whole portfolio.
        pseudonymous: assessments whose people are not named (see export_tables).

    Raises:
        CoopscoreError: unknown format or table.
    """
    if fmt not in EXPORT_FORMATS:
        raise CoopscoreError(t("exchange.unknown_format", value=fmt,
                               valid=", ".join(EXPORT_FORMATS)))
    tables = export_tables(store, assessment_ids, pseudonymous=pseudonymous)
    if fmt == "csv":
        if table not in tables:
            raise CoopscoreError(t("exchange.unknown_table", value=table,
                                   valid=", ".join(tables)))
        return csv_bytes(tables[table], dialect)
    if fmt == "zip":
        return zip_bytes(tables, dialect)
    return {"xlsx": xlsx_bytes, "json": json_bytes}[fmt](tables)


def export_file(store: Store, path: str | Path, assessment_ids: Iterable[int] | None = None,
                fmt: str | None = None, table: str = "answers", dialect: str = "fr") -> Path:
    """Write an export; the format comes from `fmt` or the file's extension.

    Raises:
        CoopscoreError: unknown format or table.
    """
    target = Path(path)
    fmt = fmt or target.suffix.lstrip(".").lower()
    data = export_bytes(store, fmt, assessment_ids, table, dialect)
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(target, data)


# --- the blank questionnaire ----------------------------------------------------------


def _choices(scale: Scale) -> dict[str, list[tuple[str, str]]]:
    """Dropdown entries (text shown, canonical value) for criteria, methods and roles."""
    criterion = [(t("exchange.choice", value=a.value, label=a.label), a.value)
                 for a in scale.levels]
    criterion += [(a.label, a.value) for a in scale.non_levels]
    method = [(a.label, a.value) for a in scale.method_answers]
    roles = [(role.label, role.id) for role in scale.roles]
    return {"criterion": criterion, "method": method, "role": roles}


def _sub_points(item: Item, depth: int = 0, cte: bool | None = None) -> list[str]:
    lines = []
    for child in item.children:
        if child.cte and cte is False:
            continue
        lines.append("  " * depth + "• " + child.text)
        lines.extend(_sub_points(child, depth + 1, cte))
    return lines


def _print_ready(sheet: Any, *, landscape: bool, title_rows: str | None = None,
                 footer: str | None = None) -> None:
    """A4, fit to the page's width (as many pages down as needed), header rows repeated."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.print_options.horizontalCentered = True
    if title_rows:
        sheet.print_title_rows = title_rows
    if footer:
        sheet.oddFooter.left.text = footer.replace("&", "&&")
        sheet.oddFooter.left.size = 8
    sheet.oddFooter.right.text = t("exchange.print_page")
    sheet.oddFooter.right.size = 8


def _sheet_title(grid: Grid, number: int, used: set[str]) -> str:
    title = f"{grid.label('section')} {number}"[:31]
    for forbidden in "[]:*?/\\":
        title = title.replace(forbidden, " ")
    while title in used:
        title = (title[:28] + f" {len(used)}")[:31]
    used.add(title)
    return title


# Cells of the cover sheet and columns of a section sheet: recorded in the hidden sheet
# too, so that a later layout still reads questionnaires made by this one.
_COVER_FIELDS = {"name_cell": "B12", "role_cell": "B13", "organisation_cell": "B14"}
_SECTION_COLUMNS = {"id_column": "A", "answer_column": "D", "comment_column": "E"}
_SECTION_HEADER_ROW = 3


def questionnaire_bytes(grid: Grid, scale: Scale | None = None, *, project: str | None = None,
                        assessment: str | None = None, cte: bool | None = None) -> bytes:
    """The blank questionnaire of a grid as an XLSX workbook, to fill in without a laptop.

    Args:
        grid: the grid (for an existing assessment, the version it was made with).
        scale: the answer scale (data/scale.yaml by default).
        project, assessment: names printed on the cover, when it is for a given campaign.
        cte: the project is (True) or is not (False) in European territorial cooperation:
            False leaves the CTE-only items out; None (no project) keeps them, marked.

    Returns:
        The workbook's bytes, print-ready: A4, fit to width, headers repeated on each page.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    scale = scale or load_scale()
    choices = _choices(scale)
    workbook = Workbook()
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    input_fill = PatternFill("solid", fgColor="FFF8E1")
    band_fill = PatternFill("solid", fgColor="E8EEF4")
    thin = Side(style="thin", color="999999")
    boxed = Border(left=thin, right=thin, top=thin, bottom=thin)
    unlocked = Protection(locked=False)

    # Hidden sheet: what the import needs to recognise and read this workbook.
    meta = workbook.create_sheet(META_SHEET)
    meta.sheet_state = "veryHidden"
    cover_title = t("exchange.sheet_cover")
    for row, (key, value) in enumerate([
            ("format", QUESTIONNAIRE_FORMAT), ("format_version", EXPORT_FORMAT_VERSION),
            ("grid", grid.id), ("version", grid.version), ("cover", cover_title),
            *_COVER_FIELDS.items(), *_SECTION_COLUMNS.items(),
            ("header_row", _SECTION_HEADER_ROW)], start=1):
        meta.cell(row=row, column=1, value=key)
        meta.cell(row=row, column=2, value=value)
    lists = {}
    for column, kind in zip((4, 6, 8), ("criterion", "method", "role")):
        for row, (text, value) in enumerate(choices[kind], start=1):
            meta.cell(row=row, column=column, value=text)
            meta.cell(row=row, column=column + 1, value=value)
        letter = meta.cell(row=1, column=column).column_letter
        lists[kind] = f"'{META_SHEET}'!${letter}$1:${letter}${max(1, len(choices[kind]))}"

    # Cover sheet.
    cover = workbook.active
    cover.title = cover_title
    workbook.move_sheet(cover, offset=-workbook.index(cover))
    cover["A1"] = spreadsheet_text(t("exchange.questionnaire_title",
                                     grid=grid.short_title or grid.title))
    cover["A1"].font = Font(bold=True, size=14)
    cover["A2"] = spreadsheet_text(t("exchange.questionnaire_version", id=grid.id,
                                     version=grid.version,
                                     source=grid.source.organisation or grid.title))
    if project or assessment:
        cover["A3"] = spreadsheet_text(t("exchange.questionnaire_for", project=project or "—",
                                         assessment=assessment or "—"))
    if any(item.cte for item in grid.items()):
        cover["A4"] = t("exchange.cte_left_out" if cte is False else
                        "exchange.cte_included" if cte else "exchange.cte_marked")
        cover["A4"].alignment = Alignment(wrap_text=False)
    cover["A5"] = t("exchange.instructions_heading")
    cover["A5"].font = bold
    instructions = t("exchange.instructions", section_word=grid.label("section"))
    for row, line in enumerate(instructions.split("\n"), start=6):
        cover.cell(row=row, column=1, value=line)
    for cell_key, label_key, kind in (("name_cell", "field_name", None),
                                      ("role_cell", "field_role", "role"),
                                      ("organisation_cell", "field_organisation", None)):
        address = _COVER_FIELDS[cell_key]
        label_cell = cover.cell(row=cover[address].row, column=1, value=t(f"exchange.{label_key}"))
        label_cell.font = bold
        cover[address].fill = input_fill
        cover[address].border = boxed
        cover[address].protection = unlocked
        if kind == "role":
            validation = DataValidation(type="list", formula1=lists["role"], allow_blank=True,
                                        showErrorMessage=True,
                                        error=t("exchange.dropdown_error"))
            cover.add_data_validation(validation)
            validation.add(address)
    row = 16
    cover.cell(row=row, column=1, value=t("exchange.scale_heading",
                                          question=scale.question)).font = bold
    for answer in (*scale.levels, *scale.non_levels):
        row += 1
        cover.cell(row=row, column=1, value=dict((v, k) for k, v in choices["criterion"])[
            answer.value])
        cover.cell(row=row, column=2, value=answer.description).alignment = wrap
    if grid.methods():
        row += 2
        cover.cell(row=row, column=1, value=t("exchange.methods_heading",
                                              question=scale.method_question)).font = bold
        for answer in scale.method_answers:
            row += 1
            cover.cell(row=row, column=1, value=answer.label)
            cover.cell(row=row, column=2, value=answer.description).alignment = wrap
    cover.column_dimensions["A"].width = 42
    cover.column_dimensions["B"].width = 70
    _print_ready(cover, landscape=False, footer=grid.short_title or grid.title)
    cover.protection.sheet = True
    cover.protection.formatColumns = False
    cover.protection.formatRows = False

    # One sheet per section.
    used_titles = {cover_title, META_SHEET}
    header = [t("exchange.column_id"), t("exchange.column_item"), t("exchange.column_details"),
              t("exchange.column_answer"), t("exchange.column_comment")]
    for section in grid.sections:
        sheet = workbook.create_sheet(_sheet_title(grid, section.number, used_titles))
        sheet["B1"] = spreadsheet_text(f"{grid.label('section')} {section.number} — {section.title}")
        sheet["B1"].font = Font(bold=True, size=13)
        sheet["B1"].alignment = wrap
        if section.headings:
            sheet["B2"] = spreadsheet_text(" / ".join(section.headings))
            sheet["B2"].alignment = wrap
        for column, text in enumerate(header, start=1):
            cell = sheet.cell(row=_SECTION_HEADER_ROW, column=column, value=text)
            cell.font = bold
            cell.fill = band_fill
        row = _SECTION_HEADER_ROW
        validations = {kind: DataValidation(type="list", formula1=lists[kind], allow_blank=True,
                                            showErrorMessage=True,
                                            error=t("exchange.dropdown_error"))
                       for kind in ("criterion", "method")}
        for kind, items, label in (("criterion", section.criteria, grid.label("criteria")),
                                   ("method", section.methods, grid.label("methods"))):
            if not items:
                continue
            row += 1
            sheet.cell(row=row, column=2, value=label).font = bold
            for item in items:
                if item.cte and cte is False:  # a non-CTE project is never asked about them
                    continue
                row += 1
                text = item.text + (f" {t('exchange.cte_mark')}" if item.cte else "")
                sheet.cell(row=row, column=1, value=item.id)
                sheet.cell(row=row, column=2,
                           value=spreadsheet_text(neutralise(text))).alignment = wrap
                details = "\n".join(_sub_points(item, cte=cte))
                sheet.cell(row=row, column=3,
                           value=spreadsheet_text(neutralise(details)) or None).alignment = wrap
                for column in (4, 5):
                    cell = sheet.cell(row=row, column=column)
                    cell.protection = unlocked
                    cell.border = boxed
                    cell.alignment = wrap
                sheet.cell(row=row, column=4).fill = input_fill
                validations[kind].add(f"D{row}")
        for validation in validations.values():
            if validation.sqref:
                sheet.add_data_validation(validation)
        widths = {"A": 11, "B": 70, "C": 48, "D": 30, "E": 45}
        for letter, width in widths.items():
            sheet.column_dimensions[letter].width = width
        sheet.column_dimensions["A"].hidden = True
        sheet.freeze_panes = f"B{_SECTION_HEADER_ROW + 1}"
        _print_ready(sheet, landscape=True, title_rows=f"1:{_SECTION_HEADER_ROW}",
                     footer=f"{grid.short_title or grid.title} — {grid.label('section')} "
                            f"{section.number}")
        sheet.protection.sheet = True
        sheet.protection.formatColumns = False
        sheet.protection.formatRows = False
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def questionnaire_pdf(grid: Grid, scale: Scale | None = None, *, project: str | None = None,
                      assessment: str | None = None, cte: bool | None = None) -> bytes:
    """The same blank questionnaire as `questionnaire_bytes`, as a PDF to print for a paper
    workshop: a cover (who answers, the scale), then one table per stage with a box to tick
    per answer and room for a comment. CTE-only items are left out when `cte` is False.
    """
    from .pdf import compile_pdf

    scale = scale or load_scale()
    levels = [(a.value, t("exchange.choice", value=a.value, label=a.label)) for a in scale.levels]
    levels += [(a.value, a.label) for a in scale.non_levels]
    methods = [(a.value, a.label) for a in scale.method_answers]
    blocks: list[dict[str, Any]] = []
    facts = [[t("exchange.field_grid_pdf"), t("exchange.questionnaire_version", id=grid.id,
                                              version=grid.version,
                                              source=grid.source.organisation or grid.title)]]
    if project or assessment:
        facts.append([t("exchange.field_for_pdf"), t("exchange.questionnaire_for",
                                                     project=project or "—",
                                                     assessment=assessment or "—")])
    blocks.append({"kind": "facts", "items": facts})
    blocks.append({"kind": "heading", "text": t("report.questionnaire_person")})
    blocks.append({"kind": "lines", "items": [t("exchange.field_name"), t("exchange.field_role"),
                                              t("exchange.field_organisation")]})
    blocks.append({"kind": "note", "text": t("report.questionnaire_how")})
    if any(item.cte for item in grid.items()):
        blocks.append({"kind": "para", "text": t(
            "exchange.cte_left_out" if cte is False else
            "exchange.cte_included" if cte else "exchange.cte_marked")})
    blocks.append({"kind": "heading",
                   "text": t("exchange.scale_heading", question=scale.question)})
    blocks.append({"kind": "facts", "items": [[label, answer.description] for (_, label), answer
                                              in zip(levels, (*scale.levels, *scale.non_levels))]})
    if grid.methods():
        blocks.append({"kind": "heading",
                       "text": t("exchange.methods_heading", question=scale.method_question)})
        blocks.append({"kind": "facts", "items": [[a.label, a.description]
                                                  for a in scale.method_answers]})
    for section in grid.sections:
        blocks.append({"kind": "pagebreak"})
        blocks.append({"kind": "heading",
                       "text": f"{grid.label('section')} {section.number} — {section.title}"})
        if section.headings:
            blocks.append({"kind": "para", "muted": True, "text": " / ".join(section.headings)})
        for kind, items, label, answers in (
                ("criterion", section.criteria, grid.label("criteria"), levels),
                ("method", section.methods, grid.label("methods"), methods)):
            shown = [item for item in items if not (item.cte and cte is False)]
            if not shown:
                continue
            blocks.append({"kind": "heading", "level": 2, "text": label})
            blocks.append({
                "kind": "form", "item_header": label, "comment_header":
                t("report.questionnaire_comment"),
                "choices": [text for _, text in answers],
                "choice_width": 1.55 if kind == "criterion" else 2.2, "comment_width": 4.5,
                "rows": [{"id": item.id,
                          "text": item.text + (f" {t('exchange.cte_mark')}" if item.cte else ""),
                          "details": _sub_points(item, cte=cte),
                          "choices": [True] * len(answers)} for item in shown]})
    data = {"kicker": t("report.questionnaire_kicker"),
            "title": t("exchange.questionnaire_title", grid=grid.short_title or grid.title),
            "landscape": True,
            "footer": t("report.questionnaire_footer", grid=grid.short_title or grid.title,
                        version=grid.version),
            "page_of": t("report.page_of"), "blocks": blocks}
    return compile_pdf("document.typ", data)


# --- reading files ------------------------------------------------------------------


def _source_bytes(source: Source, max_bytes: int | None = None) -> tuple[bytes, str]:
    """The bytes and the display name of a path, bytes, (name, bytes) or an upload.

    A path is read up to `max_bytes` + 1 bytes: enough to know it is too big.
    """
    if isinstance(source, tuple):
        return bytes(source[1]), str(source[0])
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), t("answers.unnamed_file")
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            with path.open("rb") as handle:
                data = handle.read(max_bytes + 1) if max_bytes is not None else handle.read()
            return data, path.name
        except OSError:
            raise AnswersError(t("answers.file_not_found", file=str(path))) from None
    getvalue = getattr(source, "getvalue", None)
    data = getvalue() if getvalue is not None else source.read()
    return data, Path(str(getattr(source, "name", "") or t("answers.unnamed_file"))).name


@dataclass
class _ReadFile:
    """One file read for an import: its rows (validated), or its problems."""

    name: str
    answers: pd.DataFrame | None
    problems: list[str]
    other_assessment: bool = False  # refused only because it names another assessment


def _is_questionnaire(data: bytes) -> bool:
    """A coopscore questionnaire: a workbook with the hidden sheet (zip checked beforehand)."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("xl/workbook.xml")
            if info.file_size > 1024 * 1024:  # a workbook part lists sheets: a few KB
                return False
            workbook_xml = archive.read(info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError):
        return False
    return f'name="{META_SHEET}"' in workbook_xml


def _prefixed(prefix: str, error: AnswersError) -> list[str]:
    return [prefix + problem for problem in (error.problems or [error.message])]


_META_CELL = re.compile(r"^[A-Z]{1,2}[1-9][0-9]{0,3}$")
_META_COLUMN = re.compile(r"^[A-Z]{1,2}$")
_META_ROWS = 500  # the hidden sheet holds ~12 settings and the dropdown lists


def _questionnaire_meta(meta_sheet: Any, limits: Limits) -> tuple[dict[str, Any], list[str]]:
    """The hidden sheet's settings, each checked: a crafted value gets a French message."""
    from openpyxl.utils import column_index_from_string

    meta: dict[str, Any] = {}
    for row in meta_sheet.iter_rows(min_col=1, max_col=2, max_row=_META_ROWS, values_only=True):
        if row[0] is not None:
            meta.setdefault(str(row[0]), row[1])
    problems = []

    def refuse(key: str) -> None:
        shown = str(meta.get(key))[:40]
        problems.append(t("exchange.bad_meta", key=key, value=shown))

    for key, default in _COVER_FIELDS.items():
        value = meta.setdefault(key, default)
        if not isinstance(value, str) or not _META_CELL.match(value):
            refuse(key)
    for key, default in _SECTION_COLUMNS.items():
        value = meta.setdefault(key, default)
        if (not isinstance(value, str) or not _META_COLUMN.match(value)
                or column_index_from_string(value) > limits.columns):
            refuse(key)
    header_row = meta.setdefault("header_row", _SECTION_HEADER_ROW)
    if isinstance(header_row, float) and header_row.is_integer():
        header_row = meta["header_row"] = int(header_row)
    if isinstance(header_row, bool) or not isinstance(header_row, int) \
            or not 1 <= header_row <= 100:
        refuse("header_row")
    if meta.get("cover") is not None and not isinstance(meta.get("cover"), str):
        refuse("cover")
    return meta, problems


def _formula_problem(formulas: Any, sheet_title: str, address: str, value: Any) -> str | None:
    """A formula cell whose value was never computed (None in the data-only reading)."""
    if value is not None:
        return None
    cell = formulas[sheet_title][address]
    if cell.data_type != "f":
        return None
    return t("exchange.in_sheet", sheet=sheet_title) + t(
        "answers.formula_without_value", cell=address, sheet=sheet_title,
        formula=str(cell.value)[:40])


def _read_questionnaire(data: bytes, grid: Grid, scale: Scale, limits: Limits = LIMITS,
                        cte: bool | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Rows of a filled questionnaire, checked sheet by sheet; problems name sheet and line."""
    from openpyxl import load_workbook

    from .answers import value_reader

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > limits.questionnaire_bytes:
        return pd.DataFrame(), [t("answers.too_big_unzipped", size=fmt.megabytes(unpacked),
                                  limit=fmt.megabytes(limits.questionnaire_bytes))]
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
        formulas = load_workbook(io.BytesIO(data), data_only=False)
    except Exception as error:  # a damaged zip raises many kinds of errors
        return pd.DataFrame(), [t("exchange.not_a_workbook", detail=type(error).__name__)]
    if len(workbook.worksheets) > limits.sheets:
        return pd.DataFrame(), [t("exchange.too_many_sheets", count=len(workbook.worksheets),
                                  limit=limits.sheets)]
    for sheet in workbook.worksheets:
        if sheet.max_row > limits.rows + _META_ROWS or sheet.max_column > limits.columns * 4:
            return pd.DataFrame(), [t("exchange.in_sheet", sheet=sheet.title) + t(
                "exchange.sheet_too_large", rows=sheet.max_row, columns=sheet.max_column)]
    meta_sheet = workbook[META_SHEET]
    meta, problems = _questionnaire_meta(meta_sheet, limits)
    if problems:
        return pd.DataFrame(), problems
    if meta.get("grid") != grid.id:
        return pd.DataFrame(), [t("exchange.other_grid", found=str(meta.get("grid"))[:40],
                                  expected=grid.id)]
    # Dropdown texts of the file (and of today's scale) back to canonical values, per kind
    # of row: a criterion's choice typed on a method row is left for the validator to name.
    # The file's own lists are trusted only where they cannot change a reading: a text that
    # is already a spelling of another answer keeps that reading.
    canonical = value_reader(scale)
    chosen: dict[str, dict[str, str]] = {"criterion": {}, "method": {}}
    for kind, column in (("criterion", 4), ("method", 6)):
        for text, value in meta_sheet.iter_rows(min_col=column, max_col=column + 1,
                                                max_row=_META_ROWS, values_only=True):
            if text is None or value is None:
                continue
            value = str(value)
            if canonical(value, kind) == value and canonical(text, kind) in (None, value):
                chosen[kind][str(text)] = value
        chosen[kind].update(dict(_choices(scale)[kind]))
    kinds = {item.id: item.kind for item in (*grid.criteria(), *grid.methods())}
    role_texts = {}
    role_ids = set(scale.role_ids())
    for text, value in meta_sheet.iter_rows(min_col=8, max_col=9, max_row=_META_ROWS,
                                            values_only=True):
        if text is not None and value is not None and str(value) in role_ids:
            role_texts[str(text)] = str(value)

    cover = workbook[str(meta.get("cover"))] if meta.get("cover") in workbook.sheetnames \
        else workbook.worksheets[0]
    cover_prefix = t("exchange.in_sheet", sheet=cover.title)

    def cover_value(key: str) -> str:
        address = str(meta[key])
        value = cover[address].value
        problem = _formula_problem(formulas, cover.title, address, value)
        if problem:
            problems.append(problem)
        return " ".join(str(value).split()) if value is not None else ""

    name, role_text, organisation = (cover_value("name_cell"), cover_value("role_cell"),
                                     cover_value("organisation_cell"))
    if not name:
        problems.append(cover_prefix + t("exchange.cover_cell", cell=meta.get("name_cell"))
                        + t("exchange.missing_name"))
        name = "?"
    role = role_texts.get(role_text) or scale.role_spellings().get(fold_key(role_text))
    if role is None:
        key = "missing_role" if not role_text else "bad_role"
        problems.append(cover_prefix + t("exchange.cover_cell", cell=meta.get("role_cell"))
                        + t(f"exchange.{key}", role=role_text,
                            valid=", ".join(r.label for r in scale.roles)))
        role = scale.roles[0].id  # checks the rows all the same

    id_column, answer_column, comment_column = (str(meta["id_column"]),
                                                str(meta["answer_column"]),
                                                str(meta["comment_column"]))
    header_row = int(meta["header_row"])
    frames = []
    for sheet in workbook.worksheets:
        if sheet.title in (META_SHEET, cover.title):
            continue
        records = []
        for row in range(header_row + 1, sheet.max_row + 1):
            cells = {column: sheet[f"{column}{row}"].value
                     for column in (id_column, answer_column, comment_column)}
            for column, value in cells.items():
                problem = _formula_problem(formulas, sheet.title, f"{column}{row}", value)
                if problem:
                    problems.append(problem)
            item, value, comment = (cells[id_column], cells[answer_column],
                                    cells[comment_column])
            if item is None or not str(item).strip():
                continue
            item = str(item).strip()
            if isinstance(value, str) and item in kinds:
                value = chosen[kinds[item]].get(value.strip(), value)
            records.append({"respondent": name, "role": role, "item": item,
                            "value": value, "comment": comment,
                            "organisation": organisation or None, "line": row})
        if not records:
            continue
        try:
            frames.append(validate_answers(pd.DataFrame.from_records(records), grid, scale,
                                           cte=cte))
        except AnswersError as error:
            problems += _prefixed(t("exchange.in_sheet", sheet=sheet.title), error)
    answers = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return answers, problems


def read_answers(source: Source, grid: Grid, scale: Scale | None = None, *,
                 max_bytes: int | None = None, limits: Limits = LIMITS,
                 assessment_id: int | None = None, cte: bool | None = None) -> pd.DataFrame:
    """Read and check one file of answers (CSV, XLSX, filled questionnaire) against a grid.

    Args:
        assessment_id: the assessment the answers are meant for; a file whose `assessment`
            column names another one is refused.
        cte: whether the project is in European territorial cooperation; False refuses
            answers to CTE-only items (None: no project known, accepted).

    Returns:
        The validated rows: assessment, respondent, role, item, value, comment,
        organisation, line (text cells with export apostrophes removed).

    Raises:
        AnswersError: every problem of the file, each with its line (and sheet).
    """
    limits = limits.with_file_bytes(max_bytes)
    read = _read_one(source, grid, scale or load_scale(), limits, assessment_id, cte)
    if read.problems:
        raise AnswersError(t("exchange.import_failed", count=len(read.problems)),
                           [t("exchange.in_file", file=read.name) + p for p in read.problems])
    return read.answers


def _read_one(source: Source, grid: Grid, scale: Scale, limits: Limits,
              assessment_id: int | None = None, cte: bool | None = None) -> _ReadFile:
    try:
        data, name = _source_bytes(source, limits.file_bytes)
    except AnswersError as error:
        return _ReadFile(str(source), None, [error.message])
    problem = zip_problem(data, limits) if data.startswith(b"PK\x03\x04") \
        and len(data) <= limits.file_bytes else None
    if problem:
        answers, problems = None, [problem]
    elif _is_questionnaire(data) and len(data) <= limits.file_bytes:
        answers, problems = _read_questionnaire(data, grid, scale, limits, cte)
    else:
        try:
            answers, problems = read_answers_file(data, grid, scale, filename=name,
                                                  limits=limits, cte=cte), []
        except AnswersError as error:
            answers, problems = None, list(error.problems or [error.message])
    if not problems and answers is not None:
        if answers.empty:
            problems = [t("exchange.nothing_to_import")]
        elif answers["assessment"].nunique() > 1:
            found = ", ".join(_shown_id(a) for a in answers["assessment"].unique()[:5])
            problems = [t("exchange.several_assessments", found=found)]
        elif assessment_id is not None and answers["assessment"].iloc[0] not in (
                DEFAULT_ASSESSMENT, str(assessment_id)):
            problems = [t("exchange.other_assessment",
                          found=_shown_id(answers["assessment"].iloc[0]),
                          expected=assessment_id)]
            return _ReadFile(name, None, problems, other_assessment=True)
        else:
            for column in ("respondent", "organisation", "comment"):
                answers[column] = answers[column].map(restore)
    return _ReadFile(name, answers if not problems else None, problems)


def _shown_id(value: object) -> str:
    text = str(value)
    return text if len(text) <= 20 else text[:20] + "…"


# --- imports ------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote (or, for a dry run, would write)."""

    assessment_id: int | None
    label: str
    answers: int
    respondents: int
    created_respondents: int
    dry_run: bool = False
    rows: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    """The checked rows of every file (with a `file` column), as read once."""


def import_answers(store: Store, sources: Sequence[Source], assessment_id: int | None = None,
                   *, project_id: int | None = None, grid_id: str | Path | None = None,
                   label: str | None = None, date: str | Date | None = None,
                   dry_run: bool = False, scale: Scale | None = None,
                   max_bytes: int | None = None, progress: Progress | None = None,
                   batch_size: int = 2000, limits: Limits = LIMITS,
                   allow_other_assessment: bool = False) -> ImportResult:
    """Import answer files into an assessment: all of them, or nothing at all.

    Each respondent named in the files is matched by name with the assessment's
    respondents (and added when new); an existing answer to the same item is replaced.

    Args:
        sources: paths, bytes, (name, bytes) pairs or uploaded files.
        assessment_id: the assessment that receives the answers; or, to create one in the
            same transaction, `project_id`, `grid_id` and `label` (and `date`).
        dry_run: check everything, write nothing.
        progress: called as progress(written, total) while answers are written.
        limits: bounds on the work each file may cause (`max_bytes` overrides its size).
        allow_other_assessment: accept files whose `assessment` column names another
            assessment (copying answers on purpose); refused by default.

    Returns:
        What was written.

    Raises:
        AnswersError: every problem of every file (file, sheet, line), answers to CTE-only
            items for a project outside European cooperation, and conflicts
            between files or with the assessment's respondents. NotFoundError: unknown
            assessment or project. StoreError: closed assessment.
    """
    scale = scale or load_scale()
    if assessment_id is not None:
        target = store.require_open(assessment_id)
        grid, label = store.grid_of(assessment_id), target.label
        project = store.project(target.project_id)
    else:
        if project_id is None or grid_id is None or not label:
            raise CoopscoreError(t("exchange.import_target_needed"))
        project = store.project(project_id)
        from .grid import load_grid
        grid = load_grid(grid_id)

    problems: list[str] = []
    limits = limits.with_file_bytes(max_bytes)
    expected = None if allow_other_assessment else assessment_id
    # a project outside European cooperation is never asked the CTE-only items: a file that
    # answers them is refused like one naming an unknown item
    files = [_read_one(source, grid, scale, limits, expected, project.cte) for source in sources]
    for read in files:
        problems += [t("exchange.in_file", file=read.name) + p for p in read.problems]
    valid = [read for read in files if read.answers is not None]
    problems += _conflicts_between_files(valid)
    if problems:
        error = AnswersError(t("exchange.import_failed", count=len(problems)), problems)
        # the files a person may confirm (allow_other_assessment) rather than correct
        error.other_assessment_files = [read.name for read in files if read.other_assessment]
        raise error

    answers = pd.concat([read.answers.assign(file=read.name) for read in valid],
                        ignore_index=True)
    people = answers.drop_duplicates("respondent")[["respondent", "role", "organisation"]]

    def write() -> ImportResult:
        nonlocal assessment_id
        with store.transaction():
            if assessment_id is None:
                assessment_id = store.create_assessment(project_id, grid_id, label, date)
            existing = store.respondents(assessment_id).set_index("name")
            conflicts = [t("exchange.role_differs", respondent=person.respondent,
                           existing=scale.role_label(existing.loc[person.respondent, "role"]),
                           found=scale.role_label(person.role))
                         for person in people.itertuples()
                         if person.respondent in existing.index
                         and existing.loc[person.respondent, "role"] != person.role]
            # « Répondant·e 3 » of an anonymous export is not a new person: taken as one, it
            # would count a second time answers already recorded under the real name
            conflicts += [t("exchange.pseudonym_not_a_person", respondent=person.respondent)
                          for person in people.itertuples()
                          if person.respondent not in existing.index
                          and anonymity.is_pseudonym(person.respondent)]
            if conflicts:
                raise AnswersError(t("exchange.import_failed", count=len(conflicts)), conflicts)
            ids = {name: int(row_id) for name, row_id in existing["id"].items()}
            created = 0
            for person in people.itertuples():
                if person.respondent not in ids:
                    ids[person.respondent] = store.add_respondent(
                        assessment_id, person.respondent, person.role, person.organisation)
                    created += 1
            rows = [{"assessment_id": assessment_id, "respondent_id": ids[row.respondent],
                     "item": row.item, "value": row.value,
                     "comment": row.comment if isinstance(row.comment, str) else None}
                    for row in answers.itertuples()]
            written = store.save_answers(rows, progress=progress, batch_size=batch_size)
            if dry_run:
                raise _DryRun(ImportResult(None if project_id else assessment_id, label,
                                           written, len(people), created, dry_run=True,
                                           rows=answers))
            return ImportResult(assessment_id, label, written, len(people), created,
                                rows=answers)

    try:
        return write()
    except _DryRun as finished:
        return finished.result


class _DryRun(Exception):
    """Unwinds a dry run's transaction once everything has been checked."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__("dry run")
        self.result = result


def _conflicts_between_files(files: list[_ReadFile]) -> list[str]:
    """The same person answering the same item in two files, or with two roles."""
    if len(files) < 2:
        return []
    problems = []
    seen: dict[tuple[str, str], str] = {}
    roles: dict[str, tuple[str, str]] = {}
    for read in files:
        for row in read.answers.itertuples():
            key = (row.respondent, row.item)
            if key in seen and seen[key] != read.name:
                problems.append(t("exchange.same_answer_in_two_files", respondent=row.respondent,
                                  item=row.item, first=seen[key], second=read.name))
            seen.setdefault(key, read.name)
            first = roles.setdefault(row.respondent, (row.role, read.name))
            if first[0] != row.role and first[1] != read.name:
                problems.append(t("exchange.role_differs_between_files",
                                  respondent=row.respondent, first=first[0],
                                  first_file=first[1], second=row.role, second_file=read.name))
                roles[row.respondent] = (row.role, read.name)
    return problems
