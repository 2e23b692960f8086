"""Drill helper run as a child process: the next release of egenkontroll, with one more register field.

The child does what a developer adding a register field does, before the rest of the package is
imported: one line more in the field definitions of ``egenkontroll/_fields.py`` (the date field
``ny_datum``, labelled "Nytt datum") and one step more in ``_db.MIGRATIONS`` that adds its column. Then,
for each workspace given, it opens it (which migrates it), imports the register, starts a våldsfråga
session and prints one JSON line: the schema version, the columns of ``cases``, ``ny_datum`` per case as
``Workspace.cases()`` reads it, and the first case's card as (label, text) per date.

Usage::

    python next_release.py REGISTER WORKSPACE [WORKSPACE ...]
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa

#: the line a developer adds to the field definitions, and the definition it follows
NEW_FIELD = '    "ny_datum": Field("date", "Nytt datum"),\n'
AFTER = '    "verkstallt_datum": Field('


def load_fields_with_new_field() -> None:
    """Load ``egenkontroll._fields`` from its source with :data:`NEW_FIELD` added after :data:`AFTER`."""
    package = importlib.util.find_spec("egenkontroll")  # finds the package without importing it
    if package is None or package.origin is None:
        raise SystemExit("egenkontroll is not installed")
    path = Path(package.origin).with_name("_fields.py")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    anchors = [i for i, line in enumerate(lines) if line.startswith(AFTER)]
    if len(anchors) != 1:
        raise SystemExit(f"{path}: expected one line starting with {AFTER!r}, found {len(anchors)}")
    source = "".join([*lines[: anchors[0] + 1], NEW_FIELD, *lines[anchors[0] + 1:]])
    module = ModuleType("egenkontroll._fields")
    module.__file__ = str(path)
    sys.modules[module.__name__] = module
    exec(compile(source, str(path), "exec"), module.__dict__)


def add_ny_datum(connection: sa.Connection) -> None:
    """The new schema step: the column of the new field."""
    connection.exec_driver_sql("ALTER TABLE cases ADD COLUMN ny_datum VARCHAR(10)")


def main() -> int:
    load_fields_with_new_field()
    from egenkontroll import _db
    from egenkontroll._review_model import ReviewModel
    from egenkontroll.workspace import Workspace

    _db.MIGRATIONS.append((len(_db.MIGRATIONS) + 1, add_ny_datum))
    register, *workspaces = sys.argv[1:]
    for path in workspaces:
        with Workspace.open(path) as workspace:
            workspace.import_register(register)
            with _db.read(workspace.engine) as connection:
                version = _db.current_version(connection)
                columns = [column["name"] for column in sa.inspect(connection).get_columns("cases")]
            cases = workspace.cases().set_index("arende_id")["ny_datum"]
            card = ReviewModel(workspace.create_session("valdsfraga", n=3, seed=1), reviewer="drill").card()
            print(json.dumps({
                "version": version,
                "columns": columns,
                "ny_datum": {case: None if day is None else day.date().isoformat()
                             for case, day in cases.astype(object).where(cases.notna(), None).items()},
                "card": {"arende_id": card.arende_id,
                         "dates": [[fact.label, fact.text] for fact in card.dates]},
            }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
