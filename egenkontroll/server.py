"""Serving the notebooks: the review app and the dashboard through Voilà, the notebooks through JupyterLab.

The notebooks (package data ``egenkontroll.notebooks``, built from the top-level folder ``notebooks/``)
and the Voilà template are read through :mod:`importlib.resources`; Voilà and JupyterLab open them by
path, which every installed egenkontroll has: pip installs a wheel as files, an editable install points
at the source tree.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from egenkontroll.perdatum import ENVIRONMENT_VARIABLE as PER_DATUM_VARIABLE

__all__ = ["NOTEBOOKS", "voila_command", "lab_command", "serve"]

IDLE_KERNEL_SECONDS = 1800
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
    """The Voilà command line: loopback only, sources stripped, tracebacks hidden, idle kernels culled."""
    command = [
        sys.executable, "-m", "voila", str(NOTEBOOKS / notebook),
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--strip_sources=True",
        "--show_tracebacks=False",
        f"--Voila.mathjax_url={MATHJAX_STUB}",
        f"--MappingKernelManager.cull_idle_timeout={IDLE_KERNEL_SECONDS}",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",
    ]
    if not open_browser:
        command.append("--no-browser")
    return command


def lab_command(*, port: int, open_browser: bool, notebook_dir: Path = NOTEBOOKS) -> list[str]:
    """The JupyterLab command line on *notebook_dir*, loopback only; as root with :data:`ALLOW_ROOT`."""
    command = [sys.executable, "-m", "jupyter", "lab", f"--notebook-dir={notebook_dir}", f"--port={port}",
               "--ServerApp.ip=127.0.0.1"]
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


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def serve(command: list[str], workspace: Path, *, keep_ready: Callable[[], object] | None = None,
          interval: float = KEEP_READY_SECONDS, per_datum: dt.date | None = None) -> int:
    """Run a server in the foreground with the workspace handed to its kernels; returns its exit code.

    *per_datum*, when given, is handed to the kernels too: their time limits are judged on that day
    instead of today (the demo's register is taken out on a fixed day).

    *keep_ready*, when given, is called before the server starts and then every *interval* seconds
    while it runs (the dashboard re-computes its start view when the data have changed); a failure
    there is reported, not fatal.
    """
    search_path = os.pathsep.join(filter(None, [str(TEMPLATE_ROOT), os.environ.get("JUPYTER_PATH")]))
    quiet = {"PYTHONWARNINGS": "ignore::DeprecationWarning"}  # Voilà's own warnings, not for the user's eyes
    environment = {**quiet, **os.environ, "EGENKONTROLL_WORKSPACE": str(workspace.resolve()),
                   "JUPYTER_PATH": search_path}
    if per_datum is not None:
        environment[PER_DATUM_VARIABLE] = per_datum.isoformat()
    if keep_ready is not None:
        _call_safely(keep_ready)
    process = subprocess.Popen(command, env=environment)
    try:
        while True:
            try:
                return process.wait(timeout=interval if keep_ready else None)
            except subprocess.TimeoutExpired:  # only with keep_ready: without it there is no timeout
                if keep_ready is not None:
                    _call_safely(keep_ready)
    except KeyboardInterrupt:
        process.terminate()
        process.wait()
        return 0


def _call_safely(action: Callable[[], object]) -> None:
    try:
        action()
    except Exception as error:  # noqa: BLE001 - the server keeps running; the next round tries again
        print(f"egenkontroll: startvyn kunde inte förberedas ({error}); den räknas fram när panelen öppnas.",
              file=sys.stderr, flush=True)
