"""Modes and sign-in settings (coopscore/signin.py): what `comptes` needs, who signed in."""

from __future__ import annotations

import pytest

from coopscore import signin
from coopscore.signin import ConfigError

SECRET = "x" * 48
READY = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": SECRET,
         "client_id": "coopscore", "client_secret": "s3cret",
         "server_metadata_url": "https://id.example.fr/.well-known/openid-configuration"}


def test_poste_is_the_default_mode():
    assert signin.current_mode({}) == "poste"
    assert signin.current_mode({"COOPSCORE_MODE": " Comptes "}) == "comptes"


def test_an_unknown_mode_is_refused_in_french():
    with pytest.raises(ConfigError, match="Mode « partout » inconnu.*poste, comptes"):
        signin.current_mode({"COOPSCORE_MODE": "partout"})


def test_a_complete_auth_section_has_no_problem():
    assert signin.auth_problems(READY) == []
    assert signin.providers(READY) == []


def test_a_missing_cookie_secret_is_named_with_how_to_make_one():
    problems = signin.auth_problems({key: v for key, v in READY.items() if key != "cookie_secret"})
    assert len(problems) == 1
    assert "il manque cookie_secret" in problems[0] and "secrets.token_urlsafe" in problems[0]


def test_a_short_cookie_secret_is_refused():
    (problem,) = signin.auth_problems({**READY, "cookie_secret": "court"})
    assert "trop court" in problem


def test_every_problem_is_listed_at_once():
    problems = signin.auth_problems({"keycloak": {"client_id": "c"}})
    assert any("cookie_secret" in p for p in problems)
    assert any("redirect_uri" in p for p in problems)
    assert any("[auth.keycloak] : il manque client_secret, server_metadata_url" in p
               for p in problems)
    assert signin.auth_problems(None) == [signin.t("signin.no_auth_section")]


def test_named_providers_are_listed():
    auth = {"redirect_uri": READY["redirect_uri"], "cookie_secret": SECRET,
            "keycloak": {k: READY[k] for k in signin.PROVIDER_KEYS},
            "google": {k: READY[k] for k in signin.PROVIDER_KEYS}}
    assert signin.providers(auth) == ["keycloak", "google"]
    assert signin.auth_problems(auth) == []


def test_comptes_mode_does_not_start_without_cookie_secret():
    with pytest.raises(ConfigError) as error:
        signin.check_deployment({"COOPSCORE_MODE": "comptes"}, {"auth": {**READY,
                                                                          "cookie_secret": ""}})
    assert "Le mode « comptes » ne peut pas démarrer" in str(error.value)
    assert "cookie_secret" in str(error.value)
    assert signin.check_deployment({}, {}) == "poste"


def test_secrets_are_read_from_toml(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text('[auth]\ncookie_secret = "abc"\n', encoding="utf-8")
    assert signin.read_secrets(path) == {"auth": {"cookie_secret": "abc"}}
    assert signin.read_secrets(tmp_path / "absent.toml") == {}
    path.write_text("[auth\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="n'est pas un fichier TOML valide"):
        signin.read_secrets(path)


def test_identity_is_issuer_and_subject_with_email_and_name():
    who = signin.identity({"iss": "https://id.example.fr", "sub": "42",
                           "email": "Anne@Pays.FR", "given_name": "Anne", "family_name": "D."})
    assert who == signin.Identity("https://id.example.fr", "42", "anne@pays.fr", "Anne D.")
    assert signin.identity({"email": "a@b.fr"}) is None


def test_an_unverified_email_picks_up_no_grant():
    who = signin.identity({"iss": "i", "sub": "s", "email": "a@b.fr", "email_verified": False})
    assert who.email is None
