"""Serving the notebooks: the review app and the dashboard through Voilà, the notebooks through JupyterLab.

The notebooks (package data ``egenkontroll.notebooks``, built from the top-level folder ``notebooks/``)
and the Voilà template are read through :mod:`importlib.resources`; Voilà and JupyterLab open them by
path, which every installed egenkontroll has: pip installs a wheel as files, an editable install points
at the source tree.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from egenkontroll.errors import UserError
from egenkontroll.perdatum import ENVIRONMENT_VARIABLE as PER_DATUM_VARIABLE

__all__ = ["NOTEBOOKS", "voila_command", "lab_command", "serve", "new_token", "check_port", "address",
           "run_keep_ready"]

#: the server's token; empty: none (behind JupyterHub). Set by the user, it replaces the random one.
TOKEN_VARIABLE = "EGENKONTROLL_TOKEN"
#: a kernel without a page (closed, reloaded, gone away) ends after this many idle seconds, found by a
#: round every :data:`CULL_INTERVAL_SECONDS`; a kernel whose page is open is never culled
IDLE_KERNEL_SECONDS = 45
CULL_INTERVAL_SECONDS = 15
#: sets :data:`IDLE_KERNEL_SECONDS` instead (tests shorten the wait)
IDLE_KERNEL_VARIABLE = "EGENKONTROLL_KERNEL_IDLE_SECONDS"
#: most kernels (open pages) one server runs at once
KERNEL_LIMIT = 10
#: a host name besides 127.0.0.1, localhost and [::1] the app may be reached under (behind a proxy)
PUBLIC_HOST_VARIABLE = "EGENKONTROLL_PUBLIC_HOST"
LOOPBACK = "127.0.0.1"
#: how often a running dashboard server checks whether its start view must be computed anew
KEEP_READY_SECONDS = 60
#: Voilà loads MathJax from a CDN by default; nothing the app shows may come from the internet, and the
#: notebooks have no formulas, so an inline stub with the calls JupyterLab's MathJax plugin makes stands in
MATHJAX_STUB = ("data:text/javascript,window.MathJax={Hub:{Config:function(){},Configured:function(){},"
                "Queue:function(){},Register:{StartupHook:function(){}}}};//")  # Voilà appends ?config=...


def _on_disk(resource: Traversable) -> Path:
    """*resource* as a path on disk.

    Raises
    ------
    RuntimeError
        When egenkontroll is imported from an archive (a zip file), where its files have no path.
    """
    if not isinstance(resource, Path):
        raise RuntimeError(f"egenkontroll måste vara installerat som filer, inte i ett arkiv ({resource})")
    return resource


NOTEBOOKS = _on_disk(resources.files("egenkontroll.notebooks"))
#: holds the Voilà template "egenkontroll" (lab without CDN links) that the notebooks name in their metadata
TEMPLATE_ROOT = _on_disk(resources.files("egenkontroll") / "share")
#: JupyterLab refuses to start as root without this flag (servers and containers often run as root)
ALLOW_ROOT = "--allow-root"


def voila_command(notebook: str, *, port: int, open_browser: bool) -> list[str]:
    """The Voilà command line (:mod:`egenkontroll._voila_app`): loopback only, on *port* or not at all,
    sources stripped, tracebacks hidden, kernels without a page culled within a minute, at most
    :data:`KERNEL_LIMIT` kernels; the token comes through the environment (:func:`serve`)."""
    idle = int(os.environ.get(IDLE_KERNEL_VARIABLE, IDLE_KERNEL_SECONDS))
    public_host = os.environ.get(PUBLIC_HOST_VARIABLE)
    command = [
        sys.executable, "-m", "egenkontroll._voila_app", str(NOTEBOOKS / notebook),
        f"--port={port}",
        "--Voila.port_retries=0",
        f"--Voila.ip={LOOPBACK}",
        "--strip_sources=True",
        "--show_tracebacks=False",
        f"--Voila.mathjax_url={MATHJAX_STUB}",
        f"--EgenkontrollVoila.kernel_limit={KERNEL_LIMIT}",
        f"--MappingKernelManager.cull_idle_timeout={idle}",
        f"--MappingKernelManager.cull_interval={min(idle, CULL_INTERVAL_SECONDS)}",
        "--MappingKernelManager.cull_connected=False",
    ]
    if public_host:
        command.append(f"--EgenkontrollVoila.public_hosts={public_host}")
    if not open_browser:
        command.append("--no-browser")
    return command


def lab_command(*, port: int, open_browser: bool, notebook_dir: Path = NOTEBOOKS) -> list[str]:
    """The JupyterLab command line on *notebook_dir*, loopback only; as root with :data:`ALLOW_ROOT`."""
    command = [sys.executable, "-m", "jupyter", "lab", f"--notebook-dir={notebook_dir}", f"--port={port}",
               "--ServerApp.port_retries=0", f"--ServerApp.ip={LOOPBACK}"]
    if _running_as_root():
        command.append(ALLOW_ROOT)
    if not open_browser:
        command.append("--no-browser")
    return command


def notebook_copies(folder: Path) -> Path:
    """*folder* holding the user's own copy of every notebook; a copy already there is left as it is.

    JupyterLab saves where it opened a notebook: the copies leave the installed package unchanged
    (site-packages may not even be writable), and a user's edits survive an upgrade.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        copy = folder / notebook.name
        if not copy.exists():
            copy.write_bytes(notebook.read_bytes())
    return folder


def new_token() -> str:
    """The secret a browser must show: :data:`TOKEN_VARIABLE` when set, else a random one."""
    return os.environ.get(TOKEN_VARIABLE) or secrets.token_urlsafe(32)


def address(port: int, token: str) -> str:
    """The address that opens the app on *port*, with *token* when there is one."""
    return f"http://{LOOPBACK}:{port}/" + (f"?token={token}" if token else "")


def check_port(port: int) -> None:
    """Refuse a *port* that is taken: whoever opens the usual address must not land in another app.

    Raises
    ------
    UserError
        When something already listens on *port* (often another user's app on a shared machine).
    """
    with socket.socket() as probe:
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            raise UserError(f"porten {port} används redan, kanske av en annan användares app. Välj en annan "
                            "port med --port N.") from None


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def serve(command: list[str], workspace: Path, *, keep_ready: Callable[[], object] | None = None,
          interval: float = KEEP_READY_SECONDS, per_datum: dt.date | None = None, token: str = "") -> int:
    """Run a server in the foreground with the workspace handed to its kernels; returns its exit code.

    *token* is handed to the server through its environment (a command line is visible to every local
    user); empty: none.

    *per_datum*, when given, is handed to the kernels too: their time limits are judged on that day
    instead of today (the demo's register is taken out on a fixed day).

    SIGTERM (a service manager stopping it) ends the server as Ctrl-C does: it is asked to stop and
    waited for, so that it stops what it started in turn.

    *keep_ready*, when given, is called before the server starts and then every *interval* seconds
    while it runs (the dashboard re-computes its start view when the data have changed); a failure
    there is reported, not fatal.
    """
    search_path = os.pathsep.join(filter(None, [str(TEMPLATE_ROOT), os.environ.get("JUPYTER_PATH")]))
    quiet = {"PYTHONWARNINGS": "ignore::DeprecationWarning"}  # Voilà's own warnings, not for the user's eyes
    environment = {**quiet, **os.environ, "EGENKONTROLL_WORKSPACE": str(workspace.resolve()),
                   "JUPYTER_PATH": search_path, TOKEN_VARIABLE: token}
    if per_datum is not None:
        environment[PER_DATUM_VARIABLE] = per_datum.isoformat()
    if keep_ready is not None:
        run_keep_ready(keep_ready)
    process = subprocess.Popen(command, env=environment)
    signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop ends the server as Ctrl-C does
    try:
        while True:
            try:
                return process.wait(timeout=interval if keep_ready else None)
            except subprocess.TimeoutExpired:  # only with keep_ready: without it there is no timeout
                if keep_ready is not None:
                    run_keep_ready(keep_ready)
    except KeyboardInterrupt:
        process.terminate()
        process.wait()
        return 0


def _interrupt(signum: int, frame: object) -> None:
    """Stop as Ctrl-C stops: the server is asked to end and waited for."""
    raise KeyboardInterrupt


def run_keep_ready(action: Callable[[], object]) -> None:
    """Run the keep-ready *action* (see :func:`serve`); a failure is reported in one line on stderr, not
    raised: the server runs on and the next round tries again."""
    try:
        action()
    except Exception as error:  # noqa: BLE001 - the server keeps running; the next round tries again
        print(f"egenkontroll: startvyn kunde inte förberedas ({error}); den räknas fram när panelen öppnas.",
              file=sys.stderr, flush=True)
