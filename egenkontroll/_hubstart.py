"""Starting the team server from the command line: ``egenkontroll hub [--demo]``.

Without ``--demo`` JupyterHub runs on the deployment's own ``jupyterhub_config.py`` (the template is
``deploy/jupyterhub_config.py``). With ``--demo`` the hub keeps its own files (its configuration, with
the demo accounts of :data:`egenkontroll.hub.DEMO_USERS`, its database and the users' folders) in a
temporary folder, outside the workspace, and the workspace lives in a PostgreSQL cluster of its own when
the server is installed; both are thrown away when the hub stops.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import threading
import time
import urllib.request
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from egenkontroll import _pgcluster, hub, server
from egenkontroll.errors import UserError

__all__ = ["demo_database", "run_demo", "run_configured", "DEMO_CONFIG"]

#: the configuration ``hub --demo`` writes into the workspace's hub folder
DEMO_CONFIG = "jupyterhub_config.py"
#: how long the browser waits for the hub to answer before it is opened anyway
BROWSER_WAIT_SECONDS = 60


@contextmanager
def demo_database() -> Iterator[str | None]:
    """The demo's database: a new PostgreSQL cluster when the server is installed (its URL, stopped and
    removed on exit), else None, the workspace's SQLite file; says which in one line."""
    reason = _pgcluster.unavailable()
    if reason is not None:
        print(f"egenkontroll: demon använder SQLite-filen i arbetsytan (PostgreSQL saknas: {reason}).",
              flush=True)
        yield None
        return
    cluster = _pgcluster.Cluster.start(durable=True)
    try:
        print(f"egenkontroll: demon använder PostgreSQL, ett eget kluster i {cluster.folder} som tas bort "
              "när hubben stängs.", flush=True)
        url = cluster.create_database()
        print(f"Databasen: {url}\n(sätt EGENKONTROLL_DATABASE_URL till den för att köra andra kommandon mot "
              "demon medan hubben är igång)", flush=True)
        yield url
    finally:
        cluster.stop()


def run_demo(workspace: Path, database_url: str | None, *, port: int, open_browser: bool,
             per_datum: dt.date) -> int:
    """Run the demo hub on 127.0.0.1:*port* over *workspace* until it is stopped; returns its exit code."""
    with tempfile.TemporaryDirectory(prefix="egenkontroll-hub-") as state:
        settings = hub.HubSettings(workspace=workspace.resolve(), state=Path(state),
                                   group_roles={role: role for role in hub.ROLES}, database_url=database_url,
                                   port=port, per_datum=per_datum)
        config = _write_demo_config(settings)
        password = hub.demo_password()
        os.environ[hub.PASSWORD_VARIABLE] = password  # for the hub's configuration; never the users' servers'
        login = f"http://{server.LOOPBACK}:{port}/hub/login"
        accounts = ", ".join(f"{user} ({role})" for user, role in hub.DEMO_USERS.items())
        print(f"egenkontroll: teamservern startar på {login}\n"
              f"Demokonton: {accounts}\nLösenord (samma för alla): {password}\n"
              f"Hubbens egna filer: {state} (tas bort när hubben stängs)", flush=True)
        if open_browser:
            _open_when_answering(login)
        return _serve(config, workspace)


def run_configured(config: Path, workspace: Path) -> int:
    """Run JupyterHub on the deployment's *config* until it is stopped; returns its exit code.

    Raises
    ------
    UserError
        When *config* does not exist.
    """
    if not config.is_file():
        raise UserError(f"{config} finns inte. Ge JupyterHubs inställningsfil med --config FIL (mallen är "
                        "deploy/jupyterhub_config.py i egenkontrolls källkod), eller prova med --demo.")
    return _serve(config, workspace)


def _write_demo_config(settings: hub.HubSettings) -> Path:
    """Write the demo's ``jupyterhub_config.py`` (*settings*, with a per_datum) into the hub's folder;
    returns its path."""
    settings.state.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = settings.state / DEMO_CONFIG
    path.write_text(
        "# Skriven av `egenkontroll hub --demo` vid varje start: ändringar här skrivs över.\n"
        "import datetime\nimport os\nfrom pathlib import Path\n\nfrom egenkontroll import hub\n\n"
        "settings = hub.HubSettings(\n"
        f"    workspace=Path({str(settings.workspace)!r}),\n"
        f"    state=Path({str(settings.state)!r}),\n"
        f"    group_roles={dict(settings.group_roles)!r},\n"
        f"    database_url={settings.database_url!r},\n"
        f"    ip={settings.ip!r},\n"
        f"    port={settings.port},\n"
        f"    per_datum=datetime.date.fromisoformat({str(settings.per_datum)!r}),\n"
        ")\n"
        "hub.configure(c, settings)  # noqa: F821 - JupyterHub gives the config object c\n"
        f"hub.configure_demo(c, os.environ[{hub.PASSWORD_VARIABLE!r}])  # noqa: F821\n",
        encoding="utf-8")
    return path


def _serve(config: Path, workspace: Path) -> int:
    """Run JupyterHub on *config* in the foreground (Ctrl-C stops it and every user's server)."""
    command = [sys.executable, "-m", "jupyterhub", "-f", str(config.resolve())]
    return server.serve(command, workspace)


def _open_when_answering(address: str) -> None:
    """Open *address* in the browser as soon as it answers (in the background)."""
    def wait_then_open() -> None:
        deadline = time.monotonic() + BROWSER_WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(address, timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        webbrowser.open(address)

    threading.Thread(target=wait_then_open, daemon=True).start()
