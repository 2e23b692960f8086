"""The workspace schema: version 1 frozen, steps run in order, and a new register field through a new step."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from drills.race import at_once
from drills.synthetic import COLUMNS, row

import egenkontroll
from egenkontroll import Workspace, _db

#: what a fresh workspace held at e004b34, when schema v1 was still created from the field list
V1_SNAPSHOT = Path(__file__).parent / "data" / "schema_v1.sql"
CHILD = Path(__file__).resolve().parent / "drills" / "next_release.py"


def _engine(tmp_path: Path) -> sa.Engine:
    return _db.create_engine(f"sqlite:///{tmp_path / 'egenkontroll.sqlite'}")


def _ddl(engine: sa.Engine) -> str:
    """The SQLite schema as the snapshot file holds it: every statement, lines without trailing blanks."""
    with engine.connect() as connection:
        statements = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name").scalars()
        return "".join("\n".join(line.rstrip() for line in sql.splitlines()) + ";\n\n" for sql in statements)


def _columns(engine: sa.Engine) -> dict[str, dict[str, tuple[str, bool, bool]]]:
    """table -> column -> (type, nullable, part of the primary key), as the database reports them."""
    inspector = sa.inspect(engine)
    return {table: {column["name"]: (str(column["type"]), column["nullable"], column["primary_key"] > 0)
                    for column in inspector.get_columns(table)}
            for table in inspector.get_table_names()}


def test_schema_v1_is_the_one_fresh_workspaces_got_before_it_was_frozen(tmp_path):
    engine = _engine(tmp_path)
    _db.migrate(engine, _db.MIGRATIONS[:1])
    assert _ddl(engine) == V1_SNAPSHOT.read_text(encoding="utf-8").rstrip("\n") + "\n\n"


def test_live_tables_are_what_the_migrations_create(tmp_path):
    migrated, live = _engine(tmp_path), _db.create_engine("sqlite://")
    _db.migrate(migrated)
    _db.metadata.create_all(live)
    assert _columns(migrated) == _columns(live)


def test_steps_run_in_order_from_the_stored_version(tmp_path):
    engine = _engine(tmp_path)
    _db.migrate(engine)
    ran: list[int] = []
    steps = [*_db.MIGRATIONS, *((version, lambda _c, v=version: ran.append(v))
                                for version in range(len(_db.MIGRATIONS) + 1, len(_db.MIGRATIONS) + 3))]
    assert _db.migrate(engine, steps) == len(steps)
    assert ran == [len(steps) - 1, len(steps)]
    assert _db.migrate(engine, steps) == len(steps) and len(ran) == 2  # nothing left to run


def test_steps_numbered_out_of_order_are_refused_before_anything_runs(tmp_path):
    engine = _engine(tmp_path)
    with pytest.raises(ValueError, match="numbered 1, 2, 3"):
        _db.migrate(engine, [(2, _db.MIGRATIONS[0][1])])
    assert not sa.inspect(engine).has_table("schema_version")


def test_a_new_register_field_reaches_fresh_and_old_workspaces(tmp_path):
    source = {row(i)["arende_id"]: {**row(i), "ny_datum": f"2026-12-{i + 1:02d}" if i % 2 else ""}
              for i in range(10)}
    register = tmp_path / "register.csv"
    with register.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*COLUMNS, "ny_datum"], delimiter=";")
        writer.writeheader()
        writer.writerows(source.values())
    old, fresh = tmp_path / "gammal", tmp_path / "ny"
    with Workspace.open(old) as workspace:  # this release keeps ny_datum as an extra column
        workspace.import_register(register)

    package_root = str(Path(egenkontroll.__file__).parents[1])  # the child runs the code this test runs
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root,
                                                                          os.environ.get("PYTHONPATH")]))}
    child = subprocess.run([sys.executable, str(CHILD), str(register), str(old), str(fresh)],
                           capture_output=True, text=True, timeout=300, env=environment)
    assert child.returncode == 0, child.stderr

    opened = [json.loads(line) for line in child.stdout.splitlines()]
    assert len(opened) == 2
    for workspace in opened:
        assert workspace["version"] == len(_db.MIGRATIONS) + 1
        assert "ny_datum" in workspace["columns"]
        assert workspace["ny_datum"] == {case: fields["ny_datum"] or None for case, fields in source.items()}
        shown = source[workspace["card"]["arende_id"]]
        dates = dict(workspace["card"]["dates"])
        assert dates["Nytt datum"] == (shown["ny_datum"] or "uppgift saknas")
        assert dates["Inkom"] == shown["inkom_datum"]


@pytest.mark.postgres
def test_two_first_opens_at_once_on_a_server_migrate_once(postgres_cluster):
    url = postgres_cluster.create_database()
    engines = [_db.create_engine(url) for _ in range(3)]
    assert at_once(*(lambda engine=engine: _db.migrate(engine) for engine in engines)) == [
        _db.SCHEMA_VERSION] * 3
    with _db.read(engines[0]) as connection:
        versions = connection.execute(sa.select(_db.schema_version.c.version)).scalars().all()
    for engine in engines:
        engine.dispose()
    postgres_cluster.drop_database(url)
    assert sorted(versions) == list(range(1, _db.SCHEMA_VERSION + 1))
