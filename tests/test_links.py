"""Personal links, lists of respondents, follow-up and anonymity (coopscore/links.py,
coopscore/anonymity.py)."""

from __future__ import annotations

import base64
import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from coopscore import anonymity, links
from coopscore.errors import (ClosedLinkError, RemovedLinkError, RespondentListError,
                              RevokedLinkError, StoreError, UnknownLinkError)


def test_token_has_at_least_128_bits_and_only_its_hash_is_stored(store_case):
    db = store_case.store
    issued = links.issue_link(db, store_case.respondents["Alice"])
    raw = base64.urlsafe_b64decode(issued.token + "=" * (-len(issued.token) % 4))
    assert len(raw) * 8 >= 128
    assert issued.url == f"http://localhost:8501/?lien={issued.token}"
    dump = db.dump()
    assert issued.token not in dump
    assert links.hash_token(issued.token) in dump
    other = links.issue_link(db, store_case.respondents["Bruno"])
    assert other.token != issued.token


def test_resolve_opens_the_right_person_and_assessment(store_case):
    db = store_case.store
    issued = links.issue_link(db, store_case.respondents["Chloé"])
    target = links.resolve(db, issued.token)
    assert target.respondent.name == "Chloé"
    assert target.assessment.id == store_case.assessment
    assert target.project_name == "Circuits courts — essai"
    assert links.link_states(db, store_case.assessment).set_index("respondent").loc[
        store_case.respondents["Chloé"], "last_seen_at"] is not None


@pytest.mark.parametrize("token", ["", "   ", None, "x" * 500, "pas-un-jeton"])
def test_unknown_tokens_are_refused_in_french(store_case, token):
    with pytest.raises(UnknownLinkError, match="aucun questionnaire"):
        links.resolve(store_case.store, token)


def test_revoked_link_stops_working_and_says_so(store_case):
    db = store_case.store
    alice = store_case.respondents["Alice"]
    issued = links.issue_link(db, alice)
    assert links.revoke_link(db, alice) == 1
    with pytest.raises(RevokedLinkError, match="révoqué"):
        links.resolve(db, issued.token)
    assert links.revoke_link(db, alice) == 0
    assert not links.link_states(db, store_case.assessment)["has_link"].any()


def test_a_removed_persons_link_says_it_is_no_longer_valid_not_mistyped(store_case):
    db = store_case.store
    alice, bruno = store_case.respondents["Alice"], store_case.respondents["Bruno"]
    replaced = links.issue_link(db, alice)
    current = links.issue_link(db, alice)
    kept = links.issue_link(db, bruno)
    db.delete_respondent(alice)
    for token in (current.token, replaced.token):
        with pytest.raises(RemovedLinkError, match="n'est plus valable : le questionnaire"):
            links.resolve(db, token)
    assert links.resolve(db, kept.token).respondent.id == bruno
    assert db.conn.execute("SELECT COUNT(*) FROM respondent_links WHERE respondent_id = ?",
                           [alice]).fetchone()[0] == 0, "their links are deleted with them"
    assert current.token not in db.dump(), "only hashes are kept"


def test_deleting_an_assessment_retires_its_links_too(store_case):
    db = store_case.store
    issued = links.issue_link(db, store_case.respondents["Chloé"])
    db.delete_assessment(store_case.assessment)
    with pytest.raises(RemovedLinkError):
        links.resolve(db, issued.token)


def test_regenerating_a_link_kills_the_old_one(store_case):
    db = store_case.store
    alice = store_case.respondents["Alice"]
    old = links.issue_link(db, alice)
    new = links.issue_link(db, alice)
    with pytest.raises(RevokedLinkError):
        links.resolve(db, old.token)
    assert links.resolve(db, new.token).respondent.id == alice


def test_closed_assessment_link_is_refused_and_reopening_restores_it(store_case):
    db = store_case.store
    issued = links.issue_link(db, store_case.respondents["Bruno"])
    db.close_assessment(store_case.assessment)
    with pytest.raises(ClosedLinkError, match="close"):
        links.resolve(db, issued.token)
    with pytest.raises(StoreError, match="clôturée"):
        links.issue_link(db, store_case.respondents["Bruno"])
    db.reopen_assessment(store_case.assessment)
    assert links.resolve(db, issued.token).respondent.name == "Bruno"


def test_planned_closing_date_keeps_links_open_until_that_day(store_case):
    db = store_case.store
    issued = links.issue_link(db, store_case.respondents["Bruno"])
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    db.close_assessment(store_case.assessment, on=tomorrow)
    assert db.assessment(store_case.assessment).closes_on == tomorrow
    assert links.resolve(db, issued.token).respondent.name == "Bruno"
    db.conn.execute("UPDATE assessments SET closes_on = ? WHERE id = ?",
                    [(date.today() - timedelta(days=1)).isoformat(), store_case.assessment])
    with pytest.raises(ClosedLinkError):
        links.resolve(db, issued.token)
    with pytest.raises(StoreError, match="clôturée"):
        db.save_answer(store_case.assessment, store_case.respondents["Bruno"], "S01.V01", "2")


def test_issue_links_only_without_link_leaves_sent_links_working(store_case):
    db = store_case.store
    first = links.issue_link(db, store_case.respondents["Alice"])
    issued = links.issue_links(db, store_case.assessment, only_without_link=True)
    assert sorted(link.name for link in issued) == ["Bruno", "Chloé"]
    assert links.resolve(db, first.token).respondent.name == "Alice"
    again = links.issue_links(db, store_case.assessment)
    assert len(again) == 3
    with pytest.raises(RevokedLinkError):
        links.resolve(db, first.token)


def test_base_url_comes_from_argument_then_environment(monkeypatch):
    monkeypatch.delenv("COOPSCORE_BASE_URL", raising=False)
    assert links.link_url("abc") == "http://localhost:8501/?lien=abc"
    monkeypatch.setenv("COOPSCORE_BASE_URL", "https://eval.example.org/")
    assert links.link_url("abc") == "https://eval.example.org/?lien=abc"
    assert links.link_url("abc", "http://h:1") == "http://h:1/?lien=abc"


# --- lists of respondents ---------------------------------------------------------------


def test_list_accepts_headers_blank_lines_tabs_and_role_spellings():
    people = links.parse_respondent_list(
        "Nom ; Rôle ; Organisation\n\nAnne Martin ; élu·e ; Mairie\n"
        "Paul\tTechniciens\t\nLéa ; partenaire\n")
    assert [(p.line, p.name, p.role, p.organisation) for p in people] == [
        (3, "Anne Martin", "elu", "Mairie"), (4, "Paul", "technicien", None),
        (5, "Léa", "partenaire", None)]


def test_list_problems_are_all_reported_by_line():
    with pytest.raises(RespondentListError) as caught:
        links.parse_respondent_list(
            "Anne ; elu\n ; technicien\nBob ; maire\nanne ; partenaire\nSans séparateur\n"
            "A ; elu ; B ; C\nZoé ; autre", existing_names=["Zoé"])
    problems = caught.value.problems
    assert problems == [
        "ligne 2 : nom manquant",
        "ligne 3 : rôle « maire » inconnu (rôles possibles : élu·e, technicien·ne, partenaire, "
        "acteur·rice socio-économique, financeur, autre)",
        "ligne 4 : « anne » figure déjà ligne 1",
        "ligne 5 : séparez le nom, le rôle et l'organisation par « ; » (lu : « Sans séparateur »)",
        "ligne 6 : 4 champs au lieu de 2 ou 3 (nom ; rôle ; organisation)",
        "ligne 7 : « Zoé » répond déjà à cette évaluation",
    ]
    assert "Personne n'a été ajouté : 6 lignes" in str(caught.value)


def test_empty_list_is_refused():
    with pytest.raises(RespondentListError, match="La liste est vide"):
        links.parse_respondent_list("\n  \n")


def test_bad_list_adds_nobody(store_case):
    db = store_case.store
    before = db.dump()
    with pytest.raises(RespondentListError):
        links.add_respondent_list(db, store_case.assessment, "Denis ; elu\nEve ; roi")
    assert db.dump() == before


def test_good_list_adds_everyone_with_a_working_link(store_case):
    db = store_case.store
    issued = links.add_respondent_list(db, store_case.assessment,
                                       "Denis ; elu ; CC\nEve ; financeur", base="http://x")
    assert [link.name for link in issued] == ["Denis", "Eve"]
    assert all(link.url.startswith("http://x/?lien=") for link in issued)
    assert links.resolve(db, issued[1].token).respondent.role == "financeur"
    assert len(db.respondents(store_case.assessment)) == 5


def test_uploaded_list_is_decoded_from_utf8_bom_or_windows_1252():
    assert links.decode_list("Émile ; elu".encode("utf-8-sig")) == "Émile ; elu"
    assert links.decode_list("Émile ; elu".encode("cp1252")) == "Émile ; elu"
    with pytest.raises(RespondentListError, match="pas un texte"):
        links.decode_list(b"\x00\x01\x02PK")


def test_csv_and_xlsx_exports_hold_one_row_per_link(store_case):
    db = store_case.store
    issued = links.add_respondent_list(db, store_case.assessment,
                                       "=Denis ; elu ; CC\nEve ; financeur")
    data = links.links_csv(issued)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["nom", "rôle", "organisation", "lien"]
    assert rows[1] == ["'=Denis", "élu·e", "CC", issued[0].url]
    sheet = load_workbook(io.BytesIO(links.links_xlsx(issued))).active
    assert [cell.value for cell in sheet[3]] == ["Eve", "financeur", None, issued[1].url]


# --- follow-up ----------------------------------------------------------------------------


def test_followup_counts_answers_without_showing_them(store_case):
    db, assessment = store_case.store, store_case.assessment
    alice, bruno = store_case.respondents["Alice"], store_case.respondents["Bruno"]
    db.save_answer(assessment, alice, "S01.V01", "2", "un commentaire")
    db.save_answer(assessment, alice, "S01.M01", "planned")
    links.issue_link(db, bruno)
    frame = links.followup(db, assessment).set_index("name")
    grid = db.grid_of(assessment)
    asked = [i for i in (*grid.criteria(), *grid.methods()) if not i.cte]
    assert frame.loc["Alice", "answered"] == 2
    assert frame.loc["Alice", "total"] == len(asked)
    assert frame.loc["Alice", "last_answer_at"] is not None
    assert frame.loc["Chloé", "answered"] == 0
    assert frame.loc["Chloé", "last_answer_at"] is None
    assert bool(frame.loc["Bruno", "has_link"]) and not bool(frame.loc["Alice", "has_link"])
    assert frame["to_remind"].all()
    text = frame.to_string()
    assert "un commentaire" not in text and "planned" not in text
    assert list(links.followup(db, assessment).columns) == links.FOLLOWUP_COLUMNS


def test_followup_marks_complete_respondents(store_case):
    db, assessment = store_case.store, store_case.assessment
    alice = store_case.respondents["Alice"]
    grid = db.grid_of(assessment)
    db.save_answers([{"assessment_id": assessment, "respondent_id": alice, "item": item.id,
                      "value": "na"} for item in (*grid.criteria(), *grid.methods())
                     if not item.cte])
    frame = links.followup(db, assessment).set_index("name")
    assert bool(frame.loc["Alice", "complete"]) and not bool(frame.loc["Alice", "to_remind"])
    assert bool(frame.loc["Bruno", "to_remind"])


# --- anonymity ----------------------------------------------------------------------------


def test_anonymity_is_chosen_at_creation_and_locked_once_answers_exist(store_case):
    db = store_case.store
    anonymous = db.create_assessment(store_case.project, "cooperation", "Anonyme",
                                     anonymous=True)
    assert db.assessment(anonymous).anonymous
    assert not db.assessment(store_case.assessment).anonymous
    anonymity.set_anonymous(db, store_case.assessment, True)
    assert db.assessment(store_case.assessment).anonymous
    db.save_answer(store_case.assessment, store_case.respondents["Alice"], "S01.V01", "1")
    with pytest.raises(StoreError, match="ne peut plus changer"):
        anonymity.set_anonymous(db, store_case.assessment, False)
    assert db.assessment(store_case.assessment).anonymous


def test_display_names_hide_names_in_order_of_arrival(store_case):
    respondents = store_case.store.respondents(store_case.assessment)
    assert anonymity.display_names(respondents, anonymous=False) == {
        store_case.respondents[n]: n for n in ("Alice", "Bruno", "Chloé")}
    names = anonymity.display_names(respondents, anonymous=True)
    assert names[store_case.respondents["Chloé"]] == "Répondant·e 3"
    assert "Alice" not in names.values()


def test_an_export_of_an_anonymous_assessment_names_nobody_and_hides_small_roles(store):
    from coopscore.exchange import export_tables

    territory = store.create_territory("Pays Discret")
    project = store.create_project("Projet discret", territory)
    hidden = store.create_assessment(project, "cooperation", "Anonyme", anonymous=True)
    named = store.create_assessment(project, "cooperation", "Nominative")
    people = [("Alice", "elu", "Mairie de Test"), ("Bruno", "technicien", None),
              ("Chloé", "technicien", "PNR"), ("Dora", "technicien", None)]
    for assessment in (hidden, named):
        for name, role, organisation in people:
            rid = store.add_respondent(assessment, name, role, organisation)
            store.save_answer(assessment, rid, "S01.V01", "2", f"avis de {name}")
    answers = export_tables(store, [hidden, named], with_scores=False,
                            pseudonymous=[hidden])["answers"]
    mine = answers[answers["assessment"] == hidden]
    assert list(mine["respondent"]) == [f"Répondant·e {n}" for n in (1, 2, 3, 4)]
    assert list(mine["role"]) == ["rôle non affiché (moins de 3 personnes)", "technicien",
                                  "technicien", "technicien"]
    assert mine["organisation"].isna().all()
    text = mine.to_csv()
    assert not [name for name, _, _ in people if f",{name}," in text]
    assert "Mairie de Test" not in text
    others = answers[answers["assessment"] == named]
    assert list(others["respondent"]) == ["Alice", "Bruno", "Chloé", "Dora"]
    assert list(others["organisation"].fillna("")) == ["Mairie de Test", "", "PNR", ""]
    # the numbers are those Regards croisés shows
    shown = anonymity.display_names(store.respondents(hidden), True)
    assert list(mine["respondent"]) == [shown[i] for i in sorted(shown)]


def test_per_role_views_need_three_people_when_anonymous(store_case):
    db = store_case.store
    for name in ("Denis", "Eve"):
        db.add_respondent(store_case.assessment, name, "elu")
    respondents = db.respondents(store_case.assessment)
    assert anonymity.roles_shown(respondents, anonymous=True) == ["elu"]
    assert not anonymity.role_view_allowed(respondents, "technicien", anonymous=True)
    assert anonymity.role_view_allowed(respondents, "technicien", anonymous=False)
    assert sorted(anonymity.roles_shown(respondents, anonymous=False)) == \
        ["elu", "partenaire", "technicien"]


# --- migration from the schema before links ------------------------------------------------


def test_database_before_links_is_upgraded_and_its_people_can_get_links(tmp_path):
    import sqlite3

    from coopscore.store import MIGRATIONS, SCHEMA_VERSION, migrate, open_store, schema_version

    from .conftest import ROOT

    stamp = "2025-01-01T00:00:00.000+00:00"
    path = tmp_path / "before-links.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    migrate(conn, MIGRATIONS[:4])
    conn.execute("INSERT INTO grid_versions VALUES ('cooperation', '1.0', '{}', ?, ?)",
                 [(ROOT / "data/grids/cooperation.yaml").read_text(encoding="utf-8"), stamp])
    conn.execute("INSERT INTO territories VALUES (1, 'Pays Ancien', 'pays', ?)", [stamp])
    conn.execute("INSERT INTO projects VALUES (1, 'Projet ancien', 1, 'leader', 'partenaires', 0,"
                 " ?, ?)", [stamp, stamp])
    conn.execute("INSERT INTO assessments (id, project_id, grid, grid_version, phase, date, label,"
                 " status, created_at) VALUES (1, 1, 'cooperation', '1.0', 'partenaires', "
                 "'2025-01-01', 'Diagnostic initial', 'draft', ?)", [stamp])
    conn.execute("INSERT INTO respondents VALUES (1, 1, 'Hélène', 'elu', 'Mairie', ?)", [stamp])
    conn.execute("INSERT INTO answers VALUES (1, 1, 'S01.V01', '2', NULL, ?)", [stamp])
    conn.close()

    with open_store(path) as upgraded:
        assert schema_version(upgraded.conn) == SCHEMA_VERSION
        campaign = upgraded.assessment(1)
        assert (campaign.anonymous, campaign.closes_on, campaign.is_closed) == (False, None, False)
        assert links.link_states(upgraded, 1)["has_link"].tolist() == [False]
        issued = links.issue_link(upgraded, 1)
        assert links.resolve(upgraded, issued.token).respondent.organisation == "Mairie"
        assert links.followup(upgraded, 1)["answered"].tolist() == [1]
        assert upgraded.conn.execute("PRAGMA foreign_key_check").fetchall() == []
