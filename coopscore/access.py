"""Who may see or change what: the one gate of coopscore (docs/access.md).

- An `Actor` is a person (or the single user of the `poste` mode) with one or more `Role`s,
  each a role kind and a scope (territories, projects, programmes, or a respondent).
- `allowed(actor, action, resource)` is the ONE decision: the role table `ROLE_ACTIONS` says
  which actions a role may take, `in_scope` says whether the resource falls in the role's scope.
- `ScopedStore` wraps a `Store` for one actor: every list is filtered, every write out of scope
  raises `AccessDenied` before anything is written, and every write appends its audit row in
  the same transaction.
- Grants (role + scope, by e-mail) live in the database; `actor_for` turns a sign-in into an
  actor. Consent to share (`CONSENT_LEVELS`) limits what funders see of a project.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from . import audit
from .errors import AccessDenied, NotFoundError, StoreError
from .i18n import t
from .store import AnswerRow, Store, now, programmes

# --- roles, actions and the table between them ----------------------------------------------

# "local" is the single user of the `poste` mode (one computer, no sign-in): everything an
# admin may do, except managing accounts, which has no meaning without sign-in.
ROLES = ("admin", "animateur", "equipe", "financeur", "respondent", "local")

# Every action, with the kind of resource it is asked about ("global": the whole database).
ACTIONS: dict[str, str] = {
    "territory.view": "territory",
    "territory.create": "global",
    "project.view": "project",
    "project.create": "territory",
    "project.edit": "project",
    "project.delete": "project",
    "project.consent": "project",
    "assessment.view": "assessment",
    "assessment.create": "project",
    "assessment.edit": "assessment",      # close, reopen
    "assessment.delete": "assessment",
    "respondent.view": "respondent",      # who answers (names, roles)
    "respondent.create": "assessment",
    "respondent.manage": "respondent",    # rename, delete, personal links
    "answers.view": "respondent",         # one person's individual answers and comments
    "answers.write": "respondent",
    "consensus.write": "assessment",
    "results.view": "assessment",
    "plan.view": "project",
    "plan.edit": "project",
    "portfolio.view": "project",
    "compare.view": "project",
    "import": "assessment",
    "export": "assessment",
    "backup": "global",                   # also: the database file and its path
    "grids.manage": "global",
    "programme.profile": "programme",     # a funding programme's target profile (its call)
    "accounts.manage": "grant",           # a grant's scope: territory, project, programme, all
    "audit.view": "global",
}

_EVERYTHING = frozenset(ACTIONS)
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "admin": _EVERYTHING,
    "local": _EVERYTHING - {"accounts.manage"},
    "animateur": _EVERYTHING - {"territory.create", "backup", "grids.manage", "programme.profile",
                                "audit.view"},
    # the team chooses what its funders see (« chaque projet choisit », issue 9)
    "equipe": frozenset({"project.view", "project.consent", "assessment.view",
                         "respondent.view", "answers.view", "answers.write", "results.view",
                         "plan.view", "plan.edit", "compare.view"}),
    # a funder of a programme sets the target profile of its call for that programme
    "financeur": frozenset({"project.view", "results.view", "portfolio.view", "compare.view",
                            "programme.profile"}),
    "respondent": frozenset({"assessment.view", "respondent.view", "answers.view",
                             "answers.write"}),
}

# Which scope a grant of each role needs ("all": none; several: any one of them).
GRANT_SCOPES: dict[str, tuple[str, ...]] = {
    "admin": ("all",),
    "animateur": ("territory",),
    "equipe": ("project",),
    "financeur": ("programme", "project"),
}

CONSENT_LEVELS = ("synthese", "etapes", "detail")
DEFAULT_CONSENT = "synthese"


@dataclass(frozen=True)
class Role:
    """One role of an actor and its scope (ids it covers; empty for admin and local)."""

    kind: str
    territories: frozenset[int] = frozenset()
    projects: frozenset[int] = frozenset()
    programmes: frozenset[str] = frozenset()
    respondents: frozenset[int] = frozenset()
    assessments: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Actor:
    """Who acts: identity (issuer + subject, e-mail, name) and the roles granted to them.

    Build with the class methods (`Actor.admin()`, `Actor.animateur([1, 2])`, ...) or from the
    database with `actor_for`.
    """

    roles: tuple[Role, ...]
    issuer: str = ""
    subject: str = ""
    email: str | None = None
    name: str | None = None

    @property
    def kind(self) -> str:
        """The main role (the widest one when a person holds several)."""
        kinds = {role.kind for role in self.roles}
        return next((kind for kind in ROLES_BY_WIDTH if kind in kinds), "none")

    @property
    def label(self) -> str:
        """How the audit log names the actor."""
        if self.email:
            return self.email
        if self.subject:
            return f"{self.issuer}|{self.subject}"
        return self.kind

    def union(self, field_name: str) -> frozenset:
        """Every id of one scope field over all roles (e.g. `union("projects")`)."""
        ids: set = set()
        for role in self.roles:
            ids |= getattr(role, field_name)
        return frozenset(ids)

    @classmethod
    def local(cls) -> Actor:
        return cls((Role("local"),), issuer="poste", subject="poste")

    @classmethod
    def admin(cls, email: str | None = None) -> Actor:
        return cls((Role("admin"),), email=email)

    @classmethod
    def animateur(cls, territories: Iterable[int], email: str | None = None) -> Actor:
        return cls((Role("animateur", territories=frozenset(map(int, territories))),),
                   email=email)

    @classmethod
    def equipe(cls, project: int, respondents: Iterable[int] = (),
               email: str | None = None) -> Actor:
        return cls((Role("equipe", projects=frozenset({int(project)}),
                         respondents=frozenset(map(int, respondents))),), email=email)

    @classmethod
    def financeur(cls, *, projects: Iterable[int] = (), programmes: Iterable[str] = (),
                  email: str | None = None) -> Actor:
        return cls((Role("financeur", projects=frozenset(map(int, projects)),
                         programmes=frozenset(programmes)),), email=email)

    @classmethod
    def respondent(cls, respondent_id: int, assessment_id: int) -> Actor:
        """Someone who came through a personal link: their own answers on their assessment."""
        return cls((Role("respondent", respondents=frozenset({int(respondent_id)}),
                         assessments=frozenset({int(assessment_id)})),),
                   issuer="lien", subject=str(int(respondent_id)))


ROLES_BY_WIDTH = ("admin", "local", "animateur", "equipe", "financeur", "respondent")


@dataclass(frozen=True)
class Resource:
    """What an action is asked about, with everything it belongs to (None: not applicable).

    `kind` is one of global, territory, project, assessment, respondent, programme, grant.
    Build it with `resource_of(store, kind, id)` so that its ancestry is read from the database.
    """

    kind: str
    id: Any = None
    territory: int | None = None
    project: int | None = None
    programme: str | None = None
    assessment: int | None = None
    respondent: int | None = None


GLOBAL = Resource("global")


def in_scope(role: Role, action: str, resource: Resource) -> bool:
    """Whether `resource` falls within the scope of one role (the action's table is separate)."""
    if role.kind in ("admin", "local"):
        return True
    if role.kind == "animateur":
        return resource.territory is not None and resource.territory in role.territories
    if role.kind == "equipe":
        if action == "answers.write":  # a team member answers as themselves only
            return resource.respondent is not None and resource.respondent in role.respondents
        return resource.project is not None and resource.project in role.projects
    if role.kind == "financeur":
        return ((resource.project is not None and resource.project in role.projects)
                or (resource.programme is not None and resource.programme in role.programmes))
    if role.kind == "respondent":
        if resource.kind == "respondent":
            return resource.respondent in role.respondents
        return resource.kind == "assessment" and resource.assessment in role.assessments
    return False


def allowed(actor: Actor | None, action: str, resource: Resource = GLOBAL) -> bool:
    """The one gate: may `actor` take `action` on `resource`?

    True when one of the actor's roles lists the action in ROLE_ACTIONS and covers the
    resource in its scope. No actor (anonymous) may do nothing.

    Raises:
        KeyError: `action` is not in ACTIONS (a programming error, caught by the tests).
    """
    if action not in ACTIONS:
        raise KeyError(action)
    if actor is None:
        return False
    return any(action in ROLE_ACTIONS.get(role.kind, ()) and in_scope(role, action, resource)
               for role in actor.roles)


def may_somewhere(actor: Actor | None, action: str) -> bool:
    """Whether one of the actor's roles lists `action` at all, whatever the object (the router
    offers a page only to those who may use it somewhere; each object is still checked).

    Raises:
        KeyError: `action` is not in ACTIONS.
    """
    if action not in ACTIONS:
        raise KeyError(action)
    return actor is not None and any(action in ROLE_ACTIONS.get(role.kind, ())
                                     for role in actor.roles)


def sees_everything(actor: Actor | None) -> bool:
    """Whether the actor's scope is the whole database (admin, or the `poste` mode)."""
    return actor is not None and any(role.kind in ("admin", "local") for role in actor.roles)


def denied(action: str, resource: Resource = GLOBAL) -> AccessDenied:
    """The error for a refused action, in French, naming the action and the object."""
    what = t(f"access.action_{action.replace('.', '_')}")
    if resource.kind == "global":
        return AccessDenied(t("access.denied_global", action=what))
    return AccessDenied(t("access.denied", action=what,
                          object=t(f"access.kind_{resource.kind}", id=resource.id)))


def require(actor: Actor | None, action: str, resource: Resource = GLOBAL) -> None:
    """Raise AccessDenied unless `allowed(actor, action, resource)`."""
    if not allowed(actor, action, resource):
        raise denied(action, resource)


# --- resources read from the database --------------------------------------------------------

_ANCESTRY_SQL = {
    "territory": "SELECT id AS territory FROM territories WHERE id = ?",
    "project": "SELECT id AS project, territory_id AS territory, programme FROM projects "
               "WHERE id = ?",
    "assessment": "SELECT a.id AS assessment, p.id AS project, p.territory_id AS territory, "
                  "p.programme FROM assessments a JOIN projects p ON p.id = a.project_id "
                  "WHERE a.id = ?",
    "respondent": "SELECT r.id AS respondent, a.id AS assessment, p.id AS project, "
                  "p.territory_id AS territory, p.programme FROM respondents r "
                  "JOIN assessments a ON a.id = r.assessment_id "
                  "JOIN projects p ON p.id = a.project_id WHERE r.id = ?",
    "action": "SELECT p.id AS project, p.territory_id AS territory, p.programme "
              "FROM actions x JOIN projects p ON p.id = x.project_id WHERE x.id = ?",
}


def resource_of(store: Store, kind: str, resource_id: Any = None) -> Resource:
    """The resource `kind`:`resource_id` with its territory, project, programme... from the store.

    An unknown id gives a resource that belongs to nothing: only admin and local pass the
    scope check, and the store then reports the id as not found (others just get « accès
    refusé », which tells them nothing about what exists). An action plan row gives a
    project resource.
    """
    if kind in ("global",):
        return GLOBAL
    if kind == "programme":
        return Resource("programme", resource_id, programme=str(resource_id))
    if kind == "all":
        return Resource("grant", None)
    if resource_id is None:
        return Resource(kind, None)
    try:
        number = int(resource_id)
    except (TypeError, ValueError):  # a tampered id: belongs to nothing
        return Resource(kind, resource_id)
    row = store._one(_ANCESTRY_SQL[kind], [number]) or {}
    if kind == "action":
        return Resource("project", row.get("project"), **row)
    return Resource(kind, number, **row)


def resources_of(store: Store, kind: str, ids: Iterable[int]) -> dict[int, Resource]:
    """`resource_of` for many ids of one kind (territory, project, assessment, respondent)
    in one query: {id: Resource}."""
    wanted = sorted({int(i) for i in ids})
    sql = _ANCESTRY_SQL[kind].replace("= ?", "IN (SELECT value FROM json_each(?))")
    found = {row[kind]: Resource(kind, row[kind], **row)
             for row in store._rows(sql, [json.dumps(wanted)])}
    return {i: found.get(i, Resource(kind, i)) for i in wanted}


def grant_resource(store: Store, scope_kind: str, scope_id: Any) -> Resource:
    """The resource a grant is about, for `accounts.manage` (its kind is « grant »)."""
    base = resource_of(store, scope_kind, scope_id) if scope_kind != "all" else GLOBAL
    named = t(f"access.kind_{scope_kind}", id=scope_id) if scope_kind != "all" \
        else t("access.kind_global")
    return Resource("grant", named, territory=base.territory, project=base.project,
                    programme=base.programme)


# --- consent to share -------------------------------------------------------------------------


def consent_of(store: Store, project_id: int) -> str:
    """A project's consent level (« synthese », « etapes » or « detail »).

    Raises:
        NotFoundError: unknown project.
    """
    row = store._one("SELECT consent FROM projects WHERE id = ?", [int(project_id)])
    if row is None:
        raise NotFoundError(t("store.not_found_project", id=project_id))
    return row["consent"]


def shared_report(report: Mapping[str, Any], consent: str, *,
                  texts: Mapping[str, str] | None = None,
                  plan: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """What a funder sees of one assessment's report (scoring.to_report) at a consent level.

    synthese: overall score and band, completeness, number of critical points;
    etapes: + stage scores and the critical points with their text;
    detail: + criteria medians and the action plan.
    Never individual answers, comments, or who answered.

    Args:
        texts: {item id: text} of the grid, for the critical points' wording.
        plan: rows of the project's action plan (Store.actions records).

    Raises:
        StoreError: unknown consent level.
    """
    if consent not in CONSENT_LEVELS:
        raise StoreError(t("access.bad_consent", value=consent, valid=", ".join(CONSENT_LEVELS)))
    texts = texts or {}
    level = CONSENT_LEVELS.index(consent)
    flags = list(report.get("flags") or [])
    shared: dict[str, Any] = {
        "consent": consent,
        "overall": {"score": report["overall"]["score"], "band": report["overall"]["band"]},
        "completeness": report["completeness"],
        "n_critical": len(flags),
    }
    if level >= 1:
        shared["stages"] = [{key: stage.get(key) for key in ("id", "score", "band",
                                                             "completeness")}
                            for stage in report.get("stages") or []]
        shared["critical"] = [{"item": f["item"], "stage": f["stage"],
                               "text": texts.get(f["item"], ""), "reason": f.get("reason")}
                              for f in flags]
    if level >= 2:
        shared["criteria"] = [{"id": c["id"], "median": c["median"]}
                              for c in report.get("criteria") or []]
        shared["plan"] = [{key: _plain(row.get(key)) for key in
                           ("method", "title", "status", "due_date")} for row in plan]
    return shared


# Portfolio columns beyond « synthese » (index, band, completeness, number of critical points):
# the critical points' texts and the gaps to targets are stage-level readings (« etapes »).
STAGE_LEVEL_COLUMNS = ("flags", "flag_texts", "risk", "risk_short", "mean_gap", "n_upcoming")


def shared_table(table: pd.DataFrame, levels: Mapping[int, str | None]) -> pd.DataFrame:
    """The portfolio table with each project's row cut to its level (None: whole).

    A row at « synthese » keeps its index, band, completeness and number of critical points;
    its critical points' texts, gaps and risk reading are replaced by « non partagé ».
    """
    cut = table["project"].map(lambda p: levels.get(int(p)) == "synthese").astype(bool)
    if not cut.any():
        return table
    table = table.copy()
    for column in STAGE_LEVEL_COLUMNS:
        if column not in table.columns:
            continue
        table[column] = table[column].astype(object)
        table.loc[cut, column] = None
    if "mean_gap" in table.columns:
        table["mean_gap"] = pd.to_numeric(table["mean_gap"], errors="coerce").astype(float)
    if "n_upcoming" in table.columns:
        table.loc[cut, "n_upcoming"] = 0
    scored = table["score"].notna() if "score" in table.columns else True
    for column in ("risk", "risk_short"):
        if column in table.columns:
            table.loc[cut & scored, column] = t("access.not_shared")
    return table


def _plain(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value


def report_for(actor: Actor, store: Store, assessment_id: int) -> dict[str, Any]:
    """One assessment's report as `actor` may read it: whole for those who work on the project,
    cut to the project's consent for a funder.

    Raises:
        AccessDenied: results of this assessment are out of the actor's reach.
    """
    from .results import score_assessments
    from .scoring import to_report

    resource = resource_of(store, "assessment", assessment_id)
    require(actor, "results.view", resource)
    results = next(iter(score_assessments(store, [assessment_id]).values()))
    report = to_report(results.scores, results.recommendations, assessment_id, results.grid)
    full_roles = [role for role in actor.roles if role.kind != "financeur"
                  and "results.view" in ROLE_ACTIONS[role.kind]
                  and in_scope(role, "results.view", resource)]
    if full_roles:
        return report
    texts = {item.id: item.text for item in results.grid.criteria()}
    plan = store.actions(project_id=resource.project).to_dict("records")
    return shared_report(report, consent_of(store, resource.project), texts=texts, plan=plan)


# --- users and grants -------------------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
GRANT_COLUMNS = ["id", "email", "role", "scope_kind", "scope_id", "granted_by", "granted_at",
                 "revoked_at"]

SYSTEM_ACTOR = Actor((Role("admin"),), issuer="cli", subject="ligne de commande")


def _check_grant(store: Store, email: str, role: str, scope_kind: str,
                 scope_id: Any) -> tuple[str, str | None]:
    problems = []
    if not _EMAIL.match(email or ""):
        problems.append(t("access.bad_email", value=email))
    if role not in GRANT_SCOPES:
        problems.append(t("access.bad_role", value=role, valid=", ".join(GRANT_SCOPES)))
    elif scope_kind not in GRANT_SCOPES[role]:
        problems.append(t("access.bad_scope", role=role,
                          valid=", ".join(t(f"access.scope_{kind}") for kind in
                                          GRANT_SCOPES[role])))
    if problems:
        raise StoreError(t("access.grant_invalid"), problems)
    if scope_kind == "all":
        return "all", None
    if scope_kind == "programme":
        if scope_id not in programmes():
            raise NotFoundError(t("access.unknown_programme", value=scope_id,
                                  valid=", ".join(programmes())))
        return scope_kind, str(scope_id)
    try:
        number = int(scope_id)
    except (TypeError, ValueError):
        raise StoreError(t("access.bad_scope_id", value=scope_id)) from None
    table = {"territory": "territories", "project": "projects"}[scope_kind]
    if store._one(f"SELECT id FROM {table} WHERE id = ?", [number]) is None:
        raise NotFoundError(t(f"store.not_found_{scope_kind}", id=number))
    return scope_kind, str(number)


def grant(store: Store, email: str, role: str, scope_kind: str = "all", scope_id: Any = None,
          *, by: Actor = SYSTEM_ACTOR) -> int:
    """Give `email` a role on a scope (before or after their first sign-in); return the grant id.

    An identical active grant is kept as it is (its id is returned). Only an admin may grant
    the admin role; others grant within their own `accounts.manage` scope.

    Raises:
        StoreError: bad e-mail, unknown role, a scope the role does not take.
        NotFoundError: unknown territory, project or programme. AccessDenied: out of scope.
    """
    email = (email or "").strip().lower()
    scope_kind, scope_value = _check_grant(store, email, role, scope_kind, scope_id)
    with store.transaction():
        require(by, "accounts.manage", grant_resource(store, scope_kind, scope_value))
        if role == "admin" and by.kind != "admin":
            raise denied("accounts.manage", Resource("grant", t("access.role_admin")))
        existing = store._one(
            "SELECT id FROM grants WHERE email = ? AND role = ? AND scope_kind = ? AND "
            "scope_id IS ? AND revoked_at IS NULL", [email, role, scope_kind, scope_value])
        if existing:
            return existing["id"]
        cursor = store.conn.execute(
            """INSERT INTO grants (email, role, scope_kind, scope_id, granted_by, granted_at)
               VALUES (?, ?, ?, ?, ?, ?)""", [email, role, scope_kind, scope_value, by.label,
                                              now()])
        audit.record(store, by, "accounts.manage", f"grant:{cursor.lastrowid}", None,
                     {"email": email, "role": role, "scope": f"{scope_kind}:{scope_value or ''}"})
        return cursor.lastrowid


def revoke(store: Store, email: str, role: str | None = None, *,
           by: Actor = SYSTEM_ACTOR) -> int:
    """End the active grants of `email` (all, or those of one role) that `by` may manage.

    Returns:
        The number of grants revoked.

    Raises:
        StoreError: unknown role, or no active grant to revoke. AccessDenied: none in scope.
    """
    email = (email or "").strip().lower()
    if role is not None and role not in GRANT_SCOPES:
        raise StoreError(t("access.bad_role", value=role, valid=", ".join(GRANT_SCOPES)))
    with store.transaction():
        rows = [row for row in grants(store, email=email) if role is None or row["role"] == role]
        if not rows:
            raise StoreError(t("access.nothing_to_revoke", email=email))
        mine = [row for row in rows if allowed(by, "accounts.manage", grant_resource(
            store, row["scope_kind"], row["scope_id"]))]
        if not mine:
            raise denied("accounts.manage", Resource("grant", email))
        stamp = now()
        for row in mine:
            store.conn.execute("UPDATE grants SET revoked_at = ? WHERE id = ?", [stamp, row["id"]])
            audit.record(store, by, "accounts.manage", f"grant:{row['id']}",
                         {"email": email, "role": row["role"],
                          "scope": f"{row['scope_kind']}:{row['scope_id'] or ''}"}, None)
        return len(mine)


def revoke_grant(store: Store, grant_id: int, *, by: Actor = SYSTEM_ACTOR) -> None:
    """End one active grant (by its id), if `by` may manage its scope; audited.

    Raises:
        StoreError: no active grant has this id. AccessDenied: out of `by`'s scope (an
        unknown id is refused the same way to anyone but an admin).
    """
    with store.transaction():
        row = store._one(f"SELECT {', '.join(GRANT_COLUMNS)} FROM grants WHERE id = ? AND "
                         "revoked_at IS NULL", [int(grant_id)])
        resource = grant_resource(store, row["scope_kind"], row["scope_id"]) if row else \
            Resource("grant", grant_id)
        require(by, "accounts.manage", resource)
        if row is None:
            raise StoreError(t("access.unknown_grant", id=grant_id))
        store.conn.execute("UPDATE grants SET revoked_at = ? WHERE id = ?", [now(), row["id"]])
        audit.record(store, by, "accounts.manage", f"grant:{row['id']}",
                     {"email": row["email"], "role": row["role"],
                      "scope": f"{row['scope_kind']}:{row['scope_id'] or ''}"}, None)


def grants(store: Store, *, email: str | None = None, active_only: bool = True
           ) -> list[dict[str, Any]]:
    """Grants, oldest first (only active ones unless `active_only=False`)."""
    clauses, params = [], []
    if active_only:
        clauses.append("revoked_at IS NULL")
    if email is not None:
        clauses.append("email = ?")
        params.append(email.strip().lower())
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return store._rows(f"SELECT {', '.join(GRANT_COLUMNS)} FROM grants {where} ORDER BY id",
                       params)


def roles_from_grants(rows: Iterable[Mapping[str, Any]]) -> tuple[Role, ...]:
    """Merge grant rows into one Role per role kind (scopes united)."""
    merged: dict[str, dict[str, set]] = {}
    for row in rows:
        scopes = merged.setdefault(row["role"], {"territories": set(), "projects": set(),
                                                 "programmes": set()})
        if row["scope_kind"] == "territory":
            scopes["territories"].add(int(row["scope_id"]))
        elif row["scope_kind"] == "project":
            scopes["projects"].add(int(row["scope_id"]))
        elif row["scope_kind"] == "programme":
            scopes["programmes"].add(row["scope_id"])
    return tuple(Role(kind, **{name: frozenset(ids) for name, ids in scopes.items()})
                 for kind, scopes in sorted(merged.items(), key=lambda kv:
                                            ROLES_BY_WIDTH.index(kv[0])))


def _own_respondents(store: Store, email: str, projects: Iterable[int]) -> frozenset[int]:
    """The respondent rows of these projects that carry this e-mail (a team member's own)."""
    rows = store._rows(
        """SELECT r.id FROM respondents r JOIN assessments a ON a.id = r.assessment_id
           WHERE r.email = ? AND a.project_id IN (SELECT value FROM json_each(?))""",
        [email, json.dumps(sorted(int(p) for p in projects))])
    return frozenset(row["id"] for row in rows)


def roles_for(store: Store, email: str | None) -> tuple[Role, ...]:
    """The roles the active grants of `email` give today (no grant: an empty tuple).

    A team member's role also lists the respondent rows of their project that carry their
    e-mail (`ScopedStore.set_respondent_email`): those they may answer as.
    """
    email_key = (email or "").strip().lower()
    if not email_key:
        return ()
    roles = []
    for role in roles_from_grants(grants(store, email=email_key)):
        if role.kind == "equipe":
            role = replace(role, respondents=_own_respondents(store, email_key, role.projects))
        roles.append(role)
    return tuple(roles)


def refreshed(store: Store, actor: Actor) -> Actor | None:
    """The same person with today's grants (a role revoked mid-session is gone at once).

    Actors without an e-mail (local, respondent links) are returned unchanged.
    """
    if not actor.email:
        return actor
    roles = roles_for(store, actor.email)
    return replace(actor, roles=roles) if roles else None


def actor_for(store: Store, issuer: str, subject: str, email: str | None,
              name: str | None) -> Actor | None:
    """Record a sign-in (users table, audit row) and build the actor from the active grants.

    Returns:
        The actor, or None when the e-mail holds no active grant (« aucun accès »).
    """
    email_key = (email or "").strip().lower() or None
    stamp = now()
    with store.transaction():
        store.conn.execute(
            """INSERT INTO users (issuer, subject, email, name, first_sign_in, last_sign_in)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (issuer, subject) DO UPDATE SET email = excluded.email,
                   name = excluded.name, last_sign_in = excluded.last_sign_in""",
            [issuer, subject, email_key, name, stamp, stamp])
        roles = roles_for(store, email_key)
        actor = Actor(roles, issuer=issuer, subject=subject, email=email_key, name=name)
        audit.record(store, actor if roles else Actor((), issuer=issuer, subject=subject,
                                                      email=email_key, name=name),
                     "sign_in", f"user:{issuer}|{subject}", None,
                     {"roles": [role.kind for role in roles]})
    return actor if roles else None


def users(store: Store) -> list[dict[str, Any]]:
    """Everyone who signed in at least once, by first sign-in."""
    return store._rows("SELECT issuer, subject, email, name, first_sign_in, last_sign_in "
                       "FROM users ORDER BY first_sign_in, id")


# --- the scoped store -------------------------------------------------------------------------


class ScopedStore:
    """A Store seen by one actor: lists filtered to the scope, writes refused out of it.

    Every read and write goes through `allowed`; allowed calls are delegated to the wrapped
    Store unchanged, and each write appends its audit row in the same transaction. A refused
    write raises AccessDenied before touching the database.
    """

    def __init__(self, store: Store, actor: Actor) -> None:
        self._store = store
        self.actor = actor

    # plumbing

    def _resource(self, kind: str, resource_id: Any) -> Resource:
        return resource_of(self._store, kind, resource_id)

    def _require(self, action: str, kind: str, resource_id: Any = None) -> Resource:
        resource = GLOBAL if kind == "global" else self._resource(kind, resource_id)
        require(self.actor, action, resource)
        return resource

    def _audit(self, action: str, obj: str, old: Any = None, new: Any = None) -> None:
        audit.record(self._store, self.actor, action, obj, old, new)

    def may(self, action: str, kind: str = "global", resource_id: Any = None) -> bool:
        """Whether the actor may take `action` on `kind`:`resource_id` (for a page's buttons)."""
        resource = GLOBAL if kind == "global" else self._resource(kind, resource_id)
        return allowed(self.actor, action, resource)

    def _ids(self, action: str, kind: str, ids: Iterable[int]) -> list[int]:
        resources = resources_of(self._store, kind, ids)
        return [i for i, resource in resources.items() if allowed(self.actor, action, resource)]

    def _keep(self, frame: pd.DataFrame, column: str, action: str, kind: str) -> pd.DataFrame:
        ids = set(self._ids(action, kind, pd.unique(frame[column].dropna())))
        return frame[frame[column].isin(ids)].reset_index(drop=True)

    def transaction(self):
        return self._store.transaction()

    def revision(self) -> tuple[int, int]:
        return self._store.revision()

    # reads: filtered lists, refused single rows

    def territories(self) -> pd.DataFrame:
        return self._keep(self._store.territories(), "id", "territory.view", "territory")

    def projects(self) -> pd.DataFrame:
        return self._keep(self._store.projects(), "id", "project.view", "project")

    def project(self, project_id: int):
        self._require("project.view", "project", project_id)
        return self._store.project(project_id)

    def assessments(self, project_id: int | None = None) -> pd.DataFrame:
        if project_id is not None:
            self._require("project.view", "project", project_id)
        return self._keep(self._store.assessments(project_id), "id", "assessment.view",
                          "assessment")

    def assessment(self, assessment_id: int):
        self._require("assessment.view", "assessment", assessment_id)
        return self._store.assessment(assessment_id)

    def project_of(self, assessment_id: int):
        """The project an assessment belongs to (its name, its CTE flag), for whoever may see
        the assessment: a respondent through their link reads its name too."""
        self._require("assessment.view", "assessment", assessment_id)
        return self._store.project(self._store.assessment(assessment_id).project_id)

    def assessment_context(self, assessment_ids: Iterable[int] | None = None) -> pd.DataFrame:
        return self._keep(self._store.assessment_context(assessment_ids), "assessment",
                          "results.view", "assessment")

    def grid_of(self, assessment_id: int):
        self._require("assessment.view", "assessment", assessment_id)
        return self._store.grid_of(assessment_id)

    def respondents(self, assessment_ids: Iterable[int] | int | None) -> pd.DataFrame:
        return self._keep(self._store.respondents(assessment_ids), "id", "respondent.view",
                          "respondent")

    def respondent(self, respondent_id: int):
        self._require("respondent.view", "respondent", respondent_id)
        return self._store.respondent(respondent_id)

    def answers(self, assessment_ids: Iterable[int] | int | None = None) -> pd.DataFrame:
        return self._keep(self._store.answers(assessment_ids), "respondent", "answers.view",
                          "respondent")

    def answer_values(self, assessment_ids: Iterable[int] | int | None = None) -> pd.DataFrame:
        return self._keep(self._store.answer_values(assessment_ids), "respondent",
                          "answers.view", "respondent")

    def agreed(self, assessment_ids: Iterable[int] | int | None = None) -> pd.DataFrame:
        return self._keep(self._store.agreed(assessment_ids), "assessment", "results.view",
                          "assessment")

    def actions(self, *, assessment_id: int | None = None,
                project_id: int | None = None) -> pd.DataFrame:
        return self._keep(self._store.actions(assessment_id=assessment_id,
                                              project_id=project_id),
                          "project", "plan.view", "project")

    def portfolio_projects(self) -> pd.DataFrame:
        """The projects of the actor's portfolio (those they may see in `portfolio.view`)."""
        return self._keep(self._store.projects(), "id", "portfolio.view", "project")

    def report(self, assessment_id: int) -> dict[str, Any]:
        """One assessment's report, cut to the project's consent for a funder (report_for)."""
        return report_for(self.actor, self._store, assessment_id)

    def fiche_pdf(self, assessment_id: int, today: Any = None) -> bytes:
        """The « fiche de maturité » of an assessment as the actor may read it (PDF): whole
        for those who work on the project, cut to its consent for a funder (report.fiche_for).

        Raises:
            AccessDenied: the assessment's results are out of the actor's reach.
        """
        from . import report

        data = report.fiche_for(self.actor, self._store, assessment_id, today=today).pdf()
        with self._store.transaction():
            self._audit("export", f"assessment:{int(assessment_id)}", None,
                        {"document": "fiche", "format": "pdf"})
        return data

    def portfolio_pdf(self, table: pd.DataFrame, grid: Any, *, scope: str | None = None,
                      today: Any = None) -> bytes:
        """The portfolio report of `table`'s rows as the actor may read them (PDF): rows out of
        their portfolio dropped, the others cut to each project's consent
        (report.portfolio_for); audited with the projects it holds."""
        from . import report

        data = report.portfolio_for(self.actor, self._store, table, grid, scope=scope,
                                    today=today).pdf()
        self._audit_portfolio_export("portfolio_report", "pdf", table)
        return data

    def portfolio_export(self, table: pd.DataFrame, fmt: str,
                         sheet_name: str | None = None) -> bytes:
        """The portfolio table (portfolio.portfolio_table rows) as a spreadsheet, CSV or XLSX:
        rows out of the actor's portfolio dropped, the others cut to each project's consent
        (`shared_portfolio`), French headers (portfolio.export_table); audited.

        Raises:
            AccessDenied: the actor may see no portfolio at all. StoreError: unknown format.
        """
        from .portfolio import export_table, to_csv, to_xlsx

        if not may_somewhere(self.actor, "portfolio.view"):
            raise denied("portfolio.view")
        if fmt not in ("csv", "xlsx"):
            raise StoreError(t("access.bad_export_format", value=fmt, valid="csv, xlsx"))
        rows = self._in_portfolio(table)
        shown = export_table(self.shared_portfolio(rows))
        data = to_csv(shown) if fmt == "csv" else to_xlsx(
            shown, sheet_name or t("portfolio.export_sheet"))
        self._audit_portfolio_export("portfolio", fmt, rows)
        return data

    def _in_portfolio(self, table: pd.DataFrame) -> pd.DataFrame:
        mine = set(self._ids("portfolio.view", "project", table["project"]))
        return table[table["project"].astype("int64").isin(mine)].reset_index(drop=True)

    def _audit_portfolio_export(self, document: str, fmt: str, table: pd.DataFrame) -> None:
        projects = sorted(int(p) for p in pd.unique(self._in_portfolio(table)["project"]))
        with self._store.transaction():
            self._audit("export", "portfolio", None,
                        {"document": document, "format": fmt, "projects": projects})

    def consent(self, project_id: int) -> str:
        self._require("project.view", "project", project_id)
        return consent_of(self._store, project_id)

    def audit_entries(self, **filters: Any) -> pd.DataFrame:
        require(self.actor, "audit.view")
        return audit.entries(self._store, **filters)

    def audit_csv(self) -> bytes:
        require(self.actor, "audit.view")
        with self._store.transaction():
            self._audit("export", "audit")
        return audit.export_csv(self._store)

    def grants(self) -> list[dict[str, Any]]:
        """The active grants the actor may manage."""
        return [row for row in grants(self._store) if allowed(
            self.actor, "accounts.manage",
            grant_resource(self._store, row["scope_kind"], row["scope_id"]))]

    def is_empty(self) -> bool:
        """Whether the actor sees no project at all."""
        return self.projects().empty

    def counts(self) -> dict[str, int]:
        """Rows per table of the whole database: only for those who may take backups."""
        require(self.actor, "backup")
        return self._store.counts()

    def require_open(self, assessment_id: int):
        self._require("assessment.view", "assessment", assessment_id)
        return self._store.require_open(assessment_id)

    def programme_profiles(self) -> dict[str, str]:
        return self._store.programme_profiles()

    def sees_full_results(self, assessment_id: int) -> bool:
        """Whether the actor reads this assessment's results whole (its team, animation,
        admin), not cut to the project's consent as a funder does."""
        resource = self._resource("assessment", assessment_id)
        return any(role.kind != "financeur" and "results.view" in ROLE_ACTIONS[role.kind]
                   and in_scope(role, "results.view", resource) for role in self.actor.roles)

    def require_full_results(self, assessment_id: int) -> None:
        """Raise AccessDenied unless `sees_full_results`."""
        if not self.sees_full_results(assessment_id):
            raise denied("results.view", self._resource("assessment", assessment_id))

    def consents(self, project_ids: Iterable[int]) -> dict[int, str]:
        """{project id: consent level} of projects the actor may see."""
        ids = self._ids("project.view", "project", project_ids)
        rows = self._store._rows("SELECT id, consent FROM projects WHERE id IN "
                                 "(SELECT value FROM json_each(?))", [json.dumps(ids)])
        return {row["id"]: row["consent"] for row in rows}

    def compare_projects(self) -> pd.DataFrame:
        """The projects the actor may name in a comparison: in scope for `compare.view` and,
        when seen only as a funder, sharing at least their stage scores (« etapes »)."""
        projects, named = self._compare_scope()
        return projects[named].reset_index(drop=True)

    def compare_withheld(self) -> pd.DataFrame:
        """The projects of the actor's comparison scope that a comparison leaves out because
        they share only their summary (« synthese ») with a funder: named, never scored."""
        projects, named = self._compare_scope()
        return projects[[not n for n in named]].reset_index(drop=True)

    def _compare_scope(self) -> tuple[pd.DataFrame, list[bool]]:
        projects = self._keep(self._store.projects(), "id", "compare.view", "project")
        resources = resources_of(self._store, "project", projects["id"])
        consents = self.consents(projects["id"])

        def named(project_id: int) -> bool:
            resource = resources[int(project_id)]
            if any(role.kind != "financeur" and in_scope(role, "compare.view", resource)
                   and "compare.view" in ROLE_ACTIONS[role.kind] for role in self.actor.roles):
                return True
            return CONSENT_LEVELS.index(consents.get(int(project_id), DEFAULT_CONSENT)) >= 1

        return projects, [named(i) for i in projects["id"]]

    def shared_portfolio(self, table: pd.DataFrame) -> pd.DataFrame:
        """A portfolio table (portfolio.portfolio_table) cut, row by row, to what the actor
        may read: whole for projects they work on, else to each project's consent
        (`shared_table`)."""
        if table.empty:
            return table
        resources = resources_of(self._store, "project", table["project"])
        consents = self.consents(table["project"])
        levels = {}
        for project_id in pd.unique(table["project"]):
            resource = resources[int(project_id)]
            full = any(role.kind != "financeur" and "results.view" in ROLE_ACTIONS[role.kind]
                       and in_scope(role, "results.view", resource) for role in self.actor.roles)
            levels[int(project_id)] = None if full else consents.get(int(project_id),
                                                                      DEFAULT_CONSENT)
        return shared_table(table, levels)

    # personal links (coopscore/links.py), checked here: the token itself is the link's secret

    def link_states(self, assessment_id: int) -> pd.DataFrame:
        from . import links

        self._require("respondent.create", "assessment", assessment_id)
        return links.link_states(self._store, assessment_id)

    def followup(self, assessment_id: int) -> pd.DataFrame:
        """Who has answered how much (links.followup), for those who manage the respondents."""
        from . import links

        self._require("respondent.create", "assessment", assessment_id)
        return links.followup(self._store, assessment_id)

    def respondent_progress(self, assessment_id: int, respondent_id: int) -> tuple[int, int]:
        from . import links

        resource = self._require("answers.view", "respondent", respondent_id)
        if resource.assessment is not None and resource.assessment != int(assessment_id):
            raise denied("answers.view", resource)
        return links.respondent_progress(self._store, assessment_id, respondent_id)

    def issue_link(self, respondent_id: int, base: str | None = None):
        from . import links

        self._require("respondent.manage", "respondent", respondent_id)
        with self._store.transaction():
            issued = links.issue_link(self._store, respondent_id, base)
            self._audit("respondent.manage", f"respondent:{respondent_id}", None, "link issued")
            return issued

    def revoke_link(self, respondent_id: int) -> int:
        from . import links

        self._require("respondent.manage", "respondent", respondent_id)
        with self._store.transaction():
            count = links.revoke_link(self._store, respondent_id)
            self._audit("respondent.manage", f"respondent:{respondent_id}", "link", None)
            return count

    def add_respondent_with_link(self, assessment_id: int, name: str, role: str,
                                 organisation: str | None = None, base: str | None = None):
        from . import links

        self._require("respondent.create", "assessment", assessment_id)
        with self._store.transaction():
            issued = links.add_respondent_with_link(self._store, assessment_id, name, role,
                                                    organisation, base)
            self._audit("respondent.create", f"respondent:{issued.respondent_id}", None,
                        {"assessment": int(assessment_id), "role": role})
            return issued

    def add_respondent_list(self, assessment_id: int, text: str, base: str | None = None):
        from . import links

        self._require("respondent.create", "assessment", assessment_id)
        with self._store.transaction():
            issued = links.add_respondent_list(self._store, assessment_id, text, base)
            for link in issued:
                self._audit("respondent.create", f"respondent:{link.respondent_id}", None,
                            {"assessment": int(assessment_id)})
            return issued

    def grant(self, email: str, role: str, scope_kind: str = "all", scope_id: Any = None) -> int:
        """Give a role on a scope to an e-mail address, within the actor's own (`grant`)."""
        return grant(self._store, email, role, scope_kind, scope_id, by=self.actor)

    def revoke_grant(self, grant_id: int) -> None:
        """End one grant the actor may manage (`revoke_grant`)."""
        revoke_grant(self._store, grant_id, by=self.actor)

    # writes: checked, delegated, audited in the same transaction

    def create_territory(self, name: str, kind: str | None = None) -> int:
        require(self.actor, "territory.create")
        with self._store.transaction():
            new_id = self._store.create_territory(name, kind)
            self._audit("territory.create", f"territory:{new_id}", None, {"name": name})
            return new_id

    def create_project(self, name: str, territory_id: int, *args: Any, **fields: Any) -> int:
        self._require("project.create", "territory", territory_id)
        with self._store.transaction():
            new_id = self._store.create_project(name, territory_id, *args, **fields)
            self._audit("project.create", f"project:{new_id}", None,
                        {"name": name, "territory": int(territory_id), **fields})
            return new_id

    def update_project(self, project_id: int, **changes: Any) -> None:
        self._require("project.edit", "project", project_id)
        if changes.get("territory_id") is not None:  # moving it: the target must be ours too
            self._require("project.create", "territory", changes["territory_id"])
        with self._store.transaction():
            old = self._store.project(project_id)
            self._store.update_project(project_id, **changes)
            self._audit("project.edit", f"project:{project_id}",
                        {key: getattr(old, key, None) for key in changes}, changes)

    def set_assessment_profile(self, assessment_id: int, profile: str | None) -> None:
        self._require("assessment.edit", "assessment", assessment_id)
        with self._store.transaction():
            self._store.set_assessment_profile(assessment_id, profile)
            self._audit("assessment.edit", f"assessment:{assessment_id}", None,
                        {"profile": profile})

    def set_show_own_profile(self, assessment_id: int, shown: bool) -> None:
        self._require("assessment.edit", "assessment", assessment_id)
        with self._store.transaction():
            old = self._store.assessment(assessment_id).show_own_profile
            self._store.set_show_own_profile(assessment_id, shown)
            self._audit("assessment.edit", f"assessment:{assessment_id}",
                        {"show_own_profile": old}, {"show_own_profile": bool(shown)})

    def set_programme_profile(self, programme: str, profile: str | None) -> None:
        """A programme's target profile applies to all its projects: set by admin, poste, or
        a funder granted that programme (the profile of its call), never by a funder of a
        list of projects nor by the animation of a territory."""
        self._require("programme.profile", "programme", programme)
        with self._store.transaction():
            old = self._store.programme_profiles().get(programme)
            self._store.set_programme_profile(programme, profile)
            self._audit("programme.profile", f"programme:{programme}", old, profile)

    def delete_project(self, project_id: int) -> None:
        self._require("project.delete", "project", project_id)
        with self._store.transaction():
            old = self._store.project(project_id)
            self._store.delete_project(project_id)
            self._audit("project.delete", f"project:{project_id}", {"name": old.name}, None)

    def set_consent(self, project_id: int, consent: str) -> None:
        """Set what the project's funders see (« synthese », « etapes », « detail »).

        Raises:
            AccessDenied: out of scope. StoreError: unknown level.
        """
        self._require("project.consent", "project", project_id)
        if consent not in CONSENT_LEVELS:
            raise StoreError(t("access.bad_consent", value=consent,
                               valid=", ".join(CONSENT_LEVELS)))
        with self._store.transaction():
            old = consent_of(self._store, project_id)
            self._store.conn.execute("UPDATE projects SET consent = ? WHERE id = ?",
                                     [consent, int(project_id)])
            self._audit("project.consent", f"project:{project_id}", old, consent)

    def create_assessment(self, project_id: int, grid_id: str | Path, label: str,
                          *args: Any, **fields: Any) -> int:
        self._require("assessment.create", "project", project_id)
        with self._store.transaction():
            new_id = self._store.create_assessment(project_id, grid_id, label, *args, **fields)
            self._audit("assessment.create", f"assessment:{new_id}", None,
                        {"project": int(project_id), "grid": str(grid_id), "label": label})
            return new_id

    def close_assessment(self, assessment_id: int, on: Any = None) -> None:
        """Close now, or on a date (`on`): answers are refused from then on."""
        self._require("assessment.edit", "assessment", assessment_id)
        with self._store.transaction():
            self._store.close_assessment(assessment_id, on)
            self._audit("assessment.edit", f"assessment:{assessment_id}", "draft",
                        "closed" if on is None else {"closes_on": str(on)})

    def reopen_assessment(self, assessment_id: int) -> None:
        self._require("assessment.edit", "assessment", assessment_id)
        with self._store.transaction():
            self._store.reopen_assessment(assessment_id)
            self._audit("assessment.edit", f"assessment:{assessment_id}", "closed", "draft")

    def delete_assessment(self, assessment_id: int) -> None:
        self._require("assessment.delete", "assessment", assessment_id)
        with self._store.transaction():
            old = self._store.assessment(assessment_id)
            self._store.delete_assessment(assessment_id)
            self._audit("assessment.delete", f"assessment:{assessment_id}",
                        {"label": old.label, "project": old.project_id}, None)

    def add_respondent(self, assessment_id: int, name: str, role: str,
                       organisation: str | None = None) -> int:
        self._require("respondent.create", "assessment", assessment_id)
        with self._store.transaction():
            new_id = self._store.add_respondent(assessment_id, name, role, organisation)
            self._audit("respondent.create", f"respondent:{new_id}", None,
                        {"assessment": int(assessment_id), "role": role})
            return new_id

    def update_respondent(self, respondent_id: int, **changes: Any) -> None:
        self._require("respondent.manage", "respondent", respondent_id)
        with self._store.transaction():
            old = self._store.respondent(respondent_id)
            self._store.update_respondent(respondent_id, **changes)
            self._audit("respondent.manage", f"respondent:{respondent_id}",
                        {key: getattr(old, key, None) for key in changes}, changes)

    def set_respondent_email(self, respondent_id: int, email: str | None) -> None:
        """Tie a respondent row to a team member's e-mail (they then answer as this row).

        Raises:
            AccessDenied: out of scope. StoreError: not an e-mail address.
        """
        self._require("respondent.manage", "respondent", respondent_id)
        email = (email or "").strip().lower() or None
        if email is not None and not _EMAIL.match(email):
            raise StoreError(t("access.bad_email", value=email))
        with self._store.transaction():
            self._store.respondent(respondent_id)
            old = self._store._one("SELECT email FROM respondents WHERE id = ?",
                                   [int(respondent_id)])["email"]
            self._store.conn.execute("UPDATE respondents SET email = ? WHERE id = ?",
                                     [email, int(respondent_id)])
            self._audit("respondent.manage", f"respondent:{respondent_id}",
                        {"email": old}, {"email": email})

    def delete_respondent(self, respondent_id: int) -> None:
        self._require("respondent.manage", "respondent", respondent_id)
        with self._store.transaction():
            old = self._store.respondent(respondent_id)
            self._store.delete_respondent(respondent_id)
            self._audit("respondent.manage", f"respondent:{respondent_id}",
                        {"name": old.name, "assessment": old.assessment_id}, None)

    def _old_answers(self, keys: set[tuple[int, int, str]]) -> dict[tuple[int, int, str], str]:
        assessments = sorted({key[0] for key in keys})
        frame = self._store.answers(assessments)
        return {(int(a), int(r), i): v for a, r, i, v in
                zip(frame["assessment"], frame["respondent"], frame["item"], frame["value"])
                if (int(a), int(r), i) in keys}

    def save_answer(self, assessment_id: int, respondent_id: int, item: str, value: str,
                    comment: str | None = None) -> None:
        self.save_answers([AnswerRow(assessment_id, respondent_id, item, value, comment)])

    def save_answers(self, rows: Iterable[AnswerRow | Mapping[str, Any]], **options: Any) -> int:
        """Record answers (all or none), each respondent checked against `answers.write`.

        Every changed value is audited old → new (comments are not copied to the log).
        """
        answers = [row if isinstance(row, AnswerRow) else AnswerRow(
            int(row["assessment_id"]), int(row["respondent_id"]), str(row["item"]),
            str(row["value"]), row.get("comment")) for row in rows]
        for respondent_id in sorted({a.respondent_id for a in answers}):
            resource = self._require("answers.write", "respondent", respondent_id)
            filed = {a.assessment_id for a in answers if a.respondent_id == respondent_id}
            # a respondent filed under another assessment (unknown ids: the store says so)
            if resource.assessment is not None and filed != {resource.assessment}:
                raise denied("answers.write", resource)
        with self._store.transaction():
            keys = {(a.assessment_id, a.respondent_id, a.item) for a in answers}
            old = self._old_answers(keys)
            written = self._store.save_answers(answers, **options)
            for a in answers:
                before = old.get((a.assessment_id, a.respondent_id, a.item))
                if before != a.value:
                    self._audit("answers.write",
                                f"answer:{a.assessment_id}/{a.respondent_id}/{a.item}",
                                before, a.value)
            return written

    def delete_answer(self, assessment_id: int, respondent_id: int, item: str) -> None:
        resource = self._require("answers.write", "respondent", respondent_id)
        if resource.assessment is not None and resource.assessment != int(assessment_id):
            raise denied("answers.write", resource)
        with self._store.transaction():
            old = self._old_answers({(int(assessment_id), int(respondent_id), item)})
            self._store.delete_answer(assessment_id, respondent_id, item)
            if old:
                self._audit("answers.write", f"answer:{assessment_id}/{respondent_id}/{item}",
                            next(iter(old.values())), None)

    def set_agreed(self, assessment_id: int, item: str, value: str,
                   rationale: str | None = None) -> None:
        self._require("consensus.write", "assessment", assessment_id)
        with self._store.transaction():
            frame = self._store.agreed(assessment_id)
            before = frame.loc[frame["item"] == item, "value"]
            self._store.set_agreed(assessment_id, item, value, rationale)
            self._audit("consensus.write", f"agreed:{assessment_id}/{item}",
                        before.iloc[0] if len(before) else None, value)

    def clear_agreed(self, assessment_id: int, item: str) -> None:
        self._require("consensus.write", "assessment", assessment_id)
        with self._store.transaction():
            frame = self._store.agreed(assessment_id)
            before = frame.loc[frame["item"] == item, "value"]
            self._store.clear_agreed(assessment_id, item)
            if len(before):
                self._audit("consensus.write", f"agreed:{assessment_id}/{item}",
                            before.iloc[0], None)

    def add_action(self, *, project_id: int | None = None, assessment_id: int | None = None,
                   **fields: Any) -> int:
        # Both are checked when both are given (the store then refuses a mismatch); with
        # neither, the store refuses the action.
        if assessment_id is not None:
            self._require("plan.edit", "assessment", assessment_id)
        if project_id is not None:
            self._require("plan.edit", "project", project_id)
        with self._store.transaction():
            new_id = self._store.add_action(project_id=project_id, assessment_id=assessment_id,
                                            **fields)
            self._audit("plan.edit", f"action:{new_id}", None, fields)
            return new_id

    def update_action(self, action_id: int, **fields: Any) -> None:
        self._require("plan.edit", "action", action_id)
        with self._store.transaction():
            old = self._store._one("SELECT * FROM actions WHERE id = ?", [int(action_id)]) or {}
            self._store.update_action(action_id, **fields)
            self._audit("plan.edit", f"action:{action_id}",
                        {key: old.get(key) for key in fields}, fields)

    def delete_action(self, action_id: int) -> None:
        self._require("plan.edit", "action", action_id)
        with self._store.transaction():
            old = self._store._one("SELECT * FROM actions WHERE id = ?", [int(action_id)]) or {}
            self._store.delete_action(action_id)
            self._audit("plan.edit", f"action:{action_id}",
                        {key: old.get(key) for key in ("title", "method", "status")}, None)

    def import_answers(self, sources: Sequence[Any], assessment_id: int | None = None, *,
                       project_id: int | None = None, **options: Any):
        """exchange.import_answers within the scope, audited in the same transaction.

        Into an existing assessment: `import` on it. Into a new one: `assessment.create` and
        `import` on the project. Respondents are matched by name within that assessment only,
        so an import cannot reach another project's people.

        Raises:
            AccessDenied: out of scope (nothing read from the files, nothing written).
        """
        from . import exchange

        if assessment_id is not None:
            self._require("import", "assessment", assessment_id)
        else:
            self._require("assessment.create", "project", project_id)
            self._require("import", "project", project_id)
        with self._store.transaction():
            result = exchange.import_answers(self._store, sources, assessment_id,
                                             project_id=project_id, **options)
            if not result.dry_run:
                self._audit("import", f"assessment:{result.assessment_id}", None,
                            {"answers": result.answers, "respondents": result.respondents,
                             "created_respondents": result.created_respondents,
                             "files": len(sources)})
            return result

    def anonymous_assessments(self, assessment_ids: Iterable[int] | None = None) -> list[int]:
        """Which of these assessments (None: all in view) are anonymous, in id order."""
        rows = self._store._rows("SELECT id FROM assessments WHERE anonymous = 1 ORDER BY id")
        wanted = None if assessment_ids is None else {int(i) for i in assessment_ids}
        ids = [int(row["id"]) for row in rows if wanted is None or int(row["id"]) in wanted]
        return self._ids("assessment.view", "assessment", ids)

    def export_bytes(self, fmt: str, assessment_ids: Iterable[int] | None = None,
                     table: str = "answers", *, with_names: bool = False) -> bytes:
        """exchange.export_bytes of assessments in scope (None: all of them), audited.

        The people of an anonymous assessment leave the app as Regards croisés shows them
        (« Répondant·e 3 », a role only when 3+ people share it, no organisation), whoever
        exports: a file is forwarded and kept where the app's rules no longer apply, and
        people answered under the promise that their names stay out of the team's views.
        Those who manage the assessment's respondents (respondent.manage: admin, local, the
        animation of its territory) already see the names on « Suivi des réponses », to send
        the links; they alone may ask for them in a file (`with_names`, said in the audit
        row), e.g. to import the file back into the same assessment. A team member never can.

        Raises:
            AccessDenied: one of the given assessments is out of scope, or names are asked
            for an anonymous assessment whose respondents the actor does not manage.
        """
        from . import exchange

        if assessment_ids is None:
            ids = self._ids("export", "assessment", self._store.assessments()["id"])
        else:
            ids = [int(i) for i in assessment_ids]
            for assessment_id in ids:
                self._require("export", "assessment", assessment_id)
        anonymous = self.anonymous_assessments(ids)
        if with_names:
            for assessment_id in anonymous:
                self._require("respondent.manage", "assessment", assessment_id)
        pseudonymous = [] if with_names else anonymous
        data = exchange.export_bytes(self._store, fmt, ids, table=table,
                                     pseudonymous=pseudonymous)
        with self._store.transaction():
            self._audit("export", "assessments:" + ",".join(map(str, ids)), None,
                        {"format": fmt, "table": table if fmt == "csv" else None,
                         **({"names": bool(with_names)} if anonymous else {})})
        return data

    def backup(self, path: str | Path) -> Path:
        require(self.actor, "backup")
        target = self._store.backup(path)
        with self._store.transaction():
            self._audit("backup", "database", None, {"path": str(target)})
        return target

    @property
    def path(self) -> Path:
        """The database file: only for those who may take backups."""
        require(self.actor, "backup")
        return self._store.path

    def __getattr__(self, name: str) -> Any:
        # Anything not wrapped above is not part of the scoped view (no raw connection).
        raise AttributeError(t("access.not_scoped", name=name))
