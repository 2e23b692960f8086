"""Where a workspace lives: its folder, its database URL, an engine on that database, and the stamp of
its data. Nothing here needs pandas: the dashboard's stored start view is checked through this module."""

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


def workspace_folder(path: str | os.PathLike[str] | None = None) -> Path:
    """*path*, else ``$EGENKONTROLL_WORKSPACE``, else ``./arbetsyta``."""
    return Path(path or os.environ.get("EGENKONTROLL_WORKSPACE") or DEFAULT_WORKSPACE)


def database_url(folder: Path, url: str | None = None) -> str:
    """*url*, else ``$EGENKONTROLL_DATABASE_URL``, else the SQLite file in *folder*."""
    url = url or os.environ.get("EGENKONTROLL_DATABASE_URL")
    return url or f"sqlite:///{(folder / DATABASE_FILE).resolve()}"


def connect(folder: Path, url: str | None = None) -> Engine:
    """An engine on the workspace database (see :func:`database_url`), migrated to the newest schema."""
    engine = _db.create_engine(database_url(folder, url))
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
    change, and every import adds a row to ``imports`` in its transaction; both tables are append-only,
    so their row counts and highest ids move with every committed change (counts as well as ids: on a
    server, ids need not grow in commit order).
    """
    stamps: list[sa.Executable] = [sa.select(sa.func.max(_db.schema_version.c.version))]
    stamps += [sa.select(sa.func.count(), sa.func.max(table.c.id)) for table in (_db.imports, _db.audit_log)]
    with _db.read(engine) as connection:
        return ":".join(str(value) for query in stamps for value in connection.execute(query).one())


def describe(engine: Engine) -> str:
    """Where *engine*'s data are, for messages: the workspace folder of a SQLite file, else the URL."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        return str(Path(url.database).parent)
    return url.render_as_string(hide_password=True)
