"""The case table: the register as stored, with the reviewers' date corrections applied when asked.

Every function takes the workspace database as an engine, or an object holding one (a Workspace).
Imports upsert by arende_id in one transaction; the stored register is never changed by a review (a
correction is kept beside the original, see :meth:`egenkontroll.store.Session.correct`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import numpy as np
import pandas as pd
import sqlalchemy as sa

from egenkontroll import _db
from egenkontroll._db import Source
from egenkontroll._fields import BOOL_FIELDS, DATE_FIELDS, FIELD_LABELS, FIELDS
from egenkontroll.identity import current_user
from egenkontroll.register import COLUMN_MAP, DATE_RULES, DROPPED_COLUMNS, WARNINGS

__all__ = [
    "ImportReport",
    "import_frame",
    "read_cases",
    "corrected_cases",
    "case_records",
    "summary",
    "data_dates",
]

_STORED = [name for name in FIELDS if name != "arende_id"]
_FIXES = _db.corrections.c


@dataclass(frozen=True)
class ImportReport:
    """What an import did: how many cases were new, changed or unchanged, and which columns it kept.

    ``kept`` are the extra columns stored beside the canonical fields, ``dropped`` the columns left
    out (not on the profile's allowlist), ``warnings`` Swedish notes on values that were accepted.
    ``columns`` says which file column became which field, ``date_rules`` which rule read each date
    column (Swedish lines).
    """

    file: str
    rows: int
    new: int
    changed: int
    unchanged: int
    kept: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    columns: tuple[tuple[str, str], ...] = ()
    date_rules: tuple[str, ...] = ()

    def __str__(self) -> str:
        lines = [
            f"Läste in {self.rows} ärenden från {self.file}: {self.new} nya, "
            f"{self.changed} ändrade, {self.unchanged} oförändrade.",
        ]
        if self.columns:
            lines.append("Kolumner i filen som blev registerfält:")
            lines += [f"  {heading} → {_field_words(name)}" for heading, name in self.columns]
        if self.date_rules:
            lines.append("Så lästes datumen:")
            lines += [f"  {rule}" for rule in self.date_rules]
        lines.append(f"Sparade kolumner utöver registerfälten: {', '.join(self.kept) or 'inga'}.")
        if self.dropped:
            lines.append(f"Kolumner som inte sparades (inte med i profilens extra_kolumner): "
                         f"{', '.join(self.dropped)}.")
        lines += [f"Varning: {warning}" for warning in self.warnings]
        return "\n".join(lines)


def _field_words(name: str) -> str:
    """A field as the import report names it: ``inkom_datum (Inkom)``; the personnummer's fate."""
    if name == "personnummer":
        return "personnummer (sparas bara som pseudonym)"
    return f"{name} ({FIELD_LABELS[name]})"


def import_frame(source: Source, frame: pd.DataFrame, *, file: str, profile: str | None) -> ImportReport:
    """Upsert the validated register *frame* (read from *file*) by arende_id, in one transaction."""
    rows = _to_rows(frame)
    with _db.write(_db.engine_of(source), _db.IMPORT_LOCK) as connection:  # one import at a time
        stored = dict(connection.execute(sa.select(_db.cases.c.arende_id, _db.cases.c.row_hash)).all())
        new = [row for row in rows if row["arende_id"] not in stored]
        changed = [row for row in rows
                   if stored.get(row["arende_id"], row["row_hash"]) != row["row_hash"]]
        unchanged = len(rows) - len(new) - len(changed)
        report = ImportReport(file, len(rows), len(new), len(changed), unchanged,
                              kept=tuple(c for c in frame.columns if c not in FIELDS),
                              dropped=tuple(frame.attrs.get(DROPPED_COLUMNS, ())),
                              warnings=tuple(frame.attrs.get(WARNINGS, ())),
                              columns=tuple(frame.attrs.get(COLUMN_MAP, ())),
                              date_rules=tuple(frame.attrs.get(DATE_RULES, ())))
        inserted = connection.execute(_db.imports.insert().values(
            file=file, profile=profile or "generisk", rows=report.rows, new=report.new,
            changed=report.changed, unchanged=report.unchanged,
            imported_by=current_user(), imported_at=_db.utc_now(),
        )).inserted_primary_key
        assert inserted is not None  # a single-row insert always has one
        import_id = inserted[0]
        _upsert(connection, new, changed, {"import_id": import_id, "imported_at": _db.utc_now()})
    return report


def read_cases(source: Source) -> pd.DataFrame:
    """The case register: canonical fields (pseudonymised) and the source's other columns."""
    with _db.read(_db.engine_of(source)) as connection:
        query = sa.select(_db.cases.c.arende_id, *(_db.cases.c[n] for n in _STORED), _db.cases.c.extra)
        frame = pd.read_sql_query(query.order_by(_db.cases.c.arende_id), connection)
    return _from_rows(frame)


def corrected_cases(source: Source) -> pd.DataFrame:
    """The register (:func:`read_cases`) with every reviewer's date corrections applied."""
    frame = read_cases(source)
    with _db.read(_db.engine_of(source)) as connection:
        fixes = connection.execute(sa.select(_FIXES.arende_id, _FIXES.field, _FIXES.corrected)).all()
    for arende_id, field, corrected in fixes:
        frame.loc[frame["arende_id"] == arende_id, field] = pd.Timestamp(corrected)
    return frame


def case_records(source: Source, case_ids: Iterable[str] | sa.Select) -> dict[str, dict[str, Any]]:
    """Cases by arende_id as plain mappings, corrections applied (dates as :class:`datetime.date`).

    *case_ids* is a list of ids or a query selecting them.
    """
    ids = case_ids if isinstance(case_ids, sa.Select) else list(case_ids)
    with _db.read(_db.engine_of(source)) as connection:
        rows = connection.execute(sa.select(_db.cases).where(_db.cases.c.arende_id.in_(ids))).mappings().all()
        fixes = connection.execute(sa.select(_FIXES.arende_id, _FIXES.field, _FIXES.corrected)
                                   .where(_FIXES.arende_id.in_(ids))).all()
    cases = {row["arende_id"]: _case_fields(row) for row in rows}
    for arende_id, field, corrected in fixes:
        cases[arende_id][field] = date.fromisoformat(corrected)
    return cases


def summary(source: Source) -> dict[str, Any]:
    """Counts of cases per enhet, arendetyp and year, and the latest import (Swedish keys)."""
    with _db.read(_db.engine_of(source)) as connection:
        query = sa.select(_db.cases.c.enhet, _db.cases.c.arendetyp, _db.cases.c.inkom_datum)
        frame = pd.read_sql_query(query, connection)
        last_import = connection.execute(
            sa.select(_db.imports).order_by(_db.imports.c.id.desc()).limit(1)).mappings().first()
    year = frame["inkom_datum"].str.slice(0, 4)
    return {
        "arenden": len(frame),
        "per_enhet": _counts(frame["enhet"]),
        "per_arendetyp": _counts(frame["arendetyp"]),
        "per_ar": _counts(year),
        "senaste_inlasning": dict(last_import) if last_import else None,
    }


def data_dates(source: Source) -> tuple[str | None, str | None]:
    """When the register was last imported and the last answer saved (ISO texts; None: never)."""
    with _db.read(_db.engine_of(source)) as connection:
        imported = connection.execute(sa.select(sa.func.max(_db.imports.c.imported_at))).scalar()
        answered = connection.execute(sa.select(sa.func.max(_db.answers.c.recorded_at))).scalar()
    return imported, answered


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
    records = cast(list[dict[str, Any]], stored.to_dict("records"))  # the column labels are text
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


def _case_fields(row: Mapping[Any, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {name: row[name] for name in FIELDS}
    for name in DATE_FIELDS:
        fields[name] = date.fromisoformat(fields[name]) if fields[name] else None
    for name in BOOL_FIELDS:
        fields[name] = None if fields[name] is None else bool(fields[name])
    extras = json.loads(row["extra"] or "{}")
    return {**extras, **fields}
