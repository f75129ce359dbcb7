"""Regenerate the XLSX files of the broken-import corpus.

Run from the repository root: `python tests/files/broken_imports/make_workbooks.py`.

Their expected messages are in expected.yaml, beside the CSV files written by hand.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from openpyxl import Workbook  # noqa: E402

from coopscore.exchange import questionnaire_bytes  # noqa: E402
from coopscore.grid import load_grid  # noqa: E402
from tests.questionnaires import fill_questionnaire  # noqa: E402


def main() -> None:
    cooperation = questionnaire_bytes(load_grid("cooperation"))
    (HERE / "questionnaire_no_name.xlsx").write_bytes(fill_questionnaire(
        cooperation, name=None, role="élu·e",
        answers={"S01.V01": "2 – En partie traité", "S03.M01": "En place"}))
    (HERE / "questionnaire_bad_values.xlsx").write_bytes(fill_questionnaire(
        cooperation, name="Irène", role="présidente",
        answers={"S01.V01": "3 – Maîtrisé", "S03.V02": 5, "S03.M01": "2 – En partie traité",
                 "S05.V01": "beaucoup"}))
    (HERE / "questionnaire_other_grid.xlsx").write_bytes(fill_questionnaire(
        questionnaire_bytes(load_grid("dialogue")), name="Jules", role="technicien·ne",
        answers={"A1.L01": "1 – Identifié"}))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Réponses"
    for row in (["respondent", "role", "item", "value"], ["Karim", "élu", "S01.V01", 2],
                ["Karim", "élu", "S01.V02", 4], ["Léa", "stagiaire", "S01.V01", 1]):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    (HERE / "answers_sheet.xlsx").write_bytes(buffer.getvalue())


if __name__ == "__main__":
    main()
