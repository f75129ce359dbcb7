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
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from . import format as fmt
from .errors import AnswersError
from .grid import Grid
from .i18n import languages, t
from .labels import shorten
from .scale import AnswerKind, Scale, fold_key, load_scale
from .text import CONTROL_CHARACTERS, control_characters

REQUIRED_COLUMNS = ("respondent", "role", "item", "value")
OPTIONAL_COLUMNS = ("assessment", "comment", "organisation")
OUTPUT_COLUMNS = ("assessment", "respondent", "role", "item", "value", "comment",
                  "organisation", "line")
DEFAULT_ASSESSMENT = "evaluation"
MAX_PROBLEMS = 200


@dataclass(frozen=True)
class Limits:
    """What one imported file may ask of the server; past any of them it is refused, in French.

    Checked while the file is read (streamed), before it is read whole where possible:
    the bytes, and for a workbook its zip directory (sizes once uncompressed, their ratio
    to the compressed sizes, the number of parts), before openpyxl opens it.
    """

    file_bytes: int = 20 * 1024 * 1024
    rows: int = 100_000            # lines of answers, header excluded
    columns: int = 50
    cells: int = 2_000_000         # cells read in a workbook, sparse rows padded included
    cell_chars: int = 10_000       # characters in one cell (a long comment is ~2,000)
    sheets: int = 100              # sheets of a filled questionnaire
    questionnaire_bytes: int = 5 * 1024 * 1024    # a filled questionnaire once unzipped (~0.3 Mo)
    uncompressed_bytes: int = 200 * 1024 * 1024   # all parts of an .xlsx once unzipped
    compression_ratio: int = 100   # uncompressed / compressed size of an .xlsx
    zip_members: int = 1_000
    seconds: float = 60.0          # reading and checking one file

    def with_file_bytes(self, max_bytes: int | None) -> Limits:
        """These limits with another file size (None: unchanged)."""
        if max_bytes is None or max_bytes == self.file_bytes:
            return self
        from dataclasses import replace
        return replace(self, file_bytes=max_bytes)


LIMITS = Limits()
MAX_FILE_BYTES = LIMITS.file_bytes
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
# Files people drop by mistake (a photo of the sheet, a PDF): not text, whatever their name.
_BINARY_MAGICS = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"RIFF", b"II*\x00", b"MM\x00*")
CTE_TEXT_WIDTH = 60  # characters of a CTE-only item's text recalled in a refusal
_SEPARATOR_NAMES = {";": "separator_semicolon", "\t": "separator_tab", "|": "separator_pipe"}


@dataclass(frozen=True)
class _Problem:
    """One problem, sortable by the first line it names (0 for the whole file)."""

    line: int
    text: str


def validate_answers(table: pd.DataFrame, grid: Grid, scale: Scale | None = None, *,
                     assessment: str = DEFAULT_ASSESSMENT, filename: str | None = None,
                     cte: bool | None = None) -> pd.DataFrame:
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
        cte: whether the project answered for is in European territorial cooperation; False
            refuses answers to the grid's CTE-only items (never asked of such a project),
            None (no project known) accepts them.

    Returns:
        A new DataFrame with columns assessment, respondent, role, item, value, comment,
        organisation, line; `value` holds canonical values ('0'..'3', 'na', 'in_place'...),
        `role` role ids, empty optional cells are None.

    Raises:
        AnswersError: every problem found, one per line, sorted by line number.
    """
    scale = scale or load_scale()
    cleaned, problems = _check_table(table, grid, scale, assessment=assessment, cte=cte)
    if problems:
        raise _answers_error(problems, filename)
    return cleaned


def read_answers_file(source: str | Path | bytes | IO[bytes], grid: Grid, scale: Scale | None = None,
                      *, filename: str | None = None, assessment: str = DEFAULT_ASSESSMENT,
                      max_bytes: int | None = None, limits: Limits = LIMITS,
                      cte: bool | None = None) -> pd.DataFrame:
    """Read a CSV (UTF-8, separated by commas or semicolons) or XLSX file of answers and validate it.

    Args:
        source: a path, the file's bytes, or a binary file object (an upload).
        grid: the grid the items belong to.
        scale: the answer scale (data/scale.yaml when None).
        filename: the name shown in messages (default: the path's or upload's name).
        assessment: the assessment id when the file has no `assessment` column.
        max_bytes: larger files are refused before being read (default: limits.file_bytes).
        limits: the bounds on the work one file may cause.
        cte: the project's CTE status, as for `validate_answers`.

    Returns:
        The normalised answers, as `validate_answers` returns them.

    Raises:
        AnswersError: the file is too big, empty, not UTF-8, not comma-separated, badly
            quoted, past a limit, or holds invalid rows; every problem with its line.
    """
    scale = scale or load_scale()
    limits = limits.with_file_bytes(max_bytes)
    data, name = _source_bytes(source, filename, limits.file_bytes)
    header, rows = read_records(data, name, limits, item_ids=set(_item_kinds(grid)))
    table, problems = _records_table(header, rows)
    cleaned, more = _check_table(table, grid, scale, assessment=assessment, cte=cte)
    problems += more
    if problems:
        raise _answers_error(problems, name)
    return cleaned


def read_records(data: bytes, name: str, limits: Limits = LIMITS, *,
                 item_ids: set[str] | None = None
                 ) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and numbered records of a CSV or XLSX file, within `limits`.

    Raises:
        AnswersError: the file cannot be read as a table, or goes past a limit.
    """
    if len(data) > limits.file_bytes:
        raise _answers_error([_Problem(0, t("answers.too_big", size=_megabytes(len(data)),
                                            limit=_megabytes(limits.file_bytes)))], name)
    if not data.strip():
        raise _answers_error([_Problem(0, t("answers.empty_file"))], name)
    if data.startswith(_XLS_MAGIC):
        raise _answers_error([_Problem(0, t("answers.old_xls"))], name)
    deadline = time.monotonic() + limits.seconds
    if data.startswith(_XLSX_MAGIC):
        problem = zip_problem(data, limits)
        if problem:
            raise _answers_error([_Problem(0, problem)], name)
        return _xlsx_records(data, name, limits, deadline)
    return _csv_records(data, name, limits, deadline, item_ids or set())


def zip_problem(data: bytes, limits: Limits = LIMITS) -> str | None:
    """Why a workbook's zip would cost too much to open (None when it is within limits).

    Reads only the zip directory: the sizes it declares bound what unzipping produces
    (Python's zipfile never yields more than the declared size of a part).
    """
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        return t("answers.not_a_table", detail=type(error).__name__)
    if len(infos) > limits.zip_members:
        return t("answers.too_many_parts", count=len(infos), limit=limits.zip_members)
    unpacked = sum(info.file_size for info in infos)
    packed = max(1, sum(info.compress_size for info in infos))
    if unpacked > limits.uncompressed_bytes:
        return t("answers.too_big_unzipped", size=_megabytes(unpacked),
                 limit=_megabytes(limits.uncompressed_bytes))
    if unpacked > 1024 * 1024 and unpacked / packed > limits.compression_ratio:
        return t("answers.zip_ratio", ratio=int(unpacked / packed),
                 limit=limits.compression_ratio)
    return None


_DROPDOWN_SEPARATORS = ("-", "\u2013", "\u2014", ":")
# « N/A » typed by a person means « does not apply »; Excel's error value « #N/A » does not.
_NOT_APPLICABLE_SPELLINGS = ("n/a", "n.a.")


def _loose(text: str) -> str:
    """Lower case, no accents, typographic apostrophe and spaces unified: nothing else folded."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("\u2019", "'")
    return " ".join(plain.split())


def accepted_spellings(scale: Scale, kind: AnswerKind) -> dict[str, str]:
    """Every spelling accepted for an answer of `kind` (compared loosely) -> canonical value.

    An explicit list: the code (« 2 », « na », « not_yet » or « not yet »), the label with
    or without accents and capitals (« Maîtrisé », « maitrise »), and for a level the
    spreadsheet number (« 2.0 », « 2,0 ») and the questionnaire's dropdown forms
    (« 3 – Maîtrisé », « 3 - Maîtrisé », « 3-Maîtrisé »). Anything else (« −1 », « =2 »,
    « <2 », « (2) », « 3 ? », « #N/A ») is off the scale.
    """
    answers = (*scale.levels, *scale.non_levels) if kind == "criterion" else scale.method_answers
    accepted: dict[str, str] = {}
    for answer in answers:
        forms = {answer.value, answer.value.replace("_", " "), answer.label}
        if answer in scale.levels:
            forms |= {f"{answer.value}.0", f"{answer.value},0"}
            for separator in _DROPDOWN_SEPARATORS:
                for before, after in (("", ""), (" ", " "), ("", " "), (" ", "")):
                    forms.add(f"{answer.value}{before}{separator}{after}{answer.label}")
        if answer.not_applicable:
            forms |= set(_NOT_APPLICABLE_SPELLINGS)
        for form in forms:
            accepted.setdefault(_loose(form), answer.value)
    return accepted


def accepted_in_words(scale: Scale, kind: AnswerKind) -> str:
    """The accepted answers as a person reads them: « 0 (Pas pris en compte), …, Non concerné »."""
    if kind == "criterion":
        words = [t("answers.level_in_words", value=a.value, label=a.label) for a in scale.levels]
        words += [f"« {a.label} »" for a in scale.non_levels]
    else:
        words = [f"« {a.label} »" for a in scale.method_answers]
    return ", ".join(words)


def value_reader(scale: Scale) -> Callable[[object, AnswerKind], str | None]:
    """A function giving the canonical value of one cell for a kind of item, None if off the scale.

    Accepts only the spellings of `accepted_spellings`, and numbers as spreadsheets store
    them (2, 2.0).
    """
    spellings = {kind: accepted_spellings(scale, kind) for kind in ("criterion", "method")}

    def canonical(value: object, kind: AnswerKind) -> str | None:
        if isinstance(value, bool):
            return None
        return spellings[kind].get(_loose(_cell(value)))

    return canonical


# --- reading files ------------------------------------------------------------------


def _source_bytes(source: str | Path | bytes | IO[bytes], filename: str | None,
                  max_bytes: int | None = None) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), filename or t("answers.unnamed_file")
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            with path.open("rb") as handle:
                # never more than the limit + 1 byte: a huge file is refused without being read
                data = handle.read(max_bytes + 1) if max_bytes is not None else handle.read()
        except OSError:
            raise AnswersError(t("answers.file_not_found", file=str(path))) from None
        return data, filename or path.name
    data = source.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    return data, filename or Path(str(getattr(source, "name", "") or t("answers.unnamed_file"))).name


def _megabytes(size: int) -> str:
    return fmt.megabytes(size)


def _limit_problem(line: int, key: str, **values: object) -> AnswersError:
    prefix = t("answers.at_line", line=line) if line else ""
    return _answers_error([_Problem(line, prefix + t(f"answers.{key}", **values))], None)


def _csv_records(data: bytes, name: str, limits: Limits, deadline: float, item_ids: set[str]
                 ) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Decode and split a CSV file strictly; records are numbered as spreadsheet rows (header = 1).

    A quote left open (a lone « " » at the start of a comment) would make the csv module read
    every following line into that comment: it is refused with the line where it opened,
    whether it is closed at the end of the file or further down around other rows.
    """
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
    # French spreadsheets save with « ; » (and coopscore exports so): the header says which
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    start = 1  # the record's row: a multi-line comment is one row, as a spreadsheet shows it
    physical = 0
    try:
        for cells in reader:
            spans_lines = reader.line_num > physical + 1
            physical = reader.line_num
            if len(records) > limits.rows:
                raise _renamed(_limit_problem(start, "too_many_rows", limit=limits.rows), name)
            if len(cells) > limits.columns:
                raise _renamed(_limit_problem(start, "too_many_columns", count=len(cells),
                                              limit=limits.columns), name)
            for cell in cells:
                if len(cell) > limits.cell_chars:
                    raise _renamed(_limit_problem(start, "cell_too_long",
                                                  limit=limits.cell_chars), name)
            if spans_lines and _swallows_rows(cells, item_ids, delimiter):
                raise _renamed(_limit_problem(start, "quote_swallows_rows"), name)
            records.append((start, cells))
            start += 1
            if len(records) % 1000 == 0 and time.monotonic() > deadline:
                raise _renamed(_limit_problem(0, "too_slow", seconds=int(limits.seconds)), name)
    except csv.Error as error:
        detail = str(error)
        if "field larger" in detail:
            raise _renamed(_limit_problem(start, "cell_too_long", limit=limits.cell_chars),
                           name) from None
        if "end of data" in detail:
            raise _renamed(_limit_problem(start, "quote_not_closed"), name) from None
        line = reader.line_num or start
        raise _renamed(_limit_problem(line, "bad_quotes"), name) from None
    while records and not any(cell.strip() for cell in records[-1][1]):
        records.pop()
    header = records[0][1] if records else []
    if len(header) <= 1:
        first = header[0] if header else ""
        for separator, key in _SEPARATOR_NAMES.items():
            if separator in first:
                raise _answers_error([_Problem(1, t("answers.at_line", line=1) + t(
                    "answers.wrong_separator", separator=t(f"answers.{key}")))], name)
    return header, records[1:]


def _swallows_rows(cells: list[str], item_ids: set[str], delimiter: str = ",") -> bool:
    """A multi-line cell holding what reads as whole rows of answers: a quote opened too early."""
    for cell in cells:
        for line in cell.split("\n")[1:]:
            parts = [part.strip().strip('"') for part in line.split(delimiter)]
            if len(parts) >= len(REQUIRED_COLUMNS) and any(part in item_ids for part in parts):
                return True
    return False


def _renamed(error: AnswersError, name: str) -> AnswersError:
    error.message = t("answers.invalid_file", file=name)
    return error


def _xlsx_records(data: bytes, name: str, limits: Limits, deadline: float
                  ) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Read the first sheet of a workbook, bounded; records are numbered by their row.

    The sheet's declared dimension is ignored (a crafted « A1:XFD1048576 » would make the
    reader pad every row); rows and cells are counted as they stream. A formula is read
    through its cached value; a formula without one (a file written by a script, never
    opened in a spreadsheet) is refused by cell and sheet.
    """
    from openpyxl import load_workbook  # only needed for workbooks: keep `import coopscore` light

    formulas: dict[tuple[int, int], str] = {}
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged or foreign zip
        raise _answers_error([_Problem(0, t("answers.not_a_table", detail=type(error).__name__))],
                             name) from None
    try:
        sheet = workbook.worksheets[0]
        sheet_title = sheet.title
        rows = _bounded_rows(sheet, limits, deadline, name, formulas)
    except AnswersError:
        raise
    except Exception as error:  # a damaged part of the zip, found while streaming
        raise _answers_error([_Problem(0, t("answers.not_a_table", detail=type(error).__name__))],
                             name) from None
    finally:
        workbook.close()
    if formulas:
        cached: dict[tuple[int, int], Any] = {}
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            _bounded_rows(workbook.worksheets[0], limits, deadline, name, {}, keep=cached,
                          wanted=set(formulas))
        finally:
            workbook.close()
        problems = []
        for (row, column), formula in sorted(formulas.items()):
            value = cached.get((row, column))
            if value is None:
                problems.append(_Problem(row, t("answers.at_line", line=row) + t(
                    "answers.formula_without_value", cell=_cell_name(row, column),
                    sheet=sheet_title, formula=formula[:40])))
            else:
                rows[row - 1][1][column - 1] = _cell_text(value)
        if problems:
            raise _answers_error(problems, name)
    while rows and not any(cell.strip() for cell in rows[-1][1]):
        rows.pop()
    if not rows:
        return [], []
    return rows[0][1], rows[1:]


def _cell_name(row: int, column: int) -> str:
    from openpyxl.utils import get_column_letter
    return f"{get_column_letter(column)}{row}"


def _bounded_rows(sheet: Any, limits: Limits, deadline: float, name: str,
                  formulas: dict[tuple[int, int], str], *, keep: dict | None = None,
                  wanted: set[tuple[int, int]] | None = None) -> list[tuple[int, list[str]]]:
    """Stream a read-only sheet's rows as text, stopping at the first limit passed."""
    sheet.reset_dimensions()
    rows: list[tuple[int, list[str]]] = []
    cells_read = 0
    for number, row in enumerate(sheet.iter_rows(min_row=1), 1):
        if number > limits.rows + 1:
            raise _renamed(_limit_problem(number, "too_many_rows", limit=limits.rows), name)
        cells_read += len(row)
        if cells_read > limits.cells:
            raise _renamed(_limit_problem(number, "too_many_cells_in_sheet",
                                          limit=limits.cells), name)
        if number % 1000 == 0 and time.monotonic() > deadline:
            raise _renamed(_limit_problem(0, "too_slow", seconds=int(limits.seconds)), name)
        texts = []
        for column, cell in enumerate(row, 1):
            value = getattr(cell, "value", None)
            if value is None:
                texts.append("")
                continue
            if column > limits.columns:
                raise _renamed(_limit_problem(number, "too_many_columns", count=column,
                                              limit=limits.columns), name)
            if keep is not None:
                if (number, column) in (wanted or ()):
                    keep[(number, column)] = value
                continue
            if getattr(cell, "data_type", None) == "f":
                formulas[(number, column)] = str(value)
            text = _cell_text(value)
            if len(text) > limits.cell_chars:
                raise _renamed(_limit_problem(number, "cell_too_long",
                                              limit=limits.cell_chars), name)
            texts.append(text)
        rows.append((number, texts[:limits.columns]))
    return rows


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


def _check_table(table: pd.DataFrame, grid: Grid, scale: Scale, *, assessment: str,
                 cte: bool | None = None) -> tuple[pd.DataFrame, list[_Problem]]:
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
            "answers.missing_columns", missing=", ".join(missing), count=len(missing),
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

    for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
        if column not in table.columns:
            continue
        found = _map_unique(table[column], _control_characters_of)
        bad = (found != "").to_numpy() & keep
        for line, characters in zip(lines[bad], found.to_numpy()[bad]):
            problems.append(_Problem(int(line), t("answers.at_line", line=int(line)) + t(
                "answers.control_characters", column=column, characters=characters)))
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
        if cte is False:
            problems += _cte_items(text["item"], lines, keep, grid)

    role_spellings = scale.role_spellings()
    roles = _map_unique(text["role"], lambda r: role_spellings.get(fold_key(r)) if r else "")
    if "role" in table.columns:
        bad_roles = (roles.isna()).to_numpy() & keep
        hidden = {fold_key(t("anonymity.role_hidden", language=language))
                  for language in languages()}
        for line, role in zip(lines[bad_roles], text["role"].to_numpy()[bad_roles]):
            problems.append(_Problem(int(line), t("answers.at_line", line=int(line)) + (
                t("answers.role_hidden_in_export", role=role) if fold_key(role) in hidden else
                t("answers.unknown_role", role=role, valid=", ".join(scale.role_ids())))))

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


def _control_characters_of(value: object) -> str:
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        return ", ".join(control_characters(value))
    return ""


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


def _cte_items(items: pd.Series, lines: np.ndarray, keep: np.ndarray,
               grid: Grid) -> list[_Problem]:
    """Answers to CTE-only items in a file for a project outside European cooperation: one
    problem per item, with every line that answers it."""
    only_cte = {item.id for item in (*grid.criteria(), *grid.methods()) if item.cte}
    hit = items.isin(only_cte).to_numpy() & keep
    if not hit.any():
        return []
    found = pd.DataFrame({"item": items.to_numpy()[hit], "line": lines[hit]})
    problems = []
    for item, group in found.groupby("item", sort=False):
        numbers = sorted(int(line) for line in group["line"])
        where = t("answers.at_line", line=numbers[0]) if len(numbers) == 1 else \
            t("answers.at_lines", lines=_join_lines(numbers))
        problems.append(_Problem(numbers[0], where + t(
            "answers.cte_item_outside_cte", item=item,
            text=shorten(grid.item(item).text, CTE_TEXT_WIDTH))))
    return problems


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
        valid = accepted_in_words(scale, for_kind)
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
