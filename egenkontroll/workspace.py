"""The workspace: a folder with the database, the pseudonymisation key and exports.

:class:`Workspace` is the facade on top of the library: it opens the folder and its database and hands
its engine to the modules that do the work (:mod:`egenkontroll.case_table` for the register,
:mod:`egenkontroll.store` for sessions and answers, :mod:`egenkontroll.results` for the figures).
None of them calls back into the workspace.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from egenkontroll import _location, case_table, register, results, store
from egenkontroll._filelimits import DEFAULT_LIMITS, Limits
from egenkontroll.case_table import ImportReport
from egenkontroll.errors import WorkspaceError
from egenkontroll.store import Session

__all__ = ["Workspace", "ImportReport", "DEFAULT_WORKSPACE"]

DEFAULT_WORKSPACE = _location.DEFAULT_WORKSPACE
KEY_FILE = "pseudonymnyckel"
EXPORT_DIR = "export"


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
        folder = _location.workspace_folder(path)
        if folder.exists() and not folder.is_dir():
            raise WorkspaceError(f"{folder}: arbetsytan måste vara en mapp, men här finns en fil.")
        try:
            _location.make_folder(folder)
            _location.make_folder(folder / EXPORT_DIR)
        except OSError as error:
            raise WorkspaceError(f"{folder}: arbetsytan kan inte skapas ({error.strerror}).") from error
        return cls(folder, _location.connect(folder, database_url))

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

    def import_register(self, path: str | os.PathLike[str], profile: str | None = None, *,
                        limits: Limits = DEFAULT_LIMITS) -> ImportReport:
        """Validate *path* completely (within *limits*: see :class:`egenkontroll._filelimits.Limits`), then
        upsert its cases by arende_id in one transaction. A *profile* given by name is looked for as
        ``NAME.yaml`` in the working folder and the workspace folder before the built-in profiles.

        Raises
        ------
        egenkontroll.RegisterError
            With every problem in the file; nothing is written.
        """
        frame = register.read_register(path, profile=profile, key=self.key, limits=limits,
                                       profile_folders=(Path.cwd(), self.path))
        return case_table.import_frame(self.engine, frame, file=Path(path).name, profile=profile)

    def cases(self) -> pd.DataFrame:
        """The case register: canonical fields (pseudonymised) and the source's other columns."""
        return case_table.read_cases(self.engine)

    def status(self) -> dict[str, Any]:
        """Counts of cases per enhet, arendetyp and year, the imports, the sessions, and a warning for each
        folder or file of the workspace that others than its owner may read."""
        return {"arbetsyta": str(self.path), **case_table.summary(self.engine),
                "granskningar": [session.summary() for session in self.sessions(controls=True)],
                "varningar": _location.loose_permissions(self.path)}

    # --- sessions (granskningstillfällen) ------------------------------------------------------

    def create_session(
        self, checklist: Any, n: int | None = None, seed: int | None = None, **options: Any
    ) -> Session:
        """Draw a sample for *checklist* and start a granskningstillfälle (see :mod:`egenkontroll.store`)."""
        return store.create_session(self.engine, checklist, n=n, seed=seed, **options)

    def create_control_session(self, session_id: str, k: int | None = None, seed: int | None = None,
                               **options: Any) -> Session:
        """Start a kontrollgranskning of *session_id*: *k* of its cases for a second, blind reading (see
        :func:`egenkontroll.store.create_control_session`)."""
        return store.create_control_session(self.engine, session_id, k=k, seed=seed, **options)

    def session(self, session_id: str) -> Session:
        """Reopen the granskningstillfälle *session_id*."""
        return store.open_session(self.engine, session_id)

    def sessions(self, *, controls: bool = False) -> list[Session]:
        """Every granskningstillfälle in the workspace, oldest first; kontrollgranskningar with *controls*."""
        return store.list_sessions(self.engine, controls=controls)

    def results(self, **options: Any) -> pd.DataFrame:
        """Compliance per checklist item with design-correct intervals (see :mod:`egenkontroll.results`)."""
        return results.item_results(self.engine, **options)


def _read_or_create_key(path: Path) -> bytes:
    """The key in *path*; a new one is written beside it and linked into place, so that a full disk
    or a crash never leaves a half-written key."""
    if not path.exists():
        _create_key(path)
    text = path.read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 32:
        raise WorkspaceError(f"{path}: pseudonymnyckeln är skadad. Återställ den från säkerhetskopian.")
    return key


def _create_key(path: Path) -> None:
    """Write a new random key to *path* (mode 0600) unless another process has just done so."""
    descriptor, partial = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_bytes(32).hex())
            handle.flush()
            os.fsync(handle.fileno())
        os.link(partial, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(partial)
