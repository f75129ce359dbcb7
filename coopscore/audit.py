"""The audit log: who did what, when, to which object (old → new); append-only.

Rows live in the `audit` table; triggers refuse every UPDATE and DELETE, so neither the app
nor a script going through SQLite can rewrite history. `record` joins the caller's open
transaction (Store.transaction nests as a savepoint), so a write and its audit row are
committed together or not at all.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from .i18n import t
from .store import Store, now

if TYPE_CHECKING:
    from .access import Actor

AUDIT_COLUMNS = ["id", "at", "actor_kind", "actor", "action", "object", "old", "new"]


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(store: Store, actor: Actor, action: str, obj: str, old: Any = None,
           new: Any = None) -> int:
    """Append one row to the audit log; return its id.

    Args:
        actor: who acted (its `label` is stored: e-mail, or the mode's name).
        action: an action id of access.ACTIONS, or "sign_in".
        obj: the object, as « kind:id » (e.g. "assessment:3", "respondent:12").
        old / new: the values before and after, stored as JSON (None: not applicable).
    """
    with store.transaction():
        cursor = store.conn.execute(
            """INSERT INTO audit (at, actor_kind, actor, action, object, old, new)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [now(), actor.kind, actor.label, action, obj, _json(old), _json(new)])
        return cursor.lastrowid


# Actors with no account, stored as « issuer|subject » (access.Actor.label): the poste mode's
# single user, the command line, a personal link. Their stored identity never changes (filters
# and exports rely on it); a person reads them as words.
_NO_ACCOUNT = {"poste": "audit.actor_poste", "cli": "audit.actor_cli", "lien": "audit.actor_link"}


def actor_label(actor: str) -> str:
    """How a person reads a stored actor: « Ce poste (sans connexion) » for the poste mode,
    « Ligne de commande », « Lien personnel (répondant·e n° 12) »; an e-mail or a provider's
    « issuer|subject » as stored."""
    issuer, separator, subject = str(actor).partition("|")
    if separator and issuer in _NO_ACCOUNT:
        return t(_NO_ACCOUNT[issuer], id=subject)
    return str(actor)


def entries(store: Store, *, action: str | None = None, actor: str | None = None,
            limit: int | None = None) -> pd.DataFrame:
    """The audit log, newest first. Columns: id, at, actor_kind, actor, action, object, old, new.

    Args:
        action / actor: keep only rows of this action id / this actor label.
        limit: at most this many rows.
    """
    clauses, params = [], []
    if action is not None:
        clauses.append("action = ?")
        params.append(action)
    if actor is not None:
        clauses.append("actor = ?")
        params.append(actor)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    tail = f" LIMIT {int(limit):d}" if limit is not None else ""
    return store._frame(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit {where} "
                        f"ORDER BY id DESC{tail}", params, AUDIT_COLUMNS)


def export_csv(store: Store) -> bytes:
    """The whole audit log as CSV for a spreadsheet (exchange.csv_bytes: BOM, formulas neutralised)."""
    from .exchange import csv_bytes

    return csv_bytes(entries(store))
