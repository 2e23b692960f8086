"""The error boundary: what a user sees when something fails, and what goes to ``fel.log``.

The command line, the review app and the dashboard meet their users through one :class:`Boundary`
each. An expected error (:class:`~egenkontroll.errors.UserError` and
:class:`sampling.SamplingError`) carries its own Swedish message, which is shown as it is and not
logged. Any other error is unexpected: the user reads a Swedish sentence that names the log, never a
traceback, and ``fel.log`` in the workspace folder gets the time, the front end and the traceback
(where in the code, the exception's type and message). The boundary adds nothing about the case
at hand: no arende_id, no answer, no register value.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from egenkontroll.errors import UserError

#: the log of unexpected errors, in the workspace folder
ERROR_LOG = "fel.log"


def is_expected(error: BaseException) -> bool:
    """Whether *error* carries a message for the user: a UserError or a sampling.SamplingError.

    sampling is not imported for this (the dashboard's start view runs without pandas and scipy): a
    SamplingError can only exist when sampling is already imported.
    """
    sampling = sys.modules.get("sampling")
    expected = (UserError,) if sampling is None else (UserError, sampling.SamplingError)
    return isinstance(error, expected)


@dataclass(frozen=True)
class Boundary:
    """One front end's policy: its name in the log and what its user reads after an unexpected error."""

    name: str
    unexpected: str

    def message(self, error: BaseException, folder: Path | None) -> str:
        """What the user sees for *error*; an unexpected one is logged in *folder* first."""
        if is_expected(error):
            return str(error)
        return f"{self.unexpected} {self.log(error, folder)}"

    def log(self, error: BaseException, folder: Path | None) -> str:
        """Append *error*'s traceback to ``fel.log`` in *folder* (else the current folder).

        Returns the sentence telling the user where the details are, or that they could not be written.
        """
        path = (folder if folder is not None and folder.is_dir() else Path.cwd()) / ERROR_LOG
        try:
            with path.open("a", encoding="utf-8") as handle:
                handle.write(f"--- {datetime.now():%Y-%m-%d %H:%M:%S} {self.name}\n")
                handle.write("".join(traceback.format_exception(error)))
        except OSError:
            return "Felet kunde inte skrivas till loggen."
        return f"Detaljerna finns i loggfilen {path}."


CLI = Boundary("kommandoraden", "Ett oväntat fel inträffade.")
REVIEW = Boundary("granskningsappen", "Något gick fel, och det du nyss gjorde kanske inte sparades. Ladda om "
                  "sidan och försök igen; om felet kommer tillbaka, kontakta den som ansvarar för verktyget.")
DASHBOARD = Boundary("instrumentpanelen", "Något gick fel när instrumentpanelen skulle visas. Kontakta den "
                     "som ansvarar för arbetsytan.")
