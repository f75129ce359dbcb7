"""Fill a blank coopscore questionnaire the way a workshop participant would (for the tests).

Used by tests/test_exchange.py and by tests/files/broken_imports/make_workbooks.py, which
regenerates the broken questionnaires of the import corpus.
"""

from __future__ import annotations

import io

from openpyxl import load_workbook


def fill_questionnaire(blank: bytes, *, name: str | None, role: str | None,
                       organisation: str | None = None,
                       answers: dict[str, object] | None = None,
                       comments: dict[str, str] | None = None) -> bytes:
    """Write a name, a role (as shown in the dropdown) and answers into a blank questionnaire.

    `answers` maps item ids to the cell's content (a dropdown text, a value, a number);
    items are found by the hidden id column, wherever their sheet is.
    """
    workbook = load_workbook(io.BytesIO(blank))
    meta = {row[0]: row[1] for row in workbook["_coopscore"].iter_rows(max_col=2, values_only=True)
            if row[0]}
    cover = workbook[meta["cover"]]
    cover[meta["name_cell"]] = name
    cover[meta["role_cell"]] = role
    cover[meta["organisation_cell"]] = organisation
    answers, comments = dict(answers or {}), dict(comments or {})
    for sheet in workbook.worksheets:
        if sheet.title in ("_coopscore", meta["cover"]):
            continue
        for row in range(int(meta["header_row"]) + 1, sheet.max_row + 1):
            item = sheet[f"{meta['id_column']}{row}"].value
            if item in answers:
                sheet[f"{meta['answer_column']}{row}"] = answers.pop(item)
            if item in comments:
                sheet[f"{meta['comment_column']}{row}"] = comments.pop(item)
    assert not answers and not comments, f"items not in the questionnaire: {answers, comments}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
