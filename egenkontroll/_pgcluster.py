"""A private PostgreSQL cluster in a folder of its own: the demo team server's database and the tests'.

The cluster is Debian's ``postgresql`` (binaries under ``/usr/lib/postgresql/VERSION/bin``), started in
a temporary folder, reachable only through a unix socket in that folder (``listen_addresses = ''``).
``initdb`` and ``pg_ctl`` refuse to run as root, so as root they run as the ``postgres`` user with
``runuser``; as anyone else, as that user. Databases are owned by the unprivileged role
``egenkontroll`` that the workspace connects as (what the README asks a kvalitetsutvecklare to set up).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["Cluster", "ROLE", "server_binaries", "unavailable"]

#: where Debian installs the server binaries, one folder per major version
BINARIES = "/usr/lib/postgresql/*/bin"
#: the role the workspaces connect as: owns its database, nothing more
ROLE = "egenkontroll"


def server_binaries() -> Path | None:
    """The bin folder of the newest PostgreSQL installed, or None."""
    found = [Path(folder) for folder in glob.glob(BINARIES) if (Path(folder) / "initdb").is_file()]
    return max(found, key=lambda folder: int(folder.parent.name), default=None)


def unavailable() -> str | None:
    """Why no throwaway cluster can start here, or None when it can."""
    try:
        import psycopg  # noqa: F401 - only whether the driver is installed
    except ImportError:
        return "psycopg is not installed (pip install 'egenkontroll[postgres]')"
    if server_binaries() is None:
        return f"no PostgreSQL server under {BINARIES} (apt-get install postgresql; make test does)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root, but runuser is missing to start PostgreSQL as the postgres user"
    return None


class Cluster:
    """A running throwaway PostgreSQL cluster; :meth:`start` it, :meth:`stop` it."""

    def __init__(self, folder: Path, binaries: Path) -> None:
        self.folder = folder
        self.binaries = binaries
        self._numbers = itertools.count(1)

    @classmethod
    def start(cls, *, durable: bool = False) -> Cluster:
        """Initialise and start a cluster in a new temporary folder (the ``postgres`` user's when root).

        Parameters
        ----------
        durable
            Keep ``fsync`` on (for measurements); off by default, as the cluster is thrown away and a
            killed client, unlike a power cut, needs no fsync to lose nothing.
        """
        binaries = server_binaries()
        if binaries is None:
            raise RuntimeError(unavailable())
        folder = Path(tempfile.mkdtemp(prefix="egenkontroll-pg-"))
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")  # initdb writes here, the server its socket
        cluster = cls(folder, binaries)
        cluster._run("initdb", "--pgdata", str(cluster.data), "--username", "postgres", "--auth", "trust",
                     "--encoding", "UTF8", "--locale", "C", "--no-sync")
        settings = {"listen_addresses": "''", "unix_socket_directories": f"'{folder}'",
                    "fsync": "on" if durable else "off", "full_page_writes": "on" if durable else "off",
                    "max_connections": "200"}
        with (cluster.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        cluster._run("pg_ctl", "--pgdata", str(cluster.data), "--log", str(folder / "server.log"),
                     "--wait", "start")
        cluster._admin(f"CREATE ROLE {ROLE} LOGIN")
        return cluster

    @property
    def data(self) -> Path:
        """The cluster's data folder."""
        return self.folder / "data"

    def url(self, database: str, user: str = ROLE) -> str:
        """The SQLAlchemy URL of *database* as *user*, through the socket."""
        return f"postgresql+psycopg://{user}@/{database}?host={self.folder}"

    def create_database(self) -> str:
        """A new, empty database owned by :data:`ROLE`; returns its URL."""
        name = f"db_{next(self._numbers)}"
        self._admin(f"CREATE DATABASE {name} OWNER {ROLE}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop the database of *url*, ending any connection still open to it."""
        import sqlalchemy as sa

        self._admin(f"DROP DATABASE {sa.make_url(url).database} WITH (FORCE)")

    def stop(self) -> None:
        """Stop the server at once and remove its folder."""
        self._run("pg_ctl", "--pgdata", str(self.data), "--mode", "immediate", "--wait", "stop")
        shutil.rmtree(self.folder)

    def _admin(self, statement: str) -> None:
        """Run *statement* as the superuser, outside a transaction."""
        import psycopg

        with psycopg.connect(host=str(self.folder), dbname="postgres", user="postgres",
                             autocommit=True) as connection:
            connection.execute(statement)

    def _run(self, program: str, *arguments: str) -> None:
        """Run a server program as the postgres user when we are root, else as ourselves."""
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*as_postgres, str(self.binaries / program), *arguments],
                              capture_output=True, text=True, cwd=self.folder)
        if done.returncode != 0:
            log = self.folder / "server.log"
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr}"
                               + (f"\nserver.log:\n{log.read_text()}" if log.is_file() else ""))
