"""Action plan helpers: the table a person edits, and the changes to write back.

Pure functions over pandas tables; the store writes, the page shows.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

import pandas as pd

from .grid import Grid

EDITABLE = ("owner", "due_date", "status")
PLAN_COLUMNS = ["id", "action", "section", "because", "owner", "due_date", "status"]


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) \
        or (isinstance(value, str) and not value.strip())


def _as_date(value: object) -> dt.date | None:
    if _blank(value) or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def plan_table(actions: pd.DataFrame, grid: Grid | None,
               status_labels: Mapping[str, str]) -> pd.DataFrame:
    """The editable view of an action plan: one row per action, labels instead of ids.

    Columns: id, action (method text or free title), section (« S05 — title »), because,
    owner, due_date (date or None), status (label).
    """
    rows = []
    for _, action in actions.iterrows():
        text, section = action.get("title"), ""
        method = action.get("method")
        if not _blank(method) and grid is not None and grid.has_item(str(method)):
            item = grid.item(str(method))
            text = item.text if _blank(text) else text
            section = f"{item.section_id} — {grid.section(item.section_id).title}"
        rows.append({
            "id": int(action["id"]),
            "action": "" if _blank(text) else str(text),
            "section": section,
            "because": "" if _blank(action.get("because")) else str(action["because"]),
            "owner": "" if _blank(action.get("owner")) else str(action["owner"]),
            "due_date": _as_date(action.get("due_date")),
            "status": status_labels.get(action.get("status"), action.get("status")),
        })
    return pd.DataFrame(rows, columns=PLAN_COLUMNS)


def plan_changes(before: pd.DataFrame, after: pd.DataFrame,
                 status_labels: Mapping[str, str]) -> tuple[dict[int, dict], list[int]]:
    """Compare the plan as shown with the plan as edited.

    Returns:
        updates: {action id: {field: new value}} for owner, due_date (ISO string or None)
        and status (id); deletions: ids of rows removed from the table.
    """
    status_ids = {label: status_id for status_id, label in status_labels.items()}
    kept = {int(i) for i in after["id"].dropna()} if "id" in after else set()
    deletions = sorted(int(i) for i in before["id"] if int(i) not in kept)
    old = before.set_index("id")
    updates: dict[int, dict] = {}
    for _, row in after.iterrows():
        if _blank(row.get("id")) or int(row["id"]) not in old.index:
            continue
        action_id = int(row["id"])
        previous = old.loc[action_id]
        fields: dict[str, object] = {}
        owner = "" if _blank(row.get("owner")) else str(row["owner"]).strip()
        if owner != (previous["owner"] or ""):
            fields["owner"] = owner or None
        due = _as_date(row.get("due_date"))
        if due != _as_date(previous["due_date"]):
            fields["due_date"] = due.isoformat() if due else None
        if row.get("status") != previous["status"]:
            fields["status"] = status_ids.get(row.get("status"), row.get("status"))
        if fields:
            updates[action_id] = fields
    return updates, deletions


def with_changes(table: pd.DataFrame, updates: Mapping[int, Mapping[str, object]],
                 deletions: list[int], status_labels: Mapping[str, str]) -> pd.DataFrame:
    """The plan table as it reads with changes not yet saved (the inverse of plan_changes).

    Args:
        table: `plan_table()` of the stored plan.
        updates, deletions: what `plan_changes()` found; actions no longer stored are ignored.
    """
    shown = table[~table["id"].isin([int(i) for i in deletions])].copy()
    positions = {int(action_id): index for index, action_id in zip(shown.index, shown["id"])}
    for action_id, fields in updates.items():
        index = positions.get(int(action_id))
        if index is None:
            continue
        if "owner" in fields:
            shown.at[index, "owner"] = fields["owner"] or ""
        if "due_date" in fields:
            shown.at[index, "due_date"] = _as_date(fields["due_date"])
        if "status" in fields:
            shown.at[index, "status"] = status_labels.get(fields["status"], fields["status"])
    return shown.reset_index(drop=True)
