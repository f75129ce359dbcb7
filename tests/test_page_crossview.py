"""Regards croisés: the team's views side by side, its disagreements, and a consensus mode."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from coopscore import agreement
from coopscore.results import assessment_results
from coopscore.store import open_store

from .conftest import app_test, page_order, shown_after

PAGE = "views/crossview.py"
HEADINGS = ["Qui voit quoi, étape par étape", "Par fonction", "Points de désaccord",
            "Répartition des réponses", "Mode consensus", "Valeurs retenues"]


@pytest.fixture
def db(demo_db):
    with open_store(demo_db) as database:
        yield database


def _hotspots(db, assessment_id: int) -> pd.DataFrame:
    results = assessment_results(db, assessment_id)
    return agreement.hotspots(results.scores.criteria, db.agreed(assessment_id), assessment_id)


def _assessment(db, *, status: str, open_hotspots: bool = False, agreed: bool = False) -> dict:
    """A demo assessment of that status with at least two respondents (and what is asked)."""
    for row in db.assessments().itertuples():
        if row.status != status or row.n_respondents < 2 or row.grid != "cooperation":
            continue
        spots = _hotspots(db, row.id)
        if open_hotspots and (~spots["resolved"]).sum() == 0:
            continue
        if agreed and db.agreed(row.id).empty:
            continue
        return {"project_id": int(row.project), "assessment_id": int(row.id)}
    raise AssertionError("the demo portfolio lacks such an assessment")


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _infos(at) -> str:
    return "\n".join(i.value for i in at.info)


def test_crossview_shows_each_view_the_hotspots_and_the_consensus_form(db):
    selection = _assessment(db, status="draft", open_hotspots=True)
    assessment_id = selection["assessment_id"]
    at = app_test(PAGE, **selection)
    assert not at.exception
    assert at.title[0].value == "Regards croisés"
    assert [s.value for s in at.subheader] == HEADINGS
    respondents = db.respondents(assessment_id)
    assert int(_metric(at, "Répondant·es")) == int((respondents["n_answers"] > 0).sum())
    spots = _hotspots(db, assessment_id)
    assert int(_metric(at, "Points de désaccord")) == len(spots)
    assert int(_metric(at, "Tranchés par consensus")) == int(spots["resolved"].sum())
    (listed,) = [d for d in at.dataframe if "agreement" in d.value.columns]
    assert (listed.value["agreement"] < 100).all()  # a listed disagreement never reads 100 %
    criteria = assessment_results(db, assessment_id).one("criteria", assessment_id)
    considered = criteria[criteria["n"] >= 3]
    share = 1 - len(spots) / len(considered)
    assert _metric(at, "Points en accord") == f"{int(share * 100 + 1e-9)}\u202f%"
    # heatmap, radar by role (wide, and numbered for a narrow page), spread of answers
    assert len(at.get("plotly_chart")) == 4
    table = at.dataframe[0].value
    assert len(table) == len(spots)
    assert table["item"].iloc[0].startswith(spots["item"].iloc[0] + " · ")
    assert all(s == "à discuter" or s.startswith("tranché : ") for s in table["status"])
    assert sum(s != "à discuter" for s in table["status"]) == int(spots["resolved"].sum())
    assert at.button(key=f"consensus_save_{assessment_id}")
    assert not at.info


def _agree(at, assessment_id: int, value: str, rationale: str) -> str:
    """In consensus mode, agree on the point offered first; return its id."""
    item = at.selectbox(key=f"consensus_item_{assessment_id}").value
    at.radio(key=f"consensus_value_{assessment_id}_{item}").set_value(value)
    at.text_area(key=f"consensus_rationale_{assessment_id}_{item}").input(rationale)
    at.button(key=f"consensus_save_{assessment_id}").click().run()
    return item


def test_setting_an_agreed_value_stores_it_keeps_the_answers_and_resolves_the_hotspot(db):
    selection = _assessment(db, status="draft", open_hotspots=True)
    assessment_id = selection["assessment_id"]
    answers_before = db.answers(assessment_id)
    open_items = set(_hotspots(db, assessment_id).query("not resolved")["item"])
    at = app_test(PAGE, **selection)
    resolved_before = int(_metric(at, "Tranchés par consensus"))

    item = _agree(at, assessment_id, "3", "Le comité de pilotage a validé la convention en mars.")

    assert not at.exception
    assert item in open_items
    stored = db.agreed(assessment_id).set_index("item")
    assert stored.loc[item, "value"] == "3"
    assert stored.loc[item, "rationale"] == "Le comité de pilotage a validé la convention en mars."
    pd.testing.assert_frame_equal(db.answers(assessment_id), answers_before)
    assert any(f"Valeur retenue pour {item}" in s.value for s in at.success)
    assert shown_after(at, f"consensus_save_{assessment_id}").value.startswith(
        f"Valeur retenue pour {item}"), "said under the form, not at the top of the page"
    assert int(_metric(at, "Tranchés par consensus")) == resolved_before + 1
    table = at.dataframe[0].value.set_index("item")
    row = table.loc[[i for i in table.index if i.startswith(item + " · ")][0]]
    assert row["status"] == "tranché : 3 · Maîtrisé"
    assert row["value"] == "3"  # the team value is now the agreed level
    criteria = assessment_results(db, assessment_id).one("criteria", assessment_id)
    assert criteria.set_index("item").loc[item, "value"] == 3.0
    assert any(item in m.value and "Valeur retenue : **3 · Maîtrisé**" in m.value
               for m in at.markdown)


def test_an_agreed_value_without_rationale_is_refused(db):
    selection = _assessment(db, status="draft", open_hotspots=True)
    assessment_id = selection["assessment_id"]
    before = db.agreed(assessment_id)
    at = app_test(PAGE, **selection)
    _agree(at, assessment_id, "2", "   ")
    assert not at.exception
    assert "La justification est obligatoire" in at.error[0].value
    assert shown_after(at, f"consensus_save_{assessment_id}").value == at.error[0].value
    pd.testing.assert_frame_equal(db.agreed(assessment_id), before)


def test_clearing_an_agreed_value_lets_the_median_count_again(db):
    selection = _assessment(db, status="draft", agreed=True)
    assessment_id = selection["assessment_id"]
    item = db.agreed(assessment_id)["item"].iloc[0]
    at = app_test(PAGE, **selection)
    at.button(key=f"clear_agreed_{assessment_id}_{item}").click().run()
    assert not at.exception
    assert item not in set(db.agreed(assessment_id)["item"])
    assert any(f"Valeur retenue retirée pour {item}" in s.value for s in at.success)
    order = [str(getattr(node, "value", "")) for node in page_order(at._tree)]
    heading = order.index("Valeurs retenues")
    assert order[heading + 1].startswith(f"Valeur retenue retirée pour {item}"), \
        "said where the point was, under the list's heading"
    criteria = assessment_results(db, assessment_id).one("criteria", assessment_id).set_index("item")
    assert criteria.loc[item, "value"] == criteria.loc[item, "median"]


def test_a_closed_assessment_shows_agreed_values_read_only(db):
    selection = _assessment(db, status="closed", agreed=True)
    assessment_id = selection["assessment_id"]
    at = app_test(PAGE, **selection)
    assert not at.exception
    assert "Cette évaluation est clôturée" in _infos(at)
    keys = {b.key for b in at.button}
    assert f"consensus_save_{assessment_id}" not in keys
    assert not any(str(k).startswith("clear_agreed_") for k in keys)
    item = db.agreed(assessment_id)["item"].iloc[0]
    assert any(item in m.value and "Valeur retenue" in m.value for m in at.markdown)
    assert len(at.get("plotly_chart")) == 4  # the radar by role drawn wide and numbered


def _small_assessment(respondents: list[tuple[str, str]], answered: int) -> dict:
    """In the test's empty database: one project, one assessment with these respondents,
    the first `answered` of whom answer two points."""
    with open_store(os.environ["COOPSCORE_DB"]) as database:
        territory = database.create_territory("Pays du Val de Test")
        project = database.create_project("Essai de regards", territory)
        assessment = database.create_assessment(project, "cooperation", "Diagnostic initial")
        for number, (name, role) in enumerate(respondents):
            person = database.add_respondent(assessment, name, role)
            if number < answered:
                database.save_answer(assessment, person, "S01.V01", "2")
                database.save_answer(assessment, person, "S01.V02", "1")
    return {"project_id": project, "assessment_id": assessment}


def test_one_respondent_is_not_enough_to_cross_views():
    selection = _small_assessment([("Alice", "elu"), ("Bruno", "technicien")], answered=1)
    at = app_test(PAGE, **selection)
    assert not at.exception
    assert "il faut au moins deux répondant·es pour croiser les regards" in _infos(at)
    assert at.main.get("page_link")[0].proto.page == "auto-evaluation"
    assert not at.get("plotly_chart") and not at.subheader


def test_an_assessment_without_answers_says_who_should_answer():
    selection = _small_assessment([("Alice", "elu")], answered=0)
    at = app_test(PAGE, **selection)
    assert not at.exception
    assert "Personne n'a encore répondu" in _infos(at)
    assert not at.get("plotly_chart")


def test_an_empty_database_points_to_the_self_assessment():
    at = app_test(PAGE)
    assert not at.exception
    assert "Choisissez un projet" in _infos(at)
    assert at.main.get("page_link")[0].proto.page == "auto-evaluation"
    assert not at.get("plotly_chart")


def test_an_agreed_value_needs_a_level(db):
    selection = _assessment(db, status="draft", open_hotspots=True)
    assessment_id = selection["assessment_id"]
    before = db.agreed(assessment_id)
    at = app_test(PAGE, **selection)
    at.text_area(key=f"consensus_rationale_{assessment_id}_"
                     f"{at.selectbox(key=f'consensus_item_{assessment_id}').value}").input("Accord.")
    at.button(key=f"consensus_save_{assessment_id}").click().run()
    assert not at.exception
    assert "Choisissez la valeur retenue" in at.error[0].value
    assert shown_after(at, f"consensus_save_{assessment_id}").value == at.error[0].value
    pd.testing.assert_frame_equal(db.agreed(assessment_id), before)


def test_a_dialogue_assessment_speaks_of_axes_and_levers(db):
    dialogue = db.assessments().query("grid == 'dialogue' and n_respondents >= 2").iloc[0]
    at = app_test(PAGE, project_id=int(dialogue["project"]), assessment_id=int(dialogue["id"]))
    assert not at.exception
    assert at.subheader[0].value == "Qui voit quoi, axe par axe"
    assert at.selectbox(key=f"spread_stage_{dialogue['id']}").label == "Axe"
    assert len(at.get("plotly_chart")) == 4  # the radar by role drawn wide and numbered


def _anonymous_campaign(path) -> dict:
    from coopscore.grid import load_grid

    grid = load_grid("cooperation")
    with open_store(path) as store:
        territory = store.create_territory("Pays Discret")
        project = store.create_project("Projet discret", territory, phase="mobilisation")
        assessment = store.create_assessment(project, "cooperation", "Anonyme", anonymous=True)
        people = [store.add_respondent(assessment, name, role) for name, role in
                  [("Zoé Secret", "elu"), ("Yann Caché", "elu"), ("Xavier Voilé", "elu"),
                   ("Wanda Seule", "partenaire")]]
        criteria = [i.id for s in grid.sections[:3] for i in s.criteria if not i.cte]
        for n, person in enumerate(people):
            for k, item in enumerate(criteria):
                store.save_answer(assessment, person, item, str((n + k) % 4),
                                  f"avis de {('Zoé', 'Yann', 'Xavier', 'Wanda')[n]}"
                                  if k == 0 else None)
    return {"project_id": project, "assessment_id": assessment}


def test_an_anonymous_assessment_shows_numbers_not_names_and_small_roles_not_apart(
        tmp_path, monkeypatch):
    import json

    path = tmp_path / "anonyme.db"
    monkeypatch.setenv("COOPSCORE_DB", str(path))
    selection = _anonymous_campaign(path)
    at = app_test(PAGE, **selection)
    assert not at.exception
    shown = "\n".join([*(m.value for m in at.markdown), *(c.value for c in at.caption),
                       *(json.dumps(json.loads(c.proto.spec), ensure_ascii=False)
                         for c in at.get("plotly_chart"))])
    assert "Répondant·e" in shown, "the charts' text is read as typed (no escapes)"
    for name in ("Zoé Secret", "Yann Caché", "Xavier Voilé", "Wanda Seule"):
        assert name not in shown, name
    assert "Répondant·e 1" in shown and "Répondant·e 4" in shown
    assert any("rôles de moins de 3 personnes ne sont pas montrés à part (partenaire)" in c.value
               for c in at.caption)
    # the role of the lone partner appears nowhere beside a person
    assert "Répondant·e 4 · partenaire" not in shown and "Répondant·e 1 · élu·e" in shown
