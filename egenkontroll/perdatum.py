"""The evaluation date ("per datum") that every time limit is judged on.

Whether a case is late depends on the day it is judged: an investigation still open is undecided
inside its four months and late after them. Every figure that a person may reproduce (a notebook,
an export, ``results --json``, the text for the kvalitetsberättelse) is therefore computed as of
one stated date, given by the caller. Live views that name no date (the dashboard, the review app)
use ``$EGENKONTROLL_PER_DATUM`` when a server was started with a fixed date (as the demo is), and
otherwise today: this module is the one place the wall clock is read for a time limit.
"""

from __future__ import annotations

import datetime as dt
import os

from egenkontroll.errors import UserError

#: the environment variable a server hands its kernels a fixed evaluation date through
ENVIRONMENT_VARIABLE = "EGENKONTROLL_PER_DATUM"


def per_datum(as_of: dt.date | str | None = None) -> dt.date:
    """*as_of* as a date (ISO text too); when None, ``$EGENKONTROLL_PER_DATUM`` or else today.

    Raises
    ------
    UserError
        When the date given (or in the environment) is not a date.
    """
    if as_of is None:
        as_of = os.environ.get(ENVIRONMENT_VARIABLE) or dt.date.today()
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    try:
        return dt.date.fromisoformat(str(as_of).strip())
    except ValueError:
        raise UserError(f"{as_of!r} är inget datum; skriv datum som ÅÅÅÅ-MM-DD.") from None
