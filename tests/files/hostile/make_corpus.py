"""The hostile corpus: files that once lost or misread answers, or exhausted the server.

Run from the repository root: `python tests/files/hostile/make_corpus.py` writes every file
of `corpus()` beside this script. tests/test_exchange.py builds the same files in memory
(and the big zip bomb, too large to keep in the repository, with `zip_bomb`). Each refused
file's French message is in expected.yaml; the valid ones are checked in the tests.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from openpyxl import Workbook  # noqa: E402

from coopscore.exchange import META_SHEET, questionnaire_bytes  # noqa: E402
from coopscore.grid import load_grid  # noqa: E402
from tests.questionnaires import fill_questionnaire  # noqa: E402

HEADER = "respondent,role,item,value,comment\n"
SHEET = "xl/worksheets/sheet1.xml"


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


def _workbook(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Réponses"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewrite_sheet(data: bytes, edit) -> bytes:
    """The workbook `data` with its first sheet's XML passed through `edit`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == SHEET:
                content = edit(content.decode("utf-8")).encode("utf-8")
            target.writestr(info.filename, content)
    return buffer.getvalue()


VALID_ROWS = [["respondent", "role", "item", "value", "comment"],
              ["Alice", "elu", "S01.V01", 2, "ok"],
              ["Alice", "elu", "S01.V02", "3 - Maîtrisé", None]]


def zip_bomb(uncompressed: int) -> bytes:
    """A valid little workbook whose sheet is padded with `uncompressed` bytes of spaces."""
    base = _workbook(VALID_ROWS)
    source = zipfile.ZipFile(io.BytesIO(base))
    buffer = io.BytesIO()
    chunk = b" " * (1 << 20)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename != SHEET:
                target.writestr(info.filename, content)
                continue
            head, tail = content.split(b"</sheetData>")
            with target.open(SHEET, "w", force_zip64=True) as part:
                part.write(head + b"</sheetData>")
                for _ in range(uncompressed // len(chunk)):
                    part.write(chunk)
                part.write(tail)
    return buffer.getvalue()


def corpus() -> dict[str, bytes]:
    """Every file of the corpus by name."""
    files: dict[str, bytes] = {}
    # A lone quote opening a comment: the csv module would read the next rows into it.
    files["lone_quote.csv"] = _csv(
        HEADER + "Alice,elu,S01.V01,2,ok\nAlice,elu,S01.V02,1,\"il a dit bonjour\n"
        "Alice,elu,S01.V03,3,\nBruno,technicien,S01.V01,0,\n")
    # The same, closed by another lone quote further down: 4 rows would become 2.
    files["quote_closed_later.csv"] = _csv(
        HEADER + "Alice,elu,S01.V01,2,\"début\nAlice,elu,S01.V02,1,\n"
        "Alice,elu,S01.V03,3,fin\"\nBruno,technicien,S01.V01,0,\n")
    files["stray_quote.csv"] = _csv(HEADER + "Alice,elu,S01.V01,2,\"cité\" puis la suite\n")
    # Values that folding once read as levels.
    files["odd_values.csv"] = _csv(
        HEADER + "Alice,elu,S01.V01,\u22121,\nAlice,elu,S01.V02,=2,\nAlice,elu,S01.V03,<2,\n"
        "Alice,elu,S01.V04,(2),\nAlice,elu,S01.V05,3 ?,\nAlice,elu,S01.V06,#N/A,\n"
        "Alice,elu,S01.V07,+2,\nAlice,elu,S01.M01,en place !,\n")
    files["excel_errors.xlsx"] = _workbook([
        ["respondent", "role", "item", "value"], ["Alice", "elu", "S01.V01", "#N/A"],
        ["Alice", "elu", "S01.V02", "#DIV/0!"], ["Alice", "elu", "S01.V03", True]])
    files["formula_no_cache.xlsx"] = _workbook([
        ["respondent", "role", "item", "value"], ["Alice", "elu", "S01.V01", "=1+1"],
        ["Alice", "elu", "S01.V02", 2]])
    files["other_assessment.csv"] = _csv(
        "assessment,respondent,role,item,value\n99999,Alice,elu,S01.V01,2\n")
    files["thirty_digit_assessment.csv"] = _csv(
        "assessment,respondent,role,item,value\n" + "1" * 30 + ",Alice,elu,S01.V01,2\n")
    files["big_cell.csv"] = _csv(HEADER + "Alice,elu,S01.V01,2," + "x" * 200_000 + "\n")
    files["long_cell.csv"] = _csv(HEADER + "Alice,elu,S01.V01,2," + "x" * 20_000 + "\n")
    files["control_characters.csv"] = _csv(
        HEADER + "Alice,elu,S01.V01,2,avant\x0baprès\nAl\x01ice,elu,S01.V02,1,\n"
        "Alice,elu,S01.V03,1,fin\x1f\n")
    files["far_row.xlsx"] = _rewrite_sheet(
        _workbook(VALID_ROWS), lambda xml: xml.replace(
            "</sheetData>", '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is>'
            "</c></row></sheetData>"))
    files["far_column.xlsx"] = _rewrite_sheet(
        _workbook(VALID_ROWS), lambda xml: xml.replace(
            "</row>", '<c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>', 1))
    files["ratio_bomb.xlsx"] = zip_bomb(8 * 1024 * 1024)
    files["mixed_valid_invalid.csv"] = _csv(
        HEADER + "Alice,elu,S01.V01,2,\nAlice,elu,S01.V02,=3,\nBruno,technicien,S01.V01,1,\n")
    blank = questionnaire_bytes(load_grid("cooperation"))
    filled = fill_questionnaire(blank, name="Nina", role="élu·e",
                                answers={"S01.V01": "2 – En partie traité"})
    files["crafted_meta.xlsx"] = _edit_meta(filled, {"header_row": "trois",
                                                     "answer_column": "ZZZZ"})
    # Answers to CTE-only points (S02.V07, S08.M04) for a project outside European
    # cooperation, which is never asked them: as a CSV, and in a questionnaire made without
    # a project (the CTE points are there, marked).
    files["cte_items.csv"] = _csv(
        HEADER + "Alice,elu,S02.V06,2,\nAlice,elu,S02.V07,3,\nAlice,elu,S08.M04,in_place,\n"
        "Bruno,technicien,S02.V07,1,\n")
    files["cte_questionnaire.xlsx"] = fill_questionnaire(
        blank, name="Nina", role="élu·e",
        answers={"S02.V06": "2 – En partie traité", "S02.V07": "3 – Maîtrisé"})
    # Valid files: read exactly as written.
    files["declared_dimension.xlsx"] = _rewrite_sheet(
        _workbook(VALID_ROWS), lambda xml: re.sub(r'<dimension ref="[^"]*"/>',
                                                  '<dimension ref="A1:XFD1048576"/>', xml))
    files["spellings.csv"] = _csv(
        HEADER + "Alice,elu,S01.V01,3 - Maîtrisé,\nAlice,elu,S01.V02,maitrise,\n"
        "Alice,elu,S01.V03,2 – En partie traité,\nAlice,elu,S01.V04,\"2,0\",\n"
        "Alice,elu,S01.V05,NA,\nAlice,elu,S01.V06,je ne sais pas,\n"
        "Alice,elu,S01.V07,Étape pas encore abordée,\nAlice,elu,S01.M01,EN PLACE,\n")
    files["multi_line_comment.csv"] = _csv(
        HEADER + "Alice,elu,S01.V01,2,\"deux lignes,\navec « \"\"guillemets\"\" », virgules\"\n"
        "Alice,elu,S01.V02,1,\n")
    # The file's own dropdown list says « 2 – En partie traité » means 3: not trusted.
    files["remapped_meta.xlsx"] = _edit_meta(filled, {}, remap={"2 – En partie traité": "3"})
    return files


def _edit_meta(data: bytes, settings: dict[str, object],
               remap: dict[str, str] | None = None) -> bytes:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    meta = workbook[META_SHEET]
    for row in meta.iter_rows(min_col=1, max_col=2):
        if row[0].value in settings:
            row[1].value = settings[row[0].value]
    for row in meta.iter_rows(min_col=4, max_col=5):
        if remap and row[0].value in remap:
            row[1].value = remap[row[0].value]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main() -> None:
    for name, data in corpus().items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
