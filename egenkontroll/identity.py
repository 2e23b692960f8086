"""Who is working: the name saved with every answer, correction, session and import."""

from __future__ import annotations

import getpass
import os

#: the name used when the operating system knows no user name
UNKNOWN_USER = "okänd"


def current_user() -> str:
    """Who is working: JUPYTERHUB_USER when set, else the operating system's user name."""
    hub_user = os.environ.get("JUPYTERHUB_USER")
    if hub_user:
        return hub_user
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in a bare container
        return UNKNOWN_USER
