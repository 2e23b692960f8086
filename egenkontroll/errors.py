"""The one exception hierarchy of egenkontroll.

Every error a user can cause is a :class:`UserError`: the CLI prints its Swedish message and
exits with code 2. Validation errors carry *every* problem found (like pandera's lazy mode),
so a user fixes a file once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "EgenkontrollError",
    "UserError",
    "Problem",
    "ValidationError",
    "RegisterError",
    "ChecklistError",
    "WorkspaceError",
    "SessionError",
    "ConflictError",
    "AccessError",
    "LoopError",
    "EffectNotShownError",
]


class EgenkontrollError(Exception):
    """Base class of every error raised by egenkontroll."""


class UserError(EgenkontrollError):
    """Bad input or usage; the message is Swedish and shown to the user as it is (exit code 2)."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a user's file.

    Parameters
    ----------
    message
        What is wrong, in Swedish.
    row
        The row number as the user sees it (Excel's numbering, header = row 1), or None.
    column
        The column name as it stands in the user's file, or None.
    file
        The file's name, or None.
    """

    message: str
    row: int | None = None
    column: str | None = None
    file: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"rad {self.row}")
        if self.column is not None:
            where.append(f"kolumn {self.column}")
        place = ", ".join(where)
        prefix = f"{self.file}: " if self.file else ""
        return f"{prefix}{place}: {self.message}" if place else f"{prefix}{self.message}"


class ValidationError(UserError):
    """A file failed validation; ``problems`` lists every problem found (or the first ones and a summary
    of the rest; ``total`` counts them all). ``overview`` holds Swedish lines shown before the list (e.g.
    the problems counted per column, and what to do)."""

    summary = "Filen innehåller fel"

    def __init__(self, problems: Iterable[Problem], file: str | None = None,
                 total: int | None = None, overview: Iterable[str] = ()) -> None:
        self.problems = list(problems)
        self.file = file
        self.total = len(self.problems) if total is None else total
        self.overview = list(overview)
        super().__init__(self._message())

    def _message(self) -> str:
        count = self.total
        head = f"{self.summary}{f' ({self.file})' if self.file else ''}: {count} fel"
        if not self.overview:
            return "\n".join([head, *(f"  {p}" for p in self.problems)])
        return "\n".join([head, "Sammanfattning:", *(f"  {line}" for line in self.overview),
                          "Fel för fel:", *(f"  {p}" for p in self.problems)])


class RegisterError(ValidationError):
    """A case-register export could not be imported; nothing was written."""

    summary = "Ärenderegistret kunde inte läsas in"


class ChecklistError(ValidationError):
    """A checklist definition is invalid (``row`` is the line in the YAML file)."""

    summary = "Checklistan är felaktig"


class WorkspaceError(UserError):
    """The workspace cannot be opened or used (e.g. written by a newer version)."""


class SessionError(UserError):
    """A granskningstillfälle cannot be created or used as asked."""


class ConflictError(SessionError):
    """Someone else changed the same answer first; nothing was overwritten."""


class AccessError(UserError):
    """The user's role on the team server does not allow this (e.g. ``ledning`` saving an answer)."""


class LoopError(UserError):
    """A row of the egenkontrollplan, an åtgärd or a risk cannot be created or changed as asked."""


class EffectNotShownError(LoopError):
    """"Effekt uppnådd" was asked for, but the later measurement does not support it; nothing was written.

    ``follow_up`` holds the figures that were compared (:class:`egenkontroll.actions.FollowUp`).
    """

    def __init__(self, message: str, follow_up: object) -> None:
        super().__init__(message)
        self.follow_up = follow_up
