"""The workspace: folder, key, database settings, migrations and the register upsert."""

from __future__ import annotations

import stat

import pandas as pd
import pytest
import sqlalchemy as sa

from egenkontroll import Workspace, WorkspaceError, _db, register
from egenkontroll._fields import FIELDS


def _canonical(rows: list[dict]) -> pd.DataFrame:
    """A frame shaped as register.read_register returns it (canonical columns, then extras)."""
    frame = pd.DataFrame(rows)
    for name, kind in FIELDS.items():
        if name not in frame:
            frame[name] = None
        if kind == "date":
            frame[name] = pd.to_datetime(frame[name])
        elif kind == "bool":
            frame[name] = frame[name].astype("boolean")
        elif kind == "int":
            frame[name] = frame[name].astype("Int64")
    return frame[list(FIELDS) + [c for c in frame.columns if c not in FIELDS]]


CASES = [
    {"arende_id": "A-1", "person_id": "p1", "kon": "K", "fodelsear": 1990, "enhet": "Barn",
     "handlaggare": "H1", "arendetyp": "barn_och_unga", "inkom_datum": "2026-03-02",
     "forhandsbedomning_datum": "2026-03-10", "barn_i_hushallet": True, "Distrikt": "Norr"},
    {"arende_id": "A-2", "person_id": "p2", "kon": "M", "fodelsear": 1985, "enhet": "Vuxen",
     "handlaggare": "H2", "arendetyp": "vuxen_missbruk", "inkom_datum": "2026-04-01", "Distrikt": "Söder"},
]


@pytest.fixture
def fake_register(monkeypatch: pytest.MonkeyPatch):
    """Replace the file reader by a given frame, so these tests exercise only the upsert."""
    frames: list[pd.DataFrame] = []
    monkeypatch.setattr(register, "read_register",
                        lambda path, *, profile=None, key, limits, profile_folders: frames.pop(0))
    return frames


def test_open_creates_folder_database_and_export_dir(workspace_path):
    with Workspace.open(workspace_path) as ws:
        assert (workspace_path / "egenkontroll.sqlite").is_file()
        assert ws.export_dir.is_dir()


def test_key_is_created_once_with_mode_0600(workspace_path):
    with Workspace.open(workspace_path) as ws:
        key = ws.key
    key_file = workspace_path / "pseudonymnyckel"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key) == 32
    with Workspace.open(workspace_path) as again:
        assert again.key == key


def test_damaged_key_is_a_clear_error(workspace_path):
    Workspace.open(workspace_path).close()
    (workspace_path / "pseudonymnyckel").write_text("inte hex")
    damaged = pytest.raises(WorkspaceError, match="pseudonymnyckeln är skadad")
    with Workspace.open(workspace_path) as ws, damaged:
        _ = ws.key


def test_sqlite_runs_in_wal_with_full_sync(workspace):
    with workspace.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_workspace_path_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "fil").write_text("x")
    with pytest.raises(WorkspaceError, match="måste vara en mapp"):
        Workspace.open(tmp_path / "fil")


def test_newer_version_migrates_an_older_workspace_without_losing_data(workspace_path, fake_register,
                                                                      monkeypatch):
    fake_register.append(_canonical(CASES))
    with Workspace.open(workspace_path) as ws:
        ws.import_register("register.xlsx")
        before = ws.cases()

    def add_note_column(connection: sa.Connection) -> None:
        connection.exec_driver_sql("ALTER TABLE cases ADD COLUMN note TEXT")

    newer = len(_db.MIGRATIONS) + 1
    monkeypatch.setattr(_db, "MIGRATIONS", [*_db.MIGRATIONS, (newer, add_note_column)])
    with Workspace.open(workspace_path) as ws:  # "the newer version" opens the older workspace
        with ws.engine.connect() as connection:
            assert _db.current_version(connection) == newer
            assert "note" in {c["name"] for c in sa.inspect(connection).get_columns("cases")}
        pd.testing.assert_frame_equal(ws.cases(), before)


def test_workspace_from_a_newer_version_is_refused(workspace_path):
    Workspace.open(workspace_path).close()
    engine = _db.create_engine(f"sqlite:///{workspace_path / 'egenkontroll.sqlite'}")
    with _db.write(engine) as connection:
        connection.execute(_db.schema_version.insert().values(version=99, applied_at=_db.utc_now()))
    engine.dispose()
    with pytest.raises(WorkspaceError, match="schemaversion 99"):
        Workspace.open(workspace_path)


def test_import_upserts_and_counts_new_changed_unchanged(workspace, fake_register):
    fake_register.append(_canonical(CASES))
    first = workspace.import_register("export-1.xlsx")
    assert (first.new, first.changed, first.unchanged, first.rows) == (2, 0, 0, 2)

    changed = [dict(CASES[0], forhandsbedomning_datum="2026-03-12"), CASES[1],
               {**CASES[1], "arende_id": "A-3", "Distrikt": "Väster"}]
    fake_register.append(_canonical(changed))
    second = workspace.import_register("export-2.xlsx")
    assert (second.new, second.changed, second.unchanged) == (1, 1, 1)
    assert "1 nya, 1 ändrade, 1 oförändrade" in str(second)

    cases = workspace.cases().set_index("arende_id")
    assert list(cases.index) == ["A-1", "A-2", "A-3"]
    assert cases.loc["A-1", "forhandsbedomning_datum"] == pd.Timestamp("2026-03-12")
    assert cases.loc["A-3", "Distrikt"] == "Väster"


def test_cases_round_trip_types(workspace, fake_register):
    fake_register.append(_canonical(CASES))
    workspace.import_register("export.xlsx")
    cases = workspace.cases().set_index("arende_id")
    assert cases["inkom_datum"].dtype.kind == "M"
    assert str(cases["barn_i_hushallet"].dtype) == "boolean"
    assert bool(cases.loc["A-1", "barn_i_hushallet"])
    assert pd.isna(cases.loc["A-2", "barn_i_hushallet"])
    assert cases.loc["A-1", "fodelsear"] == 1990
    assert cases.loc["A-2", "Distrikt"] == "Söder"


def test_changed_extra_column_counts_as_changed(workspace, fake_register):
    fake_register.append(_canonical(CASES))
    workspace.import_register("a.xlsx")
    fake_register.append(_canonical([CASES[0], {**CASES[1], "Distrikt": "Öster"}]))
    report = workspace.import_register("b.xlsx")
    assert (report.changed, report.unchanged) == (1, 1)


def test_status_counts_per_enhet_type_and_year(workspace, fake_register):
    fake_register.append(_canonical(CASES))
    workspace.import_register("a.xlsx")
    status = workspace.status()
    assert status["arenden"] == 2
    assert status["per_enhet"] == {"Barn": 1, "Vuxen": 1}
    assert status["per_arendetyp"] == {"barn_och_unga": 1, "vuxen_missbruk": 1}
    assert status["per_ar"] == {"2026": 2}
    assert status["senaste_inlasning"]["file"] == "a.xlsx"
