"""Répondre: what a personal link opens — one person's questionnaire, or a French refusal."""

from __future__ import annotations

import pytest

from coopscore import links
from coopscore.store import open_store

from .conftest import ROOT, place_of


def _campaign(path):
    with open_store(path) as db:
        territory = db.create_territory("Pays Secret")
        project = db.create_project("Projet confidentiel", territory, phase="emergence")
        assessment = db.create_assessment(project, "cooperation", "Diagnostic")
        other = db.create_project("Autre projet visible", territory)
        db.create_assessment(other, "cooperation", "Autre")
        issued = links.add_respondent_with_link(db, assessment, "Anne", "elu")
    return assessment, issued


def _open(token):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lien"] = token
    return at.run()


def _everything_shown(at) -> str:
    return " ".join(str(e.value) for kind in ("title", "markdown", "info", "warning", "error",
                                               "success", "caption") for e in getattr(at, kind))


@pytest.mark.parametrize("how", ["unknown", "revoked", "closed"])
def test_a_dead_link_shows_a_french_message_and_nothing_else(tmp_path, monkeypatch, how):
    path = tmp_path / "db.sqlite"
    monkeypatch.setenv("COOPSCORE_DB", str(path))
    assessment, issued = _campaign(path)
    with open_store(path) as db:
        if how == "revoked":
            links.revoke_link(db, issued.respondent_id)
        elif how == "closed":
            db.close_assessment(assessment)
    at = _open("faux-jeton" if how == "unknown" else issued.token)
    assert not at.exception
    expected = {"unknown": "aucun questionnaire", "revoked": "n'est plus valable",
                "closed": "est close"}[how]
    assert expected in at.warning[0].value
    shown = _everything_shown(at)
    assert "Projet confidentiel" not in shown and "Autre projet" not in shown
    assert not at.sidebar.selectbox and not at.selectbox and not at.button
    assert not at.radio and not at.text_input


def test_a_complete_questionnaire_ends_on_thanks_and_can_be_reviewed(tmp_path, monkeypatch):
    path = tmp_path / "db.sqlite"
    monkeypatch.setenv("COOPSCORE_DB", str(path))
    assessment, issued = _campaign(path)
    with open_store(path) as db:
        asked = links._asked_items(db, assessment)
        db.save_answers([{"assessment_id": assessment, "respondent_id": issued.respondent_id,
                          "item": item, "value": "na"} for item in asked])
    at = _open(issued.token)
    assert not at.exception
    assert "Vous répondez en tant que **Anne** (élu·e)" in at.info[0].value
    assert "Merci, Anne" in at.success[0].value
    assert "Projet confidentiel — Diagnostic" == at.title[0].value
    assert "Autre projet" not in _everything_shown(at)
    assert not at.sidebar.selectbox
    assert [b.label for b in at.button] == ["Revoir ou modifier mes réponses"]


def _complete(path, own_profile: bool):
    """Anne answers every point at the top, Bruno every point at the bottom."""
    assessment, anne = _campaign(path)
    with open_store(path) as db:
        db.set_show_own_profile(assessment, own_profile)
        bruno = links.add_respondent_with_link(db, assessment, "Bruno", "technicien")
        asked = links._asked_items(db, assessment)
        for person, level, method in ((anne, "3", "in_place"), (bruno, "0", "no")):
            db.save_answers([{"assessment_id": assessment, "respondent_id": person.respondent_id,
                              "item": item, "value": level if ".V" in item else method}
                             for item in asked])
    return assessment, anne, bruno


def test_the_thank_you_page_shows_no_profile_unless_the_assessment_allows_it(tmp_path,
                                                                             monkeypatch):
    path = tmp_path / "db.sqlite"
    monkeypatch.setenv("COOPSCORE_DB", str(path))
    _, anne, _ = _complete(path, own_profile=False)
    at = _open(anne.token)
    assert not at.exception
    assert "Merci, Anne" in at.success[0].value
    assert "Votre profil" not in [h.value for h in at.subheader]
    assert not at.get("plotly_chart") and not at.table


def test_the_thank_you_page_shows_the_persons_own_profile_from_their_answers_only(
        tmp_path, monkeypatch):
    path = tmp_path / "db.sqlite"
    monkeypatch.setenv("COOPSCORE_DB", str(path))
    _, anne, bruno = _complete(path, own_profile=True)
    at = _open(anne.token)
    assert not at.exception
    assert "Votre profil" in [h.value for h in at.subheader]
    assert "votre indice global est de **100 / 100**" in _everything_shown(at)
    assert len(at.get("plotly_chart")) >= 1
    own = at.table[-1].value
    assert list(own["Votre score"]) == ["100 / 100"] * 16, "Anne's answers, not the team's 50"
    assert "Bruno" not in _everything_shown(at)
    # Bruno's own page: his answers alone
    at = _open(bruno.token)
    assert list(at.table[-1].value["Votre score"]) == ["0 / 100"] * 16
    assert "votre indice global est de **0 / 100**" in _everything_shown(at)


def _labels(at) -> list[str]:
    return [b.label for b in at.button]


def test_j_ai_termine_ends_early_on_thanks_with_what_is_left_and_leads_back(tmp_path,
                                                                           monkeypatch):
    path = tmp_path / "db.sqlite"
    monkeypatch.setenv("COOPSCORE_DB", str(path))
    assessment, issued = _campaign(path)
    anne = issued.respondent_id
    with open_store(path) as db:
        asked = links._asked_items(db, assessment)
        db.save_answers([{"assessment_id": assessment, "respondent_id": anne, "item": item,
                          "value": "2"} for item in ("S01.V01", "S01.V02")])
        before = db.answers(assessment)
    left = len(asked) - 2
    at = _open(issued.token)
    assert not at.exception
    assert f"Il reste **{left} points** sans réponse" in _everything_shown(at)
    assert "le même lien vous ramènera à votre questionnaire" in _everything_shown(at)
    at.button(key=f"next_{assessment}_{anne}").click().run()  # on to stage 2, then stop there
    at.button(key="questionnaire_finish_button").click().run()
    assert not at.exception
    assert at.success[0].value == "Merci, Anne : vos réponses sont enregistrées."
    assert f"Il reste **{left} points** sans réponse" in _everything_shown(at)
    assert "revenir les compléter quand vous voulez avec le même lien" in _everything_shown(at)
    assert not at.radio and "J'ai terminé" not in _labels(at)
    assert "Votre profil" not in [h.value for h in at.subheader], "not allowed here"
    with open_store(path) as db:
        assert db.answers(assessment).equals(before), "finishing writes no answer"
    at.button(key="respond_review").click().run()
    assert not at.exception
    assert at.radio, "the questionnaire is back"
    assert any(h.value.startswith("Étape 2 — ") for h in at.subheader), "where Anne stopped"
    assert "J'ai terminé" in _labels(at)


def test_finishing_early_shows_the_own_profile_when_the_assessment_allows_it(tmp_path,
                                                                           monkeypatch):
    path = tmp_path / "db.sqlite"
    monkeypatch.setenv("COOPSCORE_DB", str(path))
    assessment, issued = _campaign(path)
    with open_store(path) as db:
        db.set_show_own_profile(assessment, True)
        db.save_answer(assessment, issued.respondent_id, "S01.V01", "3")
    at = _open(issued.token)
    at.button(key="questionnaire_finish_button").click().run()
    assert not at.exception
    assert "Merci, Anne" in at.success[0].value
    assert "Votre profil" in [h.value for h in at.subheader]
    assert len(at.get("plotly_chart")) >= 1


def test_the_last_point_left_is_said_in_the_singular(tmp_path, monkeypatch):
    path = tmp_path / "db.sqlite"
    monkeypatch.setenv("COOPSCORE_DB", str(path))
    assessment, issued = _campaign(path)
    with open_store(path) as db:
        asked = sorted(links._asked_items(db, assessment))
        db.save_answers([{"assessment_id": assessment, "respondent_id": issued.respondent_id,
                          "item": item, "value": "na"} for item in asked[1:]])
    at = _open(issued.token)
    assert "Il reste **1 point** sans réponse." in _everything_shown(at)
    at.button(key="questionnaire_finish_button").click().run()
    assert "Il reste **1 point** sans réponse. Vous pouvez fermer cette page et revenir le " \
           "compléter" in _everything_shown(at)


def test_the_team_questionnaire_has_no_finish_button(demo_db):
    from .conftest import app_test

    with open_store(demo_db) as db:
        project = int(db.projects()["id"].iloc[0])
        assessment = int(db.assessments(project)["id"].iloc[0])
        respondent = int(db.respondents(assessment)["id"].iloc[0])
    at = app_test("views/assess.py", project_id=project, assessment_id=assessment,
                  respondent_id=respondent)
    assert not at.exception
    assert at.button(key=f"next_{assessment}_{respondent}")
    assert "J'ai terminé" not in _labels(at)


def test_the_stage_buttons_stay_at_one_place_whatever_the_stage_draws(tmp_path, monkeypatch):
    """« Étape suivante » sits at the same place in the page before a stage is complete, once
    it is (its feedback shows), and just after a stage change (the scroll script is drawn).

    Streamlit replaces an element only at its own place: a button drawn elsewhere by the next
    run showed beside the old one until that run ended (a quick person, and the journey's
    click, found two « Étape suivante » buttons).
    """
    path = tmp_path / "db.sqlite"
    monkeypatch.setenv("COOPSCORE_DB", str(path))
    assessment, issued = _campaign(path)
    anne = issued.respondent_id
    with open_store(path) as db:
        stage = [item for item in links._asked_items(db, assessment) if item.startswith("S01.")]
        left = next(item for item in stage if ".V" in item)  # the one point left: a criterion
        db.save_answers([{"assessment_id": assessment, "respondent_id": anne, "item": item,
                          "value": "2" if ".V" in item else "in_place"}
                         for item in stage if item != left])
    previous, following = f"previous_{assessment}_{anne}", f"next_{assessment}_{anne}"
    at = _open(issued.token)
    assert not at.exception
    assert "1 point sans réponse dans cette étape" in _everything_shown(at)
    places = {"stage 1, one point left": (place_of(at._tree, following), None)}
    at.radio(key=f"value_{assessment}_{anne}_{left}").set_value("1").run()
    assert not at.exception
    assert any("Étape complète" in c.value for c in at.caption), "the stage's feedback shows"
    places["stage 1, complete"] = (place_of(at._tree, following), None)
    at.button(key=following).click().run()
    assert any(h.value.startswith("Étape 2 — ") for h in at.subheader)
    places["stage 2, just arrived"] = (place_of(at._tree, following), place_of(at._tree, previous))
    at.radio(key=f"value_{assessment}_{anne}_S02.V01").set_value("3").run()
    places["stage 2, one answer"] = (place_of(at._tree, following), place_of(at._tree, previous))
    with open_store(path) as db:
        mine = db.answers(assessment)
        mine = dict(zip(mine[mine["respondent"] == anne]["item"],
                        mine[mine["respondent"] == anne]["value"]))
    assert mine[left] == "1" and mine["S02.V01"] == "3"
    nexts = {state: place[0] for state, place in places.items()}
    assert None not in nexts.values()
    assert len(set(nexts.values())) == 1, f"« Étape suivante » moved: {nexts}"
    befores = [place[1] for place in places.values() if place[1] is not None]
    assert len(set(befores)) == 1 and befores[0][:-2] == nexts["stage 1, complete"][:-2], \
        "« Étape précédente » sits in the same row, at one place too"
