"""The review store: granskningstillfällen (sessions), answers, register corrections and the audit log.

A session is a sample of cases drawn for one checklist over one period. It keeps the checklist's YAML
as it was when the session started, so a later version of the checklist never changes an old session.
A kontrollgranskning (:func:`create_control_session`) is a session of its own, linked to a granskning by
``parent_id``: a seeded sub-draw of that granskning's cases, read a second time, blind. Its answers are
stored like any others, but in its own session, so the first granskning's figures never include them;
:func:`list_sessions` leaves kontrollgranskningar out unless asked for them.
Every change is one write transaction (SQLite: ``BEGIN IMMEDIATE``, WAL, ``synchronous=FULL``;
PostgreSQL: READ COMMITTED) that compares revisions, writes the new state and appends to the audit log;
it is durable when the call returns. The comparison is compare-and-set in the database itself, the same
on both: ``UPDATE ... SET revision = revision + 1 WHERE key AND revision = :seen`` touching no row, or
a first insert hitting the primary key, means someone else got there first. Two :class:`Session`
objects for the same id behave as two reviewers: each remembers the revision it last saw of every
answer, and a change based on an outdated revision raises :class:`~egenkontroll.errors.ConflictError`
instead of overwriting.
"""

from __future__ import annotations

import functools
import json
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from egenkontroll import _db, _location, case_table, checklists, personnummer
from egenkontroll._db import HasEngine, Source
from egenkontroll._fields import DATE_FIELDS
from egenkontroll.errors import ChecklistError, ConflictError, SessionError
from egenkontroll.identity import current_user
from egenkontroll.periods import Period, PeriodText, as_date, overlaps, parse_period, period_label

if TYPE_CHECKING:
    import sampling
    from egenkontroll.checklists import Checklist, Item, Verdict

__all__ = [
    "MISSING_STRATUM",
    "Session",
    "create_session",
    "create_control_session",
    "control_session",
    "open_session",
    "list_sessions",
    "answers_of",
    "sampling_frame",
    "HasEngine",
    "Source",
    "ANSWER_COLUMNS",
    "AUDIT_COLUMNS",
    "CORRECTION_COLUMNS",
    "PERSONNUMMER_REFUSED",
]

#: the refusal of a free text holding a personnummer (nothing is saved)
PERSONNUMMER_REFUSED = ("Texten innehåller ett personnummer och sparades inte. Skriv inga personnummer i "
                        "kommentarer eller svar: ärendet känns redan igen på sitt ärende-id. Ta bort numret "
                        "och spara igen.")

#: the columns of :meth:`Session.answers`
ANSWER_COLUMNS = ["arende_id", "item_id", "value", "comment", "reviewer", "recorded_at", "revision"]
#: the columns of :meth:`Session.audit`
AUDIT_COLUMNS = ["id", "at", "actor", "action", "arende_id", "item_id", "old_value", "new_value",
                 "old_comment", "new_comment", "revision"]
#: the columns of :meth:`Session.corrections`
CORRECTION_COLUMNS = ["arende_id", "field", "original", "corrected", "reason", "reviewer", "corrected_at",
                      "revision"]

#: audit_log.action values
CREATED, ANSWERED, CORRECTED = "ny_granskning", "svar", "korrigering"


@dataclass(frozen=True)
class _Revisioned:
    """How to read, insert and update one revisioned row (an answer or a correction) by its key.

    The statements are built once: record() is on the reviewer's critical path, and SQLAlchemy then
    reuses their compiled form instead of building and hashing a new statement per call.
    """

    table: sa.Table
    key: tuple[str, ...]  # the primary key; the last column names the answer's item or corrected field
    action: str
    columns: dict[str, str]  # value, comment, reviewer, recorded_at -> the table's column
    insert: sa.Insert
    read: sa.Select
    update: sa.Update  # compare-and-set: only where the revision is still :seen, and it adds one

    @property
    def name_column(self) -> str:
        return self.key[-1]


def _revisioned(table: sa.Table, key: tuple[str, ...], action: str, columns: dict[str, str]) -> _Revisioned:
    where = sa.and_(*(table.c[column] == sa.bindparam(f"key_{column}") for column in key))
    read = sa.select(*(table.c[column].label(field) for field, column in columns.items()), table.c.revision)
    update = (table.update().where(where, table.c.revision == sa.bindparam("seen"))
              .values(revision=table.c.revision + 1))
    return _Revisioned(table, key, action, columns, table.insert(), read.where(where), update)


_ANSWERS = _revisioned(_db.answers, ("session_id", "arende_id", "item_id"), ANSWERED,
                       {"value": "value", "comment": "comment", "reviewer": "reviewer",
                        "recorded_at": "recorded_at"})
_CORRECTIONS = _revisioned(_db.corrections, ("arende_id", "field"), CORRECTED,
                           {"value": "corrected", "comment": "reason", "reviewer": "reviewer",
                            "recorded_at": "corrected_at"})
_AUDIT = _db.audit_log.insert()
#: the stratum of the cases whose stratification column is empty
MISSING_STRATUM = "uppgift saknas"


# --- creating, opening and listing sessions ------------------------------------------------------

def create_session(
    source: Source,
    checklist: Checklist | str | os.PathLike[str],
    *,
    n: int | None,
    seed: int | None = None,
    strata: str | Sequence[str] | None = None,
    period: PeriodText | None = None,
    title: str | None = None,
    created_by: str | None = None,
    allocation: str = "proportional",
    minimum: int | None = None,
    reuse: bool = False,
    allow_overlap: bool = False,
    **select_options: Any,
) -> Session:
    """Draw *n* cases that *checklist* applies to in *period* and start a granskningstillfälle.

    The sampling frame is the register (:func:`~egenkontroll.case_table.read_cases`) filtered by
    ``checklist.applies_mask`` and by *period* on ``inkom_datum``; the draw is :func:`sampling.select`
    with ``id_column="arende_id"``.
    A *seed* of None draws a fresh random seed, which the manifest records.
    A session whose period overlaps one of the same checklist is refused, since results would count
    the shared cases twice; *allow_overlap* draws it anyway (e.g. a second reviewer's reading of the
    same cases), and results then leave it out of combined figures, saying so.
    *minimum* is the least number of cases per stratum (default 1 when *strata* is given, so that
    no stratum is left without a case and silently out of the figures; 0 allows it).

    With *reuse*, a session that holds the very same draw (same checklist text, period and manifest:
    seed, design, frame fingerprint, cases and sampling version) is returned instead of starting a
    second one, so that re-running an audit notebook neither duplicates the granskning nor counts its
    cases twice. Only a given *seed* can match (None draws a fresh one). The check and the insert run
    under one lock (SQLite's write lock, a PostgreSQL advisory lock), so two runs at once still make
    one session.

    Raises
    ------
    SessionError
        When *n* is missing or larger than the frame, the frame is empty, *period* is not understood,
        or an existing session of the same checklist has a period that overlaps *period* (its cases
        would be counted twice) and *allow_overlap* is not set.
    """
    import sampling  # only drawing needs it (and scipy behind it), not reopening a session

    cl = _resolve_checklist(checklist)
    bounds = parse_period(period)
    frame = _sampling_frame(case_table.read_cases(source), cl, bounds, strata)
    n = _check_sample_size(n, len(frame), cl, bounds)
    seed = secrets.randbits(32) if seed is None else seed
    try:
        drawn = sampling.select(frame, n, seed=seed, id_column="arende_id", strata=strata,
                                allocation=allocation, minimum=_minimum(minimum, strata), **select_options)
    except sampling.SamplingError as error:
        raise SessionError(f"Urvalet kunde inte dras: {error}") from error
    creator = created_by or current_user()
    label = period_label(bounds)
    row = {
        "title": title or f"{cl.title}, {label}",
        "checklist_id": cl.id,
        "checklist_version": str(cl.version),
        "checklist_source": cl.source_text,
        "period_start": bounds[0].isoformat() if bounds else None,
        "period_end": bounds[1].isoformat() if bounds else None,
        "manifest": json.dumps(drawn.manifest, ensure_ascii=False, sort_keys=True),
        "created_by": creator,
        "created_at": _db.utc_now(),
    }
    with _db.write(_db.engine_of(source), _db.SESSION_LOCK) as connection:
        same = _same_draw(connection, row) if reuse else None
        if same is not None:
            return open_session(source, same)
        if not allow_overlap:
            _refuse_overlap(connection, cl, bounds)
        session_id = row["id"] = _unused_session_id(connection, label, cl.id)
        connection.execute(_db.sessions.insert().values(row))
        connection.execute(_db.session_cases.insert(), _design_rows(session_id, drawn.frame))
        connection.execute(_db.audit_log.insert().values(
            at=row["created_at"], actor=creator, action=CREATED, session_id=session_id,
            new_value=f"{cl.id} version {cl.version}, n={n}, seed={seed}"))
    return open_session(source, session_id)


def create_control_session(
    source: Source,
    parent: Session | str,
    *,
    k: int | None,
    seed: int | None = None,
    title: str | None = None,
    created_by: str | None = None,
) -> Session:
    """Start a kontrollgranskning of the granskning *parent*: *k* of its cases, drawn with *seed*, for a
    second reviewer who reads them blind.

    The draw is :func:`sampling.select` (simple random, ``id_column="arende_id"``) on the parent's sampled
    cases, so the manifest records the seed, k and the frame, plus ``parent_session`` (the parent's id),
    and :meth:`Session.verify` draws it again from the parent's cases. The checklist is the parent's
    stored snapshot, the period the parent's. A kontrollgranskning is never refused for overlapping its
    parent (:func:`create_session`'s rule is about drawing from the register), and is never counted in
    results (see the module docstring).

    Raises
    ------
    SessionError
        When *parent* does not exist or is itself a kontrollgranskning, already has one, or *k* is
        missing, below 2 or larger than the parent's sample.
    """
    import sampling

    first = open_session(source, parent) if isinstance(parent, str) else parent
    if first.parent_id is not None:
        raise SessionError(f"Granskningen {first.id} är själv en kontrollgranskning (av {first.parent_id}). "
                           f"Dra kontrollurvalet ur granskningen {first.parent_id}.")
    k = _check_control_size(k, first)
    seed = secrets.randbits(32) if seed is None else seed
    try:
        drawn = sampling.select(first.design[["arende_id"]], k, seed=seed, id_column="arende_id")
    except sampling.SamplingError as error:
        raise SessionError(f"Kontrollurvalet kunde inte dras: {error}") from error
    cl, creator, now = first.checklist, created_by or current_user(), _db.utc_now()
    row = {
        "title": title or f"Kontrollgranskning av {first.title}",
        "checklist_id": cl.id,
        "checklist_version": str(cl.version),
        "checklist_source": cl.source_text,
        "period_start": first.period[0].isoformat() if first.period else None,
        "period_end": first.period[1].isoformat() if first.period else None,
        "manifest": json.dumps({**drawn.manifest, "parent_session": first.id}, ensure_ascii=False,
                               sort_keys=True),
        "created_by": creator,
        "created_at": now,
        "parent_id": first.id,
    }
    with _db.write(_db.engine_of(source), _db.SESSION_LOCK) as connection:
        _refuse_second_control(connection, first)
        stem = f"kontroll-{period_label(first.period)}"
        session_id = row["id"] = _unused_session_id(connection, stem, cl.id)
        connection.execute(_db.sessions.insert().values(row))
        connection.execute(_db.session_cases.insert(), _design_rows(session_id, drawn.frame))
        connection.execute(_db.audit_log.insert().values(
            at=now, actor=creator, action=CREATED, session_id=session_id,
            new_value=f"kontrollgranskning av {first.id}, k={k} av {len(first.case_ids)}, seed={seed}"))
    return open_session(source, session_id)


def control_session(source: Source, session_id: str) -> Session | None:
    """The kontrollgranskning of the granskning *session_id*, or None when it has none."""
    stored = _db.sessions.c
    with _db.read(_db.engine_of(source)) as connection:
        control = connection.execute(sa.select(stored.id).where(stored.parent_id == session_id)).scalar()
    return None if control is None else open_session(source, control)


def _check_control_size(k: int | None, first: Session) -> int:
    """*k* when the granskning *first* can give a kontrollurval of that size; else SessionError."""
    available = len(first.case_ids)
    if k is None or k < 2:
        raise SessionError(f"Ange hur många ärenden som ska granskas en andra gång (minst 2; granskningen "
                           f"{first.id} har {available} ärenden).")
    if k > available:
        raise SessionError(f"Kontrollurvalet (k={k}) är större än granskningen {first.id} ({available} "
                           "ärenden).")
    return k


def _refuse_second_control(connection: sa.Connection, first: Session) -> None:
    """SessionError when *first* already has a kontrollgranskning: one second reading per granskning."""
    stored = _db.sessions.c
    existing = connection.execute(sa.select(stored.id).where(stored.parent_id == first.id)).scalar()
    if existing is not None:
        raise SessionError(f"Granskningen {first.id} har redan kontrollgranskningen {existing}. Fortsätt den "
                           "i stället för att dra ett nytt kontrollurval.")


def open_session(source: Source, session_id: str) -> Session:
    """Reopen the granskningstillfälle *session_id*.

    Raises
    ------
    SessionError
        When the workspace has no session with that id.
    """
    engine = _db.engine_of(source)
    stored = _db.sessions.c
    with _db.read(engine) as connection:
        row = connection.execute(sa.select(_db.sessions).where(stored.id == session_id)).mappings().first()
        if row is None:
            known = connection.execute(sa.select(stored.id).order_by(stored.created_at)).scalars()
            raise SessionError(f"Granskningen {session_id!r} finns inte i arbetsytan "
                               f"{_location.describe(engine)}. "
                               f"Befintliga granskningar: {', '.join(known) or 'inga'}.")
        design = pd.read_sql_query(
            sa.select(_db.session_cases.c.arende_id, _db.session_cases.c.stratum,
                      _db.session_cases.c.inclusion_probability, _db.session_cases.c.weight)
            .where(_db.session_cases.c.session_id == session_id).order_by(_db.session_cases.c.position),
            connection)
        seen = _revisions(connection, _ANSWERS, session_id)
        seen_corrections = _revisions(connection, _CORRECTIONS, session_id)
    return Session(engine, dict(row), design, seen, seen_corrections)


def list_sessions(source: Source, *, controls: bool = False) -> list[Session]:
    """Every granskningstillfälle in the database of *source*, oldest first; kontrollgranskningar only
    with *controls* (figures, the dashboard and the Excel export never count them)."""
    stored = _db.sessions.c
    query = sa.select(stored.id).order_by(stored.created_at, stored.id)
    if not controls:
        query = query.where(stored.parent_id.is_(None))
    with _db.read(_db.engine_of(source)) as connection:
        ids = connection.execute(query).scalars().all()
    return [open_session(source, session_id) for session_id in ids]


def sampling_frame(
    source: Source,
    checklist: Checklist | str | os.PathLike[str],
    period: PeriodText | None = None,
) -> pd.DataFrame:
    """The cases *checklist* applies to with inkom_datum in *period*: what a sample is drawn from."""
    return _sampling_frame(case_table.read_cases(source), _resolve_checklist(checklist), parse_period(period))


def answers_of(source: Source, sessions: Sequence[Session], case_fields: Sequence[str] = ()) -> pd.DataFrame:
    """The latest answers of many *sessions* in one query, with register fields of their cases.

    Parameters
    ----------
    sessions
        The sessions whose answers are read; the rows follow their order, then sample order and item id.
    case_fields
        Register fields added per answer; dates carry the reviewers' corrections (datetime64).

    Returns
    -------
    DataFrame
        :data:`ANSWER_COLUMNS`, ``session`` (its id), ``checklist`` (its checklist id), *case_fields*.
        Cleared answers are left out, as in :meth:`Session.answers`.
    """
    ids = [session.id for session in sessions]
    if not ids:
        frame = pd.DataFrame(columns=[*ANSWER_COLUMNS, "session", "checklist", *case_fields])
    else:
        with _db.read(_db.engine_of(source)) as connection:
            frame = pd.read_sql_query(_answers_query(ids, case_fields), connection)
    dates = {name: pd.to_datetime(frame[name], format="%Y-%m-%d")
             for name in case_fields if name in DATE_FIELDS}
    return frame.assign(**dates).astype({"revision": "int64"})


def _answers_query(session_ids: list[str], case_fields: Sequence[str]) -> sa.Select:
    """The query of :func:`answers_of`."""
    state, order = _db.answers.c, _db.session_cases.c
    session_order = {session_id: number for number, session_id in enumerate(session_ids)}
    query = (sa.select(*(state[name] for name in ANSWER_COLUMNS), state.session_id.label("session"),
                       _db.sessions.c.checklist_id.label("checklist"), *map(_corrected_field, case_fields))
             .join(_db.session_cases,
                   (order.session_id == state.session_id) & (order.arende_id == state.arende_id))
             .join(_db.sessions, _db.sessions.c.id == state.session_id)
             .where(state.session_id.in_(session_ids), state.value.is_not(None))
             .order_by(sa.case(session_order, value=state.session_id), order.position, state.item_id))
    if case_fields:
        query = query.outerjoin(_db.cases, _db.cases.c.arende_id == state.arende_id)
    return query


def _corrected_field(name: str) -> sa.ColumnElement[Any]:
    """The register field *name* of an answer's case; a date with the reviewers' correction, if any."""
    if name not in DATE_FIELDS:
        return _db.cases.c[name]
    fix = sa.select(_db.corrections.c.corrected).where(
        _db.corrections.c.arende_id == _db.answers.c.arende_id, _db.corrections.c.field == name)
    return sa.func.coalesce(fix.scalar_subquery(), _db.cases.c[name]).label(name)


def _resolve_checklist(checklist: Checklist | str | os.PathLike[str]) -> Checklist:
    if isinstance(checklist, str | os.PathLike):
        return checklists.load(checklist)
    return checklist


def _sampling_frame(cases: pd.DataFrame, cl: Checklist, bounds: Period,
                    strata: str | Sequence[str] | None = None) -> pd.DataFrame:
    """The cases *cl* applies to in *bounds*; an empty value of a text column in *strata* becomes the
    stratum :data:`MISSING_STRATUM` (a stratum of its own rather than a refused draw)."""
    if cases.empty:
        return cases
    mask = cl.applies_mask(cases).fillna(False).astype(bool)
    if bounds is not None:
        start, end = (pd.Timestamp(day) for day in bounds)
        mask &= cases["inkom_datum"].between(start, end).fillna(False).astype(bool)
    frame = cases.loc[mask].reset_index(drop=True)
    for column in [strata] if isinstance(strata, str) else list(strata or ()):
        if column in frame and (pd.api.types.is_string_dtype(frame[column])
                                or pd.api.types.is_object_dtype(frame[column])):
            text = frame[column].where(frame[column].notna(), "").astype(str).str.strip()
            frame[column] = frame[column].where(text != "", MISSING_STRATUM)
    return frame


def _check_sample_size(n: int | None, available: int, cl: Checklist, bounds: Period) -> int:
    """*n* when it is a sample size that the *available* cases can give; else SessionError."""
    where = f"checklistan {cl.id!r}" + (f" under perioden {bounds[0]} – {bounds[1]}" if bounds else "")
    if available == 0:
        raise SessionError(f"Det finns inga ärenden för {where}. "
                           "Läs in registret eller välj en annan period.")
    if n is None or n < 1:
        raise SessionError(f"Ange hur många ärenden som ska granskas (n); "
                           f"{available} ärenden finns för {where}.")
    if n > available:
        raise SessionError(f"Urvalet (n={n}) är större än antalet ärenden för {where} ({available}).")
    return n


def _minimum(minimum: int | None, strata: str | Sequence[str] | None) -> int:
    """The least number of cases per stratum: as given, else 1 for a stratified draw."""
    if minimum is not None:
        return minimum
    return 1 if strata else 0


def _refuse_overlap(connection: sa.Connection, cl: Checklist, bounds: Period) -> None:
    """Refuse a session whose frame shares cases with an existing session of the same checklist.

    Two sessions of one checklist whose periods overlap draw from overlapping frames: results
    would count those cases, and their population, twice. Kontrollgranskningar are never counted, so
    they never stand in the way.
    """
    stored = _db.sessions.c
    existing = connection.execute(
        sa.select(stored.id, stored.title, stored.period_start, stored.period_end)
        .where(stored.checklist_id == cl.id, stored.parent_id.is_(None))
        .order_by(stored.created_at, stored.id)).all()
    for session_id, title, start, end in existing:
        period = (date.fromisoformat(start), date.fromisoformat(end)) if start else None
        if overlaps(period, bounds):
            raise SessionError(
                f"Granskningen {session_id} ({title}, period {period_label(period)}) av checklistan "
                f"{cl.title} omfattar redan ärenden i perioden {period_label(bounds)}. En ny granskning "
                "med överlappande period skulle räkna samma ärenden och samma population två gånger i "
                f"resultaten. Fortsätt granskningen {session_id}, eller välj en period som inte "
                "överlappar (till exempel ett tertial som ännu saknar granskning).")


def _same_draw(connection: sa.Connection, row: Mapping[str, Any]) -> str | None:
    """The id of the oldest session with *row*'s checklist text, period and draw, if any."""
    stored = _db.sessions.c
    candidates = connection.execute(
        sa.select(stored.id, stored.manifest)
        .where(stored.checklist_source == row["checklist_source"],
               stored.period_start.is_not_distinct_from(row["period_start"]),
               stored.period_end.is_not_distinct_from(row["period_end"]))
        .order_by(stored.created_at, stored.id))
    drawn = _draw(row["manifest"])
    return next((session_id for session_id, manifest in candidates if _draw(manifest) == drawn), None)


def _draw(manifest: str) -> dict[str, Any]:
    """A manifest without the moment it was made."""
    content = json.loads(manifest)
    content.pop("created_utc", None)
    return content


def _unused_session_id(connection: sa.Connection, label: str, checklist_id: str) -> str:
    stem = f"{label}-{_slug(checklist_id)}"
    while True:
        candidate = f"{stem}-{secrets.token_hex(2)}"
        taken = connection.execute(sa.select(_db.sessions.c.id).where(_db.sessions.c.id == candidate)).first()
        if taken is None:
            return candidate


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "checklista"


def _design_rows(session_id: str, frame: pd.DataFrame) -> list[dict[str, Any]]:
    strata = frame["stratum"].astype(object).where(frame["stratum"].notna(), "")
    return [
        {"session_id": session_id, "arende_id": str(arende_id), "position": position, "stratum": str(stratum),
         "inclusion_probability": float(probability), "weight": float(weight)}
        for position, (arende_id, stratum, probability, weight) in enumerate(zip(
            frame["arende_id"], strata, frame["inclusion_probability"], frame["weight"], strict=True))
    ]


def _revisions(connection: sa.Connection, kind: _Revisioned, session_id: str) -> dict[tuple[str, str], int]:
    """The stored revision per (case, item or field) of the answers or corrections of *session_id*."""
    table = kind.table
    query = sa.select(table.c.arende_id, table.c[kind.name_column], table.c.revision).where(
        table.c.arende_id.in_(_sampled_ids(session_id)))
    if "session_id" in kind.key:
        query = query.where(table.c.session_id == session_id)
    return {(arende_id, name): revision for arende_id, name, revision in connection.execute(query)}


def _sampled_ids(session_id: str) -> sa.Select:
    return sa.select(_db.session_cases.c.arende_id).where(_db.session_cases.c.session_id == session_id)


# --- the session --------------------------------------------------------------------------------

class Session:
    """One granskningstillfälle: its sample, checklist snapshot, answers, corrections and audit log.

    Get one from :meth:`Workspace.create_session`, :meth:`Workspace.session` or
    :meth:`Workspace.sessions`; each object is one reviewer's view (see the module docstring).

    Attributes
    ----------
    id, title, created_by, created_at
        As stored.
    checklist
        The checklist as it was when the session started.
    period
        The inclusive (start, end) dates on ``inkom_datum``, or None for every case.
    manifest
        The sampling manifest (seed, frame fingerprint, design, population sizes per stratum).
    case_ids
        The sampled arende_id values in sample order.
    design
        One row per sampled case: arende_id, stratum, inclusion_probability, weight (sample order).
    parent_id
        For a kontrollgranskning, the id of the granskning whose cases it reads again; else None.
    """

    def __init__(self, engine: Engine, row: Mapping[str, Any], design: pd.DataFrame,
                 seen: dict[tuple[str, str], int], seen_corrections: dict[tuple[str, str], int]) -> None:
        self.engine = engine
        self.id: str = row["id"]
        self.title: str = row["title"]
        self.created_by: str = row["created_by"]
        self.created_at: str = row["created_at"]
        self.checklist = _snapshot(row)
        start, end = row["period_start"], row["period_end"]
        self.period: Period = (date.fromisoformat(start), date.fromisoformat(end)) if start else None
        self.manifest: dict[str, Any] = json.loads(row["manifest"])
        self.parent_id: str | None = row.get("parent_id")
        self.design = design
        self.case_ids: list[str] = design["arende_id"].tolist()
        self._sampled = frozenset(self.case_ids)
        self._items = {item.id: item for item in self.checklist.items}
        self._seen = seen
        self._seen_corrections = seen_corrections

    def __repr__(self) -> str:
        checklist = f"{self.checklist.id!r} version {self.checklist.version}"
        return f"Session({self.id!r}, {checklist}, n={len(self.case_ids)})"

    # --- answers --------------------------------------------------------------------------------

    def record(self, case_id: str, item_id: str, value: Any, reviewer: str | None = None,
               comment: str | None = None, *, expected_revision: int | None = None) -> int:
        """Save one answer; it is durable when this returns. Returns the answer's new revision.

        Parameters
        ----------
        value
            ``"ja"``/``"nej"``/``"ej_aktuellt"``, a date (or ISO text), a number, one of the item's
            choices or free text, as the item's type asks; None clears the answer.
        reviewer
            Who answers; default :func:`~egenkontroll.identity.current_user`.
        expected_revision
            The revision this answer replaces; default the one this object last saw (0 = unanswered).

        Raises
        ------
        ConflictError
            Someone else changed the answer since; nothing is written, and a retry now succeeds.
        SessionError
            The case is not in the sample, the item is unknown or computed, or the value does not fit.
        """
        change = self._answer_change(case_id, item_id, value, reviewer, comment, expected_revision)
        return self._save(_ANSWERS, self._seen, *change)

    def record_many(self, answers: Iterable[Mapping[str, Any]]) -> list[int]:
        """Save several answers in one transaction: all of them or, on any error, none.

        For bulk entry (a paper checklist typed in afterwards, the demo's simulated granskningar);
        the review app saves one answer per change with :meth:`record`.

        Parameters
        ----------
        answers
            Mappings with the keys of :meth:`record`: ``case_id``, ``item_id``, ``value`` and
            optionally ``reviewer``, ``comment`` and ``expected_revision``. The same case and item
            may come more than once; each is a new revision, as with repeated :meth:`record` calls.

        Returns
        -------
        list of int
            The new revision of each answer, in the order given.

        Raises
        ------
        ConflictError, SessionError
            As :meth:`record`; nothing of the batch is written.
        """
        return self._commit(_ANSWERS, self._seen, [self._answer_change(**answer) for answer in answers])

    def answers(self) -> pd.DataFrame:
        """The latest answer per case and item (cleared answers left out), in sample order.

        Columns: arende_id, item_id, value, comment, reviewer, recorded_at, revision.
        """
        return answers_of(self.engine, [self])[ANSWER_COLUMNS]

    def revision(self, case_id: str, item_id: str) -> int:
        """The revision of the answer this object last saw (0: unanswered)."""
        return self._seen.get((case_id, item_id), 0)

    # --- register corrections -------------------------------------------------------------------

    def correct(self, case_id: str, field: str, value: date | str, reason: str, reviewer: str | None = None,
                *, expected_revision: int | None = None) -> int:
        """Correct the register date *field* of a case, with a *reason*; returns the correction's revision.

        The correction is kept beside the original: the register row is never changed, a later import
        keeps the correction, and :meth:`case` and :meth:`verdicts` use it.

        Raises
        ------
        SessionError
            The case is not in the sample, *field* is not a register date, *value* is not a date,
            or *reason* is empty.
        ConflictError
            Someone else corrected the same field since this object last saw it.
        """
        self._require_case(case_id)
        if self.parent_id is not None:
            raise SessionError(f"Granskningen {self.id} är en kontrollgranskning: den läser ärendena en "
                               "andra gång och ändrar inget som den första granskningen räknar med. Rätta "
                               f"datumet i granskningen {self.parent_id} om det är fel.")
        if field not in DATE_FIELDS:
            raise SessionError(f"{field!r} är inget datumfält i registret; "
                               f"rätta något av: {', '.join(DATE_FIELDS)}.")
        corrected = as_date(value, field).isoformat()
        if not (reason or "").strip():
            raise SessionError("Ange varför datumet rättas (orsak); en rättelse utan orsak sparas inte.")
        _refuse_personnummer(reason)
        change = {"value": corrected, "comment": reason.strip(), "reviewer": reviewer or current_user()}

        def stored_beside(connection: sa.Connection) -> dict[str, Any]:
            original = sa.select(_db.cases.c[field]).where(_db.cases.c.arende_id == case_id)
            return {"session_id": self.id, "original": connection.execute(original).scalar()}

        key = {"arende_id": case_id, "field": field}
        return self._save(_CORRECTIONS, self._seen_corrections, key, change, expected_revision,
                          f"rättelsen av {field!r}", stored_beside)

    def corrections(self) -> pd.DataFrame:
        """The register corrections of the sampled cases: arende_id, field, original, corrected, reason,
        reviewer, corrected_at, revision."""
        fixes = _db.corrections.c
        query = (sa.select(*(fixes[name] for name in CORRECTION_COLUMNS))
                 .where(fixes.arende_id.in_(_sampled_ids(self.id))).order_by(fixes.arende_id, fixes.field))
        with _db.read(self.engine) as connection:
            return pd.read_sql_query(query, connection)

    # --- cases, verdicts and progress -----------------------------------------------------------

    def case(self, case_id: str) -> dict[str, Any]:
        """The canonical fields (and the source's other columns) of a sampled case, corrections applied.

        Dates are :class:`datetime.date`, unknown values None.
        """
        self._require_case(case_id)
        return self._cases([case_id])[case_id]

    def cases(self) -> dict[str, dict[str, Any]]:
        """Every sampled case as :meth:`case` gives it, by arende_id in sample order (one query)."""
        cases = self._cases()
        return {case_id: cases[case_id] for case_id in self.case_ids}

    def verdicts(self, case_id: str, as_of: date | None = None) -> dict[str, Verdict]:
        """The checklist's computed verdicts for a case, on its corrected register dates."""
        return self.checklist.evaluate(self.case(case_id), as_of=as_of)

    def is_done(self, case_id: str) -> bool:
        """Whether every item the checklist shows for this case is answered."""
        self._require_case(case_id)
        return self._done()[case_id]

    def progress(self) -> tuple[int, int]:
        """(cases done, cases in the sample)."""
        done = self._done()
        return sum(done.values()), len(done)

    def next_unreviewed(self, after: str | None = None) -> str | None:
        """The first case not done in sample order after *after* (wrapping round), or None when all are."""
        start = 0
        if after is not None:
            self._require_case(after)
            start = self.case_ids.index(after) + 1
        done = self._done()
        ordered = self.case_ids[start:] + self.case_ids[:start]
        return next((case_id for case_id in ordered if not done[case_id]), None)

    def summary(self) -> dict[str, Any]:
        """A short description for ``egenkontroll status`` and lists (Swedish keys)."""
        done, total = self.progress()
        summary = {"id": self.id, "titel": self.title, "checklista": self.checklist.id,
                   "version": str(self.checklist.version), "period": period_label(self.period), "n": total,
                   "klara": done, "skapad_av": self.created_by, "skapad": self.created_at}
        return summary if self.parent_id is None else {**summary, "kontroll_av": self.parent_id}

    # --- the audit log and the sampling frame ---------------------------------------------------

    def audit(self) -> pd.DataFrame:
        """This session's append-only audit log, oldest first: id, at, actor, action, arende_id, item_id
        (the register field for corrections), old_value, new_value, old_comment, new_comment (the reason
        for corrections), revision."""
        log = _db.audit_log.c
        query = sa.select(*(log[name] for name in AUDIT_COLUMNS)).where(log.session_id == self.id)
        query = query.order_by(log.id)
        with _db.read(self.engine) as connection:
            return pd.read_sql_query(query, connection).astype({"revision": "Int64"})

    def sampling_frame(self) -> pd.DataFrame:
        """The frame the sample was drawn from, rebuilt from today's register (see :meth:`verify`); for a
        kontrollgranskning the parent granskning's sampled cases."""
        if self.parent_id is not None:
            return open_session(self.engine, self.parent_id).design[["arende_id"]]
        return _sampling_frame(case_table.read_cases(self.engine), self.checklist, self.period,
                               self.manifest["design"]["strata"])

    def verify(self) -> sampling.Verification:
        """Whether the draw reproduces from today's register (truthy, and whether the frame changed).

        Raises sampling.VerificationError when the same ids do not come out.
        """
        import sampling

        return sampling.verify(self.manifest, self.sampling_frame())

    # --- private helpers ------------------------------------------------------------------------

    def _require_case(self, case_id: str) -> None:
        if case_id not in self._sampled:
            raise SessionError(f"Ärende {case_id!r} ingår inte i granskningen {self.id}.")

    def _answerable_item(self, item_id: str) -> Item:
        item = self._items.get(item_id)
        if item is None:
            checklist = f"Checklistan {self.checklist.id!r} (version {self.checklist.version})"
            raise SessionError(f"{checklist} har ingen fråga {item_id!r}. Frågor: {', '.join(self._items)}.")
        if item.computed:
            raise SessionError(f"Frågan {item_id!r} beräknas från registrets datum och besvaras inte; "
                               "rätta datumet i stället om det är fel.")
        return item

    def _answer_change(self, case_id: str, item_id: str, value: Any, reviewer: str | None = None,
                       comment: str | None = None, expected_revision: int | None = None,
                       ) -> tuple[dict[str, str], dict[str, Any], int | None, str]:
        """The checked key, change, expected revision and wording of one answer (SessionError if unfit)."""
        self._require_case(case_id)
        text = _answer_text(self._answerable_item(item_id), value)
        _refuse_personnummer(text, comment)
        change = {"value": text, "comment": comment, "reviewer": reviewer or current_user()}
        key = {"session_id": self.id, "arende_id": case_id, "item_id": item_id}
        return key, change, expected_revision, f"svaret på {item_id!r}"

    def _save(self, kind: _Revisioned, seen: dict[tuple[str, str], int], key: dict[str, str],
              change: dict[str, Any], expected: int | None, what: str,
              extra: Callable[[sa.Connection], dict[str, Any]] | None = None) -> int:
        """Compare revisions, write *change* (value, comment, reviewer) and audit it, in one transaction."""
        return self._commit(kind, seen, [(key, change, expected, what, extra)])[0]

    def _commit(self, kind: _Revisioned, seen: dict[tuple[str, str], int],
                changes: Sequence[tuple[Any, ...]]) -> list[int]:
        """Write *changes* (the arguments of :meth:`_write` after *written*) in one transaction.

        The transaction reruns after a serialization failure (:func:`egenkontroll._db.run_write`); the
        revisions written are remembered in *seen* once it has committed.
        """
        def work(connection: sa.Connection) -> tuple[list[int], dict[tuple[str, str], int]]:
            written: dict[tuple[str, str], int] = {}
            return [self._write(connection, kind, seen, written, *change) for change in changes], written

        try:
            revisions, written = _db.run_write(self.engine, work)
        except _LostInsert as lost:
            raise lost.conflict(self.engine, seen) from None
        seen.update(written)
        return revisions

    def _write(self, connection: sa.Connection, kind: _Revisioned, seen: dict[tuple[str, str], int],
               written: dict[tuple[str, str], int], key: dict[str, str], change: dict[str, Any],
               expected: int | None, what: str,
               extra: Callable[[sa.Connection], dict[str, Any]] | None = None) -> int:
        """Inside a write transaction: compare revisions, write *change* and audit it.

        The new revision goes into *written* (the caller remembers it in *seen* once committed); a
        conflict remembers the stored revision in *seen* at once, so that a retry succeeds. The read
        revision is checked again by the write itself: a concurrent commit in between (possible on
        PostgreSQL) makes the update touch no row, or the first insert hit the primary key.
        """
        name = key[kind.name_column]
        remembered = (key["arende_id"], name)
        params = {f"key_{column}": value for column, value in key.items()}
        change = {**change, "recorded_at": _db.utc_now()}
        current = connection.execute(kind.read, params).first()
        revision = _next_revision(seen, written, remembered, current, expected, what)
        row = {kind.columns[field]: value for field, value in change.items()}
        row.update(extra(connection) if extra else {})
        if current is None:
            _insert_first(connection, kind, {**key, **row, "revision": revision},
                          _LostInsert(kind, params, remembered, what))
        elif connection.execute(kind.update, {**params, **row, "seen": current.revision}).rowcount == 0:
            raise _conflict(seen, remembered, connection.execute(kind.read, params).first(),
                            current.revision, what)
        connection.execute(_AUDIT, {
            "at": change["recorded_at"], "actor": change["reviewer"], "action": kind.action,
            "session_id": self.id, "arende_id": key["arende_id"], "item_id": name,
            "old_value": current.value if current else None, "new_value": change["value"],
            "old_comment": current.comment if current else None, "new_comment": change["comment"],
            "revision": revision})
        written[remembered] = revision
        return revision

    def _cases(self, case_ids: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
        """Sampled cases by arende_id, corrections applied (all of them when *case_ids* is None)."""
        return case_table.case_records(self.engine, _sampled_ids(self.id) if case_ids is None else case_ids)

    def _answers_by_case(self) -> dict[str, dict[str, str]]:
        state = _db.answers.c
        query = sa.select(state.arende_id, state.item_id, state.value).where(
            state.session_id == self.id, state.value.is_not(None))
        by_case: dict[str, dict[str, str]] = {case_id: {} for case_id in self.case_ids}
        with _db.read(self.engine) as connection:
            for arende_id, item_id, value in connection.execute(query):
                by_case[arende_id][item_id] = value
        return by_case

    def _done(self) -> dict[str, bool]:
        cases, answered = self._cases(), self._answers_by_case()
        return {case_id: bool(self.checklist.is_complete(cases[case_id], answered[case_id]))
                for case_id in self.case_ids}


def _snapshot(row: Mapping[str, Any]) -> Checklist:
    try:
        parsed = _parsed_snapshot(row["checklist_source"])
    except ChecklistError as error:
        message = f"Granskningen {row['id']}: den sparade checklistan kan inte läsas ({error})."
        raise SessionError(message) from error
    return replace(parsed, source=f"granskning {row['id']}", items=list(parsed.items))


@functools.lru_cache(maxsize=64)
def _parsed_snapshot(text: str) -> Checklist:
    """A stored checklist text, parsed once per process (every session of a tertial shares it)."""
    return checklists.loads(text, source="sparad checklista")


def _refuse_personnummer(*texts: str | None) -> None:
    """SessionError when a free text (answer, comment, reason) holds a personnummer: it would stay in
    the append-only audit log for good."""
    if any(text and personnummer.find_in_text(text) for text in texts):
        raise SessionError(PERSONNUMMER_REFUSED)


def _answer_text(item: Item, value: object) -> str | None:
    """*value* as the stored text (as its answer type renders it), or SessionError if it does not fit."""
    if value is None:
        return None
    text = item.answer_type.to_text(value)
    problem = item.check_answer(text)
    if problem is not None:
        raise SessionError(f"Svaret {value!r} på frågan {item.id!r} sparades inte: {problem}.")
    return text


class _LostInsert(Exception):
    """A first insert lost the race for its primary key; the transaction must end before it is told."""

    def __init__(self, kind: _Revisioned, params: dict[str, str], key: tuple[str, str], what: str) -> None:
        super().__init__(what)
        self.kind, self.params, self.key, self.what = kind, params, key, what

    def conflict(self, engine: Engine, seen: dict[tuple[str, str], int]) -> ConflictError:
        """The ConflictError to raise, naming the row that won (read after the rollback)."""
        with _db.read(engine) as connection:
            current = connection.execute(self.kind.read, self.params).first()
        return _conflict(seen, self.key, current, 0, self.what)


def _insert_first(connection: sa.Connection, kind: _Revisioned, row: dict[str, Any],
                  lost: _LostInsert) -> None:
    """Insert the first revision of a row; raise *lost* when a concurrent transaction inserted it first."""
    try:
        connection.execute(kind.insert, row)
    except sa.exc.IntegrityError as error:
        if not _db.is_unique_violation(error):
            raise
        raise lost from error


def _next_revision(seen: dict[tuple[str, str], int], written: dict[tuple[str, str], int],
                   key: tuple[str, str], current: Any, expected: int | None, what: str) -> int:
    """The revision after *current*; ConflictError (remembering the stored one) unless it is *expected*.

    Without an explicit *expected*, the revision last written in this transaction or else last seen.
    When *current* was written earlier in this same transaction, the mismatch is the batch's own
    (SessionError), and nothing is remembered: the transaction is rolled back.
    """
    found = current.revision if current is not None else 0
    if expected is None:
        expected = written.get(key, seen.get(key, 0))
    if found == expected:
        return found + 1
    if key in written:
        raise SessionError(f"Ärende {key[0]}: {what} förekommer flera gånger i samma sats, och en senare "
                           f"rad utgår från version {expected} fast satsen själv just gav version {found}. "
                           "Ingenting i satsen sparades.")
    raise _conflict(seen, key, current, expected, what)


def _conflict(seen: dict[tuple[str, str], int], key: tuple[str, str], current: Any, expected: int,
              what: str) -> ConflictError:
    """The ConflictError for *key*, having remembered the stored revision in *seen* (so a retry succeeds)."""
    seen[key] = current.revision if current is not None else 0
    return ConflictError(_conflict_message(what, key[0], current, expected))


def _conflict_message(what: str, case_id: str, current: Any, expected: int) -> str:
    if current is None:
        change = f"har inte sparats, men du utgick från version {expected}"
    else:
        when = datetime.fromisoformat(current.recorded_at).astimezone().strftime("%Y-%m-%d %H:%M")
        change = f"ändrades av {current.reviewer} {when} (version {current.revision})"
    return (f"Ärende {case_id}: {what} {change} efter att du läste det, så ditt svar sparades inte. "
            "Läs det nya svaret och spara igen om ditt ska gälla.")
