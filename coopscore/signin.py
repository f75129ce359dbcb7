"""How the app is deployed and who signs in: the `poste` / `comptes` modes, the sign-in
configuration (`.streamlit/secrets.toml`, section `[auth]`), a person's identity from the
claims of their ID token.

Pure library: the Streamlit app reads its secrets and `st.user`, then asks this module.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CoopscoreError
from .i18n import t

MODE_VARIABLE = "COOPSCORE_MODE"
MODES = ("poste", "comptes")
DEFAULT_MODE = "poste"
SECRETS_FILE = Path(".streamlit") / "secrets.toml"
# What Streamlit needs to talk to a provider (directly under [auth], or under [auth.<name>]).
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
MIN_COOKIE_SECRET = 32


class ConfigError(CoopscoreError):
    """The deployment is misconfigured (unknown mode, sign-in not set up); nothing is served."""


def current_mode(environ: Mapping[str, str] | None = None) -> str:
    """The mode asked by $COOPSCORE_MODE (« poste » when unset).

    Raises:
        ConfigError: a value that is not a mode.
    """
    environ = os.environ if environ is None else environ
    value = (environ.get(MODE_VARIABLE) or DEFAULT_MODE).strip().lower()
    if value not in MODES:
        raise ConfigError(t("signin.bad_mode", value=value, valid=", ".join(MODES)))
    return value


def providers(auth: Mapping[str, Any] | None) -> list[str]:
    """The named providers of an `[auth]` section (`[auth.keycloak]` → « keycloak »).

    An empty list with a provider set directly under `[auth]` means « the default one ».
    """
    return [name for name, value in (auth or {}).items()
            if isinstance(value, Mapping) and "client_id" in value]


def auth_problems(auth: Mapping[str, Any] | None) -> list[str]:
    """Every problem that keeps `comptes` mode from signing anyone in (empty: ready).

    Checks what Streamlit's `st.login` needs: `redirect_uri`, a `cookie_secret` long enough
    to sign the identity cookie, and at least one provider with its three keys.
    """
    if not auth:
        return [t("signin.no_auth_section")]
    problems = []
    secret = str(auth.get("cookie_secret") or "")
    if not secret:
        problems.append(t("signin.no_cookie_secret"))
    elif len(secret) < MIN_COOKIE_SECRET:
        problems.append(t("signin.short_cookie_secret", count=MIN_COOKIE_SECRET))
    if not auth.get("redirect_uri"):
        problems.append(t("signin.no_redirect_uri"))
    named = providers(auth)
    sections = {name: auth[name] for name in named} or {"": auth}
    for name, section in sections.items():
        missing = [key for key in PROVIDER_KEYS if not section.get(key)]
        if missing:
            problems.append(t("signin.provider_incomplete",
                              section=f"[auth.{name}]" if name else "[auth]",
                              keys=", ".join(missing)))
    return problems


def read_secrets(path: str | Path = SECRETS_FILE) -> dict[str, Any]:
    """The secrets file as a dict (empty when there is none).

    Raises:
        ConfigError: the file is not valid TOML.
    """
    path = Path(path)
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(t("signin.bad_secrets", path=path, error=error)) from None


def check_deployment(environ: Mapping[str, str] | None = None,
                     secrets: Mapping[str, Any] | None = None) -> str:
    """The mode, once checked: `comptes` needs a complete `[auth]` section.

    Raises:
        ConfigError: unknown mode, or `comptes` without what sign-in needs (every problem
        listed, in French).
    """
    mode = current_mode(environ)
    if mode == "comptes":
        secrets = read_secrets() if secrets is None else secrets
        problems = auth_problems(secrets.get("auth"))
        if problems:
            raise ConfigError(t("signin.not_ready"), problems)
    return mode


@dataclass(frozen=True)
class Identity:
    """Who signed in, from their ID token: issuer + subject identify them, e-mail and name
    describe them (grants are given by e-mail)."""

    issuer: str
    subject: str
    email: str | None
    name: str | None


def identity(claims: Mapping[str, Any]) -> Identity | None:
    """The identity in an ID token's claims (`st.user`), or None without issuer and subject."""
    issuer, subject = str(claims.get("iss") or ""), str(claims.get("sub") or "")
    if not issuer or not subject:
        return None
    email = str(claims.get("email") or "").strip().lower() or None
    if claims.get("email_verified") is False:  # an unverified address must not pick up grants
        email = None
    name = claims.get("name") or " ".join(
        str(claims[key]) for key in ("given_name", "family_name") if claims.get(key)) \
        or claims.get("preferred_username") or None
    return Identity(issuer, subject, email, str(name) if name else None)
