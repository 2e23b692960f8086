"""Exceptions of the ``sampling`` package (it never imports ``egenkontroll``).

Every message is Swedish: it reaches users of the review app as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["SamplingError", "VerificationError"]


class SamplingError(ValueError):
    """Bad input to a planning, selection or evaluation function (Swedish message)."""


class VerificationError(SamplingError):
    """A sample could not be reproduced from its manifest.

    Parameters
    ----------
    lines
        One Swedish sentence per change found; joined into the message.
    changes
        The same findings as data, e.g. ``{"removed": [...], "moved": {...}}``.
    """

    def __init__(self, lines: Iterable[str], changes: dict | None = None) -> None:
        self.lines = list(lines)
        self.changes = changes or {}
        super().__init__("\n".join(self.lines))
