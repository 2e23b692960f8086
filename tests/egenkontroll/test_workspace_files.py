"""What the workspace folder holds (issue 14, points 3-4): file modes, fel.log without values, and no
personnummer anywhere in its bytes after a whole round of work."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import sqlalchemy as sa

from egenkontroll import _boundary, cli, personnummer
from egenkontroll.workspace import Workspace
from tests.conftest import EGENKONTROLL, cli_environment
from tests.egenkontroll.test_privacy import FORMS, PARENT
from tests.egenkontroll.test_register import HEADINGS, case, synthetic_pnr, write_csv

FOLDER_MODE, FILE_MODE = 0o700, 0o600


def modes(folder: Path) -> dict[str, int]:
    """Mode bits of the folder and everything in it, by path relative to the folder."""
    return {str(path.relative_to(folder)): stat.S_IMODE(path.stat().st_mode)
            for path in [folder, *folder.rglob("*")]}


def run_ok(workspace: Path, *args: str) -> None:
    """Run the command line on *workspace* in a subprocess, as a user would; it must succeed."""
    result = subprocess.run([*EGENKONTROLL, "--workspace", str(workspace), *args], capture_output=True,
                            text=True, env=cli_environment(), timeout=300)
    assert result.returncode == 0, result.stderr


def test_every_folder_is_0700_and_every_file_0600_whatever_created_it(tmp_path):
    workspace = tmp_path / "arbetsyta"
    register_file = write_csv(tmp_path / "register.csv", [case(i) for i in range(12)])
    run_ok(workspace, "import", str(register_file))
    run_ok(workspace, "sample", "--checklist", "valdsfraga", "--n", "3")
    run_ok(workspace, "export", str(workspace / "export" / "r.xlsx"))
    _boundary.CLI.log(RuntimeError("x"), workspace)
    found = modes(workspace)
    assert {"egenkontroll.sqlite", "pseudonymnyckel", "fel.log", "export/r.xlsx"} <= set(found)
    wider = {name: f"{mode:o}" for name, mode in found.items()
             if mode != (FOLDER_MODE if (workspace / name).is_dir() else FILE_MODE)}
    assert wider == {}


def test_status_warns_about_files_others_may_read(tmp_path, capsys):
    workspace = tmp_path / "arbetsyta"
    assert cli.main(["--workspace", str(workspace), "--ny", "status"]) == 0
    assert "Varning" not in capsys.readouterr().out
    (workspace / "egenkontroll.sqlite").chmod(0o644)
    assert cli.main(["--workspace", str(workspace), "status"]) == 0
    out = capsys.readouterr().out
    assert f"Varning: {workspace / 'egenkontroll.sqlite'} kan läsas av andra än ägaren (rättigheter 644)" \
        in out


def test_fel_log_names_type_and_table_but_never_the_values(tmp_path, workspace):
    secret = FORMS["YYMMDD-XXXX"]
    try:
        with workspace.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO cases (arende_id, extra) VALUES (:id, :extra)"),
                               {"id": "A-1", "extra": secret})
    except sa.exc.DBAPIError as error:
        _boundary.CLI.log(error, workspace.path)
    log = (workspace.path / "fel.log").read_text(encoding="utf-8")
    assert "sqlalchemy.exc.IntegrityError (tabell: cases)" in log and "kommandoraden" in log
    assert secret not in log and PARENT[6:] not in log and "A-1" not in log
    assert stat.S_IMODE((workspace.path / "fel.log").stat().st_mode) == FILE_MODE


def test_no_personnummer_in_any_byte_of_the_workspace(tmp_path):
    """Import, review with comments, export, then search the database, WAL, cache, logs and exports."""
    workspace = tmp_path / "arbetsyta"
    numbers = [synthetic_pnr(i) for i in range(12)]
    rows = [case(i, Anteckning=f"Ringde {numbers[i]}", Namn="Anna Andersson") for i in range(12)]
    register_file = write_csv(tmp_path / "register.csv", rows, headings=[*HEADINGS, "Namn"])
    profile = tmp_path / "profil.yaml"
    profile.write_text("bas: generisk\nextra_kolumner: [Anteckning]\nfritext: maskera\n", encoding="utf-8")
    run_ok(workspace, "import", str(register_file), "--profile", str(profile))
    run_ok(workspace, "sample", "--checklist", "valdsfraga", "--n", "4")
    with Workspace.open(workspace) as opened:
        session = opened.sessions()[0]
        session.record(session.case_ids[0], "vald_fragat", "nej", comment="Ej frågat vid besöket")
    run_ok(workspace, "export", str(workspace / "export" / "r.xlsx"))
    _boundary.CLI.log(RuntimeError(numbers[0]), workspace)
    everything = b"".join(path.read_bytes() for path in workspace.rglob("*") if path.is_file())
    assert personnummer.REMOVED.encode() in everything  # the notes are there, masked
    for number in numbers:
        for form in (number, number.replace("-", ""), f"19{number}", f"19{number.replace('-', '')}"):
            assert form.encode() not in everything, form
    assert b"Anna Andersson" not in everything
