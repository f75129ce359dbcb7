"""Named exceptions of coopscore; each carries messages written for people, in French."""

from __future__ import annotations


class CoopscoreError(Exception):
    """Base of every error coopscore raises on purpose: safe to show to a user as is."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        self.message = message
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return self.message + "\n" + "\n".join(f"- {problem}" for problem in self.problems)


class GridError(CoopscoreError):
    """A grid file is missing, unreadable or invalid; `problems` lists every fault found."""


class AnswersError(CoopscoreError):
    """A table or file of answers is invalid; `problems` lists every fault with its line."""


class StoreError(CoopscoreError):
    """The database refused an operation (unknown id, closed assessment, locked file...)."""


class NotFoundError(StoreError):
    """An id (project, assessment, respondent, item) does not exist."""


class ScaleError(CoopscoreError):
    """The answer scale or a target profile is invalid, unknown, or does not fit the grid."""


class LinkError(CoopscoreError):
    """A personal link opens nothing; the subclass says why (its message says it in French)."""


class UnknownLinkError(LinkError):
    """No link has this token (mistyped, truncated, or never issued)."""


class RevokedLinkError(LinkError):
    """The link was revoked or replaced by a newer one."""


class RemovedLinkError(RevokedLinkError):
    """The link's respondent was removed from the assessment (or the assessment deleted)."""


class ClosedLinkError(LinkError):
    """The link's assessment is closed: it accepts no more answers."""


class RespondentListError(CoopscoreError):
    """A pasted or uploaded list of respondents is invalid; `problems` names every bad line."""

class AccessDenied(CoopscoreError):
    """The actor may not do this, or not on this object (« Accès refusé : … »); nothing changed."""
