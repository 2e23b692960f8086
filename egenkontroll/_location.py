"""Where a workspace lives: its folder, its database URL, an engine on that database, and the stamp of
its data. Nothing here needs pandas: the dashboard's stored start view is checked through this module.

Everything in a workspace is covered by secrecy (OSL 26 kap.): its folders are created readable by their
owner only (0700) and its files likewise (0600; SQLite gives the WAL and SHM files the database file's
mode). :func:`loose_permissions` names what is wider, for ``status`` to warn about.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from egenkontroll import _db

#: the workspace folder when neither a path nor $EGENKONTROLL_WORKSPACE is given
DEFAULT_WORKSPACE = Path("arbetsyta")
#: the SQLite file inside the workspace folder
DATABASE_FILE = "egenkontroll.sqlite"
#: modes of the workspace's folders and files: their owner only
FOLDER_MODE = 0o700
FILE_MODE = 0o600
_OTHERS = 0o077


def workspace_folder(path: str | os.PathLike[str] | None = None) -> Path:
    """*path*, else ``$EGENKONTROLL_WORKSPACE``, else ``./arbetsyta``."""
    return Path(path or os.environ.get("EGENKONTROLL_WORKSPACE") or DEFAULT_WORKSPACE)


def database_url(folder: Path, url: str | None = None) -> str:
    """*url*, else ``$EGENKONTROLL_DATABASE_URL``, else the SQLite file in *folder*."""
    url = url or os.environ.get("EGENKONTROLL_DATABASE_URL")
    return url or _file_url(folder)


def _file_url(folder: Path) -> str:
    """The URL of the SQLite file in *folder*."""
    return f"sqlite:///{(folder / DATABASE_FILE).resolve()}"


def make_folder(folder: Path) -> None:
    """Create *folder* (and missing parents) readable by its owner only; an existing one stays as it is."""
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)


def create_private_file(path: Path) -> None:
    """Create the empty file *path* with mode 0600 unless it exists."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass


def loose_permissions(folder: Path) -> list[str]:
    """A Swedish warning for each folder or file under *folder* that others than its owner may read."""
    if not folder.is_dir():
        return []
    found = [folder, *sorted(folder.rglob("*"))]
    return [f"{path} kan läsas av andra än ägaren (rättigheter {path.stat().st_mode & 0o777:o}); "
            f"ändra med chmod {FOLDER_MODE if path.is_dir() else FILE_MODE:o} {path}"
            for path in found if path.stat().st_mode & _OTHERS]


def connect(folder: Path, url: str | None = None) -> Engine:
    """An engine on the workspace database (see :func:`database_url`), migrated to the newest schema.

    A new SQLite file is created with mode 0600 before SQLite opens it.
    """
    url = database_url(folder, url)
    if url == _file_url(folder):
        create_private_file(folder / DATABASE_FILE)
    engine = _db.create_engine(url)
    _db.migrate(engine)
    return engine


def peek(folder: Path) -> Engine | None:
    """An engine on an existing workspace database, as it is (no migration); None when there is none."""
    if not (os.environ.get("EGENKONTROLL_DATABASE_URL") or (folder / DATABASE_FILE).is_file()):
        return None
    return _db.create_engine(database_url(folder))


def data_stamp(engine: Engine) -> str:
    """Text that changes whenever the data change: a new schema, an import, or any audited change.

    Every new session, answer and correction appends to the audit log in the same transaction as the
    change, every change of the egenkontrollplan, the åtgärder and the risks appends to ``loop_log``, and
    every import adds a row to ``imports`` in its transaction; the three tables are append-only, so their
    row counts and highest ids move with every committed change (counts as well as ids: on a
    server, ids need not grow in commit order).
    """
    stamps: list[sa.Executable] = [sa.select(sa.func.max(_db.schema_version.c.version))]
    stamps += [sa.select(sa.func.count(), sa.func.max(table.c.id)) for table in (_db.imports, _db.audit_log,
                                                                                   _db.loop_log)]
    with _db.read(engine) as connection:
        return ":".join(str(value) for query in stamps for value in connection.execute(query).one())


def describe(engine: Engine) -> str:
    """Where *engine*'s data are, for messages: the workspace folder of a SQLite file, else the URL."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        return str(Path(url.database).parent)
    return url.render_as_string(hide_password=True)
