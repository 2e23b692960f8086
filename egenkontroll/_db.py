"""The workspace database: schema (SQLAlchemy Core), connection settings and versioned migrations.

SQLite is the embedded default (WAL, ``synchronous=FULL``, a busy timeout, ``BEGIN IMMEDIATE`` for
writes); any SQLAlchemy URL (e.g. PostgreSQL) can replace it. The schema version lives in the table
``schema_version``; :func:`migrate` applies every missing step in order, each in its own transaction,
and refuses a database written by a newer version of egenkontroll.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from egenkontroll._fields import FIELDS
from egenkontroll.errors import WorkspaceError

BUSY_TIMEOUT_MS = 30_000

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.String(32), nullable=False),
)

_SQL_TYPES: dict[str, Callable[[], sa.types.TypeEngine]] = {
    "text": sa.Text,
    "kon": lambda: sa.String(8),
    "arendetyp": lambda: sa.String(32),
    "int": sa.Integer,
    "date": lambda: sa.String(10),  # ISO 8601 text, comparable and portable
    "bool": sa.Boolean,
}

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("arende_id", sa.String(200), primary_key=True),
    *(sa.Column(name, _SQL_TYPES[kind]()) for name, kind in FIELDS.items() if name != "arende_id"),
    sa.Column("extra", sa.Text, nullable=False, default="{}"),  # JSON: the source's other columns
    sa.Column("row_hash", sa.String(32), nullable=False),
    sa.Column("import_id", sa.Integer, nullable=False),
    sa.Column("imported_at", sa.String(32), nullable=False),
)

imports = sa.Table(
    "imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("profile", sa.Text, nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("new", sa.Integer, nullable=False),
    sa.Column("changed", sa.Integer, nullable=False),
    sa.Column("unchanged", sa.Integer, nullable=False),
    sa.Column("imported_by", sa.Text, nullable=False),
    sa.Column("imported_at", sa.String(32), nullable=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("checklist_id", sa.String(100), nullable=False),
    sa.Column("checklist_version", sa.String(50), nullable=False),
    sa.Column("checklist_source", sa.Text, nullable=False),  # the YAML as it was when the session started
    sa.Column("period_start", sa.String(10)),
    sa.Column("period_end", sa.String(10)),
    sa.Column("manifest", sa.Text, nullable=False),  # JSON from sampling.select
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
)

session_cases = sa.Table(
    "session_cases",
    metadata,
    sa.Column("session_id", sa.String(64), sa.ForeignKey("sessions.id"), primary_key=True),
    sa.Column("arende_id", sa.String(200), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("stratum", sa.Text, nullable=False),
    sa.Column("inclusion_probability", sa.Float, nullable=False),
    sa.Column("weight", sa.Float, nullable=False),
)

answers = sa.Table(
    "answers",
    metadata,
    sa.Column("session_id", sa.String(64), sa.ForeignKey("sessions.id"), primary_key=True),
    sa.Column("arende_id", sa.String(200), primary_key=True),
    sa.Column("item_id", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text),
    sa.Column("comment", sa.Text),
    sa.Column("reviewer", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("session_id", sa.String(64)),
    sa.Column("arende_id", sa.String(200)),
    sa.Column("item_id", sa.String(100)),  # for corrections: the register field
    sa.Column("old_value", sa.Text),
    sa.Column("new_value", sa.Text),
    sa.Column("old_comment", sa.Text),
    sa.Column("new_comment", sa.Text),
    sa.Column("revision", sa.Integer),
)
for _statement in ("UPDATE", "DELETE"):  # append-only, enforced by the database itself
    sa.event.listen(audit_log, "after_create", sa.DDL(
        f"CREATE TRIGGER audit_log_no_{_statement.lower()} BEFORE {_statement} ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END").execute_if(dialect="sqlite"))

corrections = sa.Table(
    "corrections",
    metadata,
    sa.Column("arende_id", sa.String(200), primary_key=True),
    sa.Column("field", sa.String(64), primary_key=True),
    sa.Column("original", sa.Text),
    sa.Column("corrected", sa.Text),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("reviewer", sa.Text, nullable=False),
    sa.Column("corrected_at", sa.String(32), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("session_id", sa.String(64), sa.ForeignKey("sessions.id"), nullable=False),  # where it was made
)

sa.Index("ix_cases_arendetyp_inkom", cases.c.arendetyp, cases.c.inkom_datum)
sa.Index("ix_audit_session", audit_log.c.session_id, audit_log.c.arende_id)


class HasEngine(Protocol):
    """Anything that holds the workspace database's engine, as a Workspace or a Session does."""

    @property
    def engine(self) -> Engine: ...


#: where the store reads and writes: an engine, or an object holding one
Source = Engine | HasEngine


def engine_of(source: Source) -> Engine:
    """The engine of *source*."""
    return source if isinstance(source, Engine) else source.engine


def utc_now() -> str:
    """The current time as ISO 8601 text in UTC, to the microsecond."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def create_engine(url: str) -> Engine:
    """An engine for *url*; for SQLite with WAL, full sync, a busy timeout and immediate write locks."""
    engine = sa.create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API objects
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """A write transaction: takes the write lock at once (no deadlocked upgrades), commits on exit."""
    with engine.connect() as connection:
        connection.execution_options(write=True)
        with connection.begin():
            yield connection


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    """A read transaction: one consistent snapshot, never blocks writers under WAL."""
    with engine.connect() as connection, connection.begin():
        yield connection


# --- migrations ---------------------------------------------------------------------------------

def _v1_initial(connection: Connection) -> None:
    metadata.create_all(connection, tables=[t for t in metadata.sorted_tables if t is not schema_version])


#: (version, step). Append new steps; never edit a released one. Each runs in one transaction.
MIGRATIONS: list[tuple[int, Callable[[Connection], None]]] = [
    (1, _v1_initial),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def current_version(connection: Connection) -> int:
    """The schema version of the database behind *connection* (0 when it is empty)."""
    if not sa.inspect(connection).has_table("schema_version"):
        return 0
    return connection.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0


def migrate(engine: Engine, steps: list[tuple[int, Callable[[Connection], None]]] | None = None) -> int:
    """Bring the database up to the newest schema; returns the version it is at afterwards.

    Raises
    ------
    WorkspaceError
        When the database was written by a newer version of egenkontroll.
    """
    steps = MIGRATIONS if steps is None else steps
    newest = steps[-1][0]
    with write(engine) as connection:
        schema_version.create(connection, checkfirst=True)
        found = current_version(connection)
    if found > newest:
        raise WorkspaceError(
            f"Arbetsytans databas har schemaversion {found}, men den här versionen av egenkontroll "
            f"känner bara till version {newest}. Uppdatera egenkontroll."
        )
    for version, step in steps:
        if version <= found:
            continue
        with write(engine) as connection:
            step(connection)
            connection.execute(schema_version.insert().values(version=version, applied_at=utc_now()))
    return max(found, newest)
