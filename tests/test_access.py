"""Access control: the permission matrix, the scoped store, consent, grants, audit, CLI."""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from coopscore import access, audit, cli
from coopscore.access import GLOBAL, Actor, ScopedStore, allowed, grant_resource, resource_of
from coopscore.errors import AccessDenied, NotFoundError, StoreError
from coopscore.store import Store, action_statuses, open_store

# The expected rights, written out by hand (not copied from access.ROLE_ACTIONS): a change of
# the module's table that is not reflected here fails the matrix.
EXPECTED: dict[str, set[str]] = {
    "admin": set(access.ACTIONS),
    "local": set(access.ACTIONS) - {"accounts.manage"},
    "animateur": {
        "territory.view", "project.view", "project.create", "project.edit", "project.delete",
        "project.consent", "assessment.view", "assessment.create", "assessment.edit",
        "assessment.delete", "respondent.view", "respondent.create", "respondent.manage",
        "answers.view", "answers.write", "consensus.write", "results.view", "plan.view",
        "plan.edit", "portfolio.view", "compare.view", "import", "export", "accounts.manage"},
    "equipe": {"project.view", "project.consent", "assessment.view", "respondent.view",
               "answers.view", "answers.write", "results.view", "plan.view", "plan.edit",
               "compare.view"},
    "financeur": {"project.view", "results.view", "portfolio.view", "compare.view",
                  "programme.profile"},
    "respondent": {"assessment.view", "respondent.view", "answers.view", "answers.write"},
}
UNSCOPED = {"admin", "local"}  # no scope: « out of scope » does not exist for them

ITEM = "S01.V01"
PROGRAMME = {"in": "leader", "out": "region"}  # the programmes of project 1 and project 2


@dataclass
class World:
    """Two territories, each with one project, one assessment, respondents and an action.

    Side « in » is territory 1's objects (the actors' scope), « out » territory 2's.
    """

    store: Store
    territory: dict[str, int]
    project: dict[str, int]
    assessment: dict[str, int]
    respondent: dict[str, int]
    action: dict[str, int]
    other_respondent: int  # a second respondent of the « in » assessment


def _build(path: Path) -> None:
    with open_store(path) as store:
        t1 = store.create_territory("Pays de l'Intérieur")
        t2 = store.create_territory("Pays de l'Extérieur")
        p1 = store.create_project("Projet dedans", t1, programme="leader")
        p2 = store.create_project("Projet dehors", t2, programme="region")
        a1 = store.create_assessment(p1, "cooperation", "Diagnostic", date="2026-03-02")
        a2 = store.create_assessment(p2, "cooperation", "Diagnostic", date="2026-03-02")
        r1 = store.add_respondent(a1, "Alice", "elu")
        r1b = store.add_respondent(a1, "Bruno", "technicien")
        r2 = store.add_respondent(a2, "Chloé", "elu")
        for assessment, respondent in ((a1, r1), (a1, r1b), (a2, r2)):
            store.save_answer(assessment, respondent, ITEM, "1", comment="commentaire privé")
        store.add_action(project_id=p1, title="Agir dedans")
        store.add_action(project_id=p2, title="Agir dehors")
    assert (t1, t2, p1, p2, a1, a2, r1, r1b, r2) == (1, 2, 1, 2, 1, 2, 1, 2, 3)


@pytest.fixture(scope="session")
def world_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("access") / "world.db"
    _build(path)
    return path


@pytest.fixture
def world(world_template, tmp_path) -> World:
    path = tmp_path / "world.db"
    shutil.copyfile(world_template, path)
    store = open_store(path)
    yield World(store, {"in": 1, "out": 2}, {"in": 1, "out": 2}, {"in": 1, "out": 2},
                {"in": 1, "out": 3}, {"in": 1, "out": 2}, other_respondent=2)
    store.close()


def actor_of(role: str) -> Actor:
    """The actor of each role, scoped to the « in » side of the world."""
    return {
        "admin": Actor.admin("admin@exemple.fr"),
        "local": Actor.local(),
        "animateur": Actor.animateur([1], email="anim@exemple.fr"),
        "equipe": Actor.equipe(1, respondents=[1], email="alice@exemple.fr"),
        # the funder of project 1, and of its programme (LEADER's call: project 2 is not in it)
        "financeur": Actor.financeur(projects=[1], programmes=["leader"], email="fin@exemple.fr"),
        "respondent": Actor.respondent(1, 1),
    }[role]


def expected(role: str, action: str, side: str) -> bool:
    return action in EXPECTED[role] and (side == "in" or role in UNSCOPED)


def world_resource(world: World, action: str, side: str) -> access.Resource:
    kind = access.ACTIONS[action]
    if kind == "global":
        return GLOBAL
    if kind == "grant":
        return grant_resource(world.store, "territory", world.territory[side])
    ids = {"territory": world.territory, "project": world.project,
           "assessment": world.assessment, "respondent": world.respondent,
           "programme": PROGRAMME}[kind]
    return resource_of(world.store, kind, ids[side])


MATRIX = [(role, action, side) for role in EXPECTED for action in access.ACTIONS
          for side in ("in", "out")]


def test_every_action_and_role_is_in_the_expected_table():
    assert set(EXPECTED) == set(access.ROLES)
    assert set().union(*EXPECTED.values()) <= set(access.ACTIONS)


@pytest.mark.parametrize("role, action, side", MATRIX)
def test_permission_matrix_through_allowed(world, role, action, side):
    resource = world_resource(world, action, side)
    assert allowed(actor_of(role), action, resource) is expected(role, action, side)


def test_anonymous_and_unknown_action():
    assert not any(allowed(None, action, GLOBAL) for action in access.ACTIONS)
    with pytest.raises(KeyError):
        allowed(Actor.admin(), "tout.faire", GLOBAL)


# --- the same matrix through the scoped store --------------------------------------------------

# action -> (call on the scoped store for one side, kind: write or read)
def _op(action: str):
    def territory(w, s): return w.territory[s]
    def project(w, s): return w.project[s]
    def assessment(w, s): return w.assessment[s]
    def respondent(w, s): return w.respondent[s]

    def read_in(frame_of, column, ident):
        def check(scoped, w, s):
            if ident(w, s) not in set(frame_of(scoped)[column]):
                raise AccessDenied("absent de la liste")
        return check

    return {
        "territory.view": ("read", read_in(lambda x: x.territories(), "id", territory)),
        "territory.create": ("write", lambda x, w, s: x.create_territory("Pays nouveau")),
        "project.view": ("read", lambda x, w, s: x.project(project(w, s))),
        "project.create": ("write", lambda x, w, s: x.create_project("Nouveau",
                                                                     territory(w, s))),
        "project.edit": ("write", lambda x, w, s: x.update_project(project(w, s), name="Autre")),
        "project.delete": ("write", lambda x, w, s: x.delete_project(project(w, s))),
        "project.consent": ("write", lambda x, w, s: x.set_consent(project(w, s), "detail")),
        "assessment.view": ("read", lambda x, w, s: x.assessment(assessment(w, s))),
        "assessment.create": ("write", lambda x, w, s: x.create_assessment(
            project(w, s), "cooperation", "Suivi", date="2026-09-01")),
        "assessment.edit": ("write", lambda x, w, s: x.close_assessment(assessment(w, s))),
        "assessment.delete": ("write", lambda x, w, s: x.delete_assessment(assessment(w, s))),
        "respondent.view": ("read", lambda x, w, s: x.respondent(respondent(w, s))),
        "respondent.create": ("write", lambda x, w, s: x.add_respondent(assessment(w, s),
                                                                        "Zoé", "autre")),
        "respondent.manage": ("write", lambda x, w, s: x.update_respondent(respondent(w, s),
                                                                           name="Zoé")),
        "answers.view": ("read", read_in(lambda x: x.answers(), "respondent", respondent)),
        "answers.write": ("write", lambda x, w, s: x.save_answer(assessment(w, s),
                                                                 respondent(w, s), ITEM, "3")),
        "consensus.write": ("write", lambda x, w, s: x.set_agreed(assessment(w, s), ITEM, "2")),
        "results.view": ("read", read_in(lambda x: x.assessment_context(), "assessment",
                                         assessment)),
        "plan.view": ("read", read_in(lambda x: x.actions(), "project", project)),
        "plan.edit": ("write", lambda x, w, s: x.add_action(project_id=project(w, s),
                                                            title="Nouvelle action")),
        "portfolio.view": ("read", read_in(lambda x: x.portfolio_projects(), "id", project)),
        "import": ("write", lambda x, w, s: x.import_answers(
            [("r.csv", f"respondent,role,item,value\nNina,elu,{ITEM},2\n".encode())],
            assessment(w, s))),
        "export": ("write", lambda x, w, s: x.export_bytes("csv", [assessment(w, s)])),
        "backup": ("write", lambda x, w, s: x.backup(w.store.path.with_name("copie.db"))),
        "accounts.manage": ("write", lambda x, w, s: access.grant(
            w.store, "nouvelle@exemple.fr", "equipe", "project", project(w, s), by=x.actor)),
        "audit.view": ("read", lambda x, w, s: x.audit_entries()),
        "programme.profile": ("write", lambda x, w, s: x.set_programme_profile(
            PROGRAMME[s], "appel_cooperation")),
    }.get(action)


# Actions the scoped store has no method for (a page asks `allowed` / `may` directly;
# grids.manage has no page yet: the grids are files of data/).
NO_STORE_METHOD = {"compare.view", "grids.manage"}
STORE_MATRIX = [(r, a, s) for r, a, s in MATRIX if a not in NO_STORE_METHOD]


def test_every_action_has_a_scoped_store_case():
    assert {a for a in access.ACTIONS if _op(a) is None} == NO_STORE_METHOD


def _audit_count(store: Store) -> int:
    return store._one("SELECT COUNT(*) AS n FROM audit", [])["n"]


@pytest.mark.parametrize("role, action, side", STORE_MATRIX)
def test_permission_matrix_through_scoped_store(world, role, action, side):
    kind, call = _op(action)
    scoped = ScopedStore(world.store, actor_of(role))
    before = world.store.dump()
    if expected(role, action, side):
        audited = _audit_count(world.store)
        call(scoped, world, side)
        if kind == "write":
            assert _audit_count(world.store) > audited
            assert world.store.dump() != before
    else:
        with pytest.raises(AccessDenied, match="^Accès refusé|absent de la liste"):
            call(scoped, world, side)
        assert world.store.dump() == before


def test_lists_hold_only_the_scope(world):
    scoped = ScopedStore(world.store, actor_of("animateur"))
    assert list(scoped.territories()["id"]) == [1]
    assert list(scoped.projects()["id"]) == [1]
    assert list(scoped.assessments()["id"]) == [1]
    assert set(scoped.respondents(None)["id"]) == {1, 2}
    assert set(scoped.answers()["assessment"]) == {1}
    funder = ScopedStore(world.store, actor_of("financeur"))
    assert list(funder.projects()["id"]) == [1]
    assert funder.answers().empty and funder.respondents(None).empty
    assert funder.assessments().empty  # assessment.view is not theirs: reports only
    respondent = ScopedStore(world.store, actor_of("respondent"))
    assert respondent.projects().empty
    assert list(respondent.respondents(None)["id"]) == [1]
    assert list(respondent.answers()["respondent"]) == [1]


def test_a_person_answers_only_as_themselves(world):
    before = world.store.dump()
    for role in ("respondent", "equipe"):
        scoped = ScopedStore(world.store, actor_of(role))
        with pytest.raises(AccessDenied, match="Accès refusé"):
            scoped.save_answer(1, world.other_respondent, ITEM, "3")
        # their own respondent id filed under another assessment
        with pytest.raises(AccessDenied):
            scoped.save_answers([{"assessment_id": 2, "respondent_id": 1, "item": ITEM,
                                  "value": "3"}])
    assert world.store.dump() == before


def test_an_import_naming_another_projects_respondent_changes_nothing(world):
    scoped = ScopedStore(world.store, actor_of("animateur"))
    before = world.store.dump()
    rows = [{"assessment_id": 1, "respondent_id": 1, "item": ITEM, "value": "2"},
            {"assessment_id": 2, "respondent_id": 3, "item": ITEM, "value": "2"}]
    with pytest.raises(AccessDenied, match="répondant·e n° 3"):
        scoped.save_answers(rows)
    assert world.store.dump() == before


def _anonymous_world(world) -> None:
    """The « in » assessment is anonymous (set in the database, as an old one could be)."""
    world.store.conn.execute("UPDATE assessments SET anonymous = 1 WHERE id = 1")


def test_an_anonymous_assessment_is_exported_without_names_unless_its_manager_asks(world):
    _anonymous_world(world)
    scoped = ScopedStore(world.store, actor_of("animateur"))
    assert scoped.anonymous_assessments() == [1]
    data = scoped.export_bytes("csv", [1]).decode("utf-8-sig")
    assert "Alice" not in data and "Bruno" not in data and "Répondant·e 1" in data
    named = scoped.export_bytes("csv", [1], with_names=True).decode("utf-8-sig")
    assert "Alice" in named and "Bruno" in named
    logged = [json.loads(new) for new in audit.entries(world.store, action="export")["new"]]
    assert sorted(entry["names"] for entry in logged) == [False, True]


def test_a_team_member_never_gets_the_names_of_an_anonymous_assessment(world, monkeypatch):
    """Even if the team were one day given exports, the names stay with those who manage
    the respondents (respondent.manage), which a team never does."""
    _anonymous_world(world)
    monkeypatch.setitem(access.ROLE_ACTIONS, "equipe",
                        access.ROLE_ACTIONS["equipe"] | {"export"})
    scoped = ScopedStore(world.store, actor_of("equipe"))
    data = scoped.export_bytes("csv", [1]).decode("utf-8-sig")
    assert "Alice" not in data and "Répondant·e 1" in data
    with pytest.raises(AccessDenied):
        scoped.export_bytes("csv", [1], with_names=True)
    # a named assessment is unaffected: its names were never promised away
    world.store.conn.execute("UPDATE assessments SET anonymous = 0 WHERE id = 1")
    assert "Alice" in scoped.export_bytes("csv", [1], with_names=True).decode("utf-8-sig")


def test_scoped_import_and_export_stay_in_scope(world):
    scoped = ScopedStore(world.store, actor_of("animateur"))
    data = scoped.export_bytes("csv").decode("utf-8-sig")
    assert "Alice" in data and "Chloé" not in data
    assert list(audit.entries(world.store, action="export")["object"]) == ["assessments:1"]
    before = world.store.dump()
    with pytest.raises(AccessDenied):
        scoped.import_answers([("r.csv", b"respondent,role,item,value\nNina,elu,S01.V01,2\n")],
                              project_id=2, grid_id="cooperation", label="Nouvelle")
    result = scoped.import_answers(
        [("r.csv", b"respondent,role,item,value\nNina,elu,S01.V01,2\n")], 1, dry_run=True)
    assert result.dry_run and result.answers == 1
    assert world.store.dump() == before  # a dry run writes nothing, not even an audit row
    result = scoped.import_answers(
        [("r.csv", b"respondent,role,item,value\nNina,elu,S01.V01,2\n")],
        project_id=1, grid_id="cooperation", label="Nouvelle", date="2026-10-01")
    row = audit.entries(world.store, action="import").iloc[0]
    assert row["object"] == f"assessment:{result.assessment_id}"
    assert json.loads(row["new"])["created_respondents"] == 1


def test_unknown_ids_are_refused_to_others_and_not_found_for_admin(world):
    assert access.resources_of(world.store, "respondent", [3, 99]) == {
        3: resource_of(world.store, "respondent", 3), 99: access.Resource("respondent", 99)}
    assert resource_of(world.store, "project", "1 OR 1=1") == access.Resource("project",
                                                                             "1 OR 1=1")
    with pytest.raises(AccessDenied):
        ScopedStore(world.store, actor_of("animateur")).project(99)
    with pytest.raises(NotFoundError):
        ScopedStore(world.store, actor_of("admin")).project(99)


def test_admin_gets_the_stores_own_errors_for_unknown_ids(world):
    admin = ScopedStore(world.store, actor_of("admin"))
    before = world.store.dump()
    with pytest.raises(NotFoundError):
        admin.save_answer(1, 99, ITEM, "2")
    with pytest.raises(NotFoundError):
        admin.add_action(assessment_id=99, title="Agir")
    with pytest.raises(StoreError):
        admin.add_action(title="Agir")
    assert world.store.dump() == before


def test_an_action_row_is_checked_against_its_project(world):
    team = ScopedStore(world.store, actor_of("equipe"))
    team.update_action(1, status=next(iter(action_statuses())))
    before = world.store.dump()
    with pytest.raises(AccessDenied):
        team.update_action(2, title="Pas à nous")
    with pytest.raises(AccessDenied):
        team.delete_action(2)
    with pytest.raises(AccessDenied):
        team.add_action(assessment_id=2, title="Pas à nous")
    assert world.store.dump() == before
    assert list(team.actions()["id"]) == [1]


def test_moving_a_project_out_of_the_territories_is_refused(world):
    scoped = ScopedStore(world.store, actor_of("animateur"))
    before = world.store.dump()
    with pytest.raises(AccessDenied):
        scoped.update_project(1, territory_id=2)
    assert world.store.dump() == before


def test_database_path_and_raw_store_are_not_reachable(world):
    with pytest.raises(AccessDenied):
        ScopedStore(world.store, actor_of("animateur")).path
    with pytest.raises(AttributeError, match="n'est pas disponible"):
        ScopedStore(world.store, actor_of("animateur")).conn
    assert ScopedStore(world.store, actor_of("local")).path == world.store.path


def test_a_funder_of_a_programme_sees_its_projects_only(world):
    funder = Actor.financeur(programmes=["region"])
    assert list(ScopedStore(world.store, funder).portfolio_projects()["id"]) == [2]


# --- consent -----------------------------------------------------------------------------------

REPORT = {
    "grid": "cooperation",
    "overall": {"score": 1.8, "band": "fragile"},
    "completeness": 0.75,
    "stages": [{"id": "S01", "score": 1.5, "band": "fragile", "completeness": 1.0,
                "target": 2.0, "gap": 0.5, "basis": "criteria"},
               {"id": "S02", "score": 2.1, "band": "solide", "completeness": 0.5,
                "target": None, "gap": None, "basis": "criteria"}],
    "criteria": [{"id": "S01.V01", "median": 1.0, "mean": 1.2, "min": 0, "max": 3, "n": 4,
                  "agreement": 0.4, "hotspot": True}],
    "flags": [{"item": "S01.V01", "stage": "S01", "value": 1.0, "reason": "point critique"}],
    "recommendations": [{"rank": 1, "stage": "S01", "method": "S01.M01", "because": ["S01.V01"],
                         "priority": 0.9}],
}
PLAN = [{"id": 7, "method": None, "title": "Réunir le comité", "status": "todo",
         "due_date": "2026-06-30", "owner": "Alice", "because": "S01.V01"}]
TEXTS = {"S01.V01": "Les élus portent le projet"}

SYNTHESE = {"consent": "synthese", "overall": {"score": 1.8, "band": "fragile"},
            "completeness": 0.75, "n_critical": 1}
ETAPES = {**SYNTHESE, "consent": "etapes",
          "stages": [{"id": "S01", "score": 1.5, "band": "fragile", "completeness": 1.0},
                     {"id": "S02", "score": 2.1, "band": "solide", "completeness": 0.5}],
          "critical": [{"item": "S01.V01", "stage": "S01", "text": "Les élus portent le projet",
                        "reason": "point critique"}]}
DETAIL = {**ETAPES, "consent": "detail", "criteria": [{"id": "S01.V01", "median": 1.0}],
          "plan": [{"method": None, "title": "Réunir le comité", "status": "todo",
                    "due_date": "2026-06-30"}]}


@pytest.mark.parametrize("consent, golden", [("synthese", SYNTHESE), ("etapes", ETAPES),
                                             ("detail", DETAIL)])
def test_shared_report_golden(consent, golden):
    assert access.shared_report(REPORT, consent, texts=TEXTS, plan=PLAN) == golden


def test_unknown_consent_is_refused():
    with pytest.raises(StoreError, match="Niveau de partage « tout »"):
        access.shared_report(REPORT, "tout")


def test_funder_report_follows_the_projects_consent(world):
    funder = ScopedStore(world.store, actor_of("financeur"))
    assert set(funder.report(1)) == set(SYNTHESE)
    ScopedStore(world.store, actor_of("animateur")).set_consent(1, "detail")
    shared = funder.report(1)
    assert set(shared) == set(DETAIL)
    text = json.dumps(shared, ensure_ascii=False)
    assert "Alice" not in text and "commentaire privé" not in text
    assert shared["plan"] == [{"method": None, "title": "Agir dedans",
                               "status": next(iter(action_statuses())), "due_date": None}]
    with pytest.raises(AccessDenied):
        funder.report(2)
    # the team reads its whole report
    assert "recommendations" in ScopedStore(world.store, actor_of("equipe")).report(1)


def test_funders_cannot_change_consent(world):
    before = world.store.dump()
    with pytest.raises(AccessDenied):
        ScopedStore(world.store, actor_of("financeur")).set_consent(1, "detail")
    assert world.store.dump() == before
    assert access.consent_of(world.store, 1) == "synthese"


# --- grants and sign-in ------------------------------------------------------------------------


def test_sign_in_without_grant_gives_no_access_but_is_recorded(world):
    assert access.actor_for(world.store, "https://idp", "sub-1", "Inconnu@Exemple.fr",
                            "Inconnu") is None
    assert access.users(world.store)[0]["email"] == "inconnu@exemple.fr"
    row = audit.entries(world.store, action="sign_in").iloc[0]
    assert row["actor"] == "inconnu@exemple.fr" and json.loads(row["new"]) == {"roles": []}


def test_grants_by_email_before_first_sign_in(world):
    access.grant(world.store, "Anim@Exemple.fr", "animateur", "territory", 1)
    access.grant(world.store, "anim@exemple.fr", "animateur", "territory", 2)
    access.grant(world.store, "anim@exemple.fr", "financeur", "programme", "leader")
    actor = access.actor_for(world.store, "https://idp", "sub-2", "anim@exemple.fr", "Anne")
    assert actor.kind == "animateur" and actor.name == "Anne"
    assert actor.union("territories") == {1, 2} and actor.union("programmes") == {"leader"}
    assert len(access.users(world.store)) == 1
    access.actor_for(world.store, "https://idp", "sub-2", "anim@exemple.fr", "Anne")
    assert len(access.users(world.store)) == 1
    assert access.revoke(world.store, "anim@exemple.fr", "animateur") == 2
    actor = access.actor_for(world.store, "https://idp", "sub-2", "anim@exemple.fr", "Anne")
    assert actor.kind == "financeur"
    access.revoke(world.store, "anim@exemple.fr")
    assert access.actor_for(world.store, "https://idp", "sub-2", "anim@exemple.fr", "A") is None


def test_a_team_member_answers_as_the_row_carrying_their_email(world):
    access.grant(world.store, "bruno@exemple.fr", "equipe", "project", 1)
    anim = ScopedStore(world.store, actor_of("animateur"))
    with pytest.raises(StoreError, match="Adresse électronique"):
        anim.set_respondent_email(2, "bruno")
    with pytest.raises(AccessDenied):
        anim.set_respondent_email(3, "bruno@exemple.fr")
    anim.set_respondent_email(2, "Bruno@Exemple.fr")
    bruno = access.actor_for(world.store, "https://idp", "sub-b", "bruno@exemple.fr", "Bruno")
    assert bruno.roles[0].respondents == {2}
    team = ScopedStore(world.store, bruno)
    team.save_answer(1, 2, ITEM, "3")
    with pytest.raises(AccessDenied):
        team.save_answer(1, 1, ITEM, "3")


def test_a_role_revoked_mid_session_is_gone_at_once(world):
    access.grant(world.store, "e@exemple.fr", "equipe", "project", 1)
    actor = access.actor_for(world.store, "https://idp", "sub-e", "e@exemple.fr", "E")
    assert access.refreshed(world.store, actor) == actor
    access.revoke(world.store, "e@exemple.fr")
    assert access.refreshed(world.store, actor) is None
    assert access.refreshed(world.store, Actor.local()) == Actor.local()


def test_same_grant_twice_is_one_grant(world):
    first = access.grant(world.store, "e@exemple.fr", "equipe", "project", 1)
    assert access.grant(world.store, "e@exemple.fr", "equipe", "project", 1) == first
    assert len(access.grants(world.store)) == 1


@pytest.mark.parametrize("email, role, kind, scope, message", [
    ("pas-une-adresse", "admin", "all", None, "Adresse électronique"),
    ("a@exemple.fr", "chef", "all", None, "Rôle « chef » inconnu"),
    ("a@exemple.fr", "animateur", "all", None, "demande un périmètre"),
    ("a@exemple.fr", "equipe", "territory", 1, "demande un périmètre"),
    ("a@exemple.fr", "animateur", "territory", 99, "Territoire n° 99 introuvable"),
    ("a@exemple.fr", "financeur", "programme", "feder", "Programme « feder » inconnu"),
])
def test_bad_grants_are_refused_and_change_nothing(world, email, role, kind, scope, message):
    before = world.store.dump()
    with pytest.raises((StoreError, NotFoundError), match=message):
        access.grant(world.store, email, role, kind, scope)
    assert world.store.dump() == before


def test_an_animateur_grants_within_territories_only_and_never_admin(world):
    anim = actor_of("animateur")
    access.grant(world.store, "eq@exemple.fr", "equipe", "project", 1, by=anim)
    before = world.store.dump()
    for args in (("equipe", "project", 2), ("animateur", "territory", 2), ("admin", "all", None),
                 ("financeur", "programme", "leader")):
        with pytest.raises(AccessDenied):
            access.grant(world.store, "x@exemple.fr", *args, by=anim)
    with pytest.raises(AccessDenied):
        access.grant(world.store, "x@exemple.fr", "equipe", "project", 1,
                     by=actor_of("local"))
    assert world.store.dump() == before
    assert [g["email"] for g in ScopedStore(world.store, anim).grants()] == ["eq@exemple.fr"]


# --- audit -------------------------------------------------------------------------------------


def test_audit_log_is_append_only(world):
    audit.record(world.store, Actor.admin("a@exemple.fr"), "backup", "database")
    for statement in ("UPDATE audit SET actor = 'personne'", "DELETE FROM audit"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            world.store.conn.execute(statement)
    assert audit.entries(world.store)["actor"].tolist() == ["a@exemple.fr"]


def _value(cell):
    return json.loads(cell) if isinstance(cell, str) else None


def test_answers_are_audited_old_to_new_and_failed_writes_leave_no_row(world):
    scoped = ScopedStore(world.store, actor_of("respondent"))
    scoped.save_answer(1, 1, ITEM, "2")
    scoped.save_answer(1, 1, ITEM, "2")  # unchanged: no new row
    scoped.delete_answer(1, 1, ITEM)
    rows = audit.entries(world.store, action="answers.write")
    assert [(_value(o), _value(n)) for o, n in zip(rows["old"], rows["new"])][::-1] == [
        ("1", "2"), ("2", None)]
    assert set(rows["actor"]) == {"lien|1"} and set(rows["object"]) == {"answer:1/1/S01.V01"}
    count = _audit_count(world.store)
    with pytest.raises(StoreError):
        scoped.save_answer(1, 1, ITEM, "9")
    assert _audit_count(world.store) == count


def test_consensus_deletions_and_access_changes_are_audited(world):
    scoped = ScopedStore(world.store, actor_of("animateur"))
    scoped.set_agreed(1, ITEM, "2")
    scoped.set_agreed(1, ITEM, "3")
    scoped.clear_agreed(1, ITEM)
    scoped.delete_respondent(2)
    access.grant(world.store, "x@exemple.fr", "equipe", "project", 1, by=scoped.actor)
    log = audit.entries(world.store)
    assert [(a, o) for a, o in zip(log["action"], log["object"])][::-1] == [
        ("consensus.write", "agreed:1/S01.V01"), ("consensus.write", "agreed:1/S01.V01"),
        ("consensus.write", "agreed:1/S01.V01"), ("respondent.manage", "respondent:2"),
        ("accounts.manage", "grant:1")]
    assert set(log["actor"]) == {"anim@exemple.fr"}
    csv = ScopedStore(world.store, actor_of("admin")).audit_csv().decode("utf-8-sig")
    # French spreadsheets open it as columns: « ; » between them (exchange.csv_bytes)
    assert csv.splitlines()[0] == "id;at;actor_kind;actor;action;object;old;new"
    assert "respondent:2" in csv and "Bruno" in csv
    with pytest.raises(AccessDenied):
        scoped.audit_csv()


# --- command line ------------------------------------------------------------------------------


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["access", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_grant_list_revoke(world, capsys):
    db = str(world.store.path)
    code, out, _ = run_cli(capsys, "grant", "Anim@Exemple.fr", "animateur", "--territory", "1",
                           "--db", db)
    assert code == 0 and out == "Accès accordé à anim@exemple.fr : animateur (territory 1), n° 1.\n"
    assert run_cli(capsys, "grant", "admin@exemple.fr", "admin", "--db", db)[0] == 0
    assert run_cli(capsys, "grant", "fin@exemple.fr", "financeur", "--programme", "leader",
                   "--db", db)[0] == 0
    code, out, _ = run_cli(capsys, "list", "--db", db)
    assert [line.split("\t")[1:4] for line in out.splitlines()] == [
        ["anim@exemple.fr", "animateur", "territory 1"], ["admin@exemple.fr", "admin", "tout"],
        ["fin@exemple.fr", "financeur", "programme leader"]]
    code, out, _ = run_cli(capsys, "revoke", "anim@exemple.fr", "--db", db)
    assert code == 0 and out == "1 accès retiré pour anim@exemple.fr.\n"
    assert "anim@exemple.fr" not in run_cli(capsys, "list", "--db", db)[1]
    assert "retiré le" in run_cli(capsys, "list", "--all", "--db", db)[1]
    assert access.grants(world.store)[0]["granted_by"] == "cli|ligne de commande"


@pytest.mark.parametrize("args, message", [
    (("grant", "a@exemple.fr", "chef"), "Rôle « chef » inconnu"),
    (("grant", "a@exemple.fr", "animateur"), "demande un périmètre"),
    (("grant", "a@exemple.fr", "equipe", "--project", "99"), "Projet n° 99 introuvable"),
    (("grant", "a@exemple.fr", "equipe", "--project", "un"), "invalid int value"),
    (("grant", "a@exemple.fr", "financeur", "--programme", "feder"), "Programme « feder »"),
    (("revoke", "personne@exemple.fr"), "Aucun accès actif"),
    (("revoke", "a@exemple.fr", "chef"), "Rôle « chef » inconnu"),
])
def test_cli_bad_input_exits_2_in_french(world, capsys, args, message):
    before = world.store.dump()
    with pytest.raises(SystemExit) if "un" in args else _no_exit() as caught:
        code, out, err = run_cli(capsys, *args, "--db", str(world.store.path))
    if "un" in args:
        assert caught.value.code == 2
        err = capsys.readouterr().err
    else:
        assert code == 2 and out == ""
    assert message in err and "Traceback" not in err
    assert world.store.dump() == before


class _no_exit:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# --- what the app's pages ask of the scoped store ----------------------------------------------


def test_personal_links_are_managed_within_scope_and_audited_without_token(world):
    scoped = ScopedStore(world.store, Actor.animateur([1], email="anim@exemple.fr"))
    issued = scoped.issue_link(world.respondent["in"], "http://localhost:8501")
    with pytest.raises(AccessDenied):
        scoped.issue_link(world.respondent["out"], "http://localhost:8501")
    with pytest.raises(AccessDenied):
        scoped.followup(world.assessment["out"])
    assert list(scoped.followup(world.assessment["in"])["respondent"]) == [1, 2]
    logged = audit.entries(world.store, action="respondent.manage")
    assert list(logged["object"]) == [f"respondent:{world.respondent['in']}"]
    assert issued.token not in logged.to_csv()
    team = ScopedStore(world.store, actor_of("equipe"))
    with pytest.raises(AccessDenied):
        team.revoke_link(world.respondent["in"])


def test_a_respondent_reads_their_own_progress_only(world):
    scoped = ScopedStore(world.store, Actor.respondent(1, 1))
    assert scoped.respondent_progress(1, 1)[0] == 1
    with pytest.raises(AccessDenied):
        scoped.respondent_progress(1, world.other_respondent)
    assert scoped.project_of(1).name == "Projet dedans"
    with pytest.raises(AccessDenied):
        scoped.project_of(world.assessment["out"])


def test_a_funder_names_in_comparisons_only_projects_sharing_their_stages(world):
    funder = ScopedStore(world.store, Actor.financeur(projects=[1, 2], email="fin@exemple.fr"))
    assert funder.compare_projects().empty  # both share their summary only (the default)
    assert list(funder.compare_withheld()["id"]) == [1, 2]  # said left out, never scored
    ScopedStore(world.store, Actor.admin()).set_consent(2, "etapes")
    assert list(funder.compare_projects()["id"]) == [2]
    assert list(funder.compare_withheld()["id"]) == [1]
    team = ScopedStore(world.store, actor_of("equipe"))
    assert list(team.compare_projects()["id"]) == [1]  # their own project, whatever its consent
    assert team.compare_withheld().empty


def test_a_portfolio_row_at_synthese_keeps_its_summary_only(world):
    import pandas as pd

    table = pd.DataFrame({"project": [1, 2], "score": [40.0, 70.0], "band": ["b", "c"],
                          "n_flags": [2, 1], "flags": ["« a » ; « b »", "« c »"],
                          "risk": ["deux points", "un point"], "mean_gap": [12.0, 3.0],
                          "n_upcoming": [1, 2]})
    ScopedStore(world.store, Actor.admin()).set_consent(2, "detail")
    funder = ScopedStore(world.store, Actor.financeur(projects=[1, 2], email="fin@exemple.fr"))
    shared = funder.shared_portfolio(table).set_index("project")
    assert shared.loc[1, "n_flags"] == 2 and shared.loc[1, "score"] == 40.0
    assert shared.loc[1, "flags"] is None and pd.isna(shared.loc[1, "mean_gap"])
    assert shared.loc[1, "risk"].startswith("détail non partagé")
    assert shared.loc[2, "flags"] == "« c »" and shared.loc[2, "mean_gap"] == 3.0
    animation = ScopedStore(world.store, Actor.animateur([1, 2]))
    assert animation.shared_portfolio(table).equals(table)  # they work on both: whole


def test_a_programmes_profile_is_set_by_its_funder_admin_and_poste_only(world):
    """The profile of a call is the funder's: granted the programme, they set it (audited);
    a funder of a list of projects, even one of that programme, and the animation do not."""
    before = world.store.dump()
    for actor in (Actor.animateur([1]), Actor.financeur(projects=[1]),
                  Actor.financeur(programmes=["region"]), Actor.equipe(1)):
        with pytest.raises(AccessDenied, match="fixer le profil de cibles de ce programme"):
            ScopedStore(world.store, actor).set_programme_profile("leader", "appel_cooperation")
    assert world.store.dump() == before
    funder = Actor.financeur(programmes=["leader"], email="appel@region.fr")
    ScopedStore(world.store, funder).set_programme_profile("leader", "appel_cooperation")
    assert world.store.programme_profiles() == {"leader": "appel_cooperation"}
    ScopedStore(world.store, Actor.local()).set_programme_profile("leader", None)
    assert world.store.programme_profiles() == {}
    logged = audit.entries(world.store, action="programme.profile").iloc[::-1]
    assert list(zip(logged["actor"], logged["actor_kind"], logged["object"],
                    logged["old"].fillna("—"), logged["new"].fillna("—"))) == [
        ("appel@region.fr", "financeur", "programme:leader", "—", '"appel_cooperation"'),
        ("poste|poste", "local", "programme:leader", '"appel_cooperation"', "—")]


def test_portfolio_and_fiche_downloads_keep_to_the_portfolio_and_are_audited(demo_db):
    from coopscore import report
    from coopscore.errors import AccessDenied

    with open_store(demo_db) as db:
        table, grid = report.portfolio_table_for(db)
        programme = table["programme"].iloc[0]
        theirs = table[table["programme"] == programme]
        others = table[table["programme"] != programme]
        assert not theirs.empty and not others.empty
        funder = ScopedStore(db, Actor.financeur(programmes=[programme],
                                                 email="fin@exemple.fr"))
        text = funder.portfolio_export(table, "csv").decode("utf-8-sig")
        assert all(name in text for name in theirs["name"])
        assert not any(name in text for name in others["name"])
        assert funder.portfolio_export(table, "xlsx")[:2] == b"PK"
        funder.portfolio_pdf(table, grid)
        scored = theirs[theirs["score"].notna()]
        funder.fiche_pdf(int(scored["assessment"].iloc[0]))
        before = len(audit.entries(db))
        with pytest.raises(AccessDenied):
            funder.fiche_pdf(int(others["assessment"].iloc[0]))
        assert len(audit.entries(db)) == before  # refused: nothing written
        rows = audit.entries(db, action="export", actor="fin@exemple.fr").iloc[::-1]
        assert list(rows["object"]) == ["portfolio", "portfolio", "portfolio",
                                        f"assessment:{int(scored['assessment'].iloc[0])}"]
        kept = sorted(int(p) for p in theirs["project"])
        news = [json.loads(value) for value in rows["new"]]
        assert [(n["document"], n["format"]) for n in news] == [
            ("portfolio", "csv"), ("portfolio", "xlsx"), ("portfolio_report", "pdf"),
            ("fiche", "pdf")]
        assert all(n["projects"] == kept for n in news[:3])
