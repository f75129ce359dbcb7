"""Personal links: each respondent answers through an unguessable, revocable address.

A token is `secrets.token_urlsafe(32)` (256 bits of randomness); the database keeps only its
SHA-256, so a copied database file opens no questionnaire. The consequence: a link can be
shown once, when it is issued. Showing someone's link again means issuing a new one, and the
old one stops working (`issue_link` does both).

The address is `<base>/?lien=<token>`, the base coming from an argument, else
`$COOPSCORE_BASE_URL`, else http://localhost:8501.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from .errors import (ClosedLinkError, RemovedLinkError, RespondentListError, RevokedLinkError,
                     StoreError, UnknownLinkError)
from .i18n import t
from .store import Assessment, Respondent, Store, now

TOKEN_BYTES = 32
BASE_URL_VARIABLE = "COOPSCORE_BASE_URL"
DEFAULT_BASE_URL = "http://localhost:8501"
LINK_PARAMETER = "lien"
# A link's « last seen » is written at most this often (each page rerun resolves the link).
SEEN_INTERVAL = timedelta(minutes=1)
LIST_SEPARATORS = (";", "\t")
MAX_TOKEN_LENGTH = 200


def hash_token(token: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def base_url(explicit: str | None = None) -> str:
    """The address the app is reached at: `explicit`, else $COOPSCORE_BASE_URL, else local."""
    base = (explicit or os.environ.get(BASE_URL_VARIABLE) or DEFAULT_BASE_URL).strip()
    return base.rstrip("/")


def link_url(token: str, base: str | None = None) -> str:
    """The personal address holding `token`."""
    return f"{base_url(base)}/?{LINK_PARAMETER}={token}"


@dataclass(frozen=True)
class IssuedLink:
    """A link just issued: the only moment its token (and so its address) is known."""

    respondent_id: int
    name: str
    role: str
    organisation: str | None
    token: str
    url: str


@dataclass(frozen=True)
class LinkTarget:
    """Who a valid link lets answer, and to what."""

    respondent: Respondent
    assessment: Assessment
    project_name: str


def issue_link(store: Store, respondent_id: int, base: str | None = None) -> IssuedLink:
    """Give a respondent a new personal link; any earlier link of theirs stops working.

    Raises:
        NotFoundError: unknown respondent. StoreError: the assessment is closed.
    """
    with store.transaction():
        respondent = store.respondent(respondent_id)
        store.require_open(respondent.assessment_id)
        stamp = now()
        store.conn.execute("UPDATE respondent_links SET revoked_at = ? "
                           "WHERE respondent_id = ? AND revoked_at IS NULL",
                           [stamp, respondent.id])
        token = secrets.token_urlsafe(TOKEN_BYTES)
        store.conn.execute("INSERT INTO respondent_links (respondent_id, token_hash, created_at) "
                           "VALUES (?, ?, ?)", [respondent.id, hash_token(token), stamp])
    return IssuedLink(respondent.id, respondent.name, respondent.role, respondent.organisation,
                      token, link_url(token, base))


def issue_links(store: Store, assessment_id: int, base: str | None = None, *,
                only_without_link: bool = False) -> list[IssuedLink]:
    """Issue links for the respondents of an assessment, in one transaction.

    Args:
        only_without_link: leave alone whoever already has a working link (it may have been
            sent); otherwise everyone gets a new one and earlier links stop working.

    Raises:
        NotFoundError: unknown assessment. StoreError: the assessment is closed.
    """
    with store.transaction():
        store.require_open(assessment_id)
        states = link_states(store, assessment_id)
        wanted = states[~states["has_link"]] if only_without_link else states
        return [issue_link(store, int(rid), base) for rid in wanted["respondent"]]


def revoke_link(store: Store, respondent_id: int) -> int:
    """Make a respondent's link stop working; return how many working links were revoked.

    Raises:
        NotFoundError: unknown respondent.
    """
    with store.transaction():
        store.respondent(respondent_id)
        cursor = store.conn.execute("UPDATE respondent_links SET revoked_at = ? "
                                    "WHERE respondent_id = ? AND revoked_at IS NULL",
                                    [now(), int(respondent_id)])
        return cursor.rowcount


def resolve(store: Store, token: str | None) -> LinkTarget:
    """The respondent and assessment a link opens, if it still opens them.

    Raises:
        UnknownLinkError: no such link. RevokedLinkError: revoked or replaced.
        RemovedLinkError: its respondent was removed. ClosedLinkError: its assessment is
        closed (or past its closing date).
    """
    token = (token or "").strip()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise UnknownLinkError(t("links.unknown"))
    digest = hash_token(token)
    row = store._one("SELECT id, respondent_id, revoked_at, last_seen_at FROM respondent_links "
                     "WHERE token_hash = ?", [digest])
    if row is None:
        if store._one("SELECT 1 FROM retired_links WHERE token_hash = ?", [digest]):
            raise RemovedLinkError(t("links.removed"))
        raise UnknownLinkError(t("links.unknown"))
    if row["revoked_at"] is not None:
        raise RevokedLinkError(t("links.revoked"))
    respondent = store.respondent(row["respondent_id"])
    assessment = store.assessment(respondent.assessment_id)
    if assessment.is_closed:
        raise ClosedLinkError(t("links.closed"))
    _touch(store, row)
    return LinkTarget(respondent, assessment, store.project(assessment.project_id).name)


def _touch(store: Store, row: dict) -> None:
    stamp = now()
    seen = row["last_seen_at"]
    if seen is not None and \
            datetime.fromisoformat(stamp) - datetime.fromisoformat(seen) < SEEN_INTERVAL:
        return
    try:
        with store.transaction():
            store.conn.execute("UPDATE respondent_links SET last_seen_at = ? WHERE id = ?",
                               [stamp, row["id"]])
    except StoreError:
        pass  # a busy database must not keep a person from answering; next visit records it


LINK_STATE_COLUMNS = ["respondent", "has_link", "link_created_at", "last_seen_at"]


def link_states(store: Store, assessment_id: int) -> pd.DataFrame:
    """Per respondent of an assessment: whether a working link exists, since when, last use.

    Columns: respondent, has_link, link_created_at, last_seen_at (None when never used).

    Raises:
        NotFoundError: unknown assessment.
    """
    store.assessment(assessment_id)
    rows = store._rows(
        """SELECT r.id AS respondent, l.id IS NOT NULL AS has_link,
                  l.created_at AS link_created_at,
                  (SELECT MAX(x.last_seen_at) FROM respondent_links x
                   WHERE x.respondent_id = r.id) AS last_seen_at
           FROM respondents r LEFT JOIN respondent_links l
             ON l.respondent_id = r.id AND l.revoked_at IS NULL
           WHERE r.assessment_id = ? ORDER BY r.id""", [int(assessment_id)])
    frame = pd.DataFrame(rows, columns=LINK_STATE_COLUMNS)
    frame["has_link"] = frame["has_link"].astype(bool)
    return frame


# --- respondents with their links -----------------------------------------------------


def _role_id(text: str) -> str | None:
    from .scale import fold_key, load_scale

    return load_scale().role_spellings().get(fold_key(text))


def _role_labels() -> str:
    from .scale import load_scale

    return ", ".join(role.label for role in load_scale().roles)


def add_respondent_with_link(store: Store, assessment_id: int, name: str, role: str,
                             organisation: str | None = None,
                             base: str | None = None) -> IssuedLink:
    """Add a person to an assessment and issue their link, both or neither.

    `role` may be a role id or any accepted spelling (« élu·e », « Techniciens »).

    Raises:
        NotFoundError: unknown assessment. StoreError: closed assessment, empty or taken
        name, unknown role.
    """
    role_id = _role_id(role) or role
    with store.transaction():
        respondent_id = store.add_respondent(assessment_id, name, role_id, organisation)
        return issue_link(store, respondent_id, base)


@dataclass(frozen=True)
class NewRespondent:
    """One valid line of a list of respondents."""

    line: int
    name: str
    role: str
    organisation: str | None


def parse_respondent_list(text: str, existing_names: Iterable[str] = ()) -> list[NewRespondent]:
    """Read « nom ; rôle ; organisation » lines (`;` or tab), checking every line.

    Blank lines and a first line of headers (starting with « nom ») are skipped; the
    organisation may be left out. Names are compared without regard to case.

    Raises:
        RespondentListError: every problem, by line number, or an empty list.
    """
    taken = {name.casefold(): None for name in existing_names}
    seen: dict[str, int] = {}
    people: list[NewRespondent] = []
    problems: list[str] = []
    first = True
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        separator = next((s for s in LIST_SEPARATORS if s in line), None)
        fields = [f.strip() for f in line.split(separator)] if separator else [line]
        if first and fields[0].casefold() == t("links.header_name").casefold():
            first = False
            continue
        first = False
        where = t("links.line", number=number)
        if separator is None:
            problems.append(where + t("links.list_no_separator", text=line))
            continue
        if len(fields) > 3:
            problems.append(where + t("links.list_too_many_fields", count=len(fields)))
            continue
        name, role = fields[0], fields[1]
        organisation = fields[2] if len(fields) == 3 and fields[2] else None
        line_problems = []
        if not name:
            line_problems.append(t("links.list_no_name"))
        role_id = _role_id(role) if role else None
        if not role:
            line_problems.append(t("links.list_no_role", valid=_role_labels()))
        elif role_id is None:
            line_problems.append(t("links.list_bad_role", value=role, valid=_role_labels()))
        key = name.casefold()
        if name and key in seen:
            line_problems.append(t("links.list_duplicate", name=name, other=seen[key]))
        elif name and key in taken:
            line_problems.append(t("links.list_exists", name=name))
        if name:
            seen.setdefault(key, number)
        if line_problems:
            problems.append(where + " ; ".join(line_problems))
        else:
            people.append(NewRespondent(number, name, role_id, organisation))
    if problems:
        raise RespondentListError(t("links.list_invalid", count=len(problems)), problems)
    if not people:
        raise RespondentListError(t("links.list_empty"))
    return people


def decode_list(data: bytes) -> str:
    """The text of an uploaded list (UTF-8, with or without BOM; else Windows-1252).

    Raises:
        RespondentListError: neither encoding reads it (not a text file).
    """
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise RespondentListError(t("links.list_not_text"))


def add_respondent_list(store: Store, assessment_id: int, text: str,
                        base: str | None = None) -> list[IssuedLink]:
    """Add every person of a list to an assessment with their link: all of them, or none.

    Raises:
        NotFoundError: unknown assessment. StoreError: closed assessment.
        RespondentListError: every bad line (nothing is written).
    """
    with store.transaction():
        store.require_open(assessment_id)
        existing = store.respondents(int(assessment_id))["name"]
        people = parse_respondent_list(text, existing)
        issued = []
        for person in people:
            respondent_id = store.add_respondent(assessment_id, person.name, person.role,
                                                 person.organisation)
            issued.append(issue_link(store, respondent_id, base))
        return issued


# --- exports for a mail merge ---------------------------------------------------------


def links_table(links: Sequence[IssuedLink]) -> pd.DataFrame:
    """The issued links as a table with French headers: name, role, organisation, address."""
    from .scale import load_scale

    scale = load_scale()
    return pd.DataFrame(
        [[link.name, scale.role_label(link.role), link.organisation or "", link.url]
         for link in links],
        columns=[t("links.header_name"), t("links.header_role"),
                 t("links.header_organisation"), t("links.header_link")])


def links_csv(links: Sequence[IssuedLink]) -> bytes:
    """The links as `;`-separated CSV, UTF-8 with BOM (what French spreadsheets open), formulas
    neutralised: exchange.csv_bytes, as every CSV the app writes."""
    from .exchange import csv_bytes

    return csv_bytes(links_table(links))


def links_xlsx(links: Sequence[IssuedLink]) -> bytes:
    """The links as a one-sheet workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from .exchange import neutralise

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = t("links.sheet_title")
    frame = links_table(links)
    sheet.append(list(frame.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False, name=None):
        sheet.append([neutralise(value) for value in row])
    for letter, width in zip("ABCD", (28, 24, 28, 80)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- follow-up --------------------------------------------------------------------------

def _asked_items(store: Store, assessment_id: int) -> set[str]:
    """The items the questionnaire asks: CTE ones only in a CTE project."""
    assessment = store.assessment(assessment_id)
    cte = store.project(assessment.project_id).cte
    grid = store.grid_of(assessment_id)
    return {item.id for item in (*grid.criteria(), *grid.methods()) if cte or not item.cte}


def respondent_progress(store: Store, assessment_id: int, respondent_id: int) -> tuple[int, int]:
    """(items answered, items asked) for one respondent: their questionnaire is done when equal.

    Raises:
        NotFoundError: unknown assessment.
    """
    asked = _asked_items(store, assessment_id)
    rows = store._rows("SELECT item FROM answers WHERE assessment_id = ? AND respondent_id = ?",
                       [int(assessment_id), int(respondent_id)])
    return sum(row["item"] in asked for row in rows), len(asked)


FOLLOWUP_COLUMNS = ["respondent", "name", "role", "organisation", "answered", "total",
                    "last_answer_at", "has_link", "last_seen_at", "complete", "to_remind"]


def followup(store: Store, assessment_id: int) -> pd.DataFrame:
    """Who has answered how much and when, never what: one row per respondent.

    Columns: respondent, name, role, organisation, answered (items of the questionnaire
    answered), total (items asked: CTE items only in a CTE project), last_answer_at,
    has_link, last_seen_at, complete, to_remind (not complete).

    Raises:
        NotFoundError: unknown assessment.
    """
    asked = _asked_items(store, assessment_id)
    respondents = store.respondents(int(assessment_id))
    answered = store._rows(
        """SELECT respondent_id, item, updated_at FROM answers WHERE assessment_id = ?""",
        [int(assessment_id)])
    counts: dict[int, int] = {}
    last: dict[int, str] = {}
    for row in answered:
        rid = row["respondent_id"]
        if row["item"] in asked:
            counts[rid] = counts.get(rid, 0) + 1
        last[rid] = max(last.get(rid, ""), row["updated_at"])
    states = link_states(store, assessment_id).set_index("respondent")
    rows = []
    for person in respondents.itertuples(index=False):
        rid = int(person.id)
        done = counts.get(rid, 0)
        state = states.loc[rid]
        rows.append([rid, person.name, person.role, person.organisation, done, len(asked),
                     last.get(rid), bool(state["has_link"]), state["last_seen_at"],
                     done >= len(asked), done < len(asked)])
    frame = pd.DataFrame(rows, columns=FOLLOWUP_COLUMNS)
    for column in ("has_link", "complete", "to_remind"):
        frame[column] = frame[column].astype(bool)
    for column in ("last_answer_at", "last_seen_at", "organisation"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame
