"""Answer tables: read a CSV or XLSX file of answers and check it against a grid and the scale.

A file holds one row per respondent and item: columns `respondent, role, item, value`, and
optionally `assessment` (several assessments in one file), `comment`, `organisation`. Every
problem is collected with its line number (as a spreadsheet shows it: the header is line 1)
and reported at once, in French. The store reuses `validate_answers` for its imports.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from .errors import AnswersError
from .grid import Grid
from .i18n import t
from .scale import AnswerKind, Scale, fold_key, load_scale

REQUIRED_COLUMNS = ("respondent", "role", "item", "value")
OPTIONAL_COLUMNS = ("assessment", "comment", "organisation")
OUTPUT_COLUMNS = ("assessment", "respondent", "role", "item", "value", "comment",
                  "organisation", "line")
DEFAULT_ASSESSMENT = "evaluation"
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PROBLEMS = 200

_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d*)?$")
_INTEGER_LIKE = re.compile(r"^[+]?(\d+)(?:[.,]0*)?$")
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
# Files people drop by mistake (a photo of the sheet, a PDF): not text, whatever their name.
_BINARY_MAGICS = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"RIFF", b"II*\x00", b"MM\x00*")
_SEPARATOR_NAMES = {";": "separator_semicolon", "\t": "separator_tab", "|": "separator_pipe"}


@dataclass(frozen=True)
class _Problem:
    """One problem, sortable by the first line it names (0 for the whole file)."""

    line: int
    text: str


def validate_answers(table: pd.DataFrame, grid: Grid, scale: Scale | None = None, *,
                     assessment: str = DEFAULT_ASSESSMENT, filename: str | None = None) -> pd.DataFrame:
    """Check a table of answers against a grid and the scale; return it normalised.

    Column names are matched loosely (« Item », « ROLE »); values and roles may be written
    as their id or their French label (« Maîtrisé », « élu·e »); spreadsheet numbers (« 2.0 »)
    are read as levels. Rows whose value is empty are unanswered and dropped, as are blank
    rows. A `line` column, when present, gives each row's line in its file; otherwise row k
    (from 0) is line k + 2, as if the table were a CSV file with a header.

    Args:
        table: the answers, one row per respondent and item.
        grid: the grid the items belong to.
        scale: the answer scale (data/scale.yaml when None).
        assessment: the assessment id given to every row when there is no `assessment` column.
        filename: named in the error message.

    Returns:
        A new DataFrame with columns assessment, respondent, role, item, value, comment,
        organisation, line; `value` holds canonical values ('0'..'3', 'na', 'in_place'...),
        `role` role ids, empty optional cells are None.

    Raises:
        AnswersError: every problem found, one per line, sorted by line number.
    """
    scale = scale or load_scale()
    cleaned, problems = _check_table(table, grid, scale, assessment=assessment)
    if problems:
        raise _answers_error(problems, filename)
    return cleaned


def read_answers_file(source: str | Path | bytes | IO[bytes], grid: Grid, scale: Scale | None = None,
                      *, filename: str | None = None, assessment: str = DEFAULT_ASSESSMENT,
                      max_bytes: int = MAX_FILE_BYTES) -> pd.DataFrame:
    """Read a CSV (UTF-8, comma-separated) or XLSX file of answers and validate it.

    Args:
        source: a path, the file's bytes, or a binary file object (an upload).
        grid: the grid the items belong to.
        scale: the answer scale (data/scale.yaml when None).
        filename: the name shown in messages (default: the path's or upload's name).
        assessment: the assessment id when the file has no `assessment` column.
        max_bytes: larger files are refused before being read.

    Returns:
        The normalised answers, as `validate_answers` returns them.

    Raises:
        AnswersError: the file is too big, empty, not UTF-8, not comma-separated, or holds
            invalid rows; every problem is listed with its line number.
    """
    scale = scale or load_scale()
    data, name = _source_bytes(source, filename)
    if len(data) > max_bytes:
        raise _answers_error([_Problem(0, t("answers.too_big", size=_megabytes(len(data)),
                                            limit=_megabytes(max_bytes)))], name)
    if not data.strip():
        raise _answers_error([_Problem(0, t("answers.empty_file"))], name)
    if data.startswith(_XLS_MAGIC):
        raise _answers_error([_Problem(0, t("answers.old_xls"))], name)
    if data.startswith(_XLSX_MAGIC):
        header, rows = _xlsx_records(data, name)
    else:
        header, rows = _csv_records(data, name)
    table, problems = _records_table(header, rows)
    cleaned, more = _check_table(table, grid, scale, assessment=assessment)
    problems += more
    if problems:
        raise _answers_error(problems, name)
    return cleaned


def value_reader(scale: Scale) -> Callable[[object, AnswerKind], str | None]:
    """A function giving the canonical value of one cell for a kind of item, None if off the scale.

    Accepts the value itself (« 2 », « na »), its label (« En partie traité »), and numbers as
    spreadsheets write them (« 2.0 », 2.0).
    """
    spellings = {kind: scale.spellings(kind) for kind in ("criterion", "method")}

    def canonical(value: object, kind: AnswerKind) -> str | None:
        text = _cell(value)
        if _NUMBER.match(text):
            match = _INTEGER_LIKE.match(text)
            return spellings[kind].get(str(int(match.group(1)))) if match else None
        return spellings[kind].get(fold_key(text))

    return canonical


# --- reading files ------------------------------------------------------------------


def _source_bytes(source: str | Path | bytes | IO[bytes], filename: str | None) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), filename or t("answers.unnamed_file")
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            return path.read_bytes(), filename or path.name
        except OSError:
            raise AnswersError(t("answers.file_not_found", file=str(path))) from None
    data = source.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    return data, filename or Path(str(getattr(source, "name", "") or t("answers.unnamed_file"))).name


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")


def _csv_records(data: bytes, name: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Decode and split a CSV file; records are numbered as spreadsheet rows (header = 1)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _answers_error([_Problem(0, t("answers.utf16"))], name)
    if data.startswith(_BINARY_MAGICS) or b"\x00" in data[:4096]:
        raise _answers_error([_Problem(0, t("answers.binary_file"))], name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise _answers_error([_Problem(line, t("answers.at_line", line=line)
                                       + t("answers.not_utf8"))], name) from None
    records = list(csv.reader(io.StringIO(text, newline="")))
    while records and not any(cell.strip() for cell in records[-1]):
        records.pop()
    header = records[0] if records else []
    if len(header) <= 1:
        first = header[0] if header else ""
        for separator, key in _SEPARATOR_NAMES.items():
            if separator in first:
                raise _answers_error([_Problem(1, t("answers.at_line", line=1) + t(
                    "answers.wrong_separator", separator=t(f"answers.{key}")))], name)
    return header, list(enumerate(records[1:], start=2))


def _xlsx_records(data: bytes, name: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Read the first sheet of a workbook; records are numbered by their row in the sheet."""
    from openpyxl import load_workbook  # only needed for workbooks: keep `import coopscore` light

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged or foreign zip
        raise _answers_error([_Problem(0, t("answers.not_a_table", detail=type(error).__name__))],
                             name) from None
    try:
        sheet = workbook.worksheets[0]
        rows = [(number, [_cell_text(value) for value in values])
                for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), 1)]
    finally:
        workbook.close()
    while rows and not any(cell.strip() for cell in rows[-1][1]):
        rows.pop()
    if not rows:
        return [], []
    return rows[0][1], rows[1:]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _records_table(header: list[str], rows: list[tuple[int, list[str]]]
                   ) -> tuple[pd.DataFrame, list[_Problem]]:
    """Build the raw table (all text) with a `line` column; report rows with extra cells."""
    problems = []
    names = [cell.strip() for cell in header]
    while names and not names[-1]:
        names.pop()
    seen: set[str] = set()
    for position, column in enumerate(names):
        key = fold_key(column)
        if key in seen and key:
            problems.append(_Problem(1, t("answers.at_line", line=1)
                                     + t("answers.duplicate_column", column=column)))
            names[position] = f"#{position}"  # keep the first column of that name, ignore this one
        seen.add(key)
    width = len(names)
    columns: list[list[str]] = [[] for _ in names]
    lines = []
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        extra = [cell for cell in cells[width:] if cell.strip()]
        if extra:
            problems.append(_Problem(number, t("answers.at_line", line=number) + t(
                "answers.too_many_cells", count=width + len(extra), columns=width)))
            continue
        cells = cells + [""] * (width - len(cells))
        for position in range(width):
            columns[position].append(cells[position])
        lines.append(number)
    table = pd.DataFrame({f"{position}": values for position, values in enumerate(columns)},
                         dtype=object)
    table.columns = names
    table["line"] = lines
    if not lines and not problems and names:
        problems.append(_Problem(0, t("answers.no_rows")))
    return table, problems


# --- checking a table ---------------------------------------------------------------


def _check_table(table: pd.DataFrame, grid: Grid, scale: Scale, *, assessment: str
                 ) -> tuple[pd.DataFrame, list[_Problem]]:
    """The validation proper: returns the cleaned table and every problem found."""
    problems: list[_Problem] = []
    known = {fold_key(c): c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, "line")}
    renamed = {}
    for column in table.columns:
        canonical = known.get(fold_key(column))
        if canonical is not None and canonical not in renamed.values():
            renamed[column] = canonical
    # Positions, not the caller's index (which may repeat labels after a concat), identify rows.
    table = table.loc[:, list(renamed)].rename(columns=renamed).reset_index(drop=True)
    if "line" in table.columns:
        lines = pd.to_numeric(table["line"], errors="coerce").fillna(0).astype(int).to_numpy()
    else:
        lines = np.arange(len(table)) + 2
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        problems.append(_Problem(1, t("answers.at_line", line=1) + t(
            "answers.missing_columns", missing=", ".join(missing),
            required=", ".join(REQUIRED_COLUMNS), optional=", ".join(OPTIONAL_COLUMNS))))

    text = {column: _as_text(table[column]) if column in table.columns
            else pd.Series([""] * len(table), index=table.index, dtype=object)
            for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)}
    if "comment" in table.columns:
        # a comment is the respondent's own words: line breaks and spacing are kept
        text["comment"] = _map_unique(table["comment"], _free_text_cell)
    has_assessment = "assessment" in table.columns
    if not has_assessment:
        text["assessment"] = pd.Series([str(assessment)] * len(table), index=table.index, dtype=object)
    # A row with no value is an unanswered item (a template row), not an error.
    answered = (text["value"] != "").to_numpy() if "value" in table.columns else np.ones(len(table), bool)
    keep = answered & ~_blank_rows(text)

    def report(mask: np.ndarray, message: str, **values: object) -> None:
        for line in lines[mask & keep]:
            problems.append(_Problem(int(line), t("answers.at_line", line=int(line))
                                     + t(f"answers.{message}", **values)))

    if has_assessment:
        report((text["assessment"] == "").to_numpy(), "missing_assessment")
    if "respondent" in table.columns:
        report((text["respondent"] == "").to_numpy(), "missing_respondent")
    if "item" in table.columns:
        report((text["item"] == "").to_numpy(), "missing_item")
    if "role" in table.columns:
        report((text["role"] == "").to_numpy(), "missing_role", valid=", ".join(scale.role_ids()))

    kinds = _item_kinds(grid)
    item_kind = text["item"].map(kinds)
    if "item" in table.columns:
        unknown_items = (item_kind.isna() & (text["item"] != "")).to_numpy() & keep
        for line, item in zip(lines[unknown_items], text["item"].to_numpy()[unknown_items]):
            problems.append(_Problem(int(line), t("answers.at_line", line=int(line))
                                     + _unknown_item_message(item, grid, kinds)))

    role_spellings = scale.role_spellings()
    roles = _map_unique(text["role"], lambda r: role_spellings.get(fold_key(r)) if r else "")
    if "role" in table.columns:
        bad_roles = (roles.isna()).to_numpy() & keep
        for line, role in zip(lines[bad_roles], text["role"].to_numpy()[bad_roles]):
            problems.append(_Problem(int(line), t("answers.at_line", line=int(line)) + t(
                "answers.unknown_role", role=role, valid=", ".join(scale.role_ids()))))

    values = pd.Series([None] * len(table), index=table.index, dtype=object)
    if "value" in table.columns and "item" in table.columns:
        values = _check_values(text["value"], item_kind, text["item"], lines, keep, scale, problems)

    cleaned = pd.DataFrame({
        "assessment": text["assessment"],
        "respondent": text["respondent"],
        "role": roles,
        "item": text["item"],
        "value": values,
        "comment": text["comment"].replace("", None),
        "organisation": text["organisation"].replace("", None),
        "line": lines,
    }, columns=list(OUTPUT_COLUMNS))[keep]
    if not missing:
        problems += _duplicates(cleaned, has_assessment)
        problems += _role_conflicts(cleaned, has_assessment)
    cleaned = cleaned.reset_index(drop=True)
    return cleaned, problems


def _map_unique(column: pd.Series, function: Any) -> pd.Series:
    """Apply `function` once per distinct cell: a file repeats the same few values."""
    codes, uniques = pd.factorize(column.astype(object), use_na_sentinel=False)
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [function(value) for value in uniques]
    return pd.Series(mapped[codes], index=column.index, dtype=object)


def _cell(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _free_text_cell(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def _as_text(column: pd.Series) -> pd.Series:
    """Cells as stripped text, empty for missing; spreadsheet integers lose their '.0'."""
    return _map_unique(column, _cell)


def _blank_rows(text: dict[str, pd.Series]) -> np.ndarray:
    blank = np.ones(len(text["item"]), dtype=bool)
    for column in (*REQUIRED_COLUMNS, "comment", "organisation"):
        blank &= (text[column] == "").to_numpy()
    return blank


def _item_kinds(grid: Grid) -> dict[str, str]:
    """The assessed items (top-level criteria and methods) and their kind."""
    return {item.id: item.kind for item in (*grid.criteria(), *grid.methods())}


def _unknown_item_message(item: str, grid: Grid, kinds: dict[str, str]) -> str:
    if grid.has_item(item):
        parent = grid.item(item)
        while parent.parent_id is not None:
            parent = grid.item(parent.parent_id)
        return t("answers.sub_item", item=item, parent=parent.id)
    by_case = [known for known in kinds if known.casefold() == item.casefold()]
    if by_case:
        return t("answers.unknown_item_close", item=item, grid=grid.id,
                 suggestions=", ".join(f"« {c} »" for c in by_case))
    # « S01.V99 »: the stage exists, the number does not — say which numbers do.
    prefix = item.rstrip("0123456789")
    siblings = [known for known in kinds if known.rstrip("0123456789") == prefix] if prefix != item else []
    if siblings:
        return t("answers.unknown_item_range", item=item, grid=grid.id, first=siblings[0],
                 last=siblings[-1])
    close = difflib.get_close_matches(item, list(kinds), n=3, cutoff=0.8)
    if close:
        return t("answers.unknown_item_close", item=item, grid=grid.id,
                 suggestions=", ".join(f"« {c} »" for c in close))
    return t("answers.unknown_item", item=item, grid=grid.id)


def _check_values(raw: pd.Series, kind: pd.Series, items: pd.Series, lines: np.ndarray,
                  keep: np.ndarray, scale: Scale, problems: list[_Problem]) -> pd.Series:
    """Map each value to its canonical form for its item's kind; report the others."""
    canonical = value_reader(scale)
    values = pd.Series([None] * len(raw), index=raw.index, dtype=object)
    pairs = pd.DataFrame({"value": raw, "kind": kind})
    for (value, for_kind), rows in pairs.groupby(["value", "kind"], sort=True).groups.items():
        found = canonical(value, for_kind)
        if found is not None:
            values.loc[rows] = found
            continue
        other = "method" if for_kind == "criterion" else "criterion"
        valid = ", ".join(scale.values(for_kind))
        positions = raw.index.get_indexer(rows)
        for position in positions:
            if not keep[position]:
                continue
            line, item = int(lines[position]), items.iloc[position]
            if canonical(value, other) is not None:
                message = ("method_value_on_criterion" if for_kind == "criterion"
                           else "criterion_value_on_method")
                text = t(f"answers.{message}", value=value, item=item, valid=valid)
            else:
                text = t("answers.value_off_scale", value=value, valid=valid)
            problems.append(_Problem(line, t("answers.at_line", line=line) + text))
    return values


def _duplicates(cleaned: pd.DataFrame, has_assessment: bool) -> list[_Problem]:
    keys = ["assessment", "respondent", "item"]
    rows = cleaned[(cleaned["respondent"] != "") & (cleaned["item"] != "")]
    twice = rows[rows.duplicated(keys, keep=False)]
    problems = []
    for (assessment, respondent, item), group in twice.groupby(keys, sort=False):
        lines = sorted(int(line) for line in group["line"])
        key = "answers.duplicate_answer_in" if has_assessment else "answers.duplicate_answer"
        problems.append(_Problem(lines[0], t("answers.at_lines", lines=_join_lines(lines)) + t(
            key, respondent=respondent, item=item, assessment=assessment)))
    return problems


def _role_conflicts(cleaned: pd.DataFrame, has_assessment: bool) -> list[_Problem]:
    rows = cleaned[(cleaned["respondent"] != "") & cleaned["role"].notna() & (cleaned["role"] != "")]
    counts = rows.groupby(["assessment", "respondent"], sort=False)["role"].nunique()
    problems = []
    for assessment, respondent in counts[counts > 1].index:
        group = rows[(rows["assessment"] == assessment) & (rows["respondent"] == respondent)]
        lines = sorted(int(line) for line in group["line"])
        found = ", ".join(dict.fromkeys(group.sort_values("line")["role"]))
        key = "answers.role_conflict_in" if has_assessment else "answers.role_conflict"
        problems.append(_Problem(lines[0], t("answers.at_lines", lines=_join_lines(lines)) + t(
            key, respondent=respondent, roles=found, assessment=assessment)))
    return problems


def _join_lines(lines: Iterable[int]) -> str:
    lines = list(lines)
    shown = ", ".join(str(line) for line in lines[:10])
    return shown + (t("answers.and_more_lines", count=len(lines) - 10) if len(lines) > 10 else "")


def _answers_error(problems: list[_Problem], filename: str | None) -> AnswersError:
    """One error listing every problem by line (file-wide problems first), capped."""
    ordered = sorted(problems, key=lambda p: p.line)
    texts = [p.text for p in ordered[:MAX_PROBLEMS]]
    if len(ordered) > MAX_PROBLEMS:
        texts.append(t("answers.more_problems", count=len(ordered) - MAX_PROBLEMS))
    message = (t("answers.invalid_file", file=filename) if filename
               else t("answers.invalid_table"))
    return AnswersError(message, texts)
