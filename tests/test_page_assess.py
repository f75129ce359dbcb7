"""Auto-évaluation: create what is missing, answer, and find every answer again."""

from __future__ import annotations

from coopscore.store import open_store

from .conftest import app_test, place_of

PAGE = "views/assess.py"


def _texts(at) -> str:
    return "\n".join([*(m.value for m in at.markdown), *(i.value for i in at.info)])


def test_an_empty_database_invites_to_create_a_project():
    at = app_test(PAGE)
    assert not at.exception
    assert at.title[0].value == "Auto-évaluation"
    assert "Choisissez un projet dans le menu latéral, ou créez-en un" in _texts(at)
    assert at.expander[0].label == "Nouveau projet"


def test_creating_a_project_selects_it_and_asks_for_an_assessment():
    at = app_test(PAGE)
    at.text_input(key="new_territory").input("Pays de Test")
    at.text_input(key="new_project_name").input("Coopération forêt")
    at.button[0].click().run()
    assert not at.exception
    assert any("Projet « Coopération forêt » créé." in s.value for s in at.success)
    with open_store() as db:
        projects = db.projects()
    assert list(projects["name"]) == ["Coopération forêt"]
    assert at.session_state["project_id"] == int(projects["id"].iloc[0])
    assert "n'a pas encore d'évaluation" in _texts(at)


def test_an_empty_project_name_is_refused_in_french_and_nothing_is_created():
    at = app_test(PAGE)
    at.text_input(key="new_territory").input("Pays de Test")
    at.button[0].click().run()
    assert not at.exception
    assert at.error, "a French error is shown"
    with open_store() as db:
        assert db.projects().empty


def _first_answered(db):
    answers = db.answers()
    row = answers.iloc[0]
    assessment = db.assessment(int(row["assessment"]))
    return assessment, int(row["respondent"])


def test_a_respondent_finds_their_stored_answers(demo_db):
    with open_store(demo_db) as db:
        assessment, respondent = _first_answered(db)
        mine = db.answers(assessment.id)
        mine = mine[mine["respondent"] == respondent].set_index("item")["value"]
    at = app_test(PAGE, project_id=assessment.project_id, assessment_id=assessment.id,
                  respondent_id=respondent)
    assert not at.exception
    shown = {r.key.rsplit("_", 1)[-1]: r.value for r in at.radio if (r.key or "").startswith("value_")}
    assert shown, "the questionnaire is shown"
    for item, value in shown.items():
        assert value == mine.get(item), item
    assert at.get("progress")


def _camille_on_a_new_assessment(demo_db) -> tuple[int, int, int]:
    """A new assessment of the first project, Camille answering: (project, assessment, her)."""
    with open_store(demo_db) as db:
        project = int(db.projects().iloc[0]["id"])
        assessment_id = db.create_assessment(project, "cooperation", "Essai")
        return project, assessment_id, db.add_respondent(assessment_id, "Camille", "technicien")


def test_an_answer_is_saved_the_moment_it_is_given(demo_db):
    project_id, assessment_id, respondent = _camille_on_a_new_assessment(demo_db)
    at = app_test(PAGE, project_id=project_id, assessment_id=assessment_id,
                  respondent_id=respondent)
    key = f"value_{assessment_id}_{respondent}_S01.V02"
    at.radio(key=key).set_value("2").run()
    assert not at.exception
    at.text_input(key=f"comment_{assessment_id}_{respondent}_S01.V02").input("en cours").run()
    with open_store(demo_db) as db:
        saved = db.answers(assessment_id).set_index("item")
    assert saved.loc["S01.V02", "value"] == "2"
    assert saved.loc["S01.V02", "comment"] == "en cours"
    # a new session (a reload) shows the same answer
    again = app_test(PAGE, project_id=project_id, assessment_id=assessment_id,
                     respondent_id=respondent)
    assert again.radio(key=key).value == "2"


def test_a_closed_assessment_is_read_only(demo_db):
    with open_store(demo_db) as db:
        assessment, respondent = _first_answered(db)
        if assessment.status != "closed":
            db.close_assessment(assessment.id)
    at = app_test(PAGE, project_id=assessment.project_id, assessment_id=assessment.id,
                  respondent_id=respondent)
    assert not at.exception
    assert any("clôturée" in i.value for i in at.info)
    assert all(r.disabled for r in at.radio if (r.key or "").startswith("value_"))


def test_an_unknown_project_in_the_url_is_ignored():
    at = app_test(PAGE, project_id=424242, assessment_id=5)
    assert not at.exception
    assert at.session_state["project_id"] is None


# --- the questionnaire holds: every path below clicks the page's own widgets ------------


def _fresh(demo_db, name="Camille", role="technicien"):
    with open_store(demo_db) as db:
        project = int(db.projects().iloc[0]["id"])
        assessment_id = db.create_assessment(project, "cooperation", "Essai")
        respondent = db.add_respondent(assessment_id, name, role)
    return project, assessment_id, respondent


def _stage(at, assessment_id, respondent):
    return at.selectbox(key=f"stage_{assessment_id}_{respondent}").value


def _answer_keys(at, assessment_id, respondent):
    prefix = f"value_{assessment_id}_{respondent}_"
    return [r.key for r in at.radio if (r.key or "").startswith(prefix)]


def test_next_and_previous_move_the_stage_without_error(demo_db):
    project, assessment_id, respondent = _fresh(demo_db)
    at = app_test(PAGE, project_id=project, assessment_id=assessment_id, respondent_id=respondent)
    assert _stage(at, assessment_id, respondent) == "S01"
    at.button(key=f"next_{assessment_id}_{respondent}").click().run()
    assert not at.exception
    assert _stage(at, assessment_id, respondent) == "S02"
    assert any(h.value.startswith("Étape 2 — ") for h in at.subheader)
    assert all(k.split("_")[-1].startswith("S02.") for k in _answer_keys(at, assessment_id,
                                                                         respondent))
    at.button(key=f"previous_{assessment_id}_{respondent}").click().run()
    assert not at.exception
    assert _stage(at, assessment_id, respondent) == "S01"


def test_answering_on_stage_3_keeps_stage_3(demo_db):
    project, assessment_id, respondent = _fresh(demo_db)
    at = app_test(PAGE, project_id=project, assessment_id=assessment_id, respondent_id=respondent)
    for _ in range(2):
        at.button(key=f"next_{assessment_id}_{respondent}").click().run()
    assert _stage(at, assessment_id, respondent) == "S03"
    for key in _answer_keys(at, assessment_id, respondent)[:3]:
        at.radio(key=key).set_value("2" if ".V" in key else "in_place").run()
        assert not at.exception
        assert _stage(at, assessment_id, respondent) == "S03", key
    with open_store(demo_db) as db:
        saved = db.answers(assessment_id)
    assert len(saved) == 3 and set(saved["respondent"]) == {respondent}
    assert all(item.startswith("S03.") for item in saved["item"])


def test_an_added_person_becomes_the_one_answering_and_gets_the_next_answer(demo_db):
    project, assessment_id, first = _fresh(demo_db)
    with open_store(demo_db) as db:
        db.save_answer(assessment_id, first, "S01.V01", "1")
        before = db.answers(assessment_id)
    at = app_test(PAGE, project_id=project, assessment_id=assessment_id, respondent_id=first)
    assert any("Vous répondez en tant que **Camille**" in i.value for i in at.info)
    form = f"new_respondent_{assessment_id}"
    at.text_input(key=f"{form}_name").input("Dominique")
    at.selectbox(key=f"{form}_role").set_value("elu")
    at.button(key=f"FormSubmitter:{form}-Ajouter").click().run()
    assert not at.exception
    with open_store(demo_db) as db:
        people = db.respondents(assessment_id).set_index("name")["id"]
    added = int(people["Dominique"])
    assert at.session_state["respondent_id"] == added
    assert at.selectbox(key=f"respondent_select_{assessment_id}").value == added
    assert any("Vous répondez en tant que **Dominique** (élu·e)" in i.value for i in at.info)
    at.radio(key=f"value_{assessment_id}_{added}_S01.V01").set_value("3").run()
    at.radio(key=f"value_{assessment_id}_{added}_S01.V02").set_value("2").run()
    assert not at.exception
    with open_store(demo_db) as db:
        after = db.answers(assessment_id)
    mine = after[after["respondent"] == added].set_index("item")["value"].to_dict()
    assert mine == {"S01.V01": "3", "S01.V02": "2"}
    theirs = after[after["respondent"] == first]
    assert theirs[["item", "value"]].to_dict("records") == before[["item", "value"]].to_dict("records")


def test_the_message_after_adding_a_person_moves_nothing_below_it(demo_db):
    """« Dominique est ajouté·e » shows once; the questionnaire below stays at its place in
    the page then and after, so the next run replaces it instead of drawing it twice."""
    project, assessment_id, first = _fresh(demo_db)
    at = app_test(PAGE, project_id=project, assessment_id=assessment_id, respondent_id=first)
    form = f"new_respondent_{assessment_id}"
    at.text_input(key=f"{form}_name").input("Dominique")
    at.selectbox(key=f"{form}_role").set_value("elu")
    at.button(key=f"FormSubmitter:{form}-Ajouter").click().run()
    assert not at.exception and at.success, "the addition is said"
    added = at.session_state["respondent_id"]
    following = f"next_{assessment_id}_{added}"
    with_message = place_of(at._tree, following)
    at.radio(key=f"value_{assessment_id}_{added}_S01.V01").set_value("3").run()
    assert not at.exception and not at.success, "said once"
    assert with_message is not None
    assert place_of(at._tree, following) == with_message
    with open_store(demo_db) as db:
        saved = db.answers(assessment_id)
    assert saved[saved["respondent"] == added].set_index("item")["value"].to_dict() == \
        {"S01.V01": "3"}


def test_a_second_project_created_in_the_session_is_selected(demo_db):
    at = app_test(PAGE)
    for name in ("Premier projet", "Second projet"):
        at.text_input(key="new_territory").input(f"Pays {name}")
        at.text_input(key="new_project_name").input(name)
        at.button(key="FormSubmitter:new_project-Créer le projet").click().run()
        assert not at.exception
    with open_store(demo_db) as db:
        projects = db.projects().set_index("name")["id"]
    second = int(projects["Second projet"])
    assert at.selectbox(key="sidebar_project").value == second
    at.button(key="FormSubmitter:new_assessment-Ouvrir l'évaluation").click().run()
    assert not at.exception
    with open_store(demo_db) as db:
        assert len(db.assessments(second)) == 1
        assert db.assessments(int(projects["Premier projet"])).empty


def test_adding_a_person_without_a_name_says_so_under_the_form_and_adds_nobody(demo_db):
    project, assessment_id, first = _fresh(demo_db)
    at = app_test(PAGE, project_id=project, assessment_id=assessment_id, respondent_id=first)
    form = f"new_respondent_{assessment_id}"
    at.button(key=f"FormSubmitter:{form}-Ajouter").click().run()
    assert not at.exception
    assert at.error, "a French error is shown"
    assert at.session_state["respondent_id"] == first
    with open_store(demo_db) as db:
        assert list(db.respondents(assessment_id)["id"]) == [first]


def test_choosing_another_project_in_the_sidebar_changes_the_selection(demo_db):
    project, assessment_id, respondent = _fresh(demo_db)
    with open_store(demo_db) as db:
        other = next(int(p) for p in db.projects()["id"] if int(p) != project)
    at = app_test(PAGE, project_id=project, assessment_id=assessment_id, respondent_id=respondent)
    at.selectbox(key="sidebar_project").set_value(other).run()
    assert not at.exception
    assert at.session_state["project_id"] == other
    assert at.session_state["respondent_id"] is None
    assert at.session_state["assessment_id"] != assessment_id


def _compact_keys(at, assessment_id, respondent):
    prefix = f"cvalue_{assessment_id}_{respondent}_"
    return [s.key for s in at.selectbox if (s.key or "").startswith(prefix)]


def test_compact_mode_shows_the_stage_as_rows_and_saves_each_answer_at_once(demo_db):
    project, assessment_id, respondent = _fresh(demo_db)
    at = app_test(PAGE, project_id=project, assessment_id=assessment_id, respondent_id=respondent)
    at.toggle(key="questionnaire_compact").set_value(True).run()
    assert not at.exception
    assert not _answer_keys(at, assessment_id, respondent), "no cards in compact mode"
    keys = _compact_keys(at, assessment_id, respondent)
    assert keys and all(k.split("_")[-1].startswith("S01.") for k in keys)
    criterion = next(k for k in keys if ".V" in k)
    method = next(k for k in keys if ".M" in k)
    at.selectbox(key=criterion).set_value("3").run()
    at.selectbox(key=method).set_value("planned").run()
    comment = criterion.replace("cvalue_", "ccomment_")
    at.text_input(key=comment).input("vu en comité").run()
    assert not at.exception
    assert _stage(at, assessment_id, respondent) == "S01"
    with open_store(demo_db) as db:
        saved = db.answers(assessment_id).set_index("item")
    item, other = criterion.split("_")[-1], method.split("_")[-1]
    assert set(saved.index) == {item, other} and set(saved["respondent"]) == {respondent}
    assert saved.loc[item, "value"] == "3" and saved.loc[item, "comment"] == "vu en comité"
    assert saved.loc[other, "value"] == "planned"
    # back to the cards: the same answers, read from the database
    at.toggle(key="questionnaire_compact").set_value(False).run()
    assert at.radio(key=f"value_{assessment_id}_{respondent}_{item}").value == "3"
    assert at.text_input(key=f"comment_{assessment_id}_{respondent}_{item}").value == "vu en comité"


def test_compact_mode_keeps_a_comment_without_answer_unsaved_and_says_why(demo_db):
    project, assessment_id, respondent = _fresh(demo_db)
    at = app_test(PAGE, project_id=project, assessment_id=assessment_id, respondent_id=respondent)
    at.toggle(key="questionnaire_compact").set_value(True).run()
    criterion = next(k for k in _compact_keys(at, assessment_id, respondent) if ".V" in k)
    at.text_input(key=criterion.replace("cvalue_", "ccomment_")).input("à voir").run()
    assert not at.exception
    assert any("Choisissez d'abord une réponse" in toast.value for toast in at.toast)
    with open_store(demo_db) as db:
        assert db.answers(assessment_id).empty
    at.selectbox(key=criterion).set_value("1").run()  # the comment goes with the answer
    with open_store(demo_db) as db:
        saved = db.answers(assessment_id).set_index("item")
    assert saved.loc[criterion.split("_")[-1], "comment"] == "à voir"


def test_a_second_browser_of_the_same_person_keeps_what_the_first_saved_meanwhile(demo_db):
    """Two screens of one person: the older screen writes only what is changed on it.

    Its new comment goes with the answer the base holds now (given on the other screen),
    and its other answers, drawn before, are not written back over the newer ones.
    """
    project, assessment_id, respondent = _fresh(demo_db)
    first = app_test(PAGE, project_id=project, assessment_id=assessment_id,
                     respondent_id=respondent)
    key = f"{assessment_id}_{respondent}"
    first.radio(key=f"value_{key}_S01.V01").set_value("1").run()
    first.radio(key=f"value_{key}_S01.V02").set_value("1").run()
    second = app_test(PAGE, project_id=project, assessment_id=assessment_id,
                      respondent_id=respondent)  # opened now: both at 1, drawn from the base
    assert second.radio(key=f"value_{key}_S01.V01").value == "1"
    first.radio(key=f"value_{key}_S01.V01").set_value("3").run()  # changed on the first
    first.radio(key=f"value_{key}_S01.V02").set_value("2").run()
    second.text_input(key=f"comment_{key}_S01.V01").input("vu en bureau").run()
    second.radio(key=f"value_{key}_S01.V03").set_value("0").run()
    assert not second.exception
    with open_store(demo_db) as db:
        saved = db.answers(assessment_id).set_index("item")
    assert saved.loc["S01.V01", "value"] == "3" and saved.loc["S01.V01", "comment"] == "vu en bureau"
    assert saved.loc["S01.V02", "value"] == "2"
    assert saved.loc["S01.V03", "value"] == "0"
    assert set(saved["respondent"]) == {respondent}


def test_compact_mode_moves_between_stages_and_stays_compact(demo_db):
    project, assessment_id, respondent = _fresh(demo_db)
    at = app_test(PAGE, project_id=project, assessment_id=assessment_id, respondent_id=respondent)
    at.toggle(key="questionnaire_compact").set_value(True).run()
    at.button(key=f"next_{assessment_id}_{respondent}").click().run()
    assert not at.exception
    assert _stage(at, assessment_id, respondent) == "S02"
    keys = _compact_keys(at, assessment_id, respondent)
    assert keys and all(k.split("_")[-1].startswith("S02.") for k in keys)
    at.selectbox(key=keys[0]).set_value("0").run()
    assert _stage(at, assessment_id, respondent) == "S02"
    assert at.toggle(key="questionnaire_compact").value
    with open_store(demo_db) as db:
        assert list(db.answers(assessment_id)["item"]) == [keys[0].split("_")[-1]]


def test_the_project_is_renamed_and_moved_to_another_phase_from_its_form(demo_db):
    project, assessment_id, respondent = _fresh(demo_db)
    at = app_test(PAGE, project_id=project, assessment_id=assessment_id, respondent_id=respondent)
    form = f"FormSubmitter:edit_project_{project}-Enregistrer le projet"
    name_box = next(w for w in at.text_input if w.label == "Nom du projet" and w.value)
    name_box.input("Projet renommé")
    next(s for s in at.selectbox if s.label == "Phase actuelle du projet"
         and "Phase non renseignée" in s.options).set_value("mise_en_oeuvre")
    at.button(key=form).click().run()
    assert not at.exception
    assert any("Projet enregistré : « Projet renommé », phase « " in s.value for s in at.success)
    with open_store(demo_db) as db:
        changed = db.project(project)
    assert changed.name == "Projet renommé" and changed.phase == "mise_en_oeuvre"


def test_an_empty_project_name_is_refused_under_the_form_and_nothing_changes(demo_db):
    project, assessment_id, respondent = _fresh(demo_db)
    with open_store(demo_db) as db:
        before = db.project(project)
    at = app_test(PAGE, project_id=project, assessment_id=assessment_id, respondent_id=respondent)
    next(w for w in at.text_input if w.label == "Nom du projet" and w.value).input("  ")
    at.button(key=f"FormSubmitter:edit_project_{project}-Enregistrer le projet").click().run()
    assert not at.exception
    assert at.error, "a French error under the form"
    with open_store(demo_db) as db:
        assert db.project(project) == before


def test_clearing_an_answer_says_what_is_lost_and_waits_for_yes(demo_db):
    project, assessment_id, respondent = _fresh(demo_db)
    with open_store(demo_db) as db:
        db.save_answer(assessment_id, respondent, "S01.V02", "2", "en cours")
        db.save_answer(assessment_id, respondent, "S01.V03", "1")
    key = f"{assessment_id}_{respondent}_S01.V02"
    at = app_test(PAGE, project_id=project, assessment_id=assessment_id, respondent_id=respondent)
    at.button(key=f"clear_{key}").click().run()
    assert not at.exception
    warning = "\n".join(w.value for w in at.warning)
    assert "Effacer votre réponse « 2 · En partie traité » ?" in warning
    assert "Votre commentaire « en cours » sera effacé aussi." in warning
    at.button(key=f"clear_no_{key}").click().run()
    with open_store(demo_db) as db:
        assert len(db.answers(assessment_id)) == 2, "kept on « non »"
    at.button(key=f"clear_{key}").click().run()
    at.button(key=f"clear_yes_{key}").click().run()
    assert not at.exception
    assert at.radio(key=f"value_{key}").value is None
    assert at.text_input(key=f"comment_{key}").value == ""
    with open_store(demo_db) as db:
        assert list(db.answers(assessment_id)["item"]) == ["S01.V03"], "only that answer went"


def _one_answer(demo_db, value: str):
    """A new assessment whose person answered S01.V02, opened on their questionnaire."""
    project, assessment_id, respondent = _fresh(demo_db)
    with open_store(demo_db) as db:
        db.save_answer(assessment_id, respondent, "S01.V02", value)
    at = app_test(PAGE, project_id=project, assessment_id=assessment_id, respondent_id=respondent)
    return at, assessment_id, f"{assessment_id}_{respondent}_S01.V02"


def test_an_answer_cleared_then_given_again_shows_in_the_other_layout_too(demo_db):
    at, assessment_id, key = _one_answer(demo_db, "2")
    at.button(key=f"clear_{key}").click().run()
    at.button(key=f"clear_yes_{key}").click().run()
    at.radio(key=f"value_{key}").set_value("1").run()  # answered again, on the cards
    at.toggle(key="questionnaire_compact").set_value(True).run()
    assert not at.exception
    assert at.selectbox(key=f"cvalue_{key}").value == "1", "the table shows the base's answer"
    with open_store(demo_db) as db:
        saved = db.answers(assessment_id).set_index("item")
    assert list(saved.index) == ["S01.V02"] and saved.loc["S01.V02", "value"] == "1"


def test_clearing_in_compact_mode_asks_first_and_empties_the_row(demo_db):
    at, assessment_id, key = _one_answer(demo_db, "3")
    at.toggle(key="questionnaire_compact").set_value(True).run()
    at.button(key=f"clear_{key}").click().run()
    assert not at.exception
    assert any("Effacer votre réponse « 3 · Maîtrisé » ?" in w.value for w in at.warning)
    with open_store(demo_db) as db:
        assert len(db.answers(assessment_id)) == 1, "nothing lost before the yes"
    at.button(key=f"clear_yes_{key}").click().run()
    assert not at.exception
    with open_store(demo_db) as db:
        assert db.answers(assessment_id).empty
    assert at.selectbox(key=f"cvalue_{key}").value is None
    assert not [b for b in at.button if b.key == f"clear_{key}"], "nothing left to clear"


def test_an_anonymous_assessment_is_opened_from_the_form(demo_db):
    with open_store(demo_db) as db:
        project = int(db.projects().iloc[0]["id"])
    at = app_test(PAGE, project_id=project)
    next(c for c in at.checkbox if c.label == "Évaluation anonyme").check()
    next(w for w in at.text_input if w.label == "Intitulé").input("Campagne discrète")
    at.button(key="FormSubmitter:new_assessment-Ouvrir l'évaluation").click().run()
    assert not at.exception
    assert any("Elle est anonyme" in s.value for s in at.success)
    with open_store(demo_db) as db:
        opened = db.assessments(project).set_index("label").loc["Campagne discrète"]
        assert bool(db.assessment(int(opened["id"])).anonymous)


def test_showing_respondents_their_own_profile_is_chosen_when_opening_and_off_by_default(demo_db):
    with open_store(demo_db) as db:
        project = int(db.projects().iloc[0]["id"])
    at = app_test(PAGE, project_id=project)
    box = next(c for c in at.checkbox if c.label.startswith("Montrer à chaque personne"))
    assert box.value is False
    for label, shown in (("Campagne sans profil", False), ("Campagne avec profil", True)):
        if shown:
            next(c for c in at.checkbox if c.label.startswith("Montrer à chaque personne")).check()
        next(w for w in at.text_input if w.label == "Intitulé").input(label)
        at.button(key="FormSubmitter:new_assessment-Ouvrir l'évaluation").click().run()
        assert not at.exception
        with open_store(demo_db) as db:
            opened = db.assessments(project).set_index("label").loc[label]
            assert db.assessment(int(opened["id"])).show_own_profile is shown, label


def test_a_comment_with_invisible_characters_is_saved_without_them_and_says_so(demo_db):
    project, assessment_id, respondent = _fresh(demo_db)
    at = app_test(PAGE, project_id=project, assessment_id=assessment_id, respondent_id=respondent)
    key = f"{assessment_id}_{respondent}_S01.V02"
    at.radio(key=f"value_{key}").set_value("2").run()
    at.text_input(key=f"comment_{key}").input("en\x0b cours").run()
    assert not at.exception
    assert any("Caractères invisibles retirés de votre commentaire (U+000B)" in toast.value
               for toast in at.toast)
    with open_store(demo_db) as db:
        assert db.answers(assessment_id).set_index("item").loc["S01.V02", "comment"] == "en cours"


def test_invisible_characters_typed_in_a_name_are_removed_and_said_under_the_form(demo_db):
    project, assessment_id, first = _fresh(demo_db)
    at = app_test(PAGE, project_id=project, assessment_id=assessment_id, respondent_id=first)
    form = f"new_respondent_{assessment_id}"
    at.text_input(key=f"{form}_name").input("Domi\x0bnique")
    at.text_input(key=f"{form}_organisation").input("Mairie\x00 de Test")
    at.button(key=f"FormSubmitter:{form}-Ajouter").click().run()
    assert not at.exception
    notices = [w.value for w in at.warning]
    assert any("Caractères invisibles retirés" in w and "U+000B, U+0000" in w for w in notices)
    with open_store(demo_db) as db:
        added = db.respondents(assessment_id).set_index("name")
    assert "Dominique" in added.index
    assert added.loc["Dominique", "organisation"] == "Mairie de Test"


def test_a_new_project_named_with_an_invisible_character_is_stored_clean_with_a_notice():
    at = app_test(PAGE)
    at.text_input(key="new_territory").input("Pays de Test")
    at.text_input(key="new_project_name").input("Coopération\x1f forêt")
    at.button(key="FormSubmitter:new_project-Créer le projet").click().run()
    assert not at.exception
    assert any("Caractères invisibles retirés" in w.value and "U+001F" in w.value
               for w in at.warning)
    with open_store() as db:
        assert list(db.projects()["name"]) == ["Coopération forêt"]


def test_a_name_typed_cleanly_gets_no_notice(demo_db):
    project, assessment_id, first = _fresh(demo_db)
    at = app_test(PAGE, project_id=project, assessment_id=assessment_id, respondent_id=first)
    form = f"new_respondent_{assessment_id}"
    at.text_input(key=f"{form}_name").input("Dominique")
    at.button(key=f"FormSubmitter:{form}-Ajouter").click().run()
    assert not at.exception
    assert not [w for w in at.warning if "Caractères invisibles" in w.value]


# --- comptes mode: a team member answers as themselves ---------------------------------------


def _team_member_world(db, linked: bool = True) -> dict:
    """An open assessment of several people; Alice (equipe on its project) is one of them."""
    from coopscore import access

    open_ones = db.assessments()
    open_ones = open_ones[open_ones["status"] == "draft"]
    for assessment_id in open_ones["id"]:
        people = db.respondents(int(assessment_id))
        if len(people) >= 2:
            break
    assessment = db.assessment(int(assessment_id))
    mine, other = int(people["id"].iloc[0]), int(people["id"].iloc[1])
    access.grant(db, "alice@asso.fr", "equipe", "project", assessment.project_id)
    if linked:  # the animation ties her row to her address (Suivi des réponses)
        scoped = access.ScopedStore(db, access.Actor.animateur(
            [db.project(assessment.project_id).territory_id], email="anne@pays-test.fr"))
        scoped.set_respondent_email(mine, "alice@asso.fr")
    return {"assessment": assessment, "mine": mine, "other": other,
            "names": dict(zip(people["id"].astype(int), people["name"], strict=True))}


def _as_alice_on_the_questionnaire(monkeypatch, world: dict, **query: str):
    """Alice signs in, picks her project and assessment in the sidebar, opens Auto-évaluation."""
    from .test_page_signin import comptes, person

    assessment = world["assessment"]
    at = comptes(monkeypatch, person("s-alice", "alice@asso.fr", "Alice"), query=query)
    if not query:
        next(b for b in at.sidebar.selectbox if b.key == "sidebar_project").set_value(
            assessment.project_id).run()
        box = next((b for b in at.sidebar.selectbox if b.key == "sidebar_assessment"))
        if box.value != assessment.id:
            box.set_value(assessment.id).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def _radio_keys(at) -> list[str]:
    return [r.key for r in at.radio if (r.key or "").startswith("value_")]


def test_a_team_member_answers_under_their_own_row_only(demo_db, monkeypatch):
    from coopscore import audit

    with open_store(demo_db) as db:
        world = _team_member_world(db)
    assessment, mine, other = world["assessment"], world["mine"], world["other"]
    at = _as_alice_on_the_questionnaire(monkeypatch, world)
    # her own row is the one answering; nobody else is offered, nobody can be added
    assert any(f"Vous répondez en tant que **{world['names'][mine]}**" in i.value
               for i in at.info)
    assert not [b for b in at.selectbox if (b.key or "").startswith("respondent_select_")]
    assert "Ajouter une personne" not in [e.label for e in at.expander]
    assert world["names"][other] not in _texts(at)
    keys = _radio_keys(at)
    assert keys and all(key.startswith(f"value_{assessment.id}_{mine}_") for key in keys)

    # an answer given through the radio lands under her respondent id, and the log says who
    radio = at.radio(key=keys[0])
    item = keys[0].rsplit("_", 1)[-1]
    new_value = "1" if radio.value == "2" else "2"  # a level, unlike the stored one
    with open_store(demo_db) as db:
        before = db.answers(assessment.id)
    radio.set_value(new_value).run()
    assert not at.exception
    with open_store(demo_db) as db:
        after = db.answers(assessment.id)
        row = audit.entries(db, action="answers.write").iloc[0]
    saved = after[(after["respondent"] == mine) & (after["item"] == item)]
    assert list(saved["value"]) == [new_value]
    others_before = before[before["respondent"] != mine].sort_values(["respondent", "item"])
    others_after = after[after["respondent"] != mine].sort_values(["respondent", "item"])
    assert others_before["value"].tolist() == others_after["value"].tolist()
    assert (row["actor"], row["actor_kind"]) == ("alice@asso.fr", "equipe")
    assert row["object"] == f"answer:{assessment.id}/{mine}/{item}"


def test_a_team_member_cannot_answer_as_another_person_named_in_the_address(
        demo_db, monkeypatch):
    with open_store(demo_db) as db:
        world = _team_member_world(db)
    assessment, mine, other = world["assessment"], world["mine"], world["other"]
    at = _as_alice_on_the_questionnaire(
        monkeypatch, world, projet=str(assessment.project_id),
        evaluation=str(assessment.id), repondant=str(other))
    assert not any(f"en tant que **{world['names'][other]}**" in i.value for i in at.info)
    keys = _radio_keys(at)
    assert keys and all(key.startswith(f"value_{assessment.id}_{mine}_") for key in keys)
    assert not any(f"_{other}_" in key for key in keys)


def test_a_team_member_whose_address_is_tied_to_no_one_is_told_how_and_sees_no_one(
        demo_db, monkeypatch):
    with open_store(demo_db) as db:
        world = _team_member_world(db, linked=False)
    at = _as_alice_on_the_questionnaire(monkeypatch, world)
    assert any("alice@asso.fr" in i.value and "Suivi des réponses" in i.value for i in at.info)
    assert not _radio_keys(at)
    assert not [b for b in at.selectbox if (b.key or "").startswith("respondent_select_")]
    assert not any(name in _texts(at) for name in world["names"].values())


def test_the_progress_line_says_one_answer_in_the_singular(demo_db):
    project_id, assessment_id, respondent = _camille_on_a_new_assessment(demo_db)
    at = app_test(PAGE, project_id=project_id, assessment_id=assessment_id,
                  respondent_id=respondent)
    assert at.get("progress")[0].proto.text.startswith("0 réponse sur ")
    at.radio(key=f"value_{assessment_id}_{respondent}_S01.V02").set_value("2").run()
    assert at.get("progress")[0].proto.text.startswith("1 réponse sur ")
    at.radio(key=f"value_{assessment_id}_{respondent}_S01.V03").set_value("1").run()
    assert at.get("progress")[0].proto.text.startswith("2 réponses sur ")
