"""Suivi des réponses: progress per person without answers, links, adding people."""

from __future__ import annotations

import pytest

from coopscore import links
from coopscore.errors import RevokedLinkError
from coopscore.store import open_store

from .conftest import ROOT, page_order, shown_after

PAGE = "views/followup.py"


def _campaign(path):
    with open_store(path) as db:
        territory = db.create_territory("Pays Suivi")
        project = db.create_project("Projet suivi", territory, phase="emergence")
        assessment = db.create_assessment(project, "cooperation", "Diagnostic")
        anne = db.add_respondent(assessment, "Anne", "elu")
        db.add_respondent(assessment, "Bruno", "technicien")
        db.save_answer(assessment, anne, "S01.V01", "3", "très confidentiel")
    return project, assessment


def _page(path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("COOPSCORE_DB", str(path))
    project, assessment = _campaign(path)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update(projet=str(project), evaluation=str(assessment))
    at.run()
    at.switch_page(PAGE).run()
    return at, assessment


def _button(at, start):
    return next(b for b in at.button if b.label.startswith(start))


def test_followup_lists_progress_and_never_answers(tmp_path, monkeypatch):
    at, _ = _page(tmp_path / "db.sqlite", monkeypatch)
    assert not at.exception
    assert at.title[0].value == "Suivi des réponses"
    table = at.dataframe[0].value
    assert list(table["name"]) == ["Anne", "Bruno"]
    assert list(table["answered"]) == ["1/116", "0/116"]
    assert list(table["state"]) == ["à relancer", "à relancer"]
    assert "très confidentiel" not in table.to_string()
    assert {m.label: m.value for m in at.metric}["À relancer"] == "2"


def test_missing_links_are_created_shown_once_and_work(tmp_path, monkeypatch):
    path = tmp_path / "db.sqlite"
    at, assessment = _page(path, monkeypatch)
    _button(at, "Créer les liens manquants").click().run()
    assert not at.exception
    urls = [c.value for c in at.code]
    assert len(urls) == 2 and all("/?lien=" in u for u in urls)
    said = shown_after(at, f"followup_person_{assessment}")  # under the link buttons
    assert said.value.startswith("2 liens créés : copiez-les"), "above the links it created"
    with open_store(path) as db:
        assert links.resolve(db, urls[0].split("lien=")[1]).respondent.name == "Anne"


def test_regenerating_asks_for_confirmation_then_kills_the_old_link(tmp_path, monkeypatch):
    path = tmp_path / "db.sqlite"
    at, assessment = _page(path, monkeypatch)
    _button(at, "Créer les liens manquants").click().run()
    old = at.code[0].value.split("lien=")[1]
    _button(at, "Nouveaux liens pour les personnes à relancer").click().run()
    assert "cesseront de fonctionner" in at.warning[0].value
    with open_store(path) as db:
        assert links.resolve(db, old)  # nothing done before confirming
    _button(at, "Oui, créer").click().run()
    assert not at.exception
    with open_store(path) as db, pytest.raises(RevokedLinkError):
        links.resolve(db, old)


def test_a_bad_list_shows_every_line_and_adds_nobody(tmp_path, monkeypatch):
    path = tmp_path / "db.sqlite"
    at, assessment = _page(path, monkeypatch)
    at.text_area[0].input("Chloé ; partenaire\nDenis ; roi\nAnne ; elu")
    _button(at, "Ajouter la liste").click().run()
    assert not at.exception
    message = at.error[0].value
    assert "ligne 2 : rôle « roi » inconnu" in message
    assert "ligne 3 : « Anne » répond déjà" in message
    with open_store(path) as db:
        assert len(db.respondents(assessment)) == 2


def test_a_good_list_adds_people_with_their_links(tmp_path, monkeypatch):
    path = tmp_path / "db.sqlite"
    at, assessment = _page(path, monkeypatch)
    at.text_area[0].input("Chloé ; partenaire ; PNR\nDenis ; financeur")
    _button(at, "Ajouter la liste").click().run()
    assert not at.exception
    assert any("2 personnes ajoutées" in s.value for s in at.success)
    assert shown_after(at, _button(at, "Ajouter la liste").key).value.startswith(
        "2 personnes ajoutées"), "right under the list that added them"
    assert len(at.code) == 2
    with open_store(path) as db:
        assert list(db.respondents(assessment)["name"]) == ["Anne", "Bruno", "Chloé", "Denis"]


def test_one_person_added_by_the_form(tmp_path, monkeypatch):
    path = tmp_path / "db.sqlite"
    at, assessment = _page(path, monkeypatch)
    at.text_input[0].input("Emma")
    _button(at, "Ajouter et créer").click().run()
    assert not at.exception
    assert any("Emma a été ajouté·e" in s.value for s in at.success)
    under_the_tabs = shown_after(at, _button(at, "Ajouter la liste").key)
    assert under_the_tabs.value.startswith("Emma a été ajouté·e, avec son lien personnel")
    assert at.code[0].value.startswith("http"), "the link itself, above (« ci-dessus »)"
    with open_store(path) as db:
        assert "Emma" in set(db.respondents(assessment)["name"])


def _texts(at) -> str:
    return "\n".join(e.value for e in [*at.warning, *at.success, *at.error, *at.info])


def test_closing_now_asks_first_says_what_happens_and_can_be_cancelled(tmp_path, monkeypatch):
    db_path = tmp_path / "c.db"
    at, assessment = _page(db_path, monkeypatch)
    at.button(key="FormSubmitter:followup_close_{}-Clore l'évaluation".format(assessment)).click()
    at.run()
    assert not at.exception
    assert "Clore maintenant ? Les réponses de 2 personnes" in _texts(at)
    with open_store(db_path) as db:
        assert not db.assessment(assessment).is_closed, "nothing happens before the yes"
    at.button(key="followup_close_no").click().run()
    assert "Clore maintenant" not in _texts(at)
    at.button(key="FormSubmitter:followup_close_{}-Clore l'évaluation".format(assessment)).click()
    at.run()
    at.button(key="followup_close_yes").click().run()
    assert not at.exception
    with open_store(db_path) as db:
        assert db.assessment(assessment).is_closed
    assert "L'évaluation est close" in _texts(at)
    assert shown_after(at, "followup_reopen").value.startswith("L'évaluation est close"), \
        "said under the button that reopens it"
    at.button(key="followup_reopen").click().run()
    with open_store(db_path) as db:
        assert not db.assessment(assessment).is_closed
    assert "L'évaluation est rouverte" in _texts(at)
    submit = "FormSubmitter:followup_close_{}-Clore l'évaluation".format(assessment)
    assert shown_after(at, submit).value.startswith("L'évaluation est rouverte"), \
        "said under the closing form it brings back"


def test_a_closing_date_is_planned_without_closing_now(tmp_path, monkeypatch):
    import datetime as dt

    db_path = tmp_path / "d.db"
    at, assessment = _page(db_path, monkeypatch)
    later = dt.date.today() + dt.timedelta(days=10)
    at.date_input[0].set_value(later)
    at.button(key="FormSubmitter:followup_close_{}-Clore l'évaluation".format(assessment)).click()
    at.run()
    assert not at.exception
    with open_store(db_path) as db:
        planned = db.assessment(assessment)
    assert not planned.is_closed and planned.closes_on == later.isoformat()
    assert f"Clôture prévue le {later:%d/%m/%Y}" in _texts(at)


def test_removing_a_person_says_what_will_be_lost_and_removes_only_them(tmp_path, monkeypatch):
    db_path = tmp_path / "r.db"
    at, assessment = _page(db_path, monkeypatch)
    with open_store(db_path) as db:
        people = db.respondents(assessment).set_index("name")["id"]
    at.selectbox(key=f"followup_remove_{assessment}").set_value(int(people["Anne"])).run()
    at.button(key="followup_remove").click().run()
    assert not at.exception
    assert ("Retirer Anne ? Sa réponse, son éventuel commentaire et son lien personnel seront "
            "supprimés définitivement.") in _texts(at)
    with open_store(db_path) as db:
        assert len(db.respondents(assessment)) == 2, "nothing removed before the yes"
    at.button(key="followup_remove_yes").click().run()
    assert not at.exception
    with open_store(db_path) as db:
        assert list(db.respondents(assessment)["name"]) == ["Bruno"]
        assert db.answers(assessment).empty
    assert "Anne a été retiré·e de l'évaluation" in _texts(at)
    order = [str(getattr(node, "value", "")) for node in page_order(at._tree)]
    said = next(i for i, v in enumerate(order) if "Anne a été retiré" in v)
    chooser = next(i for i, node in enumerate(page_order(at._tree))
                   if getattr(node, "key", None) == f"followup_remove_{assessment}")
    assert chooser < said < order.index("Ajouter des personnes"), "under the removal part"


def test_the_own_profile_switch_is_saved_audited_and_said_next_to_it(tmp_path, monkeypatch):
    db_path = tmp_path / "p.db"
    at, assessment = _page(db_path, monkeypatch)
    switch = at.toggle(key=f"followup_own_profile_{assessment}")
    assert switch.value is False
    switch.set_value(True).run()
    assert not at.exception
    with open_store(db_path) as db:
        assert db.assessment(assessment).show_own_profile is True
        logged = db.conn.execute("SELECT new FROM audit WHERE object = ? ORDER BY id DESC",
                                 [f"assessment:{assessment}"]).fetchone()[0]
    assert "show_own_profile" in logged
    assert "Chaque personne verra son propre profil" in _texts(at)
    key = f"followup_own_profile_{assessment}"
    assert shown_after(at, key).value.startswith("Chaque personne verra"), "right under it"
    at.toggle(key=key).set_value(False).run()
    with open_store(db_path) as db:
        assert db.assessment(assessment).show_own_profile is False
    assert "ne verront plus leur profil" in _texts(at)
    assert "ne verront plus leur profil" in shown_after(at, key).value


def test_a_switch_whose_save_is_stopped_by_a_click_arriving_is_saved_by_the_next_run(
        tmp_path, monkeypatch):
    """Streamlit stops a run at any session-state access when a click arrives (it raises
    RerunException there). An on_change save stopped that way was taken as done and never
    made; ui.save_settings leaves it to the next run."""
    from streamlit.runtime.scriptrunner_utils.exceptions import RerunException
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    from coopscore.access import ScopedStore

    db_path = tmp_path / "s.db"
    at, assessment = _page(db_path, monkeypatch)
    save, stops = ScopedStore.set_show_own_profile, []

    def stopped_once(self, assessment_id, shown):
        if not stops:  # as a click arriving does: the same page runs again
            stops.append(shown)
            ctx = get_script_run_ctx()
            raise RerunException(RerunData(page_script_hash=ctx.page_script_hash,
                                           query_string=ctx.query_string))
        return save(self, assessment_id, shown)

    monkeypatch.setattr(ScopedStore, "set_show_own_profile", stopped_once)
    at.toggle(key=f"followup_own_profile_{assessment}").set_value(True).run()
    assert stops == [True] and not at.exception
    with open_store(db_path) as db:
        assert db.assessment(assessment).show_own_profile is True
    assert "Chaque personne verra son propre profil" in _texts(at)
    at.run()  # whatever the person does next: the switch stays as they set it
    assert at.toggle(key=f"followup_own_profile_{assessment}").value is True
    with open_store(db_path) as db:
        assert db.assessment(assessment).show_own_profile is True


def test_a_refused_switch_says_why_next_to_it_and_shows_the_stored_value_again(
        tmp_path, monkeypatch):
    from coopscore.access import ScopedStore
    from coopscore.errors import StoreError

    def refused(self, assessment_id, shown):
        raise StoreError("La base est en cours de maintenance : réessayez dans un instant.")

    db_path = tmp_path / "r.db"
    at, assessment = _page(db_path, monkeypatch)
    monkeypatch.setattr(ScopedStore, "set_show_own_profile", refused)
    at.toggle(key=f"followup_own_profile_{assessment}").set_value(True).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "La base est en cours de maintenance : réessayez dans un instant."]
    assert at.toggle(key=f"followup_own_profile_{assessment}").value is False
    with open_store(db_path) as db:
        assert db.assessment(assessment).show_own_profile is False
    at.run()
    assert not at.error  # said once, not at every run


def test_an_old_screen_never_undoes_the_switch_another_browser_turned(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    db_path = tmp_path / "o.db"
    first, assessment = _page(db_path, monkeypatch)
    second = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    second.query_params.update(first.query_params)
    second.run()
    second.switch_page(PAGE).run()
    first.toggle(key=f"followup_own_profile_{assessment}").set_value(True).run()
    second.run()  # the other browser still draws the switch off, and goes on
    second.run()
    assert not second.exception
    with open_store(db_path) as db:
        assert db.assessment(assessment).show_own_profile is True
    audited = "SELECT COUNT(*) FROM audit WHERE object = ? AND new LIKE '%show_own_profile%'"
    with open_store(db_path) as db:
        assert db.conn.execute(audited, [f"assessment:{assessment}"]).fetchone()[0] == 1


def test_in_comptes_mode_a_team_members_address_is_attached_to_their_line(demo_db, monkeypatch):
    from coopscore import access, audit

    from .test_page_signin import comptes, person

    with open_store(demo_db) as db:
        access.grant(db, "moi@exemple.fr", "admin")
        assessments = db.assessments()
        project = int(assessments.loc[assessments["status"] == "draft", "project"].iloc[0])
    at = comptes(monkeypatch, person("s-a", "moi@exemple.fr"))
    next(b for b in at.sidebar.selectbox if b.key == "sidebar_project").set_value(project).run()
    at.switch_page("views/followup.py").run()
    aid = int(at.session_state["assessment_id"])
    with open_store(demo_db) as db:
        first = int(db.respondents(aid)["id"].iloc[0])
    at.selectbox(key=f"followup_email_person_{aid}").set_value(first)
    at.text_input(key=f"followup_email_address_{aid}").input("Hugo@Asso.fr")
    next(b for b in at.button if b.label == "Rattacher l'adresse").click().run()
    assert not at.exception
    with open_store(demo_db) as db:
        row = db._one("SELECT id FROM respondents WHERE email = ?", ["hugo@asso.fr"])
        assert row == {"id": first}
        logged = audit.entries(db, action="respondent.manage").iloc[0]
        assert logged["actor"] == "moi@exemple.fr" and "hugo@asso.fr" in logged["new"]


def test_a_closed_assessments_links_are_said_suspended_and_active_again_once_reopened(
        tmp_path, monkeypatch):
    db_path = tmp_path / "s.db"
    at, assessment = _page(db_path, monkeypatch)
    _button(at, "Créer les liens manquants").click().run()
    assert list(at.dataframe[0].value["link"]) == ["actif", "actif"]
    at.button(key="FormSubmitter:followup_close_{}-Clore l'évaluation".format(assessment)).click()
    at.run()
    at.button(key="followup_close_yes").click().run()
    assert not at.exception
    assert list(at.dataframe[0].value["link"]) == ["suspendu"] * 2
    assert "les liens personnels sont suspendus" in _texts(at)
    at.button(key="followup_reopen").click().run()
    assert not at.exception
    assert list(at.dataframe[0].value["link"]) == ["actif", "actif"]


def test_a_person_without_link_has_none_even_when_closed(tmp_path, monkeypatch):
    db_path = tmp_path / "n.db"
    at, assessment = _page(db_path, monkeypatch)
    with open_store(db_path) as db:
        db.close_assessment(assessment)
    at.run()
    assert not at.exception
    assert list(at.dataframe[0].value["link"]) == ["aucun", "aucun"]


def test_the_link_buttons_sit_in_a_row_of_their_own_that_wraps(tmp_path, monkeypatch):
    """Each button keeps its whole label: a row that wraps, not three narrow columns (the
    browser journey measures the labels; here, the layout)."""
    at, assessment = _page(tmp_path / "w.db", monkeypatch)
    (row,) = [block for block in at.main.children.values()
              if getattr(block, "key", None) == "followup_link_buttons"]
    assert row.proto.flex_container.wrap
    assert [child.key for child in row.children.values()] == [
        "followup_issue_missing", "followup_issue_remind"]
    assert at.button(key="followup_issue_remind").label == \
        "Nouveaux liens pour les personnes à relancer (2)"
    assert at.selectbox(key=f"followup_person_{assessment}").label == "Une personne"
