"""Anonymous assessments: names hidden from team views, per-role views only for groups of 3+.

The choice is made when the assessment is opened (`Store.create_assessment(anonymous=...)`)
and can change only while nobody has answered: people answered under the promise they read.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import pandas as pd

from .errors import StoreError
from .i18n import languages, t
from .store import Store

# Below this many people, a role's average reveals what each of them answered.
MIN_PEOPLE_PER_ROLE = 3


def set_anonymous(store: Store, assessment_id: int, anonymous: bool) -> None:
    """Change an assessment's anonymity, allowed only while it has no answer.

    Raises:
        NotFoundError: unknown assessment. StoreError: closed, or answers already given.
    """
    with store.transaction():
        store.require_open(assessment_id)
        answered = store._one("SELECT COUNT(*) AS n FROM answers WHERE assessment_id = ?",
                              [int(assessment_id)])["n"]
        current = store.assessment(assessment_id).anonymous
        if answered and bool(anonymous) != current:
            raise StoreError(t("anonymity.locked", count=answered))
        store.conn.execute("UPDATE assessments SET anonymous = ? WHERE id = ?",
                           [int(bool(anonymous)), int(assessment_id)])


def display_names(respondents: pd.DataFrame, anonymous: bool) -> dict[int, str]:
    """{respondent id: the name a team view shows}: « Répondant·e 3 » when anonymous.

    Args:
        respondents: `Store.respondents()` of one assessment (columns id, name); numbers
            follow the order people were added, so they stay put as others join.
    """
    ordered = respondents.sort_values("id")
    if not anonymous:
        return {int(rid): str(name) for rid, name in zip(ordered["id"], ordered["name"])}
    return {int(rid): t("anonymity.respondent", number=number)
            for number, rid in enumerate(ordered["id"], start=1)}


def is_pseudonym(name: str) -> bool:
    """Whether `name` is a pseudonym an anonymous export writes (« Répondant·e 3 », in any of
    the languages offered), rather than a person's name."""
    return any(re.fullmatch(pattern, str(name).strip()) for pattern in _pseudonym_patterns())


@functools.cache
def _pseudonym_patterns() -> tuple[str, ...]:
    return tuple(re.escape(t("anonymity.respondent", language=language, number=0)).replace(
        "0", r"\d+") for language in languages())


def roles_shown(respondents: pd.DataFrame, anonymous: bool) -> list[str]:
    """The roles a per-role view may show: all of them, or only those of 3+ people if anonymous."""
    counts = respondents["role"].value_counts()
    return [str(role) for role, n in counts.items()
            if not anonymous or n >= MIN_PEOPLE_PER_ROLE]


def role_view_allowed(respondents: pd.DataFrame, role: str, anonymous: bool) -> bool:
    """Whether one role's own view (its radar, its mean) may be shown."""
    return role in roles_shown(respondents, anonymous)


def pseudonymised_answers(answers: pd.DataFrame, respondents: pd.DataFrame,
                          anonymous_ids: Iterable[int]) -> pd.DataFrame:
    """An export's answers with the people of anonymous assessments made unrecognisable.

    As Regards croisés shows them: « Répondant·e 3 » instead of the name (the same numbers),
    the role only when at least MIN_PEOPLE_PER_ROLE people share it, and no organisation (one
    mayor's office names one person). Rows of the other assessments are returned unchanged.

    Args:
        answers: exchange's answers table (assessment, respondent = id, role, organisation...).
        respondents: `Store.respondents()` of the exported assessments.
        anonymous_ids: the exported assessments that are anonymous.

    Returns:
        The same rows and columns, `respondent` holding names (or pseudonyms) instead of ids.
    """
    wanted = {int(i) for i in anonymous_ids}
    names: dict[int, str] = {}
    hidden_role: dict[int, bool] = {}
    for assessment_id, people in respondents.groupby("assessment"):
        anonymous = int(assessment_id) in wanted
        names.update(display_names(people, anonymous))
        shown = set(roles_shown(people, anonymous))
        hidden_role.update({int(rid): role not in shown
                            for rid, role in zip(people["id"], people["role"])})
    out = answers.copy()
    ids = out["respondent"].astype(int)
    out["respondent"] = ids.map(names)
    masked = out["assessment"].astype(int).isin(wanted)
    out.loc[masked, "organisation"] = None
    role_hidden = ids.map(lambda rid: hidden_role.get(rid, False)).astype(bool)
    out.loc[masked & role_hidden, "role"] = t("anonymity.role_hidden")
    return out
