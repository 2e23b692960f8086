"""The workspace database: schema (SQLAlchemy Core), connection settings and versioned migrations.

SQLite is the embedded default (WAL, ``synchronous=FULL``, a busy timeout, ``BEGIN IMMEDIATE`` for
writes); PostgreSQL (``postgresql+psycopg://``, READ COMMITTED) is the shared one. The same code runs
on both: revisions are compare-and-set, a multi-row invariant takes a named lock (:func:`write` with
*lock*: PostgreSQL's transaction-scoped advisory lock; SQLite's one write lock already covers it), and
:func:`run_write` reruns a transaction the server aborted for a serialization failure or a deadlock.
Dates and timestamps are ISO 8601 text on both. The schema version lives in the table
``schema_version``; :func:`migrate` applies every missing step in order, each in its own transaction,
and refuses a database written by a newer version of egenkontroll.

Version 1 is written out and frozen; the live tables (``cases`` and the rest) describe the newest
version, which a fresh workspace reaches through the same steps as an old one. A new register field is
one line in :mod:`egenkontroll._fields` and a new step that adds its column to ``cases``.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from egenkontroll._fields import FIELDS
from egenkontroll.errors import WorkspaceError
from egenkontroll.identity import require_write_access

BUSY_TIMEOUT_MS = 30_000
#: how often :func:`run_write` runs a transaction before it lets a serialization failure through
ATTEMPTS = 5
#: the named locks of multi-row invariants (see :func:`write`)
MIGRATION_LOCK = "egenkontroll.migrate"
IMPORT_LOCK = "egenkontroll.import"
SESSION_LOCK = "egenkontroll.sessions"

#: SQLSTATE / SQLite error names of a unique-key violation, and of a transaction worth running again
_UNIQUE_VIOLATION = {"23505", "SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_UNIQUE"}
_RETRYABLE = {"40001", "40P01"}  # serialization_failure, deadlock_detected

T = TypeVar("T")

#: the newest schema, as the code reads and writes it; a database gets it only through :data:`MIGRATIONS`
metadata = sa.MetaData()

#: the migrations' own bookkeeping, created before any step runs
schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.String(32), nullable=False),
)

# --- schema version 1, frozen --------------------------------------------------------------------
# Written out as version 1 was released: never derived from FIELDS or from the live tables, never
# edited. A later change is a new step in MIGRATIONS, so a fresh workspace and an old one both reach
# the newest schema through the same steps.

_V1 = sa.MetaData()

sa.Table(
    "cases",
    _V1,
    sa.Column("arende_id", sa.String(200), primary_key=True),
    sa.Column("person_id", sa.Text),
    sa.Column("kon", sa.String(8)),
    sa.Column("fodelsear", sa.Integer),
    sa.Column("enhet", sa.Text),
    sa.Column("handlaggare", sa.Text),
    sa.Column("arendetyp", sa.String(32)),
    sa.Column("inkom_datum", sa.String(10)),
    sa.Column("forhandsbedomning_datum", sa.String(10)),
    sa.Column("pagaende_utredning", sa.Boolean),
    sa.Column("utredning_inledd", sa.String(10)),
    sa.Column("utredning_avslutad", sa.String(10)),
    sa.Column("forlangning_beslutad", sa.Boolean),
    sa.Column("beslut_datum", sa.String(10)),
    sa.Column("verkstallt_datum", sa.String(10)),
    sa.Column("barn_i_hushallet", sa.Boolean),
    sa.Column("extra", sa.Text, nullable=False),  # JSON: the source's other columns
    sa.Column("row_hash", sa.String(32), nullable=False),
    sa.Column("import_id", sa.Integer, nullable=False),
    sa.Column("imported_at", sa.String(32), nullable=False),
    sa.Index("ix_cases_arendetyp_inkom", "arendetyp", "inkom_datum"),
)

sa.Table(
    "imports",
    _V1,
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

sa.Table(
    "sessions",
    _V1,
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

sa.Table(
    "session_cases",
    _V1,
    sa.Column("session_id", sa.String(64), sa.ForeignKey("sessions.id"), primary_key=True),
    sa.Column("arende_id", sa.String(200), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("stratum", sa.Text, nullable=False),
    sa.Column("inclusion_probability", sa.Float, nullable=False),
    sa.Column("weight", sa.Float, nullable=False),
)

sa.Table(
    "answers",
    _V1,
    sa.Column("session_id", sa.String(64), sa.ForeignKey("sessions.id"), primary_key=True),
    sa.Column("arende_id", sa.String(200), primary_key=True),
    sa.Column("item_id", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text),
    sa.Column("comment", sa.Text),
    sa.Column("reviewer", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
)

_v1_audit_log = sa.Table(
    "audit_log",
    _V1,
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
    sa.Index("ix_audit_session", "session_id", "arende_id"),
)
for _statement in ("UPDATE", "DELETE"):  # append-only, enforced by the database itself
    sa.event.listen(_v1_audit_log, "after_create", sa.DDL(
        f"CREATE TRIGGER audit_log_no_{_statement.lower()} BEFORE {_statement} ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END").execute_if(dialect="sqlite"))

sa.Table(
    "corrections",
    _V1,
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

# --- the live schema -----------------------------------------------------------------------------

_SQL_TYPES: dict[str, Callable[[], sa.types.TypeEngine]] = {
    "text": sa.Text,
    "kon": lambda: sa.String(8),
    "arendetyp": lambda: sa.String(32),
    "int": sa.Integer,
    "date": lambda: sa.String(10),  # ISO 8601 text, comparable and portable
    "bool": sa.Boolean,
}

#: one column per register field; a new field in FIELDS needs a step in MIGRATIONS that adds its column
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

# no step has changed these tables since version 1: the live ones are copies of the frozen ones
imports, session_cases, answers, audit_log, corrections = (
    _V1.tables[name].to_metadata(metadata)
    for name in ("imports", "session_cases", "answers", "audit_log", "corrections")
)

#: version 1's sessions, and since version 3 ``parent_id``: the granskning a kontrollgranskning (a second,
#: blind reading of a sub-draw of its cases) belongs to; None for an ordinary granskning
sessions = _V1.tables["sessions"].to_metadata(metadata)
sessions.append_column(sa.Column("parent_id", sa.String(64), sa.ForeignKey("sessions.id")))


# --- schema version 4, frozen: the quality loop (egenkontrollplan, åtgärdsplan, riskanalys) ---------
# Written out as version 4 was released and created by step 4; never edited. The live tables below are
# copies of these until a later step changes one.

_V4 = sa.MetaData()
sa.Table("sessions", _V4, sa.Column("id", sa.String(64), primary_key=True))  # the target of the links

sa.Table(
    "plan_rows",  # one planned granskning of the egenkontrollplan
    _V4,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("checklist_id", sa.String(100), nullable=False),
    sa.Column("period", sa.String(16), nullable=False),  # "2026-T1" or "2026-03"
    sa.Column("period_start", sa.String(10), nullable=False),
    sa.Column("period_end", sa.String(10), nullable=False),
    sa.Column("planned_n", sa.Integer, nullable=False),
    sa.Column("enhet", sa.Text),
    sa.Column("ansvarig", sa.Text, nullable=False),
    sa.Column("deadline", sa.String(10), nullable=False),
    sa.Column("session_id", sa.String(64), sa.ForeignKey("sessions.id"), unique=True),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Index("ix_plan_rows_year", "year"),
)

sa.Table(
    "actions",  # one åtgärd of the åtgärdsplan
    _V4,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),  # granskning, register, avvikelse, klagomal, lex_sarah
    sa.Column("session_id", sa.String(64), sa.ForeignKey("sessions.id")),  # the deviation's granskning
    sa.Column("checklist_id", sa.String(100)),  # the item measured (a granskning's, or one followed)
    sa.Column("item_id", sa.String(100)),
    sa.Column("indicator", sa.String(64)),  # a register indicator and the period it fell short in
    sa.Column("indicator_period", sa.String(16)),
    sa.Column("deviation", sa.Text),  # free text: what happened (avvikelse, klagomål, lex Sarah)
    sa.Column("cause", sa.Text),  # orsaksanalys
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("ansvarig", sa.Text, nullable=False),
    sa.Column("opened", sa.String(10), nullable=False),  # the day the action was decided
    sa.Column("deadline", sa.String(10), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("effect_source", sa.Text),  # the later granskning or register period that judged the effect
    sa.Column("effect_note", sa.Text),  # the before and after figures and the test, as stated then
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
)

sa.Table(
    "risks",  # one risk of the riskanalys
    _V4,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("sannolikhet", sa.Integer, nullable=False),
    sa.Column("konsekvens", sa.Integer, nullable=False),
    sa.Column("ansvarig", sa.Text),
    sa.Column("checklist_id", sa.String(100)),  # the egenkontroll that watches the risk
    sa.Column("item_id", sa.String(100)),
    sa.Column("indicator", sa.String(64)),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.CheckConstraint("sannolikhet BETWEEN 1 AND 4", name="ck_risks_sannolikhet"),
    sa.CheckConstraint("konsekvens BETWEEN 1 AND 4", name="ck_risks_konsekvens"),
)

sa.Table(
    "risk_actions",  # the actions that treat a risk
    _V4,
    sa.Column("risk_id", sa.Integer, sa.ForeignKey("risks.id"), primary_key=True),
    sa.Column("action_id", sa.Integer, sa.ForeignKey("actions.id"), primary_key=True),
)

_v4_loop_log = sa.Table(
    "loop_log",  # append-only: every change of the three tables above, field by field
    _V4,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("entity", sa.String(16), nullable=False),  # plan, atgard, risk
    sa.Column("entity_id", sa.Integer, nullable=False),
    sa.Column("change", sa.String(16), nullable=False),  # ny, ändring, borttagen
    sa.Column("field", sa.String(64)),
    sa.Column("old_value", sa.Text),
    sa.Column("new_value", sa.Text),
    sa.Column("revision", sa.Integer),
    sa.Index("ix_loop_log_entity", "entity", "entity_id"),
)
for _statement in ("UPDATE", "DELETE"):  # append-only on SQLite; PostgreSQL's trigger is made by step 4
    sa.event.listen(_v4_loop_log, "after_create", sa.DDL(
        f"CREATE TRIGGER loop_log_no_{_statement.lower()} BEFORE {_statement} ON loop_log "
        "BEGIN SELECT RAISE(ABORT, 'loop_log is append-only'); END").execute_if(dialect="sqlite"))

#: the tables step 4 creates (``sessions`` in _V4 is only the target of their foreign keys)
_V4_TABLES = ("plan_rows", "actions", "risks", "risk_actions", "loop_log")

# no step has changed these tables since version 4
plan_rows, actions, risks, risk_actions, loop_log = (
    _V4.tables[name].to_metadata(metadata) for name in _V4_TABLES)


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
    def _on_connect(dbapi_connection: Any, _record: object) -> None:  # Any: the sqlite3 connection
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
def write(engine: Engine, lock: str | None = None) -> Iterator[Connection]:
    """A write transaction: takes the write lock at once (no deadlocked upgrades), commits on exit.

    Parameters
    ----------
    engine
        The workspace database.
    lock
        The name of a lock held until the transaction ends, for an invariant over several rows (one
        import at a time, one session per draw). On PostgreSQL a transaction-scoped advisory lock; on
        SQLite ``BEGIN IMMEDIATE`` already holds the database's one write lock.

    Raises
    ------
    AccessError
        When this process serves a read-only role on the team server; bringing the schema up to date
        (:data:`MIGRATION_LOCK`) is not the user's write and is let through.
    """
    if lock != MIGRATION_LOCK:
        require_write_access()
    with engine.connect() as connection:
        connection.execution_options(write=True)
        with connection.begin():
            if lock is not None and connection.dialect.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(lock)})
            yield connection


def _lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for *name*."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def run_write(engine: Engine, work: Callable[[Connection], T], lock: str | None = None) -> T:
    """Run *work* in one write transaction (see :func:`write`) and return what it returns.

    When the server aborts the transaction for a serialization failure or a deadlock (SQLSTATE 40001,
    40P01), *work* runs again in a new transaction, up to :data:`ATTEMPTS` times in all, after a short
    random pause. *work* must therefore change nothing but the database through its connection.
    """
    for attempt in range(1, ATTEMPTS):
        try:
            with write(engine, lock) as connection:
                return work(connection)
        except sa.exc.DBAPIError as error:
            if _error_code(error) not in _RETRYABLE:
                raise
            time.sleep(random.uniform(0, 0.005 * 2**attempt))
    with write(engine, lock) as connection:
        return work(connection)


def is_unique_violation(error: sa.exc.DBAPIError) -> bool:
    """Whether *error* is a unique- or primary-key violation (on SQLite or PostgreSQL)."""
    return _error_code(error) in _UNIQUE_VIOLATION


def _error_code(error: sa.exc.DBAPIError) -> str | None:
    """The SQLSTATE (psycopg) or SQLite error name (sqlite3) of *error*."""
    return getattr(error.orig, "sqlstate", None) or getattr(error.orig, "sqlite_errorname", None)


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    """A read transaction: one consistent snapshot, never blocks writers under WAL."""
    with engine.connect() as connection, connection.begin():
        yield connection


# --- migrations ---------------------------------------------------------------------------------

def _v1_initial(connection: Connection) -> None:
    _V1.create_all(connection)


def _v2_append_only_audit_log_on_postgresql(connection: Connection) -> None:
    """PostgreSQL: a trigger refusing UPDATE, DELETE and TRUNCATE on audit_log (SQLite's are in v1)."""
    if connection.dialect.name != "postgresql":
        return
    connection.exec_driver_sql(
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION USING MESSAGE = 'audit_log is append-only: ' || TG_OP || ' refused'; "
        "END $$")
    connection.exec_driver_sql(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()")


def _v3_control_sessions(connection: Connection) -> None:
    """sessions.parent_id: a kontrollgranskning names the granskning whose cases it reads again."""
    connection.exec_driver_sql(
        "ALTER TABLE sessions ADD COLUMN parent_id VARCHAR(64) REFERENCES sessions (id)")


def _v4_quality_loop(connection: Connection) -> None:
    """The egenkontrollplan, åtgärdsplan and riskanalys, and their append-only log (both backends)."""
    _V4.create_all(connection, tables=[_V4.tables[name] for name in _V4_TABLES])
    if connection.dialect.name != "postgresql":
        return
    connection.exec_driver_sql(
        "CREATE FUNCTION loop_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION USING MESSAGE = 'loop_log is append-only: ' || TG_OP || ' refused'; "
        "END $$")
    connection.exec_driver_sql(
        "CREATE TRIGGER loop_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON loop_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION loop_log_append_only()")


#: (version, step), numbered 1, 2, 3, ... Append new steps; never edit a released one. Each runs in
#: one transaction.
MIGRATIONS: list[tuple[int, Callable[[Connection], None]]] = [
    (1, _v1_initial),
    (2, _v2_append_only_audit_log_on_postgresql),
    (3, _v3_control_sessions),
    (4, _v4_quality_loop),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def current_version(connection: Connection) -> int:
    """The schema version of the database behind *connection* (0 when it is empty)."""
    if not sa.inspect(connection).has_table("schema_version"):
        return 0
    return connection.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0


def migrate(engine: Engine, steps: list[tuple[int, Callable[[Connection], None]]] | None = None) -> int:
    """Bring the database up to the newest schema: run every step after the stored version, in order.

    Parameters
    ----------
    engine
        The workspace database.
    steps
        The migration steps, default :data:`MIGRATIONS`.

    Returns
    -------
    int
        The schema version the database is at afterwards.

    Raises
    ------
    WorkspaceError
        When the database was written by a newer version of egenkontroll.
    ValueError
        When *steps* are not numbered 1, 2, 3, ... in order (a programming error).
    """
    steps = MIGRATIONS if steps is None else steps
    _check_numbering(steps)
    newest = len(steps)
    with write(engine, MIGRATION_LOCK) as connection:
        schema_version.create(connection, checkfirst=True)
        found = current_version(connection)
    if found > newest:
        raise WorkspaceError(
            f"Arbetsytans databas har schemaversion {found}, men den här versionen av egenkontroll "
            f"känner bara till version {newest}. Uppdatera egenkontroll."
        )
    for version, step in steps[found:]:
        with write(engine, MIGRATION_LOCK) as connection:
            if current_version(connection) < version:  # not already run by a process opening it at once
                step(connection)
                connection.execute(schema_version.insert().values(version=version, applied_at=utc_now()))
    return newest


def _check_numbering(steps: list[tuple[int, Callable[[Connection], None]]]) -> None:
    """Raise ValueError unless *steps* are numbered 1, 2, 3, ... in order."""
    numbers = [version for version, _ in steps]
    if numbers != list(range(1, len(steps) + 1)):
        raise ValueError(f"migration steps must be numbered 1, 2, 3, ... in order, not {numbers}")
