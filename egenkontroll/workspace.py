"""The workspace: a folder with the database, the pseudonymisation key and exports."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from egenkontroll import _db, register
from egenkontroll._fields import BOOL_FIELDS, DATE_FIELDS, FIELDS
from egenkontroll.errors import WorkspaceError

if TYPE_CHECKING:
    from egenkontroll.store import Session

__all__ = ["Workspace", "ImportReport", "DEFAULT_WORKSPACE", "current_user"]

DEFAULT_WORKSPACE = _db.DEFAULT_WORKSPACE
KEY_FILE = "pseudonymnyckel"
EXPORT_DIR = "export"
_STORED = [name for name in FIELDS if name != "arende_id"]


def current_user() -> str:
    """Who is working: JUPYTERHUB_USER when set, else the operating system's user name."""
    hub_user = os.environ.get("JUPYTERHUB_USER")
    if hub_user:
        return hub_user
    try:
        import getpass

        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in a bare container
        return "okänd"


@dataclass(frozen=True)
class ImportReport:
    """What an import did: how many cases were new, changed or unchanged."""

    file: str
    rows: int
    new: int
    changed: int
    unchanged: int

    def __str__(self) -> str:
        return (
            f"Läste in {self.rows} ärenden från {self.file}: {self.new} nya, "
            f"{self.changed} ändrade, {self.unchanged} oförändrade."
        )


class Workspace:
    """A folder holding the database, the pseudonymisation key and exports.

    Use :meth:`open`; a missing folder is created. ``database_url`` (or the environment variable
    ``EGENKONTROLL_DATABASE_URL``) replaces the SQLite file, e.g. by a shared PostgreSQL server.
    """

    def __init__(self, path: Path, engine: sa.engine.Engine) -> None:
        self.path = path
        self.engine = engine
        self._key: bytes | None = None

    # --- opening -----------------------------------------------------------------------------

    @classmethod
    def open(
        cls, path: str | os.PathLike[str] | None = None, *, database_url: str | None = None
    ) -> Workspace:
        """Open the workspace at *path* (default ``$EGENKONTROLL_WORKSPACE`` or ``./arbetsyta``)."""
        folder = _db.workspace_folder(path)
        if folder.exists() and not folder.is_dir():
            raise WorkspaceError(f"{folder}: arbetsytan måste vara en mapp, men här finns en fil.")
        try:
            (folder / EXPORT_DIR).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WorkspaceError(f"{folder}: arbetsytan kan inte skapas ({error.strerror}).") from error
        workspace = cls(folder, _db.create_engine(_db.database_url(folder, database_url)))
        _db.migrate(workspace.engine)
        return workspace

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    @property
    def export_dir(self) -> Path:
        """Where exports are written."""
        return self.path / EXPORT_DIR

    @property
    def key(self) -> bytes:
        """The secret pseudonymisation key; created on first use with file mode 0600."""
        if self._key is None:
            self._key = _read_or_create_key(self.path / KEY_FILE)
        return self._key

    # --- the case register --------------------------------------------------------------------

    def import_register(self, path: str | os.PathLike[str], profile: str | None = None) -> ImportReport:
        """Validate *path* completely, then upsert its cases by arende_id in one transaction.

        Raises
        ------
        egenkontroll.RegisterError
            With every problem in the file; nothing is written.
        """
        frame = register.read_register(path, profile=profile, key=self.key)
        rows = _to_rows(frame)
        name = Path(path).name
        with _db.write(self.engine) as connection:
            stored = dict(connection.execute(sa.select(_db.cases.c.arende_id, _db.cases.c.row_hash)).all())
            new = [row for row in rows if row["arende_id"] not in stored]
            changed = [row for row in rows
                       if stored.get(row["arende_id"], row["row_hash"]) != row["row_hash"]]
            unchanged = len(rows) - len(new) - len(changed)
            report = ImportReport(name, len(rows), len(new), len(changed), unchanged)
            import_id = connection.execute(_db.imports.insert().values(
                file=name, profile=profile or "generisk", rows=report.rows, new=report.new,
                changed=report.changed, unchanged=report.unchanged,
                imported_by=current_user(), imported_at=_db.utc_now(),
            )).inserted_primary_key[0]
            _upsert(connection, new, changed, {"import_id": import_id, "imported_at": _db.utc_now()})
        return report

    def cases(self) -> pd.DataFrame:
        """The case register: canonical fields (pseudonymised) and the source's other columns."""
        with _db.read(self.engine) as connection:
            query = sa.select(_db.cases.c.arende_id, *(_db.cases.c[n] for n in _STORED), _db.cases.c.extra)
            frame = pd.read_sql(query.order_by(_db.cases.c.arende_id), connection)
        return _from_rows(frame)

    def status(self) -> dict[str, Any]:
        """Counts of cases per enhet, arendetyp and year, the imports and the sessions."""
        with _db.read(self.engine) as connection:
            frame = pd.read_sql(sa.select(_db.cases.c.enhet, _db.cases.c.arendetyp, _db.cases.c.inkom_datum),
                                connection)
            last_import = connection.execute(
                sa.select(_db.imports).order_by(_db.imports.c.id.desc()).limit(1)).mappings().first()
        year = frame["inkom_datum"].str.slice(0, 4)
        return {
            "arbetsyta": str(self.path),
            "arenden": len(frame),
            "per_enhet": _counts(frame["enhet"]),
            "per_arendetyp": _counts(frame["arendetyp"]),
            "per_ar": _counts(year),
            "senaste_inlasning": dict(last_import) if last_import else None,
            "granskningar": [session.summary() for session in self.sessions()],
        }

    # --- sessions (granskningstillfällen) ------------------------------------------------------

    def create_session(
        self, checklist: Any, n: int | None = None, seed: int | None = None, **options: Any
    ) -> Session:
        """Draw a sample for *checklist* and start a granskningstillfälle (see :mod:`egenkontroll.store`)."""
        from egenkontroll import store

        return store.create_session(self, checklist, n=n, seed=seed, **options)

    def session(self, session_id: str) -> Session:
        """Reopen the granskningstillfälle *session_id*."""
        from egenkontroll import store

        return store.open_session(self, session_id)

    def sessions(self) -> list[Session]:
        """Every granskningstillfälle in the workspace, oldest first."""
        from egenkontroll import store

        return store.list_sessions(self)

    def results(self, **options: Any) -> pd.DataFrame:
        """Compliance per checklist item with design-correct intervals (see :mod:`egenkontroll.results`)."""
        from egenkontroll import results

        return results.item_results(self, **options)


def _read_or_create_key(path: Path) -> bytes:
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        text = path.read_text(encoding="ascii").strip()
        try:
            key = bytes.fromhex(text)
        except ValueError:
            key = b""
        if len(key) < 32:
            raise WorkspaceError(
                f"{path}: pseudonymnyckeln är skadad. Återställ den från säkerhetskopian."
            ) from None
        return key
    key = secrets.token_bytes(32)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key.hex())
        handle.flush()
        os.fsync(handle.fileno())
    return key


def _upsert(connection: sa.Connection, new: list[dict[str, Any]], changed: list[dict[str, Any]],
            stamp: dict[str, Any]) -> None:
    if new:
        connection.execute(_db.cases.insert(), [{**row, **stamp} for row in new])
    if changed:
        columns = [name for name in changed[0] if name != "arende_id"] + list(stamp)
        update = (_db.cases.update()
                  .where(_db.cases.c.arende_id == sa.bindparam("key"))
                  .values({name: sa.bindparam(name) for name in columns}))
        connection.execute(update, [{**row, **stamp, "key": row["arende_id"]} for row in changed])


def _counts(values: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in values.value_counts(dropna=False).sort_index().items()}


def _to_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The validated register as database rows (ISO dates, None for unknown, extras as JSON)."""
    stored = pd.DataFrame(index=frame.index)
    for name in FIELDS:
        column = frame[name]
        stored[name] = (column.dt.strftime("%Y-%m-%d") if name in DATE_FIELDS else column).astype(object)
    stored = stored.where(stored.notna(), None)
    extra_columns = [c for c in frame.columns if c not in FIELDS]
    extras = frame[extra_columns].astype(object).where(frame[extra_columns].notna(), None)
    stored["extra"] = [
        json.dumps(dict(zip(extra_columns, values, strict=True)), ensure_ascii=False, sort_keys=True)
        for values in extras.itertuples(index=False, name=None)
    ]
    hashes = pd.util.hash_pandas_object(stored.astype(str), index=False).to_numpy(np.uint64)
    stored["row_hash"] = [format(int(h), "016x") for h in hashes]
    records = stored.to_dict("records")
    for record in records:
        for name in BOOL_FIELDS:
            if record[name] is not None:
                record[name] = bool(record[name])
        if record["fodelsear"] is not None:
            record["fodelsear"] = int(record["fodelsear"])
    return records


def _from_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Database rows back to typed columns, with the extras spread out as columns of their own."""
    result = frame.drop(columns="extra")
    for name in DATE_FIELDS:
        result[name] = pd.to_datetime(result[name], format="%Y-%m-%d")
    for name in BOOL_FIELDS:
        result[name] = result[name].astype("boolean")
    result["fodelsear"] = result["fodelsear"].astype("Int64")
    extras = pd.DataFrame.from_records([json.loads(text) for text in frame["extra"]], index=frame.index)
    return pd.concat([result, extras], axis=1) if not extras.empty else result
