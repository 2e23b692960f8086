"""Who is working: the name saved with every answer, correction, session and import, and, on the team
server, the role JupyterHub gave the user's server (:data:`ROLE_VARIABLE`, set by the hub when it starts
the server; a browser cannot change it: see :mod:`egenkontroll.hub`)."""

from __future__ import annotations

import getpass
import os

from egenkontroll.errors import AccessError

#: the name used when the operating system knows no user name
UNKNOWN_USER = "okänd"
#: the role of the user's server on the team server (granskare, ledning or kvalitet); unset elsewhere
ROLE_VARIABLE = "EGENKONTROLL_ROLE"
#: roles that may read the workspace but write nothing
READ_ONLY_ROLES = frozenset({"ledning"})


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


def hub_role() -> str | None:
    """The role the team server gave this user's server, or None outside it."""
    return os.environ.get(ROLE_VARIABLE) or None


def require_write_access() -> None:
    """Refuse a write in a read-only role.

    Raises
    ------
    AccessError
        When the team server started this process for a role that may only read (``ledning``).
    """
    role = hub_role()
    if role in READ_ONLY_ROLES:
        raise AccessError(f"Du är inloggad med rollen {role}, som bara får läsa. Inget sparades.")
