"""Who is working: the name saved with every answer, correction, session and import."""

from __future__ import annotations

import getpass
import os

#: the name used when the operating system knows no user name
UNKNOWN_USER = "okänd"


def hub_user() -> str | None:
    """The user JupyterHub authenticated (JUPYTERHUB_USER), or None outside a hub."""
    return os.environ.get("JUPYTERHUB_USER") or None


def current_user() -> str:
    """Who is working: JUPYTERHUB_USER when set, else the operating system's user name."""
    authenticated = hub_user()
    if authenticated:
        return authenticated
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in a bare container
        return UNKNOWN_USER
