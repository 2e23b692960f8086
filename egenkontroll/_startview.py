"""The team server's service that keeps the dashboard's start view ready, as ``egenkontroll dashboard``
does for its own server: every :data:`egenkontroll.server.KEEP_READY_SECONDS` the start view is computed
anew when the data have changed, so that the ledningsgrupp's first look after new answers is quick.

Run as ``python -m egenkontroll._startview`` by JupyterHub (:func:`egenkontroll.hub.configure`), with the
workspace, the database and the per_datum in the environment, as the users' servers get them.
"""

from __future__ import annotations

import time

from egenkontroll import dashboard, server

__all__ = ["main"]


def main() -> None:
    """Keep the start view ready until stopped."""
    keep_ready = dashboard.KeepReady()
    while True:
        server.run_keep_ready(keep_ready)
        time.sleep(server.KEEP_READY_SECONDS)


if __name__ == "__main__":
    main()
