"""Answer files and tables: reading CSV/XLSX, normalising, and reporting every problem by line."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import yaml
from openpyxl import Workbook

from coopscore.answers import (
    MAX_PROBLEMS,
    OUTPUT_COLUMNS,
    read_answers_file,
    validate_answers,
    value_reader,
)
from coopscore.errors import AnswersError
from coopscore.scale import load_scale

from .conftest import FILES

BROKEN = FILES / "broken_answers"
EXPECTED_PROBLEMS = yaml.safe_load((BROKEN / "expected.yaml").read_text(encoding="utf-8"))
HEADER = "respondent,role,item,value\n"


@pytest.fixture(scope="module")
def scale():
    return load_scale()


def problems_of(source, grid, **options) -> list[str]:
    with pytest.raises(AnswersError) as caught:
        read_answers_file(source, grid, **options)
    return caught.value.problems


def test_every_broken_file_has_its_expectation():
    files = sorted(p.name for p in BROKEN.iterdir() if p.name != "expected.yaml")
    assert files == sorted(EXPECTED_PROBLEMS)


@pytest.mark.parametrize("name", sorted(EXPECTED_PROBLEMS))
def test_broken_file_reports_exactly_its_problems_in_french(name, cooperation):
    with pytest.raises(AnswersError) as caught:
        read_answers_file(BROKEN / name, cooperation)
    assert caught.value.message == f"Le fichier de réponses « {name} » n'est pas valide :"
    assert caught.value.problems == EXPECTED_PROBLEMS[name]


def test_the_message_lists_every_problem_on_its_own_line(cooperation):
    with pytest.raises(AnswersError) as caught:
        read_answers_file(BROKEN / "several_problems.csv", cooperation)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("Le fichier de réponses")
    assert lines[1:] == [f"- {p}" for p in EXPECTED_PROBLEMS["several_problems.csv"]]


def test_a_valid_file_is_normalised(cooperation):
    text = ("Respondent, ROLE ,Item,Value,Comment,organisation\n"
            "Alice,Élue,S01.V01,Maîtrisé,très bien,Commune A\n"
            "Alice,élu·e,S01.V02,2.0,,\n"
            "Alice,elu,S01.M01,En place,,\n"
            "Alice,elu,S01.V03,Je ne sais pas,,\n"
            "Alice,elu,S01.V04,,pas encore répondu,\n"
            ",,,,,\n"
            "Bruno,Technicienne,S01.V01,not_yet,,\n")
    answers = read_answers_file(text.encode("utf-8"), cooperation, filename="équipe.csv")
    assert list(answers.columns) == list(OUTPUT_COLUMNS)
    assert answers[["respondent", "role", "item", "value", "line"]].values.tolist() == [
        ["Alice", "elu", "S01.V01", "3", 2],
        ["Alice", "elu", "S01.V02", "2", 3],
        ["Alice", "elu", "S01.M01", "in_place", 4],
        ["Alice", "elu", "S01.V03", "unknown", 5],
        ["Bruno", "technicien", "S01.V01", "not_yet", 8],
    ]
    assert set(answers["assessment"]) == {"evaluation"}
    assert answers["comment"].tolist()[:2] == ["très bien", None]
    assert answers["organisation"].tolist()[0] == "Commune A"


def test_a_byte_order_mark_and_crlf_line_ends_are_accepted(cooperation):
    data = "\ufeff".encode() + (HEADER + "Alice,elu,S01.V01,1\n").replace("\n", "\r\n").encode()
    assert read_answers_file(data, cooperation)["value"].tolist() == ["1"]


def test_an_upload_object_is_read_with_its_name(cooperation):
    upload = io.BytesIO((HEADER + "Alice,elu,S99.V01,1\n").encode())
    upload.name = "/tmp/envoi.csv"
    with pytest.raises(AnswersError) as caught:
        read_answers_file(upload, cooperation)
    assert caught.value.message == "Le fichier de réponses « envoi.csv » n'est pas valide :"


def test_multi_line_comments_count_as_one_spreadsheet_row(cooperation):
    text = HEADER[:-1] + ",comment\nAlice,elu,S01.V01,1,\"deux\nlignes\"\nAlice,elu,S01.V02,9,\n"
    assert problems_of(text.encode(), cooperation) == [
        "ligne 3 : valeur « 9 » hors échelle (0 (Pas pris en compte), 1 (Identifié), 2 (En partie traité), 3 (Maîtrisé), « Non concerné », « Étape pas encore abordée », « Je ne sais pas »)."]


def test_an_oversized_file_is_refused_before_reading(cooperation):
    big = b"x" * (3 * 1024 * 1024)
    assert problems_of(big, cooperation, max_bytes=2 * 1024 * 1024) == [
        "le fichier fait 3 Mo, au-delà de la limite de 2 Mo ; découpez-le en plusieurs fichiers."]


def test_a_missing_file_is_named(cooperation, tmp_path):
    with pytest.raises(AnswersError, match="introuvable"):
        read_answers_file(tmp_path / "absent.csv", cooperation)


def test_problems_are_capped_with_a_count_of_the_rest(cooperation):
    rows = "".join(f"R{k},elu,S01.V01,9\n" for k in range(MAX_PROBLEMS + 30))
    problems = problems_of((HEADER + rows).encode(), cooperation)
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1] == "… et 30 autres problèmes (corrigez d'abord ceux-ci)."
    assert problems[0].startswith("ligne 2 : ")


def test_several_assessments_in_one_file(cooperation):
    text = ("assessment,respondent,role,item,value\n"
            "P1,Alice,elu,S01.V01,1\nP2,Alice,technicien,S01.V01,2\n")
    answers = read_answers_file(text.encode(), cooperation)
    assert answers["assessment"].tolist() == ["P1", "P2"]
    assert answers["role"].tolist() == ["elu", "technicien"]  # one role per assessment


def write_workbook(path, rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def test_an_xlsx_workbook_is_read_with_its_row_numbers(cooperation, tmp_path):
    path = tmp_path / "réponses.xlsx"
    write_workbook(path, [["respondent", "role", "item", "value"],
                          ["Alice", "elu", "S01.V01", 3],
                          [None, None, None, None],
                          ["Bruno", "technicien", "S01.V01", 2.0],
                          ["Bruno", "technicien", "S01.M01", "in_place"]])
    answers = read_answers_file(path, cooperation)
    assert answers[["respondent", "value", "line"]].values.tolist() == [
        ["Alice", "3", 2], ["Bruno", "2", 4], ["Bruno", "in_place", 5]]


def test_an_xlsx_problem_names_the_sheet_row(cooperation, tmp_path):
    path = tmp_path / "faux.xlsx"
    write_workbook(path, [["respondent", "role", "item", "value"], ["Alice", "elu", "S01.V01", 1],
                          [], ["Alice", "elu", "S01.V02", 4]])
    assert problems_of(path, cooperation) == [
        "ligne 4 : valeur « 4 » hors échelle (0 (Pas pris en compte), 1 (Identifié), 2 (En partie traité), 3 (Maîtrisé), « Non concerné », « Étape pas encore abordée », « Je ne sais pas »)."]


def test_a_damaged_workbook_is_reported(cooperation):
    assert problems_of(b"PK\x03\x04 not really a zip", cooperation, filename="x.xlsx") == [
        "le fichier n'est ni un CSV ni un classeur .xlsx lisible (BadZipFile)."]


def test_validate_answers_numbers_dataframe_rows_as_csv_lines(cooperation, scale):
    table = pd.DataFrame({"respondent": ["A", "B", "C"], "role": ["elu", "elu", "elu"],
                          "item": ["S01.V01", "S01.V01", "S01.V01"], "value": [3, 7, 1.0]})
    with pytest.raises(AnswersError) as caught:
        validate_answers(table, cooperation, scale)
    assert caught.value.message == "Les réponses ne sont pas valides :"
    assert caught.value.problems == [
        "ligne 3 : valeur « 7 » hors échelle (0 (Pas pris en compte), 1 (Identifié), 2 (En partie traité), 3 (Maîtrisé), « Non concerné », « Étape pas encore abordée », « Je ne sais pas »)."]


def test_validate_answers_keeps_a_given_line_column(cooperation, scale):
    table = pd.DataFrame({"respondent": ["A"], "role": ["nope"], "item": ["S01.V01"],
                          "value": ["2"], "line": [41]})
    with pytest.raises(AnswersError) as caught:
        validate_answers(table, cooperation, scale)
    assert caught.value.problems[0].startswith("ligne 41 : rôle « nope » inconnu")


def test_validate_answers_returns_a_new_normalised_table(cooperation, scale):
    table = pd.DataFrame({"respondent": ["A", "A"], "role": ["Élu", "elu"],
                          "item": ["S01.V01", "S12.M01"], "value": [2, "Prévue"]})
    cleaned = validate_answers(table, cooperation, scale, assessment="projet-7")
    assert cleaned[["assessment", "role", "value"]].values.tolist() == [
        ["projet-7", "elu", "2"], ["projet-7", "elu", "planned"]]
    assert table["role"].tolist() == ["Élu", "elu"]  # the input is untouched


def test_validate_answers_ignores_the_callers_index(cooperation, scale):
    part = pd.DataFrame({"respondent": ["A"], "role": ["elu"], "item": ["S01.V01"], "value": ["2"]})
    table = pd.concat([part, part.assign(respondent="B", value="9")])  # index 0, 0
    with pytest.raises(AnswersError) as caught:
        validate_answers(table, cooperation, scale)
    assert caught.value.problems == [
        "ligne 3 : valeur « 9 » hors échelle (0 (Pas pris en compte), 1 (Identifié), 2 (En partie traité), 3 (Maîtrisé), « Non concerné », « Étape pas encore abordée », « Je ne sais pas »)."]


def test_validate_answers_accepts_an_empty_table_with_its_columns(cooperation, scale):
    table = pd.DataFrame(columns=["respondent", "role", "item", "value"])
    assert len(validate_answers(table, cooperation, scale)) == 0


@pytest.mark.parametrize("cell, kind, expected", [
    ("2", "criterion", "2"), (" 2.0 ", "criterion", "2"), ("2,0", "criterion", "2"),
    (3.0, "criterion", "3"), ("En partie traité", "criterion", "2"), ("N/A", "criterion", "na"),
    ("not yet", "criterion", "not_yet"), ("-1", "criterion", None), ("2.5", "criterion", None),
    ("12", "criterion", None), ("", "criterion", None), ("in_place", "criterion", None),
    ("Prévue", "method", "planned"), ("NON", "method", "no"), ("2", "method", None),
])
def test_value_reader_accepts_ids_labels_and_spreadsheet_numbers(scale, cell, kind, expected):
    assert value_reader(scale)(cell, kind) == expected


def test_a_comment_keeps_its_line_breaks_and_spacing(cooperation):
    import pandas as pd

    from coopscore.answers import validate_answers

    table = pd.DataFrame([{"respondent": "Ana", "role": "elu", "item": "S01.V01", "value": "2",
                           "comment": "  premier point\n  second  point  "}])
    cleaned = validate_answers(table, cooperation)
    assert cleaned["comment"].iloc[0] == "premier point\n  second  point"


@pytest.mark.parametrize("cell, kind, expected", [
    ("3 - Maîtrisé", "criterion", "3"), ("3 – Maîtrisé", "criterion", "3"),
    ("3-maitrise", "criterion", "3"), ("MAÎTRISÉ", "criterion", "3"),
    ("Je ne sais pas", "criterion", "unknown"), ("etape pas encore abordee", "criterion", "not_yet"),
    ("NA", "criterion", "na"), ("Non concerné", "method", "na"), ("en place", "method", "in_place"),
    ("\u22121", "criterion", None), ("=2", "criterion", None), ("<2", "criterion", None),
    ("(2)", "criterion", None), ("3 ?", "criterion", None), ("#N/A", "criterion", None),
    ("#DIV/0!", "criterion", None), ("+2", "criterion", None), ("2,000", "criterion", None),
    ("3 - Identifié", "criterion", None), ("2 – En partie traité", "method", None),
    (True, "criterion", None), ("notyet", "criterion", None), ("Non-concerné", "criterion", None),
])
def test_only_the_listed_spellings_of_an_answer_are_accepted(scale, cell, kind, expected):
    assert value_reader(scale)(cell, kind) == expected


def test_refused_value_names_the_accepted_answers_in_words(cooperation):
    assert problems_of(HEADER.encode() + "Alice,elu,S01.V01,=2\nAlice,elu,S01.M01,3\n".encode(),
                       cooperation) == [
        "ligne 2 : valeur « =2 » hors échelle (0 (Pas pris en compte), 1 (Identifié), "
        "2 (En partie traité), 3 (Maîtrisé), « Non concerné », « Étape pas encore abordée », "
        "« Je ne sais pas »).",
        "ligne 3 : valeur « 3 » : « S01.M01 » est une méthode, on y répond par « En place », "
        "« Prévue », « Non », « Non concerné »."]


def test_control_characters_in_a_table_are_refused_with_their_line(cooperation):
    table = pd.DataFrame([{"respondent": "Ana", "role": "elu", "item": "S01.V01", "value": "2",
                           "comment": "a\x0cb", "organisation": "Mairie\x00"}])
    with pytest.raises(AnswersError) as caught:
        validate_answers(table, cooperation)
    assert [p.split(" qui ")[0] for p in caught.value.problems] == [
        "ligne 2 : la colonne comment contient un caractère invisible (U+000C)",
        "ligne 2 : la colonne organisation contient un caractère invisible (U+0000)"]
