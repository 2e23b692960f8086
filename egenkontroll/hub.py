"""The team server: JupyterHub serving the review app, the dashboard and JupyterLab to logged-in users.

JupyterHub authenticates every user (its own login page; Active Directory through ldapauthenticator or
Entra ID through oauthenticator on a real server) and starts one Jupyter server per user, as that user's,
with the Voilà extension and :mod:`egenkontroll._hub_server`; two services run beside them: the idle
culler and :mod:`egenkontroll._startview`, which keeps the dashboard's start view ready. Everything that
decides who may do what is set here, on the hub, when a user's server starts (``_RoleHook``), never by the
browser:

- the user's **role** comes from their hub groups (:func:`role_of`, through the deployment's
  ``group_roles``) and is handed to the server and its kernels in
  :data:`~egenkontroll.identity.ROLE_VARIABLE`;
- the **reviewer** saved with every answer is the hub user (``JUPYTERHUB_USER``, set by the hub in the
  environment of the user's own server and so of every kernel it starts; kernels are never shared or
  pooled between users, the trap of voila-dashboards/voila#1113);
- a ``granskare`` or ``ledning`` server answers only the pages of its role (``_hub_server``) and its
  kernels take only widget messages (``MappingKernelManager.allowed_message_types``): no code can be run
  through them; a ``ledning`` process writes nothing (:func:`~egenkontroll.identity.require_write_access`).

The deployment's ``jupyterhub_config.py`` (``deploy/`` in the repository) calls :func:`configure`;
``egenkontroll hub --demo`` writes one that also calls :func:`configure_demo`.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import socket
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from egenkontroll import server
from egenkontroll.errors import UserError
from egenkontroll.identity import ROLE_VARIABLE
from egenkontroll.perdatum import ENVIRONMENT_VARIABLE as PER_DATUM_VARIABLE

__all__ = ["ROLES", "HOME_PAGES", "HubSettings", "role_of", "configure", "configure_demo", "demo_password",
           "proxy_command", "DEMO_USERS", "ldap_groups"]

#: the roles, from least to most allowed; a user in groups of several roles gets the last of them
ROLES = ("ledning", "granskare", "kvalitet")
#: where a role's server opens (below the server's own address)
HOME_PAGES = {
    "ledning": "/voila/render/dashboard.ipynb",
    "granskare": "/voila/render/02_granskning.ipynb",
    "kvalitet": "/lab",
}
#: the server extensions a role that runs no code does without (JupyterLab, its language servers, terminals)
CODE_EXTENSIONS = ("jupyterlab", "jupyter_lsp", "jupyter_server_terminals", "notebook_shim", "notebook")
#: the kernel messages a browser may send in a role that runs no code: the widgets' own traffic
WIDGET_MESSAGES = ("kernel_info_request", "comm_info_request", "comm_open", "comm_msg", "comm_close")
#: the hub's address when none is given (JupyterHub's own default)
DEFAULT_PORT = 8000
#: a user's server with no activity for this long is stopped (jupyterhub-idle-culler)
IDLE_SERVER_SECONDS = 3600
#: a kernel with no activity for this long is ended; a page's kernel ends when the page goes away
IDLE_KERNEL_SECONDS = 900
#: most kernels (open pages or notebooks) one user runs at once; a page beyond them is refused
KERNELS_PER_USER = 4
#: most users' servers running at once; a login beyond them waits for one to stop
ACTIVE_SERVERS = 60
#: the demo's accounts and their roles
DEMO_USERS = {"granskare1": "granskare", "granskare2": "granskare", "ledning1": "ledning",
              "kvalitet1": "kvalitet"}
#: the demo accounts' password, when set; else a random one is printed
PASSWORD_VARIABLE = "EGENKONTROLL_HUB_DEMO_PASSWORD"
#: each user's folder on the server (their copies of the notebooks, for kvalitet) under the hub's state
USERS_FOLDER = "anvandare"
#: the proxy JupyterHub puts in front of itself and the users' servers (Node.js; ``make`` installs it)
PROXY = "configurable-http-proxy"


@dataclass(frozen=True)
class HubSettings:
    """What a deployment decides: where the data are, who is who, where the hub listens.

    Attributes
    ----------
    workspace
        The shared workspace folder (pseudonymisation key, exports).
    state
        The hub's own folder: its database, its cookie secret and the users' folders.
    group_roles
        The hub group names (from AD or Entra ID) that give each role, ``{group: role}``.
    database_url
        The shared database (PostgreSQL on a team server); None: the workspace's SQLite file.
    ip, port
        Where the hub listens (behind a TLS proxy on a server: loopback).
    per_datum
        The day time limits are judged per; None: each day as it comes.
    """

    workspace: Path
    state: Path
    group_roles: Mapping[str, str]
    database_url: str | None = None
    ip: str = server.LOOPBACK
    port: int = DEFAULT_PORT
    per_datum: dt.date | None = None


def role_of(groups: Iterable[str], group_roles: Mapping[str, str]) -> str | None:
    """The role *groups* give through *group_roles*: the most allowed one, or None for no role."""
    found = {group_roles[group] for group in groups if group in group_roles}
    return next((role for role in reversed(ROLES) if role in found), None)


def proxy_command() -> str:
    """The proxy's program: beside this Python (``make`` links it there), else on PATH.

    Raises
    ------
    UserError
        When it is not installed.
    """
    beside = Path(sys.executable).parent / PROXY
    found = str(beside) if beside.is_file() else shutil.which(PROXY)
    if found is None:
        raise UserError(f"{PROXY} saknas; JupyterHub behöver den. Installera den med `make hub` i "
                        "egenkontrolls mapp, eller `npm install -g configurable-http-proxy`.")
    return found


def configure(c: Any, settings: HubSettings) -> None:
    """Set up JupyterHub's configuration *c* for egenkontroll (everything but the authenticator).

    Parameters
    ----------
    c
        The configuration object of a ``jupyterhub_config.py``.
    settings
        The deployment's choices.
    """
    invalid = sorted(set(settings.group_roles.values()) - set(ROLES))
    if invalid:
        raise UserError(f"okänd roll i group_roles: {', '.join(invalid)} (rollerna är {', '.join(ROLES)})")
    state = settings.state.resolve()
    state.mkdir(mode=0o700, parents=True, exist_ok=True)
    c.JupyterHub.bind_url = f"http://{settings.ip}:{settings.port}"
    c.JupyterHub.hub_bind_url = f"http://{server.LOOPBACK}:{_free_port()}"
    c.ConfigurableHTTPProxy.api_url = f"http://{server.LOOPBACK}:{_free_port()}"
    c.ConfigurableHTTPProxy.command = [proxy_command()]
    # not the default, the current folder: another hub started there would stop this one's proxy
    c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")
    c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
    c.JupyterHub.active_server_limit = ACTIVE_SERVERS
    c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
    c.SimpleLocalProcessSpawner.home_dir_template = str(state / USERS_FOLDER / "{username}")
    c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
    c.Spawner.environment = _server_environment(settings)
    c.Spawner.pre_spawn_hook = _RoleHook(dict(settings.group_roles))
    c.Spawner.http_timeout = 60
    c.JupyterHub.load_roles = [{"name": "egenkontroll-idle-culler", "services": ["idle-culler"],
                                "scopes": ["list:users", "read:users:activity", "read:servers",
                                           "delete:servers"]}]
    c.JupyterHub.services = [
        {"name": "idle-culler",
         "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={IDLE_SERVER_SECONDS}"]},
        {"name": "startvy", "command": [sys.executable, "-m", "egenkontroll._startview"],
         "environment": _server_environment(settings)},
    ]


def configure_demo(c: Any, password: str) -> None:
    """Log in the demo accounts :data:`DEMO_USERS` with *password*, in hub groups named after their roles."""
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = password
    c.Authenticator.allowed_users = set(DEMO_USERS)
    members = {role: sorted(name for name, own in DEMO_USERS.items() if own == role) for role in ROLES}
    c.JupyterHub.load_groups = {role: {"users": names} for role, names in members.items()}


def ldap_groups(authenticator: Any, handler: Any, authentication: dict[str, Any]) -> dict[str, Any]:
    """A ``post_auth_hook`` for ldapauthenticator: the user's hub groups become the AD groups it found the
    user in (those of its ``allowed_groups``), so that :func:`role_of` sees them (with
    ``Authenticator.manage_groups``)."""
    state = authentication.get("auth_state") or {}
    return {**authentication, "groups": list(state.get("ldap_groups", []))}


def demo_password() -> str:
    """The demo accounts' password: :data:`PASSWORD_VARIABLE` when set, else a new random one."""
    return os.environ.get(PASSWORD_VARIABLE) or secrets.token_urlsafe(9)


class _RoleHook:
    """The hub's ``pre_spawn_hook``: a user's server gets its role, its pages and its limits."""

    def __init__(self, group_roles: dict[str, str]) -> None:
        self.group_roles = group_roles

    def __call__(self, spawner: Any) -> None:
        """Prepare *spawner* for its user's role; refuse a user in no group of egenkontroll."""
        role = role_of((group.name for group in spawner.user.groups), self.group_roles)
        if role is None:
            from tornado import web

            raise web.HTTPError(403, f"{spawner.user.name} är inte med i någon av egenkontrolls grupper "
                                     "(granskare, ledning, kvalitet). Be IT lägga till dig i rätt grupp.")
        spawner.environment = {**spawner.environment, ROLE_VARIABLE: role}
        spawner.default_url = HOME_PAGES[role]
        spawner.args = server_arguments(role, _notebook_folder(role, Path(spawner.home_dir)))


def server_arguments(role: str, notebooks: Path) -> list[str]:
    """The options of a user's Jupyter server in *role*, serving *notebooks*."""
    arguments = [f"--ServerApp.root_dir={notebooks}",
                 "--ServerApp.jpserver_extensions", "egenkontroll._hub_server=True",
                 "--VoilaConfiguration.strip_sources=True",
                 "--VoilaConfiguration.show_tracebacks=False",
                 f"--MappingKernelManager.cull_idle_timeout={IDLE_KERNEL_SECONDS}",
                 "--MappingKernelManager.cull_interval=60",
                 "--MappingKernelManager.cull_connected=False",
                 "--ServerApp.terminals_enabled=" + str(role == "kvalitet")]
    if role != "kvalitet":
        arguments += [f"--MappingKernelManager.allowed_message_types={kind}" for kind in WIDGET_MESSAGES]
        for extension in CODE_EXTENSIONS:
            arguments += ["--ServerApp.jpserver_extensions", f"{extension}=False"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        arguments.append("--ServerApp.allow_root=True")
    return arguments


def _notebook_folder(role: str, home: Path) -> Path:
    """The folder a user's server serves: kvalitet their own copies (JupyterLab saves there), others the
    installed notebooks, read as they are."""
    if role != "kvalitet":
        return server.NOTEBOOKS
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    return server.notebook_copies(home / "anteckningsbocker")


def _server_environment(settings: HubSettings) -> dict[str, str]:
    """What every user's server (and so every kernel) is started with, besides the hub's own variables."""
    search_path = os.pathsep.join(filter(None, [str(server.TEMPLATE_ROOT), os.environ.get("JUPYTER_PATH")]))
    environment = {"EGENKONTROLL_WORKSPACE": str(settings.workspace.resolve()), "JUPYTER_PATH": search_path,
                   "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    if settings.database_url:
        environment["EGENKONTROLL_DATABASE_URL"] = settings.database_url
    if settings.per_datum is not None:
        environment[PER_DATUM_VARIABLE] = settings.per_datum.isoformat()
    return environment


def _free_port() -> int:
    """A port on loopback nothing listens on now (for the hub's and the proxy's internal APIs)."""
    with socket.socket() as probe:
        probe.bind((server.LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port
