"""The one place user-facing text comes from: message catalogues in data/locales/<lang>/*.yaml.

Keys are namespaced by file (`grid.duplicate_id` lives in data/locales/fr/grid.yaml under
`duplicate_id`). French is the reference language; another language may cover only part of
the keys, missing ones fall back to French.
"""

from __future__ import annotations

import contextvars
import functools
import numbers
import os
import re
from pathlib import Path

import yaml

LOCALES_DIR = Path(__file__).resolve().parent.parent / "data" / "locales"
DEFAULT_LANGUAGE = "fr"


@functools.cache
def catalogue(language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Return every message of a language as a flat {namespace.key: text} mapping."""
    messages: dict[str, str] = {}
    folder = LOCALES_DIR / language
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        _flatten(path.stem, data, messages)
    return messages


def _flatten(prefix: str, data: dict, out: dict[str, str]) -> None:
    for key, value in data.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(name, value, out)
        else:
            out[name] = str(value)


# The language of the current run (a Streamlit session sets it at the top of every rerun);
# without it, the process default from COOPSCORE_LANG.
_session_language: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "coopscore_language", default=None)


def missing_keys(language: str) -> list[str]:
    """The French keys that `language` does not translate (empty: the language is complete)."""
    return sorted(set(catalogue(DEFAULT_LANGUAGE)) - set(catalogue(language)))


@functools.cache
def languages() -> tuple[str, ...]:
    """The languages a person may choose, French first: those that translate every key.

    A partial catalogue is never offered (a page half in English would be read as a bug).
    """
    found = sorted(p.name for p in LOCALES_DIR.iterdir() if p.is_dir())
    complete = [name for name in found if name == DEFAULT_LANGUAGE or not missing_keys(name)]
    return tuple(sorted(complete, key=lambda name: name != DEFAULT_LANGUAGE))


def use_language(language: str | None) -> str:
    """Make `language` the language of this run (unknown or None: the process default)."""
    chosen = language if language in languages() else None
    _session_language.set(chosen)
    return current_language()


def current_language() -> str:
    chosen = _session_language.get()
    if chosen:
        return chosen
    default = os.environ.get("COOPSCORE_LANG", DEFAULT_LANGUAGE)
    return default if default in languages() else DEFAULT_LANGUAGE


def t(key: str, /, language: str | None = None, **values: object) -> str:
    """Translate `key` and fill its {placeholders}.

    Raises:
        KeyError: the key exists in no catalogue (a programming error, caught by the tests).
    """
    language = language or current_language()
    text = catalogue(language).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE)[key]
    if not values:
        return text
    text = _PLURAL.sub(lambda match: _agreed(match, values, language), text)
    return text.format(**{name: _counted(name, value, language) for name, value in values.items()})


# « {count} {count|personne ajoutée|personnes ajoutées} »: the words that agree with a number,
# in the catalogue itself, so no sentence ever says « personne(s) ajoutée(s) ».
_PLURAL = re.compile(r"\{(\w+)\|([^{}|]*)\|([^{}|]*)\}")


def _agreed(match: re.Match, values: dict[str, object], language: str) -> str:
    """The singular or the plural form for the number `values[name]`."""
    name, one, other = match.groups()
    # a missing or non-numeric count is a programming error
    return one if singular(int(values[name]), language) else other


def singular(count: int, language: str) -> bool:
    """Whether `count` takes the singular: in French for 0 and 1, in English for 1 only."""
    return count <= 1 if language == "fr" else count == 1


# Placeholders that name a thing by its number (« évaluation n° 1234 », « ligne 1500 »,
# « version 2 », « 2026 ») or quote a value as it was typed (« poids « -2 » invalide »):
# written as given, never as a quantity « 1 234 ».
IDENTIFIERS = frozenset({"id", "assessment", "project", "respondent", "territory", "programme",
                         "number", "version", "line", "year", "rank", "page", "issue", "port",
                         "value", "values", "cell", "key"})


def _counted(name: str, value: object, language: str) -> object:
    """A whole number given to a sentence is a quantity, written with the reader's thousands
    mark (« 13 007 », « 13,007 ») through `format`, the one place numbers are written; an
    identifier (see IDENTIFIERS) or anything else is left as given."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or name in IDENTIFIERS:
        return value
    from coopscore import format as fmt  # format reads the catalogues: imported when needed

    return fmt.integer(value, language=language)


def replacement_rules(namespace: str, language: str, source: str = "en") -> list[tuple[str, str]]:
    """How to rewrite another program's `source`-language texts in `language`.

    Each key of `namespace` holds the text as the other program writes it (in `source`) and its
    translation; ``{x}`` stands for the part that program fills in. Returns (regular
    expression, replacement) pairs, anchored on the whole text, usable in Python and in
    JavaScript (``$1`` is the filled-in part). Texts identical in both languages are left out.
    """
    prefix = f"{namespace}."
    rules = []
    for key, original in sorted(catalogue(source).items()):
        if not key.startswith(prefix):
            continue
        translated = t(key, language=language)
        if translated == original:
            continue
        pattern = "^" + re.escape(original).replace(re.escape("{x}"), "(.+?)") + "$"
        rules.append((pattern, translated.replace("{x}", "$1")))
    return rules
