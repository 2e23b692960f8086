"""The error boundary: what a user sees when something fails, and what goes to ``fel.log``.

The command line, the review app and the dashboard meet their users through one :class:`Boundary`
each. An expected error (:class:`~egenkontroll.errors.UserError` and
:class:`sampling.SamplingError`) carries its own Swedish message, which is shown as it is and not
logged. Any other error is unexpected: the user reads a Swedish sentence that names the log, never a
traceback, and ``fel.log`` in the workspace folder (mode 0600) gets the time, the front end, the type
of each chained exception, the tables a failed database statement touched, and where in the code it
happened. Never values: exception messages are left out (a database error's message and parameters
carry whole case rows, names and free text), and the boundary adds nothing about the case at hand.

Faults of the disk or the database file are neither the user's input nor a bug: a full disk, a
read-only or inaccessible workspace, a damaged database file. :func:`fault_message` recognises them
(anywhere in the chain of exceptions) and the user reads what happened and what to do, in Swedish; like
an expected error they exit 2 and are not logged (the log may be on the same full or read-only disk).
Nothing is half-written in any of these cases: every database change is one transaction, and files are
written beside their target and moved into place.
"""

from __future__ import annotations

import errno
import os
import re
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from egenkontroll.errors import UserError

#: the log of unexpected errors, in the workspace folder
ERROR_LOG = "fel.log"
_DISK_FULL = ("Disken är full, så ingenting sparades (det som redan fanns sparat finns kvar). Frigör "
              "utrymme på disken och försök igen.")
_READ_ONLY = ("Arbetsytan går inte att skriva i (skrivskyddad disk eller mapp, eller du saknar behörighet), "
              "så ingenting sparades. Kontrollera behörigheterna, eller välj en annan arbetsyta med "
              "--workspace.")
_DAMAGED = ("Databasen i arbetsytan (egenkontroll.sqlite) är skadad och går inte att läsa; ingenting "
            "ändrades. Ta inte bort filen: återställ den från säkerhetskopian, eller kontakta den som "
            "ansvarar för verktyget.")
#: errno of an OSError, or words of a database driver's message -> what the user reads
_FAULT_ERRNOS = {errno.ENOSPC: _DISK_FULL, errno.EDQUOT: _DISK_FULL, errno.EROFS: _READ_ONLY,
                 errno.EACCES: _READ_ONLY, errno.EPERM: _READ_ONLY}
_FAULT_WORDS = (("disk is full", _DISK_FULL), ("readonly database", _READ_ONLY),
                ("unable to open database file", _READ_ONLY), ("not a database", _DAMAGED),
                ("malformed", _DAMAGED), ("disk i/o error", _DAMAGED))
#: the table a SQL statement names after FROM, INTO, UPDATE, JOIN or TABLE
_TABLE: re.Pattern[str] = re.compile(r'\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+["`]?(\w+)', re.IGNORECASE)


def is_expected(error: BaseException) -> bool:
    """Whether *error* carries a message for the user: a UserError or a sampling.SamplingError.

    sampling is not imported for this (the dashboard's start view runs without pandas and scipy): a
    SamplingError can only exist when sampling is already imported.
    """
    sampling = sys.modules.get("sampling")
    expected = (UserError,) if sampling is None else (UserError, sampling.SamplingError)
    return isinstance(error, expected) or fault_message(error) is not None


def fault_message(error: BaseException) -> str | None:
    """What the user reads when *error* (or one chained to it) is a disk or database-file fault, else None."""
    for link in _chain(error):
        if isinstance(link, OSError) and link.errno in _FAULT_ERRNOS:
            return _FAULT_ERRNOS[link.errno]
        text = str(getattr(link, "orig", None) or link).casefold() if _is_driver_error(link) else ""
        found = next((message for words, message in _FAULT_WORDS if words in text), None)
        if found is not None:
            return found
    return None


def _is_driver_error(error: BaseException) -> bool:
    """Whether *error* comes from the database driver (a DB-API error, or SQLAlchemy's wrapper of one)."""
    return type(error).__module__.split(".")[0] in {"sqlite3", "sqlalchemy", "psycopg", "psycopg2"}


@dataclass(frozen=True)
class Boundary:
    """One front end's policy: its name in the log and what its user reads after an unexpected error."""

    name: str
    unexpected: str

    def message(self, error: BaseException, folder: Path | None) -> str:
        """What the user sees for *error*; an unexpected one is logged in *folder* first."""
        if is_expected(error):
            return fault_message(error) or str(error)
        return f"{self.unexpected} {self.log(error, folder)}"

    def log(self, error: BaseException, folder: Path | None) -> str:
        """Append *error*'s entry (see the module docstring) to ``fel.log`` in *folder* (else the current
        folder), a file readable by its owner only.

        Returns the sentence telling the user where the details are, or that they could not be written.
        """
        path = (folder if folder is not None and folder.is_dir() else Path.cwd()) / ERROR_LOG
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
                handle.write(f"--- {datetime.now():%Y-%m-%d %H:%M:%S} {self.name}: oväntat fel\n")
                handle.write("".join(_entry(error)))
        except OSError:
            return "Felet kunde inte skrivas till loggen."
        return f"Detaljerna finns i loggfilen {path}."


def _entry(error: BaseException) -> Iterator[str]:
    """Type, tables and code locations of *error* and the exceptions chained to it, without values."""
    for link in _chain(error):
        kind = type(link)
        tables = sorted(set(_TABLE.findall(getattr(link, "statement", None) or "")))
        yield f"{kind.__module__}.{kind.__qualname__}"
        yield f" (tabell: {', '.join(tables)})\n" if tables else "\n"
        yield from traceback.format_list(traceback.extract_tb(link.__traceback__))


def _chain(error: BaseException) -> list[BaseException]:
    """*error* and its causes and contexts, the first cause first (as a traceback prints them)."""
    chain: list[BaseException] = []
    link: BaseException | None = error
    while link is not None and link not in chain:
        chain.append(link)
        link = link.__cause__ or link.__context__
    return chain[::-1]


CLI = Boundary("kommandoraden", "Ett oväntat fel inträffade.")
REVIEW = Boundary("granskningsappen", "Något gick fel, och det du nyss gjorde kanske inte sparades. Ladda om "
                  "sidan och försök igen; om felet kommer tillbaka, kontakta den som ansvarar för verktyget.")
DASHBOARD = Boundary("instrumentpanelen", "Något gick fel när instrumentpanelen skulle visas. Kontakta den "
                     "som ansvarar för arbetsytan.")
