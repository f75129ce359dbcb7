"""Action plan table: labels for people, and exactly the edits made written back."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from coopscore.plan import plan_changes, plan_table, with_changes

STATUSES = {"todo": "À faire", "in_progress": "En cours", "done": "Fait", "dropped": "Abandonné"}


def _actions():
    return pd.DataFrame([
        {"id": 1, "method": "S05.M04", "title": None, "because": "S05.V01", "owner": "Inès",
         "due_date": "2026-03-01", "status": "todo"},
        {"id": 2, "method": None, "title": "Réunir le comité", "because": None, "owner": None,
         "due_date": None, "status": "in_progress"},
    ])


def test_plan_table_shows_method_text_stage_and_status_label(cooperation):
    table = plan_table(_actions(), cooperation, STATUSES)
    first, second = table.to_dict("records")
    assert first["action"] == "raisonner/anticiper la gouvernance du projet"
    assert first["section"].startswith("S05 — Les engager")
    assert first["due_date"] == dt.date(2026, 3, 1)
    assert first["status"] == "À faire"
    assert (second["action"], second["section"], second["owner"], second["due_date"]) == (
        "Réunir le comité", "", "", None)


def test_unchanged_table_gives_no_change(cooperation):
    table = plan_table(_actions(), cooperation, STATUSES)
    assert plan_changes(table, table.copy(), STATUSES) == ({}, [])


def test_edits_become_field_updates_with_ids(cooperation):
    table = plan_table(_actions(), cooperation, STATUSES)
    edited = table.copy()
    edited.loc[0, "status"] = "Fait"
    edited.loc[1, "owner"] = "  Paul "
    edited.loc[1, "due_date"] = dt.date(2026, 5, 2)
    updates, deletions = plan_changes(table, edited, STATUSES)
    assert updates == {1: {"status": "done"}, 2: {"owner": "Paul", "due_date": "2026-05-02"}}
    assert deletions == []


def test_clearing_a_field_writes_none_and_removed_rows_are_deleted(cooperation):
    table = plan_table(_actions(), cooperation, STATUSES)
    edited = table.iloc[[0]].copy()
    edited.loc[0, "owner"] = ""
    edited.loc[0, "due_date"] = None
    updates, deletions = plan_changes(table, edited, STATUSES)
    assert updates == {1: {"owner": None, "due_date": None}}
    assert deletions == [2]


def test_changes_kept_for_later_read_back_as_the_same_changes(cooperation):
    table = plan_table(_actions(), cooperation, STATUSES)
    updates = {1: {"status": "done", "owner": None}, 2: {"due_date": "2026-05-02"}}
    shown = with_changes(table, updates, [], STATUSES)
    assert shown.loc[0, "status"] == "Fait" and shown.loc[0, "owner"] == ""
    assert shown.loc[1, "due_date"] == dt.date(2026, 5, 2)
    assert plan_changes(table, shown, STATUSES) == (updates, [])
    gone = with_changes(table, {2: {"owner": "Paul"}}, [1], STATUSES)
    assert list(gone["id"]) == [2]
    assert plan_changes(table, gone, STATUSES) == ({2: {"owner": "Paul"}}, [1])


def test_changes_to_actions_no_longer_stored_are_ignored(cooperation):
    table = plan_table(_actions(), cooperation, STATUSES)
    shown = with_changes(table, {99: {"owner": "Personne"}}, [98], STATUSES)
    assert shown.equals(table)
