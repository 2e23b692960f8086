"""Serving the notebooks: the review app and the dashboard through Voilà, the notebooks through JupyterLab."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["NOTEBOOKS", "voila_command", "lab_command", "serve"]

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
IDLE_KERNEL_SECONDS = 1800
#: Voilà loads MathJax from a CDN by default; nothing the app shows may come from the internet, and the
#: notebooks have no formulas, so an inline stub with the calls JupyterLab's MathJax plugin makes stands in
MATHJAX_STUB = ("data:text/javascript,window.MathJax={Hub:{Config:function(){},Configured:function(){},"
                "Queue:function(){},Register:{StartupHook:function(){}}}};//")  # Voilà appends ?config=...
#: holds the Voilà template "egenkontroll" (lab without CDN links) that the notebooks name in their metadata
TEMPLATE_ROOT = Path(__file__).resolve().parent / "share"


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


def lab_command(*, port: int, open_browser: bool) -> list[str]:
    """The JupyterLab command line, opened on the notebooks folder, loopback only."""
    command = [sys.executable, "-m", "jupyter", "lab", f"--notebook-dir={NOTEBOOKS}", f"--port={port}",
               "--ServerApp.ip=127.0.0.1"]
    if not open_browser:
        command.append("--no-browser")
    return command


def serve(command: list[str], workspace: Path) -> int:
    """Run a server in the foreground with the workspace handed to its kernels; returns its exit code."""
    search_path = os.pathsep.join(filter(None, [str(TEMPLATE_ROOT), os.environ.get("JUPYTER_PATH")]))
    environment = {**os.environ, "EGENKONTROLL_WORKSPACE": str(workspace.resolve()),
                   "JUPYTER_PATH": search_path}
    try:
        return subprocess.call(command, env=environment)
    except KeyboardInterrupt:
        return 0
