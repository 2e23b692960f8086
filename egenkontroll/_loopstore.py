"""Storage of the quality loop: the egenkontrollplan's rows, the åtgärder and the risks, and their log.

The one module of the loop that speaks to the database (:mod:`egenkontroll.yearplan`,
:mod:`egenkontroll.actions` and :mod:`egenkontroll.risks` sit above the store and call it). Every
change is one write transaction that also appends to ``loop_log`` (append-only on both backends):
who (:func:`egenkontroll.identity.current_user`), when, which field, the old and the new value, the new
revision. A change is compare-and-set on the row's revision, as the store's answers are: ``UPDATE ...
WHERE id = :id AND revision = :seen`` touching no row means someone else changed the row first, and
:class:`~egenkontroll.errors.ConflictError` says who, with nothing written. Free texts are refused when
they hold a personnummer (:func:`egenkontroll.personnummer.find_in_text`), as review comments are:
the log keeps every text for good.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from egenkontroll import _db, personnummer
from egenkontroll._db import Source
from egenkontroll.errors import ConflictError, LoopError
from egenkontroll.identity import current_user

__all__ = ["ENTITIES", "LOG_COLUMNS", "insert", "update", "delete", "rows", "row", "history", "link",
           "links", "personnummer_problem", "refuse_personnummer", "sessions",
           "session_checklists"]

#: entity name (as the log stores it) -> its table and how a message names one row of it
ENTITIES: dict[str, tuple[sa.Table, str]] = {
    "plan": (_db.plan_rows, "Planraden"),
    "atgard": (_db.actions, "Åtgärden"),
    "risk": (_db.risks, "Risken"),
}
#: the columns of :func:`history`
LOG_COLUMNS = ["id", "at", "actor", "entity", "entity_id", "change", "field", "old_value", "new_value",
               "revision"]
#: loop_log.change values
CREATED, CHANGED, REMOVED = "ny", "ändring", "borttagen"
#: columns every entity has that are bookkeeping, not content (not logged field by field)
_BOOKKEEPING = ("id", "created_by", "created_at", "revision")


def personnummer_problem(texts: Mapping[str, str | None]) -> str | None:
    """The problem naming every field (by its Swedish label) whose free text holds a personnummer, or None."""
    holding = [label for label, text in texts.items() if text and personnummer.find_in_text(text)]
    if not holding:
        return None
    return (f"{', '.join(holding)} innehåller ett personnummer, som inte får sparas: texten blir kvar i "
            "ändringsloggen för alltid (ta bort numret)")


def refuse_personnummer(texts: Mapping[str, str | None]) -> None:
    """LoopError when a free text of *texts* holds a personnummer (see :func:`personnummer_problem`)."""
    problem = personnummer_problem(texts)
    if problem:
        raise LoopError(f"{problem[0].upper()}{problem[1:]}. Inget sparades.")


def insert(source: Source, entity: str, values: Mapping[str, Any], actor: str | None = None) -> int:
    """Insert a row of *entity* with *values* (revision 1) and log each given field; returns its id."""
    table, _ = ENTITIES[entity]
    who, now = actor or current_user(), _db.utc_now()

    def work(connection: sa.Connection) -> int:
        row = {**values, "created_by": who, "created_at": now, "revision": 1}
        new_id = connection.execute(table.insert().values(row).returning(table.c.id)).scalar_one()
        _log(connection, who, now, entity, new_id, CREATED,
             [(field, None, value) for field, value in values.items() if value is not None], 1)
        return int(new_id)

    return _db.run_write(_db.engine_of(source), work)


def update(source: Source, entity: str, entity_id: int, changes: Mapping[str, Any],
           expected_revision: int | None = None, actor: str | None = None) -> int:
    """Change fields of one row, compare-and-set on its revision; returns the new revision.

    Parameters
    ----------
    expected_revision
        The revision the change is based on (the one the caller read); None takes the stored one,
        for a change not based on a reading (a command typed in full).

    Raises
    ------
    LoopError
        When the row does not exist.
    ConflictError
        When the row was changed since *expected_revision* (or in between this read and write);
        nothing is written.
    """
    table, _ = ENTITIES[entity]
    who, now = actor or current_user(), _db.utc_now()

    def work(connection: sa.Connection) -> int:
        current = _current(connection, entity, entity_id)
        seen = current["revision"] if expected_revision is None else expected_revision
        if seen != current["revision"]:
            raise _conflict(connection, entity, entity_id, seen)
        changed = {field: value for field, value in changes.items() if current[field] != value}
        if not changed:
            return int(seen)
        statement = (table.update().where(table.c.id == entity_id, table.c.revision == seen)
                     .values(**changed, revision=table.c.revision + 1))
        if connection.execute(statement).rowcount == 0:
            raise _conflict(connection, entity, entity_id, seen)
        _log(connection, who, now, entity, entity_id, CHANGED,
             [(field, current[field], value) for field, value in changed.items()], seen + 1)
        return int(seen + 1)

    return _db.run_write(_db.engine_of(source), work)


def delete(source: Source, entity: str, entity_id: int, expected_revision: int | None = None,
           actor: str | None = None) -> None:
    """Remove one row, logging every field's last value (compare-and-set as :func:`update`)."""
    table, _ = ENTITIES[entity]
    who, now = actor or current_user(), _db.utc_now()

    def work(connection: sa.Connection) -> None:
        current = _current(connection, entity, entity_id)
        seen = current["revision"] if expected_revision is None else expected_revision
        removed = connection.execute(table.delete().where(table.c.id == entity_id, table.c.revision == seen))
        if removed.rowcount == 0:
            raise _conflict(connection, entity, entity_id, seen)
        content = [(field, value, None) for field, value in current.items()
                   if field not in _BOOKKEEPING and value is not None]
        _log(connection, who, now, entity, entity_id, REMOVED, content, seen + 1)

    _db.run_write(_db.engine_of(source), work)


def rows(source: Source, entity: str, **equal: Any) -> pd.DataFrame:
    """Every row of *entity* (where each column in *equal* has the value given), by id; an empty text or
    date is None (never NaN)."""
    table, _ = ENTITIES[entity]
    query = sa.select(table).where(*(table.c[column] == value for column, value in equal.items()))
    with _db.read(_db.engine_of(source)) as connection:
        frame = pd.read_sql_query(query.order_by(table.c.id), connection)
    texts = [column.name for column in table.columns if not isinstance(column.type, sa.Integer)]
    frame[texts] = frame[texts].astype(object).where(frame[texts].notna(), None)
    return frame


def row(source: Source, entity: str, entity_id: int) -> dict[str, Any]:
    """One row of *entity* as a dict; LoopError naming the ids that exist when there is none."""
    with _db.read(_db.engine_of(source)) as connection:
        return _current(connection, entity, entity_id)


def history(source: Source, entity: str | None = None, entity_id: int | None = None) -> pd.DataFrame:
    """The log of the loop's changes, oldest first (:data:`LOG_COLUMNS`), of one entity or row if given."""
    log = _db.loop_log.c
    query = sa.select(*(log[name] for name in LOG_COLUMNS)).order_by(log.id)
    if entity is not None:
        query = query.where(log.entity == entity)
    if entity_id is not None:
        query = query.where(log.entity_id == entity_id)
    with _db.read(_db.engine_of(source)) as connection:
        return pd.read_sql_query(query, connection).astype({"revision": "Int64"})


def link(source: Source, risk_id: int, action_id: int, actor: str | None = None) -> None:
    """Link an action to the risk it treats (logged on the risk); linking twice changes nothing."""
    who, now = actor or current_user(), _db.utc_now()
    pairs = _db.risk_actions.c

    def work(connection: sa.Connection) -> None:
        risk = _current(connection, "risk", risk_id)
        _current(connection, "atgard", action_id)
        existing = connection.execute(sa.select(pairs.risk_id).where(
            pairs.risk_id == risk_id, pairs.action_id == action_id)).first()
        if existing is None:
            connection.execute(_db.risk_actions.insert().values(risk_id=risk_id, action_id=action_id))
            _log(connection, who, now, "risk", risk_id, CHANGED, [("atgard", None, str(action_id))],
                 risk["revision"])

    _db.run_write(_db.engine_of(source), work)


def links(source: Source) -> pd.DataFrame:
    """Every (risk_id, action_id) pair: the actions that treat each risk."""
    pairs = _db.risk_actions.c
    with _db.read(_db.engine_of(source)) as connection:
        return pd.read_sql_query(sa.select(pairs.risk_id, pairs.action_id)
                                 .order_by(pairs.risk_id, pairs.action_id), connection)


def sessions(source: Source) -> pd.DataFrame:
    """Every granskning (kontrollgranskningar left out): id, checklist_id, period_start, period_end,
    created_at, oldest first; what linking and follow-up choose among without opening each."""
    stored = _db.sessions.c
    query = (sa.select(stored.id, stored.checklist_id, stored.period_start, stored.period_end,
                       stored.created_at).where(stored.parent_id.is_(None))
             .order_by(stored.created_at, stored.id))
    with _db.read(_db.engine_of(source)) as connection:
        return pd.read_sql_query(query, connection)


def session_checklists(source: Source) -> list[Any]:
    """Every granskning (kontrollgranskningar left out) with the checklist it stored: rows of id,
    checklist_id, checklist_source, period_start, period_end, oldest first; what the loop names
    checklists, questions and granskningar by (:mod:`egenkontroll._loopwords`)."""
    stored = _db.sessions.c
    query = (sa.select(stored.id, stored.checklist_id, stored.checklist_source, stored.period_start,
                       stored.period_end).where(stored.parent_id.is_(None))
             .order_by(stored.created_at, stored.id))
    with _db.read(_db.engine_of(source)) as connection:
        return list(connection.execute(query).all())


def _current(connection: sa.Connection, entity: str, entity_id: int) -> dict[str, Any]:
    table, name = ENTITIES[entity]
    found = connection.execute(sa.select(table).where(table.c.id == entity_id)).mappings().first()
    if found is None:
        known = connection.execute(sa.select(table.c.id).order_by(table.c.id)).scalars().all()
        raise LoopError(f"{name} {entity_id} finns inte. Befintliga: "
                        f"{', '.join(map(str, known)) or 'inga'}.")
    return dict(found)


def _conflict(connection: sa.Connection, entity: str, entity_id: int, seen: int) -> ConflictError:
    """The ConflictError for a row changed since revision *seen*, naming who changed it last."""
    _, name = ENTITIES[entity]
    log = _db.loop_log.c
    last = connection.execute(
        sa.select(log.actor, log.at, log.revision).where(log.entity == entity, log.entity_id == entity_id)
        .order_by(log.id.desc()).limit(1)).first()
    change = ""
    if last is not None:
        when = datetime.fromisoformat(last.at).astimezone().strftime("%Y-%m-%d %H:%M")
        change = f" av {last.actor} {when} (version {last.revision})"
    return ConflictError(f"{name} {entity_id} ändrades{change} efter att du läste den (version {seen}), så "
                         "din ändring sparades inte. Läs den nya versionen och gör om ändringen om den "
                         "ska gälla.")


def _log(connection: sa.Connection, actor: str, at: str, entity: str, entity_id: int, change: str,
         fields: Iterable[tuple[str, Any, Any]], revision: int) -> None:
    """Append one log row per (field, old, new) of a change (one row without a field when there is none)."""
    entries = list(fields) or [(None, None, None)]
    connection.execute(_db.loop_log.insert(), [
        {"at": at, "actor": actor, "entity": entity, "entity_id": entity_id, "change": change,
         "field": field, "old_value": _text(old), "new_value": _text(new), "revision": revision}
        for field, old, new in entries])


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
