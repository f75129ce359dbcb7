"""Command line of a campaign's life: respondents and links, closing, projects."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys

import pytest

from coopscore import links
from coopscore.cli import main
from coopscore.errors import ClosedLinkError, RevokedLinkError
from coopscore.store import open_store

from .conftest import ROOT

LINK = re.compile(r"https?://\S+/\?lien=([A-Za-z0-9_-]+)")


@pytest.fixture
def campaign(tmp_path):
    path = tmp_path / "campaign.db"
    with open_store(path) as db:
        territory = db.create_territory("Pays Test")
        project = db.create_project("Projet test", territory, phase="emergence")
        assessment = db.create_assessment(project, "cooperation", "Diagnostic")
    return path, project, assessment


def run(path, *args):
    return main([*args, "--db", str(path)])


def test_add_prints_a_working_link_with_the_base_url(campaign, capsys, monkeypatch):
    path, _, assessment = campaign
    monkeypatch.setenv("COOPSCORE_BASE_URL", "https://coop.example.org")
    assert run(path, "respondents", "add", "--assessment", str(assessment), "--name", "Anne",
               "--role", "élu·e", "--organisation", "Mairie") == 0
    out = capsys.readouterr().out
    token = LINK.search(out).group(1)
    assert "https://coop.example.org/?lien=" in out and "qu'une fois" in out
    with open_store(path) as db:
        target = links.resolve(db, token)
        assert (target.respondent.name, target.respondent.role) == ("Anne", "elu")
    assert run(path, "respondents", "add", "--assessment", str(assessment), "--name", "Bob",
               "--role", "technicien", "--base-url", "http://h:9") == 0
    assert "http://h:9/?lien=" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--name", "Anne", "--role", "roi"], "Rôle « roi » inconnu"),
    (["--name", " ", "--role", "elu"], "est vide"),
])
def test_bad_respondent_exits_2_in_french_and_writes_nothing(campaign, capsys, args, message):
    path, _, assessment = campaign
    assert run(path, "respondents", "add", "--assessment", str(assessment), *args) == 2
    assert message in capsys.readouterr().err
    with open_store(path) as db:
        assert db.counts()["respondents"] == 0


def test_unknown_assessment_exits_2(campaign, capsys):
    path, _, _ = campaign
    assert run(path, "respondents", "add", "--assessment", "99", "--name", "A",
               "--role", "elu") == 2
    assert "Évaluation n° 99 introuvable" in capsys.readouterr().err


def test_links_gives_links_to_people_without_one_and_says_why_others_are_not_shown(
        campaign, capsys, tmp_path):
    path, _, assessment = campaign
    run(path, "respondents", "add", "--assessment", str(assessment), "--name", "Anne",
        "--role", "elu")
    first = LINK.search(capsys.readouterr().out).group(1)
    with open_store(path) as db:
        db.add_respondent(assessment, "Bruno", "technicien")
    out_file = tmp_path / "liens.csv"
    assert run(path, "respondents", "links", "--assessment", str(assessment),
               "-o", str(out_file)) == 0
    out = capsys.readouterr().out
    assert len(LINK.findall(out)) == 1 and "Bruno" in LINK.split(out)[0]
    assert "non réaffichable" in out and "--regenerate" in out
    rows = list(csv.reader(io.StringIO(out_file.read_bytes().decode("utf-8-sig")),
                           delimiter=";"))
    assert [row[0] for row in rows] == ["nom", "Bruno"]
    with open_store(path) as db:
        assert links.resolve(db, first).respondent.name == "Anne"  # sent link still works
    assert run(path, "respondents", "links", "--assessment", str(assessment),
               "--regenerate", "-o", str(tmp_path / "liens.xlsx")) == 0
    assert len(LINK.findall(capsys.readouterr().out)) == 2
    with open_store(path) as db, pytest.raises(RevokedLinkError):
        links.resolve(db, first)


def test_add_list_is_all_or_nothing(campaign, capsys, tmp_path):
    path, _, assessment = campaign
    bad = tmp_path / "bad.csv"
    bad.write_text("Anne ; elu\nBob ; roi\n", encoding="utf-8")
    assert run(path, "respondents", "add-list", str(bad), "--assessment", str(assessment)) == 2
    assert "ligne 2 : rôle « roi » inconnu" in capsys.readouterr().err
    good = tmp_path / "good.csv"
    good.write_text("nom;rôle;organisation\nAnne;elu;CC\nBob;financeur;\n", encoding="utf-8-sig")
    assert run(path, "respondents", "add-list", str(good), "--assessment", str(assessment)) == 0
    assert len(LINK.findall(capsys.readouterr().out)) == 2
    assert run(path, "respondents", "add-list", str(tmp_path / "none.csv"),
               "--assessment", str(assessment)) == 2
    assert "fichier introuvable" in capsys.readouterr().err


def test_revoke_and_status(campaign, capsys):
    path, _, assessment = campaign
    run(path, "respondents", "add", "--assessment", str(assessment), "--name", "Anne",
        "--role", "elu")
    token = LINK.search(capsys.readouterr().out).group(1)
    with open_store(path) as db:
        anne = db.respondents(assessment)["id"].item()
        db.save_answer(assessment, anne, "S01.V01", "3")
    assert run(path, "respondents", "revoke", "--respondent", str(anne)) == 0
    assert "révoqué" in capsys.readouterr().out
    with open_store(path) as db, pytest.raises(RevokedLinkError):
        links.resolve(db, token)
    assert run(path, "respondents", "revoke", "--respondent", str(anne)) == 0
    assert "rien à révoquer" in capsys.readouterr().out
    assert run(path, "respondents", "status", "--assessment", str(assessment)) == 0
    out = capsys.readouterr().out
    assert "Anne (élu·e) : 1/116 réponses" in out and "à relancer" in out
    assert "« 3 »" not in out


def test_close_with_a_date_then_now_then_reopen(campaign, capsys):
    path, _, assessment = campaign
    run(path, "respondents", "add", "--assessment", str(assessment), "--name", "Anne",
        "--role", "elu")
    token = LINK.search(capsys.readouterr().out).group(1)
    assert run(path, "assessment", "close", str(assessment), "--date", "2099-12-31") == 0
    assert "ouverte jusqu'au 2099-12-31 inclus" in capsys.readouterr().out
    with open_store(path) as db:
        assert links.resolve(db, token).respondent.name == "Anne"
    assert run(path, "assessment", "close", str(assessment), "--date", "31/12") == 2
    assert "illisible" in capsys.readouterr().err
    assert run(path, "assessment", "close", str(assessment)) == 0
    with open_store(path) as db, pytest.raises(ClosedLinkError):
        links.resolve(db, token)
    assert run(path, "assessment", "reopen", str(assessment)) == 0
    with open_store(path) as db:
        assert links.resolve(db, token).respondent.name == "Anne"
        assert db.assessment(assessment).closes_on is None


def test_removals_say_what_will_be_lost_and_need_yes(campaign, capsys):
    path, _, assessment = campaign
    with open_store(path) as db:
        anne = db.add_respondent(assessment, "Anne", "elu")
        db.save_answer(assessment, anne, "S01.V01", "2", "note")
        db.save_answer(assessment, anne, "S01.V02", "1")
    assert run(path, "answer", "remove", "--assessment", str(assessment), "--respondent",
               str(anne), "--item", "S01.V01") == 1
    assert "valeur « 2 » et son commentaire" in capsys.readouterr().out
    assert run(path, "answer", "remove", "--assessment", str(assessment), "--respondent",
               str(anne), "--item", "S01.V01", "--yes") == 0
    assert run(path, "respondents", "remove", "--respondent", str(anne)) == 1
    assert "1 réponse et son lien" in capsys.readouterr().out
    with open_store(path) as db:
        assert db.counts()["respondents"] == 1 and db.counts()["answers"] == 1
    assert run(path, "respondents", "remove", "--respondent", str(anne), "--yes") == 0
    with open_store(path) as db:
        assert db.counts()["respondents"] == 0 and db.counts()["answers"] == 0


def test_anonymity_locks_once_answered(campaign, capsys):
    path, _, assessment = campaign
    assert run(path, "assessment", "anonymous", str(assessment), "oui") == 0
    with open_store(path) as db:
        anne = db.add_respondent(assessment, "Anne", "elu")
        db.save_answer(assessment, anne, "S01.V01", "2")
    assert run(path, "assessment", "anonymous", str(assessment), "non") == 2
    assert "ne peut plus changer" in capsys.readouterr().err


def test_own_profile_is_off_by_default_and_set_from_the_cli_even_once_answered(campaign, capsys):
    path, _, assessment = campaign
    with open_store(path) as db:
        assert db.assessment(assessment).show_own_profile is False
        anne = db.add_respondent(assessment, "Anne", "elu")
        db.save_answer(assessment, anne, "S01.V01", "2")
    assert run(path, "assessment", "own-profile", str(assessment), "oui") == 0
    assert "montre à chaque personne son propre profil" in capsys.readouterr().out
    with open_store(path) as db:
        assert db.assessment(assessment).show_own_profile is True
    assert run(path, "assessment", "own-profile", str(assessment), "non") == 0
    assert "ne montre pas leur profil" in capsys.readouterr().out
    with open_store(path) as db:
        assert db.assessment(assessment).show_own_profile is False


def test_project_update_changes_name_and_phase(campaign, capsys):
    path, project, _ = campaign
    assert run(path, "project", "update", str(project), "--name", "Nouveau nom",
               "--phase", "partenaires") == 0
    with open_store(path) as db:
        assert (db.project(project).name, db.project(project).phase) == \
            ("Nouveau nom", "partenaires")
    assert run(path, "project", "update", str(project), "--phase", "bidon") == 2
    assert "Phase « bidon » inconnue" in capsys.readouterr().err
    assert run(path, "project", "update", str(project)) == 2


def test_campaign_commands_never_show_a_traceback(campaign):
    path, _, _ = campaign
    done = subprocess.run([sys.executable, "-m", "coopscore", "respondents", "revoke",
                           "--respondent", "42", "--db", str(path)], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "introuvable" in done.stderr
