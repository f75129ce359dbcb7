"""Écarts et recommandations: gaps ranked, weak points, methods and why, the action plan."""

from __future__ import annotations

import pytest

from coopscore.gaps import gap_ranking, stage_table
from coopscore.results import score_assessments
from coopscore.store import open_store

from .conftest import app_test, shown_after
from .test_page_results import new_assessment

PAGE = "views/gaps.py"
ADD = "Ajouter au plan d'action"
IN_PLAN = "Déjà dans le plan d'action"


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def _find(demo_db, grid_id: str, wanted):
    """The first assessment of a grid (by id) whose stage table satisfies `wanted`."""
    with open_store(demo_db) as db:
        results = score_assessments(db)[(grid_id, "1.0")]
        for assessment_id in sorted(int(a) for a in results.scores.overall["assessment"]):
            table = stage_table(results.one("stages", assessment_id), results.grid)
            recommendations = results.recommendations_for(assessment_id)
            if wanted(table, recommendations):
                assessment = db.assessment(assessment_id)
                return assessment, table, recommendations, results.grid
    raise AssertionError(f"no demo assessment of {grid_id} fits")


@pytest.fixture
def with_gaps(demo_db):
    """A cooperation assessment with several stages below target and methods to recommend."""
    return _find(demo_db, "cooperation",
                 lambda table, recs: len(gap_ranking(table)) >= 3 and len(recs) >= 3)


def test_without_a_project_the_page_says_what_to_do():
    at = app_test(PAGE)
    assert not at.exception
    assert at.title[0].value == "Écarts et recommandations"
    assert "Choisissez un projet" in at.info[0].value
    assert not at.get("plotly_chart") and not at.button


def test_gaps_are_ranked_then_each_stage_shows_weak_points_and_methods(with_gaps):
    assessment, table, recommendations, grid = with_gaps
    at = app_test(PAGE, project_id=assessment.project_id, assessment_id=assessment.id)
    assert not at.exception
    assert [s.value for s in at.subheader] == ["Écarts à la cible", "Étapes à travailler"]
    assert len(at.get("plotly_chart")) == 1
    ranking = gap_ranking(table)
    expanders = [e.label for e in at.expander if e.label != "Voir les données"]
    assert len(expanders) == len(ranking)
    assert len(at.table) == 1  # the chart's numbers, as a table
    largest = grid.section(ranking["section_id"].iloc[0])
    assert expanders[0] == (f"Étape {largest.number} — {largest.title} · "
                            f"écart de {ranking['gap'].iloc[0]:.0f} points")
    text = _markdown(at)
    assert "##### Points de vigilance à renforcer" in text
    assert "##### Méthodes et outils associés : ce que la grille recommande" in text
    first = recommendations.iloc[0]
    method = grid.item(first["method"])
    assert f"**{method.text}**" in text
    for criterion in first["because"]:
        assert grid.item(criterion).text in text
    for child in method.children:
        assert child.text in text
    adds = [b for b in at.button if b.label == ADD]
    assert len(adds) + len([b for b in at.button if b.label == IN_PLAN]) == len(recommendations)


def test_adding_a_recommended_method_puts_it_in_the_action_plan(demo_db, with_gaps):
    assessment, _, recommendations, grid = with_gaps
    with open_store(demo_db) as db:
        planned = set(db.actions(assessment_id=assessment.id)["method"].dropna())
    method_id = next(m for m in recommendations["method"] if m not in planned)
    method = grid.item(method_id)
    at = app_test(PAGE, project_id=assessment.project_id, assessment_id=assessment.id)
    at.button(key=f"add_{assessment.id}_{method_id}").click().run()
    assert not at.exception
    added_message = f"« {method.text} » est ajouté au plan d'action."
    assert [s.value for s in at.success] == [added_message], "said once"
    # under the button, far down the page where the eye is (the button now says it is there)
    assert shown_after(at, f"in_plan_{assessment.id}_{method_id}").value == added_message
    with open_store(demo_db) as db:
        actions = db.actions(assessment_id=assessment.id)
    added = actions[actions["method"] == method_id]
    assert len(added) == 1
    because = added["because"].iloc[0]
    first_reason = recommendations.set_index("method").loc[method_id, "because"]
    assert all(grid.item(c).text in because for c in first_reason)
    # the button is now a disabled « already in the plan »: the method cannot be added twice
    done = at.button(key=f"in_plan_{assessment.id}_{method_id}")
    assert done.label == IN_PLAN and done.disabled
    assert f"add_{assessment.id}_{method_id}" not in [b.key for b in at.button]

    at.switch_page("views/plan.py").run()
    assert not at.exception
    (plan,) = at.dataframe
    assert method.text in list(plan.value["action"])


def test_a_method_already_in_the_plan_is_not_offered_again(demo_db, with_gaps):
    assessment, _, recommendations, _ = with_gaps
    method_id = recommendations["method"].iloc[0]
    with open_store(demo_db) as db:
        if method_id not in set(db.actions(assessment_id=assessment.id)["method"].dropna()):
            db.add_action(assessment_id=assessment.id, method=method_id)
        before = len(db.actions(assessment_id=assessment.id))
    at = app_test(PAGE, project_id=assessment.project_id, assessment_id=assessment.id)
    assert not at.exception
    assert at.button(key=f"in_plan_{assessment.id}_{method_id}").disabled
    with open_store(demo_db) as db:
        assert len(db.actions(assessment_id=assessment.id)) == before


def test_dialogue_levers_are_the_recommendations_and_go_to_the_plan_as_titles(demo_db):
    assessment, table, recommendations, grid = _find(
        demo_db, "dialogue", lambda table, recs: not gap_ranking(table).empty and len(recs) > 0)
    at = app_test(PAGE, project_id=assessment.project_id, assessment_id=assessment.id)
    assert not at.exception
    assert [s.value for s in at.subheader] == ["Écarts à la cible", "Axes à travailler"]
    text = _markdown(at)
    assert "##### Leviers à travailler" in text
    assert "ce que la grille recommande" not in text
    lever = grid.item(recommendations["method"].iloc[0])
    assert f"**{lever.text}**" in text
    at.button(key=f"add_{assessment.id}_{lever.id}").click().run()
    assert not at.exception
    with open_store(demo_db) as db:
        actions = db.actions(assessment_id=assessment.id)
    added = actions[actions["title"] == lever.text]
    assert len(added) == 1 and added["method"].isna().all()
    section = grid.section(lever.section_id)
    expected = f"Levier à renforcer — Axe {section.number} : {section.title}"
    assert added["because"].iloc[0] == expected
    assert at.button(key=f"in_plan_{assessment.id}_{lever.id}").disabled


def test_without_gap_the_page_says_so_and_points_to_the_next_phase(demo_db):
    def no_gap_before_last_phase(table, recommendations):
        return table["target"].notna().any() and gap_ranking(table).empty \
            and table["target"].isna().any()

    assessment, table, _, grid = _find(demo_db, "cooperation", no_gap_before_last_phase)
    at = app_test(PAGE, project_id=assessment.project_id, assessment_id=assessment.id)
    assert not at.exception
    assert "Aucun écart à la cible" in at.success[0].value
    assert not at.get("plotly_chart") and not at.button
    following = [p for p in grid.phases][[p.id for p in grid.phases].index(assessment.phase) + 1]
    text = _markdown(at)
    assert f"Pour la suite, la phase « {following.title} »" in text
    for section_id in following.sections:
        section = grid.section(section_id)
        assert f"**{section.number}. {section.title}**" in text


def test_without_phase_or_profile_gaps_use_the_point_appui_threshold_and_offer_methods():
    project_id, assessment_id = new_assessment(phase=None, answers={"S01.V01": "0"})
    at = app_test(PAGE, project_id=project_id, assessment_id=assessment_id)
    assert not at.exception
    assert any("Ni phase ni profil" in i.value and "« Point d'appui » (75)" in i.value
               for i in at.info)
    assert any(e.label.startswith("Étape 1 ") and "écart de 75 points" in e.label
               for e in at.expander)
    adds = [b for b in at.button if b.label == ADD]
    assert adds, "the weak stage's methods are offered"
    adds[0].click().run()
    assert not at.exception
    with open_store(__import__("os").environ["COOPSCORE_DB"]) as db:
        assert len(db.actions(assessment_id=assessment_id)) == 1


def test_a_failed_addition_is_a_french_message_and_adds_nothing(demo_db, with_gaps):
    assessment, _, recommendations, _ = with_gaps
    with open_store(demo_db) as db:
        planned = set(db.actions(assessment_id=assessment.id)["method"].dropna())
    method_id = next(m for m in recommendations["method"] if m not in planned)
    at = app_test(PAGE, project_id=assessment.project_id, assessment_id=assessment.id)
    with open_store(demo_db) as db:
        db.delete_project(assessment.project_id)  # someone else removed the project meanwhile
    at.button(key=f"add_{assessment.id}_{method_id}").click().run()
    assert not at.exception
    assert at.error, "the store's French message is shown, where the page now stops"
    assert "Choisissez un projet" in at.info[0].value
    with open_store(demo_db) as db:
        assert db.actions(assessment_id=assessment.id).empty


def test_no_gap_yet_with_expected_stages_unanswered_says_what_to_complete():
    project_id, assessment_id = new_assessment(phase="emergence", answers={"S01.V01": "3"})
    at = app_test(PAGE, project_id=project_id, assessment_id=assessment_id)
    assert not at.exception
    assert "Aucun écart à la cible sur les étapes déjà évaluées" in at.success[0].value
    assert "Bravo" not in at.success[0].value
    unanswered = next(i.value for i in at.info if "aucun niveau pour" in i.value)
    assert "2. Lever les freins…" in unanswered
    assert "1. Identifier" not in unanswered


def test_a_refused_addition_is_said_under_its_button_and_adds_nothing(demo_db, with_gaps,
                                                                      monkeypatch):
    from coopscore.access import ScopedStore
    from coopscore.errors import StoreError

    def refused(self, **fields):
        raise StoreError("La base est occupée : réessayez dans un instant.")

    assessment, _, recommendations, _ = with_gaps
    with open_store(demo_db) as db:
        before = db.actions(assessment_id=assessment.id)
    method_id = next(m for m in recommendations["method"]
                     if m not in set(before["method"].dropna()))
    at = app_test(PAGE, project_id=assessment.project_id, assessment_id=assessment.id)
    monkeypatch.setattr(ScopedStore, "add_action", refused)
    at.button(key=f"add_{assessment.id}_{method_id}").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["La base est occupée : réessayez dans un instant."]
    assert shown_after(at, f"add_{assessment.id}_{method_id}").value == at.error[0].value
    with open_store(demo_db) as db:
        assert len(db.actions(assessment_id=assessment.id)) == len(before)
    at.run()
    assert not at.error, "said once"
