"""Plan d'action: the plan as a table, edited and saved or cancelled, free actions added."""

from __future__ import annotations

from coopscore.store import open_store

from .conftest import app_test, shown_after

PAGE = "views/plan.py"


def _project_with_actions(db):
    actions = db.actions()
    project_id = int(actions["project"].iloc[0])
    return project_id, db.actions(project_id=project_id)


def test_without_a_project_the_page_says_what_to_do():
    at = app_test(PAGE)
    assert not at.exception
    assert at.title[0].value == "Plan d'action"
    assert "Choisissez un projet" in at.info[0].value


def test_the_plan_lists_the_projects_actions_with_status_counts(demo_db):
    with open_store(demo_db) as db:
        project_id, actions = _project_with_actions(db)
    at = app_test(PAGE, project_id=project_id)
    assert not at.exception
    (editor,) = at.dataframe
    assert len(editor.value) == len(actions)
    metrics = {m.label: m.value for m in at.metric}
    assert sum(int(v) for v in metrics.values()) == len(actions)


def test_a_project_without_action_says_where_they_come_from(demo_db):
    with open_store(demo_db) as db:
        with_actions = set(db.actions()["project"])
        project_id = int(next(p for p in db.projects()["id"] if p not in with_actions))
    at = app_test(PAGE, project_id=project_id)
    assert not at.exception
    assert "Aucune action pour l'instant" in at.info[0].value


def test_a_free_action_is_added_to_the_plan(demo_db):
    with open_store(demo_db) as db:
        project_id = int(db.projects()["id"].iloc[0])
        before = len(db.actions(project_id=project_id))
    at = app_test(PAGE, project_id=project_id)
    form_inputs = [ti for ti in at.text_input]
    form_inputs[0].input("Organiser une visite croisée")
    form_inputs[1].input("Léa")
    next(b for b in at.button if b.label == "Ajouter au plan").click().run()
    assert not at.exception
    with open_store(demo_db) as db:
        actions = db.actions(project_id=project_id)
    assert len(actions) == before + 1
    assert "Organiser une visite croisée" in set(actions["title"])
    assert any("ajoutée au plan" in s.value for s in at.success)
    adding = next(b for b in at.button if b.label == "Ajouter au plan").key
    assert "ajoutée au plan" in shown_after(at, adding).value, "under the form, in its panel"


def test_a_free_action_without_title_is_refused(demo_db):
    with open_store(demo_db) as db:
        project_id = int(db.projects()["id"].iloc[0])
        before = len(db.actions(project_id=project_id))
    at = app_test(PAGE, project_id=project_id)
    next(b for b in at.button if b.label == "Ajouter au plan").click().run()
    assert not at.exception
    assert at.error
    adding = next(b for b in at.button if b.label == "Ajouter au plan").key
    assert shown_after(at, adding).value == at.error[0].value, "under the form, in its panel"
    with open_store(demo_db) as db:
        assert len(db.actions(project_id=project_id)) == before
